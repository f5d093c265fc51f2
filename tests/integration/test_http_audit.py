"""graphql-http's auditServer (the GraphQL-over-HTTP spec's audit, pinned in
tests/graphql/http-audit) against a live gateway, with a token: no MUST
fails, and no SHOULD warns (issue 16: the three about statuses for legacy
application/json clients are gone)."""

import json
import os
import subprocess

from r5client import SOURCE_DIR, Session, SuiteTestCase

NODE_DIR = os.path.join(SOURCE_DIR, 'tests', 'graphql', 'http-audit')


# Needs `npm ci --prefix tests/graphql/http-audit` first (tests/run.sh does it).
class HttpAuditTest(SuiteTestCase):

    def test_no_failure_and_no_warning(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        result = subprocess.run(['node', 'audit.mjs', self.base, token], cwd=NODE_DIR, capture_output=True,
                                text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        lines = result.stdout.strip().splitlines()
        counts = json.loads(lines[-1])
        print('\ngraphql-http audit: %s' % counts)
        self.assertEqual(counts['error'], 0, result.stdout)
        self.assertEqual(counts['warn'], 0, result.stdout)
        self.assertGreater(counts['ok'], 50, result.stdout)
