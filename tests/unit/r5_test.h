/*  r5_test: the few macros the unit tests share. A failed check prints where
    and what, and the test exits non-zero at the end. */
#ifndef R5_TEST_H
#define R5_TEST_H

#include <stdio.h>
#include <stdlib.h>

static int r5_test_failures = 0;
static int r5_test_checks = 0;

#define CHECK(cond) do { \
    r5_test_checks++; \
    if (!(cond)) { \
        r5_test_failures++; \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    } \
} while (0)

#define CHECK_STR(a, b) do { \
    r5_test_checks++; \
    const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp (a_, b_) != 0) { \
        r5_test_failures++; \
        fprintf (stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, b_ ? b_ : "(null)", a_ ? a_ : "(null)"); \
    } \
} while (0)

#define TEST_DONE() do { \
    printf ("%d checks, %d failed\n", r5_test_checks, r5_test_failures); \
    return r5_test_failures ? 1 : 0; \
} while (0)

#endif
