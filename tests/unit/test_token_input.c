/*  test_token_input: request validation, page cursors, the last-used throttle
    and the change-event PUB socket of r5-token, without MongoDB. */
#include <czmq.h>
#include "r5_test.h"
#include <string.h>

#include "r5/token.pb-c.h"
#include "r5_curve.h"
#include "token_events.h"
#include "token_input.h"
#include "token_usage.h"
#include "r5_user_agent.h"

static void
s_test_description (void)
{
    char error [128];
    CHECK_MSG (token_input_description ("CI deploy bot", error, sizeof error) == 0, "plain ascii");
    CHECK_MSG (token_input_description ("d\xc3\xa9ploiement \xe2\x9c\x93 \xf0\x9f\x9a\x80", error, sizeof error) == 0,
               "utf-8 with 2, 3 and 4 byte sequences");
    CHECK_MSG (token_input_description ("", error, sizeof error) == -1, "empty");
    CHECK_MSG (strstr (error, "empty"), "message says empty: %s", error);
    CHECK_MSG (token_input_description ("   ", error, sizeof error) == -1, "blank");
    CHECK_MSG (token_input_description ("line\nbreak", error, sizeof error) == -1, "newline");
    CHECK_MSG (strstr (error, "control"), "message says control: %s", error);
    CHECK_MSG (token_input_description ("tab\there", error, sizeof error) == -1, "tab");
    CHECK_MSG (token_input_description ("del\x7f", error, sizeof error) == -1, "DEL");
    CHECK_MSG (token_input_description ("c1 \xc2\x85", error, sizeof error) == -1, "C1 control U+0085");
    CHECK_MSG (token_input_description ("bad \xff", error, sizeof error) == -1, "invalid byte");
    CHECK_MSG (strstr (error, "utf-8"), "message says utf-8: %s", error);
    CHECK_MSG (token_input_description ("overlong \xc0\xaf", error, sizeof error) == -1, "overlong");
    CHECK_MSG (token_input_description ("surrogate \xed\xa0\x80", error, sizeof error) == -1, "surrogate");
    CHECK_MSG (token_input_description ("truncated \xe2\x9c", error, sizeof error) == -1, "truncated sequence");

    char text [TOKEN_DESCRIPTION_MAX_BYTES + 8];
    memset (text, 'a', 200);
    text [200] = 0;
    CHECK_MSG (token_input_description (text, error, sizeof error) == 0, "200 characters");
    text [200] = 'a';
    text [201] = 0;
    CHECK_MSG (token_input_description (text, error, sizeof error) == -1, "201 characters");
    CHECK_MSG (strstr (error, "200"), "message names the limit: %s", error);
    //  200 characters of 3 bytes each (600 bytes) are still 200 characters.
    text [0] = 0;
    for (int i = 0; i < 200; i++)
        strcat (text, "\xe2\x9c\x93");
    CHECK_MSG (token_input_description (text, error, sizeof error) == 0, "200 three-byte characters");
}

static void
s_test_scopes (void)
{
    char error [128];
    r5_scope_set_t set;
    R5__Scope twice [] = { R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_TEAMS_WRITE,
                           R5__SCOPE__SCOPE_INCIDENTS_READ };
    CHECK_MSG (token_input_scopes (twice, 3, &set, error, sizeof error) == 0, "known scopes");
    CHECK_MSG (set == (r5_scope_bit (R5__SCOPE__SCOPE_INCIDENTS_READ) | r5_scope_bit (R5__SCOPE__SCOPE_TEAMS_WRITE)),
               "duplicates folded: %x", set);
    CHECK_MSG (token_input_scopes (NULL, 0, &set, error, sizeof error) == 0 && set == 0, "no scopes is allowed");
    R5__Scope unknown [] = { R5__SCOPE__SCOPE_USERS_READ, (R5__Scope) 17 };
    CHECK_MSG (token_input_scopes (unknown, 2, &set, error, sizeof error) == -1, "17 is unknown");
    CHECK_MSG (strstr (error, "unknown scope"), "message: %s", error);
    R5__Scope zero [] = { R5__SCOPE__SCOPE_UNSPECIFIED };
    CHECK_MSG (token_input_scopes (zero, 1, &set, error, sizeof error) == -1, "unspecified is refused");
}

