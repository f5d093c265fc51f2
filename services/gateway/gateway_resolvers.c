/*  gateway_resolvers: viewer and personal access tokens.  */
#include "gateway_resolvers.h"
#include "gateway_http.h"
#include "gateway_status.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/token.pb-c.h"

#include <sodium.h>
#include <time.h>

#define S_MAX_SCOPES 64

static const char *s_role_names [] = { NULL, "OWNER", "ADMINISTRATOR", "MEMBER" };

//  =========================================================================
//  Conversions
//  =========================================================================

json_t *
gateway_time_json (int64_t unix_ms)
{
    char text [R5_TIME_TEXT_SIZE];
    return unix_ms > 0 ? json_string (r5_time_format (unix_ms, text)) : json_null ();
}

static json_t *
s_scopes_json (R5__Scope *scopes, size_t count)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++) {
        const char *name = r5_scope_name (scopes [i]);
        if (name)
            json_array_append_new (list, json_string (name));
    }
    return list;
}

static json_t *
s_token_json (const R5__Token *token)
{
    json_t *object = json_pack ("{s:s,s:s,s:s,s:o,s:s,s:o,s:o}",
                                "__typename", "PersonalAccessToken",
                                "id", token->id, "description", token->description,
                                "scopes", s_scopes_json (token->scopes, token->n_scopes),
                                "hint", token->hint,
                                "createdAt", gateway_time_json (token->created_at_unix_ms),
                                "lastUsedAt", gateway_time_json (token->last_used_at_unix_ms));
    json_object_set_new (object, "lastUsedIp", token->last_used_ip && *token->last_used_ip
                                                   ? json_string (token->last_used_ip) : json_null ());
    return object;
}

//  The scopes named in a JSON list of TokenScope values (already validated by
//  the executor's coercion; unknown names are refused all the same).
static int
s_scopes_from_json (json_t *list, R5__Scope *scopes, size_t *count, gql_field_error_t *error)
{
    *count = 0;
    size_t index;
    json_t *item;
    if (json_array_size (list) > S_MAX_SCOPES)
        return gql_field_error_set (error, "BAD_USER_INPUT", "too many scopes");
    json_array_foreach (list, index, item) {
        R5__Scope scope = json_is_string (item)
                        ? r5_scope_from_name (json_string_value (item), json_string_length (item))
                        : R5__SCOPE__SCOPE_UNSPECIFIED;
        if (scope == R5__SCOPE__SCOPE_UNSPECIFIED)
            return gql_field_error_set (error, "BAD_USER_INPUT", "unknown scope");
        scopes [(*count)++] = scope;
    }
    return 0;
}

//  =========================================================================
//  Calls to r5-token on behalf of the caller
//  =========================================================================

