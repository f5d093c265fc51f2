/*  test_gql_cost.c - gql_cost_compute on GitHub's own worked examples (docs.github.com,
    "Rate limits and node limits for the GraphQL API": 550 and 22,060 nodes; 5,101
    requests costing 51 points), then variables, defaults, fragments, aliases, mutations,
    the node limit and saturation.
*/
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "gql.h"
#include "gql_test.h"

//  GitHub's schema, the part its examples select.
static const char s_sdl [] =
    "type PageInfo { hasNextPage: Boolean! }\n"
    "type Label { id: ID! name: String! }\n"
    "type LabelConnection { edges: [LabelEdge] }\n"
    "type LabelEdge { node: Label }\n"
    "type Comment { bodyHTML: String }\n"
    "type CommentConnection { edges: [CommentEdge] }\n"
    "type CommentEdge { node: Comment }\n"
    "type Issue { id: ID! title: String bodyHTML: String\n"
    "  labels(first: Int, last: Int): LabelConnection\n"
    "  comments(first: Int, last: Int): CommentConnection }\n"
    "type IssueConnection { totalCount: Int edges: [IssueEdge] }\n"
    "type IssueEdge { node: Issue }\n"
    "type PullRequest { title: String comments(first: Int, last: Int): CommentConnection }\n"
    "type PullRequestConnection { edges: [PullRequestEdge] }\n"
    "type PullRequestEdge { node: PullRequest }\n"
    "type Repository { id: ID! name: String\n"
    "  issues(first: Int, last: Int): IssueConnection\n"
    "  pullRequests(first: Int, last: Int): PullRequestConnection }\n"
    "type RepositoryConnection { edges: [RepositoryEdge] nodes: [Repository] }\n"
    "type RepositoryEdge { node: Repository }\n"
    "type UserConnection { edges: [UserEdge] }\n"
    "type UserEdge { node: User }\n"
    "type User { login: String\n"
    "  repositories(first: Int, last: Int): RepositoryConnection\n"
    "  followers(first: Int, last: Int): UserConnection\n"
    "  starred(first: Int = 30): RepositoryConnection }\n"
    "type RateLimit { cost: Int }\n"
    "type Query { viewer: User! rateLimit(dryRun: Boolean = false): RateLimit\n"
    "  repositories(first: Int, last: Int): RepositoryConnection\n"
    "  nodes(ids: [ID!]!): [Repository]! }\n"
    "type Mutation { star(id: ID!): User }\n";

static gql_schema_t *s_schema;

//  The cost of query (validated first) with variables as JSON text (or NULL).
static gql_cost_t
s_cost (const char *query, const char *variables_json)
{
    gql_cost_t cost = { 0 };
    gql_error_t error;
    gql_document_t *doc = gql_parse (query, strlen (query), NULL, &error);
    CHECK_MSG (doc, "parse: %s", doc ? "" : error.message);
    gql_validation_error_t *errors = NULL;
    size_t count = 0;
    int valid = doc ? gql_validate_with (s_schema, doc, NULL, &errors, &count) : -1;
    CHECK_MSG (valid == 0, "validation of %s: %s", query, count ? errors [0].message : "");
    gql_validation_errors_free (&errors);
    json_t *variables = variables_json ? json_loads (variables_json, 0, NULL) : NULL;
    gql_cost_options_t options = { .default_page_size = 100 };
    if (valid == 0)
        CHECK_INT (gql_cost_compute (s_schema, doc, NULL, variables, &options, &cost), 0);
    json_decref (variables);
    gql_document_destroy (&doc);
    return cost;
}

//  GitHub's "simple query": 50 + 50 x 10 = 550 nodes; 1 + 50 = 51 requests, 1 point.
static void
test_github_simple (void)
{
    gql_cost_t cost = s_cost (
        "query { viewer { repositories(first: 50) { edges { repository:node { name "
        "  issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }", NULL);
    CHECK_INT (cost.node_count, 550);
    CHECK_INT (cost.requests, 51);
    CHECK_INT (cost.cost, 1);
    CHECK (!cost.too_complex);
}

//  GitHub's "complex query": 50 + 1,000 + 10,000 + 1,000 + 10,000 + 10 = 22,060 nodes;
//  requests 1 + 50 + 1,000 + 50 + 1,000 + 1 = 2,102, so 21 points.
static void
test_github_complex (void)
{
    gql_cost_t cost = s_cost (
        "query { viewer { repositories(first: 50) { edges { repository:node { name "
        "  pullRequests(first: 20) { edges { pullRequest:node { title "
        "    comments(first: 10) { edges { comment:node { bodyHTML } } } } } } "
        "  issues(first: 20) { totalCount edges { issue:node { title bodyHTML "
        "    comments(first: 10) { edges { comment:node { bodyHTML } } } } } } } } } "
        "  followers(first: 10) { edges { follower:node { login } } } } }", NULL);
    CHECK_INT (cost.node_count, 22060);
    CHECK_INT (cost.requests, 2102);
    CHECK_INT (cost.cost, 21);
}

