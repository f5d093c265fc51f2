/*  gql_execute.c - breadth-first, batched execution of GraphQL operations (spec 6).

    One request is one s_exec_t. The response tree is built in place: every place a value
    goes (a field of a response object, an item of a response list) is a cell that knows
    its parent cell and whether it may hold null. A field error nulls the nearest nullable
    cell at or above the failing one (spec 6.4.4) and marks it dead, so the work queued
    beneath it is skipped.

    Execution runs level by level: the objects of one level are expanded into field tasks
    (CollectFields, cached per type and selection sets), the tasks are grouped by (type,
    field, coerced arguments), each group is resolved by one resolver call, and completing
    the results fills the cells and queues the objects of the next level.
*/
#include "gql_execute.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql_arena.h"
#include "gql_coerce.h"
#include "gql_introspection.h"

/* ---------------------------------------------------------------------------------------
 *  The executor
 * ------------------------------------------------------------------------------------- */

typedef struct {
    const gql_field_t *field;
    gql_batch_resolver_fn fn;
    const void *data;
} s_resolver_t;

struct gql_executor {
    const gql_schema_t *schema;
    s_resolver_t *resolvers; /* sorted by field address */
    size_t resolver_count;
    gql_exec_hooks_t hooks;
    gql_exec_options_t options;
    gql_introspection_t *intro;
};

int
gql_field_error_set (gql_field_error_t *error, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (!error)
        return -1;
    error->code = code ? code : GQL_CODE_INTERNAL;
    va_start (ap, fmt);
    vsnprintf (error->message, sizeof error->message, fmt, ap);
    va_end (ap);
    return -1;
}

/* Orders resolver entries by field address, for bsearch. */
static int
s_resolver_cmp (const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) ((const s_resolver_t *) a)->field;
    uintptr_t y = (uintptr_t) ((const s_resolver_t *) b)->field;
    return x < y ? -1 : x > y;
}

gql_executor_t *
gql_executor_new (const gql_schema_t *schema, const gql_resolver_entry_t *resolvers, size_t count,
                  const gql_exec_hooks_t *hooks, const gql_exec_options_t *options, char *err, size_t err_size)
{
    gql_executor_t *ex;
    assert (schema);
    if (err && err_size)
        err [0] = '\0';
    ex = calloc (1, sizeof *ex);
    if (!ex)
        goto nomem;
    ex->schema = schema;
    if (hooks)
        ex->hooks = *hooks;
    if (options)
        ex->options = *options;
    if (ex->options.max_errors == 0)
        ex->options.max_errors = 100;
    if (count > 0) {
        ex->resolvers = calloc (count, sizeof *ex->resolvers);
        if (!ex->resolvers)
            goto nomem;
    }
    for (size_t i = 0; i < count; i++) {
        const char *name = resolvers [i].name;
        const char *dot = name ? strchr (name, '.') : NULL;
        const gql_type_t *t = dot ? gql_schema_type (schema, name, (size_t) (dot - name)) : NULL;
        const gql_field_t *f = t ? gql_type_field (t, dot + 1, strlen (dot + 1)) : NULL;
        if (!f || t->kind != GQL_KIND_OBJECT || f->meta != GQL_META_NONE || !resolvers [i].fn
            || gql_introspection_is_meta_type (t)) {
            if (err && err_size)
                snprintf (err, err_size, "resolver \"%s\" does not name a field of an object type",
                          name ? name : "(null)");
            gql_executor_destroy (&ex);
            return NULL;
        }
        ex->resolvers [ex->resolver_count].field = f;
        ex->resolvers [ex->resolver_count].fn = resolvers [i].fn;
        ex->resolvers [ex->resolver_count].data = resolvers [i].data;
        ex->resolver_count++;
    }
    if (ex->resolver_count > 1)
        qsort (ex->resolvers, ex->resolver_count, sizeof *ex->resolvers, s_resolver_cmp);
    ex->intro = gql_introspection_new (schema);
    if (!ex->intro)
        goto nomem;
    return ex;
nomem:
    if (err && err_size)
        snprintf (err, err_size, "out of memory");
    gql_executor_destroy (&ex);
    return NULL;
}

void
gql_executor_destroy (gql_executor_t **ex_p)
{
    gql_executor_t *ex = ex_p ? *ex_p : NULL;
    if (!ex)
        return;
    gql_introspection_destroy (&ex->intro);
    free (ex->resolvers);
    free (ex);
    *ex_p = NULL;
}

const gql_schema_t *
gql_executor_schema (const gql_executor_t *ex)
{
    return ex->schema;
}

/* Returns the resolver registered for `field` (its function and data), or NULL. */
static const s_resolver_t *
s_resolver_find (const gql_executor_t *ex, const gql_field_t *field)
{
    s_resolver_t key = { field, NULL, NULL };
    if (ex->resolver_count == 0)
        return NULL;
    return bsearch (&key, ex->resolvers, ex->resolver_count, sizeof key, s_resolver_cmp);
}

/* ---------------------------------------------------------------------------------------
 *  Per-request state
 * ------------------------------------------------------------------------------------- */

/* A growable array of pointers (malloc'd, freed by its owner). */
typedef struct {
    void **items;
    size_t n;
    size_t cap;
} s_vec_t;

