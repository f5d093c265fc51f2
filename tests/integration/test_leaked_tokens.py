"""Leaked-token reports through HTTP, as GitHub's secret scanning (or any
scanner with a configured key) sends them: POST /secret-scanning/verify with
an ECDSA P-256 signature over the body. Only signed reports are read; values
that fail r5's checksum are answered without a lookup; a live token is
revoked at once, its owner (and nobody else) sees a notice until dismissing
it, and a second report of the value finds nothing live."""

import base64
import glob
import json
import os
import re
import subprocess
import tempfile
import unittest

import pymongo
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from r5client import BUILD_DIR, Session, SuiteTestCase, bearer, http, node_parts

VIEWER = '{ viewer { id } }'
NOTICES = '{ viewer { tokenNotices { id tokenId hint description url source reportedAt } } }'
DISMISS = 'mutation($id: ID!) { dismissTokenNotice(input: {id: $id}) { dismissedId } }'
KEY_ID = '90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a'
OLD_KEY_ID = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d'
REPORTS = 'r5_rpc_client_duration_seconds_count{service="r5.token",operation="report_leaked",status="ok"}'


def pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(key, body):
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def flip_checksum(value):
    """The value with its last checksum character changed: r5_token_check refuses it."""
    last = value[-1]
    return value[:-1] + ('A' if last != 'A' else 'B')


