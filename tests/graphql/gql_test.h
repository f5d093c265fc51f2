/*  gql_test.h - what the GraphQL engine's tests share beyond the one harness
    (tests/harness/r5_test.h): reading their input files.
*/
#ifndef GQL_TEST_H_INCLUDED
#define GQL_TEST_H_INCLUDED

#include "r5_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
