"""Append-only journal of resulting documents, with snapshot compaction.

Files in the data directory:
  snapshot.r5j   the state at the last compaction (written to a temporary
                 file, fsynced, then renamed over the old one)
  journal.r5j    every change since: one record per line

A record is one BSON document, base64-encoded, ended by a newline (BSON
keeps every type exact: int32 vs int64, dates, binary, ObjectId):
  {o: 'u', d: db, c: coll, doc: {...}}   the document as it now is
  {o: 'x', d: db, c: coll, id: _id}      the document was deleted
  {o: 'i', d: db, c: coll, specs: [...]} the collection's index specs
  {o: 'C', d: db, c: coll}               the collection exists
  {o: 'D', d: db, c: coll}               the collection was dropped

The directory and every file in it hold Argon2 hashes, emails and token
digests: the directory is 0700 and the files 0600 whatever the umask, and
looser modes left by an earlier run are tightened when the journal opens.

Replay reads the snapshot, then the journal.  A last journal line that
is incomplete or undecodable (a crash mid-write) is dropped and the file
truncated to its last good record; damage anywhere else is fatal.
Replaying a journal over the snapshot it was compacted into gives the
same state (records carry whole resulting documents), so a crash between
the snapshot rename and the journal truncation loses nothing.
"""

import base64
import binascii
import fcntl
import logging
import os
import stat
import threading

import bson

from . import engine

log = logging.getLogger('r5-devmongo')

SNAPSHOT = 'snapshot.r5j'
JOURNAL = 'journal.r5j'
# Compact when the journal exceeds RATIO x live data + SLACK bytes.
RATIO = 2
SLACK = 1 << 20


class JournalError(Exception):
    pass


def _tighten(path):
    """Take every permission of group and others away from path."""
    mode = os.lstat(path).st_mode
    if mode & 0o077:
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
        log.warning('%s was open to others (mode %03o): made private', path, stat.S_IMODE(mode))


