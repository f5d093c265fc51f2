/*  r5-gateway: HTTP (civetweb) in front of the r5 services.  */
#include "gateway.h"
#include "r5_build.h"
#include "r5_endpoints.h"
#include "r5_log.h"
#include "r5_service.h"

#include <czmq.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/resource.h>

//  Not const: an installed gateway replaces the build's defaults (schema_file,
//  web_root, explorer_root) with its share/r5 (s_use_installed_defaults).
static r5_config_key_t s_keys [] = {
    { "listen", "127.0.0.1:8080", "address:port to serve HTTP on (TLS is terminated in front, see deploy/)", false },
    { "admin_listen", "", "address:port for /metrics and /readyz alone (then not served on listen); empty: served on listen", false },
    { "threads", "1024", "HTTP worker threads: one per open connection, so the most connections served at once", false },
    { "request_timeout_ms", "10000", "longest a client may take to send a request's headers, and again its body (then 408 or closed)", false },
    { "keep_alive_timeout_ms", "5000", "an idle keep-alive connection is closed after this", false },
    { "events_subscribe", "tcp://127.0.0.1:5557", "comma-separated broker event endpoints (XPUB side) for cache invalidation", false },
    { "events_publish", "tcp://127.0.0.1:5556", "comma-separated broker event inputs (XSUB side) where this gateway confirms the events it applied", false },
    { "events_timeout_ms", "100", "the verdict cache is used only while every event relay's heartbeat is younger than this", false },
    { "schema_file", R5_SCHEMA_FILE, "the GraphQL schema (SDL) to serve", false },
    { "web_root", R5_WEB_ROOT, "directory of the web UI's files; empty disables the UI", false },
    { "explorer_root", R5_EXPLORER_ROOT, "directory of the built GraphQL explorer, served at /explorer/; empty disables it", false },
    { "max_body_bytes", "1048576", "largest accepted request body (413 above it)", false },
    { "max_json_depth", "64", "deepest nesting of arrays and objects accepted in a JSON body or parameter (400 above it)", false },
    { "rpc_timeout_ms", "5000", "deadline of each call to a service", false },
    { "introspection", "true", "answer __schema and __type queries", false },
    { "signup", "true", "allow POST /auth/signup to create accounts", false },
    { "trust_proxy", "false", "take the client address from X-Forwarded-For (only behind your TLS proxy)", false },
    { "secure_cookies", "false", "mark the session cookie Secure (set when served over HTTPS)", false },
    { "access_log", "true", "write one info line per HTTP request (request id, route, status, duration, caller)", false },
    { "public_origin", "", "the origin browsers use (https://r5.example.com) for the CSRF check; empty: the request's Host", false },
    { "apq_cache_entries", "1024", "query texts kept for automatic persisted queries, each up to 64 KiB (0: APQ off)", false },
    { "document_cache_entries", "1024", "parsed and validated documents kept by their text, each up to 32 KiB with its nodes (0: none)", false },
    { "rate_limit_points", "5000", "GraphQL points per user per window, shared by every gateway (0: no limit, no X-RateLimit headers)", false },
    { "rate_limit_window_seconds", "3600", "the rate limit's fixed window; keep 3600 (shorter only for tests)", false },
    { "cors_origins", "", "comma-separated exact origins (https://app.example.com) whose pages may call /graphql cross-origin; empty: no CORS", false },
    { "secret_scanning_keys", "", "file of secret scanners' public keys in GitHub's format ({\"public_keys\": [...]}) for POST /secret-scanning/verify; empty: no such route", false },
    { "verdict_cache_seconds", "30", "how long a token verification is reused at most (0: verify every request)", false },
    { "login_limit_per_email_and_address", "5/300", "BURST/SECONDS: login attempts for one email from one client address (refilled evenly over SECONDS)", false },
    { "login_limit_per_email", "20/300", "BURST/SECONDS: login attempts for one email from all addresses together", false },
    { "login_limit_per_address", "50/300", "BURST/SECONDS: login attempts from one client address (IPv6: its /64), any email", false },
    { "signup_limit_per_address", "5/3600", "BURST/SECONDS: signups from one client address (IPv6: its /64)", false },
    R5_CONFIG_COMMON_KEYS,
    { NULL, NULL, NULL, false }
};

