/*  gateway_signin: the /auth endpoints for people — signup, login, logout.
    A login creates a session token (r5s_) held in an HttpOnly, SameSite=Strict
    cookie; every one of these POSTs must be application/json and pass the
    Origin check (CSRF). */
#ifndef GATEWAY_SIGNIN_H
#define GATEWAY_SIGNIN_H

#include "gateway_private.h"
#include "r5/resource.pb-c.h"

#include <jansson.h>

int gateway_signin_signup (struct mg_connection *conn, void *gateway);
int gateway_signin_login (struct mg_connection *conn, void *gateway);
int gateway_signin_logout (struct mg_connection *conn, void *gateway);

//  The request-reading part of the /auth endpoints, apart from the connection
//  so the fuzz harness runs it as the handlers do. parse_body: the body as a
//  JSON object (no deeper than max_json_depth), or NULL with *problem set to a
//  constant message for a 400 answer. signup_fields / login_fields: point the
//  request's strings into json (borrowed); NULL, or the 400 message when one
//  is missing or not a string.
json_t *gateway_signin_parse_body (const char *body, size_t size, int max_json_depth, const char **problem);
const char *gateway_signin_signup_fields (json_t *json, R5__SignupRequest *signup);
const char *gateway_signin_login_fields (json_t *json, R5__CheckPasswordRequest *check);

#endif
