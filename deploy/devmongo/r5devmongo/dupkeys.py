"""Documents with the same field name twice, as MongoDB treats them.

Python's dict keeps one value per key, so a plain bson.decode silently keeps
the last of two equal keys: `{a: 1, a: 2}` would become `{a: 2}`, a filter
that MongoDB (which reads BSON element by element) answers differently.
has_duplicates() walks the raw BSON of every message; only when it finds a
repeated key is the message decoded again into MultiDicts, which remember
every (key, value) pair, and resolve() turns them into what MongoDB does:

- the command document itself: 40413 `BSON field 'find.filter' is a
  duplicate field` (MongoDB's IDL parser);
- a query filter (find, count, distinct, delete, update, findAndModify,
  aggregate $match): every element is a condition and all must hold, so
  `{a: 1, a: 2}` is `{$and: [{a: 1}, {a: 2}]}` and `{a: {$gt: 1, $gt: 5}}`
  is `{$and: [{a: {$gt: 1}}, {a: {$gt: 5}}]}` (also inside $and/$or/$nor);
- an update: operators given twice are merged (`{$set: {a: 1}, $set: {b: 1}}`)
  and a path set twice is 40 `ConflictingUpdateOperators`, as in MongoDB;
- anything else (a document to insert, a replacement, a projection, a sort,
  a value compared by equality, $elemMatch/$not arguments): MongoDB stores
  or reads such documents with undefined results (SERVER-6439); this server
  cannot represent them and refuses with 238 NotImplemented.
"""

import struct

_INT = struct.Struct('<i')
# Fixed sizes of BSON element values by type byte.
_FIXED = {0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4,
          0x11: 8, 0x12: 8, 0x13: 16, 0x7F: 0, 0xFF: 0}
MAX_DEPTH = 200


class Refused(Exception):
    """A duplicate MongoDB itself rejects, or one this server cannot hold."""

    def __init__(self, code, errmsg):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg


def has_duplicates(buf, pos=0, depth=0, is_array=False):
    """True if the BSON document at buf[pos:] (or any document inside it)
    has a field name twice.  Raises ValueError on malformed BSON."""
    if depth > MAX_DEPTH:
        raise ValueError('BSON nested too deeply')
    size, = _INT.unpack_from(buf, pos)
    end = pos + size - 1
    p = pos + 4
    seen = None if is_array else set()
    while p < end:
        t = buf[p]
        z = buf.index(b'\0', p + 1)
        if seen is not None:
            name = buf[p + 1:z]
            if name in seen:
                return True
            seen.add(name)
        p = z + 1
        if t in (0x03, 0x04):
            if has_duplicates(buf, p, depth + 1, t == 0x04):
                return True
            p += _INT.unpack_from(buf, p)[0]
        elif t in _FIXED:
            p += _FIXED[t]
        elif t in (0x02, 0x0D, 0x0E):
            p += 4 + _INT.unpack_from(buf, p)[0]
        elif t == 0x05:
            p += 5 + _INT.unpack_from(buf, p)[0]
        elif t == 0x0B:
            p = buf.index(b'\0', buf.index(b'\0', p) + 1) + 1
        elif t == 0x0C:
            p += 4 + _INT.unpack_from(buf, p)[0] + 12
        elif t == 0x0F:
            p += _INT.unpack_from(buf, p)[0]
        else:
            raise ValueError('unknown BSON type 0x%02x' % t)
    return False


class Conflict:
    """Stands for an update statement MongoDB refuses; the update command
    reports it in writeErrors at its index (commands.py raises it there)."""

    def __init__(self, refused):
        self.refused = refused


def _statement_update(u):
    try:
        return update_doc(u)
    except Refused as e:
        return Conflict(e)


class MultiDict(dict):
    """A dict that also keeps every (key, value) pair it was given, in order."""

    def __init__(self):
        super().__init__()
        self.pairs = []

    def __setitem__(self, key, value):
        self.pairs.append((key, value))
        super().__setitem__(key, value)

    def has_dups(self):
        return len(self.pairs) != len(self)


