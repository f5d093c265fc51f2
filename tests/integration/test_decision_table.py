"""The decision table as a test, over HTTP against the real suite: generated
cases over roles x token scope sets x resource types x operations. The expected
outcome of every case comes from REFERENCE below, transcribed by hand from
DESIGN.md section 4 and docs/authorization.md (never computed by calling the
service), with the scope gate applied on top: a token without the needed scope
answers SCOPE_MISSING (with extensions.requiredScope) before any permission
check. Every case is one GraphQL call with a personal access token; the test
prints how many cases ran and fails listing every mismatch."""

import http.client
import json
import time
import unittest
import urllib.parse
import uuid

from r5client import Session, SuiteTestCase

PASSWORD = 'correct horse battery'

# -- the reference table ------------------------------------------------------

ALLOWED = 'ALLOWED'
FORBIDDEN = 'FORBIDDEN'
NOT_FOUND = 'NOT_FOUND'
# A list that answers: with the target in it, or without it (filtered away).
LISTED = 'ALLOWED (target listed)'
UNLISTED = 'ALLOWED (target not listed)'
A, F, N, L, U = ALLOWED, FORBIDDEN, NOT_FOUND, LISTED, UNLISTED

OWNER = 'owner'
ADMIN = 'administrator'
TEAM_ADMIN = 'team admin of the target team'
OTHER_ADMIN = 'team admin of another team'
TEAM_MEMBER = 'member of the target team'
LONER = 'member of no team'
PARTICIPANT = 'participant'
ROLES = (OWNER, ADMIN, TEAM_ADMIN, OTHER_ADMIN, TEAM_MEMBER, LONER, PARTICIPANT)

# Roles: OWNER and ADMINISTRATOR are account roles (in no team); the others are
# MEMBERs: the target team's admin, the other team's admin, a plain member of
# the target team, a member of no team, and the "participant": a member of no
# team who opened the target incident (for incidents made fresh for a case, and
# "reassigned away", was assigned to it; the reassignment away also unassigned
# them, and participation stays). For every type but incidents participation means nothing:
# the participant is then a member of no team, and its column says the same as
# the "none" column.
#
# Targets: the incident is assigned to the target team ("reassigned away": it
# was, and is now assigned to the other team only); the escalation policy,
# schedule and integration belong to the target team, and "create" makes one for
# it; team ops act on the target team ("delete": a team made for the case, to
# which the role relates as to the target team); user ops act on a MEMBER, or a
# second OWNER where the op says so; the override's user is the caller; contact
# methods and notification rules are the caller's own unless "another user's".
#
# Sources: DESIGN.md section 4's permission table, plus docs/authorization.md
# where DESIGN is silent: administrators never create, promote to, demote,
# deactivate or reactivate owners; on-call setup is visible to everyone in the
# account; an incident is visible to the teams it is or was assigned to (their
# current members) and to its participants; "may not see" answers NOT_FOUND;
# another user's contact method or rule answers NOT_FOUND, whatever the role.
#
# Not in the table because the API has no such operation (schema.graphql):
# update / delete of incidents, update / delete of users, read one and update
# of contact methods and notification rules.

