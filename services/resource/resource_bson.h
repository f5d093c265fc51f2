/*  resource_bson: the BSON that is not a stored object — filters, id lists,
    partial updates, findAndModify answers, and the page of a list. Stored
    objects themselves go through the codec (common/r5_codec.h). */
#ifndef RESOURCE_BSON_H
#define RESOURCE_BSON_H

#include <bson/bson.h>
#include <mongoc/mongoc.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

//  Append key: [ids...] to doc.
void resource_bson_append_ids (bson_t *doc, const char *key, char **ids, size_t count);

//  Append key: {"$in": [ids...]} to doc.
void resource_bson_append_in (bson_t *doc, const char *key, char **ids, size_t count);

//  A new filter {_id: id, account_id: account_id}; the caller destroys it.
bson_t *resource_bson_id_filter (const char *id, const char *account_id);

//  The string at key in doc (borrowed), or NULL when it is absent or not a string.
const char *resource_bson_string (const bson_t *doc, const char *key);

//  Point a malloc'd array at the strings of the array at key in doc (the
//  strings stay borrowed from doc; others are skipped). The count, 0 when
//  there is no such array. Free the array alone.
size_t resource_bson_borrow_strings (const bson_t *doc, const char *key, char ***list);

//  Append the fields an update request sets, as a $set does: the message in
//  the codec's FIELDS form (presence oneofs only when set), without the keys
//  listed in skip (NULL-terminated; NULL entries past the end are allowed
//  within count). Returns 0, or -1 when set is full.
int resource_bson_set_fields (const ProtobufCMessage *update, const char *const *skip, size_t count, bson_t *set);

//  Append message's field stored at key alone (to a $set), as the codec
//  stores it. Returns 0, or -1 when message stores no such key or set is full.
int resource_bson_set_field (const ProtobufCMessage *message, const char *key, bson_t *set);

//  Append {$push: {key: item}} to update, the item being the first of
//  holder's repeated field stored at key, as the codec stores it inside
//  holder (a nested id stays "id"). Returns 0, or -1 when there is none.
int resource_bson_push_item (const ProtobufCMessage *holder, const char *key, bson_t *update);

//  The document a findAndModify answered (the "value"), as a static view of
//  reply. true when there is one.
bool resource_bson_modified (const bson_t *reply, bson_t *value);

//  Number of documents of collection with _id in ids and this account_id,
//  not pending (to check that referenced objects exist; resource_store.h,
//  RESOURCE_PENDING_KEY). -1 with error on failure.
int64_t resource_bson_count_ids (mongoc_collection_t *collection, const char *account_id, char **ids,
                                 size_t count, bson_error_t *error);

#endif
