/*  token_manage: a signed-in user's management of their personal access
    tokens: create, list, get, update, regenerate, delete, and the audit
    trail of one token.

    Every call acts for meta.principal, which must be a login session; every
    store call filters on that principal's user, so another user's token
    answers NOT_FOUND exactly like a missing one. A change is written
    together with its audit entry and event (one write), then announced on
    the PUB socket (token_events), then its entry written to the audit
    trail, then answered; whatever of that fails is completed later
    (token_pending.h), never lost. */
#include "token_call.h"

#include <sodium.h>

#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "token_input.h"
#include "token_pending.h"

//  ---------------------------------------------------------------------------
//  create

//  A create retried with a key already used: the token exists and its value
//  was shown once; it cannot be shown again. CONFLICT with the token, no value.
static void
s_reply_replayed (token_call_t *call, const token_record_t *token)
{
    r5_info (call->rid, "create retried with the idempotency key of token %s", token->id);
    token_call_fail (call, R5__STATUS__STATUS_CONFLICT,
                     "a token was already created with this idempotency key; its value is shown only once: "
                     "regenerate the token if the value was lost");
    call->reply->body_case = R5__TOKEN_REPLY__BODY_TOKEN;
    call->reply->token = token_call_token (token);
}

static void
s_reply_issued (token_call_t *call, const token_record_t *token, const char *value)
{
    R5__TokenIssued *issued = (R5__TokenIssued *) r5_malloc (sizeof *issued);
    r5__token_issued__init (issued);
    issued->token = token_call_token (token);
    issued->value = token_call_dup (value);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_ISSUED;
    call->reply->issued = issued;
}

//  Create a personal access token for the session's user; its value is in
//  the reply and nowhere else. Replays of an idempotency key answer CONFLICT.
void
token_on_create (token_call_t *call, const R5__CreateTokenRequest *create)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    if (!principal)
        return;
    char message [128];
    r5_scope_set_t scopes;
    token_teams_t teams;
    if (token_input_description (create->description, message, sizeof message)
    ||  token_input_scopes (create->scopes, create->n_scopes, &scopes, message, sizeof message)
    ||  token_input_team_ids (create->team_ids, create->n_team_ids, &teams, message, sizeof message)) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    const char *key = create->idempotency_key ? create->idempotency_key : "";
    if (!token_input_is_idempotency_key (key)) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT,
                         "idempotency key must be at most 128 printable characters without spaces");
        return;
    }
    token_record_t token;
    R5__Status status;
    if (*key) {
        status = token_store_find_by_idempotency_key (self->store, principal->user_id, key, &token);
        if (status == R5__STATUS__STATUS_OK) {
            s_reply_replayed (call, &token);
            return;
        }
        if (status != R5__STATUS__STATUS_NOT_FOUND) {
            token_call_fail_store (call, status, "cannot create token", token_store_error (self->store));
            return;
        }
    }
    memset (&token, 0, sizeof token);
    r5_mongo_new_id (token.id);
    token.kind = TOKEN_KIND_PAT;
    snprintf (token.user_id, sizeof token.user_id, "%s", principal->user_id);
    snprintf (token.account_id, sizeof token.account_id, "%s", principal->account_id);
    snprintf (token.description, sizeof token.description, "%s", create->description);
    snprintf (token.idempotency_key, sizeof token.idempotency_key, "%s", key);
    token.scopes = scopes;
    token.teams = teams;
    token.created_at = call->now;

    char value [R5_TOKEN_LENGTH + 1];
    bson_t audit = BSON_INITIALIZER;
    token_change_t change = { &audit, "", NULL, NULL };
    //  A second attempt only if the new digest collided (2^-256): never in practice.
    for (int attempt = 0; attempt < 2; attempt++) {
        bool idempotency_taken;
        token_call_new_value (call, R5_TOKEN_PAT, value, token.digest, token.hint);
        token_audit_record_t record;
        token_call_audit_token ("created", &token, &record);
        record.has_scopes_after = true;
        record.scopes_after = token.scopes;
        record.has_teams_after = true;
        record.teams_after = token.teams;
        record.has_description_after = true;
        snprintf (record.description_after, sizeof record.description_after, "%s", token.description);
        bson_reinit (&audit);
        token_call_audit_document (call, &record, &audit);
        status = token_store_insert_changed (self->store, &token, &change, &idempotency_taken);
        if (status == R5__STATUS__STATUS_CONFLICT && idempotency_taken) {
            //  A concurrent copy of this create won the race for the key.
            sodium_memzero (value, sizeof value);
            token_record_t existing;
            status = token_store_find_by_idempotency_key (self->store, principal->user_id, key, &existing);
            if (status == R5__STATUS__STATUS_OK)
                s_reply_replayed (call, &existing);
            else
                token_call_fail_store (call, status, "cannot create token", token_store_error (self->store));
            bson_destroy (&audit);
            return;
        }
        if (status != R5__STATUS__STATUS_CONFLICT)
            break;
    }
    if (status != R5__STATUS__STATUS_OK) {
        sodium_memzero (value, sizeof value);
        token_call_fail_store (call, status, "cannot create token", token_store_error (self->store));
        bson_destroy (&audit);
        return;
    }
    r5_info (call->rid, "token %s created for user %s", token.id, token.user_id);
    token_pending_finish (call, &token, &change, false);
    s_reply_issued (call, &token, value);
    sodium_memzero (value, sizeof value);
    bson_destroy (&audit);
}

