/*  token_proofs: single use of password proofs, held by a unique _id.  */
#include "token_proofs.h"

#include <assert.h>
#include <sodium.h>

#include "r5_alloc.h"
#include "r5_password_proof.h"

struct _token_proofs_t {
    r5_mongo_t *mongo;              //  borrowed
    char error [256];
};

token_proofs_t *
token_proofs_new (r5_mongo_t *mongo)
{
    assert (mongo);
    token_proofs_t *self = (token_proofs_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    return self;
}

void
token_proofs_destroy (token_proofs_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

int
token_proofs_ensure_indexes (token_proofs_t *self, char *error, size_t error_size)
{
    //  A record outliving its proof's expiry guards nothing: expired proofs
    //  are refused before their nonce is looked at.
    return r5_mongo_ensure_expiry (self->mongo, TOKEN_PROOFS_COLLECTION, "proof_expiry", "expires_at",
                                   error, error_size);
}

R5__Status
token_proofs_spend (token_proofs_t *self, const R5__PasswordProofClaims *claims)
{
    assert (claims->nonce.len == R5_PASSWORD_PROOF_NONCE_SIZE);
    char nonce [2 * R5_PASSWORD_PROOF_NONCE_SIZE + 1];
    sodium_bin2hex (nonce, sizeof nonce, claims->nonce.data, claims->nonce.len);
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&doc, "_id", nonce);
    BSON_APPEND_UTF8 (&doc, "user_id", claims->user_id);
    BSON_APPEND_UTF8 (&doc, "account_id", claims->account_id);
    BSON_APPEND_DATE_TIME (&doc, "expires_at", claims->expires_unix_ms);
    bson_error_t error;
    mongoc_client_t *client = r5_mongo_pop (self->mongo);
    mongoc_collection_t *collection = r5_mongo_collection (self->mongo, client, TOKEN_PROOFS_COLLECTION);
    bool inserted = mongoc_collection_insert_one (collection, &doc, NULL, NULL, &error);
    mongoc_collection_destroy (collection);
    r5_mongo_push (self->mongo, &client);
    bson_destroy (&doc);
    if (inserted)
        return R5__STATUS__STATUS_OK;
    if (r5_mongo_is_duplicate (&error))
        return R5__STATUS__STATUS_CONFLICT;
    snprintf (self->error, sizeof self->error, "cannot record password proof: %.200s", error.message);
    R5__Status status = r5_mongo_status (&error);
    return status == R5__STATUS__STATUS_CONFLICT ? R5__STATUS__STATUS_INTERNAL : status;
}

const char *
token_proofs_error (token_proofs_t *self)
{
    return self->error;
}
