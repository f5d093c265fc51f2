/*  resource_owed: the user.changed events a fact's write owes, until published.  */
#include "resource_owed.h"
#include "resource_bson.h"
#include "resource_events.h"
#include "r5_alloc.h"
#include "r5_log.h"

#include <stdlib.h>
#include <string.h>

struct _resource_owed_entry_t {
    const char *collection;         //  static
    bson_t *filter;                 //  the documents holding the entry
    bson_t *entry;                  //  the $pull condition: {nonce}
};

void
resource_owed_append (bson_t *update, const char *user_id, int64_t at, char nonce [25])
{
    r5_mongo_new_id (nonce);
    bson_t push, field, each, entry;
    BSON_APPEND_DOCUMENT_BEGIN (update, "$push", &push);
    BSON_APPEND_DOCUMENT_BEGIN (&push, RESOURCE_OWED_KEY, &field);
    BSON_APPEND_ARRAY_BEGIN (&field, "$each", &each);
    BSON_APPEND_DOCUMENT_BEGIN (&each, "0", &entry);
    if (user_id)
        BSON_APPEND_UTF8 (&entry, "user_id", user_id);
    BSON_APPEND_DATE_TIME (&entry, "at", at);
    BSON_APPEND_UTF8 (&entry, "nonce", nonce);
    bson_append_document_end (&each, &entry);
    bson_append_array_end (&field, &each);
    BSON_APPEND_INT32 (&field, "$slice", -RESOURCE_OWED_MAX);
    bson_append_document_end (&push, &field);
    bson_append_document_end (update, &push);
}

//  Pull entry from the documents of collection that filter matches. 0 or -1
//  (error set).
static int
s_pull (mongoc_collection_t *collection, const bson_t *filter, const bson_t *entry, bson_error_t *error)
{
    bson_t *update = BCON_NEW ("$pull", "{", RESOURCE_OWED_KEY, BCON_DOCUMENT (entry), "}");
    bool done = mongoc_collection_update_many (collection, filter, update, NULL, NULL, error);
    bson_destroy (update);
    return done ? 0 : -1;
}

void
resource_owed_published (resource_call_t *call, const char *collection, bson_t *filter, const char *nonce)
{
    call->owed = r5_realloc (call->owed, (call->n_owed + 1) * sizeof *call->owed);
    call->owed [call->n_owed++] = (struct _resource_owed_entry_t) { collection, filter,
                                                                    BCON_NEW ("nonce", BCON_UTF8 (nonce)) };
}

void
resource_owed_settle (resource_call_t *call, bool confirmed)
{
    if (!confirmed && call->n_owed > 0)
        r5_info (call->rid, "%zu event(s) published and not confirmed stay owed (swept later, published again)",
                 call->n_owed);
    for (size_t i = 0; i < call->n_owed; i++) {
        if (confirmed) {
            mongoc_collection_t *collection = resource_call_collection (call, call->owed [i].collection);
            bson_error_t error;
            if (s_pull (collection, call->owed [i].filter, call->owed [i].entry, &error))
                r5_warn (call->rid, "an event published is still owed in %s: %s (swept later, published again)",
                         call->owed [i].collection, error.message);
            mongoc_collection_destroy (collection);
        }
        bson_destroy (call->owed [i].filter);
        bson_destroy (call->owed [i].entry);
    }
    free (call->owed);
    call->owed = NULL;
    call->n_owed = 0;
}

//  One entry found owed by a sweep.
typedef struct {
    const char *collection;
    char id [25];                   //  the document's _id
    char user_id [25];
    char account_id [25];           //  the event's payload
    bool own;                       //  the entry names no user: the document's own
    int64_t at;
    char nonce [25];                //  its identity, which the pull names
} s_found_t;

