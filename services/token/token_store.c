/*  token_store: tokens and sessions in MongoDB, one document each.  */
#include "token_store.h"
#include "token_bson.h"
#include "r5_alloc.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define s_streq(a, b) (strcmp ((a), (b)) == 0)

struct _token_store_t {
    r5_mongo_t *mongo;              //  borrowed
    char error [256];
};

static const r5_mongo_index_t s_indexes [] = {
    { "digest_unique", "{\"digest\": 1}", true, NULL },
    //  A user's list: newest first, _id breaking ties (the sort it sends).
    { "user_created_id", "{\"user_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
    //  Partial: only tokens created with a key take part, so keyless creates never collide.
    { "user_idempotency_key", "{\"user_id\": 1, \"idempotency_key\": 1}", true,
      "{\"idempotency_key\": {\"$exists\": true}}" },
    //  Partial: the few tokens whose last change still owes its audit entry
    //  (the key is always written and unset with audit_pending).
    { "audit_owed", "{\"" TOKEN_PENDING_EVENT_KEY "\": 1}", false,
      "{\"" TOKEN_PENDING_EVENT_KEY "\": {\"$exists\": true}}" },
};

token_store_t *
token_store_new (r5_mongo_t *mongo)
{
    assert (mongo);
    token_store_t *self = (token_store_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    return self;
}

void
token_store_destroy (token_store_t **self_p)
{
    if (!*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

const char *
token_store_error (token_store_t *self)
{
    return self->error;
}

int
token_store_ensure_indexes (token_store_t *self, char *error, size_t error_size)
{
    //  user_created lacked the sort's _id tie-break (user_created_id replaces it).
    if (r5_mongo_drop_index (self->mongo, TOKEN_COLLECTION, "user_created", error, error_size)
    ||  r5_mongo_ensure_indexes (self->mongo, TOKEN_COLLECTION, s_indexes,
                                 sizeof s_indexes / sizeof s_indexes [0], error, error_size))
        return -1;
    //  MongoDB removes a session once its idle expiry (never past the absolute
    //  one) has passed; tokens have no such field and never expire.
    return r5_mongo_ensure_expiry (self->mongo, TOKEN_COLLECTION, "session_expiry", "idle_expires_at",
                                   error, error_size);
}

const char *
token_kind_name (token_kind_t kind)
{
    return kind == TOKEN_KIND_SESSION ? "session" : "pat";
}

void
token_store_digest_hex (const uint8_t digest [R5_TOKEN_DIGEST_SIZE], char out [TOKEN_DIGEST_HEX_SIZE])
{
    sodium_bin2hex (out, TOKEN_DIGEST_HEX_SIZE, digest, R5_TOKEN_DIGEST_SIZE);
}

//  ---------------------------------------------------------------------------
//  Documents <-> records

//  Read a document into a record. -1 (with the field in self->error) when a
//  field has the wrong type: data from MongoDB is validated, never trusted.
static int
s_record_from_bson (token_store_t *self, const bson_t *doc, token_record_t *out)
{
    memset (out, 0, sizeof *out);
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc))
        goto bad;
    bool have_id = false, have_digest = false, have_kind = false;
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        int rc = 0;
        if (s_streq (key, "_id")) {
            rc = token_bson_copy_utf8 (&iter, out->id, sizeof out->id);
            have_id = rc == 0;
        }
        else
        if (s_streq (key, "kind")) {
            char kind [16];
            rc = token_bson_copy_utf8 (&iter, kind, sizeof kind);
            if (rc == 0 && s_streq (kind, "pat"))
                out->kind = TOKEN_KIND_PAT;
            else
            if (rc == 0 && s_streq (kind, "session"))
                out->kind = TOKEN_KIND_SESSION;
            else
                rc = -1;
            have_kind = rc == 0;
        }
        else
        if (s_streq (key, "user_id"))
            rc = token_bson_copy_utf8 (&iter, out->user_id, sizeof out->user_id);
        else
        if (s_streq (key, "account_id"))
            rc = token_bson_copy_utf8 (&iter, out->account_id, sizeof out->account_id);
        else
        if (s_streq (key, "digest")) {
            rc = token_bson_copy_utf8 (&iter, out->digest, sizeof out->digest);
            have_digest = rc == 0;
        }
        else
        if (s_streq (key, "hint"))
            rc = token_bson_copy_utf8 (&iter, out->hint, sizeof out->hint);
        else
        if (s_streq (key, "description"))
            rc = token_bson_copy_utf8 (&iter, out->description, sizeof out->description);
        else
        if (s_streq (key, "idempotency_key"))
            rc = token_bson_copy_utf8 (&iter, out->idempotency_key, sizeof out->idempotency_key);
        else
        if (s_streq (key, "last_used_ip"))
            rc = token_bson_copy_utf8 (&iter, out->last_used_ip, sizeof out->last_used_ip);
        else
        if (s_streq (key, "created_at"))
            rc = token_bson_read_time (&iter, &out->created_at);
        else
        if (s_streq (key, "last_used_at"))
            rc = token_bson_read_time (&iter, &out->last_used_at);
        else
        if (s_streq (key, "idle_expires_at"))
            rc = token_bson_read_time (&iter, &out->idle_expires_at);
        else
        if (s_streq (key, "absolute_expires_at"))
            rc = token_bson_read_time (&iter, &out->absolute_expires_at);
        else
        if (s_streq (key, "scopes"))
            rc = token_bson_read_scopes (&iter, &out->scopes);
        else
        if (s_streq (key, TOKEN_USED_FROM_KEY))
            rc = token_bson_read_uses (&iter, out);
        else
        if (s_streq (key, TOKEN_TEAMS_KEY))
            rc = token_bson_read_teams (&iter, &out->teams);
        if (rc) {
            snprintf (self->error, sizeof self->error, "token document %s: bad field %s",
                      have_id ? out->id : "?", key);
            return -1;
        }
    }
    if (have_id && have_digest && have_kind && *out->user_id)
        return 0;
bad:
    snprintf (self->error, sizeof self->error, "token document %s lacks required fields",
              *out->id ? out->id : "?");
    return -1;
}

//  The condition "not deleted": a deleted token waits for its audit entry
//  and is then removed; until then nothing finds it.
static void
s_append_live (bson_t *filter)
{
    BCON_APPEND (filter, TOKEN_DELETED_KEY, "{", "$exists", BCON_BOOL (false), "}");
}

//  Filter on one of a user's own tokens.
static void
s_append_owner (bson_t *filter, const char *id, const char *user_id, const char *account_id,
                token_kind_t kind)
{
    BSON_APPEND_UTF8 (filter, "_id", id);
    BSON_APPEND_UTF8 (filter, "user_id", user_id);
    BSON_APPEND_UTF8 (filter, "account_id", account_id);
    BSON_APPEND_UTF8 (filter, "kind", token_kind_name (kind));
    s_append_live (filter);
}

//  A change's audit entry and event, into the document or $set it writes.
static void
s_append_change (bson_t *doc, const token_change_t *change)
{
    if (!change)
        return;
    BSON_APPEND_DOCUMENT (doc, TOKEN_PENDING_KEY, change->audit);
    BSON_APPEND_UTF8 (doc, TOKEN_PENDING_EVENT_KEY, change->event ? change->event : "");
}

//  The condition "this request was not applied yet" (token_change_t).
static void
s_append_not_applied (bson_t *filter, const token_change_t *change)
{
    if (change && change->claim && change->request_id)
        BCON_APPEND (filter, TOKEN_APPLIED_KEY, "{", "$nin", "[", BCON_UTF8 (change->claim),
                     BCON_UTF8 (change->request_id), "]", "}");
    else
    if (change && change->request_id && *change->request_id)
        BCON_APPEND (filter, TOKEN_APPLIED_KEY, "{", "$ne", BCON_UTF8 (change->request_id), "}");
}

//  Remember the change's request id, the last TOKEN_APPLIED_MAX only, so the
//  document cannot grow with use.
//  A claim goes first, so the slice drops it before its change's name.
static void
s_append_applied (bson_t *update, const token_change_t *change)
{
    if (change && change->claim && change->request_id)
        BCON_APPEND (update, "$push", "{", TOKEN_APPLIED_KEY, "{",
                     "$each", "[", BCON_UTF8 (change->claim), BCON_UTF8 (change->request_id), "]",
                     "$slice", BCON_INT32 (-TOKEN_APPLIED_MAX), "}", "}");
    else
    if (change && change->request_id && *change->request_id)
        BCON_APPEND (update, "$push", "{", TOKEN_APPLIED_KEY, "{",
                     "$each", "[", BCON_UTF8 (change->request_id), "]",
                     "$slice", BCON_INT32 (-TOKEN_APPLIED_MAX), "}", "}");
}

//  The condition "no change of this token still owes its audit entry": a
//  change never overwrites another's.
static void
s_append_settled (bson_t *filter)
{
    BCON_APPEND (filter, TOKEN_PENDING_KEY, "{", "$exists", BCON_BOOL (false), "}");
}

static R5__Status
s_fail (token_store_t *self, const char *what, const bson_error_t *error)
{
    snprintf (self->error, sizeof self->error, "cannot %s: %.200s", what, error->message);
    return r5_mongo_status (error);
}

//  The same, with the server's reply (its labels count).
static R5__Status
s_fail_reply (token_store_t *self, const char *what, const bson_error_t *error, const bson_t *reply)
{
    R5__Status status = s_fail (self, what, error);
    return status == R5__STATUS__STATUS_INTERNAL ? r5_mongo_status_reply (error, reply) : status;
}

//  Run findAndModify; on success *found says whether a document matched and,
//  if out is not NULL, holds it (the old one or the new one, as flags say).
static R5__Status
s_find_and_modify (token_store_t *self, const char *what, const bson_t *filter, const bson_t *update,
                   mongoc_find_and_modify_flags_t flags, bool *found, token_record_t *out)
{
    R5__Status status = R5__STATUS__STATUS_INTERNAL;
    bson_error_t error;
    bson_t reply = BSON_INITIALIZER;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    if (update)
        mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, flags);
    *found = false;

    bson_destroy (&reply);
    if (!mongoc_collection_find_and_modify_with_opts (collection, filter, opts, &reply, &error)) {
        status = s_fail_reply (self, what, &error, &reply);
        goto cleanup;
    }
    bson_iter_t iter;
    if (bson_iter_init_find (&iter, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
        uint32_t length;
        const uint8_t *data;
        bson_iter_document (&iter, &length, &data);
        bson_t doc;
        if (!bson_init_static (&doc, data, length) || (out && s_record_from_bson (self, &doc, out)))
            goto cleanup;
        *found = true;
    }
    status = R5__STATUS__STATUS_OK;

cleanup:
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (opts);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    return status;
}

//  Read the documents of filter (at most limit, opts: sort, limit) into out
//  and their number into *count; what names the read in an error.
static R5__Status
s_find_records (token_store_t *self, const char *what, const bson_t *filter, bson_t *opts,
                token_record_t *out, size_t limit, size_t *count)
{
    *count = 0;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    const bson_t *doc;
    r5_mongo_read_opts (self->mongo, opts);
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    while (*count < limit && mongoc_cursor_next (cursor, &doc)) {
        if (s_record_from_bson (self, doc, &out [*count])) {
            status = R5__STATUS__STATUS_INTERNAL;
            break;
        }
        (*count)++;
    }
    if (status == R5__STATUS__STATUS_OK && mongoc_cursor_error (cursor, &error))
        status = s_fail (self, what, &error);
    mongoc_cursor_destroy (cursor);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    return status;
}

//  Find one document by filter into out (NOT_FOUND when none).
static R5__Status
s_find_one (token_store_t *self, const bson_t *filter, token_record_t *out)
{
    size_t count;
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 (1));
    R5__Status status = s_find_records (self, "find token", filter, opts, out, 1, &count);
    bson_destroy (opts);
    return status == R5__STATUS__STATUS_OK && count == 0 ? R5__STATUS__STATUS_NOT_FOUND : status;
}

