"""Hostile HTTP against the live gateway: deeply nested JSON on every entry
point, ambiguous message framing, WebDAV and other methods, idle and slow
connections, and the admin listener. Each case is answered with a clear
error, and the gateway stays up and keeps serving everyone else."""

import json
import os
import re
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from r5client import Session, SuiteTestCase, bearer, http, r5suite

ORIGIN_HEADERS = {'Content-Type': 'application/json'}


def raw_exchange(port, data, timeout=5.0):
    """Send raw bytes on one connection; answer everything read until the
    server closes it (or the timeout), and whether it closed."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b''
        deadline = time.monotonic() + timeout
        closed = False
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                closed = True
                break
            received += chunk
        return received, closed


def statuses(raw):
    """The status codes of every HTTP response in raw, in order."""
    return [int(code) for code in re.findall(rb'HTTP/1\.[01] (\d{3}) ', raw)]


class NestingTest(SuiteTestCase):
    """Every JSON the gateway reads is refused past R5_MAX_JSON_DEPTH (64),
    before a recursive parser runs: 3,000 levels once killed a worker thread."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = Session(cls.base)
        cls.session.signup()
        cls.token = cls.session.create_token(['incidentsRead'])['value']

    def alive(self):
        self.assertTrue(self.suite.gateways[0].alive(), 'the gateway died')
        self.assertEqual(http(self.base + '/healthz').status, 200)

    def test_deep_bodies_are_refused_on_every_entry_point(self):
        # 2,000 levels: under the 16 KiB cap of /auth bodies, and far past
        # what a worker's stack held before the depth check.
        deep = '[' * 2000 + ']' * 2000
        deep_object = '{"a":' * 1500 + '1' + '}' * 1500
        origin = {'Content-Type': 'application/json', 'Origin': self.base}
        bodies = [
            ('/auth/login', deep, origin),
            ('/auth/login', deep_object, origin),
            ('/auth/signup', deep, origin),
            ('/auth/logout', deep, origin),
            ('/graphql', deep, {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token}),
            ('/graphql', json.dumps({'query': '{ viewer { id } }'})[:-1] + ', "variables": {"x": ' + deep + '}}',
             {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token}),
            ('/graphql', json.dumps({'query': '{ viewer { id } }'})[:-1] + ', "extensions": {"x": ' + deep + '}}',
             {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token}),
        ]
        for path, body, headers in bodies:
            response = http(self.base + path, 'POST', body.encode(), headers)
            self.assertEqual(response.status, 400, path)
            self.assertIn('nested too deeply', response.body.decode(), path)
            self.alive()
        # Without a credential /graphql answers 401 before reading the body at all.
        response = http(self.base + '/graphql', 'POST', deep.encode(), {'Content-Type': 'application/json'})
        self.assertEqual(response.status, 401)
        self.alive()

    def test_deep_integration_alert_is_refused(self):
        # A well-formed key reaches the body parser whether or not it exists.
        response = http(self.base + '/integrations/r5i_' + 'a' * 32, 'POST', ('[' * 3000 + ']' * 3000).encode(),
                        ORIGIN_HEADERS)
        self.assertEqual(response.status, 400)
        self.assertIn('nested too deeply', response.body.decode())
        self.alive()

    def test_deep_get_parameters_are_refused(self):
        for name in ('variables', 'extensions'):
            url = (self.base + '/graphql?query=' + urllib.parse.quote('{ viewer { id } }') + '&' + name + '='
                   + urllib.parse.quote('{"x":' + '[' * 1500 + ']' * 1500 + '}'))
            response = http(url, 'GET', None, {'Authorization': 'Bearer ' + self.token})
            self.assertEqual(response.status, 400, name)
            self.assertIn('nested too deeply', response.json()['errors'][0]['message'], name)
            self.alive()

    def test_nesting_at_the_limit_is_accepted(self):
        # The body object, variables and 62 levels: 64 in all, still parsed.
        variables = {'x': json.loads('[' * 62 + ']' * 62)}
        response = bearer(self.base, self.token, 'query($x: String) { viewer { id } }', variables,
                          {'Accept': 'application/graphql-response+json'})
        # The variable has the wrong type (a list for a String), which GraphQL
        # answers as a request error (400 to a client that asks for
        # graphql-response+json): the point is that it was parsed.
        self.assertEqual(response.status, 400)
        self.assertNotIn('nested too deeply', response.body.decode())
        self.assertEqual(bearer(self.base, self.token, '{ viewer { id } }').status, 200)

    def test_wrongly_typed_extensions_are_refused(self):
        response = http(self.base + '/graphql', 'POST', json.dumps({'query': '{ viewer { id } }', 'extensions': 3}).encode(),
                        {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token})
        self.assertEqual(response.status, 400)


