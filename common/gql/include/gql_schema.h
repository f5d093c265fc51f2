/*  gql_schema.h - a GraphQL schema built from SDL, for lookups by a validator and an
    executor.

    A schema is immutable once built and may be shared by threads. It owns a copy of the
    SDL text and its parsed document, so every gql_str_t and AST pointer reachable from it
    lives as long as the schema.

    Besides the types of the SDL, every schema holds:
      - the built-in scalars Int Float String Boolean ID;
      - the built-in directives @skip @include @deprecated @specifiedBy @oneOf;
      - the introspection types __Schema __Type __Field __InputValue __EnumValue
        __Directive __TypeKind __DirectiveLocation (defined as in the spec, section 4.5);
      - the meta fields: gql_type_field() answers "__typename" on every object, interface
        and union type, and "__schema" / "__type" on the query root type, with shared
        gql_field_t records whose `meta` member says which they are.

    Lookups by name are binary searches over sorted indexes; the public arrays keep the
    SDL's order (the order introspection shows).

    Type references: a gql_type_ref_t is a small value (no allocation): the innermost named
    type plus the chain of wrappers, outermost first. Use the inline helpers below.
*/
#ifndef GQL_SCHEMA_H_INCLUDED
#define GQL_SCHEMA_H_INCLUDED

#include "gql_ast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gql_schema gql_schema_t;
typedef struct gql_type gql_type_t;
typedef struct gql_field gql_field_t;
typedef struct gql_input_value gql_input_value_t;
typedef struct gql_enum_value gql_enum_value_t;
typedef struct gql_schema_directive gql_schema_directive_t;

/* ---------------------------------------------------------------------------------------
 *  Type references
 * ------------------------------------------------------------------------------------- */

/* Most wrappers a type reference can have ([[[T!]!]!]! counts 6). */
#define GQL_TYPE_REF_MAX_WRAP 64

typedef enum {
    GQL_REF_NAMED,
    GQL_REF_LIST,
    GQL_REF_NON_NULL,
} gql_ref_kind_t;

/* A type reference: `named` is the innermost named type; `depth` wrappers surround it;
   bit i of `wrap` (i = 0 outermost) is 1 for NON_NULL and 0 for LIST. Two references are
   the same type exactly when gql_type_ref_equal() says so. */
typedef struct {
    const gql_type_t *named;
    uint64_t wrap;
    uint32_t depth;
} gql_type_ref_t;

/* Returns what the outermost layer of `r` is. */
static inline gql_ref_kind_t
gql_type_ref_kind (gql_type_ref_t r)
{
    if (r.depth == 0)
        return GQL_REF_NAMED;
    return (r.wrap & 1u) ? GQL_REF_NON_NULL : GQL_REF_LIST;
}

/* Returns `r` without its outermost wrapper (the item type of a list, the nullable type of
   a non-null); a named reference is returned unchanged. */
static inline gql_type_ref_t
gql_type_ref_of (gql_type_ref_t r)
{
    if (r.depth > 0) {
        r.wrap >>= 1;
        r.depth--;
    }
    return r;
}

/* Returns `r` without an outer NON_NULL, if it has one. */
static inline gql_type_ref_t
gql_type_ref_nullable (gql_type_ref_t r)
{
    return gql_type_ref_kind (r) == GQL_REF_NON_NULL ? gql_type_ref_of (r) : r;
}

/* True when `r` is NON_NULL at the outermost layer. */
static inline bool
gql_type_ref_is_non_null (gql_type_ref_t r)
{
    return gql_type_ref_kind (r) == GQL_REF_NON_NULL;
}

/* True when `r` is a list once an outer NON_NULL is removed. */
static inline bool
gql_type_ref_is_list (gql_type_ref_t r)
{
    return gql_type_ref_kind (gql_type_ref_nullable (r)) == GQL_REF_LIST;
}

/* Returns a reference to the named type `t` with no wrappers. */
static inline gql_type_ref_t
gql_type_ref_make (const gql_type_t *t)
{
    gql_type_ref_t r = { t, 0, 0 };
    return r;
}

/* Wraps `r` in a list (kind LIST) or a non-null (kind NON_NULL). Returns -1 when `r`
   already has GQL_TYPE_REF_MAX_WRAP wrappers, or when asked to wrap a non-null in a
   non-null. */
static inline int
gql_type_ref_wrap (gql_type_ref_t *r, gql_ref_kind_t kind)
{
    if (r->depth >= GQL_TYPE_REF_MAX_WRAP || kind == GQL_REF_NAMED)
        return -1;
    if (kind == GQL_REF_NON_NULL && gql_type_ref_kind (*r) == GQL_REF_NON_NULL)
        return -1;
    r->wrap = (r->wrap << 1) | (kind == GQL_REF_NON_NULL ? 1u : 0u);
    r->depth++;
    return 0;
}

/* True when `a` and `b` are the same type. */
static inline bool
gql_type_ref_equal (gql_type_ref_t a, gql_type_ref_t b)
{
    uint64_t mask = a.depth >= 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << a.depth) - 1);
    return a.named == b.named && a.depth == b.depth && (a.wrap & mask) == (b.wrap & mask);
}

