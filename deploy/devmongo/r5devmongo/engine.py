"""mongomock, patched: equality indexes, fast unique checks, write tracking.

mongomock scans whole collections for every query and for every unique
check on insert (O(n) per write).  Each collection store here keeps, for
every indexed field path (always `_id`, plus every field named in a
createIndexes key), a hash map from a normalised scalar value to the
store keys of the documents holding it.  A query whose top level pins an
indexed path to a scalar (`{f: v}`, `{f: {$eq: v}}`, `{f: {$in: [...]}}`,
also inside a top-level `$and`) is evaluated on those candidates only;
mongomock's own `filter_applies` still decides every match, so the index
can only narrow the scan, never change a result.  Documents whose value
on a path is not a plain scalar (an array, a sub-document, a regex, a
date, ...) sit in a per-path "loose" set that is always a candidate.

Every change to a stored document is recorded (store, key) in TOUCHED so
that the journal can write the resulting document after the command.
"""

import bisect
import copy
import datetime
import itertools
import uuid

from bson.int64 import Int64
from bson.objectid import ObjectId

import mongomock
from mongomock import collection as mm_collection
from mongomock import helpers as mm_helpers
from mongomock import store as mm_store
from mongomock.filtering import filter_applies

# (kind, collection store, key) events since the last journal commit; only
# touched under the server's global lock.
TOUCHED = []
# While not None, _iter_documents records (store, key, snapshot) of every
# document it yields to an update, so a failed update can be undone.
WRITE_TRACK = None
# Set while replaying the journal: changes are not recorded again.
REPLAYING = False
# --no-eq-index turns the equality index off (plain mongomock scans), for
# benchmarks only.
EQ_INDEX = True
# Stored documents a filter was evaluated on since start (MongoDB's
# totalDocsExamined, summed): r5CommandStats reports it per command, so a
# test can see whether a query was served from an index or scanned.
EXAMINED = 0

LOOSE = object()
NULLKEY = ('null',)


def matches(flt, doc):
    """mongomock's filter_applies on a stored document, counted in EXAMINED."""
    global EXAMINED   # pylint: disable=global-statement
    EXAMINED += 1
    return filter_applies(flt, doc)


class DupKeyError(mongomock.DuplicateKeyError):
    """E11000 with the index name, key pattern and key value MongoDB reports."""

    def __init__(self, ns, index_name, key_pattern, key_value):
        self.ns = ns
        self.index_name = index_name
        self.key_pattern = key_pattern
        self.key_value = key_value
        msg = 'E11000 duplicate key error collection: %s index: %s dup key: %s' % (
            ns, index_name, shell_repr(key_value))
        super().__init__(msg, 11000, None)
        self.msg = msg


def shell_repr(value):
    """Render a value the way mongod prints it in error messages."""
    if isinstance(value, dict):
        if not value:
            return '{}'
        return '{ ' + ', '.join('%s: %s' % (k, shell_repr(v)) for k, v in value.items()) + ' }'
    if isinstance(value, list):
        return '[ ' + ', '.join(shell_repr(v) for v in value) + ' ]'
    if isinstance(value, str):
        return '"%s"' % value.replace('"', '\\"')
    if isinstance(value, ObjectId):
        return "ObjectId('%s')" % value
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, bytes):
        return "BinData(0, %s)" % value.hex().upper()
    return str(value)


def store_key(_id):
    """The key mongomock uses in a collection's document dict for this _id."""
    if isinstance(_id, dict):
        return mm_helpers.hashdict(_id)
    return _id


def norm(value):
    """Normalised hash key of a scalar for the equality index, or LOOSE.

    Numbers of every BSON type share one key space (MongoDB compares them
    by value).  bool shares it too: mongomock's matcher uses Python's ==,
    for which True == 1, and the index must never change what the matcher
    answers (MongoDB itself tells true from 1: see docs/devmongo.md).
    """
    t = type(value)
    if value is None:
        return NULLKEY
    if t is str:
        return ('str', value)
    if t is ObjectId:
        return ('oid', value)
    if t is int or t is Int64 or t is bool:
        return ('num', value)
    if t is float:
        return ('num', value) if value == value else LOOSE
    if t is bytes:
        return ('bin', value)
    return LOOSE


def path_key(doc, path):
    """Index key of doc at a dotted path (missing counts as null)."""
    cur = doc
    for part in path.split('.'):
        if isinstance(cur, dict):
            if part not in cur:
                return NULLKEY
            cur = cur[part]
        elif isinstance(cur, list):
            return LOOSE
        else:
            return NULLKEY
    return norm(cur)


