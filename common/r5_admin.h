/*  r5_admin: the operator's HTTP listener of a process (metrics_listen):
    GET /metrics (Prometheus text, r5_metrics) and GET /healthz, nothing else.

    Every r5 program starts one when metrics_listen is set, so each instance
    is scraped on its own, on any host. It runs on civetweb threads of its
    own (two), apart from the process's work: a scrape costs the process one
    render of its registry and never waits on a request. */
#ifndef R5_ADMIN_H
#define R5_ADMIN_H

#include <stddef.h>

struct mg_connection;
typedef struct _r5_admin_t r5_admin_t;

//  Listen on listen ("127.0.0.1:9400"; port 0 picks a free one) and register
//  the process_* families. NULL with one line in error when it cannot listen.
r5_admin_t *r5_admin_new (const char *listen, char *error, size_t error_size);

//  Stop listening. Safe on NULL.
void r5_admin_destroy (r5_admin_t **self_p);

//  The TCP port listened on, or -1 (also for NULL).
int r5_admin_port (r5_admin_t *self);

//  Answer a civetweb request with the registry's text (also the gateway's
//  /metrics on its own listeners). Returns the HTTP status, 200.
int r5_admin_send_metrics (struct mg_connection *conn);

#endif
