/*  gql_validate_nul.c - the refuse_nul_strings step of validation (not a rule of the spec).

    GraphQL strings may carry U+0000, raw or escaped (`"a\u0000b"`); C code downstream of
    a server would cut such a value short, so a server may refuse the document instead.
    The step runs after the spec's rules accepted the document, so only executable
    definitions are left to look at: every value of its operations (variable defaults
    included) and fragments, in arguments and directives, at any depth. Values nest no
    deeper than the parser's depth limit.
*/
#include "gql_validate_internal.h"

static bool s_selection_set_has_nul (const gql_selection_set_t *set);

/* True when `value` (NULL: none) is or holds a string value containing NUL. */
static bool
s_value_has_nul (const gql_value_t *value)
{
    if (!value)
        return false;
    if (value->kind == GQL_VALUE_STRING && value->str.len && memchr (value->str.data, 0, value->str.len))
        return true;
    for (size_t i = 0; i < value->item_count; i++)
        if (s_value_has_nul (value->items [i]))
            return true;
    for (size_t i = 0; i < value->field_count; i++)
        if (s_value_has_nul (value->fields [i]->value))
            return true;
    return false;
}

/* True when a value of `arguments` holds NUL. */
static bool
s_arguments_have_nul (gql_argument_t *const *arguments, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (s_value_has_nul (arguments [i]->value))
            return true;
    return false;
}

/* True when an argument of `directives` holds NUL. */
static bool
s_directives_have_nul (gql_directive_t *const *directives, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (s_arguments_have_nul (directives [i]->arguments, directives [i]->argument_count))
            return true;
    return false;
}

/* True when a selection of `set` (NULL: none), at any depth, has an argument holding NUL. */
static bool
s_selection_set_has_nul (const gql_selection_set_t *set)
{
    for (size_t i = 0; set && i < set->item_count; i++) {
        const gql_selection_t *selection = set->items [i];
        if (s_arguments_have_nul (selection->arguments, selection->argument_count)
            || s_directives_have_nul (selection->directives, selection->directive_count)
            || s_selection_set_has_nul (selection->selection_set))
            return true;
    }
    return false;
}

/* True when an operation's variable definitions, directives or selections hold NUL. */
static bool
s_operation_has_nul (const gql_operation_t *operation)
{
    for (size_t i = 0; i < operation->variable_count; i++) {
        const gql_variable_def_t *variable = operation->variables [i];
        if (s_value_has_nul (variable->default_value)
            || s_directives_have_nul (variable->directives, variable->directive_count))
            return true;
    }
    return s_directives_have_nul (operation->directives, operation->directive_count)
           || s_selection_set_has_nul (operation->selection_set);
}

void
gqlv_check_nul_strings (gqlv_ctx_t *ctx)
{
    const gql_document_t *doc = ctx->doc;
    bool found = false;
    for (size_t i = 0; i < doc->operation_count && !found; i++)
        found = s_operation_has_nul (doc->operations [i]);
    for (size_t i = 0; i < doc->fragment_count && !found; i++)
        found = s_directives_have_nul (doc->fragments [i]->directives, doc->fragments [i]->directive_count)
                || s_selection_set_has_nul (doc->fragments [i]->selection_set);
    if (found)
        gqlv_report (ctx, GQL_RULE_NO_NUL_STRINGS, NULL, 0, "string values may not contain NUL characters");
}
