/*  gateway_events: SUB socket -> cache invalidation.  */
#include "gateway_events.h"
#include "r5_curve.h"
#include "r5_endpoints.h"
#include "r5_log.h"

#include <czmq.h>

struct _gateway_events_t {
    zactor_t *actor;
};

typedef struct {
    const char *endpoints;
    gateway_cache_t *cache;
} s_args_t;

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

static void
s_events_actor (zsock_t *pipe, void *arg)
{
    s_args_t *args = (s_args_t *) arg;
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_subscribe (sub, "token.");
    zsock_set_subscribe (sub, "user.");
    zactor_t *monitor = zactor_new (zmonitor, sub);
    zstr_sendx (monitor, "LISTEN", "CONNECTED", NULL);
    zstr_sendx (monitor, "LISTEN", "DISCONNECTED", NULL);
    zstr_send (monitor, "START");
    zsock_wait (monitor);

    if (r5_curve_client (sub) != 0 || r5_endpoints_connect (sub, args->endpoints) < 0)
        r5_warn (NULL, "cannot subscribe to events at %s", args->endpoints);

    zpoller_t *poller = zpoller_new (pipe, sub, monitor, NULL);
    zsock_signal (pipe, 0);
    while (!zsys_interrupted) {
        void *which = zpoller_wait (poller, 500);
        if (which == pipe)
            break;
        if (which == sub) {
            zmsg_t *msg = zmsg_recv (sub);
            char *topic = msg ? zmsg_popstr (msg) : NULL;
            if (topic)
                s_apply (args->cache, topic);
            zstr_free (&topic);
            zmsg_destroy (&msg);
        }
        else
        if (which == monitor) {
            //  A (re)connect or disconnect: events may have been lost meanwhile.
            zmsg_t *msg = zmsg_recv (monitor);
            zmsg_destroy (&msg);
            gateway_cache_flush (args->cache);
            r5_debug (NULL, "event stream (re)connected: verdict cache flushed");
        }
    }
    zpoller_destroy (&poller);
    zactor_destroy (&monitor);
    zsock_destroy (&sub);
    free (args);
}

gateway_events_t *
gateway_events_new (const char *endpoints, gateway_cache_t *cache)
{
    gateway_events_t *self = calloc (1, sizeof *self);
    s_args_t *args = calloc (1, sizeof *args);
    args->endpoints = endpoints;
    args->cache = cache;
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
