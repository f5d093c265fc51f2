/*  gateway_health: liveness, readiness, metrics.  */
#include "gateway_health.h"
#include "gateway_http.h"
#include "r5_admin.h"
#include "r5_metrics.h"
#include "r5_rpc.h"
#include "r5_time.h"

#define S_READY_TIMEOUT_MS 1000

int
gateway_health_healthz (struct mg_connection *conn, void *gateway)
{
    json_t *body = json_pack ("{s:s}", "status", "ok");
    gateway_http_send_json (conn, 200, NULL, body, NULL);
    json_decref (body);
    return 200;
}

int
gateway_health_readyz (struct mg_connection *conn, void *gateway)
{
    //  Stopping: load balancers take this gateway out of rotation at once.
    if (atomic_load (&((gateway_t *) gateway)->draining)) {
        json_t *body = json_pack ("{s:s}", "status", "draining");
        gateway_http_send_json (conn, 503, NULL, body, NULL);
        json_decref (body);
        return 503;
    }
    //  An empty envelope is a request every service answers (with a status of
    //  its own): getting any reply proves broker, worker and dispatch are alive.
    static const char *s_services [] = { R5_SERVICE_TOKEN, R5_SERVICE_AUTHZ, R5_SERVICE_RESOURCE };
    r5_client_t *client = gateway_thread (conn)->client;
    int64_t deadline = r5_now_ms () + S_READY_TIMEOUT_MS;
    uint64_t ids [3];
    for (int i = 0; i < 3; i++)
        ids [i] = client ? r5_client_send (client, s_services [i], "", 0, deadline) : 0;
    json_t *services = json_object ();
    bool ready = true;
    for (int i = 0; i < 3; i++) {
        zframe_t *reply = NULL;
        int rc = ids [i] ? r5_client_wait (client, ids [i], &reply) : R5_RPC_UNAVAILABLE;
        json_object_set_new (services, s_services [i], json_string (rc == 0 ? "ok" : "unavailable"));
        ready &= rc == 0;
        zframe_destroy (&reply);
    }
    json_t *body = json_pack ("{s:s,s:o}", "status", ready ? "ready" : "unavailable", "services", services);
    gateway_http_send_json (conn, ready ? 200 : 503, NULL, body, NULL);
    json_decref (body);
    return ready ? 200 : 503;
}

/*  ---------------------------------------------------------------------
    Metrics: every HTTP request passes begin_request and end_request; the
    counters of gateway_t and its cache are read at each scrape. */

//  Routes by path: exact, or a prefix when it ends in '/'; anything else is
//  the web UI's files (or their 404).
static const struct {
    const char *path;
    const char *label;
} s_routes [] = {
    { "/graphql", "route=\"graphql\"" },
    { "/schema.graphql", "route=\"schema\"" },
    { "/auth/", "route=\"auth\"" },
    { "/integrations/", "route=\"integrations\"" },
    { "/secret-scanning/verify", "route=\"secret_scanning\"" },
    { "/healthz", "route=\"healthz\"" },
    { "/readyz", "route=\"readyz\"" },
    { "/metrics", "route=\"metrics\"" },
    { "/explorer/", "route=\"explorer\"" },
    { NULL, "route=\"web\"" },
};
#define S_ROUTES (sizeof s_routes / sizeof s_routes [0])
static const char *s_route_labels [S_ROUTES];

static const char *const s_kind_labels [] = {
    "operation=\"none\"", "operation=\"query\"", "operation=\"mutation\"", "operation=\"subscription\""
};
#define S_KINDS (sizeof s_kind_labels / sizeof s_kind_labels [0])

//  The statuses the gateway and civetweb answer; any other is "other".
static const int s_codes [] = { 200, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 411, 413,
                                415, 416, 429, 431, 500, 501, 503, 505 };
#define S_CODES (sizeof s_codes / sizeof s_codes [0])
static char s_code_texts [S_CODES + 1][16];
static const char *s_code_labels [S_CODES + 1];

static const char *const *
s_make_routes (size_t *count)
{
    for (size_t i = 0; i < S_ROUTES; i++)
        s_route_labels [i] = s_routes [i].label;
    *count = S_ROUTES;
    return s_route_labels;
}

static const char *const *
s_make_codes (size_t *count)
{
    for (size_t i = 0; i <= S_CODES; i++) {
        if (i < S_CODES)
            snprintf (s_code_texts [i], sizeof s_code_texts [i], "code=\"%d\"", s_codes [i]);
        else
            snprintf (s_code_texts [i], sizeof s_code_texts [i], "code=\"other\"");
        s_code_labels [i] = s_code_texts [i];
    }
    *count = S_CODES + 1;
    return s_code_labels;
}

static size_t
s_route_slot (const char *path)
{
    for (size_t i = 0; s_routes [i].path; i++) {
        size_t length = strlen (s_routes [i].path);
        bool prefix = s_routes [i].path [length - 1] == '/';
        if (prefix ? strncmp (path, s_routes [i].path, length) == 0 : strcmp (path, s_routes [i].path) == 0)
            return i;
    }
    return S_ROUTES - 1;
}

static size_t
s_code_slot (int code)
{
    for (size_t i = 0; i < S_CODES; i++)
        if (s_codes [i] == code)
            return i;
    return S_CODES;
}