//  A team restriction: well-formed ids, duplicates folded in order, at most 50.
static void
s_test_team_ids (void)
{
    char error [128];
    token_teams_t teams;
    char *twice [] = { "bbbbbbbbbbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb" };
    CHECK (token_input_team_ids (twice, 3, &teams, error, sizeof error) == 0);
    CHECK (teams.count == 2);
    CHECK_STR (teams.ids [0], "bbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK_STR (teams.ids [1], "aaaaaaaaaaaaaaaaaaaaaaaa");
    CHECK (token_input_team_ids (NULL, 0, &teams, error, sizeof error) == 0 && teams.count == 0);
    char *bad [] = { "AAAAAAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaa", "",
                     "{\"$ne\": 1}aaaaaaaaaaaaa" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        CHECK_MSG (token_input_team_ids (&bad [i], 1, &teams, error, sizeof error) == -1, "refused: %s", bad [i]);
        CHECK_MSG (strstr (error, "teamIds must be team ids") != NULL, "message: %s", error);
    }
    //  Fifty distinct ids pass, with repeats of them; a fifty-first does not.
    static char ids [TOKEN_TEAMS_MAX + 1][TOKEN_ID_SIZE];
    char *list [TOKEN_TEAMS_MAX + 2];
    for (int i = 0; i <= TOKEN_TEAMS_MAX; i++) {
        snprintf (ids [i], sizeof ids [i], "%024x", i);
        list [i] = ids [i];
    }
    list [TOKEN_TEAMS_MAX + 1] = ids [0];
    list [TOKEN_TEAMS_MAX] = ids [1];
    CHECK (token_input_team_ids (list, TOKEN_TEAMS_MAX + 2, &teams, error, sizeof error) == 0);
    CHECK (teams.count == TOKEN_TEAMS_MAX);
    list [TOKEN_TEAMS_MAX] = ids [TOKEN_TEAMS_MAX];
    CHECK (token_input_team_ids (list, TOKEN_TEAMS_MAX + 1, &teams, error, sizeof error) == -1);
    CHECK_MSG (strstr (error, "at most 50 teams") != NULL, "message: %s", error);
}

static void
s_test_ids_and_cursors (void)
{
    CHECK_MSG (token_input_is_id ("65f1a2b3c4d5e6f708192a3b"), "24 hex");
    CHECK_MSG (!token_input_is_id ("65F1A2B3C4D5E6F708192A3B"), "upper case");
    CHECK_MSG (!token_input_is_id ("65f1a2b3c4d5e6f708192a3"), "23");
    CHECK_MSG (!token_input_is_id ("65f1a2b3c4d5e6f708192a3b0"), "25");
    CHECK_MSG (!token_input_is_id ("{\"$ne\": 1}"), "operator");
    CHECK_MSG (!token_input_is_id (""), "empty");
    CHECK_MSG (token_input_is_user_id ("user-1_A"), "user id");
    CHECK_MSG (!token_input_is_user_id ("a b"), "space");
    CHECK_MSG (!token_input_is_user_id (""), "empty user id");
    CHECK_MSG (token_input_is_idempotency_key (""), "no key");
    CHECK_MSG (token_input_is_idempotency_key ("8c1d7e4e-1f7a-4c1e-9b7a-2f0c2b9b6d11"), "uuid key");
    CHECK_MSG (!token_input_is_idempotency_key ("a key"), "space in key");
    CHECK_MSG (streq (token_input_ip ("2001:db8::1"), "2001:db8::1"), "ipv6");
    CHECK_MSG (streq (token_input_ip ("10.0.0.1\nFAKE LOG"), ""), "newline in ip dropped");
    CHECK_MSG (token_input_first (0) == TOKEN_PAGE_DEFAULT, "default page");
    CHECK_MSG (token_input_first (100) == 100 && token_input_first (101) == -1 && token_input_first (-1) == -1,
               "page bounds");

    char cursor [TOKEN_CURSOR_SIZE];
    token_cursor_format (1764201600123LL, "65f1a2b3c4d5e6f708192a3b", cursor);
    int64_t at;
    char id [TOKEN_ID_SIZE];
    CHECK_MSG (token_cursor_parse (cursor, &at, id) == 0, "round trip: %s", cursor);
    CHECK_MSG (at == 1764201600123LL && streq (id, "65f1a2b3c4d5e6f708192a3b"), "parts back");
    CHECK_MSG (token_cursor_parse ("", &at, id) == -1, "empty cursor");
    CHECK_MSG (token_cursor_parse ("zz", &at, id) == -1, "short cursor");
    cursor [3] = 'g';
    CHECK_MSG (token_cursor_parse (cursor, &at, id) == -1, "non-hex cursor");
    CHECK_MSG (token_cursor_parse ("ffffffffffffffff65f1a2b3c4d5e6f708192a3b", &at, id) == -1, "negative time");
}

static void
s_test_usage (void)
{
    token_usage_t *usage = token_usage_new (60000);
    CHECK_MSG (token_usage_due (usage, "a", NULL, NULL, 1000), "first use is written");
    CHECK_MSG (!token_usage_due (usage, "a", NULL, NULL, 30000), "within the minute: not written");
    CHECK_MSG (token_usage_due (usage, "b", NULL, NULL, 30000), "another token is written");
    CHECK_MSG (token_usage_due (usage, "a", NULL, NULL, 61000), "a minute later: written");
    CHECK_MSG (!token_usage_due (usage, "a", NULL, NULL, 61001), "and then throttled again");
    token_usage_forget (usage, "a");
    CHECK_MSG (token_usage_due (usage, "a", NULL, NULL, 61002), "forgotten: written at once");
    //  Bounded: old entries go when the table is full.
    char key [32];
    for (int i = 0; i < TOKEN_USAGE_MAX + 10; i++) {
        snprintf (key, sizeof key, "t%d", i);
        token_usage_due (usage, key, NULL, NULL, 200000 + (i >= TOKEN_USAGE_MAX ? 100000 : 0));
    }
    CHECK_MSG (token_usage_size (usage) <= TOKEN_USAGE_MAX, "bounded: %zu", token_usage_size (usage));
    token_usage_destroy (&usage);
    CHECK_MSG (usage == NULL, "destroy nulls");

    token_usage_t *every = token_usage_new (0);
    CHECK_MSG (token_usage_due (every, "a", NULL, NULL, 1) && token_usage_due (every, "a", NULL, NULL, 1),
               "interval 0 writes every use");
    token_usage_destroy (&every);
}

//  A User-Agent as recorded: printable UTF-8, at most R5_USER_AGENT_MAX bytes.
static void
s_test_user_agent (void)
{
    char out [R5_USER_AGENT_MAX + 1];
    CHECK_MSG (r5_user_agent_clean ("curl/8.5.0", out, sizeof out) == 10 && streq (out, "curl/8.5.0"), "kept");
    CHECK_MSG (r5_user_agent_clean (NULL, out, sizeof out) == 0 && streq (out, ""), "NULL is empty");
    r5_user_agent_clean ("a\tb\x7f\xc2\x85" "c\xff\xc3(d\xed\xa0\x80", out, sizeof out);
    CHECK_MSG (streq (out, "a?b??c?" "?(d???"), "controls and bad UTF-8 replaced: %s", out);
    r5_user_agent_clean ("caf\xc3\xa9 \xe2\x82\xac", out, sizeof out);
    CHECK_MSG (streq (out, "caf\xc3\xa9 \xe2\x82\xac"), "UTF-8 kept");
    char lng [600];
    memset (lng, 'x', 255);
    snprintf (lng + 255, sizeof lng - 255, "\xe2\x82\xac%s", "tail");
    size_t length = r5_user_agent_clean (lng, out, sizeof out);
    CHECK_MSG (length == 255 && out [254] == 'x', "cut at a character boundary: %zu", length);
    CHECK_MSG (r5_user_agent_clean ("abcdef", out, 4) == 3 && streq (out, "abc"), "cut to the buffer");
}

//  Where a token was used: the throttle is per (token, address, user agent),
//  and at most TOKEN_USED_FROM_MAX places of a token are written per interval.
static void
s_test_usage_places (void)
{
    token_usage_t *usage = token_usage_new (60000);
    CHECK_MSG (token_usage_due (usage, "a", "192.0.2.1", "curl/8", 1000), "first place written");
    CHECK_MSG (!token_usage_due (usage, "a", "192.0.2.1", "curl/8", 2000), "same place: throttled");
    CHECK_MSG (token_usage_due (usage, "a", "192.0.2.1", "Mozilla/5.0", 3000), "another user agent: written");
    CHECK_MSG (token_usage_due (usage, "a", "192.0.2.2", "curl/8", 4000), "another address: written");
    CHECK_MSG (!token_usage_due (usage, "a", "192.0.2.1", "Mozilla/5.0", 5000), "that one throttled too");
    //  ("a", "bc") is not ("ab", "c").
    CHECK_MSG (token_usage_due (usage, "b", "a", "bc", 1000) && token_usage_due (usage, "b", "ab", "c", 1000),
               "the parts are kept apart");
    //  Two more places fill the token's five; a sixth waits for the interval.
    CHECK_MSG (token_usage_due (usage, "a", "192.0.2.3", "x", 6000)
            && token_usage_due (usage, "a", "192.0.2.4", "x", 7000), "up to five places in a minute");
    CHECK_MSG (!token_usage_due (usage, "a", "192.0.2.5", "x", 8000), "a sixth within the minute: not written");
    CHECK_MSG (!token_usage_due (usage, "a", "192.0.2.6", "y", 9000), "nor a seventh");
    CHECK_MSG (token_usage_due (usage, "a", "192.0.2.5", "x", 61000), "once the first place's minute passed");
    CHECK_MSG (!token_usage_due (usage, "a", "192.0.2.1", "curl/8", 62000)
            && token_usage_due (usage, "a", "192.0.2.1", "curl/8", 63000), "the first place again once a slot is free");
    CHECK_MSG (token_usage_size (usage) == 2, "one entry per token: %zu", token_usage_size (usage));
    token_usage_destroy (&usage);
}

static void
s_test_events (void)
{
    //  The publisher is a bus socket: a CURVE client of this SUB, which
    //  stands in for a broker's relay (with no ZAP handler, any key is admitted).
    zcert_t *cert = zcert_new ();
    r5_curve_set (cert, NULL);
    zcert_destroy (&cert);
    zsock_t *sub = zsock_new (ZMQ_SUB);
    r5_curve_server (sub, "r5.events.in");
    int port = zsock_bind (sub, "tcp://127.0.0.1:*");
    CHECK_MSG (port > 0, "bind sub");
    zsock_set_subscribe (sub, "token.");
    zsock_set_rcvtimeo (sub, 3000);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, " tcp://127.0.0.1:%d ", port);
    r5_events_t *events = r5_events_new (endpoint, "");
    CHECK_MSG (events, "publisher connects");
    CHECK_MSG (r5_events_new ("nonsense://x", "") == NULL, "bad endpoint refused");
    CHECK_MSG (r5_events_new ("", "nonsense://x") == NULL, "bad endpoint to hear the gateways refused");

    //  A subscription reaches the publisher only after the connection is up:
    //  publish until the first event arrives (PUB drops without subscribers).
    zmsg_t *msg = NULL;
    for (int attempt = 0; attempt < 50 && !msg; attempt++) {
        token_events_publish (events, TOKEN_EVENT_UPDATED, "65f1a2b3c4d5e6f708192a3b", "u1", "a1", 42);
        zsock_set_rcvtimeo (sub, 100);
        msg = zmsg_recv (sub);
    }
    CHECK_MSG (msg, "event received");
    if (msg) {
        CHECK_MSG (zmsg_size (msg) == 3, "three frames: topic, payload, sequence");
        char *topic = zmsg_popstr (msg);
        CHECK_MSG (topic && streq (topic, "token.updated 65f1a2b3c4d5e6f708192a3b"), "topic: %s", topic);
        zstr_free (&topic);
        zframe_t *payload = zmsg_pop (msg);
        R5__TokenChangeEvent *event = payload
            ? r5__token_change_event__unpack (NULL, zframe_size (payload), zframe_data (payload)) : NULL;
        CHECK_MSG (event, "payload decodes");
        if (event) {
            CHECK_MSG (streq (event->token_id, "65f1a2b3c4d5e6f708192a3b") && streq (event->user_id, "u1")
                    && streq (event->account_id, "a1") && streq (event->change, "updated")
                    && event->at_unix_ms == 42, "payload fields");
            r5__token_change_event__free_unpacked (event, NULL);
        }
        zframe_destroy (&payload);
        zmsg_destroy (&msg);
    }
    r5_events_destroy (&events);
    zsock_destroy (&sub);
    r5_events_t *none = r5_events_new ("", "");
    CHECK_MSG (none && token_events_publish (none, TOKEN_EVENT_REVOKED, "x", "u", "a", 1) == 0,
               "no endpoints: publishing is a no-op");
    r5_events_destroy (&none);
}

