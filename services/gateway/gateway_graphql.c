/*  gateway_graphql: the /graphql endpoint.  */
#include "gateway_graphql.h"
#include "gateway_access.h"
#include "gateway_apq.h"
#include "gateway_auth.h"
#include "gateway_call.h"
#include "gateway_health.h"
#include "gateway_http.h"
#include "gateway_json.h"
#include "gateway_rate.h"
#include "gateway_resources.h"
#include "gateway_tokens.h"
#include "gql.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <strings.h>

//  Room for every resolver entry of the schema (there are some 70).
#define S_MAX_RESOLVERS 128

//  The media type to answer with (gateway_http_graphql_media_type).
static const char *
s_content_type (struct mg_connection *conn)
{
    return gateway_http_graphql_media_type (conn);
}

//  The status of a GraphQL request error (parse, validation, bad variables):
//  400 for graphql-response+json clients; legacy application/json clients
//  get 200, as the GraphQL-over-HTTP spec says they SHOULD.
static int
s_request_error_status (struct mg_connection *conn)
{
    return strcmp (s_content_type (conn), GATEWAY_HTTP_GRAPHQL_RESPONSE) == 0 ? 400 : 200;
}

//  The headers of an answer: the request's X-RateLimit-* ones (once it is
//  authenticated, with limits on), then extra (may be NULL), into out.
static const char *
s_headers (struct mg_connection *conn, const char *extra, char *out, size_t size)
{
    snprintf (out, size, "%s%s", gateway_thread (conn)->rate_headers, extra ? extra : "");
    return out;
}

//  Send {"errors": [{message, locations?, extensions: {code}}]} with status.
static void
s_send_request_error (struct mg_connection *conn, int status, const char *code, const char *message,
                      const gql_loc_t *locations, size_t location_count, const char *extra_headers)
{
    char headers [GATEWAY_RATE_HEADERS_SIZE + 128];
    extra_headers = s_headers (conn, extra_headers, headers, sizeof headers);
    json_t *error = json_pack ("{s:s}", "message", message);
    if (location_count) {
        json_t *list = json_array ();
        for (size_t i = 0; i < location_count; i++)
            json_array_append_new (list, json_pack ("{s:i,s:i}", "line", (int) locations [i].line,
                                                    "column", (int) locations [i].column));
        json_object_set_new (error, "locations", list);
    }
    json_object_set_new (error, "extensions", json_pack ("{s:s}", "code", code));
    json_t *body = json_pack ("{s:[o]}", "errors", error);
    gateway_http_send_json (conn, status, s_content_type (conn), body, extra_headers);
    json_decref (body);
}

//  A copy of a JSON string, NUL bytes included (NUL-terminated as well).
static char *
s_strdup_json (json_t *value)
{
    if (!json_is_string (value))
        return NULL;
    size_t length = json_string_length (value);
    char *copy = r5_malloc (length + 1);
    memcpy (copy, json_string_value (value), length);
    copy [length] = 0;
    return copy;
}

void
gateway_graphql_params_clear (gateway_graphql_params_t *params)
{
    free (params->query);
    free (params->operation_name);
    json_decref (params->variables);
    memset (params, 0, sizeof *params);
}

//  Read extensions (an object, null or absent) into params: Apollo's
//  persistedQuery {version: 1, sha256Hash: 64 hex digits}. Returns NULL, or a
//  constant message for a 400 answer.
static const char *
s_read_extensions (json_t *extensions, gateway_graphql_params_t *params)
{
    if (extensions && !json_is_object (extensions) && !json_is_null (extensions))
        return "extensions must be an object or null";
    json_t *persisted = json_object_get (extensions, "persistedQuery");
    if (!persisted || json_is_null (persisted))
        return NULL;
    json_t *version = json_object_get (persisted, "version");
    const char *hash = json_string_value (json_object_get (persisted, "sha256Hash"));
    if (!json_is_object (persisted) || !hash)
        return "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}";
    if (version && !(json_is_integer (version) && json_integer_value (version) == 1))
        return "unsupported persisted query version";
    size_t decoded = 0;
    if (strlen (hash) != 2 * sizeof params->persisted_hash
    ||  sodium_hex2bin (params->persisted_hash, sizeof params->persisted_hash, hash, strlen (hash), NULL,
                        &decoded, NULL) != 0
    ||  decoded != sizeof params->persisted_hash)
        return "extensions.persistedQuery.sha256Hash must be 64 hex digits";
    params->persisted = true;
    return NULL;
}

