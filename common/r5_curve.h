/*  r5_curve: this process's CURVE identity on the bus.

    Every r5 process has its own key pair (czmq's certificate format, written
    by r5-keygen) and knows the brokers' public key. Every bus socket is
    secured with them: clients, workers, event publishers and subscribers are
    CURVE clients that pin the brokers' key; the broker's sockets are CURVE
    servers whose ZAP handler admits keys by role (docs/messaging.md, "Keys
    and roles"). There is no unauthenticated mode: until an identity is set,
    securing a socket fails, and so does making a client, worker or publisher.

    The identity is set once at start-up, before any thread makes a socket,
    and only read afterwards. */
#ifndef R5_CURVE_H
#define R5_CURVE_H

#include <czmq.h>
#include <stdbool.h>

//  A Z85 public key is 40 characters.
#define R5_CURVE_KEY_TEXT 40

//  Load this process's key pair from its secret certificate file and the
//  brokers' public key from theirs (NULL for the broker itself: it is the
//  server, and its own public key is the one clients pin). The secret file
//  must not be readable by group or others. 0, or -1 with one line in error.
int r5_curve_load (const char *secret_path, const char *broker_path, char *error, size_t error_size);

//  Use own (copied) and broker_public (Z85; NULL: own public key) as this
//  process's identity. For tests, which run every role in one process.
void r5_curve_set (zcert_t *own, const char *broker_public);

//  Forget the identity (tests; sockets made later fail to secure).
void r5_curve_reset (void);

//  This process's public key (Z85), or NULL when no identity is set.
const char *r5_curve_public (void);

//  Make sock (a zsock_t or a libzmq socket) a CURVE client of the brokers. 0,
//  or -1 when no identity is set.
//  Call before connecting.
int r5_curve_client (void *sock);

//  Make sock a CURVE server with this process's key, its handshakes decided
//  by the ZAP handler for domain. 0, or -1 when no identity is set. Call
//  before binding.
int r5_curve_server (zsock_t *sock, const char *domain);

#endif
