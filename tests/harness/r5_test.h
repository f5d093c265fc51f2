/*  r5_test: the one harness of r5's C tests (unit, GraphQL, service).

    Every check counts, and a failed one prints where and what, then the test
    carries on; main returns r5_test_report (name), non-zero when anything
    failed, so CTest sees it.

        CHECK (cond)                    cond holds
        CHECK_MSG (cond, fmt, ...)      the same, saying which case on failure
                                        (the message's arguments are only
                                        evaluated when the check fails)
        CHECK_INT (a, b)                two integers are equal
        CHECK_STR (a, b)                two C strings are equal (NULL never is)
        CHECK_SLICE (slice, cstr)       a { data, len } slice equals a C string

    Each is an expression that says whether the check passed, so a test can
    skip what depends on it: `if (!CHECK (reply)) return;`.  A test whose
    later steps cannot run after any failure sets r5_test_stop_on_failure:
    the first failed check then exits.  Checks may run on several threads.

        r5_test_run (name, fn)          runs one case, prints "ok name (N ms)"
                                        or "FAILED name (N ms)"
        R5_TEST_RUN (fn)                the same, named after the function
*/
#ifndef R5_TEST_H
#define R5_TEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int r5_test_checks;
static atomic_int r5_test_failures;
static bool r5_test_stop_on_failure;

//  Counts a check; on failure prints file:line and the condition, with a
//  newline unless a message follows (r5_test_explain). Returns ok.
static inline bool
r5_test_check (bool ok, const char *file, int line, const char *what, bool message_follows)
{
    atomic_fetch_add_explicit (&r5_test_checks, 1, memory_order_relaxed);
    if (ok)
        return true;
    atomic_fetch_add_explicit (&r5_test_failures, 1, memory_order_relaxed);
    fprintf (stderr, "%s:%d: check failed: %s%s", file, line, what, message_follows ? ": " : "\n");
    if (r5_test_stop_on_failure && !message_follows)
        exit (1);
    return false;
}

//  Ends a failed check's line with a message; returns false.
static inline bool __attribute__ ((format (printf, 1, 2)))
r5_test_explain (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vfprintf (stderr, format, args);
    va_end (args);
    fprintf (stderr, "\n");
    if (r5_test_stop_on_failure)
        exit (1);
    return false;
}

#define CHECK(cond) r5_test_check (!!(cond), __FILE__, __LINE__, #cond, false)

//  Passes a check's result through a call, so a check used as a statement
//  computes no unused value.
static inline bool
r5_test_result (bool ok)
{
    return ok;
}

#define CHECK_MSG(cond, ...) \
    r5_test_result (r5_test_check (!!(cond), __FILE__, __LINE__, #cond, true) || r5_test_explain (__VA_ARGS__))

static inline bool
r5_test_check_int (long long a, long long b, const char *file, int line, const char *what)
{
    return r5_test_check (a == b, file, line, what, true)
        || r5_test_explain ("%lld != %lld", a, b);
}

#define CHECK_INT(a, b) \
    r5_test_check_int ((long long) (a), (long long) (b), __FILE__, __LINE__, #a " == " #b)

static inline bool
r5_test_check_str (const char *a, const char *b, const char *file, int line, const char *what)
{
    return r5_test_check (a && b && strcmp (a, b) == 0, file, line, what, true)
        || r5_test_explain ("expected \"%s\", got \"%s\"", b ? b : "(null)", a ? a : "(null)");
}

#define CHECK_STR(a, b) r5_test_check_str ((a), (b), __FILE__, __LINE__, #a " == " #b)

static inline bool
r5_test_check_slice (const char *data, size_t len, const char *b, const char *file, int line,
                     const char *what)
{
    return r5_test_check (len == strlen (b) && (len == 0 || memcmp (data, b, len) == 0), file, line, what, true)
        || r5_test_explain ("expected \"%s\", got \"%.*s\"", b, (int) len, data ? data : "(null)");
}

#define CHECK_SLICE(slice, cstr) \
    r5_test_check_slice ((slice).data, (slice).len, (cstr), __FILE__, __LINE__, #slice " == " #cstr)

static inline int64_t
r5_test_mono_ms (void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC
    clock_gettime (CLOCK_MONOTONIC, &ts);
#else
    timespec_get (&ts, TIME_UTC);           //  strict C11, without POSIX
#endif
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  Runs one case and prints whether its checks passed and how long it took.
static inline void
r5_test_run (const char *name, void (*fn) (void))
{
    int before = atomic_load (&r5_test_failures);
    int64_t start = r5_test_mono_ms ();
    fn ();
    printf ("%s %s (%" PRId64 " ms)\n", atomic_load (&r5_test_failures) == before ? "ok" : "FAILED",
            name, r5_test_mono_ms () - start);
    fflush (stdout);
}

#define R5_TEST_RUN(fn) r5_test_run (#fn, fn)

//  Prints the count of checks and failures; returns main's exit status.
static inline int
r5_test_report (const char *name)
{
    int failures = atomic_load (&r5_test_failures);
    fprintf (failures ? stderr : stdout, "%s: %d checks, %d failed\n", name,
             atomic_load (&r5_test_checks), failures);
    return failures ? 1 : 0;
}

#endif