/* ---------------------------------------------------------------------------------------
 *  Schema elements
 * ------------------------------------------------------------------------------------- */

/* The __TypeKind of a named type (LIST and NON_NULL live in gql_type_ref_t). */
typedef enum {
    GQL_KIND_SCALAR,
    GQL_KIND_OBJECT,
    GQL_KIND_INTERFACE,
    GQL_KIND_UNION,
    GQL_KIND_ENUM,
    GQL_KIND_INPUT_OBJECT,
} gql_type_kind_t;

/* Returns the __TypeKind name of a kind ("INPUT_OBJECT"). */
const char *gql_type_kind_name (gql_type_kind_t kind);

/* Which meta field a gql_field_t is (GQL_META_NONE for ordinary fields). */
typedef enum {
    GQL_META_NONE = 0,
    GQL_META_TYPENAME, /* __typename: String! */
    GQL_META_SCHEMA,   /* __schema: __Schema! */
    GQL_META_TYPE,     /* __type(name: String!): __Type */
} gql_meta_field_t;

/* An argument of a field or directive, or a field of an input object. */
struct gql_input_value {
    gql_str_t name;
    gql_str_t description; /* absent when none */
    gql_type_ref_t type;
    const gql_value_t *default_value; /* NULL when none; a constant AST value */
    bool deprecated;
    gql_str_t deprecation_reason;             /* absent unless deprecated */
    const gql_directive_t *const *directives; /* as written in the SDL */
    size_t directive_count;
    gql_loc_t loc;  /* in the SDL (0 for built-ins' synthetic parts) */
    uint32_t index; /* position in its parent's array */
};

/* A field of an object or interface type. */
struct gql_field {
    gql_str_t name;
    gql_str_t description;
    gql_type_ref_t type;
    const gql_input_value_t *args; /* definition order */
    size_t arg_count;
    bool deprecated;
    gql_str_t deprecation_reason; /* absent unless deprecated */
    const gql_directive_t *const *directives;
    size_t directive_count;
    const gql_type_t *parent; /* the type that declares it; NULL for meta fields */
    gql_meta_field_t meta;
    gql_loc_t loc;
    uint32_t index;             /* position in parent->fields */
    const uint32_t *arg_index_; /* internal: args sorted by name */
};

/* A value of an enum type. */
struct gql_enum_value {
    gql_str_t name;
    gql_str_t description;
    bool deprecated;
    gql_str_t deprecation_reason;
    const gql_directive_t *const *directives;
    size_t directive_count;
    const gql_type_t *parent;
    gql_loc_t loc;
    uint32_t index; /* position in parent->enum_values */
};

/* A named type. Members not applying to `kind` are NULL / 0. */
struct gql_type {
    gql_type_kind_t kind;
    gql_str_t name;
    gql_str_t description;
    gql_str_t specified_by_url; /* SCALAR with @specifiedBy; absent otherwise */
    bool builtin;               /* a built-in scalar or an introspection type */
    bool one_of;                /* INPUT_OBJECT whose definition (not an extension) has
                                   @oneOf: exactly one field, not null (graphql-js 16.9) */

    const gql_field_t *fields; /* OBJECT, INTERFACE; meta fields excluded */
    size_t field_count;
    const gql_type_t *const *interfaces; /* OBJECT, INTERFACE: declared interfaces */
    size_t interface_count;
    const gql_type_t *const *possible_types; /* UNION: members; INTERFACE: the object types
                                                that implement it; in SDL order */
    size_t possible_type_count;
    const gql_enum_value_t *enum_values; /* ENUM */
    size_t enum_value_count;
    const gql_input_value_t *input_fields; /* INPUT_OBJECT */
    size_t input_field_count;

    const gql_directive_t *const *directives; /* as written on the type (and extensions) */
    size_t directive_count;
    const gql_schema_t *schema;
    gql_loc_t loc;
    uint32_t index; /* position in gql_schema_types() */

    const uint32_t *field_index_; /* internal: sorted indexes */
    const uint32_t *enum_index_;
    const uint32_t *input_index_;
};

/* A directive definition of the schema (built-in or from the SDL). */
struct gql_schema_directive {
    gql_str_t name; /* without '@' */
    gql_str_t description;
    const gql_input_value_t *args;
    size_t arg_count;
    uint32_t locations; /* GQL_DIRLOC_BIT(...) ORed */
    bool repeatable;
    bool builtin;
    gql_loc_t loc;
    const uint32_t *arg_index_; /* internal */
};

/* ---------------------------------------------------------------------------------------
 *  Building and destroying
 * ------------------------------------------------------------------------------------- */

