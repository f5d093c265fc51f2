/*  broker_events: XSUB/XPUB relay of change events.  */
#include "broker_events.h"
#include "broker_allow.h"
#include "broker_zap.h"
#include "r5_curve.h"
#include "r5_log.h"

//  Secure sock as a CURVE server for domain, bind it and answer the endpoint
//  with any '*' port resolved; "" on failure.
static char *
s_bind (zsock_t *sock, const char *domain, const char *endpoint)
{
    if (r5_curve_server (sock, domain) != 0 || zsock_bind (sock, "%s", endpoint) == -1) {
        r5_error (NULL, "cannot bind event endpoint %s", endpoint);
        return strdup ("");
    }
    return zsock_last_endpoint (sock);
}

void
broker_events_actor (zsock_t *pipe, void *args)
{
    const broker_events_config_t *config = (const broker_events_config_t *) args;
    char error [256];
    broker_allow_t *allow = NULL;
    if (broker_zap_start (config->allow, error, sizeof error) == 0) {
        allow = broker_allow_new (config->allow, error, sizeof error);
        if (!allow)
            broker_zap_stop ();
    }
    if (!allow)
        r5_error (NULL, "%s", error);
    zsock_t *in = zsock_new (ZMQ_XSUB);
    zsock_t *out = zsock_new (ZMQ_XPUB);
    zsock_set_linger (in, 0);
    zsock_set_linger (out, 0);
    //  No allow-list, no relay: nothing binds.
    char *in_endpoint = allow ? s_bind (in, BROKER_DOMAIN_EVENTS_IN, config->in) : strdup ("");
    char *out_endpoint = allow ? s_bind (out, BROKER_DOMAIN_EVENTS_OUT, config->out) : strdup ("");
    zpoller_t *poller = zpoller_new (pipe, in, out, NULL);
    zsock_signal (pipe, 0);
    int64_t refresh_at = zclock_mono () + 1000;

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
            //  Events flow in -> out; subscriptions flow out -> in. An event
            //  is relayed only while its publisher's key may publish (the
            //  allow-list may have changed since the handshake).
            zmsg_t *msg = zmsg_recv (which);
            zframe_t *last = msg ? zmsg_last (msg) : NULL;
            if (which == in && last
            &&  !broker_allow_admits (allow, BROKER_ZAP_KEY (last), BROKER_DOMAIN_EVENTS_IN)) {
                r5_debug (NULL, "dropping an event from a key no longer allowed to publish");
                zmsg_destroy (&msg);
            }
            if (msg)
                zmsg_send (&msg, which == in ? out : in);
        }
        if (allow && zclock_mono () >= refresh_at) {
            broker_allow_refresh (allow);
            refresh_at = zclock_mono () + 1000;
        }
    }
    if (allow) {
        broker_allow_destroy (&allow);
        broker_zap_stop ();
    }
    zpoller_destroy (&poller);
    zstr_free (&in_endpoint);
    zstr_free (&out_endpoint);
    zsock_destroy (&in);
    zsock_destroy (&out);
}
