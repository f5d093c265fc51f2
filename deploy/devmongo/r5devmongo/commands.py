"""Database commands in MongoDB 5.0's request and reply shapes."""

import copy
import datetime
import logging
import os
import random
import threading
import time

import bson
from bson.binary import Binary
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

import mongomock
from mongomock import aggregate as mm_aggregate
from mongomock.filtering import filter_applies

from . import dupkeys, engine, shapes

log = logging.getLogger('r5-devmongo')

MAX_WIRE_VERSION = 13          # MongoDB 5.0
VERSION = '5.0.0'
MAX_BSON = 16 * 1024 * 1024          # BSONObjMaxUserSize
MAX_MESSAGE = 48000000
MAX_BATCH = 100000
DEFAULT_BATCH = 101
CURSOR_IDLE_S = 600

CODE_NAMES = {
    1: 'InternalError', 2: 'BadValue', 9: 'FailedToParse', 11: 'UserNotFound',
    13: 'Unauthorized', 14: 'TypeMismatch', 20: 'IllegalOperation', 26: 'NamespaceNotFound',
    27: 'IndexNotFound', 40: 'ConflictingUpdateOperators', 43: 'CursorNotFound',
    48: 'NamespaceExists', 52: 'DollarPrefixedFieldName', 53: 'InvalidIdField',
    59: 'CommandNotFound', 66: 'ImmutableField', 67: 'CannotCreateIndex',
    72: 'InvalidOptions', 73: 'InvalidNamespace', 79: 'UnknownReplWriteConcern',
    6: 'HostUnreachable', 7: 'HostNotFound', 50: 'MaxTimeMSExpired', 64: 'WriteConcernFailed',
    89: 'NetworkTimeout', 91: 'ShutdownInProgress', 100: 'UnsatisfiableWriteConcern',
    189: 'PrimarySteppedDown', 262: 'ExceededTimeLimit', 9001: 'SocketException',
    10107: 'NotWritablePrimary', 11600: 'InterruptedAtShutdown', 11602: 'InterruptedDueToReplStateChange',
    13435: 'NotPrimaryNoSecondaryOk', 13436: 'NotPrimaryOrSecondary', 10334: 'BSONObjectTooLarge',
    40413: 'Location40413', 17419: 'Location17419', 17420: 'Location17420',
    85: 'IndexOptionsConflict', 86: 'IndexKeySpecsConflict', 197: 'InvalidIndexSpecificationOption',
    238: 'NotImplemented', 11000: 'DuplicateKey', 40415: 'Location40415',
}


# Returned by Commands.run when a fail point says to drop the connection.
CLOSE = object()


class CommandError(Exception):
    """A command failure answered as {ok: 0, errmsg, code, codeName}."""

    def __init__(self, code, errmsg, **extra):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.extra = extra

    def reply(self):
        r = {'ok': 0.0, 'errmsg': self.errmsg, 'code': self.code,
             'codeName': CODE_NAMES.get(self.code, 'Location%d' % self.code)}
        r.update(self.extra)
        return r


# Fields every command may carry (driver plumbing).
GENERIC = {'$db', 'lsid', '$readPreference', '$clusterTime', 'comment', 'maxTimeMS',
           'readConcern', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', '$client',
           'txnNumber', 'autocommit', 'startTransaction', 'writeConcern'}
WRITE_CONCERN_OK = {'insert', 'update', 'delete', 'findAndModify', 'createIndexes',
                    'dropIndexes', 'drop', 'dropDatabase', 'create', 'endSessions'}

ALLOWED = {
    'find': {'filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch',
             'hint', 'noCursorTimeout', 'allowDiskUse', 'let', 'collation', 'min', 'max',
             'returnKey', 'showRecordId', 'tailable', 'awaitData', 'oplogReplay',
             'allowPartialResults', 'readOnce'},
    'getMore': {'collection', 'batchSize'},
    'killCursors': {'cursors'},
    'insert': {'documents', 'ordered', 'bypassDocumentValidation'},
    'update': {'updates', 'ordered', 'bypassDocumentValidation', 'let'},
    'delete': {'deletes', 'ordered', 'let'},
    'findAndModify': {'query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert',
                      'bypassDocumentValidation', 'collation', 'arrayFilters', 'hint', 'let'},
    'count': {'query', 'limit', 'skip', 'hint', 'collation', 'fields'},
    'distinct': {'key', 'query', 'collation', 'hint'},
    'aggregate': {'pipeline', 'cursor', 'allowDiskUse', 'bypassDocumentValidation',
                  'collation', 'hint', 'let', 'explain'},
    'createIndexes': {'indexes', 'commitQuorum'},
    'listIndexes': {'cursor'},
    'dropIndexes': {'index'},
    'drop': set(),
    'dropDatabase': set(),
    'create': {'capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction',
               'collation', 'viewOn', 'pipeline', 'storageEngine', 'indexOptionDefaults',
               'timeseries', 'expireAfterSeconds', 'changeStreamPreAndPostImages',
               'clusteredIndex', 'autoIndexId', 'idIndex', 'encryptedFields'},
    'listCollections': {'filter', 'nameOnly', 'authorizedCollections', 'cursor'},
    'listDatabases': {'filter', 'nameOnly', 'authorizedDatabases'},
    'endSessions': None,       # the argument is the list itself
}

ALIASES = {'ismaster': 'isMaster', 'buildinfo': 'buildInfo', 'findandmodify': 'findAndModify',
           'dropindexes': 'dropIndexes', 'deleteIndexes': 'dropIndexes',
           'listindexes': 'listIndexes'}

UPDATE_OPERATORS = {'$set', '$unset', '$inc', '$push', '$pull', '$pullAll', '$addToSet',
                    '$setOnInsert', '$min', '$max', '$mul', '$rename', '$pop',
                    '$currentDate'}


def _id_index():
    return {'v': 2, 'key': {'_id': 1}, 'name': '_id_'}


