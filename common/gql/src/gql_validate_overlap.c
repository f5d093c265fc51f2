/*  gql_validate_overlap.c - Field Selection Merging (spec 5.3.2), graphql-js's
    OverlappingFieldsCanBeMerged.

    The spec's FieldsInSetCanMerge compares every pair of fields with the same response
    name, through fragments, which is quadratic or worse when written naively. This follows
    graphql-js's algorithm:
      - each selection set is collected once into a "field map" (fields grouped by
        response name, plus the names of the fragments it spreads), cached by selection
        set for the whole document;
      - fields are compared only within a group of one response name (binary search finds
        the matching group of another map);
      - the fields of one selection set are compared with each other once, where the set
        is; after that only "between" comparisons happen (a set against a fragment, a
        fragment against a fragment);
      - every pair of fragments compared, and every pair of a field map and a fragment
        compared, is remembered (with whether the comparison was under mutually
        exclusive parents), so neither is compared twice (graphql-js 16.10, #4168);
      - the comparison's nesting is bounded: each step goes one level deeper on one side
        or both (into fields' selection sets or fragments' bodies), and the parser bounds
        every document's depth through its spreads, so an acyclic document never takes
        more than 2 x its depth limit steps. Only fragment cycles lead deeper: the walk
        stops there, on the worker's stack, and a document cut short this way is
        rejected even if no other rule (NoFragmentCycles) did.
*/
#include "gql_validate_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define S_STR(s) (int) (s).len, (s).data

/* =======================================================================================
 *  Field maps
 * ===================================================================================== */

typedef struct {
    gql_str_t key;            /* response name */
    const gql_type_t *parent; /* the type the field is selected on (may be NULL) */
    const gql_selection_t *sel;
    const gql_field_t *def; /* NULL for unknown and meta fields (as graphql-js) */
    size_t seq;             /* collection order, for a stable sort */
} s_ofield_t;

typedef struct {
    s_ofield_t *fields; /* sorted by key, then collection order */
    size_t count;
    size_t *groups; /* group g is fields[groups[g] .. groups[g + 1]) */
    size_t group_count;
    uint32_t *frags; /* spread fragments (winning indexes), first-seen order */
    size_t frag_count;
    uint32_t id; /* order of creation: names the map in `fields_frags` */
} s_fmap_t;

/* An open-addressing map from a non-zero 64-bit key to a value, for both of the rule's
   tables below. */
typedef struct {
    uint64_t *keys; /* 0: an empty slot */
    uintptr_t *vals;
    size_t cap; /* a power of two, at least twice count */
    size_t count;
} s_map_t;

/* Allocates an empty map of `cap` slots. Returns 0, or -1 when out of memory (then
   s_map_free still applies). */
static int
s_map_init (s_map_t *m, size_t cap)
{
    m->keys = calloc (cap, sizeof *m->keys);
    m->vals = calloc (cap, sizeof *m->vals);
    m->cap = cap;
    m->count = 0;
    return m->keys && m->vals ? 0 : -1;
}

static void
s_map_free (s_map_t *m)
{
    free (m->keys);
    free (m->vals);
}

