/*  r5_test_clock: a clock (r5_time.h) that only moves when the test says, so
    a test of a TTL, a refill or an expiry advances time instead of sleeping
    and runs at once, the same way every time.

        r5_test_clock_t clock;
        r5_test_clock_init (&clock);            //  starts at the real time
        gateway_cache_set_clock (cache, &clock.base);
        r5_test_clock_advance (&clock, 2300);   //  2.3 s later, at once

    One thread moves it; code under test on other threads reads it.  */
#ifndef R5_TEST_CLOCK_H
#define R5_TEST_CLOCK_H

#include <stdatomic.h>

#include "r5_time.h"

typedef struct {
    r5_clock_t base;                //  what code under test is given
    atomic_llong now_ms;            //  ms since the epoch
    atomic_llong mono_ms;           //  monotonic ms
} r5_test_clock_t;

static inline int64_t
r5_test_clock_now_ms (const r5_clock_t *base)
{
    return atomic_load (&((const r5_test_clock_t *) base)->now_ms);
}

static inline int64_t
r5_test_clock_mono_ms (const r5_clock_t *base)
{
    return atomic_load (&((const r5_test_clock_t *) base)->mono_ms);
}

//  Starts the clock at the real wall and monotonic time, standing still.
static inline void
r5_test_clock_init (r5_test_clock_t *self)
{
    self->base.now_ms = r5_test_clock_now_ms;
    self->base.mono_ms = r5_test_clock_mono_ms;
    atomic_init (&self->now_ms, r5_now_ms ());
    atomic_init (&self->mono_ms, r5_clock_mono_ms (NULL));
}

//  Moves both times ms on.
static inline void
r5_test_clock_advance (r5_test_clock_t *self, int64_t ms)
{
    atomic_fetch_add (&self->now_ms, ms);
    atomic_fetch_add (&self->mono_ms, ms);
}

#endif
