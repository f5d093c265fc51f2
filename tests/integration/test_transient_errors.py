"""What a client sees when MongoDB fails as a real deployment does — a
primary stepping down, a write concern error after the write was applied,
a dropped connection: 503 with Retry-After and the code UNAVAILABLE, never
an internal error. The dev server runs with MongoDB's test commands and the
failCommand fail point is armed for r5's own connections (appName "r5")."""

import unittest


from r5client import FailPointTestCase, Session, http

JSON = {'Content-Type': 'application/json'}


class TransientErrorsTest(FailPointTestCase):

    def setUp(self):
        self.owner = Session(self.base)
        self.owner.signup()

    def create_team(self, name):
        return self.owner.post('/graphql', {'query': 'mutation($name: String!) { createTeam(input: {name: $name}) '
                                                     '{ team { id name } } }', 'variables': {'name': name}})

    def assert_unavailable(self, response):
        self.assertEqual(response.status, 503, response.body)
        self.assertEqual(response.headers.get('Retry-After'), '1')
        errors = response.json()['errors']
        self.assertEqual([e['extensions']['code'] for e in errors], ['UNAVAILABLE'], errors)

    def test_a_primary_stepping_down_is_unavailable(self):
        for code in (10107, 11602, 91, 189):
            self.fail_next(failCommands=['insert'], errorCode=code)
            self.assert_unavailable(self.create_team('Stepping down %d' % code))
        # Not written: a retry creates the team once.
        response = self.create_team('Stepping down')
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json()['data']['createTeam']['team']['name'], 'Stepping down')

    def test_a_labelled_retryable_error_is_unavailable(self):
        self.fail_next(failCommands=['insert'], errorCode=251, errorLabels=['RetryableWriteError'])
        self.assert_unavailable(self.create_team('Labelled'))

    def test_a_dropped_connection_is_unavailable(self):
        self.fail_next(failCommands=['insert'], closeConnection=True)
        self.assert_unavailable(self.create_team('Dropped'))

    def test_an_applied_write_is_never_internal(self):
        team = self.create_team('Before').json()['data']['createTeam']['team']
        self.fail_next(failCommands=['findAndModify'],
                       writeConcernError={'code': 64, 'codeName': 'WriteConcernFailed',
                                          'errmsg': 'waiting for replication timed out'})
        response = self.owner.post('/graphql', {'query': 'mutation($id: ID!) { updateTeam(id: $id, input: '
                                                         '{name: "After"}) { team { name } } }',
                                                'variables': {'id': team['id']}})
        self.assert_unavailable(response)
        # The write was applied; only its durability was in doubt.
        read = self.owner.graphql('query($id: ID!) { team(id: $id) { name } }', {'id': team['id']}).json()
        self.assertEqual(read['data']['team']['name'], 'After')

    def test_an_alert_during_a_failover_is_told_to_retry(self):
        team = self.create_team('Alerts').json()['data']['createTeam']['team']
        created = self.owner.graphql('mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) '
                                     '{ key } }', {'input': {'teamId': team['id'], 'name': 'Prometheus'}}).json()
        key = created['data']['createIntegration']['key']
        self.fail_next(failCommands=['insert'], errorCode=10107)
        response = http(self.base + '/integrations/' + key, 'POST', {'title': 'Disk full'}, JSON)
        self.assertEqual(response.status, 503, response.body)
        self.assertEqual(response.headers.get('Retry-After'), '1')
        self.assertEqual(http(self.base + '/integrations/' + key, 'POST', {'title': 'Disk full'}, JSON).status, 202)


if __name__ == '__main__':
    unittest.main()
