/*  fuzz_gql_parse.c - libFuzzer harness for the GraphQL lexer, parser and schema builder.

    Each input is parsed as a request document (gql_parse, with the default limits and with
    tight ones) and as a schema document (gql_parse_sdl); when the latter succeeds, a schema
    is built from it too.
    Besides the sanitizers, the harness checks invariants of every AST it gets: locations
    inside the input, names as slices of the input, cooked strings valid UTF-8, counts that
    match the limits. A violation aborts, so the fuzzer reports it.
*/
#include "gql.h"
#include "fuzz_worker_stack.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const char *src;
    size_t len;
} s_ctx_t;

static void
s_fail(const char *what)
{
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
}

static void
s_loc(const s_ctx_t *c, gql_loc_t loc)
{
    if (loc.line < 1 || loc.column < 1 || loc.offset > c->len)
        s_fail("location outside the input");
}

/* A name must be a non-empty slice of the input that follows the Name rule. */
static void
s_name(const s_ctx_t *c, gql_str_t name)
{
    if (!name.data || name.len == 0 || name.data < c->src || name.data + name.len > c->src + c->len)
        s_fail("name not a slice of the input");
    for (size_t i = 0; i < name.len; i++) {
        char ch = name.data[i];
        bool ok = ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                  || (i > 0 && ch >= '0' && ch <= '9');
        if (!ok)
            s_fail("name with a bad character");
    }
}

static void
s_opt_name(const s_ctx_t *c, gql_str_t name)
{
    if (name.data)
        s_name(c, name);
}

/* Cooked strings hold valid UTF-8 (surrogates never appear). */
static void
s_utf8(gql_str_t s)
{
    const unsigned char *p = (const unsigned char *) s.data;
    size_t i = 0;
    while (i < s.len) {
        unsigned char b = p[i];
        size_t n = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
                 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
        if (n == 0 || i + n > s.len)
            s_fail("string value is not utf-8");
        uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                s_fail("string value is not utf-8");
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            s_fail("string value is not utf-8");
        i += n;
    }
}

static void s_value(const s_ctx_t *c, const gql_value_t *v);

static void
s_arguments(const s_ctx_t *c, gql_argument_t *const *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s_loc(c, args[i]->loc);
        s_name(c, args[i]->name);
        s_value(c, args[i]->value);
    }
}

static void
s_value(const s_ctx_t *c, const gql_value_t *v)
{
    if (!v)
        s_fail("missing value");
    s_loc(c, v->loc);
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
    case GQL_VALUE_ENUM:
        s_name(c, v->str);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
        if (v->str.len == 0 || v->str.data < c->src || v->str.data + v->str.len > c->src + c->len)
            s_fail("number not a slice of the input");
        break;
    case GQL_VALUE_STRING:
        if (!v->str.data)
            s_fail("string value without data");
        s_utf8(v->str);
        break;
    case GQL_VALUE_LIST:
        for (size_t i = 0; i < v->item_count; i++)
            s_value(c, v->items[i]);
        break;
    case GQL_VALUE_OBJECT:
        s_arguments(c, v->fields, v->field_count);
        break;
    case GQL_VALUE_BOOLEAN:
    case GQL_VALUE_NULL:
        break;
    default:
        s_fail("unknown value kind");
    }
    char *text = gql_print_value(v);
    free(text);
}

static void
s_directives(const s_ctx_t *c, gql_directive_t *const *dirs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s_loc(c, dirs[i]->loc);
        s_name(c, dirs[i]->name);
        s_arguments(c, dirs[i]->arguments, dirs[i]->argument_count);
    }
}

static void
s_type(const s_ctx_t *c, const gql_type_node_t *t)
{
    if (!t)
        s_fail("missing type");
    char buf[32];
    gql_print_type_node(t, buf, sizeof buf);
    for (; t; t = t->of_type) {
        s_loc(c, t->loc);
        if (t->kind == GQL_TYPE_NODE_NAMED) {
            s_name(c, t->name);
            if (t->of_type)
                s_fail("named type with an inner type");
            return;
        }
        if (t->kind == GQL_TYPE_NODE_NON_NULL && t->of_type
            && t->of_type->kind == GQL_TYPE_NODE_NON_NULL)
            s_fail("non-null of non-null");
    }
    s_fail("type without a name");
}

