#!/usr/bin/python3
"""Benchmark: `{ viewer { id name email role } }` through the whole suite
(gateway -> broker -> token -> resource -> dev MongoDB) with wrk at 1 and 64
connections, beside a bare civetweb handler (the ceiling) built in the same
run. Prints requests/s, p50/p99 and the ratio to the ceiling.

    /usr/bin/python3 tests/bench/viewer.py [seconds]
"""

import os
import subprocess
import sys

import bench
import r5suite
from r5client import Session

VIEWER = {'query': '{ viewer { id name email role } }'}


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    bench.build()
    rows = []
    bare = r5suite.Process('bare-civetweb', [os.path.join(bench.BUILD_DIR, 'tests', 'bench', 'bare_civetweb'), '64'],
                           dict(os.environ), os.path.join(bench.data_dir(), 'bare.log'))
    bare_url = 'http://127.0.0.1:%s/graphql' % bare.fields['port']
    ceiling = {}
    for conns in (1, 64):
        ceiling[conns] = bench.wrk(bare_url, VIEWER, connections=conns, seconds=seconds)
        rows.append(('bare civetweb (ceiling)', conns, ceiling[conns]))
    bare.stop()

    results = {}
    for label, cache in (('viewer via suite, verdict cache on', '30'), ('viewer via suite, verdict cache off', '0')):
        with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_VERDICT_CACHE_SECONDS': cache,
                                                                   'R5_LOG_LEVEL': 'warn'}) as suite:
            session = Session(suite.url())
            session.signup()
            token = session.create_token(['incidentsRead'])['value']
            for conns in (1, 64):
                results[(label, conns)] = bench.wrk(suite.url() + '/graphql', VIEWER, token, conns, seconds)
                rows.append((label, conns, results[(label, conns)]))
    bench.table(rows)
    print()
    for (label, conns), r in results.items():
        print('%-44s c=%-3d %5.1f%% of the bare civetweb ceiling' % (label, conns, 100.0 * r['rps'] / ceiling[conns]['rps']))


if __name__ == '__main__':
    main()
