/*  r5_service: the broker-worker loop every service's actor drives.  */
#include "r5_service.h"
#include "r5_alloc.h"
#include "r5_curve.h"
#include "r5_log.h"
#include "r5_metrics.h"
#include "r5_operation.h"
#include "r5_rpc.h"

#include <sodium.h>
#include <unistd.h>

//  Longest a receive waits; the pipe and interrupts wake it sooner.
#define S_WAIT_MS 1000

struct _r5_service_t {
    zsock_t *pipe;                  //  borrowed: the actor's
    r5_worker_t *worker;
    char *name;
    int64_t started_ns;             //  when the request in hand came out of r5_service_next
    r5_service_tick_fn *tick;       //  r5_service_every
    void *tick_arg;
    int64_t tick_interval_ms;
    int64_t tick_due_ms;            //  monotonic; 0: at the next r5_service_next
};

//  Every request a service handles passes r5_service_reply: its one place
//  where operation, status and duration are all known.
static r5_metrics_family_t s_handled = {
    .name = "r5_service_request_duration_seconds",
    .help = "Requests this service handled, from their arrival to their reply, by service, operation and reply status.",
    .type = R5_METRICS_HISTOGRAM,
    .labels = { R5_METRICS_LABELS_MADE (r5_operation_values), R5_METRICS_LABELS_MADE (r5_metrics_status_values) }
};

//  zactor_new ignores the signal's status, so the outcome follows as a string.
r5_service_t *
r5_service_new (zsock_t *pipe, const char *brokers, const char *name)
{
    assert (pipe);
    r5_worker_t *worker = r5_worker_new (brokers, name);
    zsock_signal (pipe, 0);
    if (!worker) {
        zstr_sendf (pipe, "ERROR cannot connect worker for %s to %s", name, brokers);
        return NULL;
    }
    r5_service_t *self = (r5_service_t *) r5_calloc (1, sizeof *self);
    self->pipe = pipe;
    self->worker = worker;
    self->name = r5_strdup (name);
    //  A command on the pipe wakes the receive at once.
    r5_worker_watch (worker, pipe);
    r5_metrics_register (&s_handled);
    r5_info (NULL, "serving %s via %s", name, brokers);
    zstr_send (pipe, "READY");
    return self;
}

void
r5_service_refuse (zsock_t *pipe, const char *error)
{
    assert (pipe);
    zsock_signal (pipe, 0);
    zstr_sendf (pipe, "ERROR %s", error && *error ? error : "cannot start service");
}

void
r5_service_destroy (r5_service_t **self_p)
{
    assert (self_p);
    r5_service_t *self = *self_p;
    if (self) {
        r5_worker_destroy (&self->worker);
        free (self->name);
        free (self);
        *self_p = NULL;
    }
}

void
r5_service_every (r5_service_t *self, int64_t interval_ms, r5_service_tick_fn *tick, void *arg)
{
    assert (!tick || interval_ms > 0);
    if (!self)
        return;
    self->tick = tick;
    self->tick_arg = arg;
    self->tick_interval_ms = interval_ms;
    self->tick_due_ms = 0;
}

r5_request_t *
r5_service_next (r5_service_t *self)
{
    if (!self)
        return NULL;
    while (!zsys_interrupted) {
        if (self->tick && zclock_mono () >= self->tick_due_ms) {
            self->tick (self->tick_arg);
            //  From the end of the tick: a slow one never runs back to back.
            self->tick_due_ms = zclock_mono () + self->tick_interval_ms;
        }
        //  Requests past their deadline never come out of r5_worker_recv.
        int64_t until_tick = self->tick ? self->tick_due_ms - zclock_mono () : S_WAIT_MS;
        int wait_ms = until_tick < 0 ? 0 : until_tick < S_WAIT_MS ? (int) until_tick : S_WAIT_MS;
        r5_request_t *request = r5_worker_recv (self->worker, wait_ms);
        if (request && zsys_interrupted) {
            //  Stopping (SIGTERM): another instance takes it, untouched.
            r5_worker_release (self->worker, &request);
            break;
        }
        if (request) {
            self->started_ns = r5_metrics_now_ns ();
            return request;
        }
        if (zsock_events (self->pipe) & ZMQ_POLLIN) {
            char *command = zstr_recv (self->pipe);
            bool terminate = !command || streq (command, "$TERM");
            zstr_free (&command);
            if (terminate)
                break;
        }
    }
    return NULL;
}

void
r5_service_reply (r5_service_t *self, r5_request_t **request_p, uint8_t **reply_p, size_t size)
{
    assert (self);
    assert (request_p);
    assert (reply_p);
    uint8_t *reply = *reply_p;
    //  One line per request, with its request id and trace (at debug level).
    r5_debug (NULL, "handled a %s request", self->name);
    if (*request_p) {
        size_t operation = r5_operation_of_packed (self->name, r5_request_body (*request_p), r5_request_size (*request_p));
        int status = reply ? r5_operation_status_of_packed (reply, size) : -1;
        r5_metrics_observe (&s_handled, operation, r5_metrics_status_index (status), 0,
                            r5_metrics_now_ns () - self->started_ns);
    }
    if (reply)
        r5_worker_reply (self->worker, request_p, reply, size);
    else
        r5_request_destroy (request_p);
    r5_log_context_clear ();
    //  A reply may hold a token value (create, regenerate, sessions).
    if (reply)
        sodium_memzero (reply, size);
    free (reply);
    *reply_p = NULL;
}

