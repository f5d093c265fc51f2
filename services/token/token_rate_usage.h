/*  token_rate_usage: the shared counters of the GraphQL rate limits
    (collection rate_usage; docs/api.md, "Rate limits").

    One document per user and fixed window: { _id: "<user_id>:<window>",
    used: Int64, expires_at: Date }. Gateways add what they admitted since
    their last flush with RecordUsageRequest, every 250 ms: one unordered bulk
    of `$inc` upserts (one update command) and one find of the totals per
    flush, never one write per GraphQL request. A TTL index on expires_at (the
    window's end plus one window) removes past windows. */
#ifndef TOKEN_RATE_USAGE_H
#define TOKEN_RATE_USAGE_H

#include "token_call.h"

#define TOKEN_RATE_USAGE_COLLECTION "rate_usage"
//  Most deltas in one RecordUsageRequest (a gateway sends one per user it served).
#define TOKEN_RATE_USAGE_MAX_DELTAS 10000

//  Create the TTL index (idempotent). 0, or -1 with one line in error.
int token_rate_usage_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

//  RecordUsageRequest: add the deltas, answer UsageTotals (one total per
//  delta, in the request's order).
void token_on_record_usage (token_call_t *call, const R5__RecordUsageRequest *record);

#endif
