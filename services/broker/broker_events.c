/*  broker_events: XSUB/XPUB relay of change events.  */
#include "broker_events.h"
#include "broker.h"
#include "broker_allow.h"
#include "broker_zap.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_events.h"
#include "r5_log.h"
#include "r5_time.h"

#include <sodium.h>

//  Publishers remembered at most, and how long a silent one is remembered.
#define S_PUBLISHERS_MAX 256
#define S_PUBLISHER_FORGET_MS 60000

//  The last sequence relayed from one publisher.
typedef struct {
    uint8_t id [8];
    uint8_t sequence [8];           //  as it came, big-endian
    int64_t seen_ms;                //  monotonic
} s_publisher_t;

typedef struct {
    s_publisher_t publishers [S_PUBLISHERS_MAX];
    size_t count;
    uint8_t relay [8];              //  random at start: this relay's id
    uint64_t beats;
} s_relayed_t;

//  Remember the sequence frame of an event about to be relayed. A frame of
//  another size is relayed all the same (a publisher without sequences): its
//  loss cannot be detected, which is the publisher's choice.
static void
s_relayed_note (s_relayed_t *self, zframe_t *frame)
{
    if (!frame || zframe_size (frame) != R5_EVENTS_SEQUENCE_SIZE)
        return;
    const uint8_t *data = zframe_data (frame);
    int64_t now = zclock_mono ();
    size_t slot = self->count, oldest = 0;
    for (size_t i = 0; i < self->count; i++) {
        if (memcmp (self->publishers [i].id, data, 8) == 0) {
            slot = i;
            break;
        }
        if (self->publishers [i].seen_ms < self->publishers [oldest].seen_ms)
            oldest = i;
    }
    if (slot == S_PUBLISHERS_MAX)
        slot = oldest;          //  full: the longest silent one is forgotten
    else
    if (slot == self->count)
        self->count++;
    memcpy (self->publishers [slot].id, data, 8);
    memcpy (self->publishers [slot].sequence, data + 8, 8);
    self->publishers [slot].seen_ms = now;
}

//  Publish one heartbeat on out: [topic] [relay id (8), counter (8), sent at
//  (8, ms since the epoch), then per publisher heard from: id (8), last
//  sequence relayed (8)]. Sent by the thread that relays events, after every
//  event it relayed before, so a subscriber that receives it has received
//  those events too (or can tell from the sequences that it lost one).
static void
s_heartbeat (s_relayed_t *self, zsock_t *out)
{
    int64_t now = zclock_mono ();
    for (size_t i = 0; i < self->count; )
        if (now - self->publishers [i].seen_ms > S_PUBLISHER_FORGET_MS)
            self->publishers [i] = self->publishers [--self->count];
        else
            i++;
    size_t size = 24 + self->count * 16;
    zframe_t *body = zframe_new (NULL, size);
    uint8_t *data = zframe_data (body);
    memcpy (data, self->relay, 8);
    uint64_t beats = ++self->beats;
    uint64_t sent = (uint64_t) r5_now_ms ();
    for (int i = 7; i >= 0; i--, beats >>= 8, sent >>= 8) {
        data [8 + i] = (uint8_t) beats;
        data [16 + i] = (uint8_t) sent;
    }
    for (size_t i = 0; i < self->count; i++) {
        memcpy (data + 24 + i * 16, self->publishers [i].id, 8);
        memcpy (data + 32 + i * 16, self->publishers [i].sequence, 8);
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, R5_EVENTS_HEARTBEAT_TOPIC);
    zmsg_append (msg, &body);
    zmsg_send (&msg, out);
}

//  Whether the key that sent msg may publish its topic (the first frame;
//  the key is read from the last, as libzmq gives it to every frame).
static bool
s_may_publish (broker_allow_t *allow, zmsg_t *msg)
{
    zframe_t *topic = zmsg_first (msg);
    const char *key = BROKER_ZAP_KEY (zmsg_last (msg));
    char text [64];
    size_t size = zframe_size (topic);
    if (!key || size >= sizeof text || memchr (zframe_data (topic), 0, size))
        return false;
    memcpy (text, zframe_data (topic), size);
    text [size] = 0;
    return broker_allow_may_publish (allow, key, text);
}

//  Secure sock as a CURVE server for domain, bind it and answer the endpoint
//  with any '*' port resolved; "" on failure.
static char *
s_bind (zsock_t *sock, const char *domain, const char *endpoint)
{
    zsock_set_backlog (sock, BROKER_LISTEN_BACKLOG);
    if (r5_curve_server (sock, domain) != 0 || zsock_bind (sock, "%s", endpoint) == -1) {
        r5_error (NULL, "cannot bind event endpoint %s", endpoint);
        return r5_strdup ("");
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
    char *in_endpoint = allow ? s_bind (in, BROKER_DOMAIN_EVENTS_IN, config->in) : r5_strdup ("");
    char *out_endpoint = allow ? s_bind (out, BROKER_DOMAIN_EVENTS_OUT, config->out) : r5_strdup ("");
    zpoller_t *poller = zpoller_new (pipe, in, out, NULL);
    zsock_signal (pipe, 0);
    int64_t refresh_at = zclock_mono () + 1000;
    int heartbeat_ms = config->heartbeat_ms > 0 ? config->heartbeat_ms : BROKER_EVENTS_HEARTBEAT_MS;
    s_relayed_t *relayed = r5_calloc (1, sizeof *relayed);
    randombytes_buf (relayed->relay, sizeof relayed->relay);
    int64_t beat_at = zclock_mono ();

    //  Relays until $TERM, not SIGTERM: while the broker drains, the requests
    //  its workers finish may still publish events (revocations).
    zpoller_set_nonstop (poller, true);
    while (true) {
        int64_t wait = beat_at - zclock_mono ();
        void *which = zpoller_wait (poller, (int) (wait < 0 ? 0 : wait));
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
            //  is relayed only while its publisher's key may publish its
            //  topic (the allow-list may have changed since the handshake).
            zmsg_t *msg = zmsg_recv (which);
            if (which == in && msg && !s_may_publish (allow, msg)) {
                r5_debug (NULL, "dropping an event its key may not publish");
                zmsg_destroy (&msg);
            }
            if (msg && which == in)
                s_relayed_note (relayed, zmsg_last (msg));
            if (msg)
                zmsg_send (&msg, which == in ? out : in);
        }
        if (allow && zclock_mono () >= beat_at) {
            s_heartbeat (relayed, out);
            beat_at = zclock_mono () + heartbeat_ms;
        }
        if (allow && zclock_mono () >= refresh_at) {
            broker_allow_refresh (allow);
            refresh_at = zclock_mono () + 1000;
        }
    }
    free (relayed);
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
