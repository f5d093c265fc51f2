/*  gateway_health: liveness, readiness, metrics.  */
#include "gateway_health.h"
#include "gateway_http.h"
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

int
gateway_health_metrics (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    char text [2048];
    int length = snprintf (text, sizeof text,
        "# TYPE r5_gateway_requests_total counter\n"
        "r5_gateway_requests_total %llu\n"
        "# TYPE r5_gateway_requests_unauthenticated_total counter\n"
        "r5_gateway_requests_unauthenticated_total %llu\n"
        "# TYPE r5_gateway_requests_failed_total counter\n"
        "r5_gateway_requests_failed_total %llu\n"
        "# TYPE r5_gateway_verdict_cache_hits_total counter\n"
        "r5_gateway_verdict_cache_hits_total %llu\n"
        "# TYPE r5_gateway_verdict_cache_misses_total counter\n"
        "r5_gateway_verdict_cache_misses_total %llu\n"
        "# TYPE r5_gateway_verdict_cache_entries gauge\n"
        "r5_gateway_verdict_cache_entries %zu\n"
        "# TYPE r5_gateway_event_feed_current gauge\n"
        "r5_gateway_event_feed_current %d\n",
        (unsigned long long) atomic_load (&gw->requests_total),
        (unsigned long long) atomic_load (&gw->requests_unauthenticated),
        (unsigned long long) atomic_load (&gw->requests_failed),
        (unsigned long long) atomic_load (&gw->cache_hits),
        (unsigned long long) atomic_load (&gw->cache_misses),
        gateway_cache_size (gw->cache), gateway_cache_current (gw->cache) ? 1 : 0);
    mg_printf (conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\n"
                     "Cache-Control: no-store\r\n\r\n%s", length, text);
    return 200;
}