//  Installed (<prefix>/bin/r5-gateway): serve <prefix>/share/r5/schema.graphql,
//  <prefix>/share/r5/web and <prefix>/share/r5/explorer by default. The
//  executable in the build tree keeps the source tree's (and the explorer the
//  build made), so a build runs in place.
static void
s_use_installed_defaults (void)
{
    static char schema [PATH_MAX + 32], web [PATH_MAX + 32], explorer [PATH_MAX + 32];
    char dir [PATH_MAX];
    if (r5_build_data_dir (R5_BUILT_EXE, dir, sizeof dir) != 0)
        return;
    snprintf (schema, sizeof schema, "%s/schema.graphql", dir);
    snprintf (web, sizeof web, "%s/web", dir);
    snprintf (explorer, sizeof explorer, "%s/explorer", dir);
    for (r5_config_key_t *key = s_keys; key->name; key++)
        if (streq (key->name, "schema_file"))
            key->default_value = schema;
        else
        if (streq (key->name, "web_root"))
            key->default_value = web;
        else
        if (streq (key->name, "explorer_root") && *key->default_value)
            key->default_value = explorer;
}

//  Open files a gateway of thread_count threads may need at once: per
//  thread, its client connection and its broker client (a socket's mailbox,
//  a connection per broker, and the monitor of its handshakes while it is
//  made), and a margin for the listeners, the event sockets, the web UI's
//  files and libzmq's own.
static rlim_t
s_files_needed (int64_t thread_count, const char *brokers)
{
    zlistx_t *endpoints = r5_endpoints_parse (brokers);
    rlim_t per_thread = 4 + (rlim_t) zlistx_size (endpoints);
    zlistx_destroy (&endpoints);
    return (rlim_t) thread_count * per_thread + 256;
}