static void
s_selection_set(const s_ctx_t *c, const gql_selection_set_t *set, uint32_t ids)
{
    if (!set || set->item_count == 0)
        s_fail("empty selection set");
    s_loc(c, set->loc);
    for (size_t i = 0; i < set->item_count; i++) {
        const gql_selection_t *sel = set->items[i];
        s_loc(c, sel->loc);
        if (sel->id >= ids)
            s_fail("selection id out of range");
        s_directives(c, sel->directives, sel->directive_count);
        switch (sel->kind) {
        case GQL_SELECTION_FIELD:
            s_opt_name(c, sel->alias);
            s_name(c, sel->name);
            s_arguments(c, sel->arguments, sel->argument_count);
            if (sel->selection_set)
                s_selection_set(c, sel->selection_set, ids);
            break;
        case GQL_SELECTION_FRAGMENT_SPREAD:
            s_name(c, sel->name);
            if (gql_str_eq(sel->name, "on"))
                s_fail("fragment spread named on");
            break;
        case GQL_SELECTION_INLINE_FRAGMENT:
            s_opt_name(c, sel->type_condition);
            s_selection_set(c, sel->selection_set, ids);
            break;
        default:
            s_fail("unknown selection kind");
        }
    }
}

static void
s_input_values(const s_ctx_t *c, gql_input_value_def_t *const *ivs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s_loc(c, ivs[i]->loc);
        s_name(c, ivs[i]->name);
        s_type(c, ivs[i]->type);
        if (ivs[i]->default_value)
            s_value(c, ivs[i]->default_value);
        s_directives(c, ivs[i]->directives, ivs[i]->directive_count);
    }
}

static void
s_document(const s_ctx_t *c, const gql_document_t *doc, const gql_limits_t *lim)
{
    if (doc->definition_count == 0)
        s_fail("document without definitions");
    if (lim->max_tokens && doc->token_count > lim->max_tokens)
        s_fail("token limit exceeded");
    if (lim->max_depth && doc->max_depth > lim->max_depth)
        s_fail("depth limit exceeded");
    if (lim->max_aliases && doc->alias_count > lim->max_aliases)
        s_fail("alias limit exceeded");
    if (lim->max_directives && doc->directive_count > lim->max_directives)
        s_fail("directive limit exceeded");
    size_t ops = 0, frags = 0;
    for (size_t i = 0; i < doc->definition_count; i++) {
        const gql_definition_t *d = doc->definitions[i];
        s_loc(c, d->loc);
        switch (d->kind) {
        case GQL_DEF_OPERATION:
            if (doc->operations[ops++] != d->operation)
                s_fail("operations array out of step");
            s_opt_name(c, d->operation->name);
            for (size_t j = 0; j < d->operation->variable_count; j++) {
                const gql_variable_def_t *v = d->operation->variables[j];
                s_name(c, v->name);
                s_type(c, v->type);
                if (v->default_value)
                    s_value(c, v->default_value);
                s_directives(c, v->directives, v->directive_count);
            }
            s_directives(c, d->operation->directives, d->operation->directive_count);
            s_selection_set(c, d->operation->selection_set, doc->selection_count);
            break;
        case GQL_DEF_FRAGMENT:
            if (doc->fragments[frags++] != d->fragment)
                s_fail("fragments array out of step");
            s_name(c, d->fragment->name);
            s_name(c, d->fragment->type_condition);
            s_directives(c, d->fragment->directives, d->fragment->directive_count);
            s_selection_set(c, d->fragment->selection_set, doc->selection_count);
            break;
        case GQL_DEF_SCHEMA:
            s_directives(c, d->schema->directives, d->schema->directive_count);
            for (size_t j = 0; j < d->schema->operation_count; j++)
                s_name(c, d->schema->operations[j]->type.value);
            break;
        case GQL_DEF_TYPE: {
            const gql_type_def_t *t = d->type;
            s_name(c, t->name);
            s_directives(c, t->directives, t->directive_count);
            for (size_t j = 0; j < t->interface_count; j++)
                s_name(c, t->interfaces[j]->value);
            for (size_t j = 0; j < t->member_count; j++)
                s_name(c, t->members[j]->value);
            for (size_t j = 0; j < t->field_count; j++) {
                s_name(c, t->fields[j]->name);
                s_type(c, t->fields[j]->type);
                s_input_values(c, t->fields[j]->arguments, t->fields[j]->argument_count);
                s_directives(c, t->fields[j]->directives, t->fields[j]->directive_count);
            }
            for (size_t j = 0; j < t->value_count; j++)
                s_name(c, t->values[j]->name);
            s_input_values(c, t->input_fields, t->input_field_count);
            break;
        }
        case GQL_DEF_DIRECTIVE:
            s_name(c, d->directive->name);
            if (d->directive->locations == 0)
                s_fail("directive without locations");
            s_input_values(c, d->directive->arguments, d->directive->argument_count);
            break;
        default:
            s_fail("unknown definition kind");
        }
    }
    if (ops != doc->operation_count || frags != doc->fragment_count)
        s_fail("by-kind counts out of step");
}

