"""Drain on SIGTERM (issue 15, item 1): a request in flight when its gateway
is told to stop still gets its 200, and the gateway exits 0 within the grace.
The request is held in flight by the dev MongoDB's failCommand fail point
(blockConnection) on the insert of createTeam."""

import signal
import threading
import time

from r5client import FailPointTestCase, Session, bearer

CREATE_TEAM = 'mutation($n: String!) { createTeam(input: {name: $n}) { team { id name } } }'
BLOCK_MS = 1500


class GatewayDrainTest(FailPointTestCase):

    def test_sigterm_finishes_the_request_in_flight(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['teamsWrite', 'teamsRead'])['value']
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1},
                                  'data': {'failCommands': ['insert'], 'appName': 'r5',
                                           'blockConnection': True, 'blockTimeMS': BLOCK_MS}})
        answers = []
        sender = threading.Thread(target=lambda: answers.append(
            bearer(self.base, token, CREATE_TEAM, {'n': 'drained'})))
        started = time.monotonic()
        sender.start()
        time.sleep(BLOCK_MS / 3000.0)     # well inside the block: the request is in flight
        gateway = self.suite.gateways[0]
        gateway.popen.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        sender.join(30)
        self.assertEqual(len(answers), 1)
        self.assertGreaterEqual(time.monotonic() - started, BLOCK_MS / 1000.0 * 0.9,
                                'the request was not held in flight')
        self.assertEqual(answers[0].status, 200, answers[0].body)
        self.assertEqual(answers[0].json()['data']['createTeam']['team']['name'], 'drained')
        self.assertEqual(gateway.popen.wait(15), 0)
        self.assertLess(time.monotonic() - signalled, 10.0)
