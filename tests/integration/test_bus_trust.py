"""The bus trusts no one: the attacks of a process that can reach the
brokers' ports, tried with real processes. Without an allow-listed CURVE key
nothing connects; with one, a key does only what its role grants; a key is
rotated with no failed request."""

import os
import struct
import subprocess
import threading
import time
import unittest

import zmq
import zmq.auth

from r5client import BUILD_DIR, Session, SuiteTestCase, bearer, bus_socket

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
            time.sleep(1.5)     # the brokers look at the allow-list every second
            # 2. A second r5-token with the new key; then the old one stops.
            old = [p for p in self.suite.processes if p.name == 'r5-token'][0]
            env = self.suite.env()
            env['R5_BUS_KEY'] = self.suite.key('token-2.key_secret')
            self.suite.start_service('r5-token', env=env)
            time.sleep(1.0)     # its READY reaches the broker; nothing prints when it does
            old.stop()
            # 3. The old key leaves the allow-list.
            old_public = zmq.auth.load_certificate(self.suite.key('token.key'))[0].decode()
            allow = self.suite.key('bus-allow')
            with open(allow) as f:
                lines = [line for line in f if old_public not in line]
            with open(allow + '.new', 'w') as f:
                f.writelines(lines)
            os.rename(allow + '.new', allow)
            time.sleep(1.5)
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


if __name__ == '__main__':
    unittest.main()
