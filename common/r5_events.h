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
//  What gateways publish back (docs/messaging.md, "Exact revocation"):
//  "gateway.alive" [gateway id (8), its feed's currency bound in ms (8)]
//  every R5_EVENTS_ALIVE_MS, and "gateway.applied" [gateway id (8),
//  publisher id (8), sequence (8)] once an event is in effect there. Neither
//  carries a sequence frame (the relays list only publishers of events).
#define R5_EVENTS_GATEWAY_TOPIC "gateway."
#define R5_EVENTS_ALIVE_TOPIC "gateway.alive"
#define R5_EVENTS_APPLIED_TOPIC "gateway.applied"
#define R5_EVENTS_ALIVE_MS 50
//  A gateway silent this long is no longer waited for.
#define R5_EVENTS_GATEWAY_SILENT_MS 200
//  A change waits for a gateway that has not confirmed it at most the
//  gateway's currency bound and this margin (past which the gateway no
//  longer trusts its cache anyway), and never more than the maximum.
#define R5_EVENTS_CONFIRM_MARGIN_MS 20
#define R5_EVENTS_CONFIRM_MAX_MS 1000

typedef struct _r5_events_t r5_events_t;


//  Publish to the endpoints (the relays' inputs; "" publishes nowhere) and
//  hear the gateways at subscribe (the relays' outputs; "" hears none, and
//  r5_events_confirm then answers at once). NULL when an endpoint is invalid.
r5_events_t *r5_events_new (const char *endpoints, const char *subscribe);
void r5_events_destroy (r5_events_t **self_p);

//  Let the socket process what it was sent meanwhile (new connections,
//  subscriptions): a PUB socket only does so when it is used, and drops what it
//  publishes to a subscriber it does not know yet; and take in what the
//  gateways said meanwhile (r5_events_listen). Call it as each request starts.
void r5_events_poll (r5_events_t *self);

//  Wait until every gateway heard from in the last R5_EVENTS_GATEWAY_SILENT_MS
//  has confirmed the last event published, or its currency bound and the
//  margin have passed; at once when nothing was published since the last
//  call, or nothing is listened to. Call it before answering a request that
//  published: the answer then comes after every live gateway dropped what
//  the change made stale, or stopped trusting its cache. The number of
//  gateways that did not confirm in time (logged under rid).
int r5_events_confirm (r5_events_t *self, const char *rid);

//  Publish one event. 0, or -1 when it could not be queued. PUB never blocks:
//  with no subscriber, or past the high-water mark, the event is dropped (and
//  gateways flush their caches whenever their stream reconnects).
int r5_events_publish (r5_events_t *self, const char *topic, const void *payload, size_t size);

#endif
