/*  gql_verdict.c - r5's side of the differential conformance test.

    Usage: gql_verdict SCHEMA.graphql DOCUMENT.graphql...

    Builds the schema from SDL, then parses and validates each document and prints one
    JSON line per document:

      {"file": "...", "parses": true, "parseError": null,
       "rules": ["FieldsOnCorrectType"],
       "errors": [{"rule": "FieldsOnCorrectType", "locations": [[3, 5]],
                   "message": "..."}]}

    `rules` is the sorted set of failing rules; for a document that does not parse,
    `parseError` holds {"line", "column", "message"} and `rules` is empty. verdict.mjs
    prints the same for graphql-js and compare.mjs compares the two. Documents are parsed
    without limits (graphql-js has none by default). Exits 2 when the schema is refused.
*/
#include "gql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL. */
static char *
s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Prints a JSON string. */
static void
s_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int
s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Parses, validates and prints the verdict for one document. Returns 0, or -1 when the
   file cannot be read or memory ran out. */
static int
s_verdict(const gql_schema_t *schema, const char *path)
{
    size_t len = 0, i, j;
    char *src = s_read_file(path, &len);
    gql_error_t err;
    gql_limits_t limits;
    memset(&limits, 0, sizeof limits);
    if (!src) {
        fprintf(stderr, "gql_verdict: cannot read %s\n", path);
        return -1;
    }
    printf("{\"file\": ");
    s_json_string(path);
    gql_document_t *doc = gql_parse(src, len, &limits, &err);
    if (!doc) {
        printf(", \"parses\": false, \"parseError\": {\"line\": %u, \"column\": %u, "
               "\"message\": ",
               err.line, err.column);
        s_json_string(err.message ? err.message : "");
        printf("}, \"rules\": [], \"errors\": []}\n");
        free(src);
        return 0;
    }
    gql_validation_error_t *errors = NULL;
    size_t count = 0;
    int rc = gql_validate(schema, doc, &errors, &count);
    if (rc < 0) {
        gql_document_destroy(&doc);
        free(src);
        fprintf(stderr, "gql_verdict: out of memory\n");
        return -1;
    }
    const char *names[GQL_RULE_COUNT_];
    size_t nnames = 0;
    for (i = 0; i < count; i++) {
        const char *n = gql_rule_name(errors[i].rule);
        for (j = 0; j < nnames && strcmp(names[j], n) != 0; j++)
            ;
        if (j == nnames)
            names[nnames++] = n;
    }
    qsort(names, nnames, sizeof names[0], s_cmp_names);
    printf(", \"parses\": true, \"parseError\": null, \"rules\": [");
    for (i = 0; i < nnames; i++) {
        if (i)
            printf(", ");
        s_json_string(names[i]);
    }
    printf("], \"errors\": [");
    for (i = 0; i < count; i++) {
        printf("%s{\"rule\": ", i ? ", " : "");
        s_json_string(gql_rule_name(errors[i].rule));
        printf(", \"locations\": [");
        for (j = 0; j < errors[i].location_count; j++)
            printf("%s[%u, %u]", j ? ", " : "", errors[i].locations[j].line,
                   errors[i].locations[j].column);
        printf("], \"message\": ");
        s_json_string(errors[i].message);
        printf("}");
    }
    printf("]}\n");
    gql_validation_errors_free(&errors);
    gql_document_destroy(&doc);
    free(src);
    return 0;
}

int
main(int argc, char **argv)
{
    size_t len = 0;
    int i, rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: gql_verdict SCHEMA.graphql DOCUMENT.graphql...\n");
        return 2;
    }
    char *sdl = s_read_file(argv[1], &len);
    if (!sdl) {
        fprintf(stderr, "gql_verdict: cannot read %s\n", argv[1]);
        return 2;
    }
    gql_error_t err;
    gql_schema_t *schema = gql_schema_new_from_sdl(sdl, len, &err);
    free(sdl);
    if (!schema) {
        fprintf(stderr, "gql_verdict: schema %s refused: %s at %u:%u (%s)\n", argv[1],
                err.message ? err.message : "?", err.line, err.column, err.detail);
        return 2;
    }
    for (i = 2; i < argc; i++)
        if (s_verdict(schema, argv[i]) < 0)
            rc = 1;
    gql_schema_destroy(&schema);
    return rc;
}
