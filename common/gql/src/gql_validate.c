/*  gql_validate.c - validation of executable documents (spec October 2021, section 5).

    One walk over the document tracks what graphql-js's TypeInfo tracks (parent type,
    field definition, expected input type and its default) and runs the rules that look
    at one node at a time. What needs the whole document (fragment cycles, unused
    fragments, variables used through fragments) runs after the walk, from per-definition
    records the walk leaves: the variables used in each operation and fragment, with the
    type expected where they are used.

    Every traversal that follows fragment spreads remembers what it has visited, so a
    cyclic document is reported by NoFragmentCycles and never loops.
*/
#include "gql_validate_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* =======================================================================================
 *  Rule names
 * ===================================================================================== */

static const char *const s_rule_names [GQL_RULE_COUNT_] = {
    "ExecutableDefinitions",
    "UniqueOperationNames",
    "LoneAnonymousOperation",
    "SingleFieldSubscriptions",
    "KnownTypeNames",
    "FragmentsOnCompositeTypes",
    "VariablesAreInputTypes",
    "ScalarLeafs",
    "FieldsOnCorrectType",
    "UniqueFragmentNames",
    "KnownFragmentNames",
    "NoUnusedFragments",
    "PossibleFragmentSpreads",
    "NoFragmentCycles",
    "UniqueVariableNames",
    "NoUndefinedVariables",
    "NoUnusedVariables",
    "KnownDirectives",
    "UniqueDirectivesPerLocation",
    "KnownArgumentNames",
    "UniqueArgumentNames",
    "ValuesOfCorrectType",
    "ProvidedRequiredArguments",
    "VariablesInAllowedPosition",
    "OverlappingFieldsCanBeMerged",
    "UniqueInputFieldNames",
    "MaxIntrospectionDepth",
    "NoNulStrings",
    "TooManyErrors",
};

static const char *const s_rule_spec_names [GQL_RULE_COUNT_] = {
    "Executable Definitions",
    "Operation Name Uniqueness",
    "Lone Anonymous Operation",
    "Single root field",
    "Fragment Spread Type Existence",
    "Fragments On Composite Types",
    "Variables Are Input Types",
    "Leaf Field Selections",
    "Field Selections",
    "Fragment Name Uniqueness",
    "Fragment spread target defined",
    "Fragments Must Be Used",
    "Fragment spread is possible",
    "Fragments must not form cycles",
    "Variable Uniqueness",
    "All Variable Uses Defined",
    "All Variables Used",
    "Directives Are Defined",
    "Directives Are Unique Per Location",
    "Argument Names",
    "Argument Uniqueness",
    "Values of Correct Type",
    "Required Arguments",
    "All Variable Usages are Allowed",
    "Field Selection Merging",
    "Input Object Field Uniqueness",
    "Introspection depth (graphql-js)",
    "Strings without NUL (option)",
    "Too many errors",
};

const char *
gql_rule_name (gql_rule_t rule)
{
    return (unsigned) rule < GQL_RULE_COUNT_ ? s_rule_names [rule] : NULL;
}

const char *
gql_rule_spec_name (gql_rule_t rule)
{
    return (unsigned) rule < GQL_RULE_COUNT_ ? s_rule_spec_names [rule] : NULL;
}

const char *
gql_rule_code (gql_rule_t rule)
{
    return rule == GQL_RULE_NO_NUL_STRINGS ? "BAD_USER_INPUT" : "GRAPHQL_VALIDATION_FAILED";
}

/* =======================================================================================
 *  Errors, small helpers
 * ===================================================================================== */

void
gqlv_report (gqlv_ctx_t *ctx, gql_rule_t rule, const gql_loc_t *locs, size_t nlocs, const char *fmt, ...)
{
    if (ctx->aborted || ctx->oom)
        return;
    char buf [GQL_VALIDATE_MAX_MESSAGE];
    if (ctx->error_count == GQL_VALIDATE_MAX_ERRORS) {
        /* graphql-js adds this error and stops validating. */
        ctx->aborted = true;
        snprintf (buf, sizeof buf, "Too many validation errors, error limit reached. Validation aborted.");
        rule = GQL_RULE_TOO_MANY_ERRORS;
        nlocs = 0;
    }
    else {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (buf, sizeof buf, fmt, ap);
        va_end (ap);
    }
    if (ctx->error_count == ctx->error_cap
        && gql_grow (&ctx->errors, &ctx->error_cap, ctx->error_count + 1, sizeof *ctx->errors, 16) < 0) {
        ctx->oom = true;
        return;
    }
    size_t mlen = strlen (buf);
    char *msg = gql_arena_alloc (ctx->arena, mlen + 1);
    gql_loc_t *l = nlocs ? gql_arena_memdup (ctx->arena, locs, nlocs, sizeof *locs) : NULL;
    if (!msg || (nlocs && !l)) {
        ctx->oom = true;
        return;
    }
    memcpy (msg, buf, mlen + 1);
    gqlv_error_t *e = &ctx->errors [ctx->error_count++];
    e->rule = rule;
    e->message = msg;
    e->locations = l;
    e->location_count = nlocs;
}

int
gqlv_locs_push (gqlv_ctx_t *ctx, gqlv_locs_t *locs, gql_loc_t loc)
{
    if (locs->n == locs->cap && gql_grow (&locs->v, &locs->cap, locs->n + 1, sizeof *locs->v, 4) < 0) {
        ctx->oom = true;
        return -1;
    }
    locs->v [locs->n++] = loc;
    return 0;
}

/* Shorthand for printf arguments of a slice. */
#define S_STR(s) (int) (s).len, (s).data

/* True when some field, argument or input field of the schema has the named type `t`. */
static bool
s_schema_references (const gql_schema_t *schema, const gql_type_t *t)
{
    size_t n, i, j, k;
    const gql_type_t *const *types = gql_schema_types (schema, &n);
    for (i = 0; i < n; i++) {
        const gql_type_t *u = types [i];
        for (j = 0; j < u->field_count; j++) {
            if (u->fields [j].type.named == t)
                return true;
            for (k = 0; k < u->fields [j].arg_count; k++)
                if (u->fields [j].args [k].type.named == t)
                    return true;
        }
        for (j = 0; j < u->input_field_count; j++)
            if (u->input_fields [j].type.named == t)
                return true;
    }
    const gql_schema_directive_t *const *dirs = gql_schema_directives (schema, &n);
    for (i = 0; i < n; i++)
        for (k = 0; k < dirs [i]->arg_count; k++)
            if (dirs [i]->args [k].type.named == t)
                return true;
    return false;
}

const gql_type_t *
gqlv_type (gqlv_ctx_t *ctx, gql_str_t name)
{
    static const char *const optional [3] = { "Int", "Float", "ID" };
    const gql_type_t *t = gql_schema_type (ctx->schema, name.data, name.len);
    size_t i;
    if (!t || t->kind != GQL_KIND_SCALAR || !t->builtin)
        return t;
    /* String and Boolean are always referenced (by the introspection types). */
    for (i = 0; i < 3; i++) {
        if (!gql_str_eq (name, optional [i]))
            continue;
        if (ctx->scalar_used [i] < 0)
            ctx->scalar_used [i] = s_schema_references (ctx->schema, t) ? 1 : 0;
        return ctx->scalar_used [i] ? t : NULL;
    }
    return t;
}

int
gqlv_resolve (gqlv_ctx_t *ctx, const gql_type_node_t *node, gql_type_ref_t *out)
{
    const gql_type_node_t *n = node;
    while (n && n->kind != GQL_TYPE_NODE_NAMED)
        n = n->of_type;
    if (!n || !gqlv_type (ctx, n->name))
        return -1;
    return gql_schema_resolve_type_node (ctx->schema, node, out);
}

void
gqlv_print_ref (gql_type_ref_t ref, char *buf, size_t size)
{
    /* Opening brackets outermost first, the name, then closers innermost first. */
    char tmp [GQL_VALIDATE_MAX_MESSAGE];
    size_t n = 0;
    uint32_t i;
    for (i = 0; i < ref.depth && n + 1 < sizeof tmp; i++)
        if (!((ref.wrap >> i) & 1u))
            tmp [n++] = '[';
    if (ref.named) {
        size_t l = ref.named->name.len;
        if (n + l >= sizeof tmp)
            l = sizeof tmp - n - 1;
        memcpy (tmp + n, ref.named->name.data, l);
        n += l;
    }
    for (i = ref.depth; i-- > 0 && n + 1 < sizeof tmp;)
        tmp [n++] = ((ref.wrap >> i) & 1u) ? '!' : ']';
    tmp [n] = '\0';
    snprintf (buf, size, "%s", tmp);
}

/* A bounded string builder for printed values. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} s_sb_t;

static void
s_sb_put (s_sb_t *sb, const char *s, size_t n)
{
    while (n-- > 0) {
        if (sb->len + 1 < sb->size)
            sb->buf [sb->len++] = *s;
        s++;
    }
    if (sb->size)
        sb->buf [sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
}

static void
s_sb_puts (s_sb_t *sb, const char *s)
{
    s_sb_put (sb, s, strlen (s));
}

static void
s_print_type_node_sb (s_sb_t *sb, const gql_type_node_t *t)
{
    if (!t)
        return;
    switch (t->kind) {
        case GQL_TYPE_NODE_NAMED: s_sb_put (sb, t->name.data, t->name.len); break;
        case GQL_TYPE_NODE_LIST:
            s_sb_puts (sb, "[");
            s_print_type_node_sb (sb, t->of_type);
            s_sb_puts (sb, "]");
            break;
        case GQL_TYPE_NODE_NON_NULL:
            s_print_type_node_sb (sb, t->of_type);
            s_sb_puts (sb, "!");
            break;
    }
}

/* Writes a type as written in the document ("[Int!]") into buf. */
static void
s_print_type_node (const gql_type_node_t *t, char *buf, size_t size)
{
    s_sb_t sb = { buf, size, 0 };
    if (size)
        buf [0] = '\0';
    s_print_type_node_sb (&sb, t);
}

/* Prints a value as graphql-js's print() does, for messages. */
static void
s_print_value_sb (s_sb_t *sb, const gql_value_t *v, int depth)
{
    size_t i;
    if (depth > 16) {
        s_sb_puts (sb, "...");
        return;
    }
    switch (v->kind) {
        case GQL_VALUE_VARIABLE:
            s_sb_puts (sb, "$");
            s_sb_put (sb, v->str.data, v->str.len);
            break;
        case GQL_VALUE_INT:
        case GQL_VALUE_FLOAT:
        case GQL_VALUE_ENUM: s_sb_put (sb, v->str.data, v->str.len); break;
        case GQL_VALUE_STRING:
            s_sb_puts (sb, v->block ? "\"\"\"" : "\"");
            for (i = 0; i < v->str.len; i++) {
                unsigned char c = (unsigned char) v->str.data [i];
                char esc [8];
                if (v->block) {
                    s_sb_put (sb, (const char *) &v->str.data [i], 1);
                    continue;
                }
                if (c == '"' || c == '\\') {
                    esc [0] = '\\';
                    esc [1] = (char) c;
                    s_sb_put (sb, esc, 2);
                }
                else if (c == '\n')
                    s_sb_puts (sb, "\\n");
                else if (c == '\t')
                    s_sb_puts (sb, "\\t");
                else if (c == '\r')
                    s_sb_puts (sb, "\\r");
                else if (c < 0x20 || c == 0x7f) {
                    snprintf (esc, sizeof esc, "\\u%04X", c);
                    s_sb_puts (sb, esc);
                }
                else
                    s_sb_put (sb, (const char *) &v->str.data [i], 1);
            }
            s_sb_puts (sb, v->block ? "\"\"\"" : "\"");
            break;
        case GQL_VALUE_BOOLEAN: s_sb_puts (sb, v->boolean ? "true" : "false"); break;
        case GQL_VALUE_NULL: s_sb_puts (sb, "null"); break;
        case GQL_VALUE_LIST:
            s_sb_puts (sb, "[");
            for (i = 0; i < v->item_count; i++) {
                if (i)
                    s_sb_puts (sb, ", ");
                s_print_value_sb (sb, v->items [i], depth + 1);
            }
            s_sb_puts (sb, "]");
            break;
        case GQL_VALUE_OBJECT:
            s_sb_puts (sb, "{");
            for (i = 0; i < v->field_count; i++) {
                if (i)
                    s_sb_puts (sb, ", ");
                s_sb_put (sb, v->fields [i]->name.data, v->fields [i]->name.len);
                s_sb_puts (sb, ": ");
                s_print_value_sb (sb, v->fields [i]->value, depth + 1);
            }
            s_sb_puts (sb, "}");
            break;
    }
}

