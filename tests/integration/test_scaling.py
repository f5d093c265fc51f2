"""Instances come and go without changing anything else: a second instance of
every service joins and gets work; killing one (SIGKILL) mid-run loses no
later request; a second broker runs beside the first and takes over."""

import os
import threading
import unittest

from r5client import Session, SuiteTestCase, bearer, http

VIEWER = '{ viewer { id email } }'
# Every request verifies its token (no verdict cache), so each one reaches
# r5-token and, through it, r5-resource.
NO_CACHE = {'R5_VERDICT_CACHE_SECONDS': '0', 'R5_LOG_LEVEL': 'debug'}


def handled(process):
    """How many requests an instance has handled, from its own log."""
    with open(process.log_path, 'rb') as log:
        return log.read().count(b'handled a ')


def hammer(base, token, total, workers, on_progress=None):
    """Send total viewer queries from several threads; answer the statuses."""
    statuses = []
    lock = threading.Lock()

    def run():
        while True:
            with lock:
                if len(statuses) >= total:
                    return
                statuses.append(None)
                index = len(statuses) - 1
            status = bearer(base, token, VIEWER).status
            with lock:
                statuses[index] = status
                done = sum(1 for s in statuses if s is not None)
            if on_progress:
                on_progress(done)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


class ScalingTest(SuiteTestCase):
    suite_env = NO_CACHE

    def setUp(self):
        session = Session(self.base)
        session.signup()
        self.token = session.create_token(['incidentsRead'])['value']

    def test_second_instances_join_serve_and_survive_a_kill(self):
        first = {name: [p for p in self.suite.processes if p.name == name][0]
                 for name in ('r5-token', 'r5-resource', 'r5-authz')}
        second = {name: self.suite.start_service(name) for name in first}
        # Work reaches both instances of each service.
        self.assertEqual(set(hammer(self.base, self.token, 120, 4)), {200})
        for _ in range(20):
            self.assertEqual(http(self.base + '/readyz').status, 200)
        for name in first:
            self.assertGreater(handled(first[name]), 0, name + ' first instance got no work')
            self.assertGreater(handled(second[name]), 0, name + ' second instance got no work')

        # SIGKILL the first instances while requests are in flight.
        killed = threading.Event()

        def kill_midway(done):
            if done >= 100 and not killed.is_set():
                killed.set()
                for process in first.values():
                    process.kill()

        statuses = hammer(self.base, self.token, 400, 4, kill_midway)
        self.assertTrue(killed.is_set())
        self.assertEqual(statuses.count(200), 400, [s for s in statuses if s != 200][:5])
        before = handled(second['r5-token'])
        self.assertEqual(set(hammer(self.base, self.token, 50, 2)), {200})
        self.assertGreater(handled(second['r5-token']), before)


class TwoBrokersTest(SuiteTestCase):
    suite_env = NO_CACHE

    @classmethod
    def setUpClass(cls):
        import r5suite
        import tempfile
        from r5client import BUILD_DIR, TEST_LIMITS
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, env=dict(TEST_LIMITS, **cls.suite_env), brokers=2)
        cls.suite.start()
        cls.base = cls.suite.url()

    def test_a_broker_dies_and_the_other_carries_on(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['incidentsRead'])['value']
        self.assertEqual(set(hammer(self.base, token, 60, 4)), {200})
        self.suite.brokers[0].kill()
        self.assertEqual(set(hammer(self.base, token, 200, 4)), {200})


if __name__ == '__main__':
    unittest.main()
