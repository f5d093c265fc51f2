"""No side effect twice (issue 12, item 5): a client that retries a create
after an ambiguous answer, with the same Idempotency-Key, gets the object the
first attempt made, and MongoDB holds one. The ambiguity is real: the dev
server applies the insert, then answers it with a writeConcernError (the
failCommand fail point, as in test_transient_errors). The same holds for an
alert (POST /integrations/<key>), keyed per integration."""

import unittest
import uuid


from r5client import FailPointTestCase, Session, http

CREATE_INCIDENT = ('mutation($title: String!) { createIncident(input: {title: $title}) '
                   '{ incident { id title } } }')
WRITE_CONCERN_ERROR = {'code': 64, 'codeName': 'WriteConcernFailed', 'errmsg': 'waiting for replication timed out'}


class IdempotencyTest(FailPointTestCase):

    def setUp(self):
        self.owner = Session(self.base)
        self.owner.signup()

    def post(self, payload, key=None):
        headers = {'Content-Type': 'application/json', 'Origin': self.base, 'Cookie': self.owner.cookie}
        if key is not None:
            headers['Idempotency-Key'] = key
        return http(self.base + '/graphql', 'POST', payload, headers)

    def create_incident(self, title, key=None):
        return self.post({'query': CREATE_INCIDENT, 'variables': {'title': title}}, key)

    def stored(self, title):
        return self.mongo.r5.incidents.count_documents({'title': title})

    def test_a_retry_after_an_ambiguous_answer_gets_the_same_incident(self):
        key, title = str(uuid.uuid4()), 'Disk full %s' % uuid.uuid4().hex[:8]
        self.fail_next(failCommands=['insert'], writeConcernError=WRITE_CONCERN_ERROR)
        first = self.create_incident(title, key)
        self.assertEqual(first.status, 503, first.body)
        self.assertEqual([e['extensions']['code'] for e in first.json()['errors']], ['UNAVAILABLE'])
        self.assertEqual(self.stored(title), 1, 'the ambiguous insert was applied')
        retried = self.create_incident(title, key)
        self.assertEqual(retried.status, 200, retried.body)
        incident = retried.json()['data']['createIncident']['incident']
        self.assertEqual(incident['title'], title)
        again = self.create_incident(title, key).json()['data']['createIncident']['incident']
        self.assertEqual(again['id'], incident['id'])
        self.assertEqual(self.stored(title), 1)
        self.assertEqual(self.mongo.r5.incidents.find_one({'title': title})['_id'], incident['id'])

    def test_the_same_key_with_another_input_is_a_conflict(self):
        key = str(uuid.uuid4())
        made = self.create_incident('First use', key).json()['data']['createIncident']['incident']
        response = self.create_incident('Second use', key).json()
        self.assertIsNone(response['data']['createIncident'])
        self.assertEqual([e['extensions']['code'] for e in response['errors']], ['CONFLICT'])
        self.assertEqual(self.stored('Second use'), 0)
        # Without a key every create is a new object, as before.
        self.create_incident('First use')
        self.assertEqual(self.stored('First use'), 2)
        self.assertTrue(made['id'])

    def test_a_key_is_per_user(self):
        key = str(uuid.uuid4())
        self.create_incident('Mine', key)
        other = Session(self.base)
        other.signup()
        headers = {'Content-Type': 'application/json', 'Origin': self.base, 'Cookie': other.cookie,
                   'Idempotency-Key': key}
        response = http(self.base + '/graphql', 'POST', {'query': CREATE_INCIDENT, 'variables': {'title': 'Theirs'}},
                        headers)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json()['data']['createIncident']['incident']['title'], 'Theirs')

    def test_a_key_names_one_create(self):
        key = str(uuid.uuid4())
        response = self.post({'query': 'mutation { a: createTeam(input: {name: "Alpha %s"}) { team { id } } '
                                       'b: createTeam(input: {name: "Beta %s"}) { team { id } } }' % (key, key)},
                             key).json()
        self.assertTrue(response['data']['a']['team']['id'])
        self.assertIsNone(response['data']['b'])
        self.assertEqual([e['extensions']['code'] for e in response['errors']], ['BAD_USER_INPUT'])
        self.assertEqual(self.mongo.r5.teams.count_documents({'name': 'Beta %s' % key}), 0)

    def test_a_malformed_key_is_refused(self):
        response = self.create_incident('Spaced', 'has spaces').json()
        self.assertEqual([e['extensions']['code'] for e in response['errors']], ['BAD_USER_INPUT'])
        self.assertEqual(self.stored('Spaced'), 0)

    def test_every_mutation_of_a_request_applies(self):
        # One GraphQL request, three updates of one token: X, Y, then X again.
        # r5-token applies a resent update once; the third is no resend.
        created = self.owner.graphql('mutation { createPersonalAccessToken(input: {description: "ci", '
                                     'scopes: [incidentsRead]}) { personalAccessToken { id } } }').json()
        token = created['data']['createPersonalAccessToken']['personalAccessToken']['id']
        response = self.owner.graphql(
            'mutation($id: ID!) { a: updatePersonalAccessToken(id: $id, input: {scopes: [teamsRead]}) '
            '{ personalAccessToken { scopes } } b: updatePersonalAccessToken(id: $id, input: {scopes: [usersRead]}) '
            '{ personalAccessToken { scopes } } c: updatePersonalAccessToken(id: $id, input: {scopes: [teamsRead]}) '
            '{ personalAccessToken { scopes } } }', {'id': token}).json()
        self.assertNotIn('errors', response)
        self.assertEqual(response['data']['c']['personalAccessToken']['scopes'], ['teamsRead'])
        events = self.owner.graphql('query($id: ID!) { personalAccessToken(id: $id) { scopes events(first: 10) '
                                    '{ nodes { type } } } }', {'id': token}).json()['data']['personalAccessToken']
        self.assertEqual(events['scopes'], ['teamsRead'])
        self.assertEqual([e['type'] for e in events['events']['nodes']], ['UPDATED', 'UPDATED', 'UPDATED', 'CREATED'])

    # A client's own retry of a token update gets a new request id from the
    # gateway: only its Idempotency-Key ties it to the first attempt.
    UPDATE_TOKEN = ('mutation($id: ID!, $description: String!) { updatePersonalAccessToken(id: $id, '
                    'input: {description: $description}) { personalAccessToken { id description } } }')

    def create_token(self):
        created = self.owner.graphql('mutation { createPersonalAccessToken(input: {description: "ci", '
                                     'scopes: [incidentsRead]}) { personalAccessToken { id } } }').json()
        return created['data']['createPersonalAccessToken']['personalAccessToken']['id']

    def update_token(self, token, description, key):
        return self.post({'query': self.UPDATE_TOKEN, 'variables': {'id': token, 'description': description}},
                         key)

    def trail(self, token):
        found = self.owner.graphql('query($id: ID!) { personalAccessToken(id: $id) { description '
                                   'events(first: 20) { nodes { type } } } }', {'id': token}).json()
        self.assertNotIn('errors', found)
        return found['data']['personalAccessToken']

    def test_a_retried_token_update_is_applied_once(self):
        token, key = self.create_token(), str(uuid.uuid4())
        self.fail_next(failCommands=['findAndModify'], writeConcernError=WRITE_CONCERN_ERROR)
        first = self.update_token(token, 'deploy', key)
        self.assertEqual(first.status, 503, first.body)
        self.assertEqual(self.mongo.r5.tokens.find_one({'_id': token})['description'], 'deploy',
                         'the ambiguous update was applied')
        for _ in range(2):
            retried = self.update_token(token, 'deploy', key)
            self.assertEqual(retried.status, 200, retried.body)
            self.assertEqual(retried.json()['data']['updatePersonalAccessToken']['personalAccessToken'],
                             {'id': token, 'description': 'deploy'})
        trail = self.trail(token)
        self.assertEqual(trail['description'], 'deploy')
        self.assertEqual([e['type'] for e in trail['events']['nodes']], ['UPDATED', 'CREATED'])

    def test_a_token_update_key_with_another_change_is_a_conflict(self):
        token, key = self.create_token(), str(uuid.uuid4())
        self.assertEqual(self.update_token(token, 'deploy', key).status, 200)
        response = self.update_token(token, 'release', key).json()
        self.assertIsNone(response['data']['updatePersonalAccessToken'])
        self.assertEqual([e['extensions']['code'] for e in response['errors']], ['CONFLICT'])
        trail = self.trail(token)
        self.assertEqual(trail['description'], 'deploy')
        self.assertEqual([e['type'] for e in trail['events']['nodes']], ['UPDATED', 'CREATED'])
        # A new key is a new change. The key and the mutation's index name a
        # change: a retried request repeats both, and its other mutations apply.
        key = str(uuid.uuid4())
        self.assertEqual(self.update_token(token, 'release', key).status, 200)
        response = self.post({'query': 'mutation($id: ID!) { a: updatePersonalAccessToken(id: $id, input: '
                                       '{description: "release"}) { personalAccessToken { description } } '
                                       'b: updatePersonalAccessToken(id: $id, input: {description: "y"}) '
                                       '{ personalAccessToken { description } } }', 'variables': {'id': token}},
                             key).json()
        self.assertNotIn('errors', response)
        self.assertEqual(response['data']['b']['personalAccessToken']['description'], 'y')
        trail = self.trail(token)
        self.assertEqual(trail['description'], 'y')
        self.assertEqual([e['type'] for e in trail['events']['nodes']], ['UPDATED'] * 3 + ['CREATED'])

    def test_a_malformed_token_update_key_is_refused(self):
        token = self.create_token()
        response = self.update_token(token, 'spaced', 'has spaces').json()
        self.assertEqual([e['extensions']['code'] for e in response['errors']], ['BAD_USER_INPUT'])
        self.assertEqual(self.trail(token)['description'], 'ci')

    ADD_NOTE = ('mutation($id: ID!, $body: String!) { addIncidentNote(id: $id, input: {body: $body}) '
                '{ incident { id } } }')

    def test_a_retried_note_is_added_once(self):
        title = 'Noted %s' % uuid.uuid4().hex[:8]
        incident = self.create_incident(title).json()['data']['createIncident']['incident']['id']
        key = str(uuid.uuid4())
        self.fail_next(failCommands=['insert'], writeConcernError=WRITE_CONCERN_ERROR)
        first = self.post({'query': self.ADD_NOTE, 'variables': {'id': incident, 'body': 'rebooted'}}, key)
        self.assertEqual(first.status, 503, first.body)
        for _ in range(2):
            retried = self.post({'query': self.ADD_NOTE, 'variables': {'id': incident, 'body': 'rebooted'}}, key)
            self.assertEqual(retried.status, 200, retried.body)
            self.assertEqual(retried.json()['data']['addIncidentNote']['incident']['id'], incident)
        self.assertEqual(self.mongo.r5.incident_notes.count_documents({'incident_id': incident}), 1)
        other = self.post({'query': self.ADD_NOTE, 'variables': {'id': incident, 'body': 'other'}}, key).json()
        self.assertEqual([e['extensions']['code'] for e in other['errors']], ['CONFLICT'])
        self.assertEqual(self.mongo.r5.incident_notes.count_documents({'incident_id': incident}), 1)


    # POST /integrations/<key>: a monitoring tool's retry of an alert after an
    # ambiguous answer, with the same Idempotency-Key, opens one incident.
    def integration(self):
        team = self.owner.graphql('mutation($name: String!) { createTeam(input: {name: $name}) { team { id } } }',
                                  {'name': 'Alerts %s' % uuid.uuid4().hex[:8]}).json()
        created = self.owner.graphql('mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) '
                                     '{ integration { id } key } }',
                                     {'input': {'teamId': team['data']['createTeam']['team']['id'],
                                                'name': 'Prometheus'}}).json()['data']['createIntegration']
        return created['integration']['id'], created['key']

    def alert(self, integration_key, alert, key=None):
        headers = {'Content-Type': 'application/json'}
        if key is not None:
            headers['Idempotency-Key'] = key
        return http(self.base + '/integrations/' + integration_key, 'POST', alert, headers)

    def alerts(self, integration_id):
        return self.mongo.r5.incidents.count_documents({'created_by': 'integration:' + integration_id})

    def test_a_keyed_alert_sent_twice_opens_one_incident(self):
        integration_id, integration_key = self.integration()
        key, alert = str(uuid.uuid4()), {'title': 'CPU high on web-1', 'urgency': 'LOW'}
        first = self.alert(integration_key, alert, key)
        self.assertEqual(first.status, 202, first.body)
        second = self.alert(integration_key, alert, key)
        self.assertEqual((second.status, second.json()), (202, first.json()))
        self.assertEqual(self.alerts(integration_id), 1)
        stored = self.mongo.r5.incidents.find_one({'_id': first.json()['incidentId']})['idempotency']
        self.assertEqual((stored['user_id'], stored['key']), ('integration:' + integration_id, key))
        # The key is the integration's: another integration's same key, or
        # an alert without a key, is another incident.
        other_id, other_key = self.integration()
        self.assertNotEqual(self.alert(other_key, alert, key).json(), first.json())
        self.assertEqual(self.alerts(other_id), 1)
        self.assertEqual(self.alert(integration_key, alert).status, 202)
        self.assertEqual(self.alerts(integration_id), 2)

    def test_a_retried_alert_after_an_ambiguous_answer_opens_one_incident(self):
        integration_id, integration_key = self.integration()
        key, alert = str(uuid.uuid4()), {'title': 'Disk full on db-1 %s' % uuid.uuid4().hex[:8]}
        self.fail_next(failCommands=['insert'], writeConcernError=WRITE_CONCERN_ERROR)
        first = self.alert(integration_key, alert, key)
        self.assertEqual(first.status, 503, first.body)
        self.assertEqual(self.alerts(integration_id), 1, 'the ambiguous insert was applied')
        stored = self.mongo.r5.incidents.find_one({'created_by': 'integration:' + integration_id})
        for _ in range(2):
            retried = self.alert(integration_key, alert, key)
            self.assertEqual((retried.status, retried.json()), (202, {'incidentId': stored['_id']}))
        self.assertEqual(self.alerts(integration_id), 1)

    def test_an_alert_key_with_another_body_is_a_conflict(self):
        integration_id, integration_key = self.integration()
        key = str(uuid.uuid4())
        first = self.alert(integration_key, {'title': 'First alert'}, key)
        self.assertEqual(first.status, 202, first.body)
        before = self.mongo.r5.incidents.find_one({'_id': first.json()['incidentId']})
        for other in ({'title': 'Second alert'}, {'title': 'First alert', 'urgency': 'LOW'}):
            response = self.alert(integration_key, other, key)
            self.assertEqual(response.status, 409, response.body)
            self.assertEqual(response.json(), {'error': 'this idempotency key was already used for a different create'})
        self.assertEqual(self.alerts(integration_id), 1)
        self.assertEqual(self.mongo.r5.incidents.find_one({'_id': first.json()['incidentId']}), before)
        # The first body with its key still answers the first incident.
        self.assertEqual(self.alert(integration_key, {'title': 'First alert'}, key).json(), first.json())

    def test_a_malformed_alert_key_is_refused(self):
        integration_id, integration_key = self.integration()
        for key in ('has spaces', 'x' * 129, 'caf\u00e9'):
            response = self.alert(integration_key, {'title': 'Refused'}, key)
            self.assertEqual(response.status, 400, (key, response.body))
            self.assertEqual(response.json(),
                             {'error': 'the idempotency key must be 1-128 printable ASCII characters without spaces'})
        # Control characters in a header are refused by civetweb before r5 sees them.
        self.assertEqual(self.alert(integration_key, {'title': 'Refused'}, 'tab\there').status, 400)
        self.assertEqual(self.alerts(integration_id), 0)
        self.assertEqual(self.mongo.r5.incident_history.count_documents({'by': 'integration:' + integration_id}), 0)
        # 128 characters is a key.
        self.assertEqual(self.alert(integration_key, {'title': 'Accepted'}, 'k' * 128).status, 202)


if __name__ == '__main__':
    unittest.main()
