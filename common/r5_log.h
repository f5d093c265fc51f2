/*  r5_log: one line per event on stderr, with level, service and request id.
    The level is checked before anything is formatted. Never pass a token value,
    a password or a raw MongoDB URI (see r5_mongo_uri_mask).

    Two formats, chosen once at start-up (log_format, R5_LOG_FORMAT):

      text  2026-12-06T16:10:40.123Z info r5-gateway rid=1f.. trace=4b.. message key=value
      json  {"time":"2026-12-06T16:10:40.123Z","level":"info","service":"r5-gateway",
             "request_id":"1f..","trace_id":"4b..","span_id":"00..","message":"..","key":"value"}

    Whatever a message or field holds (a client's text, invalid UTF-8, control
    characters), a line stays one line and one event: JSON strings are escaped
    (invalid UTF-8 becomes U+FFFD), and the text form writes control bytes,
    invalid UTF-8 and, in field values, quotes as \xNN.

    Each thread has a logging context (r5_log_context_set): the request id and
    trace of the request in hand, added to every line the thread writes until
    it is cleared, so lines deep in a service carry the trace without passing
    it along. */
#ifndef R5_LOG_H
#define R5_LOG_H

#include <stddef.h>

typedef enum {
    R5_LOG_DEBUG = 0,
    R5_LOG_INFO = 1,
    R5_LOG_WARN = 2,
    R5_LOG_ERROR = 3
} r5_log_level_t;

typedef enum {
    R5_LOG_TEXT = 0,
    R5_LOG_JSON = 1
} r5_log_format_t;

//  Longest request id a line shows (longer ones are cut).
#define R5_LOG_REQUEST_ID_MAX 128

//  Set the process-wide service name and minimum level. Called once from main().
void r5_log_init (const char *service, r5_log_level_t level);

//  Set the process-wide format. Called once from main(), before threads start.
void r5_log_set_format (r5_log_format_t format);

//  Parse "debug", "info", "warn", "error"; returns -1 for anything else.
int r5_log_level_parse (const char *text);

//  Parse "text", "json"; returns -1 for anything else.
int r5_log_format_parse (const char *text);

//  True when events of this level are written (so callers can skip expensive work).
int r5_log_enabled (r5_log_level_t level);

//  This thread's request in hand: its request id (NULL: none), trace id (32
//  hex digits, NULL: none) and span id (16 hex digits, NULL: none), copied.
//  Lines that name no request id of their own take this one.
void r5_log_context_set (const char *request_id, const char *trace_id, const char *span_id);

//  Forget this thread's request (after it is answered).
void r5_log_context_clear (void);

//  This thread's trace id and span id ("" when none): borrowed, valid until
//  the context changes.
const char *r5_log_trace_id (void);
const char *r5_log_span_id (void);

//  One structured field of an event: a string (NULL is written as "") or a
//  number. Keys are the program's own names, never input.
typedef struct {
    const char *key;
    const char *text;
    long long number;
    int is_number;
} r5_log_field_t;

#define R5_LOG_TEXT_FIELD(k, v)   { (k), (v), 0, 0 }
#define R5_LOG_NUMBER_FIELD(k, v) { (k), NULL, (long long) (v), 1 }

void r5_log_write (r5_log_level_t level, const char *request_id, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  An event with fields after its message (json: members; text: key=value).
void r5_log_write_fields (r5_log_level_t level, const char *request_id, const r5_log_field_t *fields,
                          size_t count, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

//  The line r5_log_write would write, into out (size bytes, at least 256);
//  returns its length. For tests.
size_t r5_log_format_line (char *out, size_t size, r5_log_level_t level, const char *request_id,
                           const r5_log_field_t *fields, size_t count, const char *message);

#define r5_log(level, rid, ...) \
    do { if (r5_log_enabled (level)) r5_log_write ((level), (rid), __VA_ARGS__); } while (0)
#define r5_debug(rid, ...) r5_log (R5_LOG_DEBUG, rid, __VA_ARGS__)
#define r5_info(rid, ...)  r5_log (R5_LOG_INFO, rid, __VA_ARGS__)
#define r5_warn(rid, ...)  r5_log (R5_LOG_WARN, rid, __VA_ARGS__)
#define r5_error(rid, ...) r5_log (R5_LOG_ERROR, rid, __VA_ARGS__)

#endif
