/*  gql.h - the GraphQL engine (spec October 2021): the one header its callers include.

    A C11 library of its own (CMake target `gql`, in common/gql/): build a schema from SDL
    once, then parse, validate and execute each request with batched resolvers, and shape
    validation errors into the response a server sends.
    docs/graphql.md, docs/graphql-validation.md and docs/graphql-execution.md tell the
    whole story.

        gql_error_t err;
        gql_schema_t *schema = gql_schema_new_from_sdl(sdl, sdl_len, &err);    at start-up
        gql_executor_t *ex = gql_executor_new(schema, resolvers, n, NULL, NULL, NULL, 0);

        gql_document_t *doc = gql_parse(query, query_len, &limits, &err);      per request
        gql_validation_error_t *errors;
        size_t count;
        if (gql_validate_with(schema, doc, &options, &errors, &count) == 1)
            body = gql_validation_response(errors, count);                     400
        else
            body = gql_execute(ex, doc, operation_name, variables, context, &request_error);

    What each header holds:
      gql_ast.h       documents: nodes, slices, locations, gql_error_t
      gql_parser.h    gql_parse, gql_parse_sdl and their limits
      gql_schema.h    gql_schema_new_from_sdl, types, fields and lookups
      gql_validate.h  gql_validate_with, the rules, gql_validation_response
      gql_execute.h   gql_executor_new, gql_execute, resolvers and hooks
      gql_print.h     type references and values printed as GraphQL
      gql_cost.h      gql_cost_compute: an operation's cost and node count before it runs

    Everything else (lexer, arena, coercion, introspection, the built-in SDL) is the
    library's own business, in common/gql/src/.
*/
#ifndef GQL_H_INCLUDED
#define GQL_H_INCLUDED

#include "gql_ast.h"
#include "gql_parser.h"
#include "gql_schema.h"
#include "gql_validate.h"
#include "gql_execute.h"
#include "gql_print.h"
#include "gql_cost.h"

#endif
