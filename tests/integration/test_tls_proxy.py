"""deploy/nginx/r5.conf as shipped, substituted and run for real: HTTPS in
front of the gateway, the Secure session cookie, the CSRF origin of the public
URL, and the client address taken from nginx (a forged X-Forwarded-For is
replaced, not trusted)."""

import os
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.request

from r5client import SOURCE_DIR, BUILD_DIR, Response
import r5suite


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class TlsProxyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='r5-tls-')
        port = free_port()
        cls.base = 'https://localhost:%d' % port
        cls.suite = r5suite.Suite(BUILD_DIR, os.path.join(cls.tmp, 'suite'), env={
            'R5_TRUST_PROXY': 'true', 'R5_SECURE_COOKIES': 'true', 'R5_PUBLIC_ORIGIN': cls.base})
        cls.suite.start()
        cert, key = os.path.join(cls.tmp, 'cert.pem'), os.path.join(cls.tmp, 'key.pem')
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
                        '-keyout', key, '-out', cert], check=True, capture_output=True)
        with open(os.path.join(SOURCE_DIR, 'deploy', 'nginx', 'r5.conf')) as f:
            site = f.read()
        for name, value in (('SERVER_NAME', 'localhost'), ('CERT', cert), ('KEY', key),
                            ('GATEWAY', '127.0.0.1:%s' % cls.suite.gateways[0].fields['port']), ('LISTEN', '127.0.0.1:%d' % port)):
            site = site.replace('@%s@' % name, value)
        with open(os.path.join(cls.tmp, 'r5.conf'), 'w') as f:
            f.write(site)
        with open(os.path.join(cls.tmp, 'nginx.conf'), 'w') as f:
            f.write('daemon off; pid %s/nginx.pid; error_log %s/error.log;\n'
                    'events {}\nhttp { access_log off; include %s/r5.conf; }\n' % (cls.tmp, cls.tmp, cls.tmp))
        cls.nginx = subprocess.Popen(['nginx', '-p', cls.tmp, '-c', os.path.join(cls.tmp, 'nginx.conf')],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cls.context = ssl.create_default_context(cafile=cert)
        deadline = time.monotonic() + 15
        while True:     # nginx prints nothing when ready: wait until it accepts TLS
            try:
                cls.call('/healthz')
                break
            except OSError:
                if cls.nginx.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError('nginx did not start: %s' % cls.nginx.stderr.read().decode())
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(10)
        cls.suite.stop()

    @classmethod
    def call(cls, path, body=None, headers=None):
        import json
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(cls.base + path, data=data, headers=headers or {},
                                         method='POST' if data else 'GET')
        try:
            with urllib.request.urlopen(request, context=cls.context, timeout=10) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def test_https_end_to_end(self):
        json_headers = {'Content-Type': 'application/json', 'Origin': self.base}
        signup = self.call('/auth/signup', {'accountName': 'Acme', 'name': 'Ada', 'email': 'tls@example.com',
                                            'password': 'correct horse battery'}, json_headers)
        self.assertEqual(signup.status, 201)
        cookie = signup.headers['Set-Cookie']
        self.assertIn('; Secure', cookie)
        self.assertIn('Strict-Transport-Security', signup.headers)
        session = dict(json_headers, Cookie=cookie.split(';', 1)[0])
        # The CSRF check compares against the public https origin, not the gateway's own address.
        plain_origin = dict(session, Origin='http://127.0.0.1:%s' % self.suite.gateways[0].fields['port'])
        self.assertEqual(self.call('/graphql', {'query': '{ viewer { id } }'}, plain_origin).status, 403)
        created = self.call('/graphql', {'query': 'mutation { createPersonalAccessToken(input: {description: "tls", '
                                                  'scopes: [incidentsRead]}) { personalAccessToken { id } value } }'},
                            session).json()['data']['createPersonalAccessToken']
        viewer = self.call('/graphql', {'query': '{ viewer { email } }'},
                           {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + created['value'],
                            'X-Forwarded-For': '6.6.6.6'})
        self.assertEqual(viewer.json(), {'data': {'viewer': {'email': 'tls@example.com'}}})
        used = self.call('/graphql', {'query': 'query($id: ID!) { personalAccessToken(id: $id) { lastUsedIp } }',
                                      'variables': {'id': created['personalAccessToken']['id']}}, session).json()
        self.assertEqual(used['data']['personalAccessToken']['lastUsedIp'], '127.0.0.1')

    def test_operator_endpoints_are_not_public(self):
        self.assertEqual(self.call('/metrics').status, 404)
        self.assertEqual(self.call('/readyz').status, 404)
        self.assertEqual(self.call('/healthz').status, 200)


if __name__ == '__main__':
    unittest.main()
