/*  broker: r5's Majordomo-style broker (docs/messaging.md), as a czmq actor.

    One ROUTER socket serves clients ("R5C1") and workers ("R5W1"). Per
    service: a FIFO of waiting requests and an LRU list of idle workers.
    Requests answer DEADLINE when they expire in the queue while the service
    has workers, UNAVAILABLE when it has none (or the queue is full).
    Single-threaded; nothing is decoded beyond the frames.

    zactor_new (broker_actor, "tcp://127.0.0.1:*") binds and signals. Commands
    on the pipe (each answered with one string frame):
        "PORT"                  -> the bound port ("" when the bind failed)
        "ENDPOINT"              -> the bound endpoint with * resolved ("" likewise)
        "WORKERS" service       -> number of workers registered for service
        "STATS"                 -> "requests=N replies=N workers=N services=N"
        "SET" key value         -> "0" or "-1"; keys: heartbeat_ms (10..60000),
                                   queue_max (1..10000000)
        "$TERM"                 -> ends the actor (no answer)
    Defaults come from R5_HEARTBEAT_MS and R5_BROKER_QUEUE_MAX. */
#ifndef BROKER_H
#define BROKER_H

#include <czmq.h>

//  Most requests waiting per service before new ones answer UNAVAILABLE.
#define BROKER_QUEUE_MAX 10000
//  Most service names the broker tracks at once (bounds memory against junk names).
#define BROKER_SERVICES_MAX 1024
//  Deadline applied to a request that carries none (deadline 0).
#define BROKER_DEFAULT_DEADLINE_MS 30000

void broker_actor (zsock_t *pipe, void *args);

//  The actor's state and its frame handling without the loop, for the fuzz
//  harness. broker_new binds the ROUTER to bind (the state has no router when
//  that fails, as in the actor); broker_handle_message routes one message as
//  read from the ROUTER ([identity] [""] [header] [frames...], from a client
//  or a worker), taking ownership; answers go out on the ROUTER.
typedef struct _broker_t broker_t;
broker_t *broker_new (const char *bind);
void broker_destroy (broker_t **self_p);
void broker_handle_message (broker_t *self, zmsg_t **msg_p);

#endif
