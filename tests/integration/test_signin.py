"""Sign-in for people: signup, login, logout, the session cookie, the CSRF
rule for cookie-authenticated POSTs, and failed-login throttling."""

import unittest

from r5client import Session, SuiteTestCase, http

VIEWER = '{ viewer { email role } }'


class SigninTest(SuiteTestCase):

    def test_signup_login_logout(self):
        first = Session(self.base)
        user = first.signup(email='grace@example.com', name='Grace')
        self.assertIn('HttpOnly', self._set_cookie(first))
        again = Session(self.base)
        response = again.post('/auth/login', {'email': 'GRACE@example.com', 'password': 'correct horse battery'})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json()['user']['id'], user['id'])
        cookie = response.headers['Set-Cookie']
        for attribute in ('HttpOnly', 'SameSite=Strict', 'Path=/'):
            self.assertIn(attribute, cookie)
        self.assertEqual(again.graphql(VIEWER).json()['data']['viewer'], {'email': 'grace@example.com', 'role': 'OWNER'})
        old_cookie = again.cookie
        self.assertEqual(again.post('/auth/logout', {}).status, 200)
        # The ended session no longer works, even if a copy of the cookie is replayed.
        replay = http(self.base + '/graphql', 'POST', {'query': VIEWER},
                      {'Content-Type': 'application/json', 'Origin': self.base, 'Cookie': old_cookie})
        self.assertEqual(replay.status, 401)

    def test_signup_refuses_bad_input_and_taken_email(self):
        session = Session(self.base)
        session.signup(email='taken@example.com')
        cases = [
            ({'accountName': 'A', 'name': 'N', 'email': 'taken@example.com', 'password': 'long enough pw'}, 409),
            ({'accountName': 'A', 'name': 'N', 'email': 'not-an-email', 'password': 'long enough pw'}, 400),
            ({'accountName': 'A', 'name': 'N', 'email': 'short@example.com', 'password': 'short'}, 400),
            ({'accountName': '', 'name': 'N', 'email': 'empty@example.com', 'password': 'long enough pw'}, 400),
            ({'name': 'N', 'email': 'missing@example.com', 'password': 'long enough pw'}, 400),
        ]
        for payload, status in cases:
            response = Session(self.base).post('/auth/signup', payload)
            self.assertEqual(response.status, status, payload)
            self.assertNotIn('Set-Cookie', response.headers)
        # None of the refused ones can log in: nothing was created.
        for email in ('short@example.com', 'empty@example.com'):
            self.assertEqual(Session(self.base).post('/auth/login', {'email': email, 'password': 'long enough pw'}).status, 401)

    def test_wrong_password_and_unknown_email_answer_alike(self):
        Session(self.base).signup(email='alike@example.com')
        wrong = Session(self.base).post('/auth/login', {'email': 'alike@example.com', 'password': 'wrong password'})
        unknown = Session(self.base).post('/auth/login', {'email': 'nobody@example.com', 'password': 'wrong password'})
        self.assertEqual((wrong.status, wrong.body), (unknown.status, unknown.body))
        self.assertEqual(wrong.status, 401)

    def test_failed_logins_are_throttled(self):
        Session(self.base).signup(email='target@example.com')
        statuses = [Session(self.base).post('/auth/login', {'email': 'target@example.com', 'password': 'guess %d' % i}).status
                    for i in range(5)]
        self.assertEqual(statuses, [401] * 5)
        blocked = Session(self.base).post('/auth/login', {'email': 'target@example.com', 'password': 'correct horse battery'})
        self.assertEqual(blocked.status, 429)
        self.assertGreater(int(blocked.headers['Retry-After']), 0)

    def test_cookie_posts_need_json_and_same_origin(self):
        session = Session(self.base)
        session.signup()
        ok = session.graphql(VIEWER)
        self.assertEqual(ok.status, 200)
        for headers in ({'Content-Type': 'application/json'},                                   # no Origin
                        {'Content-Type': 'application/json', 'Origin': 'http://evil.example'},  # other origin
                        {'Content-Type': 'text/plain', 'Origin': self.base}):                   # a simple form post
            headers['Cookie'] = session.cookie
            response = http(self.base + '/graphql', 'POST', {'query': VIEWER}, headers)
            self.assertEqual(response.status, 403, headers)

    @staticmethod
    def _set_cookie(session):
        response = session.post('/auth/login', {'email': 'grace@example.com', 'password': 'correct horse battery'})
        return response.headers.get('Set-Cookie', '')


if __name__ == '__main__':
    unittest.main()
