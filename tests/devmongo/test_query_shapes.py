"""The query-shape recorder (r5devmongo/shapes.py) and the prefix rule
(query_shapes.py) on their own, in process: /usr/bin/python3 tests/devmongo/test_query_shapes.py"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'deploy', 'devmongo'))
sys.path.insert(0, HERE)

from r5devmongo import shapes  # noqa: E402
import query_shapes  # noqa: E402


def shape(flt, sort=(), app='r5'):
    (fields, keys), = shapes.shapes_of(flt, list(sort))
    return {'app': app, 'db': 'r5', 'collection': 'c', 'command': 'find',
            'filter': [list(f) for f in fields], 'sort': [list(k) for k in keys]}


def index(name, *key, **options):
    return dict(options, name=name, key=list(key))


ID = index('_id_', ('_id', 1))


class ShapesTest(unittest.TestCase):

    def test_kinds_and_or(self):
        self.assertEqual(shapes.shapes_of({'a': 1, 'b': {'$in': [1]}, 'c': {'$gt': 1, '$lt': 3},
                                           'd': {'$exists': False}, 'e': {'$eq': 2}}, [('_id', -1)]),
                         [([('a', 'eq'), ('b', 'in'), ('c', 'range'), ('d', 'other'), ('e', 'eq')],
                           [('_id', -1)])])
        # One shape per $or clause, with what stands beside the $or.
        self.assertEqual([f for f, _ in shapes.shapes_of({'a': 1, '$or': [{'p': 'u'}, {'t': {'$in': []}}]}, [])],
                         [[('a', 'eq'), ('p', 'eq')], [('a', 'eq'), ('t', 'in')]])
        self.assertEqual(shapes.shapes_of({'$and': [{'a': 1}, {'_id': {'$lt': 'x'}}]}, []),
                         [([('_id', 'range'), ('a', 'eq')], [])])

    def test_from_command(self):
        coll, queries = shapes.from_command('update', {'update': 'c', 'updates': [{'q': {'a': 1}, 'u': {}}]})
        self.assertEqual((coll, queries), ('c', [({'a': 1}, [])]))
        coll, queries = shapes.from_command('aggregate', {'aggregate': 'c', 'pipeline': [
            {'$match': {'a': 1}}, {'$sort': {'b': 1}}]})
        self.assertEqual(queries, [({'a': 1}, [('b', 1)])])


class RuleTest(unittest.TestCase):

    def test_a_page_needs_its_sort_after_the_equalities(self):
        page = shape({'account_id': 'a', '_id': {'$lt': 'x'}}, [('_id', -1)])
        self.assertFalse(query_shapes.serves(page, ID))
        self.assertFalse(query_shapes.serves(page, index('a', ('account_id', 1), ('status', 1))))
        self.assertTrue(query_shapes.serves(page, index('a', ('account_id', 1), ('_id', 1))))
        self.assertEqual(query_shapes.unserved([page], {('r5', 'c'): [ID, index('a', ('account_id', 1))]}), [page])
        filtered = shape({'account_id': 'a', 'status': 'S'}, [('_id', -1)])
        self.assertTrue(query_shapes.serves(filtered, index('s', ('account_id', 1), ('status', 1), ('_id', 1))))
        # Residual equality: the account bounds the scan, the sort is served.
        self.assertTrue(query_shapes.serves(filtered, index('a', ('account_id', 1), ('_id', 1))))

    def test_sort_directions_and_ties(self):
        listed = shape({'user_id': 'u', 'kind': 'K'}, [('created_at', -1), ('_id', -1)])
        self.assertFalse(query_shapes.serves(listed, index('u', ('user_id', 1), ('created_at', -1))))
        self.assertTrue(query_shapes.serves(listed, index('u', ('user_id', 1), ('created_at', -1), ('_id', -1))))
        self.assertTrue(query_shapes.serves(listed, index('u', ('user_id', 1), ('created_at', 1), ('_id', 1))))
        self.assertFalse(query_shapes.serves(listed, index('u', ('user_id', 1), ('created_at', 1), ('_id', -1))))
        # A sort on a field pinned by equality is no sort.
        self.assertTrue(query_shapes.serves(shape({'a': 1}, [('a', 1)]), index('a', ('a', 1))))

    def test_ids_ranges_and_partial_indexes(self):
        self.assertTrue(query_shapes.serves(shape({'_id': 'x', 'account_id': 'a'}), ID))
        self.assertTrue(query_shapes.serves(shape({'_id': {'$in': ['x']}}), ID))
        # A page of given ids in id order: the point bounds come out sorted.
        self.assertTrue(query_shapes.serves(shape({'_id': {'$in': ['x']}, 'account_id': 'a'}, [('_id', 1)]), ID))
        self.assertFalse(query_shapes.serves(shape({'_id': {'$in': ['x']}}, [('name', 1)]), ID))
        self.assertFalse(query_shapes.serves(shape({'account_id': 'a'}), index('n', ('name', 1))))
        self.assertTrue(query_shapes.serves(shape({'at': {'$lt': 1}}), index('t', ('at', 1))))
        owed = shape({'audit_event': {'$exists': True}})
        self.assertFalse(query_shapes.serves(owed, index('e', ('audit_event', 1))))
        self.assertTrue(query_shapes.serves(owed, index('e', ('audit_event', 1),
                                                        partialFilterExpression={'audit_event': {'$exists': True}})))
        # Only the services' shapes count (a test's own pymongo reads do not).
        self.assertEqual(query_shapes.unserved([shape({'x': 1}, app=None)], {}), [])


if __name__ == '__main__':
    unittest.main()
