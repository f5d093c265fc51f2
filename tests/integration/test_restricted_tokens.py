"""Team-restricted personal access tokens through HTTP (issue 17, item 1;
docs/authorization.md, "Team-restricted tokens"): a token limited to some
teams sees and acts only on those teams and what belongs to them (their
incidents, escalation policies, schedules and integrations; users as their
members); its owner's contact methods and notification rules stay its own;
an object outside the teams answers NOT_FOUND and lists leave it out; a
change of the restriction counts from the next request; the user's own
permission still wins; an unrestricted token behaves as before."""

import unittest
import uuid

from r5client import SuiteTestCase, bearer
from test_authorization import Account, _codes, _ok

ALL_SCOPES = ['incidentsRead', 'incidentsWrite', 'teamsRead', 'teamsWrite', 'escalationPoliciesRead',
              'escalationPoliciesWrite', 'schedulesRead', 'schedulesWrite', 'integrationsRead',
              'integrationsWrite', 'usersRead', 'usersWrite', 'contactMethodsRead', 'contactMethodsWrite',
              'notificationRulesRead', 'notificationRulesWrite']

M_CREATE_TOKEN = ('mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) '
                  '{ personalAccessToken { id scopes teamIds } value } }')
M_UPDATE_TOKEN = ('mutation($id: ID!, $input: UpdatePersonalAccessTokenInput!) { '
                  'updatePersonalAccessToken(id: $id, input: $input) { personalAccessToken { id scopes teamIds } } }')
Q_TOKEN = 'query($id: ID!) { personalAccessToken(id: $id) { id teamIds } }'

# The team-owned types: GraphQL names.
ONCALL = {
    'escalationPolicies': ('escalationPolicy', 'EscalationPolicy'),
    'schedules': ('schedule', 'Schedule'),
    'integrations': ('integration', 'Integration'),
}


def _uid():
    return uuid.uuid4().hex[:8]


