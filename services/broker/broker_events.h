/*  broker_events: the relay for change events. Services publish to the XSUB
    side (events_in), gateways subscribe on the XPUB side (events_out); the
    relay forwards messages one way and subscriptions the other, so neither
    side needs to know the other's address. One per broker; a gateway that
    subscribes to several brokers gets each event once per broker, which is
    harmless (invalidation is idempotent). */
#ifndef BROKER_EVENTS_H
#define BROKER_EVENTS_H

#include <czmq.h>

//  zactor body; args is a const char *[2]: { in endpoint, out endpoint }.
//  Pipe commands: "ENDPOINTS" -> two strings (the bound endpoints, "" when a
//  bind failed), "$TERM".
void broker_events_actor (zsock_t *pipe, void *args);

#endif