def _is_int(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class CommandStats:
    """Commands counted by name, and by collection namespace and name; and
    the stored documents each command name had a filter evaluated on."""

    def __init__(self):
        self.since = datetime.datetime.utcnow().replace(microsecond=0)
        self.by_name = {}
        self.by_ns = {}
        self.examined = {}      # name -> documents examined (totalDocsExamined)
        self.total = {}         # never reset: serverStatus metrics.commands

    def count(self, name, db, coll):
        self.by_name[name] = self.by_name.get(name, 0) + 1
        self.total[name] = self.total.get(name, 0) + 1
        if coll is not None:
            per = self.by_ns.setdefault((db, coll), {})
            per[name] = per.get(name, 0) + 1

    def count_examined(self, name, n):
        if n:
            self.examined[name] = self.examined.get(name, 0) + n

    def reply(self):
        return {'since': self.since, 'total': Int64(sum(self.by_name.values())),
                'commands': {k: Int64(v) for k, v in sorted(self.by_name.items())},
                'collections': self._by_collection(),
                'docsExamined': {k: Int64(v) for k, v in sorted(self.examined.items())}}

    def _by_collection(self):
        # {db: {collection: {command: n}}}: a namespace's dot would make a
        # key clients cannot address by path.
        out = {}
        for (db, coll), per in sorted(self.by_ns.items()):
            out.setdefault(db, {})[coll] = {k: Int64(v) for k, v in sorted(per.items())}
        return out

    def since_start(self):
        return {k: {'total': Int64(v)} for k, v in sorted(self.total.items())}


class Commands:
    """Runs decoded commands against the patched mongomock engine.

    run() takes the one global lock: mongomock is not thread-safe, and the
    journal must record changes in the order they were applied.
    """

    CLOSE = CLOSE

    def __init__(self, client, journal, test_commands=False, shapes_file=None):
        self.client = client
        # --record-query-shapes: every new query shape, appended to a file.
        self.shapes = shapes.Recorder(shapes_file) if shapes_file else None
        self.journal = journal
        self.lock = threading.Lock()
        self.cursors = {}
        self.colls = {}
        self.started = time.time()
        self.closed = False
        # configureFailPoint exists only with --enable-test-commands, as in
        # mongod (enableTestCommands=1).
        self.test_commands = test_commands
        self.fail_lock = threading.Lock()
        self.failpoint = None       # the armed failCommand, see cmd_configureFailPoint
        self.app_names = {}         # connection id -> client.application.name of its hello
        self.stats_lock = threading.Lock()
        self.stats = CommandStats()

    # -- helpers -----------------------------------------------------------
    def coll(self, db, name):
        c = self.colls.get((db, name))
        if c is None:
            c = self.colls[(db, name)] = self.client[db][name]
        return c

    def cstore(self, db, name):
        return self.client._store[db][name]

    @staticmethod
    def _cname(cmd, cmdname, db):
        name = cmd[next(iter(cmd))]
        if not isinstance(name, str) or not name or '\0' in name or name.startswith('.') \
                or name.endswith('.') or '$' in name:
            raise CommandError(73, "Invalid namespace specified '%s.%s'" % (db, name))
        return name

    @staticmethod
    def _take(docs, n):
        """The first n docs (all if n is None), cut at 16 MiB as mongod does."""
        out = docs[:n] if n is not None else docs
        if len(out) <= 100:
            return out
        total = 0
        for i, d in enumerate(out):
            total += len(bson.encode(d))
            if total > MAX_BSON - 16384 and i > 0:
                return out[:i]
        return out

    @staticmethod
    def _ensure_created(cs, was_created):
        """Record the implicit creation of a collection (it outlives its documents)."""
        if not was_created and cs.is_created:
            cs.create()
            engine.TOUCHED.append(('create', cs, None))

    def _new_cursor(self, ns, docs, batch, single):
        """First batch for docs; the rest is kept under a new cursor id."""
        first = self._take(docs, batch if batch is not None else DEFAULT_BATCH)
        rest = docs[len(first):]
        cid = 0
        if rest and not single:
            now = time.monotonic()
            for k in [k for k, c in self.cursors.items() if now - c['used'] > CURSOR_IDLE_S]:
                del self.cursors[k]
            cid = random.getrandbits(62) + 1
            self.cursors[cid] = {'ns': ns, 'docs': rest, 'used': now}
        return {'cursor': {'firstBatch': first, 'id': Int64(cid), 'ns': ns}, 'ok': 1.0}

    @staticmethod
    def _batch_size(value, field='batchSize'):
        if value is None:
            return None
        if not _is_int(value) or value < 0:
            raise CommandError(2, "BSON field '%s' value must be >= 0, actual value '%s'"
                               % (field, value))
        return int(value)

    @staticmethod
    def _sort(spec):
        if spec is None:
            return None
        if not isinstance(spec, dict):
            raise CommandError(14, "Expected field sort to be of type object")
        out = []
        for k, v in spec.items():
            if isinstance(v, dict):
                raise CommandError(238, '$meta sort is not supported by r5-devmongo')
            if not _is_int(v) or v not in (1, -1):
                raise CommandError(15974, 'Illegal key in $sort specification: %s: %r' % (k, v))
            out.append((k, int(v)))
        return out or None

    @staticmethod
    def _doc_arg(cmd, field, cmdname, required=False):
        v = cmd.get(field)
        if v is None:
            if required:
                raise CommandError(40414, "BSON field '%s.%s' is missing but a required field"
                                   % (cmdname, field))
            return None
        if not isinstance(v, dict):
            raise CommandError(14, "BSON field '%s.%s' is the wrong type '%s', expected type "
                               "'object'" % (cmdname, field, type(v).__name__))
        return v

    # -- dispatch ----------------------------------------------------------
    def run(self, cmd, conn_id, dups=False):
        """Run one command document; returns the reply document, or CLOSE
        when a fail point says to drop the connection.  dups: the command
        was decoded into dupkeys.MultiDicts because a field name repeats."""
        if not cmd:
            return CommandError(59, 'no such command: \'\'').reply()
        name = next(iter(cmd))
        cmdname = ALIASES.get(name, name)
        db = cmd.get('$db', 'admin')
        if not isinstance(db, str) or not db or any(c in db for c in '/\\. "$\0'):
            return CommandError(73, "Invalid database name: '%s'" % db).reply()
        handler = getattr(self, 'cmd_' + cmdname, None)
        if cmdname != 'r5CommandStats':
            coll = cmd[name] if isinstance(cmd[name], str) and cmdname in ALLOWED else None
            with self.stats_lock:
                self.stats.count(cmdname if handler else name, db, coll)
        if handler is None:
            return CommandError(59, "no such command: '%s'" % name).reply()
        try:
            if dups:
                try:
                    cmd = dupkeys.resolve(cmd)
                except dupkeys.Refused as e:
                    raise CommandError(e.code, e.errmsg)
            self._check_fields(cmd, cmdname)
            if self.shapes is not None:
                self.shapes.record(cmdname, db, cmd, self.app_names.get(conn_id))
            fail = self._fail_point(name, conn_id)
            wce = None
            if fail is not None:
                if fail.get('blockConnection'):
                    time.sleep(max(0, fail.get('blockTimeMS', 0)) / 1000.0)
                if fail.get('closeConnection'):
                    return CLOSE
                if fail.get('errorCode') is not None:
                    raise CommandError(int(fail['errorCode']),
                                       "Failing command via 'failCommand' failpoint",
                                       **self._labels(fail))
                wce = fail.get('writeConcernError')
            if cmdname in ('hello', 'isMaster', 'ping', 'buildInfo', 'endSessions',
                           'configureFailPoint', 'r5CommandStats'):
                return handler(cmd, db, conn_id)
            with self.lock:
                if self.closed:
                    raise CommandError(11600, 'interrupted at shutdown')
                examined = engine.EXAMINED
                try:
                    reply = handler(cmd, db, conn_id)
                finally:
                    self.journal.commit()
                    with self.stats_lock:
                        self.stats.count_examined(cmdname, engine.EXAMINED - examined)
            if wce is not None and reply.get('ok') == 1.0:
                # As mongod's failCommand: the write is done, then its write
                # concern "fails".
                reply = dict(reply)
                ok = reply.pop('ok')
                reply['writeConcernError'] = copy.deepcopy(wce)
                reply.update(self._labels(fail))
                reply['ok'] = ok
            return reply
        except CommandError as e:
            return self._failed(name, e)
        except Exception as e:      # pylint: disable=broad-except
            return self._failed(name, self._map_exception(e))

    def sweep_expired(self):
        """One TTL pass over every collection (call under self.lock);
        returns how many documents were deleted."""
        now = engine.mongomock.utcnow()
        n = 0
        for dbs in list(self.client._store._databases.values()):
            for cs in list(dbs._collections.values()):
                if cs._ttl_indexes:
                    n += cs.sweep_expired(now)
        return n

    def forget(self, conn_id):
        """The connection closed: drop what is kept about it."""
        self.app_names.pop(conn_id, None)

    # -- fail points (test commands) ---------------------------------------
    @staticmethod
    def _labels(fail):
        labels = fail.get('errorLabels')
        return {'errorLabels': list(labels)} if labels else {}

    def _fail_point(self, name, conn_id):
        """The failCommand data if the armed fail point fires for this
        command on this connection (and counts it), else None."""
        fp = self.failpoint
        if fp is None or name not in fp['data'].get('failCommands', ()):
            return None
        app = fp['data'].get('appName')
        if app is not None and self.app_names.get(conn_id) != app:
            return None
        with self.fail_lock:
            if self.failpoint is not fp:
                return None
            if fp['skip'] > 0:
                fp['skip'] -= 1
                return None
            if fp['times'] is not None:
                if fp['times'] <= 0:
                    return None
                fp['times'] -= 1
                if fp['times'] == 0:
                    self.failpoint = None
            fp['entered'] += 1
            return fp['data']

    def cmd_configureFailPoint(self, cmd, db, conn_id):
        """MongoDB's configureFailPoint, for the failCommand fail point only:
        {configureFailPoint: 'failCommand', mode: 'alwaysOn' | 'off' |
        {times: N} | {skip: N}, data: {failCommands: [...], errorCode,
        writeConcernError, closeConnection, errorLabels, appName,
        blockConnection, blockTimeMS}}."""
        if not self.test_commands:
            raise CommandError(59, "no such command: 'configureFailPoint'")
        if db != 'admin':
            raise CommandError(13, 'configureFailPoint may only be run against the admin '
                                   'database.')
        which = cmd['configureFailPoint']
        if which != 'failCommand':
            raise CommandError(238, "fail point '%s' is not supported by r5-devmongo (only "
                                    "failCommand)" % which)
        mode = cmd.get('mode')
        data = cmd.get('data') or {}
        if not isinstance(data, dict):
            raise CommandError(14, "'data' must be an object")
        times, skip = None, 0
        if mode == 'off':
            pass
        elif mode == 'alwaysOn':
            pass
        elif isinstance(mode, dict) and len(mode) == 1 and 'times' in mode and \
                _is_int(mode['times']) and mode['times'] >= 0:
            times = int(mode['times'])
        elif isinstance(mode, dict) and len(mode) == 1 and 'skip' in mode and \
                _is_int(mode['skip']) and mode['skip'] >= 0:
            skip = int(mode['skip'])
        elif isinstance(mode, dict) and 'activationProbability' in mode:
            raise CommandError(238, 'activationProbability is not supported by r5-devmongo')
        else:
            raise CommandError(9, "'mode' must be one of 'off', 'alwaysOn', {times: N}, "
                                  "{skip: N}")
        for k in data:
            if k not in ('failCommands', 'errorCode', 'writeConcernError', 'closeConnection',
                         'errorLabels', 'appName', 'blockConnection', 'blockTimeMS',
                         'failInternalCommands'):
                raise CommandError(238, "failCommand option '%s' is not supported by "
                                        "r5-devmongo" % k)
        if mode != 'off' and not isinstance(data.get('failCommands'), list):
            raise CommandError(9, "'failCommands' must be an array of command names")
        with self.fail_lock:
            count = self.failpoint['entered'] if self.failpoint else 0
            self.failpoint = None if mode == 'off' or times == 0 else \
                {'times': times, 'skip': skip, 'data': copy.deepcopy(data), 'entered': 0}
        return {'count': count, 'ok': 1.0}

    # -- statistics ----------------------------------------------------------
    def cmd_r5CommandStats(self, cmd, db, conn_id):
        """Commands run since the start or the last reset, by name and by
        collection: {r5CommandStats: 1, reset: true} answers, then zeroes."""
        with self.stats_lock:
            r = self.stats.reply()
            if cmd.get('reset'):
                total = self.stats.total
                self.stats = CommandStats()
                self.stats.total = total
        r['ok'] = 1.0
        return r

    @staticmethod
    def _failed(name, err):
        """The error reply; what a real MongoDB would have done differently is a warning."""
        level = logging.WARNING if err.code in (1, 238, 40415) else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(level, 'command %s failed: %s (%d)', name, err.errmsg, err.code)
        return err.reply()

    def _check_fields(self, cmd, cmdname):
        if 'txnNumber' in cmd or 'startTransaction' in cmd:
            raise CommandError(20, 'Transaction numbers are only allowed on a replica set '
                                   'member or mongos')
        allowed = ALLOWED.get(cmdname, ())
        if allowed is None:
            return
        first = True
        for k in cmd:
            if first:
                first = False
                continue
            if k in GENERIC or k in allowed:
                continue
            if cmdname in ALLOWED:
                raise CommandError(40415, "BSON field '%s.%s' is an unknown field."
                                   % (cmdname, k))
        if 'writeConcern' in cmd:
            if cmdname in ALLOWED and cmdname not in WRITE_CONCERN_OK:
                raise CommandError(72, 'Command does not support writeConcern')
            wc = cmd['writeConcern']
            if not isinstance(wc, dict):
                raise CommandError(14, 'writeConcern must be an object')
            w = wc.get('w', 1)
            if isinstance(w, str):
                if w != 'majority':
                    raise CommandError(79, "No write concern mode named '%s' found in replica "
                                           "set configuration" % w)
            elif not _is_int(w) or w < 0 or w > 1:
                raise CommandError(2, 'cannot use non-majority \'w\' mode %s when a host is not '
                                      'a member of a replica set' % w)
        rc = cmd.get('readConcern')
        if isinstance(rc, dict) and rc.get('level') not in (None, 'local', 'majority',
                                                             'available'):
            raise CommandError(72, "readConcern level '%s' is not supported by r5-devmongo "
                                   "(a standalone)" % rc.get('level'))

    @staticmethod
    def _map_exception(e):
        if isinstance(e, engine.DupKeyError):
            return CommandError(11000, e.msg, keyPattern=e.key_pattern, keyValue=e.key_value)
        if isinstance(e, mongomock.DuplicateKeyError):
            return CommandError(11000, 'E11000 duplicate key error: %s' % e)
        if isinstance(e, mongomock.OperationFailure):
            code = e.code if isinstance(e.code, int) and e.code else 2
            return CommandError(code, str(e))
        if isinstance(e, NotImplementedError):
            return CommandError(238, 'not supported by r5-devmongo: %s' % e)
        if isinstance(e, (ValueError, TypeError, KeyError, IndexError)):
            log.debug('bad value', exc_info=True)
            return CommandError(2, str(e) or type(e).__name__)
        log.error('internal error', exc_info=True)
        return CommandError(1, 'internal error: %s' % e)

    # -- handshake and server info -----------------------------------------
    def cmd_hello(self, cmd, db, conn_id, legacy=False):
        client = cmd.get('client')
        if isinstance(client, dict) and isinstance(client.get('application'), dict):
            self.app_names[conn_id] = client['application'].get('name')
        r = {}
        if cmd.get('helloOk'):
            r['helloOk'] = True
        r['ismaster' if legacy else 'isWritablePrimary'] = True
        r.update({
            'maxBsonObjectSize': MAX_BSON, 'maxMessageSizeBytes': MAX_MESSAGE,
            'maxWriteBatchSize': MAX_BATCH,
            'localTime': datetime.datetime.utcnow().replace(microsecond=0),
            'logicalSessionTimeoutMinutes': 30, 'connectionId': conn_id,
            'minWireVersion': 0, 'maxWireVersion': MAX_WIRE_VERSION,
            'readOnly': False, 'ok': 1.0})
        return r

    def cmd_isMaster(self, cmd, db, conn_id):
        return self.cmd_hello(cmd, db, conn_id, legacy=True)

    def cmd_ping(self, cmd, db, conn_id):
        return {'ok': 1.0}

    def cmd_buildInfo(self, cmd, db, conn_id):
        return {'version': VERSION, 'gitVersion': 'r5-devmongo', 'modules': [],
                'allocator': 'system', 'javascriptEngine': 'none', 'sysInfo': 'deprecated',
                'versionArray': [5, 0, 0, 0], 'bits': 64, 'debug': False,
                'maxBsonObjectSize': MAX_BSON, 'storageEngines': ['r5-devmongo'], 'ok': 1.0}

    def cmd_endSessions(self, cmd, db, conn_id):
        return {'ok': 1.0}

    def cmd_serverStatus(self, cmd, db, conn_id):
        with self.stats_lock:
            commands = self.stats.since_start()
        return {'host': 'r5-devmongo', 'version': VERSION, 'process': 'r5-devmongo',
                'pid': Int64(os.getpid()), 'uptime': float(time.time() - self.started),
                'localTime': datetime.datetime.utcnow().replace(microsecond=0),
                'metrics': {'commands': commands}, 'ok': 1.0}

    def cmd_connectionStatus(self, cmd, db, conn_id):
        return {'authInfo': {'authenticatedUsers': [], 'authenticatedUserRoles': []},
                'ok': 1.0}

    # -- reads -------------------------------------------------------------
    def cmd_find(self, cmd, db, conn_id):
        name = self._cname(cmd, 'find', db)
        flt = self._doc_arg(cmd, 'filter', 'find') or {}
        proj = self._doc_arg(cmd, 'projection', 'find')
        sort = self._sort(self._doc_arg(cmd, 'sort', 'find'))
        if cmd.get('collation'):
            raise CommandError(238, 'collation is not supported by r5-devmongo')
        skip = cmd.get('skip', 0)
        if not _is_int(skip) or skip < 0:
            raise CommandError(51024, "BSON field 'skip' value must be >= 0, actual value '%s'"
                               % skip)
        limit = cmd.get('limit', 0)
        if not _is_int(limit):
            raise CommandError(14, "BSON field 'find.limit' is the wrong type")
        single = bool(cmd.get('singleBatch'))
        if limit < 0:   # legacy negative limit: one batch
            limit, single = -limit, True
        batch = self._batch_size(cmd.get('batchSize'))
        docs = self._find(db, name, flt, proj or None, int(skip), int(limit), sort)
        return self._new_cursor('%s.%s' % (db, name), docs, batch, single)

    def _find(self, db, name, flt, proj, skip, limit, sort):
        """Copies of the matching documents: from the sorted index when it
        can give mongomock's exact answer, else from mongomock."""
        coll = self.coll(db, name)
        live = self.cstore(db, name).plan_find(flt, sort, skip, limit)
        if live is None:
            return list(coll.find(flt, proj, skip=skip, limit=limit, sort=sort))
        return [coll._copy_only_fields(d, copy.deepcopy(proj) if proj else proj, dict)
                for d in live]

    def cmd_getMore(self, cmd, db, conn_id):
        cid = cmd['getMore']
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise CommandError(14, "Field 'getMore' must be of type long")
        coll = cmd.get('collection')
        if not isinstance(coll, str):
            raise CommandError(40414, "BSON field 'getMore.collection' is missing but a "
                                      "required field")
        cur = self.cursors.get(int(cid))
        if cur is None:
            raise CommandError(43, 'cursor id %d not found' % cid)
        ns = '%s.%s' % (db, coll)
        if cur['ns'] != ns:
            raise CommandError(13, "Requested getMore on namespace '%s', but cursor belongs to "
                                   "a different namespace %s" % (ns, cur['ns']))
        batch = self._batch_size(cmd.get('batchSize')) or None
        docs = cur['docs']
        out = self._take(docs, batch)
        cur['docs'] = docs[len(out):]
        cur['used'] = time.monotonic()
        if not cur['docs']:
            del self.cursors[int(cid)]
            cid = 0
        return {'cursor': {'nextBatch': out, 'id': Int64(cid), 'ns': ns}, 'ok': 1.0}

    def cmd_killCursors(self, cmd, db, conn_id):
        ids = cmd.get('cursors')
        if not isinstance(ids, list):
            raise CommandError(40414, "BSON field 'killCursors.cursors' is missing but a "
                                      "required field")
        killed, missing = [], []
        for cid in ids:
            if self.cursors.pop(int(cid), None) is not None:
                killed.append(Int64(cid))
            else:
                missing.append(Int64(cid))
        return {'cursorsKilled': killed, 'cursorsNotFound': missing, 'cursorsAlive': [],
                'cursorsUnknown': [], 'ok': 1.0}

    def cmd_count(self, cmd, db, conn_id):
        name = self._cname(cmd, 'count', db)
        flt = self._doc_arg(cmd, 'query', 'count') or {}
        skip, limit = cmd.get('skip', 0) or 0, cmd.get('limit', 0) or 0
        if not _is_int(skip) or skip < 0:
            raise CommandError(2, 'skip value is negative in count query')
        docs = engine.scan(self.cstore(db, name), flt)
        n = max(0, len(docs) - int(skip))
        if limit:
            n = min(n, abs(int(limit)))
        return {'n': n, 'ok': 1.0}

    def cmd_distinct(self, cmd, db, conn_id):
        name = self._cname(cmd, 'distinct', db)
        key = cmd.get('key')
        if not isinstance(key, str):
            raise CommandError(14, "BSON field 'distinct.key' is the wrong type")
        flt = self._doc_arg(cmd, 'query', 'distinct') or {}
        return {'values': list(self.coll(db, name).distinct(key, flt)), 'ok': 1.0}

    def cmd_aggregate(self, cmd, db, conn_id):
        name = cmd['aggregate']
        if name == 1:
            raise CommandError(238, 'database-level aggregate is not supported by r5-devmongo')
        name = self._cname(cmd, 'aggregate', db)
        pipeline = cmd.get('pipeline')
        if not isinstance(pipeline, list):
            raise CommandError(14, "'pipeline' option must be specified as an array")
        if cmd.get('explain'):
            raise CommandError(238, 'explain is not supported by r5-devmongo')
        cursor = cmd.get('cursor')
        if not isinstance(cursor, dict):
            raise CommandError(9, "The 'cursor' option is required, except for aggregate with "
                                  "the explain argument")
        for stage in pipeline:
            if not isinstance(stage, dict) or len(stage) != 1:
                raise CommandError(40323, 'A pipeline stage specification object must contain '
                                          'exactly one field.')
            if next(iter(stage)) in ('$out', '$merge'):
                raise CommandError(238, '$out and $merge are not supported by r5-devmongo')
        coll = self.coll(db, name)
        # A leading $match is a find: it can use the equality index.
        if pipeline and '$match' in pipeline[0]:
            docs = list(coll.find(pipeline[0]['$match']))
            rest = pipeline[1:]
        else:
            docs = list(coll.find())
            rest = pipeline
        out = list(mm_aggregate.process_pipeline(docs, coll.database, rest, None))
        batch = self._batch_size(cursor.get('batchSize'), 'cursor.batchSize')
        return self._new_cursor('%s.%s' % (db, name), out, batch, False)

    # -- writes ------------------------------------------------------------
    @staticmethod
    def _write_error(i, e):
        ce = e if isinstance(e, CommandError) else Commands._map_exception(e)
        we = {'index': i, 'code': ce.code, 'errmsg': ce.errmsg}
        we.update(ce.extra)
        return we

    @staticmethod
    def _check_id(doc):
        _id = doc['_id']
        if isinstance(_id, list):
            raise CommandError(53, "The '_id' value cannot be of type array")
        if isinstance(_id, Regex) or hasattr(_id, 'pattern'):
            raise CommandError(53, "The '_id' value cannot be of type regex")

    def cmd_insert(self, cmd, db, conn_id):
        name = self._cname(cmd, 'insert', db)
        docs = cmd.get('documents')
        if not isinstance(docs, list) or not docs:
            raise CommandError(40414, "BSON field 'insert.documents' is missing but a required "
                                      "field")
        if len(docs) > MAX_BATCH:
            raise CommandError(16, 'Write batch sizes must be between 1 and %d' % MAX_BATCH)
        ordered = cmd.get('ordered', True)
        coll = self.coll(db, name)
        store = self.cstore(db, name)
        was_created = store.is_created
        ns = '%s.%s' % (db, name)
        n, errors = 0, []
        for i, doc in enumerate(docs):
            try:
                if not isinstance(doc, dict):
                    raise CommandError(14, 'document to insert must be an object')
                size = len(bson.encode(doc))
                if size > MAX_BSON:
                    raise CommandError(2, 'object to insert too large. size in bytes: %d, '
                                          'max size: %d' % (size, MAX_BSON))
                if '_id' not in doc:
                    doc = dict([('_id', ObjectId())] + list(doc.items()))
                elif next(iter(doc)) != '_id':
                    doc = dict([('_id', doc['_id'])] +
                               [(k, v) for k, v in doc.items() if k != '_id'])
                self._check_id(doc)
                for k in doc:
                    if k.startswith('$'):
                        raise CommandError(2, "Document can't have $ prefixed field names: %s"
                                           % k)
                key = engine.store_key(doc['_id'])
                if key in store._documents:
                    raise engine.DupKeyError(ns, '_id_', {'_id': 1}, {'_id': doc['_id']})
                coll._insert(doc)
                n += 1
            except Exception as e:   # pylint: disable=broad-except
                errors.append(self._write_error(i, e))
                if ordered:
                    break
        self._ensure_created(store, was_created)
        r = {'n': n, 'ok': 1.0}
        if errors:
            r['writeErrors'] = errors
        return r

    @staticmethod
    def _update_kind(u):
        """'replace' or 'ops' for an update document; validates operators."""
        if isinstance(u, list):
            raise CommandError(238, 'pipeline-style updates are not supported by r5-devmongo')
        if not isinstance(u, dict):
            raise CommandError(14, 'update must be an object')
        if not u:
            return 'replace'
        dollar = [k.startswith('$') for k in u]
        if not any(dollar):
            return 'replace'
        for k, v in u.items():
            if not k.startswith('$'):
                raise CommandError(9, "Unknown modifier: %s. Expected a valid update modifier "
                                      "or pipeline-style update specified as an array" % k)
            if k not in UPDATE_OPERATORS:
                raise CommandError(9, "Unknown modifier: %s. Expected a valid update modifier "
                                      "or pipeline-style update specified as an array" % k)
            if not isinstance(v, dict):
                raise CommandError(9, "Modifiers operate on fields but we found type %s "
                                      "instead. For example: {$mod: {<field>: ...}} not "
                                      "{%s: %r}" % (type(v).__name__, k, v))
            for field in v:
                if field == '_id' and k != '$setOnInsert':
                    raise CommandError(66, "Performing an update on the path '_id' would "
                                           "modify the immutable field '_id'")
        # MongoDB refuses two operators on one path, or on a path and its prefix.
        seen = set()
        for b in (f for v in u.values() for f in v):
            parts = b.split('.')
            for a in ['.'.join(parts[:i]) for i in range(1, len(parts) + 1)]:
                if a in seen or (a == b and any(p.startswith(b + '.') for p in seen)):
                    raise CommandError(40, "Updating the path '%s' would create a conflict "
                                           "at '%s'" % (b, a))
            seen.add(b)
        return 'ops'

    def _apply_update(self, db, name, q, u, multi, upsert):
        """One update statement; returns (n, nModified, upserted_id or None)."""
        kind = self._update_kind(u)
        if kind == 'replace':
            if multi:
                raise CommandError(9, 'multi update is not supported for replacement-style '
                                      'update')
            if '_id' in u and next(iter(u)) != '_id':
                u = dict([('_id', u['_id'])] + [(k, v) for k, v in u.items() if k != '_id'])
        coll = self.coll(db, name)
        store = self.cstore(db, name)
        was_created = store.is_created
        track = []
        engine.WRITE_TRACK = track
        try:
            if kind == 'replace':
                res = coll.replace_one(q, u, upsert=upsert)
            elif multi:
                res = coll.update_many(q, u, upsert=upsert)
            else:
                res = coll.update_one(q, u, upsert=upsert)
        except Exception as e:
            if track and not isinstance(e, mongomock.DuplicateKeyError):
                # mongomock applies operators in place: undo a half-applied one.
                st, key, snap = track[-1]
                if key in st._documents:
                    st[key] = snap
            # A multi update keeps what it did before the failing document.
            done = track[:-1]
            e.r5_partial = (len(done), sum(1 for st, key, snap in done
                                           if st._documents.get(key) != snap))
            raise
        finally:
            engine.WRITE_TRACK = None
            for st, key, _ in track:
                doc = st._documents.get(key)
                if doc is not None:
                    st.reindex(key, doc)
                    engine.TOUCHED.append(('doc', st, key))
        self._check_update_sizes(track)
        raw = res.raw_result
        upserted = raw.get('upserted')
        if upserted is not None:
            key = engine.store_key(upserted)
            doc = store._documents.get(key)
            if doc is not None and len(bson.encode(doc)) > MAX_BSON:
                del store[key]
                raise CommandError(17420, 'Document to upsert is larger than %d' % MAX_BSON)
        self._ensure_created(store, was_created)
        if upserted is not None:
            key = engine.store_key(upserted)
            doc = store._documents.get(key)
            if doc is not None and next(iter(doc)) != '_id':
                store[key] = dict([('_id', doc['_id'])] +
                                  [(k, v) for k, v in doc.items() if k != '_id'])
        return raw.get('n', 0), raw.get('nModified', 0), upserted

    @staticmethod
    def _check_update_sizes(track):
        """17419 if an updated document now exceeds 16 MiB, as MongoDB: that
        document and those after it are put back as they were (MongoDB stops
        a multi-update there), those before it stay updated."""
        for i, (st, key, _) in enumerate(track):
            doc = st._documents.get(key)
            if doc is None or len(bson.encode(doc)) <= MAX_BSON:
                continue
            for st2, key2, snap in track[i:]:
                if key2 in st2._documents:
                    st2[key2] = snap
            done = track[:i]
            err = CommandError(17419, 'Resulting document after update is larger than %d'
                               % MAX_BSON)
            err.r5_partial = (len(done), sum(1 for st2, key2, snap in done
                                             if st2._documents.get(key2) != snap))
            raise err

    def cmd_update(self, cmd, db, conn_id):
        name = self._cname(cmd, 'update', db)
        updates = cmd.get('updates')
        if not isinstance(updates, list) or not updates:
            raise CommandError(40414, "BSON field 'update.updates' is missing but a required "
                                      "field")
        ordered = cmd.get('ordered', True)
        n = n_mod = 0
        upserted, errors = [], []
        for i, st in enumerate(updates):
            try:
                if not isinstance(st, dict) or 'q' not in st or 'u' not in st:
                    raise CommandError(40414, "BSON field 'update.updates.q' is missing but a "
                                              "required field")
                for k in st:
                    if k not in ('q', 'u', 'upsert', 'multi', 'collation', 'arrayFilters',
                                 'hint', 'c'):
                        raise CommandError(40415, "BSON field 'update.updates.%s' is an "
                                                  "unknown field." % k)
                if st.get('arrayFilters') is not None:
                    raise CommandError(238, 'arrayFilters are not supported by r5-devmongo')
                if st.get('collation'):
                    raise CommandError(238, 'collation is not supported by r5-devmongo')
                if isinstance(st['u'], dupkeys.Conflict):
                    raise CommandError(st['u'].refused.code, st['u'].refused.errmsg)
                if not isinstance(st['q'], dict):
                    raise CommandError(14, "BSON field 'update.updates.q' is the wrong type")
                un, um, uid = self._apply_update(db, name, st['q'], st['u'],
                                                 bool(st.get('multi')), bool(st.get('upsert')))
                n += un
                if uid is not None:
                    upserted.append({'index': i, '_id': uid})
                else:
                    n_mod += um
            except Exception as e:   # pylint: disable=broad-except
                partial = getattr(e, 'r5_partial', (0, 0))
                n += partial[0]
                n_mod += partial[1]
                errors.append(self._write_error(i, e))
                if ordered:
                    break
        r = {'n': n, 'nModified': n_mod}
        if upserted:
            r['upserted'] = upserted
        if errors:
            r['writeErrors'] = errors
        r['ok'] = 1.0
        return r

    def cmd_delete(self, cmd, db, conn_id):
        name = self._cname(cmd, 'delete', db)
        deletes = cmd.get('deletes')
        if not isinstance(deletes, list) or not deletes:
            raise CommandError(40414, "BSON field 'delete.deletes' is missing but a required "
                                      "field")
        ordered = cmd.get('ordered', True)
        coll = self.coll(db, name)
        n, errors = 0, []
        for i, st in enumerate(deletes):
            try:
                if not isinstance(st, dict) or not isinstance(st.get('q'), dict) \
                        or 'limit' not in st:
                    raise CommandError(40414, "BSON field 'delete.deletes.q' or 'limit' is "
                                              "missing but a required field")
                if st.get('collation'):
                    raise CommandError(238, 'collation is not supported by r5-devmongo')
                limit = st['limit']
                if limit not in (0, 1) or isinstance(limit, bool):
                    raise CommandError(9, 'The limit field in delete objects must be 0 or 1. '
                                          'Got %s' % limit)
                res = coll.delete_one(st['q']) if limit == 1 else coll.delete_many(st['q'])
                n += res.deleted_count
            except Exception as e:   # pylint: disable=broad-except
                errors.append(self._write_error(i, e))
                if ordered:
                    break
        r = {'n': n, 'ok': 1.0}
        if errors:
            r['writeErrors'] = errors
        return r

    def cmd_findAndModify(self, cmd, db, conn_id):
        name = self._cname(cmd, 'findAndModify', db)
        query = self._doc_arg(cmd, 'query', 'findAndModify') or {}
        sort = self._sort(self._doc_arg(cmd, 'sort', 'findAndModify'))
        fields = self._doc_arg(cmd, 'fields', 'findAndModify')
        remove, new, upsert = bool(cmd.get('remove')), bool(cmd.get('new')), \
            bool(cmd.get('upsert'))
        update = cmd.get('update')
        if cmd.get('arrayFilters') is not None:
            raise CommandError(238, 'arrayFilters are not supported by r5-devmongo')
        if cmd.get('collation'):
            raise CommandError(238, 'collation is not supported by r5-devmongo')
        if remove:
            if update is not None:
                raise CommandError(9, 'Cannot specify both an update and remove=true')
            if upsert:
                raise CommandError(9, 'Cannot specify both upsert=true and remove=true')
            if new:
                raise CommandError(9, "Cannot specify both new=true and remove=true; 'remove' "
                                      "always returns the deleted document")
        elif update is None:
            raise CommandError(9, 'Either an update or remove=true must be specified')
        coll = self.coll(db, name)

        def project(doc):
            if doc is None:
                return None
            if not fields:
                return doc
            return coll._copy_only_fields(doc, copy.deepcopy(fields), dict)

        found = self._find(db, name, query, None, 0, 1, sort)
        old = found[0] if found else None
        if remove:
            if old is not None:
                coll.delete_one({'_id': old['_id']})
            return {'lastErrorObject': {'n': 1 if old is not None else 0},
                    'value': project(old), 'ok': 1.0}
        try:
            return self._find_and_update(db, name, coll, query, update, old, new, upsert,
                                         project)
        except CommandError as e:
            if e.code in (17419, 17420):
                raise CommandError(e.code, 'Plan executor error during findAndModify :: '
                                           'caused by :: ' + e.errmsg)
            raise

    def _find_and_update(self, db, name, coll, query, update, old, new, upsert, project):
        """The update half of findAndModify; returns its reply."""
        if old is not None:
            positional = isinstance(update, dict) and any(
                '.$' in f for v in update.values() if isinstance(v, dict) for f in v)
            spec = {'_id': old['_id']}
            if positional:
                spec = dict(query)
                spec.setdefault('_id', old['_id'])
            self._apply_update(db, name, spec, update, False, False)
            value = coll.find_one({'_id': old['_id']}) if new else old
            return {'lastErrorObject': {'n': 1, 'updatedExisting': True},
                    'value': project(value), 'ok': 1.0}
        if upsert:
            _, _, uid = self._apply_update(db, name, query, update, False, True)
            value = coll.find_one({'_id': uid}) if new else None
            return {'lastErrorObject': {'n': 1, 'updatedExisting': False, 'upserted': uid},
                    'value': project(value), 'ok': 1.0}
        self._update_kind(update)
        return {'lastErrorObject': {'n': 0, 'updatedExisting': False}, 'value': None,
                'ok': 1.0}

    # -- collections and indexes -------------------------------------------
    def cmd_create(self, cmd, db, conn_id):
        name = self._cname(cmd, 'create', db)
        for k in cmd:
            if k in ALLOWED['create']:
                raise CommandError(238, "create option '%s' is not supported by r5-devmongo"
                                   % k)
        cs = self.cstore(db, name)
        if cs.is_created:
            raise CommandError(48, 'Collection already exists. NS: %s.%s' % (db, name))
        cs.create()
        engine.TOUCHED.append(('create', cs, None))
        return {'ok': 1.0}

    def cmd_createIndexes(self, cmd, db, conn_id):
        name = self._cname(cmd, 'createIndexes', db)
        specs = cmd.get('indexes')
        if not isinstance(specs, list) or not specs:
            raise CommandError(2, 'Must specify at least one index to create')
        cs = self.cstore(db, name)
        ns = '%s.%s' % (db, name)
        created_coll = not cs.is_created
        before = 1 + len(cs.specs)
        new_specs = dict(cs.specs)
        added = []
        for spec in specs:
            spec = self._validate_index(spec)
            iname = spec['name']
            same_name = new_specs.get(iname)
            if iname == '_id_' or list(spec['key'].items()) == [('_id', 1)]:
                if iname == '_id_' and list(spec['key'].items()) == [('_id', 1)] \
                        and not spec.get('unique') is False:
                    continue
                raise CommandError(85 if iname != '_id_' else 86,
                                   'Index already exists with a different name: _id_'
                                   if iname != '_id_' else
                                   'An existing index has the same name as the requested '
                                   'index but a different key: _id_')
            if same_name is not None:
                if same_name == spec:
                    continue
                if list(same_name['key'].items()) != list(spec['key'].items()):
                    raise CommandError(86, 'An existing index has the same name as the '
                                           'requested index. Requested index: %s, existing '
                                           'index: %s' % (spec, same_name))
                raise CommandError(85, 'An equivalent index already exists with the same name '
                                       'but different options. Requested index: %s, existing '
                                       'index: %s' % (spec, same_name))
            for other in new_specs.values():
                if list(other['key'].items()) == list(spec['key'].items()) and \
                        other.get('partialFilterExpression') == \
                        spec.get('partialFilterExpression'):
                    raise CommandError(85, 'Index already exists with a different name: %s'
                                       % other['name'])
            new_specs[iname] = spec
            added.append(spec)
        if not added:
            return {'numIndexesBefore': before, 'numIndexesAfter': before,
                    'note': 'all indexes already exist', 'ok': 1.0}
        # Existing documents must satisfy new unique indexes.
        old_specs = dict(cs.specs)
        cs.set_specs(new_specs)
        try:
            for spec in added:
                if spec.get('unique'):
                    index = engine.mm_index_dict(spec)
                    for doc in list(cs._documents.values()):
                        engine.unique_conflict(cs, ns, spec['name'], index, doc)
        except engine.DupKeyError:
            cs.set_specs(old_specs)
            raise
        cs.create()
        return {'numIndexesBefore': before, 'numIndexesAfter': 1 + len(new_specs),
                'createdCollectionAutomatically': created_coll, 'ok': 1.0}

    @staticmethod
    def _validate_index(spec):
        if not isinstance(spec, dict):
            raise CommandError(14, 'index specification must be an object')
        key = spec.get('key')
        if not isinstance(key, dict) or not key:
            raise CommandError(67, "Error in specification %s :: caused by :: The 'key' field "
                                   "is a required property of an index specification" % spec)
        for k, v in key.items():
            if isinstance(v, str):
                raise CommandError(238, "index type '%s' is not supported by r5-devmongo" % v)
            if not _is_int(v) or v == 0:
                raise CommandError(67, "Error in specification %s :: caused by :: Values in "
                                       "the index key pattern can only be non-zero numbers"
                                       % spec)
        iname = spec.get('name')
        if not isinstance(iname, str) or not iname:
            raise CommandError(9, "Error in specification %s :: caused by :: The 'name' field "
                                  "is a required property of an index specification" % spec)
        out = {'v': 2, 'key': {k: (1 if v > 0 else -1) if isinstance(v, float) else v
                               for k, v in key.items()}, 'name': iname}
        for opt, val in spec.items():
            if opt in ('key', 'name', 'v', 'background', 'ns'):
                continue
            if opt in ('unique', 'sparse'):
                if val:
                    out[opt] = True
            elif opt == 'partialFilterExpression':
                if not isinstance(val, dict):
                    raise CommandError(14, 'partialFilterExpression must be an object')
                out[opt] = val
            elif opt == 'expireAfterSeconds':
                if not _is_int(val) or val < 0:
                    raise CommandError(2, 'TTL index \'expireAfterSeconds\' option must be a '
                                          'non-negative number')
                out[opt] = val
            elif opt in ('hidden',):
                if val:
                    out[opt] = True
            elif opt in ('collation', 'weights', 'default_language', 'language_override',
                         'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min', 'max',
                         'wildcardProjection'):
                raise CommandError(238, "index option '%s' is not supported by r5-devmongo"
                                   % opt)
            else:
                raise CommandError(197, "The field '%s' is not valid for an index "
                                        "specification. Specification: %s" % (opt, spec))
        return out

    def cmd_listIndexes(self, cmd, db, conn_id):
        name = self._cname(cmd, 'listIndexes', db)
        cs = self.cstore(db, name)
        if not cs.is_created:
            raise CommandError(26, 'ns does not exist: %s.%s' % (db, name))
        cursor = cmd.get('cursor') or {}
        docs = [_id_index()] + [copy.deepcopy(s) for s in cs.specs.values()]
        return self._new_cursor('%s.%s' % (db, name), docs,
                                self._batch_size(cursor.get('batchSize')), False)

    def cmd_dropIndexes(self, cmd, db, conn_id):
        name = self._cname(cmd, 'dropIndexes', db)
        cs = self.cstore(db, name)
        if not cs.is_created:
            raise CommandError(26, 'ns not found %s.%s' % (db, name))
        which = cmd.get('index')
        was = 1 + len(cs.specs)
        specs = dict(cs.specs)
        if which == '*':
            specs = {}
        else:
            names = which if isinstance(which, list) else [which]
            for w in names:
                if isinstance(w, dict):
                    match = [n for n, s in specs.items() if s['key'] == w]
                    if w == {'_id': 1}:
                        raise CommandError(72, 'cannot drop _id index')
                    if not match:
                        raise CommandError(27, "can't find index with key: %s" % w)
                    w = match[0]
                if not isinstance(w, str):
                    raise CommandError(14, "BSON field 'dropIndexes.index' is the wrong type")
                if w == '_id_':
                    raise CommandError(72, 'cannot drop _id index')
                if w not in specs:
                    raise CommandError(27, 'index not found with name [%s]' % w)
                del specs[w]
        cs.set_specs(specs)
        cs.create()
        return {'nIndexesWas': was, 'ok': 1.0}

    def cmd_drop(self, cmd, db, conn_id):
        name = self._cname(cmd, 'drop', db)
        cs = self.cstore(db, name)
        if not cs.is_created:
            raise CommandError(26, 'ns not found')
        was = 1 + len(cs.specs)
        cs.drop()
        self._drop_cursors('%s.%s' % (db, name))
        return {'nIndexesWas': was, 'ns': '%s.%s' % (db, name), 'ok': 1.0}

    def _drop_cursors(self, ns):
        for k in [k for k, c in self.cursors.items() if c['ns'] == ns]:
            del self.cursors[k]

    def cmd_dropDatabase(self, cmd, db, conn_id):
        dbs = self.client._store[db]
        for cname, cs in list(dbs._collections.items()):
            if cs.is_created:
                cs.drop()
                self._drop_cursors('%s.%s' % (db, cname))
        return {'dropped': db, 'ok': 1.0}

    def cmd_listCollections(self, cmd, db, conn_id):
        flt = self._doc_arg(cmd, 'filter', 'listCollections') or {}
        name_only = bool(cmd.get('nameOnly'))
        dbs = self.client._store[db]
        out = []
        for cname in sorted(dbs.list_created_collection_names()):
            cs = dbs[cname]
            if name_only:
                entry = {'name': cname, 'type': 'collection'}
            else:
                entry = {'name': cname, 'type': 'collection', 'options': {},
                         'info': {'readOnly': False, 'uuid': Binary(cs.uuid.bytes, 4)},
                         'idIndex': _id_index()}
            if filter_applies(flt, entry):
                out.append(entry)
        cursor = cmd.get('cursor') or {}
        return self._new_cursor('%s.$cmd.listCollections' % db, out,
                                self._batch_size(cursor.get('batchSize')), False)

    def cmd_listDatabases(self, cmd, db, conn_id):
        if db != 'admin':
            raise CommandError(13, 'listDatabases may only be run against the admin database.')
        flt = self._doc_arg(cmd, 'filter', 'listDatabases') or {}
        out, total = [], 0
        for name in sorted(self.client._store.list_created_database_names()):
            size = sum(v[0] for (d, _), live in self.journal.live.items() if d == name
                       for v in live.values())
            total += size
            entry = {'name': name} if cmd.get('nameOnly') else \
                {'name': name, 'sizeOnDisk': Int64(size), 'empty': size == 0}
            if filter_applies(flt, entry):
                out.append(entry)
        r = {'databases': out}
        if not cmd.get('nameOnly'):
            r['totalSize'] = Int64(total)
        r['ok'] = 1.0
        return r