def sort_key(value):
    """Ordering key of a scalar, consistent with mongomock's sort (bson_compare),
    or None for a value the sorted index does not order (array, document, NaN,
    regex, ...).  Ranks are mongomock's _get_compare_type numbers."""
    t = type(value)
    if value is None:
        return (5, 0)
    if t is bool:
        return (40, value)
    if t is int or t is Int64:
        return (10, value)
    if t is float:
        return (10, value) if value == value else None
    if t is str:
        return (15, value)
    if t is bytes:
        return (30, len(value), value)
    if t is ObjectId:
        return (35, value.binary)
    if t is datetime.datetime and value.tzinfo is None:
        return (45, value)
    return None


def path_sort_key(doc, path):
    """Sort key of doc at a dotted path (missing sorts as null), or None."""
    cur = doc
    for part in path.split('.'):
        if isinstance(cur, dict):
            if part not in cur:
                return (5, 0)
            cur = cur[part]
        elif isinstance(cur, list):
            return None
        else:
            return (5, 0)
    return sort_key(cur)


RANGE_OPS = ('$gt', '$gte', '$lt', '$lte')
# Ranks a range operand may have for the sorted index to narrow by it: type
# bracketing (mongomock's and MongoDB's) keeps each range inside one rank.
RANGE_RANKS = (10, 15, 30, 35, 45)


def range_terms(flt):
    """Yield (path, {op: sort key}) for top-level range conditions."""
    if not isinstance(flt, dict):
        return
    for k, v in flt.items():
        if k == '$and' and isinstance(v, list):
            for clause in v:
                yield from range_terms(clause)
            continue
        if not isinstance(k, str) or k.startswith('$') or not isinstance(v, dict) or not v:
            continue
        bounds = {}
        for op, arg in v.items():
            if op in RANGE_OPS:
                sk = sort_key(arg)
                if sk is None or sk[0] not in RANGE_RANKS:
                    bounds = None
                    break
                bounds[op] = sk
        if bounds:
            yield k, bounds


def eq_terms(flt):
    """Yield (path, [normalised keys]) for top-level equality conditions."""
    if not isinstance(flt, dict):
        return
    for k, v in flt.items():
        if k == '$and' and isinstance(v, list):
            for clause in v:
                yield from eq_terms(clause)
            continue
        if not isinstance(k, str) or k.startswith('$'):
            continue
        if isinstance(v, dict):
            if len(v) != 1:
                continue
            (op, arg), = v.items()
            if op == '$eq':
                vals = [arg]
            elif op == '$in' and isinstance(arg, list):
                vals = arg
            else:
                continue
        else:
            vals = [v]
        keys = [norm(x) for x in vals]
        if any(key is LOOSE for key in keys):
            continue
        yield k, keys


