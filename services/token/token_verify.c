/*  token_verify: the verification of a presented value (VerifyTokenRequest).

    Shape and checksum first, then the digest lookup, then session expiry,
    then the user's standing in r5.resource. Every failure answers the same
    UNAUTHENTICATED; its cause goes to the audit trail (rate-limited) and the
    debug log only. */
#include "token_call.h"

#include "r5_alloc.h"
#include "r5_assertion.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5/resource.pb-c.h"
#include "token_input.h"
#include "r5_user_agent.h"

typedef struct {
    bool found;
    bool active;
    R5__Role role;
    char account_id [TOKEN_USER_ID_MAX + 1];
    char *name;                     //  heap, moved into the reply or freed
    char *email;
    //  The user's teams and those it administers (heap, moved into the
    //  reply or freed), when r5.resource loaded them (teams_loaded).
    bool teams_loaded;
    char **team_ids, **admin_team_ids;
    size_t n_team_ids, n_admin_team_ids;
} s_user_t;

static void
s_strings_free (char ***list, size_t *count)
{
    for (size_t i = 0; *list && i < *count; i++)
        free ((*list) [i]);
    free (*list);
    *list = NULL;
    *count = 0;
}

static void
s_user_clear (s_user_t *user)
{
    free (user->name);
    free (user->email);
    user->name = user->email = NULL;
    s_strings_free (&user->team_ids, &user->n_team_ids);
    s_strings_free (&user->admin_team_ids, &user->n_admin_team_ids);
}

//  The memberships r5.resource answered into user (nothing when it did not
//  load them: an older r5-resource).
static void
s_take_memberships (const R5__UserList *list, s_user_t *user)
{
    if (!list->teams_loaded)
        return;
    user->team_ids = r5_calloc (list->n_memberships + 1, sizeof (char *));
    user->admin_team_ids = r5_calloc (list->n_memberships + 1, sizeof (char *));
    for (size_t i = 0; i < list->n_memberships; i++) {
        const R5__Membership *membership = list->memberships [i];
        if (!membership->team_id || !*membership->team_id)
            continue;
        user->team_ids [user->n_team_ids++] = r5_strdup (membership->team_id);
        if (membership->team_admin)
            user->admin_team_ids [user->n_admin_team_ids++] = r5_strdup (membership->team_id);
    }
    user->teams_loaded = true;
}

//  Ask r5.resource for a user (idempotent, so retried on another instance).
//  OK with user->found false when it does not exist.
static R5__Status
s_lookup_user (token_call_t *call, const char *user_id, s_user_t *user)
{
    memset (user, 0, sizeof *user);
    int64_t timeout = TOKEN_USER_LOOKUP_TIMEOUT_MS;
    if (call->deadline && call->deadline - call->now < timeout)
        timeout = call->deadline - call->now;
    if (timeout < 1)
        return R5__STATUS__STATUS_DEADLINE_EXCEEDED;

    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__GetUsersRequest get_users = R5__GET_USERS_REQUEST__INIT;
    r5_rpc_meta_init (&meta, "r5-token", call->rid, (int) timeout);
    char *ids [1] = { (char *) user_id };
    get_users.ids = ids;
    get_users.n_ids = 1;
    get_users.with_teams = true;
    request.meta = &meta;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_USERS;
    request.get_users = &get_users;

    R5__Status status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (
        call->self->client, R5_SERVICE_RESOURCE, &request.base, &r5__resource_reply__descriptor,
        (int) timeout, true, &status);
    if (!reply)
        return status == R5__STATUS__STATUS_MALFORMED ? R5__STATUS__STATUS_UNAVAILABLE : status;
    status = reply->status;
    if (status == R5__STATUS__STATUS_NOT_FOUND)
        status = R5__STATUS__STATUS_OK;         //  a missing user is an answer, not a failure
    else
    if (status == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USERS) {
        for (size_t i = 0; i < reply->users->n_users; i++) {
            R5__User *found = reply->users->users [i];
            if (!found->id || strcmp (found->id, user_id))
                continue;
            user->found = true;
            user->active = found->active;
            user->role = found->role;
            snprintf (user->account_id, sizeof user->account_id, "%s", found->account_id ? found->account_id : "");
            user->name = token_call_dup (found->name);
            user->email = token_call_dup (found->email);
            s_take_memberships (reply->users, user);
            break;
        }
    }
    else
    if (status == R5__STATUS__STATUS_OK)
        status = R5__STATUS__STATUS_INTERNAL;   //  OK without a user list: not the contract
    else
        r5_warn (call->rid, "r5.resource answered %s to get users", r5_status_name (status));
    protobuf_c_message_free_unpacked (&reply->base, NULL);
    if (status != R5__STATUS__STATUS_OK && status != R5__STATUS__STATUS_DEADLINE_EXCEEDED) {
        s_user_clear (user);
        status = R5__STATUS__STATUS_UNAVAILABLE;
    }
    return status;
}

