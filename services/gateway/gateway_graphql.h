/*  gateway_graphql: GraphQL over HTTP at /graphql — POST with a JSON body, or
    GET for queries only — through authentication, parsing, validation and
    execution, with the status codes of DESIGN section 5. */
#ifndef GATEWAY_GRAPHQL_H
#define GATEWAY_GRAPHQL_H

#include "gateway_private.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

//  One request's parameters, from the JSON body or the query string.
typedef struct {
    char *query;
    size_t query_length;        //  the query may hold NUL bytes: the parser must see them
    char *operation_name;
    json_t *variables;          //  an object or NULL
    //  extensions.persistedQuery (Apollo's APQ): its sha256Hash, when given.
    bool persisted;
    uint8_t persisted_hash [32];
} gateway_graphql_params_t;

//  Read {query, operationName, variables, extensions} from a POST body, no
//  JSON nested deeper than max_json_depth. Returns NULL and fills params, or
//  a constant message for a 400 answer (params left empty). The query may be
//  missing (NULL) only when extensions.persistedQuery names a hash.
const char *gateway_graphql_params_parse (const char *body, size_t size, int max_json_depth,
                                          gateway_graphql_params_t *params);
//  Read the same parameters from a GET's query string (URL-encoded; NULL when
//  there is none), what s_read_get does after the size check. Returns NULL
//  and fills params, or a constant message for a 400 answer (params left empty).
const char *gateway_graphql_params_from_query_string (const char *query_string, int max_json_depth,
                                                      gateway_graphql_params_t *params);
void gateway_graphql_params_clear (gateway_graphql_params_t *params);

int gateway_graphql_handle (struct mg_connection *conn, void *gateway);

//  GET /schema.graphql: the SDL this gateway serves, for any authenticated
//  caller, unless introspection is switched off (then 404).
int gateway_graphql_schema (struct mg_connection *conn, void *gateway);

//  Build the executor with the gateway's resolvers for gw->schema.
gql_executor_t *gateway_graphql_executor_new (gateway_t *gw);
void gateway_graphql_executor_destroy (gql_executor_t **executor_p);

#endif