class ReportCase(SuiteTestCase):
    """A suite whose gateway holds two scanner keys, and the helpers to report."""

    @classmethod
    def setUpClass(cls):
        # The scanner's keys, in GitHub's own file format: a current key and
        # an older one still accepted (rotation).
        cls.keys_dir = tempfile.mkdtemp(prefix='r5-leaks-')
        cls.key = ec.generate_private_key(ec.SECP256R1())
        cls.old_key = ec.generate_private_key(ec.SECP256R1())
        cls.stranger = ec.generate_private_key(ec.SECP256R1())
        cls.keys_file = os.path.join(cls.keys_dir, 'secret_scanning_keys.json')
        with open(cls.keys_file, 'w') as f:
            json.dump({'public_keys': [{'key_identifier': KEY_ID, 'key': pem(cls.key), 'is_current': True},
                                       {'key_identifier': OLD_KEY_ID, 'key': pem(cls.old_key), 'is_current': False}]}, f)
        cls.key_pem = os.path.join(cls.keys_dir, 'scanner.pem')
        with open(cls.key_pem, 'wb') as f:
            f.write(cls.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
        cls.suite_env = {'R5_SECRET_SCANNING_KEYS': cls.keys_file}
        super().setUpClass()

    def setUp(self):
        self.owner = Session(self.base)
        self.owner.signup()

    def report(self, entries, key=None, key_id=KEY_ID, body=None, signature=None):
        body = body if body is not None else json.dumps(entries).encode()
        headers = {'Content-Type': 'application/json'}
        if key_id is not None:
            headers['Github-Public-Key-Identifier'] = key_id
        if signature is None and key is not False:
            signature = sign(key or self.key, body)
        if signature:
            headers['Github-Public-Key-Signature'] = signature
        return http(self.base + '/secret-scanning/verify', 'POST', body, headers)

    def reports_made(self):
        """How many report_leaked calls the gateway made to r5-token."""
        text = http(self.suite.metrics_url(self.suite.gateways[0])).body.decode()
        match = re.search('^' + re.escape(REPORTS) + r' (\S+)$', text, re.M)
        return float(match.group(1)) if match else 0.0

    def live_token(self, description='deploy key'):
        created = self.owner.create_token(['incidentsRead'], description)
        self.assertEqual(bearer(self.base, created['value'], VIEWER).status, 200)
        return created['value'], created['personalAccessToken']['id']



class LeakedTokenTest(ReportCase):

    def test_unsigned_unknown_key_and_bad_signature_are_refused_and_change_nothing(self):
        value, _ = self.live_token()
        entries = [{'token': value, 'type': 'r5_personal_access_token', 'url': 'https://example.com/a', 'source': 'content'}]
        before = self.reports_made()
        unsigned = self.report(entries, key=False, key_id=None)
        self.assertEqual(unsigned.status, 401)
        self.assertIn('must be signed', unsigned.json()['error'])
        self.assertEqual(self.report(entries, key=False).status, 401)                   # id, no signature
        unknown = self.report(entries, key_id='not-a-configured-key')
        self.assertEqual(unknown.status, 401)
        self.assertIn('unknown', unknown.json()['error'])
        forged = self.report(entries, key=self.stranger)                               # right id, wrong key
        self.assertEqual(forged.status, 401)
        self.assertIn('does not match', forged.json()['error'])
        body = json.dumps(entries).encode()
        tampered = self.report(None, body=body.replace(b'example.com', b'example.org'), signature=sign(self.key, body))
        self.assertEqual(tampered.status, 401)
        self.assertEqual(self.report(entries, signature='not base64!').status, 401)
        self.assertEqual(self.reports_made(), before)
        self.assertEqual(bearer(self.base, value, VIEWER).status, 200)

    def test_bad_reports_are_400_and_change_nothing(self):
        value, _ = self.live_token()
        for body in (b'{"token": "x"}', b'[]', b'not json', b'[{"type": "x"}]', b'[{"token": 5}]',
                     json.dumps([{'token': value, 'url': 'x' * 1025}]).encode(),
                     json.dumps([{'token': value, 'url': 'https://example.com/\n'}]).encode(),
                     json.dumps([{'token': 'r5p_x'}] * 1001).encode()):
            response = self.report(None, body=body)
            self.assertEqual(response.status, 400, body[:60])
            self.assertIn('error', response.json())
        self.assertEqual(bearer(self.base, value, VIEWER).status, 200)

    def test_garbage_and_checksum_failures_answer_false_positive_without_a_lookup(self):
        value, _ = self.live_token()
        before = self.reports_made()
        entries = [{'token': 'ghp_notours', 'type': 'x', 'url': 'https://example.com/1', 'source': 'content'},
                   {'token': flip_checksum(value), 'type': 'r5_personal_access_token', 'url': 'https://example.com/2'},
                   {'token': 'r5p_' + 'a' * 36, 'type': 'r5_personal_access_token'}]
        response = self.report(entries)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json(), [
            {'token_raw': 'ghp_notours', 'token_type': 'x', 'label': 'false_positive'},
            {'token_raw': flip_checksum(value), 'token_type': 'r5_personal_access_token', 'label': 'false_positive'},
            {'token_raw': 'r5p_' + 'a' * 36, 'token_type': 'r5_personal_access_token', 'label': 'false_positive'}])
        self.assertEqual(self.reports_made(), before)       # r5-token was never asked
        self.assertEqual(bearer(self.base, value, VIEWER).status, 200)

    def test_live_token_is_revoked_and_its_owner_alone_sees_the_notice_until_dismissed(self):
        value, token_id = self.live_token('deploy key')
        other_value, _ = self.live_token('other key')
        url = 'https://github.com/octocat/Hello-World/blob/1234/foo/bar.txt'
        before = self.reports_made()
        response = self.report([{'token': value, 'type': 'r5_personal_access_token', 'url': url, 'source': 'content'},
                                {'token': 'r5p_garbage', 'type': 'r5_personal_access_token', 'url': url}],
                               key=self.old_key, key_id=OLD_KEY_ID)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual([entry['label'] for entry in response.json()], ['true_positive', 'false_positive'])
        self.assertEqual(response.json()[0]['token_raw'], value)
        self.assertEqual(self.reports_made(), before + 1)       # the metric counts r5-token's calls
        # Revoked at once (the verdict was cached by the call above), the other token untouched.
        self.assertEqual(bearer(self.base, value, VIEWER).status, 401)
        self.assertEqual(bearer(self.base, other_value, VIEWER).status, 200)
        tokens = self.owner.graphql('{ personalAccessTokens { nodes { id } } }').json()['data']['personalAccessTokens']
        self.assertNotIn(token_id, [node['id'] for node in tokens['nodes']])

        # The audit entry, with the URL (r5-token's database).
        db = pymongo.MongoClient(self.suite.mongodb_uri).get_default_database()
        entries = list(db.token_audit.find({'token_id': node_parts(token_id)[1], 'type': 'reported_leaked'}))
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]['reason'], 'reported leaked at ' + url)

        notices = self.owner.graphql(NOTICES).json()['data']['viewer']['tokenNotices']
        self.assertEqual(len(notices), 1)
        notice = notices[0]
        self.assertEqual((notice['tokenId'], notice['description'], notice['url'], notice['source']),
                         (token_id, 'deploy key', url, 'content'))
        self.assertEqual(notice['hint'], 'r5p_…' + value[-4:])

        # Nobody else sees it or can dismiss it.
        stranger = Session(self.base)
        stranger.signup()
        self.assertEqual(stranger.graphql(NOTICES).json()['data']['viewer']['tokenNotices'], [])
        refused = stranger.graphql(DISMISS, {'id': notice['id']}).json()
        self.assertEqual(refused['errors'][0]['extensions']['code'], 'NOT_FOUND')
        self.assertEqual(len(self.owner.graphql(NOTICES).json()['data']['viewer']['tokenNotices']), 1)

        # A second report of the same value: nothing live, no second notice.
        again = self.report([{'token': value, 'type': 'r5_personal_access_token', 'url': url}])
        self.assertEqual(again.json()[0]['label'], 'false_positive')
        self.assertEqual(len(self.owner.graphql(NOTICES).json()['data']['viewer']['tokenNotices']), 1)
        self.assertEqual(db.token_notices.count_documents({'token_id': node_parts(token_id)[1]}), 1)

        dismissed = self.owner.graphql(DISMISS, {'id': notice['id']}).json()
        self.assertEqual(dismissed['data']['dismissTokenNotice']['dismissedId'], notice['id'])
        self.assertEqual(self.owner.graphql(NOTICES).json()['data']['viewer']['tokenNotices'], [])
        again = self.owner.graphql(DISMISS, {'id': notice['id']}).json()
        self.assertEqual(again['errors'][0]['extensions']['code'], 'NOT_FOUND')

        # The reported value is in no log and no document (only its digest is).
        files = glob.glob(os.path.join(self.data_dir, 'mongo', '*')) + glob.glob(os.path.join(self.data_dir, 'logs', '*'))
        self.assertTrue(files)
        for path in files:
            with open(path, 'rb') as f:
                self.assertNotIn(value[4:34].encode(), f.read(), path)

    def test_a_token_cannot_read_notices(self):
        value, _ = self.live_token()
        response = bearer(self.base, value, NOTICES).json()
        self.assertIsNone(response['data']['viewer']['tokenNotices'])
        self.assertTrue(response['errors'])


