"""Drain on SIGTERM (issue 15, item 1): a request in flight when its gateway
is told to stop still gets its 200, and the gateway exits 0 within the grace.
The request is held in flight by the dev MongoDB's failCommand fail point
(blockConnection) on the insert of createTeam."""

import os
import re
import select
import signal
import socket
import tempfile
import threading
import time
import unittest
import uuid

from r5client import BUILD_DIR, TEST_LIMITS, FailPointTestCase, Session, bearer, http, wait_busy
import r5suite  # noqa: E402  (r5client puts deploy/ on the path)

CREATE_TEAM = 'mutation($n: String!) { createTeam(input: {name: $n}) { team { id name } } }'
BLOCK_MS = 1500
SERVICES = ('r5-resource', 'r5-token', 'r5-authz')


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


CREATE_TOKEN = ('mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) '
                '{ personalAccessToken { id description } value } }')
VIEWER = '{ viewer { id email } }'
# Long enough for a second instance to start while the first holds the request.
HOLD_MS = 5000


def wait_log(process, text, timeout=10.0):
    """Whether process's log says text within timeout (its own signal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(process.log_path, 'rb') as log:
            if text.encode() in log.read():
                return True
        time.sleep(0.05)    # polling a log file: there is nothing else to wait on
    return False


def log_has(processes, text):
    for process in processes:
        with open(process.log_path, 'rb') as log:
            if text.encode() in log.read():
                return True
    return False


class ServiceDrainTest(FailPointTestCase):
    """Two brokers. For each service, the instance handling a request is sent
    SIGTERM: the request gets its 200, requests sent meanwhile are served by
    a second instance, the first exits 0."""

    brokers = 2
    # Every request verifies its token at r5-token (no verdict cache), which
    # looks the user up in r5-resource; the gateway's deadline outlasts the hold.
    # One worker per process: each instance is one broker worker, so which
    # one holds the request, and the brokers' counts, are the instances'.
    suite_env = {'R5_VERDICT_CACHE_SECONDS': '0', 'R5_RPC_TIMEOUT_MS': '15000', 'R5_WORKERS': '1'}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = Session(cls.base)
        cls.session.signup()
        cls.token = cls.session.create_token(['teamsWrite', 'teamsRead'])['value']

    def checks(self, process):
        """Authorization checks an r5-authz process answered (its metrics)."""
        text = http(self.suite.metrics_url(process), timeout=5).body.decode()
        return sum(int(float(count)) for count in re.findall(
            r'^r5_service_request_duration_seconds_count\{[^}]*operation="check"[^}]*\} (\S+)', text, re.M))

    def only_instance(self, name):
        alive = [p for p in self.suite.processes if p.name == name and p.alive()]
        self.assertEqual(len(alive), 1, name)
        return alive[0]

    def start_second(self, name):
        second = self.suite.start_service(name)
        for broker in self.suite.brokers:
            # One worker per process in this class: two instances, two workers.
            self.assertTrue(wait_log(broker, 'ready for r5.%s (2 workers)' % name.replace('r5-', '')),
                            'the second %s did not register with every broker' % name)
        return second

    def drain_while_held(self, name, send):
        """The only instance of name holds send()'s request (the fail point
        blocks its insert); a second starts and the first is sent SIGTERM;
        three requests are sent meanwhile, at once. Answers (the held answer,
        seconds it took, [(answer, when it ended)] of those sent meanwhile,
        the first's exit code, when the held one ended)."""
        first = self.only_instance(name)
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1},
                                  'data': {'failCommands': ['insert'], 'appName': 'r5',
                                           'blockConnection': True, 'blockTimeMS': HOLD_MS}})
        answers = []
        sender = threading.Thread(target=lambda: answers.append((send(), time.monotonic())))
        started = time.monotonic()
        sender.start()
        time.sleep(0.3)                         # the request reaches the instance
        second = self.start_second(name)
        first.popen.send_signal(signal.SIGTERM)
        meanwhile = []
        viewers = [threading.Thread(target=lambda: meanwhile.append(
            (bearer(self.base, self.token, VIEWER), time.monotonic()))) for _ in range(3)]
        for viewer in viewers:
            viewer.start()
        for thread in viewers + [sender]:
            thread.join(30)
        self.assertEqual(len(answers), 1, 'the held request got no answer')
        code = first.popen.wait(15)
        self.assertTrue(second.alive())
        return answers[0][0], answers[0][1] - started, meanwhile, code, answers[0][1]

    def check(self, held, took, meanwhile, code, ended):
        self.assertEqual(held.status, 200, held.body)
        self.assertFalse(held.json().get('errors'), held.body)
        self.assertGreaterEqual(took, HOLD_MS / 1000.0 * 0.9, 'the request was not held')
        self.assertEqual(code, 0, 'the drained instance did not exit 0')
        self.assertEqual([answer.status for answer, _ in meanwhile], [200] * 3, [a.body for a, _ in meanwhile])
        # A broker that handed the busy instance a request before the signal
        # (it looks idle to a broker it is not serving) gets it back when the
        # instance leaves; the others go to the second instance at once.
        self.assertTrue(any(at < ended for _, at in meanwhile), 'every request sent meanwhile waited for the held one')

    def test_token_finishes_the_request_in_hand(self):
        held, took, meanwhile, code, ended = self.drain_while_held(
            'r5-token', lambda: self.session.graphql(CREATE_TOKEN, {'input': {'description': 'held', 'scopes': ['teamsRead']}}))
        self.check(held, took, meanwhile, code, ended)
        self.assertTrue(held.json()['data']['createPersonalAccessToken']['value'])
        self.assertEqual(self.mongo.r5.tokens.count_documents({'description': 'held'}), 1)

    def test_resource_finishes_the_request_in_hand(self):
        held, took, meanwhile, code, ended = self.drain_while_held(
            'r5-resource', lambda: bearer(self.base, self.token, CREATE_TEAM, {'n': 'held by resource'}))
        self.check(held, took, meanwhile, code, ended)
        self.assertEqual(held.json()['data']['createTeam']['team']['name'], 'held by resource')

    def test_authz_hands_back_the_request_it_has_not_started(self):
        # r5-authz reads no database and answers in microseconds: its request
        # is held in its socket instead, by a SIGSTOP. The second instance
        # registered last, so the first, idle longest, gets the request; on
        # SIGTERM and SIGCONT it gives it back unstarted and the broker gives
        # it to the second, well before r5-resource would resend it
        # (after a quarter of its 3 s deadline).
        first = self.only_instance('r5-authz')
        second = self.start_second('r5-authz')
        first.popen.send_signal(signal.SIGSTOP)
        answers = []
        sender = threading.Thread(target=lambda: answers.append(
            bearer(self.base, self.token, CREATE_TEAM, {'n': 'held by authz'})))
        sender.start()
        # The request waits in the stopped instance's socket once a broker
        # counts a busy r5-authz worker: the token's verification before it
        # may take longer than any fixed pause on a loaded machine.
        self.assertTrue(wait_busy(self.suite, 'r5.authz'), 'no broker handed the request to an r5-authz worker')
        self.assertFalse(answers, 'the running instance answered: the stopped one was not given the request')
        signalled = time.monotonic()
        first.popen.send_signal(signal.SIGTERM)
        first.popen.send_signal(signal.SIGCONT)
        sender.join(30)
        answered = time.monotonic() - signalled
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0].status, 200, answers[0].body)
        self.assertEqual(answers[0].json()['data']['createTeam']['team']['name'], 'held by authz')
        self.assertEqual(first.popen.wait(15), 0)
        self.assertTrue(second.alive())
        # Given back untouched either way: still unread in its socket (it says
        # DISCONNECT, the broker logs it) or read after the signal (RELEASE).
        self.assertEqual(self.checks(second), 1, 'the second instance did not serve the request given back')
        self.assertLess(answered, 0.5)