/* Appends `item`; returns 0 or -1 when out of memory. */
static int
s_vec_push (s_vec_t *v, void *item)
{
    if (v->n == v->cap && gql_grow (&v->items, &v->cap, v->n + 1, sizeof *v->items, 16) < 0)
        return -1;
    v->items [v->n++] = item;
    return 0;
}

static void
s_vec_free (s_vec_t *v)
{
    free (v->items);
    memset (v, 0, sizeof *v);
}

/* A place in the response: a key of a response object or an item of a response list. */
typedef struct s_cell s_cell_t;
struct s_cell {
    s_cell_t *parent;  /* the cell of the enclosing object or list; NULL for the root */
    json_t *container; /* the response object or array holding the value (kept alive by
                          s_exec_t.keep); NULL for the root */
    const char *key;   /* object key (NUL-terminated), NULL for a list item */
    size_t index;      /* list index */
    bool nullable;
    bool dead; /* nulled: nothing beneath it matters any more */
};

/* One response key of an object of one type: the merged field nodes and what they need. */
typedef struct {
    const char *key;               /* response key, NUL-terminated */
    const gql_field_t *field;      /* NULL: not a field of the type (skipped) */
    const gql_selection_t **nodes; /* merged field nodes, document order */
    size_t node_count;
    const gql_selection_set_t **subsets; /* their selection sets (for sub-fields) */
    size_t subset_count;
    json_t *args;                 /* coerced arguments; NULL when they failed */
    char *arg_error;              /* why (arena) */
    const s_resolver_t *resolver; /* NULL: the default resolver */
} s_cfield_t;

/* CollectFields result for (type, selection sets), cached per request. */
typedef struct {
    const gql_type_t *type;
    const gql_selection_set_t **sets;
    size_t set_count;
    s_cfield_t *fields;
    size_t field_count;
} s_collected_t;

/* An object value waiting for its fields to be executed. */
typedef struct {
    s_cell_t *cell;
    json_t *out;            /* the response object (kept alive by keep) */
    json_t *source;         /* the source value (kept alive by keep) */
    const gql_type_t *type; /* concrete object type */
    const gql_selection_set_t **sets;
    size_t set_count;
} s_pobj_t;

/* One field of one object to resolve. */
typedef struct {
    s_pobj_t *obj;
    s_cfield_t *cf;
    s_cell_t *cell;
} s_task_t;

/* Tasks that one resolver call serves. */
typedef struct {
    const gql_type_t *type;
    const gql_field_t *field;
    s_cfield_t *first;
    s_vec_t tasks;
} s_group_t;

typedef struct {
    const gql_executor_t *ex;
    const gql_schema_t *schema;
    const gql_document_t *doc;
    json_t *variables; /* coerced */
    void *context;
    gql_arena_t *arena;
    json_t *keep; /* every response container and source of the request */
    json_t *errors;
    size_t dropped_errors;
    json_t *data;
    s_cell_t root;
    s_vec_t collected; /* s_collected_t * */
    bool oom;
} s_exec_t;

/* Returns a NUL-terminated arena copy of a slice. */
static char *
s_strdup (s_exec_t *x, gql_str_t s)
{
    char *p = gql_arena_alloc (x->arena, s.len + 1);
    if (!p) {
        x->oom = true;
        return NULL;
    }
    if (s.len)
        memcpy (p, s.data, s.len);
    p [s.len] = '\0';
    return p;
}

/* Keeps a reference to `v` until the request ends. */
static void
s_keep (s_exec_t *x, json_t *v)
{
    if (v && json_array_append (x->keep, v) != 0)
        x->oom = true;
}

/* True when `c` or one of its ancestors was nulled. */
static bool
s_dead (const s_cell_t *c)
{
    for (; c; c = c->parent)
        if (c->dead)
            return true;
    return false;
}

/* Stores `v` (stolen) at cell `c`. */
static void
s_cell_set (s_exec_t *x, s_cell_t *c, json_t *v)
{
    int rc;
    if (!v) {
        x->oom = true;
        return;
    }
    if (!c->container) {
        /* The root cell holds "data" itself. */
        json_decref (x->data);
        x->data = v;
        return;
    }
    if (c->key)
        rc = json_object_set_new (c->container, c->key, v);
    else
        rc = json_array_set_new (c->container, c->index, v);
    if (rc != 0)
        x->oom = true;
}

/* Null propagation (spec 6.4.4): the value at `c` is null because of an error; null the
   nearest cell that may hold null and mark it dead. */
static void
s_null_at (s_exec_t *x, s_cell_t *c)
{
    while (c && !c->nullable)
        c = c->parent;
    if (!c)
        c = &x->root;
    if (c == &x->root) {
        json_decref (x->data);
        x->data = json_null ();
        x->root.dead = true;
        return;
    }
    s_cell_set (x, c, json_null ());
    c->dead = true;
}

/* Returns the response path of cell `c` as a JSON array. */
static json_t *
s_path (const s_cell_t *c)
{
    json_t *path = json_array ();
    if (!path)
        return NULL;
    for (; c && c->parent; c = c->parent) {
        json_t *part = c->key ? json_string (c->key) : json_integer ((json_int_t) c->index);
        if (!part || json_array_insert_new (path, 0, part) != 0) {
            json_decref (path);
            return NULL;
        }
    }
    return path;
}

