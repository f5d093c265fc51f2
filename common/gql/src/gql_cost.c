/*  gql_cost.c - the cost of an operation before it runs (gql_cost.h): one walk of the
    operation's selections, fragments spread in place, carrying the product of the page
    sizes of the connections above. */
#include "gql_cost.h"
#include "gql_coerce.h"

#include <string.h>

/* Fragment spreads nest at most this deep in a walk (a validated document has no cycle;
   the bound keeps an unvalidated one from recursing forever). */
#define S_MAX_DEPTH 256

/* Selections a walk visits at most: fragments spread in place can make a short document
   exponentially long (30 fragments each spreading the next 4 times), and the walk runs
   before anything is charged. Past it the operation is too complex. */
#define S_MAX_VISITS 1000000

/* The fragments already spread into one selection set (CollectFields' visitedFragments:
   a fragment spread twice into the same set is executed once, so it is counted once). */
#define S_MAX_SPREAD 64
typedef struct {
    const gql_fragment_t *fragments [S_MAX_SPREAD];
    size_t count;
} s_spread_t;

typedef struct {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    json_t *variables; /* coerced, or NULL */
    uint32_t default_page_size;
    uint64_t requests;
    uint64_t node_count;
    uint64_t visits;
    bool too_deep;
} s_walk_t;

/* a * b, or UINT64_MAX when it does not fit. */
static uint64_t
s_mul (uint64_t a, uint64_t b)
{
    uint64_t product;
    return __builtin_mul_overflow (a, b, &product) ? UINT64_MAX : product;
}

/* a + b, or UINT64_MAX when it does not fit. */
static uint64_t
s_add (uint64_t a, uint64_t b)
{
    uint64_t sum;
    return __builtin_add_overflow (a, b, &sum) ? UINT64_MAX : sum;
}

/* The value of the Int argument `name` of a field selection: as written (a literal, or a
   variable's coerced value), else the definition's default. 1 with *size set, 0 when
   neither gives an integer. */
static int
s_page_argument (s_walk_t *walk, const gql_field_t *def, const gql_selection_t *sel, const char *name,
                 uint64_t *size)
{
    const gql_input_value_t *arg_def = gql_field_arg (def, name, strlen (name));
    if (!arg_def)
        return 0;
    const gql_value_t *written = NULL;
    for (size_t i = 0; i < sel->argument_count; i++)
        if (gql_str_eq (sel->arguments [i]->name, name))
            written = sel->arguments [i]->value;
    json_t *value = NULL;
    gql_coerce_error_t error;
    //  A variable that was not provided (0) or a value that does not coerce (-1,
    //  the executor reports it) leaves the default to speak.
    if (!written || gql_coerce_literal (written, arg_def->type, walk->variables, &value, &error) != 1)
        (void) gql_coerce_literal (arg_def->default_value, arg_def->type, NULL, &value, &error);
    int found = json_is_integer (value);
    if (found)
        *size = json_integer_value (value) > 0 ? (uint64_t) json_integer_value (value) : 0;
    json_decref (value);
    return found;
}

/* The page size of a connection field: the larger of first and last. */
static uint64_t
s_page_size (s_walk_t *walk, const gql_field_t *def, const gql_selection_t *sel)
{
    uint64_t first = 0, last = 0;
    int has_first = s_page_argument (walk, def, sel, "first", &first);
    int has_last = s_page_argument (walk, def, sel, "last", &last);
    if (!has_first && !has_last)
        return walk->default_page_size;
    return first > last ? first : last;
}

/* The length of the list argument `ids` of a field selection (nodes(ids:)), as written or
   from its variable; 0 when absent or not a list. */
static uint64_t
s_ids_count (s_walk_t *walk, const gql_field_t *def, const gql_selection_t *sel)
{
    const gql_input_value_t *arg_def = gql_field_arg (def, "ids", 3);
    const gql_value_t *written = NULL;
    for (size_t i = 0; arg_def && i < sel->argument_count; i++)
        if (gql_str_eq (sel->arguments [i]->name, "ids"))
            written = sel->arguments [i]->value;
    json_t *value = NULL;
    gql_coerce_error_t error;
    uint64_t count = 0;
    if (written && gql_coerce_literal (written, arg_def->type, walk->variables, &value, &error) == 1)
        count = json_is_array (value) ? json_array_size (value) : 0;
    json_decref (value);
    return count;
}

/* Whether a field is a connection: it defines `first` or `last`. */
static bool
s_is_connection (const gql_field_t *def)
{
    return gql_field_arg (def, "first", 5) || gql_field_arg (def, "last", 4);
}

/* Whether a field fetches a list of objects by id: it defines a list argument `ids`. */
static bool
s_is_fetch_by_ids (const gql_field_t *def)
{
    const gql_input_value_t *ids = gql_field_arg (def, "ids", 3);
    return ids && gql_type_ref_is_list (ids->type);
}

