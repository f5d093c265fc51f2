/*  test_gateway_paging: a connection's page arguments (first/last bounds,
    not both, the default) and its opaque cursors (what one list mints only
    that list reads back; malformed, foreign and bare-id cursors refused).  */
#include "gateway_call.h"
#include "r5_test.h"

#include <sodium.h>
#include <string.h>

//  Read args (JSON text) as a field's arguments with no selection.
static int
s_read (const char *args, const char *kind, gateway_page_t *page, gql_field_error_t *error)
{
    json_t *object = json_loads (args, 0, NULL);
    assert (object);
    gql_resolve_info_t info = { .args = object };
    memset (error, 0, sizeof *error);
    int rc = gateway_page_read (&info, kind, page, error);
    json_decref (object);
    return rc;
}

static void
test_sizes (void)
{
    gateway_page_t page;
    gql_field_error_t error;
    CHECK (s_read ("{}", "USERS", &page, &error) == 0 && page.first == GATEWAY_PAGE_DEFAULT && page.last == 0);
    CHECK (s_read ("{\"last\": 100}", "USERS", &page, &error) == 0 && page.first == 0 && page.last == 100);
    CHECK (s_read ("{\"first\": 1, \"last\": 1}", "USERS", &page, &error) == -1);
    CHECK_MSG (streq (error.code, "BAD_USER_INPUT") && strstr (error.message, "first and last"), "%s", error.message);
    CHECK (s_read ("{\"last\": 0}", "USERS", &page, &error) == -1 && strstr (error.message, "last"));
    CHECK (s_read ("{\"first\": 101}", "USERS", &page, &error) == -1 && strstr (error.message, "first"));
    CHECK_MSG (!page.after && !page.before, "nothing held after a refusal");
}

static void
test_cursors (void)
{
    gateway_page_t page;
    gql_field_error_t error;
    char *cursor = gateway_cursor_encode ("USERS", "0123456789abcdef01234567");
    CHECK (cursor && !strchr (cursor, '=') && !strchr (cursor, '+') && !strchr (cursor, '/'));
    char args [256];
    snprintf (args, sizeof args, "{\"after\": \"%s\", \"before\": \"%s\"}", cursor, cursor);
    CHECK (s_read (args, "USERS", &page, &error) == 0);
    CHECK (page.after && streq (page.after, "0123456789abcdef01234567"));
    CHECK (page.before && streq (page.before, "0123456789abcdef01234567"));
    gateway_page_clear (&page);
    CHECK (!page.after && !page.before);

    //  Another list's cursor, a bare id, junk, a longer kind: all refused.
    CHECK (s_read (args, "TEAMS", &page, &error) == -1 && streq (error.code, "BAD_USER_INPUT"));
    CHECK (s_read (args, "USERS_X", &page, &error) == -1);
    const char *bad [] = { "0123456789abcdef01234567", "", "!!!", "cjVjMTpVU0VSUzo", "cjVjMjpVU0VSUzphYmM" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        snprintf (args, sizeof args, "{\"after\": \"%s\"}", bad [i]);
        CHECK_MSG (s_read (args, "USERS", &page, &error) == -1 && strstr (error.message, "after"),
                   "refused: \"%s\"", bad [i]);
    }
    //  Not a service's cursor: upper case, or too long, is never minted.
    CHECK (gateway_cursor_encode ("USERS", "ABC") == NULL);
    char long_inner [80];
    memset (long_inner, 'a', sizeof long_inner - 1);
    long_inner [sizeof long_inner - 1] = 0;
    CHECK (gateway_cursor_encode ("USERS", long_inner) == NULL);
    free (cursor);
}

//  Whether gateway_page_read counts for the first field of query's operation.
static bool
s_counts (const char *query)
{
    gql_limits_t limits;
    gql_limits_default (&limits);
    gql_error_t parse_error;
    gql_document_t *document = gql_parse (query, strlen (query), &limits, &parse_error);
    CHECK_MSG (document, "%s", parse_error.message);
    if (!document)
        return false;
    json_t *args = json_object ();
    gql_resolve_info_t info = { .args = args, .document = document,
                                .selection = document->operations [0]->selection_set->items [0] };
    gateway_page_t page;
    gql_field_error_t error = { 0 };
    CHECK (gateway_page_read (&info, "TEAMS", &page, &error) == 0);
    gateway_page_clear (&page);
    json_decref (args);
    gql_document_destroy (&document);
    return page.count;
}

static void
test_total_count (void)
{
    CHECK (!s_counts ("{ teams { nodes { id } } }"));
    CHECK (s_counts ("{ teams { totalCount } }"));
    CHECK (s_counts ("{ teams { ... on TeamConnection { totalCount } } }"));
    CHECK (s_counts ("{ teams { ...A } } fragment A on TeamConnection { ...B } fragment B on TeamConnection { totalCount }"));
    //  A twin under the same response key selects it.
    CHECK (s_counts ("{ teams { nodes { id } } ...T } fragment T on Query { teams { totalCount } }"));
    //  totalCount of a nested connection is not this one's.
    CHECK (!s_counts ("{ teams { nodes { members { totalCount } } } }"));

    //  Fragments spreading the next one four times, 24 levels deep (a 1.5 KB
    //  document): looked into once each. Walked path by path, 4^24 looks: the
    //  test would never end.
    char query [4096] = "{ teams { ...F0 } }";
    for (int level = 0; level < 24; level++)
        snprintf (query + strlen (query), sizeof query - strlen (query),
                  " fragment F%d on TeamConnection { ...F%d ...F%d ...F%d ...F%d }",
                  level, level + 1, level + 1, level + 1, level + 1);
    snprintf (query + strlen (query), sizeof query - strlen (query), " fragment F24 on TeamConnection { nodes { id } }");
    CHECK (!s_counts (query));
}

int
main (void)
{
    CHECK (sodium_init () >= 0);
    R5_TEST_RUN (test_sizes);
    R5_TEST_RUN (test_cursors);
    R5_TEST_RUN (test_total_count);
    return r5_test_report ("test_gateway_paging");
}
