#!/usr/bin/python3
"""Benchmark: the verdict cache across its expiries (issue 14, item 4).
`{ viewer { id name email role } }` with one token at 64 connections for
[seconds] (default 60), twice in one run on the same suite build:

  - verdict cache 5 s: the run crosses an expiry of the token's verdict every
    5 s (12 in 60 s); refresh ahead lets one request verify again while the
    other 63 keep using the verdict;
  - verdict cache 30 s, the default (the peer).

Prints requests/s, p50, p99, p99.9, p99.99 and max in ms, p99.9 / p99
(goal: at most 3 in the expiring run), and the requests that asked r5-token
(the gateway's verdict-cache misses): with refresh ahead about one per
expiry, without it up to one per connection. R5_BENCH_BUILD_DIR with
R5_BENCH_SKIP_BUILD=1 measures another build (e.g. one without the change).

    /usr/bin/python3 tests/bench/cache_expiry.py [seconds]
"""

import json
import os
import re
import subprocess
import sys

import urllib.request

import bench
import r5suite
from r5client import Session

VIEWER = {'query': '{ viewer { id name email role } }'}


def tail(url, token, connections, seconds):
    env = dict(os.environ, R5_BENCH_BODY=json.dumps(VIEWER), R5_BENCH_TOKEN=token, R5_BENCH_DIR=bench.BENCH_DIR)
    out = subprocess.run(['wrk', '-t2', '-c%d' % connections, '-d%ds' % seconds,
                          '-s', os.path.join(bench.BENCH_DIR, 'tail.lua'), url],
                         env=env, check=True, capture_output=True, text=True).stdout
    figures = {key: float(value) for key, value in re.findall(r'^tail (\S+) ([\d.]+)$', out, re.M)}
    figures['rps'] = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    figures['errors'] = int(bad.group(1)) if bad else 0
    return figures


def verifications(suite):
    """The gateway's verdict-cache misses: requests that waited for r5-token."""
    with urllib.request.urlopen(suite.admin_url() + '/metrics') as response:
        text = response.read().decode()
    return int(float(re.search(r'^r5_gateway_verdict_cache_misses_total (\S+)$', text, re.M).group(1)))


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    bench.build()
    print('%-34s %8s %8s %8s %8s %8s %8s %12s %6s' % ('verdict cache', 'req/s', 'p50', 'p99', 'p99.9', 'p99.99',
                                                      'max', 'p99.9/p99', 'errors') + '  verifications')
    for label, ttl in (('5 s (12 expiries a minute)', '5'), ('30 s (the default)', '30')):
        with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_VERDICT_CACHE_SECONDS': ttl,
                                                                   'R5_LOG_LEVEL': 'warn'}) as suite:
            session = Session(suite.url())
            session.signup()
            token = session.create_token(['incidentsRead'])['value']
            before = verifications(suite)
            r = tail(suite.url() + '/graphql', token, 64, seconds)
            print('%-34s %8.0f %8.2f %8.2f %8.2f %8.2f %8.2f %12.2f %6d %14d' % (
                label, r['rps'], r['50'], r['99'], r['99.9'], r['99.99'], r['max'], r['99.9'] / r['99'],
                r['errors'], verifications(suite) - before))


if __name__ == '__main__':
    main()
