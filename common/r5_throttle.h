/*  r5_throttle: attempts per key (an email, a client address, both
    together) as token buckets. A key holds `burst` attempts and regains them
    evenly over `period` seconds (one every period/burst seconds), so a client
    past its burst is slowed to that rate, never locked out: the wait it is
    told (Retry-After) is at most one interval.

    An attempt is taken before the work it guards (a password check), so
    parallel requests cannot all slip in before their failures are counted;
    a success can give its attempt back.

    Memory is bounded: keys are stored as a keyed BLAKE2b digest (32 hex
    characters whatever the key's length; the table holds no emails or
    addresses), at most max_keys of them. A full table first forgets keys
    whose bucket has refilled (nothing is lost), then arbitrary ones.
    Thread-safe; buckets live in one process: the gateway's sign-in limits
    and r5-resource's check_password limit are per instance
    (docs/decisions.md). */
#ifndef R5_THROTTLE_H
#define R5_THROTTLE_H

#include <stddef.h>

#include "r5_time.h"

typedef struct _r5_throttle_t r5_throttle_t;

//  A limit as configured: "BURST/SECONDS", e.g. "5/300".
typedef struct {
    int burst;
    int period_seconds;
} r5_limit_t;

//  Parse "BURST/SECONDS" (1..1000000 / 1..86400). 0, or -1 when malformed.
int r5_limit_parse (const char *text, r5_limit_t *limit);

r5_throttle_t *r5_throttle_new (r5_limit_t limit, size_t max_keys);
void r5_throttle_destroy (r5_throttle_t **self_p);

//  Read time from clock from now on (tests; NULL, the default, is the real
//  clock). Call before the throttle is shared with other threads.
void r5_throttle_set_clock (r5_throttle_t *self, const r5_clock_t *clock);

//  Take one attempt for key. Returns 0 when it was taken, else the seconds
//  until one is available (nothing taken).
int r5_throttle_take (r5_throttle_t *self, const char *key);

//  Give back one attempt taken for key (the request was not abuse).
void r5_throttle_give (r5_throttle_t *self, const char *key);

//  Refill key's bucket (a success ends the count of its failures).
void r5_throttle_reset (r5_throttle_t *self, const char *key);

//  Keys held now (for tests and /metrics).
size_t r5_throttle_size (r5_throttle_t *self);

#endif
