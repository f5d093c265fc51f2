"""A Relay-style client pages r5's connections (issue 16, item 6).

tests/relay-client/page.mjs runs Apollo Client 4 (pinned in that
directory's package-lock.json; `npm ci --prefix tests/relay-client` once)
with relayStylePagination, the cache policy that merges cursor connections
the Relay way, against the live suite: it walks a connection forwards with
first/after and backwards with last/before through fetchMore, with a bearer
token as an API client would. Both walks must give the list one page of
all of it gives, in its order. Skipped when node or the package is not
installed."""

import json
import os
import shutil
import subprocess
import unittest

from r5client import SOURCE_DIR, Session, SuiteTestCase, graphql_ok

CLIENT = os.path.join(SOURCE_DIR, 'tests', 'relay-client')
NODE = shutil.which('node')
TEAMS = 7
PAGE = 2


@unittest.skipUnless(NODE and os.path.isdir(os.path.join(CLIENT, 'node_modules', '@apollo', 'client')),
                     'needs node and `npm ci --prefix tests/relay-client`')
class RelayClientTest(SuiteTestCase):

    def _page(self, token, field):
        done = subprocess.run([NODE, os.path.join(CLIENT, 'page.mjs'), self.base, token, field, str(PAGE)],
                              cwd=CLIENT, capture_output=True, text=True, timeout=120, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def test_apollo_relay_pagination_walks_both_ways(self):
        owner = Session(self.base)
        owner.signup()
        for i in range(TEAMS):
            graphql_ok(owner.graphql('mutation($n: String!) { createTeam(input: {name: $n}) { team { id } } }',
                              {'n': 'team %d' % i}))
            graphql_ok(owner.graphql('mutation { createIncident(input: {title: "i"}) { incident { id } } }'))
        token = owner.create_token(['teamsRead', 'incidentsRead'])['value']
        for field, query in (('teams', '{ teams(first: 100) { nodes { id } } }'),
                             ('incidents', '{ incidents(first: 100) { nodes { id } } }')):
            with self.subTest(field):
                everything = [node['id'] for node in graphql_ok(owner.graphql(query), field, 'nodes')]
                self.assertEqual(len(everything), TEAMS)
                walked = self._page(token, field)
                self.assertEqual(walked['forward'], everything)
                self.assertEqual(walked['backward'], everything)
                pages = (TEAMS + PAGE - 1) // PAGE
                self.assertEqual((walked['forwardPages'], walked['backwardPages']), (pages, pages))
                self.assertEqual(walked['totalCount'], TEAMS)
                # The merged view's ends: nothing more either way.
                for info in walked['pageInfo'].values():
                    self.assertFalse(info['hasNextPage'])
                    self.assertFalse(info['hasPreviousPage'])


if __name__ == '__main__':
    unittest.main()
