#!/usr/bin/python3
"""Benchmark: `{ viewer { id name email role } }` through the whole suite
(gateway -> broker -> token -> resource -> dev MongoDB) with wrk at 1 and 64
connections, beside its peers in the same run: a bare civetweb handler (the
ceiling), and the same schema served by graphql-jit and by Apollo Server
(node, one process per core, the viewer answered from memory for one token,
as r5 answers it from a cached verdict; tests/bench/peers/). Prints
requests/s, p50/p99 and r5's ratio to each peer; the CPU time per request
during the c=64 run (utime + stime from /proc over wrk's requests) of bare
civetweb, of r5's gateway alone and of the whole suite with the verdict cache
on (dev MongoDB also on its own; issue 14 asks at most 15 us); and, open loop
(tests/bench/openloop.c: a fixed rate whatever the replies do, latency from
each request's due time), bare civetweb and r5 with the verdict cache on at
half the req/s wrk measured for them at 64 connections, 64 connections:
p50 to max and whether p99 <= 1 ms (issue 14). Then what the
rate limits cost on that hot path: one suite, two gateways, one with limits
off and one with them on (a budget too large to refuse anything, so every
request does all the work: cost, charge, headers, and the 250 ms flushes),
alternated round by round at 1 and 64 connections.

    /usr/bin/python3 tests/bench/viewer.py [seconds] [--rate-limits-only [--rounds=N]]
"""

import os
import re
import statistics
import subprocess
import sys

import bench
import r5suite
from r5client import Session

VIEWER = {'query': '{ viewer { id name email role } }'}


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10
    bench.build()
    if '--rate-limits-only' in sys.argv:
        rounds = [a for a in sys.argv if a.startswith('--rounds=')]
        rate_limits(seconds, int(rounds[0].split('=')[1]) if rounds else 3)
        return
    rows = []
    bare = r5suite.Process('bare-civetweb', [os.path.join(bench.BUILD_DIR, 'tests', 'bench', 'bare_civetweb'), '64'],
                           dict(os.environ), os.path.join(bench.data_dir(), 'bare.log'))
    bare_url = 'http://127.0.0.1:%s/graphql' % bare.fields['port']
    ceiling, cpu, open_rows = {}, [], []
    for conns in (1, 64):
        before = bench.cpu_seconds([bare.popen.pid])
        ceiling[conns] = bench.wrk(bare_url, VIEWER, connections=conns, seconds=seconds)
        rows.append(('bare civetweb (ceiling)', conns, ceiling[conns]))
        if conns == 64:
            cpu.append(('bare civetweb (its process)', bench.cpu_us_per_request(
                before, bench.cpu_seconds([bare.popen.pid]), [bare.popen.pid], ceiling[conns])))
    open_rows.append(('bare civetweb (ceiling)', bench.openloop(bare_url, VIEWER, rate=ceiling[64]['rps'] / 2,
                                                                 connections=64, seconds=seconds)))
    bare.stop()
    peers = {}
    for label, kind in (('graphql-jit (node)', 'jit'), ('Apollo Server 4 (node)', 'apollo')):
        with Peer(kind, 'bench-peer-token') as url:
            for conns in (1, 64):
                peers[(label, conns)] = bench.wrk(url, VIEWER, 'bench-peer-token', conns, seconds)
                rows.append((label, conns, peers[(label, conns)]))

    results = {}
    for label, cache in (('viewer via suite, verdict cache on', '30'), ('viewer via suite, verdict cache off', '0')):
        with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_VERDICT_CACHE_SECONDS': cache,
                                                                   'R5_RATE_LIMIT_POINTS': '0',
                                                                   'R5_LOG_LEVEL': 'warn'}) as suite:
            session = Session(suite.url())
            session.signup()
            token = session.create_token(['incidentsRead'])['value']
            pids = [p.popen.pid for p in suite.processes]
            for conns in (1, 64):
                before = bench.cpu_seconds(pids)
                results[(label, conns)] = bench.wrk(suite.url() + '/graphql', VIEWER, token, conns, seconds)
                rows.append((label, conns, results[(label, conns)]))
                if conns == 64 and cache != '0':
                    after = bench.cpu_seconds(pids)
                    r = results[(label, conns)]
                    mongo = [p.popen.pid for p in suite.processes if p.name == 'r5-devmongo']
                    cpu.append(('r5 gateway alone, verdict cache on',
                                bench.cpu_us_per_request(before, after, [suite.gateways[0].popen.pid], r)))
                    cpu.append(('r5 suite, all %d processes, verdict cache on' % len(pids),
                                bench.cpu_us_per_request(before, after, pids, r)))
                    if mongo:
                        cpu.append(('  of which dev MongoDB', bench.cpu_us_per_request(before, after, mongo, r)))
            if cache != '0':
                open_rows.append((label, bench.openloop(suite.url() + '/graphql', VIEWER, token,
                                                        results[(label, 64)]['rps'] / 2, 64, seconds)))
    bench.table(rows)
    print()
    for (label, conns), r in results.items():
        versus = ', '.join('%.2fx %s' % (r['rps'] / p['rps'], peer) for (peer, c), p in peers.items() if c == conns)
        print('%-44s c=%-3d %5.1f%% of the bare civetweb ceiling; %s'
              % (label, conns, 100.0 * r['rps'] / ceiling[conns]['rps'], versus))
    print()
    print('CPU per request during the c=64 wrk run (user + system, every thread; issue 14: at most 15 us)')
    print('%-44s %10s' % ('what', 'us/request'))
    for label, us in cpu:
        print('%-44s %10.1f' % (label, us))
    print()
    print('open loop (tests/bench/openloop): 64 connections at half the c=64 wrk req/s, %d s, the first not measured;'
          % seconds)
    print('latency from each request\'s due time; failed: non-2xx, errors, and due but never sent')
    print('%-44s %8s %8s %8s %8s %8s %8s %7s %s' % ('what', 'rate', 'achieved', 'p50 ms', 'p99 ms', 'p99.9 ms',
                                                   'max ms', 'failed', 'p99 <= 1 ms'))
    for label, r in open_rows:
        figures = ' '.join('%8.2f' % r[k] if r[k] is not None else '%8s' % '-' for k in ('p50', 'p99', 'p999', 'max'))
        print('%-44s %8.0f %8.0f %s %7d %s'
              % (label, r['rate'], r['achieved'], figures, r['non2xx'] + r['errors'] + r['unsent'],
                 'yes' if r['p99'] is not None and r['p99'] <= 1.0 else 'no'))
    print()
    rate_limits(seconds)