//  ---------------------------------------------------------------------------
//  Operations

//  A conditional write of one of a user's tokens matched nothing: CONFLICT
//  when the token is still there (another change won), else NOT_FOUND.
static R5__Status
s_missed (token_store_t *self, const char *id, const char *user_id, const char *account_id)
{
    token_record_t current;
    R5__Status status = token_store_find_own (self, id, user_id, account_id, TOKEN_KIND_PAT, &current);
    return status == R5__STATUS__STATUS_OK ? R5__STATUS__STATUS_CONFLICT : status;
}

//  Run the conditional change (filter, update) of one of a user's tokens:
//  the document after it into after, or s_missed's answer when the
//  condition matched nothing (the token is gone, or another change won).
static R5__Status
s_change_own (token_store_t *self, const char *what, const bson_t *filter, const bson_t *update,
              const char *id, const char *user_id, const char *account_id, token_record_t *after)
{
    bool found;
    R5__Status status = s_find_and_modify (self, what, filter, update, MONGOC_FIND_AND_MODIFY_RETURN_NEW,
                                           &found, after);
    if (status == R5__STATUS__STATUS_OK && !found)
        status = s_missed (self, id, user_id, account_id);
    return status;
}


R5__Status
token_store_insert (token_store_t *self, const token_record_t *record, bool *idempotency_taken)
{
    return token_store_insert_changed (self, record, NULL, idempotency_taken);
}

