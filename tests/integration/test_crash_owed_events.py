"""A crash between a fact's write and its event (docs/decisions.md,
"Principal facts travel with the principal"): r5-resource is killed (SIGKILL)
while MongoDB applies the write that deactivates a user, or removes a member
from a team, so the user.changed event is never published. Three gateways
hold the user's verdict with the old facts (their cache: 30 s). The write
carries the event it owes (resource_owed.h); a restarted r5-resource's sweeper
publishes it once it is older than the grace, so every gateway answers with
the new facts within the stated bound of the write, not when the verdicts
expire. The write is held in flight by the dev MongoDB's failCommand fail
point (blockConnection): the instance dies inside it, and the dev server
applies it after, as mongod applies a command whose client is gone."""

import threading
import time
import uuid

from r5client import FailPointTestCase, Session, bearer, graphql_ok, node_parts

INCIDENT = 'query($id: ID!) { viewer { id } incident(id: $id) { id } }'
BLOCK_MS = 1500
# docs/decisions.md: the grace (5 s), a sweep's period (1 s) and the wait for
# the gateways' confirmations (at most 1 s), from the write; and a margin for
# a loaded machine. The verdicts themselves would live 30 s.
BOUND = 5.0 + 1.0 + 1.0
MARGIN = 3.0


class CrashBetweenWriteAndEventTest(FailPointTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.suite.start_gateway()
            cls.suite.start_gateway()
            cls.suite.wait_ready()
        except BaseException:
            cls.tearDownClass()
            raise
        cls.bases = [cls.suite.url(g) for g in range(3)]
        cls.db = cls.mongo.get_database('r5')

    def setUp(self):
        self.owner = Session(self.bases[0])
        self.owner.signup(email='owner-%s@example.com' % uuid.uuid4().hex[:8])

    def graphql(self, query, variables=None):
        return graphql_ok(self.owner.graphql(query, variables))

    def member(self):
        user, session = self.owner.create_member()
        return user['id'], session

    def crash_during(self, command, mutation, variables, landed, probe, stale):
        """Prime every gateway's cache with probe, hold r5-resource's
        `command` in the dev server, send mutation through gateway 0, kill
        r5-resource inside it, wait until the write landed, start another
        r5-resource, and answer how long after the write each gateway
        answered with the new facts."""
        for g in range(3):
            for _ in range(2):
                self.assertTrue(stale(probe(g)), 'gateway %d answers the new way before the change' % g)
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1},
                                  'data': {'failCommands': [command], 'appName': 'r5',
                                           'blockConnection': True, 'blockTimeMS': BLOCK_MS}})
        sender = threading.Thread(target=lambda: self.owner.graphql(mutation, variables), daemon=True)
        sender.start()
        time.sleep(BLOCK_MS / 3000.0)       # well inside the block: the write is in flight
        resource = [p for p in self.suite.processes if p.name == 'r5-resource' and p.alive()]
        self.assertEqual(len(resource), 1)
        resource[0].kill()
        deadline = time.monotonic() + 10
        while not landed():
            self.assertLess(time.monotonic(), deadline, 'the write never landed')
            time.sleep(0.02)
        written = time.monotonic()
        self.suite.start_service('r5-resource')
        after = [None, None, None]
        while None in after and time.monotonic() - written < 25:
            for g in range(3):
                if after[g] is None and not stale(probe(g)):
                    after[g] = time.monotonic() - written
            time.sleep(0.05)
        sender.join(30)
        print('\n%s: the new facts counted %s s after the write, per gateway'
              % (command, ', '.join('never' if a is None else '%.1f' % a for a in after)))
        for g in range(3):
            self.assertIsNotNone(after[g], 'gateway %d kept the old facts for 25 s after the write' % g)
            self.assertLess(after[g], BOUND + MARGIN, 'gateway %d kept the old facts past the bound' % g)

    def test_a_user_deactivated_by_an_instance_that_died_before_its_event(self):
        member, session = self.member()
        value = session.create_token(['incidentsRead'])['value']
        incident = self.graphql('mutation { createIncident(input: {title: "x"}) { incident { id } } }')
        incident_id = incident['createIncident']['incident']['id']
        probe = lambda g: bearer(self.bases[g], value, INCIDENT, {'id': incident_id})  # noqa: E731
        stale = lambda r: r.status == 200  # noqa: E731
        self.crash_during('findAndModify', 'mutation($id: ID!) { deactivateUser(id: $id) { user { active } } }',
                          {'id': member},
                          lambda: self.db.users.find_one({'_id': node_parts(member)[1]}).get('active') is False, probe, stale)
        self.assertEqual(probe(0).status, 401)
        # Published and confirmed: the user owes nothing any more.
        deadline = time.monotonic() + 5
        while self.db.users.find_one({'_id': node_parts(member)[1]}).get('facts_owed'):
            self.assertLess(time.monotonic(), deadline, 'the event stays owed after it was published')
            time.sleep(0.05)

    def test_a_member_removed_by_an_instance_that_died_before_its_event(self):
        member, session = self.member()
        team = self.graphql('mutation($n: String!) { createTeam(input: {name: $n, description: ""}) { team { id } } }',
                            {'n': 'team-%s' % uuid.uuid4().hex[:8]})['createTeam']['team']['id']
        self.graphql('mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { team { id } } }',
                     {'input': {'teamId': team, 'userId': member, 'teamAdmin': False}})
        incident = self.graphql('mutation($t: [ID!]) { createIncident(input: {title: "theirs", teamIds: $t}) '
                                '{ incident { id } } }', {'t': [team]})['createIncident']['incident']['id']
        value = session.create_token(['incidentsRead'])['value']
        probe = lambda g: bearer(self.bases[g], value, INCIDENT, {'id': incident})  # noqa: E731
        stale = lambda r: r.status == 200 and (r.json().get('data') or {}).get('incident') is not None  # noqa: E731

        def landed():
            doc = self.db.teams.find_one({'_id': node_parts(team)[1]})
            return not any(m.get('user_id') == node_parts(member)[1] for m in doc.get('members', []))

        self.crash_during('findAndModify', 'mutation($input: RemoveTeamMemberInput!) { removeTeamMember(input: $input) '
                          '{ team { id } } }', {'input': {'teamId': team, 'userId': member}}, landed, probe, stale)
        deadline = time.monotonic() + 5
        while self.db.teams.find_one({'_id': node_parts(team)[1]}).get('facts_owed'):
            self.assertLess(time.monotonic(), deadline, 'the event stays owed after it was published')
            time.sleep(0.05)
