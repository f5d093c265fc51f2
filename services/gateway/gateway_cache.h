/*  gateway_cache: verdicts of token verification, so a request does not call
    r5-token every time. Keyed by a BLAKE2b digest of the value under a key
    made at start-up (the value itself is never kept). Entries are dropped by
    events (token revoked or updated, user changed) and expire after a short
    time as a safety net.

    The cache is used only while the event feed is proven current: the feed
    (gateway_events) says until when, on every heartbeat from the relays.
    Past that time, nothing is served and nothing is stored; the entries go,
    and the generation moves, so a verification that overlapped a lapse is not
    stored either. Until the first proof, the cache is not current.
    An entry in the last quarter of its life is refreshed ahead by one caller
    (single flight) while every other caller keeps using it, so an expiry
    never sends all connections of a token to r5-token at once.
    Thread-safe: civetweb threads share one cache. */
#ifndef GATEWAY_CACHE_H
#define GATEWAY_CACHE_H

#include "gateway.h"
#include "r5_time.h"

typedef struct _gateway_cache_t gateway_cache_t;

gateway_cache_t *gateway_cache_new (int ttl_seconds, size_t max_entries);
void gateway_cache_destroy (gateway_cache_t **self_p);

//  Read time from clock from now on (tests; NULL, the default, is the real
//  clock). Call before the cache is shared with other threads.
void gateway_cache_set_clock (gateway_cache_t *self, const r5_clock_t *clock);

//  What a lookup found.
typedef enum {
    GATEWAY_CACHE_MISS = -1,
    GATEWAY_CACHE_HIT = 0,
    //  A hit near its end that this caller alone was chosen to refresh: it may
    //  use the principal, and should verify again and put the new verdict, or
    //  call gateway_cache_release if it could not.
    GATEWAY_CACHE_REFRESH = 1
} gateway_cache_lookup_t;

//  Copy the cached principal for value into *principal (on a hit or a refresh).
gateway_cache_lookup_t gateway_cache_get (gateway_cache_t *self, const char *value, size_t length,
                                          gateway_principal_t *principal);

//  A refresh that got no answer: the next caller near the end may try.
void gateway_cache_release (gateway_cache_t *self, const char *value, size_t length);

//  Remember a verified principal, unless the cache's generation moved since
//  generation was read (an invalidation or a lapse of the feed raced with the
//  verification) or the feed is not current now. The entry
//  lives the cache's TTL, and never past expires_ms when that is set (a session's
//  own end); 0 means the credential does not expire.
void gateway_cache_put (gateway_cache_t *self, const char *value, size_t length,
                        const gateway_principal_t *principal, uint64_t generation, int64_t expires_ms);

//  The current generation: read it before verifying, pass it to put.
uint64_t gateway_cache_generation (gateway_cache_t *self);

//  Drop the verdict of one value (logout: the gateway holds the value itself).
void gateway_cache_drop_value (gateway_cache_t *self, const char *value, size_t length);

//  The event feed is proven current until current_until (monotonic ms of the
//  cache's clock: zclock_mono unless set).
//  When the previous proof had already run out, everything cached goes and
//  the generation moves.
void gateway_cache_feed (gateway_cache_t *self, int64_t current_until);

//  Whether the feed is proven current now.
bool gateway_cache_current (gateway_cache_t *self);

void gateway_cache_drop_token (gateway_cache_t *self, const char *token_id);
void gateway_cache_drop_user (gateway_cache_t *self, const char *user_id);
void gateway_cache_flush (gateway_cache_t *self);

size_t gateway_cache_size (gateway_cache_t *self);

#endif