R5__Status
token_store_insert_changed (token_store_t *self, const token_record_t *record, const token_change_t *change,
                            bool *idempotency_taken)
{
    *idempotency_taken = false;
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&doc, "_id", record->id);
    BSON_APPEND_UTF8 (&doc, "kind", token_kind_name (record->kind));
    BSON_APPEND_UTF8 (&doc, "user_id", record->user_id);
    BSON_APPEND_UTF8 (&doc, "account_id", record->account_id);
    BSON_APPEND_UTF8 (&doc, "digest", record->digest);
    BSON_APPEND_UTF8 (&doc, "hint", record->hint);
    if (record->kind == TOKEN_KIND_PAT) {
        BSON_APPEND_UTF8 (&doc, "description", record->description);
        token_bson_append_scopes (&doc, "scopes", record->scopes);
        token_bson_append_teams (&doc, TOKEN_TEAMS_KEY, &record->teams);
        if (*record->idempotency_key)
            BSON_APPEND_UTF8 (&doc, "idempotency_key", record->idempotency_key);
    }
    BSON_APPEND_DATE_TIME (&doc, "created_at", record->created_at);
    if (record->last_used_at)
        BSON_APPEND_DATE_TIME (&doc, "last_used_at", record->last_used_at);
    else
        BSON_APPEND_NULL (&doc, "last_used_at");
    BSON_APPEND_UTF8 (&doc, "last_used_ip", record->last_used_ip);
    if (record->kind == TOKEN_KIND_SESSION) {
        BSON_APPEND_DATE_TIME (&doc, "idle_expires_at", record->idle_expires_at);
        BSON_APPEND_DATE_TIME (&doc, "absolute_expires_at", record->absolute_expires_at);
    }
    s_append_change (&doc, change);

    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    bool inserted = mongoc_collection_insert_one (collection, &doc, NULL, NULL, &error);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (&doc);
    if (!inserted) {
        status = s_fail (self, "insert token", &error);
        //  Which unique index refused it is asked of the data, not of the
        //  server's error text, whose wording differs between servers.
        if (status == R5__STATUS__STATUS_CONFLICT && *record->idempotency_key) {
            token_record_t existing;
            *idempotency_taken = token_store_find_by_idempotency_key (
                self, record->user_id, record->idempotency_key, &existing) == R5__STATUS__STATUS_OK;
        }
    }
    return status;
}

