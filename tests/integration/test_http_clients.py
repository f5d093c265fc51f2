"""HTTP as GraphQL clients read it (issue 16, item 5): every /graphql answer,
401 included, in the media type the client asked for; request errors 200 for
legacy application/json clients; Apollo's automatic persisted queries; CORS
from one explicit allow-list, for preflights and answers alike."""

import hashlib
import json
import re
import urllib.parse
import uuid

from r5client import Session, SuiteTestCase, bearer, http

GRAPHQL = 'application/graphql-response+json'
JSON = 'application/json'

# Accept header (None: not sent) -> the media type of the answer.
ACCEPTS = [
    (None, JSON),
    ('application/json', JSON),
    ('*/*', JSON),
    (GRAPHQL, GRAPHQL),
    (GRAPHQL + ', application/json;q=0.9', GRAPHQL),
    ('application/json, ' + GRAPHQL, GRAPHQL),
    (GRAPHQL + ';q=0, application/json', JSON),
]

# A token of the right shape and checksum that names no token.
UNKNOWN_TOKEN = 'r5p_' + '0' * 30 + '000000'


def media_type(response):
    return (response.headers.get('Content-Type') or '').split(';')[0].strip()


def accept(value):
    return {'Accept': value} if value else {}


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest, version=1):
    return {'persistedQuery': {'version': version, 'sha256Hash': digest}}


