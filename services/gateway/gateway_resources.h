/*  gateway_resources: the GraphQL fields of the resource types (users, teams,
    incidents, escalation policies, schedules, integrations, contact methods,
    notification rules), resolved by calling r5-resource on the caller's
    behalf. r5-resource enforces every decision (asking r5-authz), so these
    resolvers only translate. */
#ifndef GATEWAY_RESOURCES_H
#define GATEWAY_RESOURCES_H

#include "gql_execute.h"

//  The resource types' resolver table and its length.
const gql_resolver_entry_t *gateway_resources_resolvers (size_t *count);

#endif
