"""Inbound alerts: POST /integrations/<key> opens an incident for the team
that owns the integration and answers 202; a bad key or shape is 404, other
methods 405, bad bodies 400; the key works only until the integration is
deleted."""

import unittest

from r5client import Session, SuiteTestCase, http

JSON = {'Content-Type': 'application/json'}


class IntegrationTest(SuiteTestCase):

    def setUp(self):
        self.owner = Session(self.base)
        self.owner.signup()
        team = self.owner.graphql('mutation { createTeam(input: {name: "Payments"}) { team { id } } }').json()
        self.team_id = team['data']['createTeam']['team']['id']
        created = self.owner.graphql('mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) '
                                     '{ integration { id } key } }',
                                     {'input': {'teamId': self.team_id, 'name': 'Prometheus'}}).json()
        self.integration_id = created['data']['createIntegration']['integration']['id']
        self.key = created['data']['createIntegration']['key']

    def test_an_alert_opens_an_incident_for_the_team(self):
        response = http(self.base + '/integrations/' + self.key, 'POST',
                        {'title': 'Disk full on db-1', 'description': '95% used', 'urgency': 'LOW'}, JSON)
        self.assertEqual(response.status, 202, response.body)
        incident_id = response.json()['incidentId']
        incident = self.owner.graphql('query($id: ID!) { incident(id: $id) { title description urgency status teams { id } } }',
                                      {'id': incident_id}).json()['data']['incident']
        self.assertEqual(incident, {'title': 'Disk full on db-1', 'description': '95% used', 'urgency': 'LOW',
                                    'status': 'TRIGGERED', 'teams': [{'id': self.team_id}]})

    def test_refusals(self):
        never = 'r5i_' + 'A' * 32
        self.assertEqual(http(self.base + '/integrations/' + never, 'POST', {'title': 'x'}, JSON).status, 404)
        self.assertEqual(http(self.base + '/integrations/not-a-key', 'POST', {'title': 'x'}, JSON).status, 404)
        self.assertEqual(http(self.base + '/integrations/' + self.key).status, 405)
        self.assertEqual(http(self.base + '/integrations/' + self.key, 'POST', b'title=x',
                              {'Content-Type': 'application/x-www-form-urlencoded'}).status, 415)
        for body in (b'[1]', b'{"urgency": "EXTREME"}', b'not json'):
            self.assertEqual(http(self.base + '/integrations/' + self.key, 'POST', body, JSON).status, 400, body)
        # Nothing above opened an incident.
        listed = self.owner.graphql('{ incidents { nodes { id } } }').json()
        self.assertEqual(listed['data']['incidents']['nodes'], [])

    def test_a_deleted_integration_stops_its_key(self):
        self.assertEqual(http(self.base + '/integrations/' + self.key, 'POST', {}, JSON).status, 202)
        self.owner.graphql('mutation($id: ID!) { deleteIntegration(id: $id) { deletedId } }', {'id': self.integration_id})
        self.assertEqual(http(self.base + '/integrations/' + self.key, 'POST', {}, JSON).status, 404)


if __name__ == '__main__':
    unittest.main()
