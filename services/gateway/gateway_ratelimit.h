/*  gateway_ratelimit: the per-user point budget of /graphql (docs/api.md,
    "Rate limits"), kept across gateways.

    A budget is `limit` points per user (all their tokens and sessions
    together) per fixed window of `window_seconds` (3600 in production): the
    window of a time t is floor(t / window_seconds), so every gateway agrees
    on it without talking, and it resets at its end.

    Each gateway counts in a hash table of (user, window) entries under one
    short lock: a request is one lookup and a few additions, no allocation, no
    bus call. A thread of its own flushes every `flush_ms` (250): it sends the
    points admitted since the last flush, one delta per user served, in one
    RecordUsageRequest to r5-token (the shared counters, token_rate_usage.h),
    and takes back each user's total over every gateway. A gateway answers
    from that last known total plus what it admitted since. So a user's spend
    on one gateway is seen on the others within one flush interval plus a round
    trip, and the budget is overshot by at most (gateways - 1) x (the points
    one gateway admits for that user in that time).

    When r5-token cannot be reached, the deltas are kept and sent with the
    next flush, and the gateway goes on limiting on what it knows (its own
    counts over the last known total): it fails open on the shared part only. */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct _gateway_ratelimit_t gateway_ratelimit_t;

//  Entries (users with a window in progress or unflushed) one gateway keeps;
//  past it a new user's requests are admitted uncounted (and logged once a flush).
#define GATEWAY_RATELIMIT_MAX_USERS 32768
#define GATEWAY_RATELIMIT_FLUSH_MS 250

//  What a request sees of its user's budget (after its own charge).
typedef struct {
    int64_t limit;
    int64_t cost;               //  points this request spends (0 when refused or a dry run)
    int64_t used;               //  points spent in the window, this request included
    int64_t remaining;          //  limit - used, at least 0
    int64_t reset_at;           //  unix seconds: the window's end
    int64_t node_count;         //  the operation's node count (gql_cost.h)
    bool refused;               //  over the budget: answer 429
} gateway_rate_t;

//  A limiter of limit points per window_seconds (0: 3600), flushing to r5-token
//  through brokers every flush_ms (0: GATEWAY_RATELIMIT_FLUSH_MS) with calls of
//  rpc_timeout_ms. brokers NULL or "": no shared counters (each gateway on its
//  own; for unit tests). NULL when limit is 0 (limits off).
gateway_ratelimit_t *gateway_ratelimit_new (int64_t limit, int window_seconds, int flush_ms,
                                            const char *brokers, int rpc_timeout_ms);
void gateway_ratelimit_destroy (gateway_ratelimit_t **self_p);

//  Spend cost points of user_id's budget now (unix_ms): admitted when the
//  window's spend plus cost stays within the limit (then counted), else
//  refused and not counted. cost 0 only reads. Fills *rate either way.
//  Returns true when admitted.
bool gateway_ratelimit_charge (gateway_ratelimit_t *self, const char *user_id, int64_t cost, int64_t unix_ms,
                               gateway_rate_t *rate);

#endif