class R5CollectionStore(mm_store.CollectionStore):
    """A mongomock collection store with equality indexes and change events."""

    def __init__(self, name):
        super().__init__(name)
        self.db_name = None
        self.uuid = uuid.uuid4()
        self.specs = {}            # index name -> spec as listIndexes shows it
        self._seq = itertools.count()
        self._entries = {}         # key -> (seq, {path: normalised key})
        self._set_paths(('_id',))

    # -- index maintenance -------------------------------------------------
    def _set_paths(self, paths):
        self._paths = tuple(paths)
        self._eq = {p: {} for p in self._paths}
        self._loose = {p: set() for p in self._paths}
        # path -> sorted list of (sort key, seq, store key); documents whose
        # value there has no sort key are in _sloose instead.
        self._sorted = {p: [] for p in self._paths}
        self._sloose = {p: set() for p in self._paths}
        old = self._entries
        self._entries = {}
        for key, doc in self._documents.items():
            self._index(key, doc, old.get(key, (next(self._seq),))[0])

    def rebuild_paths(self):
        """Recompute which paths are indexed from the index specs."""
        paths = ['_id']
        for spec in self.specs.values():
            for field in spec['key']:
                if field not in paths:
                    paths.append(field)
        if tuple(paths) != self._paths:
            self._set_paths(paths)

    def _index(self, key, doc, seq):
        entry = {}
        for path in self._paths:
            nk = path_key(doc, path)
            if nk is LOOSE:
                self._loose[path].add(key)
            else:
                self._eq[path].setdefault(nk, set()).add(key)
            sk = path_sort_key(doc, path)
            if sk is None:
                self._sloose[path].add(key)
            else:
                bisect.insort(self._sorted[path], (sk, seq, key))
            entry[path] = (nk, sk)
        self._entries[key] = (seq, entry)

    def _unindex(self, key):
        old = self._entries.pop(key, None)
        if old is None:
            return None
        seq = old[0]
        for path, (nk, sk) in old[1].items():
            if nk is LOOSE:
                self._loose[path].discard(key)
            else:
                bucket = self._eq[path].get(nk)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del self._eq[path][nk]
            if sk is None:
                self._sloose[path].discard(key)
            else:
                lst = self._sorted[path]
                i = bisect.bisect_left(lst, (sk, seq))
                if i < len(lst) and lst[i][1] == seq:
                    del lst[i]
        return seq

    def reindex(self, key, doc):
        """Re-file a document whose content may have changed in place."""
        seq = self._unindex(key)
        self._index(key, doc, next(self._seq) if seq is None else seq)

    def _range(self, path, bounds):
        """(lo, hi) positions in the sorted index of path for range bounds."""
        lst = self._sorted[path]
        rank = next(iter(bounds.values()))[0]
        lo = bisect.bisect_left(lst, ((rank,),))
        hi = bisect.bisect_left(lst, ((rank + 0.5,),))
        for op, sk in bounds.items():
            if sk[0] != rank:
                return 0, 0      # bounds of two types: type bracketing matches nothing
            if op == '$gt':
                lo = max(lo, bisect.bisect_right(lst, (sk, float('inf'))))
            elif op == '$gte':
                lo = max(lo, bisect.bisect_left(lst, (sk, -1)))
            elif op == '$lt':
                hi = min(hi, bisect.bisect_left(lst, (sk, -1)))
            else:
                hi = min(hi, bisect.bisect_right(lst, (sk, float('inf'))))
        return lo, max(lo, hi)

    def _bounds_on(self, flt, path):
        """[lo, hi) of path's sorted index that every top-level range on
        path allows (the whole index when there is none)."""
        lo, hi = 0, len(self._sorted[path])
        for p, bounds in range_terms(flt):
            if p == path:
                a, b = self._range(path, bounds)
                lo, hi = max(lo, a), min(hi, b)
        return lo, max(lo, hi)

    def _best_term(self, flt):
        """The narrowest index term of flt: (size, kind, path, arg), or None.

        Every term yields a superset of the documents mongomock's matcher
        could accept: documents the index cannot file exactly (loose ones)
        are always part of it."""
        best = None
        for path, keys in eq_terms(flt):
            eq = self._eq.get(path)
            if eq is None:
                continue
            size = len(self._loose[path]) + sum(len(eq.get(nk, ())) for nk in keys)
            if best is None or size < best[0]:
                best = (size, 'eq', path, keys)
        for path, bounds in range_terms(flt):
            if path not in self._sorted:
                continue
            lo, hi = self._range(path, bounds)
            size = hi - lo + len(self._sloose[path])
            if best is None or size < best[0]:
                best = (size, 'range', path, (lo, hi))
        return best

    def _term_keys(self, term):
        _, kind, path, arg = term
        if kind == 'eq':
            found = set(self._loose[path])
            eq = self._eq[path]
            for nk in arg:
                found |= eq.get(nk, set())
            return found
        lo, hi = arg
        found = set(self._sloose[path])
        found.update(e[2] for e in self._sorted[path][lo:hi])
        return found

    def candidates(self, flt):
        """Documents that may match flt, in insertion order, or None (scan all)."""
        if not EQ_INDEX:
            return None
        term = self._best_term(flt)
        if term is None:
            return None
        best = self._term_keys(term)
        entries = self._entries
        docs = self._documents
        return [docs[k] for k in sorted(best, key=lambda k: entries[k][0])]

    def plan_find(self, flt, sort, skip, limit):
        """Matching documents of a find, sorted, skipped and limited, served
        from the sorted index; or None when the index cannot give exactly
        mongomock's answer (then mongomock runs the query).

        Served: a sort on one indexed path whose every document has a
        scalar there.  With a limit and no narrow term, the sorted index is
        walked in order and stops after skip + limit matches; otherwise the
        candidates are matched and sorted by the index's keys.  Both give
        mongomock's order: its sort is stable over insertion order, and so
        are ties here (equal keys in insertion order, in both directions)."""
        if not EQ_INDEX or not sort or len(sort) != 1 or not isinstance(flt, dict):
            return None
        path, direction = sort[0]
        lst = self._sorted.get(path)
        if lst is None or self._sloose[path]:
            return None
        filter_applies(flt, {})     # validates the filter even when nothing is read
        entries = self._entries
        docs = self._documents
        need = skip + limit if limit else None
        term = self._best_term(flt)
        if need is None or (term is not None and term[0] <= max(4 * need, 256)):
            keys = self._term_keys(term) if term is not None else docs.keys()
            cands = sorted(((entries[k][1][path][1], entries[k][0], k) for k in keys))
            matched = [e for e in cands if matches(flt, docs[e[2]])]
            if direction < 0:
                matched = _reverse_stable(matched)
            out = [docs[e[2]] for e in matched]
            return out[skip:need] if need is not None else out[skip:]
        # The walk starts and stops at the sort path's own range, whichever
        # term was narrowest: a page's cursor bounds it even when its
        # equality term (the account) is narrower than the range.
        lo, hi = self._bounds_on(flt, path)
        out = []
        if direction > 0:
            for e in _islice(lst, lo, hi):
                d = docs[e[2]]
                if matches(flt, d):
                    out.append(d)
                    if len(out) >= need:
                        break
        else:
            for e in _walk_down(lst, lo, hi):
                d = docs[e[2]]
                if matches(flt, d):
                    out.append(d)
                    if len(out) >= need:
                        break
        return out[skip:]

    def sweep_expired(self, now):
        """Delete the documents every TTL index says have expired, as
        MongoDB's TTL monitor does; returns how many."""
        n = 0
        for index in list(self._ttl_indexes.values()):
            try:
                expiry = int(index['expireAfterSeconds'])
            except (TypeError, ValueError):
                continue
            if len(index['key']) != 1:
                continue
            field = index['key'][0][0]
            partial = index.get('partialFilterExpression')
            expired = []
            for key, doc in self._documents.items():
                if partial is not None and not filter_applies(partial, doc):
                    continue
                if self._value_meets_expiry(doc.get(field), expiry, now):
                    expired.append(key)
            for key in expired:
                if key in self._documents:
                    del self[key]
                    n += 1
        return n

    # -- mongomock hooks ---------------------------------------------------
    def _remove_expired_documents(self):
        # mongomock expires on every access, scanning the whole collection;
        # MongoDB's TTL monitor runs every 60 s.  Expiry is sweep_expired(),
        # run periodically by the server (--ttl-interval-seconds).
        pass

    def __setitem__(self, key, val):
        super().__setitem__(key, val)
        self.reindex(key, val)
        if not REPLAYING:
            TOUCHED.append(('doc', self, key))

    def __delitem__(self, key):
        super().__delitem__(key)
        self._unindex(key)
        if not REPLAYING:
            TOUCHED.append(('doc', self, key))

    def drop(self):
        super().drop()
        self.specs = {}
        self._entries = {}
        self._set_paths(('_id',))
        self.uuid = uuid.uuid4()
        if not REPLAYING:
            TOUCHED.append(('drop', self, None))

    def set_specs(self, specs):
        """Replace the index definitions (specs: name -> spec document)."""
        self.specs = dict(specs)
        self.indexes = {}
        self._ttl_indexes = {}
        for name, spec in self.specs.items():
            self.create_index(name, mm_index_dict(spec))
        self.rebuild_paths()
        if not REPLAYING:
            TOUCHED.append(('idx', self, None))


