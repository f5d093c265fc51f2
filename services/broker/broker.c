/*  broker: routes requests by service name to idle workers, with heartbeats.  */
#include "broker.h"
#include "broker_allow.h"
#include "broker_zap.h"
#include "r5_curve.h"
#include "r5_log.h"
#include "r5_mdp.h"
#include "r5_time.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

//  How long after a request's deadline a late answer to it is still taken.
#define S_ASSIGNMENT_GRACE_MS 1000

/*  ---------------------------------------------------------------------
    Structures */

typedef struct _s_service_t s_service_t;

//  One request waiting for a worker.
typedef struct {
    zframe_t *client;           //  the client's identity
    uint8_t id [8];
    int64_t deadline;           //  unix ms
    char caller [R5_MDP_CALLER_MAX + 1];    //  the client's roles, for the worker
    zframe_t *body;
} s_request_t;

//  One request handed to a worker and not yet answered. Only that worker's
//  key may answer it, so no peer can forge a reply to another's request. The
//  request itself is kept so that it can be queued again when the worker
//  gives it back unstarted (RELEASE, or DISCONNECT while holding it).
typedef struct {
    char worker_key [41];       //  the CURVE key of the worker it went to
    char *worker;               //  that worker's identity in hex
    char *service;
    int64_t deadline;           //  unix ms; forgotten a grace period after
    s_request_t *request;       //  NULL once queued again
} s_assignment_t;

//  One registered worker.
typedef struct {
    char *key;                  //  identity in hex: the workers table key
    char curve_key [41];        //  the CURVE key it registered with
    zframe_t *identity;
    s_service_t *service;
    int64_t expiry;             //  monotonic ms
    void *waiting;              //  handle in service->waiting while idle, else NULL
    char *assignment;           //  the request it holds (assignments key), else NULL
    int64_t assignment_deadline;    //  unix ms: past it, the worker counts as available
} s_worker_t;

struct _s_service_t {
    char *name;
    zlistx_t *requests;         //  s_request_t *, oldest first
    zlistx_t *waiting;          //  s_worker_t * idle, longest idle first
    size_t workers;             //  registered, idle or busy
    int64_t grace_until;        //  unix ms: its last worker fell silent; wait for it till then
};

struct _broker_t {
    zsock_t *pipe;              //  NULL outside the actor
    zsock_t *router;            //  NULL when the bind failed
    char endpoint [256];
    zhashx_t *services;         //  name -> s_service_t
    zhashx_t *workers;          //  hex identity -> s_worker_t
    zhashx_t *assignments;      //  "<client hex>/<request id hex>" -> s_assignment_t
    broker_allow_t *allow;      //  this broker's copy of the allow-list
    bool zap_started;
    int64_t refresh_at;         //  monotonic ms: next look at the allow-list file
    int64_t refusal_logged_at;  //  monotonic ms: refusals log at most once a second
    int heartbeat_ms;
    int liveness;
    size_t queue_max;
    int64_t heartbeat_at;       //  monotonic ms
    int64_t next_expiry;        //  unix ms: no queued request expires before this
    int64_t started;            //  unix ms: when this broker started
    int64_t start_grace_ms;     //  requests for a service with no worker wait this long after start
    uint64_t requests;          //  counters for STATS
    uint64_t replies;
    bool terminated;
};

static void
s_request_destroy (s_request_t **self_p)
{
    s_request_t *self = *self_p;
    if (self) {
        zframe_destroy (&self->client);
        zframe_destroy (&self->body);
        free (self);
        *self_p = NULL;
    }
}

static void
s_service_destroy (void **item_p)
{
    s_service_t *self = (s_service_t *) *item_p;
    if (self) {
        s_request_t *request;
        while ((request = (s_request_t *) zlistx_detach (self->requests, NULL)))
            s_request_destroy (&request);
        zlistx_destroy (&self->requests);
        zlistx_destroy (&self->waiting);
        free (self->name);
        free (self);
        *item_p = NULL;
    }
}

static void
s_assignment_destroy (void **item_p)
{
    s_assignment_t *self = (s_assignment_t *) *item_p;
    if (self) {
        s_request_destroy (&self->request);
        free (self->worker);
        free (self->service);
        free (self);
        *item_p = NULL;
    }
}

//  The assignments table key of a client's request.
static void
s_assignment_name (zframe_t *client, const uint8_t id [8], char *name, size_t size)
{
    char *client_hex = zframe_strhex (client);
    snprintf (name, size, "%s/%016llx", client_hex, (unsigned long long) r5_mdp_get_u64 (id));
    free (client_hex);
}

static void
s_worker_destroy (void **item_p)
{
    s_worker_t *self = (s_worker_t *) *item_p;
    if (self) {
        zframe_destroy (&self->identity);
        free (self->assignment);
        free (self->key);
        free (self);
        *item_p = NULL;
    }
}

