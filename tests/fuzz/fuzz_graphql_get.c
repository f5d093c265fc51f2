/*  fuzz_graphql_get: GET /graphql's query string (query, operationName,
    variables, extensions, URL-encoded), as the gateway reads it, then the
    query through the parser. */
#include "gateway_graphql.h"
#include "gateway_json.h"
#include "gql.h"
#include "fuzz_worker_stack.h"

#include <string.h>

static void
s_one_input (const uint8_t *data, size_t size)
{
    //  civetweb hands the handler a NUL-terminated query string.
    char *query_string = malloc (size + 1);
    memcpy (query_string, data, size);
    query_string [size] = 0;
    gateway_graphql_params_t params;
    if (gateway_graphql_params_from_query_string (query_string, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &params) == NULL) {
        if (!params.query && !params.persisted)
            abort ();               //  a query, or a persisted query's hash for it
        gql_error_t error;
        gql_document_t *document = gql_parse (params.query, params.query_length, NULL, &error);
        gql_document_destroy (&document);
        gateway_graphql_params_clear (&params);
    }
    else
    if (params.query || params.operation_name || params.variables || params.persisted)
        abort ();
    free (query_string);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
