"""The bus trusts no one: the attacks of a process that can reach the
brokers' ports, tried with real processes. Without an allow-listed CURVE key
nothing connects; with one, a key does only what its role grants; a key is
rotated with no failed request."""

import importlib
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import zmq
import zmq.auth

from r5client import BUILD_DIR, SOURCE_DIR, Session, SuiteTestCase, bearer, bus_socket

CLIENT, WORKER = b'R5C1', b'R5W2'
READY, REQUEST, HEARTBEAT = b'\x01', b'\x02', b'\x04'
OK, FORBIDDEN = b'\x00', b'\x03'


def send_request(socket, service, body=b'', request_id=1, timeout_ms=2000):
    deadline = int(time.time() * 1000) + timeout_ms
    socket.send_multipart([b'', CLIENT, service, struct.pack('>Q', request_id), struct.pack('>q', deadline), body])


def receive(socket, timeout_ms):
    """The next message within timeout_ms, or None."""
    return socket.recv_multipart() if socket.poll(timeout_ms) else None


class BusTrustTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.context = zmq.Context()

    @classmethod
    def tearDownClass(cls):
        cls.context.destroy(linger=0)
        super().tearDownClass()

    def stranger_key(self):
        """A key pair the allow-list has never heard of."""
        directory = os.path.join(self.data_dir, 'strangers')
        os.makedirs(directory, exist_ok=True)
        public, secret = zmq.auth.create_certificates(directory, 'stranger-%d' % time.monotonic_ns())
        return secret

    def wait_for_broker_log(self, text, timeout=10.0):
        """Wait until the broker's log has a line with text (its readiness signal)."""
        path = os.path.join(self.data_dir, 'logs', 'r5-broker-0.log')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(path, errors='replace') as f:
                if text in f.read():
                    return
            time.sleep(0.05)    # polling a log file: there is nothing else to wait on
        self.fail('the broker never logged %r' % text)

    def token_value(self):
        session = Session(self.base)
        session.signup(name='Ada Owner')
        return session.create_token(['incidentsRead'])['value']

    def test_no_key_or_an_unknown_key_gets_no_connection_on_any_port(self):
        broker = self.suite.brokers[0].fields
        for key in (None, self.stranger_key()):
            with self.subTest(key='NULL mechanism' if key is None else 'unknown key'):
                requester = bus_socket(self.context, self.suite, zmq.DEALER, key=key)
                send_request(requester, b'r5.token')
                self.assertIsNone(receive(requester, 1000), 'the broker answered a peer it must not admit')
                requester.close()

                # Events: a forged invalidation published on events_in reaches
                # no subscriber, and a subscriber on events_out hears nothing.
                listener = bus_socket(self.context, self.suite, zmq.SUB, key='gateway', endpoint=broker['events_out'])
                listener.setsockopt(zmq.SUBSCRIBE, b'token.')
                publisher = bus_socket(self.context, self.suite, zmq.PUB, key=key, endpoint=broker['events_in'])
                eavesdropper = bus_socket(self.context, self.suite, zmq.SUB, key=key, endpoint=broker['events_out'])
                eavesdropper.setsockopt(zmq.SUBSCRIBE, b'')
                time.sleep(0.5)     # PUB/SUB has no handshake answer to wait on
                for _ in range(5):
                    publisher.send_multipart([b'token.deleted forged', b''])
                self.assertIsNone(receive(listener, 500), 'a forged event was relayed')
                session = Session(self.base)
                session.signup(name='Eve Watched')
                created = session.create_token(['incidentsRead'])
                session.graphql('mutation($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }',
                                {'id': created['personalAccessToken']['id']})
                self.assertIsNotNone(receive(listener, 3000), 'the gateway key heard no event (the check is blind)')
                self.assertIsNone(receive(eavesdropper, 500), 'a peer without a subscriber key read events')
                for socket in (listener, publisher, eavesdropper):
                    socket.close()

    def test_a_key_calls_only_the_services_its_role_may_call(self):
        internal = bus_socket(self.context, self.suite, zmq.DEALER, key='internal')
        for service, allowed in ((b'r5.token', True), (b'r5.resource', False), (b'r5.authz', False)):
            send_request(internal, service)
            frames = receive(internal, 3000)
            self.assertIsNotNone(frames, service)
            self.assertEqual(frames[4], OK if allowed else FORBIDDEN, service)
        internal.close()

    def test_a_rogue_token_worker_receives_nothing(self):
        # Keys allowed on the bus, but not as token workers, register as r5.token.
        rogues = [bus_socket(self.context, self.suite, zmq.DEALER, key=key) for key in ('internal', 'resource', 'gateway')]
        for rogue in rogues:
            rogue.send_multipart([b'', WORKER, READY, b'r5.token'])
        value = self.token_value()
        for _ in range(20):
            for rogue in rogues:
                rogue.send_multipart([b'', WORKER, HEARTBEAT])
            # Each request is verified by r5-token (a fresh value misses the cache).
            response = bearer(self.base, value, '{ viewer { id } }')
            self.assertEqual(response.status, 200)
            self.assertIn('viewer', response.json()['data'])
            value = self.token_value()
        for rogue in rogues:
            while True:
                frames = receive(rogue, 100)
                if frames is None:
                    break
                self.assertNotEqual(frames[2], REQUEST, 'a rogue worker was given a request: %r' % frames)
            rogue.close()

    def test_a_key_is_rotated_with_no_failed_request(self):
        value = self.token_value()
        failures, done = [], threading.Event()

        def probe():
            # The gateway's verdict cache is off for this class: every request reaches r5-token.
            while not done.is_set():
                response = bearer(self.base, value, '{ viewer { id } }')
                if response.status != 200:
                    failures.append(response.status)
                time.sleep(0.01)
        prober = threading.Thread(target=probe)
        prober.start()
        try:
            # 1. A new key for r5-token, granted the role: the brokers take it up by themselves.
            subprocess.run([os.path.join(BUILD_DIR, 'services', 'keygen', 'r5-keygen'), '--dir', self.suite.keys_dir,
                            '--add', 'token-2', '--role', 'token'], check=True, stdout=subprocess.DEVNULL)
            self.wait_for_broker_log('reloaded: 6 keys')   # every broker admits the new key
            # 2. A second r5-token with the new key, until the broker has it.
            old = [p for p in self.suite.processes if p.name == 'r5-token'][0]
            env = self.suite.env()
            env['R5_BUS_KEY'] = self.suite.key('token-2.key_secret')
            new = self.suite.start_service('r5-token', env=env)
            # Every worker of both instances registered (each says how many it runs).
            both = int(old.fields['workers']) + int(new.fields['workers'])
            self.wait_for_broker_log('ready for r5.token (%d workers)' % both)
            # 3. The old instance stops (SIGTERM): it finishes what it is
            #    serving, its own calls included, and hands back what waits.
            old.stop()
            # 4. The old key leaves the allow-list.
            old_public = zmq.auth.load_certificate(self.suite.key('token.key'))[0].decode()
            allow = self.suite.key('bus-allow')
            with open(allow) as f:
                lines = [line for line in f if old_public not in line]
            with open(allow + '.new', 'w') as f:
                f.writelines(lines)
            os.rename(allow + '.new', allow)
            self.wait_for_broker_log('reloaded: 5 keys')   # the old key is out
            time.sleep(0.5)     # a few more requests after the reload
        finally:
            done.set()
            prober.join()
        self.assertEqual(failures, [], 'requests failed during the rotation')

        # The old key is refused now: it cannot even connect.
        old_key = bus_socket(self.context, self.suite, zmq.DEALER, key='token')
        send_request(old_key, b'r5.resource')
        self.assertIsNone(receive(old_key, 1000))
        old_key.close()


