/*  authz_server: the r5.authz worker: dispatch of CheckRequest, and the
    actor that serves it. r5-authz keeps no state of its own (every check
    carries the facts it is decided on); it holds only r5-token's public
    assertion key, since it decides for a principal only as r5-token signed it. */
#ifndef AUTHZ_SERVER_H
#define AUTHZ_SERVER_H

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>
#include "r5_sign.h"

typedef struct {
    const char *brokers;
    r5_sign_public_t assertion_verify_key;      //  r5-token's (r5_assertion.h)
} authz_config_t;

//  One packed AuthzRequest in, one packed AuthzReply out (see r5_reply.h),
//  *reply_size bytes; the caller frees it. A sender (caller: its roles, as
//  r5_request_caller gives them) other than r5-resource gets FORBIDDEN; a
//  request whose meta.assertion is missing, not signed with key, or expired
//  answers STATUS_UNAUTHENTICATED with no decisions.
uint8_t *authz_server_handle (const r5_sign_public_t *key, const char *caller, const uint8_t *body, size_t size,
                              size_t *reply_size);

//  zactor body of r5-authz: args is an authz_config_t * that outlives the
//  actor. Tells the pipe READY or "ERROR <line>" (see r5_service.h), then
//  serves "r5.authz" until $TERM or an interrupt.
void authz_server_actor (zsock_t *pipe, void *args);

#endif
