/*  gateway_events: listens to the change events the services publish (through
    the brokers' XPUB side) and drops the verdicts they make stale: a revoked
    or updated token, a deactivated user or a changed role. It also proves the
    feed current to the cache: every relay's heartbeat makes the cache usable
    until timeout_ms after the heartbeat was sent, for the relay heard from
    least recently; a sequence number skipped (an event lost on the way) or a
    relay restarted flushes the cache. It answers what it applied, so that a
    change is acknowledged once every live gateway applied it (r5_events.h,
    docs/messaging.md "Exact revocation"). Runs as an actor with one SUB
    socket per relay and one PUB socket for its answers. */
#ifndef GATEWAY_EVENTS_H
#define GATEWAY_EVENTS_H

#include "gateway_cache.h"

typedef struct _gateway_events_t gateway_events_t;

//  How long a relay's heartbeat proves the feed current: the bound within
//  which a change counts on every gateway even when its events do not arrive.
#define GATEWAY_EVENTS_TIMEOUT_MS 100

//  Subscribe to every endpoint of a comma list ("" listens to nothing, and
//  the cache is then never current), and answer on publish (the relays'
//  inputs; "" for none): this gateway lives, an event is in effect here, so
//  that the change that published it can wait for that (r5_events.h).
//  timeout_ms 0: GATEWAY_EVENTS_TIMEOUT_MS.
gateway_events_t *gateway_events_new (const char *endpoints, const char *publish, int timeout_ms,
                                      gateway_cache_t *cache);
void gateway_events_destroy (gateway_events_t **self_p);

#endif