//  A list request's page: one direction, sizes in bounds, cursors parsed.
static void
s_test_page (void)
{
    token_page_t page;
    const char *error = NULL;
    char cursor [TOKEN_CURSOR_SIZE];
    token_cursor_format (0x1234, "0123456789abcdef01234567", cursor);
    CHECK_MSG (token_input_page (0, "", 0, "", &page, &error) == 0 && page.size == TOKEN_PAGE_DEFAULT
               && !page.backward && !page.after && !page.before, "nothing asked: the first 20");
    CHECK_MSG (token_input_page (0, NULL, 5, cursor, &page, &error) == 0 && page.size == 5 && page.backward
               && page.before && page.before_at == 0x1234 && streq (page.before_id, "0123456789abcdef01234567")
               && !page.after, "last and before");
    CHECK_MSG (token_input_page (3, cursor, 0, cursor, &page, &error) == 0 && page.after && page.before,
               "both cursors bound the page");
    CHECK_MSG (token_input_page (2, NULL, 2, NULL, &page, &error) == -1 && strstr (error, "first and last"),
               "first with last: %s", error);
    CHECK_MSG (token_input_page (0, NULL, 101, NULL, &page, &error) == -1 && strstr (error, "last"),
               "last past 100: %s", error);
    CHECK_MSG (token_input_page (-1, NULL, 0, NULL, &page, &error) == -1 && strstr (error, "first"),
               "first below 1: %s", error);
    CHECK_MSG (token_input_page (0, NULL, 1, "0123456789abcdef01234567", &page, &error) == -1
               && strstr (error, "cursor"), "an id is not a cursor: %s", error);
}

int
main (void)
{
    R5_TEST_RUN (s_test_description);
    R5_TEST_RUN (s_test_scopes);
    R5_TEST_RUN (s_test_team_ids);
    R5_TEST_RUN (s_test_ids_and_cursors);
    R5_TEST_RUN (s_test_page);
    R5_TEST_RUN (s_test_usage);
    R5_TEST_RUN (s_test_usage_places);
    R5_TEST_RUN (s_test_user_agent);
    R5_TEST_RUN (s_test_events);
    return r5_test_report ("test_token_input");
}
