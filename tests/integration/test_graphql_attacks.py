"""Known attacks on a GraphQL endpoint, sent to the live gateway: each is
refused with the right code, the gateway's memory stays bounded, and the
slowest refusal is printed (a figure, not an assertion)."""

import json
import re
import time
import unittest
import urllib.parse

from r5client import Session, SuiteTestCase, bearer, http


# A current client (graphql-http, urql, Apollo): request errors answer 400.
# Legacy application/json clients get 200 instead (test_http_clients).
MODERN = {'Accept': 'application/graphql-response+json'}


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class AttackTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = Session(cls.base)
        cls.session.signup()
        cls.token = cls.session.create_token(['incidentsRead'])['value']

    def send(self, query):
        started = time.monotonic()
        response = bearer(self.base, self.token, query, headers=MODERN)
        return response, time.monotonic() - started

    def test_attacks_are_refused_with_the_right_code(self):
        attacks = [
            # name, query, HTTP status, extensions.code
            ('10,000-deep nesting', '{ viewer ' + '{ viewer ' * 10000 + '}' * 10001, 400, 'QUERY_TOO_COMPLEX'),
            ('deep list value', '{ viewer(x: ' + '[' * 10000 + ']' * 10000 + ') { id } }', 400, 'QUERY_TOO_COMPLEX'),
            ('100,000 aliases (over the byte cap)', '{ ' + ' '.join('a%d: __typename' % i for i in range(100000)) + ' }',
             413, 'PAYLOAD_TOO_LARGE'),
            ('31 aliases', '{ ' + ' '.join('a%d: __typename' % i for i in range(31)) + ' }', 400, 'QUERY_TOO_COMPLEX'),
            ('100,000 directives (over the byte cap)', '{ __typename ' + '@include(if: true) ' * 100000 + '}',
             413, 'PAYLOAD_TOO_LARGE'),
            ('51 directives', '{ __typename ' + '@include(if: true) ' * 51 + '}', 400, 'QUERY_TOO_COMPLEX'),
            ('fragment cycle', '{ viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }',
             400, 'GRAPHQL_VALIDATION_FAILED'),
            ('self-spread', '{ viewer { ...A } } fragment A on Viewer { id ...A }', 400, 'GRAPHQL_VALIDATION_FAILED'),
            ('duplicate fragment names', '{ viewer { ...A } } fragment A on Viewer { id } fragment A on Viewer { name }',
             400, 'GRAPHQL_VALIDATION_FAILED'),
            ('2 MiB body', '{ viewer { id } }' + ' ' * (2 * 1024 * 1024), 413, 'PAYLOAD_TOO_LARGE'),
            ('200,000 tokens separated by whitespace', '{ ' + 'a ' * 200000 + '}', 400, 'QUERY_TOO_COMPLEX'),
            # JSON may not carry NUL at all here: refused before GraphQL (see test_nul_bytes).
            ('NUL byte inside the query', '{ viewer { id } }\u0000 garbage that must not be ignored', 400, 'BAD_REQUEST'),
            ('10,000 operations in one document', ' '.join('query q%d { viewer { id } }' % i for i in range(10000)),
             400, 'QUERY_TOO_COMPLEX'),
            ('unterminated string', '{ viewer(x: "never ends) { id } }', 400, 'GRAPHQL_PARSE_FAILED'),
            ('lone surrogate escape', '{ viewer(x: "\\uD800") { id } }', 400, 'GRAPHQL_PARSE_FAILED'),
        ]
        gateway = self.suite.gateways[0].popen.pid
        before = rss_kb(gateway)
        slowest = (0.0, '')
        for name, query, status, code in attacks:
            response, seconds = self.send(query)
            self.assertEqual(response.status, status, name)
            self.assertEqual(response.json()['errors'][0]['extensions']['code'], code, name)
            slowest = max(slowest, (seconds, name))
        # The same attacks again: memory must not grow with repetition.
        for name, query, status, code in attacks:
            self.assertEqual(self.send(query)[0].status, status, name)
        after = rss_kb(gateway)
        print('\nslowest refusal: %.1f ms (%s); gateway RSS %d -> %d KiB' % (slowest[0] * 1000, slowest[1], before, after))
        self.assertLess(after - before, 256 * 1024, 'gateway memory grew by more than 256 MiB')
        # ... and the gateway still answers.
        self.assertEqual(bearer(self.base, self.token, '{ viewer { id } }').status, 200)

    def test_invalid_utf8(self):
        # JSON cannot carry invalid UTF-8: the body is refused before GraphQL sees it.
        body = b'{"query": "{ viewer(x: \\"\xff\xfe\\") { id } }"}'
        response = http(self.base + '/graphql', 'POST', body,
                        {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token})
        self.assertEqual(response.status, 400)
        # A GET query string can: the GraphQL lexer refuses it.
        query = urllib.parse.quote_from_bytes(b'{ viewer(x: "\xff") { id } }')
        response = http(self.base + '/graphql?query=' + query, 'GET', None,
                        dict(MODERN, Authorization='Bearer ' + self.token))
        self.assertEqual(response.status, 400)
        self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'GRAPHQL_PARSE_FAILED')

    def test_nul_bytes(self):
        # Through GET a NUL reaches the GraphQL lexer, which refuses it where it stands.
        for raw, column in ((b'{ viewer { id } }\x00 trailing', 18), (b'{ vie\x00wer { id } }', 6)):
            response = http(self.base + '/graphql?query=' + urllib.parse.quote_from_bytes(raw), 'GET', None,
                            dict(MODERN, Authorization='Bearer ' + self.token))
            self.assertEqual(response.status, 400, raw)
            error = response.json()['errors'][0]
            self.assertEqual(error['extensions']['code'], 'GRAPHQL_PARSE_FAILED', raw)
            self.assertEqual(error['locations'], [{'line': 1, 'column': column}], raw)

    def test_nul_in_string_values_is_bad_input(self):
        # Inside a string NUL is a legal GraphQL character (raw or escaped), but
        # it would cut a value short in C: refused before anything runs.
        for query in ('mutation { createPersonalAccessToken(input: {description: "a\\u0000b", scopes: []}) { value } }',
                      '{ personalAccessToken(id: "abc\\u0000") { id } }'):
            response = bearer(self.base, self.token, query, headers=MODERN)
            self.assertEqual(response.status, 400, query)
            self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'BAD_USER_INPUT', query)

    def test_get_refuses_mutations(self):
        query = urllib.parse.quote('mutation { deletePersonalAccessToken(id: "000000000000000000000000") { deletedId } }')
        response = http(self.base + '/graphql?query=' + query, 'GET', None, {'Authorization': 'Bearer ' + self.token})
        self.assertEqual(response.status, 405)
        self.assertIn('POST', response.headers['Allow'])
        ok = http(self.base + '/graphql?query=' + urllib.parse.quote('{ viewer { id } }'), 'GET', None,
                  {'Authorization': 'Bearer ' + self.token})
        self.assertEqual(ok.status, 200)


    def document_cache(self):
        """The gateway's document cache counters: (hits, misses)."""
        text = http(self.suite.metrics_url(self.suite.gateways[0])).body.decode()
        counts = [re.search(r'^r5_gateway_document_cache_%s_total (\S+)' % kind, text, re.M) for kind in ('hits', 'misses')]
        return tuple(int(float(match.group(1))) for match in counts)

    def test_a_cached_document_runs_with_each_requests_own_variables_and_operation(self):
        # The cache keys the document's text: variables, the operation name and
        # the method are each request's own.
        for title in ('cached one', 'cached two'):
            self.session.graphql('mutation($t: String!) { createIncident(input: {title: $t, description: "x"}) '
                                 '{ incident { id } } }', {'t': title})
        query = 'query Few($n: Int) { incidents(first: $n) { nodes { id } } } query Me { viewer { id } }'
        hits, misses = self.document_cache()
        for n in (1, 2, 1):
            response = http(self.base + '/graphql', 'POST', json.dumps(
                {'query': query, 'variables': {'n': n}, 'operationName': 'Few'}).encode(),
                dict(MODERN, **{'Authorization': 'Bearer ' + self.token, 'Content-Type': 'application/json'}))
            self.assertEqual(len(response.json()['data']['incidents']['nodes']), n, response.body)
        response = http(self.base + '/graphql', 'POST', json.dumps({'query': query, 'operationName': 'Me'}).encode(),
                        dict(MODERN, **{'Authorization': 'Bearer ' + self.token, 'Content-Type': 'application/json'}))
        self.assertEqual(list(response.json()['data']), ['viewer'], response.body)
        self.assertEqual(self.document_cache(), (hits + 3, misses + 1))

    def test_a_cached_mutation_is_still_refused_over_get(self):
        query = 'mutation { deletePersonalAccessToken(id: "000000000000000000000001") { deletedId } }'
        self.assertEqual(bearer(self.base, self.token, query, headers=MODERN).status, 200)
        response = http(self.base + '/graphql?query=' + urllib.parse.quote(query), 'GET', None,
                        {'Authorization': 'Bearer ' + self.token})
        self.assertEqual(response.status, 405)

    def test_an_invalid_document_is_refused_every_time(self):
        hits, _ = self.document_cache()
        for _ in range(3):
            response = bearer(self.base, self.token, '{ viewer { nope } }', headers=MODERN)
            self.assertEqual(response.status, 400)
            self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'GRAPHQL_VALIDATION_FAILED')
        self.assertEqual(self.document_cache()[0], hits, 'an invalid document came from the cache')


if __name__ == '__main__':
    unittest.main()
