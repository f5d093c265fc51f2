/*  r5_reply: the one way a service turns its reply message into bytes.

    The rule every service follows: a handler builds its reply on the heap the
    way protobuf-c unpacks a message (the message, every sub-message, array,
    string and bytes field malloc'd, nothing borrowed from the request or from
    static storage), and hands it to r5_reply_pack, which packs it, zeroes
    every string and bytes field (a reply may hold a token value) and frees
    all of it. The packed bytes go to r5_service_reply, which sends them,
    zeroes them and frees them. */
#ifndef R5_REPLY_H
#define R5_REPLY_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

//  Pack reply into a malloc'd buffer of *size bytes (never NULL: see
//  r5_alloc.h), then zero and free reply: the caller must not use it again.
//  reply is owned as if unpacked (see above); NULL packs nothing and answers
//  NULL with *size 0.
uint8_t *r5_reply_pack (ProtobufCMessage *reply, size_t *size);

#endif