void
gateway_principal_message (const gateway_principal_t *principal, R5__Principal *message, R5__Scope *scopes)
{
    r5__principal__init (message);
    message->user_id = (char *) principal->user_id;
    message->account_id = (char *) principal->account_id;
    message->token_id = (char *) principal->token_id;
    message->name = (char *) principal->name;
    message->email = (char *) principal->email;
    message->role = principal->role;
    message->kind = principal->kind;
    for (int i = 1; i <= R5_SCOPE_COUNT; i++)
        if (principal->scopes & r5_scope_bit ((R5__Scope) i))
            scopes [message->n_scopes++] = (R5__Scope) i;
    message->scopes = scopes;
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

ProtobufCMessage *
gateway_call (gateway_request_t *context, const char *service, ProtobufCMessage *request,
              R5__RequestMeta **meta_slot, const ProtobufCMessageDescriptor *reply_descriptor,
              bool idempotent, gql_field_error_t *error)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__Principal principal;
    R5__Scope scopes [R5_SCOPE_COUNT];
    gateway_principal_message (context->principal, &principal, scopes);
    r5_rpc_meta_init (&meta, "r5-gateway", context->request_id, context->gw->config.rpc_timeout_ms);
    meta.principal = &principal;
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

//  Call r5-token; the reply when its status is OK, else NULL with error set.
static R5__TokenReply *
s_token_call (gateway_request_t *context, R5__TokenRequest *request, bool idempotent, gql_field_error_t *error)
{
    R5__TokenReply *reply = (R5__TokenReply *) gateway_call (context, R5_SERVICE_TOKEN, &request->base, &request->meta,
                                                             &r5__token_reply__descriptor, idempotent, error);
    if (reply && reply->status != R5__STATUS__STATUS_OK) {
        gateway_field_error (error, reply->status, reply->message, R5__SCOPE__SCOPE_UNSPECIFIED);
        r5__token_reply__free_unpacked (reply, NULL);
        return NULL;
    }
    return reply;
}

//  Drop this gateway's cached verdicts of a token the caller just changed: the
//  change must count from the next request even before its event arrives.
static void
s_forget_token (gateway_request_t *context, const char *token_id)
{
    if (token_id)
        gateway_cache_drop_token (context->gw->cache, token_id);
}

//  The size of the page a connection asks for: `first` from 1 to 100.
static int
s_first (json_t *args, gql_field_error_t *error, int *first)
{
    json_t *value = json_object_get (args, "first");
    *first = json_is_integer (value) ? (int) json_integer_value (value) : 20;
    if (json_is_integer (value) && (json_integer_value (value) < 1 || json_integer_value (value) > 100))
        return gql_field_error_set (error, "BAD_USER_INPUT", "first must be between 1 and 100");
    return 0;
}

//  =========================================================================
//  Query
//  =========================================================================

static int
s_query_viewer (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    const gateway_principal_t *principal = ((gateway_request_t *) info->context)->principal;
    for (size_t i = 0; i < count; i++)
        results [i] = json_pack ("{s:s,s:s,s:s,s:s}", "id", principal->user_id, "name", principal->name,
                                 "email", principal->email,
                                 "role", principal->role >= 1 && principal->role <= 3
                                         ? s_role_names [principal->role] : "MEMBER");
    return 0;
}

//  Root fields have one parent (the root value), twice at most when aliased;
//  each occurrence is resolved on its own.
static int
s_query_tokens (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__ListTokensRequest list = R5__LIST_TOKENS_REQUEST__INIT;
    int first;
    if (s_first (info->args, &errors [0], &first))
        return -1;
    list.first = first;
    list.after = (char *) gateway_json_string (info->args, "after", "");
    request.body_case = R5__TOKEN_REQUEST__BODY_LIST;
    request.list = &list;
    R5__TokenReply *reply = s_token_call (info->context, &request, true, &errors [0]);
    if (!reply)
        return -1;
    if (reply->body_case != R5__TOKEN_REPLY__BODY_LIST) {
        r5__token_reply__free_unpacked (reply, NULL);
        return gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
    }
    json_t *nodes = json_array (), *edges = json_array ();
    for (size_t i = 0; i < reply->list->n_tokens; i++) {
        json_t *node = s_token_json (reply->list->tokens [i]);
        json_array_append (nodes, node);
        json_array_append_new (edges, json_pack ("{s:s,s:o}", "cursor", reply->list->tokens [i]->id, "node", node));
    }
    json_t *connection = json_pack ("{s:o,s:o,s:{s:b,s:o}}", "nodes", nodes, "edges", edges, "pageInfo",
                                    "hasNextPage", reply->list->has_next_page,
                                    "endCursor", reply->list->end_cursor && *reply->list->end_cursor
                                                 ? json_string (reply->list->end_cursor) : json_null ());
    r5__token_reply__free_unpacked (reply, NULL);
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (connection);
    json_decref (connection);
    return 0;
}

static int
s_query_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
               json_t **results, gql_field_error_t *errors)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__GetTokenRequest get = R5__GET_TOKEN_REQUEST__INIT;
    get.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__TOKEN_REQUEST__BODY_GET;
    request.get = &get;
    R5__TokenReply *reply = s_token_call (info->context, &request, true, &errors [0]);
    if (!reply)
        return -1;
    json_t *token = reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN ? s_token_json (reply->token) : NULL;
    r5__token_reply__free_unpacked (reply, NULL);
    if (!token)
        return gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (token);
    json_decref (token);
    return 0;
}

