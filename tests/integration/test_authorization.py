"""Authorization end to end, as a client sees it: a personal access token may
do something only when it has the scope AND its user has the permission
(DESIGN section 4, docs/authorization.md). The seed's named examples:
an incidentsRead token, a teamsWrite token of an administrator (read after
write, later reads denied), a member with teamsWrite, incident visibility of a
member, tenancy, and deactivation."""

import os
import unittest
import uuid

from r5client import Session, SuiteTestCase, bearer

PASSWORD = 'correct horse battery'


def _email(tag):
    return '%s-%s@example.com' % (tag, uuid.uuid4().hex[:8])


def _ok(response, path=None):
    body = response.json()
    assert response.status == 200 and not body.get('errors'), (response.status, body)
    data = body['data']
    for key in (path or []):
        data = data[key]
    return data


def _codes(body):
    return [(e['extensions']['code'], e['extensions'].get('requiredScope'), e.get('path')) for e in body.get('errors', [])]


class Account:
    """An account with an owner session, and people made by the owner."""

    def __init__(self, base):
        self.base = base
        self.owner = Session(base)
        self.owner_user = self.owner.signup(email=_email('owner'))

    def person(self, role, tag):
        email = _email(tag)
        user = _ok(self.owner.graphql(
            'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email role active } } }',
            {'input': {'email': email, 'name': tag.title(), 'role': role, 'password': PASSWORD}}),
            ['createUser', 'user'])
        assert user['role'] == role and user['active'], user
        session = Session(self.base)
        response = session.post('/auth/login', {'email': email, 'password': PASSWORD})
        assert response.status == 200, (response.status, response.body)
        return user, session

    def team(self, name=None, session=None):
        return _ok((session or self.owner).graphql(
            'mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id name } } }',
            {'input': {'name': name or 'team-' + uuid.uuid4().hex[:8]}}), ['createTeam', 'team'])

    def add_member(self, team_id, user_id, admin=False):
        return _ok(self.owner.graphql(
            'mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { team { id members { userId teamAdmin } } } }',
            {'input': {'teamId': team_id, 'userId': user_id, 'teamAdmin': admin}}), ['addTeamMember', 'team'])

    def incident(self, session=None, team_ids=(), user_ids=(), title=None):
        return _ok((session or self.owner).graphql(
            'mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id title status } } }',
            {'input': {'title': title or 'incident ' + uuid.uuid4().hex[:6], 'teamIds': list(team_ids),
                       'userIds': list(user_ids)}}), ['createIncident', 'incident'])


