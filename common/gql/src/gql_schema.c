/*  gql_schema.c - a schema from SDL: build, check, look up (spec section 3).

    Building runs in passes over two documents, the built-ins (gql_builtins.c) and the
    user's SDL, both owned by the schema:
      1. collect the named types and directive definitions, refusing duplicates;
      2. attach extensions to their types;
      3. fill every type's members (fields, arguments, interfaces, union members, enum
         values, input fields) with resolved type references;
      4. derive possible types of interfaces, sorted lookup indexes, root types;
      5. check the rules a validator and executor rely on (implementations, directive uses,
         default values, input cycles).
    The first failure stops the build with a GQL_ERR_SCHEMA error naming the element.
*/
#include "gql_schema.h"
#include "gql_arena.h"
#include "gql_builtins.h"
#include "gql_parser.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define S_DEFAULT_DEPRECATION "No longer supported"

/* A gql_str_t of a string literal. */
#define S_LIT(lit) ((gql_str_t){ (lit), sizeof (lit) - 1 })

/* The AST definitions that make one type: its definition, then its extensions. */
typedef struct s_def_link {
    const gql_type_def_t *def;
    struct s_def_link *next;
} s_def_link_t;

struct gql_schema {
    gql_arena_t *arena;
    gql_document_t *builtins; /* the built-in SDL, parsed */
    gql_document_t *doc;      /* the user's SDL, parsed from `sdl` */
    char *sdl;                /* the schema's copy of the user's text */

    gql_type_t **types; /* user types in SDL order, then built-ins */
    size_t type_count;
    uint32_t *type_index; /* `types` sorted by name */

    gql_schema_directive_t **directives; /* built-ins, then the SDL's */
    size_t directive_count;
    uint32_t *directive_index;

    const gql_type_t *roots [3];
    gql_str_t description;
    const gql_directive_t **schema_directives;
    size_t schema_directive_count;

    gql_field_t meta_typename;
    gql_field_t meta_schema;
    gql_field_t meta_type;
    gql_input_value_t meta_type_arg;
    uint32_t meta_type_arg_index;
};

/* Build state. */
typedef struct {
    gql_schema_t *s;
    gql_error_t *err;
    s_def_link_t **defs; /* per type, parallel to s->types */
} s_build_t;

/* =======================================================================================
 *  Names and sorted indexes
 * ===================================================================================== */

/* The name of item i of an array; `base` is the array. */
typedef gql_str_t (*s_name_fn) (const void *base, size_t i);

static gql_str_t
s_type_name_at (const void *base, size_t i)
{
    return ((gql_type_t *const *) base) [i]->name;
}

static gql_str_t
s_directive_name_at (const void *base, size_t i)
{
    return ((gql_schema_directive_t *const *) base) [i]->name;
}

static gql_str_t
s_field_name_at (const void *base, size_t i)
{
    return ((const gql_field_t *) base) [i].name;
}

static gql_str_t
s_input_name_at (const void *base, size_t i)
{
    return ((const gql_input_value_t *) base) [i].name;
}

static gql_str_t
s_enum_name_at (const void *base, size_t i)
{
    return ((const gql_enum_value_t *) base) [i].name;
}

/* Sorts idx[lo, hi) by name (merge sort, stable, tmp has room for hi - lo). */
static void
s_merge_sort (uint32_t *idx, uint32_t *tmp, size_t lo, size_t hi, const void *base, s_name_fn name)
{
    if (hi - lo < 2)
        return;
    size_t mid = lo + (hi - lo) / 2;
    s_merge_sort (idx, tmp, lo, mid, base, name);
    s_merge_sort (idx, tmp, mid, hi, base, name);
    size_t i = lo, j = mid, k = 0;
    while (i < mid && j < hi) {
        if (gql_str_cmp (name (base, idx [j]), name (base, idx [i])) < 0)
            tmp [k++] = idx [j++];
        else
            tmp [k++] = idx [i++];
    }
    while (i < mid)
        tmp [k++] = idx [i++];
    while (j < hi)
        tmp [k++] = idx [j++];
    memcpy (idx + lo, tmp, k * sizeof *idx);
}

/* Returns a sorted index over n named items, or NULL (n == 0 or out of memory; *dup is
   set to the position of the later of two equal names, or SIZE_MAX). */
