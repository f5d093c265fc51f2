/*  gateway_cors: cross-origin access to the GraphQL endpoint, from one
    explicit allow-list of exact origins (cors_origins). Only /graphql and
    /schema.graphql are ever shared cross-origin, and never with credentials:
    a page of an allowed origin calls them with a bearer token, and the
    session cookie stays same-origin (no Access-Control-Allow-Credentials). */
#ifndef GATEWAY_CORS_H
#define GATEWAY_CORS_H

#include <civetweb.h>
#include <stdbool.h>

//  Whether origin is one of list's origins (comma-separated, exact, spaces
//  around each ignored). Nothing is allowed when list or origin is NULL or "".
bool gateway_cors_allows (const char *list, const char *origin);

//  From begin_request, on the public listener: a CORS preflight (OPTIONS
//  with Origin and Access-Control-Request-Method) to a shared path from an
//  allowed origin gets 204 with the Access-Control-Allow-* headers, and
//  returns 204. Returns 0 for anything else (gateway_http_begin_request then
//  answers OPTIONS 204 with no CORS headers, which a browser refuses).
//  A real request to a shared path from an allowed origin gets its
//  Access-Control-Allow-Origin and Vary on every answer it is sent.
int gateway_cors_begin_request (struct mg_connection *conn, const char *list);

#endif