const char *
gateway_graphql_params_parse (const char *body, size_t size, int max_json_depth,
                              gateway_graphql_params_t *params)
{
    memset (params, 0, sizeof *params);
    const char *problem = NULL;
    json_t *json = gateway_json_parse (body, size, max_json_depth, &problem);
    json_t *query = json_object_get (json, "query");
    json_t *operation = json_object_get (json, "operationName");
    json_t *variables = json_object_get (json, "variables");
    json_t *extensions = json_object_get (json, "extensions");
    if (!json)
        ;   //  problem says why
    else
    if (!json_is_object (json))
        problem = "body must be a JSON object with a query";
    else
    if (operation && !json_is_string (operation) && !json_is_null (operation))
        problem = "operationName must be a string or null";
    else
    if (variables && !json_is_object (variables) && !json_is_null (variables))
        problem = "variables must be an object or null";
    else
    if ((problem = s_read_extensions (extensions, params)))
        ;
    else
    //  A persisted query's hash may stand in for its text.
    if (!json_is_string (query) && !(params->persisted && (!query || json_is_null (query))))
        problem = "query must be a string";
    if (!problem) {
        params->query = s_strdup_json (query);
        params->query_length = params->query ? json_string_length (query) : 0;
        params->operation_name = s_strdup_json (operation);
        params->variables = json_is_object (variables) ? json_incref (variables) : NULL;
    }
    else
        memset (params, 0, sizeof *params);
    json_decref (json);
    return problem;
}

//  Read the parameters of a POST. Returns 0, or the HTTP status after answering.
static int
s_read_post (gateway_t *gw, struct mg_connection *conn, gateway_graphql_params_t *params)
{
    if (!gateway_http_is_json (conn)) {
        s_send_request_error (conn, 415, "BAD_REQUEST", "POST /graphql needs Content-Type: application/json",
                              NULL, 0, NULL);
        return 415;
    }
    size_t size;
    int status;
    char *body = gateway_http_read_body (conn, gw->config.max_body, gw->config.request_timeout_ms, &size, &status);
    if (!body) {
        s_send_request_error (conn, status, status == 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
                              status == 413 ? "request body too large" : "cannot read request body", NULL, 0, NULL);
        return status;
    }
    const char *problem = gateway_graphql_params_parse (body, size, gw->config.max_json_depth, params);
    free (body);
    if (problem) {
        s_send_request_error (conn, 400, "BAD_REQUEST", problem, NULL, 0, NULL);
        return 400;
    }
    return 0;
}

const char *
gateway_graphql_params_from_query_string (const char *query_string, int max_json_depth,
                                          gateway_graphql_params_t *params)
{
    memset (params, 0, sizeof *params);
    size_t length = query_string ? strlen (query_string) : 0;
    char *buffer = r5_malloc (length + 1);
    int got = query_string ? mg_get_var (query_string, length, "query", buffer, length + 1) : -1;
    if (got >= 0) {
        params->query = buffer;
        params->query_length = (size_t) got;
        buffer = r5_malloc (length + 1);
    }
    if (query_string && mg_get_var (query_string, length, "operationName", buffer, length + 1) > 0)
        params->operation_name = r5_strdup (buffer);
    //  variables and extensions: JSON objects (or null), depth-checked like a body.
    static const char *s_json_parameters [] = { "variables", "extensions" };
    const char *problem = NULL;
    for (int i = 0; i < 2 && !problem && query_string; i++) {
        int got_json = mg_get_var (query_string, length, s_json_parameters [i], buffer, length + 1);
        if (got_json <= 0)
            continue;
        json_t *value = gateway_json_parse (buffer, (size_t) got_json, max_json_depth, &problem);
        if (value && !json_is_object (value) && !json_is_null (value))
            problem = i == 0 ? "variables must be a JSON object" : "extensions must be a JSON object";
        if (!problem && i == 1)
            problem = s_read_extensions (value, params);
        if (!problem && i == 0 && json_is_object (value))
            params->variables = value;
        else
            json_decref (value);
    }
    free (buffer);
    //  A persisted query's hash may stand in for its text.
    if (!problem && !params->query && !params->persisted)
        problem = "missing query parameter";
    if (problem)
        gateway_graphql_params_clear (params);
    return problem;
}