class FramingAndMethodsTest(SuiteTestCase):
    """Ambiguous framing is refused and the connection closed, so nothing is
    smuggled behind it; only GET, HEAD, POST (and OPTIONS) reach r5."""

    def port(self):
        return int(self.suite.gateways[0].fields['port'])

    def test_content_length_with_transfer_encoding(self):
        smuggled = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
        chunk = b'0\r\n\r\n'
        request = (b'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                   b'Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n' % len(chunk + smuggled)) + chunk + smuggled
        raw, closed = raw_exchange(self.port(), request)
        self.assertEqual(statuses(raw), [400], raw)
        self.assertTrue(closed, 'the connection stayed open after ambiguous framing')

    def test_two_different_content_lengths(self):
        smuggled = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
        request = (b'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                   b'Content-Length: 0\r\nContent-Length: %d\r\n\r\n' % len(smuggled)) + smuggled
        raw, closed = raw_exchange(self.port(), request)
        self.assertEqual(statuses(raw), [400], raw)
        self.assertTrue(closed)

    def test_content_length_list_and_junk(self):
        # An empty value civetweb itself refuses with 411 (and closes).
        for value, status in ((b'5, 5', 400), (b'+5', 400), (b'5x', 400), (b'', 411)):
            request = (b'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                       b'Content-Length: ' + value + b'\r\n\r\nhello')
            raw, closed = raw_exchange(self.port(), request)
            self.assertEqual(statuses(raw), [status], (value, raw))
            self.assertTrue(closed, value)

    def test_two_transfer_encodings(self):
        request = (b'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                   b'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n')
        raw, closed = raw_exchange(self.port(), request)
        self.assertEqual(statuses(raw), [400], raw)
        self.assertTrue(closed)

    def test_plain_keep_alive_still_works(self):
        # Two well-framed requests on one connection: both answered.
        one = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
        raw, _ = raw_exchange(self.port(), one + one, timeout=1.0)
        self.assertEqual(statuses(raw), [200, 200], raw)

    def test_webdav_put_delete_are_405(self):
        for method in ('PUT', 'DELETE', 'PROPFIND', 'MKCOL', 'PROPPATCH', 'LOCK', 'UNLOCK', 'PATCH', 'CONNECT'):
            for path in ('/', '/index.html', '/js/app.js', '/graphql', '/new-file.txt'):
                response = http(self.base + path, method, b'<x/>', {'Content-Type': 'text/xml'})
                self.assertEqual(response.status, 405, (method, path))
                self.assertNotIn('WWW-Authenticate', response.headers, (method, path))
                self.assertEqual(response.headers['Allow'], 'GET, HEAD, POST, OPTIONS', (method, path))
        # Methods civetweb does not know it refuses itself, before r5 sees them.
        for method in ('COPY', 'MOVE', 'TRACE', 'BREW'):
            response = http(self.base + '/index.html', method, b'<x/>', {'Content-Type': 'text/xml'})
            self.assertEqual(response.status, 400, method)
        # Nothing was written into the web root.
        self.assertEqual(http(self.base + '/new-file.txt').status, 404)

    def test_options_lists_only_what_is_served(self):
        response = http(self.base + '/graphql', 'OPTIONS')
        self.assertEqual(response.status, 204)
        self.assertEqual(response.headers['Allow'], 'GET, HEAD, POST, OPTIONS')
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)


class NoFilesystemPerRequestTest(SuiteTestCase):
    """An API request makes no filesystem call in the gateway: civetweb's
    .htpasswd lookup (a stat of "/.htpasswd" for every handler-served
    request) is off, watched with strace on the live process."""

    def test_api_requests_make_no_filesystem_call(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        pid = self.suite.gateways[0].popen.pid
        with tempfile.NamedTemporaryFile('r', suffix='.strace') as trace:
            tracer = subprocess.Popen(['strace', '-f', '-p', str(pid), '-e', 'trace=%file', '-o', trace.name],
                                      stderr=subprocess.PIPE, text=True)
            try:
                attached = tracer.stderr.readline()     # "Process N attached with M threads", once all are
                if 'Operation not permitted' in attached:
                    self.skipTest('ptrace is not permitted here: ' + attached.strip())
                self.assertIn('attached', attached)
                for _ in range(25):
                    self.assertEqual(bearer(self.base, token, '{ viewer { id } }').status, 200)
                    self.assertEqual(session.graphql('{ viewer { name } }').status, 200)
            finally:
                tracer.send_signal(signal.SIGINT)
                tracer.wait(timeout=30)
                tracer.stderr.close()
            # ThreadSanitizer's runtime rereads /proc/self/maps in its own
            # thread; that is the sanitizer build's, not the request path's.
            calls = [line for line in trace.read().splitlines()
                     if '(' in line and 'resumed' not in line and '"/proc/self/maps"' not in line]
        self.assertEqual(calls, [], 'filesystem calls during 50 API requests:\n' + '\n'.join(calls[:20]))


class OpenFilesTest(SuiteTestCase):
    """A gateway's threads each need a few open files under load (their
    connection, their broker socket). It raises its soft limit as far as the
    hard one allows, and refuses to start when even that is too low, rather
    than failing requests (or, before, aborting in czmq) at the thousandth
    connection."""

    def gateway_env(self):
        env = self.suite.env()
        env['R5_BUS_KEY'] = self.suite.key('gateway.key_secret')
        return env

    def test_too_low_a_hard_limit_refuses_to_start(self):
        result = subprocess.run(['prlimit', '--nofile=512:512', self.suite.binary('r5-gateway'), '--listen', '127.0.0.1:0'],
                                env=self.gateway_env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn('threads need up to', result.stderr)
        self.assertIn('lower R5_THREADS', result.stderr)

    def test_the_soft_limit_is_raised(self):
        log = os.path.join(self.data_dir, 'logs', 'r5-gateway-prlimit.log')
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        gateway = r5suite.Process('r5-gateway', ['prlimit', '--nofile=512:%d' % hard, self.suite.binary('r5-gateway'),
                                                 '--listen', '127.0.0.1:0'], self.gateway_env(), log)
        try:
            with open('/proc/%d/limits' % gateway.popen.pid) as limits:
                line = next(l for l in limits if l.startswith('Max open files'))
            soft = int(line.split()[3])
            self.assertGreater(soft, 512, line)
            self.assertEqual(http('http://127.0.0.1:%s/healthz' % gateway.fields['port']).status, 200)
        finally:
            gateway.stop()

    """With R5_ADMIN_LISTEN, /metrics and /readyz are served there and not on
    the public listener."""

    suite_env = {'R5_ADMIN_LISTEN': '127.0.0.1:0'}

    def test_operator_endpoints_move_to_the_admin_listener(self):
        admin = self.suite.admin_url()
        self.assertNotEqual(admin, self.base)
        self.assertEqual(http(admin + '/readyz').status, 200)
        self.assertEqual(http(admin + '/metrics').status, 200)
        self.assertIn(b'r5_gateway_requests_total', http(admin + '/metrics').body)
        self.assertEqual(http(admin + '/healthz').status, 200)
        self.assertEqual(http(self.base + '/metrics').status, 404)
        self.assertEqual(http(self.base + '/readyz').status, 404)
        self.assertEqual(http(self.base + '/healthz').status, 200)
        # Nothing else is served on the admin listener.
        self.assertEqual(http(admin + '/graphql', 'POST', b'{"query":"{ viewer { id } }"}', ORIGIN_HEADERS).status, 404)
        self.assertEqual(http(admin + '/').status, 404)


class IdleConnectionsTest(SuiteTestCase):
    """500 idle connections and a slow sender do not starve other clients.
    The latency figure comes from tests/bench/idle_connections.py."""

    suite_env = {'R5_REQUEST_TIMEOUT_MS': '2000'}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        session = Session(cls.base)
        session.signup()
        cls.token = session.create_token(['incidentsRead'])['value']

    def test_500_idle_connections(self):
        port = int(self.suite.gateways[0].fields['port'])
        idle = []
        try:
            for _ in range(500):
                idle.append(socket.create_connection(('127.0.0.1', port), timeout=5))
            # A slowloris: headers trickled a byte at a time.
            slow = socket.create_connection(('127.0.0.1', port), timeout=5)
            idle.append(slow)
            slow.sendall(b'GET /healthz HTTP/1.1\r\n')
            self.assertEqual(http(self.base + '/healthz', timeout=5).status, 200)
            self.assertEqual(bearer(self.base, self.token, '{ viewer { id } }').status, 200)
            # The slow sender is cut off at the request timeout (2 s here), however it trickles.
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < 8:
                try:
                    slow.sendall(b'X')
                    slow.settimeout(0.5)
                    if slow.recv(1024) == b'':
                        closed = True
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed = True
                    break
            self.assertTrue(closed, 'a client trickling its headers kept its connection past the request timeout')
        finally:
            for sock in idle:
                sock.close()

    def test_slow_body_is_cut_off(self):
        port = int(self.suite.gateways[0].fields['port'])
        with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
            sock.sendall(b'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                         b'Authorization: Bearer ' + self.token.encode() + b'\r\n'
                         b'Content-Length: 100000\r\n\r\n{')
            started = time.monotonic()
            answer = b''
            stop = threading.Event()

            def trickle():
                while not stop.is_set():
                    try:
                        sock.sendall(b' ' * 50)
                    except OSError:
                        return
                    stop.wait(0.1)
            feeder = threading.Thread(target=trickle)
            feeder.start()
            try:
                while time.monotonic() - started < 10:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                    if b'\r\n\r\n' in answer:
                        break
            finally:
                stop.set()
                feeder.join()
            self.assertEqual(statuses(answer)[:1], [408], answer)


if __name__ == '__main__':
    unittest.main()
