"""Personal access tokens through HTTP, as a client would use them: the value
is shown once and found nowhere else; regenerate, scope changes and delete
count on the next request, on every gateway; nobody sees another user's
tokens; a token can never manage tokens."""

import glob
import os
import unittest

from r5client import Session, SuiteTestCase, bearer, http

VIEWER = '{ viewer { id } }'
TOKEN_FIELDS = 'id description scopes hint createdAt lastUsedAt'


class TokenLifecycleTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second gateway: changes made through one must count at once on the other.
        cls.other = 'http://127.0.0.1:%s' % cls.suite.start_gateway().fields['port']

    def setUp(self):
        self.session = Session(self.base)
        self.user = self.session.signup()

    def test_value_is_shown_once_and_stored_nowhere(self):
        created = self.session.create_token(['incidentsRead', 'teamsWrite'], 'ci job')
        value, token_id = created['value'], created['personalAccessToken']['id']
        self.assertEqual(bearer(self.base, value, VIEWER).status, 200)
        regenerated = self.session.graphql('mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) { value } }',
                                           {'id': token_id}).json()['data']['regeneratePersonalAccessToken']['value']
        listed = self.session.graphql('{ personalAccessTokens { nodes { %s } } }' % TOKEN_FIELDS).body
        got = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { %s events { nodes { type } } } }'
                                   % TOKEN_FIELDS, {'id': token_id}).body
        for secret in (value, regenerated):
            self.assertNotIn(secret.encode(), listed)
            self.assertNotIn(secret.encode(), got)
            self.assertNotIn(secret[4:34].encode(), listed)
        # Nothing at rest (the dev server's journal and snapshot hold every
        # document ever written) and nothing in any process's log.
        files = glob.glob(os.path.join(self.data_dir, 'mongo', '*')) + glob.glob(os.path.join(self.data_dir, 'logs', '*'))
        self.assertTrue(any('journal' in f for f in files), files)
        for path in files:
            with open(path, 'rb') as f:
                content = f.read()
            for secret in (value, regenerated):
                self.assertNotIn(secret[4:34].encode(), content, path)

    def test_regenerate_kills_the_old_value_and_keeps_the_token(self):
        created = self.session.create_token(['incidentsRead', 'usersRead'], 'rotate me')
        old, token_id = created['value'], created['personalAccessToken']['id']
        self.assertEqual(bearer(self.base, old, VIEWER).status, 200)
        self.assertEqual(bearer(self.other, old, VIEWER).status, 200)      # cached on both gateways
        payload = self.session.graphql('mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) '
                                       '{ personalAccessToken { %s } value } }' % TOKEN_FIELDS,
                                       {'id': token_id}).json()['data']['regeneratePersonalAccessToken']
        new = payload['value']
        self.assertNotEqual(new, old)
        self.assertEqual(payload['personalAccessToken']['id'], token_id)
        self.assertEqual(payload['personalAccessToken']['description'], 'rotate me')
        self.assertEqual(sorted(payload['personalAccessToken']['scopes']), ['incidentsRead', 'usersRead'])
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, old, VIEWER).status, 401, base)
            self.assertEqual(bearer(base, new, VIEWER).status, 200, base)

    def test_delete_revokes_on_every_gateway(self):
        created = self.session.create_token(['incidentsRead'])
        value, token_id = created['value'], created['personalAccessToken']['id']
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, value, VIEWER).status, 200)
        deleted = self.session.graphql('mutation($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }',
                                       {'id': token_id}).json()
        self.assertEqual(deleted['data']['deletePersonalAccessToken']['deletedId'], token_id)
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, value, VIEWER).status, 401, base)
        listed = self.session.graphql('{ personalAccessTokens { nodes { id } } }').json()
        self.assertNotIn(token_id, [n['id'] for n in listed['data']['personalAccessTokens']['nodes']])

    def test_scope_change_counts_at_once_on_every_gateway(self):
        created = self.session.create_token(['teamsRead'], 'scoped')
        value, token_id = created['value'], created['personalAccessToken']['id']
        teams = '{ teams { nodes { id } } }'
        for base in (self.base, self.other):
            body = bearer(base, value, teams).json()
            self.assertNotIn('errors', body, base)
        self.session.graphql('mutation($id: ID!) { updatePersonalAccessToken(id: $id, input: {scopes: [incidentsRead]}) '
                             '{ personalAccessToken { id } } }', {'id': token_id})
        for base in (self.base, self.other):
            body = bearer(base, value, teams).json()
            self.assertIsNone(body['data']['teams'], base)
            self.assertEqual(body['errors'][0]['extensions'], {'code': 'SCOPE_MISSING', 'requiredScope': 'teamsRead'}, base)

    def test_deactivation_counts_at_once_on_every_gateway(self):
        member = self.session.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
                                      {'input': {'email': 'member-%s@example.com' % self.user['id'][-6:], 'name': 'Mem Ber',
                                                 'role': 'MEMBER', 'password': 'member password'}}).json()
        member_id = member['data']['createUser']['user']['id']
        member_session = Session(self.base)
        login = member_session.post('/auth/login', {'email': 'member-%s@example.com' % self.user['id'][-6:],
                                                    'password': 'member password'})
        self.assertEqual(login.status, 200)
        value = member_session.create_token(['incidentsRead'])['value']
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, value, VIEWER).status, 200, base)
        self.session.graphql('mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }', {'id': member_id})
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, value, VIEWER).status, 401, base)
        self.assertEqual(member_session.graphql(VIEWER).status, 401)      # the session too
        self.session.graphql('mutation($id: ID!) { reactivateUser(id: $id) { user { id } } }', {'id': member_id})
        for base in (self.base, self.other):
            self.assertEqual(bearer(base, value, VIEWER).status, 200, base)

    def test_update_changes_description_and_scopes(self):
        created = self.session.create_token(['incidentsRead'], 'before')
        token_id = created['personalAccessToken']['id']
        updated = self.session.graphql('mutation($id: ID!, $input: UpdatePersonalAccessTokenInput!) '
                                       '{ updatePersonalAccessToken(id: $id, input: $input) { personalAccessToken { description scopes } } }',
                                       {'id': token_id, 'input': {'description': 'after', 'scopes': ['teamsRead', 'teamsWrite']}}).json()
        token = updated['data']['updatePersonalAccessToken']['personalAccessToken']
        self.assertEqual(token['description'], 'after')
        self.assertEqual(sorted(token['scopes']), ['teamsRead', 'teamsWrite'])
        events = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { events { nodes { type scopesBefore scopesAfter } } } }',
                                      {'id': token_id}).json()['data']['personalAccessToken']['events']['nodes']
        update = [e for e in events if e['type'] == 'UPDATED'][0]
        self.assertEqual(update['scopesBefore'], ['incidentsRead'])
        self.assertEqual(sorted(update['scopesAfter']), ['teamsRead', 'teamsWrite'])

    def test_bad_input_changes_nothing(self):
        token_id = self.session.create_token(['incidentsRead'], 'keep')['personalAccessToken']['id']
        for description in ('', ' ' * 5, 'x' * 201, 'bell\u0007'):
            response = self.session.graphql('mutation($id: ID!, $input: UpdatePersonalAccessTokenInput!) '
                                            '{ updatePersonalAccessToken(id: $id, input: $input) { personalAccessToken { id } } }',
                                            {'id': token_id, 'input': {'description': description}}).json()
            self.assertEqual(response['errors'][0]['extensions']['code'], 'BAD_USER_INPUT', description)
        response = self.session.graphql('mutation { createPersonalAccessToken(input: {description: "x", scopes: [nope]}) { value } }')
        # Invalid (an unknown enum value): 200 for the web UI's application/json, with no data.
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'GRAPHQL_VALIDATION_FAILED')
        self.assertNotIn('data', response.json())
        token = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { description scopes } }',
                                     {'id': token_id}).json()['data']['personalAccessToken']
        self.assertEqual(token, {'description': 'keep', 'scopes': ['incidentsRead']})

    def test_nobody_sees_another_users_tokens(self):
        mine = self.session.create_token(['incidentsRead'])['personalAccessToken']['id']
        intruder = Session(self.base)
        intruder.signup()
        listed = intruder.graphql('{ personalAccessTokens { nodes { id } } }').json()
        self.assertEqual(listed['data']['personalAccessTokens']['nodes'], [])
        for query in ('query($id: ID!) { personalAccessToken(id: $id) { id } }',
                      'mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) { value } }',
                      'mutation($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }',
                      'mutation($id: ID!) { updatePersonalAccessToken(id: $id, input: {description: "mine now"}) { personalAccessToken { id } } }'):
            response = intruder.graphql(query, {'id': mine}).json()
            self.assertEqual(response['errors'][0]['extensions']['code'], 'NOT_FOUND', query)
        # ... and the owner's token is untouched.
        token = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { description } }',
                                     {'id': mine}).json()
        self.assertEqual(token['data']['personalAccessToken']['description'], 'test token')

    def test_a_token_cannot_manage_tokens(self):
        value = self.session.create_token(['incidentsRead', 'usersWrite'])['value']
        for query in ('{ personalAccessTokens { nodes { id } } }',
                      'mutation { createPersonalAccessToken(input: {description: "more", scopes: [usersWrite]}) { value } }'):
            response = bearer(self.base, value, query).json()
            self.assertEqual(response['errors'][0]['extensions']['code'], 'FORBIDDEN', query)
        listed = self.session.graphql('{ personalAccessTokens { nodes { id } } }').json()
        self.assertEqual(len(listed['data']['personalAccessTokens']['nodes']), 1)

    def test_sessions_expire_in_the_database_too(self):
        # Abandoned sessions must not pile up: MongoDB's TTL index removes them.
        import pymongo
        client = pymongo.MongoClient(self.suite.mongodb_uri)
        try:
            indexes = {i['name']: i for i in client['r5']['tokens'].list_indexes()}
        finally:
            client.close()
        self.assertEqual(indexes['session_expiry']['key'], {'idle_expires_at': 1})
        self.assertEqual(indexes['session_expiry']['expireAfterSeconds'], 0)

    def test_last_used_is_recorded(self):
        created = self.session.create_token(['incidentsRead'])
        token_id = created['personalAccessToken']['id']
        self.assertIsNone(created['personalAccessToken'].get('lastUsedAt'))
        self.assertEqual(bearer(self.base, created['value'], VIEWER).status, 200)
        token = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { lastUsedAt lastUsedIp } }',
                                     {'id': token_id}).json()['data']['personalAccessToken']
        self.assertRegex(token['lastUsedAt'] or '', r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
        self.assertEqual(token['lastUsedIp'], '127.0.0.1')

    def test_used_from_lists_each_address_and_user_agent(self):
        # Where a token was used: each (address, User-Agent) with its last
        # time, newest first, through the real gateway and r5-token.
        created = self.session.create_token(['incidentsRead'])
        value, token_id = created['value'], created['personalAccessToken']['id']
        query = ('query($id: ID!) { personalAccessToken(id: $id) { lastUsedAt '
                 'usedFrom { __typename address userAgent lastUsedAt } } }')

        def used_from():
            return self.session.graphql(query, {'id': token_id}).json()['data']['personalAccessToken']['usedFrom']

        self.assertEqual(used_from(), [])
        self.assertEqual(bearer(self.base, value, VIEWER, headers={'User-Agent': 'deploy-bot/1.0'}).status, 200)
        # A second client at another address, with a User-Agent that needs
        # cleaning (civetweb already refuses control characters): a byte that is
        # not UTF-8 (\xe9 as latin-1 puts it on the wire) and more than 256 bytes.
        long_agent = 'curl/8.5.0 caf\xe9 ' + 'x' * 600
        second = http(self.base + '/graphql', 'POST', {'query': VIEWER},
                      {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + value,
                       'User-Agent': long_agent}, source='127.0.0.2')
        self.assertEqual(second.status, 200, second.body)
        # The first again within the minute: the same place, not a third one.
        self.assertEqual(bearer(self.base, value, VIEWER, headers={'User-Agent': 'deploy-bot/1.0'}).status, 200)
        places = used_from()
        self.assertEqual([p['userAgent'] for p in places], [('curl/8.5.0 caf? ' + 'x' * 600)[:256], 'deploy-bot/1.0'])
        self.assertEqual([p['address'] for p in places], ['127.0.0.2', '127.0.0.1'])
        for place in places:
            self.assertEqual(place['__typename'], 'TokenUse')
            self.assertRegex(place['lastUsedAt'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
        self.assertGreaterEqual(places[0]['lastUsedAt'], places[1]['lastUsedAt'])
        # Only its owner's session reads it: a token reads no token.
        denied = bearer(self.base, value, '{ personalAccessTokens { nodes { usedFrom { address } } } }').json()
        self.assertEqual(denied['errors'][0]['extensions']['code'], 'FORBIDDEN')
        # A regenerated value has not been used from anywhere yet.
        self.session.graphql('mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) { value } }',
                             {'id': token_id})
        self.assertEqual(used_from(), [])


if __name__ == '__main__':
    unittest.main()
