/*  r5_rpc: protobuf over the broker. Packs a request, calls a service through
    r5_client, and unpacks its reply, so callers deal in messages, not frames. */
#ifndef R5_RPC_H
#define R5_RPC_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include "r5_client.h"
#include "r5/common.pb-c.h"

//  Service names on the broker.
#define R5_SERVICE_TOKEN    "r5.token"
#define R5_SERVICE_AUTHZ    "r5.authz"
#define R5_SERVICE_RESOURCE "r5.resource"

//  Largest message any service accepts or sends (the gateway's body cap is
//  1 MiB; a reply can list up to 100 objects).
#define R5_RPC_MAX_MESSAGE (4 * 1024 * 1024)

//  Pack a message into a malloc'd buffer; the caller frees it.
uint8_t *r5_rpc_pack (const ProtobufCMessage *message, size_t *size);

//  Call a service and unpack its reply. Returns the reply (free it with
//  protobuf_c_message_free_unpacked (reply, NULL)) or NULL with *status set to
//  UNAVAILABLE, DEADLINE_EXCEEDED or MALFORMED. Set idempotent only for calls
//  that are safe to repeat: they are resent when an instance dies.
ProtobufCMessage *r5_rpc_call (r5_client_t *client, const char *service,
                               const ProtobufCMessage *request,
                               const ProtobufCMessageDescriptor *reply_descriptor,
                               int timeout_ms, bool idempotent, R5__Status *status);

//  Show r5_rpc_client_duration_seconds (r5_metrics) before the first call.
void r5_rpc_register_metrics (void);

//  Fill meta for an outgoing call: a deadline timeout_ms from now, the caller's
//  name, the request id (copied from the incoming call when there is one),
//  and the thread's trace (r5_log context; borrowed: call before it changes).
void r5_rpc_meta_init (R5__RequestMeta *meta, const char *caller, const char *request_id,
                       int timeout_ms);

//  In a service, once a request is unpacked: make its request id and trace
//  (meta's trace id when valid, else a new trace) this thread's logging
//  context, in a span of its own, until r5_service_reply clears it. meta may
//  be NULL.
void r5_rpc_meta_enter (const R5__RequestMeta *meta);

//  The one message of NOT_FOUND, whatever the cause: a missing object, another
//  account's, one the caller may not see, another user's own. Clients cannot
//  tell them apart by the text; the cause goes to the debug log only.
#define R5_NOT_FOUND_MESSAGE "not found"

//  The lowercase name of a status ("not found"), for logs.
const char *r5_status_name (R5__Status status);

#endif
