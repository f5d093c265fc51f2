/*  token_audit: the audit trail of tokens, in the MongoDB collection
    `token_audit`, one document per event:

    { _id: "<24 hex>", type, at: Date, token_id?, user_id?, account_id?, ip,
      request_id, reason?, hint?, scopes_before?, scopes_after?,
      description_before?, description_after?, team_ids_before?, team_ids_after? }

    Types: created, updated, regenerated, deleted, verify_failed,
    session_created, session_deleted, session_expired, reported_leaked
    (reason "reported leaked at <url>", and url, source, description_before:
    what the owner's notice shows, token_notices.h). Never a token value.
    Failed verifications are written at most TOKEN_AUDIT_FAILURES_PER_SECOND
    per second per instance (a flood of bad tokens must not become a flood
    of writes); the rest are counted and logged. */
#ifndef TOKEN_AUDIT_H
#define TOKEN_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include "r5_mongo.h"
#include "r5_scope.h"
#include "r5_token_format.h"
#include "token_input.h"

#define TOKEN_AUDIT_COLLECTION "token_audit"
#define TOKEN_AUDIT_FAILURES_PER_SECOND 20
#define TOKEN_AUDIT_TYPE_MAX 24
//  Room for "reported leaked at <url>" (token_notices.h: a url of up to 1024 bytes).
#define TOKEN_AUDIT_REASON_MAX 1100

typedef struct {
    char id [TOKEN_ID_SIZE];
    char type [TOKEN_AUDIT_TYPE_MAX];
    int64_t at;
    char token_id [TOKEN_ID_SIZE];
    char user_id [TOKEN_USER_ID_MAX + 1];
    char account_id [TOKEN_USER_ID_MAX + 1];
    char ip [TOKEN_IP_MAX + 1];
    char request_id [128];
    char reason [TOKEN_AUDIT_REASON_MAX];
    char hint [R5_TOKEN_HINT_SIZE];
    bool has_scopes_before, has_scopes_after;
    r5_scope_set_t scopes_before, scopes_after;
    bool has_description_before, has_description_after;
    char description_before [TOKEN_DESCRIPTION_MAX_BYTES + 1];
    char description_after [TOKEN_DESCRIPTION_MAX_BYTES + 1];
    bool has_teams_before, has_teams_after;
    token_teams_t teams_before, teams_after;
} token_audit_record_t;

typedef struct _token_audit_t token_audit_t;

token_audit_t *token_audit_new (r5_mongo_t *mongo);
void token_audit_destroy (token_audit_t **self_p);
const char *token_audit_error (token_audit_t *self);

int token_audit_ensure_indexes (token_audit_t *self, char *error, size_t error_size);

//  Write one event; id and at are filled in when empty. Returns a Status.
R5__Status token_audit_write (token_audit_t *self, token_audit_record_t *record);

//  The event's document, appended to out; id and at are filled in when empty.
void token_audit_document (token_audit_record_t *record, bson_t *out);

//  Write an event's document. One already there (same _id) counts as
//  written. Returns a Status.
R5__Status token_audit_insert (token_audit_t *self, const bson_t *doc);

//  True when a failed verification at now may be written (token bucket).
bool token_audit_failure_allowed (token_audit_t *self, int64_t now);

//  Failed verifications not written since the last call (for a log line).
uint64_t token_audit_failures_dropped (token_audit_t *self);

//  A page of the events of a user's token (token_bson_append_page: newest
//  first, or oldest first when backward). Writes up to page->size + 1
//  records into out. When total is not NULL, *total is how many events the
//  token has (one more command).
R5__Status token_audit_list (token_audit_t *self, const char *token_id, const char *user_id,
                             const token_page_t *page, token_audit_record_t *out, size_t *count,
                             int64_t *total);

//  Blank record (memset 0).
void token_audit_record_init (token_audit_record_t *record, const char *type);

#endif
