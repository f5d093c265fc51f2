/*  gql_introspection.h - the introspection system (spec section 4) over a gql_schema_t.

    Built once per schema (by the executor): every named type, field, argument, enum value
    and directive becomes a read-only JSON object shaped like its introspection type
    (__Type, __Field, __InputValue, __EnumValue, __Directive), and the executor selects
    from those with its ordinary machinery. The objects are shared by all requests and
    never change after gql_introspection_new() returns. Requests borrow them without
    touching their reference counts (jansson's incref reads the count non-atomically
    before its atomic add, which ThreadSanitizer rightly reports as a race), and copy the
    leaves they answer with.

    What __schema shows follows graphql-js 16 (buildSchema + getIntrospectionQuery) so that
    clients built on it see the same thing:
      - types: the SDL's types in SDL order, each followed by the built-in scalars it is
        the first to reference, then String/Boolean (directives), then the introspection
        types; built-in scalars that nothing references are left out (graphql-js's
        collectReferencedTypes order);
      - interfaces' possibleTypes in that type order; unions' in declared order;
      - directives: the SDL's in SDL order, then @include @skip @deprecated @specifiedBy;
      - defaultValue: the coerced default printed as a GraphQL literal the way graphql-js
        prints astFromValue() (input object fields in definition order with their defaults
        filled in, a Float 1.0 as 1, an integral ID string as a bare integer);
      - deprecationReason "No longer supported" for a bare @deprecated.
*/
#ifndef GQL_INTROSPECTION_H_INCLUDED
#define GQL_INTROSPECTION_H_INCLUDED

#include <jansson.h>

#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gql_introspection gql_introspection_t;

/* Builds the introspection objects of `schema` (borrowed; must outlive the result).
   Returns NULL when out of memory. */
gql_introspection_t *gql_introspection_new (const gql_schema_t *schema);

/* Frees the introspection objects; safe on NULL, sets *intro_p to NULL. Requests still
   holding references must be finished. */
void gql_introspection_destroy (gql_introspection_t **intro_p);

/* Returns the __Schema object (borrowed). */
json_t *gql_introspection_schema (const gql_introspection_t *intro);

/* Returns the __Type object of the named type `name` (borrowed), or NULL when the schema
   shows no such type. */
json_t *gql_introspection_type (const gql_introspection_t *intro, const char *name, size_t len);

/* True when `t` is one of the introspection types (__Schema, __Type ...). */
bool gql_introspection_is_meta_type (const gql_type_t *t);

/* Resolves the field `field` of an introspection object `parent` with the coerced `args`:
   the includeDeprecated filters of __Type.fields/enumValues/inputFields, __Field.args and
   __Directive.args (both lists are built with the objects), and plain property reads for
   everything else. Returns a BORROWED reference to a shared object (NULL when absent):
   callers must neither keep nor release it, nor let another thread's reference count
   change race with theirs. The executor copies the leaves it puts in a response. */
json_t *gql_introspection_resolve (const gql_introspection_t *intro, const gql_field_t *field, json_t *args,
                                   json_t *parent);

/* Returns the GraphQL literal text of the default value `value` of an input of type
   `type`, printed as graphql-js prints it in __InputValue.defaultValue, or NULL when there
   is none to show (no default, an invalid one, or null for a non-null type). The caller
   frees the result. */
char *gql_introspection_print_default (const gql_value_t *value, gql_type_ref_t type);

#ifdef __cplusplus
}
#endif

#endif
