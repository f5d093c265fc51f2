/*  gateway_resources: the GraphQL fields of the resource types (users, teams,
    incidents, escalation policies, schedules, integrations, contact methods,
    notification rules) and the viewer, resolved by calling r5-resource on the
    caller's behalf. r5-resource enforces every decision (asking r5-authz), so
    these resolvers only translate. */
#ifndef GATEWAY_RESOURCES_H
#define GATEWAY_RESOURCES_H

#include "gql.h"

//  Write the resource fields' resolver entries into entries (size of them at
//  most). Returns how many were written.
size_t gateway_resources_resolvers (gql_resolver_entry_t *entries, size_t size);

//  The objects of type (an R5__ResourceType) with the service ids ids (at
//  most 100) that the caller may read, as JSON, on behalf of info's request;
//  NULL with error set when the call was refused.
json_t *gateway_resources_get (const gql_resolve_info_t *info, int type, char **ids, size_t count,
                               gql_field_error_t *error);

#endif
