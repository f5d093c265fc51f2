#!/usr/bin/python3
"""Benchmark: one incident and a 50-incident list read end to end (gateway ->
broker -> r5-resource -> r5-authz -> dev MongoDB, verdict cache on), with wrk
at one connection, beside raw libmongoc finds of the same documents on the
same dev server in the same run. Prints both and the overhead ratio, and
what incident(id) cost each process in CPU per request beside its latency:
what the CPU does not account for is waiting (wake-ups on every hop, the
dev server).

    /usr/bin/python3 tests/bench/incidents.py [seconds]
"""

import os
import subprocess
import sys

import bench
import r5suite
from r5client import Session, node_parts

FIELDS = 'id title description status urgency createdAt'


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    bench.build()
    with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_LOG_LEVEL': 'warn'}) as suite:
        session = Session(suite.url())
        user = session.signup()
        ids = []
        for i in range(60):
            body = session.graphql('mutation($t: String!) { createIncident(input: {title: $t, description: "benchmark"}) '
                                   '{ incident { id } } }', {'t': 'incident %d' % i}).json()
            ids.append(body['data']['createIncident']['incident']['id'])
        token = session.create_token(['incidentsRead'])['value']
        url = suite.url() + '/graphql'
        before = bench.cpu_seconds([p.popen.pid for p in suite.processes])
        one = bench.wrk(url, {'query': '{ incident(id: "%s") { %s } }' % (ids[0], FIELDS)}, token, 1, seconds)
        after = bench.cpu_seconds([p.popen.pid for p in suite.processes])
        cpu = [(p.name, bench.cpu_us_per_request(before, after, [p.popen.pid], one)) for p in suite.processes]
        fifty = bench.wrk(url, {'query': '{ incidents(first: 50) { nodes { %s } } }' % FIELDS}, token, 1, seconds)
        raw = subprocess.run([os.path.join(bench.BUILD_DIR, 'tests', 'bench', 'mongo_find_bench'), suite.mongodb_uri,
                              str(seconds), node_parts(ids[0])[1], user['accountId']], check=True, capture_output=True, text=True).stdout
    floor = {line.split()[0]: (float(line.split()[1]), float(line.split()[2])) for line in raw.strip().splitlines()}
    print('%-40s %10s %10s %10s' % ('what (1 connection)', 'req/s', 'p50 ms', 'overhead'))
    for label, ours, key in (('incident(id) via the suite', one, 'one'), ('incidents(first: 50) via the suite', fifty, 'list50')):
        rate, micros = floor[key]
        print('%-40s %10.0f %10.2f' % ('raw libmongoc ' + key, rate, micros / 1000))
        print('%-40s %10.0f %10.2f %9.1fx' % (label, ours['rps'], ours['p50'], rate / ours['rps']))
    print()
    print('incident(id): CPU per request of each process (us), beside its p50 of %.0f us' % (one['p50'] * 1000))
    for name, micros in cpu:
        print('  %-38s %10.1f' % (name, micros))
    print('  %-38s %10.1f' % ('all', sum(micros for _, micros in cpu)))


if __name__ == '__main__':
    main()
