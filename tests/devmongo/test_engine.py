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

import datetime  # noqa: E402
import struct  # noqa: E402

import bson  # noqa: E402

from r5devmongo import commands, engine, journal, wire  # noqa: E402

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


class Raw:
    """An embedded document (or array) given as raw BSON bytes."""

    def __init__(self, data, array=False):
        self.data, self.array = data, array


def raw_doc(pairs):
    """BSON bytes of a document with exactly these (name, value) pairs, in
    order, repeated names included (what a C client can send)."""
    body = b''
    for k, v in pairs:
        if isinstance(v, Raw):
            body += (b'\x04' if v.array else b'\x03') + k.encode() + b'\0' + v.data
        else:
            body += bson.encode({k: v})[4:-1]
    return struct.pack('<i', len(body) + 5) + body + b'\0'


def raw_array(*docs):
    return Raw(raw_doc([(str(i), Raw(d)) for i, d in enumerate(docs)]), array=True)


def op_msg(*pairs):
    return struct.pack('<I', 0) + b'\0' + raw_doc(pairs)


def random_range_filter(rng):
    def term():
        field = rng.choice(['a', 'c', '_id', 's'])
        kind = rng.random()
        v = rng.choice([0, 1, 2.5, 3, 'a', 'b', Int64(2), b'\x00\x01', None, True, 150, 299])
        if kind < 0.3:
            return {field: v}
        if kind < 0.8:
            ops = rng.sample(['$gt', '$gte', '$lt', '$lte'], rng.choice([1, 2]))
            return {field: {op: rng.choice([v, 1, 100, 'a', 7.5]) for op in ops}}
        return {field: {'$in': [v, rng.choice(VALUES)]}}
    flt = term()
    if rng.random() < 0.5:
        flt = {'$and': [flt, term()]}
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

    def both_find(self, coll, flt, sort, skip, limit):
        out = []
        for on in (True, False):
            engine.EQ_INDEX = on
            r = self.srv.run(find=coll, filter=flt, sort=sort, skip=skip, limit=limit,
                             batchSize=100000)
            out.append(r)
        engine.EQ_INDEX = True
        return out

    def test_sorted_index_never_changes_results(self):
        """Ranges, sorts, skips and limits served by the sorted index give
        exactly mongomock's answer (order of ties included)."""
        rng = random.Random(7)
        self.srv.run(createIndexes='r', indexes=[
            {'key': {'a': 1}, 'name': 'a_1'}, {'key': {'c': -1, 's': 1}, 'name': 'c_s'}])
        docs = []
        for i in range(300):
            d = {'_id': i}
            if rng.random() < 0.9:
                d['a'] = rng.choice([0, 1, 2, Int64(2), 2.5, 'a', 'b', None, True, b'\x00\x01',
                                     ObjectId('5f0000000000000000000001'),
                                     datetime.datetime(2020, 1, 1)])
            d['s'] = rng.choice([1, 2, 3, 'x'])
            if rng.random() < 0.8:
                d['c'] = rng.choice([1, 2, 'a', 'b', None])
            docs.append(d)
        self.assertEqual(self.srv.run(insert='r', documents=docs)['n'], 300)
        self.srv.run(update='r', updates=[{'q': {'a': 'a'}, 'u': {'$set': {'a': 1.5}},
                                           'multi': True}])
        self.srv.run(delete='r', deletes=[{'q': {'s': 'x', 'a': 0}, 'limit': 0}])
        served = 0
        for _ in range(800):
            flt = random_range_filter(rng)
            sort = {rng.choice(['a', 'c', '_id', 's']): rng.choice([1, -1])}
            skip, limit = rng.choice([0, 0, 3]), rng.choice([0, 1, 5, 50])
            store = self.srv.client._store['t']['r']
            if store.plan_find(flt, list(sort.items()), skip, limit) is not None:
                served += 1
            got, want = self.both_find('r', flt, sort, skip, limit)
            self.assertEqual(got, want, (flt, sort, skip, limit))
        self.assertGreater(served, 300)     # the index did serve most of them
        # a loose (array) value on the sort path: mongomock sorts, same answer
        self.srv.run(insert='r', documents=[{'_id': 1000, 'a': [3, 1]}])
        self.assertIsNone(self.srv.client._store['t']['r'].plan_find(
            {}, [('a', 1)], 0, 5))

    def test_page_walks_the_sorted_index(self):
        """A page of 50 by _id with a filter reads about 50 documents, not the
        collection (the walk stops at the limit)."""
        self.srv.run(createIndexes='p', indexes=[{'key': {'account_id': 1, 'status': 1},
                                                   'name': 'account_status'}])
        docs = [{'_id': '%06d' % i, 'account_id': 'A' if i % 10 else 'B', 'n': i}
                for i in range(5000)]
        self.srv.run(insert='p', documents=docs)
        store = self.srv.client._store['t']['p']
        calls = []
        real = engine.filter_applies

        def counting(flt, doc):
            calls.append(1)
            return real(flt, doc)
        engine.filter_applies = counting
        try:
            page = store.plan_find({'account_id': 'A', '_id': {'$lt': '003000'}},
                                   [('_id', -1)], 0, 51)
        finally:
            engine.filter_applies = real
        self.assertEqual([d['_id'] for d in page][:3], ['002999', '002998', '002997'])
        self.assertEqual(len(page), 51)
        self.assertLess(len(calls), 100)

    def examined(self, **cmd):
        """Run one command; returns (reply, stored documents it examined)."""
        self.srv.run(r5CommandStats=1, reset=True, **{'$db': 'admin'})
        r = self.srv.run(**cmd)
        stats = self.srv.run(r5CommandStats=1, reset=True, **{'$db': 'admin'})
        return r, sum(stats['docsExamined'].values())

    def test_docs_examined_counts_what_a_query_reads(self):
        """r5CommandStats docsExamined: a scan reads the collection, a lookup one."""
        self.srv.run(insert='ex', documents=[{'_id': i, 'n': i % 7} for i in range(300)])
        _, n = self.examined(find='ex', filter={'n': 3})
        self.assertEqual(n, 300)
        _, n = self.examined(find='ex', filter={'_id': 42})
        self.assertEqual(n, 1)

    def test_every_page_reads_about_a_page(self):
        """A page of 50 (equality + _id range, sorted on _id, limit 51) reads
        O(limit) documents wherever its cursor is: also when the range is
        wider than the equality (a cursor near the newest end), where the
        walk once started at the end of the whole index and read every
        document above the cursor."""
        self.srv.run(createIndexes='pg', indexes=[{'key': {'account_id': 1, 'status': 1},
                                                    'name': 'account_status'}])
        n = 5000
        docs = [{'_id': '%06d' % i, 'account_id': 'A' if i % 10 else 'B', 'status': 'S'}
                for i in range(n)]
        self.srv.run(insert='pg', documents=docs)
        for cursor in (2000, 4000, 4600, 4990, n):
            for direction, op in ((-1, '$lt'), (1, '$gt')):
                flt = {'account_id': 'A', '_id': {op: '%06d' % cursor}}
                r, examined = self.examined(find='pg', filter=flt, sort={'_id': direction},
                                            limit=51)
                want = [d['_id'] for d in sorted(docs, key=lambda d: d['_id'],
                                                 reverse=direction < 0)
                        if d['account_id'] == 'A' and
                        (d['_id'] < flt['_id'][op] if op == '$lt' else d['_id'] > flt['_id'][op])]
                self.assertEqual([d['_id'] for d in r['cursor']['firstBatch']], want[:51])
                # 51 matches at 9 in 10 documents: 57, plus the slack of a tie.
                self.assertLessEqual(examined, 60, (cursor, direction))

    def test_ttl_is_a_periodic_sweep(self):
        """Expired documents stay until the sweep runs (MongoDB's TTL monitor
        runs every 60 s), and reads do not scan for them."""
        self.srv.run(createIndexes='ttl', indexes=[
            {'key': {'expires_at': 1}, 'name': 'exp', 'expireAfterSeconds': 0},
            {'key': {'gone_at': 1}, 'name': 'gone', 'expireAfterSeconds': 0,
             'partialFilterExpression': {'kind': 'temp'}}])
        past = datetime.datetime(2000, 1, 1)
        future = datetime.datetime(2999, 1, 1)
        self.srv.run(insert='ttl', documents=[
            {'_id': 1, 'expires_at': past}, {'_id': 2, 'expires_at': future},
            {'_id': 3, 'gone_at': past, 'kind': 'temp'},
            {'_id': 4, 'gone_at': past, 'kind': 'keep'}, {'_id': 5}])
        self.assertEqual(len(self.srv.find('ttl', {})), 5)
        self.assertEqual(self.srv.cmds.sweep_expired(), 2)
        self.srv.journal.commit()
        self.assertEqual([d['_id'] for d in self.srv.find('ttl', {})], [2, 4, 5])

    def test_bson_size_limits(self):
        """16 MiB per document: insert 2, update 17419, upsert 17420,
        findAndModify 17419; a wire document over 16 MiB + 16 KiB 10334."""
        big = 'x' * (9 * 1024 * 1024)
        r = self.srv.run(insert='big', documents=[{'_id': 1, 'a': big}, {'_id': 2}])
        self.assertEqual(r['n'], 2)
        r = self.srv.run(insert='big', documents=[{'_id': 3, 'a': big, 'b': big}])
        self.assertEqual(r['n'], 0)
        self.assertEqual(r['writeErrors'][0]['code'], 2)
        self.assertIn('object to insert too large', r['writeErrors'][0]['errmsg'])
        r = self.srv.run(update='big', updates=[{'q': {}, 'u': {'$set': {'b': big}},
                                                 'multi': True}])
        self.assertEqual(r['writeErrors'][0]['code'], 17419)
        self.assertEqual((r['n'], r['nModified']), (0, 0))
        self.assertEqual([sorted(d) for d in self.srv.find('big', {})], [['_id', 'a'], ['_id']])
        r = self.srv.run(update='big', updates=[{'q': {'_id': 9}, 'u': {'$set': {'a': big,
                                                 'b': big}}, 'upsert': True}])
        self.assertEqual(r['writeErrors'][0]['code'], 17420)
        self.assertEqual(len(self.srv.find('big', {})), 2)
        r = self.srv.run(findAndModify='big', query={'_id': 1}, update={'$set': {'c': big}})
        self.assertEqual(r['code'], 17419)
        self.assertTrue(r['errmsg'].startswith('Plan executor error during findAndModify'))
        self.assertNotIn('c', self.srv.find('big', {'_id': 1})[0])
        huge = op_msg(('insert', 'big'), ('documents', [{'_id': 4, 'a': 'y' * (17 << 20)}]),
                      ('$db', 't'))
        with self.assertRaises(wire.TooLarge) as cm:
            wire.parse_op_msg(huge, CODEC)
        self.assertEqual(cm.exception.reply()['code'], 10334)

    def run_raw(self, *pairs):
        """Runs a command given as (name, value) pairs through the wire decoder."""
        _, cmd, dups = wire.parse_op_msg(op_msg(*(pairs + (('$db', 't'),))), CODEC,
                                         CODEC.with_options(
                                             document_class=commands.dupkeys.MultiDict))
        return self.srv.cmds.run(cmd, 1, dups=dups)

    def test_repeated_keys_as_mongodb(self):
        """A repeated field name in a filter is one more condition (MongoDB
        ANDs every element), not 'the last one wins'."""
        self.srv.run(insert='dk', documents=[{'_id': 1, 'a': 1}, {'_id': 2, 'a': 2},
                                              {'_id': 3, 'a': [1, 2]}, {'_id': 4, 'a': 7}])

        def ids(r):
            self.assertEqual(r['ok'], 1.0, r)
            return [d['_id'] for d in r['cursor']['firstBatch']]
        self.assertEqual(ids(self.run_raw(('find', 'dk'), ('filter', Raw(raw_doc(
            [('a', 1), ('a', 2)]))))), [3])
        self.assertEqual(ids(self.run_raw(('find', 'dk'), ('filter', Raw(raw_doc(
            [('a', {'$gt': 1}), ('a', {'$lt': 7})]))))), [2, 3])
        self.assertEqual(ids(self.run_raw(('find', 'dk'), ('filter', Raw(raw_doc(
            [('a', Raw(raw_doc([('$gte', 2), ('$gte', 5)])))]))))), [4])
        self.assertEqual(ids(self.run_raw(('find', 'dk'), ('filter', Raw(raw_doc(
            [('$or', raw_array(raw_doc([('a', 1), ('a', 7)])))]))))), [])
        r = self.run_raw(('count', 'dk'), ('query', Raw(raw_doc([('a', 1), ('a', 2)]))))
        self.assertEqual(r['n'], 1)
        r = self.run_raw(('delete', 'dk'), ('deletes', raw_array(raw_doc(
            [('q', Raw(raw_doc([('_id', 1), ('_id', 2)]))), ('limit', 0)]))))
        self.assertEqual(r['n'], 0)
        # the command document itself: 40413
        r = self.run_raw(('find', 'dk'), ('limit', 1), ('limit', 2))
        self.assertEqual(r['code'], 40413)
        # an update: operators merged, a path twice is 40
        r = self.run_raw(('update', 'dk'), ('updates', raw_array(raw_doc(
            [('q', {'_id': 1}), ('u', Raw(raw_doc([('$set', {'b': 1}), ('$set', {'c': 1})])))]))))
        self.assertEqual(r['nModified'], 1, r)
        self.assertEqual(self.srv.find('dk', {'_id': 1}), [{'_id': 1, 'a': 1, 'b': 1, 'c': 1}])
        r = self.run_raw(('update', 'dk'), ('updates', raw_array(raw_doc(
            [('q', {'_id': 1}), ('u', Raw(raw_doc([('$set', {'d': 1}), ('$set', {'d': 2})])))]))))
        self.assertEqual(r['writeErrors'][0]['code'], 40, r)
        # without repeated names too: two operators on one path (or a prefix)
        for u in ({'$set': {'d': 1}, '$inc': {'d': 1}}, {'$set': {'d': {}}, '$unset': {'d.e': 1}}):
            r = self.srv.run(update='dk', updates=[{'q': {'_id': 1}, 'u': u}])
            self.assertEqual(r['writeErrors'][0]['code'], 40, r)
        self.assertNotIn('d', self.srv.find('dk', {'_id': 1})[0])
        # a document to insert with a repeated name: refused loudly (238)
        r = self.run_raw(('insert', 'dk'), ('documents', raw_array(raw_doc(
            [('_id', 10), ('x', 1), ('x', 2)]))))
        self.assertEqual(r['code'], 238, r)
        self.assertEqual(self.srv.find('dk', {'_id': 10}), [])

    def test_command_stats(self):
        """r5CommandStats counts commands by name and by collection, and resets."""
        self.srv.run(r5CommandStats=1, reset=True, **{'$db': 'admin'})
        self.srv.run(insert='st', documents=[{'_id': 1}])
        self.srv.find('st', {})
        self.srv.find('st2', {})
        self.srv.run(ping=1)
        r = self.srv.run(r5CommandStats=1, reset=True, **{'$db': 'admin'})
        self.assertEqual(r['commands'], {'insert': 1, 'find': 2, 'ping': 1})
        self.assertEqual(r['collections'], {'t': {'st': {'insert': 1, 'find': 1},
                                                  'st2': {'find': 1}}})
        self.assertEqual(r['total'], 4)
        r = self.srv.run(r5CommandStats=1, **{'$db': 'admin'})
        self.assertEqual(r['commands'], {})
        r = self.srv.run(serverStatus=1, **{'$db': 'admin'})
        self.assertEqual(r['metrics']['commands']['find']['total'], 2)

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

    def test_bounded_list_updates(self):
        # What r5-token's record of where a token was used relies on
        # (token_store_touch), as MongoDB documents it: a positional $set on
        # an $elemMatch'ed element; $push with $each, $sort then $slice (on a
        # missing field too); $not of $elemMatch; and $pull with $push of one
        # array in one update refused (40), so a write holds at most one.
        day = datetime.datetime(2026, 1, 1)

        def at(minute):
            return day + datetime.timedelta(minutes=minute)

        def places():
            return [(p['a'], p['at'].minute) for p in self.srv.find('b', {'_id': 1})[0].get('u', [])]

        def use(address, minute):
            place = {'$elemMatch': {'a': address}}
            r = self.srv.run(update='b', updates=[{'q': {'_id': 1, 'u': place},
                                                   'u': {'$set': {'u.$.at': at(minute)}}}])
            if r['n']:
                return 'set'
            r = self.srv.run(update='b', updates=[{'q': {'_id': 1, 'u': {'$not': place}}, 'u': {'$push': {'u': {
                '$each': [{'a': address, 'at': at(minute)}], '$sort': {'at': -1}, '$slice': 3}}}}])
            return 'pushed' if r['n'] else 'missed'

        self.srv.run(insert='b', documents=[{'_id': 1}])
        self.assertEqual(use('x', 0), 'pushed')
        self.assertEqual(places(), [('x', 0)])
        self.assertEqual(use('y', 1), 'pushed')
        self.assertEqual(use('x', 2), 'set')
        self.assertEqual(places(), [('y', 1), ('x', 2)])    # set in place, not moved
        self.assertEqual(use('z', 3), 'pushed')
        self.assertEqual(places(), [('z', 3), ('x', 2), ('y', 1)])
        self.assertEqual(use('w', 4), 'pushed')
        self.assertEqual(places(), [('w', 4), ('z', 3), ('x', 2)])    # sorted, then the oldest cut
        # The conditional push matches nothing when the place is already there.
        r = self.srv.run(update='b', updates=[{'q': {'_id': 1, 'u': {'$not': {'$elemMatch': {'a': 'w'}}}},
                                               'u': {'$push': {'u': {'a': 'w'}}}}])
        self.assertEqual(r['n'], 0)
        r = self.srv.run(update='b', updates=[{'q': {'_id': 1}, 'u': {
            '$pull': {'u': {'a': 'w'}}, '$push': {'u': {'$each': [{'a': 'w', 'at': at(5)}], '$slice': 3}}}}])
        self.assertEqual(r['writeErrors'][0]['code'], 40)
        self.assertEqual(places(), [('w', 4), ('z', 3), ('x', 2)])

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