//  Read the parameters of a GET from the query string.
static int
s_read_get (gateway_t *gw, struct mg_connection *conn, gateway_graphql_params_t *params)
{
    const char *query_string = mg_get_request_info (conn)->query_string;
    size_t length = query_string ? strlen (query_string) : 0;
    if (length > gw->config.max_body) {
        s_send_request_error (conn, 413, "PAYLOAD_TOO_LARGE", "query string too large", NULL, 0, NULL);
        return 413;
    }
    const char *problem = gateway_graphql_params_from_query_string (query_string, gw->config.max_json_depth, params);
    if (problem) {
        s_send_request_error (conn, 400, "BAD_REQUEST", problem, NULL, 0, NULL);
        return 400;
    }
    return 0;
}

//  The parse error's code: the limits are QUERY_TOO_COMPLEX, the rest a failed parse.
static const char *
s_parse_error_code (gql_error_code_t code)
{
    switch (code) {
        case GQL_ERR_TOO_MANY_TOKENS:
        case GQL_ERR_TOO_DEEP:
        case GQL_ERR_TOO_MANY_ALIASES:
        case GQL_ERR_TOO_MANY_DIRECTIVES:
            return "QUERY_TOO_COMPLEX";
        default:
            return "GRAPHQL_PARSE_FAILED";
    }
}

//  Replace the message of every INTERNAL error of a response by a generic one:
//  internal details never reach clients (they are in the logs).
static void
s_mask_errors (json_t *response)
{
    size_t index;
    json_t *error;
    json_array_foreach (json_object_get (response, "errors"), index, error) {
        const char *code = json_string_value (json_object_get (json_object_get (error, "extensions"), "code"));
        if (code && streq (code, "INTERNAL"))
            json_object_set_new (error, "message", json_string ("internal error"));
    }
}

//  Whether an error of response has code: UNAVAILABLE (a store failing over,
//  a service restarting, a write concern not yet met: a retry may succeed) or
//  UNAUTHENTICATED (a service refused the request's principal: its credential
//  stopped counting after it was verified, a deactivation whose event had not
//  arrived yet).
static bool
s_has_error (json_t *response, const char *code)
{
    size_t index;
    json_t *error;
    json_array_foreach (json_object_get (response, "errors"), index, error) {
        const char *found = json_string_value (json_object_get (json_object_get (error, "extensions"), "code"));
        if (found && streq (found, code))
            return true;
    }
    return false;
}

//  Whether response carries no data at all: data null, or each of its fields.
static bool
s_no_data (json_t *response)
{
    json_t *data = json_object_get (response, "data");
    const char *key;
    json_t *value;
    json_object_foreach (data, key, value)
        if (!json_is_null (value))
            return false;
    return true;
}

//  Answer 429 RATE_LIMITED (the headers say when the budget comes back).
static int
s_send_rate_limited (struct mg_connection *conn, const gateway_rate_t *rate)
{
    char message [160];
    char reset [R5_TIME_TEXT_SIZE];
    snprintf (message, sizeof message, "rate limit exceeded: %" PRId64 " of %" PRId64 " points used, resets at %s",
              rate->used, rate->limit, r5_time_format (rate->reset_at * 1000, reset));
    s_send_request_error (conn, 429, "RATE_LIMITED", message, NULL, 0, NULL);
    return 429;
}