class AuthorizationTest(SuiteTestCase):

    def setUp(self):
        self.account = Account(self.base)

    # -- an incidentsRead token --------------------------------------------

    def test_incidents_read_token_reads_incidents_and_nothing_else(self):
        account = self.account
        team = account.team()
        incident = account.incident(team_ids=[team['id']])
        token = account.owner.create_token(['incidentsRead'])['value']

        data = _ok(bearer(self.base, token, 'query($id: ID!) { incidents { nodes { id title status } } '
                                               'incident(id: $id) { id title urgency } }', {'id': incident['id']}))
        self.assertIn(incident['id'], [node['id'] for node in data['incidents']['nodes']])
        self.assertEqual(data['incident']['title'], incident['title'])

        reads = {
            'teams': ('{ teams { nodes { id } } }', 'teamsRead'),
            'team': ('{ team(id: "%s") { id } }' % team['id'], 'teamsRead'),
            'users': ('{ users { nodes { id } } }', 'usersRead'),
            'user': ('{ user(id: "%s") { id } }' % account.owner_user['id'], 'usersRead'),
        }
        for field, (query, scope) in reads.items():
            body = bearer(self.base, token, query).json()
            self.assertEqual(body['data'], {field: None}, field)
            self.assertEqual(_codes(body), [('SCOPE_MISSING', scope, [field])], field)

        # Nested objects of another type need their own scope; the rest is answered.
        body = bearer(self.base, token, 'query($id: ID!) { incident(id: $id) { id teams { id } } }',
                      {'id': incident['id']}).json()
        self.assertEqual(body['data']['incident'], {'id': incident['id'], 'teams': None})
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'teamsRead', ['incident', 'teams'])])

        writes = [
            ('mutation { createIncident(input: {title: "x"}) { incident { id } } }', 'createIncident', 'incidentsWrite'),
            ('mutation { acknowledgeIncident(id: "%s") { incident { id } } }' % incident['id'],
             'acknowledgeIncident', 'incidentsWrite'),
            ('mutation { addIncidentNote(id: "%s", input: {body: "x"}) { incident { id } } }' % incident['id'],
             'addIncidentNote', 'incidentsWrite'),
            ('mutation { createTeam(input: {name: "nope"}) { team { id } } }', 'createTeam', 'teamsWrite'),
        ]
        for query, field, scope in writes:
            body = bearer(self.base, token, query).json()
            self.assertEqual(body['data'], {field: None}, field)
            self.assertEqual(_codes(body), [('SCOPE_MISSING', scope, [field])], field)
        # Nothing was written.
        status = _ok(account.owner.graphql('query($id: ID!) { incident(id: $id) { status notes { nodes { id } } } }',
                                           {'id': incident['id']}), ['incident'])
        self.assertEqual(status, {'status': 'TRIGGERED', 'notes': {'nodes': []}})

    # -- a teamsWrite token of an administrator ------------------------------

    def test_teams_write_token_of_an_administrator(self):
        account = self.account
        _, admin = account.person('ADMINISTRATOR', 'admin')
        token = admin.create_token(['teamsWrite'])['value']

        created = _ok(bearer(self.base, token, 'mutation { createTeam(input: {name: "Ops", description: "on call"}) '
                                               '{ team { id name description } } }'), ['createTeam', 'team'])
        self.assertEqual((created['name'], created['description']), ('Ops', 'on call'))
        updated = _ok(bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {name: "Ops 2"}) '
                                               '{ team { id name } } }', {'id': created['id']}), ['updateTeam', 'team'])
        self.assertEqual(updated, {'id': created['id'], 'name': 'Ops 2'})

        # A later read of the same team is denied; the rest of the query is answered.
        body = bearer(self.base, token, 'query($id: ID!) { viewer { role } team(id: $id) { id name } }',
                      {'id': created['id']}).json()
        self.assertEqual(body['data'], {'viewer': {'role': 'ADMINISTRATOR'}, 'team': None})
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'teamsRead', ['team'])])

        for query, field, scope in [
            ('{ teams { nodes { id } } }', 'teams', 'teamsRead'),
            ('{ incidents { nodes { id } } }', 'incidents', 'incidentsRead'),
            ('{ users { nodes { id } } }', 'users', 'usersRead'),
            ('mutation { createIncident(input: {title: "x"}) { incident { id } } }', 'createIncident', 'incidentsWrite'),
            ('mutation { createUser(input: {email: "z@example.com", name: "Z", role: MEMBER, password: "%s"}) '
             '{ user { id } } }' % PASSWORD, 'createUser', 'usersWrite'),
        ]:
            body = bearer(self.base, token, query).json()
            self.assertEqual(body['data'], {field: None}, field)
            self.assertEqual(_codes(body), [('SCOPE_MISSING', scope, [field])], field)

        deleted = _ok(bearer(self.base, token, 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }',
                             {'id': created['id']}), ['deleteTeam'])
        self.assertEqual(deleted, {'deletedId': created['id']})
        body = account.owner.graphql('query($id: ID!) { team(id: $id) { id } }', {'id': created['id']}).json()
        self.assertEqual(_codes(body), [('NOT_FOUND', None, ['team'])])

    def test_a_teams_slack_channel_is_kept_through_every_change(self):
        # Team.slackChannel, added by the .proto, the schema and one rule.
        token = self.account.owner.create_token(['teamsRead', 'teamsWrite', 'usersRead'])['value']
        created = _ok(bearer(self.base, token, 'mutation { createTeam(input: {name: "Chat", slackChannel: "#ops"}) '
                                               '{ team { id slackChannel } } }'), ['createTeam', 'team'])
        self.assertEqual(created['slackChannel'], '#ops')
        team_id = created['id']
        member, _ = self.account.person('MEMBER', 'chatter')
        self.account.add_member(team_id, member['id'], admin=True)
        _ok(bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {name: "Chat 2"}) '
                                     '{ team { id } } }', {'id': team_id}), ['updateTeam', 'team'])
        read = _ok(bearer(self.base, token, 'query($id: ID!) { team(id: $id) { name slackChannel } }',
                          {'id': team_id}), ['team'])
        self.assertEqual(read, {'name': 'Chat 2', 'slackChannel': '#ops'})
        updated = _ok(bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {slackChannel: ""}) '
                                               '{ team { slackChannel } } }', {'id': team_id}), ['updateTeam', 'team'])
        self.assertEqual(updated, {'slackChannel': ''})
        body = bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {slackChannel: "%s"}) '
                                        '{ team { id } } }' % ('x' * 81), {'id': team_id}).json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['updateTeam'])])
        self.assertIn('slackChannel must be at most 80 characters', body['errors'][0]['message'])

    # -- a member with teamsWrite ------------------------------------------

    def test_member_with_teams_write_manages_only_teams_they_administer(self):
        account = self.account
        member, member_session = account.person('MEMBER', 'member')
        theirs, other = account.team(), account.team()
        account.add_member(theirs['id'], member['id'], admin=True)
        account.add_member(other['id'], member['id'], admin=False)
        token = member_session.create_token(['teamsWrite'])['value']

        body = bearer(self.base, token, 'mutation { createTeam(input: {name: "Mine"}) { team { id } } }').json()
        self.assertEqual(body['data'], {'createTeam': None})
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['createTeam'])])

        renamed = _ok(bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {name: "Renamed"}) '
                                               '{ team { name } } }', {'id': theirs['id']}), ['updateTeam', 'team'])
        self.assertEqual(renamed, {'name': 'Renamed'})
        body = bearer(self.base, token, 'mutation($id: ID!) { updateTeam(id: $id, input: {name: "Taken"}) '
                                        '{ team { name } } }', {'id': other['id']}).json()
        self.assertEqual(body['data'], {'updateTeam': None})
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['updateTeam'])])
        body = bearer(self.base, token, 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }',
                      {'id': theirs['id']}).json()
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['deleteTeam'])])
        name = _ok(account.owner.graphql('query($id: ID!) { team(id: $id) { name } }', {'id': other['id']}),
                   ['team', 'name'])
        self.assertEqual(name, other['name'])

    # -- a member sees the incidents of their teams and their own ------------

    def test_member_incident_visibility(self):
        account = self.account
        member, member_session = account.person('MEMBER', 'member')
        colleague, colleague_session = account.person('MEMBER', 'colleague')
        team_a, team_b = account.team(), account.team()
        account.add_member(team_a['id'], member['id'])

        on_a = account.incident(team_ids=[team_a['id']])
        on_b = account.incident(team_ids=[team_b['id']])
        assigned = account.incident(session=colleague_session, user_ids=[member['id']])
        theirs = account.incident(session=colleague_session)
        mine = account.incident(session=member_session)

        def visible():
            nodes = _ok(member_session.graphql('{ incidents(first: 100) { nodes { id } } }'), ['incidents', 'nodes'])
            return {node['id'] for node in nodes}

        self.assertEqual(visible(), {on_a['id'], assigned['id'], mine['id']})
        token = member_session.create_token(['incidentsRead', 'incidentsWrite'])['value']
        for hidden in (on_b, theirs):
            body = bearer(self.base, token, 'query($id: ID!) { incident(id: $id) { id } }', {'id': hidden['id']}).json()
            self.assertEqual(_codes(body), [('NOT_FOUND', None, ['incident'])])
            body = bearer(self.base, token, 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { id } } }',
                          {'id': hidden['id']}).json()
            self.assertEqual(_codes(body), [('NOT_FOUND', None, ['acknowledgeIncident'])])

        # Reassigned away from their team: still visible (it was assigned to it).
        _ok(account.owner.graphql('mutation($id: ID!, $input: ReassignIncidentInput!) { reassignIncident(id: $id, input: $input) '
                                  '{ incident { id } } }', {'id': on_a['id'], 'input': {'teamIds': [team_b['id']]}}))
        self.assertIn(on_a['id'], visible())
        # Acting makes one a participant; status moves and bad transitions are refused.
        acked = _ok(bearer(self.base, token, 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { status } } }',
                           {'id': on_a['id']}), ['acknowledgeIncident', 'incident'])
        self.assertEqual(acked, {'status': 'ACKNOWLEDGED'})
        body = bearer(self.base, token, 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { status } } }',
                      {'id': on_a['id']}).json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['acknowledgeIncident'])])
        # Leaving the team: only what they participate in remains.
        _ok(account.owner.graphql('mutation($input: RemoveTeamMemberInput!) { removeTeamMember(input: $input) { team { id } } }',
                                  {'input': {'teamId': team_a['id'], 'userId': member['id']}}))
        self.assertEqual(visible(), {on_a['id'], assigned['id'], mine['id']})   # on_a: acknowledged by them
        other = account.incident(team_ids=[team_a['id']])
        self.assertNotIn(other['id'], visible())
        # Owners and administrators see everything.
        nodes = _ok(account.owner.graphql('{ incidents(first: 100) { nodes { id } } }'), ['incidents', 'nodes'])
        self.assertTrue({on_b['id'], theirs['id'], other['id']} <= {node['id'] for node in nodes})

    def test_incident_relations_are_batched_and_read_checked(self):
        account = self.account
        team = account.team('Batch')
        for _ in range(3):
            account.incident(team_ids=[team['id']], user_ids=[account.owner_user['id']])
        nodes = _ok(account.owner.graphql('{ incidents(first: 3) { nodes { id teams { name } assignees { id } '
                                          'createdBy { email } } pageInfo { hasNextPage endCursor } } }'),
                    ['incidents', 'nodes'])
        self.assertEqual(len(nodes), 3)
        for node in nodes:
            self.assertEqual(node['teams'], [{'name': 'Batch'}])
            self.assertEqual(node['assignees'], [{'id': account.owner_user['id']}])
            self.assertEqual(node['createdBy']['email'], account.owner_user['email'])

    # -- accounts never see each other --------------------------------------

    def test_accounts_never_see_each_other(self):
        account, stranger = self.account, Account(self.base)
        team = account.team()
        incident = account.incident(team_ids=[team['id']])
        for query, field in [
            ('query($id: ID!) { team(id: $id) { id } }', 'team'),
            ('query($id: ID!) { incident(id: $id) { id } }', 'incident'),
            ('query($id: ID!) { user(id: $id) { id } }', 'user'),
            ('mutation($id: ID!) { updateTeam(id: $id, input: {name: "x"}) { team { id } } }', 'updateTeam'),
            ('mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }', 'deleteTeam'),
            ('mutation($id: ID!) { resolveIncident(id: $id) { incident { id } } }', 'resolveIncident'),
            ('mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }', 'deactivateUser'),
        ]:
            ids = {'team': team['id'], 'incident': incident['id'], 'user': account.owner_user['id'],
                   'updateTeam': team['id'], 'deleteTeam': team['id'], 'resolveIncident': incident['id'],
                   'deactivateUser': account.owner_user['id']}
            body = stranger.owner.graphql(query, {'id': ids[field]}).json()
            self.assertEqual(body['data'], {field: None}, field)
            self.assertEqual(_codes(body), [('NOT_FOUND', None, [field])], field)
        teams = _ok(stranger.owner.graphql('{ teams { nodes { id } } }'), ['teams', 'nodes'])
        self.assertNotIn(team['id'], [t['id'] for t in teams])
        users = _ok(stranger.owner.graphql('{ users { nodes { id } } }'), ['users', 'nodes'])
        self.assertEqual([u['id'] for u in users], [stranger.owner_user['id']])

    # -- deactivation --------------------------------------------------------

    def test_deactivated_users_token_is_refused_until_reactivated(self):
        account = self.account
        member, member_session = account.person('MEMBER', 'member')
        token = member_session.create_token(['incidentsRead'])['value']
        self.assertEqual(bearer(self.base, token, '{ viewer { id } }').status, 200)
        user = _ok(account.owner.graphql('mutation($id: ID!) { deactivateUser(id: $id) { user { id active } } }',
                                         {'id': member['id']}), ['deactivateUser', 'user'])
        self.assertEqual(user, {'id': member['id'], 'active': False})
        refused = bearer(self.base, token, '{ viewer { id } }')
        self.assertEqual(refused.status, 401)
        self.assertTrue(refused.headers.get('WWW-Authenticate', '').startswith('Bearer'))
        _ok(account.owner.graphql('mutation($id: ID!) { reactivateUser(id: $id) { user { active } } }',
                                  {'id': member['id']}))
        again = bearer(self.base, token, '{ viewer { id } incidents { nodes { id } } }')
        self.assertEqual(again.status, 200)
        self.assertFalse(again.json().get('errors'))

    def test_roles_and_the_last_owner(self):
        account = self.account
        admin, admin_session = account.person('ADMINISTRATOR', 'admin')
        member, _ = account.person('MEMBER', 'member')
        promote = 'mutation($id: ID!, $role: Role!) { updateUserRole(id: $id, input: {role: $role}) { user { role } } }'
        self.assertEqual(_ok(admin_session.graphql(promote, {'id': member['id'], 'role': 'ADMINISTRATOR'}),
                             ['updateUserRole', 'user', 'role']), 'ADMINISTRATOR')
        body = admin_session.graphql(promote, {'id': member['id'], 'role': 'OWNER'}).json()
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['updateUserRole'])])
        body = admin_session.graphql(promote, {'id': account.owner_user['id'], 'role': 'MEMBER'}).json()
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['updateUserRole'])])
        body = account.owner.graphql(promote, {'id': account.owner_user['id'], 'role': 'MEMBER'}).json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['updateUserRole'])])
        # A demoted administrator loses the power at once, whatever their token said.
        self.assertEqual(_ok(account.owner.graphql(promote, {'id': admin['id'], 'role': 'MEMBER'}),
                             ['updateUserRole', 'user', 'role']), 'MEMBER')
        body = admin_session.graphql('mutation { createTeam(input: {name: "late"}) { team { id } } }').json()
        self.assertEqual(_codes(body), [('FORBIDDEN', None, ['createTeam'])])


    # -- the on-call setup: team-owned ---------------------------------------

    def test_oncall_setup_is_changed_by_the_teams_admins(self):
        account = self.account
        lead, lead_session = account.person('MEMBER', 'lead')
        member, member_session = account.person('MEMBER', 'member')
        outsider, outsider_session = account.person('MEMBER', 'outsider')
        team = account.team()
        account.add_member(team['id'], lead['id'], admin=True)
        account.add_member(team['id'], member['id'])

        schedule = _ok(lead_session.graphql(
            'mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id name timeZone '
            'shifts { userId start end } } } }',
            {'input': {'teamId': team['id'], 'name': 'Primary', 'timeZone': 'Europe/Paris',
                       'shifts': [{'userId': member['id'], 'start': '2026-12-01T08:00:00Z',
                                   'end': '2026-12-01T20:00:00.000Z'}]}}), ['createSchedule', 'schedule'])
        self.assertEqual(schedule['shifts'], [{'userId': member['id'], 'start': '2026-12-01T08:00:00.000Z',
                                               'end': '2026-12-01T20:00:00.000Z'}])
        policy = _ok(lead_session.graphql(
            'mutation($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) '
            '{ escalationPolicy { id steps { delayMinutes targets { kind id } } } } }',
            {'input': {'teamId': team['id'], 'name': 'Default', 'steps': [
                {'delayMinutes': 0, 'targets': [{'kind': 'SCHEDULE', 'id': schedule['id']}]},
                {'delayMinutes': 15, 'targets': [{'kind': 'USER', 'id': lead['id']}]}]}}),
            ['createEscalationPolicy', 'escalationPolicy'])
        self.assertEqual(policy['steps'][1], {'delayMinutes': 15, 'targets': [{'kind': 'USER', 'id': lead['id']}]})
        created = _ok(lead_session.graphql(
            'mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) '
            '{ integration { id keyHint } key } }', {'input': {'teamId': team['id'], 'name': 'Monitoring'}}),
            ['createIntegration'])
        self.assertRegex(created['key'], r'^r5i_[0-9A-Za-z]{32}$')
        self.assertEqual(created['integration']['keyHint'], 'r5i_\u2026' + created['key'][-4:])

        # A plain member of the team overrides its schedule, and changes nothing else.
        override = 'mutation($input: CreateScheduleOverrideInput!) { createScheduleOverride(input: $input) ' \
                   '{ schedule { overrides { userId start } } } }'
        variables = {'input': {'scheduleId': schedule['id'], 'userId': member['id'],
                               'start': '2026-12-02T00:00:00+01:00', 'end': '2026-12-02T12:00:00+01:00'}}
        overrides = _ok(member_session.graphql(override, variables), ['createScheduleOverride', 'schedule', 'overrides'])
        self.assertEqual(overrides, [{'userId': member['id'], 'start': '2026-12-01T23:00:00.000Z'}])
        for session, query, variables_, field in [
            (member_session, 'mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id } } }',
             {'input': {'teamId': team['id'], 'name': 'Mine'}}, 'createSchedule'),
            (member_session, 'mutation($id: ID!) { deleteSchedule(id: $id) { deletedId } }', {'id': schedule['id']},
             'deleteSchedule'),
            (member_session, 'mutation($id: ID!) { deleteIntegration(id: $id) { deletedId } }',
             {'id': created['integration']['id']}, 'deleteIntegration'),
            (outsider_session, override, variables, 'createScheduleOverride'),
            (outsider_session, 'mutation($id: ID!) { updateEscalationPolicy(id: $id, input: {name: "x"}) '
             '{ escalationPolicy { id } } }', {'id': policy['id']}, 'updateEscalationPolicy'),
        ]:
            body = session.graphql(query, variables_).json()
            self.assertEqual(body['data'], {field: None}, field)
            self.assertEqual(_codes(body), [('FORBIDDEN', None, [field])], field)
        # Everyone in the account sees the on-call setup; the key is never shown again.
        seen = _ok(outsider_session.graphql('query($team: ID!) { schedules(teamId: $team) { nodes { id team { id } } } '
                                            'integrations(teamId: $team) { nodes { id keyHint } } }', {'team': team['id']}))
        self.assertEqual(seen['schedules']['nodes'], [{'id': schedule['id'], 'team': {'id': team['id']}}])
        self.assertEqual(seen['integrations']['nodes'], [created['integration']])
        # References must be in the account.
        stranger = Account(self.base)
        body = lead_session.graphql(
            'mutation($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) { escalationPolicy { id } } }',
            {'input': {'teamId': team['id'], 'name': 'Bad', 'steps': [
                {'targets': [{'kind': 'USER', 'id': stranger.owner_user['id']}]}]}}).json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['createEscalationPolicy'])])

        # Scopes: escalationPoliciesRead reads the policy, not the users and schedules it names.
        token = lead_session.create_token(['escalationPoliciesRead'])['value']
        body = bearer(self.base, token, 'query($id: ID!) { escalationPolicy(id: $id) { id steps { targets { kind '
                                        'user { id } schedule { id } } } } }', {'id': policy['id']}).json()
        self.assertEqual(body['data']['escalationPolicy']['steps'][0]['targets'],
                         [{'kind': 'SCHEDULE', 'user': None, 'schedule': None}])
        self.assertEqual(sorted(code[:2] for code in _codes(body)), [('SCOPE_MISSING', 'schedulesRead'),
                                                                      ('SCOPE_MISSING', 'usersRead')])
        body = bearer(self.base, token, 'query($id: ID!) { schedule(id: $id) { id } }', {'id': schedule['id']}).json()
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'schedulesRead', ['schedule'])])
        deleted = _ok(lead_session.graphql('mutation($id: ID!) { deleteEscalationPolicy(id: $id) { deletedId } }',
                                           {'id': policy['id']}), ['deleteEscalationPolicy', 'deletedId'])
        self.assertEqual(deleted, policy['id'])
        # A team that still owns on-call setup is not deleted (it would be orphaned).
        body = account.owner.graphql('mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }', {'id': team['id']}).json()
        self.assertEqual(_codes(body), [('CONFLICT', None, ['deleteTeam'])])

    # -- contact methods and notification rules: own only --------------------

    def test_contact_methods_and_rules_are_ones_own(self):
        account = self.account
        _, mine = account.person('MEMBER', 'mine')
        method = _ok(mine.graphql('mutation { createContactMethod(input: {kind: EMAIL, address: "Me@Example.com", '
                                  'label: "work"}) { contactMethod { id kind address label } } }'),
                     ['createContactMethod', 'contactMethod'])
        self.assertEqual((method['kind'], method['address']), ('EMAIL', 'me@example.com'))
        rule = _ok(mine.graphql('mutation($id: ID!) { createNotificationRule(input: {contactMethodId: $id, '
                                'delayMinutes: 5, urgency: HIGH}) { notificationRule { id delayMinutes urgency '
                                'contactMethod { id } } } }', {'id': method['id']}),
                   ['createNotificationRule', 'notificationRule'])
        self.assertEqual(rule['contactMethod'], {'id': method['id']})
        body = mine.graphql('mutation { createContactMethod(input: {kind: SMS, address: "call me"}) '
                            '{ contactMethod { id } } }').json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['createContactMethod'])])

        # Nobody else, not even the owner, sees or touches them.
        owner = account.owner
        listed = _ok(owner.graphql('{ contactMethods { nodes { id } } notificationRules { nodes { id } } }'))
        self.assertEqual(listed, {'contactMethods': {'nodes': []}, 'notificationRules': {'nodes': []}})
        body = owner.graphql('mutation($id: ID!) { deleteContactMethod(id: $id) { deletedId } }', {'id': method['id']}).json()
        self.assertEqual(_codes(body), [('NOT_FOUND', None, ['deleteContactMethod'])])
        body = owner.graphql('mutation($id: ID!) { createNotificationRule(input: {contactMethodId: $id}) '
                             '{ notificationRule { id } } }', {'id': method['id']}).json()
        self.assertEqual(_codes(body), [('BAD_USER_INPUT', None, ['createNotificationRule'])])

        # A token needs the scopes; deleting a method takes its rules along.
        token = mine.create_token(['contactMethodsRead'])['value']
        body = bearer(self.base, token, '{ contactMethods { nodes { id } } notificationRules { nodes { id } } }').json()
        self.assertEqual(body['data'], {'contactMethods': {'nodes': [{'id': method['id']}]}, 'notificationRules': None})
        self.assertEqual(_codes(body), [('SCOPE_MISSING', 'notificationRulesRead', ['notificationRules'])])
        _ok(mine.graphql('mutation($id: ID!) { deleteContactMethod(id: $id) { deletedId } }', {'id': method['id']}))
        self.assertEqual(_ok(mine.graphql('{ notificationRules { nodes { id } } }'), ['notificationRules', 'nodes']), [])


