"""GraphQL rate limits (issue 16 item 3; docs/api.md, "Rate limits"), across
two gateways sharing one budget through r5-token's counters: the five
X-RateLimit-* headers on every answer, spending on gateway A seen on gateway B
within the stated bound (one 250 ms flush on each side plus round trips), 429
RATE_LIMITED with Retry-After in the media type asked for, QUERY_TOO_COMPLEX
past 500,000 nodes (charged nothing), rateLimit(dryRun: true) spending
nothing, and a new window giving the budget back."""

import signal
import sys
import time
import unittest

from r5client import Session, SuiteTestCase, bearer

LIMIT = 50
# Ten aliases of incidents(first: 100) { nodes { notes(first: 100) } }: each
# 1 + 100 requests, so 1,010 requests, 10 points, 101,000 nodes.
TEN_POINTS = '{ ' + ' '.join('a%d: incidents(first: 100) { nodes { notes(first: 100) { nodes { id } } } }' % i
                             for i in range(10)) + ' }'
# 25 aliases of notes(first: 100) under incidents(first: 100), spread twice:
# 2 x (100 + 25 x 100 x 100) = 500,200 nodes, past the node limit (the
# parser's 30 aliases per document stop plain repetition first).
NOTES = 'fragment N on IncidentConnection { nodes { ' + ' '.join(
    'n%d: notes(first: 100) { nodes { id } }' % i for i in range(25)) + ' } }'
TOO_COMPLEX = '{ a: incidents(first: 100) { ...N } b: incidents(first: 100) { ...N } } ' + NOTES
RATE = '{ rateLimit { limit cost remaining used resetAt nodeCount } }'
# The bound of docs/api.md: a flush on A, then one on B (250 ms each), plus
# round trips; generous for sanitizer builds.
SEEN_WITHIN = 2.0
GRAPHQL_RESPONSE = 'application/graphql-response+json'


def headers_of(response):
    return {name: response.headers.get('X-RateLimit-' + name) for name in
            ('Limit', 'Remaining', 'Used', 'Reset', 'Resource')}