BusTrustTest.suite_env = {'R5_VERDICT_CACHE_SECONDS': '0'}


def generate_python():
    """protoc --python_out for the contracts: (common_pb2, token_pb2, resource_pb2)."""
    out_dir = tempfile.mkdtemp(prefix='r5-pb-')
    proto_dir = os.path.join(SOURCE_DIR, 'proto')
    subprocess.run(['protoc', '--proto_path=' + proto_dir, '--python_out=' + out_dir, 'r5/common.proto',
                    'r5/token.proto', 'r5/authz.proto', 'r5/resource.proto'], check=True)
    sys.path.insert(0, out_dir)
    return tuple(importlib.import_module('r5.%s_pb2' % name) for name in ('common', 'token', 'resource'))


def with_forged_principal(request, common_pb2, user_id, account_id):
    """request serialized with RequestMeta field 4 (the bare Principal of old)
    set to an all-scope owner: the bytes the old services believed."""
    principal = common_pb2.Principal(user_id=user_id, account_id=account_id, role=common_pb2.ROLE_OWNER,
                                     kind=common_pb2.CREDENTIAL_SESSION, scopes=range(1, 17)).SerializeToString()
    meta = request.meta.SerializeToString() + b'\x22' + bytes([len(principal)]) + principal
    rest = request.__class__()
    rest.CopyFrom(request)
    rest.ClearField('meta')
    return b'\x0a' + bytes([len(meta)]) + meta + rest.SerializeToString()


