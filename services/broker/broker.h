/*  broker: r5's Majordomo-style broker (docs/messaging.md), as a czmq actor.

    One ROUTER socket serves clients ("R5C1") and workers ("R5W2"). It is a
    CURVE server with this process's key (r5_curve); the ZAP handler
    (broker_zap) admits only allow-listed keys, and every message is then
    judged by its sender's key (broker_allow): a key registers only for the
    services it may serve, sends requests only to those it may call (others
    answer FORBIDDEN), and answers only requests the broker gave it. Per
    service: a FIFO of waiting requests and an LRU list of idle workers.
    Requests answer DEADLINE when they expire in the queue while the service
    has workers, UNAVAILABLE at once when it has none (or the queue is full),
    except during the start grace. A request a worker gives back unstarted
    (RELEASE, or DISCONNECT while holding it) is queued again; a worker that
    answered nothing by its request's deadline is available again.
    Single-threaded; nothing is decoded beyond the frames.

    zactor_new (broker_actor, &(broker_config_t) { "tcp://127.0.0.1:*",
    allow_path }) binds and signals. Commands
    on the pipe (each answered with one string frame):
        "PORT"                  -> the bound port ("" when the bind failed)
        "ENDPOINT"              -> the bound endpoint with * resolved ("" likewise)
        "WORKERS" service       -> number of workers registered for service
        "STATS"                 -> "requests=N replies=N workers=N services=N"
        "SET" key value         -> "0" or "-1"; keys: heartbeat_ms (10..60000),
                                   queue_max (1..10000000), start_grace_ms (0..60000),
                                   shutdown_grace_ms (0..600000, default 10000)
        "DRAIN"                 -> starts a drain (no answer; SIGINT/SIGTERM does too)
        "$TERM"                 -> ends the actor (no answer)
    Draining, the broker answers every queued and every new request
    UNAVAILABLE (no worker started them: the client's next copy goes to
    another broker), still forwards the answers of requests workers hold,
    and sends "DRAINED" on the pipe, unasked, once none is held or the
    shutdown grace is over. It answers UNAVAILABLE from then until $TERM.
    Defaults come from R5_HEARTBEAT_MS, R5_BROKER_QUEUE_MAX and
    R5_BROKER_START_GRACE_MS (default: the liveness, 4 heartbeats). */
#ifndef BROKER_H
#define BROKER_H

#include <czmq.h>

//  Most requests waiting per service before new ones answer UNAVAILABLE.
#define BROKER_QUEUE_MAX 10000
//  Most service names the broker tracks at once (bounds memory against junk names).
#define BROKER_SERVICES_MAX 1024
//  Deadline applied to a request that carries none (deadline 0).
#define BROKER_DEFAULT_DEADLINE_MS 30000
//  Connections each of the broker's listening sockets queues (the request
//  router and both event relays): a (re)started broker is reconnected to by
//  every peer at once, every worker and every gateway thread's client (about
//  420 in tests/integration/test_drain.py), while its first CURVE handshakes
//  keep it busy. The kernel drops what does not fit (libzmq's default is
//  100), and a dropped peer waits for TCP's SYN retransmission (1 s, then
//  3 s): a worker registers past the start grace, and a client reaches only
//  the other broker, draining in a rolling restart. The kernel caps it at
//  net.core.somaxconn.
#define BROKER_LISTEN_BACKLOG 4096

typedef struct {
    const char *bind;           //  endpoint, e.g. tcp://*:5555
    const char *allow;          //  the allow-list file (broker_allow.h)
} broker_config_t;

//  args: a broker_config_t, read before the actor signals.
void broker_actor (zsock_t *pipe, void *args);

//  The actor's state and its frame handling without the loop, for the fuzz
//  harness. broker_new loads the allow-list and binds the ROUTER to bind
//  (NULL when the allow-list cannot be loaded; the state has no router when
//  the bind fails, as in the actor); broker_handle_message routes one message
//  as read from the ROUTER ([identity] [""] [header] [frames...], from a
//  client or a worker) sent by the peer with CURVE key (Z85; NULL: none),
//  taking ownership; answers go out on the ROUTER.
typedef struct _broker_t broker_t;
broker_t *broker_new (const char *bind, const char *allow);
void broker_destroy (broker_t **self_p);
void broker_handle_message (broker_t *self, zmsg_t **msg_p, const char *key);

#endif