//  ---------------------------------------------------------------------------
//  list, get

//  Read a list's page into page. 0, or -1 after answering BAD_INPUT.
static int
s_page_read (token_call_t *call, int32_t first, const char *after, int32_t last, const char *before,
             token_page_t *page)
{
    const char *error;
    if (token_input_page (first, after, last, before, page, &error)) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, error);
        return -1;
    }
    return 0;
}

//  Read *count records of size bytes as a page: whether one more than the
//  page was read (*more; it is dropped), and the page put in the list's
//  order (a backward page is read nearest first).
static void
s_page_settle (const token_page_t *page, void *records, size_t size, size_t *count, bool *more)
{
    *more = *count > (size_t) page->size;
    if (*more)
        *count = (size_t) page->size;
    if (!page->backward || *count < 2)
        return;
    char *base = (char *) records;
    void *swap = r5_malloc (size);
    for (size_t i = 0; i < *count / 2; i++) {
        memcpy (swap, base + i * size, size);
        memcpy (base + i * size, base + (*count - 1 - i) * size, size);
        memcpy (base + (*count - 1 - i) * size, swap, size);
    }
    free (swap);
}

//  Every element's cursor, and the page's first and last, into a reply's
//  fields; the Relay spec's hasNextPage and hasPreviousPage: the side the
//  page was read towards is known from the extra element, the other is
//  false (docs/decisions.md).
static void
s_page_reply (const token_page_t *page, bool more, const int64_t *at, char (*ids) [TOKEN_ID_SIZE], size_t count,
              char ***cursors, size_t *n_cursors, char **start_cursor, char **end_cursor,
              protobuf_c_boolean *has_next_page, protobuf_c_boolean *has_previous_page)
{
    *has_next_page = !page->backward && more;
    *has_previous_page = page->backward && more;
    *cursors = (char **) r5_calloc (count ? count : 1, sizeof (char *));
    for (size_t i = 0; i < count; i++) {
        char cursor [TOKEN_CURSOR_SIZE];
        token_cursor_format (at [i], ids [i], cursor);
        (*cursors) [(*n_cursors)++] = token_call_dup (cursor);
    }
    if (count) {
        *start_cursor = token_call_dup ((*cursors) [0]);
        *end_cursor = token_call_dup ((*cursors) [count - 1]);
    }
}

//  Answer a store's failure (status is not OK) to read or change one of the
//  caller's tokens: NOT_FOUND with the one message for it, CONFLICT with
//  conflict when given, anything else as the store said, after what.
static void
s_fail_own (token_call_t *call, R5__Status status, const char *conflict, const char *what)
{
    if (status == R5__STATUS__STATUS_NOT_FOUND)
        token_call_fail (call, status, R5_NOT_FOUND_MESSAGE);
    else
    if (status == R5__STATUS__STATUS_CONFLICT && conflict)
        token_call_fail (call, status, conflict);
    else
        token_call_fail_store (call, status, what, token_store_error (call->self->store));
}

