/*  test_gateway_throttle: failures counted per key; past the limit the key
    waits; a reset forgets; other keys are untouched. */
#include "gateway_throttle.h"
#include "r5_test.h"

int
main (void)
{
    gateway_throttle_t *throttle = gateway_throttle_new (3, 900);
    CHECK (gateway_throttle_wait (throttle, "ada@example.com") == 0);
    for (int i = 0; i < 3; i++) {
        CHECK (gateway_throttle_wait (throttle, "ada@example.com") == 0);
        gateway_throttle_fail (throttle, "ada@example.com");
    }
    int wait = gateway_throttle_wait (throttle, "ada@example.com");
    CHECK (wait > 0 && wait <= 900);
    CHECK (gateway_throttle_wait (throttle, "bob@example.com") == 0);
    gateway_throttle_reset (throttle, "ada@example.com");
    CHECK (gateway_throttle_wait (throttle, "ada@example.com") == 0);
    gateway_throttle_destroy (&throttle);
    CHECK (throttle == NULL);

    //  A zero-length window ends at once: failures never accumulate.
    throttle = gateway_throttle_new (1, 0);
    gateway_throttle_fail (throttle, "k");
    CHECK (gateway_throttle_wait (throttle, "k") == 0);
    gateway_throttle_destroy (&throttle);
    TEST_DONE ();
}
