/*  gateway_http: body reads, JSON responses, headers, cookies.  */
#include "gateway_http.h"
#include "gateway_access.h"
#include "gateway_health.h"
#include "r5_alloc.h"
#include "r5_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  Largest single read of a request body (see gateway_http_read_body).
#define S_READ_PIECE 1024

//  True when text is one or more digits and nothing else.
static bool
s_is_digits (const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++)
        if (*text < '0' || *text > '9')
            return false;
    return true;
}

int
gateway_http_begin_request (struct mg_connection *conn)
{
    const struct mg_request_info *info = mg_get_request_info (conn);
    int lengths = 0, encodings = 0;
    bool numeric = true;
    for (int i = 0; i < info->num_headers; i++) {
        const char *name = info->http_headers [i].name;
        if (strcasecmp (name, "Content-Length") == 0) {
            lengths++;
            numeric &= s_is_digits (info->http_headers [i].value);
        }
        else
        if (strcasecmp (name, "Transfer-Encoding") == 0)
            encodings++;
    }
    if (lengths > 1 || encodings > 1 || (lengths && encodings) || !numeric) {
        //  The connection closes after the answer: the bytes after these
        //  headers are never read as another request.
        mg_disable_connection_keep_alive (conn);
        gateway_http_send_error (conn, 400, "ambiguous message framing: one Content-Length or one Transfer-Encoding");
        return 400;
    }
    const char *method = info->request_method;
    if (!strcmp (method, "GET") || !strcmp (method, "HEAD") || !strcmp (method, "POST"))
        return 0;
    const char *allow = "Allow: GET, HEAD, POST, OPTIONS\r\n";
    if (!strcmp (method, "OPTIONS")) {
        //  No CORS headers: browsers on other origins get no access.
        gateway_http_send_head (conn, 204, NULL, 0, allow);
        return 204;
    }
    json_t *body = json_pack ("{s:s}", "error", "method not allowed");
    gateway_http_send_json (conn, 405, NULL, body, allow);
    json_decref (body);
    return 405;
}

char *
gateway_http_read_body (struct mg_connection *conn, size_t cap, int deadline_ms, size_t *size, int *status)
{
    int64_t deadline = r5_now_ms () + deadline_ms;
    long long declared = mg_get_request_info (conn)->content_length;
    if (declared > (long long) cap) {
        *status = 413;
        return NULL;
    }
    //  Read until the declared length (or the end, for chunked bodies), never
    //  past the cap, in small pieces: civetweb's mg_read waits until it has
    //  all it was asked for, so a piece is what a trickling client can hold
    //  a thread for past the deadline.
    size_t capacity = declared >= 0 ? (size_t) declared + 1 : S_READ_PIECE + 1;
    char *buffer = r5_malloc (capacity);
    size_t length = 0;
    *status = 0;
    while (!*status && (declared < 0 || (long long) length < declared)) {
        if (length + 1 >= capacity) {       //  chunked: grow toward the cap
            if (capacity > cap) {
                *status = 413;
                break;
            }
            capacity = capacity * 2 > cap + 2 ? cap + 2 : capacity * 2;
            buffer = r5_realloc (buffer, capacity);
        }
        size_t want = capacity - length - 1;
        int got = mg_read (conn, buffer + length, want < S_READ_PIECE ? want : S_READ_PIECE);
        if (got == 0)
            break;
        if (got < 0)
            *status = 400;
        else
        if (r5_now_ms () > deadline)
            *status = 408;
        else
        if ((length += (size_t) got) > cap)
            *status = 413;
    }
    if (!*status && declared >= 0 && (long long) length != declared)
        *status = 400;
    if (*status) {
        free (buffer);
        return NULL;
    }
    buffer [length] = 0;
    *size = length;
    return buffer;
}

char *
gateway_http_read_body_or_answer (struct mg_connection *conn, size_t cap, int deadline_ms, const char *too_large,
                                  size_t *size, int *status)
{
    char *body = gateway_http_read_body (conn, cap, deadline_ms, size, status);
    if (!body)
        gateway_http_send_error (conn, *status, *status == 413 ? too_large : "cannot read request body");
    return body;
}

//  A JSON answer's head: status, reason, type, length, the access headers
//  (request id, trace) and the caller's extra headers.
#define S_HEAD_FORMAT "HTTP/1.1 %d %s\r\n"                      \
                      "Content-Type: %s\r\n"                    \
                      "Content-Length: %zu\r\n"                 \
                      "Cache-Control: no-store\r\n"             \
                      "X-Content-Type-Options: nosniff\r\n"     \
                      "%s%s"                                    \
                      "\r\n"