class BrokerDrainTest(FailPointTestCase):
    """Two brokers; a gateway that knows only the first sends a request the
    fail point holds at r5-resource, and the first broker is sent SIGTERM:
    the worker's answer is forwarded, the broker exits 0, and the suite's
    gateway (both brokers) is served by the second meanwhile."""

    brokers = 2

    def test_sigterm_forwards_the_answer_held_at_a_worker(self):
        session = Session(self.base)
        session.signup()
        token = session.create_token(['teamsWrite', 'teamsRead'])['value']
        for name in ('r5-resource', 'r5-token', 'r5-authz'):
            self.suite.start_service(name)
        first = self.suite.brokers[0]
        pinned = self.suite.start_gateway(env={'R5_BROKERS': first.fields['endpoint'],
                                               'R5_EVENTS_SUBSCRIBE': first.fields['events_out']})
        pinned_url = 'http://127.0.0.1:%s' % pinned.fields['port']
        self.mongo.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1},
                                  'data': {'failCommands': ['insert'], 'appName': 'r5',
                                           'blockConnection': True, 'blockTimeMS': BLOCK_MS}})
        answers = []
        sender = threading.Thread(target=lambda: answers.append(
            bearer(pinned_url, token, CREATE_TEAM, {'n': 'through a draining broker'})))
        started = time.monotonic()
        sender.start()
        time.sleep(BLOCK_MS / 3000.0)
        first.popen.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        meanwhile = [bearer(self.base, token, '{ viewer { id } }').status for _ in range(5)]
        sender.join(30)
        self.assertEqual(len(answers), 1)
        self.assertGreaterEqual(time.monotonic() - started, BLOCK_MS / 1000.0 * 0.9, 'the request was not held')
        self.assertEqual(answers[0].status, 200, answers[0].body)
        self.assertEqual(answers[0].json()['data']['createTeam']['team']['name'], 'through a draining broker')
        self.assertEqual(meanwhile, [200] * 5)
        self.assertEqual(first.popen.wait(15), 0)
        self.assertLess(time.monotonic() - signalled, 10.0)
        self.assertTrue(log_has([first], 'broker drained'))


