/*  r5_events: change-event publisher.  */
#include "r5_events.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_endpoints.h"

#include <czmq.h>
#include <sodium.h>

struct _r5_events_t {
    zsock_t *pub;
    uint8_t publisher [8];          //  random at start: this publisher's id
    uint64_t sequence;              //  of the last event published
};

//  Write value big-endian into out [8].
static void
s_put_u64 (uint8_t *out, uint64_t value)
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        out [i] = (uint8_t) value;
}

r5_events_t *
r5_events_new (const char *endpoints)
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
    if (r5_curve_client (self->pub) != 0 || r5_endpoints_connect (self->pub, endpoints) < 0)
        r5_events_destroy (&self);
    return self;
}

void
r5_events_destroy (r5_events_t **self_p)
{
    if (!*self_p)
        return;
    zsock_destroy (&(*self_p)->pub);
    free (*self_p);
    *self_p = NULL;
}

void
r5_events_poll (r5_events_t *self)
{
    if (self)
        zsock_events (self->pub);
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
    s_put_u64 (sequence + 8, ++self->sequence);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, topic);
    zmsg_addmem (msg, payload, size);
    zmsg_addmem (msg, sequence, sizeof sequence);
    return zmsg_send (&msg, self->pub);
}
