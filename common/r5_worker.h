/*  r5_worker: serves one service name for every broker it is given.

    One DEALER per broker endpoint. On connect it sends READY; it heartbeats
    each broker every R5_HEARTBEAT_MS (default 250) and expects the same from
    it. A broker silent for R5_MDP_LIVENESS intervals, or one that says
    DISCONNECT (a restarted broker that does not know us), gets a fresh socket
    and a new READY, so workers come back by themselves after a broker restart.
    Heartbeats are sent from inside r5_worker_recv: call it at least every
    interval or so, or the broker counts this worker as gone (it then answers
    its late reply anyway and tells it to register again).

    Not thread-safe: one worker per thread. */
#ifndef R5_WORKER_H
#define R5_WORKER_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "r5_mdp.h"

typedef struct _r5_worker_t r5_worker_t;
typedef struct _r5_request_t r5_request_t;

//  Connect to every broker of "tcp://a:1,tcp://b:2" and register for service.
//  Returns NULL when the list is empty or holds an invalid endpoint, or the
//  service name is empty or longer than R5_MDP_SERVICE_MAX.
r5_worker_t *r5_worker_new (const char *brokers, const char *service);

//  Tell every broker DISCONNECT and close. Safe on NULL.
void r5_worker_destroy (r5_worker_t **self_p);

//  Wait up to timeout_ms for a request, handling heartbeats and reconnects
//  meanwhile. Returns the request, or NULL on timeout, on interrupt, or when
//  the socket given to r5_worker_watch has input. Requests already past their
//  deadline are released here (RELEASE: the broker answers DEADLINE) and never
//  returned.
r5_request_t *r5_worker_recv (r5_worker_t *self, int timeout_ms);

//  Make r5_worker_recv also return (NULL) as soon as sock has input, e.g. the
//  pipe of the actor that owns this worker. NULL stops watching. Borrowed.
void r5_worker_watch (r5_worker_t *self, zsock_t *sock);

//  The request's body (borrowed, valid until the request is destroyed), its
//  size, its deadline (ms since the Unix epoch, 0 = none) and its id (for logs).
const uint8_t *r5_request_body (r5_request_t *self);
size_t r5_request_size (r5_request_t *self);
int64_t r5_request_deadline (r5_request_t *self);
uint64_t r5_request_id (r5_request_t *self);

//  The roles of the client that sent the request, as the broker authenticated
//  its key: a comma-separated list such as "gateway" (R5_ROLE_* names; empty
//  for a client the allow-list grants calls to this service by name alone).
//  Borrowed. Nothing in the body can change it: services decide by it which
//  operations a caller may ask for.
const char *r5_request_caller (r5_request_t *self);

//  True when the request's client holds role (an R5_ROLE_* name).
bool r5_request_caller_is (r5_request_t *self, const char *role);

//  Send the reply through the broker the request came from and destroy the
//  request. Returns 0, or -1 when it could not be sent (that broker is gone;
//  its client retries or times out).
int r5_worker_reply (r5_worker_t *self, r5_request_t **request_p, const void *body, size_t size);

//  Give a request back to the broker unstarted (RELEASE), which queues it for
//  another worker, or answers DEADLINE when its time is up, and destroy it.
//  Only for a request no part of which was done. Returns 0, or -1 when that
//  broker is gone.
int r5_worker_release (r5_worker_t *self, r5_request_t **request_p);

//  Drop a request without reply. Safe on NULL. The broker then counts this
//  worker busy until the request's deadline: reply or release instead.
void r5_request_destroy (r5_request_t **self_p);

#endif