class MediaTypeTest(SuiteTestCase):
    """The answer's Content-Type is the one negotiated from Accept, whatever
    the status: Apollo Client reads a 401's errors only when it is labelled
    as it asked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = Session(cls.base)
        cls.owner.signup()
        cls.token = cls.owner.create_token(['incidentsRead'])['value']

    def post(self, body, headers, token=None):
        all_headers = {'Content-Type': 'application/json'}
        if token:
            all_headers['Authorization'] = 'Bearer ' + token
        all_headers.update(headers)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return http(self.base + '/graphql', 'POST', data, all_headers)

    def test_401_in_the_media_type_asked_for(self):
        for value, expected in ACCEPTS:
            for credential in (None, 'not-a-token', UNKNOWN_TOKEN):
                with self.subTest(accept=value, credential=credential):
                    headers = accept(value)
                    if credential:
                        headers['Authorization'] = 'Bearer ' + credential
                    response = self.post({'query': '{ viewer { id } }'}, headers)
                    self.assertEqual(response.status, 401)
                    self.assertEqual(media_type(response), expected)
                    self.assertTrue(response.headers['WWW-Authenticate'].startswith('Bearer'))
                    self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'UNAUTHENTICATED')
            # GET too.
            response = http(self.base + '/graphql?query=' + urllib.parse.quote('{ viewer { id } }'), 'GET', None,
                            accept(value))
            self.assertEqual((response.status, media_type(response)), (401, expected), value)

    def test_401_of_a_deactivated_user_in_the_media_type_asked_for(self):
        email = 'member-%s@example.com' % uuid.uuid4().hex[:8]
        created = self.owner.graphql(
            'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
            {'input': {'email': email, 'name': 'Member', 'role': 'MEMBER', 'password': 'correct horse battery'}})
        user_id = created.json()['data']['createUser']['user']['id']
        member = Session(self.base)
        self.assertEqual(member.post('/auth/login', {'email': email, 'password': 'correct horse battery'}).status, 200)
        token = member.create_token(['incidentsRead'])['value']
        deactivated = self.owner.graphql('mutation($id: ID!) { deactivateUser(id: $id) { user { active } } }',
                                         {'id': user_id})
        self.assertEqual(deactivated.json()['data']['deactivateUser']['user']['active'], False)
        for value, expected in ACCEPTS:
            response = bearer(self.base, token, '{ viewer { id } }', headers=accept(value))
            self.assertEqual((response.status, media_type(response)), (401, expected), value)
            self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'UNAUTHENTICATED')

    def test_refusals_before_execution_in_the_media_type_asked_for(self):
        cases = [
            # name, body, extra headers, status
            ('not JSON', b'{"query": ', {}, 400),
            ('not an object', b'[1]', {}, 400),
            ('wrong content type', b'query { viewer { id } }', {'Content-Type': 'application/graphql'}, 415),
            ('body over the cap', {'query': '{ viewer { id } }' + ' ' * (2 * 1024 * 1024)}, {}, 413),
        ]
        for value, expected in ACCEPTS:
            for name, body, headers, status in cases:
                with self.subTest(accept=value, case=name):
                    response = self.post(body, dict(accept(value), **headers), self.token)
                    self.assertEqual(response.status, status)
                    self.assertEqual(media_type(response), expected)
                    self.assertTrue(response.json()['errors'])
            query = urllib.parse.quote('mutation { deletePersonalAccessToken(id: "000000000000000000000000") { deletedId } }')
            response = http(self.base + '/graphql?query=' + query, 'GET', None,
                            dict(accept(value), Authorization='Bearer ' + self.token))
            self.assertEqual((response.status, media_type(response)), (405, expected), value)

    def test_request_errors_are_200_for_legacy_clients_and_400_otherwise(self):
        documents = [
            ('{ viewer { id }', 'GRAPHQL_PARSE_FAILED'),
            ('{ viewer { nosuchfield } }', 'GRAPHQL_VALIDATION_FAILED'),
            ('{ ' + ' '.join('a%d: __typename' % i for i in range(31)) + ' }', 'QUERY_TOO_COMPLEX'),
        ]
        for value, expected in ACCEPTS:
            for document, code in documents:
                with self.subTest(accept=value, code=code):
                    response = bearer(self.base, self.token, document, headers=accept(value))
                    self.assertEqual(response.status, 400 if expected == GRAPHQL else 200)
                    self.assertEqual(media_type(response), expected)
                    body = response.json()
                    self.assertNotIn('data', body)
                    self.assertEqual(body['errors'][0]['extensions']['code'], code)

    def test_extensions_of_the_wrong_type_are_400(self):
        for extensions in ('x', 5, [], True):
            for value, expected in ACCEPTS[:1] + ACCEPTS[3:4]:
                with self.subTest(extensions=extensions, accept=value):
                    response = self.post({'query': '{ viewer { id } }', 'extensions': extensions},
                                         accept(value), self.token)
                    self.assertEqual(response.status, 400)
                    self.assertEqual(media_type(response), expected)
                    self.assertEqual(response.json()['errors'][0]['extensions']['code'], 'BAD_REQUEST')
                    response = http(self.base + '/graphql?' + urllib.parse.urlencode(
                        {'query': '{ viewer { id } }', 'extensions': json.dumps(extensions)}), 'GET', None,
                        dict(accept(value), Authorization='Bearer ' + self.token))
                    self.assertEqual(response.status, 400)
        # An object or null is fine.
        for extensions in ({}, None, {'somethingElse': 1}):
            response = self.post({'query': '{ viewer { id } }', 'extensions': extensions}, {}, self.token)
            self.assertEqual(response.status, 200, extensions)


class PersistedQueryTest(SuiteTestCase):
    """Apollo's automatic persisted queries: a hash alone misses until the
    text has been sent once with it, then stands for the text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        session = Session(cls.base)
        cls.user = session.signup()
        cls.token = session.create_token(['incidentsRead'])['value']

    def post(self, body, headers=None):
        all_headers = {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.token}
        all_headers.update(headers or {})
        return http(self.base + '/graphql', 'POST', body, all_headers)

    def get(self, params, headers=None):
        encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        return http(self.base + '/graphql?' + urllib.parse.urlencode(encoded), 'GET', None,
                    dict(headers or {}, Authorization='Bearer ' + self.token))

    def assert_not_found(self, response):
        self.assertEqual(response.status, 200)
        error = response.json()['errors'][0]
        self.assertEqual(error['message'], 'PersistedQueryNotFound')
        self.assertEqual(error['extensions']['code'], 'PERSISTED_QUERY_NOT_FOUND')

    def test_round_trip_post(self):
        query = 'query Who { viewer { id name } } # %s' % uuid.uuid4().hex
        digest = sha256(query)
        # A hash alone misses, for either media type.
        self.assert_not_found(self.post({'extensions': persisted(digest)}))
        self.assert_not_found(self.post({'extensions': persisted(digest)}, {'Accept': GRAPHQL}))
        # Text and hash: runs, and registers.
        first = self.post({'query': query, 'extensions': persisted(digest)})
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(first.json()['data']['viewer']['name'], self.user['name'])
        # Now the hash alone (with variables and an operation name) runs the same query.
        again = self.post({'extensions': persisted(digest), 'operationName': 'Who', 'variables': {}})
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual(again.json(), first.json())
        # A query string that does not match its hash is refused and not stored.
        other = '{ viewer { email } } # %s' % uuid.uuid4().hex
        wrong = self.post({'query': other, 'extensions': persisted(sha256(query + ' '))})
        self.assertEqual(wrong.status, 400)
        self.assertEqual(wrong.json()['errors'][0]['extensions']['code'], 'BAD_REQUEST')
        self.assert_not_found(self.post({'extensions': persisted(sha256(query + ' '))}))
        # The stored hash still names its own text.
        self.assertEqual(self.post({'extensions': persisted(digest)}).json(), first.json())

    def test_round_trip_get(self):
        query = '{ viewer { id } } # %s' % uuid.uuid4().hex
        digest = sha256(query)
        self.assert_not_found(self.get({'extensions': persisted(digest)}))
        first = self.get({'query': query, 'extensions': persisted(digest)})
        self.assertEqual(first.status, 200, first.body)
        hit = self.get({'extensions': persisted(digest)})
        self.assertEqual((hit.status, hit.json()), (200, first.json()))
        # Registered by GET, found by POST (one cache).
        self.assertEqual(self.post({'extensions': persisted(digest)}).json(), first.json())
        # A mutation by its hash over GET is still refused.
        mutation = 'mutation { deletePersonalAccessToken(id: "000000000000000000000000") { deletedId } }'
        self.post({'query': mutation, 'extensions': persisted(sha256(mutation))})
        self.assertEqual(self.get({'extensions': persisted(sha256(mutation))}).status, 405)

    def test_malformed_persisted_queries_are_400(self):
        for extensions in ({'persistedQuery': 'x'}, persisted('abc'), persisted('z' * 64),
                           persisted(sha256('{ viewer { id } }'), version=2), {'persistedQuery': {'version': 1}}):
            with self.subTest(extensions=extensions):
                self.assertEqual(self.post({'extensions': extensions}).status, 400)
        # Neither a query nor a hash.
        self.assertEqual(self.post({'extensions': {}}).status, 400)
        self.assertEqual(self.get({'extensions': {}}).status, 400)

    def test_the_hash_does_not_skip_authentication(self):
        query = '{ viewer { id } } # %s' % uuid.uuid4().hex
        self.assertEqual(self.post({'query': query, 'extensions': persisted(sha256(query))}).status, 200)
        response = http(self.base + '/graphql', 'POST', {'extensions': persisted(sha256(query))},
                        {'Content-Type': 'application/json'})
        self.assertEqual(response.status, 401)


