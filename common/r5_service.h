/*  r5_service: the broker-worker loop every r5 service's actor drives.

    A service is an actor that owns its typed state and runs this loop:

        void
        token_server_actor (zsock_t *pipe, void *args)
        {
            token_config_t *config = args;
            char error [256] = "";
            token_server_t *server = token_server_new (config, error, sizeof error);
            if (!server) {
                r5_service_refuse (pipe, error);
                return;
            }
            r5_service_t *service = r5_service_new (pipe, config->brokers, R5_SERVICE_TOKEN);
            r5_request_t *request;
            while ((request = r5_service_next (service))) {
                size_t size;
                uint8_t *reply = token_server_handle (server, r5_request_body (request),
                    r5_request_size (request), r5_request_deadline (request), &size);
                r5_service_reply (service, &request, &reply, size);
            }
            r5_service_destroy (&service);
            token_server_destroy (&server);
        }

    r5_service_next handles the pipe ($TERM), interrupts, heartbeats and
    deadlines; r5_service_new tells the pipe READY (or ERROR). State (a store,
    a Mongo pool, clients of other services) is made and destroyed inside the
    actor's own thread: nothing that owns a socket or a mongoc client crosses
    threads, so tests run any service in-process on tcp://127.0.0.1:* ports. */
#ifndef R5_SERVICE_H
#define R5_SERVICE_H

#include <czmq.h>
#include <stdint.h>
#include "r5_admin.h"
#include "r5_config.h"
#include "r5_service_config.h"
#include "r5_worker.h"

typedef struct _r5_service_t r5_service_t;

//  In a service's actor, once its state is made: register with every broker
//  of brokers ("tcp://a:1,tcp://b:2") as a worker for name and tell the pipe
//  READY. When the worker cannot be made, tell the pipe "ERROR <line>" and
//  return NULL (r5_service_next and _destroy accept NULL, so the loop above
//  simply ends). The pipe is borrowed and must outlive the service.
r5_service_t *r5_service_new (zsock_t *pipe, const char *brokers, const char *name);

//  In a service's actor whose state could not be made: tell the pipe
//  "ERROR <error>" (one line). The actor then returns.
void r5_service_refuse (zsock_t *pipe, const char *error);

//  Tell every broker DISCONNECT and close. Safe on NULL.
void r5_service_destroy (r5_service_t **self_p);

//  What a service does now and then beside its requests (r5_service_every).
typedef void (r5_service_tick_fn) (void *arg);

//  Call tick (arg) from r5_service_next every interval_ms: the first time
//  on its next call (so at start-up, right after READY), then whenever the
//  interval has passed, between two requests or while none comes. A tick runs in the actor's thread, between
//  requests: it delays the next one by its own length. One tick per
//  service; NULL tick turns it off. Safe on a NULL service.
void r5_service_every (r5_service_t *self, int64_t interval_ms, r5_service_tick_fn *tick, void *arg);

//  Wait for the next request, sending heartbeats and dropping requests past
//  their deadline meanwhile. Returns it (the caller answers it with
//  r5_service_reply), or NULL once $TERM came on the pipe or the process was
//  interrupted: the actor then destroys its state and returns.
r5_request_t *r5_service_next (r5_service_t *self);

//  Send *reply_p (size bytes, as made by r5_reply_pack) as the answer to
//  *request_p, then zero it (it may hold a token value) and free it. Takes
//  both and nulls them. A NULL reply drops the request unanswered.
void r5_service_reply (r5_service_t *self, r5_request_t **request_p, uint8_t **reply_p, size_t size);

//  Start a service's actor (zactor_new (actor, args)) and wait until it is
//  serving. NULL, with its one line in error, when it said ERROR.
zactor_t *r5_service_start (zactor_fn *actor, void *args, char *error, size_t error_size);

//  Load the program's bus identity (r5_curve) from its settings bus_key and,
//  unless it is the broker, broker_key: every program that joins the bus
//  calls it after r5_service_config. Prints one line and exits 2 when a file
//  is missing, unreadable, or a secret readable by others.
void r5_service_bus_keys (const char *program, r5_config_t *config, bool broker);

//  Start the program's metrics listener (r5_admin) when its setting
//  metrics_listen is set, and register r5_rpc's metrics; NULL when it is
//  empty. Prints one line and exits 2 when it cannot listen. Every program
//  calls it after r5_service_config; r5_service_run reports the port.
r5_admin_t *r5_service_metrics (const char *program, r5_config_t *config);

//  Run a service's actor in the calling process until SIGINT/SIGTERM: the
//  body of every service's main() once its config is loaded. Starts the
//  config's `workers` copies of it (R5_CONFIG_WORKERS_KEY), each with its own
//  state, so the process serves that many requests at once. Prints
//  "<program> ready metrics_port=<port> workers=<n>" on stdout (integration
//  tests wait on it; -1 without a metrics listener). On the signal, or when
//  one worker ends by itself, every worker drains: it finishes the request in
//  hand and tells the brokers DISCONNECT (they give what it did not start to
//  another worker); then it stops the metrics listener (admin may be NULL)
//  and returns 0, or exits 1 when a request still runs after the config's
//  shutdown_grace_ms.
int r5_service_run (const char *program, r5_config_t *config, zactor_fn *actor, void *args,
                    r5_admin_t **admin_p);

//  The config's shutdown_grace_ms (0..600000): how long a stopping program
//  finishes what it started. Prints one line and exits 2 when it is invalid.
int r5_service_shutdown_grace_ms (const char *program, r5_config_t *config);

#endif