//  GitHub's rate-limit example: repositories 1 request, issues 100, labels 5,000:
//  5,101 requests, 51 points; 100 + 5,000 + 300,000 nodes.
static void
test_github_rate_limit_example (void)
{
    gql_cost_t cost = s_cost (
        "query { viewer { login repositories(first: 100) { edges { node { id "
        "  issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }",
        NULL);
    CHECK_INT (cost.requests, 5101);
    CHECK_INT (cost.cost, 51);
    CHECK_INT (cost.node_count, 305100);
    CHECK (!cost.too_complex);
}

//  nodes(ids:) fetches once per id: what it encloses counts that many times, written
//  or from a variable.
static void
test_fetch_by_ids (void)
{
    gql_cost_t cost = s_cost ("query { nodes(ids: [\"a\", \"b\", \"c\"]) { issues(first: 100) { edges { node { id } } } } }",
                              NULL);
    CHECK_INT (cost.node_count, 3 + 300);
    CHECK_INT (cost.requests, 1 + 3);
    cost = s_cost ("query($ids: [ID!]!) { nodes(ids: $ids) { issues(first: 100) { edges { node { "
                   "  labels(first: 100) { edges { node { id } } } } } } } }",
                   "{\"ids\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\",\"24\",\"25\",\"26\",\"27\",\"28\",\"29\",\"30\",\"31\",\"32\",\"33\",\"34\",\"35\",\"36\",\"37\",\"38\",\"39\",\"40\",\"41\",\"42\",\"43\",\"44\",\"45\",\"46\",\"47\",\"48\",\"49\",\"50\",\"51\"]}");
    //  51 + 5,100 + 510,000 nodes: past the node limit, as one id would not be.
    CHECK_INT (cost.node_count, 515151);
    CHECK (cost.too_complex);
}

//  Page sizes from variables (after coercion), the larger of first and last, the
//  schema's default, and the caller's default for a connection with neither.
static void
test_page_sizes (void)
{
    gql_cost_t cost = s_cost ("query ($n: Int!) { repositories(first: $n) { nodes { id "
                              "  issues(first: 40) { totalCount } } } }", "{\"n\": 7}");
    CHECK_INT (cost.node_count, 7 + 7 * 40);
    CHECK_INT (cost.requests, 8);
    //  A variable's default stands when it is not provided.
    cost = s_cost ("query ($n: Int = 3) { repositories(first: $n) { nodes { id } } }", "{}");
    CHECK_INT (cost.node_count, 3);
    cost = s_cost ("{ repositories(first: 5, last: 9) { nodes { id } } }", NULL);
    CHECK_INT (cost.node_count, 9);
    //  starred(first: Int = 30): the schema's default.
    cost = s_cost ("{ viewer { starred { nodes { id } } } }", NULL);
    CHECK_INT (cost.node_count, 30);
    //  Neither written nor defaulted: the caller's default page size (100).
    cost = s_cost ("{ repositories { nodes { issues(last: 2) { totalCount } } } }", NULL);
    CHECK_INT (cost.node_count, 100 + 200);
    CHECK_INT (cost.requests, 101);
    //  Variables that do not coerce: flagged, defaults used.
    cost = s_cost ("query ($n: Int!) { repositories(first: $n) { nodes { id } } }", "{\"n\": \"x\"}");
    CHECK (cost.variables_bad);
    CHECK_INT (cost.node_count, 100);
}

//  Fragments count where they are spread (twice when spread twice); aliases are
//  separate connections.
static void
test_fragments_and_aliases (void)
{
    gql_cost_t cost = s_cost (
        "query { a: repositories(first: 10) { ...R } b: repositories(first: 10) { nodes { ... on Repository { "
        "  issues(first: 3) { totalCount } } } } } "
        "fragment R on RepositoryConnection { nodes { issues(first: 2) { totalCount } pullRequests(first: 2) { edges { node { title } } } } }",
        NULL);
    CHECK_INT (cost.node_count, 10 + 20 + 20 + 10 + 30);
    CHECK_INT (cost.requests, 1 + 10 + 10 + 1 + 10);
}

//  Queries without connections cost the minimum 1 point; rounding is to the nearest.
static void
test_minimum_and_rounding (void)
{
    gql_cost_t cost = s_cost ("{ rateLimit { cost } }", NULL);
    CHECK_INT (cost.requests, 0);
    CHECK_INT (cost.cost, 1);
    cost = s_cost ("{ __schema { types { name } } }", NULL);
    CHECK_INT (cost.cost, 1);
    CHECK_INT (gql_cost_points (149, GQL_OP_QUERY), 1);
    CHECK_INT (gql_cost_points (150, GQL_OP_QUERY), 2);
    CHECK_INT (gql_cost_points (249, GQL_OP_QUERY), 2);
    CHECK_INT (gql_cost_points (0, GQL_OP_MUTATION), 1);
    CHECK_INT (gql_cost_points (5101, GQL_OP_MUTATION), 52);
}

//  A mutation costs 1 plus the connections it selects.
static void
test_mutation (void)
{
    gql_cost_t cost = s_cost ("mutation { star(id: \"1\") { login } }", NULL);
    CHECK_INT (cost.cost, 1);
    cost = s_cost ("mutation { star(id: \"1\") { repositories(first: 100) { nodes { "
                   "  issues(first: 100) { totalCount } } } } }", NULL);
    CHECK_INT (cost.requests, 101);
    CHECK_INT (cost.cost, 2);
}

