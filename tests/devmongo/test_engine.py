#!/usr/bin/python3
"""Unit tests of r5-devmongo's engine and journal, in process (no sockets).

Run: /usr/bin/python3 tests/devmongo/test_engine.py

The equality index must never change a result: every query here runs with
the index and with plain mongomock scans, and the answers must be equal.
"""

import os
import random
import shutil
import stat
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'deploy', 'devmongo'))

from bson.binary import UuidRepresentation  # noqa: E402
from bson.codec_options import CodecOptions  # noqa: E402
from bson.int64 import Int64  # noqa: E402
from bson.objectid import ObjectId  # noqa: E402

from r5devmongo import commands, engine, journal  # noqa: E402

CODEC = CodecOptions(tz_aware=False, uuid_representation=UuidRepresentation.UNSPECIFIED)
CLIENT = engine.install()


class Server:
    """A Commands object on its own data dir, as the real server builds it."""

    def __init__(self, data_dir):
        self.client = engine.mongomock.MongoClient(_store=engine.R5ServerStore())
        self.journal = journal.Journal(data_dir, CODEC, fsync='never')
        self.journal.open(self.client._store)
        self.cmds = commands.Commands(self.client, self.journal)

    def run(self, **cmd):
        cmd.setdefault('$db', 't')
        return self.cmds.run(cmd, 1)

    def find(self, coll, flt, **kw):
        r = self.run(find=coll, filter=flt, batchSize=100000, **kw)
        assert r['ok'] == 1.0, r
        return r['cursor']['firstBatch']

    def close(self):
        self.journal.close()
        os.close(self.journal._lock_fd)


VALUES = [0, 1, 2, Int64(1), Int64(2), 1.0, 2.5, float('nan'), True, False, 'a', 'b', '1',
          None, b'\x00\x01', b'', [1, 2], ['a'], [], {'b': 1}, {'b': 'a'}, [{'b': 1}],
          ObjectId('5f0000000000000000000001')]


def random_doc(rng, i):
    doc = {'_id': i}
    for field in ('a', 'c'):
        if rng.random() < 0.85:
            doc[field] = rng.choice(VALUES)
    return doc


def random_filter(rng):
    def term():
        field = rng.choice(['a', 'c', 'a.b', '_id'])
        v = rng.choice(VALUES + [3, 7])
        kind = rng.random()
        if kind < 0.5:
            return {field: v}
        if kind < 0.7:
            return {field: {'$eq': v}}
        if kind < 0.9:
            return {field: {'$in': [v, rng.choice(VALUES)]}}
        return {field: {'$ne': v}}
    flt = term()
    if rng.random() < 0.4:
        flt = {'$and': [flt, term()]}
    elif rng.random() < 0.4:
        other = term()
        for k, v in other.items():
            flt.setdefault(k, v)
    return flt


class EngineTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='r5-devmongo-engine-')
        self.srv = Server(self.dir)

    def tearDown(self):
        engine.EQ_INDEX = True
        self.srv.close()
        shutil.rmtree(self.dir)

    def both(self, coll, flt):
        engine.EQ_INDEX = True
        with_index = self.srv.find(coll, flt)
        engine.EQ_INDEX = False
        without = self.srv.find(coll, flt)
        engine.EQ_INDEX = True
        return with_index, without

    def test_index_never_changes_results(self):
        rng = random.Random(5)
        self.srv.run(createIndexes='d', indexes=[
            {'key': {'a': 1}, 'name': 'a_1'}, {'key': {'a.b': 1, 'c': -1}, 'name': 'ab_c'}])
        docs = [random_doc(rng, i) for i in range(300)]
        self.assertEqual(self.srv.run(insert='d', documents=docs)['n'], 300)
        # in-place updates must re-file documents
        self.srv.run(update='d', updates=[
            {'q': {'a': 1}, 'u': {'$set': {'a': 'moved'}}, 'multi': True},
            {'q': {'c': 'a'}, 'u': {'$inc': {'n': 1}, '$set': {'c': None}}, 'multi': True}])
        self.srv.run(delete='d', deletes=[{'q': {'a': 'b'}, 'limit': 0}])
        for _ in range(600):
            flt = random_filter(rng)
            got, want = self.both('d', flt)
            self.assertEqual([d['_id'] for d in got], [d['_id'] for d in want], flt)
        got, want = self.both('d', {'a': 'moved'})
        self.assertTrue(got)
        self.assertEqual(got, want)

    def test_unique_after_in_place_updates(self):
        self.srv.run(createIndexes='u', indexes=[
            {'key': {'e': 1}, 'name': 'e_1', 'unique': True}])
        self.srv.run(insert='u', documents=[{'_id': i, 'e': 'x%d' % i, 'g': i % 2}
                                            for i in range(10)])
        # updateMany making two documents equal fails on the second
        r = self.srv.run(update='u', updates=[
            {'q': {'g': 0}, 'u': {'$set': {'e': 'same'}}, 'multi': True}])
        self.assertEqual(r['writeErrors'][0]['code'], 11000)
        self.assertEqual(r['nModified'], 1)
        self.assertEqual(len(self.srv.find('u', {'e': 'same'})), 1)
        # the failed document kept its value and its index entry
        self.assertEqual(len(self.srv.find('u', {'e': 'x2'})), 1)
        r = self.srv.run(insert='u', documents=[{'e': 'same'}])
        self.assertEqual(r['writeErrors'][0]['code'], 11000)
        self.assertEqual(r['writeErrors'][0]['keyValue'], {'e': 'same'})
        # numbers of different types are the same key, as in MongoDB
        self.srv.run(insert='u', documents=[{'_id': 'n', 'e': 5}])
        r = self.srv.run(insert='u', documents=[{'e': Int64(5)}, {'e': 5.0}], ordered=False)
        self.assertEqual([w['code'] for w in r['writeErrors']], [11000, 11000])
        # two documents without the field collide on null (non-sparse)
        self.assertEqual(self.srv.run(insert='u', documents=[{'z': 1}])['n'], 1)
        r = self.srv.run(insert='u', documents=[{'z': 2}])
        self.assertEqual(r['writeErrors'][0]['code'], 11000)

    def test_inc_keeps_numeric_types(self):
        self.srv.run(insert='n', documents=[{'_id': 1, 'i': 1, 'l': Int64(1), 'f': 1.5,
                                             'big': 2**31 - 1, 's': 'x'}])
        r = self.srv.run(update='n', updates=[{'q': {'_id': 1}, 'u': {
            '$inc': {'i': 1, 'l': 1, 'f': 1, 'big': 1, 'new': Int64(3)}}}])
        self.assertEqual(r['nModified'], 1)
        doc = self.srv.find('n', {'_id': 1})[0]
        self.assertIs(type(doc['i']), int)
        self.assertIs(type(doc['l']), Int64)
        self.assertIs(type(doc['f']), float)
        self.assertIs(type(doc['big']), Int64)
        self.assertIs(type(doc['new']), Int64)
        r = self.srv.run(update='n', updates=[{'q': {'_id': 1}, 'u': {
            '$set': {'half': 1}, '$inc': {'s': 1}}}])
        self.assertEqual(r['writeErrors'][0]['code'], 14)
        self.assertNotIn('half', self.srv.find('n', {'_id': 1})[0])

    def test_errors_have_mongodb_shape(self):
        r = self.srv.run(frobnicate=1)
        self.assertEqual((r['ok'], r['code'], r['codeName']), (0.0, 59, 'CommandNotFound'))
        self.assertEqual(r['errmsg'], "no such command: 'frobnicate'")
        r = self.srv.run(find='x', filter={}, bogus=1)
        self.assertEqual(r['code'], 40415)
        r = self.srv.run(find='x', filter={}, writeConcern={'w': 'majority'})
        self.assertEqual(r['code'], 72)
        r = self.srv.run(insert='x', documents=[{}], writeConcern={'w': 2})
        self.assertEqual(r['code'], 2)
        r = self.srv.run(insert='x', documents=[{}], txnNumber=Int64(1))
        self.assertEqual(r['code'], 20)
        r = self.srv.run(getMore=Int64(42), collection='x')
        self.assertEqual(r['code'], 43)
        r = self.srv.run(drop='nothing')
        self.assertEqual(r['code'], 26)

    def test_journal_replays_exactly_and_tolerates_torn_tail(self):
        docs = [{'_id': ObjectId(), 'i': 1, 'l': Int64(1), 'b': b'\x00', 'a': [1, {'x': None}]}
                for _ in range(5)]
        self.srv.run(insert='j', documents=docs)
        self.srv.run(createIndexes='j', indexes=[{'key': {'i': 1}, 'name': 'i_1'}])
        self.srv.run(delete='j', deletes=[{'q': {'_id': docs[0]['_id']}, 'limit': 1}])
        self.srv.run(insert='gone', documents=[{'x': 1}])
        self.srv.run(drop='gone')
        before = self.srv.find('j', {})
        # crash: no clean close, then a torn record
        self.srv.journal.f.flush()
        with open(os.path.join(self.dir, journal.JOURNAL), 'ab') as f:
            f.write(b'QUJD')
        os.close(self.srv.journal._lock_fd)
        self.srv.journal.f.close()
        self.srv = Server(self.dir)
        after = self.srv.find('j', {})
        self.assertEqual(before, after)
        self.assertEqual([type(v) for v in after[0].values()],
                         [type(v) for v in before[0].values()])
        self.assertEqual(len(self.srv.run(listIndexes='j', cursor={})['cursor']['firstBatch']),
                         2)
        names = [c['name'] for c in self.srv.run(listCollections=1)['cursor']['firstBatch']]
        self.assertEqual(names, ['j'])
        # damage before the last record is fatal, not silently skipped
        self.srv.close()
        with open(os.path.join(self.dir, journal.JOURNAL), 'wb') as f:
            f.write(b'garbage\n' + b'QUJD\n')
        with self.assertRaises(journal.JournalError):
            Server(self.dir)

    def test_compaction_keeps_state(self):
        old = journal.SLACK
        journal.SLACK = 1000
        try:
            for i in range(200):
                self.srv.run(update='c', updates=[{'q': {'_id': i % 7},
                                                   'u': {'$inc': {'n': 1}}, 'upsert': True}])
            self.assertLess(self.srv.journal.journal_bytes,
                            2 * self.srv.journal.live_bytes + 1000 + 200)
            before = self.srv.find('c', {}, sort={'_id': 1})
        finally:
            journal.SLACK = old
        self.srv.close()
        self.srv = Server(self.dir)
        self.assertEqual(self.srv.find('c', {}, sort={'_id': 1}), before)
        self.assertEqual(sum(d['n'] for d in before), 200)

    def test_files_are_private_whatever_the_umask(self):
        self.srv.close()
        data = os.path.join(self.dir, 'data')
        os.makedirs(data)
        os.chmod(data, 0o755)
        loose = os.path.join(data, 'journal.r5j')
        open(loose, 'wb').close()
        os.chmod(loose, 0o644)
        old = os.umask(0)
        try:
            self.srv = Server(data)
            self.srv.run(insert='c', documents=[{'_id': 1, 'secret': 'argon2id$...'}])
            self.srv.journal.compact()      # snapshot.r5j and a fresh journal.r5j
        finally:
            os.umask(old)
        modes = {name: stat.S_IMODE(os.stat(os.path.join(data, name)).st_mode) for name in os.listdir(data)}
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
        self.assertEqual(set(modes), {'LOCK', 'journal.r5j', 'snapshot.r5j'})
        self.assertEqual(set(modes.values()), {0o600}, modes)


if __name__ == '__main__':
    unittest.main()
