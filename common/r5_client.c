/*  r5_client: a DEALER to every broker, many requests in flight matched by id.  */
#include "r5_client.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_endpoints.h"
#include "r5_log.h"
#include "r5_time.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>

//  Most copies of one idempotent call (the first send plus retries).
#define S_MAX_COPIES 8
//  Above this many forgotten requests, r5_client_send sweeps the expired ones.
#define S_SWEEP_AT 4096
//  Longest r5_client_new waits for its brokers' handshakes.
#define S_CONNECT_WAIT_MS 250
//  First pause before asking again after a stopping broker's UNAVAILABLE;
//  each next one doubles (25, 50 ... 1,600 ms over S_MAX_COPIES copies).
#define S_DRAINING_PAUSE_MS 25

//  One request sent and not yet waited for: its deadline and, once it came, the answer.
typedef struct {
    int64_t deadline;
    bool answered;
    int status;             //  R5_MDP_* status byte
    zframe_t *body;
} s_pending_t;

struct _r5_client_t {
    //  A libzmq socket, not a zsock_t: czmq's zsock_new asserts when libzmq
    //  cannot make one (out of file descriptors, or the context's
    //  max_sockets), and a gateway thread makes its client on its first
    //  request, under load. zsys_socket answers NULL instead.
    void *sock;
    int brokers;            //  endpoints connected to
    uint64_t next_id;
    zhashx_t *pending;      //  "%016" PRIx64 id -> s_pending_t
};

static void
s_pending_destroy (void **item_p)
{
    s_pending_t *pending = (s_pending_t *) *item_p;
    if (pending) {
        zframe_destroy (&pending->body);
        free (pending);
        *item_p = NULL;
    }
}

static void
s_format_key (char *key, uint64_t id)
{
    snprintf (key, 17, "%016" PRIx64, id);
}


//  Wait, at most S_CONNECT_WAIT_MS, until the handshake with every broker is
//  done (monitor: the inproc endpoint of the socket's monitor). Requests go
//  round-robin over the brokers connected when they are sent, and a client
//  made just before its first request (a gateway thread's) would otherwise
//  send them all to the broker that answered first: if that one is draining,
//  every copy answers UNAVAILABLE, though the next broker would serve it.
static void
s_wait_connected (r5_client_t *self, const char *monitor)
{
    void *events = zmq_socket (zsys_init (), ZMQ_PAIR);
    if (!events)
        return;
    int linger = 0;
    zmq_setsockopt (events, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect (events, monitor) == 0) {
        int64_t until = zclock_mono () + S_CONNECT_WAIT_MS;
        int connected = 0;
        while (connected < self->brokers) {
            int64_t left = until - zclock_mono ();
            zmq_pollitem_t item = { events, 0, ZMQ_POLLIN, 0 };
            if (left <= 0 || zmq_poll (&item, 1, (long) left) <= 0)
                break;
            //  [event:2, value:4] [endpoint]
            zmq_msg_t frame;
            zmq_msg_init (&frame);
            bool more = true;
            while (more && zmq_msg_recv (&frame, events, 0) >= 0)
                more = zmq_msg_more (&frame);
            zmq_msg_close (&frame);
            connected++;
        }
    }
    zmq_close (events);
}

r5_client_t *
r5_client_new (const char *brokers)
{
    if (!brokers)
        return NULL;
    r5_client_t *self = (r5_client_t *) r5_calloc (1, sizeof (r5_client_t));
    self->sock = zsys_socket (ZMQ_DEALER, __FILE__, __LINE__);
    self->pending = zhashx_new ();
    if (!self->sock || !self->pending) {
        r5_client_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->pending, s_pending_destroy);
    zsock_set_linger (self->sock, 0);
    //  Queue requests only on connected brokers: a dead one is skipped.
    zsock_set_immediate (self->sock, 1);
    zsock_set_sndhwm (self->sock, 10000);
    zsock_set_rcvhwm (self->sock, 10000);
    //  Watched from before the first connect, so no handshake is missed.
    char monitor [64];
    snprintf (monitor, sizeof monitor, "inproc://r5-client-%p", (void *) self);
    bool watched = zmq_socket_monitor (zsock_resolve (self->sock), monitor, ZMQ_EVENT_HANDSHAKE_SUCCEEDED) == 0;
    self->brokers = r5_curve_client (self->sock) == 0 ? r5_endpoints_connect (self->sock, brokers) : -1;
    if (watched) {
        if (self->brokers > 0)
            s_wait_connected (self, monitor);
        zmq_socket_monitor (zsock_resolve (self->sock), NULL, 0);
    }
    if (self->brokers <= 0) {
        r5_client_destroy (&self);
        return NULL;
    }
    //  Random start so ids from different clients rarely meet in logs.
    self->next_id = ((uint64_t) randombytes_random () << 24) + 1;
    return self;
}