void
gateway_http_send_json (struct mg_connection *conn, int status, const char *content_type,
                        json_t *body, const char *extra_headers)
{
    char *text = json_dumps (body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t length = text ? strlen (text) : 0;
    //  Headers and body leave in one write: two small writes meet Nagle and
    //  delayed ACK and cost a client 40 ms per response. The headers are
    //  formatted apart and the body copied once after them (through printf
    //  it was copied a piece at a time into a buffer grown by doubling).
    char head [512];
    const char *reason = mg_get_response_code_text (conn, status);
    const char *type = content_type ? content_type : "application/json; charset=utf-8";
    const char *access = gateway_access_header (conn), *extra = extra_headers ? extra_headers : "";
    int head_size = snprintf (head, sizeof head, S_HEAD_FORMAT, status, reason, type, length, access, extra);
    char *response = head_size >= 0 ? r5_malloc ((size_t) head_size + length + 1) : NULL;
    long long size = 0;
    if (response) {
        //  Formatted again in place when the headers did not fit the stack.
        if ((size_t) head_size < sizeof head)
            memcpy (response, head, (size_t) head_size);
        else
            snprintf (response, (size_t) head_size + 1, S_HEAD_FORMAT, status, reason, type, length, access, extra);
        if (length)
            memcpy (response + head_size, text, length);
        size = (long long) head_size + (long long) length;
        mg_write (conn, response, (size_t) size);
    }
    gateway_access_sent (conn, status, size);
    free (response);
    free (text);
}

void
gateway_http_send_head (struct mg_connection *conn, int status, const char *content_type, size_t length,
                        const char *extra_headers)
{
    char type [160] = "", content_length [48] = "";
    if (content_type)
        snprintf (type, sizeof type, "Content-Type: %s\r\n", content_type);
    //  A 204 has no body and says no length.
    if (status != 204)
        snprintf (content_length, sizeof content_length, "Content-Length: %zu\r\n", length);
    char head [512];
    int size = snprintf (head, sizeof head, "HTTP/1.1 %d %s\r\n%s%s%s%s\r\n", status,
                         mg_get_response_code_text (conn, status), type, content_length,
                         gateway_access_header (conn), extra_headers ? extra_headers : "");
    if (size > 0 && (size_t) size < sizeof head)
        mg_write (conn, head, (size_t) size);
    gateway_access_sent (conn, status, (long long) length + (size > 0 ? size : 0));
}

void
gateway_http_send_error (struct mg_connection *conn, int status, const char *message)
{
    json_t *body = json_pack ("{s:s}", "error", message);
    //  Every 503 of r5 is a transient failure (a failover, a restart): say when to come back.
    gateway_http_send_json (conn, status, NULL, body, status == 503 ? "Retry-After: 1\r\n" : NULL);
    json_decref (body);
}

const char *
gateway_json_string (json_t *object, const char *key, const char *otherwise)
{
    json_t *value = json_object_get (object, key);
    return json_is_string (value) ? json_string_value (value) : otherwise;
}

const char *
gateway_http_header (struct mg_connection *conn, const char *name)
{
    return mg_get_header (conn, name);
}

int
gateway_http_is_json (struct mg_connection *conn)
{
    const char *type = mg_get_header (conn, "Content-Type");
    if (!type)
        return 0;
    while (*type == ' ')
        type++;
    size_t length = strcspn (type, "; ");
    return length == 16 && strncasecmp (type, "application/json", 16) == 0;
}

int
gateway_http_cookie (struct mg_connection *conn, const char *name, char *out, size_t size)
{
    const char *header = mg_get_header (conn, "Cookie");
    if (!header)
        return -1;
    return mg_get_cookie (header, name, out, size) >= 0 ? 0 : -1;
}

const char *
gateway_http_client_ip (struct mg_connection *conn, int trust_proxy, char *out, size_t size)
{
    const char *forwarded = trust_proxy ? mg_get_header (conn, "X-Forwarded-For") : NULL;
    if (forwarded) {
        //  The left-most address is the client's, as the proxy appended it.
        size_t length = strcspn (forwarded, ", ");
        snprintf (out, size, "%.*s", (int) (length < size ? length : size - 1), forwarded);
    }
    else
        snprintf (out, size, "%s", mg_get_request_info (conn)->remote_addr);
    return out;
}

int
gateway_http_check_origin (struct mg_connection *conn, const char *public_origin)
{
    if (!gateway_http_is_json (conn))
        return -1;
    const char *origin = gateway_http_header (conn, "Origin");
    if (!origin)
        return -1;
    if (*public_origin)
        return strcmp (origin, public_origin) == 0 ? 0 : -1;
    const char *host = gateway_http_header (conn, "Host");
    if (!host)
        return -1;
    char expected [300];
    snprintf (expected, sizeof expected, "%s://%s",
              mg_get_request_info (conn)->is_ssl ? "https" : "http", host);
    return strcmp (origin, expected) == 0 ? 0 : -1;
}

//  The q value of one media range's parameters (";q=0.5"): 1 when absent.
static double
s_quality (const char *parameters, size_t length)
{
    for (size_t i = 0; i + 2 < length; i++)
        if (parameters [i] == ';') {
            size_t at = i + 1;
            while (at < length && parameters [at] == ' ')
                at++;
            if (at + 1 < length && (parameters [at] == 'q' || parameters [at] == 'Q') && parameters [at + 1] == '=')
                return strtod (parameters + at + 2, NULL);
        }
    return 1;
}

const char *
gateway_http_graphql_media_type (struct mg_connection *conn)
{
    const char *accept = mg_get_header (conn, "Accept");
    static const char s_graphql [] = "application/graphql-response+json";
    //  Each media range of the list: graphql-response+json wins when it is
    //  accepted at all (q above 0); anything else, or no Accept, is a legacy
    //  client's application/json.
    while (accept && *accept) {
        accept += strspn (accept, " ,");
        size_t range = strcspn (accept, ",");
        size_t name = strcspn (accept, ";, ");
        if (name == sizeof s_graphql - 1 && strncasecmp (accept, s_graphql, name) == 0
        &&  s_quality (accept + name, range - name) > 0)
            return GATEWAY_HTTP_GRAPHQL_RESPONSE;
        accept += range;
    }
    return GATEWAY_HTTP_JSON;
}
