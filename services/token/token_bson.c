/*  token_bson: fields shared by the tokens and token_audit documents.  */
#include "token_bson.h"

#include <string.h>

int
token_bson_copy_utf8 (const bson_iter_t *iter, char *out, size_t size)
{
    if (!BSON_ITER_HOLDS_UTF8 (iter))
        return -1;
    uint32_t length;
    const char *text = bson_iter_utf8 (iter, &length);
    if (length >= size)
        return -1;
    memcpy (out, text, length);
    out [length] = 0;
    return 0;
}

int
token_bson_read_time (const bson_iter_t *iter, int64_t *out)
{
    if (BSON_ITER_HOLDS_DATE_TIME (iter))
        *out = bson_iter_date_time (iter);
    else
    if (BSON_ITER_HOLDS_INT64 (iter) || BSON_ITER_HOLDS_INT32 (iter))
        *out = bson_iter_as_int64 (iter);
    else
    if (BSON_ITER_HOLDS_NULL (iter))
        *out = 0;
    else
        return -1;
    return 0;
}

int
token_bson_read_scopes (const bson_iter_t *iter, r5_scope_set_t *set)
{
    bson_iter_t child;
    *set = 0;
    if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &child))
        return -1;
    while (bson_iter_next (&child)) {
        uint32_t length;
        if (!BSON_ITER_HOLDS_UTF8 (&child))
            return -1;
        const char *name = bson_iter_utf8 (&child, &length);
        R5__Scope scope = r5_scope_from_name (name, length);
        if (scope == R5__SCOPE__SCOPE_UNSPECIFIED)
            return -1;
        *set |= r5_scope_bit (scope);
    }
    return 0;
}

void
token_bson_append_scopes (bson_t *doc, const char *key, r5_scope_set_t scopes)
{
    bson_t array;
    bson_append_array_begin (doc, key, -1, &array);
    int index = 0;
    for (int scope = 1; scope <= R5_SCOPE_COUNT; scope++)
        if (scopes & r5_scope_bit ((R5__Scope) scope)) {
            char number [16];
            const char *index_key;
            bson_uint32_to_string ((uint32_t) index++, &index_key, number, sizeof number);
            bson_append_utf8 (&array, index_key, -1, r5_scope_name ((R5__Scope) scope), -1);
        }
    bson_append_array_end (doc, &array);
}
