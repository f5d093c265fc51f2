/*  r5_password_proof: sign and check password proofs.  */
#include "r5_password_proof.h"

#include <assert.h>
#include <stdlib.h>

#include "r5_alloc.h"

R5__PasswordProof *
r5_password_proof_issue (const r5_sign_secret_t *key, const char *user_id, const char *account_id,
                         int64_t now_ms)
{
    assert (key && user_id && account_id);
    uint8_t nonce [R5_PASSWORD_PROOF_NONCE_SIZE];
    randombytes_buf (nonce, sizeof nonce);
    R5__PasswordProofClaims claims = R5__PASSWORD_PROOF_CLAIMS__INIT;
    claims.user_id = (char *) user_id;
    claims.account_id = (char *) account_id;
    claims.nonce.data = nonce;
    claims.nonce.len = sizeof nonce;
    claims.issued_unix_ms = now_ms;
    claims.expires_unix_ms = now_ms + R5_PASSWORD_PROOF_TTL_MS;

    R5__PasswordProof *proof = (R5__PasswordProof *) r5_malloc (sizeof *proof);
    r5__password_proof__init (proof);
    if (r5_sign_pack (key, R5_PASSWORD_PROOF_CONTEXT, &claims.base, &proof->claims, &proof->signature)) {
        free (proof);
        return NULL;
    }
    return proof;
}

R5__PasswordProofClaims *
r5_password_proof_verify (const r5_sign_public_t *key, const R5__PasswordProof *proof, int64_t now_ms,
                          const char **why)
{
    assert (key && why);
    if (!proof) {
        *why = "no password proof";
        return NULL;
    }
    R5__PasswordProofClaims *claims = (R5__PasswordProofClaims *)
        r5_sign_open (key, R5_PASSWORD_PROOF_CONTEXT, &r5__password_proof_claims__descriptor,
                      &proof->claims, &proof->signature);
    if (!claims)
        *why = "bad signature";
    else
    if (claims->nonce.len != R5_PASSWORD_PROOF_NONCE_SIZE)
        *why = "bad nonce";
    else
    if (now_ms >= claims->expires_unix_ms)
        *why = "expired";
    else
        return claims;
    if (claims)
        r5__password_proof_claims__free_unpacked (claims, NULL);
    return NULL;
}
