/*  gateway_events: SUB sockets -> cache invalidation and the feed's currency.  */
#include "gateway_events.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_endpoints.h"
#include "r5_events.h"
#include "r5_mdp.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <sodium.h>

//  Publishers remembered at most; past it the table starts again (and the
//  cache is flushed, since a loss could no longer be told).
#define S_PUBLISHERS_MAX 1024
//  Relays listened to at most (one SUB socket each).
#define S_RELAYS_MAX 16

struct _gateway_events_t {
    zactor_t *actor;
};

typedef struct {
    const char *endpoints;
    const char *publish;
    gateway_cache_t *cache;
    int timeout_ms;
} s_args_t;

//  One relay: its socket, the relay id it last announced and until when its
//  last heartbeat proves the feed current (monotonic ms; 0: not yet).
typedef struct {
    zsock_t *sub;
    uint8_t relay [8];
    bool heard;
    int64_t current_until;
} s_relay_t;

typedef struct {
    gateway_cache_t *cache;
    int timeout_ms;
    s_relay_t relays [S_RELAYS_MAX];
    size_t relay_count;
    zhashx_t *last;                 //  publisher id (hex) -> uint64_t *, the highest sequence seen
    zsock_t *answers;               //  PUB to the relays' inputs: gateway.alive, gateway.applied
    uint8_t gateway [8];            //  random at start: this gateway's id in them
} s_feed_t;

//  Tell the publishers this gateway lives (and its currency bound), or that
//  an event of theirs is in effect here (r5_events.h).
static void
s_answer (s_feed_t *self, const char *topic, const uint8_t *sequence)
{
    if (!self->answers)
        return;
    uint8_t body [24];
    memcpy (body, self->gateway, 8);
    if (sequence)
        memcpy (body + 8, sequence, 16);
    else
        r5_mdp_put_u64 (body + 8, (uint64_t) self->timeout_ms);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, topic);
    zmsg_addmem (msg, body, sequence ? 24 : 16);
    zmsg_send (&msg, self->answers);
}

//  Apply one event: topic "token.<change> <token_id>" or "user.<change> <user_id>".
static void
s_apply (gateway_cache_t *cache, const char *topic)
{
    const char *space = strchr (topic, ' ');
    if (!space || !space [1] || strlen (space + 1) >= 32)
        return;
    if (strncmp (topic, "token.", 6) == 0)
        gateway_cache_drop_token (cache, space + 1);
    else
    if (strncmp (topic, "user.", 5) == 0)
        gateway_cache_drop_user (cache, space + 1);
}

//  Note that sequence of publisher id was relayed. In an event (heartbeat
//  false) the number follows the last one seen, or repeats an older one (the
//  same event through another relay); in a heartbeat it is at most the last
//  one seen. Anything else means an event was lost: the cache is flushed.
//  True for an event met for the first time.
static bool
s_sequence (s_feed_t *self, const uint8_t *id, uint64_t sequence, bool heartbeat)
{
    char key [17];
    sodium_bin2hex (key, sizeof key, id, 8);
    uint64_t *last = (uint64_t *) zhashx_lookup (self->last, key);
    bool lost = false, first = true;
    if (last) {
        lost = heartbeat ? sequence > *last : sequence > *last + 1;
        first = sequence > *last;
        if (first)
            *last = sequence;
    }
    else {
        //  A publisher met first in a heartbeat, or past its first event: some
        //  of its events may not have reached this gateway.
        lost = heartbeat || sequence > 1;
        if (zhashx_size (self->last) >= S_PUBLISHERS_MAX)
            zhashx_purge (self->last);
        last = (uint64_t *) r5_malloc (sizeof *last);
        *last = sequence;
        zhashx_insert (self->last, key, last);
    }
    if (lost) {
        gateway_cache_flush (self->cache);
        r5_debug (NULL, "an event of publisher %s was lost: verdict cache flushed", key);
    }
    return first;
}

//  A heartbeat from relay: [relay id (8), counter (8), sent at (8, ms since the
//  epoch), then per publisher: id (8), last sequence relayed (8)]. The feed
//  is current until the heartbeat's age reaches the timeout, counted from
//  when it was sent (when the clocks allow) or else from now.
static void
s_heartbeat (s_feed_t *self, s_relay_t *relay, zframe_t *frame)
{
    size_t size = frame ? zframe_size (frame) : 0;
    if (size < 24 || (size - 24) % 16 != 0)
        return;
    const uint8_t *data = zframe_data (frame);
    if (relay->heard && memcmp (relay->relay, data, 8) != 0) {
        //  Another relay behind the same endpoint (a restart): what it never
        //  saw cannot be told from its table.
        gateway_cache_flush (self->cache);
        r5_debug (NULL, "event relay restarted: verdict cache flushed");
    }
    memcpy (relay->relay, data, 8);
    relay->heard = true;
    for (size_t at = 24; at < size; at += 16)
        s_sequence (self, data + at, r5_mdp_get_u64 (data + at + 8), true);
    int64_t now = zclock_mono ();
    int64_t age = r5_now_ms () - (int64_t) r5_mdp_get_u64 (data + 16);
    relay->current_until = now - (age > 0 ? age : 0) + self->timeout_ms;
    int64_t until = INT64_MAX;
    for (size_t i = 0; i < self->relay_count; i++)
        if (self->relays [i].current_until < until)
            until = self->relays [i].current_until;
    gateway_cache_feed (self->cache, until);
}

