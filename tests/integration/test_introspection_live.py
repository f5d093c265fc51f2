"""graphql-js, as a client would use it, builds its schema from a live
gateway's introspection (asked with every option of getIntrospectionQuery,
oneOf included); printed, it must equal the SDL the gateway serves (and that
SDL is the repository's schema file). With introspection switched
off, __schema is refused and the SDL is not served."""

import os
import subprocess
import unittest

from r5client import SOURCE_DIR, Session, SuiteTestCase, bearer, http

NODE_DIR = os.path.join(SOURCE_DIR, 'tests', 'graphql', 'introspection')
DATE_TIME_SPEC = 'https://scalars.graphql.org/andimarek/date-time'  # @specifiedBy of DateTime


class LiveIntrospectionTest(SuiteTestCase):

    def test_client_schema_round_trip(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token([])['value']
        served = http(self.base + '/schema.graphql', 'GET', None, {'Authorization': 'Bearer ' + token})
        self.assertEqual(served.status, 200)
        with open(os.path.join(SOURCE_DIR, 'services', 'gateway', 'schema.graphql'), 'rb') as f:
            self.assertEqual(served.body, f.read())
        # live.mjs asks getIntrospectionQuery({ oneOf: true, ... }), as GraphiQL does.
        result = subprocess.run(['node', 'live.mjs', self.base, token], cwd=NODE_DIR, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        body = bearer(self.base, token, '{ i: __type(name: "CreateTeamInput") { isOneOf } '
                                        'o: __type(name: "Team") { isOneOf } '
                                        'd: __type(name: "DateTime") { specifiedByURL } }').json()
        self.assertEqual(body, {'data': {'i': {'isOneOf': False}, 'o': {'isOneOf': None},
                                         'd': {'specifiedByURL': DATE_TIME_SPEC}}})


class IntrospectionOffTest(SuiteTestCase):
    suite_env = {'R5_INTROSPECTION': 'false'}

    def test_introspection_can_be_switched_off(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token([])['value']
        # __schema is non-null, so its refusal nulls the whole data, as the spec says.
        body = bearer(self.base, token, '{ __schema { types { name } } }').json()
        self.assertIsNone(body['data'])
        self.assertEqual(body['errors'][0]['extensions']['code'], 'INTROSPECTION_DISABLED')
        body = bearer(self.base, token, '{ __type(name: "Viewer") { name } viewer { id } }').json()
        self.assertIsNone(body['data']['__type'])
        self.assertIsNotNone(body['data']['viewer'])
        self.assertEqual(bearer(self.base, token, '{ viewer { __typename } }').json(),
                         {'data': {'viewer': {'__typename': 'Viewer'}}})
        self.assertEqual(http(self.base + '/schema.graphql', 'GET', None, {'Authorization': 'Bearer ' + token}).status, 404)


if __name__ == '__main__':
    unittest.main()
