/*  gateway_access: request ids, trace and the access line of one HTTP request.  */
#include "gateway_access.h"
#include "gateway_call.h"
#include "gateway_http.h"
#include "gateway_private.h"
#include "r5_alloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

//  Routes by path prefix, for the access line: the path itself is not
//  logged, as /integrations/<key> holds a credential.
static const struct {
    const char *prefix;
    bool exact;
    const char *route;
} s_routes [] = {
    { "/graphql", true, "/graphql" },
    { "/schema.graphql", true, "/schema.graphql" },
    { "/auth/signup", true, "/auth/signup" },
    { "/auth/login", true, "/auth/login" },
    { "/auth/logout", true, "/auth/logout" },
    { "/integrations/", false, "/integrations/{key}" },
    { "/secret-scanning/verify", true, "/secret-scanning/verify" },
    { "/healthz", true, "/healthz" },
    { "/readyz", true, "/readyz" },
    { "/metrics", true, "/metrics" },
    { "/explorer/", false, "/explorer/" },
};

static const char *
s_route (const char *path)
{
    for (size_t i = 0; path && i < sizeof s_routes / sizeof s_routes [0]; i++)
        if (s_routes [i].exact ? strcmp (path, s_routes [i].prefix) == 0
                               : strncmp (path, s_routes [i].prefix, strlen (s_routes [i].prefix)) == 0)
            return s_routes [i].route;
    return "static";
}

static int64_t
s_monotonic_us (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

//  The thread's exchange, made on first use (admin threads have one too).
static gateway_exchange_t *
s_exchange (const struct mg_connection *conn)
{
    gateway_thread_t *thread = (gateway_thread_t *) mg_get_thread_pointer (conn);
    if (!thread)
        return NULL;
    if (!thread->exchange)
        thread->exchange = r5_calloc (1, sizeof (gateway_exchange_t));
    return thread->exchange;
}

void
gateway_access_begin (struct mg_connection *conn)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    if (!exchange)
        return;
    gateway_t *gw = (gateway_t *) mg_get_user_data (mg_get_context (conn));
    memset (exchange, 0, sizeof *exchange);
    exchange->open = true;
    exchange->started_us = s_monotonic_us ();
    exchange->bytes = -1;
    gateway_request_id (exchange->bus_id);
    //  A client's id is for its logs and ours: shown, never sent on the bus.
    const char *asked = mg_get_header (conn, "X-Request-Id");
    snprintf (exchange->request_id, sizeof exchange->request_id, "%s",
              r5_request_id_valid (asked) ? asked : exchange->bus_id);
    snprintf (exchange->header, sizeof exchange->header, "X-Request-Id: %s\r\n", exchange->request_id);
    r5_trace_parent_t parent;
    if (r5_trace_parse (mg_get_header (conn, "traceparent"), &parent) == 0) {
        memcpy (exchange->trace_id, parent.trace_id, sizeof exchange->trace_id);
        memcpy (exchange->parent_span_id, parent.span_id, sizeof exchange->parent_span_id);
    }
    else
        r5_trace_new_id (exchange->trace_id, R5_TRACE_ID_HEX);
    r5_trace_new_id (exchange->span_id, R5_SPAN_ID_HEX);
    if (gw)
        gateway_http_client_ip (conn, gw->config.trust_proxy, exchange->client, sizeof exchange->client);
    r5_log_context_set (exchange->bus_id, exchange->trace_id, exchange->span_id);
}

void
gateway_access_end (const struct mg_connection *conn, int civetweb_status)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    if (!exchange || !exchange->open)
        return;
    exchange->open = false;
    gateway_t *gw = (gateway_t *) mg_get_user_data (mg_get_context (conn));
    if (gw && gw->config.access_log && r5_log_enabled (R5_LOG_INFO)) {
        const struct mg_request_info *info = mg_get_request_info (conn);
        bool own_id = strcmp (exchange->request_id, exchange->bus_id) == 0;
        r5_log_field_t fields [16] = {
            R5_LOG_TEXT_FIELD ("method", info->request_method),
            R5_LOG_TEXT_FIELD ("route", s_route (info->local_uri)),
            R5_LOG_NUMBER_FIELD ("status", exchange->status ? exchange->status : civetweb_status),
            R5_LOG_NUMBER_FIELD ("duration_ms", (s_monotonic_us () - exchange->started_us) / 1000),
            R5_LOG_TEXT_FIELD ("client", exchange->client),
        };
        size_t count = 5;
        if (exchange->bytes >= 0)
            fields [count++] = (r5_log_field_t) R5_LOG_NUMBER_FIELD ("bytes", exchange->bytes);
        if (exchange->operation_type) {
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("operation", exchange->operation);
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("operation_type", exchange->operation_type);
        }
        if (*exchange->user_id) {
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("user_id", exchange->user_id);
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("token_id", exchange->token_id);
        }
        if (*exchange->parent_span_id)
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("parent_span_id", exchange->parent_span_id);
        //  The id the services logged, when the client named the request.
        if (!own_id)
            fields [count++] = (r5_log_field_t) R5_LOG_TEXT_FIELD ("bus_request_id", exchange->bus_id);
        r5_log_write_fields (R5_LOG_INFO, exchange->request_id, fields, count, "access");
    }
    r5_log_context_clear ();
}

const char *
gateway_access_bus_id (struct mg_connection *conn)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    return exchange ? exchange->bus_id : "";
}

const char *
gateway_access_header (struct mg_connection *conn)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    return exchange && exchange->open ? exchange->header : "";
}

int
gateway_access_add_header (struct mg_connection *conn, const char *lines)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    if (!exchange || !exchange->open)
        return -1;
    size_t used = strlen (exchange->header);
    if (used + strlen (lines) >= sizeof exchange->header)
        return -1;
    memcpy (exchange->header + used, lines, strlen (lines) + 1);
    return 0;
}

void
gateway_access_sent (struct mg_connection *conn, int status, long long bytes)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    if (exchange) {
        exchange->status = status;
        exchange->bytes = bytes;
    }
}

void
gateway_access_operation (struct mg_connection *conn, const gql_operation_t *operation)
{
    static const char *types [] = { [GQL_OP_QUERY] = "query", [GQL_OP_MUTATION] = "mutation",
                                    [GQL_OP_SUBSCRIPTION] = "subscription" };
    gateway_exchange_t *exchange = s_exchange (conn);
    if (!exchange || !operation)
        return;
    size_t length = operation->name.len < sizeof exchange->operation ? operation->name.len
                                                                     : sizeof exchange->operation - 1;
    memcpy (exchange->operation, operation->name.data ? operation->name.data : "", operation->name.data ? length : 0);
    exchange->operation [operation->name.data ? length : 0] = 0;
    exchange->operation_type = types [operation->type];
}

void
gateway_access_principal (struct mg_connection *conn, const gateway_principal_t *principal)
{
    gateway_exchange_t *exchange = s_exchange (conn);
    if (exchange) {
        snprintf (exchange->user_id, sizeof exchange->user_id, "%s", principal->user_id);
        snprintf (exchange->token_id, sizeof exchange->token_id, "%s", principal->token_id);
    }
}
