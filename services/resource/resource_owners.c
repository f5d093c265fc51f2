/*  resource_owners: the account's count of active owners.  */
#include "resource_owners.h"
#include "r5_log.h"

//  $inc the account's count by delta, only where filter_extra allows it.
//  1 when a document matched, 0 when none did, -1 with error.
static int
s_inc (resource_call_t *call, bson_t *filter, int32_t delta, bson_error_t *error)
{
    mongoc_collection_t *accounts = resource_call_collection (call, "accounts");
    bson_t *update = BCON_NEW ("$inc", "{", "owners", BCON_INT32 (delta), "}");
    bson_t reply;
    int rc = -1;
    if (mongoc_collection_update_one (accounts, filter, update, NULL, &reply, error)) {
        bson_iter_t iter;
        rc = bson_iter_init_find (&iter, &reply, "matchedCount") && bson_iter_as_int64 (&iter) > 0;
    }
    bson_destroy (&reply);
    bson_destroy (update);
    mongoc_collection_destroy (accounts);
    return rc;
}

int
resource_owners_ensure (resource_call_t *call)
{
    const char *account_id = call->principal->account_id;
    mongoc_collection_t *accounts = resource_call_collection (call, "accounts");
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_error_t error;
    int rc = -1;
    bson_t *counted = BCON_NEW ("_id", BCON_UTF8 (account_id), "owners", "{", "$exists", BCON_BOOL (true), "}");
    bson_t *owners = BCON_NEW ("account_id", BCON_UTF8 (account_id), "role", BCON_UTF8 ("OWNER"),
                               "active", BCON_BOOL (true));
    bson_t *uncounted = BCON_NEW ("_id", BCON_UTF8 (account_id), "owners", "{", "$exists", BCON_BOOL (false), "}");
    bson_t *set = NULL;
    bson_t *opts = BCON_NEW ("upsert", BCON_BOOL (true));
    int64_t have = mongoc_collection_count_documents (accounts, counted, NULL, NULL, NULL, &error);
    if (have < 0) {
        resource_call_mongo_fail (call, &error, "account lookup");
        goto cleanup;
    }
    if (have > 0) {
        rc = 0;
        goto cleanup;
    }
    //  Counted before the count exists: every change whose user write comes
    //  later ensures first, finds it, and counts itself by $inc.
    int64_t count = mongoc_collection_count_documents (users, owners, NULL, NULL, NULL, &error);
    if (count < 0) {
        resource_call_mongo_fail (call, &error, "owner count");
        goto cleanup;
    }
    set = BCON_NEW ("$set", "{", "owners", BCON_INT64 (count), "}");
    //  Only while it still has none; upsert for an account written without a
    //  document. A duplicate _id means another request set it first.
    if (!mongoc_collection_update_one (accounts, uncounted, set, opts, NULL, &error)
    &&  !r5_mongo_is_duplicate (&error)) {
        resource_call_mongo_fail (call, &error, "owner count");
        goto cleanup;
    }
    rc = 0;

cleanup:
    bson_destroy (counted);
    bson_destroy (owners);
    bson_destroy (uncounted);
    bson_destroy (set);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
    mongoc_collection_destroy (accounts);
    return rc;
}

int
resource_owners_take (resource_call_t *call)
{
    if (resource_owners_ensure (call))
        return -1;
    bson_error_t error;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (call->principal->account_id), "owners", "{", "$gt", BCON_INT32 (1), "}");
    int matched = s_inc (call, filter, -1, &error);
    bson_destroy (filter);
    if (matched < 0)
        return resource_call_mongo_fail (call, &error, "owner count");
    if (matched == 0)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, RESOURCE_OWNERS_LAST);
    return 0;
}

void
resource_owners_give_back (resource_call_t *call)
{
    bson_error_t error;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (call->principal->account_id));
    if (s_inc (call, filter, 1, &error) < 0)
        r5_warn (call->rid, "cannot give back an owner to the count of account %s (it stays low): %s",
                 call->principal->account_id, error.message);
    bson_destroy (filter);
}

void
resource_owners_add (resource_call_t *call)
{
    bson_error_t error;
    //  Only a count that exists: $inc on a missing one would start it at 1.
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (call->principal->account_id),
                               "owners", "{", "$exists", BCON_BOOL (true), "}");
    if (s_inc (call, filter, 1, &error) < 0)
        r5_warn (call->rid, "cannot count a new owner of account %s (the count stays low): %s",
                 call->principal->account_id, error.message);
    bson_destroy (filter);
}