static void
s_print_value (const gql_value_t *v, char *buf, size_t size)
{
    s_sb_t sb = { buf, size, 0 };
    if (size)
        buf [0] = '\0';
    s_print_value_sb (&sb, v, 0);
}

/* Returns the location of the name that follows the token at `at` (`skip` bytes long):
   the names of operations, fragments, spreads and variables have no location of their
   own in the AST, and graphql-js points at them. Skips ignored tokens (spec 2.1.7). */
static gql_loc_t
s_name_loc_after (const gqlv_ctx_t *ctx, gql_loc_t at, size_t skip)
{
    const char *s = ctx->doc->source;
    size_t len = ctx->doc->source_len;
    size_t i = at.offset;
    gql_loc_t loc = at;
    size_t k;
    if (!s || i >= len)
        return at;
    for (k = 0; k < skip && i < len; k++, i++)
        if (((unsigned char) s [i] & 0xC0) != 0x80)
            loc.column++;
    while (i < len) {
        unsigned char c = (unsigned char) s [i];
        if (c == ' ' || c == '\t' || c == ',') {
            i++;
            loc.column++;
        }
        else if (c == '\n' || c == '\r') {
            i += (c == '\r' && i + 1 < len && s [i + 1] == '\n') ? 2 : 1;
            loc.line++;
            loc.column = 1;
        }
        else if (c == '#') {
            while (i < len && s [i] != '\n' && s [i] != '\r') {
                if (((unsigned char) s [i] & 0xC0) != 0x80)
                    loc.column++;
                i++;
            }
        }
        else if (c == 0xEF && i + 2 < len && (unsigned char) s [i + 1] == 0xBB && (unsigned char) s [i + 2] == 0xBF) {
            i += 3;
            loc.column++;
        }
        else
            break;
    }
    loc.offset = (uint32_t) i;
    return loc;
}

/* Name locations of the nodes that carry none. */
static gql_loc_t
s_op_name_loc (const gqlv_ctx_t *ctx, const gql_operation_t *op)
{
    static const size_t kw [] = { 5, 8, 12 }; /* query mutation subscription */
    return s_name_loc_after (ctx, op->loc, kw [op->type]);
}

static gql_loc_t
s_frag_name_loc (const gqlv_ctx_t *ctx, const gql_fragment_t *f)
{
    return s_name_loc_after (ctx, f->loc, 8);
}

static gql_loc_t
s_spread_name_loc (const gqlv_ctx_t *ctx, const gql_selection_t *sel)
{
    return s_name_loc_after (ctx, sel->loc, 3);
}

static gql_loc_t
s_var_name_loc (const gqlv_ctx_t *ctx, gql_loc_t dollar)
{
    return s_name_loc_after (ctx, dollar, 1);
}

/* =======================================================================================
 *  Fragment lookup
 * ===================================================================================== */

/* Sorts fragment indexes by name, keeping document order among equal names (a merge
   sort: stable, and it needs no global comparator state as qsort would). */
