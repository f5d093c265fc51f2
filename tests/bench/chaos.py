#!/usr/bin/python3
"""Chaos run (issue 15, item 6): not a test, a script that prints figures.

A suite with two brokers, two instances of every service and two gateways
(each listing both brokers) on a dev MongoDB, under a steady mixed load from
client threads: token-authenticated queries (viewer, an incident, a page of
incidents), a session-authenticated token list (a call to r5-token that the
verdict cache does not absorb) and incident creates, each create with an
Idempotency-Key and a unique title so that it can be audited afterwards.

Then, one fault at a time, each in a window of its own:

- kill -9 one r5-token, one r5-authz, one r5-resource, one of the two
  brokers, one of the two gateways and the dev MongoDB;
- SIGTERM the same, one process type at a time;

each victim restarted after --down seconds (same ports; the dev MongoDB on
the same data directory, whose journal is written before every reply).

Per fault it prints: requests sent (by start time in the window), ok,
failed by status (HTTP code, `gql:<code>` for a 200 carrying errors,
`refused` / `reset` for connections), hung (no answer within
--client-timeout), acknowledged writes lost (a create answered 200 whose
object MongoDB does not hold afterwards, or holds under another id),
ambiguous writes (a create that failed or hung but is stored), and the
recovery time: from the fault to the end of the last 0.5 s bucket whose
success rate is below the window's pre-fault rate (restart included).

    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release -j2
    /usr/bin/python3 tests/bench/chaos.py [--build-dir build-release] [--settle 3] [--down 3]
                                          [--observe 5] [--threads 8] [--rate 60]
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid

import bench
import r5suite
from r5client import Session

SERVICES = ('r5-token', 'r5-authz', 'r5-resource')
KINDS = ('r5-token', 'r5-authz', 'r5-resource', 'r5-broker', 'r5-gateway', 'r5-devmongo')
BUCKET_S = 0.5
TOLERANCE = 0.02        # a bucket this far below the pre-fault success rate is not recovered

VIEWER = '{ viewer { id } }'
INCIDENT = 'query($id: ID!) { incident(id: $id) { id title status } }'
INCIDENTS = '{ incidents(first: 10) { nodes { id title } } }'
TOKENS = '{ personalAccessTokens(first: 5) { nodes { id description } } }'
CREATE = 'mutation($t: String!) { createIncident(input: {title: $t, description: "chaos"}) { incident { id } } }'

# (operation, share of the load)
MIX = (('viewer', 0.20), ('incident', 0.15), ('incidents', 0.20), ('tokens', 0.10), ('create', 0.35))


# ----------------------------------------------------------------------------
#  The load

class Record:
    __slots__ = ('window', 'op', 'start', 'end', 'outcome', 'ok', 'title', 'id')

    def __init__(self, window, op, start):
        self.window, self.op, self.start = window, op, start
        self.end = self.outcome = self.title = self.id = None
        self.ok = False


def post(url, payload, headers, timeout):
    """One POST on a new connection (no keep-alive: a reused connection the
    server closed would be a failure the fault did not cause). Answers
    (status, body) or (outcome word, None)."""
    host, port = url.split('//', 1)[1].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request('POST', '/graphql', json.dumps(payload), dict(headers, Connection='close'))
        response = connection.getresponse()
        return response.status, response.read()
    except socket.timeout:
        return 'hung', None
    except ConnectionRefusedError:
        return 'refused', None
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected, http.client.IncompleteRead):
        return 'reset', None
    except OSError as error:
        return 'oserror:%s' % (error.errno or type(error).__name__), None
    finally:
        connection.close()


class Load:
    """Client threads, each paced to rate / threads requests a second (the
    next request starts at once when one took longer), spread over the
    gateways in turn. Every request is recorded under the window current
    when it started."""

    def __init__(self, urls, token, cookie, incident_ids, threads, rate, timeout):
        self.urls, self.token, self.cookie = urls, token, cookie
        self.incident_ids = incident_ids
        self.interval = threads / rate
        self.timeout = timeout
        self.window = 'warm-up'
        self.records = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _request(self, record, url):
        headers = {'Content-Type': 'application/json'}
        variables = {}
        if record.op == 'tokens':
            headers.update({'Cookie': self.cookie, 'Origin': url})
        else:
            headers['Authorization'] = 'Bearer ' + self.token
        if record.op == 'incident':
            variables = {'id': random.choice(self.incident_ids)}
        elif record.op == 'create':
            key = uuid.uuid4().hex
            record.title = 'chaos %s %s' % (record.window, key)
            variables = {'t': record.title}
            headers['Idempotency-Key'] = key
        query = {'viewer': VIEWER, 'incident': INCIDENT, 'incidents': INCIDENTS, 'tokens': TOKENS,
                 'create': CREATE}[record.op]
        status, body = post(url, {'query': query, 'variables': variables}, headers, self.timeout)
        if body is None:
            return status
        if status != 200:
            return str(status)
        try:
            answer = json.loads(body)
        except ValueError:
            return '200:not-json'
        if answer.get('errors'):
            return 'gql:%s' % answer['errors'][0].get('extensions', {}).get('code', '?')
        if record.op == 'create':
            record.id = ((answer.get('data') or {}).get('createIncident') or {}).get('incident', {}).get('id')
            if not record.id:
                return '200:no-id'
        record.ok = True
        return 'ok'

    def _run(self, index):
        rng = random.Random(index)
        ops = [op for op, _ in MIX]
        weights = [share for _, share in MIX]
        turn = index
        next_at = time.monotonic() + rng.random() * self.interval
        while not self.stopping.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stopping.wait(delay)
            next_at = max(next_at + self.interval, time.monotonic())
            record = Record(self.window, rng.choices(ops, weights)[0], time.monotonic())
            turn += 1
            record.outcome = self._request(record, self.urls[turn % len(self.urls)])
            record.end = time.monotonic()
            self.records.append(record)     # list.append is atomic under the GIL

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


# ----------------------------------------------------------------------------
#  The suite and its faults

class Chaos:
    """The suite's processes by kind, with how to kill and restart each."""

    def __init__(self, suite, devmongo_dir):
        self.suite = suite
        self.devmongo_dir = devmongo_dir

    def first(self, kind):
        for process in self.suite.processes:
            if process.name == kind and process.alive():
                return process
        raise RuntimeError('no %s running' % kind)

    def stop(self, kind, sig, grace):
        """Signal the first instance of kind; answers the process, its exit
        code and how long it took to exit."""
        victim = self.first(kind)
        started = time.monotonic()
        code = victim.stop(sig, timeout=grace)
        # It stays in suite.processes (stopping it again is harmless), so the
        # instance started in its place gets a log file of its own.
        return victim, code, time.monotonic() - started

    def restart(self, kind, victim):
        """Start kind again where victim was (same ports, same data)."""
        suite = self.suite
        if kind in SERVICES:
            return suite.start_service(kind)
        if kind == 'r5-broker':
            fields = victim.fields
            process = suite._start('r5-broker', [suite.binary('r5-broker'), '--bind', fields['endpoint'],
                                                 '--events-in', fields['events_in'],
                                                 '--events-out', fields['events_out']])
            suite.brokers[suite.brokers.index(victim)] = process
            return process
        if kind == 'r5-gateway':
            index = suite.gateways.index(victim)
            process = suite.start_gateway(int(victim.fields['port']))
            suite.gateways.remove(process)
            suite.gateways[index] = process
            return process
        assert kind == 'r5-devmongo'
        return suite._start('r5-devmongo', ['/usr/bin/python3',
                                            os.path.join(r5suite.SOURCE_DIR, 'deploy', 'devmongo', 'r5-devmongo'),
                                            '--data-dir', self.devmongo_dir, '--port', victim.fields['port']])