/*  ---------------------------------------------------------------------
    Sending. Every send is non-blocking; with ZMQ_ROUTER_MANDATORY a peer
    whose connection is gone fails at once with EHOSTUNREACH. */

//  Send [identity] [""] [header] then count frames. Returns 0, or -1 with errno.
static int
s_send (broker_t *self, zframe_t *identity, const char *header, int count,
        const void *data [], const size_t sizes [])
{
    void *handle = zsock_resolve (self->router);
    if (zmq_send (handle, zframe_data (identity), zframe_size (identity), ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
        return -1;
    //  Once the identity frame is accepted the rest of the message follows.
    zmq_send (handle, "", 0, ZMQ_SNDMORE);
    zmq_send (handle, header, R5_MDP_HEADER_SIZE, count ? ZMQ_SNDMORE : 0);
    for (int index = 0; index < count; index++)
        zmq_send (handle, data [index], sizes [index], index + 1 < count ? ZMQ_SNDMORE : 0);
    return 0;
}

//  Answer a client. body may be NULL (an empty body frame is sent).
static void
s_send_client (broker_t *self, zframe_t *client, const char *service, const uint8_t id [8],
               uint8_t status, zframe_t *body)
{
    const void *data [] = { service, id, &status, body ? zframe_data (body) : (const void *) "" };
    size_t sizes [] = { strlen (service), 8, 1, body ? zframe_size (body) : 0 };
    if (s_send (self, client, R5_MDP_CLIENT, 4, data, sizes) == 0)
        self->replies++;
    else
        r5_debug (NULL, "cannot answer client of %s: %s", service, zmq_strerror (zmq_errno ()));
}

//  Send a command with no arguments to a worker. Returns 0 or -1 with errno.
static int
s_send_command (broker_t *self, zframe_t *identity, uint8_t command)
{
    const void *data [] = { &command };
    size_t sizes [] = { 1 };
    return s_send (self, identity, R5_MDP_WORKER, 1, data, sizes);
}

//  Log a refused message at warn, at most once a second (a rogue peer must not
//  flood the log); the rest at debug.
static void
s_log_refusal (broker_t *self, const char *format, ...) CHECK_PRINTF (2);

static void
s_log_refusal (broker_t *self, const char *format, ...)
{
    char line [512];
    va_list args;
    va_start (args, format);
    vsnprintf (line, sizeof line, format, args);
    va_end (args);
    int64_t now = zclock_mono ();
    if (now - self->refusal_logged_at >= 1000) {
        self->refusal_logged_at = now;
        r5_warn (NULL, "refused: %s", line);
    }
    else
        r5_debug (NULL, "refused: %s", line);
}

/*  ---------------------------------------------------------------------
    Services and workers */

//  The service of that name, made if needed. NULL when too many services exist.
static s_service_t *
s_service_require (broker_t *self, const char *name)
{
    s_service_t *service = (s_service_t *) zhashx_lookup (self->services, name);
    if (service)
        return service;
    if (zhashx_size (self->services) >= BROKER_SERVICES_MAX) {
        r5_warn (NULL, "cannot track service %s: %d services already", name, BROKER_SERVICES_MAX);
        return NULL;
    }
    service = (s_service_t *) zmalloc (sizeof (s_service_t));
    service->name = strdup (name);
    service->requests = zlistx_new ();
    service->waiting = zlistx_new ();
    zhashx_insert (self->services, name, service);
    return service;
}

//  Forget a service that has neither workers nor requests (nor a grace).
static void
s_service_release (broker_t *self, s_service_t *service)
{
    if (service->workers == 0 && zlistx_size (service->requests) == 0 && service->grace_until <= r5_now_ms ())
        zhashx_delete (self->services, service->name);
}

//  Remove a worker from its service and from the broker. silent: it only
//  missed heartbeats (it may be busy, or paused, and come back): when it was
//  the service's last, requests wait for a worker for the start grace again.
static void
s_worker_delete (broker_t *self, s_worker_t *worker, const char *why, bool silent)
{
    s_service_t *service = worker->service;
    r5_info (NULL, "worker %s for %s removed: %s", worker->key, service->name, why);
    if (worker->waiting)
        zlistx_delete (service->waiting, worker->waiting);
    service->workers--;
    zhashx_delete (self->workers, worker->key);
    //  Its last worker gone: the timers answer what waits, in this loop turn.
    if (service->workers == 0 && silent) {
        service->grace_until = r5_now_ms () + self->start_grace_ms;
        if (service->grace_until < self->next_expiry)
            self->next_expiry = service->grace_until;
    }
    else
    if (service->workers == 0 && zlistx_size (service->requests))
        self->next_expiry = 0;
    s_service_release (self, service);
}

//  Hand waiting requests to idle workers, oldest request to longest-idle worker.
static void
s_dispatch (broker_t *self, s_service_t *service)
{
    int64_t now = r5_now_ms ();
    while (zlistx_size (service->requests) && zlistx_size (service->waiting)) {
        s_request_t *request = (s_request_t *) zlistx_first (service->requests);
        if (request->deadline <= now) {
            s_send_client (self, request->client, service->name, request->id, R5_MDP_DEADLINE, NULL);
            request = (s_request_t *) zlistx_detach (service->requests, NULL);
            s_request_destroy (&request);
            continue;
        }
        s_worker_t *worker = (s_worker_t *) zlistx_first (service->waiting);
        uint8_t command = R5_MDP_REQUEST;
        uint8_t deadline [8];
        r5_mdp_put_u64 (deadline, (uint64_t) request->deadline);
        const void *data [] = { &command, zframe_data (request->client), request->id, deadline,
                                request->caller, zframe_data (request->body) };
        size_t sizes [] = { 1, zframe_size (request->client), 8, 8, strlen (request->caller),
                            zframe_size (request->body) };
        if (s_send (self, worker->identity, R5_MDP_WORKER, 6, data, sizes) != 0) {
            //  Its connection is gone (kill -9): the request goes to the next worker.
            s_worker_delete (self, worker, errno == EHOSTUNREACH ? "connection gone" : "not reading", false);
            continue;
        }
        zlistx_delete (service->waiting, worker->waiting);
        worker->waiting = NULL;
        s_assignment_t *assignment = (s_assignment_t *) zmalloc (sizeof (s_assignment_t));
        memcpy (assignment->worker_key, worker->curve_key, sizeof assignment->worker_key);
        assignment->worker = strdup (worker->key);
        assignment->service = strdup (service->name);
        assignment->deadline = request->deadline;
        assignment->request = (s_request_t *) zlistx_detach (service->requests, NULL);
        char name [600];
        s_assignment_name (request->client, request->id, name, sizeof name);
        zhashx_update (self->assignments, name, assignment);
        free (worker->assignment);
        worker->assignment = strdup (name);
        worker->assignment_deadline = request->deadline;
    }
}

//  Until when (unix ms) requests for service, while it has no worker, wait
//  for one: the first moments after this broker started, before workers had
//  time to register, or after its last worker fell silent (busy or paused,
//  not known gone). Past it they answer UNAVAILABLE at once.
static int64_t
s_grace_end (broker_t *self, s_service_t *service)
{
    int64_t start = self->started + self->start_grace_ms;
    return service && service->grace_until > start ? service->grace_until : start;
}

//  Queue a request for service (at the head when a worker gave it back
//  unstarted), taking it, and dispatch; or answer it at once: DEADLINE when
//  already expired, UNAVAILABLE when the queue is full or nobody serves the
//  service (outside the start grace).
static void
s_enqueue (broker_t *self, const char *name, s_request_t **request_p, bool front)
{
    s_request_t *request = *request_p;
    *request_p = NULL;
    s_service_t *service = s_service_require (self, name);
    uint8_t status = R5_MDP_OK;
    if (request->deadline <= r5_now_ms ())
        status = R5_MDP_DEADLINE;
    else
    if (!service || zlistx_size (service->requests) >= self->queue_max) {
        r5_debug (NULL, "queue for %s full, answering unavailable", name);
        status = R5_MDP_UNAVAILABLE;
    }
    else
    if (service->workers == 0 && r5_now_ms () >= s_grace_end (self, service))
        status = R5_MDP_UNAVAILABLE;    //  fail fast: nobody serves it
    if (status != R5_MDP_OK) {
        s_send_client (self, request->client, name, request->id, status, NULL);
        s_request_destroy (&request);
        if (service)
            s_service_release (self, service);
        return;
    }
    int64_t wake = service->workers ? request->deadline : s_grace_end (self, service);
    if (wake > request->deadline)
        wake = request->deadline;
    if (wake < self->next_expiry)
        self->next_expiry = wake;
    if (front)
        zlistx_add_start (service->requests, request);
    else
        zlistx_add_end (service->requests, request);
    s_dispatch (self, service);
}

//  Take back the request a worker was given and did not start, and queue it
//  again for another worker. The worker must already be idle or gone.
static void
s_requeue (broker_t *self, const char *name)
{
    s_assignment_t *assignment = (s_assignment_t *) zhashx_lookup (self->assignments, name);
    if (!assignment || !assignment->request)
        return;
    s_request_t *request = assignment->request;
    assignment->request = NULL;
    char *service = strdup (assignment->service);
    zhashx_delete (self->assignments, name);
    s_enqueue (self, service, &request, true);
    free (service);
}

//  Mark a worker idle and give it work if any waits.
static void
s_worker_idle (broker_t *self, s_worker_t *worker)
{
    zstr_free (&worker->assignment);
    if (!worker->waiting)
        worker->waiting = zlistx_add_end (worker->service->waiting, worker);
    s_dispatch (self, worker->service);
}

/*  ---------------------------------------------------------------------
    Messages from clients and workers */

//  Queue a valid request (taking the body) or answer it at once.
static void
s_accept_request (broker_t *self, zframe_t *client, const char *key, const char *name, const uint8_t id [8],
                  int64_t deadline, zframe_t **body_p)
{
    self->requests++;
    if (!broker_allow_may_call (self->allow, key, name)) {
        s_log_refusal (self, "key %s may not call %s", key ? key : "(none)", name);
        s_send_client (self, client, name, id, R5_MDP_FORBIDDEN, NULL);
        return;
    }
    if (deadline == 0)
        deadline = r5_now_ms () + BROKER_DEFAULT_DEADLINE_MS;
    s_request_t *request = (s_request_t *) zmalloc (sizeof (s_request_t));
    request->client = zframe_dup (client);
    memcpy (request->id, id, 8);
    request->deadline = deadline;
    broker_allow_roles (self->allow, key, request->caller, sizeof request->caller);
    request->body = *body_p;
    *body_p = NULL;
    s_enqueue (self, name, &request, false);
}

//  [""] ["R5C1"] [service] [request_id:8] [deadline:8] [body] (identity already popped)
static void
s_on_client (broker_t *self, zframe_t *client, const char *key, zmsg_t *msg)
{
    zframe_t *name = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    zframe_t *deadline = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    char *service_name = name ? zframe_strdup (name) : NULL;
    if (!body || zmsg_size (msg) != 0 || zframe_size (name) == 0 || zframe_size (name) > R5_MDP_SERVICE_MAX
    ||  strlen (service_name) != zframe_size (name) || zframe_size (id) != 8 || zframe_size (deadline) != 8)
        r5_debug (NULL, "dropping malformed client request");
    else
        s_accept_request (self, client, key, service_name, zframe_data (id),
                          (int64_t) r5_mdp_get_u64 (zframe_data (deadline)), &body);
    free (service_name);
    zframe_destroy (&name);
    zframe_destroy (&id);
    zframe_destroy (&deadline);
    zframe_destroy (&body);
}

//  [""] ["R5W1"] [command] ... (identity already popped)
static void
s_on_worker (broker_t *self, zframe_t *identity, const char *curve_key, zmsg_t *msg)
{
    zframe_t *command = zmsg_pop (msg);
    if (!command || zframe_size (command) != 1) {
        r5_debug (NULL, "dropping worker message without a command");
        zframe_destroy (&command);
        return;
    }
    uint8_t code = zframe_data (command) [0];
    zframe_destroy (&command);
    char *key = zframe_strhex (identity);
    s_worker_t *worker = (s_worker_t *) zhashx_lookup (self->workers, key);
    if (worker)
        worker->expiry = zclock_mono () + (int64_t) self->heartbeat_ms * self->liveness;

    switch (code) {
        case R5_MDP_READY: {
            zframe_t *name = zmsg_pop (msg);
            char *service_name = name ? zframe_strdup (name) : NULL;
            if (!name || zmsg_size (msg) != 0 || zframe_size (name) == 0 || zframe_size (name) > R5_MDP_SERVICE_MAX
            ||  strlen (service_name) != zframe_size (name))
                r5_debug (NULL, "dropping malformed READY");
            else
            if (!broker_allow_may_serve (self->allow, curve_key, service_name)) {
                //  It gets nothing: no registration, no requests.
                s_log_refusal (self, "key %s may not serve %s", curve_key ? curve_key : "(none)", service_name);
                if (worker)
                    s_worker_delete (self, worker, "registered for a service its key may not serve", false);
            }
            else {
                //  A second READY on one connection: start over as a new worker.
                if (worker)
                    s_worker_delete (self, worker, "registered again", false);
                s_service_t *service = s_service_require (self, service_name);
                if (service) {
                    worker = (s_worker_t *) zmalloc (sizeof (s_worker_t));
                    worker->key = strdup (key);
                    snprintf (worker->curve_key, sizeof worker->curve_key, "%s", curve_key);
                    worker->identity = zframe_dup (identity);
                    worker->service = service;
                    worker->expiry = zclock_mono () + (int64_t) self->heartbeat_ms * self->liveness;
                    zhashx_insert (self->workers, key, worker);
                    service->workers++;
                    service->grace_until = 0;
                    r5_info (NULL, "worker %s ready for %s (%zu workers)", key, service_name, service->workers);
                    s_worker_idle (self, worker);
                }
                else
                    s_send_command (self, identity, R5_MDP_DISCONNECT);
            }
            free (service_name);
            zframe_destroy (&name);
            break;
        }
        case R5_MDP_REPLY: {
            //  [client_identity] [request_id:8] [body]
            zframe_t *client = zmsg_pop (msg);
            zframe_t *id = zmsg_pop (msg);
            zframe_t *body = zmsg_pop (msg);
            char name [600] = "";
            if (body && zmsg_size (msg) == 0 && zframe_size (client) > 0 && zframe_size (id) == 8)
                s_assignment_name (client, zframe_data (id), name, sizeof name);
            s_assignment_t *assignment = *name ? (s_assignment_t *) zhashx_lookup (self->assignments, name) : NULL;
            if (!*name)
                r5_debug (NULL, "dropping malformed REPLY");
            else
            if (!assignment || !curve_key || !streq (assignment->worker_key, curve_key))
                s_log_refusal (self, "key %s answered a request it was not given", curve_key ? curve_key : "(none)");
            else {
                //  A worker we had given up on still answers: the client may be waiting.
                s_send_client (self, client, assignment->service, zframe_data (id), R5_MDP_OK, body);
                zhashx_delete (self->assignments, name);
                //  A late answer to a request we stopped waiting for changes
                //  nothing: the worker was made available at that deadline.
                if (worker && (!worker->assignment || streq (worker->assignment, name)))
                    s_worker_idle (self, worker);
                else
                if (!worker)
                    s_send_command (self, identity, R5_MDP_DISCONNECT);
            }
            zframe_destroy (&client);
            zframe_destroy (&id);
            zframe_destroy (&body);
            break;
        }
        case R5_MDP_RELEASE: {
            //  [client_identity] [request_id:8]: given back unstarted (the worker
            //  is stopping, or the request reached it past its deadline).
            zframe_t *client = zmsg_pop (msg);
            zframe_t *id = zmsg_pop (msg);
            char name [600] = "";
            if (id && zmsg_size (msg) == 0 && zframe_size (client) > 0 && zframe_size (id) == 8)
                s_assignment_name (client, zframe_data (id), name, sizeof name);
            s_assignment_t *assignment = *name ? (s_assignment_t *) zhashx_lookup (self->assignments, name) : NULL;
            if (!*name)
                r5_debug (NULL, "dropping malformed RELEASE");
            else
            if (!assignment || !curve_key || !streq (assignment->worker_key, curve_key)
            ||  !streq (assignment->worker, key))
                s_log_refusal (self, "key %s released a request it was not given", curve_key ? curve_key : "(none)");
            else {
                bool current = worker && worker->assignment && streq (worker->assignment, name);
                if (current)
                    zstr_free (&worker->assignment);
                s_requeue (self, name);
                //  The lookup again: requeueing may have dispatched to, and lost, this worker.
                worker = (s_worker_t *) zhashx_lookup (self->workers, key);
                if (worker && current)
                    s_worker_idle (self, worker);
                else
                if (!worker)
                    s_send_command (self, identity, R5_MDP_DISCONNECT);
            }
            zframe_destroy (&client);
            zframe_destroy (&id);
            break;
        }
        case R5_MDP_HEARTBEAT:
            //  From a worker we do not know (we restarted, or dropped it): make it register again.
            if (!worker)
                s_send_command (self, identity, R5_MDP_DISCONNECT);
            break;
        case R5_MDP_DISCONNECT:
            //  A worker says goodbye only once it answered what it started:
            //  the request it was given and never read goes to another worker.
            if (worker) {
                char *held = worker->assignment;
                worker->assignment = NULL;
                s_worker_delete (self, worker, "disconnected", false);
                if (held)
                    s_requeue (self, held);
                free (held);
            }
            break;
        default:
            r5_debug (NULL, "dropping unknown worker command 0x%02x", code);
            break;
    }
    free (key);
}

void
broker_handle_message (broker_t *self, zmsg_t **msg_p, const char *key)
{
    zmsg_t *msg = *msg_p;
    *msg_p = NULL;
    if (!msg)
        return;
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *empty = zmsg_pop (msg);
    zframe_t *header = zmsg_pop (msg);
    if (!header || zframe_size (empty) != 0 || zframe_size (identity) == 0)
        r5_debug (NULL, "dropping message without delimiter or header");
    else
    if (zframe_streq (header, R5_MDP_CLIENT))
        s_on_client (self, identity, key, msg);
    else
    if (zframe_streq (header, R5_MDP_WORKER))
        s_on_worker (self, identity, key, msg);
    else
        r5_debug (NULL, "dropping message with unknown header");
    zframe_destroy (&identity);
    zframe_destroy (&empty);
    zframe_destroy (&header);
    zmsg_destroy (&msg);
}

//  Read one message from the ROUTER and route it by header.
static void
s_on_router (broker_t *self)
{
    zmsg_t *msg = zmsg_recv (self->router);
    //  The key the ZAP handler admitted this connection with. Every frame the
    //  peer sent carries it (not the identity frame the ROUTER adds).
    zframe_t *last = msg ? zmsg_last (msg) : NULL;
    const char *key = last ? BROKER_ZAP_KEY (last) : NULL;
    broker_handle_message (self, &msg, key);
}

/*  ---------------------------------------------------------------------
    Timers */

//  Answer expired requests and recompute the next expiry.
static void
s_expire_requests (broker_t *self)
{
    int64_t now = r5_now_ms ();
    self->next_expiry = INT64_MAX;
    zlistx_t *names = zhashx_keys (self->services);
    for (const char *name = (const char *) zlistx_first (names); name; name = (const char *) zlistx_next (names)) {
        s_service_t *service = (s_service_t *) zhashx_lookup (self->services, name);
        if (!service)
            continue;
        s_request_t *request = (s_request_t *) zlistx_first (service->requests);
        while (request) {
            void *handle = zlistx_cursor (service->requests);
            s_request_t *next = (s_request_t *) zlistx_next (service->requests);
            int64_t grace_end = s_grace_end (self, service);
            bool unserved = service->workers == 0 && now >= grace_end;
            if (request->deadline <= now || unserved) {
                //  Busy workers exist: the queue was too slow. None at all: nobody serves this.
                s_send_client (self, request->client, service->name, request->id,
                               service->workers ? R5_MDP_DEADLINE : R5_MDP_UNAVAILABLE, NULL);
                zlistx_detach (service->requests, handle);
                s_request_destroy (&request);
            }
            else {
                int64_t wake = service->workers || request->deadline < grace_end ? request->deadline : grace_end;
                if (wake < self->next_expiry)
                    self->next_expiry = wake;
            }
            request = next;
        }
        if (service->workers == 0 && service->grace_until > now && service->grace_until < self->next_expiry)
            self->next_expiry = service->grace_until;
        s_service_release (self, service);
    }
    zlistx_destroy (&names);
}

//  When this broker was stopped (SIGSTOP, a stalled host; its heartbeat tick
//  is more than two intervals late), start over as if just started: the
//  workers' heartbeats wait unread in its socket, so their liveness counts
//  from now, and those that reconnected meanwhile register again within the
//  start grace, so requests for their services wait for them meanwhile.
static void
s_check_stall (broker_t *self)
{
    int64_t now = zclock_mono ();
    int64_t late = now - self->heartbeat_at;
    if (late <= 2 * (int64_t) self->heartbeat_ms)
        return;
    r5_info (NULL, "broker stalled for %" PRId64 " ms, waiting for workers again", late);
    for (s_worker_t *worker = (s_worker_t *) zhashx_first (self->workers); worker;
         worker = (s_worker_t *) zhashx_next (self->workers))
        worker->expiry = now + (int64_t) self->heartbeat_ms * self->liveness;
    self->started = r5_now_ms ();
    self->heartbeat_at = now;
}

static void
s_string_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  Heartbeat every worker; remove the silent and the unreachable; make
//  available again a worker that let its request's deadline pass.
static void
s_heartbeat (broker_t *self)
{
    int64_t now = zclock_mono ();
    zlistx_t *dead = zlistx_new ();
    zlistx_t *stuck = zlistx_new ();
    zlistx_set_destructor (stuck, s_string_destroy);
    int64_t unix_now = r5_now_ms ();
    for (s_worker_t *worker = (s_worker_t *) zhashx_first (self->workers); worker;
         worker = (s_worker_t *) zhashx_next (self->workers)) {
        if (worker->assignment && worker->assignment_deadline <= unix_now)
            zlistx_add_end (stuck, strdup (worker->key));
        if (worker->expiry <= now)
            zlistx_add_end (dead, worker);
        else
        if (s_send_command (self, worker->identity, R5_MDP_HEARTBEAT) != 0 && errno == EHOSTUNREACH)
            zlistx_add_end (dead, worker);
    }
    for (s_worker_t *worker = (s_worker_t *) zlistx_first (dead); worker;
         worker = (s_worker_t *) zlistx_next (dead))
        s_worker_delete (self, worker, worker->expiry <= now ? "missed heartbeats" : "connection gone",
                         worker->expiry <= now);
    zlistx_destroy (&dead);
    //  A worker that answered nothing by its request's deadline must not
    //  count as busy forever (its heartbeats alone would keep it so): it is
    //  available again. A late answer is still delivered until the grace ends.
    for (char *key = (char *) zlistx_first (stuck); key; key = (char *) zlistx_next (stuck)) {
        s_worker_t *worker = (s_worker_t *) zhashx_lookup (self->workers, key);
        if (worker && worker->assignment && worker->assignment_deadline <= unix_now) {
            r5_info (NULL, "worker %s for %s did not answer by the deadline, available again",
                     worker->key, worker->service->name);
            s_worker_idle (self, worker);
        }
    }
    zlistx_destroy (&stuck);
    self->heartbeat_at = now + self->heartbeat_ms;

    //  A request's client stops waiting at its deadline (plus its grace):
    //  after that nobody can use the answer.
    int64_t forget_before = r5_now_ms () - S_ASSIGNMENT_GRACE_MS;
    zlistx_t *names = zhashx_keys (self->assignments);
    for (const char *name = (const char *) zlistx_first (names); name; name = (const char *) zlistx_next (names)) {
        s_assignment_t *assignment = (s_assignment_t *) zhashx_lookup (self->assignments, name);
        if (assignment->deadline < forget_before)
            zhashx_delete (self->assignments, name);
    }
    zlistx_destroy (&names);
}

//  Take up a changed allow-list: workers whose key lost the right to serve
//  their service are removed at once (their connection stays, but gets nothing).
static void
s_refresh_allow (broker_t *self)
{
    self->refresh_at = zclock_mono () + 1000;
    if (!broker_allow_refresh (self->allow))
        return;
    zlistx_t *revoked = zlistx_new ();
    for (s_worker_t *worker = (s_worker_t *) zhashx_first (self->workers); worker;
         worker = (s_worker_t *) zhashx_next (self->workers))
        if (!broker_allow_may_serve (self->allow, worker->curve_key, worker->service->name))
            zlistx_add_end (revoked, worker);
    for (s_worker_t *worker = (s_worker_t *) zlistx_first (revoked); worker;
         worker = (s_worker_t *) zlistx_next (revoked))
        s_worker_delete (self, worker, "its key is no longer allowed", false);
    zlistx_destroy (&revoked);
}

/*  ---------------------------------------------------------------------
    The actor */

//  Answer one command from the pipe.
static void
s_on_pipe (broker_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    char *command = msg ? zmsg_popstr (msg) : NULL;
    if (!command || streq (command, "$TERM"))
        self->terminated = true;
    else
    if (streq (command, "PORT")) {
        const char *colon = strrchr (self->endpoint, ':');
        zstr_send (self->pipe, self->router && colon && strncmp (self->endpoint, "tcp://", 6) == 0 ? colon + 1 : "");
    }
    else
    if (streq (command, "ENDPOINT"))
        zstr_send (self->pipe, self->router ? self->endpoint : "");
    else
    if (streq (command, "WORKERS")) {
        char *name = zmsg_popstr (msg);
        s_service_t *service = name ? (s_service_t *) zhashx_lookup (self->services, name) : NULL;
        zstr_sendf (self->pipe, "%zu", service ? service->workers : 0);
        free (name);
    }
    else
    if (streq (command, "STATS"))
        zstr_sendf (self->pipe, "requests=%" PRIu64 " replies=%" PRIu64 " workers=%zu services=%zu",
                    self->requests, self->replies, zhashx_size (self->workers), zhashx_size (self->services));
    else
    if (streq (command, "SET")) {
        char *key = zmsg_popstr (msg);
        char *value = zmsg_popstr (msg);
        char *end = NULL;
        long number = value ? strtol (value, &end, 10) : -1;
        bool valid = value && *value && end && *end == '\0';
        int rc = -1;
        if (key && valid && streq (key, "heartbeat_ms") && number >= 10 && number <= 60000) {
            self->heartbeat_ms = (int) number;
            self->heartbeat_at = zclock_mono () + self->heartbeat_ms;
            rc = 0;
        }
        else
        if (key && valid && streq (key, "queue_max") && number >= 1 && number <= 10000000) {
            self->queue_max = (size_t) number;
            rc = 0;
        }
        else
        if (key && valid && streq (key, "start_grace_ms") && number >= 0 && number <= 60000) {
            self->start_grace_ms = number;
            self->next_expiry = 0;
            rc = 0;
        }
        zstr_send (self->pipe, rc == 0 ? "0" : "-1");
        free (key);
        free (value);
    }
    else {
        r5_debug (NULL, "unknown broker command %s", command);
        zstr_send (self->pipe, "");
    }
    free (command);
    zmsg_destroy (&msg);
}

//  R5_BROKER_QUEUE_MAX when valid, else the default.
static size_t
s_queue_max_default (void)
{
    const char *text = getenv ("R5_BROKER_QUEUE_MAX");
    if (text && *text) {
        char *end;
        long value = strtol (text, &end, 10);
        if (*end == '\0' && value >= 1 && value <= 10000000)
            return (size_t) value;
    }
    return BROKER_QUEUE_MAX;
}

//  R5_BROKER_START_GRACE_MS when valid, else fallback (the heartbeat liveness:
//  by then every live worker has registered).
static int64_t
s_start_grace_default (int64_t fallback)
{
    const char *text = getenv ("R5_BROKER_START_GRACE_MS");
    if (text && *text) {
        char *end;
        long value = strtol (text, &end, 10);
        if (*end == '\0' && value >= 0 && value <= 60000)
            return value;
    }
    return fallback;
}

broker_t *
broker_new (const char *bind, const char *allow)
{
    broker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    char error [256];
    //  The handler must run before the socket binds: without one, libzmq
    //  would admit every CURVE key.
    self->zap_started = broker_zap_start (allow, error, sizeof error) == 0;
    self->allow = self->zap_started ? broker_allow_new (allow, error, sizeof error) : NULL;
    if (!self->allow) {
        r5_error (NULL, "%s", error);
        broker_destroy (&self);
        return NULL;
    }
    self->refresh_at = zclock_mono () + 1000;
    self->assignments = zhashx_new ();
    zhashx_set_destructor (self->assignments, s_assignment_destroy);
    self->heartbeat_ms = r5_mdp_heartbeat_ms ();
    self->liveness = R5_MDP_LIVENESS;
    self->queue_max = s_queue_max_default ();
    self->next_expiry = INT64_MAX;
    self->started = r5_now_ms ();
    self->start_grace_ms = s_start_grace_default (self->heartbeat_ms * self->liveness);
    self->services = zhashx_new ();
    self->workers = zhashx_new ();
    zhashx_set_destructor (self->services, s_service_destroy);
    zhashx_set_destructor (self->workers, s_worker_destroy);

    self->router = zsock_new (ZMQ_ROUTER);
    if (self->router && r5_curve_server (self->router, BROKER_DOMAIN_BUS) != 0)
        zsock_destroy (&self->router);
    if (self->router) {
        zsock_set_linger (self->router, 0);
        zsock_set_router_mandatory (self->router, 1);
        zsock_set_sndhwm (self->router, 100000);
        zsock_set_rcvhwm (self->router, 100000);
        if (zsock_bind (self->router, "%s", bind) == -1) {
            r5_error (NULL, "cannot bind broker to %s: %s", bind, zmq_strerror (zmq_errno ()));
            zsock_destroy (&self->router);
        }
        else {
            //  The endpoint as bound, with a * port resolved.
            char *endpoint = zsock_last_endpoint (self->router);
            snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint ? endpoint : bind);
            free (endpoint);
        }
    }
    self->heartbeat_at = zclock_mono () + self->heartbeat_ms;
    return self;
}

void
broker_destroy (broker_t **self_p)
{
    broker_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->workers);
    zhashx_destroy (&self->services);
    zhashx_destroy (&self->assignments);
    zsock_destroy (&self->router);
    broker_allow_destroy (&self->allow);
    if (self->zap_started)
        broker_zap_stop ();
    free (self);
    *self_p = NULL;
}

