/*  r5_service: the actor every r5 service runs. It registers with the
    brokers as a worker for one service name, hands each request body to the
    service's handler and sends the handler's reply, until $TERM on its pipe or
    an interrupt. Services differ only in their state and handler, so tests can
    run any of them in-process on tcp://127.0.0.1:* ports.

    State (a store, a Mongo pool, clients of other services) is created and
    destroyed inside the actor's own thread: nothing that owns a socket or a
    mongoc client crosses threads. */
#ifndef R5_SERVICE_H
#define R5_SERVICE_H

#include <czmq.h>
#include <stdint.h>
#include "r5_config.h"

//  Make the service's state inside the actor thread; NULL fails start-up
//  (the actor then signals -1 and error holds one line).
typedef void *(r5_service_state_new_fn) (void *config, char *error, size_t error_size);
typedef void (r5_service_state_destroy_fn) (void **state_p);

//  Handle one request body (already size-checked by nothing: the handler
//  unpacks and validates). Returns a malloc'd reply the actor sends and frees;
//  NULL means "drop without reply" and is only for bodies that cannot be
//  answered at all.
typedef uint8_t *(r5_service_handler_fn) (void *state, const uint8_t *body, size_t size,
                                          int64_t deadline_unix_ms, size_t *reply_size);

typedef struct {
    const char *service;                    //  broker service name, e.g. "r5.token"
    const char *brokers;                    //  comma-separated endpoints
    void *config;                           //  passed to state_new
    r5_service_state_new_fn *state_new;
    r5_service_state_destroy_fn *state_destroy;
    r5_service_handler_fn *handler;
} r5_service_t;

//  zactor body: args is an r5_service_t * that outlives the actor. After the
//  usual signal it sends one string on the pipe: "READY", or "ERROR <line>"
//  and then ends.
void r5_service_actor (zsock_t *pipe, void *args);

//  Start the actor and wait until it is serving. NULL (with one line in error)
//  when its state or worker could not be made.
zactor_t *r5_service_start (r5_service_t *service, char *error, size_t error_size);

//  Load a program's configuration from its key table (see r5_config.h) and
//  start logging at its log_level. Prints help and exits 0 on --help; prints
//  one line and exits 2 on a bad or missing setting.
r5_config_t *r5_service_config (const char *program, const r5_config_key_t *keys, int argc, char **argv);

//  Run a service in the calling process until SIGINT/SIGTERM: the body of every
//  service's main() once its config is loaded. Prints "<program> ready" on
//  stdout (integration tests wait on it) and returns the process exit code.
int r5_service_run (const char *program, r5_service_t *service);

#endif
