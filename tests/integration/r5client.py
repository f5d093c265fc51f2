"""r5client: what the integration tests share — a running suite per test
class, and HTTP calls made exactly as a client would make them."""

import base64
import http.client as http_client
import json
import os
import re
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
BUILD_DIR = os.environ.get('R5_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
sys.path.insert(0, os.path.join(SOURCE_DIR, 'deploy'))

import r5suite  # noqa: E402


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def http(url, method='GET', body=None, headers=None, timeout=30, source=None):
    """One HTTP request; answers a Response for every status (4xx/5xx too).

    source: the client address to connect from (any of 127.0.0.0/8 reaches a
    gateway on 127.0.0.1), so a test can be several clients at once."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    if source:
        parts = urllib.parse.urlsplit(url)
        connection = http_client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                                source_address=(source, 0))
        try:
            connection.request(method, parts.path + ('?' + parts.query if parts.query else ''), data, headers or {})
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class Session:
    """A person in a browser: a cookie jar and the same-origin headers."""

    def __init__(self, base, source=None):
        self.base = base
        self.source = source
        self.cookie = None

    def post(self, path, payload):
        headers = {'Content-Type': 'application/json', 'Origin': self.base}
        if self.cookie:
            headers['Cookie'] = self.cookie
        response = http(self.base + path, 'POST', payload, headers, source=self.source)
        set_cookie = response.headers.get('Set-Cookie')
        if set_cookie:
            self.cookie = set_cookie.split(';', 1)[0]
        return response

    def graphql(self, query, variables=None):
        return self.post('/graphql', {'query': query, 'variables': variables or {}})

    def signup(self, email=None, account='Acme', name='Ada Owner', password='correct horse battery'):
        email = email or 'owner-%s@example.com' % uuid.uuid4().hex[:8]
        response = self.post('/auth/signup', {'accountName': account, 'name': name, 'email': email,
                                              'password': password})
        assert response.status == 201, (response.status, response.body)
        return response.json()['user']

    def create_member(self, password='correct horse battery'):
        """A MEMBER of this session's account, made by this session, and the
        member's own signed-in Session: (user {id}, session)."""
        email = 'member-%s@example.com' % uuid.uuid4().hex[:8]
        user = graphql_ok(self.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
                                       {'input': {'email': email, 'name': 'Mem', 'role': 'MEMBER', 'password': password}}),
                          'createUser', 'user')
        session = Session(self.base, self.source)
        response = session.post('/auth/login', {'email': email, 'password': password})
        assert response.status == 200, (response.status, response.body)
        return user, session

    def create_token(self, scopes, description='test token'):
        response = self.graphql('mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) '
                                '{ personalAccessToken { id description scopes hint } value } }',
                                {'input': {'description': description, 'scopes': scopes}})
        body = response.json()
        assert response.status == 200 and not body.get('errors'), body
        return body['data']['createPersonalAccessToken']


def bearer(base, token, query, variables=None, headers=None):
    """A GraphQL POST with a bearer token, as an API client sends it."""
    all_headers = {'Content-Type': 'application/json'}
    if token is not None:
        all_headers['Authorization'] = 'Bearer ' + token
    all_headers.update(headers or {})
    return http(base + '/graphql', 'POST', {'query': query, 'variables': variables or {}}, all_headers)


# Most tests are one client (127.0.0.1) signing up many accounts: the
# per-address limits of production would refuse them. Tests of those limits
# set production_limits = True and act from addresses of their own.
TEST_LIMITS = {'R5_SIGNUP_LIMIT_PER_ADDRESS': '1000000/60', 'R5_LOGIN_LIMIT_PER_ADDRESS': '1000000/60',
               # Load tests send a user's 5,000 points an hour in a minute: a budget
               # too large to reach keeps the limits' code and headers on the path.
               'R5_RATE_LIMIT_POINTS': '1000000000'}


class SuiteTestCase(unittest.TestCase):
    """Starts one real suite (dev MongoDB, broker, services, gateway) for the class."""

    suite_env = {}
    production_limits = False

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        env = dict(cls.suite_env) if cls.production_limits else dict(TEST_LIMITS, **cls.suite_env)
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, env=env)
        cls.suite.start()
        cls.base = cls.suite.url()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()


