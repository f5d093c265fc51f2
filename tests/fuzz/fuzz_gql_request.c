/*  fuzz_gql_request: a query as /graphql runs it, against the real
    services/gateway/schema.graphql: parse with the gateway's limits, validate,
    then execute (which coerces the variables) behind the gateway's global
    ids (gateway_node): every field the gateway resolves answers its own
    arguments as read back, so ID arguments are decoded and ID fields
    encoded again, with no service behind. The input is the query, then
    optionally a 0x01 byte and the variables as JSON (depth-checked as the
    gateway does). */
#include "gateway_json.h"
#include "gateway_node.h"
#include "gateway_rate.h"
#include "gateway_resources.h"
#include "gateway_tokens.h"
#include "gql.h"
#include "fuzz_worker_stack.h"

#include <stdio.h>
#include <string.h>

static gql_schema_t *s_schema;
static gql_executor_t *s_executor;

//  Stands in for every resolver of the gateway: each parent gets the
//  field's arguments (service ids, once gateway_node read them back).
static int
s_echo (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    (void) parents;
    (void) errors;
    for (size_t i = 0; i < count; i++)
        results [i] = json_deep_copy (info->args);
    return 0;
}

int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    FILE *file = fopen (R5_SOURCE_DIR "/services/gateway/schema.graphql", "rb");
    if (!file)
        abort ();
    static char sdl [1 << 20];
    size_t size = fread (sdl, 1, sizeof sdl, file);
    fclose (file);
    gql_error_t error;
    s_schema = gql_schema_new_from_sdl (sdl, size, &error);
    char text [256];
    if (!s_schema)
        abort ();
    static gql_resolver_entry_t entries [192];
    size_t count = gateway_tokens_resolvers (entries, 192);
    count += gateway_resources_resolvers (entries + count, 192 - count);
    count += gateway_rate_resolvers (entries + count, 192 - count);
    for (size_t i = 0; i < count; i++)
        entries [i] = (gql_resolver_entry_t) { entries [i].name, s_echo, NULL };
    void *wrapped;
    count = gateway_node_resolvers (s_schema, entries, count, 192, &wrapped, text, sizeof text);
    //  node(id:) and nodes(ids:) would call the services.
    for (size_t i = 0; i < count; i++)
        if (!strcmp (entries [i].name, "Query.node") || !strcmp (entries [i].name, "Query.nodes"))
            entries [i] = (gql_resolver_entry_t) { entries [i].name, s_echo, NULL };
    s_executor = count ? gql_executor_new (s_schema, entries, count, NULL, NULL, text, sizeof text) : NULL;
    if (!s_executor)
        abort ();
    return 0;
}

static void
s_one_input (const uint8_t *data, size_t size)
{
    const uint8_t *mark = memchr (data, 1, size);
    size_t query_size = mark ? (size_t) (mark - data) : size;
    //  Exact-size copies, so ASan sees any read past their ends.
    char *query = malloc (query_size ? query_size : 1);
    memcpy (query, data, query_size);
    json_t *variables = NULL;
    if (mark) {
        const char *problem;
        variables = gateway_json_parse ((const char *) mark + 1, size - query_size - 1,
                                        GATEWAY_JSON_DEFAULT_MAX_DEPTH, &problem);
        if (!json_is_object (variables)) {
            json_decref (variables);
            variables = NULL;
        }
    }
    gql_limits_t limits;
    gql_limits_default (&limits);
    gql_error_t error;
    gql_document_t *document = gql_parse (query, query_size, &limits, &error);
    if (document) {
        gql_validation_error_t *errors = NULL;
        size_t count = 0;
        int valid = gql_validate (s_schema, document, &errors, &count);
        if ((valid == 0) != (count == 0))
            abort ();
        gql_validation_errors_free (&errors);
        if (valid == 0) {
            bool request_error = false;
            json_t *response = gql_execute (s_executor, document, NULL, variables, NULL, &request_error);
            if (!response)
                abort ();
            char *text = json_dumps (response, 0);
            free (text);
            json_decref (response);
        }
        gql_document_destroy (&document);
    }
    json_decref (variables);
    free (query);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
