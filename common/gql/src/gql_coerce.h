/*  gql_coerce.h - input coercion (spec 3.5, 3.9, 3.10, 6.1.2, 6.4.1) and leaf result
    serialization (spec 3.5, 6.4.3), with jansson values.

    Values are json_t. Coerced values are:
      Int -> JSON integer (32-bit range)       Float -> JSON real (finite)
      String, ID -> JSON string                 Boolean -> JSON true/false
      enum -> JSON string (the value's name)   custom scalar -> the JSON as given
      input object -> JSON object (fields in input-field definition order, defaults
                      applied, absent optional fields left out)
      list -> JSON array (a single value given for a list becomes a one-item list)
    "Absent" (a variable that was not provided, an argument that was not written) is
    never a JSON null: it is the missing key.

    Error messages are lowercase, failure first, and quote at most a short prefix of the
    offending value. Every function here is re-entrant; none keeps state.
*/
#ifndef GQL_COERCE_H_INCLUDED
#define GQL_COERCE_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>

#include "gql_ast.h"
#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the message buffers the functions below fill. */
#define GQL_COERCE_MSG_MAX 256

/* An input coercion failure: a message and the document location it concerns (0/0 when
   it concerns the variables JSON rather than the document). `oom` is set when the
   failure is that memory ran out, not the input: the caller answers it as it answers
   any failed allocation (the engine's functions return their out-of-memory result). */
typedef struct {
    char message [GQL_COERCE_MSG_MAX];
    gql_loc_t loc;
    bool oom;
} gql_coerce_error_t;

/* CoerceVariableValues (spec 6.1.2): coerces the request's `inputs` (a JSON object, or NULL
   for none) against the variable definitions of `op`. Returns a new JSON object of the
   coerced values (a variable that was neither given nor defaulted is absent), or NULL
   when any variable fails; then up to `max_errors` errors are written to `errors` and
   their number to *error_count. NULL with *error_count 0: out of memory. */
json_t *gql_coerce_variables (const gql_schema_t *schema, const gql_operation_t *op, json_t *inputs,
                              gql_coerce_error_t *errors, size_t max_errors, size_t *error_count);

/* CoerceArgumentValues (spec 6.4.1): coerces the arguments written at a field or directive
   (`args`, `arg_count`) against their definitions (`defs`, `def_count`), with the coerced
   `variables` (NULL for none). Arguments not defined are ignored. Returns a new JSON object
   (defaults applied; an argument with neither value nor default is absent), or NULL with
   *err filled (its location is the offending argument's). */
json_t *gql_coerce_arguments (const gql_input_value_t *defs, size_t def_count, gql_argument_t *const *args,
                              size_t arg_count, json_t *variables, gql_coerce_error_t *err);

/* Coerces a literal `value` of the document (variables substituted from the coerced
   `variables`, which may be NULL) to `type`. Returns 1 with *out (new reference), 0 when
   the value is a variable that was not provided (the caller decides what absence means),
   or -1 with *err filled. */
int gql_coerce_literal (const gql_value_t *value, gql_type_ref_t type, json_t *variables, json_t **out,
                        gql_coerce_error_t *err);

/* Coerces a JSON input `value` (a variable's value) to `type`. Returns a new reference, or
   NULL with a message in *err naming the place in the value that failed ("at
   \"input.ids[2]\""). `what` names the value in messages ("variable \"$x\""). */
json_t *gql_coerce_input_json (json_t *value, gql_type_ref_t type, const char *what, gql_coerce_error_t *err);

/* Serializes a resolver's value for the leaf type `t` (a scalar or an enum) (spec 3.5
   result coercion). Returns a new reference, or NULL with a message in `msg` when the
   value cannot represent the type (a non-integer for Int, an unknown enum name). Built-in
   scalars are checked as graphql-js does (Int accepts integral numbers and booleans,
   String accepts numbers and booleans, ID accepts strings and integers); a custom scalar
   passes through unchanged. `value` must not be JSON null (null is the caller's case).
   NULL with `msg` empty: out of memory. */
json_t *gql_serialize_leaf (const gql_type_t *t, json_t *value, char *msg, size_t msg_size);

/* Writes a type reference as GraphQL ("[Int!]!") into buf (NUL-terminated, truncated to
   `size`). Returns buf. */
char *gql_coerce_type_name (gql_type_ref_t type, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
