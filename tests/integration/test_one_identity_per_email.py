"""One identity per email: an email names one user across all accounts, so a
login ({email, password}) can only land in that user's account. Whichever
way an email is taken (signup, createUser, either account first), the other
way answers CONFLICT without saying which account holds it; MongoDB's unique
index is the check, so concurrent signups cannot both win; and r5-resource
refuses to start over data that breaks the rule."""

import threading
import unittest
import uuid

import pymongo

from r5client import Session, SuiteTestCase, r5suite

PASSWORD = 'correct horse battery'
CREATE_USER = ('mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email } } }')


def email(tag):
    return '%s-%s@example.com' % (tag, uuid.uuid4().hex[:8])


class OneIdentityPerEmailTest(SuiteTestCase):

    def owner(self, account):
        session = Session(self.base)
        session.user = session.signup(email=email('owner'), account=account)
        session.account_name = account
        return session

    def create_user(self, session, address):
        response = session.graphql(CREATE_USER, {'input': {'email': address, 'name': 'New Hire', 'role': 'MEMBER',
                                                           'password': PASSWORD}})
        self.assertEqual(response.status, 200)
        return response.json()

    def assertConflictNamingNoAccount(self, text, *holders):
        for holder in holders:
            for secret in (holder.user['accountId'], holder.user['id'], holder.account_name):
                self.assertNotIn(secret, text)

    def test_an_account_cannot_create_a_user_another_account_holds(self):
        alpha, beta = self.owner('Alpha Industries'), self.owner('Beta Logistics')
        hire = email('hire')
        made = self.create_user(beta, hire)
        self.assertNotIn('errors', made)
        # Alpha tries the email Beta's hire holds: refused, and told nothing about Beta.
        for spelling in (hire, hire.upper(), '  %s\t' % hire):
            body = self.create_user(alpha, spelling)
            self.assertIsNone(body['data']['createUser'], body)
            self.assertEqual([e['extensions']['code'] for e in body['errors']], ['CONFLICT'], spelling)
            self.assertConflictNamingNoAccount(str(body), alpha, beta)
        # Another account's owner's email is refused too.
        body = self.create_user(alpha, beta.user['email'])
        self.assertEqual(body['errors'][0]['extensions']['code'], 'CONFLICT')
        # The hire signs in and lands in Beta, the one account that holds the email.
        login = Session(self.base).post('/auth/login', {'email': hire, 'password': PASSWORD})
        self.assertEqual(login.status, 200)
        self.assertEqual(login.json()['user']['accountId'], beta.user['accountId'])

    def test_signup_cannot_take_an_email_an_account_created(self):
        alpha = self.owner('Alpha Industries')
        hire = email('member')
        self.assertNotIn('errors', self.create_user(alpha, hire))
        for spelling in (hire, ' %s ' % hire.upper()):
            response = Session(self.base).post('/auth/signup', {'accountName': 'Gamma', 'name': 'Someone',
                                                                'email': spelling, 'password': 'another password'})
            self.assertEqual(response.status, 409, response.body)
            self.assertNotIn('Set-Cookie', response.headers)
            self.assertConflictNamingNoAccount(response.body.decode(), alpha)
        # The member's own password still leads to Alpha; the would-be owner's does not sign in.
        self.assertEqual(Session(self.base).post('/auth/login', {'email': hire, 'password': 'another password'}).status,
                         401)
        login = Session(self.base).post('/auth/login', {'email': hire, 'password': PASSWORD})
        self.assertEqual(login.json()['user']['accountId'], alpha.user['accountId'])

    def test_concurrent_signups_with_one_email_make_one_account(self):
        contested, n = email('contested'), 8
        # Several instances, as in production: no one process sees every signup.
        for _ in range(2):
            self.suite.start_service('r5-resource')
        self.suite.wait_ready()
        statuses = []
        start = threading.Barrier(n)

        def signup(i):
            start.wait()
            statuses.append(Session(self.base).post('/auth/signup', {
                'accountName': 'Race %d' % i, 'name': 'Racer', 'email': contested, 'password': PASSWORD}).status)
        threads = [threading.Thread(target=signup, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(statuses), [201] + [409] * (n - 1))
        users = pymongo.MongoClient(self.suite.mongodb_uri).get_default_database().users
        self.assertEqual(users.count_documents({'email': contested}), 1)

    def test_the_unique_index_exists(self):
        users = pymongo.MongoClient(self.suite.mongodb_uri).get_default_database().users
        indexes = [index for index in users.list_indexes() if dict(index['key']) == {'email': 1}]
        self.assertEqual(len(indexes), 1, indexes)
        self.assertTrue(indexes[0].get('unique'), indexes[0])
        self.assertNotIn('partialFilterExpression', indexes[0])


class DuplicateEmailsAtStartTest(SuiteTestCase):
    """Data written before the rule (the same email in two accounts) cannot be
    indexed: r5-resource refuses to start and says where."""

    def test_resource_refuses_to_start_over_duplicate_emails(self):
        db = pymongo.MongoClient(self.suite.mongodb_uri).get_default_database()
        db.users.drop_index('email_unique')
        twice = email('twice')
        for account in ('a' * 24, 'b' * 24):
            db.users.insert_one({'_id': uuid.uuid4().hex[:24], 'account_id': account, 'email': twice, 'name': 'Old',
                                 'role': 'MEMBER', 'active': True, 'password_hash': 'x'})
        with self.assertRaises(r5suite.SuiteError) as refused:
            self.suite.start_service('r5-resource')
        message = str(refused.exception)
        for what in ('users', 'email_unique', 'duplicate'):
            self.assertIn(what, message)
        # Once the operator resolves the duplicate, it starts and the index is back.
        db.users.delete_one({'email': twice, 'account_id': 'b' * 24})
        self.suite.start_service('r5-resource')
        self.assertTrue(any(index['name'] == 'email_unique' and index.get('unique')
                            for index in db.users.list_indexes()))


if __name__ == '__main__':
    unittest.main()
