/*  resource_migrate: old incidents' embedded notes and history, moved to
    their collections.  */
#include "resource_migrate.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_time.h"

#include <sodium.h>
#include <string.h>

void
resource_migrate_derived_id (const char *incident_id, const char *array, uint32_t position, int64_t at_ms,
                             const uint8_t *raw, uint32_t raw_size, char out [25])
{
    int64_t seconds = at_ms > 0 ? at_ms / 1000 : 0;
    if (seconds > UINT32_MAX)
        seconds = UINT32_MAX;
    uint8_t bytes [12];
    bytes [0] = (uint8_t) (seconds >> 24);
    bytes [1] = (uint8_t) (seconds >> 16);
    bytes [2] = (uint8_t) (seconds >> 8);
    bytes [3] = (uint8_t) seconds;
    bytes [4] = (uint8_t) (position >> 16);
    bytes [5] = (uint8_t) (position >> 8);
    bytes [6] = (uint8_t) position;
    //  The hash tells apart the incidents (and an element pushed again at
    //  the same position in the same second by an older instance after the
    //  arrays were unset), so two elements share an _id only if they are
    //  the same element.
    uint8_t hash [crypto_generichash_BYTES_MIN];
    uint8_t number [4] = { bytes [4], bytes [5], bytes [6], (uint8_t) (position >> 24) };
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, sizeof hash);
    crypto_generichash_update (&state, (const uint8_t *) incident_id, strlen (incident_id) + 1);
    crypto_generichash_update (&state, (const uint8_t *) array, strlen (array) + 1);
    crypto_generichash_update (&state, number, sizeof number);
    crypto_generichash_update (&state, raw, raw_size);
    crypto_generichash_final (&state, hash, sizeof hash);
    memcpy (bytes + 7, hash, 5);
    static const char digits [] = "0123456789abcdef";
    for (int i = 0; i < 12; i++) {
        out [2 * i] = digits [bytes [i] >> 4];
        out [2 * i + 1] = digits [bytes [i] & 0x0f];
    }
    out [24] = '\0';
}

//  The date at key of the document element points at, or 0.
static int64_t
s_date (const bson_iter_t *element, const char *key)
{
    bson_iter_t field;
    if (bson_iter_recurse (element, &field) && bson_iter_find (&field, key) && BSON_ITER_HOLDS_DATE_TIME (&field))
        return bson_iter_date_time (&field);
    return 0;
}

//  Build into doc the incident_notes document of the old note element
//  (position of the array): {_id, body, author_id, created_at, account_id,
//  incident_id}, the shape resource_incidents_on_add_note inserts. The _id
//  is the note's own id (an ObjectId of the time it was made, the id
//  clients were shown) when it has a valid one. false when the element is
//  not a note (not a document, no body: never shown by the old code either).
static bool
s_note_doc (const char *account_id, const char *incident_id, bson_iter_t *element, uint32_t position, bson_t *doc)
{
    if (!BSON_ITER_HOLDS_DOCUMENT (element))
        return false;
    const char *id = NULL, *body = NULL, *author = "";
    int64_t at = 0;
    bson_iter_t field;
    bson_iter_recurse (element, &field);
    while (bson_iter_next (&field)) {
        const char *key = bson_iter_key (&field);
        if (BSON_ITER_HOLDS_UTF8 (&field)) {
            if (strcmp (key, "id") == 0)
                id = bson_iter_utf8 (&field, NULL);
            else if (strcmp (key, "body") == 0)
                body = bson_iter_utf8 (&field, NULL);
            else if (strcmp (key, "author_id") == 0)
                author = bson_iter_utf8 (&field, NULL);
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&field) && strcmp (key, "created_at") == 0)
            at = bson_iter_date_time (&field);
    }
    if (!body)
        return false;
    char derived [25];
    if (!resource_validate_id (id)) {
        uint32_t size;
        const uint8_t *raw;
        bson_iter_document (element, &size, &raw);
        resource_migrate_derived_id (incident_id, "notes", position, at, raw, size, derived);
        id = derived;
    }
    BSON_APPEND_UTF8 (doc, "_id", id);
    BSON_APPEND_UTF8 (doc, "body", body);
    BSON_APPEND_UTF8 (doc, "author_id", author);
    if (at)
        BSON_APPEND_DATE_TIME (doc, "created_at", at);
    BSON_APPEND_UTF8 (doc, "account_id", account_id);
    BSON_APPEND_UTF8 (doc, "incident_id", incident_id);
    return true;
}

