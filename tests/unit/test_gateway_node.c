/*  test_gateway_node: global ids at the API's edge. The tables of
    gateway_node.c cover the real schema's every ID site, and a schema with a
    site they do not name is refused; through the executor, an id argument
    reaches its resolver as the service's id and an ID field leaves global;
    another type's id, a bare service id and junk answer NOT_FOUND without
    the resolver being called.  */
#include "gateway_node.h"
#include "gateway_call.h"
#include "gateway_rate.h"
#include "gateway_resources.h"
#include "gateway_tokens.h"
#include "r5_test.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static char *
s_schema_sdl (void)
{
    char path [1024];
    snprintf (path, sizeof path, "%s/services/gateway/schema.graphql", getenv ("R5_SOURCE_DIR"));
    FILE *file = fopen (path, "rb");
    char *sdl = calloc (1, 1 << 20);
    //  Checked in release builds too (no assert): the test means nothing without it.
    if (!file || fread (sdl, 1, (1 << 20) - 1, file) == 0) {
        fprintf (stderr, "cannot read %s\n", path);
        exit (1);
    }
    fclose (file);
    return sdl;
}

//  gateway_node_resolvers over the gateway's own tables for the schema sdl
//  with extra appended; the count (0: refused, with error).
static size_t
s_build (const char *sdl, const char *extra, char *error, size_t error_size)
{
    size_t length = strlen (sdl) + strlen (extra);
    char *text = malloc (length + 1);
    snprintf (text, length + 1, "%s%s", sdl, extra);
    gql_error_t parse_error;
    gql_schema_t *schema = gql_schema_new_from_sdl (text, length, &parse_error);
    free (text);
    CHECK_MSG (schema, "%s", parse_error.message);
    if (!schema)
        return 0;
    gql_resolver_entry_t entries [192];
    size_t count = gateway_tokens_resolvers (entries, 192);
    count += gateway_resources_resolvers (entries + count, 192 - count);
    count += gateway_rate_resolvers (entries + count, 192 - count);
    void *wrapped = NULL;
    error [0] = 0;
    count = gateway_node_resolvers (schema, entries, count, 192, &wrapped, error, error_size);
    free (wrapped);
    gql_schema_destroy (&schema);
    return count;
}

static void
test_tables_cover_the_schema (void)
{
    char *sdl = s_schema_sdl ();
    char error [256];
    CHECK_MSG (s_build (sdl, "", error, sizeof error) > 0, "%s", error);
    //  A new field, argument or input field with ids, in no table: refused.
    CHECK (s_build (sdl, "\nextend type Team { ownerId: ID }\n", error, sizeof error) == 0);
    CHECK_MSG (strstr (error, "Team.ownerId"), "%s", error);
    CHECK (s_build (sdl, "\nextend type Query { thing(id: ID!): Team }\n", error, sizeof error) == 0);
    CHECK_MSG (strstr (error, "Query.thing(id)"), "%s", error);
    CHECK (s_build (sdl, "\nextend input CreateTeamInput { leadId: ID }\n", error, sizeof error) == 0);
    CHECK_MSG (strstr (error, "CreateTeamInput.leadId"), "%s", error);
    free (sdl);
}

static void
test_ids_are_opaque_and_typed (void)
{
    char *team = gateway_node_id ("Team", "6b1692a331da4d07270541f3");
    char *user = gateway_node_id ("User", "6b1692a331da4d07270541f3");
    CHECK (team && user && !streq (team, user));
    CHECK (!strstr (team, "6b1692a331da4d07270541f3") && !strchr (team, '=') && !strchr (team, '/'));
    //  What no service makes is never written as an id.
    CHECK (gateway_node_id ("Team", "ABC") == NULL);
    CHECK (gateway_node_id ("Team", "") == NULL);
    CHECK (gateway_node_id (NULL, "abc") == NULL);
    free (team);
    free (user);
}

//  Through the executor: a stand-in for Query.team that counts its calls and
//  answers a team with the id it was given.
static int s_calls;
static char s_seen [128];

