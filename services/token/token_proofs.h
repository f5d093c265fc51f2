/*  token_proofs: password proofs already spent (collection password_proofs),
    so that each proof r5-resource signs makes at most one login session,
    whichever r5-token instance receives it, and however often it is sent.

    One document per proof: { _id: "<32 hex: the nonce>", user_id,
    account_id, expires_at: Date }. The unique _id is the whole invariant:
    the insert that records a nonce is the check that it was not used, so
    two instances racing on one proof cannot both win. A TTL index on
    expires_at removes a record once its proof has expired anyway. */
#ifndef TOKEN_PROOFS_H
#define TOKEN_PROOFS_H

#include "r5_mongo.h"
#include "r5/common.pb-c.h"

#define TOKEN_PROOFS_COLLECTION "password_proofs"

typedef struct _token_proofs_t token_proofs_t;

//  mongo is borrowed and must outlive the store.
token_proofs_t *token_proofs_new (r5_mongo_t *mongo);
void token_proofs_destroy (token_proofs_t **self_p);

//  Create the TTL index (idempotent). 0, or -1 with one line in error.
int token_proofs_ensure_indexes (token_proofs_t *self, char *error, size_t error_size);

//  Record the proof's nonce as spent. STATUS_OK the first time,
//  STATUS_CONFLICT when it was spent before, UNAVAILABLE or INTERNAL when
//  MongoDB failed (token_proofs_error says why).
R5__Status token_proofs_spend (token_proofs_t *self, const R5__PasswordProofClaims *claims);

//  The last failure, for logs.
const char *token_proofs_error (token_proofs_t *self);

#endif
