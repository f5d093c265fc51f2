/*  gateway_rate: cost, headers, rateLimit and dry runs at /graphql.  */
#include "gateway_rate.h"
#include "gateway_call.h"
#include "r5_time.h"

#include <inttypes.h>
#include <stdio.h>

void
gateway_rate_headers (const gateway_rate_t *rate, int64_t now_ms, char out [GATEWAY_RATE_HEADERS_SIZE])
{
    out [0] = 0;
    if (!rate)
        return;
    int n = snprintf (out, GATEWAY_RATE_HEADERS_SIZE,
                      "X-RateLimit-Limit: %" PRId64 "\r\nX-RateLimit-Remaining: %" PRId64 "\r\n"
                      "X-RateLimit-Used: %" PRId64 "\r\nX-RateLimit-Reset: %" PRId64 "\r\n"
                      "X-RateLimit-Resource: graphql\r\n",
                      rate->limit, rate->remaining, rate->used, rate->reset_at);
    if (rate->refused && n > 0 && n < GATEWAY_RATE_HEADERS_SIZE) {
        //  Whole seconds to the window's end, at least 1.
        int64_t wait = rate->reset_at - now_ms / 1000;
        snprintf (out + n, GATEWAY_RATE_HEADERS_SIZE - (size_t) n, "Retry-After: %" PRId64 "\r\n",
                  wait < 1 ? 1 : wait);
    }
}

//  Whether a dryRun argument is true: a literal, or a variable's value (a
//  valid Boolean variable's JSON is its coerced value), or its default.
static bool
s_true (const gql_operation_t *operation, const gql_value_t *value, json_t *variables)
{
    if (value->kind == GQL_VALUE_BOOLEAN)
        return value->boolean;
    if (value->kind != GQL_VALUE_VARIABLE)
        return false;
    json_t *given = json_object_getn (variables, value->str.data, value->str.len);
    if (given)
        return json_is_true (given);
    for (size_t i = 0; i < operation->variable_count; i++) {
        const gql_variable_def_t *def = operation->variables [i];
        if (gql_str_equal (def->name, value->str))
            return def->default_value && def->default_value->kind == GQL_VALUE_BOOLEAN && def->default_value->boolean;
    }
    return false;
}

//  rateLimit(dryRun: true) in a root selection set (inline fragments included).
static bool
s_dry_run_in (const gql_operation_t *operation, const gql_selection_set_t *set, json_t *variables, int depth)
{
    for (size_t i = 0; set && depth < 8 && i < set->item_count; i++) {
        const gql_selection_t *sel = set->items [i];
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT && s_dry_run_in (operation, sel->selection_set, variables, depth + 1))
            return true;
        if (sel->kind != GQL_SELECTION_FIELD || !gql_str_eq (sel->name, "rateLimit"))
            continue;
        for (size_t a = 0; a < sel->argument_count; a++)
            if (gql_str_eq (sel->arguments [a]->name, "dryRun") && s_true (operation, sel->arguments [a]->value, variables))
                return true;
    }
    return false;
}

bool
gateway_rate_dry_run (const gql_operation_t *operation, json_t *variables)
{
    return operation && operation->type == GQL_OP_QUERY && s_dry_run_in (operation, operation->selection_set, variables, 0);
}

int
gateway_rate_field_access (void *context, const gql_type_t *parent_type, const gql_field_t *field,
                           json_t *parent_object, gql_field_error_t *error)
{
    (void) parent_object;
    const gateway_request_t *request = context;
    if (!request->dry_run || parent_type != gql_schema_query_type (parent_type->schema)
    ||  gql_str_eq (field->name, "rateLimit"))
        return 0;
    return gql_field_error_set (error, "DRY_RUN", "not run: the query asked for rateLimit(dryRun: true)");
}

//  Query.rateLimit: the budget as this request left it (null when limits are off).
static int
s_rate_limit (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
              gql_field_error_t *errors)
{
    (void) parents;
    (void) errors;
    const gateway_request_t *request = info->context;
    const gateway_rate_t *rate = request->rate;
    for (size_t i = 0; i < count; i++) {
        if (!rate) {
            results [i] = NULL;
            continue;
        }
        char reset [R5_TIME_TEXT_SIZE];
        r5_time_format (rate->reset_at * 1000, reset);
        results [i] = json_pack ("{s:I,s:I,s:I,s:I,s:s,s:I}", "limit", (json_int_t) rate->limit,
                                 "cost", (json_int_t) rate->cost, "remaining", (json_int_t) rate->remaining,
                                 "used", (json_int_t) rate->used, "resetAt", reset,
                                 "nodeCount", (json_int_t) rate->node_count);
    }
    return 0;
}

size_t
gateway_rate_resolvers (gql_resolver_entry_t *entries, size_t size)
{
    if (size < 1)
        return 0;
    entries [0] = (gql_resolver_entry_t) { .name = "Query.rateLimit", .fn = s_rate_limit };
    return 1;
}