static void
s_sort_frags (const gql_document_t *doc, uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_frags (doc, a, tmp, h);
    s_sort_frags (doc, a + h, tmp, n - h);
    while (i < h && j < n) {
        int c = gql_str_cmp (doc->fragments [a [i]]->name, doc->fragments [a [j]]->name);
        tmp [k++] = (c <= 0) ? a [i++] : a [j++];
    }
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

static int
s_index_fragments (gqlv_ctx_t *ctx)
{
    size_t n = ctx->doc->fragment_count, i, w = 0;
    if (n == 0)
        return 0;
    uint32_t *a = gql_arena_alloc (ctx->arena, n * sizeof *a);
    uint32_t *tmp = malloc (n * sizeof *tmp);
    if (!a || !tmp) {
        free (tmp);
        ctx->oom = true;
        return -1;
    }
    for (i = 0; i < n; i++)
        a [i] = (uint32_t) i;
    s_sort_frags (ctx->doc, a, tmp, n);
    free (tmp);
    /* The sort is stable, so the last of each run of equal names is the last definition:
       graphql-js's fragment map keeps the last one. */
    for (i = 0; i < n; i++) {
        if (i + 1 < n && gql_str_equal (ctx->doc->fragments [a [i]]->name, ctx->doc->fragments [a [i + 1]]->name))
            continue;
        a [w++] = a [i];
    }
    ctx->frag_sorted = a;
    ctx->frag_sorted_count = w;
    return 0;
}

long
gqlv_fragment_index (const gqlv_ctx_t *ctx, gql_str_t name)
{
    size_t lo = 0, hi = ctx->frag_sorted_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gql_str_cmp (ctx->doc->fragments [ctx->frag_sorted [mid]]->name, name);
        if (c == 0)
            return (long) ctx->frag_sorted [mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const gql_fragment_t *
s_fragment (const gqlv_ctx_t *ctx, gql_str_t name)
{
    long i = gqlv_fragment_index (ctx, name);
    return i < 0 ? NULL : ctx->doc->fragments [i];
}

/* =======================================================================================
 *  Type helpers (graphql-js's isTypeSubTypeOf, doTypesOverlap)
 * ===================================================================================== */

static bool
s_is_leaf (const gql_type_t *t)
{
    return t && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM);
}

static bool
s_is_composite (const gql_type_t *t)
{
    return t && (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

static bool
s_is_abstract (const gql_type_t *t)
{
    return t && (t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

static bool
s_is_input (const gql_type_t *t)
{
    return t && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT_OBJECT);
}

/* graphql-js schema.isSubType(abstract, maybeSub): a possible (object) type of the
   abstract type, or an interface implementing the interface `abstract`. */
static bool
s_schema_is_sub_type (const gql_type_t *abstract, const gql_type_t *sub)
{
    size_t i;
    if (abstract->kind == GQL_KIND_UNION) {
        for (i = 0; i < abstract->possible_type_count; i++)
            if (abstract->possible_types [i] == sub)
                return true;
        return false;
    }
    if (sub->kind == GQL_KIND_OBJECT || sub->kind == GQL_KIND_INTERFACE)
        for (i = 0; i < sub->interface_count; i++)
            if (sub->interfaces [i] == abstract)
                return true;
    return false;
}

/* graphql-js doTypesOverlap(schema, a, b) for composite types. */
static bool
s_types_overlap (const gql_type_t *a, const gql_type_t *b)
{
    size_t i;
    if (a == b)
        return true;
    if (s_is_abstract (a)) {
        if (s_is_abstract (b)) {
            for (i = 0; i < b->possible_type_count; i++)
                if (s_schema_is_sub_type (a, b->possible_types [i]))
                    return true;
            return false;
        }
        return s_schema_is_sub_type (a, b);
    }
    if (s_is_abstract (b))
        return s_schema_is_sub_type (b, a);
    return false;
}

/* =======================================================================================
 *  Directives: the schema's, or those the document itself defines (graphql-js lets a
 *  document's `directive @x` definitions count for the directive rules)
 * ===================================================================================== */

typedef struct {
    const gql_schema_directive_t *sd; /* the schema's (NULL when the document's wins) */
    const gql_directive_def_t *dd;    /* the document's */
    uint32_t locations;
    bool repeatable;
} s_dir_t;

static bool
s_directive_lookup (const gqlv_ctx_t *ctx, gql_str_t name, s_dir_t *out)
{
    size_t i;
    memset (out, 0, sizeof *out);
    for (i = ctx->doc_directives ? ctx->doc->definition_count : 0; i-- > 0;) {
        const gql_definition_t *d = ctx->doc->definitions [i];
        if (d->kind == GQL_DEF_DIRECTIVE && gql_str_equal (d->directive->name, name)) {
            out->dd = d->directive;
            out->locations = d->directive->locations;
            out->repeatable = d->directive->repeatable;
            return true;
        }
    }
    out->sd = gql_schema_directive (ctx->schema, name.data, name.len);
    if (!out->sd)
        return false;
    out->locations = out->sd->locations;
    out->repeatable = out->sd->repeatable;
    return true;
}

/* =======================================================================================
 *  Variable usages and spreads, recorded per operation and per fragment
 * ===================================================================================== */

typedef struct {
    gql_str_t name;
    gql_loc_t loc;       /* of the '$' */
    gql_type_ref_t type; /* expected where used (when has_type) */
    bool has_type;
    bool has_location_default; /* the argument or input field has a default */
} s_usage_t;

typedef struct {
    s_usage_t *v;
    size_t n;
    size_t cap;
} s_usages_t;

typedef struct {
    const gql_selection_t **v;
    size_t n;
    size_t cap;
} s_sels_t;

static int
s_sels_push (gqlv_ctx_t *ctx, s_sels_t *a, const gql_selection_t *sel)
{
    if (a->n == a->cap && gql_grow (&a->v, &a->cap, a->n + 1, sizeof *a->v, 8) < 0) {
        ctx->oom = true;
        return -1;
    }
    a->v [a->n++] = sel;
    return 0;
}

/* The walker's state. */
typedef struct {
    gqlv_ctx_t *ctx;
    s_usages_t *usages;       /* where variable usages go (the current definition) */
    int introspection_skip;   /* >0 inside a __schema/__type reported as too deep */
    const gql_field_t *field; /* the innermost field being walked (TypeInfo's
                                 getFieldDef()), NULL outside fields or when unknown */
    long *introspection_memo; /* per fragment: max list depth, -1 unknown */
    unsigned char *on_stack;  /* per fragment: scratch for traversals */
    /* Whose variable definitions a @oneOf field's variable is looked up in: the operation
       walked, or for a fragment the last one before it (graphql-js 16.9). */
    const gql_operation_t *var_op;
} s_walk_t;

static void
s_usage_push (s_walk_t *w, const gql_value_t *v, const gql_type_ref_t *type, bool location_default)
{
    s_usages_t *u = w->usages;
    if (!u)
        return;
    if (u->n == u->cap && gql_grow (&u->v, &u->cap, u->n + 1, sizeof *u->v, 8) < 0) {
        w->ctx->oom = true;
        return;
    }
    s_usage_t *e = &u->v [u->n++];
    e->name = v->str;
    e->loc = v->loc;
    e->has_type = type != NULL;
    if (type)
        e->type = *type;
    else
        memset (&e->type, 0, sizeof e->type);
    e->has_location_default = location_default;
}

/* graphql-js getFragmentSpreads(): every spread under a selection set, in the order its
   explicit stack visits them. */
static int
s_collect_spreads (gqlv_ctx_t *ctx, const gql_selection_set_t *root, s_sels_t *out)
{
    const gql_selection_set_t **stack = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    if (!root)
        return 0;
#define S_PUSH_SET(s)                                                                \
    do {                                                                             \
        if (n == cap && gql_grow (&stack, &cap, n + 1, sizeof *stack, 16) < 0) {     \
            ctx->oom = true;                                                         \
            rc = -1;                                                                 \
            goto done;                                                               \
        }                                                                            \
        stack [n++] = (s);                                                           \
    } while (0)
    S_PUSH_SET (root);
    while (n > 0) {
        const gql_selection_set_t *set = stack [--n];
        for (i = 0; i < set->item_count; i++) {
            const gql_selection_t *sel = set->items [i];
            if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD) {
                if (s_sels_push (ctx, out, sel) < 0) {
                    rc = -1;
                    goto done;
                }
            }
            else if (sel->selection_set)
                S_PUSH_SET (sel->selection_set);
        }
    }
#undef S_PUSH_SET
done:
    free (stack);
    return rc;
}

/* =======================================================================================
 *  Names and suggestions
 * ===================================================================================== */

static bool
s_is_standard_type_name (gql_str_t n)
{
    static const char *const names [] = { "String",    "Int",      "Float",        "Boolean",
                                          "ID",        "__Schema", "__Directive",  "__DirectiveLocation",
                                          "__Type",    "__Field",  "__InputValue", "__EnumValue",
                                          "__TypeKind" };
    size_t i;
    for (i = 0; i < sizeof names / sizeof names [0]; i++)
        if (gql_str_eq (n, names [i]))
            return true;
    return false;
}

/* KnownTypeNames: `name` (not a type of the schema) may still be defined by the
   document itself, or, in type-system definitions, be a standard type; otherwise it is
   reported, with graphql-js's suggestions. */
static void
s_check_type_name (gqlv_ctx_t *ctx, gql_str_t name, gql_loc_t loc, bool sdl)
{
    const gql_document_t *doc = ctx->doc;
    size_t i, n = 0, count;
    if (gqlv_type (ctx, name) || (sdl && s_is_standard_type_name (name)))
        return;
    for (i = 0; i < doc->definition_count; i++) {
        const gql_definition_t *d = doc->definitions [i];
        if (d->kind == GQL_DEF_TYPE && !d->type->extend && gql_str_equal (d->type->name, name))
            return;
    }
    const gql_type_t *const *types = gql_schema_types (ctx->schema, &count);
    gql_str_t *opts = malloc ((count + doc->definition_count + 13) * sizeof *opts);
    char sugg [GQL_VALIDATE_MAX_MESSAGE];
    sugg [0] = '\0';
    if (opts) {
        static const char *const standard [] = { "String",    "Int",      "Float",        "Boolean",
                                                 "ID",        "__Schema", "__Directive",  "__DirectiveLocation",
                                                 "__Type",    "__Field",  "__InputValue", "__EnumValue",
                                                 "__TypeKind" };
        if (sdl)
            for (i = 0; i < 13; i++) {
                opts [n].data = standard [i];
                opts [n++].len = strlen (standard [i]);
            }
        for (i = 0; i < count; i++)
            if (gqlv_type (ctx, types [i]->name))
                opts [n++] = types [i]->name;
        for (i = 0; i < doc->definition_count; i++)
            if (doc->definitions [i]->kind == GQL_DEF_TYPE && !doc->definitions [i]->type->extend)
                opts [n++] = doc->definitions [i]->type->name;
        gqlv_did_you_mean (ctx, sugg, sizeof sugg, NULL, name, opts, n);
        free (opts);
    }
    else
        ctx->oom = true;
    gqlv_report (ctx, GQL_RULE_KNOWN_TYPE_NAMES, &loc, 1, "Unknown type \"%.*s\".%s", S_STR (name), sugg);
}

/* Suggestions among the names of an array of records (fields, arguments, enum values,
   input fields) that all start with a gql_str_t `name`. */
static void
s_suggest_among (gqlv_ctx_t *ctx, const void *base, size_t count, size_t stride, gql_str_t input, const char *sub,
                 char *buf, size_t size)
{
    size_t i;
    buf [0] = '\0';
    if (count == 0)
        return;
    gql_str_t *opts = malloc (count * sizeof *opts);
    if (!opts) {
        ctx->oom = true;
        return;
    }
    for (i = 0; i < count; i++)
        opts [i] = *(const gql_str_t *) ((const char *) base + i * stride);
    gqlv_did_you_mean (ctx, buf, size, sub, input, opts, count);
    free (opts);
}

static void
s_suggest_enum_value (gqlv_ctx_t *ctx, const gql_type_t *e, const char *printed, char *buf, size_t size)
{
    gql_str_t in = { printed, strlen (printed) };
    s_suggest_among (ctx, e->enum_values, e->enum_value_count, sizeof *e->enum_values, in, "the enum value", buf, size);
}

static void
s_suggest_input_field (gqlv_ctx_t *ctx, const gql_type_t *t, gql_str_t name, char *buf, size_t size)
{
    s_suggest_among (ctx, t->input_fields, t->input_field_count, sizeof *t->input_fields, name, NULL, buf, size);
}

static void
s_suggest_field_arg (gqlv_ctx_t *ctx, const gql_field_t *f, gql_str_t name, char *buf, size_t size)
{
    s_suggest_among (ctx, f->args, f->arg_count, sizeof *f->args, name, NULL, buf, size);
}

static void
s_suggest_directive_arg (gqlv_ctx_t *ctx, const s_dir_t *def, gql_str_t name, char *buf, size_t size)
{
    size_t i;
    buf [0] = '\0';
    if (def->sd) {
        s_suggest_among (ctx, def->sd->args, def->sd->arg_count, sizeof *def->sd->args, name, NULL, buf, size);
        return;
    }
    if (!def->dd || def->dd->argument_count == 0)
        return;
    gql_str_t *opts = malloc (def->dd->argument_count * sizeof *opts);
    if (!opts) {
        ctx->oom = true;
        return;
    }
    for (i = 0; i < def->dd->argument_count; i++)
        opts [i] = def->dd->arguments [i]->name;
    gqlv_did_you_mean (ctx, buf, size, NULL, name, opts, def->dd->argument_count);
    free (opts);
}

/* graphql-js getSuggestedTypeNames(): on an abstract type, the possible types (and their
   interfaces) that have the field, most common first, super types before subtypes. */
typedef struct {
    const gql_type_t *t;
    size_t usage;
} s_type_usage_t;

static int
s_type_usage_cmp (const s_type_usage_t *a, const s_type_usage_t *b)
{
    if (a->usage != b->usage)
        return a->usage > b->usage ? -1 : 1;
    if (a->t->kind == GQL_KIND_INTERFACE && s_schema_is_sub_type (a->t, b->t))
        return -1;
    if (b->t->kind == GQL_KIND_INTERFACE && s_schema_is_sub_type (b->t, a->t))
        return 1;
    return gqlv_natural_compare (a->t->name, b->t->name);
}

static bool
s_has_plain_field (const gql_type_t *t, gql_str_t name)
{
    const gql_field_t *f = gql_type_field (t, name.data, name.len);
    return f && f->meta == GQL_META_NONE;
}

static void
s_suggest_field (gqlv_ctx_t *ctx, const gql_type_t *parent, gql_str_t name, char *buf, size_t size)
{
    size_t i, j, k, n = 0, cap = 0;
    buf [0] = '\0';
    if (s_is_abstract (parent)) {
        for (i = 0; i < parent->possible_type_count; i++)
            cap += 1 + parent->possible_types [i]->interface_count;
        s_type_usage_t *u = malloc ((cap + 1) * sizeof *u);
        if (!u) {
            ctx->oom = true;
            return;
        }
        for (i = 0; i < parent->possible_type_count; i++) {
            const gql_type_t *p = parent->possible_types [i];
            if (!s_has_plain_field (p, name))
                continue;
            u [n].t = p;
            u [n++].usage = 1;
            for (j = 0; j < p->interface_count; j++) {
                const gql_type_t *iface = p->interfaces [j];
                if (!s_has_plain_field (iface, name))
                    continue;
                for (k = 0; k < n && u [k].t != iface; k++)
                    ;
                if (k == n) {
                    u [n].t = iface;
                    u [n++].usage = 0;
                }
                u [k].usage++;
            }
        }
        /* Insertion sort: stable, and n is the number of types with the field. */
        for (i = 1; i < n; i++) {
            s_type_usage_t x = u [i];
            for (j = i; j > 0 && s_type_usage_cmp (&x, &u [j - 1]) < 0; j--)
                u [j] = u [j - 1];
            u [j] = x;
        }
        gql_str_t *names = malloc ((n + 1) * sizeof *names);
        if (names) {
            for (i = 0; i < n; i++)
                names [i] = u [i].t->name;
            gqlv_did_you_mean_list (ctx, buf, size, "to use an inline fragment on", names, n);
            free (names);
        }
        else
            ctx->oom = true;
        free (u);
        if (n > 0)
            return;
    }
    if (parent->kind == GQL_KIND_OBJECT || parent->kind == GQL_KIND_INTERFACE)
        s_suggest_among (ctx, parent->fields, parent->field_count, sizeof *parent->fields, name, NULL, buf, size);
}

/* =======================================================================================
 *  Values: ValuesOfCorrectType, UniqueInputFieldNames, variable usages
 * ===================================================================================== */

/* True when an IntValue's text fits a signed 32-bit integer. */
static bool
s_int_in_range (gql_str_t s)
{
    size_t i = 0, digits;
    bool neg = false;
    char buf [16];
    if (i < s.len && s.data [i] == '-') {
        neg = true;
        i++;
    }
    while (i < s.len && s.data [i] == '0' && i + 1 < s.len)
        i++;
    digits = s.len - i;
    if (digits > 10)
        return false;
    memcpy (buf, s.data + i, digits);
    buf [digits] = '\0';
    long long v = strtoll (buf, NULL, 10);
    if (neg)
        v = -v;
    return v >= -2147483648LL && v <= 2147483647LL;
}

/* graphql-js isValidValueNode(): a leaf value (or a list/object where none fits) checked
   against the full type expected at its location. */
static void
s_check_leaf_value (s_walk_t *w, const gql_value_t *v, const gql_type_ref_t *type)
{
    char ts [256], vs [512];
    if (!type)
        return;
    const gql_type_t *named = type->named;
    if (!s_is_leaf (named)) {
        gqlv_print_ref (*type, ts, sizeof ts);
        s_print_value (v, vs, sizeof vs);
        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1, "Expected value of type \"%s\", found %s.",
                     ts, vs);
        return;
    }
    if (named->kind == GQL_KIND_ENUM) {
        if (v->kind == GQL_VALUE_ENUM && gql_type_enum_value (named, v->str.data, v->str.len))
            return;
        char sugg [GQL_VALIDATE_MAX_MESSAGE];
        s_print_value (v, vs, sizeof vs);
        s_suggest_enum_value (w->ctx, named, vs, sugg, sizeof sugg);
        if (v->kind != GQL_VALUE_ENUM)
            gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                         "Enum \"%.*s\" cannot represent non-enum value: %s.%s", S_STR (named->name), vs, sugg);
        else
            gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                         "Value \"%.*s\" does not exist in \"%.*s\" enum.%s", S_STR (v->str), S_STR (named->name),
                         sugg);
        return;
    }
    /* Scalars: the built-ins parse literals strictly; custom scalars accept any literal
       (graphql-js's default parseLiteral is valueFromASTUntyped). */
    const char *fail = NULL;
    if (gql_str_eq (named->name, "Int")) {
        if (v->kind != GQL_VALUE_INT)
            fail = "Int cannot represent non-integer value: %s";
        else if (!s_int_in_range (v->str))
            fail = "Int cannot represent non 32-bit signed integer value: %s";
    }
    else if (gql_str_eq (named->name, "Float")) {
        if (v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT)
            fail = "Float cannot represent non numeric value: %s";
    }
    else if (gql_str_eq (named->name, "String")) {
        if (v->kind != GQL_VALUE_STRING)
            fail = "String cannot represent a non string value: %s";
    }
    else if (gql_str_eq (named->name, "Boolean")) {
        if (v->kind != GQL_VALUE_BOOLEAN)
            fail = "Boolean cannot represent a non boolean value: %s";
    }
    else if (gql_str_eq (named->name, "ID")) {
        if (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT)
            fail = "ID cannot represent a non-string and non-integer value: %s";
    }
    if (fail) {
        s_print_value (v, vs, sizeof vs);
        char msg [GQL_VALIDATE_MAX_MESSAGE];
        snprintf (msg, sizeof msg, fail, vs);
        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1, "%s", msg);
    }
}

