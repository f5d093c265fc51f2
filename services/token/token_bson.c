/*  token_bson: fields shared by the tokens and token_audit documents.  */
#include "token_bson.h"
#include "r5_mongo.h"

#include <stdlib.h>
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

int
token_bson_read_teams (const bson_iter_t *iter, token_teams_t *teams)
{
    bson_iter_t child;
    teams->count = 0;
    if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &child))
        return -1;
    while (bson_iter_next (&child)) {
        if (teams->count == TOKEN_TEAMS_MAX
        ||  token_bson_copy_utf8 (&child, teams->ids [teams->count], TOKEN_ID_SIZE)
        ||  !token_input_is_id (teams->ids [teams->count]))
            return -1;
        teams->count++;
    }
    return 0;
}

void
token_bson_append_teams (bson_t *doc, const char *key, const token_teams_t *teams)
{
    bson_t array;
    bson_append_array_begin (doc, key, -1, &array);
    for (size_t i = 0; i < teams->count; i++) {
        char number [16];
        const char *index_key;
        bson_uint32_to_string ((uint32_t) i, &index_key, number, sizeof number);
        bson_append_utf8 (&array, index_key, -1, teams->ids [i], -1);
    }
    bson_append_array_end (doc, &array);
}

//  ---------------------------------------------------------------------------
//  Where a token was used

//  Newest first (a place's time is set where it is: the array is not kept in order).
static int
s_use_newer (const void *a, const void *b)
{
    int64_t at_a = ((const token_use_t *) a)->at, at_b = ((const token_use_t *) b)->at;
    return at_a < at_b ? 1 : at_a > at_b ? -1 : 0;
}

//  used_from: an array of {address, user_agent, at}; at most
//  TOKEN_USED_FROM_MAX are read (the writes never keep more), newest first.
//  -1 when it is not an array or an element is not such a document.
int
token_bson_read_uses (const bson_iter_t *iter, token_record_t *out)
{
    bson_iter_t items;
    if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &items))
        return -1;
    out->n_used_from = 0;
    while (bson_iter_next (&items) && out->n_used_from < TOKEN_USED_FROM_MAX) {
        bson_iter_t field;
        if (!BSON_ITER_HOLDS_DOCUMENT (&items) || !bson_iter_recurse (&items, &field))
            return -1;
        token_use_t *use = &out->used_from [out->n_used_from];
        memset (use, 0, sizeof *use);
        bool have_at = false;
        while (bson_iter_next (&field)) {
            const char *key = bson_iter_key (&field);
            int rc = 0;
            if (strcmp (key, "address") == 0)
                rc = token_bson_copy_utf8 (&field, use->address, sizeof use->address);
            else
            if (strcmp (key, "user_agent") == 0)
                rc = token_bson_copy_utf8 (&field, use->user_agent, sizeof use->user_agent);
            else
            if (strcmp (key, "at") == 0) {
                rc = token_bson_read_time (&field, &use->at);
                have_at = rc == 0 && use->at > 0;
            }
            if (rc)
                return -1;
        }
        if (!have_at)
            return -1;
        out->n_used_from++;
    }
    qsort (out->used_from, out->n_used_from, sizeof out->used_from [0], s_use_newer);
    return 0;
}

//  The condition on a token's used_from that it holds the place (address,
//  user_agent), or with absent, that it does not.
void
token_bson_append_place (bson_t *filter, const char *address, const char *user_agent, bool absent)
{
    bson_t place = BSON_INITIALIZER;
    BCON_APPEND (&place, "$elemMatch", "{", "address", BCON_UTF8 (address),
                 "user_agent", BCON_UTF8 (user_agent), "}");
    if (absent)
        BCON_APPEND (filter, TOKEN_USED_FROM_KEY, "{", "$not", BCON_DOCUMENT (&place), "}");
    else
        BSON_APPEND_DOCUMENT (filter, TOKEN_USED_FROM_KEY, &place);
    bson_destroy (&place);
}

//  The $set of a use, begun in update (the caller ends it).
void
token_bson_begin_use_set (bson_t *update, bson_t *set, int64_t now, const char *ip, int64_t idle_expires_at)
{
    BSON_APPEND_DOCUMENT_BEGIN (update, "$set", set);
    BSON_APPEND_DATE_TIME (set, "last_used_at", now);
    BSON_APPEND_UTF8 (set, "last_used_ip", ip);
    if (idle_expires_at > 0)
        BSON_APPEND_DATE_TIME (set, "idle_expires_at", idle_expires_at);
}

void
token_bson_append_page (bson_t *filter, bson_t *opts, const char *date_field, const token_page_t *page)
{
    //  Both cursors: each $or in a clause of its own ($or is one key).
    bson_t all, clause;
    bool both = page->after && page->before;
    if (both)
        BSON_APPEND_ARRAY_BEGIN (filter, "$and", &all);
    if (page->after) {
        if (both)
            BSON_APPEND_DOCUMENT_BEGIN (&all, "0", &clause);
        r5_mongo_append_older_than (both ? &clause : filter, date_field, page->after_at, page->after_id);
        if (both)
            bson_append_document_end (&all, &clause);
    }
    if (page->before) {
        if (both)
            BSON_APPEND_DOCUMENT_BEGIN (&all, "1", &clause);
        r5_mongo_append_newer_than (both ? &clause : filter, date_field, page->before_at, page->before_id);
        if (both)
            bson_append_document_end (&all, &clause);
    }
    if (both)
        bson_append_array_end (filter, &all);
    int direction = page->backward ? 1 : -1;
    BCON_APPEND (opts, "sort", "{", date_field, BCON_INT32 (direction), "_id", BCON_INT32 (direction), "}",
                 "limit", BCON_INT64 ((int64_t) page->size + 1));
}
