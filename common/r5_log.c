/*  r5_log: structured one-line logging to stderr, as text or JSON.  */
#include "r5_log.h"
#include "r5_time.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

//  Longest message before escaping; longer ones are cut.
#define S_MESSAGE_MAX 1024

//  Longest line written (a message escaped six-fold still fits, fields mostly).
#define S_LINE_MAX 8192

//  Set once at start-up before threads exist, read-only afterwards.
static char s_service [32] = "r5";
static r5_log_level_t s_level = R5_LOG_INFO;
static r5_log_format_t s_format = R5_LOG_TEXT;

static const char *s_level_names [] = { "debug", "info", "warn", "error" };
static const char *s_format_names [] = { "text", "json" };

//  The request this thread has in hand (r5_log_context_set).
static _Thread_local struct {
    char request_id [R5_LOG_REQUEST_ID_MAX + 1];
    char trace_id [33];
    char span_id [17];
} s_context;

void
r5_log_init (const char *service, r5_log_level_t level)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    s_level = level;
}

void
r5_log_set_format (r5_log_format_t format)
{
    s_format = format;
}

//  The index of text among count names, or -1.
static int
s_name_index (const char *const *names, int count, const char *text)
{
    for (int i = 0; i < count; i++)
        if (strcmp (text, names [i]) == 0)
            return i;
    return -1;
}

int
r5_log_level_parse (const char *text)
{
    return s_name_index (s_level_names, 4, text);
}

int
r5_log_format_parse (const char *text)
{
    return s_name_index (s_format_names, 2, text);
}

int
r5_log_enabled (r5_log_level_t level)
{
    return level >= s_level;
}

void
r5_log_context_set (const char *request_id, const char *trace_id, const char *span_id)
{
    snprintf (s_context.request_id, sizeof s_context.request_id, "%s", request_id ? request_id : "");
    snprintf (s_context.trace_id, sizeof s_context.trace_id, "%s", trace_id ? trace_id : "");
    snprintf (s_context.span_id, sizeof s_context.span_id, "%s", span_id ? span_id : "");
}

void
r5_log_context_clear (void)
{
    r5_log_context_set (NULL, NULL, NULL);
}

const char *
r5_log_trace_id (void)
{
    return s_context.trace_id;
}

const char *
r5_log_span_id (void)
{
    return s_context.span_id;
}

//  ---------------------------------------------------------------------------
//  The line: pieces are appended whole or not at all, so a line cut short
//  stays well-formed; what closes a string or the object comes out of a
//  reserve that content never uses.

#define S_RESERVE 4                 //  '"', '}', '\n', NUL

typedef struct {
    char *out;
    size_t size;
    size_t length;
    bool full;
} s_line_t;

static void
s_put (s_line_t *line, const char *text, size_t length)
{
    if (line->full || line->length + length + S_RESERVE > line->size) {
        line->full = true;
        return;
    }
    memcpy (line->out + line->length, text, length);
    line->length += length;
}

static void
s_puts (s_line_t *line, const char *text)
{
    s_put (line, text, strlen (text));
}

//  Closing bytes, always written: the reserve holds them.
static void
s_close (s_line_t *line, const char *text)
{
    size_t length = strlen (text);
    if (line->length + length < line->size) {
        memcpy (line->out + line->length, text, length);
        line->length += length;
    }
}

//  Length of the well-formed UTF-8 sequence at text (1 to 4), or 0 when the
//  bytes there are not one (overlong, surrogate, past U+10FFFF, cut short).
static size_t
s_utf8_length (const unsigned char *text)
{
    unsigned char lead = text [0];
    if (lead < 0x80)
        return 1;
    size_t length;
    unsigned char low = 0x80, high = 0xBF;      //  range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2;
    else
    if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0;
        if (lead == 0xED)
            high = 0x9F;
    }
    else
    if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90;
        if (lead == 0xF4)
            high = 0x8F;
    }
    else
        return 0;
    if (text [1] < low || text [1] > high)
        return 0;
    for (size_t i = 2; i < length; i++)
        if (text [i] < 0x80 || text [i] > 0xBF)
            return 0;
    return length;
}

//  Append text escaped for the format: JSON string contents, or text where
//  control bytes and invalid UTF-8 (and, in a quoted value, '"') are \xNN.
static void
s_put_escaped (s_line_t *line, const char *text, bool quoted)
{
    const unsigned char *at = (const unsigned char *) text;
    while (*at && !line->full) {
        size_t length = s_utf8_length (at);
        char escape [8];
        if (s_format == R5_LOG_JSON) {
            if (length == 0) {
                s_puts (line, "\\ufffd");
                length = 1;
            }
            else
            if (*at == '"' || *at == '\\') {
                snprintf (escape, sizeof escape, "\\%c", *at);
                s_puts (line, escape);
            }
            else
            if (*at == '\n')
                s_puts (line, "\\n");
            else
            if (*at < 0x20 || *at == 0x7F) {
                snprintf (escape, sizeof escape, "\\u%04x", *at);
                s_puts (line, escape);
            }
            else
                s_put (line, (const char *) at, length);
        }
        else {
            if (length == 0 || *at < 0x20 || *at == 0x7F || (quoted && *at == '"')) {
                snprintf (escape, sizeof escape, "\\x%02x", *at);
                s_puts (line, escape);
                length = 1;
            }
            else
                s_put (line, (const char *) at, length);
        }
        at += length;
    }
}

