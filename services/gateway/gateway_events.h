/*  gateway_events: listens to the change events the services publish (through
    the brokers' XPUB side) and drops the verdicts they make stale: a revoked
    or updated token, a deactivated user or a changed role. When the stream
    connects or disconnects everything is flushed, since events may have been
    missed meanwhile. Runs as an actor with its own SUB socket. */
#ifndef GATEWAY_EVENTS_H
#define GATEWAY_EVENTS_H

#include "gateway_cache.h"

typedef struct _gateway_events_t gateway_events_t;

//  Subscribe to every endpoint of a comma list ("" listens to nothing).
gateway_events_t *gateway_events_new (const char *endpoints, gateway_cache_t *cache);
void gateway_events_destroy (gateway_events_t **self_p);

#endif
