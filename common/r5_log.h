/*  r5_log: one line per event on stderr, with level, service and request id.
    The level is checked before anything is formatted. Never pass a token value,
    a password or a raw MongoDB URI (see r5_mongo_uri_mask). */
#ifndef R5_LOG_H
#define R5_LOG_H

typedef enum {
    R5_LOG_DEBUG = 0,
    R5_LOG_INFO = 1,
    R5_LOG_WARN = 2,
    R5_LOG_ERROR = 3
} r5_log_level_t;

//  Set the process-wide service name and minimum level. Called once from main().
void r5_log_init (const char *service, r5_log_level_t level);

//  Parse "debug", "info", "warn", "error"; returns -1 for anything else.
int r5_log_level_parse (const char *text);

//  True when events of this level are written (so callers can skip expensive work).
int r5_log_enabled (r5_log_level_t level);

void r5_log_write (r5_log_level_t level, const char *request_id, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

#define r5_log(level, rid, ...) \
    do { if (r5_log_enabled (level)) r5_log_write ((level), (rid), __VA_ARGS__); } while (0)
#define r5_debug(rid, ...) r5_log (R5_LOG_DEBUG, rid, __VA_ARGS__)
#define r5_info(rid, ...)  r5_log (R5_LOG_INFO, rid, __VA_ARGS__)
#define r5_warn(rid, ...)  r5_log (R5_LOG_WARN, rid, __VA_ARGS__)
#define r5_error(rid, ...) r5_log (R5_LOG_ERROR, rid, __VA_ARGS__)

#endif
