/*  gql_execute.h - executes a validated GraphQL document against a schema (spec section
    6), breadth-first with batched resolvers.

    Model (docs/graphql-execution.md tells the whole story):
      - Values are jansson json_t. Source objects handed to resolvers are JSON values; the
        concrete type of an abstract value is its "__typename" string property (or what the
        resolve_type hook answers).
      - Execution goes level by level. At each level, every parent object that selects the
        same field (same parent type, same field, same coerced arguments) is handed to the
        field's resolver in ONE call (DataLoader-style): a list of 50 objects selecting a
        relation costs one resolver call per level, not 50.
      - Mutation root fields run one after another, each completed through all its levels
        before the next one starts.
      - Hooks let the embedder refuse a field (before it is resolved) or an object (before
        its fields are completed): the value becomes null with an error at its path, and
        null propagation applies as for any field error.

    An executor is built once per schema and is immutable: any number of threads may call
    gql_execute() on the same executor at once. Everything a request needs lives in that
    call.
*/
#ifndef GQL_EXECUTE_H_INCLUDED
#define GQL_EXECUTE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "gql_ast.h"
#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of a field error's message buffer. */
#define GQL_FIELD_ERROR_MSG_MAX 256

/* A field error reported by a resolver or a hook. `code` is a static string (never freed:
   "FORBIDDEN", "NOT_FOUND", "INTERNAL" ...) and NULL means "no error". `message` is a
   NUL-terminated text for the client. `extensions` is NULL or a JSON object (a new
   reference the executor takes over) merged into the error's "extensions" besides
   "code". */
typedef struct {
    const char *code;
    char message [GQL_FIELD_ERROR_MSG_MAX];
    json_t *extensions;
} gql_field_error_t;

/* Fills *error: `code` (static string), a printf-style message. Returns -1 so a resolver
   can `return gql_field_error_set(...)` when it failed as a whole. */
int gql_field_error_set (gql_field_error_t *error, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* What a resolver learns about the field it resolves. */
typedef struct {
    const gql_field_t *field;         /* the field definition */
    const gql_type_t *parent_type;    /* the concrete object type of every parent */
    json_t *args;                     /* coerced arguments (object, defaults applied;
                                         borrowed) */
    const gql_selection_t *selection; /* the field's first occurrence in the document (for
                                         look-ahead into its selection set) */
    const gql_document_t *document;   /* for fragment look-ups during look-ahead */
    json_t *variables;                /* coerced variables (borrowed) */
    void *context;                    /* the per-request pointer given to gql_execute() */
    const void *data;                 /* the resolver entry's data (NULL when it has none) */
} gql_resolve_info_t;

/* A batch resolver: for each parents[i] (borrowed), fill results[i] with a new reference
   (JSON null allowed; NULL counts as null) or errors[i] for that parent only. Returns 0,
   or -1 when the whole batch failed (then every parent without a result gets errors[i], or
   an INTERNAL error when that is unset). The same parent may appear more than once (two
   aliases of the same field with the same arguments). */
typedef int (*gql_batch_resolver_fn) (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                                      json_t **results, gql_field_error_t *errors);

/* One entry of the resolver table: `name` is "Type.field" (the concrete object type; an
   entry for an interface field is not consulted). A field with no entry reads the
   parent's JSON property named after the field (JSON null when absent or when the parent
   is not an object). `data` (borrowed, may be NULL) reaches the resolver as info->data,
   so one function can serve many fields, each with its own row of a table. */
typedef struct {
    const char *name;
    gql_batch_resolver_fn fn;
    const void *data;
} gql_resolver_entry_t;

/* Hooks; every member may be NULL. None is called for the introspection types (__Schema,
   __Type ...) or the meta fields (__typename, __schema, __type), nor for the root value.
   - field_access: called before a field of `parent_object` (of the concrete type
     `parent_type`) is resolved. Nonzero: the field is null, with *error (an error with no
     code becomes FORBIDDEN) at its path.
   - object_access: called before the fields of the composite value `object` (concrete
     type `t`) are completed; `via_field` is the field that produced it. Nonzero: the
     object is replaced by null, with *error at the path of the object (the field's path,
     plus the list index for an item of a list).
   - resolve_type: returns the concrete object type of `object` for the abstract type
     `abstract_type`; NULL lets the executor read "__typename". */
typedef struct {
    int (*field_access) (void *context, const gql_type_t *parent_type, const gql_field_t *field, json_t *parent_object,
                         gql_field_error_t *error);
    int (*object_access) (void *context, const gql_type_t *t, json_t *object, const gql_field_t *via_field,
                          gql_field_error_t *error);
    const gql_type_t *(*resolve_type) (void *context, const gql_type_t *abstract_type, json_t *object);
} gql_exec_hooks_t;

/* Options; a zeroed struct (or NULL) means the defaults.
   - disable_introspection: __schema and __type answer null with an error whose code is
     GQL_CODE_INTROSPECTION_DISABLED (__typename still works).
   - max_errors: errors kept in one response (0 means 100); more are dropped and one last
     error says so. */
typedef struct {
    bool disable_introspection;
    size_t max_errors;
} gql_exec_options_t;

/* Codes the executor itself puts in extensions.code. */
#define GQL_CODE_BAD_USER_INPUT         "BAD_USER_INPUT" /* variables, arguments, operation name */
#define GQL_CODE_INTERNAL               "INTERNAL"       /* a resolver failed, a bad result */
#define GQL_CODE_INTROSPECTION_DISABLED "INTROSPECTION_DISABLED"
#define GQL_CODE_FORBIDDEN              "FORBIDDEN" /* a hook refused without a code */

typedef struct gql_executor gql_executor_t;

/* Builds an executor for `schema` (borrowed: it must outlive the executor) with a resolver
   table (copied; the names need not outlive the call), hooks and options (copied; both
   may be NULL). Returns NULL when out of memory or when a resolver name does not name a
   field of an object type of the schema ("Type.field"), with a message in `err` (may be
   NULL, `err_size` bytes). */
gql_executor_t *gql_executor_new (const gql_schema_t *schema, const gql_resolver_entry_t *resolvers, size_t count,
                                  const gql_exec_hooks_t *hooks, const gql_exec_options_t *options, char *err,
                                  size_t err_size);

/* Frees an executor; safe on NULL, sets *ex_p to NULL. */
void gql_executor_destroy (gql_executor_t **ex_p);

/* Returns the schema the executor was built for. */
const gql_schema_t *gql_executor_schema (const gql_executor_t *ex);

/* Runs one request: the operation `operation_name` (NULL or "" when the document has one
   operation) of `doc`, with the request's `variables` (a JSON object or NULL; borrowed)
   and the embedder's `context` (handed to resolvers and hooks). Returns the response
   object (a new reference): {"errors": [...], "data": ...} with "errors" only when there
   are some. When the request fails before execution starts (no such operation, an
   ambiguous one, a subscription, variable coercion) the response has no "data" and
   *request_error is set to true (request_error may be NULL); otherwise it is false.
   Returns NULL only when out of memory. */
json_t *gql_execute (const gql_executor_t *ex, const gql_document_t *doc, const char *operation_name, json_t *variables,
                     void *context, bool *request_error);

#ifdef __cplusplus
}
#endif

#endif
