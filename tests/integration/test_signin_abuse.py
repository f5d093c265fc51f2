"""Sign-in abuse, with the gateway's production limits: a stranger's wrong
guesses never lock the owner out, guessing is slowed per (email, address),
per email and per address, attempts are counted before the password check
(in parallel too, and when the check cannot be made), and signup is
throttled per address and answers a taken email like a new one.

Each test acts from client addresses of its own (127.0.<test>.<n>: the whole
of 127.0.0.0/8 reaches a gateway on 127.0.0.1), so tests share one suite
without sharing buckets."""

import statistics
import threading
import time
import unittest
import uuid

from r5client import Session, SuiteTestCase

PASSWORD = 'correct horse battery'

# The defaults (README, docs/decisions.md): BURST/SECONDS, one attempt back
# every SECONDS/BURST.
PAIR_BURST, PAIR_PERIOD = 5, 300            # one email from one address
EMAIL_BURST, EMAIL_PERIOD = 20, 300         # one email from anywhere
ADDRESS_BURST, ADDRESS_PERIOD = 50, 300     # one address, any email
SIGNUP_BURST = 5                            # signups from one address


def email(tag):
    return '%s-%s@example.com' % (tag, uuid.uuid4().hex[:8])


class SigninAbuseTest(SuiteTestCase):
    production_limits = True

    _next_net = [0]

    def setUp(self):
        SigninAbuseTest._next_net[0] += 1
        self.net = SigninAbuseTest._next_net[0]
        self.hosts = 0

    def address(self):
        """A client address no other test (and no earlier call) used."""
        self.hosts += 1
        return '127.0.%d.%d' % (self.net, self.hosts)

    def login(self, address, who, password):
        return Session(self.base, address).post('/auth/login', {'email': who, 'password': password})

    def signup(self, address, who, account='Acme'):
        return Session(self.base, address).post('/auth/signup', {'accountName': account, 'name': 'Ada',
                                                                 'email': who, 'password': PASSWORD})

    def assertRateLimited(self, response, longest):
        """429 RATE_LIMITED with a Retry-After of 1..longest seconds."""
        self.assertEqual(response.status, 429, response.body)
        self.assertEqual(response.json()['code'], 'RATE_LIMITED')
        retry = int(response.headers['Retry-After'])
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, longest)
        return retry

    # -- login -------------------------------------------------------------

    def test_owner_signs_in_after_a_stranger_guessed_from_elsewhere(self):
        owner = email('owner')
        self.assertEqual(self.signup(self.address(), owner).status, 201)
        stranger = self.address()
        statuses = [self.login(stranger, owner, 'guess %d' % i).status for i in range(30)]
        self.assertEqual(statuses[:PAIR_BURST], [401] * PAIR_BURST)
        self.assertEqual(set(statuses[PAIR_BURST:]), {429})
        # The owner, from their own address, right away.
        response = self.login(self.address(), owner, PASSWORD)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json()['user']['email'], owner)

    def test_one_address_guessing_is_slowed_not_locked(self):
        # The same email over and over: past the burst, one more per interval.
        address, victim = self.address(), email('victim')
        for i in range(PAIR_BURST):
            self.assertEqual(self.login(address, victim, 'guess %d' % i).status, 401)
        self.assertRateLimited(self.login(address, victim, 'one more'), PAIR_PERIOD // PAIR_BURST)
        # Many emails from one address: the burst, plus what refilled meanwhile.
        hammer, statuses, started = self.address(), [], time.monotonic()
        while 429 not in statuses and len(statuses) < 2 * ADDRESS_BURST:
            response = self.login(hammer, email('many'), 'guess')
            statuses.append(response.status)
        elapsed = time.monotonic() - started
        self.assertRateLimited(response, ADDRESS_PERIOD // ADDRESS_BURST)
        self.assertEqual(set(statuses[:-1]), {401})
        self.assertGreaterEqual(statuses.count(401), ADDRESS_BURST)
        self.assertLessEqual(statuses.count(401), ADDRESS_BURST + elapsed / (ADDRESS_PERIOD / ADDRESS_BURST) + 1)
        # Another address is not slowed by it.
        self.assertEqual(self.login(self.address(), email('many'), 'guess').status, 401)

    def test_distributed_guessing_is_slowed_per_email_then_the_owner_signs_in(self):
        owner = email('popular')
        self.assertEqual(self.signup(self.address(), owner).status, 201)
        statuses = [self.login(self.address(), owner, 'guess').status for _ in range(EMAIL_BURST)]
        self.assertEqual(statuses, [401] * EMAIL_BURST)
        # The ceiling holds from every address, the owner's too, but only for
        # one interval: a client that honours Retry-After gets in.
        owner_address = self.address()
        retry = self.assertRateLimited(self.login(self.address(), owner, 'guess'), EMAIL_PERIOD // EMAIL_BURST)
        retry = self.assertRateLimited(self.login(owner_address, owner, PASSWORD), EMAIL_PERIOD // EMAIL_BURST)
        time.sleep(retry + 0.5)     # what the answer asked for
        self.assertEqual(self.login(owner_address, owner, PASSWORD).status, 200)

    def test_parallel_guesses_are_counted_before_the_check(self):
        address, victim, n = self.address(), email('parallel'), 4 * PAIR_BURST
        self.assertEqual(self.signup(self.address(), victim).status, 201)
        statuses = []
        start = threading.Barrier(n)

        def guess(i):
            start.wait()
            statuses.append(self.login(address, victim, 'parallel guess %d' % i).status)
        threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(statuses), n)
        # Only the burst reached the password check; every other one was refused first.
        self.assertEqual(statuses.count(401), PAIR_BURST, statuses)
        self.assertEqual(statuses.count(429), n - PAIR_BURST, statuses)

    def test_attempts_that_end_in_503_count(self):
        owner = email('outage')
        self.assertEqual(self.signup(self.address(), owner).status, 201)
        resource = [p for p in self.suite.processes if p.name == 'r5-resource']
        for process in resource:
            process.stop()
            self.suite.processes.remove(process)
        address = self.address()
        try:
            # In parallel: each waits for the call's deadline before its 503.
            statuses = []
            threads = [threading.Thread(target=lambda i=i: statuses.append(self.login(address, owner, 'guess %d' % i).status))
                       for i in range(PAIR_BURST)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual(statuses, [503] * PAIR_BURST)
            # Refused before any service is asked: no wait for a deadline.
            started = time.monotonic()
            self.assertRateLimited(self.login(address, owner, 'guess'), PAIR_PERIOD // PAIR_BURST)
            self.assertLess(time.monotonic() - started, 1.0)
        finally:
            self.suite.start_service('r5-resource')
            self.suite.wait_ready()
        # The outage did not wipe the count, and the owner elsewhere is unaffected.
        self.assertEqual(self.login(address, owner, PASSWORD).status, 429)
        self.assertEqual(self.login(self.address(), owner, PASSWORD).status, 200)

    # -- signup ------------------------------------------------------------

    def test_signup_is_throttled_per_address(self):
        address = self.address()
        for _ in range(SIGNUP_BURST):
            self.assertEqual(self.signup(address, email('new')).status, 201)
        refused = self.signup(address, email('new'))
        self.assertRateLimited(refused, 3600 // SIGNUP_BURST)
        self.assertNotIn('Set-Cookie', refused.headers)
        self.assertEqual(self.signup(self.address(), email('new')).status, 201)

    def test_signup_with_a_taken_email_answers_alike_and_in_like_time(self):
        taken = email('taken')
        first = self.signup(self.address(), taken, account='Alpha Holdings')
        self.assertEqual(first.status, 201)
        holder = first.json()['user']
        times = {'new': [], 'taken': []}
        answers = []
        for _ in range(3):
            for kind in ('new', 'taken'):
                started = time.monotonic()
                response = self.signup(self.address(), taken if kind == 'taken' else email('fresh'), account='Beta')
                times[kind].append(time.monotonic() - started)
                self.assertEqual(response.status, 409 if kind == 'taken' else 201, response.body)
                if kind == 'taken':
                    answers.append(response)
        for response in answers:
            self.assertNotIn('Set-Cookie', response.headers)
            text = response.body.decode()
            for secret in ('Alpha', holder['accountId'], holder['id'], 'Holdings'):
                self.assertNotIn(secret, text)
            self.assertEqual(response.body, answers[0].body)
        # Both hash the password (Argon2id): a taken email is no quicker to tell.
        ratio = statistics.median(times['taken']) / statistics.median(times['new'])
        self.assertGreater(ratio, 1 / 3, times)
        self.assertLess(ratio, 3, times)


if __name__ == '__main__':
    unittest.main()
