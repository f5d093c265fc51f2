/*  broker_events: the relay for change events. Services publish to the XSUB
    side (events_in), gateways subscribe on the XPUB side (events_out); the
    relay forwards messages one way and subscriptions the other, so neither
    side needs to know the other's address. One per broker; a gateway that
    subscribes to several brokers gets each event once per broker, which is
    harmless (invalidation is idempotent).

    The relay also publishes a heartbeat (topic "relay.heartbeat") every
    heartbeat_ms, from the thread that relays events, naming the last sequence
    it relayed from each publisher: a gateway trusts its caches only while
    heartbeats from every relay it listens to are recent, and flushes them on
    a lost event (docs/messaging.md, "Events"). */
#ifndef BROKER_EVENTS_H
#define BROKER_EVENTS_H

#include <czmq.h>

//  Both sockets are CURVE servers: publishers need a key allowed to publish
//  (roles token, resource), subscribers one allowed to subscribe (gateway).
//  Pipe commands: "ENDPOINTS" -> two strings (the bound endpoints, "" when a
//  bind failed or the allow-list could not be loaded), "$TERM".
typedef struct {
    const char *in;             //  endpoint publishers connect to (XSUB)
    const char *out;            //  endpoint subscribers connect to (XPUB)
    const char *allow;          //  the allow-list file (broker_allow.h)
    int heartbeat_ms;           //  heartbeat interval; 0: BROKER_EVENTS_HEARTBEAT_MS
} broker_events_config_t;

#define BROKER_EVENTS_HEARTBEAT_MS 20

//  args: a broker_events_config_t, read before the actor signals.
void broker_events_actor (zsock_t *pipe, void *args);

#endif
