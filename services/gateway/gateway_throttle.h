/*  gateway_throttle: failed sign-in attempts counted per key (an email, an
    IP address) in fixed windows. Past the limit, attempts are refused with 429
    and Retry-After until the window ends, whether the password is right or
    not, so guessing gains nothing. Thread-safe; counts live in this gateway
    instance (see docs/decisions.md). */
#ifndef GATEWAY_THROTTLE_H
#define GATEWAY_THROTTLE_H

#include <stdint.h>

typedef struct _gateway_throttle_t gateway_throttle_t;

gateway_throttle_t *gateway_throttle_new (int limit, int window_seconds);
void gateway_throttle_destroy (gateway_throttle_t **self_p);

//  Seconds until key may try again; 0 when it may try now.
int gateway_throttle_wait (gateway_throttle_t *self, const char *key);

//  Count one failure for key.
void gateway_throttle_fail (gateway_throttle_t *self, const char *key);

//  Forget key's failures (after a successful sign-in).
void gateway_throttle_reset (gateway_throttle_t *self, const char *key);

#endif
