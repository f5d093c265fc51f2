/*  gateway_resources: resource-type resolvers.  */
#include "gateway_resources.h"
#include "gateway_resolvers.h"

//  Filled in as the resource types are added to schema.graphql.
static const gql_resolver_entry_t s_resolvers [] = {
    { NULL, NULL }
};

const gql_resolver_entry_t *
gateway_resources_resolvers (size_t *count)
{
    *count = 0;
    while (s_resolvers [*count].name)
        (*count)++;
    return s_resolvers;
}
