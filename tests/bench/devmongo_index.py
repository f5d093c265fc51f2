#!/usr/bin/python3
"""Benchmark: r5-devmongo lookups and pages at 1,000 and 100,000 documents.

    /usr/bin/python3 tests/bench/devmongo_index.py [sizes...] [-- r5-devmongo options]

Starts deploy/devmongo/r5-devmongo on a fresh data directory, fills an
`incidents` collection (the services' indexes: account_id + status,
account_id + team_history_ids, account_id + participant_ids; two accounts,
90% of incidents in the first) and a `tokens` collection (one token per ten
incidents; unique digest, user_id + created_at, a TTL index) and, at each
size, times through pymongo on one connection:

  - incident by id    {_id, account_id}                         (resource)
  - token by digest   {digest}                                  (token verify)
  - page of 50        {account_id, _id < cursor} sort _id -1, limit 51

Each figure is the median of 5 rounds of up to 300 operations, in
microseconds per operation, with the ratio to the first size; and the
MongoDB commands per operation from r5CommandStats.
"""

import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pymongo
from bson.objectid import ObjectId

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, '..', '..', 'deploy', 'devmongo', 'r5-devmongo')


def start(data, extra):
    proc = subprocess.Popen(['/usr/bin/python3', SERVER, '--data-dir', data, '--port', '0',
                             '--log-level', 'warning'] + extra, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith('r5-devmongo ready port='):
        proc.kill()
        sys.exit('r5-devmongo did not start')
    return proc, int(line.split('=')[1])


def fill(db, have, size, state):
    incidents, tokens = [], []
    for i in range(have, size):
        _id = '%024x' % (i + 1)
        account = state['accounts'][0 if i % 10 else 1]
        incidents.append({'_id': _id, 'account_id': account, 'title': 'incident %d' % i,
                          'description': 'benchmark', 'status': 'TRIGGERED', 'urgency': 'HIGH',
                          'team_history_ids': [], 'participant_ids': [account],
                          'created_at': time.time()})
        state['ids'].append((_id, account))
        if i % 10 == 0:
            digest = os.urandom(32)
            tokens.append({'_id': ObjectId(), 'digest': digest, 'user_id': ObjectId(),
                           'created_at': time.time(), 'scopes': ['incidentsRead'],
                           'expires_at': None})
            state['digests'].append(digest)
        if len(incidents) == 1000:
            db.incidents.insert_many(incidents, ordered=True)
            incidents = []
    if incidents:
        db.incidents.insert_many(incidents)
    if tokens:
        for k in range(0, len(tokens), 1000):
            db.tokens.insert_many(tokens[k:k + 1000])


def timed(op, rounds=5, n=300, max_s=1.0):
    per = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        done = 0
        while done < n and (done < 20 or time.perf_counter() - t0 < max_s):
            op()
            done += 1
        per.append((time.perf_counter() - t0) / done * 1e6)
    return statistics.median(per)


def main():
    args = sys.argv[1:]
    extra = []
    if '--' in args:
        extra = args[args.index('--') + 1:]
        args = args[:args.index('--')]
    sizes = [int(a) for a in args] or [1000, 100000]
    data = tempfile.mkdtemp(prefix='r5-devmongo-index-bench-')
    proc, port = start(data, extra)
    try:
        client = pymongo.MongoClient('127.0.0.1', port, serverSelectionTimeoutMS=2000,
                                     maxPoolSize=1, w='majority')
        db = client.r5bench
        db.command('createIndexes', 'incidents', indexes=[
            {'key': {'account_id': 1, 'status': 1}, 'name': 'account_status'},
            {'key': {'account_id': 1, 'team_history_ids': 1}, 'name': 'account_teams'},
            {'key': {'account_id': 1, 'participant_ids': 1}, 'name': 'account_participants'}])
        db.command('createIndexes', 'tokens', indexes=[
            {'key': {'digest': 1}, 'name': 'digest_unique', 'unique': True},
            {'key': {'user_id': 1, 'created_at': -1}, 'name': 'user_created'},
            {'key': {'expires_at': 1}, 'name': 'expiry', 'expireAfterSeconds': 0}])
        state = {'accounts': ['%024x' % 0xA, '%024x' % 0xB], 'ids': [], 'digests': []}
        rng = random.Random(1)
        rows = []
        for size in sizes:
            t0 = time.perf_counter()
            fill(db, len(state['ids']), size, state)
            fill_s = time.perf_counter() - t0
            # The client's own bookkeeping (100,000 ids) must not weigh on
            # its garbage collector during the timing.
            gc.collect()
            gc.freeze()
            ids, digests = state['ids'], state['digests']

            def by_id():
                _id, account = rng.choice(ids)
                assert db.incidents.find_one({'_id': _id, 'account_id': account})

            def by_digest():
                assert db.tokens.find_one({'digest': rng.choice(digests)})

            def page():
                cursor = ids[rng.randrange(len(ids) // 2, len(ids))][0]
                got = list(db.incidents.find({'account_id': state['accounts'][0],
                                              '_id': {'$lt': cursor}},
                                             sort=[('_id', -1)], limit=51))
                assert len(got) == 51 or len(ids) < 100

            figures = []
            for op in (by_id, by_digest, page):
                client.admin.command('r5CommandStats', 1, reset=True)
                us = timed(op)
                stats = client.admin.command('r5CommandStats', 1, reset=True)
                n_ops = stats['commands'].get('find', 0)
                figures.append((us, stats['total'] / max(1, n_ops)))
            rows.append((size, len(digests), fill_s, figures))
        print('r5-devmongo, pymongo, 1 connection; microseconds per operation (median of 5)')
        print('%-10s %-8s %10s %12s %12s %12s %16s' % ('incidents', 'tokens', 'fill s',
                                                        'by id', 'by digest', 'page of 50',
                                                        'cmds/op'))
        base = rows[0][3]
        for size, ntok, fill_s, figs in rows:
            cells = ['%6.0f (%.1fx)' % (us, us / b[0]) for (us, _), b in zip(figs, base)]
            print('%-10d %-8d %10.1f %12s %12s %12s %16s' % (
                size, ntok, fill_s, cells[0], cells[1], cells[2],
                '/'.join('%.0f' % c for _, c in figs)))
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(data)


if __name__ == '__main__':
    main()
