/*  resource_pending: a dependent's create, pending until its parent's check.  */
#include "resource_pending.h"
#include "resource_bson.h"
#include "r5_log.h"

#include <assert.h>

void
resource_pending_append_confirmed (const resource_type_t *type, bson_t *filter)
{
    //  Absent, not null: the key is unset on confirmation, never set to null.
    if (type->check_parent)
        BCON_APPEND (filter, RESOURCE_PENDING_KEY, "{", "$exists", BCON_BOOL (false), "}");
}

void
resource_pending_append_stale (bson_t *filter, int64_t now)
{
    //  $exists spelled out: MongoDB uses a partial index only for a query
    //  that contains its filter expression.
    BCON_APPEND (filter, RESOURCE_PENDING_KEY, "{", "$exists", BCON_BOOL (true),
                 "$lt", BCON_DATE_TIME (now - RESOURCE_PENDING_MS), "}");
}

//  Delete the pending document id of type: its parent's check failed. Only
//  while it is pending: a copy of the create (same idempotency key) may
//  have confirmed it since, on a check that passed later. Logged on failure
//  (the sweeper deletes it then).
static void
s_take_back (resource_call_t *call, const resource_type_t *type, const char *id)
{
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), RESOURCE_PENDING_KEY, "{", "$exists", BCON_BOOL (true), "}");
    bson_error_t error;
    if (!mongoc_collection_delete_one (collection, filter, NULL, NULL, &error))
        r5_warn (call->rid, "cannot take back a %s whose parent is gone or going: %s (swept later)",
                 type->collection, error.message);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
}

int
resource_pending_complete (resource_call_t *call, const resource_type_t *type, const bson_t *doc)
{
    const char *id = resource_bson_string (doc, "_id");
    assert (id);
    if (type->check_parent (call, doc)) {
        s_take_back (call, type, id);
        return -1;
    }
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id));
    bson_t *update = BCON_NEW ("$unset", "{", RESOURCE_PENDING_KEY, BCON_UTF8 (""), "}");
    bson_t reply;
    bson_error_t error;
    bson_iter_t iter;
    int rc = 0;
    if (!mongoc_collection_update_one (collection, filter, update, NULL, &reply, &error))
        //  Maybe applied, maybe not: confirmed, or pending until swept.
        rc = resource_call_mongo_fail (call, &error, "create confirmation");
    else
    if (!(bson_iter_init_find (&iter, &reply, "matchedCount") && bson_iter_as_int64 (&iter) == 1))
        //  Gone: its parent's delete took it, or the create took so long
        //  that a sweeper did. Nobody ever saw it.
        rc = resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "a concurrent change won, try again");
    bson_destroy (&reply);
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return rc;
}
