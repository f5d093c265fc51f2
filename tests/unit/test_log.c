/*  test_log: a log line is one event whatever its message and fields hold —
    JSON lines parse, with the text given back; text lines stay one line. */
#include "r5_log.h"
#include "r5_test.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

//  Strings a client can put in a message or field: quotes, newlines (a
//  forged second event), control bytes, an escape sequence, invalid UTF-8
//  (a lone continuation byte, an overlong '/', a surrogate, a cut sequence).
static const char *s_hostile [] = {
    "say \"hi\" \\ back",
    "line\n{\"level\":\"error\",\"message\":\"forged\"}",
    "cr\rlf\r\nend",
    "bell\a esc\x1b[31m del\x7f tab\t nul-free",
    "lone \x80 continuation",
    "overlong \xc0\xaf slash",
    "surrogate \xed\xa0\x80 half",
    "cut \xe2\x82",
    "past \xf4\x90\x80\x80 max",
    "fine caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "key=value rid=forged trace=\"x\"",
};

//  The line for message and one field both set to text, in the current format.
static size_t
s_line (char *out, size_t size, const char *text, const char *request_id)
{
    r5_log_field_t fields [] = { R5_LOG_TEXT_FIELD ("operation", text), R5_LOG_NUMBER_FIELD ("status", 200) };
    return r5_log_format_line (out, size, R5_LOG_INFO, request_id, fields, 2, text);
}

//  One line: it ends in the only newline it has, and holds no control byte.
static bool
s_one_line (const char *line, size_t length)
{
    if (length == 0 || line [length - 1] != '\n' || strlen (line) != length)
        return false;
    for (size_t i = 0; i + 1 < length; i++)
        if ((unsigned char) line [i] < 0x20 || line [i] == 0x7f)
            return false;
    return true;
}

static void
s_check_json (void)
{
    r5_log_set_format (R5_LOG_JSON);
    r5_log_context_set ("ctx-id", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    char line [8192];
    for (size_t i = 0; i < sizeof s_hostile / sizeof s_hostile [0]; i++) {
        size_t length = s_line (line, sizeof line, s_hostile [i], s_hostile [i]);
        CHECK (s_one_line (line, length));
        json_error_t error;
        json_t *event = json_loads (line, 0, &error);
        CHECK (json_is_object (event));
        if (!event) {
            fprintf (stderr, "not JSON (%s): %s", error.text, line);
            continue;
        }
        CHECK_STR (json_string_value (json_object_get (event, "level")), "info");
        CHECK_STR (json_string_value (json_object_get (event, "service")), "test_log");
        CHECK_STR (json_string_value (json_object_get (event, "trace_id")), "4bf92f3577b34da6a3ce929d0e0e4736");
        CHECK (json_integer_value (json_object_get (event, "status")) == 200);
        //  Nothing forged: exactly the members written.
        CHECK (json_object_size (event) == 9);
        //  Valid UTF-8 comes back as given; invalid bytes as U+FFFD.
        const char *message = json_string_value (json_object_get (event, "message"));
        CHECK_STR (json_string_value (json_object_get (event, "operation")), message);
        CHECK_STR (json_string_value (json_object_get (event, "request_id")), message);
        if (i < 4 || i >= 9)
            CHECK_STR (message, s_hostile [i]);
        else
            CHECK (strstr (message, "\xef\xbf\xbd") != NULL);
        const char *time = json_string_value (json_object_get (event, "time"));
        CHECK (time && strlen (time) == 24 && time [10] == 'T' && time [19] == '.' && time [23] == 'Z');
        json_decref (event);
    }
    //  No request id given: the context's.
    size_t length = s_line (line, sizeof line, "plain", NULL);
    json_t *event = json_loads (line, 0, NULL);
    CHECK (length && event && !strcmp (json_string_value (json_object_get (event, "request_id")), "ctx-id"));
    json_decref (event);

    //  A line cut short is still one JSON object.
    char big [2000];
    memset (big, '"', sizeof big - 1);
    big [sizeof big - 1] = 0;
    char small [600];
    length = s_line (small, sizeof small, big, "rid");
    CHECK (s_one_line (small, length) && length < sizeof small);
    event = json_loads (small, 0, NULL);
    CHECK (json_is_object (event));
    json_decref (event);
    r5_log_context_clear ();
}

static void
s_check_text (void)
{
    r5_log_set_format (R5_LOG_TEXT);
    r5_log_context_set (NULL, "4bf92f3577b34da6a3ce929d0e0e4736", NULL);
    char line [8192];
    for (size_t i = 0; i < sizeof s_hostile / sizeof s_hostile [0]; i++) {
        size_t length = s_line (line, sizeof line, s_hostile [i], "r1");
        CHECK (s_one_line (line, length));
        //  The fields written are the only ones a reader finds after the message.
        CHECK (strstr (line, " info test_log rid=r1 trace=4bf92f3577b34da6a3ce929d0e0e4736 ") != NULL);
        CHECK (strstr (line, " status=200\n") != NULL);
    }
    size_t length = s_line (line, sizeof line, "a\nb", "r1");
    CHECK (length && strstr (line, "a\\x0ab operation=a\\x0ab status=200\n"));
    //  A quote cannot end a quoted value early.
    length = s_line (line, sizeof line, "x\" status=500", "r1");
    CHECK (length && strstr (line, " operation=\"x\\x22 status=500\" status=200\n"));
    //  A request id off the wire cannot add fields either.
    length = s_line (line, sizeof line, "m", "a trace=forged");
    CHECK (length && strstr (line, " rid=\"a trace=forged\" trace=4bf9"));
    //  The text form otherwise as before.
    r5_log_context_clear ();
    length = r5_log_format_line (line, sizeof line, R5_LOG_WARN, NULL, NULL, 0, "cannot reach mongodb");
    CHECK (length == 24 + strlen (" warn test_log cannot reach mongodb\n"));
    CHECK (strstr (line, "Z warn test_log cannot reach mongodb\n") != NULL);
}

int
main (void)
{
    r5_log_init ("test_log", R5_LOG_DEBUG);
    CHECK (r5_log_format_parse ("json") == R5_LOG_JSON);
    CHECK (r5_log_format_parse ("text") == R5_LOG_TEXT);
    CHECK (r5_log_format_parse ("JSON") == -1);
    CHECK (r5_log_format_parse ("") == -1);
    s_check_json ();
    s_check_text ();
    return r5_test_report ("test_log");
}
