/*  token_sessions: login sessions, made at sign-in (CreateSessionRequest,
    from the gateway after r5.resource checked the password, with the
    password proof r5.resource signed) and ended at sign-out
    (DeleteSessionRequest). Verification of a session value is
    token_verify's, like a personal access token's. */
#include "token_call.h"

#include <sodium.h>

#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_password_proof.h"
#include "token_input.h"

//  True when create carries r5.resource's unexpired proof for exactly its
//  user and account, never presented before (it is spent now, whatever
//  follows: a proof makes one attempt at a session). Else the reply is set.
static bool
s_spend_proof (token_call_t *call, const R5__CreateSessionRequest *create)
{
    token_server_t *self = call->self;
    const char *why = "";
    R5__PasswordProofClaims *claims = r5_password_proof_verify (&self->proof_public, create->proof, call->now, &why);
    R5__Status status = R5__STATUS__STATUS_UNAUTHENTICATED;
    if (claims && (strcmp (claims->user_id, create->user_id) || strcmp (claims->account_id, create->account_id)))
        why = "proof for another user";
    else
    if (claims) {
        status = token_proofs_spend (self->proofs, claims);
        why = "proof already used";
    }
    if (claims)
        r5__password_proof_claims__free_unpacked (claims, NULL);
    if (status == R5__STATUS__STATUS_OK)
        return true;
    if (status != R5__STATUS__STATUS_UNAUTHENTICATED && status != R5__STATUS__STATUS_CONFLICT) {
        token_call_fail_store (call, status, "cannot create session", token_proofs_error (self->proofs));
        return false;
    }
    r5_warn (call->rid, "session for user %s refused: %s", create->user_id, why);
    token_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "a fresh password check is required");
    return false;
}

//  A login session for a user whose password r5.resource has just checked,
//  as its signed, unexpired, unused password proof shows.
void
token_on_create_session (token_call_t *call, const R5__CreateSessionRequest *create)
{
    token_server_t *self = call->self;
    if (!token_input_is_user_id (create->user_id) || !token_input_is_user_id (create->account_id)) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "invalid user or account id");
        return;
    }
    if (!s_spend_proof (call, create))
        return;
    token_record_t session;
    memset (&session, 0, sizeof session);
    r5_mongo_new_id (session.id);
    session.kind = TOKEN_KIND_SESSION;
    snprintf (session.user_id, sizeof session.user_id, "%s", create->user_id);
    snprintf (session.account_id, sizeof session.account_id, "%s", create->account_id);
    session.created_at = call->now;
    session.last_used_at = call->now;
    snprintf (session.last_used_ip, sizeof session.last_used_ip, "%s", call->ip);
    session.absolute_expires_at = call->now + self->session_absolute_ms;
    session.idle_expires_at = call->now + self->session_idle_ms;
    if (session.idle_expires_at > session.absolute_expires_at)
        session.idle_expires_at = session.absolute_expires_at;

    char value [R5_TOKEN_LENGTH + 1];
    R5__Status status = R5__STATUS__STATUS_INTERNAL;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool unused;
        token_call_new_value (call, R5_TOKEN_SESSION, value, session.digest, session.hint);
        status = token_store_insert (self->store, &session, &unused);
        if (status != R5__STATUS__STATUS_CONFLICT)
            break;
    }
    if (status != R5__STATUS__STATUS_OK) {
        sodium_memzero (value, sizeof value);
        token_call_fail_store (call, status, "cannot create session", token_store_error (self->store));
        return;
    }
    //  The last use counts from now: the first verify need not write.
    token_usage_due (self->usage, session.id, NULL, NULL, call->now);
    r5_info (call->rid, "session %s created for user %s", session.id, session.user_id);
    token_audit_record_t record;
    token_call_audit_token ("session_created", &session, &record);
    token_call_audit (call, &record);

    R5__SessionIssued *issued = (R5__SessionIssued *) r5_malloc (sizeof *issued);
    r5__session_issued__init (issued);
    issued->value = token_call_dup (value);
    issued->idle_expires_unix_ms = session.idle_expires_at;
    issued->absolute_expires_unix_ms = session.absolute_expires_at;
    call->reply->body_case = R5__TOKEN_REPLY__BODY_SESSION;
    call->reply->session = issued;
    sodium_memzero (value, sizeof value);
}

//  Sign-out. Idempotent: an unknown or already ended session answers OK with
//  an empty id, so a retried sign-out cannot fail.
void
token_on_delete_session (token_call_t *call, const R5__DeleteSessionRequest *delete_)
{
    token_server_t *self = call->self;
    const char *value = delete_->value ? delete_->value : "";
    size_t length = strlen (value);
    char ended [TOKEN_ID_SIZE] = "";        //  the session ended, if any
    r5_token_kind_t kind = r5_token_check (value, length);
    if (kind == R5_TOKEN_PAT) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "not a session: delete personal access tokens by id");
        return;
    }
    if (kind == R5_TOKEN_SESSION) {
        uint8_t digest [R5_TOKEN_DIGEST_SIZE];
        char digest_hex [TOKEN_DIGEST_HEX_SIZE];
        r5_token_digest (self->pepper, value, length, digest);
        token_store_digest_hex (digest, digest_hex);
        token_record_t session;
        R5__Status status = token_store_delete_by_digest (self->store, digest_hex, TOKEN_KIND_SESSION, &session);
        if (status == R5__STATUS__STATUS_OK) {
            token_usage_forget (self->usage, session.id);
            r5_info (call->rid, "session %s ended", session.id);
            token_call_publish (call, TOKEN_EVENT_REVOKED, &session);
            token_audit_record_t record;
            token_call_audit_token ("session_deleted", &session, &record);
            token_call_audit (call, &record);
            snprintf (ended, sizeof ended, "%s", session.id);
        }
        else
        if (status != R5__STATUS__STATUS_NOT_FOUND) {
            token_call_fail_store (call, status, "cannot end session", token_store_error (self->store));
            return;
        }
    }
    R5__Deleted *deleted = (R5__Deleted *) r5_malloc (sizeof *deleted);
    r5__deleted__init (deleted);
    deleted->id = token_call_dup (ended);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_DELETED;
    call->reply->deleted = deleted;
}

