/*  r5_events: change-event publisher.  */
#include "r5_events.h"
#include "r5_mdp.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_endpoints.h"
#include "r5_log.h"

#include <czmq.h>
#include <sodium.h>

//  Gateways remembered at most; past it the table starts again.
#define S_GATEWAYS_MAX 1024

struct _r5_events_t {
    zsock_t *pub;
    uint8_t publisher [8];          //  random at start: this publisher's id
    uint64_t sequence;              //  of the last event published
    zsock_t *sub;                   //  the gateways' answers (r5_events_listen), or NULL
    zhashx_t *gateways;             //  gateway id (hex) -> s_gateway_t
    uint64_t confirmed;             //  the sequence r5_events_confirm last waited for
};

//  What one gateway said last.
typedef struct {
    int64_t heard_ms;               //  monotonic
    int64_t wait_ms;                //  its currency bound and the margin, capped
    uint64_t applied;               //  the highest sequence of ours it applied
} s_gateway_t;

//  Hear the gateways at endpoints. 0, or -1 when one is invalid.
static int
s_listen (r5_events_t *self, const char *endpoints)
{
    if (!endpoints || !*endpoints)
        return 0;
    self->sub = zsock_new (ZMQ_SUB);
    zsock_set_subscribe (self->sub, R5_EVENTS_GATEWAY_TOPIC);
    zsock_set_rcvtimeo (self->sub, 0);
    zsock_set_linger (self->sub, 0);
    self->gateways = zhashx_new ();
    if (r5_curve_client (self->sub) != 0 || r5_endpoints_connect (self->sub, endpoints) < 0) {
        zsock_destroy (&self->sub);
        return -1;
    }
    return 0;
}

r5_events_t *
r5_events_new (const char *endpoints, const char *subscribe)
{
    r5_events_t *self = (r5_events_t *) r5_calloc (1, sizeof (r5_events_t));
    randombytes_buf (self->publisher, sizeof self->publisher);
    self->pub = zsock_new (ZMQ_PUB);
    if (!self->pub) {
        free (self);
        return NULL;
    }
    //  A short linger so that events queued just before shutdown still leave.
    zsock_set_linger (self->pub, 200);
    if (r5_curve_client (self->pub) != 0 || r5_endpoints_connect (self->pub, endpoints) < 0
    ||  s_listen (self, subscribe) != 0)
        r5_events_destroy (&self);
    return self;
}

void
r5_events_destroy (r5_events_t **self_p)
{
    if (!*self_p)
        return;
    zsock_destroy (&(*self_p)->pub);
    zsock_destroy (&(*self_p)->sub);
    zhashx_destroy (&(*self_p)->gateways);
    free (*self_p);
    *self_p = NULL;
}

static void s_hear (r5_events_t *self, int64_t now);

void
r5_events_poll (r5_events_t *self)
{
    if (!self)
        return;
    zsock_events (self->pub);
    //  What the gateways said while the process was idle: the queue would
    //  otherwise fill, and the relay drop the confirmations that matter.
    if (self->sub)
        s_hear (self, zclock_mono ());
}

int
r5_events_publish (r5_events_t *self, const char *topic, const void *payload, size_t size)
{
    //  Reading ZMQ_EVENTS makes the socket take in pending subscriptions first,
    //  so the first event after start-up is not dropped.
    zsock_events (self->pub);
    //  The sequence counts every event this publisher made, sent or dropped:
    //  a subscriber that sees a number skipped knows it lost one.
    uint8_t sequence [R5_EVENTS_SEQUENCE_SIZE];
    memcpy (sequence, self->publisher, sizeof self->publisher);
    r5_mdp_put_u64 (sequence + 8, ++self->sequence);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, topic);
    zmsg_addmem (msg, payload, size);
    zmsg_addmem (msg, sequence, sizeof sequence);
    return zmsg_send (&msg, self->pub);
}


//  Take in what the gateways said meanwhile.
static void
s_hear (r5_events_t *self, int64_t now)
{
    zmsg_t *msg;
    while ((msg = zmsg_recv (self->sub))) {
        char *topic = zmsg_popstr (msg);
        zframe_t *body = zmsg_first (msg);
        size_t size = body ? zframe_size (body) : 0;
        bool alive = topic && streq (topic, R5_EVENTS_ALIVE_TOPIC) && size == 16;
        bool applied = topic && streq (topic, R5_EVENTS_APPLIED_TOPIC) && size == 24;
        if (alive || applied) {
            const uint8_t *data = zframe_data (body);
            char key [17];
            sodium_bin2hex (key, sizeof key, data, 8);
            s_gateway_t *gateway = (s_gateway_t *) zhashx_lookup (self->gateways, key);
            if (!gateway) {
                if (zhashx_size (self->gateways) >= S_GATEWAYS_MAX)
                    zhashx_purge (self->gateways);
                gateway = (s_gateway_t *) r5_calloc (1, sizeof *gateway);
                gateway->wait_ms = R5_EVENTS_CONFIRM_MAX_MS;
                zhashx_insert (self->gateways, key, gateway);
                zhashx_freefn (self->gateways, key, free);
            }
            gateway->heard_ms = now;
            if (alive) {
                uint64_t bound = r5_mdp_get_u64 (data + 8) + R5_EVENTS_CONFIRM_MARGIN_MS;
                gateway->wait_ms = bound < R5_EVENTS_CONFIRM_MAX_MS ? (int64_t) bound : R5_EVENTS_CONFIRM_MAX_MS;
            }
            if (applied && memcmp (data + 8, self->publisher, 8) == 0 && r5_mdp_get_u64 (data + 16) > gateway->applied)
                gateway->applied = r5_mdp_get_u64 (data + 16);
        }
        zstr_free (&topic);
        zmsg_destroy (&msg);
    }
}

//  Live gateways that have not applied sequence yet, counted only until
//  their wait (from started) is over; *next: when the next wait ends.
static int
s_behind (r5_events_t *self, uint64_t sequence, int64_t started, int64_t now, int64_t *next)
{
    int behind = 0;
    *next = INT64_MAX;
    for (s_gateway_t *gateway = (s_gateway_t *) zhashx_first (self->gateways); gateway;
         gateway = (s_gateway_t *) zhashx_next (self->gateways))
        if (now - gateway->heard_ms <= R5_EVENTS_GATEWAY_SILENT_MS && gateway->applied < sequence) {
            behind++;
            if (started + gateway->wait_ms > now && started + gateway->wait_ms < *next)
                *next = started + gateway->wait_ms;
        }
    return behind;
}

int
r5_events_confirm (r5_events_t *self, const char *rid)
{
    if (!self || !self->sub || self->confirmed == self->sequence)
        return 0;
    uint64_t sequence = self->confirmed = self->sequence;
    int64_t started = zclock_mono ();
    while (true) {
        int64_t now = zclock_mono (), next;
        s_hear (self, now);
        int behind = s_behind (self, sequence, started, now, &next);
        if (behind && next == INT64_MAX)
            r5_info (rid, "%d gateway(s) did not confirm event %llu within their bound: they verify every "
                     "request until their feed is current again", behind, (unsigned long long) sequence);
        if (behind == 0 || next == INT64_MAX)
            return behind;
        zmq_pollitem_t item = { zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, (long) (next - now));
    }
}
