/*  token_notices: the collection `token_notices`, what a token's owner is
    told when the token was reported leaked and revoked (Security tab), until
    they dismiss it.

    { _id: "<24 hex: the id of the token's reported_leaked audit entry>",
      token_id, user_id, account_id, hint, description, url, source,
      reported_at: Date, dismissed_at?: Date }

    A notice is made from the audit entry the revocation owes
    (token_pending.h), under that entry's _id: it is written with the entry
    by whoever completes the debt, so a crash between the revocation and the
    notice leaves the debt, and a second write is a no-op. One revocation,
    one notice; a token already revoked is not live and makes none. */
#ifndef TOKEN_NOTICES_H
#define TOKEN_NOTICES_H

#include <stdint.h>
#include "r5_mongo.h"
#include "r5_token_format.h"
#include "token_input.h"

#define TOKEN_NOTICES_COLLECTION "token_notices"
//  The audit entry's type of a leaked token's revocation, and its extra fields.
#define TOKEN_NOTICE_AUDIT_TYPE "reported_leaked"
#define TOKEN_NOTICE_URL_MAX 1024
#define TOKEN_NOTICE_SOURCE_MAX 64
//  Most notices a list answers (the newest).
#define TOKEN_NOTICES_LIST_MAX 50

typedef struct {
    char id [TOKEN_ID_SIZE];
    char token_id [TOKEN_ID_SIZE];
    char hint [R5_TOKEN_HINT_SIZE];
    char description [TOKEN_DESCRIPTION_MAX_BYTES + 1];
    char url [TOKEN_NOTICE_URL_MAX + 1];
    char source [TOKEN_NOTICE_SOURCE_MAX + 1];
    int64_t reported_at;            //  ms since the epoch
} token_notice_record_t;

typedef struct _token_notices_t token_notices_t;

//  mongo is borrowed and must outlive the store.
token_notices_t *token_notices_new (r5_mongo_t *mongo);
void token_notices_destroy (token_notices_t **self_p);

//  Create the index {user_id, reported_at} (idempotent). 0, or -1 with one line in error.
int token_notices_ensure_indexes (token_notices_t *self, char *error, size_t error_size);

//  Write the notice an audit entry of type TOKEN_NOTICE_AUDIT_TYPE calls for
//  (any other entry: nothing). OK also when it was written before.
R5__Status token_notices_record (token_notices_t *self, const bson_t *audit);

//  The user's notices not dismissed, newest first, at most limit, into out.
R5__Status token_notices_list (token_notices_t *self, const char *user_id, const char *account_id,
                               token_notice_record_t *out, size_t limit, size_t *count);

//  Dismiss one of the user's notices (id 24 hex). NOT_FOUND when it is not
//  theirs, or dismissed already.
R5__Status token_notices_dismiss (token_notices_t *self, const char *id, const char *user_id,
                                  const char *account_id, int64_t now);

//  The last failure, for logs.
const char *token_notices_error (token_notices_t *self);

#endif
