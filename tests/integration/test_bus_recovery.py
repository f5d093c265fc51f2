"""The bus never wedges and fails fast (issue 12, items 3 and 4), with real
processes: two brokers and two instances of every service.

- One broker is paused (SIGSTOP) under load and resumed (SIGCONT), 10 rounds:
  throughput is back within 2 s every time. Prints the recovery times.
- Every r5-token is stopped (SIGTERM, then SIGKILL): the gateway answers 503
  at once, not after its 5 s deadline. Prints the time to 503."""

import os
import signal
import statistics
import tempfile
import threading
import time
import unittest

from r5client import BUILD_DIR, TEST_LIMITS, Session, bearer
import r5suite  # noqa: E402  (r5client puts deploy/ on the path)

VIEWER = '{ viewer { id email } }'
# Every request verifies its token, so each one crosses the bus. A 1 s RPC
# deadline, shorter than the pause: requests held by the paused broker reach
# workers near or past their deadline when it resumes, as with the issue's
# 5 s pauses and 5 s deadlines, in a test ten rounds of which fit in a minute.
ENV = dict(TEST_LIMITS, R5_VERDICT_CACHE_SECONDS='0', R5_RPC_TIMEOUT_MS='1000')

ROUNDS = 10
PAUSE_S = 2.0           # how long a broker stays stopped
OBSERVE_S = 3.0         # how long after SIGCONT the throughput is watched
BUCKET_S = 0.25
RECOVERED = 0.5         # a bucket at half the baseline rate or better counts as recovered
RECOVERY_BOUND_S = 2.0


class Load:
    """Threads sending viewer queries; records when each 200 completed."""

    def __init__(self, base, token, threads=8):
        self.base, self.token = base, token
        self.done = []              # monotonic times of 200 answers
        self.other = 0              # answers that were not 200
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        while not self.stopping.is_set():
            status = bearer(self.base, self.token, VIEWER).status
            with self.lock:
                if status == 200:
                    self.done.append(time.monotonic())
                else:
                    self.other += 1

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)

    def count(self, start, end):
        with self.lock:
            return sum(1 for t in self.done if start <= t < end)


class BusRecoveryTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, env=ENV, brokers=2)
        cls.suite.start()
        for name in ('r5-resource', 'r5-token', 'r5-authz'):
            cls.suite.start_service(name)
        cls.base = cls.suite.url()
        session = Session(cls.base)
        session.signup()
        cls.token = session.create_token(['incidentsRead'])['value']

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def wait_status(self, status, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if bearer(self.base, self.token, VIEWER).status == status:
                return True
        return False

    def test_1_paused_broker_recovers_within_2_s(self):
        broker = self.suite.brokers[1].popen
        load = Load(self.base, self.token)
        load.start()
        try:
            time.sleep(2.0)     # the load measures itself: the baseline window
            now = time.monotonic()
            baseline = load.count(now - 1.5, now) / 1.5
            self.assertGreater(baseline, 5, 'no baseline throughput')
            recoveries = []
            for _ in range(ROUNDS):
                broker.send_signal(signal.SIGSTOP)
                time.sleep(PAUSE_S)
                broker.send_signal(signal.SIGCONT)
                resumed = time.monotonic()
                time.sleep(OBSERVE_S)
                # Recovered at the start of the first two buckets in a row at
                # the baseline's pace (or half of it): a later dip is the
                # machine's other load, not this pause (a wedged bus never
                # gets two good buckets in a row).
                buckets = int(OBSERVE_S / BUCKET_S)
                good = [load.count(resumed + i * BUCKET_S, resumed + (i + 1) * BUCKET_S) / BUCKET_S
                        >= RECOVERED * baseline for i in range(buckets)]
                recovered_at = next((i * BUCKET_S for i in range(buckets - 1) if good[i] and good[i + 1]), OBSERVE_S)
                recoveries.append(recovered_at)
        finally:
            broker.send_signal(signal.SIGCONT)
            load.stop()
        print('\nbaseline %.0f req/s; recovery after SIGCONT (s): %s; worst %.2f s; non-200 answers %d'
              % (baseline, ' '.join('%.2f' % r for r in recoveries), max(recoveries), load.other))
        for index, recovery in enumerate(recoveries):
            self.assertLessEqual(recovery, RECOVERY_BOUND_S, 'round %d recovered after %.2f s' % (index, recovery))

    def test_2_outage_answers_503_at_once(self):
        self.assertTrue(self.wait_status(200))
        figures = {}
        for sig in (signal.SIGTERM, signal.SIGKILL):
            tokens = [p for p in self.suite.processes if p.name == 'r5-token' and p.alive()]
            self.assertGreaterEqual(len(tokens), 1)
            stopped = time.monotonic()
            for process in tokens:
                process.stop(sig)
            first = None
            times = []
            for _ in range(20):
                start = time.monotonic()
                status = bearer(self.base, self.token, VIEWER).status
                elapsed = time.monotonic() - start
                self.assertEqual(status, 503)
                if first is None:
                    first = time.monotonic() - stopped
                times.append(elapsed)
            figures[signal.Signals(sig).name] = (first, statistics.median(times), max(times))
            for process in tokens:
                self.suite.processes.remove(process)
            self.suite.start_service('r5-token')
            self.suite.start_service('r5-token')
            self.assertTrue(self.wait_status(200), 'r5-token did not come back')
        for name, (first, median, worst) in figures.items():
            print('\nall r5-token stopped (%s): first 503 %.3f s after the stop; time to 503 median %.3f s, worst %.3f s'
                  % (name, first, median, worst))
            self.assertLess(worst, 1.0)


if __name__ == '__main__':
    unittest.main()