//  A page of the caller's own tokens, newest first.
void
token_on_list (token_call_t *call, const R5__ListTokensRequest *list)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    token_page_t page;
    if (!principal || s_page_read (call, list->first, list->after, list->last, list->before, &page))
        return;
    //  One more than asked for tells whether there is a next page.
    size_t count = 0;
    int64_t total = 0;
    token_record_t *records = (token_record_t *) r5_calloc ((size_t) page.size + 1, sizeof *records);
    R5__Status status = token_store_list (self->store, principal->user_id, principal->account_id, &page,
                                          records, &count, list->count ? &total : NULL);
    if (status != R5__STATUS__STATUS_OK) {
        free (records);
        token_call_fail_store (call, status, "cannot list tokens", token_store_error (self->store));
        return;
    }
    bool more;
    s_page_settle (&page, records, sizeof *records, &count, &more);
    R5__TokenList *reply = (R5__TokenList *) r5_malloc (sizeof *reply);
    r5__token_list__init (reply);
    reply->total_count = total;
    reply->tokens = (R5__Token **) r5_calloc (count ? count : 1, sizeof (R5__Token *));
    int64_t *at = (int64_t *) r5_calloc (count ? count : 1, sizeof *at);
    char (*ids) [TOKEN_ID_SIZE] = r5_calloc (count ? count : 1, TOKEN_ID_SIZE);
    for (size_t i = 0; i < count; i++) {
        reply->tokens [reply->n_tokens++] = token_call_token (&records [i]);
        at [i] = records [i].created_at;
        memcpy (ids [i], records [i].id, TOKEN_ID_SIZE);
    }
    s_page_reply (&page, more, at, ids, count, &reply->cursors, &reply->n_cursors, &reply->start_cursor,
                  &reply->end_cursor, &reply->has_next_page, &reply->has_previous_page);
    free (ids);
    free (at);
    free (records);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_LIST;
    call->reply->list = reply;
}

//  One of the caller's own tokens, without its value.
void
token_on_get (token_call_t *call, const R5__GetTokenRequest *get)
{
    const R5__Principal *principal = token_call_principal (call);
    if (!principal || !token_call_check_id (call, get->id))
        return;
    token_record_t token;
    R5__Status status = token_store_find_own (call->self->store, get->id,
                                              principal->user_id, principal->account_id,
                                              TOKEN_KIND_PAT, &token);
    if (status != R5__STATUS__STATUS_OK)
        s_fail_own (call, status, NULL, "cannot get token");
    else {
        call->reply->body_case = R5__TOKEN_REPLY__BODY_TOKEN;
        call->reply->token = token_call_token (&token);
    }
}

//  ---------------------------------------------------------------------------
//  update, regenerate, delete

//  What names one change among a token's applied changes: the caller's key
//  for it (UpdateTokenRequest.idempotency_key, which a client's retry keeps)
//  or else its request id (which a resend keeps), then a digest of what it
//  asks, so two different changes sent under one request id are both
//  applied. Into out; NULL when the request has neither. A keyed change also
//  gets its claim, the key alone, into claim (else claim [0] is "").
static const char *
s_applied_id (token_call_t *call, const R5__UpdateTokenRequest *update, char out [TOKEN_APPLIED_ID_SIZE],
              char claim [TOKEN_APPLIED_ID_SIZE])
{
    claim [0] = 0;
    if (update->idempotency_key && *update->idempotency_key)
        snprintf (claim, TOKEN_APPLIED_ID_SIZE, TOKEN_KEY_PREFIX "%s", update->idempotency_key);
    const char *name = *claim ? claim : call->rid;
    if (!name || !*name || strlen (name) > TOKEN_APPLIED_ID_SIZE - 34)
        return NULL;
    size_t size = protobuf_c_message_get_packed_size (&update->base);
    uint8_t *packed = r5_malloc (size ? size : 1);
    protobuf_c_message_pack (&update->base, packed);
    uint8_t digest [16];
    crypto_generichash (digest, sizeof digest, packed, size, NULL, 0);
    free (packed);
    char hex [33];
    sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
    snprintf (out, TOKEN_APPLIED_ID_SIZE, "%s/%s", name, hex);
    return out;
}