class RestrictedTokenTest(SuiteTestCase):

    def setUp(self):
        # An owner, two teams; a member of team A, a member of team B.
        self.account = Account(self.base)
        self.team_a = self.account.team('a-' + _uid())
        self.team_b = self.account.team('b-' + _uid())
        self.alice, self.alice_session = self.account.person('MEMBER', 'alice')
        self.bob, _ = self.account.person('MEMBER', 'bob')
        self.account.add_member(self.team_a['id'], self.alice['id'])
        self.account.add_member(self.team_b['id'], self.bob['id'])

    def _token(self, team_ids, session=None, scopes=None):
        created = _ok((session or self.account.owner).graphql(
            M_CREATE_TOKEN, {'input': {'description': 'restricted', 'scopes': scopes or ALL_SCOPES,
                                       'teamIds': team_ids}}), ['createPersonalAccessToken'])
        self.assertEqual(created['personalAccessToken']['teamIds'], team_ids)
        return created['value'], created['personalAccessToken']['id']

    def _oncall(self, rtype, team_id, session=None):
        one, name = ONCALL[rtype]
        if rtype == 'escalationPolicies':
            data = {'teamId': team_id, 'name': 'ep-' + _uid(),
                    'steps': [{'delayMinutes': 0, 'targets': [{'kind': 'USER', 'id': self.account.owner_user['id']}]}]}
        else:
            data = {'teamId': team_id, 'name': '%s-%s' % (rtype, _uid())}
        return _ok((session or self.account.owner).graphql(
            'mutation($input: Create%sInput!) { create%s(input: $input) { %s { id } } }' % (name, name, one),
            {'input': data}), ['create' + name, one])

    def _ids(self, token, field):
        data = _ok(bearer(self.base, token, '{ %s(first: 100) { nodes { id } } }' % field), [field, 'nodes'])
        return {node['id'] for node in data}

    def _not_found(self, token, query, variables, field):
        body = bearer(self.base, token, query, variables).json()
        self.assertEqual(body['data'], {field: None}, (query, body))
        self.assertEqual([code for code, _, _ in _codes(body)], ['NOT_FOUND'], (query, body))

    def _forbidden(self, token, query, variables, field):
        body = bearer(self.base, token, query, variables).json()
        self.assertEqual(body['data'], {field: None}, (query, body))
        self.assertEqual([code for code, _, _ in _codes(body)], ['FORBIDDEN'], (query, body))

    # -- the restriction itself ---------------------------------------------

    def test_create_read_and_update_the_restriction(self):
        a, b = self.team_a['id'], self.team_b['id']
        value, token_id = self._token([a, b, a][:2])
        self.assertEqual(_ok(self.account.owner.graphql(Q_TOKEN, {'id': token_id}), ['personalAccessToken', 'teamIds']),
                         [a, b])
        listed = _ok(self.account.owner.graphql('{ personalAccessTokens { nodes { id teamIds } } }'),
                     ['personalAccessTokens', 'nodes'])
        self.assertEqual([n['teamIds'] for n in listed if n['id'] == token_id], [[a, b]])
        # A repeated id counts once.
        value2, token2 = self._token([a])
        updated = _ok(self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token2, 'input': {'teamIds': [b, b, a]}}),
                      ['updatePersonalAccessToken', 'personalAccessToken'])
        self.assertEqual(updated['teamIds'], [b, a])
        # Changing the scopes alone keeps the teams; an empty list lifts them.
        updated = _ok(self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token2, 'input': {'scopes': ['teamsRead']}}),
                      ['updatePersonalAccessToken', 'personalAccessToken'])
        self.assertEqual(updated, {'id': token2, 'scopes': ['teamsRead'], 'teamIds': [b, a]})
        updated = _ok(self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token2, 'input': {'teamIds': []}}),
                      ['updatePersonalAccessToken', 'personalAccessToken'])
        self.assertEqual(updated['teamIds'], [])
        # An unrestricted token's teamIds is empty.
        plain = self.account.owner.create_token(['teamsRead'])['personalAccessToken']['id']
        self.assertEqual(_ok(self.account.owner.graphql(Q_TOKEN, {'id': plain}), ['personalAccessToken', 'teamIds']), [])

    def test_bad_restrictions_are_refused_and_change_nothing(self):
        a = self.team_a['id']
        value, token_id = self._token([a])
        bad = [['not-an-id'], ['A' * 24], ['%024x' % i for i in range(51)], ['']]
        for team_ids in bad:
            body = self.account.owner.graphql(M_CREATE_TOKEN, {'input': {'description': 'bad', 'scopes': ['teamsRead'],
                                                                         'teamIds': team_ids}}).json()
            self.assertEqual(_codes(body)[0][0], 'BAD_USER_INPUT', (team_ids, body))
            body = self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token_id, 'input': {'teamIds': team_ids}}).json()
            self.assertEqual(_codes(body)[0][0], 'BAD_USER_INPUT', (team_ids, body))
        self.assertEqual(_ok(self.account.owner.graphql(Q_TOKEN, {'id': token_id}), ['personalAccessToken', 'teamIds']),
                         [a])
        # Fifty distinct teams are accepted; an id naming no team matches nothing.
        fifty = ['%024x' % i for i in range(50)]
        value, _ = self._token(fifty)
        self.assertEqual(self._ids(value, 'teams'), set())
        # No token of the account was made by the refused creates.
        nodes = _ok(self.account.owner.graphql('{ personalAccessTokens { nodes { description } } }'),
                    ['personalAccessTokens', 'nodes'])
        self.assertNotIn('bad', [n['description'] for n in nodes])

    # -- every type ------------------------------------------------------------

    def test_teams(self):
        a, b = self.team_a['id'], self.team_b['id']
        token, _ = self._token([a])
        self.assertEqual(self._ids(token, 'teams'), {a})
        self.assertEqual(_ok(bearer(self.base, token, 'query($id: ID!) { team(id: $id) { id } }', {'id': a}),
                             ['team', 'id']), a)
        self._not_found(token, 'query($id: ID!) { team(id: $id) { id } }', {'id': b}, 'team')
        renamed = 'a2-' + _uid()
        _ok(bearer(self.base, token, 'mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) '
                   '{ team { id } } }', {'id': a, 'input': {'name': renamed}}))
        self._not_found(token, 'mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) '
                        '{ team { id } } }', {'id': b, 'input': {'name': 'nope-' + _uid()}}, 'updateTeam')
        self._not_found(token, 'mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { team { id } } }',
                        {'input': {'teamId': b, 'userId': self.alice['id'], 'teamAdmin': False}}, 'addTeamMember')
        _ok(bearer(self.base, token, 'mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) '
                   '{ team { id } } }', {'input': {'teamId': a, 'userId': self.bob['id'], 'teamAdmin': False}}))
        self._not_found(token, 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }', {'id': b}, 'deleteTeam')
        self._forbidden(token, 'mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }',
                        {'input': {'name': 'new-' + _uid()}}, 'createTeam')
        # Nothing changed outside the restriction; the owner's session sees everything.
        owner_b = _ok(self.account.owner.graphql('query($id: ID!) { team(id: $id) { id name members { userId } } }',
                                                 {'id': b}), ['team'])
        self.assertEqual(owner_b['name'], self.team_b['name'])
        self.assertEqual([m['userId'] for m in owner_b['members']], [self.bob['id']])
        _ok(bearer(self.base, token, 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }', {'id': a}))

    def test_incidents_by_current_teams(self):
        a, b = self.team_a['id'], self.team_b['id']
        owner = self.account.owner
        in_a = self.account.incident(team_ids=[a])
        in_b = self.account.incident(team_ids=[b])
        in_both = self.account.incident(team_ids=[a, b])
        moved = self.account.incident(team_ids=[a])
        none = self.account.incident()
        # Reassigned away from A: A is in its history, no longer current.
        _ok(owner.graphql('mutation($id: ID!, $input: ReassignIncidentInput!) { reassignIncident(id: $id, input: $input) '
                          '{ incident { id } } }', {'id': moved['id'], 'input': {'teamIds': [b]}}))
        token, _ = self._token([a])
        self.assertEqual(self._ids(token, 'incidents'), {in_a['id'], in_both['id']})
        q = 'query($id: ID!) { incident(id: $id) { id } }'
        for incident in (in_a, in_both):
            self.assertEqual(_ok(bearer(self.base, token, q, {'id': incident['id']}), ['incident', 'id']), incident['id'])
        for incident in (in_b, moved, none):
            self._not_found(token, q, {'id': incident['id']}, 'incident')
        ack = 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { id status } } }'
        self.assertEqual(_ok(bearer(self.base, token, ack, {'id': in_a['id']}), ['acknowledgeIncident', 'incident',
                                                                               'status']), 'ACKNOWLEDGED')
        self._not_found(token, ack, {'id': in_b['id']}, 'acknowledgeIncident')
        self._not_found(token, 'mutation($id: ID!) { addIncidentNote(id: $id, input: {body: "x"}) { incident { id } } }',
                        {'id': moved['id']}, 'addIncidentNote')
        # Create: only when every team is one of the token's, and it names one.
        create = 'mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }'
        made = _ok(bearer(self.base, token, create, {'input': {'title': 'in a', 'teamIds': [a]}}),
                   ['createIncident', 'incident', 'id'])
        self.assertIn(made, self._ids(token, 'incidents'))
        for teams in ([a, b], [b], []):
            self._forbidden(token, create, {'input': {'title': 'no', 'teamIds': teams}}, 'createIncident')
        # Nothing was written: the owner sees no incident titled "no", and in_b is still triggered.
        titles = _ok(owner.graphql('{ incidents(first: 100) { nodes { title } } }'), ['incidents', 'nodes'])
        self.assertNotIn('no', [n['title'] for n in titles])
        self.assertEqual(_ok(owner.graphql('query($id: ID!) { incident(id: $id) { status } }', {'id': in_b['id']}),
                             ['incident', 'status']), 'TRIGGERED')

    def test_reassign_stays_within_the_teams(self):
        # Handing an incident on is opening it for the new teams: a token of
        # team A may move one of A's incidents only among its own teams, not
        # to team B nor to people alone (it would leave A), and a refusal
        # changes nothing.
        a, b = self.team_a['id'], self.team_b['id']
        other_a = self.account.team('a2-' + _uid())['id']
        incident = self.account.incident(team_ids=[a])
        token, _ = self._token([a, other_a])
        reassign = ('mutation($id: ID!, $input: ReassignIncidentInput!) { reassignIncident(id: $id, input: $input) '
                    '{ incident { id } } }')
        for teams, users in (([b], []), ([a, b], []), ([], [self.alice['id']])):
            self._forbidden(token, reassign, {'id': incident['id'], 'input': {'teamIds': teams, 'userIds': users}},
                            'reassignIncident')
        q = 'query($id: ID!) { incident(id: $id) { teams { id } } }'
        self.assertEqual(_ok(self.account.owner.graphql(q, {'id': incident['id']}), ['incident', 'teams']), [{'id': a}])
        _ok(bearer(self.base, token, reassign, {'id': incident['id'], 'input': {'teamIds': [other_a]}}))
        self.assertEqual(_ok(self.account.owner.graphql(q, {'id': incident['id']}), ['incident', 'teams']),
                         [{'id': other_a}])

    def test_team_owned_types(self):
        a, b = self.team_a['id'], self.team_b['id']
        token, _ = self._token([a])
        for rtype, (one, name) in ONCALL.items():
            mine, theirs = self._oncall(rtype, a), self._oncall(rtype, b)
            self.assertEqual(self._ids(token, rtype), {mine['id']}, rtype)
            q = 'query($id: ID!) { %s(id: $id) { id } }' % one
            self.assertEqual(_ok(bearer(self.base, token, q, {'id': mine['id']}), [one, 'id']), mine['id'])
            self._not_found(token, q, {'id': theirs['id']}, one)
            update = ('mutation($id: ID!, $input: Update%sInput!) { update%s(id: $id, input: $input) { %s { id } } }'
                      % (name, name, one))
            _ok(bearer(self.base, token, update, {'id': mine['id'], 'input': {'name': 'renamed-' + _uid()}}))
            self._not_found(token, update, {'id': theirs['id'], 'input': {'name': 'nope-' + _uid()}}, 'update' + name)
            delete = 'mutation($id: ID!) { delete%s(id: $id) { deletedId } }' % name
            self._not_found(token, delete, {'id': theirs['id']}, 'delete' + name)
            # Create: for the token's teams only.
            body = bearer(self.base, token, 'mutation($input: Create%sInput!) { create%s(input: $input) { %s { id } } }'
                          % (name, name, one), {'input': self._input(rtype, b)}).json()
            self.assertEqual([c for c, _, _ in _codes(body)], ['FORBIDDEN'], (rtype, body))
            made = _ok(bearer(self.base, token, 'mutation($input: Create%sInput!) { create%s(input: $input) '
                              '{ %s { id } } }' % (name, name, one), {'input': self._input(rtype, a)}),
                       ['create' + name, one, 'id'])
            self.assertIn(made, self._ids(token, rtype))
            _ok(bearer(self.base, token, delete, {'id': mine['id']}))
            # The other team's object is still there.
            self.assertEqual(_ok(self.account.owner.graphql(q, {'id': theirs['id']}), [one, 'id']), theirs['id'])
        # A schedule override of another team's schedule: not found.
        theirs = self._oncall('schedules', b)
        self._not_found(token, 'mutation($input: CreateScheduleOverrideInput!) { createScheduleOverride(input: $input) '
                        '{ schedule { id } } }',
                        {'input': {'scheduleId': theirs['id'], 'userId': self.bob['id'],
                                   'start': '2030-01-01T00:00:00Z', 'end': '2030-01-02T00:00:00Z'}},
                        'createScheduleOverride')

    def _input(self, rtype, team_id):
        if rtype == 'escalationPolicies':
            return {'teamId': team_id, 'name': 'ep-' + _uid(),
                    'steps': [{'delayMinutes': 0, 'targets': [{'kind': 'USER', 'id': self.account.owner_user['id']}]}]}
        return {'teamId': team_id, 'name': '%s-%s' % (rtype, _uid())}

    def test_users_as_members(self):
        a = self.team_a['id']
        owner_id = self.account.owner_user['id']
        token, _ = self._token([a])
        # The token's own user (the owner, in no team) and team A's members.
        self.assertEqual(self._ids(token, 'users'), {owner_id, self.alice['id']})
        q = 'query($id: ID!) { user(id: $id) { id } }'
        self.assertEqual(_ok(bearer(self.base, token, q, {'id': self.alice['id']}), ['user', 'id']), self.alice['id'])
        self.assertEqual(_ok(bearer(self.base, token, q, {'id': owner_id}), ['user', 'id']), owner_id)
        self._not_found(token, q, {'id': self.bob['id']}, 'user')
        # Team B's members shown through team A... are not: a member's user outside is null.
        members = _ok(bearer(self.base, token, 'query($id: ID!) { team(id: $id) { members { user { id } } } }',
                             {'id': a}), ['team', 'members'])
        self.assertEqual([m['user']['id'] for m in members], [self.alice['id']])
        # Bob joins A: he is visible from the next request on.
        self.account.add_member(a, self.bob['id'])
        self.assertIn(self.bob['id'], self._ids(token, 'users'))
        # Creating users, changing roles and (de)activating: never with a restricted token.
        self._forbidden(token, 'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
                        {'input': {'email': 'new-%s@example.com' % _uid(), 'name': 'New', 'role': 'MEMBER',
                                   'password': 'correct horse battery'}}, 'createUser')
        self._forbidden(token, 'mutation($id: ID!) { updateUserRole(id: $id, input: {role: ADMINISTRATOR}) '
                        '{ user { id } } }', {'id': self.alice['id']}, 'updateUserRole')
        self._forbidden(token, 'mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }',
                        {'id': self.alice['id']}, 'deactivateUser')
        self.assertEqual(_ok(self.account.owner.graphql('query($id: ID!) { user(id: $id) { role active } }',
                                                        {'id': self.alice['id']}), ['user']),
                         {'role': 'MEMBER', 'active': True})

    def test_own_contact_methods_and_rules_are_unaffected(self):
        token, _ = self._token([self.team_a['id']])
        method = _ok(bearer(self.base, token, 'mutation($input: CreateContactMethodInput!) { createContactMethod('
                            'input: $input) { contactMethod { id } } }',
                            {'input': {'kind': 'EMAIL', 'address': 'me-%s@example.com' % _uid()}}),
                     ['createContactMethod', 'contactMethod', 'id'])
        rule = _ok(bearer(self.base, token, 'mutation($input: CreateNotificationRuleInput!) { createNotificationRule('
                          'input: $input) { notificationRule { id } } }',
                          {'input': {'contactMethodId': method, 'delayMinutes': 0}}),
                   ['createNotificationRule', 'notificationRule', 'id'])
        self.assertEqual(self._ids(token, 'contactMethods'), {method})
        self.assertEqual(self._ids(token, 'notificationRules'), {rule})

    # -- changes count on the next request; the user's permission wins -------

    def test_update_counts_on_the_next_request(self):
        a, b = self.team_a['id'], self.team_b['id']
        token, token_id = self._token([a])
        self.assertEqual(self._ids(token, 'teams'), {a})          # a verdict now cached
        _ok(self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token_id, 'input': {'teamIds': [b]}}))
        self.assertEqual(self._ids(token, 'teams'), {b})
        self._not_found(token, 'query($id: ID!) { team(id: $id) { id } }', {'id': a}, 'team')
        _ok(self.account.owner.graphql(M_UPDATE_TOKEN, {'id': token_id, 'input': {'teamIds': []}}))
        self.assertEqual(self._ids(token, 'teams'), {a, b})
        # Each change of the teams is in the token's audit trail, newest first.
        events = _ok(self.account.owner.graphql('query($id: ID!) { personalAccessToken(id: $id) { events { nodes { type '
                                                'teamIdsBefore teamIdsAfter scopesBefore } } } }',
                                                {'id': token_id}), ['personalAccessToken', 'events', 'nodes'])
        self.assertEqual([(e['type'], e['teamIdsBefore'], e['teamIdsAfter'], e['scopesBefore']) for e in events],
                         [('UPDATED', [b], [], None), ('UPDATED', [a], [b], None), ('CREATED', None, [a], None)])

    def test_the_users_permission_still_wins(self):
        a, b = self.team_a['id'], self.team_b['id']
        # Alice, a plain member of A, restricted to A and B: still no team
        # changes (FORBIDDEN, as without the restriction), and B's incidents
        # she could not see before stay unseen.
        in_a = self.account.incident(team_ids=[a])
        in_b = self.account.incident(team_ids=[b])
        token, _ = self._token([a, b], session=self.alice_session)
        self.assertEqual(self._ids(token, 'incidents'), {in_a['id']})
        self._not_found(token, 'query($id: ID!) { incident(id: $id) { id } }', {'id': in_b['id']}, 'incident')
        self._forbidden(token, 'mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) '
                        '{ team { id } } }', {'id': a, 'input': {'name': 'x-' + _uid()}}, 'updateTeam')
        self._forbidden(token, 'mutation($input: Create%sInput!) { create%s(input: $input) { %s { id } } }'
                        % ('Schedule', 'Schedule', 'schedule'), {'input': self._input('schedules', a)},
                        'createSchedule')
        # And the scope gate still comes first.
        narrow, _ = self._token([a], session=self.alice_session, scopes=['teamsRead'])
        body = bearer(self.base, narrow, '{ incidents { nodes { id } } }').json()
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'incidentsRead', ['incidents'])])

    def test_unrestricted_token_and_session_see_everything(self):
        a, b = self.team_a['id'], self.team_b['id']
        token = self.account.owner.create_token(ALL_SCOPES)['value']
        self.assertTrue({a, b} <= self._ids(token, 'teams'))
        self.assertTrue({self.alice['id'], self.bob['id']} <= self._ids(token, 'users'))
        teams = _ok(self.account.owner.graphql('{ teams(first: 100) { nodes { id } } }'), ['teams', 'nodes'])
        self.assertTrue({a, b} <= {t['id'] for t in teams})


if __name__ == '__main__':
    unittest.main()
