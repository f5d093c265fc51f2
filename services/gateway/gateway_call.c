/*  gateway_call: calls to the services on behalf of the caller.  */
#include "gateway_call.h"
#include "gateway_codec.h"
#include "gateway_status.h"
#include "r5_log.h"
#include "r5_rpc.h"

#include <assert.h>
#include <sodium.h>

void
gateway_request_id (char out [17])
{
    uint8_t bytes [8];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (out, 17, bytes, sizeof bytes);
}

void
gateway_principal_assertion (const gateway_principal_t *principal, R5__PrincipalAssertion *assertion)
{
    r5__principal_assertion__init (assertion);
    assertion->claims.data = (uint8_t *) principal->assertion_claims;
    assertion->claims.len = principal->assertion_claims_size;
    assertion->signature.data = (uint8_t *) principal->assertion_signature;
    assertion->signature.len = sizeof principal->assertion_signature;
}

int
gateway_field_error (gql_field_error_t *error, R5__Status status, const char *message, R5__Scope required_scope)
{
    const gateway_status_t *mapped = gateway_status (status);
    gql_field_error_set (error, mapped->code, "%s", mapped->mask || !message || !*message ? mapped->message : message);
    if (status == R5__STATUS__STATUS_SCOPE_MISSING && r5_scope_name (required_scope)) {
        json_decref (error->extensions);
        error->extensions = json_pack ("{s:s}", "requiredScope", r5_scope_name (required_scope));
        snprintf (error->message, sizeof error->message, "the token lacks the %s scope", r5_scope_name (required_scope));
    }
    return -1;
}

void
gateway_field_error_copy (gql_field_error_t *to, const gql_field_error_t *from)
{
    *to = *from;
    to->extensions = from->extensions ? json_deep_copy (from->extensions) : NULL;
}

ProtobufCMessage *
gateway_call (gateway_request_t *context, const char *service, ProtobufCMessage *request,
              R5__RequestMeta **meta_slot, const ProtobufCMessageDescriptor *reply_descriptor,
              bool idempotent, gql_field_error_t *error)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__PrincipalAssertion assertion;
    gateway_principal_assertion (context->principal, &assertion);
    char request_id [40];
    snprintf (request_id, sizeof request_id, "%s", context->request_id);
    if (context->mutations)
        snprintf (request_id, sizeof request_id, "%s.%u", context->request_id, context->mutations);
    r5_rpc_meta_init (&meta, "r5-gateway", request_id, context->gw->config.rpc_timeout_ms);
    meta.assertion = &assertion;
    *meta_slot = &meta;
    R5__Status status;
    ProtobufCMessage *reply = r5_rpc_call (context->thread->client, service, request, reply_descriptor,
                                           context->gw->config.rpc_timeout_ms, idempotent, &status);
    *meta_slot = NULL;
    if (!reply) {
        r5_warn (context->request_id, "%s call failed: %s", service, r5_status_name (status));
        gateway_field_error (error, status, NULL, R5__SCOPE__SCOPE_UNSPECIFIED);
    }
    return reply;
}

const char *
gateway_idempotency_key (gateway_request_t *context, gql_field_error_t *error)
{
    if (!context->idempotency_key || !*context->idempotency_key)
        return NULL;
    if (context->idempotency_key_taken) {
        gql_field_error_set (error, "BAD_USER_INPUT",
                             "an Idempotency-Key names one create: this request has an earlier one");
        return NULL;
    }
    context->idempotency_key_taken = true;
    return context->idempotency_key;
}

ProtobufCMessage *
gateway_call_body (ProtobufCMessage *envelope, unsigned body_case, json_t *args, const char *preset,
                   gql_field_error_t *error)
{
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (envelope->descriptor, body_case);
    assert (member && (member->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && member->type == PROTOBUF_C_TYPE_MESSAGE);
    //  Arguments and input as one object: `id` beside the input's fields.
    json_t *fields = json_object ();
    const char *key;
    json_t *value;
    json_object_foreach (args, key, value)
        if (strcmp (key, "input") != 0)
            json_object_set (fields, key, value);
    if (json_is_object (json_object_get (args, "input")))
        json_object_update (fields, json_object_get (args, "input"));
    if (preset) {
        json_t *fixed = json_loads (preset, 0, NULL);
        assert (json_is_object (fixed));
        json_object_update (fields, fixed);
        json_decref (fixed);
    }
    ProtobufCMessage *body = gateway_codec_from_json (member->descriptor, fields, error);
    json_decref (fields);
    if (body) {
        char *base = (char *) envelope;
        *(uint32_t *) (base + member->quantifier_offset) = member->id;
        *(ProtobufCMessage **) (base + member->offset) = body;
    }
    return body;
}

int
gateway_page_first (json_t *args, int *first, gql_field_error_t *error)
{
    json_t *value = json_object_get (args, "first");
    *first = json_is_integer (value) ? (int) json_integer_value (value) : 20;
    if (json_is_integer (value) && (json_integer_value (value) < 1 || json_integer_value (value) > 100))
        return gql_field_error_set (error, "BAD_USER_INPUT", "first must be between 1 and 100");
    return 0;
}

json_t *
gateway_connection (json_t *nodes, bool has_next_page, const char *end_cursor)
{
    json_t *edges = json_array ();
    size_t index;
    json_t *node;
    json_array_foreach (nodes, index, node)
        json_array_append_new (edges, json_pack ("{s:O,s:O}", "cursor", json_object_get (node, "id"), "node", node));
    return json_pack ("{s:o,s:o,s:{s:b,s:o}}", "nodes", nodes, "edges", edges, "pageInfo",
                      "hasNextPage", has_next_page,
                      "endCursor", end_cursor && *end_cursor ? json_string (end_cursor) : json_null ());
}
