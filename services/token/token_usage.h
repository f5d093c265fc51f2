/*  token_usage: when each token's last use was last written, in memory, so
    verification writes lastUsedAt (and slides a session's idle expiry) at
    most once per interval per token per instance, instead of once per
    request. Bounded: entries older than the interval are dropped when the
    table grows past TOKEN_USAGE_MAX entries. */
#ifndef TOKEN_USAGE_H
#define TOKEN_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_USAGE_MAX 65536

typedef struct _token_usage_t token_usage_t;

//  interval_ms 0 writes every use.
token_usage_t *token_usage_new (int64_t interval_ms);
void token_usage_destroy (token_usage_t **self_p);

//  True when a use of id at now should be written; then it is counted as written.
bool token_usage_due (token_usage_t *self, const char *id, int64_t now);

//  Forget id (after a regenerate or delete, so the next use is written at once).
void token_usage_forget (token_usage_t *self, const char *id);

size_t token_usage_size (token_usage_t *self);

#endif
