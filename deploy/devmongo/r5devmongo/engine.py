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

LOOSE = object()
NULLKEY = ('null',)


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
            entry[path] = nk
        self._entries[key] = (seq, entry)

    def _unindex(self, key):
        old = self._entries.pop(key, None)
        if old is None:
            return None
        for path, nk in old[1].items():
            if nk is LOOSE:
                self._loose[path].discard(key)
            else:
                bucket = self._eq[path].get(nk)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del self._eq[path][nk]
        return old[0]

    def reindex(self, key, doc):
        """Re-file a document whose content may have changed in place."""
        seq = self._unindex(key)
        self._index(key, doc, next(self._seq) if seq is None else seq)

    def candidates(self, flt):
        """Documents that may match flt, in insertion order, or None (scan all)."""
        if not EQ_INDEX:
            return None
        best = None
        for path, keys in eq_terms(flt):
            eq = self._eq.get(path)
            if eq is None:
                continue
            found = set(self._loose[path])
            for nk in keys:
                found |= eq.get(nk, set())
            if best is None or len(found) < len(best):
                best = found
                if not best:
                    break
        if best is None:
            return None
        entries = self._entries
        docs = self._documents
        return [docs[k] for k in sorted(best, key=lambda k: entries[k][0])]

    # -- mongomock hooks ---------------------------------------------------
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
    return [d for d in docs if filter_applies(flt, d)]


def _iter_documents(self, filter):
    store = self._store
    if store.is_empty:
        filter_applies(filter, {})   # validates the filter, as mongomock does
    cands = store.candidates(filter) if isinstance(filter, dict) else None
    docs = list(store.documents) if cands is None else cands
    track = WRITE_TRACK
    if track is None:
        return (d for d in docs if filter_applies(filter, d))

    def tracked():
        for d in docs:
            if filter_applies(filter, d):
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