/* UniqueInputFieldNames for one object value: each repeated name is reported against
   its first occurrence. Sorts (name, position) pairs so huge objects stay n log n. */
typedef struct {
    gql_str_t name;
    size_t pos;
} s_named_pos_t;

static void
s_sort_named (s_named_pos_t *a, s_named_pos_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_named (a, tmp, h);
    s_sort_named (a + h, tmp, n - h);
    while (i < h && j < n)
        tmp [k++] = (gql_str_cmp (a [i].name, a [j].name) <= 0) ? a [i++] : a [j++];
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

/* Reports every name of `args` used more than once: `per_dup` true reports each repeat
   against the first (UniqueInputFieldNames), false reports one error per name with all
   its locations (UniqueArgumentNames). */
static void
s_check_unique_names (gqlv_ctx_t *ctx, gql_argument_t *const *args, size_t n, bool per_dup, gql_rule_t rule,
                      const char *fmt)
{
    size_t i, j;
    if (n < 2)
        return;
    if (n <= 8) {
        /* The common case: a handful of names, no allocation. */
        for (i = 0; i < n; i++) {
            bool seen = false;
            for (j = 0; j < i && !seen; j++)
                seen = gql_str_equal (args [j]->name, args [i]->name);
            if (seen)
                continue;
            gql_loc_t locs [8];
            size_t nl = 0;
            for (j = i; j < n; j++)
                if (gql_str_equal (args [j]->name, args [i]->name))
                    locs [nl++] = args [j]->loc;
            if (nl < 2)
                continue;
            if (per_dup)
                for (j = 1; j < nl; j++) {
                    gql_loc_t pair [2] = { locs [0], locs [j] };
                    gqlv_report (ctx, rule, pair, 2, fmt, S_STR (args [i]->name));
                }
            else
                gqlv_report (ctx, rule, locs, nl, fmt, S_STR (args [i]->name));
        }
        return;
    }
    s_named_pos_t *a = malloc (2 * n * sizeof *a);
    gql_loc_t *locs = malloc (n * sizeof *locs);
    if (!a || !locs) {
        free (a);
        free (locs);
        ctx->oom = true;
        return;
    }
    for (i = 0; i < n; i++) {
        a [i].name = args [i]->name;
        a [i].pos = i;
    }
    s_sort_named (a, a + n, n);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && gql_str_equal (a [j].name, a [i].name); j++)
            ;
        if (j - i < 2)
            continue;
        size_t k, nl = 0;
        for (k = i; k < j; k++)
            locs [nl++] = args [a [k].pos]->loc;
        if (per_dup)
            for (k = 1; k < nl; k++) {
                gql_loc_t pair [2] = { locs [0], locs [k] };
                gqlv_report (ctx, rule, pair, 2, fmt, S_STR (a [i].name));
            }
        else
            gqlv_report (ctx, rule, locs, nl, fmt, S_STR (a [i].name));
    }
    free (a);
    free (locs);
}

/* OneOfInputValuesRule as graphql-js 16.9 has it inside ValuesOfCorrectType: an object
   value of a @oneOf input object names exactly one field (repeated names count once),
   whose value is not null and, when it is a variable, one of a non-null type. */
static void
s_check_one_of_value (s_walk_t *w, const gql_value_t *v, const gql_type_t *t)
{
    const gql_argument_t *only = NULL;
    size_t keys = 0;
    for (size_t i = 0; i < v->field_count; i++) {
        bool earlier = false;
        for (size_t j = 0; j < i && !earlier; j++)
            earlier = gql_str_equal (v->fields [j]->name, v->fields [i]->name);
        if (!earlier)
            keys++;
        only = v->fields [i]; /* the last of a repeated name, as graphql-js's keyMap */
    }
    if (keys != 1) {
        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                     "OneOf Input Object \"%.*s\" must specify exactly one key.", S_STR (t->name));
        return;
    }
    if (only->value->kind == GQL_VALUE_NULL) {
        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1, "Field \"%.*s.%.*s\" must be non-null.",
                     S_STR (t->name), S_STR (only->name));
        return;
    }
    if (only->value->kind != GQL_VALUE_VARIABLE || !w->var_op)
        return;
    const gql_variable_def_t *def = NULL;
    for (size_t i = 0; i < w->var_op->variable_count; i++)
        if (gql_str_equal (w->var_op->variables [i]->name, only->value->str))
            def = w->var_op->variables [i];
    /* An undefined variable is NoUndefinedVariables' to report (graphql-js 16.9 throws). */
    if (def && def->type->kind != GQL_TYPE_NODE_NON_NULL)
        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                     "Variable \"%.*s\" must be non-nullable to be used for OneOf Input Object \"%.*s\".",
                     S_STR (def->name), S_STR (t->name));
}

/* Walks a value. `type` is the input type expected here (NULL when unknown), `has_default`
   whether the argument or input field being filled has a default, `check` whether
   ValuesOfCorrectType still looks at this subtree (graphql-js stops below a list or
   object value that does not fit its type). */
static void
s_walk_value (s_walk_t *w, const gql_value_t *v, const gql_type_ref_t *type, bool has_default, bool check)
{
    size_t i, j;
    char ts [256];
    switch (v->kind) {
        case GQL_VALUE_VARIABLE: s_usage_push (w, v, type, has_default); return;
        case GQL_VALUE_NULL:
            if (check && type && gql_type_ref_is_non_null (*type)) {
                gqlv_print_ref (*type, ts, sizeof ts);
                gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                             "Expected value of type \"%s\", found null.", ts);
            }
            return;
        case GQL_VALUE_INT:
        case GQL_VALUE_FLOAT:
        case GQL_VALUE_STRING:
        case GQL_VALUE_BOOLEAN:
        case GQL_VALUE_ENUM:
            if (check)
                s_check_leaf_value (w, v, type);
            return;
        case GQL_VALUE_LIST: {
            gql_type_ref_t item;
            bool is_list = false;
            if (type) {
                item = gql_type_ref_nullable (*type);
                is_list = gql_type_ref_kind (item) == GQL_REF_LIST;
                if (is_list)
                    item = gql_type_ref_of (item);
            }
            if (check && !is_list) {
                s_check_leaf_value (w, v, type);
                check = false;
            }
            for (i = 0; i < v->item_count; i++)
                s_walk_value (w, v->items [i], type ? &item : NULL, false, check);
            return;
        }
        case GQL_VALUE_OBJECT: {
            const gql_type_t *named = type ? type->named : NULL;
            bool is_input = named && named->kind == GQL_KIND_INPUT_OBJECT;
            s_check_unique_names (w->ctx, v->fields, v->field_count, true, GQL_RULE_UNIQUE_INPUT_FIELD_NAMES,
                                  "There can be only one input field named \"%.*s\".");
            if (check && !is_input) {
                s_check_leaf_value (w, v, type);
                check = false;
            }
            if (check) {
                for (i = 0; i < named->input_field_count; i++) {
                    const gql_input_value_t *f = &named->input_fields [i];
                    if (!gql_type_ref_is_non_null (f->type) || f->default_value)
                        continue;
                    bool present = false;
                    for (j = 0; j < v->field_count && !present; j++)
                        present = gql_str_equal (v->fields [j]->name, f->name);
                    if (!present) {
                        gqlv_print_ref (f->type, ts, sizeof ts);
                        gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &v->loc, 1,
                                     "Field \"%.*s.%.*s\" of required type \"%s\" was not provided.",
                                     S_STR (named->name), S_STR (f->name), ts);
                    }
                }
                if (named->one_of)
                    s_check_one_of_value (w, v, named);
            }
            for (i = 0; i < v->field_count; i++) {
                const gql_argument_t *fa = v->fields [i];
                const gql_input_value_t *f =
                    is_input ? gql_type_input_field (named, fa->name.data, fa->name.len) : NULL;
                if (check && !f) {
                    char sugg [GQL_VALIDATE_MAX_MESSAGE];
                    s_suggest_input_field (w->ctx, named, fa->name, sugg, sizeof sugg);
                    gqlv_report (w->ctx, GQL_RULE_VALUES_OF_CORRECT_TYPE, &fa->loc, 1,
                                 "Field \"%.*s\" is not defined by type \"%.*s\".%s", S_STR (fa->name),
                                 S_STR (named->name), sugg);
                }
                s_walk_value (w, fa->value, f ? &f->type : NULL, f && f->default_value, check);
            }
            return;
        }
    }
}

/* =======================================================================================
 *  Directives: KnownDirectives, UniqueDirectivesPerLocation, KnownArgumentNames,
 *  UniqueArgumentNames, ProvidedRequiredArguments, values
 * ===================================================================================== */

/* The directives of one node. `seen` (may be NULL) is shared between the nodes graphql-js
   considers one location (a type and its extensions): s_dirs_seen_t holds the first use
   of each non-repeatable directive. */
typedef struct {
    const gql_directive_t **v;
    size_t n;
    size_t cap;
} s_dirs_seen_t;

