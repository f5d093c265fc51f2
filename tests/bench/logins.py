#!/usr/bin/python3
"""Benchmark: what sign-ins (an Argon2id hash each, in r5-resource) do to the
reads beside them. `incident(id)` with wrk at one connection, alone and then
with LOGINS_PER_SECOND correct sign-ins a second from another client, with
r5-resource (and every service) running 1 and then 2 workers per process
(R5_WORKERS). Prints p50/p99 of each and the p99 ratio with and without the
sign-ins.

    /usr/bin/python3 tests/bench/logins.py [seconds] [logins_per_second]
"""

import sys
import threading
import time

import bench
import r5suite
from r5client import Session

PASSWORD = 'correct horse battery'
# The sign-in limits would slow a loop on one email down to their rate:
# raised here, as the point is the hashing's cost, not the limits.
NO_LIMITS = {'R5_LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS': '1000000/60', 'R5_LOGIN_LIMIT_PER_EMAIL': '1000000/60',
             'R5_LOGIN_LIMIT_PER_ADDRESS': '1000000/60', 'R5_SIGNUP_LIMIT_PER_ADDRESS': '1000000/60',
             'R5_PASSWORD_LIMIT_PER_EMAIL': '1000000/60', 'R5_LOG_LEVEL': 'warn'}


class Logins(threading.Thread):
    """Correct sign-ins at a steady rate until stopped; counts them."""

    def __init__(self, base, email, per_second):
        super().__init__(daemon=True)
        self.base, self.email, self.interval = base, email, 1.0 / per_second
        self.stopping = threading.Event()
        self.ok = self.failed = 0

    def run(self):
        due = time.monotonic()
        while not self.stopping.is_set():
            response = Session(self.base).post('/auth/login', {'email': self.email, 'password': PASSWORD})
            if response.status == 200:
                self.ok += 1
            else:
                self.failed += 1
            due += self.interval
            self.stopping.wait(max(0.0, due - time.monotonic()))


def measure(workers, seconds, per_second):
    with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env=dict(NO_LIMITS, R5_WORKERS=str(workers))) as suite:
        session = Session(suite.url())
        email = 'logins-%d@example.com' % workers
        session.signup(email=email, password=PASSWORD)
        body = session.graphql('mutation { createIncident(input: {title: "bench", description: "bench"}) '
                               '{ incident { id } } }').json()
        incident = body['data']['createIncident']['incident']['id']
        token = session.create_token(['incidentsRead'])['value']
        query = {'query': '{ incident(id: "%s") { id title status } }' % incident}
        url = suite.url() + '/graphql'
        alone = bench.wrk(url, query, token, 1, seconds)
        logins = Logins(suite.url(), email, per_second)
        logins.start()
        beside = bench.wrk(url, query, token, 1, seconds)
        logins.stopping.set()
        logins.join()
        return alone, beside, logins


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    per_second = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    bench.build()
    rows, ratios = [], []
    for workers in (1, 2):
        alone, beside, logins = measure(workers, seconds, per_second)
        rows.append(('incident(id), %d worker(s)' % workers, 1, alone))
        rows.append(('  + %g sign-ins/s (%d ok, %d failed)' % (per_second, logins.ok, logins.failed), 1, beside))
        ratios.append((workers, beside['p99'] / alone['p99']))
    bench.table(rows)
    for workers, ratio in ratios:
        print('%d worker(s): the sign-ins move the p99 of incident(id) by %.2fx' % (workers, ratio))


if __name__ == '__main__':
    main()
