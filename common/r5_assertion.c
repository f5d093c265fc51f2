/*  r5_assertion: sign and check principal assertions.  */
#include "r5_assertion.h"

#include <assert.h>
#include <stdlib.h>

#include "r5_alloc.h"

R5__PrincipalAssertion *
r5_assertion_issue (const r5_sign_secret_t *key, const R5__Principal *principal, const char *request_id,
                    int64_t now_ms, int64_t ttl_ms)
{
    assert (key && principal && ttl_ms > 0);
    //  Borrowed fields only: the claims are packed and dropped here.
    R5__Principal signed_principal = *principal;
    signed_principal.name = (char *) protobuf_c_empty_string;
    signed_principal.email = (char *) protobuf_c_empty_string;
    R5__PrincipalClaims claims = R5__PRINCIPAL_CLAIMS__INIT;
    claims.principal = &signed_principal;
    claims.request_id = (char *) (request_id ? request_id : "");
    claims.issued_unix_ms = now_ms;
    claims.expires_unix_ms = now_ms + ttl_ms;

    R5__PrincipalAssertion *assertion = (R5__PrincipalAssertion *) r5_malloc (sizeof *assertion);
    r5__principal_assertion__init (assertion);
    if (r5_sign_pack (key, R5_ASSERTION_CONTEXT, &claims.base, &assertion->claims, &assertion->signature)) {
        free (assertion);
        return NULL;
    }
    return assertion;
}

R5__PrincipalClaims *
r5_assertion_verify (const r5_sign_public_t *key, const R5__PrincipalAssertion *assertion, int64_t now_ms,
                     const char **why)
{
    assert (key && why);
    if (!assertion) {
        *why = "no assertion";
        return NULL;
    }
    R5__PrincipalClaims *claims = (R5__PrincipalClaims *) r5_sign_open (key, R5_ASSERTION_CONTEXT,
                                                                        &r5__principal_claims__descriptor,
                                                                        &assertion->claims, &assertion->signature);
    if (!claims)
        *why = "bad signature";
    else
    if (!claims->principal)
        *why = "no principal in the claims";
    else
    //  A claim issued in the future is from a clock we do not share; only the expiry is trusted.
    if (now_ms >= claims->expires_unix_ms)
        *why = "expired";
    else
        return claims;
    if (claims)
        r5__principal_claims__free_unpacked (claims, NULL);
    return NULL;
}