//  Change a token's description, scopes and/or team restriction (only what
//  the request sets). Every change publishes "token.updated": gateways drop
//  the token's cached verdicts and the next request is verified afresh.
void
token_on_update (token_call_t *call, const R5__UpdateTokenRequest *update)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    if (!principal || !token_call_check_id (call, update->id))
        return;
    char message [128];
    const char *description = NULL;
    if (update->description_present_case == R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION) {
        description = update->description ? update->description : "";
        if (token_input_description (description, message, sizeof message)) {
            token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
            return;
        }
    }
    if (!token_input_is_change_key (update->idempotency_key)) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT,
                         "idempotency key must be at most 128 printable characters without spaces");
        return;
    }
    r5_scope_set_t scopes = 0;
    token_teams_t teams = { .count = 0 };
    if ((update->set_scopes
         && token_input_scopes (update->scopes, update->n_scopes, &scopes, message, sizeof message))
    ||  (update->set_team_ids
         && token_input_team_ids (update->team_ids, update->n_team_ids, &teams, message, sizeof message))) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    token_record_t before, after;
    R5__Status status = R5__STATUS__STATUS_CONFLICT;
    bson_t audit = BSON_INITIALIZER;
    char applied [TOKEN_APPLIED_ID_SIZE], claim [TOKEN_APPLIED_ID_SIZE];
    token_change_t change = { &audit, TOKEN_EVENT_UPDATED, s_applied_id (call, update, applied, claim), NULL };
    if (*claim && change.request_id)
        change.claim = claim;
    bool repeat = false, key_used = false;
    //  Compare-and-set on what the audit entry says it was: a few attempts
    //  when another change wins in between.
    for (int attempt = 0; attempt < 3 && status == R5__STATUS__STATUS_CONFLICT; attempt++) {
        //  An earlier change of this token that still owes its entry goes first.
        token_pending_complete (self, call->rid, update->id);
        //  A miss may be this very request, applied before (a resend): it
        //  answers the token as it is, with no second change or entry.
        if (attempt > 0
        &&  token_store_find_applied (self->store, update->id, principal->user_id, principal->account_id,
                                      change.request_id, &after) == R5__STATUS__STATUS_OK) {
            repeat = true;
            break;
        }
        //  Or the key was used for another change of this token.
        if (attempt > 0 && change.claim
        &&  token_store_find_applied (self->store, update->id, principal->user_id, principal->account_id,
                                      change.claim, &after) == R5__STATUS__STATUS_OK) {
            key_used = true;
            break;
        }
        status = token_store_find_own (self->store, update->id, principal->user_id, principal->account_id,
                                       TOKEN_KIND_PAT, &before);
        if (status != R5__STATUS__STATUS_OK)
            break;
        token_audit_record_t record;
        token_call_audit_token ("updated", &before, &record);
        if (update->set_scopes) {
            record.has_scopes_before = record.has_scopes_after = true;
            record.scopes_before = before.scopes;
            record.scopes_after = scopes;
        }
        if (update->set_team_ids) {
            record.has_teams_before = record.has_teams_after = true;
            record.teams_before = before.teams;
            record.teams_after = teams;
        }
        if (description) {
            record.has_description_before = record.has_description_after = true;
            snprintf (record.description_before, sizeof record.description_before, "%s", before.description);
            snprintf (record.description_after, sizeof record.description_after, "%s", description);
        }
        bson_reinit (&audit);
        token_call_audit_document (call, &record, &audit);
        status = token_store_update (self->store, &before, description, update->set_scopes ? &scopes : NULL,
                                     update->set_team_ids ? &teams : NULL, &change, &after);
    }
    if (repeat) {
        r5_info (call->rid, "token %s: update repeated, applied once", after.id);
        call->reply->body_case = R5__TOKEN_REPLY__BODY_TOKEN;
        call->reply->token = token_call_token (&after);
    }
    else
    if (key_used)
        token_call_fail (call, R5__STATUS__STATUS_CONFLICT,
                         "this idempotency key was already used for a different change of this token");
    else
    if (status == R5__STATUS__STATUS_OK) {
        r5_info (call->rid, "token %s updated", after.id);
        token_pending_finish (call, &after, &change, false);
        call->reply->body_case = R5__TOKEN_REPLY__BODY_TOKEN;
        call->reply->token = token_call_token (&after);
    }
    else
        s_fail_own (call, status, "the token changed meanwhile; try again", "cannot update token");
    bson_destroy (&audit);
}