REFERENCE = {
    #                                             owner adm TA_T TA_O M_T  none part
    ('incidents', 'read one'):                    (A,   A,   A,   N,   A,   N,   A),
    # Reassigned from the target team to the other: teams that had it keep seeing it.
    ('incidents', 'read one, reassigned away'):   (A,   A,   A,   A,   A,   N,   A),
    ('incidents', 'list'):                        (L,   L,   L,   U,   L,   U,   L),
    ('incidents', 'create'):                      (A,   A,   A,   A,   A,   A,   A),
    ('incidents', 'acknowledge'):                 (A,   A,   A,   N,   A,   N,   A),
    ('incidents', 'resolve'):                     (A,   A,   A,   N,   A,   N,   A),
    ('incidents', 'reassign'):                    (A,   A,   A,   N,   A,   N,   A),
    ('incidents', 'note'):                        (A,   A,   A,   N,   A,   N,   A),

    ('teams', 'read one'):                        (A,   A,   A,   A,   A,   A,   A),
    ('teams', 'list'):                            (L,   L,   L,   L,   L,   L,   L),
    ('teams', 'create'):                          (A,   A,   F,   F,   F,   F,   F),
    ('teams', 'update'):                          (A,   A,   A,   F,   F,   F,   F),
    ('teams', 'delete'):                          (A,   A,   F,   F,   F,   F,   F),
    ('teams', 'add member'):                      (A,   A,   A,   F,   F,   F,   F),
    ('teams', 'remove member'):                   (A,   A,   A,   F,   F,   F,   F),

    ('escalationPolicies', 'read one'):           (A,   A,   A,   A,   A,   A,   A),
    ('escalationPolicies', 'list'):               (L,   L,   L,   L,   L,   L,   L),
    ('escalationPolicies', 'create'):             (A,   A,   A,   F,   F,   F,   F),
    ('escalationPolicies', 'update'):             (A,   A,   A,   F,   F,   F,   F),
    ('escalationPolicies', 'delete'):             (A,   A,   A,   F,   F,   F,   F),

    ('schedules', 'read one'):                    (A,   A,   A,   A,   A,   A,   A),
    ('schedules', 'list'):                        (L,   L,   L,   L,   L,   L,   L),
    ('schedules', 'create'):                      (A,   A,   A,   F,   F,   F,   F),
    ('schedules', 'update'):                      (A,   A,   A,   F,   F,   F,   F),
    ('schedules', 'delete'):                      (A,   A,   A,   F,   F,   F,   F),
    ('schedules', 'override'):                    (A,   A,   A,   F,   A,   F,   F),

    ('integrations', 'read one'):                 (A,   A,   A,   A,   A,   A,   A),
    ('integrations', 'list'):                     (L,   L,   L,   L,   L,   L,   L),
    ('integrations', 'create'):                   (A,   A,   A,   F,   F,   F,   F),
    ('integrations', 'update'):                   (A,   A,   A,   F,   F,   F,   F),
    ('integrations', 'delete'):                   (A,   A,   A,   F,   F,   F,   F),

    ('users', 'read one'):                        (A,   A,   A,   A,   A,   A,   A),
    ('users', 'list'):                            (L,   L,   L,   L,   L,   L,   L),
    ('users', 'create'):                          (A,   A,   F,   F,   F,   F,   F),
    ('users', 'create an owner'):                 (A,   F,   F,   F,   F,   F,   F),
    ('users', 'role change'):                     (A,   A,   F,   F,   F,   F,   F),
    ('users', 'role change to owner'):            (A,   F,   F,   F,   F,   F,   F),
    ('users', 'role change of an owner'):         (A,   F,   F,   F,   F,   F,   F),
    ('users', 'deactivate'):                      (A,   A,   F,   F,   F,   F,   F),
    ('users', 'deactivate an owner'):             (A,   F,   F,   F,   F,   F,   F),
    ('users', 'reactivate'):                      (A,   A,   F,   F,   F,   F,   F),
    ('users', 'reactivate an owner'):             (A,   F,   F,   F,   F,   F,   F),

    ('contactMethods', 'list'):                   (L,   L,   L,   L,   L,   L,   L),
    ('contactMethods', 'create'):                 (A,   A,   A,   A,   A,   A,   A),
    ('contactMethods', 'delete'):                 (A,   A,   A,   A,   A,   A,   A),
    ('contactMethods', "delete another user's"):  (N,   N,   N,   N,   N,   N,   N),

    ('notificationRules', 'list'):                (L,   L,   L,   L,   L,   L,   L),
    ('notificationRules', 'create'):              (A,   A,   A,   A,   A,   A,   A),
    ('notificationRules', 'delete'):              (A,   A,   A,   A,   A,   A,   A),
    ('notificationRules', "delete another user's"): (N, N,   N,   N,   N,   N,   N),
}

TYPES = ('incidents', 'teams', 'escalationPolicies', 'schedules', 'integrations', 'users', 'contactMethods',
         'notificationRules')
ALL_SCOPES = tuple(t + rw for t in TYPES for rw in ('Read', 'Write'))
SCOPE_SETS = ('none', 'exactly the needed scope', 'every scope but it', 'all 16')
READS = ('read one', 'read one, reassigned away', 'list')


def needed_scope(rtype, op):
    """The scope an operation needs: Read for read one and list, Write for everything else."""
    return rtype + ('Read' if op in READS else 'Write')


def scopes_of(scope_set, needed):
    return {'none': (), 'exactly the needed scope': (needed,),
            'every scope but it': tuple(s for s in ALL_SCOPES if s != needed), 'all 16': ALL_SCOPES}[scope_set]


def expected_outcome(role, rtype, op, scope_set):
    """The scope gate first, then the reference table."""
    needed = needed_scope(rtype, op)
    if needed not in scopes_of(scope_set, needed):
        return 'SCOPE_MISSING(%s)' % needed
    return REFERENCE[(rtype, op)][ROLES.index(role)]


# -- HTTP over keep-alive -----------------------------------------------------

