/*  r5_worker: one DEALER per broker, READY, heartbeats both ways, reconnects.  */
#include "r5_worker.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_endpoints.h"
#include "r5_log.h"
#include "r5_time.h"

#include <inttypes.h>
#include <limits.h>
#include <string.h>

//  How long DISCONNECT and replies may linger in the socket at close.
#define S_LINGER_MS 100

//  The link to one broker.
typedef struct {
    char *endpoint;
    zsock_t *sock;          //  NULL while a new socket could not be made
    unsigned generation;    //  bumped on every new socket; replies to older ones are dropped
    int64_t heartbeat_at;   //  monotonic ms: next heartbeat to send
    int64_t expiry;         //  monotonic ms: broker silent until then counts as gone
    bool lost;              //  already logged as lost (log once per outage)
} s_conn_t;

struct _r5_worker_t {
    char *service;
    s_conn_t *conns;
    int count;
    int heartbeat_ms;
    int liveness;
    zsock_t *watch;
};

struct _r5_request_t {
    int conn;
    unsigned generation;
    zframe_t *client;       //  the client's identity at the broker
    uint64_t id;
    int64_t deadline;
    char caller [R5_MDP_CALLER_MAX + 1];    //  the client's roles, as the broker authenticated them
    zframe_t *body;
};