R5__Status
token_store_find_by_digest (token_store_t *self, const char *digest, token_record_t *out)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "digest", digest);
    s_append_live (&filter);
    R5__Status status = s_find_one (self, &filter, out);
    bson_destroy (&filter);
    //  A second check that the index answered what was asked for.
    if (status == R5__STATUS__STATUS_OK && sodium_memcmp (out->digest, digest, TOKEN_DIGEST_HEX_SIZE - 1))
        status = R5__STATUS__STATUS_NOT_FOUND;
    return status;
}

R5__Status
token_store_find_own (token_store_t *self, const char *id, const char *user_id,
                      const char *account_id, token_kind_t kind, token_record_t *out)
{
    bson_t filter = BSON_INITIALIZER;
    s_append_owner (&filter, id, user_id, account_id, kind);
    R5__Status status = s_find_one (self, &filter, out);
    bson_destroy (&filter);
    return status;
}

R5__Status
token_store_find_applied (token_store_t *self, const char *id, const char *user_id, const char *account_id,
                          const char *request_id, token_record_t *out)
{
    if (!request_id || !*request_id)
        return R5__STATUS__STATUS_NOT_FOUND;
    bson_t filter = BSON_INITIALIZER;
    s_append_owner (&filter, id, user_id, account_id, TOKEN_KIND_PAT);
    BSON_APPEND_UTF8 (&filter, TOKEN_APPLIED_KEY, request_id);
    R5__Status status = s_find_one (self, &filter, out);
    bson_destroy (&filter);
    return status;
}

