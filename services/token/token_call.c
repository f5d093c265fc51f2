/*  token_call: the helpers r5-token's handlers share to answer a call.  */
#include "token_call.h"

#include "r5_alloc.h"
#include "r5_assertion.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "token_input.h"

char *
token_call_dup (const char *text)
{
    return r5_strdup (text ? text : "");
}

void
token_call_fail (token_call_t *call, R5__Status status, const char *message)
{
    call->reply->status = status;
    if (call->reply->message != protobuf_c_empty_string)
        free (call->reply->message);
    call->reply->message = token_call_dup (message);
}

void
token_call_fail_store (token_call_t *call, R5__Status status, const char *what, const char *detail)
{
    r5_error (call->rid, "%s: %s (%s)", what, detail, r5_status_name (status));
    if (status == R5__STATUS__STATUS_UNAVAILABLE || status == R5__STATUS__STATUS_DEADLINE_EXCEEDED)
        token_call_fail (call, status, "token store unavailable");
    else
        token_call_fail (call, R5__STATUS__STATUS_INTERNAL, "internal error");
}

const R5__Principal *
token_call_principal (token_call_t *call)
{
    const char *why = "";
    assert (!call->claims);
    call->claims = r5_assertion_verify (&call->self->assertion_public, call->meta ? call->meta->assertion : NULL,
                                        call->now, &why);
    const R5__Principal *principal = call->claims ? call->claims->principal : NULL;
    if (!call->claims)
        r5_info (call->rid, "management call refused: %s", why);
    if (!principal || !token_input_is_user_id (principal->user_id)
    ||  !token_input_is_user_id (principal->account_id)) {
        token_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "a signed-in user is required");
        return NULL;
    }
    //  No token can mint, change or widen a token: only a login session can.
    if (principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_SESSION) {
        token_call_fail (call, R5__STATUS__STATUS_FORBIDDEN,
                         "personal access tokens cannot manage tokens: sign in to the web app");
        return NULL;
    }
    return principal;
}

bool
token_call_check_id (token_call_t *call, const char *id)
{
    //  As r5-resource answers for its ids: NOT_FOUND, not BAD_INPUT.
    if (token_input_is_id (id))
        return true;
    token_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, R5_NOT_FOUND_MESSAGE);
    return false;
}

R5__Scope *
token_call_scopes (r5_scope_set_t set, size_t *count)
{
    *count = 0;
    R5__Scope *scopes = (R5__Scope *) r5_calloc (R5_SCOPE_COUNT, sizeof (R5__Scope));
    for (int scope = 1; scope <= R5_SCOPE_COUNT; scope++)
        if (set & r5_scope_bit ((R5__Scope) scope))
            scopes [(*count)++] = (R5__Scope) scope;
    return scopes;
}

char **
token_call_teams (const token_teams_t *teams, size_t *count)
{
    *count = teams->count;
    char **ids = (char **) r5_calloc (teams->count ? teams->count : 1, sizeof (char *));
    for (size_t i = 0; i < teams->count; i++)
        ids [i] = token_call_dup (teams->ids [i]);
    return ids;
}

R5__Token *
token_call_token (const token_record_t *record)
{
    R5__Token *token = (R5__Token *) r5_malloc (sizeof *token);
    r5__token__init (token);
    token->id = token_call_dup (record->id);
    token->description = token_call_dup (record->description);
    token->scopes = token_call_scopes (record->scopes, &token->n_scopes);
    token->hint = token_call_dup (record->hint);
    token->created_at_unix_ms = record->created_at;
    token->last_used_at_unix_ms = record->last_used_at;
    token->last_used_ip = token_call_dup (record->last_used_ip);
    token->team_ids = token_call_teams (&record->teams, &token->n_team_ids);
    if (record->n_used_from) {
        token->used_from = (R5__TokenUse **) r5_calloc (record->n_used_from, sizeof *token->used_from);
        for (size_t i = 0; i < record->n_used_from; i++) {
            R5__TokenUse *use = (R5__TokenUse *) r5_malloc (sizeof *use);
            r5__token_use__init (use);
            use->address = token_call_dup (record->used_from [i].address);
            use->user_agent = token_call_dup (record->used_from [i].user_agent);
            use->last_used_at_unix_ms = record->used_from [i].at;
            token->used_from [token->n_used_from++] = use;
        }
    }
    return token;
}

void
token_call_audit_token (const char *type, const token_record_t *token, token_audit_record_t *record)
{
    token_audit_record_init (record, type);
    snprintf (record->token_id, sizeof record->token_id, "%s", token->id);
    snprintf (record->user_id, sizeof record->user_id, "%s", token->user_id);
    snprintf (record->account_id, sizeof record->account_id, "%s", token->account_id);
    snprintf (record->hint, sizeof record->hint, "%s", token->hint);
}

//  The call's request id, ip and time on an audit record.
static void
s_audit_context (token_call_t *call, token_audit_record_t *record)
{
    snprintf (record->request_id, sizeof record->request_id, "%s", call->rid);
    if (!*record->ip)
        snprintf (record->ip, sizeof record->ip, "%s", call->ip);
    record->at = call->now;
}

void
token_call_audit_document (token_call_t *call, token_audit_record_t *record, bson_t *doc)
{
    s_audit_context (call, record);
    token_audit_document (record, doc);
}

void
token_call_audit (token_call_t *call, token_audit_record_t *record)
{
    s_audit_context (call, record);
    if (token_audit_write (call->self->audit, record) != R5__STATUS__STATUS_OK)
        r5_warn (call->rid, "%s", token_audit_error (call->self->audit));
}

void
token_call_publish (token_call_t *call, const char *change, const token_record_t *token)
{
    if (token_events_publish (call->self->events, change, token->id, token->user_id,
                              token->account_id, call->now))
        r5_warn (call->rid, "cannot publish token.%s %s", change, token->id);
}

void
token_call_new_value (token_call_t *call, r5_token_kind_t kind, char value [R5_TOKEN_LENGTH + 1],
                      char digest_hex [TOKEN_DIGEST_HEX_SIZE], char hint [R5_TOKEN_HINT_SIZE])
{
    uint8_t digest [R5_TOKEN_DIGEST_SIZE];
    r5_token_generate (kind, value);
    r5_token_digest (call->self->pepper, value, R5_TOKEN_LENGTH, digest);
    token_store_digest_hex (digest, digest_hex);
    r5_token_hint (value, hint);
}