/* Appends an error to the response: message, locations (of every field node of `cf`, or
   `loc`; both may be NULL), path (of `cell`, may be NULL), extensions {code, ...ext} (ext
   stolen, may be NULL). */
static void
s_error (s_exec_t *x, const char *code, const char *message, const gql_loc_t *loc, const s_cfield_t *cf,
         const s_cell_t *cell, json_t *ext)
{
    json_t *e;
    json_t *extensions;
    if (json_array_size (x->errors) >= x->ex->options.max_errors) {
        x->dropped_errors++;
        json_decref (ext);
        return;
    }
    e = json_object ();
    extensions = json_object ();
    if (!e || !extensions) {
        json_decref (e);
        json_decref (extensions);
        json_decref (ext);
        x->oom = true;
        return;
    }
    /* Every set below fails only when memory ran out (a NULL value included). */
    json_t *m = json_string (message);
    int rc = json_object_set_new (e, "message", m ? m : json_string ("invalid error text"));
    if (cf && cf->node_count > 0) {
        /* Every merged field node, as graphql-js reports them. */
        json_t *locs = json_array ();
        for (size_t i = 0; locs && i < cf->node_count && rc == 0; i++)
            rc = json_array_append_new (locs, json_pack ("{s:i,s:i}", "line", (int) cf->nodes [i]->loc.line, "column",
                                                         (int) cf->nodes [i]->loc.column));
        rc |= json_object_set_new (e, "locations", locs);
    }
    else if (loc && loc->line > 0) {
        rc |= json_object_set_new (e, "locations",
                                   json_pack ("[{s:i,s:i}]", "line", (int) loc->line, "column", (int) loc->column));
    }
    if (cell)
        rc |= json_object_set_new (e, "path", s_path (cell));
    rc |= json_object_set_new (extensions, "code", json_string (code ? code : GQL_CODE_INTERNAL));
    if (json_is_object (ext)) {
        const char *k;
        json_t *v;
        json_object_foreach (ext, k, v)
        {
            if (strcmp (k, "code") != 0)
                rc |= json_object_set (extensions, k, v);
        }
    }
    json_decref (ext);
    rc |= json_object_set_new (e, "extensions", extensions);
    if (rc != 0) {
        json_decref (e);
        x->oom = true;
        return;
    }
    if (json_array_append_new (x->errors, e) != 0)
        x->oom = true;
}

/* Records a field error at `cell` for the collected field `cf` and nulls the cell. The
   error's extensions are taken over. */
static void
s_field_error (s_exec_t *x, s_cell_t *cell, const s_cfield_t *cf, gql_field_error_t *fe, const char *default_code)
{
    const char *code = fe->code ? fe->code : default_code;
    const char *msg = fe->message [0] ? fe->message : "field error";
    s_error (x, code, msg, NULL, cf, cell, fe->extensions);
    fe->extensions = NULL;
    s_null_at (x, cell);
}

/* Same with a formatted message. */
static void s_field_errorf (s_exec_t *x, s_cell_t *cell, const s_cfield_t *cf, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

static void
s_field_errorf (s_exec_t *x, s_cell_t *cell, const s_cfield_t *cf, const char *code, const char *fmt, ...)
{
    gql_field_error_t fe;
    va_list ap;
    memset (&fe, 0, sizeof fe);
    fe.code = code;
    va_start (ap, fmt);
    vsnprintf (fe.message, sizeof fe.message, fmt, ap);
    va_end (ap);
    s_field_error (x, cell, cf, &fe, code);
}

/* ---------------------------------------------------------------------------------------
 *  CollectFields (spec 6.3.2)
 * ------------------------------------------------------------------------------------- */

/* Evaluates the `if` argument of @skip / @include. Returns 1 true, 0 false, -1 unknown. */
static int
s_directive_if (s_exec_t *x, const gql_directive_t *d)
{
    for (size_t i = 0; i < d->argument_count; i++) {
        const gql_argument_t *a = d->arguments [i];
        if (!gql_str_eq (a->name, "if") || !a->value)
            continue;
        if (a->value->kind == GQL_VALUE_BOOLEAN)
            return a->value->boolean ? 1 : 0;
        if (a->value->kind == GQL_VALUE_VARIABLE) {
            json_t *v = json_object_getn (x->variables, a->value->str.data, a->value->str.len);
            if (json_is_boolean (v))
                return json_is_true (v) ? 1 : 0;
        }
    }
    return -1;
}

/* True unless @skip(if: true) or @include(if: false) says otherwise. */
static bool
s_should_include (s_exec_t *x, gql_directive_t *const *dirs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (gql_str_eq (dirs [i]->name, "skip") && s_directive_if (x, dirs [i]) == 1)
            return false;
        if (gql_str_eq (dirs [i]->name, "include") && s_directive_if (x, dirs [i]) == 0)
            return false;
    }
    return true;
}

/* DoesFragmentTypeApply. */
static bool
s_type_applies (s_exec_t *x, const gql_type_t *object_type, gql_str_t condition)
{
    const gql_type_t *t;
    if (!condition.data)
        return true;
    t = gql_schema_type (x->schema, condition.data, condition.len);
    if (!t)
        return false;
    if (t == object_type)
        return true;
    return gql_type_is_abstract (t) && gql_type_is_possible (t, object_type);
}

