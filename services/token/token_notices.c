/*  token_notices: leaked-token notices for owners (collection token_notices).  */
#include "token_notices.h"

#include <assert.h>

#include "r5_alloc.h"
#include "token_bson.h"

struct _token_notices_t {
    r5_mongo_t *mongo;              //  borrowed
    char error [256];
};

static const r5_mongo_index_t s_indexes [] = {
    //  The list: one user's notices, newest first, ties by id.
    { "user_reported_at_id", "{\"user_id\": 1, \"reported_at\": -1, \"_id\": -1}", false, NULL },
};

token_notices_t *
token_notices_new (r5_mongo_t *mongo)
{
    assert (mongo);
    token_notices_t *self = (token_notices_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    return self;
}

void
token_notices_destroy (token_notices_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

int
token_notices_ensure_indexes (token_notices_t *self, char *error, size_t error_size)
{
    return r5_mongo_ensure_indexes (self->mongo, TOKEN_NOTICES_COLLECTION, s_indexes,
                                    sizeof s_indexes / sizeof s_indexes [0], error, error_size);
}

const char *
token_notices_error (token_notices_t *self)
{
    return self->error;
}

//  A failure of what, for token_notices_error; the status it maps to.
static R5__Status
s_fail (token_notices_t *self, const char *what, const bson_error_t *error)
{
    snprintf (self->error, sizeof self->error, "cannot %s: %.200s", what, error->message);
    R5__Status status = r5_mongo_status (error);
    return status == R5__STATUS__STATUS_CONFLICT ? R5__STATUS__STATUS_INTERNAL : status;
}

//  Copy the string at key of doc into notice (the key from, the field to).
static void
s_copy (const bson_t *doc, const char *key, bson_t *notice, const char *to)
{
    bson_iter_t iter;
    if (bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter))
        BSON_APPEND_UTF8 (notice, to, bson_iter_utf8 (&iter, NULL));
}

R5__Status
token_notices_record (token_notices_t *self, const bson_t *audit)
{
    bson_iter_t iter;
    if (!(bson_iter_init_find (&iter, audit, "type") && BSON_ITER_HOLDS_UTF8 (&iter)
    &&    !strcmp (bson_iter_utf8 (&iter, NULL), TOKEN_NOTICE_AUDIT_TYPE)))
        return R5__STATUS__STATUS_OK;
    bson_t notice = BSON_INITIALIZER;
    s_copy (audit, "_id", &notice, "_id");
    s_copy (audit, "token_id", &notice, "token_id");
    s_copy (audit, "user_id", &notice, "user_id");
    s_copy (audit, "account_id", &notice, "account_id");
    s_copy (audit, "hint", &notice, "hint");
    s_copy (audit, "description_before", &notice, "description");
    s_copy (audit, "url", &notice, "url");
    s_copy (audit, "source", &notice, "source");
    if (bson_iter_init_find (&iter, audit, "at") && BSON_ITER_HOLDS_DATE_TIME (&iter))
        BSON_APPEND_DATE_TIME (&notice, "reported_at", bson_iter_date_time (&iter));
    bson_error_t error;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_NOTICES_COLLECTION);
    bool inserted = mongoc_collection_insert_one (collection, &notice, NULL, NULL, &error);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (&notice);
    //  Written before (a debt completed twice): one notice per revocation.
    if (inserted || r5_mongo_is_duplicate (&error))
        return R5__STATUS__STATUS_OK;
    return s_fail (self, "write token notice", &error);
}

//  A notice document into out: -1 when a field is not what this store writes.
static int
s_record_from_bson (const bson_t *doc, token_notice_record_t *out)
{
    memset (out, 0, sizeof *out);
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc))
        return -1;
    int rc = 0;
    while (rc == 0 && bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        if (!strcmp (key, "_id"))               rc = token_bson_copy_utf8 (&iter, out->id, sizeof out->id);
        else if (!strcmp (key, "token_id"))     rc = token_bson_copy_utf8 (&iter, out->token_id, sizeof out->token_id);
        else if (!strcmp (key, "hint"))         rc = token_bson_copy_utf8 (&iter, out->hint, sizeof out->hint);
        else if (!strcmp (key, "description"))  rc = token_bson_copy_utf8 (&iter, out->description, sizeof out->description);
        else if (!strcmp (key, "url"))          rc = token_bson_copy_utf8 (&iter, out->url, sizeof out->url);
        else if (!strcmp (key, "source"))       rc = token_bson_copy_utf8 (&iter, out->source, sizeof out->source);
        else if (!strcmp (key, "reported_at"))  rc = token_bson_read_time (&iter, &out->reported_at);
    }
    return rc == 0 && *out->id ? 0 : -1;
}

R5__Status
token_notices_list (token_notices_t *self, const char *user_id, const char *account_id,
                    token_notice_record_t *out, size_t limit, size_t *count)
{
    *count = 0;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error;
    const bson_t *doc;
    bson_t *filter = BCON_NEW ("user_id", BCON_UTF8 (user_id), "account_id", BCON_UTF8 (account_id),
                               "dismissed_at", "{", "$exists", BCON_BOOL (false), "}");
    bson_t *opts = BCON_NEW ("sort", "{", "reported_at", BCON_INT32 (-1), "_id", BCON_INT32 (-1), "}",
                             "limit", BCON_INT64 ((int64_t) limit));
    r5_mongo_read_opts (self->mongo, opts);
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_NOTICES_COLLECTION);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    while (*count < limit && mongoc_cursor_next (cursor, &doc)) {
        if (s_record_from_bson (doc, &out [*count])) {
            snprintf (self->error, sizeof self->error, "corrupt token notice");
            status = R5__STATUS__STATUS_INTERNAL;
            break;
        }
        (*count)++;
    }
    if (status == R5__STATUS__STATUS_OK && mongoc_cursor_error (cursor, &error))
        status = s_fail (self, "list token notices", &error);
    mongoc_cursor_destroy (cursor);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (filter);
    bson_destroy (opts);
    return status;
}

R5__Status
token_notices_dismiss (token_notices_t *self, const char *id, const char *user_id,
                       const char *account_id, int64_t now)
{
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "user_id", BCON_UTF8 (user_id),
                               "account_id", BCON_UTF8 (account_id),
                               "dismissed_at", "{", "$exists", BCON_BOOL (false), "}");
    bson_t *update = BCON_NEW ("$set", "{", "dismissed_at", BCON_DATE_TIME (now), "}");
    bson_t reply;
    bson_error_t error;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_NOTICES_COLLECTION);
    R5__Status status = R5__STATUS__STATUS_OK;
    if (mongoc_collection_update_one (collection, filter, update, NULL, &reply, &error)) {
        bson_iter_t iter;
        if (!(bson_iter_init_find (&iter, &reply, "matchedCount") && bson_iter_as_int64 (&iter) == 1))
            status = R5__STATUS__STATUS_NOT_FOUND;
    }
    else
        status = s_fail (self, "dismiss token notice", &error);
    bson_destroy (&reply);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (filter);
    bson_destroy (update);
    return status;
}