class Peer:
    """tests/bench/peers/peers.mjs serving kind (jit, apollo); the context is its /graphql URL."""

    def __init__(self, kind, token):
        here = os.path.join(bench.BENCH_DIR, 'peers')
        if not os.path.isdir(os.path.join(here, 'node_modules')):
            subprocess.run(['npm', 'ci', '--silent', '--no-audit', '--no-fund', '--prefix', here], check=True)
        schema = os.path.join(bench.SOURCE_DIR, 'services', 'gateway', 'schema.graphql')
        # NODE_ENV=production: as deployed, without development checks.
        self.popen = subprocess.Popen(['node', os.path.join(here, 'peers.mjs'), kind, schema, token],
                                      env=dict(os.environ, NODE_ENV='production'), stdout=subprocess.PIPE, text=True)
        line = self.popen.stdout.readline()
        match = re.match(r'peer ready port=(\d+)', line)
        if not match:
            self.popen.kill()
            raise RuntimeError('the %s peer did not start: %r' % (kind, line))
        self.url = 'http://127.0.0.1:%s/graphql' % match.group(1)

    def __enter__(self):
        return self.url

    def __exit__(self, *_):
        self.popen.terminate()
        self.popen.wait(10)


def rate_limits(seconds, rounds=3):
    """Limits off (gateway 0) beside limits on (gateway 1), same suite, verdict cache on."""
    rows = []
    with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_RATE_LIMIT_POINTS': '0',
                                                               'R5_LOG_LEVEL': 'warn'}) as suite:
        suite.start_gateway(env={'R5_RATE_LIMIT_POINTS': '1000000000'})
        session = Session(suite.url())
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        runs = {}
        for round_ in range(rounds):
            for conns in (1, 64):
                # Which goes first alternates too: a machine whose load drifts
                # favours neither.
                order = ((0, 'rate limits off'), (1, 'rate limits on'))
                for gateway, label in (order if round_ % 2 == 0 else order[::-1]):
                    r = bench.wrk(suite.url(gateway) + '/graphql', VIEWER, token, conns, seconds)
                    rows.append(('viewer, %s (round %d)' % (label, round_ + 1), conns, r))
                    runs.setdefault((label, conns), []).append(r)
    bench.table(rows)
    print()
    # Medians: one round hit by another process's burst moves a mean, not them.
    totals = {key: {'rps': statistics.median(r['rps'] for r in value),
                    'p99': statistics.median(r['p99'] for r in value),
                    'non2xx': sum(r['non2xx'] for r in value)} for key, value in runs.items()}
    print('medians of %d rounds of %d s' % (rounds, seconds))
    for conns in (1, 64):
        off, on = totals[('rate limits off', conns)], totals[('rate limits on', conns)]
        print('c=%-3d limits off %8.0f req/s p99 %6.2f ms | on %8.0f req/s p99 %6.2f ms | cost %+.1f%% req/s, '
              'p99 %+.1f%% | non-2xx %d' % (conns, off['rps'], off['p99'], on['rps'], on['p99'],
                                            100.0 * (off['rps'] - on['rps']) / off['rps'],
                                            100.0 * (on['p99'] - off['p99']) / off['p99'], off['non2xx'] + on['non2xx']))


if __name__ == '__main__':
    main()
