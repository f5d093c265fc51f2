/*  test_mongo: common/r5_mongo against the dev server with MongoDB's
    failCommand fail point — how each error a real deployment gives (a
    primary stepping down, a write concern error after the write, a dropped
    connection, a retryable label, maxTimeMS) maps to the one Status, and
    that write concerns and reads carry what is left of the deadline. */
#include <czmq.h>
#include "r5_test.h"
#include "r5_test_servers.h"
#include "r5_mongo.h"
#include "r5_rpc.h"
#include "r5_time.h"

static mongoc_client_t *s_direct;           //  the test's own connection (not appname "r5")

//  Arm failCommand {times: 1} for r5's connections, data as JSON.
static void
s_fail_once (const char *data_json)
{
    bson_error_t error;
    bson_t *data = bson_new_from_json ((const uint8_t *) data_json, -1, &error);
    CHECK_MSG (data, "fail point data: %s", error.message);
    BSON_APPEND_UTF8 (data, "appName", "r5");
    bson_t *cmd = BCON_NEW ("configureFailPoint", BCON_UTF8 ("failCommand"), "mode", "{", "times", BCON_INT32 (1), "}",
                            "data", BCON_DOCUMENT (data));
    CHECK_MSG (mongoc_client_command_simple (s_direct, "admin", cmd, NULL, NULL, &error), "arm: %s", error.message);
    bson_destroy (cmd);
    bson_destroy (data);
}

//  Insert {n: n} through r5's pool; the status of the outcome (OK on success).
static R5__Status
s_insert (r5_mongo_t *mongo, int n)
{
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *collection = r5_mongo_collection (mongo, client, "things");
    bson_t *doc = BCON_NEW ("_id", BCON_INT32 (n));
    bson_t reply;
    bson_error_t error;
    R5__Status status = R5__STATUS__STATUS_OK;
    if (!mongoc_collection_insert_one (collection, doc, NULL, &reply, &error))
        status = r5_mongo_status_reply (&error, &reply);
    bson_destroy (&reply);
    bson_destroy (doc);
    mongoc_collection_destroy (collection);
    r5_mongo_push (mongo, &client);
    return status;
}

static int64_t
s_stored (int n)
{
    mongoc_collection_t *collection = mongoc_client_get_collection (s_direct, "r5test", "things");
    bson_t *filter = BCON_NEW ("_id", BCON_INT32 (n));
    int64_t count = mongoc_collection_count_documents (collection, filter, NULL, NULL, NULL, NULL);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return count;
}

//  Each fault reaches r5 as the Status the gateway turns into 503 and
//  Retry-After, or into what it is.
static void
s_test_status (r5_mongo_t *mongo)
{
    static const struct {
        const char *fault;
        R5__Status expected;
        bool applied;
    } s_faults [] = {
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}", R5__STATUS__STATUS_UNAVAILABLE, false },
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 11602}", R5__STATUS__STATUS_UNAVAILABLE, false },
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 91}", R5__STATUS__STATUS_UNAVAILABLE, false },
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 189}", R5__STATUS__STATUS_UNAVAILABLE, false },
        { "{\"failCommands\": [\"insert\"], \"closeConnection\": true}", R5__STATUS__STATUS_UNAVAILABLE, false },
        //  Applied, then the write concern fails: never INTERNAL.
        { "{\"failCommands\": [\"insert\"], \"writeConcernError\": {\"code\": 64, \"codeName\": "
          "\"WriteConcernFailed\", \"errmsg\": \"waiting for replication timed out\"}}",
          R5__STATUS__STATUS_UNAVAILABLE, true },
        { "{\"failCommands\": [\"insert\"], \"writeConcernError\": {\"code\": 91, \"codeName\": "
          "\"ShutdownInProgress\", \"errmsg\": \"Replication is being shut down\"}}",
          R5__STATUS__STATUS_UNAVAILABLE, true },
        //  A code r5 does not list, labelled retryable by the server.
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 251, \"errorLabels\": [\"RetryableWriteError\"]}",
          R5__STATUS__STATUS_UNAVAILABLE, false },
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 50}", R5__STATUS__STATUS_DEADLINE_EXCEEDED, false },
        { "{\"failCommands\": [\"insert\"], \"errorCode\": 2}", R5__STATUS__STATUS_INTERNAL, false },
    };
    for (size_t i = 0; i < sizeof s_faults / sizeof s_faults [0]; i++) {
        int n = 100 + (int) i;
        s_fail_once (s_faults [i].fault);
        R5__Status status = s_insert (mongo, n);
        CHECK_MSG (status == s_faults [i].expected, "%s: %s, expected %s", s_faults [i].fault, r5_status_name (status),
                   r5_status_name (s_faults [i].expected));
        CHECK_MSG (s_stored (n) == (s_faults [i].applied ? 1 : 0), "%s: applied as said", s_faults [i].fault);
    }
    CHECK_MSG (s_insert (mongo, 1) == R5__STATUS__STATUS_OK, "a write goes through");
    CHECK_MSG (s_insert (mongo, 1) == R5__STATUS__STATUS_CONFLICT, "a duplicate key is a conflict");
}