static void
s_walk_directives (s_walk_t *w, gql_directive_t *const *dirs, size_t count, gql_directive_location_t where,
                   s_dirs_seen_t *seen)
{
    gqlv_ctx_t *ctx = w->ctx;
    s_dirs_seen_t local = { NULL, 0, 0 };
    size_t i, j, k;
    char ts [256];
    if (!seen)
        seen = &local;
    for (i = 0; i < count; i++) {
        const gql_directive_t *d = dirs [i];
        s_dir_t def;
        bool known = s_directive_lookup (ctx, d->name, &def);
        if (!known)
            gqlv_report (ctx, GQL_RULE_KNOWN_DIRECTIVES, &d->loc, 1, "Unknown directive \"@%.*s\".", S_STR (d->name));
        else if (!(def.locations & GQL_DIRLOC_BIT (where)))
            gqlv_report (ctx, GQL_RULE_KNOWN_DIRECTIVES, &d->loc, 1, "Directive \"@%.*s\" may not be used on %s.",
                         S_STR (d->name), gql_directive_location_name (where));
        /* Unique per location, for non-repeatable directives. */
        if (known && !def.repeatable) {
            const gql_directive_t *first = NULL;
            for (j = 0; j < seen->n && !first; j++)
                if (gql_str_equal (seen->v [j]->name, d->name))
                    first = seen->v [j];
            if (first) {
                gql_loc_t pair [2] = { first->loc, d->loc };
                gqlv_report (ctx, GQL_RULE_UNIQUE_DIRECTIVES_PER_LOCATION, pair, 2,
                             "The directive \"@%.*s\" can only be used once at this location.", S_STR (d->name));
            }
            else {
                if (seen->n == seen->cap) {
                    size_t cap = seen->cap ? seen->cap * 2 : 4;
                    const gql_directive_t **nv = realloc (seen->v, cap * sizeof *nv);
                    if (!nv) {
                        ctx->oom = true;
                        break;
                    }
                    seen->v = nv;
                    seen->cap = cap;
                }
                seen->v [seen->n++] = d;
            }
        }
        /* Arguments. */
        s_check_unique_names (ctx, d->arguments, d->argument_count, false, GQL_RULE_UNIQUE_ARGUMENT_NAMES,
                              "There can be only one argument named \"%.*s\".");
        for (j = 0; j < d->argument_count; j++) {
            const gql_argument_t *a = d->arguments [j];
            const gql_input_value_t *ad = NULL;
            bool arg_known = false;
            if (def.sd) {
                ad = gql_directive_arg (def.sd, a->name.data, a->name.len);
                arg_known = ad != NULL;
            }
            else if (def.dd) {
                for (k = 0; k < def.dd->argument_count && !arg_known; k++)
                    arg_known = gql_str_equal (def.dd->arguments [k]->name, a->name);
            }
            if (known && !arg_known) {
                char sugg [GQL_VALIDATE_MAX_MESSAGE];
                s_suggest_directive_arg (ctx, &def, a->name, sugg, sizeof sugg);
                gqlv_report (ctx, GQL_RULE_KNOWN_ARGUMENT_NAMES, &a->loc, 1,
                             "Unknown argument \"%.*s\" on directive \"@%.*s\".%s", S_STR (a->name), S_STR (d->name),
                             sugg);
            }
            /* Values are typed as graphql-js's TypeInfo types them: by the schema's
               directive, or, for a directive the schema does not know, by the enclosing
               field's arguments. */
            const gql_schema_directive_t *sdir = gql_schema_directive (ctx->schema, d->name.data, d->name.len);
            const gql_input_value_t *tad = sdir       ? gql_directive_arg (sdir, a->name.data, a->name.len)
                                           : w->field ? gql_field_arg (w->field, a->name.data, a->name.len)
                                                      : NULL;
            s_walk_value (w, a->value, tad ? &tad->type : NULL, tad && tad->default_value, true);
        }
        /* Required arguments. */
        if (def.sd) {
            for (k = 0; k < def.sd->arg_count; k++) {
                const gql_input_value_t *ad = &def.sd->args [k];
                if (!gql_type_ref_is_non_null (ad->type) || ad->default_value)
                    continue;
                bool present = false;
                for (j = 0; j < d->argument_count && !present; j++)
                    present = gql_str_equal (d->arguments [j]->name, ad->name);
                if (!present) {
                    gqlv_print_ref (ad->type, ts, sizeof ts);
                    gqlv_report (ctx, GQL_RULE_PROVIDED_REQUIRED_ARGUMENTS, &d->loc, 1,
                                 "Directive \"@%.*s\" argument \"%.*s\" of type \"%s\" is "
                                 "required, but it was not provided.",
                                 S_STR (d->name), S_STR (ad->name), ts);
                }
            }
        }
        else if (def.dd) {
            for (k = 0; k < def.dd->argument_count; k++) {
                const gql_input_value_def_t *ad = def.dd->arguments [k];
                if (ad->type->kind != GQL_TYPE_NODE_NON_NULL || ad->default_value)
                    continue;
                bool present = false;
                for (j = 0; j < d->argument_count && !present; j++)
                    present = gql_str_equal (d->arguments [j]->name, ad->name);
                if (!present) {
                    s_print_type_node (ad->type, ts, sizeof ts);
                    gqlv_report (ctx, GQL_RULE_PROVIDED_REQUIRED_ARGUMENTS, &d->loc, 1,
                                 "Directive \"@%.*s\" argument \"%.*s\" of type \"%s\" is "
                                 "required, but it was not provided.",
                                 S_STR (d->name), S_STR (ad->name), ts);
                }
            }
        }
    }
    free (local.v);
}

/* =======================================================================================
 *  Selections
 * ===================================================================================== */

static void s_walk_selection_set (s_walk_t *w, const gql_type_t *parent, const gql_selection_set_t *set);

/* KnownTypeNames for the named type inside a type reference; returns the named node. */
static const gql_type_node_t *
s_named_node (const gql_type_node_t *t)
{
    while (t && t->kind != GQL_TYPE_NODE_NAMED)
        t = t->of_type;
    return t;
}

/* MaxIntrospectionDepth: the deepest nesting of introspection list fields (fields,
   interfaces, possibleTypes, inputFields) under a selection set, capped at 3. Fragments
   are followed once per path (a fragment already on the path counts 0, as in
   graphql-js) and their depth is remembered, so shared fragments cost nothing more. */
static long
s_introspection_depth (s_walk_t *w, const gql_selection_set_t *set)
{
    long best = 0, d;
    size_t i;
    if (!set)
        return 0;
    for (i = 0; i < set->item_count && best < 3; i++) {
        const gql_selection_t *sel = set->items [i];
        switch (sel->kind) {
            case GQL_SELECTION_FIELD:
                d = s_introspection_depth (w, sel->selection_set);
                if (gql_str_eq (sel->name, "fields") || gql_str_eq (sel->name, "interfaces")
                    || gql_str_eq (sel->name, "possibleTypes") || gql_str_eq (sel->name, "inputFields"))
                    d++;
                break;
            case GQL_SELECTION_INLINE_FRAGMENT: d = s_introspection_depth (w, sel->selection_set); break;
            case GQL_SELECTION_FRAGMENT_SPREAD: {
                long fi = gqlv_fragment_index (w->ctx, sel->name);
                d = 0;
                if (fi < 0 || w->on_stack [fi])
                    break;
                if (w->introspection_memo [fi] >= 0) {
                    d = w->introspection_memo [fi];
                    break;
                }
                w->on_stack [fi] = 1;
                d = s_introspection_depth (w, w->ctx->doc->fragments [fi]->selection_set);
                w->on_stack [fi] = 0;
                w->introspection_memo [fi] = d;
                break;
            }
            default: d = 0;
        }
        if (d > best)
            best = d;
    }
    return best > 3 ? 3 : best;
}

static void
s_walk_field (s_walk_t *w, const gql_type_t *parent, const gql_selection_t *sel)
{
    gqlv_ctx_t *ctx = w->ctx;
    const gql_field_t *fdef = parent ? gql_type_field (parent, sel->name.data, sel->name.len) : NULL;
    size_t i, j;
    char ts [256];
    bool introspection_reported = false;
    const gql_field_t *outer = w->field;

    if (parent && !fdef) {
        char sugg [GQL_VALIDATE_MAX_MESSAGE];
        s_suggest_field (ctx, parent, sel->name, sugg, sizeof sugg);
        gqlv_report (ctx, GQL_RULE_FIELDS_ON_CORRECT_TYPE, &sel->loc, 1,
                     "Cannot query field \"%.*s\" on type \"%.*s\".%s", S_STR (sel->name), S_STR (parent->name), sugg);
    }

    if (!w->introspection_skip && (gql_str_eq (sel->name, "__schema") || gql_str_eq (sel->name, "__type"))
        && s_introspection_depth (w, sel->selection_set) >= 3) {
        gqlv_report (ctx, GQL_RULE_MAX_INTROSPECTION_DEPTH, &sel->loc, 1, "Maximum introspection depth exceeded");
        introspection_reported = true;
        w->introspection_skip++;
    }

    s_check_unique_names (ctx, sel->arguments, sel->argument_count, false, GQL_RULE_UNIQUE_ARGUMENT_NAMES,
                          "There can be only one argument named \"%.*s\".");
    for (i = 0; i < sel->argument_count; i++) {
        const gql_argument_t *a = sel->arguments [i];
        const gql_input_value_t *ad = fdef ? gql_field_arg (fdef, a->name.data, a->name.len) : NULL;
        if (fdef && !ad) {
            char sugg [GQL_VALIDATE_MAX_MESSAGE];
            s_suggest_field_arg (ctx, fdef, a->name, sugg, sizeof sugg);
            gqlv_report (ctx, GQL_RULE_KNOWN_ARGUMENT_NAMES, &a->loc, 1,
                         "Unknown argument \"%.*s\" on field \"%.*s.%.*s\".%s", S_STR (a->name), S_STR (parent->name),
                         S_STR (fdef->name), sugg);
        }
        s_walk_value (w, a->value, ad ? &ad->type : NULL, ad && ad->default_value, true);
    }
    w->field = fdef;
    s_walk_directives (w, sel->directives, sel->directive_count, GQL_DIRLOC_FIELD, NULL);

    const gql_type_t *child = NULL;
    if (fdef) {
        const gql_type_t *named = fdef->type.named;
        if (s_is_leaf (named)) {
            if (sel->selection_set) {
                gqlv_print_ref (fdef->type, ts, sizeof ts);
                gqlv_report (ctx, GQL_RULE_SCALAR_LEAFS, &sel->selection_set->loc, 1,
                             "Field \"%.*s\" must not have a selection since type \"%s\" has no "
                             "subfields.",
                             S_STR (sel->name), ts);
            }
        }
        else if (!sel->selection_set) {
            gqlv_print_ref (fdef->type, ts, sizeof ts);
            gqlv_report (ctx, GQL_RULE_SCALAR_LEAFS, &sel->loc, 1,
                         "Field \"%.*s\" of type \"%s\" must have a selection of subfields. Did "
                         "you mean \"%.*s { ... }\"?",
                         S_STR (sel->name), ts, S_STR (sel->name));
        }
        if (s_is_composite (named))
            child = named;
    }
    if (sel->selection_set)
        s_walk_selection_set (w, child, sel->selection_set);

    /* ProvidedRequiredArguments (graphql-js checks on leaving the field). */
    if (fdef) {
        for (i = 0; i < fdef->arg_count; i++) {
            const gql_input_value_t *ad = &fdef->args [i];
            if (!gql_type_ref_is_non_null (ad->type) || ad->default_value)
                continue;
            bool present = false;
            for (j = 0; j < sel->argument_count && !present; j++)
                present = gql_str_equal (sel->arguments [j]->name, ad->name);
            if (!present) {
                gqlv_print_ref (ad->type, ts, sizeof ts);
                gqlv_report (ctx, GQL_RULE_PROVIDED_REQUIRED_ARGUMENTS, &sel->loc, 1,
                             "Field \"%.*s\" argument \"%.*s\" of type \"%s\" is required, "
                             "but it was not provided.",
                             S_STR (fdef->name), S_STR (ad->name), ts);
            }
        }
    }
    if (introspection_reported)
        w->introspection_skip--;
    w->field = outer;
}

static void
s_walk_selection_set (s_walk_t *w, const gql_type_t *parent, const gql_selection_set_t *set)
{
    gqlv_ctx_t *ctx = w->ctx;
    size_t i;
    if (!set)
        return;
    gqlv_overlap_check (ctx, parent, set);
    for (i = 0; i < set->item_count && !ctx->oom && !ctx->aborted; i++) {
        const gql_selection_t *sel = set->items [i];
        switch (sel->kind) {
            case GQL_SELECTION_FIELD: s_walk_field (w, parent, sel); break;
            case GQL_SELECTION_INLINE_FRAGMENT: {
                const gql_type_t *t = parent;
                if (sel->type_condition.data) {
                    t = gqlv_type (ctx, sel->type_condition);
                    if (!t)
                        s_check_type_name (ctx, sel->type_condition, sel->type_condition_loc, false);
                    else if (!s_is_composite (t))
                        gqlv_report (ctx, GQL_RULE_FRAGMENTS_ON_COMPOSITE_TYPES, &sel->type_condition_loc, 1,
                                     "Fragment cannot condition on non composite type \"%.*s\".",
                                     S_STR (sel->type_condition));
                }
                if (s_is_composite (t) && parent && !s_types_overlap (t, parent))
                    gqlv_report (ctx, GQL_RULE_POSSIBLE_FRAGMENT_SPREADS, &sel->loc, 1,
                                 "Fragment cannot be spread here as objects of type \"%.*s\" can "
                                 "never be of type \"%.*s\".",
                                 S_STR (parent->name), S_STR (t->name));
                s_walk_directives (w, sel->directives, sel->directive_count, GQL_DIRLOC_INLINE_FRAGMENT, NULL);
                s_walk_selection_set (w, s_is_composite (t) ? t : NULL, sel->selection_set);
                break;
            }
            case GQL_SELECTION_FRAGMENT_SPREAD: {
                const gql_fragment_t *f = s_fragment (ctx, sel->name);
                if (!f) {
                    gql_loc_t l = s_spread_name_loc (ctx, sel);
                    gqlv_report (ctx, GQL_RULE_KNOWN_FRAGMENT_NAMES, &l, 1, "Unknown fragment \"%.*s\".",
                                 S_STR (sel->name));
                }
                else {
                    const gql_type_t *ft = gqlv_type (ctx, f->type_condition);
                    if (s_is_composite (ft) && parent && !s_types_overlap (ft, parent))
                        gqlv_report (ctx, GQL_RULE_POSSIBLE_FRAGMENT_SPREADS, &sel->loc, 1,
                                     "Fragment \"%.*s\" cannot be spread here as objects of type "
                                     "\"%.*s\" can never be of type \"%.*s\".",
                                     S_STR (sel->name), S_STR (parent->name), S_STR (ft->name));
                }
                s_walk_directives (w, sel->directives, sel->directive_count, GQL_DIRLOC_FRAGMENT_SPREAD, NULL);
                break;
            }
        }
    }
}

