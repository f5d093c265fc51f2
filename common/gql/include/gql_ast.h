/*  gql_ast.h - the GraphQL abstract syntax tree (October 2021 edition).

    A gql_document_t holds every node of one parsed document in one arena; one call to
    gql_document_destroy() frees it all. Nodes are read-only to everyone but the parser.

    Strings: names, raw numbers and string values are gql_str_t slices. A slice points into
    the caller's source buffer when no unescaping was needed, and into the document's arena
    otherwise (escapes, block strings). So:
      - the source buffer passed to gql_parse() must outlive the document;
      - a gql_str_t is NOT NUL-terminated and a string value may contain NUL bytes (\u0000);
      - an absent optional string (description, alias, operation name, type condition) has
        data == NULL and len == 0; an empty string "" has data != NULL and len == 0.

    Lists: every list is an array of node pointers plus a count (`items`, `item_count` ...).
    An absent list has a NULL array and a zero count, so `for (i = 0; i < n; i++)` always
    works. Arrays keep source order.

    Locations: every node has a gql_loc_t of its first token (1-based line and column, column
    counted in Unicode code points, 0-based byte offset into the source).
*/
#ifndef GQL_AST_H_INCLUDED
#define GQL_AST_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 *  Slices, locations, errors
 * ------------------------------------------------------------------------------------- */

/* A byte slice: not NUL-terminated. data == NULL means "absent". */
typedef struct {
    const char *data;
    size_t len;
} gql_str_t;

/* Where a node or token starts: 1-based line and column (in code points), byte offset. */
typedef struct {
    uint32_t line;
    uint32_t column;
    uint32_t offset;
} gql_loc_t;

/* Error codes. GQL_OK is 0; everything else is a failure. */
typedef enum {
    GQL_OK = 0,
    GQL_ERR_SYNTAX,              /* lexical or grammatical error */
    GQL_ERR_TOO_LARGE,           /* source longer than limits->max_bytes */
    GQL_ERR_TOO_MANY_TOKENS,     /* more than limits->max_tokens tokens */
    GQL_ERR_TOO_DEEP,            /* nesting deeper than limits->max_depth */
    GQL_ERR_TOO_MANY_ALIASES,    /* more than limits->max_aliases aliased fields */
    GQL_ERR_TOO_MANY_DIRECTIVES, /* more than limits->max_directives directive uses */
    GQL_ERR_NOMEM,               /* allocation failed */
    GQL_ERR_SCHEMA,              /* the SDL parsed but does not describe a valid schema */
} gql_error_code_t;

/* An error: a code, a constant lowercase message (never freed, never contains input),
   the 1-based line/column and byte offset where it was found (0 when not applicable), and
   `detail`: a NUL-terminated, possibly truncated copy of the name or token involved (may
   be empty). For syntax errors `detail` is the offending token ("}" or "<EOF>"); for
   schema errors it names the type/field ("User.team"). `detail` comes from the input:
   escape it before echoing it anywhere that matters. */
typedef struct {
    gql_error_code_t code;
    const char *message;
    uint32_t line;
    uint32_t column;
    uint32_t offset;
    char detail [96];
} gql_error_t;

/* Returns a stable lowercase name of an error code ("syntax", "too_deep" ...). */
const char *gql_error_code_name (gql_error_code_t code);

/* True when the slice equals the NUL-terminated string `cstr`. */
static inline bool
gql_str_eq (gql_str_t s, const char *cstr)
{
    size_t n = strlen (cstr);
    return s.len == n && (n == 0 || memcmp (s.data, cstr, n) == 0);
}

/* True when two slices hold the same bytes. */
static inline bool
gql_str_equal (gql_str_t a, gql_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp (a.data, b.data, a.len) == 0);
}

