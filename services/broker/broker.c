/*  broker: routes messages from clients and workers: services, workers,
    requests and who answers them (its actor, timers and pipe: broker_actor.c).  */
#include "broker_private.h"
#include "broker_zap.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_log.h"
#include "r5_mdp.h"
#include "r5_metrics.h"
#include "r5_rpc.h"
#include "r5_time.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

void
broker_request_destroy (broker_request_t **self_p)
{
    broker_request_t *self = *self_p;
    if (self) {
        zframe_destroy (&self->client);
        zframe_destroy (&self->body);
        free (self);
        *self_p = NULL;
    }
}

void
broker_service_destroy (void **item_p)
{
    broker_service_t *self = (broker_service_t *) *item_p;
    if (self) {
        broker_request_t *request;
        while ((request = (broker_request_t *) zlistx_detach (self->requests, NULL)))
            broker_request_destroy (&request);
        zlistx_destroy (&self->requests);
        zlistx_destroy (&self->waiting);
        free (self->name);
        free (self);
        *item_p = NULL;
    }
}

void
broker_assignment_destroy (void **item_p)
{
    broker_assignment_t *self = (broker_assignment_t *) *item_p;
    if (self) {
        broker_request_destroy (&self->request);
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

void
broker_worker_destroy (void **item_p)
{
    broker_worker_t *self = (broker_worker_t *) *item_p;
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

/*  ---------------------------------------------------------------------
    Metrics: every answer to a client passes broker_send_client; the
    gauges are set wherever a service's queue or workers change. */

//  r5's services by name, in the order of their labels; any other is "other".
static const char *const s_service_names [] = { R5_SERVICE_TOKEN, R5_SERVICE_AUTHZ, R5_SERVICE_RESOURCE };
static const char *const s_service_labels [] = {
    "service=\"" R5_SERVICE_TOKEN "\"", "service=\"" R5_SERVICE_AUTHZ "\"", "service=\"" R5_SERVICE_RESOURCE "\"",
    "service=\"other\""
};
#define S_SERVICE_LABELS (sizeof s_service_labels / sizeof s_service_labels [0])
//  By MDP status (R5_MDP_OK ...), then any other.
static const char *const s_answer_labels [] = {
    "status=\"ok\"", "status=\"unavailable\"", "status=\"deadline\"", "status=\"forbidden\"", "status=\"other\""
};
#define S_ANSWER_LABELS (sizeof s_answer_labels / sizeof s_answer_labels [0])

static r5_metrics_family_t s_answers = {
    .name = "r5_broker_requests_total",
    .help = "Requests this broker answered, by service and outcome: ok (a worker's reply relayed), unavailable "
            "(no worker, or the queue full), deadline (expired waiting), forbidden (the caller's key may not call it).",
    .type = R5_METRICS_COUNTER,
    .labels = { R5_METRICS_LABELS (s_service_labels, S_SERVICE_LABELS), R5_METRICS_LABELS (s_answer_labels, S_ANSWER_LABELS) }
};
static r5_metrics_family_t s_queued = {
    .name = "r5_broker_queue_depth",
    .help = "Requests waiting in this broker for a free worker, by service.",
    .type = R5_METRICS_GAUGE, .labels = { R5_METRICS_LABELS (s_service_labels, S_SERVICE_LABELS) }
};
static r5_metrics_family_t s_workers = {
    .name = "r5_broker_workers",
    .help = "Workers (service instances) registered with this broker, idle or busy, by service.",
    .type = R5_METRICS_GAUGE, .labels = { R5_METRICS_LABELS (s_service_labels, S_SERVICE_LABELS) }
};
static r5_metrics_family_t s_busy = {
    .name = "r5_broker_workers_busy",
    .help = "Workers holding a request this broker gave them, by service (equal to r5_broker_workers: saturated).",
    .type = R5_METRICS_GAUGE, .labels = { R5_METRICS_LABELS (s_service_labels, S_SERVICE_LABELS) }
};

//  The label slot of a service name ("other" for any but r5's three).
static size_t
s_service_slot (const char *name)
{
    for (size_t slot = 0; slot < sizeof s_service_names / sizeof s_service_names [0]; slot++)
        if (strcmp (s_service_names [slot], name) == 0)
            return slot;
    return S_SERVICE_LABELS - 1;
}

void
broker_metrics_register (void)
{
    r5_metrics_family_t *const families [] = { &s_answers, &s_queued, &s_workers, &s_busy, NULL };
    r5_metrics_register_all (families);
}

void
broker_metrics_service (broker_service_t *service)
{
    size_t slot = s_service_slot (service->name);
    //  "other" sums several services: only r5's own are shown as levels.
    if (slot + 1 == S_SERVICE_LABELS)
        return;
    r5_metrics_set (&s_queued, slot, 0, 0, (int64_t) zlistx_size (service->requests));
    r5_metrics_set (&s_workers, slot, 0, 0, (int64_t) service->workers);
    r5_metrics_set (&s_busy, slot, 0, 0, (int64_t) (service->workers - zlistx_size (service->waiting)));
}

//  Answer a client. body may be NULL (an empty body frame is sent).
void
broker_send_client (broker_t *self, zframe_t *client, const char *service, const uint8_t id [8],
               uint8_t status, zframe_t *body)
{
    r5_metrics_add (&s_answers, s_service_slot (service), status < S_ANSWER_LABELS - 1 ? status : S_ANSWER_LABELS - 1,
                    0, 1);
    //  Whatever a stopping broker answers UNAVAILABLE, it says why.
    const char *text = !body && status == R5_MDP_UNAVAILABLE && self->draining ? R5_MDP_DRAINING : "";
    const void *data [] = { service, id, &status, body ? zframe_data (body) : (const void *) text };
    size_t sizes [] = { strlen (service), 8, 1, body ? zframe_size (body) : strlen (text) };
    if (s_send (self, client, R5_MDP_CLIENT, 4, data, sizes) == 0)
        self->replies++;
    else
        r5_debug (NULL, "cannot answer client of %s: %s", service, zmq_strerror (zmq_errno ()));
}

//  Send a command with no arguments to a worker. Returns 0 or -1 with errno.
int
broker_send_command (broker_t *self, zframe_t *identity, uint8_t command)
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
static broker_service_t *
s_service_require (broker_t *self, const char *name)
{
    broker_service_t *service = (broker_service_t *) zhashx_lookup (self->services, name);
    if (service)
        return service;
    if (zhashx_size (self->services) >= BROKER_SERVICES_MAX) {
        r5_warn (NULL, "cannot track service %s: %d services already", name, BROKER_SERVICES_MAX);
        return NULL;
    }
    service = r5_calloc (1, sizeof (broker_service_t));
    service->name = r5_strdup (name);
    service->requests = zlistx_new ();
    service->waiting = zlistx_new ();
    zhashx_insert (self->services, name, service);
    return service;
}

//  Forget a service that has neither workers nor requests (nor a grace).
void
broker_service_release (broker_t *self, broker_service_t *service)
{
    if (service->workers == 0 && zlistx_size (service->requests) == 0 && service->grace_until <= r5_now_ms ())
        zhashx_delete (self->services, service->name);
}

//  Remove a worker from its service and from the broker. silent: it only
//  missed heartbeats (it may be busy, or paused, and come back): when it was
//  the service's last, requests wait for a worker for the start grace again.
void
broker_worker_delete (broker_t *self, broker_worker_t *worker, const char *why, bool silent)
{
    broker_service_t *service = worker->service;
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
    broker_metrics_service (service);
    broker_service_release (self, service);
}

//  Hand waiting requests to idle workers, oldest request to longest-idle worker.
static void
s_dispatch (broker_t *self, broker_service_t *service)
{
    int64_t now = r5_now_ms ();
    while (zlistx_size (service->requests) && zlistx_size (service->waiting)) {
        broker_request_t *request = (broker_request_t *) zlistx_first (service->requests);
        if (request->deadline <= now) {
            broker_send_client (self, request->client, service->name, request->id, R5_MDP_DEADLINE, NULL);
            request = (broker_request_t *) zlistx_detach (service->requests, NULL);
            broker_request_destroy (&request);
            continue;
        }
        broker_worker_t *worker = (broker_worker_t *) zlistx_first (service->waiting);
        uint8_t command = R5_MDP_REQUEST;
        uint8_t deadline [8];
        r5_mdp_put_u64 (deadline, (uint64_t) request->deadline);
        const void *data [] = { &command, zframe_data (request->client), request->id, deadline,
                                request->caller, zframe_data (request->body) };
        size_t sizes [] = { 1, zframe_size (request->client), 8, 8, strlen (request->caller),
                            zframe_size (request->body) };
        if (s_send (self, worker->identity, R5_MDP_WORKER, 6, data, sizes) != 0) {
            //  Its connection is gone (kill -9): the request goes to the next worker.
            broker_worker_delete (self, worker, errno == EHOSTUNREACH ? "connection gone" : "not reading", false);
            continue;
        }
        zlistx_delete (service->waiting, worker->waiting);
        worker->waiting = NULL;
        broker_assignment_t *assignment = r5_calloc (1, sizeof (broker_assignment_t));
        memcpy (assignment->worker_key, worker->curve_key, sizeof assignment->worker_key);
        assignment->worker = r5_strdup (worker->key);
        assignment->service = r5_strdup (service->name);
        assignment->deadline = request->deadline;
        assignment->request = (broker_request_t *) zlistx_detach (service->requests, NULL);
        char name [600];
        s_assignment_name (request->client, request->id, name, sizeof name);
        zhashx_update (self->assignments, name, assignment);
        free (worker->assignment);
        worker->assignment = r5_strdup (name);
        worker->assignment_deadline = request->deadline;
    }
    broker_metrics_service (service);
}

//  Until when (unix ms) requests for service, while it has no worker, wait
//  for one: the first moments after this broker started, before workers had
//  time to register, or after its last worker fell silent (busy or paused,
//  not known gone). Past it they answer UNAVAILABLE at once.
int64_t
broker_grace_end (broker_t *self, broker_service_t *service)
{
    int64_t start = self->started + self->start_grace_ms;
    return service && service->grace_until > start ? service->grace_until : start;
}

//  Queue a request for service (at the head when a worker gave it back
//  unstarted), taking it, and dispatch; or answer it at once: DEADLINE when
//  already expired, UNAVAILABLE when the broker is draining, the queue is
//  full or nobody serves the service (outside the start grace).
static void
s_enqueue (broker_t *self, const char *name, broker_request_t **request_p, bool front)
{
    broker_request_t *request = *request_p;
    *request_p = NULL;
    broker_service_t *service = s_service_require (self, name);
    uint8_t status = R5_MDP_OK;
    if (request->deadline <= r5_now_ms ())
        status = R5_MDP_DEADLINE;
    else
    if (self->draining)
        status = R5_MDP_UNAVAILABLE;    //  stopping: the client's next copy goes to another broker
    else
    if (!service || zlistx_size (service->requests) >= self->queue_max) {
        r5_debug (NULL, "queue for %s full, answering unavailable", name);
        status = R5_MDP_UNAVAILABLE;
    }
    else
    if (service->workers == 0 && r5_now_ms () >= broker_grace_end (self, service))
        status = R5_MDP_UNAVAILABLE;    //  fail fast: nobody serves it
    if (status != R5_MDP_OK) {
        broker_send_client (self, request->client, name, request->id, status, NULL);
        broker_request_destroy (&request);
        if (service)
            broker_service_release (self, service);
        return;
    }
    int64_t wake = service->workers ? request->deadline : broker_grace_end (self, service);
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
    broker_assignment_t *assignment = (broker_assignment_t *) zhashx_lookup (self->assignments, name);
    if (!assignment || !assignment->request)
        return;
    broker_request_t *request = assignment->request;
    assignment->request = NULL;
    char *service = r5_strdup (assignment->service);
    zhashx_delete (self->assignments, name);
    s_enqueue (self, service, &request, true);
    free (service);
}

//  A worker this broker removed for silence (it was busy for longer than the
//  liveness, with another broker's request) says DISCONNECT: it has answered
//  everything it started, so what it was given here and never answered was
//  never read (it waits in the stopped worker's socket) and goes to another
//  worker, as if the worker had still been known.
static void
s_requeue_removed (broker_t *self, const char *worker, const char *curve_key)
{
    zlistx_t *names = zlistx_new ();
    zlistx_set_destructor (names, (czmq_destructor *) zstr_free);
    for (broker_assignment_t *assignment = (broker_assignment_t *) zhashx_first (self->assignments); assignment;
         assignment = (broker_assignment_t *) zhashx_next (self->assignments))
        if (assignment->request && streq (assignment->worker, worker) && streq (assignment->worker_key, curve_key))
            zlistx_add_end (names, r5_strdup ((const char *) zhashx_cursor (self->assignments)));
    for (char *name = (char *) zlistx_first (names); name; name = (char *) zlistx_next (names)) {
        r5_info (NULL, "worker %s disconnected holding a request it never read: given to another worker", worker);
        s_requeue (self, name);
    }
    zlistx_destroy (&names);
}

//  Mark a worker idle and give it work if any waits.
void
broker_worker_idle (broker_t *self, broker_worker_t *worker)
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
        broker_send_client (self, client, name, id, R5_MDP_FORBIDDEN, NULL);
        return;
    }
    if (deadline == 0)
        deadline = r5_now_ms () + BROKER_DEFAULT_DEADLINE_MS;
    broker_request_t *request = r5_calloc (1, sizeof (broker_request_t));
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
    broker_worker_t *worker = (broker_worker_t *) zhashx_lookup (self->workers, key);
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
                    broker_worker_delete (self, worker, "registered for a service its key may not serve", false);
            }
            else {
                //  A second READY on one connection: start over as a new worker.
                if (worker)
                    broker_worker_delete (self, worker, "registered again", false);
                broker_service_t *service = s_service_require (self, service_name);
                if (service) {
                    worker = r5_calloc (1, sizeof (broker_worker_t));
                    worker->key = r5_strdup (key);
                    snprintf (worker->curve_key, sizeof worker->curve_key, "%s", curve_key);
                    worker->identity = zframe_dup (identity);
                    worker->service = service;
                    worker->expiry = zclock_mono () + (int64_t) self->heartbeat_ms * self->liveness;
                    zhashx_insert (self->workers, key, worker);
                    service->workers++;
                    service->grace_until = 0;
                    r5_info (NULL, "worker %s ready for %s (%zu workers)", key, service_name, service->workers);
                    broker_worker_idle (self, worker);
                }
                else
                    broker_send_command (self, identity, R5_MDP_DISCONNECT);
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
            broker_assignment_t *assignment = *name ? (broker_assignment_t *) zhashx_lookup (self->assignments, name) : NULL;
            if (!*name)
                r5_debug (NULL, "dropping malformed REPLY");
            else
            if (!assignment || !curve_key || !streq (assignment->worker_key, curve_key))
                s_log_refusal (self, "key %s answered a request it was not given", curve_key ? curve_key : "(none)");
            else {
                //  A worker we had given up on still answers: the client may be waiting.
                broker_send_client (self, client, assignment->service, zframe_data (id), R5_MDP_OK, body);
                zhashx_delete (self->assignments, name);
                //  A late answer to a request we stopped waiting for changes
                //  nothing: the worker was made available at that deadline.
                if (worker && (!worker->assignment || streq (worker->assignment, name)))
                    broker_worker_idle (self, worker);
                else
                if (!worker)
                    broker_send_command (self, identity, R5_MDP_DISCONNECT);
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
            broker_assignment_t *assignment = *name ? (broker_assignment_t *) zhashx_lookup (self->assignments, name) : NULL;
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
                worker = (broker_worker_t *) zhashx_lookup (self->workers, key);
                if (worker && current)
                    broker_worker_idle (self, worker);
                else
                if (!worker)
                    broker_send_command (self, identity, R5_MDP_DISCONNECT);
            }
            zframe_destroy (&client);
            zframe_destroy (&id);
            break;
        }
        case R5_MDP_HEARTBEAT:
            //  From a worker we do not know (we restarted, or dropped it): make it register again.
            if (!worker)
                broker_send_command (self, identity, R5_MDP_DISCONNECT);
            break;
        case R5_MDP_DISCONNECT:
            //  A worker says goodbye only once it answered what it started:
            //  the request it was given and never read goes to another worker.
            if (worker) {
                char *held = worker->assignment;
                worker->assignment = NULL;
                broker_worker_delete (self, worker, "disconnected", false);
                if (held) {
                    r5_info (NULL, "worker %s disconnected holding a request it never read: given to another worker", key);
                    s_requeue (self, held);
                }
                free (held);
            }
            else
            if (curve_key)
                s_requeue_removed (self, key, curve_key);
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
