/*  broker_zap: the process's ZAP handler (ZeroMQ RFC 27), which decides every
    CURVE handshake on the broker's sockets by the allow-list.

    libzmq asks the handler bound at inproc://zeromq.zap.01 in the socket's
    context; czmq has one context per process, so there is one handler per
    process, shared by every broker and event relay in it (tests run several).
    A key is admitted when the allow-list admits it for the socket's ZAP
    domain (broker_allow.h); any other mechanism, NULL included, is refused.
    The handler answers the key as the connection's User-Id, so every message
    off that connection carries it (zframe_meta (frame, "User-Id")). */
#ifndef BROKER_ZAP_H
#define BROKER_ZAP_H

#include <stddef.h>

//  Start the handler with the allow-list at path, or count one more user of
//  the running one (whose list stays the one it was started with). Call
//  before binding a CURVE server socket. 0, or -1 with one line in error.
int broker_zap_start (const char *path, char *error, size_t error_size);

//  One user less; the last one stops the handler.
void broker_zap_stop (void);

//  The key the handler admitted for the connection frame arrived on (Z85),
//  or NULL for a frame that did not come through a handshake it decided.
#define BROKER_ZAP_KEY(frame) zframe_meta ((frame), "User-Id")

#endif