# Peers that reconnect to a restarted broker at once: every worker, and every
# gateway thread that has served a request (each has its own client); the
# brokers of RollingRestartTest count about 420.
RECONNECTING_PEERS = 500


class BrokerRestartStormTest(unittest.TestCase):
    """A restarted broker is reconnected to by all its peers at once, while
    it is still busy with the first handshakes. Its listen queue must hold
    them all: a connection the kernel drops waits for TCP's SYN
    retransmission (1 s, then 3 s), so a worker registers past the broker's
    start grace (its services answer UNAVAILABLE meanwhile) and a client
    reaches only the other broker, which may be the next one draining."""

    def test_listen_queues_hold_every_reconnecting_peer(self):
        with open('/proc/sys/net/core/somaxconn') as limit:
            if int(limit.read()) <= RECONNECTING_PEERS:
                self.skipTest('net.core.somaxconn caps every listen queue below %d' % RECONNECTING_PEERS)
        suite = r5suite.Suite(BUILD_DIR, tempfile.mkdtemp(prefix='r5-it-'), env=TEST_LIMITS)
        try:
            suite.make_keys()
            broker = suite.start_broker()
            # Stopped, it accepts nothing: what the kernel connects is what its queues hold.
            broker.popen.send_signal(signal.SIGSTOP)
            try:
                # Requests, and both event relays: every process reconnects to each.
                for field in ('endpoint', 'events_in', 'events_out'):
                    with self.subTest(field):
                        self.assertEqual(self.connect_at_once(broker.fields[field]), RECONNECTING_PEERS,
                                         'the broker\'s %s queue dropped peers reconnecting at once' % field)
            finally:
                broker.popen.send_signal(signal.SIGCONT)
        finally:
            suite.stop()

    def connect_at_once(self, endpoint):
        """RECONNECTING_PEERS connections to endpoint (tcp://host:port) opened
        at once: how many the kernel completed within 5 s."""
        host, port = endpoint[len('tcp://'):].rsplit(':', 1)
        peers = []
        try:
            poller = select.poll()
            for _ in range(RECONNECTING_PEERS):
                peer = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                peer.setblocking(False)
                peer.connect_ex((host, int(port)))
                peers.append(peer)
                poller.register(peer, select.POLLOUT)
            # A dropped connection never completes while the queue stays
            # full (its retransmitted SYNs are dropped too): no race here.
            connected = 0
            deadline = time.monotonic() + 5.0
            while connected < RECONNECTING_PEERS and time.monotonic() < deadline:
                for fd, _ in poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                    poller.unregister(fd)
                    connected += 1
            return connected
        finally:
            for peer in peers:
                peer.close()


# ---------------------------------------------------------------------------
# Rolling restart under load