class BatchingTest(SuiteTestCase):
    """Relations are resolved once per level, not once per parent: r5-resource
    logs every request at debug level, and the test counts them."""

    suite_env = {'R5_LOG_LEVEL': 'debug'}

    def _resource_log(self):
        with open(os.path.join(self.data_dir, 'logs', 'r5-resource-0.log'), errors='replace') as log:
            return log.read()

    def test_a_list_selecting_relations_costs_one_call_per_relation(self):
        account = Account(self.base)
        teams = [account.team() for _ in range(3)]
        for index in range(6):
            account.incident(team_ids=[teams[index % 3]['id']], user_ids=[account.owner_user['id']])
        before = len(self._resource_log())
        nodes = _ok(account.owner.graphql('{ incidents(first: 6) { nodes { id teams { id name } assignees { id } '
                                          'createdBy { id } } } }'), ['incidents', 'nodes'])
        self.assertEqual(len(nodes), 6)
        self.assertTrue(all(len(node['teams']) == 1 and node['createdBy'] for node in nodes))
        requests = [line for line in self._resource_log()[before:].splitlines() if 'resource request ' in line]
        kinds = sorted(line.split('resource request ', 1)[1].split(':', 1)[0] for line in requests)
        # One list, one lookup of the teams, one of the assignees, one of the creators.
        self.assertEqual(kinds, ['get_objects', 'get_objects', 'get_objects', 'list_objects'], requests)


if __name__ == '__main__':
    unittest.main()