//  A text field's value is quoted when a reader could not tell where it ends.
static bool
s_needs_quotes (const char *value)
{
    return !*value || strpbrk (value, " =\"") != NULL;
}

static void
s_put_field (s_line_t *line, const r5_log_field_t *field)
{
    char number [32];
    if (field->is_number)
        snprintf (number, sizeof number, "%lld", field->number);
    const char *text = field->text ? field->text : "";
    if (s_format == R5_LOG_JSON) {
        s_puts (line, ",\"");
        s_puts (line, field->key);
        s_puts (line, field->is_number ? "\":" : "\":\"");
        if (line->full)
            return;
        if (field->is_number)
            s_puts (line, number);
        else {
            s_put_escaped (line, text, true);
            s_close (line, "\"");
        }
    }
    else {
        bool quoted = !field->is_number && s_needs_quotes (text);
        s_puts (line, " ");
        s_puts (line, field->key);
        s_puts (line, quoted ? "=\"" : "=");
        if (line->full)
            return;
        if (field->is_number)
            s_puts (line, number);
        else
            s_put_escaped (line, text, quoted);
        if (quoted)
            s_close (line, "\"");
    }
}

size_t
r5_log_format_line (char *out, size_t size, r5_log_level_t level, const char *request_id,
                    const r5_log_field_t *fields, size_t count, const char *message)
{
    s_line_t line = { out, size, 0, false };
    if (!request_id || !*request_id)
        request_id = s_context.request_id;
    char rid [R5_LOG_REQUEST_ID_MAX + 1];
    snprintf (rid, sizeof rid, "%s", request_id);

    char stamp [R5_TIME_TEXT_SIZE];
    r5_time_format (r5_now_ms (), stamp);

    if (s_format == R5_LOG_JSON) {
        //  The service name and ids are escaped too: a request id may come
        //  off the wire.
        const r5_log_field_t head [] = {
            R5_LOG_TEXT_FIELD ("level", s_level_names [level]),
            R5_LOG_TEXT_FIELD ("service", s_service),
            R5_LOG_TEXT_FIELD ("request_id", rid),
            R5_LOG_TEXT_FIELD ("trace_id", s_context.trace_id),
            R5_LOG_TEXT_FIELD ("span_id", s_context.span_id),
            R5_LOG_TEXT_FIELD ("message", message),
        };
        s_puts (&line, "{\"time\":\"");
        s_puts (&line, stamp);
        s_puts (&line, "\"");
        for (size_t i = 0; i < sizeof head / sizeof head [0]; i++)
            if (*head [i].text)
                s_put_field (&line, &head [i]);
        for (size_t i = 0; i < count; i++)
            s_put_field (&line, &fields [i]);
        s_close (&line, "}");
    }
    else {
        s_puts (&line, stamp);
        s_puts (&line, " ");
        s_puts (&line, s_level_names [level]);
        s_puts (&line, " ");
        s_puts (&line, s_service);
        const r5_log_field_t ids [] = {
            R5_LOG_TEXT_FIELD ("rid", rid),
            R5_LOG_TEXT_FIELD ("trace", s_context.trace_id),
        };
        for (size_t i = 0; i < sizeof ids / sizeof ids [0]; i++)
            if (*ids [i].text)
                s_put_field (&line, &ids [i]);
        s_puts (&line, " ");
        s_put_escaped (&line, message, false);
        for (size_t i = 0; i < count; i++)
            s_put_field (&line, &fields [i]);
    }
    s_close (&line, "\n");
    out [line.length] = 0;
    return line.length;
}

static void
s_write (r5_log_level_t level, const char *request_id, const r5_log_field_t *fields, size_t count,
         const char *format, va_list args)
{
    char message [S_MESSAGE_MAX];
    vsnprintf (message, sizeof message, format, args);
    char line [S_LINE_MAX];
    size_t length = r5_log_format_line (line, sizeof line, level, request_id, fields, count, message);
    //  One write per line so lines from different threads do not interleave.
    fwrite (line, 1, length, stderr);
}

void
r5_log_write (r5_log_level_t level, const char *request_id, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_write (level, request_id, NULL, 0, format, args);
    va_end (args);
}

void
r5_log_write_fields (r5_log_level_t level, const char *request_id, const r5_log_field_t *fields,
                     size_t count, const char *format, ...)
{
    if (!r5_log_enabled (level))
        return;
    va_list args;
    va_start (args, format);
    s_write (level, request_id, fields, count, format, args);
    va_end (args);
}