//  Answer a failed verification: one status and message whatever the cause;
//  the cause goes to the audit trail (rate-limited) and the debug log.
static void
s_verify_failed (token_call_t *call, const char *reason, const token_record_t *token, const char *hint)
{
    r5_debug (call->rid, "verification failed: %s%s%s", reason, token ? " token " : "", token ? token->id : "");
    if (token_audit_failure_allowed (call->self->audit, call->now)) {
        token_audit_record_t record;
        if (token)
            token_call_audit_token ("verify_failed", token, &record);
        else {
            token_audit_record_init (&record, "verify_failed");
            snprintf (record.hint, sizeof record.hint, "%s", hint ? hint : "");
        }
        snprintf (record.reason, sizeof record.reason, "%s", reason);
        token_call_audit (call, &record);
        uint64_t dropped = token_audit_failures_dropped (call->self->audit);
        if (dropped)
            r5_warn (call->rid, "%llu failed verifications not written to the audit trail (rate limit)",
                     (unsigned long long) dropped);
    }
    token_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, TOKEN_UNAUTHENTICATED_MESSAGE);
}

//  lastUsedAt, throttled: at most one write per token and place per
//  interval; a session's idle expiry slides with it, and a personal access
//  token's place (address, user agent) is recorded in the same write.
static void
s_record_use (token_call_t *call, token_record_t *token, const char *user_agent)
{
    token_server_t *self = call->self;
    const char *agent = token->kind == TOKEN_KIND_PAT ? user_agent : NULL;
    if (!token_usage_due (self->usage, token->id, agent ? call->ip : NULL, agent, call->now))
        return;
    int64_t idle_expires = 0;
    if (token->kind == TOKEN_KIND_SESSION) {
        idle_expires = call->now + self->session_idle_ms;
        if (idle_expires > token->absolute_expires_at)
            idle_expires = token->absolute_expires_at;
    }
    if (token_store_touch (self->store, token->id, token->digest, call->now, call->ip, agent, idle_expires)
        == R5__STATUS__STATUS_OK) {
        if (idle_expires)
            token->idle_expires_at = idle_expires;
    }
    else {
        //  Verification stands; the use is recorded on a later request.
        r5_warn (call->rid, "%s", token_store_error (self->store));
        token_usage_forget (self->usage, token->id);
    }
}

//  The verified principal into the reply; takes the user's name and email.
static void
s_reply_verified (token_call_t *call, const token_record_t *token, s_user_t *user)
{
    R5__VerifyTokenReply *reply = (R5__VerifyTokenReply *) r5_malloc (sizeof *reply);
    R5__Principal *principal = (R5__Principal *) r5_malloc (sizeof *principal);
    r5__verify_token_reply__init (reply);
    r5__principal__init (principal);
    principal->user_id = token_call_dup (token->user_id);
    principal->account_id = token_call_dup (token->account_id);
    principal->role = user->role;
    principal->token_id = token_call_dup (token->id);
    principal->name = user->name;
    principal->email = user->email;
    user->name = user->email = NULL;
    if (token->kind == TOKEN_KIND_SESSION) {
        principal->kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;
        reply->expires_unix_ms = token->idle_expires_at < token->absolute_expires_at
                               ? token->idle_expires_at : token->absolute_expires_at;
    }
    else {
        principal->kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
        principal->scopes = token_call_scopes (token->scopes, &principal->n_scopes);
        //  Signed with the rest: r5-authz narrows every decision to these teams.
        principal->restricted_team_ids = token_call_teams (&token->teams, &principal->n_restricted_team_ids);
    }
    //  The user's standing, signed with the rest: r5-resource reads no user
    //  or teams per call (docs/decisions.md, "Principal facts").
    principal->active = user->active;
    if (user->teams_loaded) {
        principal->team_ids = user->team_ids;
        principal->n_team_ids = user->n_team_ids;
        principal->admin_team_ids = user->admin_team_ids;
        principal->n_admin_team_ids = user->n_admin_team_ids;
        user->team_ids = user->admin_team_ids = NULL;
        user->n_team_ids = user->n_admin_team_ids = 0;
        principal->facts_complete = true;
    }
    reply->principal = principal;
    //  What services act on: the principal under r5-token's signature, for a short while.
    reply->assertion = r5_assertion_issue (&call->self->assertion_key, principal, call->rid, call->now,
                                           call->self->assertion_ttl_ms);
    if (principal->facts_complete
    &&  (!reply->assertion || reply->assertion->claims.len > R5_ASSERTION_CLAIMS_MAX)) {
        //  Too many teams for a gateway to keep (or to sign): without them,
        //  and r5-resource loads them live on each call.
        if (reply->assertion)
            r5__principal_assertion__free_unpacked (reply->assertion, NULL);
        s_strings_free (&principal->team_ids, &principal->n_team_ids);
        s_strings_free (&principal->admin_team_ids, &principal->n_admin_team_ids);
        principal->facts_complete = false;
        reply->assertion = r5_assertion_issue (&call->self->assertion_key, principal, call->rid, call->now,
                                               call->self->assertion_ttl_ms);
    }
    if (!reply->assertion) {
        r5__verify_token_reply__free_unpacked (reply, NULL);
        token_call_fail (call, R5__STATUS__STATUS_INTERNAL, "internal error");
        r5_error (call->rid, "cannot sign the principal of token %s", token->id);
        return;
    }
    call->reply->body_case = R5__TOKEN_REPLY__BODY_VERIFY;
    call->reply->verify = reply;
}

