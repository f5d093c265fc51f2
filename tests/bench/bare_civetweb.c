/*  bare_civetweb: the ceiling for the gateway benchmarks — civetweb with the
    gateway's options answering POST /graphql with a fixed viewer response,
    doing nothing else. Prints "r5-bare ready port=N" (the launcher's readiness form). */
#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    s_stop = 1;
}

static int
s_handle (struct mg_connection *conn, void *data)
{
    char body [4096];
    while (mg_read (conn, body, sizeof body) > 0)
        ;
    static const char reply [] =
        "{\"data\":{\"viewer\":{\"id\":\"0123456789abcdef01234567\",\"name\":\"Ada Owner\","
        "\"email\":\"ada@example.com\",\"role\":\"OWNER\"}}}";
    mg_printf (conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
               strlen (reply), reply);
    return 200;
}

int
main (int argc, char *argv [])
{
    const char *threads = argc > 1 ? argv [1] : "64";
    const char *options [] = {
        "listening_ports", "127.0.0.1:0", "num_threads", threads, "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "30000", "listen_backlog", "1024", NULL
    };
    signal (SIGTERM, s_on_signal);
    signal (SIGINT, s_on_signal);
    struct mg_callbacks callbacks = { 0 };
    struct mg_context *ctx = mg_start (&callbacks, NULL, options);
    if (!ctx)
        return 1;
    mg_set_request_handler (ctx, "/graphql$", s_handle, NULL);
    struct mg_server_port ports [1];
    mg_get_server_ports (ctx, 1, ports);
    printf ("r5-bare ready port=%d\n", ports [0].port);
    fflush (stdout);
    while (!s_stop)
        pause ();
    mg_stop (ctx);
    return 0;
}