class RateLimitTest(SuiteTestCase):
    suite_env = {'R5_RATE_LIMIT_POINTS': str(LIMIT)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.suite.start_gateway()
        cls.a = cls.suite.url(0)
        cls.b = cls.suite.url(1)

    def setUp(self):
        session = Session(self.a)
        session.signup()
        self.token = session.create_token(['incidentsRead'])['value']

    def ask(self, base, query, variables=None, accept=None):
        headers = {'Accept': accept} if accept else None
        return bearer(base, self.token, query, variables, headers)

    def used_on(self, base):
        response = self.ask(base, '{ __typename }')
        return int(response.headers['X-RateLimit-Used']) - (1 if response.status == 200 else 0)

    def wait_used(self, base, at_least):
        """Poll base (each poll costs 1) until it sees at_least points spent
        before the poll; answers the seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < 10:
            if self.used_on(base) >= at_least:
                return time.monotonic() - start
            time.sleep(0.02)
        self.fail('gateway %s never saw %d points used' % (base, at_least))

    def test_headers_on_both_gateways(self):
        for index, base in enumerate((self.a, self.b)):
            response = self.ask(base, RATE)
            self.assertEqual(response.status, 200, response.body)
            got = headers_of(response)
            self.assertEqual(got['Limit'], str(LIMIT))
            self.assertEqual(got['Resource'], 'graphql')
            used, remaining, reset = int(got['Used']), int(got['Remaining']), int(got['Reset'])
            self.assertEqual(used + remaining, LIMIT)
            self.assertEqual(reset, (int(time.time()) // 3600 + 1) * 3600)
            rate = response.json()['data']['rateLimit']
            self.assertEqual((rate['limit'], rate['cost'], rate['used'], rate['remaining']),
                             (LIMIT, 1, used, remaining))
            self.assertEqual(rate['nodeCount'], 0)
            self.assertEqual(rate['resetAt'], time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(reset)))
            if index == 0:
                # createPersonalAccessToken (1 point: a mutation) and this query.
                self.assertEqual(used, 2)
        # Errors after authentication carry them too: a parse error, a validation error.
        for query in ('{', '{ nope }'):
            response = self.ask(self.a, query)
            self.assertIn(response.status, (200, 400))
            self.assertEqual(headers_of(response)['Resource'], 'graphql')
        # Before authentication there is no budget to show.
        response = bearer(self.a, 'r5p_' + 'x' * 40, RATE)
        self.assertEqual(response.status, 401)
        self.assertIsNone(response.headers.get('X-RateLimit-Limit'))

    def test_spending_on_a_is_seen_on_b(self):
        # The token's creation (a mutation, 1 point) came first.
        response = self.ask(self.a, TEN_POINTS)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.headers['X-RateLimit-Used'], '11')
        response = self.ask(self.a, TEN_POINTS)
        self.assertEqual(response.headers['X-RateLimit-Used'], '21')
        took = self.wait_used(self.b, 21)
        print('\nspending on A seen on B after %.3f s' % took, file=sys.stderr)
        self.assertLess(took, SEEN_WITHIN)
        # And back: B's spending reaches A.
        response = self.ask(self.b, TEN_POINTS)
        self.assertEqual(response.status, 200)
        took = self.wait_used(self.a, int(response.headers['X-RateLimit-Used']))
        self.assertLess(took, SEEN_WITHIN)

    def test_429_with_retry_after_on_both_gateways(self):
        # 1 (the token's creation) + 4 x 10, then 10 more do not fit: refused,
        # and not counted; then 1 point at a time up to the limit.
        statuses = [self.ask(self.a, TEN_POINTS).status for _ in range(6)]
        self.assertEqual(statuses, [200, 200, 200, 200, 429, 429])
        statuses = [self.ask(self.a, '{ __typename }').status for _ in range(LIMIT - 41 + 1)]
        self.assertEqual(statuses, [200] * (LIMIT - 41) + [429])
        for accept in (GRAPHQL_RESPONSE, 'application/json'):
            response = self.ask(self.a, '{ __typename }', accept=accept)
            self.assertEqual(response.status, 429)
            self.assertTrue(response.headers['Content-Type'].startswith(accept), response.headers['Content-Type'])
            body = response.json()
            self.assertEqual(body['errors'][0]['extensions']['code'], 'RATE_LIMITED')
            self.assertNotIn('data', body)
            retry = int(response.headers['Retry-After'])
            self.assertEqual(retry, max(1, int(response.headers['X-RateLimit-Reset']) - int(time.time())))
            self.assertGreater(retry, 0)
            self.assertLessEqual(retry, 3600)
            self.assertEqual(response.headers['X-RateLimit-Remaining'], '0')
            self.assertEqual(response.headers['X-RateLimit-Used'], str(LIMIT))
        # Gateway B refuses too once A's flush reached it; what it admitted
        # before is the overshoot of the bound.
        start = time.monotonic()
        admitted_on_b = 0
        while self.ask(self.b, '{ __typename }').status != 429:
            admitted_on_b += 1
            self.assertLess(time.monotonic() - start, SEEN_WITHIN, 'gateway B never refused')
            time.sleep(0.02)
        response = self.ask(self.b, RATE, accept=GRAPHQL_RESPONSE)
        self.assertEqual(response.status, 429)
        self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'RATE_LIMITED')
        self.assertIn('Retry-After', response.headers)
        # B's polls before it knew were admitted: within the bound (one flush
        # interval of one user's requests), never more than the limit plus them.
        used_on_b = int(response.headers['X-RateLimit-Used'])
        self.assertGreaterEqual(used_on_b, LIMIT)
        self.assertLessEqual(used_on_b, LIMIT + admitted_on_b)

    def test_query_too_complex_is_refused_and_free(self):
        before = self.used_on(self.a)
        for accept, status in ((GRAPHQL_RESPONSE, 400), ('application/json', 200)):
            response = self.ask(self.a, TOO_COMPLEX, accept=accept)
            self.assertEqual(response.status, status, response.body)
            body = response.json()
            self.assertEqual(body['errors'][0]['extensions']['code'], 'QUERY_TOO_COMPLEX')
            self.assertIn('500200', body['errors'][0]['message'])
            self.assertNotIn('data', body)
            self.assertEqual(response.headers['X-RateLimit-Resource'], 'graphql')
        # Nothing was spent: the next poll sees what the one before did, plus itself.
        self.assertEqual(self.used_on(self.a), before + 1)
        # Spread once it runs: 250,100 nodes, 1 + 25 x 100 requests, 25 points.
        under = '{ a: incidents(first: 100) { ...N } rateLimit { cost nodeCount } } ' + NOTES
        response = self.ask(self.a, under)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json()['data']['rateLimit'], {'cost': 25, 'nodeCount': 250100})

    def test_dry_run_costs_nothing(self):
        before = self.used_on(self.a)
        for variables in (None, {'dry': True}):
            query = ('query ($dry: Boolean = true) { rateLimit(dryRun: $dry) { cost used remaining nodeCount } '
                     + TEN_POINTS[1:-1] + ' }')
            response = self.ask(self.a, query, variables)
            self.assertEqual(response.status, 200, response.body)
            body = response.json()
            self.assertEqual(body['data']['rateLimit']['cost'], 10)
            self.assertEqual(body['data']['rateLimit']['nodeCount'], 101000)
            self.assertEqual(body['data']['rateLimit']['used'], before + 1)
            self.assertIsNone(body['data']['a0'])
            self.assertEqual({e['extensions']['code'] for e in body['errors']}, {'DRY_RUN'})
            self.assertEqual(response.headers['X-RateLimit-Used'], str(before + 1))
        # The same without dryRun spends the 10 points.
        response = self.ask(self.a, '{ rateLimit(dryRun: false) { cost used } ' + TEN_POINTS[1:-1] + ' }')
        self.assertEqual(response.json()['data']['rateLimit'], {'cost': 10, 'used': before + 11})


class RateLimitTokenDownTest(SuiteTestCase):
    """r5-token paused (SIGSTOP): the gateway cannot flush, and goes on
    limiting on its own counts (the verdict cache, on by default, keeps the
    token authenticated meanwhile)."""
    suite_env = {'R5_RATE_LIMIT_POINTS': '22'}

    def test_limits_hold_while_r5_token_is_unreachable(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        self.assertEqual(bearer(self.base, token, '{ __typename }').status, 200)   # the verdict is cached
        time.sleep(0.6)     # flushed: r5-token holds 2 points
        workers = [p for p in self.suite.processes if p.name == 'r5-token']
        for worker in workers:
            worker.popen.send_signal(signal.SIGSTOP)
        try:
            time.sleep(0.6)     # at least one flush is now waiting on r5-token
            statuses = [bearer(self.base, token, TEN_POINTS) for _ in range(3)]
            self.assertEqual([r.status for r in statuses], [200, 200, 429])
            self.assertEqual(statuses[1].headers['X-RateLimit-Used'], '22')
            self.assertEqual(statuses[2].json()['errors'][0]['extensions']['code'], 'RATE_LIMITED')
            self.assertIn('Retry-After', statuses[2].headers)
        finally:
            for worker in workers:
                worker.popen.send_signal(signal.SIGCONT)
        # Once r5-token answers again the counts reach it: still refused.
        time.sleep(1.5)
        response = bearer(self.base, token, TEN_POINTS)
        self.assertEqual(response.status, 429)
        self.assertGreaterEqual(int(response.headers['X-RateLimit-Used']), 22)


class RateLimitWindowTest(SuiteTestCase):
    """A short window (a test-only setting; production keeps one hour)."""
    WINDOW = 3
    suite_env = {'R5_RATE_LIMIT_POINTS': '3', 'R5_RATE_LIMIT_WINDOW_SECONDS': str(WINDOW)}

    def test_a_new_window_gives_the_budget_back(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        # Start at the beginning of a window, so the three requests share one.
        time.sleep(self.WINDOW - time.time() % self.WINDOW + 0.05)
        statuses = [bearer(self.base, token, '{ __typename }') for _ in range(4)]
        self.assertEqual([r.status for r in statuses], [200, 200, 200, 429])
        reset = int(statuses[-1].headers['X-RateLimit-Reset'])
        self.assertEqual(reset % self.WINDOW, 0)
        self.assertLessEqual(int(statuses[-1].headers['Retry-After']), self.WINDOW)
        time.sleep(max(0.0, reset - time.time()) + 0.05)
        response = bearer(self.base, token, '{ __typename }')
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.headers['X-RateLimit-Used'], '1')
        self.assertEqual(int(response.headers['X-RateLimit-Reset']), reset + self.WINDOW)


if __name__ == '__main__':
    unittest.main()