def _plain(value, where):
    """value with every MultiDict made a dict; a repeated key is refused."""
    if isinstance(value, MultiDict):
        if value.has_dups():
            seen = set()
            for k, _ in value.pairs:
                if k in seen:
                    raise Refused(238, "documents with a repeated field name ('%s' in %s) "
                                       "are not supported by r5-devmongo" % (k, where))
                seen.add(k)
        return {k: _plain(v, where) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _plain(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, where) for v in value]
    return value


def _pairs(d):
    return d.pairs if isinstance(d, MultiDict) else list(d.items())


def _is_operator_doc(v):
    return isinstance(v, dict) and bool(v) and all(
        isinstance(k, str) and k.startswith('$') for k in v)


def filter_doc(flt, where='filter'):
    """A filter with repeated keys, made the filter MongoDB evaluates."""
    if not isinstance(flt, dict):
        return _plain(flt, where)
    clauses = []
    for k, v in _pairs(flt):
        if k in ('$and', '$or', '$nor') and isinstance(v, list):
            clauses.append((k, [filter_doc(c, where) for c in v]))
        elif not k.startswith('$') and _is_operator_doc(v):
            ops = _pairs(v)
            names = [op for op, _ in ops]
            if len(set(names)) == len(names):
                clauses.append((k, {op: _plain(arg, where) for op, arg in ops}))
            else:
                # Each operator is its own condition on the field.
                clauses.extend((k, {op: _plain(arg, where)}) for op, arg in ops)
        else:
            clauses.append((k, _plain(v, where)))
    keys = [k for k, _ in clauses]
    if len(set(keys)) == len(keys):
        return dict(clauses)
    return {'$and': [{k: v} for k, v in clauses]}


def update_doc(u, where='update'):
    """An update with repeated operators merged, as MongoDB applies them."""
    if not isinstance(u, dict) or not any(
            isinstance(k, str) and k.startswith('$') for k in u):
        return _plain(u, where)
    out = {}
    fields = set()
    for op, arg in _pairs(u):
        if not isinstance(arg, dict):
            out[op] = _plain(arg, where)
            continue
        merged = out.setdefault(op, {})
        for field, value in _pairs(arg):
            if field in fields:
                raise Refused(40, "Updating the path '%s' would create a conflict at '%s'"
                              % (field, field))
            fields.add(field)
            merged[field] = _plain(value, where)
    return out


# Where each command carries filters and updates.
def resolve(cmd):
    """The command (decoded into MultiDicts) as MongoDB would read it."""
    name = next(iter(cmd))
    if isinstance(cmd, MultiDict) and cmd.has_dups():
        seen = set()
        for k, _ in cmd.pairs:
            if k in seen:
                raise Refused(40413, "BSON field '%s.%s' is a duplicate field" % (name, k))
            seen.add(k)
    out = {}
    for k, v in cmd.items():
        if (name, k) in (('find', 'filter'), ('count', 'query'), ('distinct', 'query'),
                         ('findAndModify', 'query'), ('findandmodify', 'query')):
            out[k] = filter_doc(v, '%s.%s' % (name, k))
        elif (name, k) in (('findAndModify', 'update'), ('findandmodify', 'update')):
            out[k] = update_doc(v)
        elif (name, k) in (('update', 'updates'), ('delete', 'deletes')) and isinstance(v, list):
            stmts = []
            for st in v:
                if isinstance(st, dict):
                    st2 = {}
                    for sk, sv in _pairs(st):
                        if sk in st2:
                            raise Refused(40413, "BSON field '%s.%s.%s' is a duplicate field"
                                          % (name, k, sk))
                        st2[sk] = filter_doc(sv, '%s.%s.q' % (name, k)) if sk == 'q' else \
                            _statement_update(sv) if sk == 'u' else _plain(sv, '%s.%s' % (name, k))
                    st = st2
                stmts.append(_plain(st, '%s.%s' % (name, k)))
            out[k] = stmts
        elif (name, k) == ('aggregate', 'pipeline') and isinstance(v, list):
            out[k] = [{'$match': filter_doc(st['$match'], '$match')}
                      if isinstance(st, dict) and list(st) == ['$match'] and
                      not (isinstance(st, MultiDict) and st.has_dups())
                      else _plain(st, 'aggregate.pipeline') for st in v]
        else:
            out[k] = _plain(v, '%s.%s' % (name, k))
    return out