//  The rate limits of a valid operation, before it runs (gateway_rate.h):
//  its cost and node count; past the node limit QUERY_TOO_COMPLEX (a request
//  error, charged nothing); then its cost is spent from the caller's budget
//  (nothing for a dry run), 429 when over it. Sets the request's headers.
//  Returns 0 to run it, or the HTTP status after answering.
static int
s_charge (gateway_t *gw, struct mg_connection *conn, const gateway_principal_t *principal,
          const gql_document_t *document, const gql_operation_t *operation, const gateway_graphql_params_t *params,
          gateway_rate_t *rate)
{
    memset (rate, 0, sizeof *rate);
    gql_cost_options_t options = { .default_page_size = 20 };
    gql_cost_t cost;
    int computed = gql_cost_compute (gw->schema, document, params->operation_name, params->variables, &options, &cost);
    if (computed == -2)
        r5_out_of_memory ("computing a GraphQL operation's cost");
    if (computed == 0 && cost.too_complex) {
        char message [200];
        snprintf (message, sizeof message, "the operation would touch %" PRIu64 " nodes, more than the %d allowed"
                  " (first/last multiply along nested connections)", cost.node_count, GQL_COST_MAX_NODES_DEFAULT);
        if (cost.node_count == UINT64_MAX)
            snprintf (message, sizeof message, "the operation would touch more than the %d nodes allowed"
                      " (first/last multiply along nested connections)", GQL_COST_MAX_NODES_DEFAULT);
        int status = s_request_error_status (conn);
        s_send_request_error (conn, status, "QUERY_TOO_COMPLEX", message, NULL, 0, NULL);
        return status;
    }
    if (!gw->ratelimit)
        return 0;
    bool dry_run = gateway_rate_dry_run (operation, params->variables);
    int64_t now_ms = r5_now_ms ();
    bool admitted = gateway_ratelimit_charge (gw->ratelimit, principal->user_id, dry_run ? 0 : (int64_t) cost.cost,
                                              now_ms, rate);
    rate->node_count = (int64_t) cost.node_count;
    if (dry_run)
        rate->cost = (int64_t) cost.cost;       //  what it would cost; nothing was spent
    gateway_rate_headers (rate, now_ms, gateway_thread (conn)->rate_headers);
    return admitted ? 0 : s_send_rate_limited (conn, rate);
}

