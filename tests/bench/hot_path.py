#!/usr/bin/python3
"""Benchmark: this tree against a base commit (0fa1987, before the hot-path
changes of 2026-12-07, unless R5_BENCH_BASE names another) on the two paths
those changes touched, alternated round by round (A B, B A ...) in one run:

  - `{ viewer { id name email role } }` at 64 connections, verdict cache on:
    requests/s and the gateway's CPU per request;
  - `incident(id)` at one connection: p50, and r5-authz's and r5-resource's
    CPU per request (each checks the principal assertion's signature).

Prints each figure's median over the rounds for both builds and their ratio.
The base is built and kept as tests/bench/curve_cost.py does it
(build-bench-base/), and each build runs with its own tree's r5suite.py and
r5client.py in a subprocess (--worker); CPU is read from /proc.

    /usr/bin/python3 tests/bench/hot_path.py [seconds per row] [rounds]
"""

import json
import os
import shutil
import statistics
import sys

import bench
import curve_cost

VIEWER = {'query': '{ viewer { id name email role } }'}
ROWS = (('viewer c=64 req/s', 'rps'), ('gateway CPU us/request', 'gateway_us'),
        ('incident(id) c=1 p50 ms', 'p50'), ('r5-authz CPU us/request', 'authz_us'),
        ('r5-resource CPU us/request', 'resource_us'))


def worker(source_dir, build_dir, seconds):
    sys.path.insert(0, os.path.join(source_dir, 'deploy'))
    sys.path.insert(0, os.path.join(source_dir, 'tests', 'integration'))
    import r5suite
    from r5client import Session

    data = bench.data_dir()
    try:
        with r5suite.Suite(build_dir, data, env={'R5_RATE_LIMIT_POINTS': '0', 'R5_LOG_LEVEL': 'warn'}) as suite:
            session = Session(suite.url())
            session.signup()
            created = session.graphql('mutation { createIncident(input: {title: "bench", description: "b"}) '
                                      '{ incident { id } } }').json()
            incident = created['data']['createIncident']['incident']['id']
            token = session.create_token(['incidentsRead'])['value']
            pids = {p.name: p.popen.pid for p in suite.processes}
            gateway = suite.gateways[0].popen.pid
            before = bench.cpu_seconds([gateway])
            viewer = bench.wrk(suite.url() + '/graphql', VIEWER, token, 64, seconds)
            after = bench.cpu_seconds([gateway])
            results = {'rps': viewer['rps'], 'gateway_us': bench.cpu_us_per_request(before, after, [gateway], viewer)}
            before = bench.cpu_seconds(pids.values())
            query = {'query': '{ incident(id: "%s") { id title status } }' % incident}
            one = bench.wrk(suite.url() + '/graphql', query, token, 1, seconds)
            after = bench.cpu_seconds(pids.values())
            results['p50'] = one['p50']
            for name, key in (('r5-authz', 'authz_us'), ('r5-resource', 'resource_us')):
                results[key] = bench.cpu_us_per_request(before, after, [pids[name]], one)
            if viewer['non2xx'] or one['non2xx']:
                raise RuntimeError('answers that were not 2xx: %d, %d' % (viewer['non2xx'], one['non2xx']))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == '--worker':
        return worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    base = curve_cost.git('rev-parse', os.environ.get('R5_BENCH_BASE', '0fa1987'))
    bench.build()
    if not os.environ.get('R5_BENCH_SKIP_BUILD'):
        # Since CURVE every suite makes its keys with r5-keygen.
        curve_cost.build_base(base, curve_cost.TARGETS + ['r5-keygen'])
    note = curve_cost.wait_for_quiet()
    builds = {'base': (curve_cost.BASE_SOURCE, curve_cost.BASE_BUILD), 'this tree': (bench.SOURCE_DIR, bench.BUILD_DIR)}
    samples = {name: [] for name in builds}
    for i in range(rounds):
        for name in (list(builds) if i % 2 == 0 else list(builds)[::-1]):
            print('round %d: %s (load %.2f)' % (i + 1, name, curve_cost.load()), file=sys.stderr, flush=True)
            samples[name].append(curve_cost.run_round(*builds[name], seconds, script=__file__))
    print('base %s, this tree %s; %d s per row, median of %d rounds each'
          % (base[:7], curve_cost.git('rev-parse', '--short', 'HEAD'), seconds, rounds))
    if note:
        print(note)
    print('%-28s %10s %10s %7s' % ('what', 'base', 'this tree', 'ratio'))
    for label, key in ROWS:
        a, b = (statistics.median(s[key] for s in samples[name]) for name in builds)
        print('%-28s %10.2f %10.2f %6.2fx' % (label, a, b, b / a))


if __name__ == '__main__':
    main()