/* A response key being collected. */
typedef struct {
    gql_str_t key;
    s_vec_t nodes;
} s_group_key_t;

/* Collects the fields of `set` for `type` into `keys` (s_group_key_t *), following
   fragments not yet in `visited` (gql_fragment_t *). */
static void
s_collect_set (s_exec_t *x, const gql_type_t *type, const gql_selection_set_t *set, s_vec_t *keys, s_vec_t *visited)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->item_count && !x->oom; i++) {
        const gql_selection_t *sel = set->items [i];
        if (!s_should_include (x, sel->directives, sel->directive_count))
            continue;
        switch (sel->kind) {
            case GQL_SELECTION_FIELD: {
                gql_str_t key = gql_selection_response_key (sel);
                s_group_key_t *g = NULL;
                for (size_t k = 0; k < keys->n; k++) {
                    s_group_key_t *c = keys->items [k];
                    if (gql_str_equal (c->key, key)) {
                        g = c;
                        break;
                    }
                }
                if (!g) {
                    g = calloc (1, sizeof *g);
                    if (!g || s_vec_push (keys, g) != 0) {
                        free (g);
                        x->oom = true;
                        return;
                    }
                    g->key = key;
                }
                if (s_vec_push (&g->nodes, (void *) sel) != 0)
                    x->oom = true;
                break;
            }
            case GQL_SELECTION_FRAGMENT_SPREAD: {
                const gql_fragment_t *frag;
                bool seen = false;
                for (size_t k = 0; k < visited->n; k++) {
                    if (gql_str_equal (((const gql_fragment_t *) visited->items [k])->name, sel->name)) {
                        seen = true;
                        break;
                    }
                }
                if (seen)
                    continue;
                frag = gql_document_fragment (x->doc, sel->name.data, sel->name.len);
                if (!frag)
                    continue;
                if (s_vec_push (visited, (void *) frag) != 0) {
                    x->oom = true;
                    return;
                }
                if (!s_type_applies (x, type, frag->type_condition))
                    continue;
                s_collect_set (x, type, frag->selection_set, keys, visited);
                break;
            }
            case GQL_SELECTION_INLINE_FRAGMENT:
                if (!s_type_applies (x, type, sel->type_condition))
                    continue;
                s_collect_set (x, type, sel->selection_set, keys, visited);
                break;
        }
    }
}

/* Fills a collected field: field definition, arguments, resolver, sub-selection sets. */
static void
s_prepare_cfield (s_exec_t *x, const gql_type_t *type, s_cfield_t *cf, s_group_key_t *g)
{
    const gql_selection_t *first = g->nodes.items [0];
    cf->key = s_strdup (x, g->key);
    cf->node_count = g->nodes.n;
    cf->nodes = gql_arena_alloc (x->arena, g->nodes.n * sizeof *cf->nodes);
    cf->subsets = gql_arena_alloc (x->arena, g->nodes.n * sizeof *cf->subsets);
    if (!cf->key || !cf->nodes || !cf->subsets) {
        x->oom = true;
        return;
    }
    for (size_t i = 0; i < g->nodes.n; i++) {
        const gql_selection_t *n = g->nodes.items [i];
        cf->nodes [i] = n;
        if (n->selection_set)
            cf->subsets [cf->subset_count++] = n->selection_set;
    }
    cf->field = gql_type_field (type, first->name.data, first->name.len);
    if (!cf->field)
        return;
    if (cf->field->meta == GQL_META_NONE && !gql_introspection_is_meta_type (type))
        cf->resolver = s_resolver_find (x->ex, cf->field);
    {
        gql_coerce_error_t err;
        memset (&err, 0, sizeof err);
        cf->args = gql_coerce_arguments (cf->field->args, cf->field->arg_count, first->arguments, first->argument_count,
                                         x->variables, &err);
        if (!cf->args && err.oom)
            x->oom = true;
        else
        if (!cf->args) {
            gql_str_t m = { err.message, strlen (err.message) };
            cf->arg_error = s_strdup (x, m);
        }
    }
}

/* Returns the collected fields of `type` for `sets` (cached for the request). */
static s_collected_t *
s_collect (s_exec_t *x, const gql_type_t *type, const gql_selection_set_t **sets, size_t set_count)
{
    s_vec_t keys = { 0 };
    s_vec_t visited = { 0 };
    s_collected_t *c;

    for (size_t i = 0; i < x->collected.n; i++) {
        c = x->collected.items [i];
        if (c->type == type && c->set_count == set_count
            && (set_count == 0 || memcmp (c->sets, sets, set_count * sizeof *sets) == 0))
            return c;
    }
    c = gql_arena_alloc (x->arena, sizeof *c);
    if (!c || s_vec_push (&x->collected, c) != 0) {
        x->oom = true;
        return NULL;
    }
    c->type = type;
    c->set_count = set_count;
    c->sets = gql_arena_memdup (x->arena, sets, set_count, sizeof *sets);
    for (size_t i = 0; i < set_count; i++)
        s_collect_set (x, type, sets [i], &keys, &visited);
    c->fields = keys.n ? gql_arena_alloc (x->arena, keys.n * sizeof *c->fields) : NULL;
    if (keys.n && !c->fields)
        x->oom = true;
    for (size_t k = 0; k < keys.n; k++) {
        s_group_key_t *g = keys.items [k];
        if (c->fields && !x->oom)
            s_prepare_cfield (x, type, &c->fields [c->field_count++], g);
        s_vec_free (&g->nodes);
        free (g);
    }
    s_vec_free (&keys);
    s_vec_free (&visited);
    return c;
}