void
r5_client_destroy (r5_client_t **self_p)
{
    assert (self_p);
    r5_client_t *self = *self_p;
    if (self) {
        if (self->sock)
            zsys_close (self->sock, __FILE__, __LINE__);
        zhashx_destroy (&self->pending);
        free (self);
        *self_p = NULL;
    }
}

//  Drop requests nobody waited for, long after their deadline.
static void
s_sweep (r5_client_t *self)
{
    int64_t now = r5_now_ms ();
    zlistx_t *keys = zhashx_keys (self->pending);
    for (const char *key = (const char *) zlistx_first (keys); key; key = (const char *) zlistx_next (keys)) {
        s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, key);
        if (pending && pending->deadline + 60000 < now)
            zhashx_delete (self->pending, key);
    }
    zlistx_destroy (&keys);
}

uint64_t
r5_client_send (r5_client_t *self, const char *service, const void *body, size_t size,
                int64_t deadline_unix_ms)
{
    assert (self);
    if (!service || !*service || strlen (service) > R5_MDP_SERVICE_MAX || (size && !body))
        return 0;
    int64_t now = r5_now_ms ();
    if (deadline_unix_ms <= now)
        return 0;
    if (zhashx_size (self->pending) >= S_SWEEP_AT)
        s_sweep (self);

    uint64_t id = self->next_id++;
    if (id == 0)
        id = self->next_id++;
    uint8_t id_bytes [8], deadline_bytes [8];
    r5_mdp_put_u64 (id_bytes, id);
    r5_mdp_put_u64 (deadline_bytes, (uint64_t) deadline_unix_ms);

    //  Blocks only when no broker is connected (ZMQ_IMMEDIATE), never past the deadline.
    int64_t wait = deadline_unix_ms - now;
    zsock_set_sndtimeo (self->sock, wait > INT_MAX ? INT_MAX : (int) wait);
    void *handle = zsock_resolve (self->sock);
    if (zmq_send (handle, "", 0, ZMQ_SNDMORE) == -1) {
        r5_debug (NULL, "cannot send request to %s: %s", service,
                  zmq_errno () == EAGAIN ? "no broker connected" : zmq_strerror (zmq_errno ()));
        return 0;
    }
    //  Once the first frame is queued the rest of the message goes with it.
    zmq_send (handle, R5_MDP_CLIENT, R5_MDP_HEADER_SIZE, ZMQ_SNDMORE);
    zmq_send (handle, service, strlen (service), ZMQ_SNDMORE);
    zmq_send (handle, id_bytes, 8, ZMQ_SNDMORE);
    zmq_send (handle, deadline_bytes, 8, ZMQ_SNDMORE);
    zmq_send (handle, body ? body : "", size, 0);

    s_pending_t *pending = (s_pending_t *) r5_calloc (1, sizeof (s_pending_t));
    pending->deadline = deadline_unix_ms;
    char key [17];
    s_format_key (key, id);
    zhashx_update (self->pending, key, pending);
    return id;
}