static uint32_t *
s_make_index (gql_arena_t *arena, const void *base, size_t n, s_name_fn name, size_t *dup, bool *nomem)
{
    *dup = SIZE_MAX;
    *nomem = false;
    if (n == 0)
        return NULL;
    uint32_t *idx = gql_arena_alloc (arena, n * sizeof *idx);
    uint32_t *tmp = malloc (n * sizeof *tmp);
    if (!idx || !tmp) {
        free (tmp);
        *nomem = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        idx [i] = (uint32_t) i;
    s_merge_sort (idx, tmp, 0, n, base, name);
    free (tmp);
    for (size_t i = 1; i < n; i++)
        if (gql_str_cmp (name (base, idx [i - 1]), name (base, idx [i])) == 0) {
            /* Stable sort: idx[i] is the later definition. */
            *dup = idx [i];
            break;
        }
    return idx;
}

/* Returns the position of `key` among n items via a sorted index, or -1. */
static long
s_find (const uint32_t *idx, size_t n, const void *base, s_name_fn name, gql_str_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gql_str_cmp (name (base, idx [mid]), key);
        if (c == 0)
            return (long) idx [mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool
s_reserved (gql_str_t name)
{
    return name.len >= 2 && name.data [0] == '_' && name.data [1] == '_';
}

/* =======================================================================================
 *  Errors
 * ===================================================================================== */

/* Fills the build error: GQL_ERR_SCHEMA at `loc` with a constant message and a formatted
   detail naming the element. Returns -1. */
static int
s_fail (s_build_t *b, gql_loc_t loc, const char *message, const char *fmt, ...)
{
    gql_error_t *err = b->err;
    err->code = GQL_ERR_SCHEMA;
    err->message = message;
    err->line = loc.line;
    err->column = loc.column;
    err->offset = loc.offset;
    err->detail [0] = '\0';
    if (fmt) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err->detail, sizeof err->detail, fmt, ap);
        va_end (ap);
    }
    return -1;
}

static int
s_nomem (s_build_t *b)
{
    gql_loc_t none = { 0, 0, 0 };
    s_fail (b, none, "out of memory", NULL);
    b->err->code = GQL_ERR_NOMEM;
    return -1;
}

/* Allocates n zeroed items of `size` from the schema arena (NULL with n == 0 is not an
   error: callers test n first). */
static void *
s_alloc (s_build_t *b, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    void *p = gql_arena_alloc (b->s->arena, n * size);
    if (!p)
        s_nomem (b);
    return p;
}

/* "%.*s" arguments for a gql_str_t. */
#define S_STR(s) (int) (s).len, (s).data

/* =======================================================================================
 *  Lookups (public)
 * ===================================================================================== */

const gql_type_t *
gql_schema_type (const gql_schema_t *s, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (s->type_index, s->type_count, s->types, s_type_name_at, key);
    return i < 0 ? NULL : s->types [i];
}

const gql_type_t *const *
gql_schema_types (const gql_schema_t *s, size_t *count)
{
    *count = s->type_count;
    return (const gql_type_t *const *) s->types;
}

const gql_type_t *
gql_schema_root (const gql_schema_t *s, gql_operation_type_t op)
{
    if ((unsigned) op > GQL_OP_SUBSCRIPTION)
        return NULL;
    return s->roots [op];
}

const gql_type_t *
gql_schema_query_type (const gql_schema_t *s)
{
    return s->roots [GQL_OP_QUERY];
}

const gql_type_t *
gql_schema_mutation_type (const gql_schema_t *s)
{
    return s->roots [GQL_OP_MUTATION];
}

const gql_type_t *
gql_schema_subscription_type (const gql_schema_t *s)
{
    return s->roots [GQL_OP_SUBSCRIPTION];
}

gql_str_t
gql_schema_description (const gql_schema_t *s)
{
    return s->description;
}

const gql_schema_directive_t *
gql_schema_directive (const gql_schema_t *s, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (s->directive_index, s->directive_count, s->directives, s_directive_name_at, key);
    return i < 0 ? NULL : s->directives [i];
}

const gql_schema_directive_t *const *
gql_schema_directives (const gql_schema_t *s, size_t *count)
{
    *count = s->directive_count;
    return (const gql_schema_directive_t *const *) s->directives;
}

const gql_field_t *
gql_type_field (const gql_type_t *t, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    if (s_reserved (key)) {
        const gql_schema_t *s = t->schema;
        if (gql_str_eq (key, "__typename") && gql_type_is_composite (t))
            return &s->meta_typename;
        if (t == s->roots [GQL_OP_QUERY]) {
            if (gql_str_eq (key, "__schema"))
                return &s->meta_schema;
            if (gql_str_eq (key, "__type"))
                return &s->meta_type;
        }
        return NULL;
    }
    long i = s_find (t->field_index_, t->field_count, t->fields, s_field_name_at, key);
    return i < 0 ? NULL : &t->fields [i];
}

const gql_input_value_t *
gql_field_arg (const gql_field_t *f, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (f->arg_index_, f->arg_count, f->args, s_input_name_at, key);
    return i < 0 ? NULL : &f->args [i];
}

const gql_input_value_t *
gql_directive_arg (const gql_schema_directive_t *d, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (d->arg_index_, d->arg_count, d->args, s_input_name_at, key);
    return i < 0 ? NULL : &d->args [i];
}

const gql_input_value_t *
gql_type_input_field (const gql_type_t *t, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (t->input_index_, t->input_field_count, t->input_fields, s_input_name_at, key);
    return i < 0 ? NULL : &t->input_fields [i];
}

const gql_enum_value_t *
gql_type_enum_value (const gql_type_t *t, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    long i = s_find (t->enum_index_, t->enum_value_count, t->enum_values, s_enum_name_at, key);
    return i < 0 ? NULL : &t->enum_values [i];
}

int
gql_schema_resolve_type_node (const gql_schema_t *s, const gql_type_node_t *node, gql_type_ref_t *out)
{
    /* Wrappers outermost first, then applied innermost first. */
    gql_ref_kind_t wraps [GQL_TYPE_REF_MAX_WRAP];
    uint32_t n = 0;
    while (node && node->kind != GQL_TYPE_NODE_NAMED) {
        if (n == GQL_TYPE_REF_MAX_WRAP)
            return -1;
        wraps [n++] = node->kind == GQL_TYPE_NODE_LIST ? GQL_REF_LIST : GQL_REF_NON_NULL;
        node = node->of_type;
    }
    if (!node)
        return -1;
    const gql_type_t *t = gql_schema_type (s, node->name.data, node->name.len);
    if (!t)
        return -1;
    gql_type_ref_t r = gql_type_ref_make (t);
    while (n > 0)
        if (gql_type_ref_wrap (&r, wraps [--n]) < 0)
            return -1;
    *out = r;
    return 0;
}

/* =======================================================================================
 *  Predicates (public)
 * ===================================================================================== */

const char *
gql_type_kind_name (gql_type_kind_t kind)
{
    switch (kind) {
        case GQL_KIND_SCALAR: return "SCALAR";
        case GQL_KIND_OBJECT: return "OBJECT";
        case GQL_KIND_INTERFACE: return "INTERFACE";
        case GQL_KIND_UNION: return "UNION";
        case GQL_KIND_ENUM: return "ENUM";
        case GQL_KIND_INPUT_OBJECT: return "INPUT_OBJECT";
    }
    return "UNKNOWN";
}

bool
gql_type_is_input (const gql_type_t *t)
{
    return t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT_OBJECT;
}

bool
gql_type_is_output (const gql_type_t *t)
{
    return t->kind != GQL_KIND_INPUT_OBJECT;
}

bool
gql_type_is_leaf (const gql_type_t *t)
{
    return t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM;
}

bool
gql_type_is_composite (const gql_type_t *t)
{
    return t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}

bool
gql_type_is_abstract (const gql_type_t *t)
{
    return t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}

bool
gql_type_is_possible (const gql_type_t *abstract, const gql_type_t *object)
{
    if (abstract == object)
        return true;
    for (size_t i = 0; i < abstract->possible_type_count; i++)
        if (abstract->possible_types [i] == object)
            return true;
    return false;
}

bool
gql_type_implements (const gql_type_t *t, const gql_type_t *iface)
{
    /* The schema check guarantees a type declares its interfaces' interfaces too. */
    for (size_t i = 0; i < t->interface_count; i++)
        if (t->interfaces [i] == iface)
            return true;
    return false;
}

bool
gql_type_ref_is_subtype (gql_type_ref_t sub, gql_type_ref_t super)
{
    for (;;) {
        if (gql_type_ref_is_non_null (super)) {
            if (!gql_type_ref_is_non_null (sub))
                return false;
            sub = gql_type_ref_of (sub);
            super = gql_type_ref_of (super);
            continue;
        }
        if (gql_type_ref_is_non_null (sub)) {
            sub = gql_type_ref_of (sub);
            continue;
        }
        if (gql_type_ref_kind (super) == GQL_REF_LIST) {
            if (gql_type_ref_kind (sub) != GQL_REF_LIST)
                return false;
            sub = gql_type_ref_of (sub);
            super = gql_type_ref_of (super);
            continue;
        }
        if (gql_type_ref_kind (sub) == GQL_REF_LIST)
            return false;
        if (sub.named == super.named)
            return true;
        if (super.named->kind == GQL_KIND_UNION)
            return sub.named->kind == GQL_KIND_OBJECT && gql_type_is_possible (super.named, sub.named);
        if (super.named->kind == GQL_KIND_INTERFACE)
            return (sub.named->kind == GQL_KIND_OBJECT || sub.named->kind == GQL_KIND_INTERFACE)
                   && gql_type_implements (sub.named, super.named);
        return false;
    }
}

const gql_directive_t *
gql_directives_find (const gql_directive_t *const *dirs, size_t count, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    for (size_t i = 0; i < count; i++)
        if (gql_str_equal (dirs [i]->name, key))
            return dirs [i];
    return NULL;
}

/* =======================================================================================
 *  Pass 1: named types and directive definitions
 * ===================================================================================== */

/* Counts the type definitions (not extensions) of a document. */
static size_t
s_count_type_defs (const gql_document_t *doc)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->definition_count; i++)
        n += doc->definitions [i]->kind == GQL_DEF_TYPE && !doc->definitions [i]->type->extend;
    return n;
}

