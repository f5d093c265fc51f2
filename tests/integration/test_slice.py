"""The walking skeleton end to end: an owner signs up, makes a token, and the
viewer query answers through gateway -> broker -> token -> resource -> MongoDB;
every kind of bad credential gets the one 401."""

import unittest

from r5client import Session, SuiteTestCase, bearer, http

VIEWER = '{ viewer { id name email role } }'


class SliceTest(SuiteTestCase):

    def test_viewer_with_a_fresh_token(self):
        session = Session(self.base)
        user = session.signup(email='ada@example.com', name='Ada Owner')
        self.assertEqual(user['role'], 'OWNER')
        created = session.create_token(['incidentsRead'])
        value = created['value']
        self.assertRegex(value, r'^r5p_[0-9A-Za-z]{36}$')
        self.assertEqual(created['personalAccessToken']['hint'], 'r5p_\u2026' + value[-4:])

        response = bearer(self.base, value, VIEWER)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json(), {'data': {'viewer': {
            'id': user['id'], 'name': 'Ada Owner', 'email': 'ada@example.com', 'role': 'OWNER'}}})

    def test_every_bad_credential_gets_the_same_401(self):
        session = Session(self.base)
        session.signup()
        good = session.create_token(['teamsRead'])['value']
        flipped = good[:10] + ('A' if good[10] != 'A' else 'B') + good[11:]
        never_issued = self._valid_shape_never_issued()
        cases = {
            'missing': None,
            'malformed': 'not-a-token',
            'bad checksum': flipped,
            'unknown': never_issued,
            'empty': '',
        }
        bodies = set()
        for name, token in cases.items():
            response = bearer(self.base, token, VIEWER)
            self.assertEqual(response.status, 401, name)
            self.assertTrue(response.headers.get('WWW-Authenticate', '').startswith('Bearer'), name)
            bodies.add(response.body)
        basic = http(self.base + '/graphql', 'POST', {'query': VIEWER},
                     {'Content-Type': 'application/json', 'Authorization': 'Basic YTpi'})
        self.assertEqual(basic.status, 401)
        bodies.add(basic.body)
        self.assertEqual(len(bodies), 1, bodies)

    def test_malformed_and_bad_checksum_never_reach_a_service(self):
        """With r5-token stopped, a well-formed value cannot be verified (503),
        but malformed and bad-checksum values are still refused with 401: the
        gateway decided alone."""
        token_instances = [p for p in self.suite.processes if p.name == 'r5-token']
        for process in token_instances:
            process.stop()
        try:
            self.assertEqual(bearer(self.base, 'r5p_short', VIEWER).status, 401)
            self.assertEqual(bearer(self.base, 'r5p_' + 'a' * 36, VIEWER).status, 401)
            unknown = bearer(self.base, self._valid_shape_never_issued(), VIEWER)
            self.assertEqual(unknown.status, 503)
            self.assertEqual(unknown.json()['errors'][0]['extensions']['code'], 'UNAVAILABLE')
        finally:
            for process in token_instances:
                self.suite.processes.remove(process)
            self.suite.start_service('r5-token')

    def test_body_over_the_cap_is_413(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        big = b'{"query": "' + b' ' * (1024 * 1024 + 10) + b'{ viewer { id } }"}'
        response = http(self.base + '/graphql', 'POST', big,
                        {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token})
        self.assertEqual(response.status, 413)

    def test_health_and_readiness(self):
        self.assertEqual(http(self.base + '/healthz').status, 200)
        ready = http(self.base + '/readyz')
        self.assertEqual(ready.status, 200)
        self.assertEqual(set(ready.json()['services'].values()), {'ok'})

    @staticmethod
    def _valid_shape_never_issued():
        import binascii
        import secrets
        alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
        body = ''.join(secrets.choice(alphabet) for _ in range(30))
        crc = binascii.crc32(body.encode())
        digits = ''
        for _ in range(6):
            digits = alphabet[crc % 62] + digits
            crc //= 62
        return 'r5p_' + body + digits


if __name__ == '__main__':
    unittest.main()