/* ---------------------------------------------------------------------------------------
 *  CompleteValue (spec 6.4.3)
 * ------------------------------------------------------------------------------------- */

/* Returns a new cell beneath `parent`. */
static s_cell_t *
s_cell_new (s_exec_t *x, s_cell_t *parent, json_t *container, const char *key, size_t index, gql_type_ref_t type)
{
    s_cell_t *c = gql_arena_alloc (x->arena, sizeof *c);
    if (!c) {
        x->oom = true;
        return NULL;
    }
    c->parent = parent;
    c->container = container;
    c->key = key;
    c->index = index;
    c->nullable = !gql_type_ref_is_non_null (type);
    return c;
}

/* Returns the concrete object type of `value` for the abstract type `t`, or NULL. */
static const gql_type_t *
s_resolve_type (s_exec_t *x, const gql_type_t *t, json_t *value)
{
    const gql_type_t *r = NULL;
    if (x->ex->hooks.resolve_type)
        r = x->ex->hooks.resolve_type (x->context, t, value);
    if (!r) {
        json_t *name = json_object_get (value, "__typename");
        if (json_is_string (name))
            r = gql_schema_type (x->schema, json_string_value (name), json_string_length (name));
    }
    if (r && (r->kind != GQL_KIND_OBJECT || !gql_type_is_possible (t, r)))
        return NULL;
    return r;
}

/* Completes `value` (borrowed; NULL counts as null) of `type` for the collected field `cf`
   into `cell`, queueing objects for the next level in `next`. `shared` says the value is
   one of the executor's introspection objects, shared by every thread: those are never
   referenced from the request (their reference counts stay untouched), and leaves are
   copied into the response. */
static void
s_complete (s_exec_t *x, s_cell_t *cell, gql_type_ref_t type, json_t *value, s_cfield_t *cf,
            const gql_type_t *parent_type, bool shared, s_vec_t *next)
{
    if (x->oom)
        return;
    if (!value || json_is_null (value)) {
        if (gql_type_ref_is_non_null (type))
            s_field_errorf (x, cell, cf, GQL_CODE_INTERNAL, "cannot return null for non-nullable field %.*s.%.*s",
                            (int) parent_type->name.len, parent_type->name.data, (int) cf->field->name.len,
                            cf->field->name.data);
        else
            s_cell_set (x, cell, json_null ());
        return;
    }
    type = gql_type_ref_nullable (type);

    if (gql_type_ref_kind (type) == GQL_REF_LIST) {
        gql_type_ref_t item_type = gql_type_ref_of (type);
        json_t *arr;
        size_t n;
        if (!json_is_array (value)) {
            s_field_errorf (x, cell, cf, GQL_CODE_INTERNAL, "expected a list for field %.*s.%.*s",
                            (int) parent_type->name.len, parent_type->name.data, (int) cf->field->name.len,
                            cf->field->name.data);
            return;
        }
        n = json_array_size (value);
        arr = json_array ();
        if (!arr) {
            x->oom = true;
            return;
        }
        s_keep (x, arr);
        for (size_t i = 0; i < n; i++)
            if (json_array_append_new (arr, json_null ()) != 0)
                x->oom = true;
        s_cell_set (x, cell, arr);
        for (size_t i = 0; i < n && !x->oom; i++) {
            s_cell_t *item;
            if (s_dead (cell))
                return;
            item = s_cell_new (x, cell, arr, NULL, i, item_type);
            if (!item)
                return;
            s_complete (x, item, item_type, json_array_get (value, i), cf, parent_type, shared, next);
        }
        return;
    }

    if (gql_type_is_leaf (type.named)) {
        char msg [GQL_FIELD_ERROR_MSG_MAX];
        json_t *copy = shared ? json_copy (value) : NULL;
        json_t *v = shared && !copy ? NULL : gql_serialize_leaf (type.named, shared ? copy : value, msg, sizeof msg);
        json_decref (copy);
        if (!v && (!msg [0] || (shared && !copy)))
            x->oom = true;
        else
        if (!v)
            s_field_errorf (x, cell, cf, GQL_CODE_INTERNAL, "%s", msg);
        else
            s_cell_set (x, cell, v);
        return;
    }

    {
        const gql_type_t *concrete = type.named;
        s_pobj_t *obj;
        json_t *out;
        if (gql_type_is_abstract (concrete)) {
            concrete = s_resolve_type (x, type.named, value);
            if (!concrete) {
                s_field_errorf (x, cell, cf, GQL_CODE_INTERNAL,
                                "abstract type %.*s must resolve to an object type at runtime "
                                "for field %.*s.%.*s",
                                (int) type.named->name.len, type.named->name.data, (int) parent_type->name.len,
                                parent_type->name.data, (int) cf->field->name.len, cf->field->name.data);
                return;
            }
        }
        if (concrete->kind != GQL_KIND_OBJECT) {
            s_field_errorf (x, cell, cf, GQL_CODE_INTERNAL, "type %.*s is not an output object type",
                            (int) concrete->name.len, concrete->name.data);
            return;
        }
        if (x->ex->hooks.object_access && !gql_introspection_is_meta_type (concrete)) {
            gql_field_error_t fe;
            memset (&fe, 0, sizeof fe);
            if (x->ex->hooks.object_access (x->context, concrete, value, cf->field, &fe) != 0) {
                s_field_error (x, cell, cf, &fe, GQL_CODE_FORBIDDEN);
                return;
            }
            json_decref (fe.extensions);
        }
        out = json_object ();
        obj = gql_arena_alloc (x->arena, sizeof *obj);
        if (!out || !obj) {
            json_decref (out);
            x->oom = true;
            return;
        }
        s_keep (x, out);
        if (!shared)
            s_keep (x, value);
        s_cell_set (x, cell, out);
        obj->cell = cell;
        obj->out = out;
        obj->source = value;
        obj->type = concrete;
        obj->sets = cf->subsets;
        obj->set_count = cf->subset_count;
        if (s_vec_push (next, obj) != 0)
            x->oom = true;
    }
}

