/*  gateway_node: global ids and the Node fields (docs/api.md, "Node ids").

    Inside the gateway and on the bus an id is the service's own (an
    ObjectId's hex). At the API's edge every id is global: opaque, and it
    carries its type, so any id can be handed to node(id:) and one type's id
    never passes for another's. Two tables in gateway_node.c name every ID
    site of the schema: the fields whose ids are written global, and the
    arguments and input fields whose global ids are read back before any
    resolver sees them. */
#ifndef GATEWAY_NODE_H
#define GATEWAY_NODE_H

#include "gql.h"

#include <jansson.h>

//  The global id of the object of GraphQL type type with the service id id,
//  or NULL when id (off the bus) is not a service's id. The caller frees it.
char *gateway_node_id (const char *type, const char *id);

//  A delete's payload, {deletedId}: info's field is delete<Type>, and the
//  type is kept beside the id (not a schema field) for the global id.
json_t *gateway_node_deleted (const gql_resolve_info_t *info, const char *id);

//  Make entries (count of them, room for size) the executor's table with
//  global ids: every resolver of a field with ID arguments is wrapped so it
//  sees service ids, and resolvers are added for every ID output field and
//  for Query.node and Query.nodes. Wrappers' data is allocated into *wrapped
//  (free it after the executor). Returns the new count, or 0 with a message
//  in error when the schema has an ID site the tables do not name (a new
//  field would otherwise hand out raw ids), or the tables name one it lacks.
size_t gateway_node_resolvers (const gql_schema_t *schema, gql_resolver_entry_t *entries, size_t count, size_t size,
                               void **wrapped, char *error, size_t error_size);

#endif
