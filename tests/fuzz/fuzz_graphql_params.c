/*  fuzz_graphql_params: the /graphql POST body, as the gateway reads it
    (JSON with query, operationName, variables, extensions), then the query
    through the parser — what any client can send before authentication
    matters. */
#include "gateway_graphql.h"
#include "gateway_json.h"
#include "gql.h"
#include "fuzz_worker_stack.h"

static void
s_one_input (const uint8_t *data, size_t size)
{
    gateway_graphql_params_t params;
    if (gateway_graphql_params_parse ((const char *) data, size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &params) == NULL) {
        //  A query is there (owning exactly query_length bytes), or a
        //  persisted query's hash stands in for it.
        if (!params.query && !params.persisted)
            abort ();
        gql_error_t error;
        gql_document_t *document = gql_parse (params.query, params.query_length, NULL, &error);
        gql_document_destroy (&document);
        gateway_graphql_params_clear (&params);
    }
    else
    if (params.query || params.operation_name || params.variables || params.persisted)
        abort ();               //  a refused body leaves nothing behind
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
