/*  gateway_http: small HTTP helpers over civetweb — bounded body reads, JSON
    responses with the headers every response carries, and request headers. */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <civetweb.h>
#include <jansson.h>
#include <stddef.h>

//  civetweb's begin_request callback, before any handler or the static tree:
//  - a request whose framing is ambiguous (Content-Length with
//    Transfer-Encoding, repeated or non-numeric Content-Length, repeated
//    Transfer-Encoding) gets 400 and its connection is closed, so nothing
//    can be smuggled behind it;
//  - methods other than GET, HEAD and POST get 405 (OPTIONS: 204), so
//    civetweb's WebDAV and PUT/DELETE never run.
//  Returns 0 to let civetweb go on, or the status it answered.
int gateway_http_begin_request (struct mg_connection *conn);

//  Read the whole body, in a loop, up to cap bytes. Returns a malloc'd,
//  NUL-terminated buffer (size in *size), or NULL with *status set: 413 when
//  the body is over the cap, 400 when it ended early or was not readable,
//  408 when it took longer than deadline_ms to arrive.
char *gateway_http_read_body (struct mg_connection *conn, size_t cap, int deadline_ms, size_t *size, int *status);

//  gateway_http_read_body for the endpoints that answer {"error": message}:
//  a failure is answered here (too_large is the message of a 413) and NULL
//  returned with its status in *status.
char *gateway_http_read_body_or_answer (struct mg_connection *conn, size_t cap, int deadline_ms,
                                        const char *too_large, size_t *size, int *status);

//  Send a JSON document with status and content type; extra_headers is NULL
//  or "Name: value\r\n" lines. Steals nothing: the caller still owns body.
//  Send a status line and headers (with the request's X-Request-Id); the
//  caller writes the length bytes of body after it.
void gateway_http_send_head (struct mg_connection *conn, int status, const char *content_type, size_t length,
                             const char *extra_headers);

void gateway_http_send_json (struct mg_connection *conn, int status, const char *content_type,
                             json_t *body, const char *extra_headers);

//  Send {"error": message} (the /auth endpoints' error shape); a 503 comes
//  with Retry-After.
void gateway_http_send_error (struct mg_connection *conn, int status, const char *message);

//  The string member key of a JSON object, or otherwise when it is absent or
//  not a string (borrowed from object).
const char *gateway_json_string (json_t *object, const char *key, const char *otherwise);

//  Case-insensitive header lookup; NULL when absent.
const char *gateway_http_header (struct mg_connection *conn, const char *name);

//  True when the Content-Type's media type is application/json (parameters ignored).
int gateway_http_is_json (struct mg_connection *conn);

//  Copy the value of cookie name into out (size bytes). 0 when found.
int gateway_http_cookie (struct mg_connection *conn, const char *name, char *out, size_t size);

//  The CSRF rule for a state-changing request made with the session cookie:
//  JSON content type, and an Origin header equal to public_origin (or, when
//  that is "", to this request's own scheme and Host). 0 when it passes.
int gateway_http_check_origin (struct mg_connection *conn, const char *public_origin);

//  The client's address as seen by the gateway (the TLS proxy's X-Forwarded-For
//  is trusted only when trust_proxy is set).
const char *gateway_http_client_ip (struct mg_connection *conn, int trust_proxy, char *out, size_t size);

//  The two media types of a GraphQL answer (GraphQL-over-HTTP).
#define GATEWAY_HTTP_JSON "application/json; charset=utf-8"
#define GATEWAY_HTTP_GRAPHQL_RESPONSE "application/graphql-response+json; charset=utf-8"

//  The media type to answer a GraphQL request with: graphql-response+json when
//  the request's Accept lists it with a q above 0, else application/json (no
//  Accept, application/json, a wildcard: the spec's legacy clients).
const char *gateway_http_graphql_media_type (struct mg_connection *conn);

#endif
