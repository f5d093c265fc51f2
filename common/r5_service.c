/*  r5_service: the broker-worker loop shared by every service.  */
#include "r5_service.h"
#include "r5_build.h"
#include "r5_log.h"
#include "r5_worker.h"

#include <sodium.h>

//  Longest a receive waits; the pipe and interrupts wake it sooner.
#define S_WAIT_MS 1000

void
r5_service_actor (zsock_t *pipe, void *args)
{
    r5_service_t *service = (r5_service_t *) args;
    //  zactor_new ignores the signal's status, so the outcome follows as a string.
    zsock_signal (pipe, 0);
    char error [256] = "";
    void *state = service->state_new (service->config, error, sizeof error);
    if (!state) {
        zstr_sendf (pipe, "ERROR %s", error);
        return;
    }
    r5_worker_t *worker = r5_worker_new (service->brokers, service->service);
    if (!worker) {
        zstr_sendf (pipe, "ERROR cannot connect worker for %s to %s", service->service, service->brokers);
        service->state_destroy (&state);
        return;
    }
    //  A command on the pipe wakes the receive at once.
    r5_worker_watch (worker, pipe);
    zstr_send (pipe, "READY");

    while (!zsys_interrupted) {
        //  Requests past their deadline never come out of r5_worker_recv.
        r5_request_t *request = r5_worker_recv (worker, S_WAIT_MS);
        if (!request) {
            if (zsock_events (pipe) & ZMQ_POLLIN) {
                char *command = zstr_recv (pipe);
                bool terminate = !command || streq (command, "$TERM");
                zstr_free (&command);
                if (terminate)
                    break;
            }
            continue;
        }
        size_t reply_size = 0;
        uint8_t *reply = service->handler (state, r5_request_body (request), r5_request_size (request),
                                           r5_request_deadline (request), &reply_size);
        r5_debug (NULL, "handled a %s request", service->service);
        if (reply)
            r5_worker_reply (worker, &request, reply, reply_size);
        else
            r5_request_destroy (&request);
        //  A reply may hold a token value (create, regenerate, sessions).
        if (reply)
            sodium_memzero (reply, reply_size);
        free (reply);
    }
    r5_worker_destroy (&worker);
    service->state_destroy (&state);
}

zactor_t *
r5_service_start (r5_service_t *service, char *error, size_t error_size)
{
    zactor_t *actor = zactor_new (r5_service_actor, service);
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

int
r5_service_run (const char *program, r5_service_t *service)
{
    char error [256];
    zactor_t *actor = r5_service_start (service, error, sizeof error);
    if (!actor) {
        r5_error (NULL, "%s", error);
        return 1;
    }
    r5_info (NULL, "%s serving %s via %s", program, service->service, service->brokers);
    printf ("%s ready\n", program);
    fflush (stdout);
    //  The actor sends nothing more: this returns on SIGINT/SIGTERM.
    while (!zsys_interrupted) {
        char *message = zstr_recv (actor);
        if (!message)
            break;
        zstr_free (&message);
    }
    zactor_destroy (&actor);
    r5_info (NULL, "%s stopped", program);
    return 0;
}

r5_config_t *
r5_service_config (const char *program, const r5_config_key_t *keys, int argc, char **argv)
{
    if (r5_build_version_asked (program, argc, argv))
        exit (0);
    char error [256];
    r5_config_t *config = r5_config_new (keys, argc, argv, error, sizeof error);
    if (!config && !*error) {
        r5_config_print_help (keys, program, stdout);
        exit (0);
    }
    int level = config ? r5_log_level_parse (r5_config_get (config, "log_level")) : 0;
    if (config && level < 0)
        snprintf (error, sizeof error, "bad value for log_level: '%s' (expected debug, info, warn or error)",
                  r5_config_get (config, "log_level"));
    if (!config || level < 0) {
        fprintf (stderr, "%s: %s\n", program, error);
        exit (2);
    }
    r5_log_init (program, (r5_log_level_t) level);
    return config;
}
