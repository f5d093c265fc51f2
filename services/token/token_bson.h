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
#include "token_store.h"

//  Copy a string field into out (size bytes). -1 when it is not a string or too long.
int token_bson_copy_utf8 (const bson_iter_t *iter, char *out, size_t size);

//  A timestamp field: a BSON date (or an int64 written by another tool); null is 0.
int token_bson_read_time (const bson_iter_t *iter, int64_t *out);

//  An array of scope names into *set. -1 when it is not an array or an
//  element is not a known scope's name.
int token_bson_read_scopes (const bson_iter_t *iter, r5_scope_set_t *set);

//  Append key: [scope names] to doc, in the scopes' order.
void token_bson_append_scopes (bson_t *doc, const char *key, r5_scope_set_t scopes);

//  team_ids: an array of team ids into *teams. -1 when it is not an array,
//  an element is not a well-formed id, or it holds more than TOKEN_TEAMS_MAX.
int token_bson_read_teams (const bson_iter_t *iter, token_teams_t *teams);

//  Append key: [team ids] to doc.
void token_bson_append_teams (bson_t *doc, const char *key, const token_teams_t *teams);

//  used_from: an array of {address, user_agent, at} into out->used_from;
//  at most TOKEN_USED_FROM_MAX are read (the writes never keep more),
//  newest first. -1 when it is not an array or an element is not such a
//  document.
int token_bson_read_uses (const bson_iter_t *iter, token_record_t *out);

//  The condition on a token's used_from that it holds the place (address,
//  user_agent), or with absent, that it does not.
void token_bson_append_place (bson_t *filter, const char *address, const char *user_agent, bool absent);

//  The $set of a use (last_used_at, last_used_ip, and idle_expires_at when
//  above 0), begun in update; the caller ends it.
void token_bson_begin_use_set (bson_t *update, bson_t *set, int64_t now, const char *ip, int64_t idle_expires_at);

//  A keyset page over (date_field, _id), newest first: the page's cursors
//  appended to filter (older than after, newer than before), and to opts
//  its sort (backward: oldest first, from the before end) and limit (one
//  more than the page, to tell whether more follow).
void token_bson_append_page (bson_t *filter, bson_t *opts, const char *date_field, const token_page_t *page);

#endif
