#include "gateway_status.h"
#include "r5_rpc.h"

//  Indexed by R5__Status.
static const gateway_status_t s_table [] = {
    [R5__STATUS__STATUS_OK]                = { "OK", 200, "ok", 0 },
    [R5__STATUS__STATUS_BAD_INPUT]         = { "BAD_USER_INPUT", 400, "invalid input", 0 },
    [R5__STATUS__STATUS_UNAUTHENTICATED]   = { "UNAUTHENTICATED", 401, "authentication required", 1 },
    [R5__STATUS__STATUS_FORBIDDEN]         = { "FORBIDDEN", 403, "not allowed", 0 },
    [R5__STATUS__STATUS_SCOPE_MISSING]     = { "SCOPE_MISSING", 403, "the token lacks the required scope", 0 },
    //  Masked: one text whatever the service said (missing, hidden, another
    //  account's or another user's must read alike).
    [R5__STATUS__STATUS_NOT_FOUND]         = { "NOT_FOUND", 404, R5_NOT_FOUND_MESSAGE, 1 },
    [R5__STATUS__STATUS_CONFLICT]          = { "CONFLICT", 409, "conflict", 0 },
    [R5__STATUS__STATUS_RATE_LIMITED]      = { "RATE_LIMITED", 429, "too many requests", 0 },
    [R5__STATUS__STATUS_UNAVAILABLE]       = { "UNAVAILABLE", 503, "service unavailable, try again", 1 },
    [R5__STATUS__STATUS_DEADLINE_EXCEEDED] = { "UNAVAILABLE", 503, "service unavailable, try again", 1 },
    [R5__STATUS__STATUS_INTERNAL]          = { "INTERNAL", 500, "internal error", 1 },
    [R5__STATUS__STATUS_MALFORMED]         = { "INTERNAL", 500, "internal error", 1 },
};

const gateway_status_t *
gateway_status (R5__Status status)
{
    if ((int) status < 0 || (size_t) status >= sizeof s_table / sizeof s_table [0] || !s_table [status].code)
        return &s_table [R5__STATUS__STATUS_INTERNAL];
    return &s_table [status];
}