static gql_type_kind_t
s_kind_of (gql_type_def_kind_t k)
{
    switch (k) {
        case GQL_TYPE_DEF_SCALAR: return GQL_KIND_SCALAR;
        case GQL_TYPE_DEF_OBJECT: return GQL_KIND_OBJECT;
        case GQL_TYPE_DEF_INTERFACE: return GQL_KIND_INTERFACE;
        case GQL_TYPE_DEF_UNION: return GQL_KIND_UNION;
        case GQL_TYPE_DEF_ENUM: return GQL_KIND_ENUM;
        case GQL_TYPE_DEF_INPUT_OBJECT: return GQL_KIND_INPUT_OBJECT;
    }
    return GQL_KIND_SCALAR;
}

/* Adds the type definitions of `doc` to s->types. Returns 0 or -1. */
static int
s_add_types (s_build_t *b, const gql_document_t *doc, bool builtin)
{
    gql_schema_t *s = b->s;
    for (size_t i = 0; i < doc->definition_count; i++) {
        const gql_definition_t *d = doc->definitions [i];
        if (d->kind != GQL_DEF_TYPE || d->type->extend)
            continue;
        const gql_type_def_t *def = d->type;
        if (!builtin && s_reserved (def->name))
            return s_fail (b, def->name_loc, "names starting with \"__\" are reserved", "%.*s", S_STR (def->name));
        gql_type_t *t = s_alloc (b, 1, sizeof *t);
        s_def_link_t *link = s_alloc (b, 1, sizeof *link);
        if (!t || !link)
            return -1;
        t->kind = s_kind_of (def->kind);
        t->name = def->name;
        t->description = def->description;
        t->builtin = builtin;
        t->schema = s;
        t->loc = def->loc;
        t->index = (uint32_t) s->type_count;
        link->def = def;
        b->defs [s->type_count] = link;
        s->types [s->type_count++] = t;
    }
    return 0;
}

/* Adds the directive definitions of `doc`. Returns 0 or -1. */
static int
s_add_directives (s_build_t *b, const gql_document_t *doc, bool builtin)
{
    gql_schema_t *s = b->s;
    for (size_t i = 0; i < doc->definition_count; i++) {
        const gql_definition_t *d = doc->definitions [i];
        if (d->kind != GQL_DEF_DIRECTIVE)
            continue;
        const gql_directive_def_t *def = d->directive;
        if (!builtin && s_reserved (def->name))
            return s_fail (b, def->loc, "names starting with \"__\" are reserved", "@%.*s", S_STR (def->name));
        gql_schema_directive_t *sd = s_alloc (b, 1, sizeof *sd);
        if (!sd)
            return -1;
        sd->name = def->name;
        sd->description = def->description;
        sd->locations = def->locations;
        sd->repeatable = def->repeatable;
        sd->builtin = builtin;
        sd->loc = def->loc;
        s->directives [s->directive_count++] = sd;
    }
    return 0;
}

/* Pass 1. Returns 0 or -1. */
static int
s_collect (s_build_t *b)
{
    gql_schema_t *s = b->s;
    size_t n = s_count_type_defs (s->doc) + s_count_type_defs (s->builtins);
    s->types = s_alloc (b, n, sizeof *s->types);
    b->defs = calloc (n, sizeof *b->defs);
    if (!s->types || !b->defs)
        return s_nomem (b);
    if (s_add_types (b, s->doc, false) < 0 || s_add_types (b, s->builtins, true) < 0)
        return -1;

    size_t dup;
    bool nomem;
    s->type_index = s_make_index (s->arena, s->types, s->type_count, s_type_name_at, &dup, &nomem);
    if (nomem)
        return s_nomem (b);
    if (dup != SIZE_MAX) {
        /* Blame the user's definition, never the built-in one. */
        const gql_type_t *t = s->types [dup];
        if (t->builtin) {
            for (size_t i = 0; i < s->type_count; i++)
                if (!s->types [i]->builtin && gql_str_equal (s->types [i]->name, t->name)) {
                    t = s->types [i];
                    break;
                }
            return s_fail (b, t->loc, "built-in type redefined", "%.*s", S_STR (t->name));
        }
        return s_fail (b, t->loc, "type defined more than once", "%.*s", S_STR (t->name));
    }

    size_t nd = 0;
    for (int pass = 0; pass < 2; pass++) {
        const gql_document_t *doc = pass ? s->doc : s->builtins;
        for (size_t i = 0; i < doc->definition_count; i++)
            nd += doc->definitions [i]->kind == GQL_DEF_DIRECTIVE;
    }
    s->directives = s_alloc (b, nd, sizeof *s->directives);
    if (nd && !s->directives)
        return -1;
    if (s_add_directives (b, s->builtins, true) < 0 || s_add_directives (b, s->doc, false) < 0)
        return -1;
    s->directive_index = s_make_index (s->arena, s->directives, s->directive_count, s_directive_name_at, &dup, &nomem);
    if (nomem)
        return s_nomem (b);
    if (dup != SIZE_MAX) {
        const gql_schema_directive_t *d = s->directives [dup];
        return s_fail (b, d->loc, "directive defined more than once", "@%.*s", S_STR (d->name));
    }
    return 0;
}

/* =======================================================================================
 *  Pass 2: extensions
 * ===================================================================================== */

/* Attaches every `extend` type definition of the SDL to its type. Returns 0 or -1. */
static int
s_attach_extensions (s_build_t *b)
{
    gql_schema_t *s = b->s;
    for (size_t i = 0; i < s->doc->definition_count; i++) {
        const gql_definition_t *d = s->doc->definitions [i];
        if (d->kind != GQL_DEF_TYPE || !d->type->extend)
            continue;
        const gql_type_def_t *ext = d->type;
        const gql_type_t *t = gql_schema_type (s, ext->name.data, ext->name.len);
        if (!t)
            return s_fail (b, ext->name_loc, "extension of an unknown type", "%.*s", S_STR (ext->name));
        if (t->builtin)
            return s_fail (b, ext->name_loc, "built-in types cannot be extended", "%.*s", S_STR (ext->name));
        if (t->kind != s_kind_of (ext->kind))
            return s_fail (b, ext->loc, "extension of a type of another kind", "%.*s", S_STR (ext->name));
        s_def_link_t *link = s_alloc (b, 1, sizeof *link), **tail = &b->defs [t->index];
        if (!link)
            return -1;
        link->def = ext;
        while (*tail)
            tail = &(*tail)->next;
        *tail = link;
    }
    return 0;
}

/* =======================================================================================
 *  Pass 3: members
 * ===================================================================================== */

/* Resolves an AST type reference inside the SDL; `what` names the element for errors.
   Returns 0 or -1. */
static int
s_resolve (s_build_t *b, const gql_type_node_t *node, gql_type_ref_t *out, const char *what)
{
    if (gql_schema_resolve_type_node (b->s, node, out) == 0)
        return 0;
    const gql_type_node_t *named = node;
    while (named->kind != GQL_TYPE_NODE_NAMED)
        named = named->of_type;
    return s_fail (b, named->loc, "unknown type", "%s: %.*s", what, S_STR (named->name));
}

