/*  gateway_server: civetweb set-up, per-thread broker clients, routes.  */
#include "gateway_private.h"
#include "gateway_access.h"
#include "gateway_cors.h"
#include "gateway_events.h"
#include "gateway_graphql.h"
#include "gateway_health.h"
#include "gateway_http.h"
#include "gateway_integrations.h"
#include "gateway_signin.h"
#include "gateway_stack.h"
#include "r5_alloc.h"
#include "r5_log.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>

//  Worker threads of the admin listener: operators and probes only.
#define S_ADMIN_THREADS 4

//  Verdicts kept at most; past this the cache is emptied and refills.
#define S_CACHE_MAX_ENTRIES 100000

//  Longest query text the persisted-query cache keeps (longer ones still
//  run, but are sent in full each time).
#define S_APQ_MAX_TEXT_BYTES (64 * 1024)

//  Most bytes one cached document takes, its text and its nodes (larger
//  ones still run, parsed each time): 1,024 entries stay under 32 MiB.
#define S_DOCUMENT_MAX_BYTES (32 * 1024)

//  Keys each sign-in throttle holds at most (roughly 130 bytes each).
#define S_THROTTLE_MAX_KEYS 65536

//  civetweb calls this in every thread it starts; each worker thread (type 1)
//  gets state of its own, so no socket is shared between threads.
static void *
s_init_thread (const struct mg_context *ctx, int thread_type)
{
    if (thread_type != 1)
        return NULL;
    //  Every bound in request handling is sized for this stack (gateway_stack.h).
    size_t stack = gateway_stack_size_of_this_thread ();
    if (stack < GATEWAY_WORKER_STACK_BYTES)
        r5_error (NULL, "worker thread stack is %zu bytes, below the %d bytes request handling is bounded for",
                  stack, GATEWAY_WORKER_STACK_BYTES);
    return r5_calloc (1, sizeof (gateway_thread_t));
}

gateway_thread_t *
gateway_thread (struct mg_connection *conn)
{
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    if (!thread->client) {
        gateway_t *gw = (gateway_t *) mg_get_user_data (mg_get_context (conn));
        thread->client = r5_client_new (gw->config.brokers);
        if (!thread->client)
            r5_error (NULL, "cannot create broker client for %s", gw->config.brokers);
    }
    return thread;
}

static void
s_exit_thread (const struct mg_context *ctx, int thread_type, void *pointer)
{
    gateway_thread_t *thread = (gateway_thread_t *) pointer;
    if (!thread)
        return;
    r5_client_destroy (&thread->client);
    free (thread->exchange);
    free (thread);
}

//  What operators and probes ask for: served while draining, so a probe
//  sees /readyz turn 503 and /healthz stay 200.
static bool
s_is_operator_path (const char *uri)
{
    static const char *s_paths [] = { "/healthz", "/readyz", "/metrics" };
    for (size_t i = 0; i < sizeof s_paths / sizeof s_paths [0]; i++)
        if (uri && streq (uri, s_paths [i]))
            return true;
    return false;
}

//  Every request on the public listener counts as in flight from here to
//  s_end_request; one that begins while draining is answered 503 unstarted.
static int
s_begin_request (struct mg_connection *conn)
{
    gateway_access_begin (conn);
    gateway_health_begin_request (conn);
    gateway_t *gw = (gateway_t *) mg_get_user_data (mg_get_context (conn));
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    bool public = mg_get_context (conn) == gw->civetweb;
    if (public && thread) {
        thread->in_request = true;
        atomic_fetch_add (&gw->in_flight, 1);
    }
    //  CORS on the public listener only (the admin listener is for
    //  operators), before any answer is sent, so that every answer has it.
    if (public) {
        int status = gateway_cors_begin_request (conn, gw->config.cors_origins);
        if (status)
            return status;
    }
    if (public && thread) {
        if (atomic_load (&gw->draining) && !s_is_operator_path (mg_get_request_info (conn)->local_uri)) {
            mg_disable_connection_keep_alive (conn);
            //  A GraphQL client reads a GraphQL answer, in the media type it asked for.
            const char *message = "this gateway is stopping: send the request again";
            const char *uri = mg_get_request_info (conn)->local_uri;
            bool graphql = uri && streq (uri, "/graphql");
            json_t *body = graphql ? json_pack ("{s:[{s:s,s:{s:s}}]}", "errors", "message", message,
                                                "extensions", "code", "UNAVAILABLE")
                                   : json_pack ("{s:s}", "error", message);
            gateway_http_send_json (conn, 503, graphql ? gateway_http_graphql_media_type (conn) : NULL, body,
                                    "Connection: close\r\nRetry-After: 1\r\n");
            json_decref (body);
            return 503;
        }
    }
    return gateway_http_begin_request (conn);
}

