#!/usr/bin/python3
"""Benchmark: what CURVE on the bus costs. The build of a commit from before
it (2eb5dc7 unless R5_BENCH_BASE names another) beside this tree, in one run,
the two alternated round by round (A B A B ...) so drift on the machine falls
on both:

  - token verifications through one broker, one r5-token and one r5-resource
    (verify_bench, windows 1 and 16): verifies/s, p50, p99;
  - `{ viewer { id name email role } }` through the whole suite with the
    verdict cache off (R5_VERDICT_CACHE_SECONDS=0), wrk at 1 and 16
    connections: requests/s, p50, p99.

Prints one table: each figure's median over the rounds for both builds, and
the ratio (this tree / base).

    /usr/bin/python3 tests/bench/curve_cost.py [seconds per row] [rounds]

The base commit is checked out as a detached git worktree in
build-bench-base/src and built (Release) in build-bench-base/build; both stay
for the next run, which rebuilds only when the worktree is at another commit.
They stay because the gateway reads its schema from its source tree at run
time. Its verify_bench is this tree's verify_bench.c, copied in, so both
sides run the same client. Each build runs with the r5suite.py and r5client.py
of its own tree, in a subprocess of this script (--worker).

Before measuring, waits until the 1-minute load is below 1.0 (polls every
30 s, up to 15 minutes; R5_BENCH_NO_WAIT=1 skips the wait) and prints the
busiest processes when it gave up.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import bench

VIEWER = {'query': '{ viewer { id name email role } }'}
WINDOWS = (1, 16)
CONNECTIONS = (1, 16)
BASE_DIR = os.path.join(bench.SOURCE_DIR, 'build-bench-base')
BASE_SOURCE = os.path.join(BASE_DIR, 'src')
BASE_BUILD = os.path.join(BASE_DIR, 'build')
# What a round runs: the base build needs no more than these.
TARGETS = ['r5-broker', 'r5-token', 'r5-resource', 'r5-authz', 'r5-gateway', 'verify_bench']


def git(*args, cwd=bench.SOURCE_DIR):
    return subprocess.run(['git'] + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def build_base(commit, targets=TARGETS):
    """The base commit's worktree and Release build of targets, made or brought up to date."""
    here = git('rev-parse', 'HEAD', cwd=BASE_SOURCE) if os.path.isdir(os.path.join(BASE_SOURCE, '.git')) or \
        os.path.isfile(os.path.join(BASE_SOURCE, '.git')) else None
    if here != commit:
        if os.path.exists(BASE_SOURCE):
            git('worktree', 'remove', '--force', BASE_SOURCE)
        shutil.rmtree(BASE_BUILD, ignore_errors=True)
        git('worktree', 'prune')
        git('worktree', 'add', '--detach', BASE_SOURCE, commit)
    # The same client on both sides; a local change in the base's worktree only.
    client = os.path.join('tests', 'bench', 'verify_bench.c')
    with open(os.path.join(bench.SOURCE_DIR, client), 'rb') as f:
        ours = f.read()
    with open(os.path.join(BASE_SOURCE, client), 'rb') as f:
        theirs = f.read()
    if ours != theirs:
        with open(os.path.join(BASE_SOURCE, client), 'wb') as f:
            f.write(ours)
    subprocess.run(['cmake', '-S', BASE_SOURCE, '-B', BASE_BUILD, '-DCMAKE_BUILD_TYPE=Release'],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['cmake', '--build', BASE_BUILD, '-j%d' % os.cpu_count(), '--target'] + targets,
                   check=True, stdout=subprocess.DEVNULL)


def load():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


def wait_for_quiet(limit=15 * 60, poll=30):
    """Wait until the 1-minute load is below 1.0; answer a note on what ran when it never was."""
    deadline = time.monotonic() + limit
    while load() >= 1.0 and not os.environ.get('R5_BENCH_NO_WAIT'):
        if time.monotonic() > deadline:
            break
        print('waiting for a quiet machine: load %.2f' % load(), file=sys.stderr, flush=True)
        time.sleep(poll)
    if load() < 1.0:
        return None
    busy = subprocess.run(['ps', '-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'],
                          capture_output=True, text=True).stdout.splitlines()[:6]
    return 'load %.2f at the start; busiest: %s' % (load(), ', '.join(' '.join(b.split()[::-1]) + '%' for b in busy))


# ---------------------------------------------------------------------------
# Worker: one round on one build, with that tree's r5suite and r5client.