/* ---------------------------------------------------------------------------------------
 *  Resolving a level
 * ------------------------------------------------------------------------------------- */

/* Expands the objects of a level into field tasks (filling the response keys in order).
   __typename is answered on the spot. */
static void
s_expand (s_exec_t *x, s_pobj_t *obj, s_vec_t *tasks)
{
    s_collected_t *c;
    if (s_dead (obj->cell))
        return;
    c = s_collect (x, obj->type, obj->sets, obj->set_count);
    if (!c)
        return;
    for (size_t i = 0; i < c->field_count && !x->oom; i++) {
        s_cfield_t *cf = &c->fields [i];
        s_cell_t *cell;
        s_task_t *t;
        if (!cf->field)
            continue;
        if (json_object_set_new (obj->out, cf->key, json_null ()) != 0) {
            x->oom = true;
            return;
        }
        cell = s_cell_new (x, obj->cell, obj->out, cf->key, 0, cf->field->type);
        if (!cell)
            return;
        if (cf->field->meta == GQL_META_TYPENAME) {
            s_cell_set (x, cell, json_stringn (obj->type->name.data, obj->type->name.len));
            continue;
        }
        t = gql_arena_alloc (x->arena, sizeof *t);
        if (!t || s_vec_push (tasks, t) != 0) {
            x->oom = true;
            return;
        }
        t->obj = obj;
        t->cf = cf;
        t->cell = cell;
    }
}

/* True when two coerced argument objects are the same (pointer first, then value). */
static bool
s_args_equal (json_t *a, json_t *b)
{
    return a == b || (a && b && json_equal (a, b));
}

/* Answers the meta fields __schema and __type for one group (a shared object, borrowed). */
static json_t *
s_meta_result (s_exec_t *x, const gql_field_t *field, json_t *args)
{
    if (field->meta == GQL_META_SCHEMA)
        return gql_introspection_schema (x->ex->intro);
    if (field->meta == GQL_META_TYPE) {
        json_t *name = json_object_get (args, "name");
        json_t *t = json_is_string (name)
                        ? gql_introspection_type (x->ex->intro, json_string_value (name), json_string_length (name))
                        : NULL;
        return t;
    }
    return NULL;
}

/* n zeroed items of size bytes from the execution's arena; NULL when out of memory. */
static void *
s_arena_array (s_exec_t *x, size_t n, size_t size)
{
    return n <= SIZE_MAX / size ? gql_arena_alloc (x->arena, n * size) : NULL;
}