R5__Status
token_store_find_by_idempotency_key (token_store_t *self, const char *user_id, const char *key,
                                     token_record_t *out)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "user_id", user_id);
    BSON_APPEND_UTF8 (&filter, "idempotency_key", key);
    R5__Status status = s_find_one (self, &filter, out);
    bson_destroy (&filter);
    return status;
}

R5__Status
token_store_list (token_store_t *self, const char *user_id, const char *account_id,
                  const token_page_t *page, token_record_t *out, size_t *count, int64_t *total)
{
    *count = 0;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "user_id", user_id);
    BSON_APPEND_UTF8 (&filter, "account_id", account_id);
    BSON_APPEND_UTF8 (&filter, "kind", "pat");
    s_append_live (&filter);
    R5__Status status = R5__STATUS__STATUS_OK;
    //  Counted with the list's own filter, before the cursors narrow it.
    if (total) {
        bson_error_t error;
        bson_t *count_opts = bson_new ();
        r5_mongo_read_opts (self->mongo, count_opts);
        mongoc_client_t *client = r5_mongo_pop (self->mongo);
        mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
        *total = mongoc_collection_count_documents (collection, &filter, count_opts, NULL, NULL, &error);
        if (*total < 0)
            status = s_fail (self, "count tokens", &error);
        mongoc_collection_destroy (collection);
        r5_mongo_push (self->mongo, &client);
        bson_destroy (count_opts);
    }
    bson_t *opts = bson_new ();
    token_bson_append_page (&filter, opts, "created_at", page);
    if (status == R5__STATUS__STATUS_OK)
        status = s_find_records (self, "list tokens", &filter, opts, out, (size_t) page->size + 1, count);
    bson_destroy (opts);
    bson_destroy (&filter);
    return status;
}