//  =========================================================================
//  PersonalAccessToken
//  =========================================================================

static const struct {
    const char *service;
    const char *graphql;
} s_event_types [] = {
    { "created", "CREATED" }, { "updated", "UPDATED" }, { "regenerated", "REGENERATED" },
    { "deleted", "DELETED" }, { "verify_failed", "AUTHENTICATION_FAILED" },
};

static json_t *
s_event_json (const R5__TokenEvent *event)
{
    const char *type = NULL;
    for (size_t i = 0; i < sizeof s_event_types / sizeof s_event_types [0]; i++)
        if (streq (event->type, s_event_types [i].service))
            type = s_event_types [i].graphql;
    if (!type)
        return NULL;
    bool changed_scopes = streq (event->type, "updated") && (event->n_scopes_before || event->n_scopes_after);
    json_t *object = json_pack ("{s:s,s:o}", "type", type, "at", gateway_time_json (event->at_unix_ms));
    json_object_set_new (object, "scopesBefore", changed_scopes ? s_scopes_json (event->scopes_before, event->n_scopes_before)
                                                                : json_null ());
    json_object_set_new (object, "scopesAfter", changed_scopes || streq (event->type, "created")
                                                ? s_scopes_json (event->scopes_after, event->n_scopes_after) : json_null ());
    json_object_set_new (object, "ip", *event->ip ? json_string (event->ip) : json_null ());
    json_object_set_new (object, "reason", *event->reason ? json_string (event->reason) : json_null ());
    return object;
}

//  One call per token, all in flight at once (tokens are listed 100 at most).
static int
s_token_events (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    int first;
    json_t *value = json_object_get (info->args, "first");
    first = json_is_integer (value) ? (int) json_integer_value (value) : 20;
    if (first < 1 || first > 100) {
        for (size_t i = 0; i < count; i++)
            gql_field_error_set (&errors [i], "BAD_USER_INPUT", "first must be between 1 and 100");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
        R5__ListTokenEventsRequest list = R5__LIST_TOKEN_EVENTS_REQUEST__INIT;
        list.id = (char *) gateway_json_string (parents [i], "id", NULL);
        list.first = first;
        request.body_case = R5__TOKEN_REQUEST__BODY_LIST_EVENTS;
        request.list_events = &list;
        R5__TokenReply *reply = s_token_call (info->context, &request, true, &errors [i]);
        if (!reply)
            continue;
        json_t *events = json_array ();
        if (reply->body_case == R5__TOKEN_REPLY__BODY_EVENTS)
            for (size_t j = 0; j < reply->events->n_events; j++) {
                json_t *event = s_event_json (reply->events->events [j]);
                if (event)
                    json_array_append_new (events, event);
            }
        results [i] = events;
        r5__token_reply__free_unpacked (reply, NULL);
    }
    return 0;
}

//  =========================================================================
//  Mutation
//  =========================================================================

//  The payload of create and regenerate: the token and its value, shown once.
static json_t *
s_issued_payload (R5__TokenReply *reply)
{
    if (reply->body_case != R5__TOKEN_REPLY__BODY_ISSUED || !reply->issued->token)
        return NULL;
    json_t *payload = json_pack ("{s:o,s:s}", "personalAccessToken", s_token_json (reply->issued->token),
                                 "value", reply->issued->value);
    sodium_memzero (reply->issued->value, strlen (reply->issued->value));
    return payload;
}

static int
s_mutation_create_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                         json_t **results, gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    R5__Scope scopes [S_MAX_SCOPES];
    size_t scope_count;
    if (s_scopes_from_json (json_object_get (input, "scopes"), scopes, &scope_count, &errors [0]))
        return -1;
    create.description = (char *) gateway_json_string (input, "description", "");
    create.idempotency_key = (char *) gateway_json_string (input, "idempotencyKey", "");
    create.scopes = scopes;
    create.n_scopes = scope_count;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    //  Never resent automatically: a resend racing a slow first attempt would
    //  answer CONFLICT; clients retry with their idempotency key instead.
    R5__TokenReply *reply = s_token_call (info->context, &request, false, &errors [0]);
    if (!reply)
        return -1;
    results [0] = s_issued_payload (reply);
    r5__token_reply__free_unpacked (reply, NULL);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

