/*  gateway_tokens: personal access tokens, through r5-token.

    Requests are built from the arguments by gateway_codec and replies turned
    into JSON by it; what is left here is what the codec cannot know: which
    reply a mutation answers with, that a value is shown once and wiped, that
    a changed token's cached verdicts go, and the audit trail's event names. */
#include "gateway_tokens.h"
#include "gateway_call.h"
#include "gateway_codec.h"
#include "r5_alloc.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/token.pb-c.h"

#include <sodium.h>

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

//  Build the request of body_case from the field's arguments and call r5-token.
static R5__TokenReply *
s_token_request (const gql_resolve_info_t *info, unsigned body_case, json_t *args, bool idempotent,
                 gql_field_error_t *error)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    ProtobufCMessage *body = gateway_call_body (&request.base, body_case, args, NULL, error);
    if (!body)
        return NULL;
    //  The Idempotency-Key header stands for the input's idempotencyKey
    //  when that is not given.
    const char *key = body_case == R5__TOKEN_REQUEST__BODY_CREATE
                    ? gateway_idempotency_key (info->context, error) : NULL;
    if (body_case == R5__TOKEN_REQUEST__BODY_CREATE && !key && error->code) {
        protobuf_c_message_free_unpacked (body, NULL);
        return NULL;
    }
    R5__CreateTokenRequest *create = body_case == R5__TOKEN_REQUEST__BODY_CREATE
                                   ? (R5__CreateTokenRequest *) body : NULL;
    if (key && create && (!create->idempotency_key || !*create->idempotency_key)) {
        if (create->idempotency_key != protobuf_c_empty_string)
            free (create->idempotency_key);
        create->idempotency_key = r5_strdup (key);
    }
    //  An update is named by the header too, with its index among the
    //  request's mutations (a retried request repeats both): a client's retry
    //  after an ambiguous answer is then applied once (docs/decisions.md).
    gateway_request_t *context = info->context;
    if (body_case == R5__TOKEN_REQUEST__BODY_UPDATE && context->idempotency_key && *context->idempotency_key) {
        R5__UpdateTokenRequest *update = (R5__UpdateTokenRequest *) body;
        char named [300];
        snprintf (named, sizeof named, "%.256s.%u", context->idempotency_key, context->mutations);
        if (update->idempotency_key != protobuf_c_empty_string)
            free (update->idempotency_key);
        update->idempotency_key = r5_strdup (named);
    }
    R5__TokenReply *reply = s_token_call (context, &request, idempotent, error);
    protobuf_c_message_free_unpacked (body, NULL);
    return reply;
}

//  Every parent of a root field gets the same result (an aliased field twice).
static int
s_for_all (json_t *result, size_t count, json_t **results, gql_field_error_t *errors)
{
    if (!result)
        return gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (result);
    json_decref (result);
    return 0;
}

//  =========================================================================
//  Query
//  =========================================================================

//  A service page's cursors as a JSON array, for gateway_connection.
static json_t *
s_cursors_json (char **cursors, size_t n_cursors)
{
    json_t *array = json_array ();
    for (size_t i = 0; i < n_cursors; i++)
        json_array_append_new (array, json_string (cursors [i]));
    return array;
}

static int
s_query_tokens (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    gateway_page_t page;
    if (gateway_page_read (info, "TOKENS", &page, &errors [0]))
        return -1;
    json_t *args = gateway_page_args (info, &page);
    R5__TokenReply *reply = s_token_request (info, R5__TOKEN_REQUEST__BODY_LIST, args, true, &errors [0]);
    json_decref (args);
    json_t *connection = NULL;
    if (reply && reply->body_case == R5__TOKEN_REPLY__BODY_LIST) {
        const R5__TokenList *list = reply->list;
        json_t *nodes = json_array ();
        for (size_t i = 0; i < list->n_tokens; i++)
            json_array_append_new (nodes, gateway_codec_to_json (&list->tokens [i]->base));
        gateway_page_info_t page_info = {
            .has_next_page = list->has_next_page,
            .has_previous_page = list->has_previous_page,
            .start_cursor = list->start_cursor,
            .end_cursor = list->end_cursor,
            .count = page.count,
            .total_count = list->total_count,
        };
        //  The service names each token's cursor (its time and id): one per token.
        json_t *cursors = list->n_cursors == list->n_tokens ? s_cursors_json (list->cursors, list->n_cursors) : NULL;
        connection = gateway_connection (nodes, cursors, "TOKENS", &page_info);
    }
    if (reply)
        r5__token_reply__free_unpacked (reply, NULL);
    gateway_page_clear (&page);
    if (!reply)
        return -1;
    return s_for_all (connection, count, results, errors);
}

