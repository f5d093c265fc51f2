"""The MongoDB wire protocol: OP_MSG (2013), legacy OP_QUERY (2004) -> OP_REPLY (1).

Only what drivers of MongoDB >= 3.6 send: OP_QUERY for the handshake
(`isMaster`/`hello` on `admin.$cmd`), OP_MSG for everything after.
OP_COMPRESSED is never negotiated (the hello reply offers no compressors).
"""

import itertools
import logging
import socket
import socketserver
import struct

import bson

from . import dupkeys

log = logging.getLogger('r5-devmongo')

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013
HEADER = struct.Struct('<iiii')
MAX_MESSAGE = 48000000
# A document on the wire may exceed the 16 MiB a stored document may have
# by 16 KiB of command envelope (BSONObjMaxInternalSize); beyond it MongoDB
# answers 10334 BSONObjectTooLarge.
MAX_USER_BSON = 16 * 1024 * 1024
MAX_INTERNAL_BSON = MAX_USER_BSON + 16 * 1024

MSG_CHECKSUM = 1 << 0
MSG_MORE_TO_COME = 1 << 1
MSG_EXHAUST_ALLOWED = 1 << 16
MSG_KNOWN = MSG_CHECKSUM | MSG_MORE_TO_COME | MSG_EXHAUST_ALLOWED


class ProtocolError(Exception):
    pass


class TooLarge(Exception):
    """A document over MAX_INTERNAL_BSON: answered, not a protocol error."""

    def __init__(self, size):
        super().__init__(size)
        self.size = size

    def reply(self):
        return {'ok': 0.0, 'errmsg': 'BSONObj size: %d (0x%X) is invalid. Size must be between '
                                     '0 and %d(16MB)' % (self.size, self.size, MAX_INTERNAL_BSON),
                'code': 10334, 'codeName': 'BSONObjectTooLarge'}


def _check_size(size):
    if size > MAX_INTERNAL_BSON:
        raise TooLarge(size)


def _cstring(buf, pos):
    end = buf.index(b'\0', pos)
    return buf[pos:end].decode('utf-8'), end + 1


def parse_op_msg(body, codec, multi_codec=None):
    """Decode an OP_MSG body; returns (flags, command document, dups): dups
    is True when some document repeats a field name, and then every
    document was decoded with multi_codec (dupkeys.MultiDict) instead."""
    flags, = struct.unpack_from('<I', body, 0)
    if flags & 0xFFFF & ~MSG_KNOWN:
        raise ProtocolError('unknown required OP_MSG flag bits 0x%x' % flags)
    end = len(body) - 4 if flags & MSG_CHECKSUM else len(body)
    pos = 4
    cmd = None
    seqs = []
    while pos < end:
        kind = body[pos]
        pos += 1
        if kind == 0:
            size, = struct.unpack_from('<i', body, pos)
            if cmd is not None:
                raise ProtocolError('OP_MSG with two body sections')
            _check_size(size)
            cmd = body[pos:pos + size]
            pos += size
        elif kind == 1:
            size, = struct.unpack_from('<i', body, pos)
            sec_end = pos + size
            ident, p = _cstring(body, pos + 4)
            docs = []
            while p < sec_end:
                dsize, = struct.unpack_from('<i', body, p)
                _check_size(dsize)
                docs.append(body[p:p + dsize])
                p += dsize
            seqs.append((ident, docs))
            pos = sec_end
        else:
            raise ProtocolError('unknown OP_MSG section kind %d' % kind)
    if cmd is None:
        raise ProtocolError('OP_MSG without a body section')
    raws = [cmd] + [d for _, docs in seqs for d in docs]
    dups = multi_codec is not None and any(dupkeys.has_duplicates(r) for r in raws)
    use = multi_codec if dups else codec
    cmd = bson.decode(cmd, codec_options=use)
    for ident, docs in seqs:
        cmd[ident] = [bson.decode(d, codec_options=use) for d in docs]
    return flags, cmd, dups


def build_op_msg(request_id, response_to, doc, codec):
    payload = struct.pack('<I', 0) + b'\0' + bson.encode(doc, codec_options=codec)
    return HEADER.pack(16 + len(payload), request_id, response_to, OP_MSG) + payload


def parse_op_query(body, codec):
    """Decode an OP_QUERY body; returns (full collection name, query document)."""
    pos = 4
    name, pos = _cstring(body, pos)
    pos += 8        # numberToSkip, numberToReturn
    size, = struct.unpack_from('<i', body, pos)
    query = bson.decode(body[pos:pos + size], codec_options=codec)
    return name, query


def build_op_reply(request_id, response_to, doc, codec, flags=8):
    payload = struct.pack('<iqii', flags, 0, 0, 1) + bson.encode(doc, codec_options=codec)
    return HEADER.pack(16 + len(payload), request_id, response_to, OP_REPLY) + payload


class Handler(socketserver.BaseRequestHandler):
    """One thread per client connection: read a message, run it, reply."""

    def setup(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_id = next(self.server.conn_ids)
        self.rfile = self.request.makefile('rb', buffering=65536)
        log.debug('connection %d from %s', self.conn_id, self.client_address)

    def _read(self, n):
        data = self.rfile.read(n)
        if len(data) != n:
            return None
        return data

    def handle(self):
        codec = self.server.codec
        commands = self.server.commands
        sock = self.request
        while True:
            hdr = self._read(16)
            if hdr is None:
                break
            length, req_id, _, opcode = HEADER.unpack(hdr)
            if length < 16 or length > MAX_MESSAGE:
                log.warning('connection %d: bad message length %d', self.conn_id, length)
                break
            body = self._read(length - 16)
            if body is None:
                break
            try:
                if opcode == OP_MSG:
                    try:
                        flags, cmd, dups = parse_op_msg(body, codec, self.server.multi_codec)
                        reply = commands.run(cmd, self.conn_id, dups=dups)
                    except TooLarge as e:
                        flags, reply = struct.unpack_from('<I', body, 0)[0], e.reply()
                    if reply is commands.CLOSE:
                        log.debug('connection %d: closed by a fail point', self.conn_id)
                        break
                    if flags & MSG_MORE_TO_COME:
                        continue        # unacknowledged write: no reply
                    out = build_op_msg(next(self.server.req_ids), req_id, reply, codec)
                elif opcode == OP_QUERY:
                    name, query = parse_op_query(body, codec)
                    if not name.endswith('.$cmd'):
                        out = build_op_reply(next(self.server.req_ids), req_id, {
                            '$err': 'OP_QUERY is only supported for commands',
                            'code': 5739101}, codec, flags=2)
                    else:
                        if '$query' in query:
                            query = query['$query']
                        cmd = dict(query)
                        cmd['$db'] = name[:-5]
                        reply = commands.run(cmd, self.conn_id)
                        if reply is commands.CLOSE:
                            break
                        out = build_op_reply(next(self.server.req_ids), req_id, reply, codec)
                else:
                    log.warning('connection %d: unsupported opcode %d', self.conn_id, opcode)
                    break
            except (ProtocolError, bson.errors.BSONError, struct.error, ValueError) as e:
                log.warning('connection %d: bad message: %s', self.conn_id, e)
                break
            sock.sendall(out)

    def finish(self):
        self.server.commands.forget(self.conn_id)
        self.rfile.close()
        log.debug('connection %d closed', self.conn_id)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, commands, codec):
        self.commands = commands
        self.codec = codec
        self.multi_codec = codec.with_options(document_class=dupkeys.MultiDict)
        self.conn_ids = itertools.count(1)
        self.req_ids = itertools.count(1)
        super().__init__(addr, Handler)