//  Build into doc the incident_history document of the old entry element:
//  {_id, account_id, incident_id, team_ids, user_ids, by, at}, the shape
//  s_history_entry of resource_incidents.c inserts, under a derived _id
//  (old entries have none). false when the element is not a document.
static bool
s_history_doc (const char *account_id, const char *incident_id, bson_iter_t *element, uint32_t position,
               bson_t *doc)
{
    if (!BSON_ITER_HOLDS_DOCUMENT (element))
        return false;
    uint32_t size;
    const uint8_t *raw;
    bson_iter_document (element, &size, &raw);
    char id [25];
    resource_migrate_derived_id (incident_id, "history", position, s_date (element, "at"), raw, size, id);
    BSON_APPEND_UTF8 (doc, "_id", id);
    BSON_APPEND_UTF8 (doc, "account_id", account_id);
    BSON_APPEND_UTF8 (doc, "incident_id", incident_id);
    bson_iter_t field;
    bson_iter_recurse (element, &field);
    while (bson_iter_next (&field)) {
        const char *key = bson_iter_key (&field);
        if (((strcmp (key, "team_ids") == 0 || strcmp (key, "user_ids") == 0) && BSON_ITER_HOLDS_ARRAY (&field))
        ||  (strcmp (key, "by") == 0 && BSON_ITER_HOLDS_UTF8 (&field))
        ||  (strcmp (key, "at") == 0 && BSON_ITER_HOLDS_DATE_TIME (&field)))
            bson_append_iter (doc, key, -1, &field);
    }
    return true;
}

