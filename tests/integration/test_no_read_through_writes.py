"""No reading through writes (issue "Hostile input cannot take r5 down",
item 5), over HTTP against the whole suite:

- an update that names no field (`input: {}`, or every field null) answers
  BAD_USER_INPUT with no object, for every update-style mutation, so a
  write-only token cannot read an object by "updating" it with nothing;
- a missing object, another account's, one the caller may not see and another
  user's own object all answer one NOT_FOUND message, word for word, through
  every query and mutation that takes an id;
- "Did you mean" suggestions, which reveal the schema, are given only while
  introspection is on."""

import unittest
import uuid

from r5client import Session, SuiteTestCase, bearer, graphql_ok

PASSWORD = 'correct horse battery'
NOT_FOUND_MESSAGE = 'not found'
# A well-formed id that no object has.
MISSING = '0123456789abcdef01234567'
START, END = '2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z'


def _email(tag):
    return '%s-%s@example.com' % (tag, uuid.uuid4().hex[:8])


class World:
    """An account with an owner and a member, each with their own things."""

    def __init__(self, base):
        self.owner = Session(base)
        self.owner_user = self.owner.signup(email=_email('owner'))
        email = _email('member')
        self.member_user = graphql_ok(self.owner.graphql(
            'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
            {'input': {'email': email, 'name': 'Mo Member', 'role': 'MEMBER', 'password': PASSWORD}}),
            'createUser', 'user')
        self.member = Session(base)
        assert self.member.post('/auth/login', {'email': email, 'password': PASSWORD}).status == 200
        me = self.owner_user['id']
        self.team = graphql_ok(self.owner.graphql(
            'mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }',
            {'input': {'name': 'team-' + uuid.uuid4().hex[:8], 'description': 'the secret team'}}),
            'createTeam', 'team')
        self.policy = graphql_ok(self.owner.graphql(
            'mutation($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) '
            '{ escalationPolicy { id } } }',
            {'input': {'teamId': self.team['id'], 'name': 'policy', 'description': 'secret policy',
                       'steps': [{'delayMinutes': 5, 'targets': [{'kind': 'USER', 'id': me}]}]}}),
            'createEscalationPolicy', 'escalationPolicy')
        self.schedule = graphql_ok(self.owner.graphql(
            'mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id } } }',
            {'input': {'teamId': self.team['id'], 'name': 'schedule', 'description': 'secret schedule',
                       'shifts': [{'userId': me, 'start': START, 'end': END}]}}),
            'createSchedule', 'schedule')
        self.integration = graphql_ok(self.owner.graphql(
            'mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }',
            {'input': {'teamId': self.team['id'], 'name': 'integration'}}),
            'createIntegration', 'integration')
        # Assigned to the team alone: the member, in no team, may not see it.
        self.incident = graphql_ok(self.owner.graphql(
            'mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }',
            {'input': {'title': 'hidden incident', 'teamIds': [self.team['id']]}}),
            'createIncident', 'incident')
        self.contact_method = graphql_ok(self.owner.graphql(
            'mutation($input: CreateContactMethodInput!) { createContactMethod(input: $input) { contactMethod { id } } }',
            {'input': {'kind': 'EMAIL', 'address': 'pager@example.com'}}),
            'createContactMethod', 'contactMethod')
        self.rule = graphql_ok(self.owner.graphql(
            'mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) '
            '{ notificationRule { id } } }',
            {'input': {'contactMethodId': self.contact_method['id']}}),
            'createNotificationRule', 'notificationRule')
        self.token = self.owner.create_token(['incidentsRead'])['personalAccessToken']