def _islice(lst, lo, hi):
    for i in range(lo, hi):
        yield lst[i]


def _walk_down(lst, lo, hi):
    """lst[lo:hi] from the highest key down, equal keys in ascending seq
    order (what a stable reverse sort gives)."""
    i = hi - 1
    while i >= lo:
        sk = lst[i][0]
        j = i
        while j - 1 >= lo and lst[j - 1][0] == sk:
            j -= 1
        for k in range(j, i + 1):
            yield lst[k]
        i = j - 1


def _reverse_stable(entries):
    """entries sorted ascending by (key, seq) -> descending by key, ties by seq."""
    out = []
    i = len(entries) - 1
    while i >= 0:
        sk = entries[i][0]
        j = i
        while j - 1 >= 0 and entries[j - 1][0] == sk:
            j -= 1
        out.extend(entries[j:i + 1])
        i = j - 1
    return out


def mm_index_dict(spec):
    """mongomock's internal index description for a createIndexes spec."""
    d = {'key': [(k, v) for k, v in spec['key'].items()]}
    for opt in ('unique', 'sparse'):
        if spec.get(opt):
            d[opt] = True
    if spec.get('expireAfterSeconds') is not None:
        d['expireAfterSeconds'] = spec['expireAfterSeconds']
    if spec.get('partialFilterExpression') is not None:
        d['partialFilterExpression'] = spec['partialFilterExpression']
    return d


class R5DatabaseStore(mm_store.DatabaseStore):
    def __init__(self, name=None):
        super().__init__()
        self.name = name

    def __getitem__(self, col_name):
        try:
            return self._collections[col_name]
        except KeyError:
            col = self._collections[col_name] = R5CollectionStore(col_name)
            col.db_name = self.name
            return col

    def rename(self, name, new_name):
        raise NotImplementedError('renameCollection is not supported by r5-devmongo')