//  A new value for a token; the old one stops working at once.
void
token_on_regenerate (token_call_t *call, const R5__RegenerateTokenRequest *regenerate)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    const char *id = regenerate->id;
    if (!principal || !token_call_check_id (call, id))
        return;
    token_record_t current, after;
    //  An earlier change of this token that still owes its entry goes first.
    token_pending_complete (self, call->rid, id);
    R5__Status status = token_store_find_own (self->store, id, principal->user_id,
                                              principal->account_id, TOKEN_KIND_PAT, &current);
    if (status == R5__STATUS__STATUS_OK) {
        char value [R5_TOKEN_LENGTH + 1];
        char digest [TOKEN_DIGEST_HEX_SIZE];
        char hint [R5_TOKEN_HINT_SIZE];
        token_call_new_value (call, R5_TOKEN_PAT, value, digest, hint);
        token_audit_record_t record;
        token_call_audit_token ("regenerated", &current, &record);
        snprintf (record.hint, sizeof record.hint, "%s", hint);
        bson_t audit = BSON_INITIALIZER;
        token_call_audit_document (call, &record, &audit);
        token_change_t change = { &audit, TOKEN_EVENT_REVOKED, NULL, NULL };
        //  Only if the digest is still the one just read: of two concurrent
        //  regenerates exactly one wins, the other is told CONFLICT.
        status = token_store_swap_digest (self->store, id, principal->user_id, principal->account_id,
                                          current.digest, digest, hint, &change, &after);
        if (status == R5__STATUS__STATUS_OK) {
            token_usage_forget (self->usage, id);
            r5_info (call->rid, "token %s regenerated", id);
            token_pending_finish (call, &after, &change, false);
            s_reply_issued (call, &after, value);
        }
        sodium_memzero (value, sizeof value);
        bson_destroy (&audit);
    }
    if (status != R5__STATUS__STATUS_OK)
        s_fail_own (call, status, "the token was regenerated by another request at the same time; try again",
                    "cannot regenerate token");
}

R5__Status
token_call_retire (token_call_t *call, const token_record_t *token, const char *digest, bson_t *audit)
{
    token_server_t *self = call->self;
    token_change_t change = { audit, TOKEN_EVENT_REVOKED, NULL, NULL };
    //  An earlier change of this token that still owes its entry goes first.
    token_pending_complete (self, call->rid, token->id);
    token_record_t deleted_token;
    R5__Status status = token_store_retire (self->store, token->id, token->user_id, token->account_id, digest,
                                            call->now, &change, &deleted_token);
    if (status != R5__STATUS__STATUS_OK)
        return status;
    token_usage_forget (self->usage, token->id);
    r5_info (call->rid, "token %s deleted", token->id);
    //  The event (and the gateways' confirmation before the reply), the
    //  audit entry and, for a leak, the owner's notice (token_pending.h).
    token_pending_finish (call, token, &change, true);
    return R5__STATUS__STATUS_OK;
}

//  Delete one of the caller's tokens: it stops working at once.
void
token_on_delete (token_call_t *call, const R5__DeleteTokenRequest *delete_)
{
    const R5__Principal *principal = token_call_principal (call);
    const char *id = delete_->id;
    if (!principal || !token_call_check_id (call, id))
        return;
    token_record_t token;
    memset (&token, 0, sizeof token);
    snprintf (token.id, sizeof token.id, "%s", id);
    snprintf (token.user_id, sizeof token.user_id, "%s", principal->user_id);
    snprintf (token.account_id, sizeof token.account_id, "%s", principal->account_id);
    token_audit_record_t record;
    token_call_audit_token ("deleted", &token, &record);
    bson_t audit = BSON_INITIALIZER;
    token_call_audit_document (call, &record, &audit);
    R5__Status status = token_call_retire (call, &token, NULL, &audit);
    bson_destroy (&audit);
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_own (call, status, "the token changed meanwhile; try again", "cannot delete token");
        return;
    }
    R5__Deleted *deleted = (R5__Deleted *) r5_malloc (sizeof *deleted);
    r5__deleted__init (deleted);
    deleted->id = token_call_dup (id);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_DELETED;
    call->reply->deleted = deleted;
}