void
broker_actor (zsock_t *pipe, void *args)
{
    const broker_config_t *config = (const broker_config_t *) args;
    broker_t *self = broker_new (config->bind, config->allow);
    if (!self) {
        //  broker_new logged why; ENDPOINT answers "" as for a failed bind.
        zsock_signal (pipe, 0);
        while (true) {
            char *command = zstr_recv (pipe);
            bool terminate = !command || streq (command, "$TERM");
            if (!terminate)
                zstr_send (pipe, "");
            zstr_free (&command);
            if (terminate)
                return;
        }
    }
    self->pipe = pipe;
    zsock_signal (pipe, 0);
    if (self->router)
        r5_info (NULL, "broker bound to %s (heartbeat %d ms, liveness %d, queue %zu)",
                 self->endpoint, self->heartbeat_ms, self->liveness, self->queue_max);
    self->heartbeat_at = zclock_mono () + self->heartbeat_ms;

    while (!self->terminated && !zsys_interrupted) {
        zmq_pollitem_t items [] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
            { self->router ? zsock_resolve (self->router) : NULL, 0, ZMQ_POLLIN, 0 },
        };
        int64_t mono = zclock_mono ();
        int64_t now = r5_now_ms ();
        int64_t timeout = self->heartbeat_at - mono;
        if (self->next_expiry != INT64_MAX && self->next_expiry - now < timeout)
            timeout = self->next_expiry - now;
        if (timeout < 0)
            timeout = 0;
        if (zmq_poll (items, self->router ? 2 : 1, (long) timeout) == -1) {
            if (zmq_errno () == EINTR)
                continue;       //  the loop condition sees zsys_interrupted
            break;
        }
        if (self->router)
            s_check_stall (self);
        if (items [0].revents & ZMQ_POLLIN)
            s_on_pipe (self);
        //  Drain what is there, but keep the timers and the pipe responsive.
        if (self->router && (items [1].revents & ZMQ_POLLIN))
            for (int count = 0; count < 1000; count++) {
                if (!(zsock_events (self->router) & ZMQ_POLLIN))
                    break;
                s_on_router (self);
            }
        if (self->router && zclock_mono () >= self->heartbeat_at)
            s_heartbeat (self);
        if (zclock_mono () >= self->refresh_at)
            s_refresh_allow (self);
        if (r5_now_ms () >= self->next_expiry)
            s_expire_requests (self);
    }
    if (self->router)
        r5_info (NULL, "broker on %s stopping", self->endpoint);
    broker_destroy (&self);
}