# ----------------------------------------------------------------------------
#  Figures

def analyse(records, t0, window_end):
    """Success rate before the fault; recovery: end of the last bucket after
    the fault whose success rate is below it (None when none was; window_end
    when still below). A bucket in which no request started has no rate: a
    slow machine (two shared cores) starts fewer requests, and a request that
    hangs is counted in the bucket it started in."""
    before = [r for r in records if r.start < t0]
    baseline = sum(r.ok for r in before) / len(before) if before else 1.0
    last_bad = None
    k = -1      # the bucket just before the fault: its requests were in flight at it
    while t0 + k * BUCKET_S < window_end:
        low, high = t0 + k * BUCKET_S, min(t0 + (k + 1) * BUCKET_S, window_end)
        bucket = [r for r in records if low <= r.start < high]
        if bucket and sum(r.ok for r in bucket) / len(bucket) < baseline - TOLERANCE:
            last_bad = high
        k += 1
    return baseline, last_bad


def timeline(records, t0, window_end):
    """One line per bucket from a second before the fault: requests started,
    ok, the worst outcome and the slowest answer."""
    k = -2
    while t0 + k * BUCKET_S < window_end:
        low, high = t0 + k * BUCKET_S, t0 + (k + 1) * BUCKET_S
        bucket = [r for r in records if low <= r.start < high]
        bad = sorted({'%s:%s' % (r.op, r.outcome) for r in bucket if not r.ok})
        print('    %+5.1f s %4d sent %4d ok  max %6.0f ms  %s' % (
            k * BUCKET_S, len(bucket), sum(r.ok for r in bucket),
            max([(r.end - r.start) * 1000 for r in bucket] or [0]), ' '.join(bad)))
        k += 1


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float('nan')