//  Read up to limit entries older than before from collection into found.
//  0 or -1 (logged).
static int
s_find (r5_mongo_t *mongo, mongoc_client_t *client, const char *name, int64_t before, s_found_t *found,
        size_t limit, size_t *count)
{
    mongoc_collection_t *collection = r5_mongo_collection (mongo, client, name);
    //  The partial index's own condition, so that MongoDB reads the index.
    bson_t *filter = BCON_NEW (RESOURCE_OWED_KEY ".at", "{", "$exists", BCON_BOOL (true),
                               "$lt", BCON_DATE_TIME (before), "}");
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 ((int64_t) limit),
                             "projection", "{", "account_id", BCON_INT32 (1), RESOURCE_OWED_KEY, BCON_INT32 (1), "}");
    r5_mongo_read_opts (mongo, opts);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t error;
    while (*count < limit && mongoc_cursor_next (cursor, &doc)) {
        const char *id = resource_bson_string (doc, "_id");
        bson_iter_t iter, entries;
        if (!id || strlen (id) >= sizeof found->id
        ||  !bson_iter_init_find (&iter, doc, RESOURCE_OWED_KEY) || !BSON_ITER_HOLDS_ARRAY (&iter)
        ||  !bson_iter_recurse (&iter, &entries))
            continue;
        while (*count < limit && bson_iter_next (&entries)) {
            bson_iter_t field;
            if (!BSON_ITER_HOLDS_DOCUMENT (&entries) || !bson_iter_recurse (&entries, &field))
                continue;
            s_found_t entry = { .collection = name, .own = true, .at = -1 };
            snprintf (entry.id, sizeof entry.id, "%s", id);
            const char *account_id = resource_bson_string (doc, "account_id");
            snprintf (entry.account_id, sizeof entry.account_id, "%s", account_id ? account_id : "");
            while (bson_iter_next (&field)) {
                if (strcmp (bson_iter_key (&field), "at") == 0 && BSON_ITER_HOLDS_DATE_TIME (&field))
                    entry.at = bson_iter_date_time (&field);
                else
                if (strcmp (bson_iter_key (&field), "user_id") == 0 && BSON_ITER_HOLDS_UTF8 (&field)) {
                    snprintf (entry.user_id, sizeof entry.user_id, "%s", bson_iter_utf8 (&field, NULL));
                    entry.own = false;
                }
                else
                if (strcmp (bson_iter_key (&field), "nonce") == 0 && BSON_ITER_HOLDS_UTF8 (&field))
                    snprintf (entry.nonce, sizeof entry.nonce, "%s", bson_iter_utf8 (&field, NULL));
            }
            if (entry.at >= 0 && entry.at < before)
                found [(*count)++] = entry;
        }
    }
    int rc = 0;
    if (mongoc_cursor_error (cursor, &error)) {
        r5_warn (NULL, "cannot look for the events owed in %s: %s (the next sweep tries again)", name, error.message);
        rc = -1;
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return rc;
}

int64_t
resource_owed_sweep (r5_mongo_t *mongo, r5_events_t *events, int64_t now)
{
    static const char *s_collections [] = { "users", "teams" };
    s_found_t *found = r5_calloc (RESOURCE_OWED_SWEEP_BATCH, sizeof *found);
    size_t count = 0;
    int64_t before = now - RESOURCE_OWED_GRACE_MS;
    mongoc_client_t *client = r5_mongo_pop (mongo);
    int rc = 0;
    for (size_t c = 0; c < sizeof s_collections / sizeof s_collections [0] && rc == 0; c++)
        rc = s_find (mongo, client, s_collections [c], before, found, RESOURCE_OWED_SWEEP_BATCH, &count);
    if (count == 0) {
        r5_mongo_push (mongo, &client);
        free (found);
        return rc;
    }
    //  Publish every event, then wait once for the gateways' confirmations.
    r5_events_poll (events);
    for (size_t i = 0; i < count; i++) {
        const char *user_id = found [i].own ? found [i].id : found [i].user_id;
        if (resource_events_user_changed (events, user_id, found [i].account_id)) {
            r5_warn (NULL, "cannot publish user.changed %s (the next sweep tries again)", user_id);
            found [i].at = -1;
            rc = -1;
        }
    }
    //  A live gateway that did not confirm may still hold the old verdicts:
    //  the entries stay, and the next sweep publishes them again.
    if (r5_events_confirm (events, NULL) != 0) {
        r5_mongo_push (mongo, &client);
        free (found);
        return -1;
    }
    int64_t published = 0;
    for (size_t i = 0; i < count; i++) {
        if (found [i].at < 0)
            continue;
        mongoc_collection_t *collection = r5_mongo_collection (mongo, client, found [i].collection);
        bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (found [i].id));
        //  An entry written before entries had a nonce: by its user and date.
        bson_t *entry = *found [i].nonce ? BCON_NEW ("nonce", BCON_UTF8 (found [i].nonce))
                      : found [i].own ? BCON_NEW ("at", BCON_DATE_TIME (found [i].at))
                      : BCON_NEW ("user_id", BCON_UTF8 (found [i].user_id), "at", BCON_DATE_TIME (found [i].at));
        bson_error_t error;
        if (s_pull (collection, filter, entry, &error)) {
            r5_warn (NULL, "cannot settle an owed event in %s: %s (published again later)",
                     found [i].collection, error.message);
            rc = -1;
        }
        else
            published++;
        bson_destroy (entry);
        bson_destroy (filter);
        mongoc_collection_destroy (collection);
    }
    r5_mongo_push (mongo, &client);
    if (published > 0)
        r5_info (NULL, "published %lld user.changed event(s) a request owed when it died", (long long) published);
    free (found);
    return rc < 0 ? -1 : published;
}