# Every query and mutation that takes an id: (name, document with $id).
BY_ID = [
    ('user', 'query($id: ID!) { user(id: $id) { id email } }'),
    ('team', 'query($id: ID!) { team(id: $id) { id name } }'),
    ('incident', 'query($id: ID!) { incident(id: $id) { id title } }'),
    ('escalationPolicy', 'query($id: ID!) { escalationPolicy(id: $id) { id name } }'),
    ('schedule', 'query($id: ID!) { schedule(id: $id) { id name } }'),
    ('integration', 'query($id: ID!) { integration(id: $id) { id name } }'),
    ('personalAccessToken', 'query($id: ID!) { personalAccessToken(id: $id) { id description } }'),
    ('updateUserRole', 'mutation($id: ID!) { updateUserRole(id: $id, input: {role: MEMBER}) { user { id } } }'),
    ('deactivateUser', 'mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }'),
    ('reactivateUser', 'mutation($id: ID!) { reactivateUser(id: $id) { user { id } } }'),
    ('updateTeam', 'mutation($id: ID!) { updateTeam(id: $id, input: {name: "renamed"}) { team { id } } }'),
    ('deleteTeam', 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }'),
    ('addTeamMember', 'mutation($id: ID!, $user: ID!) { addTeamMember(input: {teamId: $id, userId: $user}) { team { id } } }'),
    ('removeTeamMember', 'mutation($id: ID!, $user: ID!) { removeTeamMember(input: {teamId: $id, userId: $user}) { team { id } } }'),
    ('acknowledgeIncident', 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { id } } }'),
    ('resolveIncident', 'mutation($id: ID!) { resolveIncident(id: $id) { incident { id } } }'),
    ('reassignIncident', 'mutation($id: ID!, $user: ID!) { reassignIncident(id: $id, input: {userIds: [$user]}) { incident { id } } }'),
    ('addIncidentNote', 'mutation($id: ID!) { addIncidentNote(id: $id, input: {body: "hi"}) { incident { id } } }'),
    ('updateEscalationPolicy', 'mutation($id: ID!) { updateEscalationPolicy(id: $id, input: {name: "x"}) { escalationPolicy { id } } }'),
    ('deleteEscalationPolicy', 'mutation($id: ID!) { deleteEscalationPolicy(id: $id) { deletedId } }'),
    ('updateSchedule', 'mutation($id: ID!) { updateSchedule(id: $id, input: {name: "x"}) { schedule { id } } }'),
    ('deleteSchedule', 'mutation($id: ID!) { deleteSchedule(id: $id) { deletedId } }'),
    ('createScheduleOverride', 'mutation($id: ID!, $user: ID!) { createScheduleOverride(input: {scheduleId: $id, '
                               'userId: $user, start: "2030-01-01T00:00:00Z", end: "2030-01-01T01:00:00Z"}) { schedule { id } } }'),
    ('updateIntegration', 'mutation($id: ID!) { updateIntegration(id: $id, input: {name: "x"}) { integration { id } } }'),
    ('deleteIntegration', 'mutation($id: ID!) { deleteIntegration(id: $id) { deletedId } }'),
    ('deleteContactMethod', 'mutation($id: ID!) { deleteContactMethod(id: $id) { deletedId } }'),
    ('deleteNotificationRule', 'mutation($id: ID!) { deleteNotificationRule(id: $id) { deletedId } }'),
    ('updatePersonalAccessToken', 'mutation($id: ID!) { updatePersonalAccessToken(id: $id, input: {description: "x"}) '
                                  '{ personalAccessToken { id } } }'),
    ('regeneratePersonalAccessToken', 'mutation($id: ID!) { regeneratePersonalAccessToken(id: $id) { value } }'),
    ('deletePersonalAccessToken', 'mutation($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }'),
]


class NoReadThroughWritesTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.here = World(cls.base)
        cls.other = World(cls.base)

    def _refused(self, response, field, code):
        """The field is null with exactly one error of `code` at its path; the error."""
        body = response.json()
        self.assertEqual(response.status, 200, body)
        self.assertIsNone((body.get('data') or {}).get(field), body)
        errors = body.get('errors') or []
        self.assertEqual([(e['extensions']['code'], e.get('path')) for e in errors], [(code, [field])], body)
        return errors[0]

    # -- an update that names no field -------------------------------------

    def test_an_update_naming_no_field_is_bad_input_and_shows_nothing(self):
        here = self.here
        # A token that may write these types but read none of them.
        token = here.owner.create_token(['teamsWrite', 'escalationPoliciesWrite', 'schedulesWrite',
                                         'integrationsWrite', 'incidentsWrite'])['value']
        cases = [
            ('updateTeam', here.team, 'UpdateTeamInput', 'team { id name description members { userId teamAdmin } }',
             '{name: null, description: null}'),
            ('updateEscalationPolicy', here.policy, 'UpdateEscalationPolicyInput',
             'escalationPolicy { id name description steps { delayMinutes } }',
             '{name: null, description: null, steps: null}'),
            ('updateSchedule', here.schedule, 'UpdateScheduleInput',
             'schedule { id name description timeZone shifts { userId } }',
             '{name: null, description: null, timeZone: null, shifts: null}'),
            ('updateIntegration', here.integration, 'UpdateIntegrationInput', 'integration { id name keyHint }',
             '{name: null}'),
            ('reassignIncident', here.incident, 'ReassignIncidentInput', 'incident { id title description }',
             '{teamIds: null, userIds: null}'),
        ]
        for field, target, input_type, selection, all_null in cases:
            for literal in ('{}', all_null):
                with self.subTest(field=field, input=literal):
                    response = bearer(self.base, token, 'mutation($id: ID!) { %s(id: $id, input: %s) { %s } }'
                                      % (field, literal, selection), {'id': target['id']})
                    self._refused(response, field, 'BAD_USER_INPUT')
            with self.subTest(field=field, input='$input = {}'):
                response = bearer(self.base, token, 'mutation($id: ID!, $input: %s!) { %s(id: $id, input: $input) { %s } }'
                                  % (input_type, field, selection), {'id': target['id'], 'input': {}})
                self._refused(response, field, 'BAD_USER_INPUT')

        # Tokens (managed with the login session): nothing named, nothing written.
        for literal in ('{}', '{description: null, scopes: null}'):
            with self.subTest(field='updatePersonalAccessToken', input=literal):
                response = here.owner.graphql('mutation($id: ID!) { updatePersonalAccessToken(id: $id, input: %s) '
                                              '{ personalAccessToken { id description scopes } } }' % literal,
                                              {'id': here.token['id']})
                self._refused(response, 'updatePersonalAccessToken', 'BAD_USER_INPUT')
        events = graphql_ok(here.owner.graphql('query($id: ID!) { personalAccessToken(id: $id) { events(first: 20) { nodes { type } } } }',
                                        {'id': here.token['id']}), 'personalAccessToken', 'events', 'nodes')
        self.assertEqual([e['type'] for e in events], ['CREATED'])

        # The owner reads what the empty updates left: unchanged.
        team = graphql_ok(here.owner.graphql('query($id: ID!) { team(id: $id) { description } }', {'id': here.team['id']}), 'team')
        self.assertEqual(team['description'], 'the secret team')

        # Naming a field is still a write, and its object shows in the payload (read after write).
        response = bearer(self.base, token, 'mutation($id: ID!) { updateIntegration(id: $id, input: {name: "renamed"}) '
                          '{ integration { id name } } }', {'id': here.integration['id']})
        self.assertEqual(graphql_ok(response, 'updateIntegration', 'integration'),
                         {'id': here.integration['id'], 'name': 'renamed'})

    # -- one NOT_FOUND -----------------------------------------------------

    def _not_found_message(self, session, name, document, object_id):
        response = session.graphql(document, {'id': object_id, 'user': self.here.member_user['id']})
        error = self._refused(response, name, 'NOT_FOUND')
        self.assertEqual(set(error['extensions']), {'code'}, error)
        return error['message']

    def test_missing_hidden_foreign_and_another_users_objects_answer_one_not_found(self):
        here, other = self.here, self.other
        ids = {
            'user': other.member_user, 'team': other.team, 'incident': other.incident,
            'escalationPolicy': other.policy, 'schedule': other.schedule, 'integration': other.integration,
            'personalAccessToken': other.token, 'updateUserRole': other.member_user,
            'deactivateUser': other.member_user, 'reactivateUser': other.member_user,
            'updateTeam': other.team, 'deleteTeam': other.team, 'addTeamMember': other.team,
            'removeTeamMember': other.team, 'acknowledgeIncident': other.incident,
            'resolveIncident': other.incident, 'reassignIncident': other.incident,
            'addIncidentNote': other.incident, 'updateEscalationPolicy': other.policy,
            'deleteEscalationPolicy': other.policy, 'updateSchedule': other.schedule,
            'deleteSchedule': other.schedule, 'createScheduleOverride': other.schedule,
            'updateIntegration': other.integration, 'deleteIntegration': other.integration,
            'deleteContactMethod': other.contact_method, 'deleteNotificationRule': other.rule,
            'updatePersonalAccessToken': other.token, 'regeneratePersonalAccessToken': other.token,
            'deletePersonalAccessToken': other.token,
        }
        self.assertEqual(set(ids), {name for name, _ in BY_ID})
        messages = {}
        for name, document in BY_ID:
            for case, object_id in (('missing', MISSING), ('another account', ids[name]['id'])):
                with self.subTest(name=name, case=case):
                    messages[(name, case)] = self._not_found_message(here.owner, name, document, object_id)

        # Hidden from the member: an incident of a team they are not in, and the
        # owner's own contact method, notification rule and token.
        hidden = [('incident', here.incident), ('acknowledgeIncident', here.incident),
                  ('resolveIncident', here.incident), ('reassignIncident', here.incident),
                  ('addIncidentNote', here.incident), ('deleteContactMethod', here.contact_method),
                  ('deleteNotificationRule', here.rule), ('personalAccessToken', here.token),
                  ('updatePersonalAccessToken', here.token), ('regeneratePersonalAccessToken', here.token),
                  ('deletePersonalAccessToken', here.token)]
        documents = dict(BY_ID)
        for name, target in hidden:
            with self.subTest(name=name, case='hidden or another user\'s'):
                messages[(name, 'hidden')] = self._not_found_message(here.member, name, documents[name], target['id'])

        self.assertEqual(set(messages.values()), {NOT_FOUND_MESSAGE}, messages)
        # Nothing hidden was touched.
        incident = graphql_ok(here.owner.graphql('query($id: ID!) { incident(id: $id) { status notes { nodes { id } } } }',
                                          {'id': here.incident['id']}), 'incident')
        self.assertEqual(incident, {'status': 'TRIGGERED', 'notes': {'nodes': []}})

    # -- suggestions while introspection is on ----------------------------

    def test_suggestions_are_given_while_introspection_is_on(self):
        response = self.here.owner.graphql('{ incidnts { nodes { id } } }')
        # The web UI asks for application/json: a validation error is 200.
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json()['errors'][0]['message'],
                         'Cannot query field "incidnts" on type "Query". Did you mean "incidents" or "incident"?')