//  ---------------------------------------------------------------------------
//  audit trail

//  A page of one token's audit trail, newest first (owner only).
void
token_on_list_events (token_call_t *call, const R5__ListTokenEventsRequest *list)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    token_page_t page;
    if (!principal || !token_call_check_id (call, list->id)
    ||  s_page_read (call, list->first, list->after, list->last, list->before, &page))
        return;
    //  The trail read includes every change made: what one still owes is written first.
    token_pending_complete (self, call->rid, list->id);
    //  Owner only: the token must be the caller's own, like every other call.
    token_record_t token;
    R5__Status status = token_store_find_own (self->store, list->id, principal->user_id,
                                              principal->account_id, TOKEN_KIND_PAT, &token);
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_own (call, status, NULL, "cannot list token events");
        return;
    }
    size_t count = 0;
    int64_t total = 0;
    token_audit_record_t *records = (token_audit_record_t *) r5_calloc ((size_t) page.size + 1, sizeof *records);
    status = token_audit_list (self->audit, token.id, principal->user_id, &page, records, &count,
                               list->count ? &total : NULL);
    if (status != R5__STATUS__STATUS_OK) {
        free (records);
        token_call_fail_store (call, status, "cannot list token events", token_audit_error (self->audit));
        return;
    }
    R5__TokenEventList *reply = (R5__TokenEventList *) r5_malloc (sizeof *reply);
    r5__token_event_list__init (reply);
    bool more;
    s_page_settle (&page, records, sizeof *records, &count, &more);
    reply->total_count = total;
    reply->events = (R5__TokenEvent **) r5_calloc (count ? count : 1, sizeof (R5__TokenEvent *));
    for (size_t i = 0; i < count; i++) {
        const token_audit_record_t *record = &records [i];
        R5__TokenEvent *event = (R5__TokenEvent *) r5_malloc (sizeof *event);
        r5__token_event__init (event);
        event->id = token_call_dup (record->id);
        event->token_id = token_call_dup (record->token_id);
        event->type = token_call_dup (record->type);
        event->at_unix_ms = record->at;
        event->ip = token_call_dup (record->ip);
        event->request_id = token_call_dup (record->request_id);
        if (record->has_scopes_before)
            event->scopes_before = token_call_scopes (record->scopes_before, &event->n_scopes_before);
        if (record->has_scopes_after)
            event->scopes_after = token_call_scopes (record->scopes_after, &event->n_scopes_after);
        if (record->has_teams_before)
            event->team_ids_before = token_call_teams (&record->teams_before, &event->n_team_ids_before);
        if (record->has_teams_after)
            event->team_ids_after = token_call_teams (&record->teams_after, &event->n_team_ids_after);
        event->description_before = token_call_dup (record->description_before);
        event->description_after = token_call_dup (record->description_after);
        event->reason = token_call_dup (record->reason);
        event->hint = token_call_dup (record->hint);
        reply->events [reply->n_events++] = event;
    }
    int64_t *at = (int64_t *) r5_calloc (count ? count : 1, sizeof *at);
    char (*ids) [TOKEN_ID_SIZE] = r5_calloc (count ? count : 1, TOKEN_ID_SIZE);
    for (size_t i = 0; i < count; i++) {
        at [i] = records [i].at;
        memcpy (ids [i], records [i].id, TOKEN_ID_SIZE);
    }
    s_page_reply (&page, more, at, ids, count, &reply->cursors, &reply->n_cursors, &reply->start_cursor,
                  &reply->end_cursor, &reply->has_next_page, &reply->has_previous_page);
    free (ids);
    free (at);
    free (records);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_EVENTS;
    call->reply->events = reply;
}

