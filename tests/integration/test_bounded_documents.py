"""Bounded documents (issue 13, item 3), over HTTP against the whole suite.

An incident's notes and assignment history are documents of their own
(incident_notes, incident_history), read a page at a time through
`Incident.notes(first, after)`. 480 notes of 9,000 characters (4.3 MB, past
the 4 MiB reply limit of the bus when they lived inside the incident) leave
the incident readable, acknowledgeable and small."""

import time
import unittest

import bson
import pymongo

from r5client import Session, SuiteTestCase, graphql_ok

NOTES = 480
BODY = 9000
# An incident document with no notes inside is a few hundred bytes; its size
# may grow with the account's teams and users, never with its notes.
SMALL = 16 * 1024


class BoundedDocumentsTest(SuiteTestCase):

    def test_many_long_notes(self):
        owner = Session(self.base)
        owner.signup()
        team = graphql_ok(owner.graphql('mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }',
                                 {'input': {'name': 'notes team', 'description': ''}}), 'createTeam', 'team')
        incident = graphql_ok(owner.graphql(
            'mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }',
            {'input': {'title': 'a long night', 'teamIds': [team['id']]}}), 'createIncident', 'incident')
        read = 'query($id: ID!) { incident(id: $id) { id status title } }'
        started = time.monotonic()
        graphql_ok(owner.graphql(read, {'id': incident['id']}), 'incident')
        empty_read = time.monotonic() - started

        bodies = ['%04d ' % i + chr(ord('a') + i % 26) * (BODY - 5) for i in range(NOTES)]
        for body in bodies:
            written = graphql_ok(owner.graphql('mutation($id: ID!, $body: String!) { addIncidentNote(id: $id, '
                                        'input: {body: $body}) { incident { id status } } }',
                                        {'id': incident['id'], 'body': body}), 'addIncidentNote', 'incident')
            self.assertEqual(written, {'id': incident['id'], 'status': 'TRIGGERED'})

        # Readable: the incident, and its notes a page at a time, oldest first.
        started = time.monotonic()
        self.assertEqual(graphql_ok(owner.graphql(read, {'id': incident['id']}), 'incident', 'status'), 'TRIGGERED')
        full_read = time.monotonic() - started
        seen, after, pages = [], None, 0
        while True:
            page = graphql_ok(owner.graphql('query($id: ID!, $after: String) { incident(id: $id) { notes(first: 100, '
                                     'after: $after) { nodes { body author { name } } edges { cursor } '
                                     'pageInfo { hasNextPage endCursor } } } }',
                                     {'id': incident['id'], 'after': after}), 'incident', 'notes')
            pages += 1
            seen += [node['body'] for node in page['nodes']]
            self.assertEqual(page['pageInfo']['endCursor'], page['edges'][-1]['cursor'])
            self.assertEqual(page['nodes'][0]['author'], {'name': 'Ada Owner'})
            if not page['pageInfo']['hasNextPage']:
                break
            after = page['pageInfo']['endCursor']
        self.assertEqual(pages, 5)
        self.assertEqual(seen, bodies)

        # Acknowledgeable.
        acknowledged = graphql_ok(owner.graphql('mutation($id: ID!) { acknowledgeIncident(id: $id) { incident { status } } }',
                                         {'id': incident['id']}), 'acknowledgeIncident', 'incident')
        self.assertEqual(acknowledged, {'status': 'ACKNOWLEDGED'})
        # And reassignable many times over without the incident growing.
        for _ in range(50):
            graphql_ok(owner.graphql('mutation($id: ID!, $teams: [ID!]) { reassignIncident(id: $id, '
                              'input: {teamIds: $teams}) { incident { id } } }',
                              {'id': incident['id'], 'teams': [team['id']]}), 'reassignIncident')

        # Fast: the stored incident stays small, so reading it does not carry
        # the notes; each note is a document of its own.
        db = pymongo.MongoClient(self.suite.mongodb_uri).get_default_database()
        stored = db.incidents.find_one({'_id': incident['id']})
        size = len(bson.encode(stored))
        self.assertLess(size, SMALL, 'the incident document is %d bytes' % size)
        self.assertNotIn('notes', stored)
        self.assertNotIn('history', stored)
        self.assertEqual(db.incident_notes.count_documents({'incident_id': incident['id']}), NOTES)
        self.assertEqual(db.incident_history.count_documents({'incident_id': incident['id']}), 51)
        # A generous bound: the read costs what it cost with no notes.
        self.assertLess(full_read, empty_read * 5 + 0.5, (empty_read, full_read))

    def test_note_page_rules(self):
        owner = Session(self.base)
        owner.signup()
        incident = graphql_ok(owner.graphql(
            'mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }',
            {'input': {'title': 'quiet'}}), 'createIncident', 'incident')
        page = graphql_ok(owner.graphql('query($id: ID!) { incident(id: $id) { notes { nodes { id } '
                                 'pageInfo { hasNextPage endCursor } } } }', {'id': incident['id']}),
                   'incident', 'notes')
        self.assertEqual(page, {'nodes': [], 'pageInfo': {'hasNextPage': False, 'endCursor': None}})
        for first in (0, 101):
            body = owner.graphql('query($id: ID!, $first: Int) { incident(id: $id) { id notes(first: $first) '
                                 '{ nodes { id } } } }', {'id': incident['id'], 'first': first}).json()
            self.assertEqual(body['data']['incident']['notes'], None)
            self.assertEqual(body['errors'][0]['extensions']['code'], 'BAD_USER_INPUT')
        # Another account's incident: its notes are not found, as it is not.
        stranger = Session(self.base)
        stranger.signup(account='Other')
        body = stranger.graphql('query($id: ID!) { incident(id: $id) { id notes { nodes { id } } } }',
                                {'id': incident['id']}).json()
        self.assertIsNone(body['data']['incident'])
        self.assertEqual(body['errors'][0]['extensions']['code'], 'NOT_FOUND')


if __name__ == '__main__':
    unittest.main()
