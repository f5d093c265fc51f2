#!/usr/bin/python3
"""Benchmark: what one operation costs in MongoDB commands and broker hops,
beside the least it could cost. Commands come from the dev server's
r5CommandStats (every command of every process), hops from the broker's
r5_broker_requests_total (every request it relayed, whatever the caller).
Each operation runs once to warm the caches, then `rounds` times measured;
the figures are per operation.

    /usr/bin/python3 tests/bench/commands.py [rounds]
"""

import re
import sys
import urllib.request

import bench
import r5suite
from r5client import Session, bearer

from pymongo import MongoClient

INCIDENT = 'id title status urgency createdAt'


def hops(suite):
    """Requests the broker relayed so far, by service."""
    text = urllib.request.urlopen(suite.metrics_url(suite.brokers[0]), timeout=10).read().decode()
    counts = {}
    for service, value in re.findall(r'^r5_broker_requests_total\{service="([^"]+)",[^}]*\} (\d+)', text, re.M):
        counts[service] = counts.get(service, 0) + int(value)
    return counts


def ok(response, *path):
    body = response.json()
    assert response.status == 200 and not body.get('errors'), body
    for key in path:
        body = body[key]
    return body


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    bench.build()
    with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env={'R5_LOG_LEVEL': 'warn'}) as suite:
        base = suite.url()
        mongo = MongoClient(suite.mongodb_uri)
        owner = Session(base)
        owner.signup(email='bench-owner@example.com')
        token = owner.create_token(['incidentsRead', 'incidentsWrite', 'teamsRead'])['value']
        team = ok(owner.graphql('mutation { createTeam(input: {name: "Ops"}) { team { id } } }'),
                  'data', 'createTeam', 'team')['id']
        incidents = [ok(bearer(base, token, 'mutation($t: [ID!]) { createIncident(input: {title: "x", teamIds: $t}) '
                                            '{ incident { id } } }', {'t': [team]}),
                        'data', 'createIncident', 'incident')['id'] for _ in range(rounds + 2)]
        pats = [owner.create_token(['teamsRead'])['personalAccessToken']['id'] for _ in range(rounds + 2)]
        state = {'ack': iter(incidents), 'pat': iter(pats), 'del': iter(pats)}

        def gql(query, variables=None):
            return lambda: ok(bearer(base, token, query, variables))

        def session(query, variables=None):
            return lambda: ok(owner.graphql(query, variables))

        def login():
            response = Session(base).post('/auth/login', {'email': 'bench-owner@example.com',
                                                          'password': 'correct horse battery'})
            assert response.status == 200, response.body

        # (what, how, least commands, least hops, why that is the least)
        operations = [
            ('incident(id)', gql('query($id: ID!) { incident(id: $id) { %s } }' % INCIDENT, {'id': incidents[0]}),
             1, 1, 'one find'),
            ('incidents(first: 50)', gql('{ incidents(first: 50) { nodes { %s } } }' % INCIDENT), 1, 1, 'one find'),
            ('teams(first: 50)', gql('{ teams(first: 50) { nodes { id name } } }'), 1, 1, 'one find'),
            ('incident(id) { teams }', gql('query($id: ID!) { incident(id: $id) { id teams { id name } } }',
                                           {'id': incidents[0]}), 2, 2, 'one find a level'),
            ('createIncident', gql('mutation { createIncident(input: {title: "bench"}) { incident { id } } }'),
             1, 1, 'one insert'),
            ('acknowledgeIncident', lambda: ok(bearer(
                base, token, 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { status } } }',
                {'id': next(state['ack'])})), 1, 1, 'one findAndModify'),
            ('login', login, 2, 2, 'find the user, insert the session'),
            ('createPersonalAccessToken', session(
                'mutation { createPersonalAccessToken(input: {description: "b", scopes: [teamsRead]}) { value } }'),
             1, 1, 'one insert (the audit entry rides along)'),
            ('updatePersonalAccessToken', lambda: ok(owner.graphql(
                'mutation($id: ID!) { updatePersonalAccessToken(id: $id, input: {scopes: [incidentsRead]}) '
                '{ personalAccessToken { id } } }', {'id': next(state['pat'])})), 1, 1, 'one findAndModify'),
            ('regeneratePersonalAccessToken', lambda: ok(owner.graphql(
                'mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) { value } }', {'id': pats[0]})),
             1, 1, 'one findAndModify'),
            ('deletePersonalAccessToken', lambda: ok(owner.graphql(
                'mutation($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }',
                {'id': next(state['del'])})), 1, 1, 'one findAndModify'),
        ]
        rows = []
        for name, run, least_commands, least_hops, why in operations:
            run()                                   # warm: caches filled, first-use writes done
            mongo.admin.command('r5CommandStats', 1, reset=True)
            before = hops(suite)
            for _ in range(rounds):
                run()
            stats = mongo.admin.command('r5CommandStats', 1, reset=True)
            after = hops(suite)
            by_service = {s: (after.get(s, 0) - before.get(s, 0)) / rounds for s in after}
            by_command = ', '.join('%s %.1f' % (c, n / rounds) for c, n in sorted(stats['commands'].items()))
            rows.append((name, stats['total'] / rounds, least_commands, sum(by_service.values()), least_hops,
                         by_command, ', '.join('%s %.1f' % (s.replace('r5.', ''), n)
                                               for s, n in sorted(by_service.items()) if n), why))
        mongo.close()
    print('per operation, %d rounds after one warm-up (verdict cache on; dev MongoDB)' % rounds)
    print('%-30s %9s %6s %6s %6s  %s' % ('operation', 'commands', 'least', 'hops', 'least', 'commands / hops by kind'))
    for name, commands, least_c, hop, least_h, by_command, by_service, why in rows:
        print('%-30s %9.1f %6d %6.1f %6d  %s | %s  (least: %s)' % (name, commands, least_c, hop, least_h,
                                                                   by_command, by_service, why))


if __name__ == '__main__':
    main()
