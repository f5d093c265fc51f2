/*  r5_mongo: the storage path every service shares — a libmongoc client pool
    from a URI, indexes created at start-up, and libmongoc errors mapped to the
    one Status enum of the message contracts.

    Only single-document atomic operations are used anywhere (no transactions,
    no change streams), so a standalone server, a replica set, a sharded
    cluster and the dev server all work. */
#ifndef R5_MONGO_H
#define R5_MONGO_H

#include <mongoc/mongoc.h>
#include "r5/common.pb-c.h"

typedef struct _r5_mongo_t r5_mongo_t;

//  One index to ensure on a collection: keys as JSON ({"email": 1}), a name,
//  and whether it is unique. partial_filter is JSON or NULL.
typedef struct {
    const char *name;
    const char *keys_json;
    bool unique;
    const char *partial_filter_json;
} r5_mongo_index_t;

//  A write concern's wtimeout and a read's maxTimeMS when the request being
//  served has no deadline (ms): w: majority never waits for ever.
#define R5_MONGO_DEFAULT_TIMEOUT_MS 10000

//  Create a pool for uri. write_concern is "majority", a number, or "" for the
//  URI's own. The database is the URI's (mongodb://h/db), else "r5".
//  Retryable writes and reads stay on (libmongoc's default): a URI that
//  turns them off is used as it says, with a warning at start.
//  Returns NULL and one line in error when the URI is invalid.
r5_mongo_t *r5_mongo_new (const char *uri, const char *write_concern, char *error, size_t error_size);
//  The same, its connections named app_name (the handshake's appName, which
//  failCommand fail points and server logs tell apart) instead of "r5".
r5_mongo_t *r5_mongo_new_named (const char *uri, const char *write_concern, const char *app_name,
                                char *error, size_t error_size);
void r5_mongo_destroy (r5_mongo_t **self_p);

//  Borrow a client for one request (blocks until one is free) and give it back.
mongoc_client_t *r5_mongo_pop (r5_mongo_t *self);
void r5_mongo_push (r5_mongo_t *self, mongoc_client_t **client_p);

//  The deadline (ms since the epoch, 0 for none) of the request being served
//  by the thread that owns self: what is left of it becomes the wtimeout of
//  the collections handed out next and the maxTimeMS of r5_mongo_read_opts,
//  so that neither a write concern nor a read outlives the request.
void r5_mongo_set_deadline (r5_mongo_t *self, int64_t deadline_unix_ms);

//  What is left of the deadline (ms, at least 1), or R5_MONGO_DEFAULT_TIMEOUT_MS
//  when there is none.
int64_t r5_mongo_time_left (r5_mongo_t *self);

//  Append maxTimeMS (r5_mongo_time_left) to the options of a read.
void r5_mongo_read_opts (r5_mongo_t *self, bson_t *opts);

//  The named collection of r5's database on a popped client, its write
//  concern's wtimeout from the deadline; the caller destroys it.
mongoc_collection_t *r5_mongo_collection (r5_mongo_t *self, mongoc_client_t *client, const char *name);

//  Create the indexes (idempotent). Returns 0, or -1 with one line in error
//  (which names the collection and, for existing duplicates, the index).
int r5_mongo_ensure_indexes (r5_mongo_t *self, const char *collection,
                             const r5_mongo_index_t *indexes, size_t count,
                             char *error, size_t error_size);

//  Drop the named index when it exists (an index a newer version replaces).
//  Returns 0 (also when there was none), or -1 with one line in error.
int r5_mongo_drop_index (r5_mongo_t *self, const char *collection, const char *name,
                         char *error, size_t error_size);

//  A TTL index on a date field: MongoDB deletes each document once that date
//  has passed (documents without the field are kept). Idempotent; 0 or -1.
int r5_mongo_ensure_expiry (r5_mongo_t *self, const char *collection, const char *name,
                            const char *date_field, char *error, size_t error_size);

//  Keyset paging, newest first: append to filter the condition "strictly after
//  (date, id)" in (date_field desc, _id desc) order, that is date < date_ms, or
//  the same date and _id < id. Sort the find on {date_field: -1, _id: -1}.
void r5_mongo_append_older_than (bson_t *filter, const char *date_field, int64_t date_ms, const char *id);

//  The same for (date_field, _id) after (date_ms, id): the newer side.
void r5_mongo_append_newer_than (bson_t *filter, const char *date_field, int64_t date_ms, const char *id);

//  Ping the server; 0 when it answers before the server selection timeout.
int r5_mongo_ping (r5_mongo_t *self, char *error, size_t error_size);

//  Map a libmongoc error to the Status enum: duplicate key -> CONFLICT;
//  what a retry may get through -> UNAVAILABLE: no server, a network error,
//  a write concern error (the write may well be applied: never INTERNAL),
//  a primary stepping down or shutting down (NotWritablePrimary 10107,
//  InterruptedDueToReplStateChange 11602, ShutdownInProgress 91,
//  PrimarySteppedDown 189 and their kin); maxTimeMS expired ->
//  DEADLINE_EXCEEDED; anything else -> INTERNAL.
R5__Status r5_mongo_status (const bson_error_t *error);

//  The same, and UNAVAILABLE when the server's reply (may be NULL) carries
//  the RetryableWriteError label.
R5__Status r5_mongo_status_reply (const bson_error_t *error, const bson_t *reply);

//  True when the error is a unique-index violation (code 11000).
bool r5_mongo_is_duplicate (const bson_error_t *error);

//  A copy of uri safe to log: the password is replaced by "***". Caller frees.
char *r5_mongo_uri_mask (const char *uri);

//  A new random 12-byte id as 24 hex characters (ObjectId), written into out[25].
void r5_mongo_new_id (char out [25]);

#endif