static void
s_end_request (const struct mg_connection *conn, int status)
{
    gateway_access_end (conn, status);
    gateway_health_end_request (conn, status);
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    if (thread && thread->in_request) {
        thread->in_request = false;
        gateway_t *gw = (gateway_t *) mg_get_user_data (mg_get_context (conn));
        atomic_fetch_sub (&gw->in_flight, 1);
    }
}

static int
s_log_message (const struct mg_connection *conn, const char *message)
{
    r5_warn (NULL, "civetweb: %s", message);
    return 1;
}

//  civetweb's own error answers (an unknown path, a missing file) as ours:
//  JSON with the request id, and the connection closed after it as civetweb
//  does. A request civetweb could not even parse has no exchange yet: it
//  gets one here, and its access line at once.
static int
s_http_error (struct mg_connection *conn, int status, const char *message)
{
    const char *header = gateway_access_header (conn);
    bool unparsed = !*header;
    if (unparsed) {
        gateway_access_begin (conn);
        gateway_health_begin_request (conn);
    }
    mg_disable_connection_keep_alive (conn);
    gateway_http_send_error (conn, status, message && *message ? message : mg_get_response_code_text (conn, status));
    if (unparsed)
        s_end_request (conn, status);
    return 0;
}

static char *
s_read_file (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = length >= 0 ? r5_malloc ((size_t) length + 1) : NULL;
    if (text && fread (text, 1, (size_t) length, file) != (size_t) length) {
        free (text);
        text = NULL;
    }
    fclose (file);
    if (text) {
        text [length] = 0;
        *size = (size_t) length;
    }
    return text;
}

//  r5 authenticates every request itself. Without an authorization handler
//  civetweb looks for an .htpasswd file before each request (a stat of
//  "/.htpasswd" for every handler-served URI, in 1.15), so a filesystem
//  call sat on the API's hot path and a stray file could put digest
//  authentication in front of the API.
static int
s_authorize_all (struct mg_connection *conn, void *unused)
{
    (void) conn;
    (void) unused;
    return 1;
}

