/*  gql_print.h - GraphQL text from AST values and type references, for error messages
    and introspection (__InputValue.defaultValue).
*/
#ifndef GQL_PRINT_H_INCLUDED
#define GQL_PRINT_H_INCLUDED

#include "gql_ast.h"
#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a schema type reference as GraphQL ("[String!]!") into buf (always
   NUL-terminated when size > 0, truncated if needed). Returns the length the full text
   needs, not counting the NUL, like snprintf. */
size_t gql_print_type_ref (gql_type_ref_t ref, char *buf, size_t size);

/* Same for a type reference as written in a document. */
size_t gql_print_type_node (const gql_type_node_t *node, char *buf, size_t size);

/* Returns a value printed as GraphQL on one line (`{a: [1, "x\n"], b: ENUM}`), strings
   re-escaped; the caller frees it. NULL on allocation failure. */
char *gql_print_value (const gql_value_t *value);

#ifdef __cplusplus
}
#endif

#endif
