/*  r5_admin: /metrics and /healthz on a listener of their own.  */
#include "r5_admin.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_metrics.h"

#include <civetweb.h>
#include <stdio.h>

struct _r5_admin_t {
    struct mg_context *civetweb;
};

int
r5_admin_send_metrics (struct mg_connection *conn)
{
    size_t length;
    char *text = r5_metrics_render (&length);
    mg_printf (conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n", length);
    mg_write (conn, text, length);
    free (text);
    return 200;
}

static int
s_metrics (struct mg_connection *conn, void *unused)
{
    (void) unused;
    return r5_admin_send_metrics (conn);
}

static int
s_healthz (struct mg_connection *conn, void *unused)
{
    (void) unused;
    static const char body [] = "{\"status\":\"ok\"}";
    mg_printf (conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n\r\n%s", sizeof body - 1, body);
    return 200;
}

static int
s_log_message (const struct mg_connection *conn, const char *message)
{
    (void) conn;
    r5_warn (NULL, "metrics listener: %s", message);
    return 1;
}

r5_admin_t *
r5_admin_new (const char *listen, char *error, size_t error_size)
{
    r5_metrics_register_process ();
    const char *options [] = {
        "listening_ports", listen,
        "num_threads", "2",
        "request_timeout_ms", "5000",
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "5000",
        NULL
    };
    struct mg_callbacks callbacks = { 0 };
    callbacks.log_message = s_log_message;
    struct mg_init_data init = { .callbacks = &callbacks, .configuration_options = options };
    char start_text [256] = "";
    struct mg_error_data start_error = { .text = start_text, .text_buffer_size = sizeof start_text };
    struct mg_context *civetweb = mg_start2 (&init, &start_error);
    if (!civetweb) {
        snprintf (error, error_size, "cannot listen for metrics on %s: %s", listen, start_text);
        return NULL;
    }
    mg_set_request_handler (civetweb, "/metrics$", s_metrics, NULL);
    mg_set_request_handler (civetweb, "/healthz$", s_healthz, NULL);
    r5_admin_t *self = (r5_admin_t *) r5_calloc (1, sizeof *self);
    self->civetweb = civetweb;
    return self;
}

void
r5_admin_destroy (r5_admin_t **self_p)
{
    r5_admin_t *self = *self_p;
    if (self) {
        mg_stop (self->civetweb);
        free (self);
        *self_p = NULL;
    }
}

int
r5_admin_port (r5_admin_t *self)
{
    struct mg_server_port ports [4];
    int count = self ? mg_get_server_ports (self->civetweb, 4, ports) : 0;
    return count > 0 ? ports [0].port : -1;
}
