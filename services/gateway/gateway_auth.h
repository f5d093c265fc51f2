/*  gateway_auth: who is calling. A bearer value (or the session cookie) is
    checked for shape and checksum here — a malformed value never reaches a
    service — then verified by r5-token, through the verdict cache. */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include "gateway_private.h"

//  Authenticate the request from "Authorization: Bearer <value>", or, when
//  there is none and allow_cookie is set, the session cookie. Returns OK with
//  *principal filled (and *from_cookie set), UNAUTHENTICATED, or UNAVAILABLE.
R5__Status gateway_authenticate (gateway_t *gw, struct mg_connection *conn, const char *request_id,
                                 bool allow_cookie, gateway_principal_t *principal, bool *from_cookie);

//  Verify one value (shape first, then cache, then r5-token), used from
//  client_ip with user_agent (the request's User-Agent, NULL when none;
//  cleaned here), which r5-token records for personal access tokens.
R5__Status gateway_auth_verify (gateway_t *gw, gateway_thread_t *thread, const char *value, size_t length,
                                const char *client_ip, const char *user_agent, const char *request_id,
                                gateway_principal_t *principal);

//  The one 401 answer, whatever the cause: same body, WWW-Authenticate: Bearer,
//  as content_type (the media type the client asked for; NULL: application/json).
void gateway_auth_send_401 (struct mg_connection *conn, const char *content_type);

//  The session cookie's name.
#define GATEWAY_SESSION_COOKIE "r5_session"

#endif
