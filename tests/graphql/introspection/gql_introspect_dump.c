/*  gql_introspect_dump.c - prints r5's answer to a GraphQL query (read from stdin) over the
    schema built from an SDL file, as JSON on stdout. Used by compare.mjs to hold our
    introspection against graphql-js's for the same SDL.

    usage: gql_introspect_dump SCHEMA.graphql [VARIABLES_JSON] < query.graphql
    exit status: 0 when a response was printed, 2 on a usage, SDL or query error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gql.h"

/* Reads a whole stream; the caller frees the result. NULL on failure. */
static char *
s_read_all(FILE *f, size_t *len)
{
    size_t cap = 65536;
    size_t n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got;
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    *len = n;
    return buf;
}

int
main(int argc, char **argv)
{
    FILE *f;
    char *sdl;
    char *query;
    size_t sdl_len = 0;
    size_t query_len = 0;
    gql_error_t err;
    gql_schema_t *schema;
    gql_document_t *doc;
    gql_executor_t *ex;
    json_t *response;
    char *text;
    bool request_error = false;
    char msg[200];

    json_t *variables = NULL;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: gql_introspect_dump SCHEMA.graphql [VARIABLES_JSON] < query.graphql\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    sdl = s_read_all(f, &sdl_len);
    fclose(f);
    query = s_read_all(stdin, &query_len);
    if (!sdl || !query)
        return 2;
    schema = gql_schema_new_from_sdl(sdl, sdl_len, &err);
    if (!schema) {
        fprintf(stderr, "schema error at %u:%u: %s (%s)\n", err.line, err.column, err.message,
                err.detail);
        return 2;
    }
    doc = gql_parse(query, query_len, NULL, &err);
    if (!doc) {
        fprintf(stderr, "query error at %u:%u: %s (%s)\n", err.line, err.column, err.message,
                err.detail);
        return 2;
    }
    ex = gql_executor_new(schema, NULL, 0, NULL, NULL, msg, sizeof msg);
    if (!ex) {
        fprintf(stderr, "executor: %s\n", msg);
        return 2;
    }
    if (argc == 3) {
        variables = json_loads(argv[2], 0, NULL);
        if (!variables) {
            fprintf(stderr, "variables are not a JSON object\n");
            return 2;
        }
    }
    response = gql_execute(ex, doc, NULL, variables, NULL, &request_error);
    json_decref(variables);
    text = response ? json_dumps(response, JSON_INDENT(1)) : NULL;
    if (!text)
        return 2;
    printf("%s\n", text);
    free(text);
    json_decref(response);
    gql_executor_destroy(&ex);
    gql_document_destroy(&doc);
    gql_schema_destroy(&schema);
    free(sdl);
    free(query);
    return 0;
}