def worker(source_dir, build_dir, seconds):
    sys.path.insert(0, os.path.join(source_dir, 'deploy'))
    sys.path.insert(0, os.path.join(source_dir, 'tests', 'integration'))
    import r5suite
    from r5client import Session

    data = bench.data_dir()
    results = {}
    try:
        with r5suite.Suite(build_dir, data, env={'R5_VERDICT_CACHE_SECONDS': '0', 'R5_LOG_LEVEL': 'warn'}) as suite:
            session = Session(suite.url())
            session.signup()
            token = session.create_token(['incidentsRead'])['value']
            env = dict(os.environ, R5_BENCH_TOKEN=token)
            if hasattr(suite, 'key'):
                env.update(R5_BUS_KEY=suite.key('internal.key_secret'), R5_BROKER_KEY=suite.key('broker.key'))
            for window in WINDOWS:
                out = subprocess.run([os.path.join(build_dir, 'tests', 'bench', 'verify_bench'),
                                      suite.brokers[0].fields['endpoint'], str(seconds), str(window)],
                                     env=env, capture_output=True, text=True)
                fields = dict(f.split('=', 1) for f in out.stdout.split() if '=' in f)
                if out.returncode != 0 or 'rps' not in fields:
                    raise RuntimeError('verify_bench failed: %s' % (out.stdout.strip() or out.stderr.strip()))
                results['verify w=%d' % window] = {'rps': float(fields['rps']), 'p50': float(fields['p50_ms']),
                                                   'p99': float(fields['p99_ms'])}
            for conns in CONNECTIONS:
                r = bench.wrk(suite.url() + '/graphql', VIEWER, token, conns, seconds)
                if r['non2xx']:
                    raise RuntimeError('viewer c=%d: %d answers were not 2xx' % (conns, r['non2xx']))
                results['viewer c=%d' % conns] = r
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results))


def run_round(source_dir, build_dir, seconds, script=__file__):
    """One round in a subprocess: script's --worker on that tree and build; its last line of JSON."""
    out = subprocess.run([sys.executable, os.path.realpath(script), '--worker', source_dir, build_dir, str(seconds)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit('round on %s failed:\n%s' % (build_dir, out.stderr.strip()[-2000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------

def main():
    if len(sys.argv) == 5 and sys.argv[1] == '--worker':
        return worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    base = git('rev-parse', os.environ.get('R5_BENCH_BASE', '2eb5dc7'))
    bench.build()
    if not os.environ.get('R5_BENCH_SKIP_BUILD'):
        build_base(base)
    note = wait_for_quiet()
    builds = {'base': (BASE_SOURCE, BASE_BUILD), 'curve': (bench.SOURCE_DIR, bench.BUILD_DIR)}
    samples = {'base': [], 'curve': []}
    for i in range(rounds):
        # A B, then B A: neither build always goes first.
        for name in (('base', 'curve') if i % 2 == 0 else ('curve', 'base')):
            print('round %d: %s (load %.2f)' % (i + 1, name, load()), file=sys.stderr, flush=True)
            samples[name].append(run_round(*builds[name], seconds))

    def median(name, row, key):
        return statistics.median(s[row][key] for s in samples[name])

    print('base %s, this tree %s; %d s per row, median of %d rounds each, verdict cache off'
          % (base[:7], git('rev-parse', '--short', 'HEAD'), seconds, rounds))
    if note:
        print(note)
    print('%-12s %10s %8s %8s %10s %8s %8s %7s' % ('what', 'base /s', 'p50 ms', 'p99 ms', 'CURVE /s', 'p50 ms', 'p99 ms',
                                                  'ratio'))
    for row in ['verify w=%d' % w for w in WINDOWS] + ['viewer c=%d' % c for c in CONNECTIONS]:
        a = [median('base', row, k) for k in ('rps', 'p50', 'p99')]
        b = [median('curve', row, k) for k in ('rps', 'p50', 'p99')]
        print('%-12s %10.0f %8.2f %8.2f %10.0f %8.2f %8.2f %6.2fx' % tuple([row] + a + b + [b[0] / a[0]]))
    print('each round (req/s, base | CURVE): ' + '; '.join(
        '%s %s | %s' % (row, ' '.join('%.0f' % s[row]['rps'] for s in samples['base']),
                        ' '.join('%.0f' % s[row]['rps'] for s in samples['curve']))
        for row in samples['base'][0]))


if __name__ == '__main__':
    main()