def audit(mongodb_uri, records):
    """For every create: how many incidents MongoDB holds with its title, and their ids."""
    import pymongo
    client = pymongo.MongoClient(mongodb_uri, serverSelectionTimeoutMS=10000)
    try:
        stored = {}
        for doc in client.get_default_database().incidents.find({}, {'title': 1}):
            stored.setdefault(doc.get('title'), []).append(doc['_id'])
    finally:
        client.close()
    return {r.title: stored.get(r.title, []) for r in records if r.op == 'create'}


def main():
    parser = argparse.ArgumentParser(description='kill and stop r5 processes under load; print what clients saw')
    parser.add_argument('--build-dir', default=os.environ.get('R5_BENCH_BUILD_DIR',
                                                              os.path.join(bench.SOURCE_DIR, 'build-release')))
    parser.add_argument('--settle', type=float, default=3.0, help='seconds of load before each fault')
    parser.add_argument('--down', type=float, default=3.0, help='seconds a victim stays down')
    parser.add_argument('--observe', type=float, default=5.0, help='seconds of load after each restart')
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--rate', type=float, default=60.0, help='requests a second, all threads together')
    parser.add_argument('--client-timeout', type=float, default=15.0, help='seconds without an answer: hung')
    parser.add_argument('--grace-ms', type=int, default=10000, help='R5_SHUTDOWN_GRACE_MS')
    parser.add_argument('--faults', default='all', help='comma-separated, e.g. kill:r5-token,term:r5-broker')
    parser.add_argument('--env', action='append', default=[], metavar='R5_KEY=VALUE',
                        help='a setting for every process (repeatable), e.g. R5_THREADS=16')
    parser.add_argument('--keep', action='store_true', help='keep the data directory (logs) afterwards')
    parser.add_argument('--timeline', action='store_true', help='also print each window bucket by bucket')
    args = parser.parse_args()

    faults = [(sig, kind) for sig in ('kill', 'term') for kind in KINDS]
    if args.faults != 'all':
        faults = [tuple(f.strip().split(':', 1)) for f in args.faults.split(',')]
        for fault in faults:
            if len(fault) != 2 or fault[0] not in ('kill', 'term') or fault[1] not in KINDS:
                parser.error('unknown fault %s (kill:<kind> or term:<kind>, kinds: %s)'
                             % (':'.join(fault), ', '.join(KINDS)))

    data_dir = tempfile.mkdtemp(prefix='r5-chaos-')
    # Access lines off: one per request would be most of the disk writes.
    env = {'R5_ACCESS_LOG': 'false', 'R5_SHUTDOWN_GRACE_MS': str(args.grace_ms),
           'R5_SIGNUP_LIMIT_PER_ADDRESS': '1000/60', 'R5_LOGIN_LIMIT_PER_ADDRESS': '1000/60'}
    for setting in args.env:
        key, _, value = setting.partition('=')
        if not key.startswith('R5_') or not _:
            parser.error('--env takes R5_KEY=VALUE, not %s' % setting)
        env[key] = value
    suite = r5suite.Suite(args.build_dir, data_dir, env=env, brokers=2, log_level='info')
    rows = []
    started = time.monotonic()
    try:
        suite.start()
        for name in SERVICES:
            suite.start_service(name)
        suite.start_gateway()
        suite.wait_ready()
        chaos = Chaos(suite, os.path.join(data_dir, 'mongo'))
        urls = [suite.url(i) for i in range(len(suite.gateways))]
        session = Session(urls[0])
        session.signup()
        token = session.create_token(['incidentsRead', 'incidentsWrite'])['value']
        ids = []
        for i in range(10):
            made = session.graphql(CREATE, {'t': 'seed %d' % i}).json()
            ids.append(made['data']['createIncident']['incident']['id'])
        load = Load(urls, token, session.cookie, ids, args.threads, args.rate, args.client_timeout)
        load.start()
        load_before = os.getloadavg()[0]
        time.sleep(args.settle)     # warm-up: connections, caches
        windows = []
        for sig, kind in faults:
            name = '%s:%s' % (sig, kind)
            if any(w[0] == name for w in windows):
                name += '#%d' % (1 + sum(w[0].split('#')[0] == name for w in windows))
            load.window = name
            window_start = time.monotonic()
            time.sleep(args.settle)
            t0 = time.monotonic()
            victim, code, exit_s = chaos.stop(kind, signal.SIGKILL if sig == 'kill' else signal.SIGTERM,
                                              args.grace_ms / 1000 + 5)
            time.sleep(max(0.0, args.down - (time.monotonic() - t0)))
            chaos.restart(kind, victim)
            ready_s = time.monotonic() - t0
            time.sleep(args.observe)
            windows.append((name, window_start, t0, time.monotonic(), code, exit_s, ready_s))
            print('%-18s done: exit %s after %.2f s, restarted and ready %.2f s after the fault'
                  % (name, code, exit_s, ready_s), file=sys.stderr, flush=True)
        load_after = os.getloadavg()[0]
        load.window = 'cool-down'
        time.sleep(1.0)
        load.stop()
        suite.wait_ready()
        stored = audit(suite.mongodb_uri, load.records)
    except r5suite.SuiteError as error:
        print('chaos: %s' % error, file=sys.stderr)
        return 1
    finally:
        # Stopped in reverse: gateways, services, brokers, the dev MongoDB
        # last (restarted ones sit at the end of the list; a service stopping
        # after MongoDB waits out its server selection to end its sessions).
        order = ('r5-devmongo', 'r5-broker') + SERVICES + ('r5-gateway',)
        suite.processes.sort(key=lambda p: order.index(p.name))
        suite.stop()

    print('\nchaos: 2 brokers, 2 gateways, 2 x r5-token/r5-authz/r5-resource, dev MongoDB; %d threads at %.0f req/s '
          '(%s); settle %.0f s, down %.0f s, observe %.0f s; client timeout %.0f s; %d CPUs, load average %.1f '
          'at the first fault and %.1f at the last; %.0f s in all'
          % (args.threads, args.rate, ', '.join('%s %.0f%%' % (op, share * 100) for op, share in MIX),
             args.settle, args.down, args.observe, args.client_timeout, os.cpu_count(), load_before, load_after,
             time.monotonic() - started))
    print('%-18s %5s %5s %5s %-28s %4s %5s %5s %4s %6s %7s %7s %8s' % (
        'fault', 'exit', 'sent', 'ok', 'failed by status', 'hung', 'acked', 'lost', 'ambg', 'dup',
        'ready s', 'p99 ms', 'recovery'))
    totals = {'sent': 0, 'ok': 0, 'hung': 0, 'lost': 0, 'ambiguous': 0, 'dup': 0}
    for name, window_start, t0, window_end, code, exit_s, ready_s in windows:
        records = [r for r in load.records if r.window == name]
        failed = {}
        for r in records:
            if not r.ok and r.outcome != 'hung':
                failed[r.outcome] = failed.get(r.outcome, 0) + 1
        hung = sum(r.outcome == 'hung' for r in records)
        creates = [r for r in records if r.op == 'create']
        acked = [r for r in creates if r.ok]
        lost = sum(r.id not in stored[r.title] for r in acked)
        ambiguous = sum(bool(stored[r.title]) for r in creates if not r.ok)
        dup = sum(len(stored[r.title]) > 1 for r in creates)
        baseline, last_bad = analyse(records, t0, window_end)
        recovery = ('0' if last_bad is None else
                    '>%.1f' % (last_bad - t0) if last_bad >= window_end - 1e-6 else '%.1f' % (last_bad - t0))
        p99 = percentile([(r.end - r.start) * 1000 for r in records if r.ok], 0.99)
        print('%-18s %5s %5d %5d %-28s %4d %5d %5d %4d %6d %7.2f %7.0f %8s' % (
            name, code, len(records), sum(r.ok for r in records),
            ' '.join('%s:%d' % item for item in sorted(failed.items())) or '-', hung, len(acked), lost,
            ambiguous, dup, ready_s, p99, recovery))
        if args.timeline:
            timeline(records, t0, window_end)
        for key, value in (('sent', len(records)), ('ok', sum(r.ok for r in records)), ('hung', hung),
                           ('lost', lost), ('ambiguous', ambiguous), ('dup', dup)):
            totals[key] += value
    print('total: %(sent)d sent, %(ok)d ok, %(hung)d hung, %(lost)d acknowledged writes lost, '
          '%(ambiguous)d ambiguous, %(dup)d stored twice' % totals)
    print('lost: answered 200, not stored (or under another id); ambg: failed or hung, yet stored; '
          'dup: stored more than once; recovery: fault to the end of the last %.1f s bucket below the '
          'pre-fault success rate (restart included; 0: none; >: still below when the window ended)' % BUCKET_S)
    if args.keep:
        print('logs: %s' % os.path.join(data_dir, 'logs'))
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
