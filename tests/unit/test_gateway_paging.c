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

int
main (void)
{
    CHECK (sodium_init () >= 0);
    R5_TEST_RUN (test_sizes);
    R5_TEST_RUN (test_cursors);
    return r5_test_report ("test_gateway_paging");
}
