/*  broker_actor: the broker's actor — its state, its pipe commands, its
    timers (deadlines, heartbeats, stalls, the allow-list) and its loop.  */
#include "broker_private.h"
#include "broker_zap.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_log.h"
#include "r5_time.h"

#include <inttypes.h>
#include <limits.h>
#include <string.h>

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
        broker_service_t *service = (broker_service_t *) zhashx_lookup (self->services, name);
        if (!service)
            continue;
        broker_request_t *request = (broker_request_t *) zlistx_first (service->requests);
        while (request) {
            void *handle = zlistx_cursor (service->requests);
            broker_request_t *next = (broker_request_t *) zlistx_next (service->requests);
            int64_t grace_end = broker_grace_end (self, service);
            bool unserved = service->workers == 0 && now >= grace_end;
            if (request->deadline <= now || unserved) {
                //  Busy workers exist: the queue was too slow. None at all: nobody serves this.
                broker_send_client (self, request->client, service->name, request->id,
                               service->workers ? R5_MDP_DEADLINE : R5_MDP_UNAVAILABLE, NULL);
                zlistx_detach (service->requests, handle);
                broker_request_destroy (&request);
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
        broker_metrics_service (service);
        broker_service_release (self, service);
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
    for (broker_worker_t *worker = (broker_worker_t *) zhashx_first (self->workers); worker;
         worker = (broker_worker_t *) zhashx_next (self->workers))
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
    for (broker_worker_t *worker = (broker_worker_t *) zhashx_first (self->workers); worker;
         worker = (broker_worker_t *) zhashx_next (self->workers)) {
        if (worker->assignment && worker->assignment_deadline <= unix_now)
            zlistx_add_end (stuck, r5_strdup (worker->key));
        if (worker->expiry <= now)
            zlistx_add_end (dead, worker);
        else
        if (broker_send_command (self, worker->identity, R5_MDP_HEARTBEAT) != 0 && errno == EHOSTUNREACH)
            zlistx_add_end (dead, worker);
    }
    for (broker_worker_t *worker = (broker_worker_t *) zlistx_first (dead); worker;
         worker = (broker_worker_t *) zlistx_next (dead))
        broker_worker_delete (self, worker, worker->expiry <= now ? "missed heartbeats" : "connection gone",
                         worker->expiry <= now);
    zlistx_destroy (&dead);
    //  A worker that answered nothing by its request's deadline must not
    //  count as busy forever (its heartbeats alone would keep it so): it is
    //  available again. A late answer is still delivered until the grace ends.
    for (char *key = (char *) zlistx_first (stuck); key; key = (char *) zlistx_next (stuck)) {
        broker_worker_t *worker = (broker_worker_t *) zhashx_lookup (self->workers, key);
        if (worker && worker->assignment && worker->assignment_deadline <= unix_now) {
            r5_info (NULL, "worker %s for %s did not answer by the deadline, available again",
                     worker->key, worker->service->name);
            broker_worker_idle (self, worker);
        }
    }
    zlistx_destroy (&stuck);
    self->heartbeat_at = now + self->heartbeat_ms;

    //  A request's client stops waiting at its deadline (plus its grace):
    //  after that nobody can use the answer.
    int64_t forget_before = r5_now_ms () - BROKER_ASSIGNMENT_GRACE_MS;
    zlistx_t *names = zhashx_keys (self->assignments);
    for (const char *name = (const char *) zlistx_first (names); name; name = (const char *) zlistx_next (names)) {
        broker_assignment_t *assignment = (broker_assignment_t *) zhashx_lookup (self->assignments, name);
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
    for (broker_worker_t *worker = (broker_worker_t *) zhashx_first (self->workers); worker;
         worker = (broker_worker_t *) zhashx_next (self->workers))
        if (!broker_allow_may_serve (self->allow, worker->curve_key, worker->service->name))
            zlistx_add_end (revoked, worker);
    for (broker_worker_t *worker = (broker_worker_t *) zlistx_first (revoked); worker;
         worker = (broker_worker_t *) zlistx_next (revoked))
        broker_worker_delete (self, worker, "its key is no longer allowed", false);
    zlistx_destroy (&revoked);
}

/*  ---------------------------------------------------------------------
    Drain (SIGINT/SIGTERM) */

//  Stop taking work: every queued request answers UNAVAILABLE (no worker
//  started it, so the client's next copy may go to another broker), and so
//  does every new or given-back one from now on (s_enqueue). What workers
//  hold is still answered and forwarded, for the shutdown grace at most.
static void
s_drain_start (broker_t *self)
{
    self->draining = true;
    self->drain_until = zclock_mono () + self->shutdown_grace_ms;
    size_t queued = 0;
    for (broker_service_t *service = (broker_service_t *) zhashx_first (self->services); service;
         service = (broker_service_t *) zhashx_next (self->services)) {
        broker_request_t *request;
        while ((request = (broker_request_t *) zlistx_detach (service->requests, NULL))) {
            broker_send_client (self, request->client, service->name, request->id, R5_MDP_UNAVAILABLE, NULL);
            broker_request_destroy (&request);
            queued++;
        }
    }
    r5_info (NULL, "broker draining: %zu requests handed back, waiting up to %" PRId64 " ms for %zu held by workers",
             queued, self->shutdown_grace_ms, zhashx_size (self->assignments));
}

//  Once nothing handed out waits for its answer (or the grace is over), tell
//  the pipe DRAINED; the broker keeps answering UNAVAILABLE until $TERM.
static void
s_drain_check (broker_t *self)
{
    size_t held = zhashx_size (self->assignments);
    if (self->drained || (held > 0 && zclock_mono () < self->drain_until))
        return;
    if (held)
        r5_warn (NULL, "broker drain grace over with %zu requests still held by workers", held);
    else
        r5_info (NULL, "broker drained");
    self->drained = true;
    zstr_send (self->pipe, "DRAINED");
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
    if (streq (command, "DRAIN")) {
        if (!self->draining)
            s_drain_start (self);
    }
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
        broker_service_t *service = name ? (broker_service_t *) zhashx_lookup (self->services, name) : NULL;
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
        else
        if (key && valid && streq (key, "shutdown_grace_ms") && number >= 0 && number <= 600000) {
            self->shutdown_grace_ms = number;
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
    broker_t *self = r5_calloc (1, sizeof *self);
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
    zhashx_set_destructor (self->assignments, broker_assignment_destroy);
    self->heartbeat_ms = r5_mdp_heartbeat_ms ();
    self->liveness = R5_MDP_LIVENESS;
    self->queue_max = s_queue_max_default ();
    self->next_expiry = INT64_MAX;
    self->started = r5_now_ms ();
    self->start_grace_ms = s_start_grace_default (self->heartbeat_ms * self->liveness);
    self->shutdown_grace_ms = 10000;
    self->services = zhashx_new ();
    self->workers = zhashx_new ();
    zhashx_set_destructor (self->services, broker_service_destroy);
    zhashx_set_destructor (self->workers, broker_worker_destroy);

    self->router = zsock_new (ZMQ_ROUTER);
    if (self->router && r5_curve_server (self->router, BROKER_DOMAIN_BUS) != 0)
        zsock_destroy (&self->router);
    if (self->router) {
        zsock_set_linger (self->router, 0);
        zsock_set_router_mandatory (self->router, 1);
        zsock_set_sndhwm (self->router, 100000);
        zsock_set_rcvhwm (self->router, 100000);
        zsock_set_backlog (self->router, BROKER_LISTEN_BACKLOG);
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
    broker_metrics_register ();
    zsock_signal (pipe, 0);
    if (self->router)
        r5_info (NULL, "broker bound to %s (heartbeat %d ms, liveness %d, queue %zu)",
                 self->endpoint, self->heartbeat_ms, self->liveness, self->queue_max);
    self->heartbeat_at = zclock_mono () + self->heartbeat_ms;

    //  SIGINT/SIGTERM (zsys_interrupted) starts a drain; $TERM ends the loop.
    while (!self->terminated) {
        if (zsys_interrupted && !self->draining)
            s_drain_start (self);
        zmq_pollitem_t items [] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
            { self->router ? zsock_resolve (self->router) : NULL, 0, ZMQ_POLLIN, 0 },
        };
        int64_t mono = zclock_mono ();
        int64_t now = r5_now_ms ();
        int64_t timeout = self->heartbeat_at - mono;
        if (self->next_expiry != INT64_MAX && self->next_expiry - now < timeout)
            timeout = self->next_expiry - now;
        if (self->draining && !self->drained && self->drain_until - mono < timeout)
            timeout = self->drain_until - mono;
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
        if (self->draining)
            s_drain_check (self);
    }
    if (self->router)
        r5_info (NULL, "broker on %s stopping", self->endpoint);
    broker_destroy (&self);
}