/* Whether fragment was already spread into this selection set; records it when not. A
   set that spreads more than S_MAX_SPREAD fragments counts the rest every time (the visit
   bound still holds). */
static bool
s_spread_before (s_spread_t *spread, const gql_fragment_t *fragment)
{
    for (size_t i = 0; i < spread->count; i++)
        if (spread->fragments [i] == fragment)
            return true;
    if (spread->count < S_MAX_SPREAD)
        spread->fragments [spread->count++] = fragment;
    return false;
}

static void s_walk_level (s_walk_t *walk, const gql_type_t *type, const gql_selection_set_t *set,
                          uint64_t above, int depth, s_spread_t *spread);

/* Adds up the connections of `set`, selected on `type`, beneath connections whose page
   sizes multiply to `above` (1 at the top). */
static void
s_walk_set (s_walk_t *walk, const gql_type_t *type, const gql_selection_set_t *set, uint64_t above, int depth)
{
    s_spread_t spread = { .count = 0 };
    s_walk_level (walk, type, set, above, depth, &spread);
}

/* One selection set's items, with the fragments and inline fragments spread into it
   (sharing spread, as they make one set). */
static void
s_walk_level (s_walk_t *walk, const gql_type_t *type, const gql_selection_set_t *set, uint64_t above, int depth,
              s_spread_t *spread)
{
    if (!set || !type)
        return;
    if (depth > S_MAX_DEPTH || walk->visits > S_MAX_VISITS) {
        walk->too_deep = true;
        return;
    }
    for (size_t i = 0; i < set->item_count && !walk->too_deep; i++) {
        const gql_selection_t *sel = set->items [i];
        if (++walk->visits > S_MAX_VISITS) {
            walk->too_deep = true;
            return;
        }
        if (sel->kind == GQL_SELECTION_FIELD) {
            const gql_field_t *def = gql_type_field (type, sel->name.data, sel->name.len);
            if (!def)   //  __typename, __schema, __type: introspection counts no connection
                continue;
            uint64_t product = above;
            if (s_is_connection (def) || s_is_fetch_by_ids (def)) {
                walk->requests = s_add (walk->requests, above);
                product = s_mul (above, s_is_connection (def) ? s_page_size (walk, def, sel)
                                                              : s_ids_count (walk, def, sel));
                walk->node_count = s_add (walk->node_count, product);
            }
            s_walk_set (walk, def->type.named, sel->selection_set, product, depth + 1);
        }
        else
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT) {
            const gql_type_t *on = sel->type_condition.data
                                 ? gql_schema_type (walk->schema, sel->type_condition.data, sel->type_condition.len)
                                 : type;
            s_walk_level (walk, on, sel->selection_set, above, depth + 1, spread);
        }
        else {
            const gql_fragment_t *fragment = gql_document_fragment (walk->doc, sel->name.data, sel->name.len);
            if (fragment && !s_spread_before (spread, fragment))
                s_walk_level (walk, gql_schema_type (walk->schema, fragment->type_condition.data,
                                                     fragment->type_condition.len),
                              fragment->selection_set, above, depth + 1, spread);
        }
    }
}

uint64_t
gql_cost_points (uint64_t requests, gql_operation_type_t type)
{
    //  Nearest whole number, halves up; requests near UINT64_MAX stay saturated.
    uint64_t rounded = requests > UINT64_MAX - 50 ? UINT64_MAX / 100 : (requests + 50) / 100;
    if (type == GQL_OP_MUTATION)
        return s_add (rounded, 1);
    return rounded < 1 ? 1 : rounded;
}

int
gql_cost_compute (const gql_schema_t *schema, const gql_document_t *doc, const char *operation_name,
                  json_t *variables, const gql_cost_options_t *options, gql_cost_t *out)
{
    memset (out, 0, sizeof *out);
    out->cost = 1;
    const gql_operation_t *op = gql_document_operation (doc, operation_name,
                                                        operation_name ? strlen (operation_name) : 0);
    if (!op)
        return -1;
    s_walk_t walk = {
        .schema = schema,
        .doc = doc,
        .default_page_size = options && options->default_page_size ? options->default_page_size : 100,
    };
    if (op->variable_count) {
        gql_coerce_error_t error;
        size_t error_count = 0;
        walk.variables = gql_coerce_variables (schema, op, variables, &error, 1, &error_count);
        if (!walk.variables && error_count == 0)
            return -2;
        out->variables_bad = walk.variables == NULL;
    }
    s_walk_set (&walk, gql_schema_root (schema, op->type), op->selection_set, 1, 0);
    json_decref (walk.variables);
    uint64_t max_nodes = options && options->max_nodes ? options->max_nodes : GQL_COST_MAX_NODES_DEFAULT;
    out->requests = walk.requests;
    out->node_count = walk.too_deep ? UINT64_MAX : walk.node_count;
    out->too_complex = out->node_count > max_nodes;
    out->cost = gql_cost_points (walk.requests, op->type);
    return 0;
}