/* =======================================================================================
 *  Definitions
 * ===================================================================================== */

static void
s_walk_variable_definitions (s_walk_t *w, const gql_operation_t *op)
{
    gqlv_ctx_t *ctx = w->ctx;
    size_t i, j;
    char ts [256];
    for (i = 0; i < op->variable_count; i++) {
        const gql_variable_def_t *vd = op->variables [i];
        const gql_type_node_t *nn = s_named_node (vd->type);
        const gql_type_t *named = nn ? gqlv_type (ctx, nn->name) : NULL;
        if (nn && !named)
            s_check_type_name (ctx, nn->name, nn->loc, false);
        if (named && !s_is_input (named)) {
            s_print_type_node (vd->type, ts, sizeof ts);
            gqlv_report (ctx, GQL_RULE_VARIABLES_ARE_INPUT_TYPES, &vd->type->loc, 1,
                         "Variable \"$%.*s\" cannot be non-input type \"%s\".", S_STR (vd->name), ts);
        }
        gql_type_ref_t ref;
        bool typed = named && s_is_input (named) && gqlv_resolve (ctx, vd->type, &ref) == 0;
        if (vd->default_value)
            s_walk_value (w, vd->default_value, typed ? &ref : NULL, false, true);
        s_walk_directives (w, vd->directives, vd->directive_count, GQL_DIRLOC_VARIABLE_DEFINITION, NULL);
    }
    /* UniqueVariableNames: one error per repeated name, with every occurrence. */
    for (i = 0; i < op->variable_count; i++) {
        bool earlier = false;
        for (j = 0; j < i && !earlier; j++)
            earlier = gql_str_equal (op->variables [j]->name, op->variables [i]->name);
        if (earlier)
            continue;
        gqlv_locs_t locs = { NULL, 0, 0 };
        for (j = i; j < op->variable_count; j++)
            if (gql_str_equal (op->variables [j]->name, op->variables [i]->name))
                gqlv_locs_push (ctx, &locs, s_var_name_loc (ctx, op->variables [j]->loc));
        if (locs.n > 1)
            gqlv_report (ctx, GQL_RULE_UNIQUE_VARIABLE_NAMES, locs.v, locs.n,
                         "There can be only one variable named \"$%.*s\".", S_STR (op->variables [i]->name));
        free (locs.v);
    }
}

static void
s_walk_operation (s_walk_t *w, const gql_operation_t *op)
{
    static const gql_directive_location_t where [] = { GQL_DIRLOC_QUERY, GQL_DIRLOC_MUTATION, GQL_DIRLOC_SUBSCRIPTION };
    const gql_type_t *root = gql_schema_root (w->ctx->schema, op->type);
    if (root && root->kind != GQL_KIND_OBJECT)
        root = NULL;
    s_walk_variable_definitions (w, op);
    s_walk_directives (w, op->directives, op->directive_count, where [op->type], NULL);
    s_walk_selection_set (w, root, op->selection_set);
}

static void
s_walk_fragment (s_walk_t *w, const gql_fragment_t *f)
{
    gqlv_ctx_t *ctx = w->ctx;
    const gql_type_t *t = gqlv_type (ctx, f->type_condition);
    if (!t)
        s_check_type_name (ctx, f->type_condition, f->type_condition_loc, false);
    else if (!s_is_composite (t))
        gqlv_report (ctx, GQL_RULE_FRAGMENTS_ON_COMPOSITE_TYPES, &f->type_condition_loc, 1,
                     "Fragment \"%.*s\" cannot condition on non composite type \"%.*s\".", S_STR (f->name),
                     S_STR (f->type_condition));
    s_walk_directives (w, f->directives, f->directive_count, GQL_DIRLOC_FRAGMENT_DEFINITION, NULL);
    s_walk_selection_set (w, s_is_composite (t) ? t : NULL, f->selection_set);
}

/* --- Type-system definitions in a request: ExecutableDefinitions reports them; like
       graphql-js, the type and directive rules still look at what they reference. --- */

static void
s_sdl_type_name (gqlv_ctx_t *ctx, gql_str_t name, gql_loc_t loc)
{
    s_check_type_name (ctx, name, loc, true);
}

static void
s_sdl_type_node (gqlv_ctx_t *ctx, const gql_type_node_t *t)
{
    const gql_type_node_t *nn = s_named_node (t);
    if (nn)
        s_sdl_type_name (ctx, nn->name, nn->loc);
}

static void
s_sdl_input_values (s_walk_t *w, gql_input_value_def_t *const *ivs, size_t n, bool input_fields)
{
    size_t i;
    for (i = 0; i < n; i++) {
        s_sdl_type_node (w->ctx, ivs [i]->type);
        if (ivs [i]->default_value)
            s_walk_value (w, ivs [i]->default_value, NULL, false, false);
        s_walk_directives (w, ivs [i]->directives, ivs [i]->directive_count,
                           input_fields ? GQL_DIRLOC_INPUT_FIELD_DEFINITION : GQL_DIRLOC_ARGUMENT_DEFINITION, NULL);
    }
}

/* One `seen` list per type name (a type and its extensions share it) and one for the
   schema (definition and extensions). */
typedef struct {
    gql_str_t name;
    s_dirs_seen_t seen;
} s_type_seen_t;

static void
s_walk_sdl (s_walk_t *w)
{
    gqlv_ctx_t *ctx = w->ctx;
    const gql_document_t *doc = ctx->doc;
    s_dirs_seen_t schema_seen = { NULL, 0, 0 };
    s_type_seen_t *types = NULL;
    size_t ntypes = 0, i, j, k;
    static const gql_directive_location_t kind_loc [] = {
        GQL_DIRLOC_SCALAR, GQL_DIRLOC_OBJECT, GQL_DIRLOC_INTERFACE,
        GQL_DIRLOC_UNION,  GQL_DIRLOC_ENUM,   GQL_DIRLOC_INPUT_OBJECT,
    };
    for (i = 0; i < doc->definition_count && !ctx->oom; i++) {
        const gql_definition_t *d = doc->definitions [i];
        switch (d->kind) {
            case GQL_DEF_SCHEMA:
                s_walk_directives (w, d->schema->directives, d->schema->directive_count, GQL_DIRLOC_SCHEMA,
                                   &schema_seen);
                for (j = 0; j < d->schema->operation_count; j++)
                    s_sdl_type_name (ctx, d->schema->operations [j]->type.value, d->schema->operations [j]->type.loc);
                break;
            case GQL_DEF_DIRECTIVE:
                s_sdl_input_values (w, d->directive->arguments, d->directive->argument_count, false);
                break;
            case GQL_DEF_TYPE: {
                const gql_type_def_t *t = d->type;
                s_type_seen_t *ts = NULL;
                for (j = 0; j < ntypes && !ts; j++)
                    if (gql_str_equal (types [j].name, t->name))
                        ts = &types [j];
                if (!ts) {
                    s_type_seen_t *nt = realloc (types, (ntypes + 1) * sizeof *nt);
                    if (!nt) {
                        ctx->oom = true;
                        break;
                    }
                    types = nt;
                    ts = &types [ntypes++];
                    ts->name = t->name;
                    memset (&ts->seen, 0, sizeof ts->seen);
                }
                for (j = 0; j < t->interface_count; j++)
                    s_sdl_type_name (ctx, t->interfaces [j]->value, t->interfaces [j]->loc);
                s_walk_directives (w, t->directives, t->directive_count, kind_loc [t->kind], &ts->seen);
                for (j = 0; j < t->field_count; j++) {
                    const gql_field_def_t *f = t->fields [j];
                    s_sdl_input_values (w, f->arguments, f->argument_count, false);
                    s_sdl_type_node (ctx, f->type);
                    s_walk_directives (w, f->directives, f->directive_count, GQL_DIRLOC_FIELD_DEFINITION, NULL);
                }
                for (j = 0; j < t->member_count; j++)
                    s_sdl_type_name (ctx, t->members [j]->value, t->members [j]->loc);
                for (j = 0; j < t->value_count; j++)
                    s_walk_directives (w, t->values [j]->directives, t->values [j]->directive_count,
                                       GQL_DIRLOC_ENUM_VALUE, NULL);
                s_sdl_input_values (w, t->input_fields, t->input_field_count, true);
                break;
            }
            default: break;
        }
    }
    for (k = 0; k < ntypes; k++)
        free (types [k].seen.v);
    free (types);
    free (schema_seen.v);
}

/* =======================================================================================
 *  Document-level rules
 * ===================================================================================== */

static void
s_check_definitions (gqlv_ctx_t *ctx)
{
    const gql_document_t *doc = ctx->doc;
    size_t i, j, nops = 0;
    for (i = 0; i < doc->definition_count; i++) {
        const gql_definition_t *d = doc->definitions [i];
        switch (d->kind) {
            case GQL_DEF_OPERATION: nops++; break;
            case GQL_DEF_FRAGMENT: break;
            case GQL_DEF_SCHEMA:
                gqlv_report (ctx, GQL_RULE_EXECUTABLE_DEFINITIONS, &d->loc, 1,
                             "The schema definition is not executable.");
                break;
            case GQL_DEF_TYPE:
                gqlv_report (ctx, GQL_RULE_EXECUTABLE_DEFINITIONS, &d->loc, 1,
                             "The \"%.*s\" definition is not executable.", S_STR (d->type->name));
                break;
            case GQL_DEF_DIRECTIVE:
                gqlv_report (ctx, GQL_RULE_EXECUTABLE_DEFINITIONS, &d->loc, 1,
                             "The \"%.*s\" definition is not executable.", S_STR (d->directive->name));
                break;
        }
    }
    /* UniqueOperationNames, LoneAnonymousOperation. */
    for (i = 0; i < doc->operation_count; i++) {
        const gql_operation_t *op = doc->operations [i];
        if (!op->name.data) {
            if (nops > 1)
                gqlv_report (ctx, GQL_RULE_LONE_ANONYMOUS_OPERATION, &op->loc, 1,
                             "This anonymous operation must be the only defined operation.");
            continue;
        }
        for (j = 0; j < i; j++)
            if (doc->operations [j]->name.data && gql_str_equal (doc->operations [j]->name, op->name))
                break;
        if (j < i) {
            gql_loc_t pair [2] = { s_op_name_loc (ctx, doc->operations [j]), s_op_name_loc (ctx, op) };
            gqlv_report (ctx, GQL_RULE_UNIQUE_OPERATION_NAMES, pair, 2,
                         "There can be only one operation named \"%.*s\".", S_STR (op->name));
        }
    }
    /* UniqueFragmentNames: each repeat against the first definition of the name. */
    for (i = 0; i < doc->fragment_count; i++) {
        const gql_fragment_t *f = doc->fragments [i];
        for (j = 0; j < i; j++)
            if (gql_str_equal (doc->fragments [j]->name, f->name))
                break;
        if (j < i) {
            gql_loc_t pair [2] = { s_frag_name_loc (ctx, doc->fragments [j]), s_frag_name_loc (ctx, f) };
            gqlv_report (ctx, GQL_RULE_UNIQUE_FRAGMENT_NAMES, pair, 2, "There can be only one fragment named \"%.*s\".",
                         S_STR (f->name));
        }
    }
}