/* Resolves one group with one resolver call and completes every result. */
static void
s_resolve_group (s_exec_t *x, s_group_t *g, s_vec_t *next)
{
    const gql_field_t *field = g->field;
    size_t n = 0;
    /* From the execution's arena: four mallocs a group was a tenth of a small
       query's allocations. */
    size_t count = g->tasks.n ? g->tasks.n : 1;
    json_t **parents = s_arena_array (x, count, sizeof *parents);
    json_t **results = s_arena_array (x, count, sizeof *results);
    gql_field_error_t *errors = s_arena_array (x, count, sizeof *errors);
    s_task_t **live = s_arena_array (x, count, sizeof *live);
    bool meta = field->meta != GQL_META_NONE || gql_introspection_is_meta_type (g->type);
    /* Introspection answers are the executor's shared objects, borrowed. */
    bool shared = meta;
    int rc = 0;

    if (!parents || !results || !errors || !live) {
        x->oom = true;
        goto cleanup;
    }
    for (size_t i = 0; i < g->tasks.n; i++) {
        s_task_t *t = g->tasks.items [i];
        if (s_dead (t->cell))
            continue;
        if (x->ex->hooks.field_access && !meta) {
            gql_field_error_t fe;
            memset (&fe, 0, sizeof fe);
            if (x->ex->hooks.field_access (x->context, g->type, field, t->obj->source, &fe) != 0) {
                s_field_error (x, t->cell, t->cf, &fe, GQL_CODE_FORBIDDEN);
                continue;
            }
            json_decref (fe.extensions);
        }
        if ((field->meta == GQL_META_SCHEMA || field->meta == GQL_META_TYPE) && x->ex->options.disable_introspection) {
            s_field_errorf (x, t->cell, t->cf, GQL_CODE_INTROSPECTION_DISABLED, "introspection is disabled");
            continue;
        }
        live [n] = t;
        parents [n] = t->obj->source;
        n++;
    }
    if (n == 0)
        goto cleanup;

    if (field->meta == GQL_META_SCHEMA || field->meta == GQL_META_TYPE) {
        for (size_t i = 0; i < n; i++)
            results [i] = s_meta_result (x, field, g->first->args);
    }
    else if (gql_introspection_is_meta_type (g->type)) {
        for (size_t i = 0; i < n; i++)
            results [i] = gql_introspection_resolve (x->ex->intro, field, g->first->args, parents [i]);
    }
    else if (g->first->resolver) {
        gql_resolve_info_t info;
        info.field = field;
        info.parent_type = g->type;
        info.args = g->first->args;
        info.selection = g->first->nodes [0];
        info.document = x->doc;
        info.variables = x->variables;
        info.context = x->context;
        info.data = g->first->resolver->data;
        rc = g->first->resolver->fn (&info, parents, n, results, errors);
    }
    else {
        for (size_t i = 0; i < n; i++) {
            json_t *v =
                json_is_object (parents [i]) ? json_object_getn (parents [i], field->name.data, field->name.len) : NULL;
            results [i] = v ? json_incref (v) : json_null ();
        }
    }

    for (size_t i = 0; i < n; i++) {
        s_task_t *t = live [i];
        bool failed = errors [i].code || errors [i].message [0] || rc != 0;
        if (failed) {
            if (!errors [i].code && !errors [i].message [0])
                gql_field_error_set (&errors [i], GQL_CODE_INTERNAL, "resolver %.*s.%.*s failed",
                                     (int) g->type->name.len, g->type->name.data, (int) field->name.len,
                                     field->name.data);
            if (!s_dead (t->cell))
                s_field_error (x, t->cell, t->cf, &errors [i], GQL_CODE_INTERNAL);
            continue;
        }
        if (s_dead (t->cell))
            continue;
        s_complete (x, t->cell, field->type, results [i], t->cf, g->type, shared, next);
    }

cleanup:
    if (results && errors) {
        for (size_t i = 0; i < g->tasks.n; i++) {
            if (!shared)
                json_decref (results [i]);
            json_decref (errors [i].extensions);
        }
    }
}

/* Runs the tasks of one level: groups them and resolves each group once. The objects
   their values produce go to `next`. */
static void
s_run_tasks (s_exec_t *x, s_vec_t *tasks, s_vec_t *next)
{
    s_vec_t groups = { 0 };
    for (size_t i = 0; i < tasks->n && !x->oom; i++) {
        s_task_t *t = tasks->items [i];
        s_group_t *g = NULL;
        if (s_dead (t->cell))
            continue;
        if (!t->cf->args) {
            s_field_errorf (x, t->cell, t->cf, GQL_CODE_BAD_USER_INPUT, "%s",
                            t->cf->arg_error ? t->cf->arg_error : "invalid arguments");
            continue;
        }
        for (size_t k = 0; k < groups.n; k++) {
            s_group_t *c = groups.items [k];
            if (c->type == t->obj->type && c->field == t->cf->field && s_args_equal (c->first->args, t->cf->args)) {
                g = c;
                break;
            }
        }
        if (!g) {
            g = calloc (1, sizeof *g);
            if (!g || s_vec_push (&groups, g) != 0) {
                free (g);
                x->oom = true;
                break;
            }
            g->type = t->obj->type;
            g->field = t->cf->field;
            g->first = t->cf;
        }
        if (s_vec_push (&g->tasks, t) != 0)
            x->oom = true;
    }
    for (size_t k = 0; k < groups.n; k++) {
        s_group_t *g = groups.items [k];
        if (!x->oom)
            s_resolve_group (x, g, next);
        s_vec_free (&g->tasks);
        free (g);
    }
    s_vec_free (&groups);
}

/* Executes `level` (s_pobj_t *) and every level beneath it, breadth-first. Takes over the
   vector's storage. */
static void
s_run_levels (s_exec_t *x, s_vec_t level)
{
    while (level.n > 0 && !x->oom) {
        s_vec_t tasks = { 0 };
        s_vec_t next = { 0 };
        for (size_t i = 0; i < level.n && !x->oom; i++)
            s_expand (x, level.items [i], &tasks);
        s_run_tasks (x, &tasks, &next);
        s_vec_free (&tasks);
        s_vec_free (&level);
        level = next;
    }
    s_vec_free (&level);
}

/* ---------------------------------------------------------------------------------------
 *  Requests
 * ------------------------------------------------------------------------------------- */

/* Returns a response holding only request errors (no "data"). */
static json_t *
s_request_error_response (s_exec_t *x, bool *request_error)
{
    json_t *r = json_object ();
    if (request_error)
        *request_error = true;
    if (!r || json_object_set (r, "errors", x->errors) != 0)
        x->oom = true;
    return r;
}