/* The slot holding `key`, or the empty slot where it would go. */
static size_t
s_map_slot (const s_map_t *m, uint64_t key)
{
    uint64_t h = key;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    size_t i = (size_t) h & (m->cap - 1);
    while (m->keys [i] && m->keys [i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The value of `key`, or 0 when it is absent. */
static uintptr_t
s_map_get (const s_map_t *m, uint64_t key)
{
    return m->vals [s_map_slot (m, key)];
}

/* Sets `key` to `val`, growing the map at half full. Returns 0, or -1 when out of memory. */
static int
s_map_put (s_map_t *m, uint64_t key, uintptr_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        s_map_t bigger;
        if (s_map_init (&bigger, m->cap * 2) < 0) {
            s_map_free (&bigger);
            return -1;
        }
        for (size_t j = 0; j < m->cap; j++) {
            if (!m->keys [j])
                continue;
            size_t i = s_map_slot (&bigger, m->keys [j]);
            bigger.keys [i] = m->keys [j];
            bigger.vals [i] = m->vals [j];
        }
        bigger.count = m->count;
        s_map_free (m);
        *m = bigger;
    }
    size_t i = s_map_slot (m, key);
    if (!m->keys [i])
        m->count++;
    m->keys [i] = key;
    m->vals [i] = val;
    return 0;
}

/* The compared pairs: key -> 1 (compared as not mutually exclusive) or 2 (exclusive). */
struct gqlv_overlap {
    s_map_t fields;       /* selection set (its address) -> its field map */
    s_map_t pairs;        /* fragment pairs: (lo << 32 | hi) + 1 */
    s_map_t fields_frags; /* field map and fragment: (map id << 32 | fragment) + 1 */
    uint32_t map_count;
    unsigned char *mark; /* per fragment, scratch for collection */
    uint32_t nesting;     /* steps the comparison is below where it started */
    uint32_t nesting_max; /* 2 x the document's depth limit */
    bool cut;             /* a comparison reached nesting_max and stopped */
};

gqlv_overlap_t *
gqlv_overlap_new (gqlv_ctx_t *ctx)
{
    gqlv_overlap_t *ov = calloc (1, sizeof *ov);
    if (!ov)
        return NULL;
    int fields = s_map_init (&ov->fields, 64);
    int pairs = s_map_init (&ov->pairs, 64);
    int fields_frags = s_map_init (&ov->fields_frags, 64);
    ov->mark = calloc (ctx->doc->fragment_count + 1, 1);
    ov->nesting_max = 2 * ctx->doc->depth_limit;
    if (fields < 0 || pairs < 0 || fields_frags < 0 || !ov->mark)
        gqlv_overlap_destroy (&ov);
    return ov;
}

void
gqlv_overlap_destroy (gqlv_overlap_t **ov_p)
{
    if (!ov_p || !*ov_p)
        return;
    gqlv_overlap_t *ov = *ov_p;
    s_map_free (&ov->fields);
    s_map_free (&ov->pairs);
    s_map_free (&ov->fields_frags);
    free (ov->mark);
    free (ov);
    *ov_p = NULL;
}

static s_fmap_t *
s_cache_get (gqlv_overlap_t *ov, const gql_selection_set_t *set)
{
    return (s_fmap_t *) s_map_get (&ov->fields, (uint64_t) (uintptr_t) set);
}

static int
s_cache_put (gqlv_ctx_t *ctx, const gql_selection_set_t *set, s_fmap_t *m)
{
    if (s_map_put (&ctx->overlap->fields, (uint64_t) (uintptr_t) set, (uintptr_t) m) < 0) {
        ctx->oom = true;
        return -1;
    }
    return 0;
}

/* --- compared pairs --- */

/* An ordered pair (a field map and a fragment). + 1: 0 marks an empty slot. */
static uint64_t
s_ordered_key (uint32_t a, uint32_t b)
{
    return (((uint64_t) a << 32) | b) + 1;
}

/* An unordered pair (two fragments). */
static uint64_t
s_pair_key (uint32_t a, uint32_t b)
{
    return a < b ? s_ordered_key (a, b) : s_ordered_key (b, a);
}

/* graphql-js PairSet.has(): whether the pair was compared already, then records it. A
   pair compared as "not mutually exclusive" covers both cases; one compared as
   exclusive covers only exclusive comparisons. */
static bool
s_compared (gqlv_ctx_t *ctx, s_map_t *pairs, uint64_t key, bool excl)
{
    uintptr_t seen = s_map_get (pairs, key);
    if (seen && (excl || seen == 1))
        return true;
    if (s_map_put (pairs, key, excl ? 2 : 1) < 0)
        ctx->oom = true;
    return false;
}

/* --- the nesting bound --- */

/* Takes one step deeper; false (and the comparison stops there) past the bound. */
static bool
s_descend (gqlv_ctx_t *ctx)
{
    gqlv_overlap_t *ov = ctx->overlap;
    if (ov->nesting >= ov->nesting_max) {
        ov->cut = true;
        return false;
    }
    ov->nesting++;
    return true;
}

static void
s_ascend (gqlv_ctx_t *ctx)
{
    ctx->overlap->nesting--;
}

/* --- collection --- */

typedef struct {
    s_ofield_t *fields;
    size_t n;
    size_t cap;
    uint32_t *frags;
    size_t nf;
    size_t fcap;
} s_collect_t;

/* graphql-js _collectFieldsAndFragmentNames(). */
static void
s_collect (gqlv_ctx_t *ctx, const gql_type_t *parent, const gql_selection_set_t *set, s_collect_t *c)
{
    size_t i;
    for (i = 0; set && i < set->item_count && !ctx->oom; i++) {
        const gql_selection_t *sel = set->items [i];
        switch (sel->kind) {
            case GQL_SELECTION_FIELD: {
                const gql_field_t *def = NULL;
                if (parent && (parent->kind == GQL_KIND_OBJECT || parent->kind == GQL_KIND_INTERFACE)) {
                    def = gql_type_field (parent, sel->name.data, sel->name.len);
                    if (def && def->meta != GQL_META_NONE)
                        def = NULL; /* graphql-js looks in getFields(), which has no meta fields */
                }
                if (c->n == c->cap && gql_grow (&c->fields, &c->cap, c->n + 1, sizeof *c->fields, 16) < 0) {
                    ctx->oom = true;
                    return;
                }
                s_ofield_t *f = &c->fields [c->n];
                f->key = gql_selection_response_key (sel);
                f->parent = parent;
                f->sel = sel;
                f->def = def;
                f->seq = c->n;
                c->n++;
                break;
            }
            case GQL_SELECTION_FRAGMENT_SPREAD: {
                long fi = gqlv_fragment_index (ctx, sel->name);
                /* An unknown fragment adds nothing to compare: leave it out. */
                if (fi < 0 || ctx->overlap->mark [fi])
                    break;
                ctx->overlap->mark [fi] = 1;
                if (c->nf == c->fcap && gql_grow (&c->frags, &c->fcap, c->nf + 1, sizeof *c->frags, 8) < 0) {
                    ctx->oom = true;
                    return;
                }
                c->frags [c->nf++] = (uint32_t) fi;
                break;
            }
            case GQL_SELECTION_INLINE_FRAGMENT: {
                const gql_type_t *t = sel->type_condition.data ? gqlv_type (ctx, sel->type_condition) : parent;
                s_collect (ctx, t, sel->selection_set, c);
                break;
            }
        }
    }
}

static void
s_sort_fields (s_ofield_t *a, s_ofield_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_fields (a, tmp, h);
    s_sort_fields (a + h, tmp, n - h);
    while (i < h && j < n)
        tmp [k++] = (gql_str_cmp (a [i].key, a [j].key) <= 0) ? a [i++] : a [j++];
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

/* graphql-js getFieldsAndFragmentNames(): the cached field map of a selection set. */
static s_fmap_t *
s_fields (gqlv_ctx_t *ctx, const gql_type_t *parent, const gql_selection_set_t *set)
{
    s_fmap_t *m = s_cache_get (ctx->overlap, set);
    s_collect_t c;
    size_t i, g;
    if (m)
        return m;
    memset (&c, 0, sizeof c);
    s_collect (ctx, parent, set, &c);
    for (i = 0; i < c.nf; i++)
        ctx->overlap->mark [c.frags [i]] = 0;
    m = gql_arena_alloc (ctx->arena, sizeof *m);
    if (!m || ctx->oom)
        goto fail;
    m->id = ctx->overlap->map_count++;
    if (c.n) {
        s_ofield_t *tmp = malloc (c.n * sizeof *tmp);
        if (!tmp)
            goto fail;
        s_sort_fields (c.fields, tmp, c.n);
        free (tmp);
        m->fields = gql_arena_memdup (ctx->arena, c.fields, c.n, sizeof *c.fields);
        m->groups = gql_arena_alloc (ctx->arena, (c.n + 1) * sizeof *m->groups);
        if (!m->fields || !m->groups)
            goto fail;
        m->count = c.n;
        for (i = 0, g = 0; i < c.n; i++)
            if (i == 0 || !gql_str_equal (c.fields [i].key, c.fields [i - 1].key))
                m->groups [g++] = i;
        m->groups [g] = c.n;
        m->group_count = g;
    }
    if (c.nf) {
        m->frags = gql_arena_memdup (ctx->arena, c.frags, c.nf, sizeof *c.frags);
        if (!m->frags)
            goto fail;
        m->frag_count = c.nf;
    }
    free (c.fields);
    free (c.frags);
    if (s_cache_put (ctx, set, m) < 0)
        return NULL;
    return m;
fail:
    ctx->oom = true;
    free (c.fields);
    free (c.frags);
    return NULL;
}

/* graphql-js getReferencedFieldsAndFragmentNames(). */
static s_fmap_t *
s_fragment_fields (gqlv_ctx_t *ctx, uint32_t fi)
{
    const gql_fragment_t *f = ctx->doc->fragments [fi];
    s_fmap_t *m = s_cache_get (ctx->overlap, f->selection_set);
    if (m)
        return m;
    return s_fields (ctx, gqlv_type (ctx, f->type_condition), f->selection_set);
}

/* Returns the index of the group `key` in m, or -1. */
static long
s_group (const s_fmap_t *m, gql_str_t key)
{
    size_t lo = 0, hi = m->group_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gql_str_cmp (m->fields [m->groups [mid]].key, key);
        if (c == 0)
            return (long) mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* =======================================================================================
 *  Conflicts
 * ===================================================================================== */

typedef struct {
    gql_str_t key;
    char *reason; /* malloc'd, at most GQL_VALIDATE_MAX_MESSAGE bytes */
    gqlv_locs_t f1;
    gqlv_locs_t f2;
} s_conflict_t;

typedef struct {
    s_conflict_t *v;
    size_t n;
    size_t cap;
} s_conflicts_t;

static void
s_conflicts_free (s_conflicts_t *cs)
{
    size_t i;
    for (i = 0; i < cs->n; i++) {
        free (cs->v [i].reason);
        free (cs->v [i].f1.v);
        free (cs->v [i].f2.v);
    }
    free (cs->v);
    memset (cs, 0, sizeof *cs);
}

static s_conflict_t *
s_conflict_new (gqlv_ctx_t *ctx, s_conflicts_t *cs, gql_str_t key, const char *reason)
{
    if (cs->n == cs->cap && gql_grow (&cs->v, &cs->cap, cs->n + 1, sizeof *cs->v, 4) < 0) {
        ctx->oom = true;
        return NULL;
    }
    s_conflict_t *c = &cs->v [cs->n];
    memset (c, 0, sizeof *c);
    c->key = key;
    c->reason = strdup (reason);
    if (!c->reason) {
        ctx->oom = true;
        return NULL;
    }
    cs->n++;
    return c;
}

/* Two types conflict when no value could have both (graphql-js doTypesConflict). */
static bool
s_types_conflict (gql_type_ref_t a, gql_type_ref_t b)
{
    for (;;) {
        gql_ref_kind_t ka = gql_type_ref_kind (a), kb = gql_type_ref_kind (b);
        if (ka == GQL_REF_LIST || kb == GQL_REF_LIST) {
            if (ka != kb)
                return true;
        }
        else if (ka == GQL_REF_NON_NULL || kb == GQL_REF_NON_NULL) {
            if (ka != kb)
                return true;
        }
        else {
            bool leaf_a = a.named->kind == GQL_KIND_SCALAR || a.named->kind == GQL_KIND_ENUM;
            bool leaf_b = b.named->kind == GQL_KIND_SCALAR || b.named->kind == GQL_KIND_ENUM;
            return (leaf_a || leaf_b) ? a.named != b.named : false;
        }
        a = gql_type_ref_of (a);
        b = gql_type_ref_of (b);
    }
}

/* --- argument equality: graphql-js compares print(sortValueNode(value)) --- */

typedef struct {
    const gql_argument_t *f;
    size_t pos;
} s_sorted_field_t;

static void
s_sort_sfields (s_sorted_field_t *a, s_sorted_field_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_sfields (a, tmp, h);
    s_sort_sfields (a + h, tmp, n - h);
    while (i < h && j < n)
        tmp [k++] = (gql_str_cmp (a [i].f->name, a [j].f->name) <= 0) ? a [i++] : a [j++];
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

static bool s_value_equal (gqlv_ctx_t *ctx, const gql_value_t *a, const gql_value_t *b);

static bool
s_object_equal (gqlv_ctx_t *ctx, const gql_value_t *a, const gql_value_t *b)
{
    size_t n = a->field_count, i;
    bool eq = true;
    if (n != b->field_count)
        return false;
    if (n == 0)
        return true;
    s_sorted_field_t *sa = malloc (4 * n * sizeof *sa);
    if (!sa) {
        ctx->oom = true;
        return false;
    }
    s_sorted_field_t *sb = sa + n, *tmp = sa + 2 * n;
    for (i = 0; i < n; i++) {
        sa [i].f = a->fields [i];
        sa [i].pos = i;
        sb [i].f = b->fields [i];
        sb [i].pos = i;
    }
    s_sort_sfields (sa, tmp, n);
    s_sort_sfields (sb, tmp, n);
    for (i = 0; i < n && eq; i++)
        eq = gql_str_equal (sa [i].f->name, sb [i].f->name) && s_value_equal (ctx, sa [i].f->value, sb [i].f->value);
    free (sa);
    return eq;
}

static bool
s_value_equal (gqlv_ctx_t *ctx, const gql_value_t *a, const gql_value_t *b)
{
    size_t i;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
        case GQL_VALUE_VARIABLE:
        case GQL_VALUE_INT:
        case GQL_VALUE_FLOAT:
        case GQL_VALUE_ENUM: return gql_str_equal (a->str, b->str);
        case GQL_VALUE_STRING:
            /* print() keeps block strings as block strings. */
            return a->block == b->block && gql_str_equal (a->str, b->str);
        case GQL_VALUE_BOOLEAN: return a->boolean == b->boolean;
        case GQL_VALUE_NULL: return true;
        case GQL_VALUE_LIST:
            if (a->item_count != b->item_count)
                return false;
            for (i = 0; i < a->item_count; i++)
                if (!s_value_equal (ctx, a->items [i], b->items [i]))
                    return false;
            return true;
        case GQL_VALUE_OBJECT: return s_object_equal (ctx, a, b);
    }
    return false;
}

static bool
s_same_arguments (gqlv_ctx_t *ctx, const gql_selection_t *a, const gql_selection_t *b)
{
    size_t i, j;
    if (a->argument_count != b->argument_count)
        return false;
    for (i = 0; i < a->argument_count; i++) {
        const gql_value_t *v2 = NULL;
        for (j = b->argument_count; j-- > 0 && !v2;)
            if (gql_str_equal (b->arguments [j]->name, a->arguments [i]->name))
                v2 = b->arguments [j]->value;
        if (!v2 || !s_value_equal (ctx, a->arguments [i]->value, v2))
            return false;
    }
    return true;
}

static void s_between (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const s_fmap_t *m1, const s_fmap_t *m2);
static void s_fields_and_fragment (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const s_fmap_t *m, uint32_t fi);
static void s_fragments (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, uint32_t f1, uint32_t f2);

/* graphql-js findConflictsBetweenSubSelectionSets(). */
static void
s_between_sub (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const gql_type_t *p1, const gql_selection_set_t *set1,
               const gql_type_t *p2, const gql_selection_set_t *set2)
{
    const s_fmap_t *m1 = s_fields (ctx, p1, set1);
    const s_fmap_t *m2 = s_fields (ctx, p2, set2);
    size_t i, j;
    if (!m1 || !m2)
        return;
    s_between (ctx, cs, excl, m1, m2);
    for (j = 0; j < m2->frag_count; j++)
        s_fields_and_fragment (ctx, cs, excl, m1, m2->frags [j]);
    for (i = 0; i < m1->frag_count; i++)
        s_fields_and_fragment (ctx, cs, excl, m2, m1->frags [i]);
    for (i = 0; i < m1->frag_count; i++)
        for (j = 0; j < m2->frag_count; j++)
            s_fragments (ctx, cs, excl, m1->frags [i], m2->frags [j]);
}

/* The reasons are written into buffers of GQL_VALIDATE_MAX_MESSAGE bytes by functions
   of their own, kept out of line: a buffer in s_find_conflict's frame would be on the
   stack once per level of the comparison's recursion. */
#if defined(__GNUC__)
#define S_OUT_OF_LINE __attribute__ ((noinline))
#else
#define S_OUT_OF_LINE
#endif

static void
s_add_conflict (gqlv_ctx_t *ctx, s_conflicts_t *cs, const s_ofield_t *a, const s_ofield_t *b, const char *reason)
{
    s_conflict_t *c = s_conflict_new (ctx, cs, a->key, reason);
    if (c) {
        gqlv_locs_push (ctx, &c->f1, a->sel->loc);
        gqlv_locs_push (ctx, &c->f2, b->sel->loc);
    }
}

/* The conflicts two fields of one response name have on their own (name, arguments,
   type), before their selection sets are looked at: adds the first one to cs and
   returns true, or returns false. */
static S_OUT_OF_LINE bool
s_shallow_conflict (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const s_ofield_t *a, const s_ofield_t *b)
{
    char reason [GQL_VALIDATE_MAX_MESSAGE];
    if (!excl && !gql_str_equal (a->sel->name, b->sel->name))
        snprintf (reason, sizeof reason, "\"%.*s\" and \"%.*s\" are different fields", S_STR (a->sel->name),
                  S_STR (b->sel->name));
    else if (!excl && !s_same_arguments (ctx, a->sel, b->sel))
        snprintf (reason, sizeof reason, "they have differing arguments");
    else if (a->def && b->def && s_types_conflict (a->def->type, b->def->type)) {
        char t1 [256], t2 [256];
        gqlv_print_ref (a->def->type, t1, sizeof t1);
        gqlv_print_ref (b->def->type, t2, sizeof t2);
        snprintf (reason, sizeof reason, "they return conflicting types \"%s\" and \"%s\"", t1, t2);
    }
    else
        return false;
    s_add_conflict (ctx, cs, a, b, reason);
    return true;
}

/* Adds the conflict of two fields whose subfields conflict (`sub`): the reason is
   `subfields "x" conflict because ...` joined with " and ", the locations both
   fields' and then their subfields'. */
static S_OUT_OF_LINE void
s_nested_conflict (gqlv_ctx_t *ctx, s_conflicts_t *cs, const s_ofield_t *a, const s_ofield_t *b,
                   const s_conflicts_t *sub)
{
    char reason [GQL_VALIDATE_MAX_MESSAGE];
    size_t len = 0, i, k;
    reason [0] = '\0';
    for (i = 0; i < sub->n; i++) {
        int w = snprintf (reason + len, sizeof reason - len, "%ssubfields \"%.*s\" conflict because %s",
                          i ? " and " : "", S_STR (sub->v [i].key), sub->v [i].reason);
        if (w < 0 || (size_t) w >= sizeof reason - len)
            break;
        len += (size_t) w;
    }
    s_add_conflict (ctx, cs, a, b, reason);
    if (ctx->oom)
        return;
    s_conflict_t *c = &cs->v [cs->n - 1];
    for (i = 0; i < sub->n; i++) {
        for (k = 0; k < sub->v [i].f1.n; k++)
            gqlv_locs_push (ctx, &c->f1, sub->v [i].f1.v [k]);
        for (k = 0; k < sub->v [i].f2.n; k++)
            gqlv_locs_push (ctx, &c->f2, sub->v [i].f2.v [k]);
    }
}

/* graphql-js findConflict(): adds the conflict between two fields of one response name,
   if any, to cs. */
static void
s_find_conflict (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool parent_excl, const s_ofield_t *a, const s_ofield_t *b)
{
    bool excl = parent_excl
                || (a->parent != b->parent && a->parent && b->parent && a->parent->kind == GQL_KIND_OBJECT
                    && b->parent->kind == GQL_KIND_OBJECT);
    if (ctx->oom || s_shallow_conflict (ctx, cs, excl, a, b))
        return;
    if (a->sel->selection_set && b->sel->selection_set && s_descend (ctx)) {
        s_conflicts_t sub = { NULL, 0, 0 };
        s_between_sub (ctx, &sub, excl, a->def ? a->def->type.named : NULL, a->sel->selection_set,
                       b->def ? b->def->type.named : NULL, b->sel->selection_set);
        s_ascend (ctx);
        if (sub.n > 0 && !ctx->oom)
            s_nested_conflict (ctx, cs, a, b, &sub);
        s_conflicts_free (&sub);
    }
}

/* graphql-js collectConflictsWithin(): every pair within each response-name group. */
static void
s_within (gqlv_ctx_t *ctx, s_conflicts_t *cs, const s_fmap_t *m)
{
    size_t g, i, j;
    for (g = 0; g < m->group_count && !ctx->oom; g++) {
        size_t lo = m->groups [g], hi = m->groups [g + 1];
        for (i = lo; i < hi; i++)
            for (j = i + 1; j < hi; j++)
                s_find_conflict (ctx, cs, false, &m->fields [i], &m->fields [j]);
    }
}

/* graphql-js collectConflictsBetween(): fields of m1 against those of m2 with the same
   response name. The smaller map drives the lookups (a selection set of 1,000 fields met
   with a fragment of 3 costs 3 binary searches); pairs keep their m1/m2 orientation. */
static void
s_between (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const s_fmap_t *m1, const s_fmap_t *m2)
{
    bool by_first = m1->group_count <= m2->group_count;
    const s_fmap_t *small = by_first ? m1 : m2, *large = by_first ? m2 : m1;
    size_t g, i, j;
    for (g = 0; g < small->group_count && !ctx->oom; g++) {
        size_t slo = small->groups [g], shi = small->groups [g + 1];
        long lg = s_group (large, small->fields [slo].key);
        if (lg < 0)
            continue;
        size_t llo = large->groups [lg], lhi = large->groups [lg + 1];
        size_t lo1 = by_first ? slo : llo, hi1 = by_first ? shi : lhi;
        size_t lo2 = by_first ? llo : slo, hi2 = by_first ? lhi : shi;
        for (i = lo1; i < hi1; i++)
            for (j = lo2; j < hi2; j++)
                s_find_conflict (ctx, cs, excl, &m1->fields [i], &m2->fields [j]);
    }
}

/* graphql-js collectConflictsBetweenFieldsAndFragment(). */
static void
s_fields_and_fragment (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, const s_fmap_t *m, uint32_t fi)
{
    size_t i;
    if (ctx->oom || s_compared (ctx, &ctx->overlap->fields_frags, s_ordered_key (m->id, fi), excl))
        return;
    const s_fmap_t *m2 = s_fragment_fields (ctx, fi);
    if (!m2 || m2 == m || !s_descend (ctx))
        return;
    s_between (ctx, cs, excl, m, m2);
    for (i = 0; i < m2->frag_count; i++)
        s_fields_and_fragment (ctx, cs, excl, m, m2->frags [i]);
    s_ascend (ctx);
}

/* graphql-js collectConflictsBetweenFragments(). */
static void
s_fragments (gqlv_ctx_t *ctx, s_conflicts_t *cs, bool excl, uint32_t f1, uint32_t f2)
{
    size_t i;
    if (f1 == f2 || ctx->oom || s_compared (ctx, &ctx->overlap->pairs, s_pair_key (f1, f2), excl))
        return;
    const s_fmap_t *m1 = s_fragment_fields (ctx, f1);
    const s_fmap_t *m2 = s_fragment_fields (ctx, f2);
    if (!m1 || !m2 || !s_descend (ctx))
        return;
    s_between (ctx, cs, excl, m1, m2);
    for (i = 0; i < m2->frag_count; i++)
        s_fragments (ctx, cs, excl, f1, m2->frags [i]);
    for (i = 0; i < m1->frag_count; i++)
        s_fragments (ctx, cs, excl, m1->frags [i], f2);
    s_ascend (ctx);
}

void
gqlv_overlap_check (gqlv_ctx_t *ctx, const gql_type_t *parent, const gql_selection_set_t *set)
{
    s_conflicts_t cs = { NULL, 0, 0 };
    size_t i, j;
    if (ctx->oom || ctx->aborted)
        return;
    const s_fmap_t *m = s_fields (ctx, parent, set);
    if (!m)
        return;
    s_within (ctx, &cs, m);
    for (i = 0; i < m->frag_count; i++) {
        s_fields_and_fragment (ctx, &cs, false, m, m->frags [i]);
        for (j = i + 1; j < m->frag_count; j++)
            s_fragments (ctx, &cs, false, m->frags [i], m->frags [j]);
    }
    for (i = 0; i < cs.n && !ctx->oom; i++) {
        s_conflict_t *c = &cs.v [i];
        gqlv_locs_t all = { NULL, 0, 0 };
        for (j = 0; j < c->f1.n; j++)
            gqlv_locs_push (ctx, &all, c->f1.v [j]);
        for (j = 0; j < c->f2.n; j++)
            gqlv_locs_push (ctx, &all, c->f2.v [j]);
        gqlv_report (ctx, GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED, all.v, all.n,
                     "Fields \"%.*s\" conflict because %s. Use different aliases on the "
                     "fields to fetch both if this was intentional.",
                     S_STR (c->key), c->reason);
        free (all.v);
    }
    s_conflicts_free (&cs);
}

bool
gqlv_overlap_cut (const gqlv_overlap_t *ov)
{
    return ov->cut;
}