//  Start one civetweb context on listen with the given worker threads, serving
//  web_root's files when it is set, and explorer_root's at /explorer/ with
//  them. NULL with one line in error.
static struct mg_context *
s_start (gateway_t *self, const char *listen, int thread_count, const char *web_root,
         const char *explorer_root, char *error, size_t error_size)
{
    char threads [16], request_timeout [16], keep_alive_timeout [16];
    snprintf (threads, sizeof threads, "%d", thread_count);
    snprintf (request_timeout, sizeof request_timeout, "%d", self->config.request_timeout_ms);
    snprintf (keep_alive_timeout, sizeof keep_alive_timeout, "%d", self->config.keep_alive_timeout_ms);
    const char *options [32];
    int n = 0;
    options [n++] = "listening_ports";       options [n++] = listen;
    options [n++] = "num_threads";           options [n++] = threads;
    options [n++] = "enable_keep_alive";     options [n++] = "yes";
    //  A connection holds a worker thread while it is open, so idle and slow
    //  clients are cut off soon: headers (and again the body) must arrive
    //  within the request timeout, and an idle keep-alive connection closes.
    options [n++] = "request_timeout_ms";    options [n++] = request_timeout;
    options [n++] = "keep_alive_timeout_ms"; options [n++] = keep_alive_timeout;
    options [n++] = "listen_backlog";        options [n++] = "1024";
    options [n++] = "tcp_nodelay";           options [n++] = "1";
    //  civetweb's own CORS (Access-Control-Allow-Origin: * on files, and on
    //  preflights) is off: gateway_cors answers from the cors_origins list.
    options [n++] = "access_control_allow_origin"; options [n++] = "";
    //  Every answer states its own type; nothing is sniffed or framed.
    options [n++] = "additional_header";
    options [n++] = "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
                    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    if (web_root && *web_root) {
        options [n++] = "document_root";     options [n++] = web_root;
        options [n++] = "enable_directory_listing"; options [n++] = "no";
        //  Revalidate (ETag) every time, so an upgrade's pages take effect at once.
        options [n++] = "static_file_cache_control"; options [n++] = "no-cache";
    }
    //  The explorer is built (bundled) into a directory of its own; civetweb
    //  maps the URI prefix onto it, under the same headers as the rest.
    char explorer [PATH_MAX + 32];
    if (web_root && *web_root && explorer_root && *explorer_root) {
        if (strpbrk (explorer_root, ",=")) {
            snprintf (error, error_size, "explorer_root must not contain ',' or '=': %s", explorer_root);
            return NULL;
        }
        snprintf (explorer, sizeof explorer, "/explorer/=%s/", explorer_root);
        options [n++] = "url_rewrite_patterns"; options [n++] = explorer;
    }
    options [n] = NULL;

    struct mg_callbacks callbacks = { 0 };
    callbacks.begin_request = s_begin_request;
    callbacks.end_request = s_end_request;
    callbacks.http_error = s_http_error;
    callbacks.init_thread = s_init_thread;
    callbacks.exit_thread = s_exit_thread;
    callbacks.log_message = s_log_message;
    struct mg_init_data init = { .callbacks = &callbacks, .user_data = self, .configuration_options = options };
    struct mg_error_data start_error = { 0 };
    char start_text [256] = "";
    start_error.text = start_text;
    start_error.text_buffer_size = sizeof start_text;
    struct mg_context *context = mg_start2 (&init, &start_error);
    if (!context)
        snprintf (error, error_size, "cannot listen on %s: %s", listen, start_text);
    else
        mg_set_auth_handler (context, "/", s_authorize_all, NULL);
    return context;
}

gateway_t *
gateway_new (const gateway_config_t *config, char *error, size_t error_size)
{
    gateway_t *self = r5_calloc (1, sizeof *self);
    self->config = *config;

    size_t sdl_size = 0;
    self->schema_sdl = s_read_file (config->schema_file, &sdl_size);
    if (!self->schema_sdl) {
        snprintf (error, error_size, "cannot read schema file %s", config->schema_file);
        goto fail;
    }
    gql_error_t gql_error;
    self->schema = gql_schema_new_from_sdl (self->schema_sdl, sdl_size, &gql_error);
    if (!self->schema) {
        snprintf (error, error_size, "schema %s:%u:%u: %s %s", config->schema_file, gql_error.line,
                  gql_error.column, gql_error.message, gql_error.detail);
        goto fail;
    }
    self->executor = gateway_graphql_executor_new (self);
    if (!self->executor) {
        snprintf (error, error_size, "cannot build the executor for %s", config->schema_file);
        goto fail;
    }
    //  One ZeroMQ socket per worker thread at most, plus the event subscriber;
    //  set before the first socket creates the context.
    zsys_set_max_sockets ((size_t) config->threads + S_ADMIN_THREADS + 64);
    r5_client_t *probe = r5_client_new (config->brokers);
    if (!probe) {
        snprintf (error, error_size, "cannot use broker endpoints '%s'", config->brokers ? config->brokers : "");
        goto fail;
    }
    r5_client_destroy (&probe);
    self->cache = gateway_cache_new (config->verdict_cache_seconds, S_CACHE_MAX_ENTRIES);
    self->apq = gateway_apq_new ((size_t) config->apq_cache_entries, S_APQ_MAX_TEXT_BYTES);
    self->documents = gateway_documents_new ((size_t) config->document_cache_entries, S_DOCUMENT_MAX_BYTES);
    //  A key file that cannot be used stops the start-up: reports would all be refused.
    if (config->secret_scanning_keys && *config->secret_scanning_keys) {
        self->leak_keys = gateway_leaks_keys_load (config->secret_scanning_keys, error, error_size);
        if (!self->leak_keys)
            goto fail;
    }
    self->ratelimit = gateway_ratelimit_new (config->rate_limit_points, config->rate_limit_window_seconds, 0,
                                             config->brokers, config->rpc_timeout_ms);
    self->events = gateway_events_new (config->events, config->events_publish, config->events_timeout_ms, self->cache);
    self->login_by_pair = r5_throttle_new (config->login_limit_per_email_and_address, S_THROTTLE_MAX_KEYS);
    self->login_by_email = r5_throttle_new (config->login_limit_per_email, S_THROTTLE_MAX_KEYS);
    self->login_by_address = r5_throttle_new (config->login_limit_per_address, S_THROTTLE_MAX_KEYS);
    self->signup_by_address = r5_throttle_new (config->signup_limit_per_address, S_THROTTLE_MAX_KEYS);

    gateway_health_metrics_start (self);
    self->civetweb = s_start (self, config->listen, config->threads, config->web_root,
                              config->explorer_root, error, error_size);
    if (!self->civetweb)
        goto fail;
    //  With an admin listener, what only operators need is served there alone.
    bool admin_apart = config->admin_listen && *config->admin_listen;
    if (admin_apart) {
        self->admin = s_start (self, config->admin_listen, S_ADMIN_THREADS, NULL, NULL, error, error_size);
        if (!self->admin)
            goto fail;
    }
    struct mg_context *operators = admin_apart ? self->admin : self->civetweb;
    mg_set_request_handler (self->civetweb, "/graphql$", gateway_graphql_handle, self);
    mg_set_request_handler (self->civetweb, "/schema.graphql$", gateway_graphql_schema, self);
    mg_set_request_handler (self->civetweb, "/auth/signup$", gateway_signin_signup, self);
    mg_set_request_handler (self->civetweb, "/auth/login$", gateway_signin_login, self);
    mg_set_request_handler (self->civetweb, "/auth/logout$", gateway_signin_logout, self);
    mg_set_request_handler (self->civetweb, "/integrations/", gateway_integrations_handle, self);
    mg_set_request_handler (self->civetweb, GATEWAY_LEAKS_PATH "$", gateway_leaks_handle, self);
    mg_set_request_handler (self->civetweb, "/healthz$", gateway_health_healthz, self);
    if (admin_apart)
        mg_set_request_handler (self->admin, "/healthz$", gateway_health_healthz, self);
    mg_set_request_handler (operators, "/readyz$", gateway_health_readyz, self);
    mg_set_request_handler (operators, "/metrics$", gateway_health_metrics, self);
    return self;

fail:
    gateway_destroy (&self);
    return NULL;
}