static int
s_mutation_update_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                         json_t **results, gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    R5__Scope scopes [S_MAX_SCOPES];
    size_t scope_count = 0;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    if (gateway_json_string (input, "description", NULL)) {
        update.description_present_case = R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
        update.description = (char *) gateway_json_string (input, "description", NULL);
    }
    json_t *scope_list = json_object_get (input, "scopes");
    if (json_is_array (scope_list)) {
        if (s_scopes_from_json (scope_list, scopes, &scope_count, &errors [0]))
            return -1;
        update.set_scopes = true;
        update.scopes = scopes;
        update.n_scopes = scope_count;
    }
    request.body_case = R5__TOKEN_REQUEST__BODY_UPDATE;
    request.update = &update;
    //  Setting the same description and scopes twice is harmless: safe to retry.
    R5__TokenReply *reply = s_token_call (info->context, &request, true, &errors [0]);
    if (!reply)
        return -1;
    if (reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN)
        results [0] = json_pack ("{s:o}", "personalAccessToken", s_token_json (reply->token));
    s_forget_token (info->context, update.id);
    r5__token_reply__free_unpacked (reply, NULL);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

static int
s_mutation_regenerate_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                             json_t **results, gql_field_error_t *errors)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RegenerateTokenRequest regenerate = R5__REGENERATE_TOKEN_REQUEST__INIT;
    regenerate.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__TOKEN_REQUEST__BODY_REGENERATE;
    request.regenerate = &regenerate;
    //  Never retried: a second regenerate would kill the value the first one made.
    R5__TokenReply *reply = s_token_call (info->context, &request, false, &errors [0]);
    if (!reply)
        return -1;
    results [0] = s_issued_payload (reply);
    r5__token_reply__free_unpacked (reply, NULL);
    s_forget_token (info->context, regenerate.id);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

static int
s_mutation_delete_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                         json_t **results, gql_field_error_t *errors)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__DeleteTokenRequest delete = R5__DELETE_TOKEN_REQUEST__INIT;
    delete.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__TOKEN_REQUEST__BODY_DELETE;
    request.delete_ = &delete;
    R5__TokenReply *reply = s_token_call (info->context, &request, false, &errors [0]);
    if (!reply)
        return -1;
    if (reply->body_case == R5__TOKEN_REPLY__BODY_DELETED)
        results [0] = json_pack ("{s:s}", "deletedId", reply->deleted->id);
    s_forget_token (info->context, delete.id);
    r5__token_reply__free_unpacked (reply, NULL);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

//  =========================================================================
//  Tables
//  =========================================================================

static const gql_resolver_entry_t s_resolvers [] = {
    { "Query.viewer", s_query_viewer, NULL },
    { "Query.personalAccessTokens", s_query_tokens, NULL },
    { "Query.personalAccessToken", s_query_token, NULL },
    { "PersonalAccessToken.events", s_token_events, NULL },
    { "Mutation.createPersonalAccessToken", s_mutation_create_token, NULL },
    { "Mutation.updatePersonalAccessToken", s_mutation_update_token, NULL },
    { "Mutation.regeneratePersonalAccessToken", s_mutation_regenerate_token, NULL },
    { "Mutation.deletePersonalAccessToken", s_mutation_delete_token, NULL },
};

const gql_resolver_entry_t *
gateway_resolvers (size_t *count)
{
    *count = sizeof s_resolvers / sizeof s_resolvers [0];
    return s_resolvers;
}

void
gateway_resolvers_mask_errors (json_t *response)
{
    size_t index;
    json_t *error;
    json_array_foreach (json_object_get (response, "errors"), index, error) {
        const char *code = json_string_value (json_object_get (json_object_get (error, "extensions"), "code"));
        if (code && streq (code, "INTERNAL"))
            json_object_set_new (error, "message", json_string ("internal error"));
    }
}
