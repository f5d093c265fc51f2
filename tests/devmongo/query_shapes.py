"""Check recorded query shapes against the indexes the services declare.

    /usr/bin/python3 tests/devmongo/query_shapes.py SHAPES_FILE MONGODB_URI

SHAPES_FILE is what r5-devmongo --record-query-shapes wrote; the indexes are
read with listIndexes from the server at MONGODB_URI (one the services have
started against, so their ensure_indexes calls have run). Only the services'
shapes (appname "r5") are checked. Prints every shape no index serves and
exits 1 when there is one.

The rule is MongoDB's ESR prefix rule, as the query planner would use a
compound index without a blocking in-memory sort:

- E are the filter's equality paths ({f: v}, $eq, and $in, which MongoDB
  serves by merging sorted runs), R its range paths ($gt $gte $lt $lte),
  other conditions ($ne, $exists, $nin ...) are checked on the documents the
  index yields;
- a sort key that is also an equality path (not $in) is constant and drops
  out of the sort;
- an index K serves the shape when K starts with p >= 1 keys that are all in
  E (p may be 0 only when E is empty), is followed immediately by the whole
  remaining sort, in order, with every direction equal to K's or every one
  reversed, and, with no sort, when p >= 1 or E is empty and K starts with a
  path of R;
- equality on _id (one document), or _id $in with no sort or a sort on _id
  alone, is served by _id_ (the $in's point bounds are scanned in key
  order, so the output is already sorted: no blocking sort);
- a shape whose only conditions are "other" (e.g. {f: {$exists: true}}) is
  served by a partial or sparse index whose first key is f.

Equality paths beyond the prefix are residual: the index bounds the scan by
its prefix (always the account, or a unique key), not by every condition.
"""

import json
import sys


def _kinds(shape):
    kinds = dict((path, kind) for path, kind in shape['filter'])
    eq = {p for p, k in kinds.items() if k in ('eq', 'in')}
    rng = {p for p, k in kinds.items() if k == 'range'}
    other = {p for p, k in kinds.items() if k == 'other'}
    sort = [(p, d) for p, d in shape['sort'] if kinds.get(p) != 'eq']
    return kinds, eq, rng, other, sort


def serves(shape, index):
    """True when index ({name, key: [(path, dir)], sparse, partialFilterExpression})
    serves shape by the prefix rule."""
    kinds, eq, rng, other, sort = _kinds(shape)
    keys = list(index['key'])
    if index['name'] == '_id_' and kinds.get('_id') in ('eq', 'in') and all(p == '_id' for p, _ in sort):
        return True
    p = 0
    while p < len(keys) and keys[p][0] in eq:
        p += 1
    if eq and p == 0:
        return False
    if sort:
        run = keys[p:p + len(sort)]
        if [k for k, _ in run] != [k for k, _ in sort]:
            return False
        same = all(int(d) == int(kd) for (_, d), (_, kd) in zip(sort, run))
        flipped = all(int(d) == -int(kd) for (_, d), (_, kd) in zip(sort, run))
        return same or flipped
    if p >= 1:
        return True
    if rng and keys and keys[0][0] in rng:
        return True
    if not eq and not rng and other and keys and keys[0][0] in other:
        return bool(index.get('sparse') or index.get('partialFilterExpression'))
    return False


def unserved(shapes, indexes):
    """The shapes (services' only) that no index of their collection serves.
    indexes: {(db, collection): [index]}."""
    out = []
    for shape in shapes:
        if shape.get('app') != 'r5':
            continue
        candidates = indexes.get((shape['db'], shape['collection']), [])
        if not any(serves(shape, index) for index in candidates):
            out.append(shape)
    return out


def load_shapes(path):
    seen, shapes = set(), []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            shape = json.loads(line)
            key = json.dumps(shape, sort_keys=True)
            if key not in seen:
                seen.add(key)
                shapes.append(shape)
    return shapes


def load_indexes(client, shapes):
    """listIndexes of every collection the shapes name."""
    indexes = {}
    for db, coll in {(s['db'], s['collection']) for s in shapes}:
        try:
            specs = list(client[db][coll].list_indexes())
        except Exception:           # pylint: disable=broad-except
            specs = []
        # A collection not made yet (accounts before the first signup) gets
        # its _id index when it is, as every MongoDB collection does.
        if not specs:
            specs = [{'name': '_id_', 'key': {'_id': 1}}]
        indexes[(db, coll)] = [dict(spec, key=list(spec['key'].items())) for spec in specs]
    return indexes


def describe(shape):
    return '%s.%s %s filter {%s} sort {%s}' % (
        shape['db'], shape['collection'], shape['command'],
        ', '.join('%s: %s' % (p, k) for p, k in shape['filter']),
        ', '.join('%s: %s' % (p, d) for p, d in shape['sort']))


def main(argv):
    import pymongo
    shapes = load_shapes(argv[0])
    client = pymongo.MongoClient(argv[1])
    missing = unserved(shapes, load_indexes(client, shapes))
    for shape in missing:
        print('no index serves ' + describe(shape))
    print('%d shapes, %d not served' % (len([s for s in shapes if s.get('app') == 'r5']), len(missing)))
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