static int
s_query_token (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
               json_t **results, gql_field_error_t *errors)
{
    R5__TokenReply *reply = s_token_request (info, R5__TOKEN_REQUEST__BODY_GET, info->args, true, &errors [0]);
    if (!reply)
        return -1;
    json_t *token = reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN ? gateway_codec_to_json (&reply->token->base) : NULL;
    r5__token_reply__free_unpacked (reply, NULL);
    return s_for_all (token, count, results, errors);
}

//  =========================================================================
//  PersonalAccessToken.events: the audit trail
//  =========================================================================

//  The service's event types and their TokenEventType names.
static const struct {
    const char *service;
    const char *graphql;
} s_event_types [] = {
    { "created", "CREATED" }, { "updated", "UPDATED" }, { "regenerated", "REGENERATED" },
    { "deleted", "DELETED" }, { "verify_failed", "AUTHENTICATION_FAILED" },
    { "reported_leaked", "REPORTED_LEAKED" },
};

//  An event as TokenEvent; NULL for the types the API does not show (sessions).
//  The codec's JSON, with what the service's event means for GraphQL over it:
//  scopes and teams only where they changed, empty strings as null.
static json_t *
s_event_json (const R5__TokenEvent *event)
{
    const char *type = NULL;
    for (size_t i = 0; i < sizeof s_event_types / sizeof s_event_types [0]; i++)
        if (streq (event->type, s_event_types [i].service))
            type = s_event_types [i].graphql;
    json_t *object = type ? gateway_codec_to_json (&event->base) : NULL;
    if (!object)
        return NULL;
    bool changed_scopes = streq (event->type, "updated") && (event->n_scopes_before || event->n_scopes_after);
    bool changed_teams = streq (event->type, "updated") && (event->n_team_ids_before || event->n_team_ids_after);
    json_object_set_new (object, "type", json_string (type));
    if (!changed_scopes)
        json_object_set_new (object, "scopesBefore", json_null ());
    if (!changed_scopes && !streq (event->type, "created"))
        json_object_set_new (object, "scopesAfter", json_null ());
    if (!changed_teams)
        json_object_set_new (object, "teamIdsBefore", json_null ());
    if (!changed_teams && !streq (event->type, "created"))
        json_object_set_new (object, "teamIdsAfter", json_null ());
    if (!*event->ip)
        json_object_set_new (object, "ip", json_null ());
    if (!*event->reason)
        json_object_set_new (object, "reason", json_null ());
    return object;
}

//  PersonalAccessTokenEventConnection: one call per token, all in flight at
//  once (tokens are listed 100 at most).
static int
s_token_events (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    gateway_page_t page;
    if (gateway_page_read (info, "TOKEN_EVENTS", &page, &errors [0])) {
        for (size_t i = 1; i < count; i++)
            gateway_field_error_copy (&errors [i], &errors [0]);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *args = json_pack ("{s:O?,s:i,s:i,s:s,s:s,s:b}", "id", json_object_get (parents [i], "id"),
                                  "first", page.first, "last", page.last, "after", page.after ? page.after : "",
                                  "before", page.before ? page.before : "", "count", page.count);
        R5__TokenReply *reply = s_token_request (info, R5__TOKEN_REQUEST__BODY_LIST_EVENTS, args, true, &errors [i]);
        json_decref (args);
        if (!reply)
            continue;
        if (reply->body_case == R5__TOKEN_REPLY__BODY_EVENTS) {
            const R5__TokenEventList *list = reply->events;
            json_t *events = json_array ();
            json_t *cursors = json_array ();
            for (size_t j = 0; j < list->n_events; j++) {
                json_t *event = s_event_json (list->events [j]);
                if (!event)
                    continue;
                json_array_append_new (events, event);
                json_array_append_new (cursors, json_string (j < list->n_cursors ? list->cursors [j] : ""));
            }
            gateway_page_info_t page_info = {
                .has_next_page = list->has_next_page,
                .has_previous_page = list->has_previous_page,
                .start_cursor = list->start_cursor,
                .end_cursor = list->end_cursor,
                .count = page.count,
                .total_count = list->total_count,
            };
            results [i] = gateway_connection (events, cursors, "TOKEN_EVENTS", &page_info);
        }
        r5__token_reply__free_unpacked (reply, NULL);
    }
    gateway_page_clear (&page);
    return 0;
}

//  =========================================================================
//  Viewer.tokenNotices: leaked tokens revoked, until dismissed
//  =========================================================================

