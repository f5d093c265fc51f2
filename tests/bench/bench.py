#!/usr/bin/python3
"""Shared by the benchmark scripts: a Release build, a running suite, wrk runs
parsed into requests/s and latency percentiles, open-loop runs
(tests/bench/openloop.c), the CPU time processes spent, and a table to print."""

import json
import os
import re
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.realpath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(BENCH_DIR))
BUILD_DIR = os.environ.get('R5_BENCH_BUILD_DIR', os.path.join(SOURCE_DIR, 'build-bench'))
sys.path.insert(0, os.path.join(SOURCE_DIR, 'deploy'))
sys.path.insert(0, os.path.join(SOURCE_DIR, 'tests', 'integration'))
# Benchmarks drive one user far past the 5,000 points an hour of the GraphQL
# rate limits; they measure throughput, so the suites they start run without
# budgets unless told otherwise (viewer.py's rate-limit rows set their own).
os.environ.setdefault('R5_RATE_LIMIT_POINTS', '0')


def build():
    """A Release build in R5_BENCH_BUILD_DIR (build-bench/), unless R5_BENCH_SKIP_BUILD is set."""
    if os.environ.get('R5_BENCH_SKIP_BUILD'):
        return
    subprocess.run(['cmake', '-S', SOURCE_DIR, '-B', BUILD_DIR, '-DCMAKE_BUILD_TYPE=Release'],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['cmake', '--build', BUILD_DIR, '-j%d' % os.cpu_count()], check=True, stdout=subprocess.DEVNULL)


def to_ms(text):
    value, unit = re.match(r'([\d.]+)(us|ms|s)', text).groups()
    return float(value) * {'us': 0.001, 'ms': 1.0, 's': 1000.0}[unit]


def wrk(url, body, token='', connections=1, seconds=10, threads=None):
    """Run wrk; answer requests/s, p50 and p99 in ms, non-2xx count, and requests."""
    env = dict(os.environ, R5_BENCH_BODY=json.dumps(body), R5_BENCH_TOKEN=token)
    threads = threads or min(connections, 2)
    out = subprocess.run(['wrk', '-t%d' % threads, '-c%d' % connections, '-d%ds' % seconds, '--latency',
                          '-s', os.path.join(BENCH_DIR, 'post.lua'), url],
                         env=env, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    p50 = to_ms(re.search(r'^\s+50%\s+(\S+)', out, re.M).group(1))
    p99 = to_ms(re.search(r'^\s+99%\s+(\S+)', out, re.M).group(1))
    bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    requests = int(re.search(r'(\d+) requests in', out).group(1))
    return {'rps': rps, 'p50': p50, 'p99': p99, 'non2xx': int(bad.group(1)) if bad else 0, 'requests': requests}


def openloop(url, body, token='', rate=1000, connections=64, seconds=10):
    """Run tests/bench/openloop: requests sent at a fixed rate whatever the replies
    do, latency from each request's due time (wrk2's way; the first second is not
    measured). Answers its JSON line: rate, sent, ok, non2xx, errors, reconnects,
    unsent, achieved (replies/s) and p50, p90, p99, p999, max in ms."""
    with tempfile.NamedTemporaryFile('w', suffix='.json') as body_file:
        json.dump(body, body_file)
        body_file.flush()
        argv = [os.path.join(BUILD_DIR, 'tests', 'bench', 'openloop'), '--url', url, '--rate', '%.0f' % rate,
                '--seconds', str(seconds), '--connections', str(connections), '--body-file', body_file.name]
        if token:
            argv += ['--header', 'Authorization: Bearer ' + token]
        return json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)


def cpu_seconds(pids):
    """The CPU time (user + system, every thread) each of pids has used so far,
    in seconds: {pid: seconds}. Taken before and after a run, the difference is
    what the run cost each process."""
    seconds = {}
    for pid in pids:
        with open('/proc/%d/stat' % pid) as f:
            # The command name, in parentheses, may hold spaces: count from
            # its closing one. After it come state (field 3 of proc(5)), ...,
            # utime (14) and stime (15), in clock ticks.
            fields = f.read().rsplit(')', 1)[1].split()
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    return seconds


def cpu_us_per_request(before, after, pids, run):
    """The CPU microseconds pids spent together per request of run (a wrk
    result), from cpu_seconds taken before and after it."""
    return 1e6 * sum(after[pid] - before[pid] for pid in pids) / run['requests']


def table(rows):
    print('%-44s %5s %10s %9s %9s %7s' % ('what', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors'))
    for name, conns, r in rows:
        print('%-44s %5d %10.0f %9.2f %9.2f %7d' % (name, conns, r['rps'], r['p50'], r['p99'], r['non2xx']))


def data_dir():
    return tempfile.mkdtemp(prefix='r5-bench-')
