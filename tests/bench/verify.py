#!/usr/bin/python3
"""Benchmark: r5-token verifications per second on their own (one instance,
through one broker, requests pipelined with windows of 1, 16 and 64), then
with two r5-token instances. Each verification reads the token by digest and
asks r5-resource for the user, both against the dev MongoDB.

    /usr/bin/python3 tests/bench/verify.py [seconds]
"""

import os
import subprocess
import sys

import bench
import r5suite
from r5client import Session


def run(suite, token, seconds, window):
    out = subprocess.run([os.path.join(bench.BUILD_DIR, 'tests', 'bench', 'verify_bench'),
                          suite.brokers[0].fields['endpoint'], str(seconds), str(window)],
                         env=dict(os.environ, R5_BENCH_TOKEN=token, R5_BUS_KEY=suite.key('internal.key_secret'),
                                  R5_BROKER_KEY=suite.key('broker.key')),
                         capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    bench.build()
    with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_LOG_LEVEL': 'warn'}) as suite:
        session = Session(suite.url())
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        for window in (1, 16, 64):
            print('1 r5-token, 1 r5-resource:  ', run(suite, token, seconds, window))
        suite.start_service('r5-token')
        suite.start_service('r5-resource')
        print('2 r5-token, 2 r5-resource:  ', run(suite, token, seconds, 64))


if __name__ == '__main__':
    main()