//  Read one message from the brokers and file it with its request. Returns 1
//  when a message was read (even if dropped), 0 on timeout or a signal, -1
//  when the ZeroMQ context is gone. A call in flight when SIGTERM comes is
//  finished, bounded by its deadline: a service that stops lets the request
//  it is serving complete its own calls (drain), and a stopping gateway its
//  requests.
static int
s_recv_one (r5_client_t *self, int64_t timeout)
{
    zmq_pollitem_t item = { zsock_resolve (self->sock), 0, ZMQ_POLLIN, 0 };
    int rc = zmq_poll (&item, 1, timeout > INT_MAX ? INT_MAX : (long) timeout);
    if (rc == -1)
        return zmq_errno () == EINTR ? 0 : -1;
    if (rc == 0)
        return 0;
    zmsg_t *msg = zmsg_recv (self->sock);
    if (!msg)
        return -1;
    //  [""] ["R5C1"] [service] [request_id:8] [status:1] [body]
    zframe_t *empty = zmsg_pop (msg);
    zframe_t *header = zmsg_pop (msg);
    zframe_t *service = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    zframe_t *status = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    if (!body || zmsg_size (msg) != 0 || zframe_size (empty) != 0
    ||  !zframe_streq (header, R5_MDP_CLIENT) || zframe_size (id) != 8 || zframe_size (status) != 1
    ||  zframe_data (status) [0] > R5_MDP_FORBIDDEN)
        r5_debug (NULL, "dropping malformed reply from broker");
    else {
        char key [17];
        s_format_key (key, r5_mdp_get_u64 (zframe_data (id)));
        s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, key);
        //  Late answers to forgotten requests and duplicates are dropped.
        if (pending && !pending->answered) {
            pending->answered = true;
            pending->status = zframe_data (status) [0];
            pending->body = body;
            body = NULL;
        }
    }
    zframe_destroy (&empty);
    zframe_destroy (&header);
    zframe_destroy (&service);
    zframe_destroy (&id);
    zframe_destroy (&status);
    zframe_destroy (&body);
    zmsg_destroy (&msg);
    return 1;
}

//  Map a broker status byte to an R5_RPC_* code.
static int
s_rpc_code (int status)
{
    return status == R5_MDP_OK ? R5_RPC_OK
         : status == R5_MDP_UNAVAILABLE ? R5_RPC_UNAVAILABLE
         : status == R5_MDP_FORBIDDEN ? R5_RPC_FORBIDDEN : R5_RPC_DEADLINE;
}

//  Wait until one of ids is answered or until (unix ms). Returns the index of
//  the answered id, -1 on timeout, -2 on interrupt.
static int
s_wait_any (r5_client_t *self, const uint64_t *ids, int count, int64_t until)
{
    while (true) {
        for (int index = 0; index < count; index++) {
            char key [17];
            s_format_key (key, ids [index]);
            s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, key);
            if (pending && pending->answered)
                return index;
        }
        int64_t now = r5_now_ms ();
        if (now >= until)
            return -1;
        if (s_recv_one (self, until - now) == -1)
            return -2;
    }
}

//  Take the answer of an answered id: returns its R5_RPC_* code, moves the body
//  into *reply on success, and forgets the id.
//  Take an answered request's code (and its body on OK); draining, when
//  given, tells whether it was a stopping broker's UNAVAILABLE.
static int
s_take (r5_client_t *self, uint64_t id, zframe_t **reply, bool *draining)
{
    char key [17];
    s_format_key (key, id);
    s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, key);
    assert (pending && pending->answered);
    int code = s_rpc_code (pending->status);
    if (draining)
        *draining = code == R5_RPC_UNAVAILABLE && pending->body && zframe_streq (pending->body, R5_MDP_DRAINING);
    if (code == R5_RPC_OK && reply) {
        *reply = pending->body;
        pending->body = NULL;
    }
    zhashx_delete (self->pending, key);
    return code;
}

static void
s_forget (r5_client_t *self, uint64_t id)
{
    char key [17];
    s_format_key (key, id);
    zhashx_delete (self->pending, key);
}

int
r5_client_wait (r5_client_t *self, uint64_t request_id, zframe_t **reply)
{
    assert (self);
    if (reply)
        *reply = NULL;
    char key [17];
    s_format_key (key, request_id);
    s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, key);
    if (!pending)
        return R5_RPC_INVALID;
    int found = s_wait_any (self, &request_id, 1, pending->deadline + R5_CLIENT_GRACE_MS);
    if (found == -2)
        return R5_RPC_INTERRUPTED;
    if (found == -1) {
        s_forget (self, request_id);
        return R5_RPC_DEADLINE;
    }
    return s_take (self, request_id, reply, NULL);
}

