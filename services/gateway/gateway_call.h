/*  gateway_call: how a resolver calls a service on behalf of the request's
    caller — the request id, the principal's signed assertion, the call
    with its deadline, request bodies built from a field's arguments through
    gateway_codec, statuses as field errors through the one table in
    gateway_status, and the connection shape of a page. */
#ifndef GATEWAY_CALL_H
#define GATEWAY_CALL_H

#include "gateway_private.h"
#include "gateway_ratelimit.h"
#include "gql.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

//  What every resolver of one request sees (gql_resolve_info_t.context).
typedef struct {
    gateway_t *gw;
    gateway_thread_t *thread;
    const gateway_principal_t *principal;
    const char *request_id;
    //  The request's Idempotency-Key header (NULL: none) and whether a create
    //  mutation took it: it names one create, so a second one is refused.
    const char *idempotency_key;
    bool idempotency_key_taken;
    //  Mutation fields run so far: each one's calls carry the request id
    //  with ".<n>" added, so services tell its resends (same id) from the
    //  request's other mutations.
    unsigned mutations;
    //  The caller's budget as this request left it (Query.rateLimit; NULL:
    //  limits off) and whether it is a dry run (gateway_rate.h).
    const gateway_rate_t *rate;
    bool dry_run;
} gateway_request_t;

//  The Idempotency-Key of the request for one create mutation: the key
//  (borrowed), NULL when the request has none, or NULL with error set
//  (BAD_USER_INPUT) when an earlier create of the request took it.
const char *gateway_idempotency_key (gateway_request_t *context, gql_field_error_t *error);

//  A request id for logs and for the services: 16 hex characters.
void gateway_request_id (char out [17]);

//  The caller as the services see it: the assertion r5-token signed (bytes
//  borrowed from principal).
void gateway_principal_assertion (const gateway_principal_t *principal, R5__PrincipalAssertion *assertion);

//  A service status as a field error, through the one status table (masked
//  where it says so); SCOPE_MISSING names required_scope. Returns -1.
int gateway_field_error (gql_field_error_t *error, R5__Status status, const char *message, R5__Scope required_scope);

//  Copy an error to another parent (extensions are owned per error).
void gateway_field_error_copy (gql_field_error_t *to, const gql_field_error_t *from);

//  Call a service on behalf of the request's caller (meta with the assertion,
//  request id and deadline is set into *meta_slot for the call). Returns the
//  unpacked reply whatever its status, or NULL with error set when the service
//  could not be reached.
ProtobufCMessage *gateway_call (gateway_request_t *context, const char *service, ProtobufCMessage *request,
                                R5__RequestMeta **meta_slot, const ProtobufCMessageDescriptor *reply_descriptor,
                                bool idempotent, gql_field_error_t *error);

//  Build the body of a request envelope (TokenRequest, ResourceRequest) from
//  a field's arguments: the arguments and the fields of their `input` object
//  as one object, with the fields of preset (JSON text or NULL) over them, go
//  through gateway_codec into the message of the envelope's oneof member
//  number body_case, which is set. Returns that message (free it with
//  protobuf_c_message_free_unpacked after the call), or NULL with error set.
ProtobufCMessage *gateway_call_body (ProtobufCMessage *envelope, unsigned body_case, json_t *args,
                                     const char *preset, gql_field_error_t *error);

//  The page size a connection field asks for: `first` from 1 to 100 (20 when
//  absent). 0, or -1 with error set.
int gateway_page_first (json_t *args, int *first, gql_field_error_t *error);

//  {nodes, edges: [{cursor: node id, node}], pageInfo} over nodes (stolen).
json_t *gateway_connection (json_t *nodes, bool has_next_page, const char *end_cursor);

#endif
