/*  token_pending: completing what a token's change owes.  */
#include "token_pending.h"

#include "r5_log.h"
#include "r5_time.h"

//  Most debts completed by one sweep (the rest wait for the next).
#define S_SWEEP_BATCH 100
//  After a failed sweep, the least time before the next one (ms).
#define S_RETRY_MS 1000

//  The string at key of doc, or "" (borrowed).
static const char *
s_string (const bson_t *doc, const char *key)
{
    bson_iter_t iter;
    if (bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter))
        return bson_iter_utf8 (&iter, NULL);
    return "";
}

//  The event, the entry (and a leak's notice), the settling, in that order. 0, or -1 (logged).
static int
s_complete (token_server_t *self, const char *rid, const char *id, const char *user_id, const char *account_id,
            const bson_t *audit, const char *event, bool deleted, int64_t now)
{
    if (event && *event && token_events_publish (self->events, event, id, user_id, account_id, now))
        r5_warn (rid, "cannot publish token.%s %s", event, id);
    R5__Status status = token_audit_insert (self->audit, audit);
    if (status != R5__STATUS__STATUS_OK) {
        r5_warn (rid, "token %s owes its audit entry: %s", id, token_audit_error (self->audit));
        return -1;
    }
    //  A leaked token's notice is owed with its entry, under the entry's _id.
    status = token_notices_record (self->notices, audit);
    if (status != R5__STATUS__STATUS_OK) {
        r5_warn (rid, "token %s owes its owner's notice: %s", id, token_notices_error (self->notices));
        return -1;
    }
    status = token_store_settle (self->store, id, s_string (audit, "_id"), deleted);
    if (status != R5__STATUS__STATUS_OK) {
        r5_warn (rid, "token %s is not settled: %s", id, token_store_error (self->store));
        return -1;
    }
    return 0;
}

void
token_pending_finish (token_call_t *call, const token_record_t *token, const token_change_t *change, bool deleted)
{
    if (s_complete (call->self, call->rid, token->id, token->user_id, token->account_id, change->audit,
                    change->event, deleted, call->now))
        //  The change stands and is answered as done; its debt is swept next.
        call->self->pending_due = true;
}

int
token_pending_complete (token_server_t *self, const char *rid, const char *id)
{
    bson_t *docs [S_SWEEP_BATCH];
    size_t count = 0;
    if (token_store_owing (self->store, id, docs, S_SWEEP_BATCH, &count) != R5__STATUS__STATUS_OK) {
        r5_warn (rid, "%s", token_store_error (self->store));
        return -1;
    }
    int done = 0;
    for (size_t i = 0; i < count; i++) {
        bson_iter_t iter;
        uint32_t length;
        const uint8_t *data;
        bson_t audit;
        if (done >= 0 && bson_iter_init_find (&iter, docs [i], TOKEN_PENDING_KEY) && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            bson_iter_document (&iter, &length, &data);
            if (bson_init_static (&audit, data, length)
            &&  s_complete (self, rid, s_string (docs [i], "_id"), s_string (docs [i], "user_id"),
                            s_string (docs [i], "account_id"), &audit, s_string (docs [i], TOKEN_PENDING_EVENT_KEY),
                            bson_has_field (docs [i], TOKEN_DELETED_KEY), r5_now_ms ()) == 0)
                done++;
            else
                done = -1;
        }
        bson_destroy (docs [i]);
    }
    if (done > 0)
        r5_info (rid, "completed %d token change(s) that owed their audit entry", done);
    return done;
}

void
token_pending_sweep_due (token_server_t *self, const char *rid, int64_t now)
{
    if (now - self->pending_swept_at < (self->pending_due ? S_RETRY_MS : TOKEN_PENDING_SWEEP_MS))
        return;
    self->pending_swept_at = now;
    self->pending_due = token_pending_complete (self, rid, NULL) < 0;
}
