/*  test_gateway_throttle: a key holds `burst` attempts taken before the work;
    past them it waits about one interval, never the whole period; giving back
    and resetting refill; other keys are untouched; limits parse; the table
    never holds more than its bound however many keys arrive. */
#include "gateway_throttle.h"
#include "r5_test.h"

#include <czmq.h>

int
main (void)
{
    gateway_limit_t limit;
    CHECK (gateway_limit_parse ("5/300", &limit) == 0 && limit.burst == 5 && limit.period_seconds == 300);
    CHECK (gateway_limit_parse ("5", &limit) != 0);
    CHECK (gateway_limit_parse ("0/300", &limit) != 0);
    CHECK (gateway_limit_parse ("5/0", &limit) != 0);
    CHECK (gateway_limit_parse ("5/300x", &limit) != 0);
    CHECK (gateway_limit_parse ("/300", &limit) != 0);

    //  3 attempts per 900 s: one comes back every 300 s.
    gateway_throttle_t *throttle = gateway_throttle_new ((gateway_limit_t) { 3, 900 }, 1000);
    for (int i = 0; i < 3; i++)
        CHECK (gateway_throttle_take (throttle, "ada@example.com") == 0);
    int wait = gateway_throttle_take (throttle, "ada@example.com");
    CHECK (wait > 290 && wait <= 300);          //  slowed to the refill rate, not locked for 900 s
    CHECK (gateway_throttle_take (throttle, "ada@example.com") == wait);    //  a refusal takes nothing
    CHECK (gateway_throttle_take (throttle, "bob@example.com") == 0);
    gateway_throttle_give (throttle, "ada@example.com");
    CHECK (gateway_throttle_take (throttle, "ada@example.com") == 0);
    CHECK (gateway_throttle_take (throttle, "ada@example.com") > 0);
    gateway_throttle_reset (throttle, "ada@example.com");
    for (int i = 0; i < 3; i++)
        CHECK (gateway_throttle_take (throttle, "ada@example.com") == 0);
    gateway_throttle_destroy (&throttle);
    CHECK (throttle == NULL);

    //  A bucket refills with time: 2 per second, one back every 500 ms.
    throttle = gateway_throttle_new ((gateway_limit_t) { 2, 1 }, 1000);
    CHECK (gateway_throttle_take (throttle, "k") == 0);
    CHECK (gateway_throttle_take (throttle, "k") == 0);
    CHECK (gateway_throttle_take (throttle, "k") == 1);
    zclock_sleep (600);
    CHECK (gateway_throttle_take (throttle, "k") == 0);
    CHECK (gateway_throttle_take (throttle, "k") == 1);
    gateway_throttle_destroy (&throttle);

    //  Endless distinct keys: the table stays within its bound, and a key
    //  that was refused a moment ago is usually still remembered.
    throttle = gateway_throttle_new ((gateway_limit_t) { 1, 3600 }, 1024);
    CHECK (gateway_throttle_take (throttle, "target") == 0);
    int remembered = 0;
    for (int i = 0; i < 100000; i++) {
        char key [32];
        snprintf (key, sizeof key, "hostile-%d", i);
        CHECK (gateway_throttle_take (throttle, key) == 0);
        CHECK (gateway_throttle_size (throttle) <= 1024);
        if (i % 1000 == 999 && gateway_throttle_take (throttle, "target") > 0)
            remembered++;
    }
    CHECK (remembered > 0);
    gateway_throttle_destroy (&throttle);
    TEST_DONE ();
}