//  Past 500,000 nodes the operation is too complex; huge products saturate.
static void
test_node_limit (void)
{
    gql_cost_t cost = s_cost (
        "{ repositories(first: 100) { nodes { issues(first: 100) { edges { node { "
        "  labels(first: 50) { edges { node { id } } } } } } } } }", NULL);
    CHECK_INT (cost.node_count, 100 + 10000 + 500000);
    CHECK (cost.too_complex);
    cost = s_cost ("{ repositories(first: 100) { nodes { issues(first: 100) { edges { node { "
                   "  labels(first: 48) { edges { node { id } } } } } } } } }", NULL);
    CHECK_INT (cost.node_count, 100 + 10000 + 480000);
    CHECK (!cost.too_complex);
    cost = s_cost ("{ repositories(first: 2147483647) { nodes { issues(first: 2147483647) { edges { node { "
                   "  labels(first: 2147483647) { edges { node { id } } } comments(first: 2147483647) { edges { node { bodyHTML } } } } } } } } }",
                   NULL);
    CHECK (cost.too_complex);
    CHECK (cost.node_count == UINT64_MAX);
}

//  A short document that fragments make exponentially long: a fragment spread twice into
//  one selection set counts once (as it executes once), so 24 levels of 4 spreads (4^24
//  paths) walk 25 fragments. Work that really repeats (aliases, 2^30 viewers; past the
//  request limits, so parsed here without them) stops at the walk's bound as too complex,
//  at once rather than after 2^30 steps.
static void
test_exponential_fragments (void)
{
    char query [8192];
    size_t used = (size_t) snprintf (query, sizeof query, "query { ...F0 }\n");
    for (int i = 0; i < 24; i++)
        used += (size_t) snprintf (query + used, sizeof query - used,
                                   "fragment F%d on Query { ...F%d ...F%d ...F%d ...F%d }\n", i, i + 1, i + 1, i + 1, i + 1);
    snprintf (query + used, sizeof query - used, "fragment F24 on Query { repositories(first: 10) { nodes { name } } }\n");
    gql_cost_t cost = s_cost (query, NULL);
    CHECK_INT (cost.node_count, 10);
    CHECK_INT (cost.requests, 1);
    CHECK (!cost.too_complex);

    used = (size_t) snprintf (query, sizeof query, "query { viewer { ...U0 } }\n");
    for (int i = 0; i < 30; i++)
        used += (size_t) snprintf (query + used, sizeof query - used,
                                   "fragment U%d on User { b: followers(first: 1) { edges { node { ...U%d } } } "
                                   "c: followers(first: 1) { edges { node { ...U%d } } } }\n", i, i + 1, i + 1);
    snprintf (query + used, sizeof query - used, "fragment U30 on User { login }\n");
    gql_limits_t unlimited = { 0, 0, 512, 0, 0 };
    gql_error_t error;
    gql_document_t *doc = gql_parse (query, strlen (query), &unlimited, &error);
    CHECK_MSG (doc, "parse: %s", doc ? "" : error.message);
    CHECK_INT (gql_cost_compute (s_schema, doc, NULL, NULL, NULL, &cost), 0);
    CHECK (cost.too_complex);
    CHECK (cost.node_count == UINT64_MAX);
    gql_document_destroy (&doc);
}

//  An unknown operation name answers -1 with the minimum cost.
static void
test_unknown_operation (void)
{
    gql_error_t error;
    const char *query = "query A { viewer { login } }";
    gql_document_t *doc = gql_parse (query, strlen (query), NULL, &error);
    gql_cost_t cost;
    CHECK_INT (gql_cost_compute (s_schema, doc, "B", NULL, NULL, &cost), -1);
    CHECK_INT (cost.cost, 1);
    CHECK_INT (gql_cost_compute (s_schema, doc, "A", NULL, NULL, &cost), 0);
    gql_document_destroy (&doc);
}

int
main (void)
{
    gql_error_t error;
    s_schema = gql_schema_new_from_sdl (s_sdl, strlen (s_sdl), &error);
    if (!s_schema) {
        fprintf (stderr, "schema: %s %s (%u:%u)\n", error.message, error.detail, error.line, error.column);
        return 1;
    }
    R5_TEST_RUN (test_github_simple);
    R5_TEST_RUN (test_github_complex);
    R5_TEST_RUN (test_github_rate_limit_example);
    R5_TEST_RUN (test_fetch_by_ids);
    R5_TEST_RUN (test_page_sizes);
    R5_TEST_RUN (test_fragments_and_aliases);
    R5_TEST_RUN (test_minimum_and_rounding);
    R5_TEST_RUN (test_mutation);
    R5_TEST_RUN (test_node_limit);
    R5_TEST_RUN (test_exponential_fragments);
    R5_TEST_RUN (test_unknown_operation);
    gql_schema_destroy (&s_schema);
    return r5_test_report ("test_gql_cost");
}