/* NoFragmentCycles, as graphql-js: a depth-first walk from each fragment in document
   order, each fragment entered once; a spread back onto the current path is a cycle. */
typedef struct {
    gqlv_ctx_t *ctx;
    s_sels_t *spreads;      /* per fragment index: its spreads */
    unsigned char *visited; /* per winning fragment index */
    long *path_index;       /* per fragment index: position on the path, -1 */
    s_sels_t path;
} s_cycles_t;

static void
s_detect_cycles (s_cycles_t *c, size_t fi)
{
    gqlv_ctx_t *ctx = c->ctx;
    const gql_fragment_t *f = ctx->doc->fragments [fi];
    long wi = gqlv_fragment_index (ctx, f->name);
    size_t i, k;
    if (wi < 0 || c->visited [wi] || ctx->oom)
        return;
    c->visited [wi] = 1;
    const s_sels_t *sp = &c->spreads [fi];
    if (sp->n == 0)
        return;
    c->path_index [wi] = (long) c->path.n;
    for (i = 0; i < sp->n; i++) {
        const gql_selection_t *s = sp->v [i];
        long ti = gqlv_fragment_index (ctx, s->name);
        long cycle = ti >= 0 ? c->path_index [ti] : -1;
        if (s_sels_push (ctx, &c->path, s) < 0)
            return;
        if (cycle < 0) {
            if (ti >= 0)
                s_detect_cycles (c, (size_t) ti);
        }
        else {
            char via [GQL_VALIDATE_MAX_MESSAGE];
            s_sb_t sb = { via, sizeof via, 0 };
            gqlv_locs_t locs = { NULL, 0, 0 };
            via [0] = '\0';
            for (k = (size_t) cycle; k < c->path.n; k++) {
                gqlv_locs_push (ctx, &locs, c->path.v [k]->loc);
                if (k + 1 < c->path.n) {
                    s_sb_puts (&sb, k > (size_t) cycle ? ", \"" : "\"");
                    s_sb_put (&sb, c->path.v [k]->name.data, c->path.v [k]->name.len);
                    s_sb_puts (&sb, "\"");
                }
            }
            if (via [0])
                gqlv_report (ctx, GQL_RULE_NO_FRAGMENT_CYCLES, locs.v, locs.n,
                             "Cannot spread fragment \"%.*s\" within itself via %s.", S_STR (s->name), via);
            else
                gqlv_report (ctx, GQL_RULE_NO_FRAGMENT_CYCLES, locs.v, locs.n,
                             "Cannot spread fragment \"%.*s\" within itself.", S_STR (s->name));
            free (locs.v);
        }
        c->path.n--;
    }
    c->path_index [wi] = -1;
}

/* graphql-js getRecursivelyReferencedFragments(): winning fragment indexes reachable from
   a selection set, each once. `mark` is scratch (zeroed on return). */
static int
s_referenced_fragments (gqlv_ctx_t *ctx, const s_sels_t *spreads, const s_sels_t *root_spreads, unsigned char *mark,
                        size_t **out, size_t *nout)
{
    size_t *res = NULL, n = 0, i;
    size_t *stack = NULL, sn = 0;
    const s_sels_t *cur = root_spreads;
    stack = malloc ((ctx->doc->fragment_count + 1) * sizeof *stack);
    res = malloc ((ctx->doc->fragment_count + 1) * sizeof *res);
    if (!stack || !res) {
        free (stack);
        free (res);
        ctx->oom = true;
        return -1;
    }
    for (;;) {
        for (i = 0; i < cur->n; i++) {
            long fi = gqlv_fragment_index (ctx, cur->v [i]->name);
            if (fi < 0 || mark [fi])
                continue;
            mark [fi] = 1;
            assert (n <= ctx->doc->fragment_count);
            res [n++] = (size_t) fi;
            stack [sn++] = (size_t) fi;
        }
        if (sn == 0)
            break;
        cur = &spreads [stack [--sn]];
    }
    for (i = 0; i < n; i++)
        mark [res [i]] = 0;
    free (stack);
    *out = res;
    *nout = n;
    return 0;
}

/* SingleFieldSubscriptions: graphql-js's collectFields over the subscription root with
   no variable values. A @skip or @include whose `if` is not a literal Boolean (missing,
   null, a variable, another value) cannot be decided without variables: graphql-js throws
   out of validate() there, so the rule reports it and stops, and the document is refused
   either way (later editions of the spec forbid both directives on subscription root
   fields). */
typedef struct {
    gql_str_t key;
    size_t seq;
    const gql_selection_t *sel;
} s_keyed_t;

typedef struct {
    s_keyed_t *v;
    size_t n;
    size_t cap;
    const gql_directive_t *undecidable; /* set when collection had to stop */
} s_keyeds_t;

/* Returns 1 to include the selection, 0 to skip it, -1 when a @skip/@include cannot be
   decided (*bad is set). Like graphql-js: the first @skip, then the first @include, each
   with the last `if` argument. */
static int
s_should_include (const gql_selection_t *sel, const gql_directive_t **bad)
{
    static const char *const names [2] = { "skip", "include" };
    size_t i, j, k;
    for (k = 0; k < 2; k++) {
        const gql_directive_t *d = NULL;
        for (i = 0; i < sel->directive_count && !d; i++)
            if (gql_str_eq (sel->directives [i]->name, names [k]))
                d = sel->directives [i];
        if (!d)
            continue;
        const gql_value_t *v = NULL;
        for (j = 0; j < d->argument_count; j++)
            if (gql_str_eq (d->arguments [j]->name, "if"))
                v = d->arguments [j]->value;
        if (!v || v->kind != GQL_VALUE_BOOLEAN) {
            *bad = d;
            return -1;
        }
        if (v->boolean == (k == 0))
            return 0;
    }
    return 1;
}

static bool
s_condition_matches (gqlv_ctx_t *ctx, gql_str_t cond, const gql_type_t *runtime)
{
    if (!cond.data)
        return true;
    const gql_type_t *t = gqlv_type (ctx, cond);
    if (t == runtime)
        return true;
    return t && s_is_abstract (t) && s_schema_is_sub_type (t, runtime);
}

static void
s_collect_fields (gqlv_ctx_t *ctx, const gql_type_t *runtime, const gql_selection_set_t *set, s_keyeds_t *out,
                  unsigned char *visited)
{
    size_t i;
    int inc;
    for (i = 0; set && i < set->item_count && !ctx->oom && !out->undecidable; i++) {
        const gql_selection_t *sel = set->items [i];
        switch (sel->kind) {
            case GQL_SELECTION_FIELD:
                if ((inc = s_should_include (sel, &out->undecidable)) <= 0)
                    continue;
                if (out->n == out->cap && gql_grow (&out->v, &out->cap, out->n + 1, sizeof *out->v, 8) < 0) {
                    ctx->oom = true;
                    return;
                }
                out->v [out->n].key = gql_selection_response_key (sel);
                out->v [out->n].seq = out->n;
                out->v [out->n].sel = sel;
                out->n++;
                break;
            case GQL_SELECTION_INLINE_FRAGMENT:
                if ((inc = s_should_include (sel, &out->undecidable)) <= 0
                    || !s_condition_matches (ctx, sel->type_condition, runtime))
                    continue;
                s_collect_fields (ctx, runtime, sel->selection_set, out, visited);
                break;
            case GQL_SELECTION_FRAGMENT_SPREAD: {
                long fi = gqlv_fragment_index (ctx, sel->name);
                /* graphql-js checks "visited" before the directives, and marks the name
                   visited before looking the fragment up. */
                if (fi >= 0 && visited [fi])
                    continue;
                if ((inc = s_should_include (sel, &out->undecidable)) <= 0)
                    continue;
                if (fi < 0)
                    continue;
                visited [fi] = 1;
                const gql_fragment_t *f = ctx->doc->fragments [fi];
                if (!s_condition_matches (ctx, f->type_condition, runtime))
                    continue;
                s_collect_fields (ctx, runtime, f->selection_set, out, visited);
                break;
            }
        }
    }
}

