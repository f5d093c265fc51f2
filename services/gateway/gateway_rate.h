/*  gateway_rate: the rate limits as /graphql applies them (docs/api.md,
    "Rate limits"): an operation's cost before it runs (gql_cost.h), the
    node limit, the X-RateLimit-* headers, Query.rateLimit and its dry run.
    The counting itself is gateway_ratelimit's. */
#ifndef GATEWAY_RATE_H
#define GATEWAY_RATE_H

#include "gateway_ratelimit.h"
#include "gql.h"

#include <stddef.h>

//  Room for the five headers and Retry-After.
#define GATEWAY_RATE_HEADERS_SIZE 256

//  The five X-RateLimit-* headers of rate ("" when rate is NULL: limits off),
//  with Retry-After when it was refused, into out.
void gateway_rate_headers (const gateway_rate_t *rate, int64_t now_ms, char out [GATEWAY_RATE_HEADERS_SIZE]);

//  Whether the operation asks for Query.rateLimit(dryRun: true) among its root
//  fields (written true, or a variable that is true).
bool gateway_rate_dry_run (const gql_operation_t *operation, json_t *variables);

//  The executor hook of a dry run: every root field but rateLimit answers
//  null with DRY_RUN; nothing else is refused.
int gateway_rate_field_access (void *context, const gql_type_t *parent_type, const gql_field_t *field,
                               json_t *parent_object, gql_field_error_t *error);

//  Query.rateLimit's resolver entry, into entries (size at least 1). Returns 1.
size_t gateway_rate_resolvers (gql_resolver_entry_t *entries, size_t size);

#endif