void
gateway_destroy (gateway_t **self_p)
{
    if (!*self_p)
        return;
    gateway_t *self = *self_p;
    if (self->civetweb)
        mg_stop (self->civetweb);
    if (self->admin)
        mg_stop (self->admin);
    gateway_health_metrics_stop (self);
    gateway_events_destroy (&self->events);
    gateway_cache_destroy (&self->cache);
    gateway_apq_destroy (&self->apq);
    gateway_documents_destroy (&self->documents);
    gateway_leaks_keys_destroy (&self->leak_keys);
    gateway_ratelimit_destroy (&self->ratelimit);
    r5_throttle_destroy (&self->login_by_pair);
    r5_throttle_destroy (&self->login_by_email);
    r5_throttle_destroy (&self->login_by_address);
    r5_throttle_destroy (&self->signup_by_address);
    gateway_graphql_executor_destroy (&self->executor);
    gql_schema_destroy (&self->schema);
    free (self->schema_sdl);
    free (self);
    *self_p = NULL;
}

int
gateway_drain (gateway_t *self, int grace_ms)
{
    atomic_store (&self->draining, true);
    int64_t until = zclock_mono () + grace_ms;
    //  civetweb cannot stop accepting without stopping its writes too
    //  (mg_stop cuts the answers in flight), so the gateway waits here.
    while (atomic_load (&self->in_flight) > 0 && zclock_mono () < until)
        zclock_sleep (5);
    return atomic_load (&self->in_flight);
}

//  The first TCP port a civetweb context listens on, or -1.
static int
s_port (struct mg_context *context)
{
    struct mg_server_port ports [4];
    int count = context ? mg_get_server_ports (context, 4, ports) : 0;
    return count > 0 ? ports [0].port : -1;
}

int
gateway_port (gateway_t *self)
{
    return s_port (self->civetweb);
}

int
gateway_admin_port (gateway_t *self)
{
    return s_port (self->admin);
}
