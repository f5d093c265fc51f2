/*  gateway_http: small HTTP helpers over civetweb — bounded body reads, JSON
    responses with the headers every response carries, and request headers. */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <civetweb.h>
#include <jansson.h>
#include <stddef.h>

//  Read the whole body, in a loop, up to cap bytes. Returns a malloc'd,
//  NUL-terminated buffer (size in *size), or NULL with *status set: 413 when
//  the body is over the cap, 400 when it ended early or was not readable,
//  411 when chunked bodies exceed the cap as well.
char *gateway_http_read_body (struct mg_connection *conn, size_t cap, size_t *size, int *status);

//  Send a JSON document with status and content type; extra_headers is NULL
//  or "Name: value\r\n" lines. Steals nothing: the caller still owns body.
void gateway_http_send_json (struct mg_connection *conn, int status, const char *content_type,
                             json_t *body, const char *extra_headers);

//  Send {"error": message} (the /auth endpoints' error shape).
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

//  The client's address as seen by the gateway (the TLS proxy's X-Forwarded-For
//  is trusted only when trust_proxy is set).
const char *gateway_http_client_ip (struct mg_connection *conn, int trust_proxy, char *out, size_t size);

#endif
