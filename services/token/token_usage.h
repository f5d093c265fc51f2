/*  token_usage: when each token's last use was last written, in memory, so
    verification writes lastUsedAt (and slides a session's idle expiry, and
    records where a token was used) at most once per interval per token and
    place per instance, instead of once per request. A place is a client
    address and User-Agent; a token has at most TOKEN_USED_FROM_MAX of them
    written per interval (the number a token document keeps), so a client
    that changes its User-Agent on every request cannot turn each request
    into a write. Bounded: entries whose interval has passed are dropped
    when the table grows past TOKEN_USAGE_MAX tokens. */
#ifndef TOKEN_USAGE_H
#define TOKEN_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_USAGE_MAX 65536
//  How many places a token document keeps (token_store.h, used_from).
#define TOKEN_USED_FROM_MAX 5

typedef struct _token_usage_t token_usage_t;

//  interval_ms 0 writes every use.
token_usage_t *token_usage_new (int64_t interval_ms);
void token_usage_destroy (token_usage_t **self_p);

//  True when a use of id from (address, user_agent) at now should be
//  written; then it is counted as written. NULL address and user_agent (a
//  session's use) count as one place. False when this place was written
//  within the interval, or TOKEN_USED_FROM_MAX other places of id were.
bool token_usage_due (token_usage_t *self, const char *id, const char *address, const char *user_agent,
                      int64_t now);

//  Forget id (after a regenerate or delete, or a failed write, so the next
//  use is written at once).
void token_usage_forget (token_usage_t *self, const char *id);

size_t token_usage_size (token_usage_t *self);

#endif
