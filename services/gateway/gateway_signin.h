/*  gateway_signin: the /auth endpoints for people — signup, login, logout.
    A login creates a session token (r5s_) held in an HttpOnly, SameSite=Strict
    cookie; every one of these POSTs must be application/json and pass the
    Origin check (CSRF). */
#ifndef GATEWAY_SIGNIN_H
#define GATEWAY_SIGNIN_H

#include "gateway_private.h"

int gateway_signin_signup (struct mg_connection *conn, void *gateway);
int gateway_signin_login (struct mg_connection *conn, void *gateway);
int gateway_signin_logout (struct mg_connection *conn, void *gateway);

//  The CSRF rule for a state-changing request: JSON content type, and an
//  Origin header equal to the public origin (or, when none is configured, to
//  this request's own scheme and Host). 0 when the request passes.
int gateway_signin_check_origin (gateway_t *gw, struct mg_connection *conn);

#endif