//  Send one worker command with up to three more frames (NULL ends the list
//  early). Never blocks. Returns 0 or -1.
static int
s_send (zsock_t *sock, uint8_t command, const void *a, size_t a_size, const void *b, size_t b_size,
        const void *c, size_t c_size)
{
    void *handle = zsock_resolve (sock);
    if (zmq_send (handle, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
        return -1;
    zmq_send (handle, R5_MDP_WORKER, R5_MDP_HEADER_SIZE, ZMQ_SNDMORE);
    zmq_send (handle, &command, 1, a ? ZMQ_SNDMORE : 0);
    if (a)
        zmq_send (handle, a, a_size, b ? ZMQ_SNDMORE : 0);
    if (a && b)
        zmq_send (handle, b, b_size, c ? ZMQ_SNDMORE : 0);
    if (a && b && c)
        zmq_send (handle, c, c_size, 0);
    return 0;
}

//  (Re)open the link to one broker: new socket, connect, READY. Returns 0 or -1.
static int
s_conn_open (r5_worker_t *self, s_conn_t *conn)
{
    zsock_destroy (&conn->sock);
    conn->generation++;
    int64_t now = zclock_mono ();
    conn->heartbeat_at = now + self->heartbeat_ms;
    conn->expiry = now + (int64_t) self->heartbeat_ms * self->liveness;
    conn->sock = zsock_new (ZMQ_DEALER);
    if (!conn->sock)
        return -1;
    zsock_set_linger (conn->sock, S_LINGER_MS);
    zsock_set_sndhwm (conn->sock, 10000);
    zsock_set_rcvhwm (conn->sock, 10000);
    if (r5_curve_client (conn->sock) != 0) {
        zsock_destroy (&conn->sock);
        return -1;
    }
    if (zsock_connect (conn->sock, "%s", conn->endpoint) != 0) {
        r5_error (NULL, "cannot connect worker to broker %s: %s", conn->endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&conn->sock);
        return -1;
    }
    //  Queued until the connection is up, so READY is the first thing the broker sees.
    s_send (conn->sock, R5_MDP_READY, self->service, strlen (self->service), NULL, 0, NULL, 0);
    return 0;
}

r5_worker_t *
r5_worker_new (const char *brokers, const char *service)
{
    if (!brokers || !service || !*service || strlen (service) > R5_MDP_SERVICE_MAX)
        return NULL;
    r5_worker_t *self = (r5_worker_t *) r5_calloc (1, sizeof (r5_worker_t));
    self->service = r5_strdup (service);
    self->heartbeat_ms = r5_mdp_heartbeat_ms ();
    self->liveness = R5_MDP_LIVENESS;
    zlistx_t *endpoints = r5_endpoints_parse (brokers);
    self->conns = endpoints ? (s_conn_t *) r5_calloc (zlistx_size (endpoints) + 1, sizeof (s_conn_t)) : NULL;
    if (!self->conns) {
        zlistx_destroy (&endpoints);
        r5_worker_destroy (&self);
        return NULL;
    }
    for (const char *endpoint = (const char *) zlistx_first (endpoints); endpoint;
         endpoint = (const char *) zlistx_next (endpoints)) {
        s_conn_t *conn = &self->conns [self->count++];
        conn->endpoint = r5_strdup (endpoint);
        if (s_conn_open (self, conn) != 0) {
            zlistx_destroy (&endpoints);
            r5_worker_destroy (&self);
            return NULL;
        }
    }
    zlistx_destroy (&endpoints);
    if (self->count == 0) {
        r5_worker_destroy (&self);
        return NULL;
    }
    return self;
}

void
r5_worker_destroy (r5_worker_t **self_p)
{
    assert (self_p);
    r5_worker_t *self = *self_p;
    if (self) {
        for (int index = 0; index < self->count; index++) {
            s_conn_t *conn = &self->conns [index];
            if (conn->sock)
                s_send (conn->sock, R5_MDP_DISCONNECT, NULL, 0, NULL, 0, NULL, 0);
            zsock_destroy (&conn->sock);
            free (conn->endpoint);
        }
        free (self->conns);
        free (self->service);
        free (self);
        *self_p = NULL;
    }
}

void
r5_worker_watch (r5_worker_t *self, zsock_t *sock)
{
    assert (self);
    self->watch = sock;
}

//  Handle one message from a broker. Returns a request to hand to the caller, or NULL.
static r5_request_t *
s_conn_recv (r5_worker_t *self, int index)
{
    s_conn_t *conn = &self->conns [index];
    zmsg_t *msg = zmsg_recv (conn->sock);
    if (!msg)
        return NULL;
    //  Anything from the broker shows it is alive.
    conn->expiry = zclock_mono () + (int64_t) self->heartbeat_ms * self->liveness;
    if (conn->lost) {
        r5_info (NULL, "broker %s is back", conn->endpoint);
        conn->lost = false;
    }
    r5_request_t *request = NULL;
    zframe_t *empty = zmsg_pop (msg);
    zframe_t *header = zmsg_pop (msg);
    zframe_t *command = zmsg_pop (msg);
    if (!command || zframe_size (empty) != 0 || !zframe_streq (header, R5_MDP_WORKER) || zframe_size (command) != 1)
        r5_debug (NULL, "dropping malformed message from broker %s", conn->endpoint);
    else
    switch (zframe_data (command) [0]) {
        case R5_MDP_REQUEST: {
            //  [client_identity] [request_id:8] [deadline:8] [caller] [body]
            zframe_t *client = zmsg_pop (msg);
            zframe_t *id = zmsg_pop (msg);
            zframe_t *deadline = zmsg_pop (msg);
            zframe_t *caller = zmsg_pop (msg);
            zframe_t *body = zmsg_pop (msg);
            if (!body || zmsg_size (msg) != 0 || zframe_size (client) == 0
            ||  zframe_size (id) != 8 || zframe_size (deadline) != 8 || zframe_size (caller) > R5_MDP_CALLER_MAX
            ||  memchr (zframe_data (caller), '\0', zframe_size (caller)))
                r5_debug (NULL, "dropping malformed request from broker %s", conn->endpoint);
            else {
                request = (r5_request_t *) r5_calloc (1, sizeof (r5_request_t));
                request->conn = index;
                request->generation = conn->generation;
                request->client = client;
                request->id = r5_mdp_get_u64 (zframe_data (id));
                request->deadline = (int64_t) r5_mdp_get_u64 (zframe_data (deadline));
                memcpy (request->caller, zframe_data (caller), zframe_size (caller));
                request->body = body;
                client = body = NULL;
            }
            zframe_destroy (&client);
            zframe_destroy (&id);
            zframe_destroy (&deadline);
            zframe_destroy (&caller);
            zframe_destroy (&body);
            break;
        }
        case R5_MDP_HEARTBEAT:
            break;
        case R5_MDP_DISCONNECT:
            //  A broker that does not know us (it restarted): register again.
            r5_info (NULL, "broker %s asked to register again", conn->endpoint);
            zframe_destroy (&empty);
            zframe_destroy (&header);
            zframe_destroy (&command);
            zmsg_destroy (&msg);
            s_conn_open (self, conn);
            return NULL;
        default:
            r5_debug (NULL, "dropping unknown command from broker %s", conn->endpoint);
            break;
    }
    zframe_destroy (&empty);
    zframe_destroy (&header);
    zframe_destroy (&command);
    zmsg_destroy (&msg);
    if (request && request->deadline && request->deadline < r5_now_ms ()) {
        //  Never dropped silently: the broker would count us busy with it.
        r5_debug (NULL, "releasing request %" PRIu64 " past its deadline", request->id);
        r5_worker_release (self, &request);
    }
    return request;
}

//  Send due heartbeats and reopen links to silent brokers. Returns the
//  monotonic time of the next thing due.
static int64_t
s_tick (r5_worker_t *self)
{
    int64_t now = zclock_mono ();
    int64_t next = INT64_MAX;
    for (int index = 0; index < self->count; index++) {
        s_conn_t *conn = &self->conns [index];
        //  Unread input means we were busy, not that the broker went quiet.
        bool pending = conn->sock && (zsock_events (conn->sock) & ZMQ_POLLIN);
        if (!conn->sock || (now >= conn->expiry && !pending)) {
            if (!conn->lost)
                r5_warn (NULL, "broker %s silent for %d ms, reconnecting", conn->endpoint,
                         self->heartbeat_ms * self->liveness);
            conn->lost = true;
            s_conn_open (self, conn);
        }
        else
        if (now >= conn->heartbeat_at) {
            s_send (conn->sock, R5_MDP_HEARTBEAT, NULL, 0, NULL, 0, NULL, 0);
            conn->heartbeat_at = now + self->heartbeat_ms;
        }
        if (conn->heartbeat_at < next)
            next = conn->heartbeat_at;
        if (conn->expiry < next)
            next = conn->expiry;
    }
    return next;
}

r5_request_t *
r5_worker_recv (r5_worker_t *self, int timeout_ms)
{
    assert (self);
    int64_t until = zclock_mono () + (timeout_ms > 0 ? timeout_ms : 0);
    zmq_pollitem_t items [self->count + 1];
    while (!zsys_interrupted) {
        int64_t next = s_tick (self);
        int nitems = 0;
        int which [self->count];
        for (int index = 0; index < self->count; index++)
            if (self->conns [index].sock) {
                which [nitems] = index;
                items [nitems++] = (zmq_pollitem_t) { zsock_resolve (self->conns [index].sock), 0, ZMQ_POLLIN, 0 };
            }
        if (self->watch)
            items [nitems++] = (zmq_pollitem_t) { zsock_resolve (self->watch), 0, ZMQ_POLLIN, 0 };
        int64_t now = zclock_mono ();
        int64_t wake = next < until ? next : until;
        long timeout = wake > now ? (long) (wake - now) : 0;
        int rc = zmq_poll (items, nitems, timeout);
        if (rc == -1)
            break;              //  EINTR: the caller checks zsys_interrupted
        if (self->watch && (items [nitems - 1].revents & ZMQ_POLLIN))
            return NULL;
        for (int item = 0; item < nitems - (self->watch ? 1 : 0); item++)
            if (items [item].revents & ZMQ_POLLIN) {
                r5_request_t *request = s_conn_recv (self, which [item]);
                if (request)
                    return request;
            }
        if (zclock_mono () >= until)
            break;
    }
    return NULL;
}

const uint8_t *
r5_request_body (r5_request_t *self)
{
    assert (self);
    return zframe_data (self->body);
}

size_t
r5_request_size (r5_request_t *self)
{
    assert (self);
    return zframe_size (self->body);
}

int64_t
r5_request_deadline (r5_request_t *self)
{
    assert (self);
    return self->deadline;
}

uint64_t
r5_request_id (r5_request_t *self)
{
    assert (self);
    return self->id;
}

const char *
r5_request_caller (r5_request_t *self)
{
    assert (self);
    return self->caller;
}

bool
r5_request_caller_is (r5_request_t *self, const char *role)
{
    assert (self);
    return r5_mdp_roles_have (self->caller, role);
}

//  Send REPLY (with body) or RELEASE (body NULL) for *request_p through the
//  broker it came from, and destroy it. 0, or -1 when that broker is gone.
static int
s_answer (r5_worker_t *self, r5_request_t **request_p, uint8_t command, const void *body, size_t size)
{
    assert (self);
    assert (request_p);
    r5_request_t *request = *request_p;
    if (!request)
        return -1;
    int rc = -1;
    s_conn_t *conn = &self->conns [request->conn];
    //  An answer through a newer socket would reach a broker that never saw the request.
    if (conn->sock && conn->generation == request->generation) {
        uint8_t id [8];
        r5_mdp_put_u64 (id, request->id);
        rc = s_send (conn->sock, command, zframe_data (request->client), zframe_size (request->client), id, 8,
                     command == R5_MDP_REPLY ? (body && size ? body : "") : NULL, size);
    }
    if (rc != 0)
        r5_debug (NULL, "cannot answer %" PRIu64 ": broker %s is gone", request->id, conn->endpoint);
    r5_request_destroy (request_p);
    return rc;
}

int
r5_worker_reply (r5_worker_t *self, r5_request_t **request_p, const void *body, size_t size)
{
    return s_answer (self, request_p, R5_MDP_REPLY, body, size);
}

int
r5_worker_release (r5_worker_t *self, r5_request_t **request_p)
{
    return s_answer (self, request_p, R5_MDP_RELEASE, NULL, 0);
}

void
r5_request_destroy (r5_request_t **self_p)
{
    assert (self_p);
    r5_request_t *self = *self_p;
    if (self) {
        zframe_destroy (&self->client);
        zframe_destroy (&self->body);
        free (self);
        *self_p = NULL;
    }
}
