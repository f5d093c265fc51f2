/*  r5_events: the publishing side of change events. A PUB socket connected to
    every broker's event relay (XSUB side); a service publishes after a change
    is durable and before it replies, so gateways drop what the change made
    stale. Each event is three frames: [topic "<kind>.<change> <id>"] [payload]
    [sequence: publisher id (8 random bytes, chosen at start) and a counter
    (8 bytes, big-endian, from 1)], so a subscriber can tell a lost event
    (docs/messaging.md, "Events"). Owns a socket: one per thread. */
#ifndef R5_EVENTS_H
#define R5_EVENTS_H

#include <stddef.h>

//  The size of the sequence frame: publisher id (8) and counter (8).
#define R5_EVENTS_SEQUENCE_SIZE 16
//  The topic of the relays' heartbeats (broker_events.h).
#define R5_EVENTS_HEARTBEAT_TOPIC "relay.heartbeat"

typedef struct _r5_events_t r5_events_t;

//  Connect to the endpoints ("" publishes nowhere). NULL when one is invalid.
r5_events_t *r5_events_new (const char *endpoints);
void r5_events_destroy (r5_events_t **self_p);

//  Let the socket process what it was sent meanwhile (new connections,
//  subscriptions): a PUB socket only does so when it is used, and drops what it
//  publishes to a subscriber it does not know yet. Call it as each request starts.
void r5_events_poll (r5_events_t *self);

//  Publish one event. 0, or -1 when it could not be queued. PUB never blocks:
//  with no subscriber, or past the high-water mark, the event is dropped (and
//  gateways flush their caches whenever their stream reconnects).
int r5_events_publish (r5_events_t *self, const char *topic, const void *payload, size_t size);

#endif