R5__Status
token_store_update (token_store_t *self, const token_record_t *before, const char *description,
                    const r5_scope_set_t *scopes, const token_teams_t *teams, const token_change_t *change,
                    token_record_t *after)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    s_append_owner (&filter, before->id, before->user_id, before->account_id, TOKEN_KIND_PAT);
    s_append_settled (&filter);
    //  Only if it is still what the audit entry says it was before.
    BSON_APPEND_UTF8 (&filter, "description", before->description);
    token_bson_append_scopes (&filter, "scopes", before->scopes);
    s_append_not_applied (&filter, change);
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    if (description)
        BSON_APPEND_UTF8 (&set, "description", description);
    if (scopes)
        token_bson_append_scopes (&set, "scopes", *scopes);
    if (teams)
        token_bson_append_teams (&set, TOKEN_TEAMS_KEY, teams);
    s_append_change (&set, change);
    bson_append_document_end (&update, &set);
    s_append_applied (&update, change);
    R5__Status status = s_change_own (self, "update token", &filter, &update,
                                      before->id, before->user_id, before->account_id, after);
    bson_destroy (&filter);
    bson_destroy (&update);
    return status;
}

R5__Status
token_store_swap_digest (token_store_t *self, const char *id, const char *user_id,
                         const char *account_id, const char *expected_digest,
                         const char *digest, const char *hint, const token_change_t *change,
                         token_record_t *after)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    s_append_owner (&filter, id, user_id, account_id, TOKEN_KIND_PAT);
    s_append_settled (&filter);
    BSON_APPEND_UTF8 (&filter, "digest", expected_digest);
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    BSON_APPEND_UTF8 (&set, "digest", digest);
    BSON_APPEND_UTF8 (&set, "hint", hint);
    //  Last use belongs to the old value: the new one has not been used yet.
    BSON_APPEND_NULL (&set, "last_used_at");
    BSON_APPEND_UTF8 (&set, "last_used_ip", "");
    bson_t empty;
    BSON_APPEND_ARRAY_BEGIN (&set, TOKEN_USED_FROM_KEY, &empty);
    bson_append_array_end (&set, &empty);
    s_append_change (&set, change);
    bson_append_document_end (&update, &set);
    R5__Status status = s_change_own (self, "regenerate token", &filter, &update, id, user_id, account_id, after);
    bson_destroy (&filter);
    bson_destroy (&update);
    return status;
}

R5__Status
token_store_retire (token_store_t *self, const char *id, const char *user_id, const char *account_id,
                    const char *digest, int64_t now, const token_change_t *change, token_record_t *out)
{
    assert (change);            //  a deleted token is removed only by settling what it owes
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    s_append_owner (&filter, id, user_id, account_id, TOKEN_KIND_PAT);
    if (digest)
        BSON_APPEND_UTF8 (&filter, "digest", digest);
    s_append_settled (&filter);
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    BSON_APPEND_DATE_TIME (&set, TOKEN_DELETED_KEY, now);
    s_append_change (&set, change);
    bson_append_document_end (&update, &set);
    R5__Status status = s_change_own (self, "delete token", &filter, &update, id, user_id, account_id, out);
    bson_destroy (&filter);
    bson_destroy (&update);
    return status;
}

R5__Status
token_store_owing (token_store_t *self, const char *id, bson_t **docs, size_t limit, size_t *count)
{
    *count = 0;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER;
    if (id)
        BSON_APPEND_UTF8 (&filter, "_id", id);
    //  The partial index's own condition, so that MongoDB reads the index.
    BCON_APPEND (&filter, TOKEN_PENDING_EVENT_KEY, "{", "$exists", BCON_BOOL (true), "}");
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 ((int64_t) limit));
    r5_mongo_read_opts (self->mongo, opts);
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, &filter, opts, NULL);
    while (*count < limit && mongoc_cursor_next (cursor, &doc))
        docs [(*count)++] = bson_copy (doc);
    if (mongoc_cursor_error (cursor, &error))
        status = s_fail (self, "find tokens owing an audit entry", &error);
    mongoc_cursor_destroy (cursor);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (opts);
    bson_destroy (&filter);
    return status;
}