zactor_t *
r5_service_start (zactor_fn *actor_fn, void *args, char *error, size_t error_size)
{
    zactor_t *actor = zactor_new (actor_fn, args);
    char *outcome = actor ? zstr_recv (actor) : NULL;
    if (outcome && streq (outcome, "READY")) {
        zstr_free (&outcome);
        return actor;
    }
    snprintf (error, error_size, "%s", outcome && strlen (outcome) > 6 ? outcome + 6 : "cannot start service");
    zstr_free (&outcome);
    zactor_destroy (&actor);
    return NULL;
}

r5_admin_t *
r5_service_metrics (const char *program, r5_config_t *config)
{
    r5_rpc_register_metrics ();
    const char *listen = r5_config_get (config, "metrics_listen");
    if (!listen || !*listen)
        return NULL;
    char error [256];
    r5_admin_t *admin = r5_admin_new (listen, error, sizeof error);
    if (!admin) {
        fprintf (stderr, "%s: %s\n", program, error);
        exit (2);
    }
    r5_info (NULL, "metrics on %s (port %d)", listen, r5_admin_port (admin));
    return admin;
}

//  Most workers a process runs (the setting's bound).
#define S_MAX_WORKERS 64

int
r5_service_run (const char *program, r5_config_t *config, zactor_fn *actor_fn, void *args,
                r5_admin_t **admin_p)
{
    int grace_ms = r5_service_shutdown_grace_ms (program, config);
    char error [256];
    int64_t workers;
    if (r5_config_int (config, "workers", 1, S_MAX_WORKERS, &workers, error, sizeof error)) {
        r5_error (NULL, "%s", error);
        r5_admin_destroy (admin_p);
        return 1;
    }
    //  Every worker is the same actor on the same settings, each with its own
    //  state: the broker sees them as it sees instances in other processes.
    zactor_t *actors [S_MAX_WORKERS] = { NULL };
    zmq_pollitem_t ended [S_MAX_WORKERS];
    for (int i = 0; i < workers; i++) {
        actors [i] = r5_service_start (actor_fn, args, error, sizeof error);
        if (!actors [i]) {
            r5_error (NULL, "%s", error);
            for (int j = 0; j < i; j++)
                zactor_destroy (&actors [j]);
            r5_admin_destroy (admin_p);
            return 1;
        }
        ended [i] = (zmq_pollitem_t) { zsock_resolve (actors [i]), 0, ZMQ_POLLIN, 0 };
    }
    printf ("%s ready metrics_port=%d workers=%d\n", program, r5_admin_port (*admin_p), (int) workers);
    fflush (stdout);
    //  An actor sends nothing more: its pipe turns readable when it ends. On
    //  SIGINT/SIGTERM each drains (r5_service_next): it finishes the request
    //  in hand, gives back what it has not started (DISCONNECT) and ends. A
    //  worker that ends by itself (it lost its state) takes the process down
    //  the same way, so a supervisor restarts it whole. A handler still
    //  running after the grace cannot be stopped from here, so the process
    //  leaves without it (as on kill -9: the broker takes the request as
    //  lost, idempotent callers resend).
    int64_t until = INT64_MAX;      //  monotonic ms: the grace's end, once draining
    int running = (int) workers;
    while (running > 0) {
        if (running < workers && !zsys_interrupted) {
            r5_error (NULL, "%s: a worker stopped; stopping the others", program);
            zsys_interrupted = 1;
        }
        if (zsys_interrupted && until == INT64_MAX) {
            r5_info (NULL, "%s draining (grace %d ms)", program, grace_ms);
            until = zclock_mono () + grace_ms;
        }
        int64_t left = until == INT64_MAX ? S_WAIT_MS : until - zclock_mono ();
        if (left <= 0) {
            r5_error (NULL, "%s still serving a request after the %d ms grace; exiting without it",
                      program, grace_ms);
            fflush (stderr);
            _exit (1);
        }
        //  Woken by the signal (EINTR) or at least every S_WAIT_MS, as the
        //  signal may go to another thread.
        if (zmq_poll (ended, running, (long) (left < S_WAIT_MS ? left : S_WAIT_MS)) <= 0)
            continue;
        for (int i = running - 1; i >= 0; i--)
            if (ended [i].revents & ZMQ_POLLIN) {
                zactor_destroy (&actors [i]);
                running--;              //  the last running one takes its place
                actors [i] = actors [running];
                ended [i] = ended [running];
            }
    }
    r5_admin_destroy (admin_p);
    r5_info (NULL, "%s stopped", program);
    return 0;
}

int
r5_service_shutdown_grace_ms (const char *program, r5_config_t *config)
{
    char error [256];
    int64_t grace_ms;
    if (r5_config_int (config, "shutdown_grace_ms", 0, 600000, &grace_ms, error, sizeof error)) {
        fprintf (stderr, "%s: %s\n", program, error);
        exit (2);
    }
    return (int) grace_ms;
}

void
r5_service_bus_keys (const char *program, r5_config_t *config, bool broker)
{
    const char *bus_key = r5_config_get (config, "bus_key");
    const char *broker_key = broker ? NULL : r5_config_get (config, "broker_key");
    const char *missing = !*bus_key ? "bus_key" : broker_key && !*broker_key ? "broker_key" : NULL;
    char reason [256];
    if (missing)
        snprintf (reason, sizeof reason, "missing required setting %s (r5-keygen makes the files)", missing);
    if (missing || r5_curve_load (bus_key, broker_key, reason, sizeof reason) != 0) {
        fprintf (stderr, "%s: %s\n", program, reason);
        exit (2);
    }
}
