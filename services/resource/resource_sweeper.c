/*  resource_sweeper: pending dependents whose create died, deleted.  */
#include "resource_sweeper.h"
#include "resource_pending.h"
#include "resource_store.h"
#include "r5_log.h"

int64_t
resource_sweeper_pass (r5_mongo_t *mongo, int64_t now)
{
    const ProtobufCEnumDescriptor *types = &r5__resource_type__descriptor;
    mongoc_client_t *client = r5_mongo_pop (mongo);
    int64_t swept = 0;
    for (unsigned i = 0; i < types->n_values; i++) {
        const resource_type_t *type = resource_type_of ((R5__ResourceType) types->values [i].value);
        if (!type || !type->check_parent)
            continue;
        mongoc_collection_t *collection = r5_mongo_collection (mongo, client, type->collection);
        bson_t filter = BSON_INITIALIZER;
        resource_pending_append_stale (&filter, now);
        bson_t reply;
        bson_error_t error;
        bson_iter_t iter;
        if (!mongoc_collection_delete_many (collection, &filter, NULL, &reply, &error)) {
            r5_warn (NULL, "cannot sweep %s: %s (the rest waits for the next pass)", type->collection, error.message);
            swept = -1;
        }
        else
        if (bson_iter_init_find (&iter, &reply, "deletedCount") && bson_iter_as_int64 (&iter) > 0) {
            r5_info (NULL, "swept %lld %s whose create died before its check",
                     (long long) bson_iter_as_int64 (&iter), type->collection);
            if (swept >= 0)
                swept += bson_iter_as_int64 (&iter);
        }
        bson_destroy (&reply);
        bson_destroy (&filter);
        mongoc_collection_destroy (collection);
        //  MongoDB failing: stop here. The pass runs in the worker's loop, so
        //  trying every collection would hold its heartbeats for one failed
        //  command each, long enough for the brokers to drop the worker.
        if (swept < 0)
            break;
    }
    r5_mongo_push (mongo, &client);
    return swept;
}