class R5ServerStore(mm_store.ServerStore):
    def __getitem__(self, db_name):
        try:
            return self._databases[db_name]
        except KeyError:
            db = self._databases[db_name] = R5DatabaseStore(db_name)
            return db


# -- patched Collection methods ----------------------------------------------

def scan(store, flt):
    """Documents of store matching flt (live objects, not copies)."""
    cands = store.candidates(flt) if isinstance(flt, dict) else None
    docs = list(store.documents) if cands is None else cands
    return [d for d in docs if matches(flt, d)]


def _iter_documents(self, filter):
    store = self._store
    if store.is_empty:
        filter_applies(filter, {})   # validates the filter, as mongomock does
    cands = store.candidates(filter) if isinstance(filter, dict) else None
    docs = list(store.documents) if cands is None else cands
    track = WRITE_TRACK
    if track is None:
        return (d for d in docs if matches(filter, d))

    def tracked():
        for d in docs:
            if matches(filter, d):
                track.append((store, store_key(d['_id']), copy.deepcopy(d)))
                yield d
    return tracked()


def unique_conflict(store, ns, name, index, doc):
    """Raise DupKeyError if another document holds doc's key in a unique index."""
    key_fields = index.get('key')
    find = {}
    for field, _ in key_fields:
        try:
            find[field] = mm_helpers.get_value_by_dot(doc, field)
        except KeyError:
            find[field] = None
    if index.get('sparse') and set(map(repr, find.values())) == {'None'}:
        return
    partial = index.get('partialFilterExpression')
    if partial is not None:
        if not filter_applies(partial, doc):
            return
        flt = {'$and': [partial, find]}
    else:
        flt = find
    me = store_key(doc['_id'])
    for other in scan(store, flt):
        if store_key(other['_id']) != me:
            raise DupKeyError(ns, name, dict(key_fields), find)


def _ensure_uniques(self, new_data):
    store = self._store
    key = store_key(new_data['_id'])
    # mongomock updates documents in place: re-file before checking.
    store.reindex(key, new_data)
    ns = '%s.%s' % (store.db_name, store.name)
    for name, index in store.indexes.items():
        if index.get('unique'):
            unique_conflict(store, ns, name, index, new_data)


def _inc_updater(doc, field_name, value):
    """$inc with MongoDB's numeric types: int64 stays int64, int32 overflows to int64."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise mongomock.WriteError('Cannot increment with non-numeric argument: {%s: %r}'
                                   % (field_name, value), 14)
    if isinstance(doc, dict):
        cur = doc.get(field_name, NOTSET)
    elif isinstance(doc, list):
        idx = int(field_name)
        if idx < 0:
            raise mongomock.WriteError('Negative index provided', 2)
        cur = doc[idx] if idx < len(doc) else NOTSET
    else:
        return
    if cur is NOTSET or cur is None and isinstance(doc, list):
        new = value
    elif isinstance(cur, bool) or not isinstance(cur, (int, float)):
        raise mongomock.WriteError(
            "Cannot apply $inc to a value of non-numeric type. {_id: ...} has the field '%s' "
            'of non-numeric type %s' % (field_name, type(cur).__name__), 14)
    else:
        new = cur + value
        if isinstance(cur, float) or isinstance(value, float):
            new = float(new)
        elif isinstance(cur, Int64) or isinstance(value, Int64) or not -2**31 <= new < 2**31:
            if not -2**63 <= new < 2**63:
                raise mongomock.WriteError('Failed to apply $inc operations to current value '
                                           '(%r) for document' % (cur,), 2)
            new = Int64(new)
    if isinstance(doc, dict):
        doc[field_name] = new
    else:
        idx = int(field_name)
        while len(doc) <= idx:
            doc.append(None)
        doc[idx] = new


NOTSET = object()


def _utcnow_ms():
    """Now, truncated to the millisecond as a BSON date stores it."""
    now = datetime.datetime.utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def install():
    """Patch mongomock; returns a client backed by the R5 stores."""
    # $currentDate: keep in memory exactly what the journal will replay.
    mongomock.utcnow = _utcnow_ms
    mm_store.CollectionStore = R5CollectionStore
    mm_store.DatabaseStore = R5DatabaseStore
    mm_collection.Collection._iter_documents = _iter_documents
    mm_collection.Collection._ensure_uniques = _ensure_uniques
    mm_collection._updaters['$inc'] = _inc_updater
    return mongomock.MongoClient(_store=R5ServerStore())