//  The request's document, parsed and validated, from the gateway's cache
//  when its text was seen before (*held then holds it), else parsed here
//  (*parsed owns it; kept in the cache when there is one, and *held holds
//  it). NULL after answering a syntax or validation error (*status set).
static const gql_document_t *
s_document (gateway_t *gw, struct mg_connection *conn, const gateway_graphql_params_t *params,
            gateway_document_t **held, gql_document_t **parsed, int *status)
{
    if (gw->documents && (*held = gateway_documents_get (gw->documents, params->query, params->query_length))) {
        atomic_fetch_add (&gw->document_hits, 1);
        return gateway_document_ast (*held);
    }
    if (gw->documents)
        atomic_fetch_add (&gw->document_misses, 1);
    gql_limits_t limits;
    gql_limits_default (&limits);
    limits.max_bytes = gw->config.max_body;
    gql_error_t parse_error;
    //  A document the cache keeps owns its text: its names point into it.
    char *source = NULL;
    if (gw->documents) {
        source = (char *) r5_malloc (params->query_length + 1);
        memcpy (source, params->query, params->query_length);
        source [params->query_length] = 0;
    }
    //  The engine reports running out of memory; the gateway's answer to it is
    //  the process's (r5_alloc.h): stop with one line.
    *parsed = gql_parse (source ? source : params->query, params->query_length, &limits, &parse_error);
    if (!*parsed && parse_error.code == GQL_ERR_NOMEM)
        r5_out_of_memory ("parsing a GraphQL document");
    if (!*parsed) {
        free (source);
        char message [256];
        snprintf (message, sizeof message, "Syntax Error: %s", parse_error.message);
        gql_loc_t location = { parse_error.line, parse_error.column, parse_error.offset };
        *status = parse_error.code == GQL_ERR_TOO_LARGE ? 413 : s_request_error_status (conn);
        s_send_request_error (conn, *status, s_parse_error_code (parse_error.code), message, &location,
                              parse_error.line ? 1 : 0, NULL);
        return NULL;
    }
    gql_validation_error_t *errors = NULL;
    size_t error_count = 0;
    //  Suggestions spell out the schema: off whenever introspection is. A string
    //  holding NUL would be cut short in C: refused (BAD_USER_INPUT) once the
    //  document is otherwise valid.
    gql_validate_options_t validate_options = {
        .hide_suggestions = !gw->config.introspection,
        .refuse_nul_strings = true,
    };
    int valid = gql_validate_with (gw->schema, *parsed, &validate_options, &errors, &error_count);
    if (valid < 0)
        r5_out_of_memory ("validating a GraphQL document");
    if (valid != 0) {
        json_t *body = gql_validation_response (errors, error_count);
        if (!body)
            r5_out_of_memory ("answering a GraphQL validation failure");
        *status = s_request_error_status (conn);
        char headers [GATEWAY_RATE_HEADERS_SIZE];
        gateway_http_send_json (conn, *status, s_content_type (conn), body, s_headers (conn, NULL, headers, sizeof headers));
        json_decref (body);
        gql_validation_errors_free (&errors);
        gql_document_destroy (parsed);
        free (source);
        return NULL;
    }
    if (!source)
        return *parsed;
    *held = gateway_documents_put (gw->documents, &source, parsed);
    return gateway_document_ast (*held);
}

//  Run one valid document; answers the request.
static int
s_execute (gateway_t *gw, struct mg_connection *conn, const char *request_id, gateway_principal_t *principal,
           gateway_graphql_params_t *params, bool is_get, const gql_document_t *document)
{
    //  GET is for queries: a mutation must not ride on a link or a prefetch.
    const gql_operation_t *operation = gql_document_operation (document, params->operation_name,
                                                               params->operation_name ? strlen (params->operation_name) : 0);
    gateway_access_operation (conn, operation);
    if (operation)
        gateway_health_note_operation (conn, (int) operation->type);
    if (is_get && operation && operation->type != GQL_OP_QUERY) {
        s_send_request_error (conn, 405, "METHOD_NOT_ALLOWED", "mutations need POST", NULL, 0, "Allow: POST\r\n");
        return 405;
    }
    gateway_rate_t rate;
    int refused = s_charge (gw, conn, principal, document, operation, params, &rate);
    if (refused)
        return refused;
    gateway_request_t request = {
        .gw = gw,
        .thread = gateway_thread (conn),
        .principal = principal,
        .request_id = request_id,
        .idempotency_key = gateway_http_header (conn, "Idempotency-Key"),
        .rate = gw->ratelimit ? &rate : NULL,
        .dry_run = gateway_rate_dry_run (operation, params->variables),
    };
    bool request_error = false;
    json_t *response = gql_execute (gw->executor, document, params->operation_name, params->variables,
                                    &request, &request_error);
    if (!response)
        r5_out_of_memory ("executing a GraphQL operation");
    int status = 200;
    if (s_has_error (response, "UNAUTHENTICATED")) {
        //  The whole answer is the one 401, as if the credential had been
        //  refused at the door; its verdicts here go, so the next request is
        //  verified afresh.
        status = 401;
        gateway_cache_drop_user (gw->cache, principal->user_id);
        atomic_fetch_add (&gw->requests_unauthenticated, 1);
        gateway_auth_send_401 (conn, s_content_type (conn));
        json_decref (response);
    }
    else {
        s_mask_errors (response);
        //  A request error (no such operation, bad variables) has no data: 400 for
        //  graphql-response+json clients; legacy application/json clients get 200.
        const char *content_type = s_content_type (conn);
        if (request_error)
            status = s_request_error_status (conn);
        //  A transient failure says when to retry; when it left nothing to
        //  show, the answer is 503 as for a request that could not be served.
        const char *retry = NULL;
        if (!request_error && s_has_error (response, "UNAVAILABLE")) {
            retry = "Retry-After: 1\r\n";
            if (s_no_data (response))
                status = 503;
        }
        char headers [GATEWAY_RATE_HEADERS_SIZE + 32];
        gateway_http_send_json (conn, status, content_type, response, s_headers (conn, retry, headers, sizeof headers));
        json_decref (response);
    }
    return status;
}

