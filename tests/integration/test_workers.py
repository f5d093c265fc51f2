"""A service process serves several requests at once (R5_WORKERS, issue 14
item 3): while one r5-resource worker waits on a slow MongoDB command, the
process's other worker answers the next request. The slowness is MongoDB's
own failCommand fail point (blockConnection), armed for one command."""

import threading
import time
import unittest

from r5client import FailPointTestCase, Session, bearer, wait_busy

BLOCK_MS = 8000


class WorkersTest(FailPointTestCase):
    suite_env = {'R5_WORKERS': '2'}

    def test_a_slow_request_does_not_hold_up_the_next(self):
        session = Session(self.base)
        session.signup()
        incident = session.graphql('mutation { createIncident(input: {title: "slow", description: "x"}) '
                                   '{ incident { id } } }').json()['data']['createIncident']['incident']['id']
        token = session.create_token(['incidentsRead', 'teamsRead'])['value']
        slow_query = '{ incident(id: "%s") { id title } }' % incident
        fast_query = '{ teams(first: 5) { nodes { id } } }'
        # Verified and cached by the gateway: from here a request costs
        # r5-resource's commands only.
        self.assertEqual(bearer(self.base, token, slow_query).status, 200)
        self.assertEqual(bearer(self.base, token, fast_query).status, 200)
        finished = []

        def slow():
            response = bearer(self.base, token, slow_query)
            finished.append(('slow', response.status, time.monotonic()))

        self.fail_next(failCommands=['find', 'aggregate'], blockConnection=True, blockTimeMS=BLOCK_MS)
        started = time.monotonic()
        thread = threading.Thread(target=slow)
        thread.start()
        # The slow request is in a worker, blocked in MongoDB, once a broker
        # counts a busy r5-resource worker.
        self.assertTrue(wait_busy(self.suite, 'r5.resource'), 'the slow request never reached r5-resource')
        response = bearer(self.base, token, fast_query)
        finished.append(('fast', response.status, time.monotonic()))
        thread.join(30)
        statuses = {name: status for name, status, _ in finished}
        self.assertEqual(statuses, {'fast': 200, 'slow': 200})
        # Answered while the slow request's worker still slept in MongoDB:
        # with one worker it would have waited the whole block.
        fast_at = next(at for name, _, at in finished if name == 'fast')
        self.assertLess(fast_at - started, BLOCK_MS / 1000.0, 'the second request waited for the first')


if __name__ == '__main__':
    unittest.main()