static void
s_sort_keyed (s_keyed_t *a, s_keyed_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_keyed (a, tmp, h);
    s_sort_keyed (a + h, tmp, n - h);
    while (i < h && j < n)
        tmp [k++] = (gql_str_cmp (a [i].key, a [j].key) <= 0) ? a [i++] : a [j++];
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

/* A run of fields with one response key in the sorted array. */
typedef struct {
    size_t start;
    size_t end;
    size_t first_seq;
} s_group_t;

static int
s_group_cmp (const void *a, const void *b)
{
    size_t x = ((const s_group_t *) a)->first_seq, y = ((const s_group_t *) b)->first_seq;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Returns false when the rule had to stop (see s_should_include()). */
static bool
s_check_subscription (gqlv_ctx_t *ctx, const gql_operation_t *op, unsigned char *visited)
{
    const gql_type_t *root = gql_schema_subscription_type (ctx->schema);
    s_keyeds_t fields = { NULL, 0, 0, NULL };
    size_t i, j;
    char name [300];
    if (!root || op->type != GQL_OP_SUBSCRIPTION)
        return true;
    s_collect_fields (ctx, root, op->selection_set, &fields, visited);
    memset (visited, 0, ctx->doc->fragment_count);
    if (op->name.data)
        snprintf (name, sizeof name, "Subscription \"%.*s\"", S_STR (op->name));
    else
        snprintf (name, sizeof name, "Anonymous Subscription");
    if (fields.undecidable) {
        gqlv_report (ctx, GQL_RULE_SINGLE_FIELD_SUBSCRIPTIONS, &fields.undecidable->loc, 1,
                     "%s must not use @%.*s without a literal Boolean \"if\" on its root "
                     "selections.",
                     name, S_STR (fields.undecidable->name));
        free (fields.v);
        return false;
    }
    if (fields.n == 0) {
        free (fields.v);
        return true;
    }
    s_keyed_t *tmp = malloc (fields.n * sizeof *tmp);
    s_group_t *groups = malloc (fields.n * sizeof *groups);
    size_t ng = 0, g, k;
    if (!tmp || !groups) {
        ctx->oom = true;
        free (tmp);
        free (groups);
        free (fields.v);
        return true;
    }
    /* Group the fields by response key, groups in order of first appearance (graphql-js's
       Map); the stable sort keeps each group's fields in document order. */
    s_sort_keyed (fields.v, tmp, fields.n);
    for (i = 0; i < fields.n; i = j) {
        for (j = i + 1; j < fields.n && gql_str_equal (fields.v [j].key, fields.v [i].key); j++)
            ;
        groups [ng].start = i;
        groups [ng].end = j;
        groups [ng].first_seq = fields.v [i].seq;
        ng++;
    }
    qsort (groups, ng, sizeof *groups, s_group_cmp);
    /* More than one response key: every field but those of the first key. */
    if (ng > 1) {
        gqlv_locs_t extra = { NULL, 0, 0 };
        for (g = 1; g < ng; g++)
            for (k = groups [g].start; k < groups [g].end; k++)
                gqlv_locs_push (ctx, &extra, fields.v [k].sel->loc);
        gqlv_report (ctx, GQL_RULE_SINGLE_FIELD_SUBSCRIPTIONS, extra.v, extra.n,
                     "%s must select only one top level field.", name);
        free (extra.v);
    }
    /* Introspection root fields: per key, judged by its first field. */
    for (g = 0; g < ng; g++) {
        gql_str_t fname = fields.v [groups [g].start].sel->name;
        if (fname.len >= 2 && fname.data [0] == '_' && fname.data [1] == '_') {
            gqlv_locs_t locs = { NULL, 0, 0 };
            for (k = groups [g].start; k < groups [g].end; k++)
                gqlv_locs_push (ctx, &locs, fields.v [k].sel->loc);
            gqlv_report (ctx, GQL_RULE_SINGLE_FIELD_SUBSCRIPTIONS, locs.v, locs.n,
                         "%s must not select an introspection top level field.", name);
            free (locs.v);
        }
    }
    free (groups);
    free (tmp);
    free (fields.v);
    return true;
}

/* The variable rules of one operation, over its own usages and those of every fragment
   it reaches. */
static void
s_check_operation_variables (gqlv_ctx_t *ctx, const gql_operation_t *op, const s_usages_t *own,
                             const s_usages_t *frag_usages, const size_t *frags, size_t nfrags)
{
    size_t i, j, f;
    char vt [256], lt [256];
    bool *used = op->variable_count ? calloc (op->variable_count, sizeof *used) : NULL;
    if (op->variable_count && !used) {
        ctx->oom = true;
        return;
    }
    for (f = 0; f <= nfrags; f++) {
        const s_usages_t *u = f == 0 ? own : &frag_usages [frags [f - 1]];
        for (i = 0; i < u->n; i++) {
            const s_usage_t *us = &u->v [i];
            const gql_variable_def_t *vd = NULL;
            for (j = 0; j < op->variable_count; j++)
                if (gql_str_equal (op->variables [j]->name, us->name)) {
                    vd = op->variables [j]; /* the last definition wins, as in graphql-js */
                    used [j] = true;
                }
            if (!vd) {
                gql_loc_t pair [2] = { us->loc, op->loc };
                if (op->name.data)
                    gqlv_report (ctx, GQL_RULE_NO_UNDEFINED_VARIABLES, pair, 2,
                                 "Variable \"$%.*s\" is not defined by operation \"%.*s\".", S_STR (us->name),
                                 S_STR (op->name));
                else
                    gqlv_report (ctx, GQL_RULE_NO_UNDEFINED_VARIABLES, pair, 2, "Variable \"$%.*s\" is not defined.",
                                 S_STR (us->name));
                continue;
            }
            if (!us->has_type)
                continue;
            gql_type_ref_t var_type;
            if (gqlv_resolve (ctx, vd->type, &var_type) < 0)
                continue;
            /* VariablesInAllowedPosition, with the spec's default-value exception. */
            bool allowed;
            if (gql_type_ref_is_non_null (us->type) && !gql_type_ref_is_non_null (var_type)) {
                bool var_default = vd->default_value && vd->default_value->kind != GQL_VALUE_NULL;
                allowed = (var_default || us->has_location_default)
                          && gql_type_ref_is_subtype (var_type, gql_type_ref_of (us->type));
            }
            else
                allowed = gql_type_ref_is_subtype (var_type, us->type);
            if (!allowed) {
                gql_loc_t pair [2] = { vd->loc, us->loc };
                gqlv_print_ref (var_type, vt, sizeof vt);
                gqlv_print_ref (us->type, lt, sizeof lt);
                gqlv_report (ctx, GQL_RULE_VARIABLES_IN_ALLOWED_POSITION, pair, 2,
                             "Variable \"$%.*s\" of type \"%s\" used in position expecting type "
                             "\"%s\".",
                             S_STR (us->name), vt, lt);
            }
        }
    }
    for (j = 0; j < op->variable_count; j++) {
        if (used [j])
            continue;
        const gql_variable_def_t *vd = op->variables [j];
        if (op->name.data)
            gqlv_report (ctx, GQL_RULE_NO_UNUSED_VARIABLES, &vd->loc, 1,
                         "Variable \"$%.*s\" is never used in operation \"%.*s\".", S_STR (vd->name), S_STR (op->name));
        else
            gqlv_report (ctx, GQL_RULE_NO_UNUSED_VARIABLES, &vd->loc, 1, "Variable \"$%.*s\" is never used.",
                         S_STR (vd->name));
    }
    free (used);
}

/* =======================================================================================
 *  The entry point
 * ===================================================================================== */

/* Packs the recorded errors into one block the caller frees. */
static gql_validation_error_t *
s_pack (gqlv_ctx_t *ctx)
{
    size_t i, size = ctx->error_count * sizeof (gql_validation_error_t), nloc = 0;
    for (i = 0; i < ctx->error_count; i++) {
        nloc += ctx->errors [i].location_count;
        size += strlen (ctx->errors [i].message) + 1;
    }
    size += nloc * sizeof (gql_loc_t) + sizeof (gql_loc_t);
    gql_validation_error_t *out = malloc (size);
    if (!out)
        return NULL;
    gql_loc_t *locs = (gql_loc_t *) (out + ctx->error_count);
    char *text = (char *) (locs + nloc);
    for (i = 0; i < ctx->error_count; i++) {
        const gqlv_error_t *e = &ctx->errors [i];
        size_t ml = strlen (e->message) + 1;
        out [i].rule = e->rule;
        out [i].location_count = e->location_count;
        out [i].locations = e->location_count ? locs : NULL;
        if (e->location_count)
            memcpy (locs, e->locations, e->location_count * sizeof *locs);
        locs += e->location_count;
        memcpy (text, e->message, ml);
        out [i].message = text;
        text += ml;
    }
    return out;
}

int
gql_validate (const gql_schema_t *schema, const gql_document_t *doc, gql_validation_error_t **errors, size_t *count)
{
    return gql_validate_with (schema, doc, NULL, errors, count);
}

int
gql_validate_with (const gql_schema_t *schema, const gql_document_t *doc, const gql_validate_options_t *options,
                   gql_validation_error_t **errors, size_t *count)
{
    assert (schema && doc && errors && count);
    gqlv_ctx_t ctx;
    s_walk_t w;
    size_t nf = doc->fragment_count, i;
    s_usages_t *frag_usages = NULL, op_usages = { NULL, 0, 0 };
    s_sels_t *frag_spreads = NULL;
    unsigned char *mark = NULL;
    long *memo = NULL, *path_index = NULL;
    int rc = -1;

    *errors = NULL;
    *count = 0;
    memset (&ctx, 0, sizeof ctx);
    memset (&w, 0, sizeof w);
    ctx.schema = schema;
    ctx.doc = doc;
    ctx.hide_suggestions = options && options->hide_suggestions;
    bool refuse_nul_strings = options && options->refuse_nul_strings;
    memset (ctx.scalar_used, -1, sizeof ctx.scalar_used);
    ctx.arena = gql_arena_new ();
    if (!ctx.arena)
        return -1;
    for (i = 0; i < doc->definition_count; i++)
        if (doc->definitions [i]->kind == GQL_DEF_DIRECTIVE)
            ctx.doc_directives = true;
    if (s_index_fragments (&ctx) < 0)
        goto cleanup;
    ctx.overlap = gqlv_overlap_new (&ctx);
    frag_usages = calloc (nf + 1, sizeof *frag_usages);
    frag_spreads = calloc (nf + 1, sizeof *frag_spreads);
    mark = calloc (nf + 1, 1);
    memo = malloc ((nf + 1) * sizeof *memo);
    path_index = malloc ((nf + 1) * sizeof *path_index);
    if (!ctx.overlap || !frag_usages || !frag_spreads || !mark || !memo || !path_index)
        goto cleanup;
    for (i = 0; i <= nf; i++)
        memo [i] = path_index [i] = -1;
    w.ctx = &ctx;
    w.introspection_memo = memo;
    w.on_stack = mark;

    s_check_definitions (&ctx);

    /* The walk: fragments first (operations need their variable usages), then the
       type-system definitions, then each operation with the rules that follow its
       fragment spreads. */
    size_t fi = 0;
    for (i = 0; i < doc->definition_count && !ctx.oom && !ctx.aborted; i++) {
        const gql_definition_t *d = doc->definitions [i];
        if (d->kind == GQL_DEF_OPERATION)
            w.var_op = d->operation;
        if (d->kind == GQL_DEF_FRAGMENT) {
            w.usages = &frag_usages [fi];
            s_walk_fragment (&w, d->fragment);
            fi++;
        }
    }
    w.usages = NULL;
    if (!ctx.oom && !ctx.aborted)
        s_walk_sdl (&w);
    for (i = 0; i < nf && !ctx.oom; i++)
        s_collect_spreads (&ctx, doc->fragments [i]->selection_set, &frag_spreads [i]);

    /* NoFragmentCycles. */
    if (!ctx.oom && !ctx.aborted) {
        s_cycles_t c = { &ctx, frag_spreads, mark, path_index, { NULL, 0, 0 } };
        for (i = 0; i < nf && !ctx.oom; i++)
            s_detect_cycles (&c, i);
        free (c.path.v);
        memset (mark, 0, nf + 1);
    }

    /* Operations: the walk, then the rules over variables and reached fragments. */
    unsigned char *used_frag = calloc (nf + 1, 1);
    bool subscriptions_checked = true;
    if (!used_frag)
        ctx.oom = true;
    for (i = 0; i < doc->operation_count && !ctx.oom && !ctx.aborted; i++) {
        const gql_operation_t *op = doc->operations [i];
        s_sels_t spreads = { NULL, 0, 0 };
        size_t *frags = NULL, nfr = 0, k;
        op_usages.n = 0;
        w.usages = &op_usages;
        w.var_op = op;
        s_walk_operation (&w, op);
        if (subscriptions_checked)
            subscriptions_checked = s_check_subscription (&ctx, op, mark);
        if (s_collect_spreads (&ctx, op->selection_set, &spreads) == 0
            && s_referenced_fragments (&ctx, frag_spreads, &spreads, mark, &frags, &nfr) == 0) {
            s_check_operation_variables (&ctx, op, &op_usages, frag_usages, frags, nfr);
            for (k = 0; k < nfr; k++)
                used_frag [frags [k]] = 1;
        }
        free (frags);
        free (spreads.v);
    }
    /* NoUnusedFragments: a definition whose name no operation reaches. */
    for (i = 0; i < nf && !ctx.oom && !ctx.aborted; i++) {
        long wi = gqlv_fragment_index (&ctx, doc->fragments [i]->name);
        if (wi >= 0 && used_frag [wi])
            continue;
        gqlv_report (&ctx, GQL_RULE_NO_UNUSED_FRAGMENTS, &doc->fragments [i]->loc, 1,
                     "Fragment \"%.*s\" is never used.", S_STR (doc->fragments [i]->name));
    }
    free (used_frag);
    /* The merging rule stops at its nesting bound, which only fragment cycles reach, and
       NoFragmentCycles reports those. Should a document get there some other way, what
       was not checked is not passed. */
    if (!ctx.oom && ctx.error_count == 0 && gqlv_overlap_cut (ctx.overlap))
        gqlv_report (&ctx, GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED, NULL, 0,
                     "Fields could not all be compared: the document nests too deeply through its fragments.");
    /* Only a document the spec's rules accept is looked at: it holds executable
       definitions only, and a client learns about its real mistakes first. */
    if (refuse_nul_strings && !ctx.oom && ctx.error_count == 0)
        gqlv_check_nul_strings (&ctx);

    if (ctx.oom)
        goto cleanup;
    if (ctx.error_count == 0) {
        rc = 0;
        goto cleanup;
    }
    *errors = s_pack (&ctx);
    if (!*errors)
        goto cleanup;
    *count = ctx.error_count;
    rc = 1;

cleanup:
    for (i = 0; frag_usages && i <= nf; i++)
        free (frag_usages [i].v);
    for (i = 0; frag_spreads && i <= nf; i++)
        free (frag_spreads [i].v);
    free (frag_usages);
    free (frag_spreads);
    free (op_usages.v);
    free (mark);
    free (memo);
    free (path_index);
    gqlv_overlap_destroy (&ctx.overlap);
    free (ctx.errors);
    gql_arena_destroy (&ctx.arena);
    return rc;
}

void
gql_validation_errors_free (gql_validation_error_t **errors_p)
{
    if (!errors_p || !*errors_p)
        return;
    free (*errors_p);
    *errors_p = NULL;
}
