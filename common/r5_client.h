/*  r5_client: calls services through the brokers.

    One DEALER connected to every broker endpoint, with ZMQ_IMMEDIATE so a
    broker that is down gets no requests. Many requests may be in flight at
    once; replies are matched by request id. Not thread-safe: one client per
    thread (civetweb threads each make their own in init_thread).

    Every request carries an absolute deadline (ms since the Unix epoch). The
    broker answers UNAVAILABLE or DEADLINE at that deadline at the latest; the
    client itself gives up R5_CLIENT_GRACE_MS after it, when no broker
    answered at all (the broker died, the network is gone). */
#ifndef R5_CLIENT_H
#define R5_CLIENT_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "r5_mdp.h"

//  How long after a request's deadline the client still waits for the
//  broker's own UNAVAILABLE/DEADLINE answer before reporting DEADLINE itself.
#define R5_CLIENT_GRACE_MS 100

typedef struct _r5_client_t r5_client_t;

//  Connect to the brokers, "tcp://a:1,tcp://b:2" (spaces around commas are
//  ignored), and wait until every one is connected, at most 250 ms, so that
//  requests are spread over all of them from the first (a draining broker's
//  UNAVAILABLE is then resent to another). Returns NULL when the list is
//  empty or an endpoint is invalid.
r5_client_t *r5_client_new (const char *brokers);

//  Close the socket (linger 0: requests still queued are dropped). Safe on NULL.
void r5_client_destroy (r5_client_t **self_p);

//  Send a request without waiting. Returns its request id (> 0), or 0 when the
//  arguments are invalid, the deadline has passed, no broker accepted it
//  before the deadline, or the process was interrupted. Blocks only while no
//  broker is connected at all (then at most until the deadline).
uint64_t r5_client_send (r5_client_t *self, const char *service, const void *body, size_t size,
                         int64_t deadline_unix_ms);

//  Wait for the reply to one request until its deadline (plus the grace).
//  Replies to other ids that arrive meanwhile are kept for their own wait.
//  Returns 0 and sets *reply (the body; caller frees with zframe_destroy), or
//  R5_RPC_UNAVAILABLE, R5_RPC_DEADLINE, R5_RPC_INTERRUPTED, R5_RPC_INVALID
//  (an id this client is not waiting for). After it returns, the id is forgotten
//  except when it returns R5_RPC_INTERRUPTED.
int r5_client_wait (r5_client_t *self, uint64_t request_id, zframe_t **reply);

//  Send and wait, with a deadline timeout_ms from now. When idempotent is
//  true, a request that got no answer after a quarter of the timeout (at least
//  R5_CLIENT_RETRY_MIN_MS) is sent again with a new id while time remains;
//  the first answer to any of the copies wins, and only a success ends the
//  wait early, or UNAVAILABLE (no worker registered) from as many answers as
//  there are brokers: each UNAVAILABLE sends the next copy at once, so the
//  next broker is asked. That holds for a call that is not idempotent too
//  (sent once otherwise): a broker answers UNAVAILABLE only for a request no
//  worker started (none registered, a full queue, the broker draining).
//  Returns as r5_client_wait.
int r5_client_call (r5_client_t *self, const char *service, const void *body, size_t size,
                    int timeout_ms, bool idempotent, zframe_t **reply);

#define R5_CLIENT_RETRY_MIN_MS 50

//  Number of requests sent and not yet waited for (for tests and metrics).
size_t r5_client_pending (r5_client_t *self);

//  The text of an R5_RPC_* code ("unavailable", "deadline exceeded", ...).
const char *r5_rpc_strerror (int code);

#endif
