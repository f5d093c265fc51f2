/*  token_rate_usage: the rate limits' shared counters, added to in batches.  */
#include "token_rate_usage.h"

#include "r5_alloc.h"
#include "r5_log.h"

int
token_rate_usage_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    return r5_mongo_ensure_expiry (mongo, TOKEN_RATE_USAGE_COLLECTION, "rate_usage_expiry", "expires_at",
                                   error, error_size);
}

//  The last second a BSON date read back by every driver holds (9999-12-31).
#define S_LAST_DATE_S 253402300799LL

//  A delta off the wire is usable: a user id of an ObjectId's size, points
//  that are not negative nor absurd, a window whose expiry is a date.
static bool
s_delta_ok (const R5__UsageDelta *delta, int64_t window_seconds)
{
    size_t length = delta->user_id ? strlen (delta->user_id) : 0;
    return length > 0 && length < 32 && !strchr (delta->user_id, ':')
        && delta->window >= 0 && delta->window + 2 <= S_LAST_DATE_S / window_seconds
        && delta->points >= 0 && delta->points <= 1000000000;
}

//  The counter's _id: "<user_id>:<window>".
static void
s_counter_id (const R5__UsageDelta *delta, char out [64])
{
    snprintf (out, 64, "%s:%" PRId64, delta->user_id, delta->window);
}

void
token_on_record_usage (token_call_t *call, const R5__RecordUsageRequest *record)
{
    if (record->n_deltas > TOKEN_RATE_USAGE_MAX_DELTAS
    ||  record->window_seconds < 1 || record->window_seconds > 86400) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "bad usage report");
        return;
    }
    for (size_t i = 0; i < record->n_deltas; i++)
        if (!s_delta_ok (record->deltas [i], record->window_seconds)) {
            token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "bad usage delta");
            return;
        }
    r5_mongo_t *mongo = call->self->mongo;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error = { 0 };
    const char *failed = NULL;
    bson_t ids = BSON_INITIALIZER;
    bson_t *filter = NULL, *opts = NULL;
    mongoc_cursor_t *cursor = NULL;
    int64_t *used = (int64_t *) r5_calloc (record->n_deltas ? record->n_deltas : 1, sizeof *used);
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *collection = r5_mongo_collection (mongo, client, TOKEN_RATE_USAGE_COLLECTION);

    //  One unordered bulk: an $inc upsert per counter that grew.
    bson_t bulk_opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL (&bulk_opts, "ordered", false);
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts (collection, &bulk_opts);
    bson_destroy (&bulk_opts);
    size_t writes = 0;
    for (size_t i = 0; i < record->n_deltas; i++) {
        const R5__UsageDelta *delta = record->deltas [i];
        char id [64];
        s_counter_id (delta, id);
        char key [16];
        const char *key_text;
        bson_uint32_to_string ((uint32_t) i, &key_text, key, sizeof key);
        BSON_APPEND_UTF8 (&ids, key_text, id);
        if (delta->points == 0)
            continue;
        //  Kept one window past its end: a late flush still finds its counter.
        int64_t expires_ms = (delta->window + 2) * record->window_seconds * 1000;
        bson_t *selector = BCON_NEW ("_id", BCON_UTF8 (id));
        bson_t *update = BCON_NEW ("$inc", "{", "used", BCON_INT64 (delta->points), "}",
                                   "$setOnInsert", "{", "expires_at", BCON_DATE_TIME (expires_ms), "}");
        bson_t *update_opts = BCON_NEW ("upsert", BCON_BOOL (true));
        bool queued = mongoc_bulk_operation_update_one_with_opts (bulk, selector, update, update_opts, &error);
        bson_destroy (selector);
        bson_destroy (update);
        bson_destroy (update_opts);
        if (!queued) {
            failed = "queue a usage update";
            status = R5__STATUS__STATUS_INTERNAL;
            goto cleanup;
        }
        writes++;
    }
    if (writes) {
        bson_t reply;
        uint32_t ok = mongoc_bulk_operation_execute (bulk, &reply, &error);
        if (!ok)
            status = r5_mongo_status_reply (&error, &reply);
        bson_destroy (&reply);
        if (!ok) {
            failed = "add usage";
            goto cleanup;
        }
    }
    //  The totals, every gateway's additions included.
    filter = BCON_NEW ("_id", "{", "$in", BCON_ARRAY (&ids), "}");
    opts = BCON_NEW ("projection", "{", "used", BCON_BOOL (true), "}");
    r5_mongo_read_opts (mongo, opts);
    cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    //  Each counter's total by id, then each delta's by lookup: linear in the
    //  request (10,000 deltas), where matching every document against every
    //  delta took seconds and outlasted the gateway's deadline.
    zhashx_t *totals_by_id = zhashx_new ();
    const bson_t *doc;
    while (mongoc_cursor_next (cursor, &doc)) {
        bson_iter_t iter;
        if (!bson_iter_init_find (&iter, doc, "_id") || !BSON_ITER_HOLDS_UTF8 (&iter))
            continue;
        const char *id = bson_iter_utf8 (&iter, NULL);
        int64_t value = 0;
        if (bson_iter_init_find (&iter, doc, "used") && BSON_ITER_HOLDS_NUMBER (&iter))
            value = bson_iter_as_int64 (&iter);
        //  Stored + 1, so that a total of 0 is not the lookup's "absent".
        zhashx_update (totals_by_id, id, (void *) (uintptr_t) (value < 0 ? 1 : (uint64_t) value + 1));
    }
    for (size_t i = 0; i < record->n_deltas; i++) {
        char mine [64];
        s_counter_id (record->deltas [i], mine);
        uintptr_t found = (uintptr_t) zhashx_lookup (totals_by_id, mine);
        if (found)
            used [i] = (int64_t) (found - 1);
    }
    zhashx_destroy (&totals_by_id);
    if (mongoc_cursor_error (cursor, &error)) {
        failed = "read usage totals";
        status = r5_mongo_status (&error);
        goto cleanup;
    }
    R5__UsageTotals *totals = (R5__UsageTotals *) r5_calloc (1, sizeof *totals);
    r5__usage_totals__init (totals);
    totals->n_totals = record->n_deltas;
    totals->totals = (R5__UsageTotal **) r5_calloc (record->n_deltas ? record->n_deltas : 1, sizeof *totals->totals);
    for (size_t i = 0; i < record->n_deltas; i++) {
        R5__UsageTotal *total = (R5__UsageTotal *) r5_calloc (1, sizeof *total);
        r5__usage_total__init (total);
        total->user_id = token_call_dup (record->deltas [i]->user_id);
        total->window = record->deltas [i]->window;
        total->used = used [i];
        totals->totals [i] = total;
    }
    call->reply->body_case = R5__TOKEN_REPLY__BODY_USAGE_TOTALS;
    call->reply->usage_totals = totals;

cleanup:
    if (failed)
        token_call_fail_store (call, status, failed, error.message);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    mongoc_bulk_operation_destroy (bulk);
    mongoc_collection_destroy (collection);
    r5_mongo_push (mongo, &client);
    bson_destroy (&ids);
    free (used);
}