R5__Status
token_store_settle (token_store_t *self, const char *id, const char *audit_id, bool deleted)
{
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), TOKEN_PENDING_KEY "._id", BCON_UTF8 (audit_id));
    bson_t *update = BCON_NEW ("$unset", "{", TOKEN_PENDING_KEY, BCON_UTF8 (""),
                                              TOKEN_PENDING_EVENT_KEY, BCON_UTF8 (""), "}");
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    //  Only while it still owes this entry: settling twice changes nothing.
    bool done = deleted ? mongoc_collection_delete_one (collection, filter, NULL, NULL, &error)
                        : mongoc_collection_update_one (collection, filter, update, NULL, NULL, &error);
    if (!done)
        status = s_fail (self, deleted ? "remove a deleted token" : "settle a token's audit entry", &error);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (filter);
    bson_destroy (update);
    return status;
}

R5__Status
token_store_delete_by_digest (token_store_t *self, const char *digest, token_kind_t kind,
                              token_record_t *out)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "digest", digest);
    BSON_APPEND_UTF8 (&filter, "kind", token_kind_name (kind));
    bool found;
    R5__Status status = s_find_and_modify (self, "delete session", &filter, NULL,
                                           MONGOC_FIND_AND_MODIFY_REMOVE, &found, out);
    bson_destroy (&filter);
    if (status == R5__STATUS__STATUS_OK && !found)
        status = R5__STATUS__STATUS_NOT_FOUND;
    return status;
}

//  One update_one of the use; *matched says whether the filter matched.
static R5__Status
s_update_use (token_store_t *self, const bson_t *filter, const bson_t *update, bool *matched)
{
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    bson_t reply;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_COLLECTION);
    *matched = false;
    if (!mongoc_collection_update_one (collection, filter, update, NULL, &reply, &error))
        status = s_fail_reply (self, "record token use", &error, &reply);
    else {
        bson_iter_t iter;
        *matched = bson_iter_init_find (&iter, &reply, "matchedCount") && BSON_ITER_HOLDS_INT (&iter)
                && bson_iter_as_int64 (&iter) > 0;
    }
    bson_destroy (&reply);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    return status;
}

R5__Status
token_store_touch (token_store_t *self, const char *id, const char *digest,
                   int64_t now, const char *ip, const char *user_agent, int64_t idle_expires_at)
{
    bool matched;
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    BSON_APPEND_UTF8 (&filter, "_id", id);
    BSON_APPEND_UTF8 (&filter, "digest", digest);
    if (user_agent)
        token_bson_append_place (&filter, ip, user_agent, false);
    token_bson_begin_use_set (&update, &set, now, ip, idle_expires_at);
    if (user_agent)
        //  The place is there (the filter says so): $ is its element.
        BSON_APPEND_DATE_TIME (&set, TOKEN_USED_FROM_KEY ".$.at", now);
    bson_append_document_end (&update, &set);
    R5__Status status = s_update_use (self, &filter, &update, &matched);
    bson_destroy (&filter);
    bson_destroy (&update);
    if (status != R5__STATUS__STATUS_OK || !user_agent || matched)
        return status;

    //  A new place: pushed only while still absent (another instance may
    //  have pushed it meanwhile), the oldest beyond the bound dropped.
    bson_init (&filter);
    bson_init (&update);
    BSON_APPEND_UTF8 (&filter, "_id", id);
    BSON_APPEND_UTF8 (&filter, "digest", digest);
    token_bson_append_place (&filter, ip, user_agent, true);
    token_bson_begin_use_set (&update, &set, now, ip, idle_expires_at);
    bson_append_document_end (&update, &set);
    BCON_APPEND (&update, "$push", "{", TOKEN_USED_FROM_KEY, "{",
                 "$each", "[", "{", "address", BCON_UTF8 (ip), "user_agent", BCON_UTF8 (user_agent),
                                    "at", BCON_DATE_TIME (now), "}", "]",
                 "$sort", "{", "at", BCON_INT32 (-1), "}",
                 "$slice", BCON_INT32 (TOKEN_USED_FROM_MAX), "}", "}");
    status = s_update_use (self, &filter, &update, &matched);
    bson_destroy (&filter);
    bson_destroy (&update);
    return status;
}
