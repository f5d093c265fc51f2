/*  test_gateway_ratelimit: one gateway's counting (no shared counters here;
    integration_test_rate_limits covers them across two gateways): points are
    admitted up to the limit and refused past it without being counted, a
    zero-cost charge only reads, users and windows are apart, the window ends
    where every gateway computes it, limit 0 turns limits off, and many
    threads charging at once admit exactly the limit. */
#include "gateway_ratelimit.h"
#include "r5_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A moment inside the window starting at hour 500,000 (a fixed clock-hour).
#define S_HOUR_MS (500000LL * 3600 * 1000)

static void
test_admits_up_to_the_limit (void)
{
    gateway_ratelimit_t *limiter = gateway_ratelimit_new (10, 0, 0, NULL, 0);
    gateway_rate_t rate;
    CHECK (gateway_ratelimit_charge (limiter, "u1", 4, S_HOUR_MS + 5, &rate));
    CHECK_INT (rate.used, 4);
    CHECK_INT (rate.remaining, 6);
    CHECK_INT (rate.cost, 4);
    CHECK_INT (rate.limit, 10);
    CHECK_INT (rate.reset_at, 500001LL * 3600);
    CHECK (gateway_ratelimit_charge (limiter, "u1", 6, S_HOUR_MS + 6, &rate));
    CHECK_INT (rate.remaining, 0);
    //  Past the limit: refused, nothing counted, the reset told.
    CHECK (!gateway_ratelimit_charge (limiter, "u1", 1, S_HOUR_MS + 7, &rate));
    CHECK (rate.refused);
    CHECK_INT (rate.cost, 0);
    CHECK_INT (rate.used, 10);
    //  A zero-cost charge reads without spending, even at the limit.
    CHECK (gateway_ratelimit_charge (limiter, "u1", 0, S_HOUR_MS + 8, &rate));
    CHECK_INT (rate.used, 10);
    gateway_ratelimit_destroy (&limiter);
    CHECK (limiter == NULL);
}

static void
test_refused_cost_is_not_counted (void)
{
    gateway_ratelimit_t *limiter = gateway_ratelimit_new (10, 0, 0, NULL, 0);
    gateway_rate_t rate;
    CHECK (gateway_ratelimit_charge (limiter, "u1", 7, S_HOUR_MS, &rate));
    CHECK (!gateway_ratelimit_charge (limiter, "u1", 4, S_HOUR_MS, &rate));
    //  What still fits is admitted after a refusal.
    CHECK (gateway_ratelimit_charge (limiter, "u1", 3, S_HOUR_MS, &rate));
    CHECK_INT (rate.used, 10);
    gateway_ratelimit_destroy (&limiter);
}

static void
test_users_and_windows_apart (void)
{
    gateway_ratelimit_t *limiter = gateway_ratelimit_new (5, 0, 0, NULL, 0);
    gateway_rate_t rate;
    CHECK (gateway_ratelimit_charge (limiter, "u1", 5, S_HOUR_MS, &rate));
    CHECK (gateway_ratelimit_charge (limiter, "u2", 5, S_HOUR_MS, &rate));
    CHECK_INT (rate.used, 5);
    CHECK (!gateway_ratelimit_charge (limiter, "u1", 1, S_HOUR_MS + 3599999, &rate));
    //  The next clock-hour is a new budget.
    CHECK (gateway_ratelimit_charge (limiter, "u1", 1, S_HOUR_MS + 3600000, &rate));
    CHECK_INT (rate.used, 1);
    CHECK_INT (rate.reset_at, 500002LL * 3600);
    gateway_ratelimit_destroy (&limiter);
    //  A short window (tests): 3 s windows end on multiples of 3.
    limiter = gateway_ratelimit_new (5, 3, 0, NULL, 0);
    CHECK (gateway_ratelimit_charge (limiter, "u1", 1, 1000LL * 1000 + 10, &rate));
    CHECK_INT (rate.reset_at, 1002);
    gateway_ratelimit_destroy (&limiter);
}

static void
test_off (void)
{
    CHECK (gateway_ratelimit_new (0, 0, 0, NULL, 0) == NULL);
    gateway_ratelimit_t *none = NULL;
    gateway_ratelimit_destroy (&none);
}

#define S_THREADS 8
static gateway_ratelimit_t *s_shared;
static atomic_int s_admitted;

static void *
s_spender (void *args)
{
    (void) args;
    gateway_rate_t rate;
    for (int i = 0; i < 2000; i++)
        if (gateway_ratelimit_charge (s_shared, i % 2 ? "u1" : "u2", 1, S_HOUR_MS, &rate))
            atomic_fetch_add (&s_admitted, 1);
    return NULL;
}

//  Threads racing on two users admit exactly twice the limit.
static void
test_threads (void)
{
    s_shared = gateway_ratelimit_new (3000, 0, 0, NULL, 0);
    pthread_t threads [S_THREADS];
    for (int i = 0; i < S_THREADS; i++)
        pthread_create (&threads [i], NULL, s_spender, NULL);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join (threads [i], NULL);
    CHECK_INT (atomic_load (&s_admitted), 6000);
    gateway_ratelimit_destroy (&s_shared);
}

int
main (void)
{
    R5_TEST_RUN (test_admits_up_to_the_limit);
    R5_TEST_RUN (test_refused_cost_is_not_counted);
    R5_TEST_RUN (test_users_and_windows_apart);
    R5_TEST_RUN (test_off);
    R5_TEST_RUN (test_threads);
    return r5_test_report ("test_gateway_ratelimit");
}
