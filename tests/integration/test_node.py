"""Global ids and the Node fields through HTTP (issue 16, item 1; docs/api.md,
"Node ids"): every id the API answers is global and names its type;
node(id:) and nodes(ids:) fetch with the typed field's own scope and
permission; what the caller may not see, another type's id, a bare service
id and junk all answer NOT_FOUND, and a mutation given one writes nothing."""

import unittest
import uuid

from r5client import SuiteTestCase, bearer, graphql_ok, node_parts
from test_authorization import Account, _codes

Q_NODE = 'query($id: ID!) { node(id: $id) { __typename id } }'


class NodeTest(SuiteTestCase):

    def setUp(self):
        self.account = Account(self.base)
        self.owner = self.account.owner

    def _node(self, session_or_token, global_id):
        if isinstance(session_or_token, str):
            return bearer(self.base, session_or_token, Q_NODE, {'id': global_id}).json()
        return session_or_token.graphql(Q_NODE, {'id': global_id}).json()

    def test_every_id_names_its_type_and_node_fetches_it(self):
        team = self.account.team()
        member, _ = self.account.person('MEMBER', 'm')
        self.account.add_member(team['id'], member['id'])
        incident = self.account.incident(team_ids=[team['id']], user_ids=[member['id']])
        token = self.owner.create_token(['incidentsRead'])['personalAccessToken']
        viewer = graphql_ok(self.owner.graphql('{ viewer { id } }'), 'viewer')
        self.assertEqual(viewer['id'], self.account.owner_user['id'], 'sign-up and viewer give one id')
        for global_id, type_name in ((team['id'], 'Team'), (member['id'], 'User'), (incident['id'], 'Incident'),
                                     (token['id'], 'PersonalAccessToken'), (viewer['id'], 'User')):
            self.assertEqual(node_parts(global_id)[0], type_name)
            self.assertEqual(graphql_ok(self.owner.graphql(Q_NODE, {'id': global_id}), 'node'),
                             {'__typename': type_name, 'id': global_id})
        # Relations' ids are global too, and of their own types.
        read = graphql_ok(self.owner.graphql(
            'query($id: ID!) { incident(id: $id) { teams { id } assignees { id } createdBy { id } } '
            'team(id: $t) { members { userId user { id } } } }'.replace('query($id: ID!)', 'query($id: ID!, $t: ID!)'),
            {'id': incident['id'], 't': team['id']}))
        self.assertEqual(read['incident']['teams'], [{'id': team['id']}])
        self.assertEqual(read['incident']['assignees'], [{'id': member['id']}])
        self.assertEqual(read['incident']['createdBy'], {'id': viewer['id']})
        self.assertEqual(read['team']['members'], [{'userId': member['id'], 'user': {'id': member['id']}}])

    def test_nodes_answers_in_order_with_null_for_what_is_not_there(self):
        team, other_team = self.account.team(), self.account.team()
        incident = self.account.incident(team_ids=[team['id']])
        stranger_team = Account(self.base).team()
        ids = [incident['id'], 'junk', team['id'], stranger_team['id'], other_team['id']]
        nodes = graphql_ok(self.owner.graphql('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
                                              {'ids': ids}), 'nodes')
        self.assertEqual(nodes, [{'__typename': 'Incident', 'id': incident['id']}, None,
                                 {'__typename': 'Team', 'id': team['id']}, None,
                                 {'__typename': 'Team', 'id': other_team['id']}])
        body = self.owner.graphql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {'ids': [team['id']] * 101}).json()
        self.assertEqual(_codes(body)[0][0], 'BAD_USER_INPUT')

    def test_node_obeys_the_typed_fields_scopes_and_permissions(self):
        team = self.account.team()
        incident = self.account.incident(team_ids=[team['id']])
        incidents_only = self.owner.create_token(['incidentsRead'])['value']
        # The token reads the incident as incident(id:) would, and not the team.
        self.assertEqual(self._node(incidents_only, incident['id'])['data']['node']['id'], incident['id'])
        body = self._node(incidents_only, team['id'])
        self.assertIsNone(body['data']['node'])
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'teamsRead', ['node'])])
        typed = bearer(self.base, incidents_only, 'query($id: ID!) { team(id: $id) { id } }', {'id': team['id']}).json()
        self.assertEqual(_codes(typed), [('SCOPE_MISSING', 'teamsRead', ['team'])])
        # Tokens do not read tokens, by node(id:) either.
        token_id = self.owner.create_token(['teamsRead'])['personalAccessToken']['id']
        self.assertEqual(_codes(self._node(incidents_only, token_id))[0][0],
                         _codes(bearer(self.base, incidents_only, 'query($id: ID!) { personalAccessToken(id: $id) '
                                       '{ id } }', {'id': token_id}).json())[0][0])
        # A member does not see an incident of a team of theirs they are not on.
        _, member_session = self.account.person('MEMBER', 'm')
        hidden = self._node(member_session, incident['id'])
        missing = self._node(member_session, incident['id'][:-2] + ('AA' if not incident['id'].endswith('AA') else 'BB'))
        self.assertIsNone(hidden['data']['node'])
        self.assertEqual(_codes(hidden), [('NOT_FOUND', None, ['node'])])
        self.assertEqual(_codes(missing), _codes(hidden))
        self.assertEqual(hidden['errors'][0]['message'], missing['errors'][0]['message'])
        # Another account's team answers exactly as a missing one.
        stranger_team = Account(self.base).team()
        self.assertEqual(self._node(self.owner, stranger_team['id'])['errors'][0]['message'],
                         missing['errors'][0]['message'])

    def test_a_wrong_id_answers_not_found_and_writes_nothing(self):
        team = self.account.team()
        member, _ = self.account.person('MEMBER', 'm')
        raw = node_parts(team['id'])[1]
        for wrong in (member['id'], raw, 'junk', ''):
            body = self.owner.graphql('query($id: ID!) { team(id: $id) { id } }', {'id': wrong}).json()
            self.assertEqual(_codes(body), [('NOT_FOUND', None, ['team'])], wrong)
            # An optional filter never falls back to no filter.
            body = self.owner.graphql('query($t: ID) { incidents(teamId: $t) { nodes { id } } }', {'t': wrong}).json()
            self.assertIsNone(body['data']['incidents'])
            self.assertEqual(_codes(body)[0][0], 'NOT_FOUND', wrong)
        before = graphql_ok(self.owner.graphql('{ incidents { totalCount } }'), 'incidents', 'totalCount')
        # A user's id where a team's is expected: nothing is created.
        body = self.owner.graphql('mutation($input: CreateIncidentInput!) { createIncident(input: $input) '
                                  '{ incident { id } } }',
                                  {'input': {'title': 'x', 'teamIds': [team['id'], member['id']]}}).json()
        self.assertEqual(_codes(body)[0][0], 'NOT_FOUND')
        self.assertEqual(graphql_ok(self.owner.graphql('{ incidents { totalCount } }'), 'incidents', 'totalCount'),
                         before)
        # A team's id where a user's is expected: the user is not deactivated.
        body = self.owner.graphql('mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }',
                                  {'id': team['id']}).json()
        self.assertEqual(_codes(body)[0][0], 'NOT_FOUND')

    def test_a_delete_answers_the_global_id_of_what_it_deleted(self):
        team = self.account.team()
        deleted = graphql_ok(self.owner.graphql('mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }',
                                                {'id': team['id']}), 'deleteTeam', 'deletedId')
        self.assertEqual(deleted, team['id'])
        token_id = self.owner.create_token(['teamsRead'])['personalAccessToken']['id']
        deleted = graphql_ok(self.owner.graphql('mutation($id: ID!) { deletePersonalAccessToken(id: $id) '
                                                '{ deletedId } }', {'id': token_id}),
                             'deletePersonalAccessToken', 'deletedId')
        self.assertEqual(deleted, token_id)
        self.assertEqual(_codes(self._node(self.owner, team['id']))[0][0], 'NOT_FOUND')

    def test_escalation_targets_take_the_id_of_their_kind(self):
        team = self.account.team()
        user_id = self.account.owner_user['id']
        create = ('mutation($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) '
                  '{ escalationPolicy { id teamId steps { targets { kind id } } } } }')
        policy = graphql_ok(self.owner.graphql(create, {'input': {
            'teamId': team['id'], 'name': 'p-' + uuid.uuid4().hex[:6],
            'steps': [{'targets': [{'kind': 'USER', 'id': user_id}]}]}}), 'createEscalationPolicy', 'escalationPolicy')
        self.assertEqual(policy['teamId'], team['id'])
        self.assertEqual(policy['steps'][0]['targets'], [{'kind': 'USER', 'id': user_id}])
        # A user's id given as a schedule target is no schedule.
        body = self.owner.graphql(create, {'input': {
            'teamId': team['id'], 'name': 'q', 'steps': [{'targets': [{'kind': 'SCHEDULE', 'id': user_id}]}]}}).json()
        self.assertEqual(_codes(body)[0][0], 'NOT_FOUND')


if __name__ == '__main__':
    unittest.main()
