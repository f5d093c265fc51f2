#!/usr/bin/python3
"""Benchmark: what idle and slow clients cost everyone else. With 0 and then
500 idle TCP connections (plus slowloris clients trickling their headers)
held open against the gateway, a fresh client times `/healthz` and an
authenticated `{ viewer { id } }`, each on a new connection, as a new client
would. The same run measures the gateway with its old settings (64 threads,
30 s request timeout) as the peer. Prints p50/p99/max latency and how many
requests got no answer within 5 s.

    /usr/bin/python3 tests/bench/idle_connections.py [requests] [idle]
"""

import http.client
import json
import socket
import sys
import time

import bench
import r5suite
from r5client import Session

ANSWER_WITHIN_S = 5.0


def timed(port, method, path, body=None, headers=None):
    """Seconds for one request on a new connection, or None when no answer came in time."""
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection('127.0.0.1', port, timeout=ANSWER_WITHIN_S)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            return None
    except OSError:
        return None
    return time.monotonic() - started


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float('nan')


def measure(port, token, requests):
    rows = {}
    viewer = json.dumps({'query': '{ viewer { id } }'})
    for name, call in (('/healthz', lambda: timed(port, 'GET', '/healthz')),
                       ('viewer (token)', lambda: timed(port, 'POST', '/graphql', viewer,
                                                        {'Content-Type': 'application/json',
                                                         'Authorization': 'Bearer ' + token}))):
        times, lost = [], 0
        for _ in range(requests):
            seconds = call()
            if seconds is None:
                lost += 1
            else:
                times.append(seconds * 1000)
        rows[name] = (times, lost)
    return rows


def hold(port, idle, slow):
    """Open idle connections that send nothing, and slow ones that send half a header."""
    sockets = [socket.create_connection(('127.0.0.1', port)) for _ in range(idle)]
    for _ in range(slow):
        sock = socket.create_connection(('127.0.0.1', port))
        sock.sendall(b'GET /healthz HTTP/1.1\r\nX-Slow: ')
        sockets.append(sock)
    return sockets


def main():
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    bench.build()
    configs = (('r5 defaults', {}),
               ('old settings (64 threads, 30 s timeout)', {'R5_THREADS': '64', 'R5_REQUEST_TIMEOUT_MS': '30000',
                                                           'R5_KEEP_ALIVE_TIMEOUT_MS': '30000'}))
    print('%-42s %-18s %-15s %8s %8s %8s %6s' % ('gateway', 'held open', 'request', 'p50 ms', 'p99 ms', 'max ms',
                                                 'lost'))
    for label, env in configs:
        env = dict(env, R5_LOG_LEVEL='warn')
        with r5suite.Suite(bench.BUILD_DIR, bench.data_dir(), env=env) as suite:
            port = int(suite.gateways[0].fields['port'])
            session = Session(suite.url())
            session.signup()
            token = session.create_token(['incidentsRead'])['value']
            for held, slow in ((0, 0), (idle, 20)):
                sockets = hold(port, held, slow)
                try:
                    for name, (times, lost) in measure(port, token, requests).items():
                        print('%-42s %-18s %-15s %8.2f %8.2f %8.2f %6d'
                              % (label, '%d idle + %d slow' % (held, slow), name, percentile(times, 0.5),
                                 percentile(times, 0.99), max(times) if times else float('nan'), lost))
                finally:
                    for sock in sockets:
                        sock.close()
    print('\nlost: no answer within %.0f s' % ANSWER_WITHIN_S)


if __name__ == '__main__':
    main()
