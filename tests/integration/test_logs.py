"""Logs an operator can read: with R5_LOG_FORMAT=json every line of every r5
process is one JSON object; each HTTP request has one access line; the
client's X-Request-Id comes back (a hostile one is replaced); a traceparent's
trace id is in the lines of every service that worked on the request; no
token value is ever written; libmongoc's messages come through r5's logger."""

import glob
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unittest

from r5client import BUILD_DIR, TEST_LIMITS, Session, bearer, http, node_parts, r5suite

TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
PARENT_SPAN = '00f067aa0ba902b7'
OWN_ID = re.compile(r'^[0-9a-f]{16}$')
R5_PROCESSES = ('r5-broker', 'r5-token', 'r5-authz', 'r5-resource', 'r5-gateway')


class LogsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, log_level='debug',
                                  env=dict(TEST_LIMITS, R5_LOG_FORMAT='json'))
        try:
            cls.suite.make_keys()
            cls.suite.start_devmongo()
            # An option libmongoc does not know: it warns, through r5's logger.
            cls.suite.mongodb_uri += '&r5UnknownOption=1'
            cls.suite.start_broker()
            for name in ('r5-resource', 'r5-token', 'r5-authz'):
                cls.suite.start_service(name)
            cls.suite.start_gateway()
            cls.suite.wait_ready()
        except BaseException:
            cls.suite.stop()
            raise
        cls.base = cls.suite.url()
        cls.session = Session(cls.base)
        cls.session.signup()
        cls.token = cls.session.create_token(['teamsRead'])

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    # -- reading the logs ---------------------------------------------------

    def lines(self, name):
        """Every line of every instance of name, as written."""
        found = []
        for path in sorted(glob.glob(os.path.join(self.data_dir, 'logs', '%s-*.log' % name))):
            with open(path, 'rb') as f:
                found += f.read().decode('utf-8', errors='strict').splitlines()
        return found

    def events(self, name):
        return [json.loads(line) for line in self.lines(name)]

    def wait_for(self, name, match, timeout=20.0):
        """The events of name that match, once there is one (the access line
        is written after the answer is sent)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [event for event in self.events(name) if match(event)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def access(self, request_id):
        found = self.wait_for('r5-gateway', lambda e: e.get('message') == 'access' and e.get('request_id') == request_id)
        self.assertEqual(len(found), 1, 'one access line for %s' % request_id)
        return found[0]

    def raw(self, request):
        """Send raw bytes (headers http.client would refuse) and answer the response's head."""
        with socket.create_connection(('127.0.0.1', int(self.suite.gateways[0].fields['port'])), timeout=10) as s:
            s.sendall(request)
            head = b''
            while b'\r\n\r\n' not in head:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
        return head.split(b'\r\n\r\n', 1)[0].decode('latin-1')

    # -- the tests ------------------------------------------------------------

    def test_a_request_is_traced_through_every_service(self):
        fresh = self.session.create_token(['teamsRead'])      # not in the verdict cache: r5-token verifies it
        response = bearer(self.base, fresh['value'], 'query ListTeams { teams(first: 5) { nodes { id } } }',
                          headers={'X-Request-Id': 'client-req-42',
                                   'traceparent': '00-%s-%s-01' % (TRACE_ID, PARENT_SPAN)})
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.headers['X-Request-Id'], 'client-req-42')

        line = self.access('client-req-42')
        self.assertEqual(line['level'], 'info')
        self.assertEqual(line['trace_id'], TRACE_ID)
        self.assertEqual(line['parent_span_id'], PARENT_SPAN)
        self.assertEqual((line['method'], line['route'], line['status']), ('POST', '/graphql', 200))
        self.assertEqual((line['operation'], line['operation_type']), ('ListTeams', 'query'))
        self.assertEqual(line['token_id'], node_parts(fresh['personalAccessToken']['id'])[1])
        self.assertTrue(line['user_id'])
        self.assertEqual(line['client'], '127.0.0.1')
        self.assertIsInstance(line['duration_ms'], int)
        self.assertGreater(line['bytes'], len(response.body))
        # The services saw the gateway's own id, never the client's.
        self.assertRegex(line['bus_request_id'], OWN_ID)

        # Every service that worked on it wrote the trace id, under the bus id.
        for name in ('r5-token', 'r5-resource', 'r5-authz'):
            traced = self.wait_for(name, lambda e: e.get('trace_id') == TRACE_ID)
            self.assertTrue(traced, '%s wrote no line with the trace id' % name)
            self.assertTrue(all(e['request_id'].startswith(line['bus_request_id']) for e in traced), traced)
            self.assertTrue(all(e['span_id'] != line['span_id'] for e in traced))

    def test_every_line_is_json_and_no_token_is_written(self):
        # Some traffic: a success, a refusal, a bad credential.
        bearer(self.base, self.token['value'], '{ teams(first: 1) { nodes { id } } }')
        bearer(self.base, 'r5p_' + 'x' * 40, '{ viewer { id } }')
        http(self.base + '/healthz')
        self.access(http(self.base + '/healthz').headers['X-Request-Id'])
        session_cookie = self.session.cookie.split('=', 1)[1]
        for name in R5_PROCESSES:
            lines = self.lines(name)
            self.assertTrue(lines, name)
            for text in lines:
                event = json.loads(text)
                self.assertIsInstance(event, dict, text)
                for key in ('time', 'level', 'service', 'message'):
                    self.assertIn(key, event, text)
                self.assertRegex(event['time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
                self.assertEqual(event['service'], name)
                self.assertNotIn(self.token['value'], text)
                self.assertNotIn('r5p_', text)
                self.assertNotIn(session_cookie, text)

    def test_libmongoc_writes_through_the_logger(self):
        warned = [e for e in self.events('r5-token')
                  if e['message'].startswith('mongoc ') and 'r5unknownoption' in e['message'].lower()]
        self.assertTrue(warned, 'libmongoc warned nothing about the unknown URI option')
        self.assertEqual(warned[0]['level'], 'warn', warned)
        self.assertTrue(warned[0]['message'].startswith('mongoc '), warned[0])

    def test_hostile_request_ids_are_replaced(self):
        hostile = ['x' * 129, 'has space', 'ctl\x01char', 'caf\xe9', '']
        for value in hostile:
            head = self.raw(b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: ' + value.encode('latin-1')
                            + b'\r\nConnection: close\r\n\r\n')
            # civetweb refuses a control character in a header itself (400): that
            # answer carries an id too.
            status = head.split('\r\n', 1)[0]
            self.assertIn(' 400 ' if '\x01' in value else ' 200 ', status, repr(value))
            ids = re.findall(r'^X-Request-Id: (.*)$', head, re.M)
            self.assertEqual(len(ids), 1, head)
            self.assertRegex(ids[0], OWN_ID, repr(value))
            self.access(ids[0])
        longest = 'a' * 128
        self.assertEqual(http(self.base + '/healthz', headers={'X-Request-Id': longest}).headers['X-Request-Id'],
                         longest)

    def test_invalid_traceparent_starts_a_trace(self):
        for value in ['00-%s-%s-01' % ('0' * 32, PARENT_SPAN), '00-%s-%s-01' % (TRACE_ID, '0' * 16),
                      '00-%s-%s-01' % (TRACE_ID.upper(), PARENT_SPAN), 'ff-%s-%s-01' % (TRACE_ID, PARENT_SPAN)]:
            response = http(self.base + '/healthz', headers={'traceparent': value})
            line = self.access(response.headers['X-Request-Id'])
            self.assertRegex(line['trace_id'], r'^[0-9a-f]{32}$')
            self.assertNotIn(line['trace_id'], (TRACE_ID, '0' * 32))
            self.assertNotIn('parent_span_id', line)

    def test_every_response_carries_a_request_id(self):
        answers = {
            'no credential (401)': bearer(self.base, None, '{ viewer { id } }'),
            'bad credential (401)': bearer(self.base, 'r5p_nope', '{ viewer { id } }'),
            'bad login (401)': Session(self.base).post('/auth/login', {'email': 'no@example.com', 'password': 'x' * 12}),
            'unknown integration (404)': http(self.base + '/integrations/nope', 'POST', {'a': 1},
                                              {'Content-Type': 'application/json'}),
            'unknown path (404)': http(self.base + '/no/such/path'),
            'OPTIONS (204)': http(self.base + '/graphql', 'OPTIONS'),
            'PUT (405)': http(self.base + '/graphql', 'PUT', b''),
            'readyz': http(self.suite.admin_url() + '/readyz'),
            'metrics': http(self.suite.admin_url() + '/metrics'),
            'schema': http(self.base + '/schema.graphql', headers={'Authorization': 'Bearer ' + self.token['value']}),
        }
        for what, response in answers.items():
            request_id = response.headers.get('X-Request-Id')
            self.assertRegex(request_id or '', OWN_ID, what)
            self.assertEqual(self.access(request_id)['status'], response.status, what)
        # Ambiguous framing (400): answered with an id, and the connection closed.
        head = self.raw(b'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd')
        self.assertIn(' 400 ', head.split('\r\n', 1)[0])
        self.assertRegex(re.search(r'^X-Request-Id: (.*)$', head, re.M).group(1), OWN_ID)

    def test_access_log_off(self):
        quiet = self.suite.start_gateway(env={'R5_ACCESS_LOG': 'off'})
        try:
            response = http('http://127.0.0.1:%s/healthz' % quiet.fields['port'], headers={'X-Request-Id': 'quiet-1'})
            self.assertEqual(response.headers['X-Request-Id'], 'quiet-1')
            with open(quiet.log_path) as f:
                before = f.read()
            # Written, it would be there within a second of the answer.
            time.sleep(1.0)
            with open(quiet.log_path) as f:
                text = f.read()
            self.assertNotIn('quiet-1', text)
            self.assertNotIn('"access"', before + text)
        finally:
            quiet.stop()
            self.suite.gateways.remove(quiet)

    def test_a_client_request_id_cannot_skip_a_change(self):
        # r5-token takes a change whose name (request id and body) it applied
        # recently for a resend and skips it. Were the client's X-Request-Id
        # that name, A, B, then A again under one id would end at B.
        token_id = self.session.create_token(['teamsRead'])['personalAccessToken']['id']
        headers = {'Content-Type': 'application/json', 'Origin': self.base, 'Cookie': self.session.cookie,
                   'X-Request-Id': 'same-id-every-time'}
        query = ('mutation($id: ID!, $d: String!) { updatePersonalAccessToken(id: $id, input: {description: $d}) '
                 '{ personalAccessToken { description } } }')
        for description in ('A', 'B', 'A'):
            response = http(self.base + '/graphql', 'POST', {'query': query, 'variables': {'id': token_id, 'd': description}},
                            headers)
            self.assertEqual(response.status, 200, response.body)
            self.assertEqual(response.headers['X-Request-Id'], 'same-id-every-time')
            body = response.json()
            self.assertEqual(body['data']['updatePersonalAccessToken']['personalAccessToken']['description'],
                             description, body)
        listed = self.session.graphql('query($id: ID!) { personalAccessToken(id: $id) { description } }',
                                      {'id': token_id}).json()
        self.assertEqual(listed['data']['personalAccessToken']['description'], 'A')


if __name__ == '__main__':
    unittest.main()
