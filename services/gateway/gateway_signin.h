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

#endif
