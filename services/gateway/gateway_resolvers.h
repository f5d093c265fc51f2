/*  gateway_resolvers: the GraphQL fields of schema.graphql mapped to service
    calls. Each resolver is a batch resolver (one call for all the parents of
    a level) and turns the services' Status into field errors through the one
    table in gateway_status. */
#ifndef GATEWAY_RESOLVERS_H
#define GATEWAY_RESOLVERS_H

#include "gateway_private.h"
#include "gql_execute.h"

//  What every resolver of one request sees (gql_resolve_info_t.context).
typedef struct {
    gateway_t *gw;
    gateway_thread_t *thread;
    const gateway_principal_t *principal;
    const char *request_id;
} gateway_request_t;

//  The resolver table and its length.
const gql_resolver_entry_t *gateway_resolvers (size_t *count);

//  The hooks that apply r5's authorization model to every field and object.
const gql_exec_hooks_t *gateway_resolvers_hooks (void);

//  Replace the message of every INTERNAL error of a response by a generic one:
//  internal details never reach clients (they are in the logs).
void gateway_resolvers_mask_errors (json_t *response);

#endif