//  The deadline of the request being served bounds the write concern's
//  wtimeout and a read's maxTimeMS; without one, a default bounds them.
static void
s_test_deadline (r5_mongo_t *mongo)
{
    mongoc_client_t *client = r5_mongo_pop (mongo);
    r5_mongo_set_deadline (mongo, r5_now_ms () + 3000);
    mongoc_collection_t *collection = r5_mongo_collection (mongo, client, "things");
    const mongoc_write_concern_t *concern = mongoc_collection_get_write_concern (collection);
    int64_t wtimeout = mongoc_write_concern_get_wtimeout_int64 (concern);
    CHECK_MSG (mongoc_write_concern_get_wmajority (concern), "w: majority stays");
    CHECK_MSG (wtimeout > 2000 && wtimeout <= 3000, "wtimeout from the deadline: %lld", (long long) wtimeout);
    bson_t opts = BSON_INITIALIZER;
    r5_mongo_read_opts (mongo, &opts);
    bson_iter_t iter;
    CHECK_MSG (bson_iter_init_find (&iter, &opts, "maxTimeMS") && bson_iter_as_int64 (&iter) > 2000
               && bson_iter_as_int64 (&iter) <= 3000, "maxTimeMS from the deadline");
    bson_destroy (&opts);
    mongoc_collection_destroy (collection);

    //  A deadline already past still gives the server a bound, not "no limit" (0).
    r5_mongo_set_deadline (mongo, r5_now_ms () - 10);
    CHECK_MSG (r5_mongo_time_left (mongo) == 1, "a past deadline leaves 1 ms");
    r5_mongo_set_deadline (mongo, 0);
    collection = r5_mongo_collection (mongo, client, "things");
    wtimeout = mongoc_write_concern_get_wtimeout_int64 (mongoc_collection_get_write_concern (collection));
    CHECK_MSG (wtimeout == R5_MONGO_DEFAULT_TIMEOUT_MS, "no deadline: the default wtimeout (%lld)", (long long) wtimeout);
    mongoc_collection_destroy (collection);
    r5_mongo_push (mongo, &client);
}

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    int port = r5_test_devmongo_start_with ("test_mongo", true);
    if (port <= 0) {
        fprintf (stderr, "FAIL: cannot start the dev server (deploy/devmongo/r5-devmongo)\n");
        r5_test_devmongo_stop ();
        return 1;
    }
    char uri [256], direct [300], error [256] = "";
    snprintf (uri, sizeof uri, "mongodb://127.0.0.1:%d/r5test?serverSelectionTimeoutMS=3000", port);
    snprintf (direct, sizeof direct, "%s&appname=test_mongo", uri);
    r5_mongo_t *mongo = r5_mongo_new (uri, "majority", error, sizeof error);
    CHECK_MSG (mongo, "pool: %s", error);
    s_direct = mongoc_client_new (direct);
    mongoc_client_set_error_api (s_direct, MONGOC_ERROR_API_VERSION_2);
    if (mongo) {
        s_test_status (mongo);
        s_test_deadline (mongo);
    }
    mongoc_client_destroy (s_direct);
    r5_mongo_destroy (&mongo);
    r5_test_devmongo_stop ();
    return r5_test_report ("test_mongo");
}