//  Verify a presented value: the principal it stands for, or UNAUTHENTICATED.
void
token_on_verify (token_call_t *call, const R5__VerifyTokenRequest *verify)
{
    token_server_t *self = call->self;
    if (verify->client_ip && *verify->client_ip)
        call->ip = token_input_ip (verify->client_ip);
    const char *value = verify->value ? verify->value : "";
    size_t length = strlen (value);

    //  Shape and checksum first: garbage costs no lookup.
    r5_token_kind_t kind = r5_token_check (value, length);
    if (kind == R5_TOKEN_INVALID) {
        s_verify_failed (call, "malformed", NULL, NULL);
        return;
    }
    uint8_t digest [R5_TOKEN_DIGEST_SIZE];
    char digest_hex [TOKEN_DIGEST_HEX_SIZE];
    char hint [R5_TOKEN_HINT_SIZE];
    r5_token_digest (self->pepper, value, length, digest);
    token_store_digest_hex (digest, digest_hex);
    r5_token_hint (value, hint);

    token_record_t token;
    R5__Status status = token_store_find_by_digest (self->store, digest_hex, &token);
    if (status == R5__STATUS__STATUS_NOT_FOUND
    ||  (status == R5__STATUS__STATUS_OK && (int) token.kind != (int) kind)) {
        s_verify_failed (call, "unknown token", NULL, hint);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        token_call_fail_store (call, status, "cannot verify token", token_store_error (self->store));
        return;
    }
    if (token.kind == TOKEN_KIND_SESSION
    &&  (call->now >= token.absolute_expires_at || call->now >= token.idle_expires_at)) {
        //  Expired sessions are removed when met, so the collection does not keep them.
        token_record_t removed;
        if (token_store_delete_by_digest (self->store, digest_hex, TOKEN_KIND_SESSION, &removed)
            == R5__STATUS__STATUS_OK)
            token_call_publish (call, TOKEN_EVENT_REVOKED, &token);
        token_usage_forget (self->usage, token.id);
        s_verify_failed (call, "session expired", &token, NULL);
        return;
    }
    s_user_t user;
    status = s_lookup_user (call, token.user_id, &user);
    if (status != R5__STATUS__STATUS_OK) {
        r5_warn (call->rid, "cannot look up user %s: %s", token.user_id, r5_status_name (status));
        token_call_fail (call, status, "user directory unavailable");
        return;
    }
    if (!user.found || !user.active || strcmp (user.account_id, token.account_id))
        s_verify_failed (call, user.found && user.active ? "account mismatch" : "user inactive or missing",
                         &token, NULL);
    else {
        //  Outside input, cleaned whoever sent it.
        char user_agent [R5_USER_AGENT_MAX + 1];
        r5_user_agent_clean (verify->user_agent, user_agent, sizeof user_agent);
        s_record_use (call, &token, user_agent);
        s_reply_verified (call, &token, &user);
    }
    s_user_clear (&user);
}