//  Parse, validate and execute one request; answers it.
static int
s_run (gateway_t *gw, struct mg_connection *conn, const char *request_id, gateway_principal_t *principal,
       gateway_graphql_params_t *params, bool is_get)
{
    gateway_document_t *held = NULL;
    gql_document_t *parsed = NULL;
    int status = 0;
    const gql_document_t *document = s_document (gw, conn, params, &held, &parsed, &status);
    if (document)
        status = s_execute (gw, conn, request_id, principal, params, is_get, document);
    gateway_document_release (&held);
    gql_document_destroy (&parsed);
    return status;
}

//  Apollo's automatic persisted queries: a hash alone takes its text from
//  the cache; a hash with a text must be the text's SHA-256, and stores it.
//  Returns 0 with params->query set, or the HTTP status after answering.
static int
s_resolve_persisted (gateway_t *gw, struct mg_connection *conn, gateway_graphql_params_t *params)
{
    if (!params->persisted)
        return 0;
    if (!gw->apq) {
        s_send_request_error (conn, 200, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported",
                              NULL, 0, NULL);
        return 200;
    }
    if (params->query) {
        uint8_t hash [crypto_hash_sha256_BYTES];
        crypto_hash_sha256 (hash, (const unsigned char *) params->query, params->query_length);
        if (sodium_memcmp (hash, params->persisted_hash, sizeof hash) != 0) {
            s_send_request_error (conn, 400, "BAD_REQUEST", "provided sha does not match query", NULL, 0, NULL);
            return 400;
        }
        gateway_apq_put (gw->apq, hash, params->query, params->query_length);
        return 0;
    }
    params->query = gateway_apq_get (gw->apq, params->persisted_hash, &params->query_length);
    if (!params->query) {
        //  200, as Apollo's servers answer: the client sends the text next.
        s_send_request_error (conn, 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", NULL, 0, NULL);
        return 200;
    }
    return 0;
}

int
gateway_graphql_handle (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    //  No budget to show until the caller is known (the thread served others).
    gateway_thread (conn)->rate_headers [0] = 0;
    atomic_fetch_add (&gw->requests_total, 1);
    const char *method = mg_get_request_info (conn)->request_method;
    bool is_get = strcmp (method, "GET") == 0;
    if (!is_get && strcmp (method, "POST") != 0) {
        s_send_request_error (conn, 405, "METHOD_NOT_ALLOWED", "use POST (or GET for queries)", NULL, 0,
                              "Allow: GET, POST\r\n");
        return 405;
    }
    const char *request_id = gateway_access_bus_id (conn);
    gateway_principal_t principal;
    bool from_cookie = false;
    R5__Status status = gateway_authenticate (gw, conn, request_id, true, &principal, &from_cookie);
    if (status == R5__STATUS__STATUS_UNAUTHENTICATED) {
        atomic_fetch_add (&gw->requests_unauthenticated, 1);
        gateway_auth_send_401 (conn, s_content_type (conn));
        return 401;
    }
    if (status != R5__STATUS__STATUS_OK) {
        atomic_fetch_add (&gw->requests_failed, 1);
        s_send_request_error (conn, 503, "UNAVAILABLE", "service unavailable, try again", NULL, 0, "Retry-After: 1\r\n");
        return 503;
    }
    //  From here every answer carries the caller's budget; a spent one
    //  answers 429 before the request is even read.
    if (gw->ratelimit) {
        gateway_rate_t rate;
        int64_t now_ms = r5_now_ms ();
        gateway_ratelimit_charge (gw->ratelimit, principal.user_id, 0, now_ms, &rate);
        rate.refused = rate.remaining == 0;
        gateway_rate_headers (&rate, now_ms, gateway_thread (conn)->rate_headers);
        if (rate.refused)
            return s_send_rate_limited (conn, &rate);
    }
    //  CSRF: a browser sends the cookie on its own; only same-origin JSON POSTs may use it.
    if (from_cookie && !is_get && gateway_http_check_origin (conn, gw->config.public_origin)) {
        s_send_request_error (conn, 403, "FORBIDDEN", "cross-origin or non-JSON request refused", NULL, 0, NULL);
        return 403;
    }
    gateway_graphql_params_t params = { 0 };
    int rc = is_get ? s_read_get (gw, conn, &params) : s_read_post (gw, conn, &params);
    if (rc == 0)
        rc = s_resolve_persisted (gw, conn, &params);
    if (rc == 0 && params.query)
        rc = s_run (gw, conn, request_id, &principal, &params, is_get);
    if (rc >= 500)
        atomic_fetch_add (&gw->requests_failed, 1);
    gateway_graphql_params_clear (&params);
    return rc;
}

gql_executor_t *
gateway_graphql_executor_new (gateway_t *gw)
{
    //  One table: the token fields, then the viewer's and the resource types'.
    gql_resolver_entry_t all [S_MAX_RESOLVERS];
    size_t count = gateway_tokens_resolvers (all, S_MAX_RESOLVERS);
    count += gateway_resources_resolvers (all + count, S_MAX_RESOLVERS - count);
    count += gateway_rate_resolvers (all + count, S_MAX_RESOLVERS - count);
    assert (count < S_MAX_RESOLVERS);
    gql_exec_options_t options = { .disable_introspection = !gw->config.introspection };
    //  No access decisions in hooks: r5-resource enforces every decision
    //  (asking r5-authz) on each call the resolvers make. The one hook keeps
    //  a dry run (rateLimit(dryRun: true)) from running the other root fields.
    static const gql_exec_hooks_t s_hooks = { .field_access = gateway_rate_field_access };
    char error [256] = "";
    gql_executor_t *executor = gql_executor_new (gw->schema, all, count, &s_hooks, &options, error, sizeof error);
    if (!executor)
        r5_error (NULL, "cannot build the executor: %s", error);
    return executor;
}

void
gateway_graphql_executor_destroy (gql_executor_t **executor_p)
{
    gql_executor_destroy (executor_p);
}

int
gateway_graphql_schema (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    gateway_thread (conn)->rate_headers [0] = 0;
    //  The SDL says what introspection says: off together.
    if (!gw->config.introspection) {
        s_send_request_error (conn, 404, "NOT_FOUND", R5_NOT_FOUND_MESSAGE, NULL, 0, NULL);
        return 404;
    }
    const char *request_id = gateway_access_bus_id (conn);
    gateway_principal_t principal;
    bool from_cookie;
    R5__Status status = gateway_authenticate (gw, conn, request_id, true, &principal, &from_cookie);
    if (status != R5__STATUS__STATUS_OK) {
        if (status == R5__STATUS__STATUS_UNAUTHENTICATED)
            gateway_auth_send_401 (conn, s_content_type (conn));
        else
            s_send_request_error (conn, 503, "UNAVAILABLE", "service unavailable, try again", NULL, 0, "Retry-After: 1\r\n");
        return status == R5__STATUS__STATUS_UNAUTHENTICATED ? 401 : 503;
    }
    size_t length = strlen (gw->schema_sdl);
    gateway_http_send_head (conn, 200, "text/plain; charset=utf-8", length, "Cache-Control: no-cache\r\n");
    mg_write (conn, gw->schema_sdl, length);
    return 200;
}