/* Touches everything a schema exposes. */
static void
s_schema(const gql_schema_t *s)
{
    size_t n;
    const gql_type_t *const *types = gql_schema_types(s, &n);
    for (size_t i = 0; i < n; i++) {
        const gql_type_t *t = types[i];
        if (gql_schema_type(s, t->name.data, t->name.len) != t)
            s_fail("type lookup disagrees");
        for (size_t j = 0; j < t->field_count; j++) {
            const gql_field_t *f = &t->fields[j];
            if (gql_type_field(t, f->name.data, f->name.len) != f)
                s_fail("field lookup disagrees");
            char buf[64];
            gql_print_type_ref(f->type, buf, sizeof buf);
            for (size_t k = 0; k < f->arg_count; k++)
                if (gql_field_arg(f, f->args[k].name.data, f->args[k].name.len) != &f->args[k])
                    s_fail("argument lookup disagrees");
        }
        for (size_t j = 0; j < t->enum_value_count; j++)
            if (gql_type_enum_value(t, t->enum_values[j].name.data, t->enum_values[j].name.len)
                != &t->enum_values[j])
                s_fail("enum value lookup disagrees");
        for (size_t j = 0; j < t->input_field_count; j++)
            if (gql_type_input_field(t, t->input_fields[j].name.data,
                                     t->input_fields[j].name.len) != &t->input_fields[j])
                s_fail("input field lookup disagrees");
        for (size_t j = 0; j < t->possible_type_count; j++)
            if (!gql_type_is_possible(t, t->possible_types[j]))
                s_fail("possible type not possible");
    }
    if (!gql_schema_query_type(s))
        s_fail("schema without a query type");
}

static void
s_one_input(const uint8_t *data, size_t size)
{
    /* A private copy, so an out-of-bounds read past the input is caught by ASan. */
    char *src = malloc(size ? size : 1);
    if (!src)
        return;
    if (size)
        memcpy(src, data, size);
    s_ctx_t c = { src, size };

    gql_limits_t lim;
    gql_limits_default(&lim);
    gql_error_t err;
    gql_document_t *doc = gql_parse(src, size, &lim, &err);
    if (doc)
        s_document(&c, doc, &lim);
    else if (err.code == GQL_OK || !err.message)
        s_fail("failure without an error");
    gql_document_destroy(&doc);

    /* Tight limits, so every limit's abort path runs on ordinary inputs. */
    gql_limits_t tight = { 4096, 64, 3, 2, 2 };
    doc = gql_parse(src, size, &tight, &err);
    if (doc)
        s_document(&c, doc, &tight);
    else if (err.code == GQL_OK || !err.message)
        s_fail("failure without an error");
    gql_document_destroy(&doc);

    gql_limits_t sdl_lim = GQL_LIMITS_SDL_INIT;
    doc = gql_parse_sdl(src, size, NULL, &err);
    if (doc) {
        s_document(&c, doc, &sdl_lim);
        gql_document_destroy(&doc);
        gql_schema_t *schema = gql_schema_new_from_sdl(src, size, &err);
        if (schema)
            s_schema(schema);
        else if (err.code == GQL_OK || !err.message)
            s_fail("schema failure without an error");
        gql_schema_destroy(&schema);
    }
    free(src);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run(s_one_input, data, size);
}