class ScanTest(ReportCase):
    """r5-scan, the operator's command and the reference scanner."""

    def scan(self, *args, stdin=b''):
        return subprocess.run([os.path.join(BUILD_DIR, 'services', 'scan', 'r5-scan')] + list(args),
                              input=stdin, capture_output=True, timeout=60)

    def test_finds_tokens_in_files_and_stdin_by_hint(self):
        value, _ = self.live_token()
        session_value = 'r5s_' + value[4:]        # same characters, other prefix: its checksum still holds
        path = os.path.join(self.keys_dir, 'config.env')
        with open(path, 'w') as f:
            f.write('# nothing here\nAPI_TOKEN=%s\nnot_r5p_%s\nbad=%s\nx r5p_short\n'
                    % (value, value[4:], flip_checksum(value)))
        found = self.scan(path)
        self.assertEqual(found.returncode, 1, found.stderr)
        lines = found.stdout.decode().splitlines()
        self.assertEqual(lines, ['%s:2: r5 personal access token r5p_…%s' % (path, value[-4:])])
        self.assertNotIn(value.encode(), found.stdout + found.stderr)
        shown = self.scan('--show-values', '-', stdin=('a %s b\n\n"%s"' % (value, session_value)).encode())
        self.assertEqual(shown.returncode, 1)
        self.assertEqual(shown.stdout.decode().splitlines(),
                         ['<stdin>:1: r5 personal access token ' + value, '<stdin>:3: r5 session ' + session_value])
        clean = self.scan(stdin=b'nothing r5p_ here\n' + flip_checksum(value).encode())
        self.assertEqual((clean.returncode, clean.stdout), (0, b''))
        self.assertEqual(self.scan('/nonexistent/file').returncode, 2)

    def test_report_revokes_what_it_finds_and_prints_the_labels(self):
        value, token_id = self.live_token('found by r5-scan')
        path = os.path.join(self.keys_dir, 'leak.txt')
        with open(path, 'w') as f:
            f.write('token: %s\n' % value)
        url = self.base + '/secret-scanning/verify'
        reported = self.scan('--report', url, '--key', self.key_pem, '--key-id', KEY_ID, path)
        self.assertEqual(reported.returncode, 1, reported.stderr)
        self.assertEqual(reported.stdout.decode().strip(),
                         '%s:1: r5 personal access token r5p_…%s true_positive' % (path, value[-4:]))
        self.assertEqual(bearer(self.base, value, VIEWER).status, 401)
        notices = self.owner.graphql(NOTICES).json()['data']['viewer']['tokenNotices']
        self.assertEqual([(n['tokenId'], n['url'], n['source']) for n in notices],
                         [(token_id, path + ':1', 'r5-scan')])
        again = self.scan('--report', url, '--key', self.key_pem, '--key-id', KEY_ID, path)
        self.assertTrue(again.stdout.decode().strip().endswith('false_positive'), again.stdout)
        # A key id the gateway does not hold: the report fails, exit 2.
        refused = self.scan('--report', url, '--key', self.key_pem, '--key-id', 'nope', path)
        self.assertEqual(refused.returncode, 2)
        self.assertIn('401', refused.stderr.decode())


class NoKeysTest(SuiteTestCase):
    """Without configured keys the route does not exist."""

    def test_route_answers_404(self):
        response = http(self.base + '/secret-scanning/verify', 'POST', b'[]', {'Content-Type': 'application/json'})
        self.assertEqual(response.status, 404)


if __name__ == '__main__':
    unittest.main()
