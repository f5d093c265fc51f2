/*  gql_test.h - the few assertions the GraphQL engine's tests need.

    Each CHECK prints file:line and what it compared when it fails and counts the failure;
    a test's main() returns gql_test_report(), non-zero when anything failed, so CTest
    sees it.
*/
#ifndef GQL_TEST_H_INCLUDED
#define GQL_TEST_H_INCLUDED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gql_test_failures;
static int gql_test_checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        gql_test_checks++;                                                             \
        if (!(cond)) {                                                                 \
            gql_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_INT(a, b)                                                                \
    do {                                                                               \
        long long a_ = (long long) (a), b_ = (long long) (b);                          \
        gql_test_checks++;                                                             \
        if (a_ != b_) {                                                                \
            gql_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, \
                    __LINE__, #a, #b, a_, b_);                                         \
        }                                                                              \
    } while (0)

/* Compares a (data, len) slice with a NUL-terminated string. */
#define CHECK_STR(slice, cstr)                                                         \
    do {                                                                               \
        const char *e_ = (cstr);                                                       \
        gql_test_checks++;                                                             \
        if ((slice).len != strlen(e_) || memcmp((slice).data, e_, (slice).len) != 0) { \
            gql_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == \"%s\" (got \"%.*s\")\n",      \
                    __FILE__, __LINE__, #slice, e_, (int) (slice).len,                 \
                    (slice).data ? (slice).data : "(null)");                           \
        }                                                                              \
    } while (0)

#define CHECK_CSTR(a, b)                                                               \
    do {                                                                               \
        const char *a_ = (a), *b_ = (b);                                               \
        gql_test_checks++;                                                             \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                       \
            gql_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == \"%s\" (got \"%s\")\n",         \
                    __FILE__, __LINE__, #a, b_ ? b_ : "(null)", a_ ? a_ : "(null)");   \
        }                                                                              \
    } while (0)

/* Returns the exit status for main(). */
static inline int
gql_test_report(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", name, gql_test_checks, gql_test_failures);
    return gql_test_failures ? 1 : 0;
}

/* Reads a file of tests/graphql/ (found through GQL_TEST_DIR); the caller frees it. */
static inline char *
gql_test_read_file(const char *rel, size_t *len)
{
    char path[1024];
    const char *root = getenv("GQL_TEST_DIR");
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t) n + 1);
    if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t) n;
    return buf;
}

#endif
