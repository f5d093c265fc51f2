/*  test_throttle: a key holds `burst` attempts taken before the work;
    past them it waits about one interval, never the whole period; giving back
    and resetting refill; other keys are untouched; limits parse; the table
    never holds more than its bound however many keys arrive. */
#include "r5_throttle.h"
#include "r5_test.h"
#include "r5_test_clock.h"

#include <czmq.h>

int
main (void)
{
    r5_limit_t limit;
    CHECK (r5_limit_parse ("5/300", &limit) == 0 && limit.burst == 5 && limit.period_seconds == 300);
    CHECK (r5_limit_parse ("5", &limit) != 0);
    CHECK (r5_limit_parse ("0/300", &limit) != 0);
    CHECK (r5_limit_parse ("5/0", &limit) != 0);
    CHECK (r5_limit_parse ("5/300x", &limit) != 0);
    CHECK (r5_limit_parse ("/300", &limit) != 0);

    //  3 attempts per 900 s: one comes back every 300 s.
    r5_throttle_t *throttle = r5_throttle_new ((r5_limit_t) { 3, 900 }, 1000);
    for (int i = 0; i < 3; i++)
        CHECK (r5_throttle_take (throttle, "ada@example.com") == 0);
    int wait = r5_throttle_take (throttle, "ada@example.com");
    CHECK (wait > 290 && wait <= 300);          //  slowed to the refill rate, not locked for 900 s
    CHECK (r5_throttle_take (throttle, "ada@example.com") == wait);    //  a refusal takes nothing
    CHECK (r5_throttle_take (throttle, "bob@example.com") == 0);
    r5_throttle_give (throttle, "ada@example.com");
    CHECK (r5_throttle_take (throttle, "ada@example.com") == 0);
    CHECK (r5_throttle_take (throttle, "ada@example.com") > 0);
    r5_throttle_reset (throttle, "ada@example.com");
    for (int i = 0; i < 3; i++)
        CHECK (r5_throttle_take (throttle, "ada@example.com") == 0);
    r5_throttle_destroy (&throttle);
    CHECK (throttle == NULL);

    //  A bucket refills with time: 2 per second, one back every 500 ms.
    //  Time moves only when the test moves it.
    r5_test_clock_t clock;
    r5_test_clock_init (&clock);
    throttle = r5_throttle_new ((r5_limit_t) { 2, 1 }, 1000);
    r5_throttle_set_clock (throttle, &clock.base);
    CHECK (r5_throttle_take (throttle, "k") == 0);
    CHECK (r5_throttle_take (throttle, "k") == 0);
    CHECK (r5_throttle_take (throttle, "k") == 1);
    r5_test_clock_advance (&clock, 600);
    CHECK (r5_throttle_take (throttle, "k") == 0);
    CHECK (r5_throttle_take (throttle, "k") == 1);
    r5_throttle_destroy (&throttle);

    //  Endless distinct keys: the table stays within its bound, and a key
    //  that was refused a moment ago is usually still remembered.
    throttle = r5_throttle_new ((r5_limit_t) { 1, 3600 }, 1024);
    CHECK (r5_throttle_take (throttle, "target") == 0);
    int remembered = 0;
    for (int i = 0; i < 100000; i++) {
        char key [32];
        snprintf (key, sizeof key, "hostile-%d", i);
        CHECK (r5_throttle_take (throttle, key) == 0);
        CHECK (r5_throttle_size (throttle) <= 1024);
        if (i % 1000 == 999 && r5_throttle_take (throttle, "target") > 0)
            remembered++;
    }
    CHECK (remembered > 0);
    r5_throttle_destroy (&throttle);
    return r5_test_report ("test_throttle");
}
