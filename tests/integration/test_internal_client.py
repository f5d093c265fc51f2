"""Another team's service, not written in C, verifies a token through the
broker: Python with Debian's python3-zmq and python3-protobuf, using code
generated from r5's own .proto files at test time, speaking the frames of
docs/messaging.md."""

import importlib
import os
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import zmq

from r5client import SOURCE_DIR, Session, SuiteTestCase, bus_socket, node_parts


def generate_python(out_dir):
    """protoc --python_out for the contracts; answers the imported token_pb2."""
    proto_dir = os.path.join(SOURCE_DIR, 'proto')
    subprocess.run(['protoc', '--proto_path=' + proto_dir, '--python_out=' + out_dir,
                    'r5/common.proto', 'r5/token.proto'], check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module('r5.token_pb2'), importlib.import_module('r5.common_pb2')


class InternalClientTest(SuiteTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token_pb2, cls.common_pb2 = generate_python(tempfile.mkdtemp(prefix='r5-pb-'))
        cls.context = zmq.Context()

    @classmethod
    def tearDownClass(cls):
        cls.context.term()
        super().tearDownClass()

    def verify(self, value):
        """One VerifyTokenRequest through the broker, as any internal caller sends it."""
        request = self.token_pb2.TokenRequest()
        request.meta.request_id = 'py-test'
        request.meta.caller = 'billing-service'
        request.meta.deadline_unix_ms = int(time.time() * 1000) + 3000
        request.verify.value = value
        request.verify.client_ip = '10.1.2.3'
        # The key another team is given: role "internal" in the brokers' allow-list.
        socket = bus_socket(self.context, self.suite, zmq.DEALER, key='internal')
        try:
            socket.send_multipart([b'', b'R5C1', b'r5.token', struct.pack('>Q', 7),
                                   struct.pack('>q', request.meta.deadline_unix_ms), request.SerializeToString()])
            self.assertTrue(socket.poll(5000), 'no reply from the broker')
            frames = socket.recv_multipart()
        finally:
            socket.close()
        empty, header, service, request_id, status = frames[:5]
        self.assertEqual((empty, header, service, struct.unpack('>Q', request_id)[0]), (b'', b'R5C1', b'r5.token', 7))
        self.assertEqual(status, b'\x00', 'the broker could not deliver the request')
        reply = self.token_pb2.TokenReply()
        reply.ParseFromString(frames[5])
        return reply

    def test_a_python_service_verifies_a_token(self):
        session = Session(self.base)
        user = session.signup(name='Ada Owner')
        value = session.create_token(['incidentsRead', 'teamsWrite'])['value']

        reply = self.verify(value)
        self.assertEqual(reply.status, self.common_pb2.STATUS_OK)
        principal = reply.verify.principal
        self.assertEqual(principal.user_id, node_parts(user['id'])[1])
        self.assertEqual(principal.account_id, user['accountId'])
        self.assertEqual(principal.role, self.common_pb2.ROLE_OWNER)
        self.assertEqual(principal.kind, self.common_pb2.CREDENTIAL_PERSONAL_ACCESS_TOKEN)
        self.assertEqual(sorted(principal.scopes), sorted([self.common_pb2.SCOPE_INCIDENTS_READ,
                                                           self.common_pb2.SCOPE_TEAMS_WRITE]))

        # A value never issued (well-formed) and a malformed one: UNAUTHENTICATED alike.
        for bad in ('r5p_' + 'A' * 36, 'nonsense'):
            reply = self.verify(bad)
            self.assertEqual(reply.status, self.common_pb2.STATUS_UNAUTHENTICATED, bad)
            self.assertFalse(reply.HasField('verify'))


if __name__ == '__main__':
    unittest.main()
