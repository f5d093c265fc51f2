/*  r5_mongo: client pool, indexes and error mapping over libmongoc.  */
#include "r5_mongo.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_metrics.h"

#include "r5_time.h"

#include <string.h>

struct _r5_mongo_t {
    mongoc_client_pool_t *pool;
    char *database;
    mongoc_write_concern_t *concern;    //  the pool's, copied per collection with a wtimeout
    int64_t deadline;                   //  of the request being served, 0 for none
};

//  Server error codes after which the same operation may succeed on a
//  retry: the primary changed, stepped down or is shutting down, or the
//  network failed. The write was not done, or (64: a write concern timed
//  out) was done and may not be durable yet.
static const struct {
    int32_t code;
    const char *name;       //  the server's name for it: the metric's label
} s_transient_codes [] = {
    { 6, "HostUnreachable" },
    { 7, "HostNotFound" },
    { 64, "WriteConcernFailed" },       //  wtimeout
    { 89, "NetworkTimeout" },
    { 91, "ShutdownInProgress" },
    { 189, "PrimarySteppedDown" },
    { 262, "ExceededTimeLimit" },
    { 9001, "SocketException" },
    { 10107, "NotWritablePrimary" },
    { 11600, "InterruptedAtShutdown" },
    { 11602, "InterruptedDueToReplStateChange" },
    { 13435, "NotPrimaryNoSecondaryOk" },
    { 13436, "NotPrimaryOrSecondary" },
};
#define S_TRANSIENT_CODES (sizeof s_transient_codes / sizeof s_transient_codes [0])

//  r5_mongo_errors_total's label: the error kinds r5_mongo_status tells
//  apart, then the transient server codes by name (slots S_FIRST_CODE on).
enum { S_DUPLICATE_KEY, S_WRITE_CONCERN, S_SERVER_SELECTION, S_NETWORK, S_MAX_TIME,
       S_OTHER_SERVER, S_OTHER_CLIENT, S_FIRST_CODE };
static const char *const s_kind_names [S_FIRST_CODE] = {
    "DuplicateKey", "WriteConcernError", "ServerSelectionError", "NetworkError", "MaxTimeMSExpired",
    "OtherServerError", "OtherClientError"
};

static const char *const *
s_error_labels (size_t *count)
{
    static char texts [S_FIRST_CODE + S_TRANSIENT_CODES][64];
    static const char *values [S_FIRST_CODE + S_TRANSIENT_CODES];
    for (size_t slot = 0; slot < S_FIRST_CODE + S_TRANSIENT_CODES; slot++) {
        snprintf (texts [slot], sizeof texts [slot], "code=\"%s\"",
                  slot < S_FIRST_CODE ? s_kind_names [slot] : s_transient_codes [slot - S_FIRST_CODE].name);
        values [slot] = texts [slot];
    }
    *count = S_FIRST_CODE + S_TRANSIENT_CODES;
    return values;
}

static r5_metrics_family_t s_errors = {
    .name = "r5_mongo_errors_total",
    .help = "MongoDB errors this process mapped to a status (r5_mongo_status), by kind or server code name.",
    .type = R5_METRICS_COUNTER, .labels = { R5_METRICS_LABELS_MADE (s_error_labels) }
};

#define S_MAX_TIME_MS_EXPIRED 50

//  libmongoc's own messages, through r5's logger at r5's level: without this
//  handler libmongoc prints them on stdout (warnings) and stderr by itself.
static void
s_mongoc_log (mongoc_log_level_t level, const char *domain, const char *message, void *unused)
{
    (void) unused;
    //  Its trace level is a function-by-function trace: never wanted here.
    if (level == MONGOC_LOG_LEVEL_TRACE)
        return;
    r5_log_level_t ours = level <= MONGOC_LOG_LEVEL_CRITICAL ? R5_LOG_ERROR
                        : level == MONGOC_LOG_LEVEL_WARNING  ? R5_LOG_WARN
                        : level == MONGOC_LOG_LEVEL_DEBUG    ? R5_LOG_DEBUG
                                                             : R5_LOG_INFO;
    r5_log (ours, NULL, "mongoc %s: %s", domain ? domain : "", message ? message : "");
}

static R5__Status s_status (const bson_error_t *error, size_t *kind);

r5_mongo_t *
r5_mongo_new (const char *uri_text, const char *write_concern, char *error, size_t error_size)
{
    return r5_mongo_new_named (uri_text, write_concern, "r5", error, error_size);
}