static int
s_team (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    s_calls++;
    const char *id = json_string_value (json_object_get (info->args, "id"));
    snprintf (s_seen, sizeof s_seen, "%s", id ? id : "");
    for (size_t i = 0; i < count; i++)
        results [i] = json_pack ("{s:s,s:s}", "id", id ? id : "", "name", "n");
    return 0;
}

static json_t *
s_run (gql_executor_t *executor, const char *query, const char *id)
{
    gql_limits_t limits;
    gql_limits_default (&limits);
    gql_error_t parse_error;
    gql_document_t *document = gql_parse (query, strlen (query), &limits, &parse_error);
    if (!document)
        abort ();
    json_t *variables = json_pack ("{s:s}", "id", id);
    json_t *response = gql_execute (executor, document, NULL, variables, NULL, NULL);
    json_decref (variables);
    gql_document_destroy (&document);
    return response;
}

static void
test_ids_in_and_out (void)
{
    char *sdl = s_schema_sdl ();
    gql_error_t parse_error;
    gql_schema_t *schema = gql_schema_new_from_sdl (sdl, strlen (sdl), &parse_error);
    CHECK_MSG (schema, "%s", parse_error.message);
    gql_resolver_entry_t entries [8] = { { "Query.team", s_team, NULL } };
    void *wrapped = NULL;
    char error [256] = "";
    size_t count = gateway_node_resolvers (schema, entries, 1, 8, &wrapped, error, sizeof error);
    //  The tables name resolver-less fields of the real table: only checked there.
    CHECK_MSG (count == 0 && strstr (error, "no resolver"), "%s", error);
    free (wrapped);

    gql_resolver_entry_t all [192];
    count = gateway_tokens_resolvers (all, 192);
    count += gateway_resources_resolvers (all + count, 192 - count);
    count += gateway_rate_resolvers (all + count, 192 - count);
    for (size_t i = 0; i < count; i++)
        if (streq (all [i].name, "Query.team"))
            all [i] = (gql_resolver_entry_t) { "Query.team", s_team, NULL };
    count = gateway_node_resolvers (schema, all, count, 192, &wrapped, error, sizeof error);
    CHECK_MSG (count > 0, "%s", error);
    gql_executor_t *executor = gql_executor_new (schema, all, count, NULL, NULL, error, sizeof error);
    CHECK_MSG (executor, "%s", error);

    char *team = gateway_node_id ("Team", "6b1692a331da4d07270541f4");
    const char *query = "query($id: ID!) { team(id: $id) { id name } }";
    s_calls = 0;
    json_t *response = s_run (executor, query, team);
    CHECK_MSG (s_calls == 1 && streq (s_seen, "6b1692a331da4d07270541f4"), "the resolver saw %s", s_seen);
    const char *out = json_string_value (json_object_get (json_object_get (json_object_get (response, "data"),
                                                                           "team"), "id"));
    CHECK_MSG (out && streq (out, team), "the id left as %s", out ? out : "(null)");
    json_decref (response);

    //  Another type's id, the service's own id, junk, a bare prefix: NOT_FOUND, and no call.
    char *user = gateway_node_id ("User", "6b1692a331da4d07270541f4");
    const char *refused [] = { user, "6b1692a331da4d07270541f4", "", "!!", "cjVuMTpUZWFtOg", "cjVuMjpUZWFtOmFi" };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        s_calls = 0;
        response = s_run (executor, query, refused [i]);
        const char *code = json_string_value (json_object_get (json_object_get (
            json_array_get (json_object_get (response, "errors"), 0), "extensions"), "code"));
        CHECK_MSG (s_calls == 0 && code && streq (code, "NOT_FOUND"), "%s: %d calls, %s", refused [i], s_calls,
                   code ? code : "no error");
        json_decref (response);
    }
    free (team);
    free (user);
    gql_executor_destroy (&executor);
    free (wrapped);
    gql_schema_destroy (&schema);
    free (sdl);
}

int
main (void)
{
    CHECK (sodium_init () >= 0);
    R5_TEST_RUN (test_tables_cover_the_schema);
    R5_TEST_RUN (test_ids_are_opaque_and_typed);
    R5_TEST_RUN (test_ids_in_and_out);
    return r5_test_report ("test_gateway_node");
}
