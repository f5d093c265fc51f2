/*  gateway_graphql: GraphQL over HTTP at /graphql — POST with a JSON body, or
    GET for queries only — through authentication, parsing, validation and
    execution, with the status codes of DESIGN section 5. */
#ifndef GATEWAY_GRAPHQL_H
#define GATEWAY_GRAPHQL_H

#include "gateway_private.h"

int gateway_graphql_handle (struct mg_connection *conn, void *gateway);

//  Build the executor with the gateway's resolvers for gw->schema.
gql_executor_t *gateway_graphql_executor_new (gateway_t *gw);
void gateway_graphql_executor_destroy (gql_executor_t **executor_p);

#endif