class Client:
    """GraphQL POSTs over one keep-alive connection, with a bearer token or a
    session cookie (then with the same-origin headers a browser sends)."""

    def __init__(self, base, cookie=None):
        parts = urllib.parse.urlsplit(base)
        self.base, self.host, self.port, self.cookie = base, parts.hostname, parts.port, cookie
        self.conn = None

    def _send(self, body, headers):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request('POST', '/graphql', body, headers)
                response = self.conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection before reading the request.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            data = response.read()
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, data

    def graphql(self, query, variables=None, token=None):
        headers = {'Content-Type': 'application/json'}
        if token:
            headers['Authorization'] = 'Bearer ' + token
        else:
            headers['Cookie'] = self.cookie
            headers['Origin'] = self.base
        status, data = self._send(json.dumps({'query': query, 'variables': variables or {}}).encode(), headers)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {'raw': data.decode('utf-8', 'replace')}

    def ok(self, query, variables=None, *path):
        """A call that must succeed; answers data at path."""
        status, body = self.graphql(query, variables)
        assert status == 200 and not body.get('errors'), (query, status, body)
        data = body['data']
        for key in path:
            data = data[key]
        return data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _uid():
    return uuid.uuid4().hex[:10]


# -- GraphQL of the cases -----------------------------------------------------

Q_INCIDENT = 'query($id: ID!) { incident(id: $id) { id } }'
Q_INCIDENTS = '{ incidents(first: 100) { nodes { id } } }'
M_CREATE_INCIDENT = ('mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }')
M_ACK = 'mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { id } } }'
M_RESOLVE = 'mutation($id: ID!) { resolveIncident(id: $id) { incident { id } } }'
M_REASSIGN = ('mutation($id: ID!, $input: ReassignIncidentInput!) { reassignIncident(id: $id, input: $input) '
              '{ incident { id } } }')
M_NOTE = 'mutation($id: ID!) { addIncidentNote(id: $id, input: {body: "on it"}) { incident { id } } }'

Q_TEAM = 'query($id: ID!) { team(id: $id) { id } }'
Q_TEAMS = '{ teams(first: 100) { nodes { id } } }'
M_CREATE_TEAM = 'mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }'
M_UPDATE_TEAM = 'mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) { team { id } } }'
M_DELETE_TEAM = 'mutation($id: ID!) { deleteTeam(id: $id) { deletedId } }'
M_ADD_MEMBER = 'mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { team { id } } }'
M_REMOVE_MEMBER = 'mutation($input: RemoveTeamMemberInput!) { removeTeamMember(input: $input) { team { id } } }'

Q_USER = 'query($id: ID!) { user(id: $id) { id } }'
Q_USERS = '{ users(first: 100) { nodes { id } } }'
M_CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }'
M_ROLE = 'mutation($id: ID!, $role: Role!) { updateUserRole(id: $id, input: {role: $role}) { user { id } } }'
M_DEACTIVATE = 'mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }'
M_REACTIVATE = 'mutation($id: ID!) { reactivateUser(id: $id) { user { id } } }'

Q_METHODS = '{ contactMethods(first: 100) { nodes { id address } } }'
M_CREATE_METHOD = ('mutation($input: CreateContactMethodInput!) { createContactMethod(input: $input) '
                   '{ contactMethod { id } } }')
M_DELETE_METHOD = 'mutation($id: ID!) { deleteContactMethod(id: $id) { deletedId } }'
Q_RULES = '{ notificationRules(first: 100) { nodes { id delayMinutes } } }'
M_CREATE_RULE = ('mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) '
                 '{ notificationRule { id } } }')
M_DELETE_RULE = 'mutation($id: ID!) { deleteNotificationRule(id: $id) { deletedId } }'

# The team-owned types: GraphQL names and one create input each.
ONCALL = {
    'escalationPolicies': {'one': 'escalationPolicy', 'list': 'escalationPolicies', 'payload': 'escalationPolicy',
                           'input': 'EscalationPolicy', 'Name': 'EscalationPolicy'},
    'schedules': {'one': 'schedule', 'list': 'schedules', 'payload': 'schedule', 'input': 'Schedule',
                  'Name': 'Schedule'},
    'integrations': {'one': 'integration', 'list': 'integrations', 'payload': 'integration', 'input': 'Integration',
                     'Name': 'Integration'},
}


class Case:
    """One GraphQL call and how to judge its answer.

    check(value) -> observed outcome when the field answered without error;
    verify() -> None when a denied write left everything unchanged, else what changed;
    cleanup() -> undoes a write that happened, so later cases start alike."""

    def __init__(self, query, variables, field, check, verify=None, cleanup=None):
        self.query, self.variables, self.field = query, variables, field
        self.check, self.verify, self.cleanup = check, verify, cleanup


