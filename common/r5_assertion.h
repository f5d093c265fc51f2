/*  r5_assertion: principal assertions — the principal r5-token established
    by verifying a credential, signed with r5-token's Ed25519 assertion key
    (r5_sign.h) so that no other bus client can make one up.

    The signed bytes are "r5.principal.v1" NUL || a serialized
    PrincipalClaims (proto/r5/common.proto): the principal (user, account,
    role, credential kind, token id, scopes), the verification's request id,
    the issue time and a short expiry. Services act for a principal only
    from claims r5_assertion_verify returned; the callers pass the
    assertion on unchanged in RequestMeta.assertion. */
#ifndef R5_ASSERTION_H
#define R5_ASSERTION_H

#include "r5_sign.h"
#include "r5/common.pb-c.h"

#define R5_ASSERTION_CONTEXT        "r5.principal.v1"
#define R5_ASSERTION_TTL_DEFAULT_S  60
//  Longest signed claims a gateway keeps (real ones are about 300 bytes; a
//  team-restricted token adds 26 per team, at most 50: 1,300). r5-token
//  leaves the principal's team facts out rather than exceed it.
#define R5_ASSERTION_CLAIMS_MAX     2048

//  Sign principal (name and email are left out) for request_id, valid from
//  now_ms for ttl_ms. A heap assertion (free with
//  r5__principal_assertion__free_unpacked), or NULL when the claims would
//  exceed R5_SIGN_MESSAGE_MAX (ids too long to be real).
R5__PrincipalAssertion *r5_assertion_issue (const r5_sign_secret_t *key, const R5__Principal *principal,
                                            const char *request_id, int64_t now_ms, int64_t ttl_ms);

//  The claims of assertion when key signed them, they decode, hold a
//  principal and have not expired at now_ms (free with
//  r5__principal_claims__free_unpacked); else NULL and *why (static text
//  for logs: "no assertion", "bad signature", "expired", ...).
R5__PrincipalClaims *r5_assertion_verify (const r5_sign_public_t *key, const R5__PrincipalAssertion *assertion,
                                          int64_t now_ms, const char **why);

#endif
