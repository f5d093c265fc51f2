"""The Security tab's preview: what a token with the chosen scopes could do
for its user, answered by the server from the user's live role and teams
(Viewer.effectivePermissions) -- never worked out in the page."""

import unittest

from r5client import Session, SuiteTestCase, node_id

PREVIEW = 'query($scopes: [TokenScope!]!) { viewer { effectivePermissions(scopes: $scopes) { scope allowed summary } } }'
PREVIEW_TEAMS = ('query($scopes: [TokenScope!]!, $teamIds: [ID!]) { viewer { effectivePermissions(scopes: $scopes, '
                 'teamIds: $teamIds) { scope allowed summary } } }')


class PreviewTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = Session(cls.base)
        cls.owner.signup(email='preview-owner@example.com')
        teams = []
        for name in ('Payments', 'Search', 'Mobile'):
            body = cls.owner.graphql('mutation($n: String!) { createTeam(input: {name: $n}) { team { id } } }', {'n': name}).json()
            teams.append(body['data']['createTeam']['team']['id'])
        cls.teams = teams
        cls.users = {}
        for key, role in (('lead', 'MEMBER'), ('loner', 'MEMBER'), ('admin', 'ADMINISTRATOR')):
            body = cls.owner.graphql('mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
                                     {'i': {'email': 'preview-%s@example.com' % key, 'name': key, 'role': role,
                                            'password': 'preview password'}}).json()
            cls.users[key] = body['data']['createUser']['user']['id']
        # lead administers Payments and Search and is a plain member of Mobile.
        for team, admin in ((teams[0], True), (teams[1], True), (teams[2], False)):
            cls.owner.graphql('mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { team { id } } }',
                              {'i': {'teamId': team, 'userId': cls.users['lead'], 'teamAdmin': admin}})

    def preview(self, who, scopes, team_ids=None):
        session = self.owner
        if who != 'owner':
            session = Session(self.base)
            self.assertEqual(session.post('/auth/login', {'email': 'preview-%s@example.com' % who,
                                                          'password': 'preview password'}).status, 200)
        if team_ids is None:
            body = session.graphql(PREVIEW, {'scopes': scopes}).json()
        else:
            body = session.graphql(PREVIEW_TEAMS, {'scopes': scopes, 'teamIds': team_ids}).json()
        self.assertNotIn('errors', body)
        return {p['scope']: (p['allowed'], p['summary']) for p in body['data']['viewer']['effectivePermissions']}

    def test_owner(self):
        got = self.preview('owner', ['teamsWrite', 'usersWrite', 'incidentsRead'])
        self.assertEqual(got['teamsWrite'], (True, 'you can create, change and delete any team'))
        self.assertEqual(got['usersWrite'], (True, 'you can create users, change any role and deactivate or reactivate users'))
        self.assertEqual(got['incidentsRead'], (True, "you can read every one of the account's incidents"))

    def test_team_admin(self):
        got = self.preview('lead', ['teamsWrite', 'schedulesWrite', 'incidentsRead', 'usersWrite', 'teamsRead',
                                    'contactMethodsWrite'])
        self.assertEqual(got['teamsWrite'], (True, 'you can change the 2 teams you administer and their members; '
                                                   'you cannot create or delete teams'))
        self.assertEqual(got['schedulesWrite'], (True, 'you can create, change and delete the schedules of the 2 teams you administer'))
        self.assertEqual(got['incidentsRead'], (True, 'you can read the incidents of your 3 teams and those you take part in'))
        self.assertFalse(got['usersWrite'][0])
        self.assertEqual(got['teamsRead'], (True, "you can read every one of the account's teams"))
        self.assertEqual(got['contactMethodsWrite'], (True, 'you can add and delete your own contact methods'))

    def test_member_of_no_team(self):
        got = self.preview('loner', ['teamsWrite', 'integrationsWrite', 'incidentsWrite'])
        self.assertFalse(got['teamsWrite'][0])
        self.assertIn('grants nothing', got['teamsWrite'][1])
        self.assertFalse(got['integrationsWrite'][0])
        self.assertEqual(got['incidentsWrite'], (True, 'you can open incidents and act on the incidents you can see'))

    def test_administrator_and_order(self):
        body = self.owner.graphql(PREVIEW, {'scopes': ['usersWrite', 'teamsRead', 'usersWrite']}).json()
        self.assertEqual([p['scope'] for p in body['data']['viewer']['effectivePermissions']], ['usersWrite', 'teamsRead'])
        got = self.preview('admin', ['usersWrite'])
        self.assertEqual(got['usersWrite'], (True, 'you can create users, change roles between member and administrator '
                                                   'and deactivate or reactivate members and administrators'))


    # -- a token restricted to some teams (issue 17) ---------------------------

    def test_owner_restricted_to_two_teams(self):
        got = self.preview('owner', ['teamsWrite', 'teamsRead', 'schedulesWrite', 'incidentsWrite', 'usersWrite',
                                     'usersRead', 'contactMethodsWrite'], self.teams[:2] + [self.teams[0]])
        self.assertEqual(got['teamsWrite'], (True, 'you can change 2 of the 2 teams chosen and their members; '
                                                   'you cannot create teams'))
        self.assertEqual(got['teamsRead'], (True, 'you can read the teams of the 2 teams chosen only'))
        self.assertEqual(got['schedulesWrite'], (True, 'you can create, change and delete the schedules of 2 of the '
                                                       '2 teams chosen, and of no other team'))
        self.assertEqual(got['incidentsWrite'], (True, 'you can open incidents of the 2 teams chosen and act on the '
                                                       'ones of them you can see'))
        self.assertFalse(got['usersWrite'][0])
        self.assertIn('the chosen teams do not allow it', got['usersWrite'][1])
        self.assertEqual(got['usersRead'], (True, 'you can read yourself and the members of the 2 teams chosen'))
        self.assertEqual(got['contactMethodsWrite'], (True, 'you can add and delete your own contact methods '
                                                            '(not limited by teams)'))

    def test_team_admin_restricted_keeps_their_permission(self):
        # lead administers Payments and Search, is a member of Mobile: restricted
        # to Search and Mobile, only Search can be changed.
        got = self.preview('lead', ['teamsWrite', 'schedulesWrite', 'incidentsRead'], self.teams[1:])
        self.assertEqual(got['teamsWrite'], (True, 'you can change 1 of the 2 teams chosen and their members; '
                                                   'you cannot create teams'))
        self.assertEqual(got['schedulesWrite'], (True, 'you can create, change and delete the schedules of 1 of the '
                                                       '2 teams chosen, and of no other team'))
        self.assertEqual(got['incidentsRead'], (True, 'you can read the incidents of the 2 teams chosen that you can '
                                                      'see (yours or ones you take part in)'))
        # A plain member restricted to a team: nothing to change there.
        got = self.preview('loner', ['teamsWrite'], self.teams[:1])
        self.assertFalse(got['teamsWrite'][0])

    def test_bad_teams_are_refused(self):
        for team_ids, code in ((['nope'], 'NOT_FOUND'), ([node_id('Team', '%024x' % i) for i in range(51)],
                                                         'BAD_USER_INPUT')):
            body = self.owner.graphql(PREVIEW_TEAMS, {'scopes': ['teamsRead'], 'teamIds': team_ids}).json()
            self.assertEqual(body['errors'][0]['extensions']['code'], code, body)


if __name__ == '__main__':
    unittest.main()
