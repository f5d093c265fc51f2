#!/usr/bin/python3
"""In-process r5-devmongo engine throughput (no sockets, no client).

Run: /usr/bin/python3 tests/devmongo/bench_engine.py [--no-eq-index]

Drives the command layer directly, so the figures show how the engine
scales with the number of documents without the noise of the wire path
and the client; deploy/devmongo/bench.sh measures the whole path.
"""

import datetime
import os
import random
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'deploy', 'devmongo'))

from bson.binary import UuidRepresentation  # noqa: E402
from bson.codec_options import CodecOptions  # noqa: E402
from bson.objectid import ObjectId  # noqa: E402

from r5devmongo import commands, engine, journal  # noqa: E402

CODEC = CodecOptions(tz_aware=False, uuid_representation=UuidRepresentation.UNSPECIFIED)


def main():
    sizes = [1000, 10000]
    engine.EQ_INDEX = '--no-eq-index' not in sys.argv
    if not engine.EQ_INDEX:
        sizes = [1000, 3000]
    data = tempfile.mkdtemp(prefix='r5-devmongo-bench-')
    try:
        client = engine.install()
        jour = journal.Journal(data, CODEC, fsync='batch')
        jour.open(client._store)
        cmds = commands.Commands(client, jour)
        cmds.run({'createIndexes': 't', '$db': 'b', 'indexes': [
            {'key': {'hash': 1}, 'name': 'hash_1', 'unique': True},
            {'key': {'user_id': 1}, 'name': 'user_id_1'}]}, 1)
        ids, hashes = [], []
        print('engine only (in process), eq index %s' % ('on' if engine.EQ_INDEX else 'off'))
        print('%-10s %12s %14s %18s' % ('documents', 'inserts/s', 'find _id/s', 'find unique/s'))
        for size in sizes:
            t0 = None
            while len(ids) < size:
                if len(ids) == size - 1000:
                    t0 = time.perf_counter()
                _id, h = ObjectId(), os.urandom(32)
                r = cmds.run({'insert': 't', '$db': 'b', 'documents': [{
                    '_id': _id, 'user_id': ObjectId(), 'hash': h, 'description': 'ci token',
                    'scopes': ['incidentsRead', 'teamsRead'],
                    'created_at': datetime.datetime.utcnow(), 'last_used_at': None}]}, 1)
                assert r['n'] == 1, r
                ids.append(_id)
                hashes.append(h)
            ins = 1000 / (time.perf_counter() - t0)
            rates = []
            for field, keys in (('_id', ids), ('hash', hashes)):
                n, t0 = 0, time.perf_counter()
                while n < 3000 and (n < 20 or time.perf_counter() - t0 < 2):
                    r = cmds.run({'find': 't', '$db': 'b', 'filter': {field: random.choice(keys)},
                                  'limit': 1, 'singleBatch': True}, 1)
                    assert len(r['cursor']['firstBatch']) == 1
                    n += 1
                rates.append(n / (time.perf_counter() - t0))
            print('%-10d %12.0f %14.0f %18.0f' % (size, ins, rates[0], rates[1]))
        jour.close()
    finally:
        shutil.rmtree(data)


if __name__ == '__main__':
    main()
