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

//  Give every parent of a root field (twice when aliased) result (stolen),
//  or, when it is NULL, the first parent's error. Returns 0 or -1.
int gateway_for_all (json_t *result, size_t count, json_t **results, gql_field_error_t *errors);

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

//  Page sizes of every connection: first or last 1 to 100, first 20 when
//  neither is given.
#define GATEWAY_PAGE_MAX      100
#define GATEWAY_PAGE_DEFAULT  20

//  A connection field's page arguments, checked, cursors decoded.
typedef struct {
    int first;                  //  1 to 100, or 0 when last is given
    int last;                   //  1 to 100, or 0
    char *after;                //  the service's cursor, or NULL
    char *before;               //  the service's cursor, or NULL
    bool count;                 //  totalCount is selected: ask for the count
} gateway_page_t;

//  Read first, last, after and before from info's arguments into page, the
//  cursors as opaque cursors of the list kind ("users", "tokens"...), and
//  whether info's field selects totalCount. 0, or -1 with error set
//  (BAD_USER_INPUT: a size out of bounds, first with last, a cursor that is
//  malformed or of another list) and nothing held.
int gateway_page_read (const gql_resolve_info_t *info, const char *kind, gateway_page_t *page,
                       gql_field_error_t *error);

//  info's arguments with page's values over them (cursors decoded, count),
//  for gateway_call_body or a request of one's own. The caller decrefs it.
json_t *gateway_page_args (const gql_resolve_info_t *info, const gateway_page_t *page);

//  Free what gateway_page_read holds in page.
void gateway_page_clear (gateway_page_t *page);

//  An opaque handle (a cursor, a global id): base64url of
//  "<version>:<kind>:<inner>", where inner is a service's value (an id, a
//  service cursor: [0-9a-z], 1 to 64 characters). The caller frees it. NULL
//  when inner (off the bus) is not such a value.
#define GATEWAY_OPAQUE_KIND_SIZE 33
char *gateway_opaque_encode (const char *version, const char *kind, const char *inner);

//  The inner value of handle, a handle of version, with its kind in kind;
//  NULL when handle is not one (malformed, another version, an inner value no
//  service makes). The caller frees it.
char *gateway_opaque_decode (const char *version, const char *handle, char kind [GATEWAY_OPAQUE_KIND_SIZE]);

//  The opaque cursor of a service's cursor inner in list kind. The caller
//  frees it. NULL when inner (off the bus) is not a service's cursor.
char *gateway_cursor_encode (const char *kind, const char *inner);

//  What a service answered about a page, borrowed.
typedef struct {
    bool has_next_page;
    bool has_previous_page;
    const char *start_cursor;   //  service cursors ("" or NULL: none)
    const char *end_cursor;
    bool count;                 //  total_count was asked for
    int64_t total_count;
} gateway_page_info_t;

//  {nodes, edges: [{cursor, node}], pageInfo, totalCount when counted} over
//  nodes (stolen); each edge's cursor is the opaque one of the service's
//  cursor at the same index of cursors (stolen; NULL: the node's id).
json_t *gateway_connection (json_t *nodes, json_t *cursors, const char *kind, const gateway_page_info_t *page_info);

#endif