static _Atomic (gateway_t *) s_gateway;

#define S_READ_COUNTER(function, field) \
    static double function (size_t series) { \
        (void) series; \
        gateway_t *gw = atomic_load (&s_gateway); \
        return gw ? (double) atomic_load (&gw->field) : 0; \
    }
S_READ_COUNTER (s_requests, requests_total)
S_READ_COUNTER (s_unauthenticated, requests_unauthenticated)
S_READ_COUNTER (s_failed, requests_failed)
S_READ_COUNTER (s_hits, cache_hits)
S_READ_COUNTER (s_misses, cache_misses)
S_READ_COUNTER (s_document_hits, document_hits)
S_READ_COUNTER (s_document_misses, document_misses)

static double
s_entries (size_t series)
{
    (void) series;
    gateway_t *gw = atomic_load (&s_gateway);
    return gw ? (double) gateway_cache_size (gw->cache) : 0;
}

static double
s_feed_current (size_t series)
{
    (void) series;
    gateway_t *gw = atomic_load (&s_gateway);
    return gw && gateway_cache_current (gw->cache) ? 1 : 0;
}

static r5_metrics_family_t s_http = {
    .name = "r5_gateway_http_request_duration_seconds",
    .help = "HTTP requests this gateway answered, from their headers to the end of the answer, by route, "
            "GraphQL operation kind (none outside /graphql or before parsing) and status code.",
    .type = R5_METRICS_HISTOGRAM,
    .labels = { R5_METRICS_LABELS_MADE (s_make_routes), R5_METRICS_LABELS (s_kind_labels, S_KINDS),
                R5_METRICS_LABELS_MADE (s_make_codes) }
};

#define S_FAMILY(name_, type_, read_, help_) { .name = (name_), .help = (help_), .type = (type_), .read = (read_) }
static r5_metrics_family_t s_families [] = {
    S_FAMILY ("r5_gateway_requests_total", R5_METRICS_COUNTER, s_requests, "GraphQL requests received (/graphql)."),
    S_FAMILY ("r5_gateway_requests_unauthenticated_total", R5_METRICS_COUNTER, s_unauthenticated,
              "GraphQL requests answered 401."),
    S_FAMILY ("r5_gateway_requests_failed_total", R5_METRICS_COUNTER, s_failed, "GraphQL requests answered 5xx."),
    S_FAMILY ("r5_gateway_verdict_cache_hits_total", R5_METRICS_COUNTER, s_hits,
              "Token verifications answered from the verdict cache."),
    S_FAMILY ("r5_gateway_verdict_cache_misses_total", R5_METRICS_COUNTER, s_misses,
              "Token verifications the verdict cache could not answer (r5-token was asked)."),
    S_FAMILY ("r5_gateway_verdict_cache_entries", R5_METRICS_GAUGE, s_entries, "Verdicts held in the cache now."),
    S_FAMILY ("r5_gateway_document_cache_hits_total", R5_METRICS_COUNTER, s_document_hits,
              "GraphQL documents taken parsed and validated from the document cache."),
    S_FAMILY ("r5_gateway_document_cache_misses_total", R5_METRICS_COUNTER, s_document_misses,
              "GraphQL documents parsed and validated because the document cache did not hold them."),
    S_FAMILY ("r5_gateway_event_feed_current", R5_METRICS_GAUGE, s_feed_current,
              "1 while every event relay's heartbeat is recent (the verdict cache is used), else 0."),
};

void
gateway_health_metrics_start (gateway_t *gw)
{
    r5_metrics_register_process ();
    r5_metrics_register (&s_http);
    for (size_t i = 0; i < sizeof s_families / sizeof s_families [0]; i++)
        r5_metrics_register (&s_families [i]);
    atomic_store (&s_gateway, gw);
}

void
gateway_health_metrics_stop (gateway_t *gw)
{
    gateway_t *expected = gw;
    atomic_compare_exchange_strong (&s_gateway, &expected, NULL);
}

void
gateway_health_begin_request (struct mg_connection *conn)
{
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    if (thread) {
        thread->started_ns = r5_metrics_now_ns ();
        thread->operation_kind = 0;
    }
}

void
gateway_health_end_request (const struct mg_connection *conn, int status)
{
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    const struct mg_request_info *info = mg_get_request_info (conn);
    if (!thread || !info || !thread->started_ns)
        return;
    r5_metrics_observe (&s_http, s_route_slot (info->local_uri ? info->local_uri : ""),
                        (size_t) thread->operation_kind, s_code_slot (status),
                        r5_metrics_now_ns () - thread->started_ns);
    thread->started_ns = 0;
}

void
gateway_health_note_operation (struct mg_connection *conn, int type)
{
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    if (thread && type >= 0 && (size_t) type + 1 < S_KINDS)
        thread->operation_kind = type + 1;
}

int
gateway_health_metrics (struct mg_connection *conn, void *gateway)
{
    (void) gateway;
    //  Through gateway_http_send_head: the X-Request-Id every response carries.
    size_t length;
    char *text = r5_metrics_render (&length);
    gateway_http_send_head (conn, 200, "text/plain; version=0.0.4; charset=utf-8", length, "Cache-Control: no-store\r\n");
    mg_write (conn, text, length);
    free (text);
    return 200;
}
