/*  resource_bson: filters, id lists, partial updates.  */
#include "resource_bson.h"
#include "resource_pending.h"
#include "resource_store.h"
#include "r5_alloc.h"
#include "r5_codec.h"

#include <string.h>

void
resource_bson_append_ids (bson_t *doc, const char *key, char **ids, size_t count)
{
    bson_t list;
    BSON_APPEND_ARRAY_BEGIN (doc, key, &list);
    for (size_t i = 0; i < count; i++) {
        char index [16];
        const char *index_key;
        bson_uint32_to_string ((uint32_t) i, &index_key, index, sizeof index);
        BSON_APPEND_UTF8 (&list, index_key, ids [i]);
    }
    bson_append_array_end (doc, &list);
}

void
resource_bson_append_in (bson_t *doc, const char *key, char **ids, size_t count)
{
    bson_t in;
    BSON_APPEND_DOCUMENT_BEGIN (doc, key, &in);
    resource_bson_append_ids (&in, "$in", ids, count);
    bson_append_document_end (doc, &in);
}

bson_t *
resource_bson_id_filter (const char *id, const char *account_id)
{
    bson_t *filter = bson_new ();
    BSON_APPEND_UTF8 (filter, "_id", id);
    BSON_APPEND_UTF8 (filter, "account_id", account_id);
    return filter;
}

const char *
resource_bson_string (const bson_t *doc, const char *key)
{
    bson_iter_t iter;
    return bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter) ? bson_iter_utf8 (&iter, NULL)
                                                                                 : NULL;
}

size_t
resource_bson_borrow_strings (const bson_t *doc, const char *key, char ***list)
{
    *list = NULL;
    bson_iter_t iter, child;
    if (!bson_iter_init_find (&iter, doc, key) || !BSON_ITER_HOLDS_ARRAY (&iter) || !bson_iter_recurse (&iter, &child))
        return 0;
    uint32_t length;
    const uint8_t *data;
    bson_iter_array (&iter, &length, &data);
    //  An element takes at least 5 bytes of the array's encoding.
    size_t most = length / 5 + 1, count = 0;
    *list = r5_calloc (most, sizeof (char *));
    while (bson_iter_next (&child) && count < most)
        if (BSON_ITER_HOLDS_UTF8 (&child))
            (*list) [count++] = (char *) bson_iter_utf8 (&child, NULL);
    return count;
}

int
resource_bson_set_fields (const ProtobufCMessage *update, const char *const *skip, size_t count, bson_t *set)
{
    bson_t fields = BSON_INITIALIZER;
    bson_iter_t iter;
    int rc = r5_codec_to_bson (update, R5_CODEC_FIELDS, &fields);
    if (rc == 0 && bson_iter_init (&iter, &fields))
        while (rc == 0 && bson_iter_next (&iter)) {
            bool skipped = false;
            for (size_t i = 0; i < count && !skipped; i++)
                skipped = skip [i] && strcmp (skip [i], bson_iter_key (&iter)) == 0;
            if (!skipped && !bson_append_iter (set, NULL, 0, &iter))
                rc = -1;
        }
    bson_destroy (&fields);
    return rc;
}

int
resource_bson_set_field (const ProtobufCMessage *message, const char *key, bson_t *set)
{
    bson_t fields = BSON_INITIALIZER;
    bson_iter_t iter;
    int rc = r5_codec_to_bson (message, R5_CODEC_FIELDS, &fields) == 0 && bson_iter_init_find (&iter, &fields, key)
          && bson_append_iter (set, NULL, 0, &iter) ? 0 : -1;
    bson_destroy (&fields);
    return rc;
}

int
resource_bson_push_item (const ProtobufCMessage *holder, const char *key, bson_t *update)
{
    bson_t fields = BSON_INITIALIZER, push;
    bson_iter_t iter, item;
    int rc = -1;
    if (r5_codec_to_bson (holder, R5_CODEC_FIELDS, &fields) == 0
    &&  bson_iter_init_find (&iter, &fields, key) && BSON_ITER_HOLDS_ARRAY (&iter)
    &&  bson_iter_recurse (&iter, &item) && bson_iter_next (&item)) {
        BSON_APPEND_DOCUMENT_BEGIN (update, "$push", &push);
        rc = bson_append_iter (&push, key, -1, &item) ? 0 : -1;
        bson_append_document_end (update, &push);
    }
    bson_destroy (&fields);
    return rc;
}

bool
resource_bson_modified (const bson_t *reply, bson_t *value)
{
    bson_iter_t iter;
    uint32_t length;
    const uint8_t *data;
    if (!bson_iter_init_find (&iter, reply, "value") || !BSON_ITER_HOLDS_DOCUMENT (&iter))
        return false;
    bson_iter_document (&iter, &length, &data);
    return bson_init_static (value, data, length);
}

int64_t
resource_bson_count_ids (mongoc_collection_t *collection, const char *account_id, char **ids, size_t count,
                         bson_error_t *error)
{
    if (count == 0)
        return 0;
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", ids, count);
    BSON_APPEND_UTF8 (&filter, "account_id", account_id);
    //  Whatever the collection: only a dependent can be pending, and no
    //  other collection's documents have the key.
    BCON_APPEND (&filter, RESOURCE_PENDING_KEY, "{", "$exists", BCON_BOOL (false), "}");
    int64_t found = mongoc_collection_count_documents (collection, &filter, NULL, NULL, NULL, error);
    bson_destroy (&filter);
    return found;
}