/* Reads @deprecated from a directive list. */
static void
s_deprecation (gql_directive_t *const *dirs, size_t n, bool *deprecated, gql_str_t *reason)
{
    const gql_directive_t *d = gql_directives_find ((const gql_directive_t *const *) dirs, n, "deprecated", 10);
    *deprecated = d != NULL;
    reason->data = NULL;
    reason->len = 0;
    if (!d)
        return;
    reason->data = S_DEFAULT_DEPRECATION;
    reason->len = sizeof S_DEFAULT_DEPRECATION - 1;
    for (size_t i = 0; i < d->argument_count; i++)
        if (gql_str_eq (d->arguments [i]->name, "reason") && d->arguments [i]->value->kind == GQL_VALUE_STRING)
            *reason = d->arguments [i]->value->str;
}

/* Fills input values (arguments or input fields) from their definitions; checks names,
   input types, duplicates. `owner` names the parent for errors. Returns 0 or -1. */
static int
s_fill_input_values (s_build_t *b, gql_input_value_def_t *const *defs, size_t n, gql_input_value_t *out,
                     const uint32_t **index, const char *owner)
{
    for (size_t i = 0; i < n; i++) {
        const gql_input_value_def_t *d = defs [i];
        gql_input_value_t *iv = &out [i];
        char what [160];
        snprintf (what, sizeof what, "%s.%.*s", owner, S_STR (d->name));
        iv->name = d->name;
        iv->description = d->description;
        iv->default_value = d->default_value;
        iv->directives = (const gql_directive_t *const *) d->directives;
        iv->directive_count = d->directive_count;
        iv->loc = d->loc;
        iv->index = (uint32_t) i;
        s_deprecation (d->directives, d->directive_count, &iv->deprecated, &iv->deprecation_reason);
        if (s_resolve (b, d->type, &iv->type, what) < 0)
            return -1;
        if (!gql_type_is_input (iv->type.named))
            return s_fail (b, d->type->loc, "argument or input field of a non-input type", "%s: %.*s", what,
                           S_STR (iv->type.named->name));
        if (iv->deprecated && gql_type_ref_is_non_null (iv->type) && !iv->default_value)
            return s_fail (b, d->loc, "required argument or input field cannot be deprecated", "%s", what);
    }
    size_t dup;
    bool nomem;
    *index = s_make_index (b->s->arena, out, n, s_input_name_at, &dup, &nomem);
    if (nomem)
        return s_nomem (b);
    if (dup != SIZE_MAX)
        return s_fail (b, out [dup].loc, "argument or input field defined more than once", "%s.%.*s", owner,
                       S_STR (out [dup].name));
    return 0;
}

/* Checks that no name among n input value definitions starts with "__". */
static int
s_check_reserved_inputs (s_build_t *b, gql_input_value_def_t *const *defs, size_t n, const char *owner)
{
    for (size_t i = 0; i < n; i++)
        if (s_reserved (defs [i]->name))
            return s_fail (b, defs [i]->loc, "names starting with \"__\" are reserved", "%s.%.*s", owner,
                           S_STR (defs [i]->name));
    return 0;
}

/* Concatenates the directive uses of all definitions of a type. */
static int
s_fill_type_directives (s_build_t *b, gql_type_t *t)
{
    size_t n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        n += l->def->directive_count;
    if (n == 0)
        return 0;
    const gql_directive_t **dirs = s_alloc (b, n, sizeof *dirs);
    if (!dirs)
        return -1;
    n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        for (size_t i = 0; i < l->def->directive_count; i++)
            dirs [n++] = l->def->directives [i];
    t->directives = dirs;
    t->directive_count = n;
    return 0;
}

/* Fields of an object or interface type. */
static int
s_fill_fields (s_build_t *b, gql_type_t *t)
{
    size_t n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        n += l->def->field_count;
    if (n == 0)
        return s_fail (b, t->loc, "object and interface types need at least one field", "%.*s", S_STR (t->name));
    gql_field_t *fields = s_alloc (b, n, sizeof *fields);
    if (!fields)
        return -1;
    n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next) {
        for (size_t i = 0; i < l->def->field_count; i++) {
            const gql_field_def_t *d = l->def->fields [i];
            gql_field_t *f = &fields [n];
            char what [160];
            snprintf (what, sizeof what, "%.*s.%.*s", S_STR (t->name), S_STR (d->name));
            if (!t->builtin) {
                if (s_reserved (d->name))
                    return s_fail (b, d->loc, "names starting with \"__\" are reserved", "%s", what);
                if (s_check_reserved_inputs (b, d->arguments, d->argument_count, what) < 0)
                    return -1;
            }
            f->name = d->name;
            f->description = d->description;
            f->directives = (const gql_directive_t *const *) d->directives;
            f->directive_count = d->directive_count;
            f->parent = t;
            f->loc = d->loc;
            f->index = (uint32_t) n;
            s_deprecation (d->directives, d->directive_count, &f->deprecated, &f->deprecation_reason);
            if (s_resolve (b, d->type, &f->type, what) < 0)
                return -1;
            if (!gql_type_is_output (f->type.named))
                return s_fail (b, d->type->loc, "field of a non-output type", "%s: %.*s", what,
                               S_STR (f->type.named->name));
            f->arg_count = d->argument_count;
            if (f->arg_count) {
                gql_input_value_t *args = s_alloc (b, f->arg_count, sizeof *args);
                if (!args)
                    return -1;
                f->args = args;
                if (s_fill_input_values (b, d->arguments, d->argument_count, args, &f->arg_index_, what) < 0)
                    return -1;
            }
            n++;
        }
    }
    t->fields = fields;
    t->field_count = n;
    size_t dup;
    bool nomem;
    t->field_index_ = s_make_index (b->s->arena, fields, n, s_field_name_at, &dup, &nomem);
    if (nomem)
        return s_nomem (b);
    if (dup != SIZE_MAX)
        return s_fail (b, fields [dup].loc, "field defined more than once", "%.*s.%.*s", S_STR (t->name),
                       S_STR (fields [dup].name));
    return 0;
}

/* Declared interfaces (OBJECT, INTERFACE) or union members (UNION): a list of named types
   of `want` kind, without duplicates. */
static int
s_fill_named_list (s_build_t *b, gql_type_t *t, bool members)
{
    size_t n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        n += members ? l->def->member_count : l->def->interface_count;
    if (members && n == 0)
        return s_fail (b, t->loc, "union types need at least one member", "%.*s", S_STR (t->name));
    if (n == 0)
        return 0;
    const gql_type_t **list = s_alloc (b, n, sizeof *list);
    if (!list)
        return -1;
    n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next) {
        size_t count = members ? l->def->member_count : l->def->interface_count;
        gql_name_t *const *names = members ? l->def->members : l->def->interfaces;
        for (size_t i = 0; i < count; i++) {
            const gql_name_t *nm = names [i];
            const gql_type_t *u = gql_schema_type (b->s, nm->value.data, nm->value.len);
            if (!u)
                return s_fail (b, nm->loc, "unknown type", "%.*s: %.*s", S_STR (t->name), S_STR (nm->value));
            if (members && u->kind != GQL_KIND_OBJECT)
                return s_fail (b, nm->loc, "union members must be object types", "%.*s: %.*s", S_STR (t->name),
                               S_STR (nm->value));
            if (!members && u->kind != GQL_KIND_INTERFACE)
                return s_fail (b, nm->loc, "only interfaces can be implemented", "%.*s: %.*s", S_STR (t->name),
                               S_STR (nm->value));
            if (u == t)
                return s_fail (b, nm->loc, "an interface cannot implement itself", "%.*s", S_STR (t->name));
            for (size_t j = 0; j < n; j++)
                if (list [j] == u)
                    return s_fail (b, nm->loc,
                                   members ? "union member listed more than once" : "interface listed more than once",
                                   "%.*s: %.*s", S_STR (t->name), S_STR (nm->value));
            list [n++] = u;
        }
    }
    if (members) {
        t->possible_types = list;
        t->possible_type_count = n;
    }
    else {
        t->interfaces = list;
        t->interface_count = n;
    }
    return 0;
}