class DecisionTableTest(SuiteTestCase):

    # -- setup: one account, its people, teams and target objects -----------

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        started = time.monotonic()
        owner_session = Session(cls.base)
        cls.owner_user = owner_session.signup(email='owner-%s@example.com' % _uid())
        cls.owner = Client(cls.base, owner_session.cookie)
        cls.users, cls.clients = {OWNER: cls.owner_user}, {OWNER: cls.owner}
        for role, account_role in [(ADMIN, 'ADMINISTRATOR'), (TEAM_ADMIN, 'MEMBER'), (OTHER_ADMIN, 'MEMBER'),
                                   (TEAM_MEMBER, 'MEMBER'), (LONER, 'MEMBER'), (PARTICIPANT, 'MEMBER'),
                                   ('stranger', 'MEMBER')]:
            cls.users[role], cls.clients[role] = cls._person(account_role, role)
        # Targets of user operations (never logged in).
        cls.joiner = cls._user('MEMBER', 'joiner')
        cls.promoted = cls._user('MEMBER', 'promoted')
        cls.deactivated = cls._user('MEMBER', 'deactivated')
        cls.dormant = cls._user('MEMBER', 'dormant')
        cls.co_owner = cls._user('OWNER', 'co-owner')
        cls.dormant_owner = cls._user('OWNER', 'dormant-owner')
        cls.owner.ok(M_DEACTIVATE, {'id': cls.dormant['id']})
        cls.owner.ok(M_DEACTIVATE, {'id': cls.dormant_owner['id']})

        cls.team = cls.owner.ok(M_CREATE_TEAM, {'input': {'name': 'target-' + _uid()}}, 'createTeam', 'team')
        cls.other_team = cls.owner.ok(M_CREATE_TEAM, {'input': {'name': 'other-' + _uid()}}, 'createTeam', 'team')
        cls._member(cls.team['id'], cls.users[TEAM_ADMIN]['id'], True)
        cls._member(cls.team['id'], cls.users[TEAM_MEMBER]['id'], False)
        cls._member(cls.other_team['id'], cls.users[OTHER_ADMIN]['id'], True)
        cls.team_description = ''

        # The participant opened the target incident: it is assigned to the target team only.
        cls.incident = cls.clients[PARTICIPANT].ok(M_CREATE_INCIDENT, {
            'input': {'title': 'target ' + _uid(), 'teamIds': [cls.team['id']]}}, 'createIncident', 'incident')
        cls.moved = cls.owner.ok(M_CREATE_INCIDENT, {'input': {
            'title': 'moved ' + _uid(), 'teamIds': [cls.team['id']], 'userIds': [cls.users[PARTICIPANT]['id']]}},
            'createIncident', 'incident')
        cls.owner.ok(M_REASSIGN, {'id': cls.moved['id'], 'input': {'teamIds': [cls.other_team['id']]}})
        cls.oncall = {rtype: cls._oncall(rtype, cls.owner) for rtype in ONCALL}
        cls.oncall_names = {rtype: None for rtype in ONCALL}
        cls.overrides = 0

        # Everyone's own contact method and notification rule, and a stranger's.
        cls.methods, cls.rules = {}, {}
        for role in ROLES + ('stranger',):
            cls.methods[role] = cls._method(cls.clients[role])
            cls.rules[role] = cls._rule(cls.clients[role], cls.methods[role])
        cls.tokens = {}
        cls.setup_seconds = time.monotonic() - started

    @classmethod
    def tearDownClass(cls):
        for client in cls.clients.values():
            client.close()
        super().tearDownClass()

    @classmethod
    def _user(cls, account_role, tag):
        email = '%s-%s@example.com' % (tag.replace(' ', '-'), _uid())
        user = cls.owner.ok(M_CREATE_USER.replace('{ id }', '{ id email role }'), {
            'input': {'email': email, 'name': tag, 'role': account_role, 'password': PASSWORD}}, 'createUser', 'user')
        assert user['role'] == account_role, user
        return user

    @classmethod
    def _person(cls, account_role, tag):
        user = cls._user(account_role, tag)
        session = Session(cls.base)
        response = session.post('/auth/login', {'email': user['email'], 'password': PASSWORD})
        assert response.status == 200, (response.status, response.body)
        return user, Client(cls.base, session.cookie)

    @classmethod
    def _member(cls, team_id, user_id, admin):
        cls.owner.ok(M_ADD_MEMBER, {'input': {'teamId': team_id, 'userId': user_id, 'teamAdmin': admin}})

    @classmethod
    def _oncall_input(cls, rtype, name):
        if rtype == 'escalationPolicies':
            return {'teamId': cls.team['id'], 'name': name,
                    'steps': [{'delayMinutes': 0, 'targets': [{'kind': 'USER', 'id': cls.owner_user['id']}]}]}
        if rtype == 'schedules':
            return {'teamId': cls.team['id'], 'name': name, 'timeZone': 'UTC'}
        return {'teamId': cls.team['id'], 'name': name}

    @classmethod
    def _oncall(cls, rtype, client):
        names = ONCALL[rtype]
        query = 'mutation($input: Create%sInput!) { create%s(input: $input) { %s { id } } }' % (
            names['input'], names['Name'], names['payload'])
        return client.ok(query, {'input': cls._oncall_input(rtype, '%s-%s' % (rtype, _uid()))},
                         'create' + names['Name'], names['payload'])

    @classmethod
    def _method(cls, client):
        return client.ok(M_CREATE_METHOD, {'input': {'kind': 'EMAIL', 'address': 'cm-%s@example.com' % _uid()}},
                         'createContactMethod', 'contactMethod')

    @classmethod
    def _rule(cls, client, method, delay=0):
        return client.ok(M_CREATE_RULE, {'input': {'contactMethodId': method['id'], 'delayMinutes': delay}},
                         'createNotificationRule', 'notificationRule')

    def _token(self, role, scopes):
        """A token of role's user with exactly these scopes, made once through their session."""
        key = (role, frozenset(scopes))
        if key not in self.tokens:
            created = self.clients[role].ok(
                'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) '
                '{ personalAccessToken { scopes } value } }',
                {'input': {'description': 'table %s' % role, 'scopes': sorted(scopes)}}, 'createPersonalAccessToken')
            assert sorted(created['personalAccessToken']['scopes']) == sorted(scopes), created
            self.tokens[key] = created['value']
        return self.tokens[key]

    # -- checks -------------------------------------------------------------

    @staticmethod
    def _is(key, wanted):
        """ALLOWED when value[key].id (or value[key] itself) is wanted (or any id when wanted is None)."""
        def check(value):
            got = value.get(key) if key else value
            got = got.get('id') if isinstance(got, dict) else got
            if got and (wanted is None or got == wanted):
                return ALLOWED
            return 'ALLOWED but answered %r' % (value,)
        return check

    @staticmethod
    def _listing(present, absent=None):
        def check(value):
            ids = [node['id'] for node in value['nodes']]
            if absent is not None and absent in ids:
                return "ALLOWED (another user's listed)"
            return LISTED if present in ids else UNLISTED
        return check

    def _unchanged(self, client, query, variables, path, wanted):
        def verify():
            status, body = client.graphql(query, variables)
            if status != 200 or body.get('errors'):
                return 'the object cannot be read back: %d %r' % (status, body)
            got = body['data']
            for key in path:
                got = got[key]
            return None if got == wanted else 'changed: %r, expected %r' % (got, wanted)
        return verify

    def _absent(self, client, query, path, key, value):
        def verify():
            nodes = client.ok(query, None, *path)
            return None if value not in [node[key] for node in nodes] else '%r was written' % (value,)
        return verify

    # -- the cases ----------------------------------------------------------

    def _fresh_incident(self):
        return self.owner.ok(M_CREATE_INCIDENT, {'input': {
            'title': 'fresh ' + _uid(), 'teamIds': [self.team['id']], 'userIds': [self.users[PARTICIPANT]['id']]}},
            'createIncident', 'incident')['id']

    def _incident_case(self, op, role):
        if op == 'read one':
            return Case(Q_INCIDENT, {'id': self.incident['id']}, 'incident', self._is(None, self.incident['id']))
        if op == 'read one, reassigned away':
            return Case(Q_INCIDENT, {'id': self.moved['id']}, 'incident', self._is(None, self.moved['id']))
        if op == 'list':
            # A fresh target, so it is the newest and on the first page whatever was created before.
            return Case(Q_INCIDENTS, None, 'incidents', self._listing(self._fresh_incident()))
        if op == 'create':
            title = 'created ' + _uid()
            return Case(M_CREATE_INCIDENT, {'input': {'title': title, 'teamIds': [self.team['id']]}}, 'createIncident',
                        self._is('incident', None),
                        self._absent(self.owner, '{ incidents(first: 100) { nodes { title } } }',
                                     ['incidents', 'nodes'], 'title', title))
        incident = self._fresh_incident()
        query, variables, field = {
            'acknowledge': (M_ACK, {'id': incident}, 'acknowledgeIncident'),
            'resolve': (M_RESOLVE, {'id': incident}, 'resolveIncident'),
            'reassign': (M_REASSIGN, {'id': incident, 'input': {'teamIds': [self.other_team['id']]}},
                         'reassignIncident'),
            'note': (M_NOTE, {'id': incident}, 'addIncidentNote'),
        }[op]
        return Case(query, variables, field, self._is('incident', incident),
                    self._unchanged(self.owner, 'query($id: ID!) { incident(id: $id) { status notes { nodes { id } } '
                                    'teams { id } assignees { id } } }', {'id': incident}, ['incident'],
                                    {'status': 'TRIGGERED', 'notes': {'nodes': []}, 'teams': [{'id': self.team['id']}],
                                     'assignees': [{'id': self.users[PARTICIPANT]['id']}]}))

    def _team_case(self, op, role):
        cls, team = type(self), self.team['id']
        if op == 'read one':
            return Case(Q_TEAM, {'id': team}, 'team', self._is(None, team))
        if op == 'list':
            return Case(Q_TEAMS, None, 'teams', self._listing(team))
        if op == 'create':
            name = 'new-' + _uid()
            return Case(M_CREATE_TEAM, {'input': {'name': name}}, 'createTeam', self._is('team', None),
                        self._absent(self.owner, '{ teams(first: 100) { nodes { name } } }', ['teams', 'nodes'], 'name',
                                     name))
        if op == 'update':
            description = 'described ' + _uid()

            def cleanup():
                cls.team_description = description
            return Case(M_UPDATE_TEAM, {'id': team, 'input': {'description': description}}, 'updateTeam',
                        self._is('team', team),
                        self._unchanged(self.owner, 'query($id: ID!) { team(id: $id) { description } }', {'id': team},
                                        ['team', 'description'], self.team_description), cleanup)
        if op == 'delete':
            # A team made for this case, to which the role relates as to the target team.
            fresh = self.owner.ok(M_CREATE_TEAM, {'input': {'name': 'doomed-' + _uid()}}, 'createTeam', 'team')['id']
            if role in (TEAM_ADMIN, TEAM_MEMBER):
                self._member(fresh, self.users[role]['id'], role == TEAM_ADMIN)
            if role == OTHER_ADMIN:
                self._member(fresh, self.users[TEAM_ADMIN]['id'], True)
            return Case(M_DELETE_TEAM, {'id': fresh}, 'deleteTeam', self._is('deletedId', fresh),
                        self._unchanged(self.owner, Q_TEAM, {'id': fresh}, ['team', 'id'], fresh))
        joiner = self.joiner['id']
        members = 'query($id: ID!) { team(id: $id) { members { userId } } }'

        def remove_joiner():
            self.owner.graphql(M_REMOVE_MEMBER, {'input': {'teamId': team, 'userId': joiner}})

        def joined(wanted):
            def verify():
                ids = [m['userId'] for m in self.owner.ok(members, {'id': team}, 'team', 'members')]
                return None if (joiner in ids) == wanted else 'membership of the joiner changed'
            return verify
        if op == 'add member':
            return Case(M_ADD_MEMBER, {'input': {'teamId': team, 'userId': joiner}}, 'addTeamMember',
                        self._is('team', team), joined(False), remove_joiner)
        assert op == 'remove member'
        self._member(team, joiner, False)
        # Removed either way after the case, so the next case starts alike.
        return Case(M_REMOVE_MEMBER, {'input': {'teamId': team, 'userId': joiner}}, 'removeTeamMember',
                    self._is('team', team), joined(True), None), remove_joiner

    def _oncall_case(self, rtype, op, role):
        cls, names, target = type(self), ONCALL[rtype], self.oncall[rtype]['id']
        one = 'query($id: ID!) { %s(id: $id) { id name } }' % names['one']
        if op == 'read one':
            return Case(one.replace(' name', ''), {'id': target}, names['one'], self._is(None, target))
        if op == 'list':
            return Case('{ %s(first: 100) { nodes { id } } }' % names['list'], None, names['list'],
                        self._listing(target))
        if op == 'create':
            name = 'made-' + _uid()
            return Case('mutation($input: Create%sInput!) { create%s(input: $input) { %s { id } } }' % (
                names['input'], names['Name'], names['payload']), {'input': self._oncall_input(rtype, name)},
                'create' + names['Name'], self._is(names['payload'], None),
                self._absent(self.owner, '{ %s(first: 100) { nodes { name } } }' % names['list'],
                             [names['list'], 'nodes'], 'name', name))
        if op == 'update':
            name = 'renamed-' + _uid()
            before = self.oncall_names[rtype] or self.owner.ok(one, {'id': target}, names['one'], 'name')

            def cleanup():
                cls.oncall_names[rtype] = name
            return Case('mutation($id: ID!, $input: Update%sInput!) { update%s(id: $id, input: $input) '
                        '{ %s { id } } }' % (names['input'], names['Name'], names['payload']),
                        {'id': target, 'input': {'name': name}}, 'update' + names['Name'],
                        self._is(names['payload'], target),
                        self._unchanged(self.owner, one, {'id': target}, [names['one'], 'name'], before), cleanup)
        if op == 'delete':
            fresh = self._oncall(rtype, self.owner)['id']
            return Case('mutation($id: ID!) { delete%s(id: $id) { deletedId } }' % names['Name'], {'id': fresh},
                        'delete' + names['Name'], self._is('deletedId', fresh),
                        self._unchanged(self.owner, one.replace(' name', ''), {'id': fresh}, [names['one'], 'id'],
                                        fresh))
        assert (rtype, op) == ('schedules', 'override')
        count = 'query($id: ID!) { schedule(id: $id) { overrides { id } } }'

        def verify():
            got = len(self.owner.ok(count, {'id': target}, 'schedule', 'overrides'))
            return None if got == self.overrides else 'overrides went from %d to %d' % (self.overrides, got)

        def cleanup():
            cls.overrides += 1
        return Case('mutation($input: CreateScheduleOverrideInput!) { createScheduleOverride(input: $input) '
                    '{ schedule { id } } }',
                    {'input': {'scheduleId': target, 'userId': self.users[role]['id'],
                               'start': '2026-12-24T08:00:00Z', 'end': '2026-12-24T20:00:00Z'}},
                    'createScheduleOverride', self._is('schedule', target), verify, cleanup)

    def _user_case(self, op, role):
        if op == 'read one':
            target = self.users['stranger']['id']
            return Case(Q_USER, {'id': target}, 'user', self._is(None, target))
        if op == 'list':
            return Case(Q_USERS, None, 'users', self._listing(self.users['stranger']['id']))
        if op in ('create', 'create an owner'):
            email = 'made-%s@example.com' % _uid()
            role_made = 'OWNER' if op == 'create an owner' else 'MEMBER'
            return Case(M_CREATE_USER,
                        {'input': {'email': email, 'name': 'Made', 'role': role_made, 'password': PASSWORD}},
                        'createUser', self._is('user', None),
                        self._absent(self.owner, '{ users(first: 100) { nodes { email } } }', ['users', 'nodes'],
                                     'email', email))
        state = 'query($id: ID!) { user(id: $id) { role active } }'

        def case(query, field, target, variables, before, undo):
            return Case(query, dict(variables, id=target['id']), field, self._is('user', target['id']),
                        self._unchanged(self.owner, state, {'id': target['id']}, ['user'], before),
                        lambda: self.owner.ok(undo[0], dict(undo[1], id=target['id'])))
        if op == 'role change':
            return case(M_ROLE, 'updateUserRole', self.promoted, {'role': 'ADMINISTRATOR'},
                        {'role': 'MEMBER', 'active': True}, (M_ROLE, {'role': 'MEMBER'}))
        if op == 'role change to owner':
            return case(M_ROLE, 'updateUserRole', self.promoted, {'role': 'OWNER'},
                        {'role': 'MEMBER', 'active': True}, (M_ROLE, {'role': 'MEMBER'}))
        if op == 'reactivate an owner':
            return case(M_REACTIVATE, 'reactivateUser', self.dormant_owner, {}, {'role': 'OWNER', 'active': False},
                        (M_DEACTIVATE, {}))
        if op == 'role change of an owner':
            return case(M_ROLE, 'updateUserRole', self.co_owner, {'role': 'ADMINISTRATOR'},
                        {'role': 'OWNER', 'active': True}, (M_ROLE, {'role': 'OWNER'}))
        if op == 'deactivate':
            return case(M_DEACTIVATE, 'deactivateUser', self.deactivated, {}, {'role': 'MEMBER', 'active': True},
                        (M_REACTIVATE, {}))
        if op == 'deactivate an owner':
            return case(M_DEACTIVATE, 'deactivateUser', self.co_owner, {}, {'role': 'OWNER', 'active': True},
                        (M_REACTIVATE, {}))
        assert op == 'reactivate'
        return case(M_REACTIVATE, 'reactivateUser', self.dormant, {}, {'role': 'MEMBER', 'active': False},
                    (M_DEACTIVATE, {}))

    def _own_case(self, rtype, op, role):
        mine, stranger = self.clients[role], self.clients['stranger']
        methods = rtype == 'contactMethods'
        own = (self.methods if methods else self.rules)
        listing, list_field = (Q_METHODS, 'contactMethods') if methods else (Q_RULES, 'notificationRules')
        if op == 'list':
            return Case(listing, None, list_field, self._listing(own[role]['id'], own['stranger']['id']))
        if op == 'create':
            if methods:
                address = 'new-%s@example.com' % _uid()
                return Case(M_CREATE_METHOD, {'input': {'kind': 'EMAIL', 'address': address}}, 'createContactMethod',
                            self._is('contactMethod', None),
                            self._absent(mine, Q_METHODS, ['contactMethods', 'nodes'], 'address', address))
            self.delay = getattr(self, 'delay', 0) % 1400 + 1
            return Case(M_CREATE_RULE,
                        {'input': {'contactMethodId': self.methods[role]['id'], 'delayMinutes': self.delay}},
                        'createNotificationRule', self._is('notificationRule', None),
                        self._absent(mine, Q_RULES, ['notificationRules', 'nodes'], 'delayMinutes', self.delay))
        owner_client = mine if op == 'delete' else stranger
        owner_role = role if op == 'delete' else 'stranger'
        if methods:
            fresh = self._method(owner_client)['id']
            query, field = M_DELETE_METHOD, 'deleteContactMethod'
        else:
            fresh = self._rule(owner_client, self.methods[owner_role])['id']
            query, field = M_DELETE_RULE, 'deleteNotificationRule'

        def verify():
            ids = [node['id'] for node in owner_client.ok(listing, None, list_field, 'nodes')]
            return None if fresh in ids else 'deleted'
        return Case(query, {'id': fresh}, field, self._is('deletedId', fresh), verify)

    def _case(self, rtype, op, role):
        """The case, plus what to run after it whatever happened (or None)."""
        if rtype == 'incidents':
            made = self._incident_case(op, role)
        elif rtype == 'teams':
            made = self._team_case(op, role)
        elif rtype in ONCALL:
            made = self._oncall_case(rtype, op, role)
        elif rtype == 'users':
            made = self._user_case(op, role)
        else:
            made = self._own_case(rtype, op, role)
        return made if isinstance(made, tuple) else (made, None)

    @staticmethod
    def _observe(status, body, field, check):
        """What a client sees: the error code at the field, or the check's verdict on the data."""
        if status != 200:
            return 'HTTP %d %s' % (status, json.dumps(body)[:200])
        errors = body.get('errors') or []
        value = (body.get('data') or {}).get(field)
        if errors:
            extensions = errors[0].get('extensions') or {}
            code = extensions.get('code')
            got = 'SCOPE_MISSING(%s)' % extensions.get('requiredScope') if code == 'SCOPE_MISSING' else str(code)
            if errors[0].get('path') != [field]:
                got += ' at %r' % errors[0].get('path')
            if value is not None:
                got += ' with data %r' % (value,)
            if len(errors) > 1:
                got += ' (and %d more errors: %r)' % (len(errors) - 1, errors[1:])
            if code not in ('SCOPE_MISSING', 'FORBIDDEN', 'NOT_FOUND'):
                got += ' %r' % errors[0].get('message')
            return got
        if value is None:
            return 'null without an error'
        return check(value)

    # -- the test -----------------------------------------------------------

    def test_decision_table(self):
        started = time.monotonic()
        mismatches, unverified, cases, verified = [], [], 0, 0
        for (rtype, op) in REFERENCE:
            needed = needed_scope(rtype, op)
            for role in ROLES:
                for scope_set in SCOPE_SETS:
                    expected = expected_outcome(role, rtype, op, scope_set)
                    token = self._token(role, scopes_of(scope_set, needed))
                    case, after = self._case(rtype, op, role)
                    status, body = self.clients[role].graphql(case.query, case.variables, token=token)
                    got = self._observe(status, body, case.field, case.check)
                    cases += 1
                    name = '%s / %s / %s / %s' % (rtype, op, role, scope_set)
                    if got != expected:
                        mismatches.append('%s: expected %s, got %s' % (name, expected, got))
                    wrote = got == ALLOWED
                    if not wrote and op not in READS and case.verify:
                        # A denied mutation writes nothing: the owner's session sees the object as before.
                        verified += 1
                        change = case.verify()
                        if change:
                            wrote = True
                            unverified.append('%s: denied (%s) but %s' % (name, got, change))
                    if wrote and case.cleanup:
                        case.cleanup()
                    if after:
                        after()
        seconds = time.monotonic() - started
        print('\ndecision table: %d cases (%d types x ops, %d roles, %d scope sets), %d denied writes checked '
              'unchanged, %d tokens; setup %.1f s, cases %.1f s'
              % (cases, len(REFERENCE), len(ROLES), len(SCOPE_SETS), verified, len(self.tokens), self.setup_seconds,
                 seconds))
        problems = mismatches + unverified
        for line in problems:
            print('MISMATCH ' + line)
        self.assertEqual(cases, len(REFERENCE) * len(ROLES) * len(SCOPE_SETS))
        self.assertFalse(problems, '%d of %d cases disagree with the reference table:\n%s'
                         % (len(problems), cases, '\n'.join(problems)))


if __name__ == '__main__':
    unittest.main()
