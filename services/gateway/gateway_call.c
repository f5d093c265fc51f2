/*  gateway_call: calls to the services on behalf of the caller.  */
#include "gateway_call.h"
#include "gateway_codec.h"
#include "gateway_status.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_trace.h"

#include <assert.h>
#include <sodium.h>

void
gateway_request_id (char out [17])
{
    uint8_t bytes [8];
    r5_id_random (bytes, sizeof bytes);
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

int
gateway_for_all (json_t *result, size_t count, json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++)
        if (result)
            results [i] = json_incref (result);
        else
        if (i > 0)
            gateway_field_error_copy (&errors [i], &errors [0]);
    json_decref (result);
    return result ? 0 : -1;
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

//  =========================================================================
//  Paging (docs/api.md, "Paging")
//  =========================================================================

//  An opaque handle's text before base64url: a version, a kind, the
//  service's own value, so a handle of another kind (or version) is told
//  apart and refused, not misread. Cursors and global ids are such handles.
#define S_CURSOR_VERSION    "r5c1"
#define S_OPAQUE_KIND_MAX   32
#define S_OPAQUE_INNER_MAX  64
#define S_OPAQUE_TEXT_MAX   (8 + S_OPAQUE_KIND_MAX + S_OPAQUE_INNER_MAX + 2)

//  Whether inner can be a service's value: ids and hex, lower case, at most
//  S_OPAQUE_INNER_MAX characters.
static bool
s_opaque_inner_valid (const char *inner)
{
    size_t length = 0;
    for (const char *c = inner; *c; c++, length++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z')))
            return false;
    return length > 0 && length <= S_OPAQUE_INNER_MAX;
}

char *
gateway_opaque_encode (const char *version, const char *kind, const char *inner)
{
    assert (strlen (version) < 8 && kind && strlen (kind) <= S_OPAQUE_KIND_MAX && !strchr (kind, ':'));
    //  inner came over the bus: refused, not asserted, when it is not a service's value.
    if (!inner || !s_opaque_inner_valid (inner))
        return NULL;
    char text [S_OPAQUE_TEXT_MAX];
    int size = snprintf (text, sizeof text, "%s:%s:%s", version, kind, inner);
    assert (size > 0 && (size_t) size < sizeof text);
    size_t encoded_size = sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *encoded = r5_malloc (encoded_size);
    sodium_bin2base64 (encoded, encoded_size, (const unsigned char *) text, size,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return encoded;
}

char *
gateway_opaque_decode (const char *version, const char *handle, char kind [GATEWAY_OPAQUE_KIND_SIZE])
{
    char text [S_OPAQUE_TEXT_MAX];
    size_t size = 0;
    kind [0] = 0;
    if (strlen (handle) > 2 * S_OPAQUE_TEXT_MAX
    ||  sodium_base642bin ((unsigned char *) text, sizeof text - 1, handle, strlen (handle), NULL, &size, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING))
        return NULL;
    text [size] = 0;
    //  A NUL inside would cut the text short of what was sent: not ours.
    size_t prefix = strlen (version) + 1;
    if (strlen (text) != size || strncmp (text, version, prefix - 1) != 0 || text [prefix - 1] != ':')
        return NULL;
    const char *colon = strchr (text + prefix, ':');
    size_t kind_length = colon ? (size_t) (colon - text - prefix) : 0;
    if (!kind_length || kind_length > S_OPAQUE_KIND_MAX)
        return NULL;
    //  The services' values are ids and hex: anything else was not minted here.
    if (!s_opaque_inner_valid (colon + 1))
        return NULL;
    memcpy (kind, text + prefix, kind_length);
    kind [kind_length] = 0;
    return r5_strdup (colon + 1);
}

char *
gateway_cursor_encode (const char *kind, const char *inner)
{
    return gateway_opaque_encode (S_CURSOR_VERSION, kind, inner);
}

//  The service's cursor in cursor, a cursor of list kind, or NULL when it is
//  not one (malformed, of another list or version). The caller frees it.
static char *
s_cursor_decode (const char *kind, const char *cursor)
{
    char found [GATEWAY_OPAQUE_KIND_SIZE];
    char *inner = gateway_opaque_decode (S_CURSOR_VERSION, cursor, found);
    if (inner && !streq (found, kind)) {
        free (inner);
        inner = NULL;
    }
    return inner;
}

//  A walk looking for totalCount: what each fragment's top level was found
//  to select, so each fragment is looked into once however often it is
//  spread (spreads of spreads would otherwise multiply: 4 spreads on each
//  of 16 levels is 4^16 looks from a 1 KB document).
typedef struct {
    const gql_document_t *document;
    uint8_t *fragment_state;        //  per fragment: 0 not looked at, 1 looking, 2 no, 3 yes
} s_total_walk_t;

//  Past this nesting of fragments a walk answers yes: a count too many is
//  harmless, and the stack stays small.
#define S_TOTAL_WALK_DEPTH 64

//  Whether set selects totalCount at its own level: directly, or through
//  inline fragments and fragment spreads (not through a field).
static bool
s_selects_total_here (s_total_walk_t *walk, const gql_selection_set_t *set, int depth)
{
    if (!set)
        return false;
    if (depth > S_TOTAL_WALK_DEPTH)
        return true;
    for (size_t i = 0; i < set->item_count; i++) {
        const gql_selection_t *sel = set->items [i];
        if (sel->kind == GQL_SELECTION_FIELD && sel->name.len == strlen ("totalCount")
        &&  memcmp (sel->name.data, "totalCount", sel->name.len) == 0)
            return true;
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT && s_selects_total_here (walk, sel->selection_set, depth + 1))
            return true;
        if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD) {
            const gql_fragment_t *fragment = gql_document_fragment (walk->document, sel->name.data, sel->name.len);
            size_t index = 0;
            while (fragment && index < walk->document->fragment_count && walk->document->fragments [index] != fragment)
                index++;
            if (!fragment || index == walk->document->fragment_count)
                continue;
            //  1: a cycle, which validation refuses; taken as no.
            if (walk->fragment_state [index] == 0) {
                walk->fragment_state [index] = 1;
                walk->fragment_state [index] = s_selects_total_here (walk, fragment->selection_set, depth + 1) ? 3 : 2;
            }
            if (walk->fragment_state [index] == 3)
                return true;
        }
    }
    return false;
}

//  Whether set, or any selection below it, is a field like field (the same
//  name and response key) that selects totalCount.
static bool
s_twin_selects_total (s_total_walk_t *walk, const gql_selection_set_t *set, const gql_selection_t *field)
{
    gql_str_t key = gql_selection_response_key (field);
    for (size_t i = 0; set && i < set->item_count; i++) {
        const gql_selection_t *sel = set->items [i];
        if (sel->kind == GQL_SELECTION_FIELD && sel != field && gql_str_equal (sel->name, field->name)
        &&  gql_str_equal (gql_selection_response_key (sel), key)
        &&  s_selects_total_here (walk, sel->selection_set, 0))
            return true;
        if (s_twin_selects_total (walk, sel->selection_set, field))
            return true;
    }
    return false;
}

//  Whether the connection field selects totalCount. The executor hands a
//  resolver the field's first occurrence; the same field asked again under
//  the same response key (merged into one answer) may select it in another,
//  so every such twin in the document counts too. One over-approximates at
//  worst (a like-named field under another parent): a count that is not shown.
//  Linear in the document: each fragment is looked into once.
static bool
s_selects_total (const gql_document_t *document, const gql_selection_t *field)
{
    if (!document)
        return false;
    s_total_walk_t walk = { document, (uint8_t *) r5_calloc (document->fragment_count + 1, 1) };
    bool found = s_selects_total_here (&walk, field->selection_set, 0);
    for (size_t i = 0; !found && i < document->operation_count; i++)
        found = s_twin_selects_total (&walk, document->operations [i]->selection_set, field);
    for (size_t i = 0; !found && i < document->fragment_count; i++)
        found = s_twin_selects_total (&walk, document->fragments [i]->selection_set, field);
    free (walk.fragment_state);
    return found;
}

//  A page size argument: 0 when absent, else 1 to 100. 0, or -1 with error set.
static int
s_page_size (json_t *args, const char *name, int *size, gql_field_error_t *error)
{
    json_t *value = json_object_get (args, name);
    *size = 0;
    if (!json_is_integer (value))
        return 0;
    if (json_integer_value (value) < 1 || json_integer_value (value) > GATEWAY_PAGE_MAX)
        return gql_field_error_set (error, "BAD_USER_INPUT", "%s must be between 1 and %d", name, GATEWAY_PAGE_MAX);
    *size = (int) json_integer_value (value);
    return 0;
}

//  A cursor argument decoded into *inner (NULL when absent). 0, or -1 with error set.
static int
s_page_cursor (json_t *args, const char *name, const char *kind, char **inner, gql_field_error_t *error)
{
    json_t *value = json_object_get (args, name);
    *inner = NULL;
    if (!json_is_string (value))
        return 0;
    *inner = s_cursor_decode (kind, json_string_value (value));
    if (!*inner)
        return gql_field_error_set (error, "BAD_USER_INPUT", "%s is not a cursor of this list", name);
    return 0;
}

int
gateway_page_read (const gql_resolve_info_t *info, const char *kind, gateway_page_t *page, gql_field_error_t *error)
{
    memset (page, 0, sizeof *page);
    if (s_page_size (info->args, "first", &page->first, error)
    ||  s_page_size (info->args, "last", &page->last, error))
        return -1;
    if (page->first && page->last)
        return gql_field_error_set (error, "BAD_USER_INPUT",
                                    "first and last cannot be given together: page forwards or backwards");
    if (!page->first && !page->last)
        page->first = GATEWAY_PAGE_DEFAULT;
    if (s_page_cursor (info->args, "after", kind, &page->after, error)
    ||  s_page_cursor (info->args, "before", kind, &page->before, error)) {
        gateway_page_clear (page);
        return -1;
    }
    page->count = info->selection && s_selects_total (info->document, info->selection);
    return 0;
}

json_t *
gateway_page_args (const gql_resolve_info_t *info, const gateway_page_t *page)
{
    json_t *args = json_copy (info->args);
    json_object_set_new (args, "first", json_integer (page->first));
    json_object_set_new (args, "last", json_integer (page->last));
    json_object_set_new (args, "after", json_string (page->after ? page->after : ""));
    json_object_set_new (args, "before", json_string (page->before ? page->before : ""));
    json_object_set_new (args, "count", json_boolean (page->count));
    return args;
}

void
gateway_page_clear (gateway_page_t *page)
{
    free (page->after);
    free (page->before);
    page->after = page->before = NULL;
}

//  A service cursor as the API's, or JSON null for none.
static json_t *
s_cursor_json (const char *kind, const char *inner)
{
    if (!inner || !*inner)
        return json_null ();
    char *cursor = gateway_cursor_encode (kind, inner);
    json_t *value = cursor ? json_string (cursor) : json_null ();
    free (cursor);
    return value;
}

json_t *
gateway_connection (json_t *nodes, json_t *cursors, const char *kind, const gateway_page_info_t *page_info)
{
    json_t *edges = json_array ();
    size_t index;
    json_t *node;
    json_array_foreach (nodes, index, node) {
        const char *inner = json_string_value (cursors ? json_array_get (cursors, index)
                                                       : json_object_get (node, "id"));
        json_array_append_new (edges, json_pack ("{s:o,s:O}", "cursor", s_cursor_json (kind, inner), "node", node));
    }
    json_decref (cursors);
    json_t *connection = json_pack ("{s:o,s:o,s:{s:b,s:b,s:o,s:o}}", "nodes", nodes, "edges", edges, "pageInfo",
                                    "hasNextPage", page_info->has_next_page,
                                    "hasPreviousPage", page_info->has_previous_page,
                                    "startCursor", s_cursor_json (kind, page_info->start_cursor),
                                    "endCursor", s_cursor_json (kind, page_info->end_cursor));
    //  Absent unless asked: it was not counted (totalCount then is never selected).
    if (page_info->count)
        json_object_set_new (connection, "totalCount", json_integer (page_info->total_count));
    return connection;
}