//  Insert every element of the array at iter into collection, unordered; a
//  duplicate key is an element a pass (of any instance) already moved.
//  The number of elements that are no note or entry through skipped.
//  0, or -1 (logged).
static int
s_insert_elements (r5_mongo_t *mongo, mongoc_client_t *client, const char *collection_name,
                   const char *account_id, const char *incident_id, bson_iter_t *iter, int64_t *skipped)
{
    mongoc_collection_t *collection = r5_mongo_collection (mongo, client, collection_name);
    bson_t *opts = BCON_NEW ("ordered", BCON_BOOL (false));
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts (collection, opts);
    bson_t reply = BSON_INITIALIZER;
    bson_error_t error = { 0 };
    int rc = 0;
    int64_t queued = 0;
    bson_iter_t element;
    bson_iter_recurse (iter, &element);
    for (uint32_t position = 0; bson_iter_next (&element); position++) {
        bson_t doc = BSON_INITIALIZER;
        bool made = strcmp (collection_name, "incident_notes") == 0
                  ? s_note_doc (account_id, incident_id, &element, position, &doc)
                  : s_history_doc (account_id, incident_id, &element, position, &doc);
        if (!made)
            (*skipped)++;
        else
        if (!mongoc_bulk_operation_insert_with_opts (bulk, &doc, NULL, &error)) {
            bson_destroy (&doc);
            r5_warn (NULL, "cannot move the %s of incident %s: %s", collection_name, incident_id, error.message);
            rc = -1;
            goto cleanup;
        }
        else
            queued++;
        bson_destroy (&doc);
    }
    if (queued && !mongoc_bulk_operation_execute (bulk, &reply, &error)) {
        //  Only duplicate keys, and an answer for every element: all moved.
        bson_iter_t field, each, code;
        int64_t inserted = 0, duplicates = 0;
        bool other = bson_iter_init_find (&field, &reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY (&field)
                     && bson_iter_recurse (&field, &each) && bson_iter_next (&each);
        if (bson_iter_init_find (&field, &reply, "nInserted"))
            inserted = bson_iter_as_int64 (&field);
        if (bson_iter_init_find (&field, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY (&field)
        &&  bson_iter_recurse (&field, &each))
            while (bson_iter_next (&each)) {
                if (bson_iter_recurse (&each, &code) && bson_iter_find (&code, "code")
                &&  bson_iter_as_int64 (&code) == 11000)
                    duplicates++;
                else
                    other = true;
            }
        if (other || inserted + duplicates != queued) {
            r5_warn (NULL, "cannot move the %s of incident %s: %s", collection_name, incident_id, error.message);
            rc = -1;
        }
    }

cleanup:
    bson_destroy (&reply);
    mongoc_bulk_operation_destroy (bulk);
    bson_destroy (opts);
    mongoc_collection_destroy (collection);
    return rc;
}

//  Move the arrays of the old incident doc: its elements inserted, then the
//  arrays unset while each has the size read (an older instance may have
//  pushed one meanwhile). 1 moved, 0 changed meanwhile or malformed (left
//  for the next pass), -1 on failure (logged).
static int
s_move (r5_mongo_t *mongo, mongoc_client_t *client, mongoc_collection_t *incidents, const bson_t *incident,
        int64_t *skipped)
{
    bson_iter_t iter, notes, history;
    const char *id = NULL, *account_id = NULL;
    if (bson_iter_init_find (&iter, incident, "_id") && BSON_ITER_HOLDS_UTF8 (&iter))
        id = bson_iter_utf8 (&iter, NULL);
    if (bson_iter_init_find (&iter, incident, "account_id") && BSON_ITER_HOLDS_UTF8 (&iter))
        account_id = bson_iter_utf8 (&iter, NULL);
    bool has_notes = bson_iter_init_find (&notes, incident, "notes");
    bool has_history = bson_iter_init_find (&history, incident, "history");
    if (!id || !account_id || (has_notes && !BSON_ITER_HOLDS_ARRAY (&notes))
    ||  (has_history && !BSON_ITER_HOLDS_ARRAY (&history))) {
        r5_warn (NULL, "cannot move the notes and history of a malformed incident %s", id ? id : "without an _id");
        return 0;
    }
    if ((has_notes && s_insert_elements (mongo, client, "incident_notes", account_id, id, &notes, skipped))
    ||  (has_history && s_insert_elements (mongo, client, "incident_history", account_id, id, &history, skipped)))
        return -1;

    bson_t filter = BSON_INITIALIZER, condition;
    BSON_APPEND_UTF8 (&filter, "_id", id);
    const char *keys [2] = { "notes", "history" };
    bson_iter_t *arrays [2] = { has_notes ? &notes : NULL, has_history ? &history : NULL };
    for (int i = 0; i < 2; i++) {
        BSON_APPEND_DOCUMENT_BEGIN (&filter, keys [i], &condition);
        if (arrays [i]) {
            bson_iter_t element;
            int32_t size = 0;
            bson_iter_recurse (arrays [i], &element);
            while (bson_iter_next (&element))
                size++;
            BSON_APPEND_INT32 (&condition, "$size", size);
        }
        else
            BSON_APPEND_BOOL (&condition, "$exists", false);
        bson_append_document_end (&filter, &condition);
    }
    bson_t *update = BCON_NEW ("$unset", "{", "notes", BCON_UTF8 (""), "history", BCON_UTF8 (""), "}");
    bson_t reply;
    bson_error_t error;
    int rc = 1;
    if (!mongoc_collection_update_one (incidents, &filter, update, NULL, &reply, &error)) {
        r5_warn (NULL, "cannot unset the moved notes and history of incident %s: %s", id, error.message);
        rc = -1;
    }
    else
    if (bson_iter_init_find (&iter, &reply, "matchedCount") && bson_iter_as_int64 (&iter) == 0)
        rc = 0;     //  another pass unset them, or an element came meanwhile
    bson_destroy (&reply);
    bson_destroy (update);
    bson_destroy (&filter);
    return rc;
}

int64_t
resource_migrate_pass (r5_mongo_t *mongo)
{
    int64_t until = r5_now_ms () + RESOURCE_MIGRATE_PASS_MS;
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *incidents = r5_mongo_collection (mongo, client, "incidents");
    //  Each clause names its partial index's filter (resource_incidents_indexes):
    //  MongoDB uses a partial index only for a query that contains it.
    bson_t *filter = BCON_NEW ("$or", "[",
                               "{", "notes.created_at", "{", "$exists", BCON_BOOL (true), "}", "}",
                               "{", "history.at", "{", "$exists", BCON_BOOL (true), "}", "}", "]");
    bson_t *opts = BCON_NEW ("projection", "{", "account_id", BCON_INT32 (1), "notes", BCON_INT32 (1),
                             "history", BCON_INT32 (1), "}",
                             "limit", BCON_INT64 (RESOURCE_MIGRATE_BATCH), "batchSize", BCON_INT32 (10));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (incidents, filter, opts, NULL);
    const bson_t *incident;
    int64_t moved = 0, skipped = 0;
    bool failed = false;
    while (r5_now_ms () < until && mongoc_cursor_next (cursor, &incident)) {
        int rc = s_move (mongo, client, incidents, incident, &skipped);
        if (rc < 0)
            failed = true;
        else
            moved += rc;
    }
    bson_error_t error;
    if (mongoc_cursor_error (cursor, &error)) {
        r5_warn (NULL, "cannot look for incidents with embedded notes or history: %s", error.message);
        failed = true;
    }
    if (moved)
        r5_info (NULL, "moved the embedded notes and history of %lld incidents to their collections",
                 (long long) moved);
    if (skipped)
        r5_warn (NULL, "dropped %lld embedded notes or history entries that were not documents with a body",
                 (long long) skipped);
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (filter);
    mongoc_collection_destroy (incidents);
    r5_mongo_push (mongo, &client);
    return failed ? -1 : moved;
}