/* Builds a schema from SDL text (copied; need not be NUL-terminated). The SDL is checked:
   syntax, unique names, known types of the right kind (output types for fields, input
   types for arguments and input fields), interface implementations (fields present with
   compatible types and arguments), non-empty unions/enums/objects/input objects, known
   directives in valid locations with known arguments, a query root type, no names
   starting with "__", no redefinition of built-ins, no unbreakable cycles of non-null
   input fields. `extend` definitions are merged into their type. Returns the schema, or
   NULL with *err filled (err may be NULL): code GQL_ERR_SYNTAX / limits for parse errors,
   GQL_ERR_SCHEMA for semantic ones, with line/column in the SDL and `detail` naming the
   element ("User.team"). */
gql_schema_t *gql_schema_new_from_sdl (const char *sdl, size_t len, gql_error_t *err);

/* Frees a schema; safe on NULL, sets *schema_p to NULL. */
void gql_schema_destroy (gql_schema_t **schema_p);

/* ---------------------------------------------------------------------------------------
 *  Lookups
 * ------------------------------------------------------------------------------------- */

/* Returns the named type `name` (any kind, built-ins and introspection types included),
   or NULL. */
const gql_type_t *gql_schema_type (const gql_schema_t *s, const char *name, size_t len);

/* Returns every named type, in order: user types in SDL order, then the built-in scalars,
   then the introspection types. *count receives the number. */
const gql_type_t *const *gql_schema_types (const gql_schema_t *s, size_t *count);

/* Returns the root type of an operation type (NULL if the schema has none: mutation and
   subscription are optional). */
const gql_type_t *gql_schema_root (const gql_schema_t *s, gql_operation_type_t op);
const gql_type_t *gql_schema_query_type (const gql_schema_t *s);
const gql_type_t *gql_schema_mutation_type (const gql_schema_t *s);
const gql_type_t *gql_schema_subscription_type (const gql_schema_t *s);

/* Returns the schema's description (from `"..." schema { }`), absent when none. */
gql_str_t gql_schema_description (const gql_schema_t *s);

/* Returns the directive definition `name` (without '@'), or NULL. */
const gql_schema_directive_t *gql_schema_directive (const gql_schema_t *s, const char *name, size_t len);

/* Returns every directive definition (built-ins first, then the SDL's). */
const gql_schema_directive_t *const *gql_schema_directives (const gql_schema_t *s, size_t *count);

/* Returns the field `name` of an object or interface type, including the meta fields
   (__typename on object/interface/union types; __schema and __type on the query root).
   NULL when there is no such field or when `t` has no fields (scalars, enums, inputs). */
const gql_field_t *gql_type_field (const gql_type_t *t, const char *name, size_t len);

/* Returns the argument `name` of a field, or NULL. */
const gql_input_value_t *gql_field_arg (const gql_field_t *f, const char *name, size_t len);

/* Returns the argument `name` of a directive definition, or NULL. */
const gql_input_value_t *gql_directive_arg (const gql_schema_directive_t *d, const char *name, size_t len);

/* Returns the input field `name` of an input object type, or NULL. */
const gql_input_value_t *gql_type_input_field (const gql_type_t *t, const char *name, size_t len);

/* Returns the enum value `name` of an enum type, or NULL. */
const gql_enum_value_t *gql_type_enum_value (const gql_type_t *t, const char *name, size_t len);

/* Resolves a type reference as written in a document (a variable's type) against the
   schema. Returns 0 and fills *out, or -1 when the named type is unknown or the reference
   has too many wrappers. */
int gql_schema_resolve_type_node (const gql_schema_t *s, const gql_type_node_t *node, gql_type_ref_t *out);

/* ---------------------------------------------------------------------------------------
 *  Type predicates (spec 3.x "IsInputType" and friends)
 * ------------------------------------------------------------------------------------- */

/* True for SCALAR, ENUM, INPUT_OBJECT. */
bool gql_type_is_input (const gql_type_t *t);
/* True for SCALAR, OBJECT, INTERFACE, UNION, ENUM. */
bool gql_type_is_output (const gql_type_t *t);
/* True for SCALAR, ENUM. */
bool gql_type_is_leaf (const gql_type_t *t);
/* True for OBJECT, INTERFACE, UNION. */
bool gql_type_is_composite (const gql_type_t *t);
/* True for INTERFACE, UNION. */
bool gql_type_is_abstract (const gql_type_t *t);

/* True when the object type `object` is a possible type of `abstract` (a union member or
   an implementation of an interface), or when object == abstract. */
bool gql_type_is_possible (const gql_type_t *abstract, const gql_type_t *object);

/* True when `t` declares (directly or through its interfaces) the interface `iface`. */
bool gql_type_implements (const gql_type_t *t, const gql_type_t *iface);

/* True when a value of type `sub` can be used where `super` is expected (spec
   IsSubType / variables-in-allowed-position, without the default-value rule): equal
   types, a non-null of a subtype, lists of subtypes, a possible type of an abstract type. */
bool gql_type_ref_is_subtype (gql_type_ref_t sub, gql_type_ref_t super);

/* Returns the directive use `name` among `dirs` (e.g. a field's custom directives), or
   NULL. */
const gql_directive_t *gql_directives_find (const gql_directive_t *const *dirs, size_t count, const char *name,
                                            size_t len);

#ifdef __cplusplus
}
#endif

#endif