//  One message off a relay's socket: an event or a heartbeat.
static void
s_receive (s_feed_t *self, s_relay_t *relay)
{
    zmsg_t *msg = zmsg_recv (relay->sub);
    char *topic = msg ? zmsg_popstr (msg) : NULL;
    if (topic && streq (topic, R5_EVENTS_HEARTBEAT_TOPIC))
        s_heartbeat (self, relay, zmsg_first (msg));
    else
    if (topic) {
        //  Invalidate first: a sequence that shows a loss flushes anyway.
        s_apply (self->cache, topic);
        zframe_t *sequence = zmsg_size (msg) == 2 ? zmsg_last (msg) : NULL;
        if (sequence && zframe_size (sequence) == R5_EVENTS_SEQUENCE_SIZE
        &&  s_sequence (self, zframe_data (sequence), r5_mdp_get_u64 (zframe_data (sequence) + 8), false))
            s_answer (self, R5_EVENTS_APPLIED_TOPIC, zframe_data (sequence));
    }
    zstr_free (&topic);
    zmsg_destroy (&msg);
}

static void
s_free_u64 (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_events_actor (zsock_t *pipe, void *arg)
{
    s_args_t *args = (s_args_t *) arg;
    s_feed_t *self = (s_feed_t *) r5_calloc (1, sizeof *self);
    self->cache = args->cache;
    self->timeout_ms = args->timeout_ms;
    self->last = zhashx_new ();
    zhashx_set_destructor (self->last, s_free_u64);
    zpoller_t *poller = zpoller_new (pipe, NULL);
    //  One socket per relay, so that each relay's heartbeats are told apart.
    zlistx_t *endpoints = r5_endpoints_parse (args->endpoints);
    for (const char *endpoint = endpoints ? (const char *) zlistx_first (endpoints) : NULL; endpoint;
         endpoint = (const char *) zlistx_next (endpoints)) {
        if (self->relay_count == S_RELAYS_MAX) {
            r5_warn (NULL, "listening to the first %d event relays only", S_RELAYS_MAX);
            break;
        }
        zsock_t *sub = zsock_new (ZMQ_SUB);
        zsock_set_subscribe (sub, "token.");
        zsock_set_subscribe (sub, "user.");
        zsock_set_subscribe (sub, R5_EVENTS_HEARTBEAT_TOPIC);
        if (r5_curve_client (sub) != 0 || zsock_connect (sub, "%s", endpoint) != 0) {
            r5_warn (NULL, "cannot subscribe to events at %s", endpoint);
            zsock_destroy (&sub);
            continue;
        }
        self->relays [self->relay_count++].sub = sub;
        zpoller_add (poller, sub);
    }
    zlistx_destroy (&endpoints);
    //  The answers that let a change wait for this gateway (r5_events_confirm).
    randombytes_buf (self->gateway, sizeof self->gateway);
    if (args->publish && *args->publish) {
        self->answers = zsock_new (ZMQ_PUB);
        zsock_set_linger (self->answers, 0);
        if (r5_curve_client (self->answers) != 0 || r5_endpoints_connect (self->answers, args->publish) < 0) {
            r5_warn (NULL, "cannot connect to the event relays' inputs at %s: changes will not wait for "
                     "this gateway's confirmation", args->publish);
            zsock_destroy (&self->answers);
        }
    }
    zsock_signal (pipe, 0);
    int64_t alive_at = 0;
    while (!zsys_interrupted) {
        int64_t now = zclock_mono ();
        if (now >= alive_at) {
            s_answer (self, R5_EVENTS_ALIVE_TOPIC, NULL);
            alive_at = now + R5_EVENTS_ALIVE_MS;
        }
        void *which = zpoller_wait (poller, (int) (alive_at - now));
        if (which == pipe)
            break;
        for (size_t i = 0; which && i < self->relay_count; i++)
            if (which == self->relays [i].sub)
                s_receive (self, &self->relays [i]);
    }
    zpoller_destroy (&poller);
    for (size_t i = 0; i < self->relay_count; i++)
        zsock_destroy (&self->relays [i].sub);
    zhashx_destroy (&self->last);
    zsock_destroy (&self->answers);
    free (self);
    free (args);
}

gateway_events_t *
gateway_events_new (const char *endpoints, const char *publish, int timeout_ms, gateway_cache_t *cache)
{
    gateway_events_t *self = r5_calloc (1, sizeof *self);
    s_args_t *args = r5_calloc (1, sizeof *args);
    args->endpoints = endpoints;
    args->publish = publish;
    args->cache = cache;
    args->timeout_ms = timeout_ms > 0 ? timeout_ms : GATEWAY_EVENTS_TIMEOUT_MS;
    self->actor = zactor_new (s_events_actor, args);
    return self;
}

void
gateway_events_destroy (gateway_events_t **self_p)
{
    if (!*self_p)
        return;
    zactor_destroy (&(*self_p)->actor);
    free (*self_p);
    *self_p = NULL;
}
