/*  gateway_resolvers: the GraphQL fields of schema.graphql mapped to service
    calls. Each resolver is a batch resolver (one call for all the parents of
    a level) and turns the services' Status into field errors through the one
    table in gateway_status. */
#ifndef GATEWAY_RESOLVERS_H
#define GATEWAY_RESOLVERS_H

#include "gateway_private.h"
#include "gql_execute.h"

//  What every resolver of one request sees (gql_resolve_info_t.context).
typedef struct {
    gateway_t *gw;
    gateway_thread_t *thread;
    const gateway_principal_t *principal;
    const char *request_id;
} gateway_request_t;

//  Helpers the resolver files share.

//  An instant as RFC 3339 in UTC with milliseconds; JSON null for 0 ("never").
json_t *gateway_time_json (int64_t unix_ms);

//  The caller as the services see it (strings borrowed from principal; scopes
//  is an array of R5_SCOPE_COUNT the message points into).
void gateway_principal_message (const gateway_principal_t *principal, R5__Principal *message, R5__Scope *scopes);

//  A service status as a field error, through the one status table (masked
//  where it says so); SCOPE_MISSING names required_scope. Returns -1.
int gateway_field_error (gql_field_error_t *error, R5__Status status, const char *message, R5__Scope required_scope);

//  Call a service on behalf of the request's caller (meta with the principal,
//  request id and deadline is set into *meta_slot for the call). Returns the
//  unpacked reply whatever its status, or NULL with error set when the service
//  could not be reached.
ProtobufCMessage *gateway_call (gateway_request_t *context, const char *service, ProtobufCMessage *request,
                                R5__RequestMeta **meta_slot, const ProtobufCMessageDescriptor *reply_descriptor,
                                bool idempotent, gql_field_error_t *error);

//  The resolver table and its length.
const gql_resolver_entry_t *gateway_resolvers (size_t *count);

//  Replace the message of every INTERNAL error of a response by a generic one:
//  internal details never reach clients (they are in the logs).
void gateway_resolvers_mask_errors (json_t *response);

#endif