/* Values of an enum type. */
static int
s_fill_enum_values (s_build_t *b, gql_type_t *t)
{
    size_t n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        n += l->def->value_count;
    if (n == 0)
        return s_fail (b, t->loc, "enum types need at least one value", "%.*s", S_STR (t->name));
    gql_enum_value_t *values = s_alloc (b, n, sizeof *values);
    if (!values)
        return -1;
    n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next) {
        for (size_t i = 0; i < l->def->value_count; i++) {
            const gql_enum_value_def_t *d = l->def->values [i];
            gql_enum_value_t *v = &values [n];
            if (!t->builtin && s_reserved (d->name))
                return s_fail (b, d->loc, "names starting with \"__\" are reserved", "%.*s.%.*s", S_STR (t->name),
                               S_STR (d->name));
            v->name = d->name;
            v->description = d->description;
            v->directives = (const gql_directive_t *const *) d->directives;
            v->directive_count = d->directive_count;
            v->parent = t;
            v->loc = d->loc;
            v->index = (uint32_t) n;
            s_deprecation (d->directives, d->directive_count, &v->deprecated, &v->deprecation_reason);
            n++;
        }
    }
    t->enum_values = values;
    t->enum_value_count = n;
    size_t dup;
    bool nomem;
    t->enum_index_ = s_make_index (b->s->arena, values, n, s_enum_name_at, &dup, &nomem);
    if (nomem)
        return s_nomem (b);
    if (dup != SIZE_MAX)
        return s_fail (b, values [dup].loc, "enum value defined more than once", "%.*s.%.*s", S_STR (t->name),
                       S_STR (values [dup].name));
    return 0;
}

/* Fields of an input object type. */
static int
s_fill_input_fields (s_build_t *b, gql_type_t *t)
{
    size_t n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        n += l->def->input_field_count;
    if (n == 0)
        return s_fail (b, t->loc, "input object types need at least one field", "%.*s", S_STR (t->name));
    /* Gather the definitions of every part in order, then fill them in one go. */
    gql_input_value_def_t **defs = malloc (n * sizeof *defs);
    gql_input_value_t *fields = s_alloc (b, n, sizeof *fields);
    if (!defs || !fields) {
        free (defs);
        return s_nomem (b);
    }
    n = 0;
    for (s_def_link_t *l = b->defs [t->index]; l; l = l->next)
        for (size_t i = 0; i < l->def->input_field_count; i++)
            defs [n++] = l->def->input_fields [i];
    char owner [96];
    snprintf (owner, sizeof owner, "%.*s", S_STR (t->name));
    int rc = 0;
    if (!t->builtin)
        rc = s_check_reserved_inputs (b, defs, n, owner);
    if (rc == 0)
        rc = s_fill_input_values (b, defs, n, fields, &t->input_index_, owner);
    free (defs);
    t->input_fields = fields;
    t->input_field_count = n;
    return rc;
}

/* Reads the url of @specifiedBy on a scalar. */
static void
s_specified_by (gql_type_t *t)
{
    const gql_directive_t *d = gql_directives_find (t->directives, t->directive_count, "specifiedBy", 11);
    if (!d)
        return;
    for (size_t i = 0; i < d->argument_count; i++)
        if (gql_str_eq (d->arguments [i]->name, "url") && d->arguments [i]->value->kind == GQL_VALUE_STRING)
            t->specified_by_url = d->arguments [i]->value->str;
}

/* Reads @oneOf on an input object. As in graphql-js 16.9, only the definition counts:
   `extend input X @oneOf` does not make X a oneOf input object. */
static void
s_one_of (s_build_t *b, gql_type_t *t)
{
    const gql_type_def_t *def = b->defs [t->index]->def;
    t->one_of = gql_directives_find ((const gql_directive_t *const *) def->directives, def->directive_count, "oneOf", 5)
                != NULL;
}

/* Pass 3 for one type. */
static int
s_fill_type (s_build_t *b, gql_type_t *t)
{
    if (s_fill_type_directives (b, t) < 0)
        return -1;
    switch (t->kind) {
        case GQL_KIND_SCALAR: s_specified_by (t); return 0;
        case GQL_KIND_OBJECT:
        case GQL_KIND_INTERFACE:
            if (s_fill_named_list (b, t, false) < 0)
                return -1;
            return s_fill_fields (b, t);
        case GQL_KIND_UNION: return s_fill_named_list (b, t, true);
        case GQL_KIND_ENUM: return s_fill_enum_values (b, t);
        case GQL_KIND_INPUT_OBJECT: s_one_of (b, t); return s_fill_input_fields (b, t);
    }
    return 0;
}