json_t *
gql_execute (const gql_executor_t *ex, const gql_document_t *doc, const char *operation_name, json_t *variables,
             void *context, bool *request_error)
{
    s_exec_t x;
    const gql_operation_t *op;
    const gql_type_t *root_type;
    json_t *response = NULL;
    json_t *root_source = NULL;
    size_t name_len = operation_name ? strlen (operation_name) : 0;

    assert (ex && doc);
    if (request_error)
        *request_error = false;
    memset (&x, 0, sizeof x);
    x.ex = ex;
    x.schema = ex->schema;
    x.doc = doc;
    x.context = context;
    x.errors = json_array ();
    x.keep = json_array ();
    x.arena = gql_arena_new ();
    if (!x.errors || !x.keep || !x.arena) {
        x.oom = true;
        goto cleanup;
    }

    /* GetOperation (spec 6.1). */
    op = gql_document_operation (doc, name_len ? operation_name : NULL, name_len);
    if (!op) {
        char msg [200];
        if (name_len) {
            /* Echo at most 64 bytes of the name, cut on a UTF-8 character boundary. */
            int cut = name_len > 64 ? 64 : (int) name_len;
            while (cut > 0 && cut < (int) name_len && ((unsigned char) operation_name [cut] & 0xC0) == 0x80)
                cut--;
            snprintf (msg, sizeof msg, "unknown operation named \"%.*s\"", cut, operation_name);
        }
        else if (doc->operation_count == 0)
            snprintf (msg, sizeof msg, "the document contains no operation");
        else
            snprintf (msg, sizeof msg,
                      "an operation name is required when the document contains several "
                      "operations");
        s_error (&x, GQL_CODE_BAD_USER_INPUT, msg, NULL, NULL, NULL, NULL);
        response = s_request_error_response (&x, request_error);
        goto cleanup;
    }
    root_type = gql_schema_root (ex->schema, op->type);
    if (op->type == GQL_OP_SUBSCRIPTION || !root_type) {
        s_error (&x, GQL_CODE_BAD_USER_INPUT,
                 op->type == GQL_OP_SUBSCRIPTION ? "subscriptions are not supported"
                                                 : "the schema has no root type for this operation",
                 &op->loc, NULL, NULL, NULL);
        response = s_request_error_response (&x, request_error);
        goto cleanup;
    }

    /* CoerceVariableValues (spec 6.1.2). */
    {
        gql_coerce_error_t errs [20];
        size_t nerr = 0;
        x.variables = gql_coerce_variables (ex->schema, op, variables, errs, 20, &nerr);
        if (!x.variables && nerr == 0) {
            x.oom = true;
            goto cleanup;
        }
        if (!x.variables) {
            for (size_t i = 0; i < nerr; i++)
                s_error (&x, GQL_CODE_BAD_USER_INPUT, errs [i].message, &errs [i].loc, NULL, NULL, NULL);
            response = s_request_error_response (&x, request_error);
            goto cleanup;
        }
    }

    /* ExecuteSelectionSet on the root (spec 6.2): the root value is an empty object. */
    x.data = json_object ();
    root_source = json_object ();
    if (!x.data || !root_source) {
        x.oom = true;
        goto cleanup;
    }
    s_keep (&x, x.data);
    x.root.nullable = true;
    {
        const gql_selection_set_t *sets [1] = { op->selection_set };
        s_pobj_t root_obj = { &x.root, x.data, root_source, root_type, sets, 1 };
        if (op->type == GQL_OP_MUTATION) {
            /* Serial execution (spec 6.2.2): each root field through all its levels. */
            s_vec_t tasks = { 0 };
            s_expand (&x, &root_obj, &tasks);
            for (size_t i = 0; i < tasks.n && !x.oom; i++) {
                s_vec_t one = { 0 };
                s_vec_t next = { 0 };
                if (s_vec_push (&one, tasks.items [i]) != 0) {
                    x.oom = true;
                    break;
                }
                s_run_tasks (&x, &one, &next);
                s_vec_free (&one);
                s_run_levels (&x, next);
            }
            s_vec_free (&tasks);
        }
        else {
            s_vec_t level = { 0 };
            if (s_vec_push (&level, &root_obj) != 0)
                x.oom = true;
            else
                s_run_levels (&x, level);
        }
    }
    if (x.oom)
        goto cleanup;
    if (x.dropped_errors > 0) {
        char msg [120];
        size_t keep = ex->options.max_errors;
        /* The notice takes the last kept error's place. */
        json_array_remove (x.errors, keep - 1);
        snprintf (msg, sizeof msg, "too many errors: %zu more were dropped", x.dropped_errors + 1);
        if (json_array_append_new (x.errors, json_pack ("{s:s,s:{s:s}}", "message", msg, "extensions", "code",
                                                        GQL_CODE_INTERNAL))
            != 0)
            x.oom = true;
    }
    response = json_object ();
    if (!response || (json_array_size (x.errors) > 0 && json_object_set (response, "errors", x.errors) != 0)
        || json_object_set (response, "data", x.data) != 0)
        x.oom = true;

cleanup:
    for (size_t i = 0; i < x.collected.n; i++) {
        s_collected_t *c = x.collected.items [i];
        for (size_t k = 0; k < c->field_count; k++)
            json_decref (c->fields [k].args);
    }
    s_vec_free (&x.collected);
    if (x.oom) {
        json_decref (response);
        response = NULL;
    }
    json_decref (root_source);
    json_decref (x.data);
    json_decref (x.variables);
    json_decref (x.errors);
    json_decref (x.keep);
    gql_arena_destroy (&x.arena);
    return response;
}