int
r5_client_call (r5_client_t *self, const char *service, const void *body, size_t size,
                int timeout_ms, bool idempotent, zframe_t **reply)
{
    assert (self);
    if (reply)
        *reply = NULL;
    if (timeout_ms <= 0 || !service || !*service || strlen (service) > R5_MDP_SERVICE_MAX || (size && !body))
        return R5_RPC_INVALID;
    int64_t deadline = r5_now_ms () + timeout_ms;
    int64_t retry_ms = timeout_ms / 4 > R5_CLIENT_RETRY_MIN_MS ? timeout_ms / 4 : R5_CLIENT_RETRY_MIN_MS;

    uint64_t ids [S_MAX_COPIES];
    int count = 0;                      //  copies sent and not answered
    int sent = 0;                       //  copies sent in all
    //  A non-idempotent call is sent once, plus once more after each
    //  UNAVAILABLE: the broker says so only of a request no worker started
    //  (none registered, a full queue, a broker draining), so the next broker
    //  may take it whatever it does.
    int copies_allowed = idempotent ? S_MAX_COPIES : 1;
    int64_t next_send = 0;
    int result = R5_RPC_UNAVAILABLE;    //  what we say when no broker ever took it
    bool answered_any = false;
    int unavailable = 0;                //  brokers that said nobody serves it
    int64_t draining_pause = S_DRAINING_PAUSE_MS;
    while (true) {
        int64_t now = r5_now_ms ();
        if (now >= next_send && now < deadline && sent < copies_allowed) {
            uint64_t id = r5_client_send (self, service, body, size, deadline);
            sent++;
            if (id)
                ids [count++] = id;
            next_send = r5_now_ms () + retry_ms;
        }
        bool may_resend = sent < copies_allowed && next_send < deadline;
        if (count == 0 && !may_resend)
            break;                      //  result holds the last answer, or UNAVAILABLE
        int64_t until = may_resend ? next_send : deadline + R5_CLIENT_GRACE_MS;
        int found = s_wait_any (self, ids, count, until);
        if (found == -2) {
            result = R5_RPC_INTERRUPTED;
            break;
        }
        if (found >= 0) {
            uint64_t id = ids [found];
            ids [found] = ids [--count];
            bool draining;
            result = s_take (self, id, reply, &draining);
            if (result == R5_RPC_OK)
                break;
            //  A failure from one copy: another copy, or a later one, may still succeed.
            answered_any = true;
            if (result == R5_RPC_UNAVAILABLE) {
                if (copies_allowed < S_MAX_COPIES)
                    copies_allowed++;
                if (draining) {
                    //  A stopping broker: no verdict on the service. Ask
                    //  again after a pause: the copy may go to the same
                    //  broker while the others' handshakes are under way.
                    next_send = r5_now_ms () + draining_pause;
                    draining_pause *= 2;
                    continue;
                }
                //  That broker has no worker for it. Ask the next broker at once
                //  (round-robin); once each has said so, the service is down.
                if (++unavailable >= self->brokers)
                    break;
                next_send = r5_now_ms ();
            }
            continue;
        }
        if (r5_now_ms () >= deadline + R5_CLIENT_GRACE_MS) {
            //  No broker answered at all: the broker or the link died.
            if (!answered_any)
                result = R5_RPC_DEADLINE;
            break;
        }
    }
    for (int index = 0; index < count; index++)
        s_forget (self, ids [index]);
    return result;
}

size_t
r5_client_pending (r5_client_t *self)
{
    assert (self);
    return zhashx_size (self->pending);
}

const char *
r5_rpc_strerror (int code)
{
    switch (code) {
        case R5_RPC_OK:          return "ok";
        case R5_RPC_UNAVAILABLE: return "service unavailable";
        case R5_RPC_DEADLINE:    return "deadline exceeded";
        case R5_RPC_INTERRUPTED: return "interrupted";
        case R5_RPC_INVALID:     return "invalid request";
        case R5_RPC_FORBIDDEN:   return "not allowed to call this service";
        default:                 return "unknown error";
    }
}