CREATE_INCIDENT = 'mutation($t: String!) { createIncident(input: {title: $t}) { incident { id title } } }'
STOPPING = b'this gateway is stopping'
LOAD_THREADS = 6


class RollingLoad:
    """Clients behind a load balancer (the rotation: the gateways in service).
    Each thread sends, in turn, a query and a create with an Idempotency-Key.
    A 503 from a stopping gateway (Retry-After, nothing started) is sent
    again, to the next gateway, with the same key; anything else that is
    not a 200 without errors, a dropped or refused connection included, is
    a lost request."""

    def __init__(self, token, rotation, title):
        self.token, self.rotation, self.title = token, list(rotation), title
        self.lock = threading.Lock()
        self.turn = 0
        self.done = 0               # requests with their 200
        self.retried = 0            # 503s from stopping gateways, sent again
        self.lost = []              # (what, status or exception, body, the restart under way)
        self.phase = 'before'       # the process being restarted (set by the test)
        self.created = set()        # incident ids the creates answered
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(LOAD_THREADS)]

    def next_gateway(self):
        with self.lock:
            self.turn += 1
            return self.rotation[self.turn % len(self.rotation)]

    def set_rotation(self, urls):
        with self.lock:
            self.rotation = list(urls)

    def _one(self, query, variables, headers):
        for _ in range(10):
            url = self.next_gateway()
            try:
                answer = bearer(url, self.token, query, variables, headers)
            except OSError as error:
                return None, repr(error)
            if answer.status == 503 and STOPPING in answer.body and answer.headers.get('Retry-After'):
                with self.lock:
                    self.retried += 1
                continue
            return answer, None
        return None, 'still refused after 10 tries'

    def _run(self, index):
        count = 0
        while not self.stopping.is_set():
            count += 1
            if count % 2:
                query, variables, headers = VIEWER, {}, {}
            else:
                query, variables = CREATE_INCIDENT, {'t': '%s %d-%d' % (self.title, index, count)}
                headers = {'Idempotency-Key': str(uuid.uuid4())}
            answer, error = self._one(query, variables, headers)
            ok = answer is not None and answer.status == 200 and not answer.json().get('errors')
            with self.lock:
                if ok:
                    self.done += 1
                    if query is CREATE_INCIDENT:
                        self.created.add(answer.json()['data']['createIncident']['incident']['id'])
                else:
                    self.lost.append((query.split('(')[0][:20], answer.status if answer else error,
                                      answer.body[:200] if answer else b'', self.phase))

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)