class BusAttacksTest(SuiteTestCase):
    """The attacks a 60-line script with no credentials made, now with the keys
    a stolen or misused process might hold. Each reply is read as the service
    sent it (status of the r5 Status enum), so a refusal is told from a loss."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.context = zmq.Context()
        cls.common_pb2, cls.token_pb2, cls.resource_pb2 = generate_python()
        session = Session(cls.base)
        cls.victim = session.signup(email='victim@example.com', account='Victim Inc', name='Vic Tim')

    @classmethod
    def tearDownClass(cls):
        cls.context.destroy(linger=0)
        super().tearDownClass()

    def call(self, key, service, body, reply_class):
        """(broker status, decoded reply or None) for one request sent with key."""
        socket = bus_socket(self.context, self.suite, zmq.DEALER, key=key)
        try:
            send_request(socket, service, body, timeout_ms=3000)
            frames = receive(socket, 5000)
        finally:
            socket.close()
        self.assertIsNotNone(frames, 'no answer from the broker')
        if frames[4] != OK:
            return frames[4], None
        reply = reply_class()
        reply.ParseFromString(frames[5])
        return OK, reply

    def meta(self, request):
        request.meta.request_id = 'attack'
        request.meta.deadline_unix_ms = int(time.time() * 1000) + 3000

    def test_a_key_publishes_only_under_its_roles_prefix(self):
        # (Here, not in BusTrustTest: its rotation takes r5-token's key away.)
        # A gateway's key may answer (gateway.*), never invalidate (token.*,
        # user.*); r5-token's may not fake a gateway's confirmation, nor
        # r5-resource's a token event. What the role may publish is relayed.
        broker = self.suite.brokers[0].fields
        listener = bus_socket(self.context, self.suite, zmq.SUB, key='token', endpoint=broker['events_out'])
        for prefix in (b'token.', b'user.', b'gateway.applied'):
            listener.setsockopt(zmq.SUBSCRIBE, prefix)
        cases = [('gateway', b'token.revoked forged', False), ('gateway', b'user.changed forged', False),
                 ('token', b'gateway.applied', False), ('resource', b'token.revoked forged', False),
                 ('internal', b'token.revoked forged', False), ('token', b'token.revoked allowed', True),
                 ('resource', b'user.changed allowed', True), ('gateway', b'gateway.applied', True)]
        publishers = {key: bus_socket(self.context, self.suite, zmq.PUB, key=key, endpoint=broker['events_in'])
                      for key in ('gateway', 'token', 'resource', 'internal')}
        time.sleep(0.5)     # PUB/SUB has no handshake answer to wait on
        for key, topic, relayed in cases:
            with self.subTest(key=key, topic=topic):
                body = b'x' * 24 if topic == b'gateway.applied' else key.encode()
                for _ in range(3):
                    publishers[key].send_multipart([topic, body])
                heard = []
                while True:
                    frames = receive(listener, 300)
                    if frames is None:
                        break
                    if frames[0] == topic and frames[1] == body:
                        heard.append(frames)
                self.assertEqual(bool(heard), relayed)
        for socket in list(publishers.values()) + [listener]:
            socket.close()

    def test_a_session_for_any_user(self):
        request = self.token_pb2.TokenRequest()
        self.meta(request)
        request.create_session.user_id = self.victim['id']
        request.create_session.account_id = self.victim['accountId']
        # Another team's key may not ask for sessions at all.
        status, reply = self.call('internal', b'r5.token', request.SerializeToString(), self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_FORBIDDEN))
        # Even the gateway's key gets none without r5-resource's signed proof of the password.
        status, reply = self.call('gateway', b'r5.token', request.SerializeToString(), self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_UNAUTHENTICATED))
        self.assertIsNone(reply.WhichOneof('body'))

    def test_revoking_a_token_by_its_value(self):
        # report_leaked has no principal: only the gateway's role may ask
        # (after checking a scanner's signature), never another team's key.
        owner = Session(self.base)
        owner.signup()
        value = owner.create_token(['incidentsRead'], 'leak me')['value']
        request = self.token_pb2.TokenRequest()
        self.meta(request)
        request.report_leaked.tokens.add(value=value, url='https://example.com/leak', source='content')
        status, reply = self.call('internal', b'r5.token', request.SerializeToString(), self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_FORBIDDEN))
        self.assertEqual(bearer(self.base, value, '{ viewer { id } }').status, 200)
        status, reply = self.call('gateway', b'r5.token', request.SerializeToString(), self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status, list(reply.leaked.live)), (OK, self.common_pb2.STATUS_OK, [True]))
        self.assertEqual(bearer(self.base, value, '{ viewer { id } }').status, 401)

    def test_an_all_scope_token_from_a_forged_principal(self):
        request = self.token_pb2.TokenRequest()
        self.meta(request)
        request.create.description = 'minted'
        request.create.scopes.extend(range(1, 17))
        body = with_forged_principal(request, self.common_pb2, self.victim['id'], self.victim['accountId'])
        status, reply = self.call('internal', b'r5.token', body, self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_FORBIDDEN))
        status, reply = self.call('gateway', b'r5.token', body, self.token_pb2.TokenReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_UNAUTHENTICATED))
        self.assertIsNone(reply.WhichOneof('body'))

    def test_another_tenants_incidents(self):
        request = self.resource_pb2.ResourceRequest()
        self.meta(request)
        request.list_objects.type = 1       # incidents
        body = with_forged_principal(request, self.common_pb2, self.victim['id'], self.victim['accountId'])
        # r5-resource is out of an internal key's reach: the broker refuses it.
        status, _ = self.call('internal', b'r5.resource', body, self.resource_pb2.ResourceReply)
        self.assertEqual(status, FORBIDDEN)
        # With the gateway's key: bare fields and a self-made assertion count for nothing.
        status, reply = self.call('gateway', b'r5.resource', body, self.resource_pb2.ResourceReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_UNAUTHENTICATED))
        claims = self.common_pb2.PrincipalClaims(
            principal=self.common_pb2.Principal(user_id=self.victim['id'], account_id=self.victim['accountId'],
                                                role=self.common_pb2.ROLE_OWNER, kind=self.common_pb2.CREDENTIAL_SESSION),
            issued_unix_ms=int(time.time() * 1000), expires_unix_ms=int(time.time() * 1000) + 60000)
        request.meta.assertion.claims = claims.SerializeToString()
        request.meta.assertion.signature = os.urandom(64)
        status, reply = self.call('gateway', b'r5.resource', request.SerializeToString(), self.resource_pb2.ResourceReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_UNAUTHENTICATED))
        self.assertEqual(len(reply.objects.incidents), 0)

    def test_password_guessing_beside_the_gateway(self):
        request = self.resource_pb2.ResourceRequest()
        self.meta(request)
        request.check_password.email = 'victim@example.com'
        request.check_password.password = 'a guess'
        status, _ = self.call('internal', b'r5.resource', request.SerializeToString(), self.resource_pb2.ResourceReply)
        self.assertEqual(status, FORBIDDEN)
        # r5-token's key reaches r5-resource to look users up, not to check passwords.
        status, reply = self.call('token', b'r5.resource', request.SerializeToString(), self.resource_pb2.ResourceReply)
        self.assertEqual((status, reply.status), (OK, self.common_pb2.STATUS_FORBIDDEN))
        self.assertIsNone(reply.WhichOneof('body'))


if __name__ == '__main__':
    unittest.main()