/* Arguments of the directive definitions. */
static int
s_fill_directive_args (s_build_t *b)
{
    gql_schema_t *s = b->s;
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        const gql_document_t *doc = pass ? s->doc : s->builtins;
        for (size_t i = 0; i < doc->definition_count; i++) {
            const gql_definition_t *d = doc->definitions [i];
            if (d->kind != GQL_DEF_DIRECTIVE)
                continue;
            gql_schema_directive_t *sd = s->directives [k++];
            const gql_directive_def_t *def = d->directive;
            char what [96];
            snprintf (what, sizeof what, "@%.*s", S_STR (def->name));
            if (pass && s_check_reserved_inputs (b, def->arguments, def->argument_count, what) < 0)
                return -1;
            sd->arg_count = def->argument_count;
            if (sd->arg_count) {
                gql_input_value_t *args = s_alloc (b, sd->arg_count, sizeof *args);
                if (!args)
                    return -1;
                sd->args = args;
                if (s_fill_input_values (b, def->arguments, def->argument_count, args, &sd->arg_index_, what) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* =======================================================================================
 *  Pass 4: possible types, roots, meta fields
 * ===================================================================================== */

/* The object types implementing each interface, in SDL order. */
static int
s_fill_possible_types (s_build_t *b)
{
    gql_schema_t *s = b->s;
    size_t *counts = calloc (s->type_count, sizeof *counts);
    if (!counts)
        return s_nomem (b);
    for (size_t i = 0; i < s->type_count; i++)
        if (s->types [i]->kind == GQL_KIND_OBJECT)
            for (size_t j = 0; j < s->types [i]->interface_count; j++)
                counts [s->types [i]->interfaces [j]->index]++;
    for (size_t i = 0; i < s->type_count; i++) {
        gql_type_t *t = s->types [i];
        if (t->kind != GQL_KIND_INTERFACE || counts [i] == 0)
            continue;
        t->possible_types = s_alloc (b, counts [i], sizeof *t->possible_types);
        if (!t->possible_types) {
            free (counts);
            return -1;
        }
    }
    free (counts);
    for (size_t i = 0; i < s->type_count; i++) {
        const gql_type_t *o = s->types [i];
        if (o->kind != GQL_KIND_OBJECT)
            continue;
        for (size_t j = 0; j < o->interface_count; j++) {
            gql_type_t *iface = s->types [o->interfaces [j]->index];
            ((const gql_type_t **) iface->possible_types) [iface->possible_type_count++] = o;
        }
    }
    return 0;
}

/* The root operation types: from `schema { }` (and its extensions) or the default names. */
static int
s_fill_roots (s_build_t *b)
{
    gql_schema_t *s = b->s;
    const gql_schema_def_t *def = NULL;
    size_t ndirs = 0;
    for (size_t i = 0; i < s->doc->definition_count; i++) {
        const gql_definition_t *d = s->doc->definitions [i];
        if (d->kind != GQL_DEF_SCHEMA)
            continue;
        if (!d->schema->extend) {
            if (def)
                return s_fail (b, d->loc, "schema defined more than once", NULL);
            def = d->schema;
            s->description = def->description;
        }
        ndirs += d->schema->directive_count;
    }
    bool any_schema = false;
    for (size_t i = 0; i < s->doc->definition_count; i++) {
        const gql_definition_t *d = s->doc->definitions [i];
        if (d->kind != GQL_DEF_SCHEMA)
            continue;
        if (d->schema->extend && !def)
            return s_fail (b, d->loc, "schema extension without a schema definition", NULL);
        any_schema = true;
        for (size_t j = 0; j < d->schema->operation_count; j++) {
            const gql_root_op_def_t *r = d->schema->operations [j];
            const gql_type_t *t = gql_schema_type (s, r->type.value.data, r->type.value.len);
            if (!t)
                return s_fail (b, r->type.loc, "unknown type", "schema: %.*s", S_STR (r->type.value));
            if (t->kind != GQL_KIND_OBJECT)
                return s_fail (b, r->type.loc, "root operation types must be object types", "schema: %.*s",
                               S_STR (r->type.value));
            if (s->roots [r->operation])
                return s_fail (b, r->loc, "root operation type defined more than once", "schema: %.*s",
                               S_STR (r->type.value));
            s->roots [r->operation] = t;
        }
    }
    if (ndirs) {
        s->schema_directives = s_alloc (b, ndirs, sizeof *s->schema_directives);
        if (!s->schema_directives)
            return -1;
        for (size_t i = 0; i < s->doc->definition_count; i++) {
            const gql_definition_t *d = s->doc->definitions [i];
            if (d->kind == GQL_DEF_SCHEMA)
                for (size_t j = 0; j < d->schema->directive_count; j++)
                    s->schema_directives [s->schema_directive_count++] = d->schema->directives [j];
        }
    }
    if (!any_schema) {
        static const char *const names [3] = { "Query", "Mutation", "Subscription" };
        for (int op = 0; op < 3; op++) {
            const gql_type_t *t = gql_schema_type (s, names [op], strlen (names [op]));
            if (t && t->kind == GQL_KIND_OBJECT)
                s->roots [op] = t;
        }
    }
    if (!s->roots [GQL_OP_QUERY]) {
        gql_loc_t top = { 1, 1, 0 };
        return s_fail (b, top, "schema has no query root type", NULL);
    }
    return 0;
}

/* The meta fields __typename, __schema and __type(name: String!). */
static void
s_fill_meta (gql_schema_t *s)
{
    const gql_type_t *string = gql_schema_type (s, "String", 6);
    const gql_type_t *schema = gql_schema_type (s, "__Schema", 8);
    const gql_type_t *type = gql_schema_type (s, "__Type", 6);
    assert (string && schema && type);

    gql_field_t *f = &s->meta_typename;
    f->name = S_LIT ("__typename");
    f->description = S_LIT ("The name of the current Object type at runtime.");
    f->type = gql_type_ref_make (string);
    gql_type_ref_wrap (&f->type, GQL_REF_NON_NULL);
    f->meta = GQL_META_TYPENAME;

    f = &s->meta_schema;
    f->name = S_LIT ("__schema");
    f->description = S_LIT ("Access the current type schema of this server.");
    f->type = gql_type_ref_make (schema);
    gql_type_ref_wrap (&f->type, GQL_REF_NON_NULL);
    f->meta = GQL_META_SCHEMA;

    gql_input_value_t *arg = &s->meta_type_arg;
    arg->name = S_LIT ("name");
    arg->type = gql_type_ref_make (string);
    gql_type_ref_wrap (&arg->type, GQL_REF_NON_NULL);
    s->meta_type_arg_index = 0;

    f = &s->meta_type;
    f->name = S_LIT ("__type");
    f->description = S_LIT ("Request the type information of a single type.");
    f->type = gql_type_ref_make (type);
    f->args = arg;
    f->arg_count = 1;
    f->arg_index_ = &s->meta_type_arg_index;
    f->meta = GQL_META_TYPE;
}

/* =======================================================================================
 *  Pass 5: checks
 * ===================================================================================== */

/* True when a constant literal can be coerced to `type` (spec 3.x input coercion of
   literals): null only for nullable types, a single item for a list, Int in 32 bits,
   known enum values, known input fields with the required ones present. */
static bool
s_literal_fits (const gql_value_t *v, gql_type_ref_t type)
{
    if (v->kind == GQL_VALUE_VARIABLE)
        return false;
    if (gql_type_ref_is_non_null (type)) {
        if (v->kind == GQL_VALUE_NULL)
            return false;
        type = gql_type_ref_of (type);
    }
    if (v->kind == GQL_VALUE_NULL)
        return true;
    if (gql_type_ref_kind (type) == GQL_REF_LIST) {
        gql_type_ref_t item = gql_type_ref_of (type);
        if (v->kind != GQL_VALUE_LIST)
            return s_literal_fits (v, item);
        for (size_t i = 0; i < v->item_count; i++)
            if (!s_literal_fits (v->items [i], item))
                return false;
        return true;
    }
    const gql_type_t *t = type.named;
    switch (t->kind) {
        case GQL_KIND_SCALAR:
            if (gql_str_eq (t->name, "Int")) {
                if (v->kind != GQL_VALUE_INT)
                    return false;
                char buf [16];
                if (v->str.len >= sizeof buf)
                    return false;
                memcpy (buf, v->str.data, v->str.len);
                buf [v->str.len] = '\0';
                errno = 0;
                long long n = strtoll (buf, NULL, 10);
                return errno == 0 && n >= INT32_MIN && n <= INT32_MAX;
            }
            if (gql_str_eq (t->name, "Float"))
                return v->kind == GQL_VALUE_INT || v->kind == GQL_VALUE_FLOAT;
            if (gql_str_eq (t->name, "String"))
                return v->kind == GQL_VALUE_STRING;
            if (gql_str_eq (t->name, "Boolean"))
                return v->kind == GQL_VALUE_BOOLEAN;
            if (gql_str_eq (t->name, "ID"))
                return v->kind == GQL_VALUE_STRING || v->kind == GQL_VALUE_INT;
            return true; /* custom scalars: the executor's coercion decides */
        case GQL_KIND_ENUM:
            return v->kind == GQL_VALUE_ENUM && gql_type_enum_value (t, v->str.data, v->str.len) != NULL;
        case GQL_KIND_INPUT_OBJECT:
            if (v->kind != GQL_VALUE_OBJECT)
                return false;
            for (size_t i = 0; i < v->field_count; i++) {
                const gql_argument_t *of = v->fields [i];
                const gql_input_value_t *f = gql_type_input_field (t, of->name.data, of->name.len);
                if (!f || !s_literal_fits (of->value, f->type))
                    return false;
                for (size_t j = 0; j < i; j++)
                    if (gql_str_equal (v->fields [j]->name, of->name))
                        return false;
            }
            for (size_t i = 0; i < t->input_field_count; i++) {
                const gql_input_value_t *f = &t->input_fields [i];
                if (!gql_type_ref_is_non_null (f->type) || f->default_value)
                    continue;
                bool found = false;
                for (size_t j = 0; j < v->field_count && !found; j++)
                    found = gql_str_equal (v->fields [j]->name, f->name);
                if (!found)
                    return false;
            }
            return true;
        default: return false;
    }
}

/* Checks the uses of directives on one schema element at `location`. */
static int
s_check_directive_uses (s_build_t *b, const gql_directive_t *const *dirs, size_t n, gql_directive_location_t location,
                        const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const gql_directive_t *use = dirs [i];
        const gql_schema_directive_t *d = gql_schema_directive (b->s, use->name.data, use->name.len);
        if (!d)
            return s_fail (b, use->loc, "unknown directive", "%s: @%.*s", what, S_STR (use->name));
        if (!(d->locations & GQL_DIRLOC_BIT (location)))
            return s_fail (b, use->loc, "directive not allowed in this location", "%s: @%.*s", what, S_STR (use->name));
        if (!d->repeatable)
            for (size_t j = 0; j < i; j++)
                if (gql_str_equal (dirs [j]->name, use->name))
                    return s_fail (b, use->loc, "directive is not repeatable", "%s: @%.*s", what, S_STR (use->name));
        for (size_t j = 0; j < use->argument_count; j++) {
            const gql_argument_t *a = use->arguments [j];
            const gql_input_value_t *def = gql_directive_arg (d, a->name.data, a->name.len);
            if (!def)
                return s_fail (b, a->loc, "unknown argument", "%s: @%.*s(%.*s:)", what, S_STR (use->name),
                               S_STR (a->name));
            for (size_t k = 0; k < j; k++)
                if (gql_str_equal (use->arguments [k]->name, a->name))
                    return s_fail (b, a->loc, "argument given more than once", "%s: @%.*s(%.*s:)", what,
                                   S_STR (use->name), S_STR (a->name));
            if (!s_literal_fits (a->value, def->type))
                return s_fail (b, a->value->loc, "argument value of the wrong type", "%s: @%.*s(%.*s:)", what,
                               S_STR (use->name), S_STR (a->name));
        }
        for (size_t k = 0; k < d->arg_count; k++) {
            const gql_input_value_t *def = &d->args [k];
            if (!gql_type_ref_is_non_null (def->type) || def->default_value)
                continue;
            bool found = false;
            for (size_t j = 0; j < use->argument_count && !found; j++)
                found = gql_str_equal (use->arguments [j]->name, def->name);
            if (!found)
                return s_fail (b, use->loc, "missing required argument", "%s: @%.*s(%.*s:)", what, S_STR (use->name),
                               S_STR (def->name));
        }
    }
    return 0;
}

/* Checks directive uses and default values of input values. */
static int
s_check_inputs (s_build_t *b, const gql_input_value_t *ivs, size_t n, gql_directive_location_t location,
                const char *owner)
{
    for (size_t i = 0; i < n; i++) {
        const gql_input_value_t *iv = &ivs [i];
        char what [192];
        snprintf (what, sizeof what, "%s.%.*s", owner, S_STR (iv->name));
        if (s_check_directive_uses (b, iv->directives, iv->directive_count, location, what) < 0)
            return -1;
        if (iv->default_value && !s_literal_fits (iv->default_value, iv->type))
            return s_fail (b, iv->default_value->loc, "default value of the wrong type", "%s", what);
    }
    return 0;
}

/* IsValidImplementation(type, implementedType) for every declared interface. */
static int
s_check_implementation (s_build_t *b, const gql_type_t *t)
{
    for (size_t i = 0; i < t->interface_count; i++) {
        const gql_type_t *iface = t->interfaces [i];
        /* The type must declare every interface its interfaces implement. */
        for (size_t j = 0; j < iface->interface_count; j++)
            if (!gql_type_implements (t, iface->interfaces [j]))
                return s_fail (b, t->loc, "type must also implement the interface's interfaces", "%.*s: %.*s",
                               S_STR (t->name), S_STR (iface->interfaces [j]->name));
        for (size_t j = 0; j < iface->field_count; j++) {
            const gql_field_t *ifield = &iface->fields [j];
            const gql_field_t *f = gql_type_field (t, ifield->name.data, ifield->name.len);
            if (!f)
                return s_fail (b, t->loc, "interface field not implemented", "%.*s.%.*s", S_STR (t->name),
                               S_STR (ifield->name));
            if (!gql_type_ref_is_subtype (f->type, ifield->type))
                return s_fail (b, f->loc, "field type incompatible with the interface", "%.*s.%.*s", S_STR (t->name),
                               S_STR (f->name));
            for (size_t k = 0; k < ifield->arg_count; k++) {
                const gql_input_value_t *iarg = &ifield->args [k];
                const gql_input_value_t *arg = gql_field_arg (f, iarg->name.data, iarg->name.len);
                if (!arg)
                    return s_fail (b, f->loc, "interface field argument not implemented", "%.*s.%.*s(%.*s:)",
                                   S_STR (t->name), S_STR (f->name), S_STR (iarg->name));
                if (!gql_type_ref_equal (arg->type, iarg->type))
                    return s_fail (b, arg->loc, "argument type differs from the interface's", "%.*s.%.*s(%.*s:)",
                                   S_STR (t->name), S_STR (f->name), S_STR (iarg->name));
            }
            for (size_t k = 0; k < f->arg_count; k++) {
                const gql_input_value_t *arg = &f->args [k];
                if (gql_field_arg (ifield, arg->name.data, arg->name.len))
                    continue;
                if (gql_type_ref_is_non_null (arg->type) && !arg->default_value)
                    return s_fail (b, arg->loc,
                                   "extra argument of an interface field must be "
                                   "optional",
                                   "%.*s.%.*s(%.*s:)", S_STR (t->name), S_STR (f->name), S_STR (arg->name));
            }
        }
    }
    return 0;
}

/* Input objects must not reference themselves through non-null, non-list fields
   (such a value could never be written). Depth-first search from `root` with an explicit
   stack (a long chain of input types must not exhaust the C stack); state 1 = on the
   path, 2 = done. `stack` and `next` have room for every type. */
static int
s_check_input_cycles (s_build_t *b, const gql_type_t *root, uint8_t *state, const gql_type_t **stack, size_t *next)
{
    size_t top = 0;
    stack [top] = root;
    next [top++] = 0;
    state [root->index] = 1;
    while (top > 0) {
        const gql_type_t *t = stack [top - 1];
        size_t i = next [top - 1]++;
        if (i >= t->input_field_count) {
            state [t->index] = 2;
            top--;
            continue;
        }
        const gql_input_value_t *f = &t->input_fields [i];
        if (!gql_type_ref_is_non_null (f->type))
            continue;
        gql_type_ref_t inner = gql_type_ref_of (f->type);
        if (gql_type_ref_kind (inner) != GQL_REF_NAMED || inner.named->kind != GQL_KIND_INPUT_OBJECT)
            continue;
        if (state [inner.named->index] == 1)
            return s_fail (b, f->loc, "input object references itself through non-null fields", "%.*s.%.*s",
                           S_STR (t->name), S_STR (f->name));
        if (state [inner.named->index] == 0) {
            state [inner.named->index] = 1;
            stack [top] = inner.named;
            next [top++] = 0;
        }
    }
    return 0;
}

/* The fields of a @oneOf input object are nullable and have no default (graphql-js 16.9
   validateOneOfInputObjectField): the one field given is the value. */
static int
s_check_one_of (s_build_t *b, const gql_type_t *t)
{
    for (size_t i = 0; i < t->input_field_count; i++) {
        const gql_input_value_t *f = &t->input_fields [i];
        if (gql_type_ref_is_non_null (f->type))
            return s_fail (b, f->loc, "field of a @oneOf input object must be nullable", "%.*s.%.*s", S_STR (t->name),
                           S_STR (f->name));
        if (f->default_value)
            return s_fail (b, f->loc, "field of a @oneOf input object cannot have a default value", "%.*s.%.*s",
                           S_STR (t->name), S_STR (f->name));
    }
    return 0;
}

/* Pass 5. */
static int
s_check (s_build_t *b)
{
    gql_schema_t *s = b->s;
    static const gql_directive_location_t type_loc [] = {
        [GQL_KIND_SCALAR] = GQL_DIRLOC_SCALAR,       [GQL_KIND_OBJECT] = GQL_DIRLOC_OBJECT,
        [GQL_KIND_INTERFACE] = GQL_DIRLOC_INTERFACE, [GQL_KIND_UNION] = GQL_DIRLOC_UNION,
        [GQL_KIND_ENUM] = GQL_DIRLOC_ENUM,           [GQL_KIND_INPUT_OBJECT] = GQL_DIRLOC_INPUT_OBJECT,
    };
    if (s_check_directive_uses (b, s->schema_directives, s->schema_directive_count, GQL_DIRLOC_SCHEMA, "schema") < 0)
        return -1;
    for (size_t i = 0; i < s->type_count; i++) {
        const gql_type_t *t = s->types [i];
        char what [96];
        snprintf (what, sizeof what, "%.*s", S_STR (t->name));
        if (s_check_directive_uses (b, t->directives, t->directive_count, type_loc [t->kind], what) < 0)
            return -1;
        for (size_t j = 0; j < t->field_count; j++) {
            const gql_field_t *f = &t->fields [j];
            char fwhat [192];
            snprintf (fwhat, sizeof fwhat, "%s.%.*s", what, S_STR (f->name));
            if (s_check_directive_uses (b, f->directives, f->directive_count, GQL_DIRLOC_FIELD_DEFINITION, fwhat) < 0
                || s_check_inputs (b, f->args, f->arg_count, GQL_DIRLOC_ARGUMENT_DEFINITION, fwhat) < 0)
                return -1;
        }
        for (size_t j = 0; j < t->enum_value_count; j++) {
            const gql_enum_value_t *v = &t->enum_values [j];
            char vwhat [192];
            snprintf (vwhat, sizeof vwhat, "%s.%.*s", what, S_STR (v->name));
            if (s_check_directive_uses (b, v->directives, v->directive_count, GQL_DIRLOC_ENUM_VALUE, vwhat) < 0)
                return -1;
        }
        if (s_check_inputs (b, t->input_fields, t->input_field_count, GQL_DIRLOC_INPUT_FIELD_DEFINITION, what) < 0)
            return -1;
        if (t->one_of && s_check_one_of (b, t) < 0)
            return -1;
        if (s_check_implementation (b, t) < 0)
            return -1;
    }
    for (size_t i = 0; i < s->directive_count; i++) {
        const gql_schema_directive_t *d = s->directives [i];
        char what [96];
        snprintf (what, sizeof what, "@%.*s", S_STR (d->name));
        if (s_check_inputs (b, d->args, d->arg_count, GQL_DIRLOC_ARGUMENT_DEFINITION, what) < 0)
            return -1;
    }
    uint8_t *state = calloc (s->type_count, 1);
    const gql_type_t **stack = malloc (s->type_count * sizeof *stack);
    size_t *next = malloc (s->type_count * sizeof *next);
    int rc = state && stack && next ? 0 : s_nomem (b);
    for (size_t i = 0; i < s->type_count && rc == 0; i++)
        if (s->types [i]->kind == GQL_KIND_INPUT_OBJECT && state [i] == 0)
            rc = s_check_input_cycles (b, s->types [i], state, stack, next);
    free (state);
    free (stack);
    free (next);
    return rc;
}

/* =======================================================================================
 *  Building and destroying (public)
 * ===================================================================================== */

static int
s_build (s_build_t *b)
{
    gql_schema_t *s = b->s;
    if (s_collect (b) < 0 || s_attach_extensions (b) < 0)
        return -1;
    for (size_t i = 0; i < s->type_count; i++)
        if (s_fill_type (b, s->types [i]) < 0)
            return -1;
    if (s_fill_directive_args (b) < 0 || s_fill_possible_types (b) < 0 || s_fill_roots (b) < 0)
        return -1;
    s_fill_meta (s);
    return s_check (b);
}

gql_schema_t *
gql_schema_new_from_sdl (const char *sdl, size_t len, gql_error_t *err)
{
    gql_error_t local;
    if (!err)
        err = &local;
    memset (err, 0, sizeof *err);

    gql_arena_t *arena = gql_arena_new ();
    gql_schema_t *s = arena ? gql_arena_alloc (arena, sizeof *s) : NULL;
    char *copy = s && len < UINT32_MAX ? gql_arena_alloc (arena, len + 1) : NULL;
    if (!copy) {
        gql_arena_destroy (&arena);
        err->code = len >= UINT32_MAX ? GQL_ERR_TOO_LARGE : GQL_ERR_NOMEM;
        err->message = len >= UINT32_MAX ? "document too large" : "out of memory";
        return NULL;
    }
    s->arena = arena;
    if (len)
        memcpy (copy, sdl, len);
    s->sdl = copy;

    s->builtins = gql_parse_sdl (gql_builtins_sdl, gql_builtins_sdl_len, NULL, err);
    assert (s->builtins || err->code == GQL_ERR_NOMEM);
    if (s->builtins)
        s->doc = gql_parse_sdl (s->sdl, len, NULL, err);
    if (!s->doc) {
        gql_schema_destroy (&s);
        return NULL;
    }

    s_build_t b = { s, err, NULL };
    int rc = s_build (&b);
    free (b.defs);
    if (rc < 0) {
        gql_schema_destroy (&s);
        return NULL;
    }
    return s;
}

void
gql_schema_destroy (gql_schema_t **schema_p)
{
    if (!schema_p || !*schema_p)
        return;
    gql_schema_t *s = *schema_p;
    gql_document_destroy (&s->builtins);
    gql_document_destroy (&s->doc);
    gql_arena_t *arena = s->arena; /* the schema record lives in its arena */
    gql_arena_destroy (&arena);
    *schema_p = NULL;
}