class RollingRestartTest(unittest.TestCase):
    """Two brokers, two instances of every service, two gateways; a steady
    load of real clients. Every process is restarted, one at a time
    (SIGTERM, wait for its exit, start a replacement, wait until it is
    ready): no request is lost, every process exits 0."""

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix='r5-it-')
        # No verdict cache: every request crosses the bus to r5-token and r5-resource.
        cls.suite = r5suite.Suite(BUILD_DIR, cls.data_dir, env=dict(TEST_LIMITS, R5_VERDICT_CACHE_SECONDS='0'),
                                  brokers=2)
        try:
            cls.suite.start()
            for name in SERVICES:
                cls.suite.start_service(name)
            cls.suite.start_gateway()
        except BaseException:
            cls.suite.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def workers(self, broker, service):
        """r5_broker_workers{service=...} on broker's metrics listener."""
        try:
            text = http(self.suite.metrics_url(broker), timeout=5).body.decode()
        except OSError:
            return -1
        match = re.search(r'^r5_broker_workers\{service="%s"\} (\d+)' % re.escape(service), text, re.M)
        return int(match.group(1)) if match else 0

    def wait_workers(self, timeout=15.0):
        """Until every broker counts every worker of every running instance
        (each says how many it runs in its readiness line)."""
        def expected(name):
            return sum(int(p.fields['workers']) for p in self.suite.processes if p.name == name and p.alive())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.workers(b, 'r5.' + n.replace('r5-', '')) == expected(n)
                   for b in self.suite.brokers for n in SERVICES):
                return
            time.sleep(0.05)    # polling the brokers' metrics: nothing to wait on
        self.fail('the brokers do not count every worker of every service: %s'
                  % {n: expected(n) for n in SERVICES})

    def wait_serving(self, broker, count=50, timeout=15.0):
        """Until broker has answered count requests ok (its metrics)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = http(self.suite.metrics_url(broker), timeout=5).body.decode()
            answered = sum(float(v) for v in re.findall(r'^r5_broker_requests_total\{[^}]*status="ok"[^}]*\} (\S+)', text, re.M))
            if answered >= count:
                return
            time.sleep(0.05)    # polling the broker's metrics
        self.fail('the new broker serves no requests')

    def wait_gateway_ready(self, gateway, timeout=15.0):
        port = gateway.fields.get('admin_port', '-1')
        url = 'http://127.0.0.1:%s/readyz' % (port if port != '-1' else gateway.fields['port'])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if http(url, timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)    # polling /readyz, as a load balancer does
        self.fail('the new gateway is not ready')

    def url(self, gateway):
        return 'http://127.0.0.1:%s' % gateway.fields['port']

    def test_restart_every_process_under_load(self):
        import pymongo
        session = Session(self.suite.url())
        session.signup()
        token = session.create_token(['incidentsRead', 'incidentsWrite'])['value']
        title = 'rolling %s' % uuid.uuid4().hex[:8]
        self.wait_workers()
        gateways = list(self.suite.gateways)
        load = RollingLoad(token, [self.url(g) for g in gateways], title)
        started = time.monotonic()
        load.start()
        restarts = []
        exits = {}
        try:
            time.sleep(1.0)
            for name in SERVICES:
                for old in [p for p in self.suite.processes if p.name == name and p.alive()]:
                    load.phase = name
                    began = time.monotonic()
                    old.popen.send_signal(signal.SIGTERM)
                    exits[old.log_path] = old.popen.wait(15)
                    self.suite.start_service(name)
                    self.wait_workers()
                    restarts.append((name, time.monotonic() - began))
            for old in list(self.suite.brokers):
                load.phase = 'r5-broker'
                began = time.monotonic()
                old.popen.send_signal(signal.SIGTERM)
                exits[old.log_path] = old.popen.wait(15)
                new = self.suite.start_broker(replacing=old)
                self.wait_workers()
                # Ready: the clients reconnected and send it requests again
                # (only then may the other broker stop).
                self.wait_serving(new)
                restarts.append(('r5-broker', time.monotonic() - began))
            for old in list(gateways):
                load.phase = 'r5-gateway'
                began = time.monotonic()
                # The load balancer takes it out (its /readyz turns 503 at the
                # signal; a preStop sleep on Kubernetes): requests already
                # routed to it arrive first.
                gateways.remove(old)
                load.set_rotation([self.url(g) for g in gateways])
                time.sleep(0.5)
                old.popen.send_signal(signal.SIGTERM)
                # Its drain ends in a second or two ("stopped" in its log);
                # the Debug + ASan process then takes a few more to exit.
                exits[old.log_path] = old.popen.wait(30)
                new = self.suite.start_gateway()
                self.wait_gateway_ready(new)
                gateways.append(new)
                load.set_rotation([self.url(g) for g in gateways])
                restarts.append(('r5-gateway', time.monotonic() - began))
            time.sleep(1.0)
        finally:
            load.stop()
        elapsed = time.monotonic() - started
        print('\nrolling restart of %d processes in %.1f s (%s); %d requests answered 200 (%.0f/s), '
              '%d 503s from stopping gateways sent again, %d lost'
              % (len(restarts), elapsed, ', '.join('%s %.1f s' % r for r in restarts), load.done,
                 load.done / elapsed, load.retried, len(load.lost)))
        # The phase of each lost request is in load.lost; the processes' logs stay in the data dir.
        self.assertEqual(load.lost, [], 'logs in %s' % os.path.join(self.data_dir, 'logs'))
        self.assertEqual(sorted(set(exits.values())), [0], exits)
        self.assertEqual(len(restarts), 10)
        self.assertGreater(load.done, 100)
        # Every create answered once is one incident: no retry made a second.
        mongo = pymongo.MongoClient(self.suite.mongodb_uri)
        try:
            stored = mongo.r5.incidents.count_documents({'title': {'$regex': '^' + re.escape(title)}})
        finally:
            mongo.close()
        self.assertEqual(stored, len(load.created))
