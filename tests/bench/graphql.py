#!/usr/bin/python3
"""Benchmark: parse + validate throughput of r5's GraphQL engine against
graphql-js (parse + validate) on the same documents and schema, in the same
run. Documents: small queries, a mutation, graphql-js's introspection query,
and a 1,000-field document.

    /usr/bin/python3 tests/bench/graphql.py [seconds per document]
"""

import os
import subprocess
import sys
import tempfile

import bench

SCHEMA = os.path.join(bench.SOURCE_DIR, 'services', 'gateway', 'schema.graphql')
NODE_MODULES = os.path.join(bench.SOURCE_DIR, 'tests', 'graphql', 'conformance')


def documents(tmp):
    here = os.path.join(bench.BENCH_DIR, 'documents')
    files = [os.path.join(here, f) for f in sorted(os.listdir(here))]
    introspection = os.path.join(tmp, 'introspection.graphql')
    with open(introspection, 'w') as f:
        f.write(subprocess.run(['node', '-e', 'const g = require("graphql"); process.stdout.write(g.getIntrospectionQuery())'],
                               cwd=NODE_MODULES, check=True, capture_output=True, text=True).stdout)
    wide = os.path.join(tmp, 'wide_1000_aliases.graphql')
    with open(wide, 'w') as f:
        f.write('{ ' + ' '.join('f%d: viewer { id name email role }' % i for i in range(1000)) + ' }')
    return files + [introspection, wide]


def parse(out):
    rows = {}
    for line in out.strip().splitlines():
        path, rps, micros, verdict = line.split()
        rows[os.path.basename(path)] = (float(rps), float(micros), verdict)
    return rows


def main():
    seconds = sys.argv[1] if len(sys.argv) > 1 else '2'
    bench.build()
    if not os.path.isdir(os.path.join(NODE_MODULES, 'node_modules')):
        subprocess.run(['npm', 'ci', '--silent', '--prefix', NODE_MODULES], check=True)
    tmp = tempfile.mkdtemp(prefix='r5-gql-bench-')
    docs = documents(tmp)
    ours = parse(subprocess.run([os.path.join(bench.BUILD_DIR, 'tests', 'bench', 'gql_bench'), SCHEMA, seconds] + docs,
                                check=True, capture_output=True, text=True).stdout)
    # NODE_ENV=production: graphql-js as it is deployed, without development checks.
    theirs = parse(subprocess.run(['node', os.path.join(bench.BENCH_DIR, 'gql_bench.mjs'), SCHEMA, seconds] + docs,
                                  env=dict(os.environ, NODE_ENV='production'),
                                  check=True, capture_output=True, text=True).stdout)
    print('%-30s %14s %14s %10s %8s' % ('document', 'r5 runs/s', 'graphql-js/s', 'r5 us', 'ratio'))
    for name in ours:
        r, g = ours[name], theirs[name]
        assert r[2] == g[2], 'verdicts differ on %s: r5 %s, graphql-js %s' % (name, r[2], g[2])
        print('%-30s %14.0f %14.0f %10.2f %7.1fx' % (name, r[0], g[0], r[1], r[0] / g[0]))


if __name__ == '__main__':
    main()