def _open_private(path, mode):
    """open() in binary mode 'ab' or 'wb' for a file only its owner may use:
    created 0600 whatever the umask, an existing one tightened."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if mode == 'ab' else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        raise


class Journal:
    """Owns the data directory; every method runs under the server lock."""

    def __init__(self, data_dir, codec, fsync='batch', interval=0.1):
        self.dir = data_dir
        self.codec = codec
        self.fsync_mode = fsync
        self.interval = interval
        self.path = os.path.join(data_dir, JOURNAL)
        self.snap_path = os.path.join(data_dir, SNAPSHOT)
        self.live = {}            # (db, coll) -> {key: (size, _id)}
        self.live_bytes = 0
        self.journal_bytes = 0
        self.f = None
        self._dirty = False
        self._stop = threading.Event()
        self._thread = None

    # -- encoding ----------------------------------------------------------
    def _line(self, rec):
        return base64.b64encode(bson.encode(rec, codec_options=self.codec)) + b'\n'

    def _decode(self, line):
        raw = base64.b64decode(line, validate=True)
        return bson.decode(raw, codec_options=self.codec)

    # -- replay ------------------------------------------------------------
    def open(self, client_store):
        """Replay snapshot and journal into client_store; open for appends."""
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        _tighten(self.dir)
        for name in os.listdir(self.dir):
            if stat.S_ISREG(os.lstat(os.path.join(self.dir, name)).st_mode):
                _tighten(os.path.join(self.dir, name))
        # One server per data directory: a second one would interleave writes.
        self._lock_fd = os.open(os.path.join(self.dir, 'LOCK'), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise JournalError('data dir %s is in use by another r5-devmongo' % self.dir)
        self.store = client_store
        engine.REPLAYING = True
        try:
            n_snap = 0
            if os.path.exists(self.snap_path):
                with open(self.snap_path, 'rb') as f:
                    for lineno, line in enumerate(f, 1):
                        if not line.endswith(b'\n'):
                            raise JournalError('snapshot %s: truncated line %d'
                                               % (self.snap_path, lineno))
                        try:
                            rec = self._decode(line[:-1])
                        except (binascii.Error, ValueError, bson.errors.BSONError) as e:
                            raise JournalError('snapshot %s: bad record at line %d: %s'
                                               % (self.snap_path, lineno, e))
                        self._apply(rec, len(line))
                        n_snap += 1
            n_jour, good = 0, 0
            if os.path.exists(self.path):
                with open(self.path, 'rb') as f:
                    data = f.read()
                pos = 0
                while pos < len(data):
                    end = data.find(b'\n', pos)
                    try:
                        if end < 0:
                            raise ValueError('no end of line')
                        rec = self._decode(data[pos:end])
                    except (binascii.Error, ValueError, bson.errors.BSONError) as e:
                        if end < 0 or not data[end + 1:].strip(b'\n'):
                            log.warning('journal: ignoring torn last record at byte %d (%s)',
                                        pos, e)
                            break
                        raise JournalError('journal %s: bad record at byte %d: %s'
                                           % (self.path, pos, e))
                    self._apply(rec, end + 1 - pos)
                    n_jour += 1
                    pos = end + 1
                    good = pos
                if good < len(data):
                    with open(self.path, 'r+b') as f:
                        f.truncate(good)
                        f.flush()
                        os.fsync(f.fileno())
                self.journal_bytes = good
        finally:
            engine.REPLAYING = False
        log.info('replayed %d snapshot and %d journal records (%d live bytes)',
                 n_snap, n_jour, self.live_bytes)
        self.f = _open_private(self.path, 'ab')
        self._fsync_dir()
        if self.journal_bytes > RATIO * self.live_bytes + SLACK:
            self.compact()
        if self.fsync_mode == 'batch':
            self._thread = threading.Thread(target=self._fsync_loop, name='fsync', daemon=True)
            self._thread.start()

    def _apply(self, rec, size):
        op = rec.get('o')
        db, cname = rec.get('d'), rec.get('c')
        if not isinstance(db, str) or not isinstance(cname, str):
            raise ValueError('record without namespace')
        cs = self.store[db][cname]
        live = self.live.setdefault((db, cname), {})
        if op == 'u':
            doc = rec['doc']
            key = engine.store_key(doc['_id'])
            cs[key] = doc
            self._set_live(live, key, size, doc['_id'])
        elif op == 'x':
            key = engine.store_key(rec['id'])
            if key in cs._documents:
                del cs[key]
            self._set_live(live, key, None, None)
        elif op == 'i':
            cs.set_specs({s['name']: s for s in rec['specs']})
            cs.create()
        elif op == 'C':
            cs.create()
        elif op == 'D':
            cs.drop()
            for size, _ in live.values():
                self.live_bytes -= size
            live.clear()
        else:
            raise ValueError('unknown record type %r' % (op,))

    def _set_live(self, live, key, size, _id):
        old = live.pop(key, None)
        if old is not None:
            self.live_bytes -= old[0]
        if size is not None:
            live[key] = (size, _id)
            self.live_bytes += size

    # -- appends -----------------------------------------------------------
    def commit(self):
        """Write the records for everything touched since the last commit."""
        events = engine.TOUCHED[:]
        del engine.TOUCHED[:]
        if not events or self.f is None:
            return
        last = {}
        for i, (kind, cs, key) in enumerate(events):
            if kind == 'doc':
                last[(id(cs), key)] = i
        out = []
        for i, (kind, cs, key) in enumerate(events):
            ns = (cs.db_name, cs.name)
            live = self.live.setdefault(ns, {})
            if kind == 'doc':
                if last[(id(cs), key)] != i:
                    continue
                doc = cs._documents.get(key)
                if doc is not None:
                    line = self._line({'o': 'u', 'd': ns[0], 'c': ns[1], 'doc': doc})
                    self._set_live(live, key, len(line), doc['_id'])
                elif key in live:
                    line = self._line({'o': 'x', 'd': ns[0], 'c': ns[1], 'id': live[key][1]})
                    self._set_live(live, key, None, None)
                else:
                    continue
            elif kind == 'drop':
                line = self._line({'o': 'D', 'd': ns[0], 'c': ns[1]})
                for size, _ in live.values():
                    self.live_bytes -= size
                live.clear()
            elif kind == 'idx':
                line = self._line({'o': 'i', 'd': ns[0], 'c': ns[1],
                                   'specs': list(cs.specs.values())})
            elif kind == 'create':
                line = self._line({'o': 'C', 'd': ns[0], 'c': ns[1]})
            else:
                continue
            out.append(line)
        if not out:
            return
        data = b''.join(out)
        try:
            self.f.write(data)
            self.f.flush()
            if self.fsync_mode == 'always':
                os.fsync(self.f.fileno())
        except OSError as e:
            # Memory is now ahead of the disk: stop, as mongod does, rather
            # than acknowledge writes a restart would lose.
            log.critical('cannot write the journal %s: %s; exiting', self.path, e)
            os._exit(1)
        self.journal_bytes += len(data)
        if self.fsync_mode != 'always':
            self._dirty = True
        if self.journal_bytes > RATIO * self.live_bytes + SLACK:
            self.compact()

    def _fsync_loop(self):
        while not self._stop.wait(self.interval):
            if self._dirty:
                self._dirty = False
                f = self.f
                try:
                    if f is not None:
                        os.fsync(f.fileno())
                except (OSError, ValueError):
                    pass

    def _fsync_dir(self):
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- compaction --------------------------------------------------------
    def compact(self):
        """Write the whole live state as a new snapshot and empty the journal."""
        tmp = self.snap_path + '.tmp'
        live_all = {}
        total = 0
        with _open_private(tmp, 'wb') as f:
            for db_name, dbs in list(self.store._databases.items()):
                for cname, cs in list(dbs._collections.items()):
                    if not cs.is_created:
                        continue
                    chunk = [self._line({'o': 'C', 'd': db_name, 'c': cname})]
                    if cs.specs:
                        chunk.append(self._line({'o': 'i', 'd': db_name, 'c': cname,
                                                 'specs': list(cs.specs.values())}))
                    live = live_all[(db_name, cname)] = {}
                    for key, doc in cs._documents.items():
                        line = self._line({'o': 'u', 'd': db_name, 'c': cname, 'doc': doc})
                        live[key] = (len(line), doc['_id'])
                        total += len(line)
                        chunk.append(line)
                    f.write(b''.join(chunk))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.snap_path)
        self._fsync_dir()
        old = self.f
        self.f = _open_private(self.path, 'wb')
        os.fsync(self.f.fileno())
        if old is not None:
            old.close()
        self.live = live_all
        self.live_bytes = total
        log.info('compacted: snapshot %d bytes, journal was %d bytes', total, self.journal_bytes)
        self.journal_bytes = 0
        self._dirty = False

    def close(self):
        """Flush, compact and close (clean shutdown)."""
        self._stop.set()
        if self.f is None:
            return
        self.commit()
        try:
            if self.journal_bytes:
                self.compact()
        finally:
            self.f.flush()
            os.fsync(self.f.fileno())
            self.f.close()
            self.f = None
