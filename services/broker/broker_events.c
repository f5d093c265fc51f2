/*  broker_events: XSUB/XPUB relay of change events.  */
#include "broker_events.h"
#include "r5_log.h"

//  Bind sock and answer the endpoint with any '*' port resolved; "" on failure.
static char *
s_bind (zsock_t *sock, const char *endpoint)
{
    if (zsock_bind (sock, "%s", endpoint) == -1) {
        r5_error (NULL, "cannot bind event endpoint %s", endpoint);
        return strdup ("");
    }
    return zsock_last_endpoint (sock);
}

void
broker_events_actor (zsock_t *pipe, void *args)
{
    const char **endpoints = (const char **) args;
    zsock_t *in = zsock_new (ZMQ_XSUB);
    zsock_t *out = zsock_new (ZMQ_XPUB);
    zsock_set_linger (in, 0);
    zsock_set_linger (out, 0);
    char *in_endpoint = s_bind (in, endpoints [0]);
    char *out_endpoint = s_bind (out, endpoints [1]);
    zpoller_t *poller = zpoller_new (pipe, in, out, NULL);
    zsock_signal (pipe, 0);

    while (!zsys_interrupted) {
        void *which = zpoller_wait (poller, 1000);
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool terminate = !command || streq (command, "$TERM");
            if (command && streq (command, "ENDPOINTS"))
                zstr_sendx (pipe, in_endpoint, out_endpoint, NULL);
            zstr_free (&command);
            if (terminate)
                break;
        }
        else
        if (which == in || which == out) {
            //  Events flow in -> out; subscriptions flow out -> in.
            zmsg_t *msg = zmsg_recv (which);
            if (msg)
                zmsg_send (&msg, which == in ? out : in);
        }
    }
    zpoller_destroy (&poller);
    zstr_free (&in_endpoint);
    zstr_free (&out_endpoint);
    zsock_destroy (&in);
    zsock_destroy (&out);
}