/* Compares two slices byte-wise like strcmp (a prefix sorts first). */
static inline int
gql_str_cmp (gql_str_t a, gql_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp (a.data, b.data, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------
 *  Forward declarations
 * ------------------------------------------------------------------------------------- */

typedef struct gql_document gql_document_t;
typedef struct gql_definition gql_definition_t;
typedef struct gql_operation gql_operation_t;
typedef struct gql_fragment gql_fragment_t;
typedef struct gql_variable_def gql_variable_def_t;
typedef struct gql_selection_set gql_selection_set_t;
typedef struct gql_selection gql_selection_t;
typedef struct gql_argument gql_argument_t;
typedef struct gql_directive gql_directive_t;
typedef struct gql_value gql_value_t;
typedef struct gql_type_node gql_type_node_t;
typedef struct gql_name gql_name_t;
typedef struct gql_type_def gql_type_def_t;
typedef struct gql_field_def gql_field_def_t;
typedef struct gql_input_value_def gql_input_value_def_t;
typedef struct gql_enum_value_def gql_enum_value_def_t;
typedef struct gql_schema_def gql_schema_def_t;
typedef struct gql_root_op_def gql_root_op_def_t;
typedef struct gql_directive_def gql_directive_def_t;

/* ---------------------------------------------------------------------------------------
 *  Values
 * ------------------------------------------------------------------------------------- */

typedef enum {
    GQL_VALUE_VARIABLE, /* $name: `str` is the name without '$' */
    GQL_VALUE_INT,      /* `str` is the source text ("-12"), not range-checked */
    GQL_VALUE_FLOAT,    /* `str` is the source text ("1.5e3") */
    GQL_VALUE_STRING,   /* `str` is the cooked value (escapes resolved, block string
                           indentation removed); `block` tells """...""" apart */
    GQL_VALUE_BOOLEAN,  /* `boolean` */
    GQL_VALUE_NULL,
    GQL_VALUE_ENUM,   /* `str` is the enum value name */
    GQL_VALUE_LIST,   /* `items`, `item_count` */
    GQL_VALUE_OBJECT, /* `fields`, `field_count` (name/value pairs, source order) */
} gql_value_kind_t;

/* An input value (argument value, default value, list item, object field value). */
struct gql_value {
    gql_value_kind_t kind;
    gql_loc_t loc;
    gql_str_t str;
    bool boolean;
    bool block;
    gql_value_t **items;
    size_t item_count;
    gql_argument_t **fields;
    size_t field_count;
};

/* A name with its own location (a named type in `implements`, a union member ...). */
struct gql_name {
    gql_str_t value;
    gql_loc_t loc;
};

/* `name: value` — an argument, or a field of an object value. */
struct gql_argument {
    gql_loc_t loc; /* of the name */
    gql_str_t name;
    gql_value_t *value;
};
typedef gql_argument_t gql_object_field_t;

/* `@name(args)` — a directive use. */
struct gql_directive {
    gql_loc_t loc; /* of the '@' */
    gql_str_t name;
    gql_argument_t **arguments;
    size_t argument_count;
};

/* ---------------------------------------------------------------------------------------
 *  Type references as written: Name, [T], T!
 * ------------------------------------------------------------------------------------- */

typedef enum {
    GQL_TYPE_NODE_NAMED,    /* `name` */
    GQL_TYPE_NODE_LIST,     /* `[of_type]` */
    GQL_TYPE_NODE_NON_NULL, /* `of_type!` (of_type is never NON_NULL) */
} gql_type_node_kind_t;

struct gql_type_node {
    gql_type_node_kind_t kind;
    gql_loc_t loc;
    gql_str_t name;           /* NAMED only */
    gql_type_node_t *of_type; /* LIST and NON_NULL only */
};

/* ---------------------------------------------------------------------------------------
 *  Executable definitions
 * ------------------------------------------------------------------------------------- */

typedef enum {
    GQL_OP_QUERY,
    GQL_OP_MUTATION,
    GQL_OP_SUBSCRIPTION,
} gql_operation_type_t;

typedef enum {
    GQL_SELECTION_FIELD,           /* alias, name, arguments, directives, selection_set */
    GQL_SELECTION_FRAGMENT_SPREAD, /* name (the fragment's), directives */
    GQL_SELECTION_INLINE_FRAGMENT, /* type_condition (may be absent), directives,
                                      selection_set */
} gql_selection_kind_t;

/* `{ selection ... }` — never empty. */
struct gql_selection_set {
    gql_loc_t loc; /* of the '{' */
    gql_selection_t **items;
    size_t item_count;
};

/* One selection: a field, a fragment spread or an inline fragment. Members that do not
   apply to the kind are absent (NULL / 0). */
struct gql_selection {
    gql_selection_kind_t kind;
    gql_loc_t loc;            /* of the alias or name, or of the "..." */
    gql_str_t alias;          /* FIELD: absent when no alias */
    gql_str_t name;           /* FIELD: field name; FRAGMENT_SPREAD: fragment name */
    gql_str_t type_condition; /* INLINE_FRAGMENT: absent when none */
    gql_loc_t type_condition_loc;
    gql_argument_t **arguments; /* FIELD */
    size_t argument_count;
    gql_directive_t **directives;
    size_t directive_count;
    gql_selection_set_t *selection_set; /* FIELD (NULL for a leaf), INLINE_FRAGMENT */
    uint32_t id;                        /* 0..document->selection_count-1, unique in the
                                           document: index for side tables */
};

/* The response key of a field: its alias if any, else its name. */
static inline gql_str_t
gql_selection_response_key (const gql_selection_t *sel)
{
    return sel->alias.data ? sel->alias : sel->name;
}

/* `$name: Type = default @directives` */
struct gql_variable_def {
    gql_loc_t loc;  /* of the '$' */
    gql_str_t name; /* without '$' */
    gql_type_node_t *type;
    gql_value_t *default_value; /* NULL when none; constant (no variables) */
    gql_directive_t **directives;
    size_t directive_count;
};

/* An operation. The query shorthand `{ ... }` has type QUERY, shorthand true, no name. */
struct gql_operation {
    gql_loc_t loc;
    gql_operation_type_t type;
    bool shorthand;
    gql_str_t name; /* absent for anonymous operations */
    gql_variable_def_t **variables;
    size_t variable_count;
    gql_directive_t **directives;
    size_t directive_count;
    gql_selection_set_t *selection_set;
};

/* `fragment Name on Type @directives { ... }` */
struct gql_fragment {
    gql_loc_t loc;
    gql_str_t name;
    gql_str_t type_condition;
    gql_loc_t type_condition_loc;
    gql_directive_t **directives;
    size_t directive_count;
    gql_selection_set_t *selection_set;
};

/* ---------------------------------------------------------------------------------------
 *  Type-system definitions (SDL)
 * ------------------------------------------------------------------------------------- */

/* An argument definition or an input object field: `"desc" name: Type = default @dirs` */
struct gql_input_value_def {
    gql_loc_t loc;
    gql_str_t description; /* absent when none */
    gql_str_t name;
    gql_type_node_t *type;
    gql_value_t *default_value; /* NULL when none; constant */
    gql_directive_t **directives;
    size_t directive_count;
};

/* A field definition: `"desc" name(args): Type @dirs` */
struct gql_field_def {
    gql_loc_t loc;
    gql_str_t description;
    gql_str_t name;
    gql_input_value_def_t **arguments;
    size_t argument_count;
    gql_type_node_t *type;
    gql_directive_t **directives;
    size_t directive_count;
};

/* An enum value definition: `"desc" NAME @dirs` */
struct gql_enum_value_def {
    gql_loc_t loc;
    gql_str_t description;
    gql_str_t name;
    gql_directive_t **directives;
    size_t directive_count;
};

typedef enum {
    GQL_TYPE_DEF_SCALAR,
    GQL_TYPE_DEF_OBJECT,       /* interfaces, fields */
    GQL_TYPE_DEF_INTERFACE,    /* interfaces, fields */
    GQL_TYPE_DEF_UNION,        /* members */
    GQL_TYPE_DEF_ENUM,         /* values */
    GQL_TYPE_DEF_INPUT_OBJECT, /* input_fields */
} gql_type_def_kind_t;

/* A type definition or extension (`extend` true; an extension has no description). */
struct gql_type_def {
    gql_type_def_kind_t kind;
    gql_loc_t loc;
    bool extend;
    gql_str_t description;
    gql_str_t name;
    gql_loc_t name_loc;
    gql_name_t **interfaces; /* OBJECT, INTERFACE: `implements A & B` */
    size_t interface_count;
    gql_directive_t **directives;
    size_t directive_count;
    gql_field_def_t **fields; /* OBJECT, INTERFACE */
    size_t field_count;
    gql_name_t **members; /* UNION: `= A | B` */
    size_t member_count;
    gql_enum_value_def_t **values; /* ENUM */
    size_t value_count;
    gql_input_value_def_t **input_fields; /* INPUT_OBJECT */
    size_t input_field_count;
};

/* `query: Query` inside `schema { ... }` */
struct gql_root_op_def {
    gql_loc_t loc;
    gql_operation_type_t operation;
    gql_name_t type;
};

/* `schema @dirs { query: Q mutation: M }` or `extend schema ...` */
struct gql_schema_def {
    gql_loc_t loc;
    bool extend;
    gql_str_t description;
    gql_directive_t **directives;
    size_t directive_count;
    gql_root_op_def_t **operations;
    size_t operation_count;
};

/* Directive locations, as bit numbers of gql_directive_def_t.locations. */
typedef enum {
    /* ExecutableDirectiveLocation */
    GQL_DIRLOC_QUERY = 0,
    GQL_DIRLOC_MUTATION,
    GQL_DIRLOC_SUBSCRIPTION,
    GQL_DIRLOC_FIELD,
    GQL_DIRLOC_FRAGMENT_DEFINITION,
    GQL_DIRLOC_FRAGMENT_SPREAD,
    GQL_DIRLOC_INLINE_FRAGMENT,
    GQL_DIRLOC_VARIABLE_DEFINITION,
    /* TypeSystemDirectiveLocation */
    GQL_DIRLOC_SCHEMA,
    GQL_DIRLOC_SCALAR,
    GQL_DIRLOC_OBJECT,
    GQL_DIRLOC_FIELD_DEFINITION,
    GQL_DIRLOC_ARGUMENT_DEFINITION,
    GQL_DIRLOC_INTERFACE,
    GQL_DIRLOC_UNION,
    GQL_DIRLOC_ENUM,
    GQL_DIRLOC_ENUM_VALUE,
    GQL_DIRLOC_INPUT_OBJECT,
    GQL_DIRLOC_INPUT_FIELD_DEFINITION,
    GQL_DIRLOC_COUNT_
} gql_directive_location_t;

#define GQL_DIRLOC_BIT(l) (1u << (unsigned) (l))

/* Returns the spec name of a directive location ("FIELD_DEFINITION"), or NULL. */
const char *gql_directive_location_name (gql_directive_location_t loc);

/* `"desc" directive @name(args) repeatable on A | B` */
struct gql_directive_def {
    gql_loc_t loc;
    gql_str_t description;
    gql_str_t name;
    gql_input_value_def_t **arguments;
    size_t argument_count;
    bool repeatable;
    uint32_t locations; /* GQL_DIRLOC_BIT(...) ORed together */
};

/* ---------------------------------------------------------------------------------------
 *  Definitions and the document
 * ------------------------------------------------------------------------------------- */

typedef enum {
    GQL_DEF_OPERATION, /* operation */
    GQL_DEF_FRAGMENT,  /* fragment */
    GQL_DEF_SCHEMA,    /* schema (definition or extension) */
    GQL_DEF_TYPE,      /* type (definition or extension; kind in type->kind) */
    GQL_DEF_DIRECTIVE, /* directive (definition) */
} gql_definition_kind_t;

/* One top-level definition; exactly the member matching `kind` is set. */
struct gql_definition {
    gql_definition_kind_t kind;
    gql_loc_t loc;
    gql_operation_t *operation;
    gql_fragment_t *fragment;
    gql_schema_def_t *schema;
    gql_type_def_t *type;
    gql_directive_def_t *directive;
};

struct gql_arena;

/* A parsed document. `definitions` holds everything in source order; `operations` and
   `fragments` are the executable definitions again, for direct access. */
struct gql_document {
    gql_definition_t **definitions;
    size_t definition_count;
    gql_operation_t **operations;
    size_t operation_count;
    gql_fragment_t **fragments;
    size_t fragment_count;

    const char *source; /* the buffer given to the parser (borrowed) */
    size_t source_len;

    /* What the limits saw (for logs and metrics). */
    uint32_t token_count; /* tokens, <EOF> excluded */
    uint32_t max_depth;   /* deepest nesting reached */
    uint32_t depth_limit; /* the max_depth limit it was parsed under (gql_limits_t, or
                             the hard cap): through its spreads, cycles aside, the
                             document is no deeper, and walks rely on it */
    uint32_t alias_count;
    uint32_t directive_count;
    uint32_t selection_count; /* number of gql_selection_t; ids are 0..count-1 */

    struct gql_arena *arena; /* owns every node (internal) */
};

/* Frees a document and every node in it; safe on NULL, sets *doc_p to NULL. */
void gql_document_destroy (gql_document_t **doc_p);

/* Bytes the document's nodes take (for caches that bound what they keep). */
size_t gql_document_bytes (const gql_document_t *doc);

/* Returns the fragment definition called `name`, or NULL. Linear in fragment count. */
const gql_fragment_t *gql_document_fragment (const gql_document_t *doc, const char *name, size_t len);

/* Returns the operation to run: the one called `name` (name may be NULL when the document
   has exactly one operation). NULL when there is no such operation, or when name is NULL
   and there are zero or several. */
const gql_operation_t *gql_document_operation (const gql_document_t *doc, const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif
