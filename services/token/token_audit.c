/*  token_audit: the token_audit collection.  */
#include "token_audit.h"
#include "token_bson.h"
#include "r5_alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "r5_time.h"

struct _token_audit_t {
    r5_mongo_t *mongo;              //  borrowed
    char error [256];
    double failure_tokens;          //  token bucket of failed-verification writes
    int64_t failure_refilled_at;
    uint64_t failures_dropped;
};

static const r5_mongo_index_t s_indexes [] = {
    //  A token's trail: newest first, _id breaking ties (the sort it sends).
    { "token_at_id", "{\"token_id\": 1, \"at\": -1, \"_id\": -1}", false, NULL },
};

token_audit_t *
token_audit_new (r5_mongo_t *mongo)
{
    assert (mongo);
    token_audit_t *self = (token_audit_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    self->failure_tokens = TOKEN_AUDIT_FAILURES_PER_SECOND;
    return self;
}

void
token_audit_destroy (token_audit_t **self_p)
{
    if (!*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

const char *
token_audit_error (token_audit_t *self)
{
    return self->error;
}

int
token_audit_ensure_indexes (token_audit_t *self, char *error, size_t error_size)
{
    //  token_at lacked the sort's _id tie-break (token_at_id replaces it).
    return r5_mongo_drop_index (self->mongo, TOKEN_AUDIT_COLLECTION, "token_at", error, error_size)
        || r5_mongo_ensure_indexes (self->mongo, TOKEN_AUDIT_COLLECTION, s_indexes,
                                    sizeof s_indexes / sizeof s_indexes [0], error, error_size);
}

void
token_audit_record_init (token_audit_record_t *record, const char *type)
{
    memset (record, 0, sizeof *record);
    snprintf (record->type, sizeof record->type, "%s", type);
}

bool
token_audit_failure_allowed (token_audit_t *self, int64_t now)
{
    if (self->failure_refilled_at) {
        double elapsed = (double) (now - self->failure_refilled_at) / 1000.0;
        if (elapsed > 0)
            self->failure_tokens += elapsed * TOKEN_AUDIT_FAILURES_PER_SECOND;
        if (self->failure_tokens > TOKEN_AUDIT_FAILURES_PER_SECOND)
            self->failure_tokens = TOKEN_AUDIT_FAILURES_PER_SECOND;
    }
    self->failure_refilled_at = now;
    if (self->failure_tokens >= 1) {
        self->failure_tokens -= 1;
        return true;
    }
    self->failures_dropped++;
    return false;
}

uint64_t
token_audit_failures_dropped (token_audit_t *self)
{
    uint64_t dropped = self->failures_dropped;
    self->failures_dropped = 0;
    return dropped;
}

static void
s_append_if (bson_t *doc, const char *key, const char *value)
{
    if (value && *value)
        bson_append_utf8 (doc, key, -1, value, -1);
}

void
token_audit_document (token_audit_record_t *record, bson_t *out)
{
    if (!*record->id)
        r5_mongo_new_id (record->id);
    if (!record->at)
        record->at = r5_now_ms ();
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&doc, "_id", record->id);
    BSON_APPEND_UTF8 (&doc, "type", record->type);
    BSON_APPEND_DATE_TIME (&doc, "at", record->at);
    s_append_if (&doc, "token_id", record->token_id);
    s_append_if (&doc, "user_id", record->user_id);
    s_append_if (&doc, "account_id", record->account_id);
    BSON_APPEND_UTF8 (&doc, "ip", record->ip);
    BSON_APPEND_UTF8 (&doc, "request_id", record->request_id);
    s_append_if (&doc, "reason", record->reason);
    s_append_if (&doc, "hint", record->hint);
    if (record->has_scopes_before)
        token_bson_append_scopes (&doc, "scopes_before", record->scopes_before);
    if (record->has_scopes_after)
        token_bson_append_scopes (&doc, "scopes_after", record->scopes_after);
    if (record->has_description_before)
        BSON_APPEND_UTF8 (&doc, "description_before", record->description_before);
    if (record->has_description_after)
        BSON_APPEND_UTF8 (&doc, "description_after", record->description_after);
    if (record->has_teams_before)
        token_bson_append_teams (&doc, "team_ids_before", &record->teams_before);
    if (record->has_teams_after)
        token_bson_append_teams (&doc, "team_ids_after", &record->teams_after);
    bson_concat (out, &doc);
    bson_destroy (&doc);
}

R5__Status
token_audit_insert (token_audit_t *self, const bson_t *doc)
{
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_AUDIT_COLLECTION);
    //  The entry's _id is fixed when the change is written: a duplicate is
    //  the same entry, written by an earlier attempt.
    if (!mongoc_collection_insert_one (collection, doc, NULL, NULL, &error) && !r5_mongo_is_duplicate (&error)) {
        snprintf (self->error, sizeof self->error, "cannot write audit event: %.200s", error.message);
        status = r5_mongo_status (&error);
    }
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    return status;
}

R5__Status
token_audit_write (token_audit_t *self, token_audit_record_t *record)
{
    bson_t doc = BSON_INITIALIZER;
    token_audit_document (record, &doc);
    R5__Status status = token_audit_insert (self, &doc);
    bson_destroy (&doc);
    return status;
}

//  Read an event document, checking every field's type.
static int
s_record_from_bson (token_audit_t *self, const bson_t *doc, token_audit_record_t *out)
{
    token_audit_record_init (out, "");
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc))
        return -1;
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        int rc = 0;
        if (!strcmp (key, "_id"))               rc = token_bson_copy_utf8 (&iter, out->id, sizeof out->id);
        else if (!strcmp (key, "type"))         rc = token_bson_copy_utf8 (&iter, out->type, sizeof out->type);
        else if (!strcmp (key, "token_id"))     rc = token_bson_copy_utf8 (&iter, out->token_id, sizeof out->token_id);
        else if (!strcmp (key, "user_id"))      rc = token_bson_copy_utf8 (&iter, out->user_id, sizeof out->user_id);
        else if (!strcmp (key, "account_id"))   rc = token_bson_copy_utf8 (&iter, out->account_id, sizeof out->account_id);
        else if (!strcmp (key, "ip"))           rc = token_bson_copy_utf8 (&iter, out->ip, sizeof out->ip);
        else if (!strcmp (key, "request_id"))   rc = token_bson_copy_utf8 (&iter, out->request_id, sizeof out->request_id);
        else if (!strcmp (key, "reason"))       rc = token_bson_copy_utf8 (&iter, out->reason, sizeof out->reason);
        else if (!strcmp (key, "hint"))         rc = token_bson_copy_utf8 (&iter, out->hint, sizeof out->hint);
        else if (!strcmp (key, "at")) {
            if (BSON_ITER_HOLDS_DATE_TIME (&iter))
                out->at = bson_iter_date_time (&iter);
            else
                rc = -1;
        }
        else if (!strcmp (key, "scopes_before")) {
            rc = token_bson_read_scopes (&iter, &out->scopes_before);
            out->has_scopes_before = true;
        }
        else if (!strcmp (key, "scopes_after")) {
            rc = token_bson_read_scopes (&iter, &out->scopes_after);
            out->has_scopes_after = true;
        }
        else if (!strcmp (key, "description_before")) {
            rc = token_bson_copy_utf8 (&iter, out->description_before, sizeof out->description_before);
            out->has_description_before = true;
        }
        else if (!strcmp (key, "description_after")) {
            rc = token_bson_copy_utf8 (&iter, out->description_after, sizeof out->description_after);
            out->has_description_after = true;
        }
        else if (!strcmp (key, "team_ids_before")) {
            rc = token_bson_read_teams (&iter, &out->teams_before);
            out->has_teams_before = true;
        }
        else if (!strcmp (key, "team_ids_after")) {
            rc = token_bson_read_teams (&iter, &out->teams_after);
            out->has_teams_after = true;
        }
        if (rc) {
            snprintf (self->error, sizeof self->error, "audit document %s: bad field %s",
                      *out->id ? out->id : "?", key);
            return -1;
        }
    }
    if (!*out->id || !*out->type) {
        snprintf (self->error, sizeof self->error, "audit document lacks _id or type");
        return -1;
    }
    return 0;
}

R5__Status
token_audit_list (token_audit_t *self, const char *token_id, const char *user_id,
                  const token_page_t *page, token_audit_record_t *out, size_t *count, int64_t *total)
{
    *count = 0;
    size_t limit = (size_t) page->size + 1;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "token_id", token_id);
    BSON_APPEND_UTF8 (&filter, "user_id", user_id);
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_AUDIT_COLLECTION);
    mongoc_cursor_t *cursor = NULL;
    //  Counted with the trail's own filter, before the cursors narrow it.
    if (total) {
        bson_t *count_opts = bson_new ();
        r5_mongo_read_opts (self->mongo, count_opts);
        *total = mongoc_collection_count_documents (collection, &filter, count_opts, NULL, NULL, &error);
        bson_destroy (count_opts);
        if (*total < 0) {
            snprintf (self->error, sizeof self->error, "cannot count audit events: %.200s", error.message);
            status = r5_mongo_status (&error);
            goto cleanup;
        }
    }
    bson_t *opts = bson_new ();
    token_bson_append_page (&filter, opts, "at", page);
    r5_mongo_read_opts (self->mongo, opts);
    cursor = mongoc_collection_find_with_opts (collection, &filter, opts, NULL);
    bson_destroy (opts);
    while (*count < limit && mongoc_cursor_next (cursor, &doc)) {
        if (s_record_from_bson (self, doc, &out [*count])) {
            status = R5__STATUS__STATUS_INTERNAL;
            break;
        }
        (*count)++;
    }
    if (status == R5__STATUS__STATUS_OK && mongoc_cursor_error (cursor, &error)) {
        snprintf (self->error, sizeof self->error, "cannot list audit events: %.200s", error.message);
        status = r5_mongo_status (&error);
    }

cleanup:
    mongoc_cursor_destroy (cursor);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (&filter);
    return status;
}