r5_mongo_t *
r5_mongo_new_named (const char *uri_text, const char *write_concern, const char *app_name,
                    char *error, size_t error_size)
{
    mongoc_log_set_handler (s_mongoc_log, NULL);
    mongoc_init ();
    r5_metrics_register (&s_errors);
    bson_error_t bson_error;
    mongoc_uri_t *uri = mongoc_uri_new_with_error (uri_text, &bson_error);
    if (!uri) {
        snprintf (error, error_size, "invalid mongodb uri: %s", bson_error.message);
        return NULL;
    }
    if (write_concern && *write_concern) {
        mongoc_write_concern_t *concern = mongoc_write_concern_new ();
        if (strcmp (write_concern, "majority") == 0)
            mongoc_write_concern_set_wmajority (concern, 0);
        else {
            char *end = NULL;
            long w = strtol (write_concern, &end, 10);
            if (*end || w < 0 || w > 50) {
                snprintf (error, error_size, "invalid write concern '%s' (expected majority or a number)", write_concern);
                mongoc_write_concern_destroy (concern);
                mongoc_uri_destroy (uri);
                return NULL;
            }
            mongoc_write_concern_set_w (concern, (int32_t) w);
        }
        mongoc_uri_set_write_concern (uri, concern);
        mongoc_write_concern_destroy (concern);
    }
    //  libmongoc retries a write once after a transient error (replica
    //  sets and sharded clusters); r5 relies on it and says so when a URI
    //  turns it off.
    if (!mongoc_uri_get_option_as_bool (uri, MONGOC_URI_RETRYWRITES, true))
        r5_warn (NULL, "the mongodb uri turns retryable writes off: a failover fails writes that would have succeeded");
    r5_mongo_t *self = (r5_mongo_t *) r5_calloc (1, sizeof *self);
    self->concern = mongoc_write_concern_copy (mongoc_uri_get_write_concern (uri));
    const char *database = mongoc_uri_get_database (uri);
    self->database = r5_strdup (database && *database ? database : "r5");
    self->pool = mongoc_client_pool_new (uri);
    mongoc_uri_destroy (uri);
    if (!self->pool) {
        snprintf (error, error_size, "cannot create mongodb client pool");
        r5_mongo_destroy (&self);
        return NULL;
    }
    mongoc_client_pool_set_error_api (self->pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_set_appname (self->pool, app_name);
    return self;
}

void
r5_mongo_destroy (r5_mongo_t **self_p)
{
    if (!*self_p)
        return;
    r5_mongo_t *self = *self_p;
    if (self->pool)
        mongoc_client_pool_destroy (self->pool);
    mongoc_write_concern_destroy (self->concern);
    free (self->database);
    free (self);
    *self_p = NULL;
}

mongoc_client_t *
r5_mongo_pop (r5_mongo_t *self)
{
    return mongoc_client_pool_pop (self->pool);
}

void
r5_mongo_push (r5_mongo_t *self, mongoc_client_t **client_p)
{
    if (*client_p)
        mongoc_client_pool_push (self->pool, *client_p);
    *client_p = NULL;
}

void
r5_mongo_set_deadline (r5_mongo_t *self, int64_t deadline_unix_ms)
{
    self->deadline = deadline_unix_ms;
}

int64_t
r5_mongo_time_left (r5_mongo_t *self)
{
    if (self->deadline <= 0)
        return R5_MONGO_DEFAULT_TIMEOUT_MS;
    int64_t left = self->deadline - r5_now_ms ();
    return left < 1 ? 1 : left > INT32_MAX ? INT32_MAX : left;
}

void
r5_mongo_read_opts (r5_mongo_t *self, bson_t *opts)
{
    BSON_APPEND_INT64 (opts, "maxTimeMS", r5_mongo_time_left (self));
}

mongoc_collection_t *
r5_mongo_collection (r5_mongo_t *self, mongoc_client_t *client, const char *name)
{
    mongoc_collection_t *collection = mongoc_client_get_collection (client, self->database, name);
    //  Only an acknowledged concern waiting on other members can time out.
    int32_t w = mongoc_write_concern_get_w (self->concern);
    if (mongoc_write_concern_get_wmajority (self->concern) || w > 1) {
        mongoc_write_concern_t *concern = mongoc_write_concern_copy (self->concern);
        mongoc_write_concern_set_wtimeout_int64 (concern, r5_mongo_time_left (self));
        mongoc_collection_set_write_concern (collection, concern);
        mongoc_write_concern_destroy (concern);
    }
    return collection;
}

int
r5_mongo_ensure_indexes (r5_mongo_t *self, const char *collection,
                         const r5_mongo_index_t *indexes, size_t count,
                         char *error, size_t error_size)
{
    int rc = -1;
    bson_error_t bson_error;
    bson_t command = BSON_INITIALIZER;
    bson_t reply = BSON_INITIALIZER;
    mongoc_client_t *client = r5_mongo_pop (self);
    mongoc_database_t *database = mongoc_client_get_database (client, self->database);

    BSON_APPEND_UTF8 (&command, "createIndexes", collection);
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN (&command, "indexes", &array);
    for (size_t i = 0; i < count; i++) {
        char key [24];
        snprintf (key, sizeof key, "%zu", i);
        bson_t index, *keys = bson_new_from_json ((const uint8_t *) indexes [i].keys_json, -1, &bson_error);
        assert (keys);          //  index definitions are compile-time constants
        BSON_APPEND_DOCUMENT_BEGIN (&array, key, &index);
        BSON_APPEND_DOCUMENT (&index, "key", keys);
        BSON_APPEND_UTF8 (&index, "name", indexes [i].name);
        if (indexes [i].unique)
            BSON_APPEND_BOOL (&index, "unique", true);
        if (indexes [i].partial_filter_json) {
            bson_t *filter = bson_new_from_json ((const uint8_t *) indexes [i].partial_filter_json, -1, &bson_error);
            assert (filter);
            BSON_APPEND_DOCUMENT (&index, "partialFilterExpression", filter);
            bson_destroy (filter);
        }
        bson_append_document_end (&array, &index);
        bson_destroy (keys);
    }
    bson_append_array_end (&command, &array);

    if (!mongoc_database_write_command_with_opts (database, &command, NULL, &reply, &bson_error)) {
        if (r5_mongo_is_duplicate (&bson_error))
            //  Data written before the index existed breaks it: the operator must fix the data.
            snprintf (error, error_size, "cannot create a unique index on %s over existing duplicates "
                      "(resolve them, then start again): %s", collection, bson_error.message);
        else
            snprintf (error, error_size, "cannot create indexes on %s: %s", collection, bson_error.message);
        goto cleanup;
    }
    rc = 0;

cleanup:
    bson_destroy (&command);
    bson_destroy (&reply);
    mongoc_database_destroy (database);
    r5_mongo_push (self, &client);
    return rc;
}

int
r5_mongo_drop_index (r5_mongo_t *self, const char *collection, const char *name, char *error, size_t error_size)
{
    bson_error_t bson_error;
    bson_t *command = BCON_NEW ("dropIndexes", BCON_UTF8 (collection), "index", BCON_UTF8 (name));
    mongoc_client_t *client = r5_mongo_pop (self);
    mongoc_database_t *database = mongoc_client_get_database (client, self->database);
    int rc = 0;
    //  26 NamespaceNotFound, 27 IndexNotFound: nothing to drop.
    if (!mongoc_database_write_command_with_opts (database, command, NULL, NULL, &bson_error)
    &&  bson_error.code != 26 && bson_error.code != 27) {
        snprintf (error, error_size, "cannot drop index %s on %s: %s", name, collection, bson_error.message);
        rc = -1;
    }
    bson_destroy (command);
    mongoc_database_destroy (database);
    r5_mongo_push (self, &client);
    return rc;
}

int
r5_mongo_ensure_expiry (r5_mongo_t *self, const char *collection, const char *name,
                        const char *date_field, char *error, size_t error_size)
{
    int rc = -1;
    bson_error_t bson_error;
    bson_t reply = BSON_INITIALIZER;
    bson_t *command = BCON_NEW ("createIndexes", BCON_UTF8 (collection),
                                "indexes", "[", "{", "key", "{", date_field, BCON_INT32 (1), "}",
                                                     "name", BCON_UTF8 (name),
                                                     "expireAfterSeconds", BCON_INT32 (0), "}", "]");
    mongoc_client_t *client = r5_mongo_pop (self);
    mongoc_database_t *database = mongoc_client_get_database (client, self->database);
    if (mongoc_database_write_command_with_opts (database, command, NULL, &reply, &bson_error))
        rc = 0;
    else
        snprintf (error, error_size, "cannot create expiry index on %s: %s", collection, bson_error.message);
    bson_destroy (command);
    bson_destroy (&reply);
    mongoc_database_destroy (database);
    r5_mongo_push (self, &client);
    return rc;
}

//  (date_field, _id) beyond (date_ms, id) in the direction of op ($lt, $gt).
static void
s_append_beyond (bson_t *filter, const char *date_field, int64_t date_ms, const char *id, const char *op)
{
    bson_t or, older, same, lt, id_lt;
    BSON_APPEND_ARRAY_BEGIN (filter, "$or", &or);
    BSON_APPEND_DOCUMENT_BEGIN (&or, "0", &older);
    BSON_APPEND_DOCUMENT_BEGIN (&older, date_field, &lt);
    BSON_APPEND_DATE_TIME (&lt, op, date_ms);
    bson_append_document_end (&older, &lt);
    bson_append_document_end (&or, &older);
    BSON_APPEND_DOCUMENT_BEGIN (&or, "1", &same);
    BSON_APPEND_DATE_TIME (&same, date_field, date_ms);
    BSON_APPEND_DOCUMENT_BEGIN (&same, "_id", &id_lt);
    BSON_APPEND_UTF8 (&id_lt, op, id);
    bson_append_document_end (&same, &id_lt);
    bson_append_document_end (&or, &same);
    bson_append_array_end (filter, &or);
}

void
r5_mongo_append_older_than (bson_t *filter, const char *date_field, int64_t date_ms, const char *id)
{
    s_append_beyond (filter, date_field, date_ms, id, "$lt");
}

void
r5_mongo_append_newer_than (bson_t *filter, const char *date_field, int64_t date_ms, const char *id)
{
    s_append_beyond (filter, date_field, date_ms, id, "$gt");
}

int
r5_mongo_ping (r5_mongo_t *self, char *error, size_t error_size)
{
    bson_error_t bson_error;
    bson_t *ping = BCON_NEW ("ping", BCON_INT32 (1));
    mongoc_client_t *client = r5_mongo_pop (self);
    bool ok = mongoc_client_command_simple (client, "admin", ping, NULL, NULL, &bson_error);
    r5_mongo_push (self, &client);
    bson_destroy (ping);
    if (!ok)
        snprintf (error, error_size, "cannot reach mongodb: %s", bson_error.message);
    return ok ? 0 : -1;
}

bool
r5_mongo_is_duplicate (const bson_error_t *error)
{
    return error->code == 11000 || error->code == 11001;
}

R5__Status
r5_mongo_status (const bson_error_t *error)
{
    size_t kind;
    R5__Status status = s_status (error, &kind);
    r5_metrics_add (&s_errors, kind, 0, 0, 1);
    return status;
}

//  The mapping, and which label the error counts under.
static R5__Status
s_status (const bson_error_t *error, size_t *kind)
{
    //  A write concern error comes after the write was applied, whatever its code.
    *kind = S_WRITE_CONCERN;
    if (error->domain == MONGOC_ERROR_WRITE_CONCERN)
        return R5__STATUS__STATUS_UNAVAILABLE;
    *kind = S_DUPLICATE_KEY;
    if (r5_mongo_is_duplicate (error))
        return R5__STATUS__STATUS_CONFLICT;
    *kind = error->domain == MONGOC_ERROR_SERVER_SELECTION || error->code == MONGOC_ERROR_SERVER_SELECTION_FAILURE
          ? S_SERVER_SELECTION : S_NETWORK;
    if (error->domain == MONGOC_ERROR_SERVER_SELECTION
    ||  error->domain == MONGOC_ERROR_STREAM
    ||  error->code == MONGOC_ERROR_STREAM_SOCKET
    ||  error->code == MONGOC_ERROR_SERVER_SELECTION_FAILURE)
        return R5__STATUS__STATUS_UNAVAILABLE;
    //  Server codes only (error API 2): libmongoc's own codes share the numbers.
    *kind = error->domain == MONGOC_ERROR_SERVER ? S_OTHER_SERVER : S_OTHER_CLIENT;
    if (error->domain == MONGOC_ERROR_SERVER) {
        if (error->code == S_MAX_TIME_MS_EXPIRED) {
            *kind = S_MAX_TIME;
            return R5__STATUS__STATUS_DEADLINE_EXCEEDED;
        }
        for (size_t i = 0; i < S_TRANSIENT_CODES; i++)
            if (error->code == (uint32_t) s_transient_codes [i].code) {
                *kind = S_FIRST_CODE + i;
                return R5__STATUS__STATUS_UNAVAILABLE;
            }
    }
    return R5__STATUS__STATUS_INTERNAL;
}

R5__Status
r5_mongo_status_reply (const bson_error_t *error, const bson_t *reply)
{
    R5__Status status = r5_mongo_status (error);
    if (status == R5__STATUS__STATUS_INTERNAL && reply && mongoc_error_has_label (reply, "RetryableWriteError"))
        status = R5__STATUS__STATUS_UNAVAILABLE;
    return status;
}

char *
r5_mongo_uri_mask (const char *uri)
{
    //  mongodb://user:password@host -> mongodb://user:***@host
    const char *scheme = strstr (uri, "://");
    const char *at = scheme ? strchr (scheme + 3, '@') : NULL;
    const char *colon = at ? memchr (scheme + 3, ':', (size_t) (at - scheme - 3)) : NULL;
    if (!colon)
        return r5_strdup (uri);
    size_t prefix = (size_t) (colon + 1 - uri);
    size_t size = prefix + 3 + strlen (at) + 1;
    char *masked = (char *) r5_malloc (size);
    snprintf (masked, size, "%.*s***%s", (int) prefix, uri, at);
    return masked;
}

void
r5_mongo_new_id (char out [25])
{
    bson_oid_t oid;
    bson_oid_init (&oid, NULL);
    bson_oid_to_string (&oid, out);
}
