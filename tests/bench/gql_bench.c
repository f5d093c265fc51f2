/*  gql_bench: parse + validate throughput of r5's GraphQL engine.
        gql_bench <schema.graphql> <seconds per document> <document>...
    Prints one line per document: "<file> <runs/s> <microseconds per run>". */
#include "gql.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char *
s_slurp (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = malloc ((size_t) length + 1);
    *size = fread (text, 1, (size_t) length, file);
    text [*size] = 0;
    fclose (file);
    return text;
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char *argv [])
{
    if (argc < 4)
        return 2;
    size_t sdl_size;
    char *sdl = s_slurp (argv [1], &sdl_size);
    gql_error_t error;
    gql_schema_t *schema = sdl ? gql_schema_new_from_sdl (sdl, sdl_size, &error) : NULL;
    if (!schema) {
        fprintf (stderr, "cannot load schema %s\n", argv [1]);
        return 1;
    }
    double seconds = atof (argv [2]);
    gql_limits_t limits;
    gql_limits_default (&limits);
    limits.max_tokens = 1000000;        //  measure the engine, not the request limits
    limits.max_aliases = 100000;
    for (int i = 3; i < argc; i++) {
        size_t size = 0;
        char *text = s_slurp (argv [i], &size);
        long runs = 0;
        int valid = -2;
        double start = s_now (), elapsed;
        do {
            for (int batch = 0; batch < 100; batch++, runs++) {
                gql_document_t *document = gql_parse (text, size, &limits, &error);
                gql_validation_error_t *errors = NULL;
                size_t count = 0;
                valid = document ? gql_validate (schema, document, &errors, &count) : -2;
                gql_validation_errors_free (&errors);
                gql_document_destroy (&document);
            }
            elapsed = s_now () - start;
        } while (elapsed < seconds);
        printf ("%s %.0f %.2f %s\n", argv [i], runs / elapsed, elapsed * 1e6 / runs,
                valid == 0 ? "valid" : "INVALID");
        free (text);
    }
    gql_schema_destroy (&schema);
    free (sdl);
    return 0;
}