static int
s_token_notices (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                 json_t **results, gql_field_error_t *errors)
{
    (void) parents;
    R5__TokenReply *reply = s_token_request (info, R5__TOKEN_REQUEST__BODY_LIST_NOTICES, info->args, true, &errors [0]);
    if (!reply) {
        for (size_t i = 1; i < count; i++)
            gateway_field_error_copy (&errors [i], &errors [0]);
        return -1;
    }
    json_t *notices = NULL;
    if (reply->body_case == R5__TOKEN_REPLY__BODY_NOTICES) {
        notices = json_array ();
        for (size_t i = 0; i < reply->notices->n_notices; i++)
            json_array_append_new (notices, gateway_codec_to_json (&reply->notices->notices [i]->base));
    }
    r5__token_reply__free_unpacked (reply, NULL);
    return s_for_all (notices, count, results, errors);
}

//  =========================================================================
//  Mutations, one row each (the entries' data)
//  =========================================================================

typedef struct {
    R5__TokenRequest__BodyCase body;
    //  Whether a lost reply may be resent. Create never is: a resend racing a
    //  slow first attempt would answer CONFLICT (clients retry with their
    //  idempotency key instead); regenerate never is: a second one would kill
    //  the value the first one made. Setting the same description and scopes
    //  twice is harmless.
    bool idempotent;
    //  The token's cached verdicts go: the change counts from the next request
    //  even before its event arrives.
    bool forget_token;
} s_mutation_t;

static const s_mutation_t s_create = { R5__TOKEN_REQUEST__BODY_CREATE, false, false };
static const s_mutation_t s_update = { R5__TOKEN_REQUEST__BODY_UPDATE, true, true };
static const s_mutation_t s_regenerate = { R5__TOKEN_REQUEST__BODY_REGENERATE, false, true };
static const s_mutation_t s_delete = { R5__TOKEN_REQUEST__BODY_DELETE, false, true };
//  Dismissing twice answers NOT_FOUND the second time: not resent.
static const s_mutation_t s_dismiss = { R5__TOKEN_REQUEST__BODY_DISMISS_NOTICE, false, false };

//  The payload of a token reply: the token and its value (shown once, then
//  wiped), the token alone, or the deleted id.
static json_t *
s_payload (R5__TokenReply *reply)
{
    switch (reply->body_case) {
        case R5__TOKEN_REPLY__BODY_ISSUED: {
            if (!reply->issued->token)
                return NULL;
            json_t *payload = json_pack ("{s:o,s:s}", "personalAccessToken",
                                         gateway_codec_to_json (&reply->issued->token->base),
                                         "value", reply->issued->value);
            sodium_memzero (reply->issued->value, strlen (reply->issued->value));
            return payload;
        }
        case R5__TOKEN_REPLY__BODY_TOKEN:
            return json_pack ("{s:o}", "personalAccessToken", gateway_codec_to_json (&reply->token->base));
        case R5__TOKEN_REPLY__BODY_DELETED:
            return json_pack ("{s:s}", "deletedId", reply->deleted->id);
        case R5__TOKEN_REPLY__BODY_NOTICE:
            return json_pack ("{s:s}", "dismissedId", reply->notice->id);
        default:
            return NULL;
    }
}

//  Mutation root fields run one at a time with one parent.
static int
s_mutate (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
          json_t **results, gql_field_error_t *errors)
{
    const s_mutation_t *row = (const s_mutation_t *) info->data;
    ((gateway_request_t *) info->context)->mutations++;
    R5__TokenReply *reply = s_token_request (info, row->body, info->args, row->idempotent, &errors [0]);
    if (!reply)
        return -1;
    results [0] = s_payload (reply);
    r5__token_reply__free_unpacked (reply, NULL);
    const char *id = json_string_value (json_object_get (info->args, "id"));
    if (row->forget_token && id)
        gateway_cache_drop_token (((gateway_request_t *) info->context)->gw->cache, id);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

//  =========================================================================
//  Table
//  =========================================================================

static const gql_resolver_entry_t s_resolvers [] = {
    { "Query.personalAccessTokens", s_query_tokens, NULL },
    { "Query.personalAccessToken", s_query_token, NULL },
    { "PersonalAccessToken.events", s_token_events, NULL },
    { "Mutation.createPersonalAccessToken", s_mutate, &s_create },
    { "Mutation.updatePersonalAccessToken", s_mutate, &s_update },
    { "Mutation.regeneratePersonalAccessToken", s_mutate, &s_regenerate },
    { "Mutation.deletePersonalAccessToken", s_mutate, &s_delete },
    { "Viewer.tokenNotices", s_token_notices, NULL },
    { "Mutation.dismissTokenNotice", s_mutate, &s_dismiss },
};

size_t
gateway_tokens_resolvers (gql_resolver_entry_t *entries, size_t size)
{
    size_t count = sizeof s_resolvers / sizeof s_resolvers [0];
    count = count < size ? count : size;
    memcpy (entries, s_resolvers, count * sizeof *entries);
    return count;
}
