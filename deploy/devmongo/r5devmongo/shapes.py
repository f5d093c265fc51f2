"""Query shapes: what a command's filter and sort ask of an index.

A shape is the collection, the filter's field paths each with the kind of
condition on it (eq: a value or $eq; in: $in; range: $gt/$gte/$lt/$lte;
other: $ne, $nin, $exists, $regex, $not, $elemMatch... anything an index
bounds loosely or not at all) and the sort keys with their directions. The
values themselves are dropped, so two requests that differ only in their
ids have one shape. A top-level $or gives one shape per clause, each with
the conditions beside the $or (MongoDB plans each clause on its own index);
$and is flattened. With --record-query-shapes FILE (or R5_DEVMONGO_QUERY_SHAPES),
each new shape is appended to FILE as one JSON line, once per server run
(tests/devmongo/query_shapes.py checks them against the declared indexes).
"""

import json
import os
import threading

RANGE_OPS = {'$gt', '$gte', '$lt', '$lte'}


def _kind(value):
    """The kind of the condition value puts on one path."""
    if not isinstance(value, dict) or not value or not all(str(k).startswith('$') for k in value):
        return 'eq'
    ops = set(value)
    if ops <= {'$eq'}:
        return 'eq'
    if ops <= {'$in'}:
        return 'in'
    if ops <= RANGE_OPS:
        return 'range'
    return 'other'


def _conditions(flt, out, ors):
    """Flatten flt's top level (and its $and) into out [(path, kind)]; the
    lists of clauses of each $or go to ors."""
    for key, value in flt.items():
        if key == '$and' and isinstance(value, list):
            for part in value:
                if isinstance(part, dict):
                    _conditions(part, out, ors)
        elif key == '$or' and isinstance(value, list):
            ors.append([part for part in value if isinstance(part, dict)])
        elif key.startswith('$'):
            out.append((key, 'other'))      # $nor, $where, $expr: no index
        else:
            out.append((key, _kind(value)))


def _expand(flt):
    """The plain (no $or) condition lists of flt: one, or one per $or clause
    (the product, for several $or)."""
    base, ors = [], []
    _conditions(flt or {}, base, ors)
    shapes = [base]
    for clauses in ors:
        grown = []
        for shape in shapes:
            for clause in clauses:
                grown.extend(shape + part for part in _expand(clause))
        shapes = grown or shapes
    return shapes


def shapes_of(flt, sort):
    """[(filter [(path, kind)], sort [(path, direction)])] for one query."""
    sort = [(k, int(v)) for k, v in (sort or [])]
    out = []
    for conditions in _expand(flt):
        merged = {}
        for path, kind in conditions:
            # The same path twice (a repeated key, $and): the stronger kind.
            order = ('eq', 'in', 'range', 'other')
            if path not in merged or order.index(kind) < order.index(merged[path]):
                merged[path] = kind
        out.append((sorted(merged.items()), sort))
    return out


def _sort_items(spec):
    if isinstance(spec, dict):
        return [(k, v) for k, v in spec.items() if isinstance(v, int)]
    return spec or []


def from_command(cmdname, cmd):
    """The collection and the (filter, sort) pairs a command queries with."""
    coll = cmd.get(next(iter(cmd)))
    if not isinstance(coll, str):
        return None, []
    queries = []
    if cmdname == 'find':
        queries.append((cmd.get('filter'), _sort_items(cmd.get('sort'))))
    elif cmdname in ('count', 'distinct'):
        queries.append((cmd.get('query'), []))
    elif cmdname == 'findAndModify':
        queries.append((cmd.get('query'), _sort_items(cmd.get('sort'))))
    elif cmdname == 'update':
        queries.extend((st.get('q'), []) for st in cmd.get('updates') or [] if isinstance(st, dict))
    elif cmdname == 'delete':
        queries.extend((st.get('q'), []) for st in cmd.get('deletes') or [] if isinstance(st, dict))
    elif cmdname == 'aggregate':
        pipeline = [s for s in cmd.get('pipeline') or [] if isinstance(s, dict)]
        if pipeline and '$match' in pipeline[0]:
            sort = pipeline[1].get('$sort') if len(pipeline) > 1 else None
            queries.append((pipeline[0]['$match'], _sort_items(sort)))
        elif pipeline:
            queries.append(({}, []))
    return coll, [(f if isinstance(f, dict) else {}, s) for f, s in queries]


class Recorder:
    """Appends each new shape to a file, one JSON line: {app (the client's
    appname, "r5" for the services), db, collection, command, filter:
    [[path, kind]...], sort: [[path, dir]...]}."""

    def __init__(self, path):
        self.path = path
        self.seen = set()
        self.lock = threading.Lock()

    def record(self, cmdname, db, cmd, app=None):
        try:
            coll, queries = from_command(cmdname, cmd)
        except Exception:           # pylint: disable=broad-except
            return                  # a malformed command is answered elsewhere
        if coll is None:
            return
        for flt, sort in queries:
            for fields, keys in shapes_of(flt, sort):
                key = (app, db, coll, cmdname, tuple(fields), tuple(keys))
                with self.lock:
                    if key in self.seen:
                        continue
                    self.seen.add(key)
                    line = json.dumps({'app': app, 'db': db, 'collection': coll, 'command': cmdname,
                                       'filter': [list(f) for f in fields],
                                       'sort': [list(k) for k in keys]}) + '\n'
                    # One write of one line with O_APPEND: several servers
                    # may share the file.
                    fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                    try:
                        os.write(fd, line.encode())
                    finally:
                        os.close(fd)
