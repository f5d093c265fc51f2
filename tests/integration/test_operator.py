"""With signup switched off, an operator creates the first owner with
`r5-resource --create-owner EMAIL` (password on standard input); that owner
signs in on the web and manages tokens as usual."""

import os
import subprocess
import unittest

from r5client import Session, SuiteTestCase


class OperatorTest(SuiteTestCase):
    suite_env = {'R5_SIGNUP': 'false'}

    def create_owner(self, email, password):
        env = dict(os.environ, R5_MONGODB_URI=self.suite.mongodb_uri, R5_LOG_LEVEL='warn')
        return subprocess.run([self.suite.binary('r5-resource'), '--create-owner', email, '--owner-name', 'Boss',
                               '--account-name', 'Corp'], input=password + '\n', env=env,
                              capture_output=True, text=True, timeout=60)

    def test_first_owner_without_signup(self):
        refused = Session(self.base).post('/auth/signup', {'accountName': 'A', 'name': 'N', 'email': 'x@example.com',
                                                           'password': 'long enough pw'})
        self.assertEqual(refused.status, 403)

        done = self.create_owner('boss@example.com', 'operator chosen password')
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn('boss@example.com', done.stdout)
        self.assertNotIn('operator chosen password', done.stdout + done.stderr)

        session = Session(self.base)
        login = session.post('/auth/login', {'email': 'boss@example.com', 'password': 'operator chosen password'})
        self.assertEqual(login.status, 200)
        self.assertEqual(login.json()['user']['role'], 'OWNER')
        self.assertRegex(session.create_token(['teamsRead'])['value'], r'^r5p_')

        # The same email again, or a bad password: refused, nothing created.
        self.assertEqual(self.create_owner('boss@example.com', 'another password').returncode, 1)
        short = self.create_owner('second@example.com', 'short')
        self.assertEqual(short.returncode, 1)
        self.assertIn('password', short.stderr)
        self.assertEqual(Session(self.base).post('/auth/login', {'email': 'second@example.com',
                                                                 'password': 'short'}).status, 401)

    def test_create_owner_refuses_an_email_another_account_holds(self):
        self.assertEqual(self.create_owner('lead@example.com', 'first owner password').returncode, 0)
        session = Session(self.base)
        login = session.post('/auth/login', {'email': 'lead@example.com', 'password': 'first owner password'})
        self.assertEqual(login.status, 200)
        account = login.json()['user']['accountId']
        made = session.graphql('mutation { createUser(input: {email: "hire@example.com", name: "Hire", role: MEMBER, '
                               'password: "hire password"}) { user { id } } }').json()
        self.assertNotIn('errors', made)
        # A second account for the hire's email (any spelling): CONFLICT, saying nothing of where it is.
        refused = self.create_owner('  Hire@Example.COM ', 'operator chosen password')
        self.assertEqual(refused.returncode, 1)
        self.assertIn('this email is already in use', refused.stderr)
        for secret in ('Corp', account, made['data']['createUser']['user']['id']):
            self.assertNotIn(secret, refused.stderr + refused.stdout)
        login = Session(self.base).post('/auth/login', {'email': 'hire@example.com', 'password': 'hire password'})
        self.assertEqual(login.status, 200)


if __name__ == '__main__':
    unittest.main()
