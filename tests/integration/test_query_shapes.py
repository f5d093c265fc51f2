"""Every query the services send has an index (issue 13, item 6).

Runs a representative set of the integration tests with every dev server
recording the query shapes it sees (R5_DEVMONGO_QUERY_SHAPES, one shared
file), then starts one more suite, reads the indexes the services declared
(listIndexes; their ensure_indexes calls ran at start-up) and checks each
shape the services sent by the prefix rule of tests/devmongo/query_shapes.py
(equality, then sort, then range). Fails with the list of shapes no index
serves."""

import io
import os
import shutil
import sys
import tempfile
import unittest

import pymongo

from r5client import BUILD_DIR, Session, SuiteTestCase, TEST_LIMITS, graphql_ok, r5suite

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'devmongo'))
import query_shapes  # noqa: E402  pylint: disable=wrong-import-position

# Between them: sign-in, tokens and their audit trail, every resource type
# created, listed (with and without team filters and visibility rules,
# forwards and backwards, with totalCount's count; test_paging: every
# connection both ways, both cursors at once),
# updated and deleted, incidents acted on and their notes paged; lists
# narrowed by a token's team restriction, leak reports and their notices,
# and the rate limits' shared counters.
DRIVERS = ['test_query_shapes.EveryList', 'test_authorization', 'test_tokens', 'test_integrations', 'test_bounded_documents',
           'test_no_read_through_writes', 'test_one_identity_per_email', 'test_restricted_tokens',
           'test_leaked_tokens', 'test_rate_limits', 'test_paging']


class EveryList(SuiteTestCase):
    """Every paged list, with each of its filters and a second page, forwards
    and backwards, counted, as an owner (who sees all) and as a member (the
    visibility clauses)."""

    def test_every_list(self):
        owner = Session(self.base)
        owner.signup()
        team = graphql_ok(owner.graphql('mutation { createTeam(input: {name: "t", description: ""}) { team { id } } }'),
                   'createTeam', 'team')['id']
        member = graphql_ok(owner.graphql('mutation { createUser(input: {email: "m-shapes@example.com", name: "M", '
                                   'role: MEMBER, password: "correct horse battery"}) { user { id } } }'),
                     'createUser', 'user')['id']
        for _ in range(2):
            graphql_ok(owner.graphql('mutation($t: [ID!], $u: [ID!]) { createIncident(input: {title: "i", teamIds: $t, '
                              'userIds: $u}) { incident { id } } }', {'t': [team], 'u': [member]}))
        lists = ['users', 'teams', 'incidents', 'incidents(status: TRIGGERED)', 'incidents(teamId: "%s")' % team,
                 'escalationPolicies', 'escalationPolicies(teamId: "%s")' % team, 'schedules',
                 'schedules(teamId: "%s")' % team, 'integrations', 'integrations(teamId: "%s")' % team,
                 'contactMethods', 'notificationRules']
        somebody = Session(self.base)
        self.assertEqual(somebody.post('/auth/login', {'email': 'm-shapes@example.com',
                                                       'password': 'correct horse battery'}).status, 200)
        for who in (owner, somebody):
            for field in lists:
                name, _, args = field.partition('(')
                args = args.rstrip(')')
                query = '{ %s(first: 1%s) { totalCount nodes { id } pageInfo { startCursor endCursor } } }' % (
                    name, ', ' + args if args else '')
                page = graphql_ok(who.graphql(query), name)
                cursor = page['pageInfo']['endCursor']
                if cursor:
                    graphql_ok(who.graphql(query.replace('first: 1', 'first: 1, after: "%s"' % cursor)), name)
                backward = query.replace('first: 1', 'last: 1')
                page = graphql_ok(who.graphql(backward), name)
                cursor = page['pageInfo']['startCursor']
                if cursor:
                    graphql_ok(who.graphql(backward.replace('last: 1', 'last: 1, before: "%s"' % cursor)), name)


class QueryShapesTest(unittest.TestCase):

    def test_every_query_shape_has_an_index(self):
        work = tempfile.mkdtemp(prefix='r5-shapes-')
        path = os.path.join(work, 'shapes.jsonl')
        saved = os.environ.get('R5_DEVMONGO_QUERY_SHAPES')
        os.environ['R5_DEVMONGO_QUERY_SHAPES'] = path
        suite = None
        try:
            tests = unittest.defaultTestLoader.loadTestsFromNames(DRIVERS)
            output = io.StringIO()
            result = unittest.TextTestRunner(stream=output, verbosity=1).run(tests)
            self.assertTrue(result.wasSuccessful(), output.getvalue()[-4000:])
            self.assertGreater(result.testsRun, 20)
            # The indexes as the services declare them, on a server of their own.
            suite = r5suite.Suite(BUILD_DIR, os.path.join(work, 'suite'), env=dict(TEST_LIMITS))
            suite.start()
            shapes = query_shapes.load_shapes(path)
            ours = [s for s in shapes if s.get('app') == 'r5']
            self.assertGreater(len(ours), 50, 'too few shapes recorded to mean anything')
            indexes = query_shapes.load_indexes(pymongo.MongoClient(suite.mongodb_uri), ours)
            missing = query_shapes.unserved(ours, indexes)
            if missing:
                self.fail('%d of %d query shapes have no index that serves them:\n%s'
                          % (len(missing), len(ours), '\n'.join(query_shapes.describe(s) for s in missing)))
        finally:
            if suite:
                suite.stop()
            if saved is None:
                os.environ.pop('R5_DEVMONGO_QUERY_SHAPES', None)
            else:
                os.environ['R5_DEVMONGO_QUERY_SHAPES'] = saved
            if os.environ.get('R5_KEEP_QUERY_SHAPES'):
                shutil.copy(path, os.environ['R5_KEEP_QUERY_SHAPES'])
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    unittest.main()