# Misspellings that graphql-js answers with a suggestion: a field, an
# argument, an enum value, an input field, a type, a directive argument.
MISSPELLED = [
    '{ incidnts { nodes { id } } }',
    '{ team(idd: "%s") { id } }' % MISSING,
    '{ incidents(status: TRIGERD) { nodes { id } } }',
    'mutation { createTeam(input: {nme: "x", name: "y"}) { team { id } } }',
    'query($id: Strin) { viewer { id } }',
    '{ viewer { id @include(iff: true) } }',
]


class SuggestionsOffTest(SuiteTestCase):
    """A gateway with introspection off gives no "Did you mean" hints."""

    suite_env = {'R5_INTROSPECTION': 'false'}

    def test_no_suggestions_without_introspection(self):
        owner = Session(self.base)
        owner.signup(email=_email('owner'))
        for document in MISSPELLED:
            with self.subTest(document=document):
                response = owner.graphql(document)
                body = response.json()
                self.assertEqual(response.status, 200, body)      # application/json: 200
                self.assertTrue(body['errors'], body)
                for error in body['errors']:
                    self.assertEqual(error['extensions']['code'], 'GRAPHQL_VALIDATION_FAILED', body)
                    self.assertNotIn('Did you mean', error['message'], body)
        response = owner.graphql('{ incidnts { nodes { id } } }')
        self.assertEqual(response.json()['errors'][0]['message'], 'Cannot query field "incidnts" on type "Query".')


if __name__ == '__main__':
    unittest.main()