def graphql_ok(response, *path):
    """The data of a 200 answer without errors, followed down path (keys)."""
    body = response.json()
    assert response.status == 200 and not body.get('errors'), (response.status, body)
    data = body['data']
    for key in path:
        data = data[key]
    return data


def node_parts(global_id):
    """(type, service id) inside a global id (docs/api.md, "Node ids"). For
    tests and benchmarks that look into MongoDB; clients must never parse ids."""
    text = base64.urlsafe_b64decode(global_id + '=' * (-len(global_id) % 4)).decode()
    _, type_name, service_id = text.split(':')
    return type_name, service_id


def node_id(type_name, service_id):
    """The global id the gateway would write for type_name's service_id: for
    tests that need ids of objects that do not exist."""
    return base64.urlsafe_b64encode(('r5n1:%s:%s' % (type_name, service_id)).encode()).decode().rstrip('=')


def busy_workers(suite, service):
    """r5_broker_workers_busy{service=...} summed over the suite's brokers:
    how many of service's workers hold a request (the signal that a request
    reached a worker, where a fixed pause would be a guess)."""
    total = 0
    for broker in suite.brokers:
        text = http(suite.metrics_url(broker), timeout=5).body.decode()
        match = re.search(r'^r5_broker_workers_busy\{service="%s"\} (\d+)' % re.escape(service), text, re.M)
        total += int(match.group(1)) if match else 0
    return total


def wait_busy(suite, service, count=1, timeout=15.0):
    """Whether busy_workers reaches count within timeout."""
    deadline = time.monotonic() + timeout
    while busy_workers(suite, service) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)    # polling the brokers' metrics: nothing to wait on
    return True


def bus_socket(context, suite, kind, key=None, endpoint=None):
    """A ZeroMQ socket to the suite's first broker, as another process on the
    bus would open it: a CURVE client with the key pair key.key_secret from
    the suite's key directory (key None: no CURVE at all, the NULL mechanism).
    endpoint: which of the broker's endpoints (default its request ROUTER)."""
    import zmq
    import zmq.auth
    socket = context.socket(kind)
    socket.setsockopt(zmq.LINGER, 0)
    if key is not None:
        public, secret = zmq.auth.load_certificate(key if os.path.isabs(key) else suite.key(key + '.key_secret'))
        socket.curve_publickey = public
        socket.curve_secretkey = secret
        socket.curve_serverkey = zmq.auth.load_certificate(suite.key('broker.key'))[0]
    socket.connect(endpoint or suite.brokers[0].fields['endpoint'])
    return socket


class FailPointTestCase(unittest.TestCase):
    """A suite whose dev MongoDB runs with MongoDB's test commands, so a test
    can make r5's next command fail as a real deployment would (failCommand).
    cls.mongo is the test's own connection; fail_next arms one failure for
    r5's connections (appName "r5"); every test ends with the fail point off."""

    suite_env = {}
    brokers = 1

    @classmethod
    def setUpClass(cls):
        import pymongo
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, env=dict(TEST_LIMITS, **cls.suite_env), brokers=cls.brokers)
        try:
            devmongo = cls.suite._start('r5-devmongo', [
                '/usr/bin/python3', os.path.join(SOURCE_DIR, 'deploy', 'devmongo', 'r5-devmongo'),
                '--data-dir', os.path.join(cls.data_dir, 'mongo'), '--port', '0', '--enable-test-commands'])
            port = devmongo.fields['port']
            cls.suite.mongodb_uri = 'mongodb://127.0.0.1:%s/r5?serverSelectionTimeoutMS=3000' % port
            cls.suite.start()
        except BaseException:
            cls.suite.stop()
            raise
        cls.base = cls.suite.url()
        cls.mongo = pymongo.MongoClient('127.0.0.1', int(port), appname=cls.__name__)

    @classmethod
    def tearDownClass(cls):
        cls.mongo.close()
        cls.suite.stop()

    def tearDown(self):
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})

    def fail_next(self, **data):
        data['appName'] = 'r5'
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1}, 'data': data})
