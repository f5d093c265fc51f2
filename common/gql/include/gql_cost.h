/*  gql_cost.h - what an operation will cost, computed before it runs, with GitHub's
    published GraphQL rate-limit formula as the model
    (docs.github.com, "Rate limits and node limits for the GraphQL API").

    A *connection* is a field whose definition has a `first` or `last` argument. Its page
    size is the larger of the two as written (literals, or variables after coercion), else
    the argument's default in the schema, else options->default_page_size. A field with a
    list argument `ids` (Relay's nodes(ids:)) counts as a connection whose page size is
    the list's length: what it encloses is fetched once per id.

      requests   = the sum over every connection of the product of the page sizes of the
                   connections enclosing it (itself excluded: a top-level connection
                   counts 1 request)
      node_count = the sum over every connection of the product of the page sizes along
                   its path (itself included)
      cost       = a query: requests / 100 rounded to the nearest whole number, at least 1;
                   a mutation: 1 + that rounded figure (r5's rule, docs/api.md)

    Fragment spreads and inline fragments count where they are spread; @skip and @include
    are not evaluated (a skipped connection still counts: the figure is an upper bound).
    Products saturate instead of overflowing.
*/
#ifndef GQL_COST_H_INCLUDED
#define GQL_COST_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "gql_ast.h"
#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GitHub's node limit: an operation that would touch more nodes is refused. */
#define GQL_COST_MAX_NODES_DEFAULT 500000

typedef struct {
    uint32_t default_page_size; /* a connection without first/last and no default (0: 100) */
    uint64_t max_nodes;         /* 0: GQL_COST_MAX_NODES_DEFAULT */
} gql_cost_options_t;

typedef struct {
    uint64_t requests;
    uint64_t node_count;
    uint64_t cost;
    bool too_complex;   /* node_count > max_nodes */
    bool variables_bad; /* the variables do not coerce: page sizes from defaults (the
                           executor answers the request error) */
} gql_cost_t;

/* Computes the cost of the operation of `doc` named `operation_name` (NULL: the only one)
   with the request's `variables` (a JSON object or NULL; coerced here against the
   operation's definitions). `doc` should have passed validation. Returns 0 with *out
   filled, -1 when the document has no such operation (*out zeroed, cost 1), -2 when
   memory ran out. */
int gql_cost_compute (const gql_schema_t *schema, const gql_document_t *doc, const char *operation_name,
                      json_t *variables, const gql_cost_options_t *options, gql_cost_t *out);

/* The cost in points of `requests` for an operation of `type` (the rounding rule above). */
uint64_t gql_cost_points (uint64_t requests, gql_operation_type_t type);

#ifdef __cplusplus
}
#endif

#endif
