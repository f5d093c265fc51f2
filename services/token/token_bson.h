/*  token_bson: the fields of r5-token's documents that both of its
    collections hold (strings, times, scope sets), read with their types
    checked and written in one form. Data from MongoDB is validated, never
    trusted: a reader returns -1 for a field of the wrong type. */
#ifndef TOKEN_BSON_H
#define TOKEN_BSON_H

#include <bson/bson.h>
#include <stddef.h>
#include <stdint.h>
#include "r5_scope.h"

//  Copy a string field into out (size bytes). -1 when it is not a string or too long.
int token_bson_copy_utf8 (const bson_iter_t *iter, char *out, size_t size);

//  A timestamp field: a BSON date (or an int64 written by another tool); null is 0.
int token_bson_read_time (const bson_iter_t *iter, int64_t *out);

//  An array of scope names into *set. -1 when it is not an array or an
//  element is not a known scope's name.
int token_bson_read_scopes (const bson_iter_t *iter, r5_scope_set_t *set);

//  Append key: [scope names] to doc, in the scopes' order.
void token_bson_append_scopes (bson_t *doc, const char *key, r5_scope_set_t scopes);

#endif