//  Raise the soft limit on open files as far as the hard limit allows (a
//  systemd service starts at 1024), and refuse to start when even that is
//  below what the threads need: out of descriptors under load, libzmq
//  cannot make a thread's socket and the requests it would carry fail.
static int
s_reserve_files (int64_t thread_count, const char *brokers)
{
    rlim_t needed = s_files_needed (thread_count, brokers);
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > needed ? needed : limit.rlim_max;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        fprintf (stderr, "r5-gateway: %" PRId64 " threads need up to %llu open files, and this process may open "
                 "%llu: raise its limit (LimitNOFILE=, ulimit -n) or lower R5_THREADS\n",
                 thread_count, (unsigned long long) needed, (unsigned long long) limit.rlim_cur);
        return -1;
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    s_use_installed_defaults ();
    r5_config_t *config = r5_service_config ("r5-gateway", s_keys, argc, argv);
    r5_service_bus_keys ("r5-gateway", config, false);
    char error [256];
    int64_t rate_points, rate_window, apq_entries, document_entries, threads, request_timeout, keep_alive_timeout, max_body, max_json_depth, rpc_timeout, cache_seconds, events_timeout;
    if (r5_config_int (config, "threads", 1, 16384, &threads, error, sizeof error)
    ||  r5_config_int (config, "request_timeout_ms", 100, 600000, &request_timeout, error, sizeof error)
    ||  r5_config_int (config, "keep_alive_timeout_ms", 0, 600000, &keep_alive_timeout, error, sizeof error)
    ||  r5_config_int (config, "max_body_bytes", 1024, 64 * 1024 * 1024, &max_body, error, sizeof error)
    ||  r5_config_int (config, "max_json_depth", 1, 512, &max_json_depth, error, sizeof error)
    ||  r5_config_int (config, "rpc_timeout_ms", 10, 600000, &rpc_timeout, error, sizeof error)
    ||  r5_config_int (config, "verdict_cache_seconds", 0, 3600, &cache_seconds, error, sizeof error)
    ||  r5_config_int (config, "events_timeout_ms", 10, 60000, &events_timeout, error, sizeof error)
    ||  r5_config_int (config, "apq_cache_entries", 0, 1000000, &apq_entries, error, sizeof error)
    ||  r5_config_int (config, "document_cache_entries", 0, 1000000, &document_entries, error, sizeof error)
    ||  r5_config_int (config, "rate_limit_points", 0, 1000000000, &rate_points, error, sizeof error)
    ||  r5_config_int (config, "rate_limit_window_seconds", 1, 86400, &rate_window, error, sizeof error)) {
        fprintf (stderr, "r5-gateway: %s\n", error);
        return 2;
    }
    if (s_reserve_files (threads, r5_config_get (config, "brokers"))) {
        r5_config_destroy (&config);
        return 2;
    }
    static const char *limit_keys [] = { "login_limit_per_email_and_address", "login_limit_per_email",
                                         "login_limit_per_address", "signup_limit_per_address" };
    r5_limit_t limits [4];
    for (int i = 0; i < 4; i++)
        if (r5_limit_parse (r5_config_get (config, limit_keys [i]), &limits [i])) {
            fprintf (stderr, "r5-gateway: %s must be BURST/SECONDS (1..1000000/1..86400), not '%s'\n",
                     limit_keys [i], r5_config_get (config, limit_keys [i]));
            return 2;
        }
    gateway_config_t gateway_config = {
        .listen = r5_config_get (config, "listen"),
        .admin_listen = r5_config_get (config, "admin_listen"),
        .threads = (int) threads,
        .brokers = r5_config_get (config, "brokers"),
        .events = r5_config_get (config, "events_subscribe"),
        .events_publish = r5_config_get (config, "events_publish"),
        .events_timeout_ms = (int) events_timeout,
        .schema_file = r5_config_get (config, "schema_file"),
        .web_root = r5_config_get (config, "web_root"),
        .explorer_root = r5_config_get (config, "explorer_root"),
        .request_timeout_ms = (int) request_timeout,
        .keep_alive_timeout_ms = (int) keep_alive_timeout,
        .max_body = (size_t) max_body,
        .max_json_depth = (int) max_json_depth,
        .rpc_timeout_ms = (int) rpc_timeout,
        .introspection = r5_config_bool (config, "introspection"),
        .signup = r5_config_bool (config, "signup"),
        .trust_proxy = r5_config_bool (config, "trust_proxy"),
        .secure_cookies = r5_config_bool (config, "secure_cookies"),
        .access_log = r5_config_bool (config, "access_log"),
        .public_origin = r5_config_get (config, "public_origin"),
        .verdict_cache_seconds = (int) cache_seconds,
        .apq_cache_entries = (int) apq_entries,
        .document_cache_entries = (int) document_entries,
        .cors_origins = r5_config_get (config, "cors_origins"),
        .secret_scanning_keys = r5_config_get (config, "secret_scanning_keys"),
        .rate_limit_points = rate_points,
        .rate_limit_window_seconds = (int) rate_window,
        .login_limit_per_email_and_address = limits [0],
        .login_limit_per_email = limits [1],
        .login_limit_per_address = limits [2],
        .signup_limit_per_address = limits [3],
    };
    int grace_ms = r5_service_shutdown_grace_ms ("r5-gateway", config);
    gateway_t *gateway = gateway_new (&gateway_config, error, sizeof error);
    if (!gateway) {
        r5_error (NULL, "%s", error);
        r5_config_destroy (&config);
        return 1;
    }
    r5_info (NULL, "listening on %s (port %d)", gateway_config.listen, gateway_port (gateway));
    r5_admin_t *metrics = r5_service_metrics ("r5-gateway", config);
    printf ("r5-gateway ready port=%d admin_port=%d metrics_port=%d\n", gateway_port (gateway),
            gateway_admin_port (gateway), r5_admin_port (metrics));
    fflush (stdout);
    //  czmq's signal handler sets zsys_interrupted on SIGINT/SIGTERM.
    while (!zsys_interrupted)
        zclock_sleep (50);
    r5_info (NULL, "draining (grace %d ms)", grace_ms);
    int unfinished = gateway_drain (gateway, grace_ms);
    if (unfinished)
        r5_warn (NULL, "%d requests still in flight after the %d ms grace; stopping them", unfinished, grace_ms);
    r5_admin_destroy (&metrics);
    gateway_destroy (&gateway);
    r5_config_destroy (&config);
    r5_info (NULL, "stopped");
    return 0;
}
