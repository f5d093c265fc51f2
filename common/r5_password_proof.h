/*  r5_password_proof: proof that r5-resource has just checked a user's
    password (sign-in) or set it (signup), signed with r5-resource's Ed25519
    password-proof key, so that r5-token makes a login session only for a
    user whose password was really checked.

    The signed bytes are "r5.password-proof.v1" NUL || a serialized
    PasswordProofClaims (proto/r5/common.proto): user id, account id, a
    random nonce, the issue time and an expiry 30 s later. r5-token accepts
    a proof for exactly the user and account it names, before it expires,
    and once (the nonce is recorded in MongoDB: token_proofs.h). */
#ifndef R5_PASSWORD_PROOF_H
#define R5_PASSWORD_PROOF_H

#include "r5_sign.h"
#include "r5/common.pb-c.h"

#define R5_PASSWORD_PROOF_CONTEXT       "r5.password-proof.v1"
#define R5_PASSWORD_PROOF_TTL_MS        30000
#define R5_PASSWORD_PROOF_NONCE_SIZE    16

//  A heap proof for user_id in account_id issued at now_ms with a fresh
//  nonce (free with r5__password_proof__free_unpacked), or NULL when the ids
//  are absurdly long.
R5__PasswordProof *r5_password_proof_issue (const r5_sign_secret_t *key, const char *user_id,
                                            const char *account_id, int64_t now_ms);

//  The claims of proof when key signed them, they decode, hold a nonce of
//  the right size and have not expired at now_ms (free with
//  r5__password_proof_claims__free_unpacked); else NULL and *why (static
//  text for logs).
R5__PasswordProofClaims *r5_password_proof_verify (const r5_sign_public_t *key, const R5__PasswordProof *proof,
                                                   int64_t now_ms, const char **why);

#endif
