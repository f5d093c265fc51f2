"""Relay cursor connections (issue 16, item 1), over HTTP against the whole suite.

Every kind of connection of the schema (the ten lists, Incident.notes and
PersonalAccessToken.events) is paged forwards with first/after and backwards
with last/before, two elements a page, and each walk must give the same
elements in the same order as one page of all of them; totalCount counts
the caller's filtered list; hasPreviousPage and hasNextPage follow the Relay
spec (docs/decisions.md); startCursor and endCursor are the page's first and
last edge cursors. Bad input (a malformed cursor, a cursor of another list,
a raw id, first with last, sizes out of bounds) answers BAD_USER_INPUT, and
a cursor only positions within the caller's own list."""

import unittest

from r5client import Session, SuiteTestCase, graphql_ok

EACH = 5
PAGE = 2
SHAPE = ('totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } '
         'edges { cursor node { %s } }')


def _codes(response):
    body = response.json()
    return [error.get('extensions', {}).get('code') for error in body.get('errors') or []]


class Connection:
    """How to ask for one connection: its query with the page's variables,
    the path to it in the answer, the field telling its elements apart."""

    def __init__(self, name, field, key='id', parent=None, parent_id=None, filters=''):
        self.name = name
        self.path = [parent, field] if parent else [field]
        self.key = key
        self.variables = {'id': parent_id} if parent else {}
        args = 'first: $first, after: $after, last: $last, before: $before' + (', ' + filters if filters else '')
        inner = '%s(%s) { %s }' % (field, args, SHAPE % key)
        declared = '$first: Int, $after: String, $last: Int, $before: String'
        if parent:
            self.query = 'query(%s, $id: ID!) { %s(id: $id) { %s } }' % (declared, parent, inner)
        else:
            self.query = 'query(%s) { %s }' % (declared, inner)

    def ask(self, session, **page):
        variables = dict(self.variables)
        variables.update(page)
        return session.graphql(self.query, variables)

    def page(self, session, **page):
        return graphql_ok(self.ask(session, **page), *self.path)


class PagingTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        owner = cls.owner = Session(cls.base)
        owner_id = owner.signup()['id']

        def mutate(query, variables, *path):
            return graphql_ok(owner.graphql(query, variables), *path)

        teams = [mutate('mutation($n: String!) { createTeam(input: {name: $n}) { team { id } } }',
                        {'n': 'team %d' % i}, 'createTeam', 'team', 'id') for i in range(EACH)]
        for i in range(EACH - 1):
            mutate('mutation($e: String!) { createUser(input: {email: $e, name: "U", role: MEMBER, '
                   'password: "correct horse battery"}) { user { id } } }',
                   {'e': 'paged-%d-%s@example.com' % (i, owner_id[-6:])}, 'createUser', 'user')
        incidents = [mutate('mutation($t: [ID!]) { createIncident(input: {title: "i", teamIds: $t}) '
                            '{ incident { id } } }', {'t': [teams[0]]}, 'createIncident', 'incident', 'id')
                     for _ in range(EACH)]
        for i in range(EACH):
            mutate('mutation($id: ID!, $b: String!) { addIncidentNote(id: $id, input: {body: $b}) '
                   '{ incident { id } } }', {'id': incidents[0], 'b': 'note %d' % i}, 'addIncidentNote')
            mutate('mutation($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) '
                   '{ escalationPolicy { id } } }',
                   {'input': {'teamId': teams[0], 'name': 'p%d' % i,
                              'steps': [{'targets': [{'kind': 'USER', 'id': owner_id}]}]}},
                   'createEscalationPolicy')
            mutate('mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id } } }',
                   {'input': {'teamId': teams[0], 'name': 's%d' % i}}, 'createSchedule')
            mutate('mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) '
                   '{ integration { id } } }', {'input': {'teamId': teams[0], 'name': 'n%d' % i}},
                   'createIntegration')
            method = mutate('mutation($a: String!) { createContactMethod(input: {kind: EMAIL, address: $a}) '
                            '{ contactMethod { id } } }', {'a': 'me%d@example.com' % i},
                            'createContactMethod', 'contactMethod', 'id')
            mutate('mutation($id: ID!) { createNotificationRule(input: {contactMethodId: $id}) '
                   '{ notificationRule { id } } }', {'id': method}, 'createNotificationRule')
        tokens = [owner.create_token(['incidentsRead'], 'token %d' % i)['personalAccessToken']['id']
                  for i in range(EACH)]
        # CREATED and four UPDATED: five events on the first token.
        for i in range(EACH - 1):
            mutate('mutation($id: ID!, $d: String!) { updatePersonalAccessToken(id: $id, input: {description: $d}) '
                   '{ personalAccessToken { id } } }', {'id': tokens[0], 'd': 'renamed %d' % i},
                   'updatePersonalAccessToken')
        cls.team = teams[0]
        cls.incident = incidents[0]
        cls.connections = [
            Connection('users', 'users'),
            Connection('teams', 'teams'),
            Connection('incidents', 'incidents'),
            Connection('incidents of a team', 'incidents', filters='teamId: "%s"' % teams[0]),
            Connection('escalationPolicies', 'escalationPolicies'),
            Connection('schedules', 'schedules', filters='teamId: "%s"' % teams[0]),
            Connection('integrations', 'integrations'),
            Connection('contactMethods', 'contactMethods'),
            Connection('notificationRules', 'notificationRules'),
            Connection('Incident.notes', 'notes', key='id body', parent='incident', parent_id=incidents[0]),
            Connection('personalAccessTokens', 'personalAccessTokens'),
            Connection('PersonalAccessToken.events', 'events', key='type at', parent='personalAccessToken',
                       parent_id=tokens[0]),
        ]

    def _all(self, connection):
        page = connection.page(self.owner, first=100)
        self.assertFalse(page['pageInfo']['hasNextPage'], connection.name)
        return [edge['node'] for edge in page['edges']], page['totalCount']

    def _check_page(self, connection, page):
        edges, info = page['edges'], page['pageInfo']
        self.assertLessEqual(len(edges), PAGE, connection.name)
        self.assertEqual(info['startCursor'], edges[0]['cursor'] if edges else None, connection.name)
        self.assertEqual(info['endCursor'], edges[-1]['cursor'] if edges else None, connection.name)

    def test_every_connection_pages_forwards_and_backwards(self):
        for connection in self.connections:
            with self.subTest(connection.name):
                everything, total = self._all(connection)
                self.assertEqual(total, len(everything))
                self.assertGreaterEqual(total, EACH, connection.name)

                forwards, after = [], None
                while True:
                    page = connection.page(self.owner, first=PAGE, after=after)
                    self._check_page(connection, page)
                    self.assertEqual(page['totalCount'], total)
                    # The Relay spec: paging forwards, hasPreviousPage is false.
                    self.assertFalse(page['pageInfo']['hasPreviousPage'])
                    forwards += [edge['node'] for edge in page['edges']]
                    if not page['pageInfo']['hasNextPage']:
                        break
                    after = page['pageInfo']['endCursor']
                self.assertEqual(forwards, everything)

                backwards, before = [], None
                while True:
                    page = connection.page(self.owner, last=PAGE, before=before)
                    self._check_page(connection, page)
                    self.assertEqual(page['totalCount'], total)
                    # Paging backwards, hasNextPage is false (Relay spec).
                    self.assertFalse(page['pageInfo']['hasNextPage'])
                    backwards = [edge['node'] for edge in page['edges']] + backwards
                    if not page['pageInfo']['hasPreviousPage']:
                        break
                    before = page['pageInfo']['startCursor']
                self.assertEqual(backwards, everything)

                # An edge's cursor in the middle: after it and before it split the list there.
                middle = connection.page(self.owner, first=100)['edges'][2]['cursor']
                head = connection.page(self.owner, last=100, before=middle)
                tail = connection.page(self.owner, first=100, after=middle)
                self.assertEqual([e['node'] for e in head['edges']], everything[:2])
                self.assertEqual([e['node'] for e in tail['edges']], everything[3:])
                self.assertFalse(head['pageInfo']['hasPreviousPage'])
                # Both cursors at once: what lies between them.
                start = connection.page(self.owner, first=100)['edges'][0]['cursor']
                between = connection.page(self.owner, first=100, after=start, before=middle)
                self.assertEqual([e['node'] for e in between['edges']], everything[1:2])

    def test_bad_paging_answers_bad_user_input(self):
        users = self.connections[0]
        teams = self.connections[1]
        raw_id = users.page(self.owner, first=1)['edges'][0]['node']['id']
        team_cursor = teams.page(self.owner, first=1)['pageInfo']['endCursor']
        for connection in self.connections:
            with self.subTest(connection.name):
                other = team_cursor if connection is not teams else users.page(self.owner, first=1)['pageInfo']['endCursor']
                for page in ({'first': 1, 'last': 1}, {'first': 0}, {'first': 101}, {'last': 0}, {'last': 101},
                             {'after': 'not a cursor'}, {'before': '!!!'}, {'after': raw_id}, {'before': raw_id},
                             {'after': other}, {'last': 2, 'before': other}, {'after': ''}):
                    response = connection.ask(self.owner, **page)
                    self.assertEqual(response.status, 200, (page, response.body))
                    self.assertEqual(_codes(response), ['BAD_USER_INPUT'], (page, response.json()))
                    data = response.json().get('data')
                    if data is not None and len(connection.path) == 1:
                        self.assertIsNone(data[connection.path[0]])
        # The message says what is wrong.
        body = self.connections[0].ask(self.owner, first=1, last=1).json()
        self.assertIn('first and last', body['errors'][0]['message'])

    def test_a_cursor_only_positions_within_the_callers_own_list(self):
        """A member who sees none of the owner's incidents, given the owner's
        cursors, still sees none of them, and counts none."""
        member = Session(self.base)
        email = 'paging-member@example.com'
        graphql_ok(self.owner.graphql('mutation($e: String!) { createUser(input: {email: $e, name: "M", role: MEMBER, '
                               'password: "correct horse battery"}) { user { id } } }', {'e': email}))
        self.assertEqual(member.post('/auth/login', {'email': email, 'password': 'correct horse battery'}).status,
                         200)
        incidents = self.connections[2]
        owners = incidents.page(self.owner, first=100)
        for cursor in (owners['edges'][0]['cursor'], owners['edges'][-1]['cursor']):
            for page in ({'first': 100, 'after': cursor}, {'last': 100, 'before': cursor}):
                seen = incidents.page(member, **page)
                self.assertEqual(seen['edges'], [])
                self.assertEqual(seen['totalCount'], 0)
        # Another user's token events: the token is not theirs, whatever the cursor.
        events = self.connections[-1]
        cursor = events.page(self.owner, first=1)['pageInfo']['endCursor']
        response = events.ask(member, first=5, after=cursor)
        self.assertEqual(_codes(response), ['NOT_FOUND'])

    def test_total_count_follows_the_filter_and_costs_nothing_unasked(self):
        triggered = graphql_ok(self.owner.graphql('{ incidents(status: TRIGGERED) { totalCount } }'), 'incidents')
        resolved = graphql_ok(self.owner.graphql('{ incidents(status: RESOLVED) { totalCount } }'), 'incidents')
        self.assertGreaterEqual(triggered['totalCount'], EACH)
        self.assertEqual(resolved['totalCount'], 0)
        # Through a fragment too.
        counted = graphql_ok(self.owner.graphql('{ teams(first: 1) { ...n } } fragment n on TeamConnection { totalCount }'),
                      'teams')
        self.assertGreaterEqual(counted['totalCount'], EACH)
        # The same field twice under one response key, totalCount in the second only: one answer with it.
        merged = graphql_ok(self.owner.graphql('{ teams(first: 1) { nodes { id } } teams(first: 1) { totalCount } }'),
                     'teams')
        self.assertGreaterEqual(merged['totalCount'], EACH)
        self.assertEqual(len(merged['nodes']), 1)
        # Without totalCount the answer has none.
        self.assertNotIn('totalCount', graphql_ok(self.owner.graphql('{ teams(first: 1) { nodes { id } } }'), 'teams'))

    def test_the_default_page_is_the_first_twenty(self):
        page = graphql_ok(self.owner.graphql('{ users { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }'),
                   'users')
        self.assertGreaterEqual(len(page['nodes']), EACH)
        self.assertEqual(page['pageInfo'], {'hasNextPage': False, 'hasPreviousPage': False})


if __name__ == '__main__':
    unittest.main()