class PersistedQueryOffTest(SuiteTestCase):
    """R5_APQ_CACHE_ENTRIES=0: a persisted query is answered as Apollo's
    servers answer when they do not support them."""

    suite_env = {'R5_APQ_CACHE_ENTRIES': '0'}

    def test_not_supported(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        query = '{ viewer { id } }'
        for body in ({'extensions': persisted(sha256(query))},
                     {'query': query, 'extensions': persisted(sha256(query))}):
            response = http(self.base + '/graphql', 'POST', body,
                            {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token})
            self.assertEqual(response.status, 200)
            error = response.json()['errors'][0]
            self.assertEqual(error['message'], 'PersistedQueryNotSupported')
            self.assertEqual(error['extensions']['code'], 'PERSISTED_QUERY_NOT_SUPPORTED')


ALLOWED = 'https://app.example.com'
ALSO_ALLOWED = 'http://localhost:5173'
STRANGER = 'https://evil.example.net'
# The longest origin the gateway echoes (300 characters).
LONGEST_ALLOWED = 'https://' + 'a' * 284 + '.example'


def preflight(base, path, origin, method='POST', headers='authorization, content-type'):
    return http(base + path, 'OPTIONS', None, {'Origin': origin, 'Access-Control-Request-Method': method,
                                               'Access-Control-Request-Headers': headers})


class CorsTest(SuiteTestCase):
    """R5_CORS_ORIGINS: the listed origins, and only they, may call /graphql
    from a page, with a bearer token; the session cookie never goes cross-origin."""

    suite_env = {'R5_CORS_ORIGINS': ALLOWED + ', ' + ALSO_ALLOWED + ', ' + LONGEST_ALLOWED}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        session = Session(cls.base)
        session.signup()
        cls.session = session
        cls.token = session.create_token(['incidentsRead'])['value']

    def test_preflight_from_an_allowed_origin(self):
        for origin in (ALLOWED, ALSO_ALLOWED):
            for path in ('/graphql', '/schema.graphql'):
                with self.subTest(origin=origin, path=path):
                    response = preflight(self.base, path, origin)
                    self.assertEqual(response.status, 204)
                    self.assertEqual(response.headers['Access-Control-Allow-Origin'], origin)
                    self.assertIn('Origin', response.headers['Vary'])
                    methods = [m.strip() for m in response.headers['Access-Control-Allow-Methods'].split(',')]
                    self.assertEqual(set(methods), {'GET', 'POST', 'OPTIONS'})
                    allowed = [h.strip().lower() for h in response.headers['Access-Control-Allow-Headers'].split(',')]
                    for header in ('authorization', 'content-type', 'idempotency-key'):
                        self.assertIn(header, allowed)
                    self.assertGreater(int(response.headers['Access-Control-Max-Age']), 0)
                    self.assertNotIn('Access-Control-Allow-Credentials', response.headers)

    def test_preflight_from_another_origin_gets_no_cors_headers(self):
        for origin in (STRANGER, ALLOWED + '.evil.net', ALLOWED.replace('https', 'http'), 'null'):
            with self.subTest(origin=origin):
                response = preflight(self.base, '/graphql', origin)
                self.assertEqual(response.status, 204)
                self.assertEqual(response.headers['Allow'], 'GET, HEAD, POST, OPTIONS')
                self.assertNotIn('Access-Control-Allow-Origin', response.headers)
                self.assertNotIn('Access-Control-Allow-Methods', response.headers)

    def test_a_preflight_with_ambiguous_framing_is_still_refused(self):
        # A preflight has no body: one with Content-Length and Transfer-Encoding
        # is refused and its connection closed, so nothing is smuggled behind it.
        import socket
        port = int(self.suite.gateways[0].fields['port'])
        smuggled = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
        chunk = b'0\r\n\r\n'
        request = (b'OPTIONS /graphql HTTP/1.1\r\nHost: x\r\nOrigin: ' + ALLOWED.encode() +
                   b'\r\nAccess-Control-Request-Method: POST\r\nContent-Length: %d\r\n'
                   b'Transfer-Encoding: chunked\r\n\r\n' % len(chunk + smuggled)) + chunk + smuggled
        with socket.create_connection(('127.0.0.1', port), timeout=5) as sock:
            sock.sendall(request)
            received = b''
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                received += data
        self.assertEqual(re.findall(rb'HTTP/1\.1 (\d{3}) ', received), [b'400'], received)

    def test_cookie_endpoints_are_never_shared(self):
        for path in ('/auth/login', '/auth/signup', '/auth/logout', '/integrations/x', '/'):
            with self.subTest(path=path):
                response = preflight(self.base, path, ALLOWED)
                self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        response = http(self.base + '/auth/login', 'POST', {'email': 'x@example.com', 'password': 'wrong'},
                        {'Content-Type': 'application/json', 'Origin': ALLOWED})
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        # The web UI's files neither (civetweb's own "*" is off).
        response = http(self.base + '/', 'GET', None, {'Origin': ALLOWED})
        self.assertEqual(response.status, 200)
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)

    def test_answers_to_an_allowed_origin(self):
        ok = bearer(self.base, self.token, '{ viewer { id } }', headers={'Origin': ALLOWED})
        self.assertEqual(ok.status, 200)
        refused = bearer(self.base, 'not-a-token', '{ viewer { id } }', headers={'Origin': ALLOWED, 'Accept': GRAPHQL})
        self.assertEqual(refused.status, 401)
        for response in (ok, refused):
            self.assertEqual(response.headers['Access-Control-Allow-Origin'], ALLOWED)
            self.assertIn('Origin', response.headers['Vary'])
            self.assertIn('X-Request-Id', response.headers['Access-Control-Expose-Headers'])
            self.assertNotIn('Access-Control-Allow-Credentials', response.headers)
        get = http(self.base + '/graphql?query=' + urllib.parse.quote('{ viewer { id } }'), 'GET', None,
                   {'Origin': ALSO_ALLOWED, 'Authorization': 'Bearer ' + self.token})
        self.assertEqual((get.status, get.headers['Access-Control-Allow-Origin']), (200, ALSO_ALLOWED))

    def test_the_longest_headers_arrive_whole(self):
        # The longest origin, the longest request id a client may choose and
        # the rate limits' headers: more headers than the gateway formats on
        # its stack (512 bytes), so the answer's other path must be as whole.
        request_id = 'r' * 128
        response = bearer(self.base, self.token, '{ viewer { role } }',
                          headers={'Origin': LONGEST_ALLOWED, 'X-Request-Id': request_id})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers['Access-Control-Allow-Origin'], LONGEST_ALLOWED)
        self.assertEqual(response.headers['X-Request-Id'], request_id)
        self.assertIn('X-RateLimit-Remaining', response.headers)
        self.assertEqual(response.json(), {'data': {'viewer': {'role': 'OWNER'}}})
        head = sum(len(name) + len(value) + 4 for name, value in response.headers.items()) + len('HTTP/1.1 200 OK\r\n\r\n')
        self.assertGreater(head, 512)

    def test_answers_to_another_origin_have_no_cors_headers(self):
        response = bearer(self.base, self.token, '{ viewer { id } }', headers={'Origin': STRANGER})
        self.assertEqual(response.status, 200)
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        self.assertIn('Origin', response.headers['Vary'])

    def test_the_session_cookie_stays_same_origin(self):
        # An allowed origin still cannot use the session cookie: the CSRF check holds.
        response = http(self.base + '/graphql', 'POST', {'query': '{ viewer { id } }'},
                        {'Content-Type': 'application/json', 'Origin': ALLOWED, 'Cookie': self.session.cookie})
        self.assertEqual(response.status, 403)
        self.assertNotIn('Access-Control-Allow-Credentials', response.headers)


class NoCorsTest(SuiteTestCase):
    """Without R5_CORS_ORIGINS no answer carries a CORS header."""

    def test_no_cors_headers_anywhere(self):
        for path in ('/graphql', '/auth/login', '/'):
            with self.subTest(path=path):
                response = preflight(self.base, path, ALLOWED)
                self.assertEqual(response.status, 204)
                self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        for path in ('/', '/index.html', '/graphql'):
            response = http(self.base + path, 'GET', None, {'Origin': ALLOWED})
            self.assertNotIn('Access-Control-Allow-Origin', response.headers, path)
