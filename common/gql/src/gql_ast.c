/*  gql_ast.c - document lifetime and lookups over the AST.
 */
#include "gql_ast.h"
#include "gql_arena.h"

#include <stdlib.h>

const char *
gql_error_code_name (gql_error_code_t code)
{
    switch (code) {
        case GQL_OK: return "ok";
        case GQL_ERR_SYNTAX: return "syntax";
        case GQL_ERR_TOO_LARGE: return "too_large";
        case GQL_ERR_TOO_MANY_TOKENS: return "too_many_tokens";
        case GQL_ERR_TOO_DEEP: return "too_deep";
        case GQL_ERR_TOO_MANY_ALIASES: return "too_many_aliases";
        case GQL_ERR_TOO_MANY_DIRECTIVES: return "too_many_directives";
        case GQL_ERR_NOMEM: return "nomem";
        case GQL_ERR_SCHEMA: return "schema";
    }
    return "unknown";
}

static const char *const s_dirloc_names [GQL_DIRLOC_COUNT_] = {
    [GQL_DIRLOC_QUERY] = "QUERY",
    [GQL_DIRLOC_MUTATION] = "MUTATION",
    [GQL_DIRLOC_SUBSCRIPTION] = "SUBSCRIPTION",
    [GQL_DIRLOC_FIELD] = "FIELD",
    [GQL_DIRLOC_FRAGMENT_DEFINITION] = "FRAGMENT_DEFINITION",
    [GQL_DIRLOC_FRAGMENT_SPREAD] = "FRAGMENT_SPREAD",
    [GQL_DIRLOC_INLINE_FRAGMENT] = "INLINE_FRAGMENT",
    [GQL_DIRLOC_VARIABLE_DEFINITION] = "VARIABLE_DEFINITION",
    [GQL_DIRLOC_SCHEMA] = "SCHEMA",
    [GQL_DIRLOC_SCALAR] = "SCALAR",
    [GQL_DIRLOC_OBJECT] = "OBJECT",
    [GQL_DIRLOC_FIELD_DEFINITION] = "FIELD_DEFINITION",
    [GQL_DIRLOC_ARGUMENT_DEFINITION] = "ARGUMENT_DEFINITION",
    [GQL_DIRLOC_INTERFACE] = "INTERFACE",
    [GQL_DIRLOC_UNION] = "UNION",
    [GQL_DIRLOC_ENUM] = "ENUM",
    [GQL_DIRLOC_ENUM_VALUE] = "ENUM_VALUE",
    [GQL_DIRLOC_INPUT_OBJECT] = "INPUT_OBJECT",
    [GQL_DIRLOC_INPUT_FIELD_DEFINITION] = "INPUT_FIELD_DEFINITION",
};

const char *
gql_directive_location_name (gql_directive_location_t loc)
{
    if ((unsigned) loc >= GQL_DIRLOC_COUNT_)
        return NULL;
    return s_dirloc_names [loc];
}

void
gql_document_destroy (gql_document_t **doc_p)
{
    if (!doc_p || !*doc_p)
        return;
    /* The document itself lives in its arena. */
    gql_arena_t *arena = (*doc_p)->arena;
    gql_arena_destroy (&arena);
    *doc_p = NULL;
}

size_t
gql_document_bytes (const gql_document_t *doc)
{
    return gql_arena_used (doc->arena);
}

const gql_fragment_t *
gql_document_fragment (const gql_document_t *doc, const char *name, size_t len)
{
    gql_str_t key = { name, len };
    for (size_t i = 0; i < doc->fragment_count; i++)
        if (gql_str_equal (doc->fragments [i]->name, key))
            return doc->fragments [i];
    return NULL;
}

const gql_operation_t *
gql_document_operation (const gql_document_t *doc, const char *name, size_t len)
{
    if (!name)
        return doc->operation_count == 1 ? doc->operations [0] : NULL;
    gql_str_t key = { name, len };
    for (size_t i = 0; i < doc->operation_count; i++)
        if (doc->operations [i]->name.data && gql_str_equal (doc->operations [i]->name, key))
            return doc->operations [i];
    return NULL;
}
