/*  r5_log: structured one-line logging to stderr.  */
#include "r5_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  Set once at start-up before threads exist, read-only afterwards.
static char s_service [32] = "r5";
static r5_log_level_t s_level = R5_LOG_INFO;

static const char *s_level_names [] = { "debug", "info", "warn", "error" };

void
r5_log_init (const char *service, r5_log_level_t level)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    s_level = level;
}

int
r5_log_level_parse (const char *text)
{
    for (int i = 0; i < 4; i++)
        if (strcmp (text, s_level_names [i]) == 0)
            return i;
    return -1;
}

int
r5_log_enabled (r5_log_level_t level)
{
    return level >= s_level;
}

void
r5_log_write (r5_log_level_t level, const char *request_id, const char *format, ...)
{
    char message [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);

    //  Keep each event on one line whatever the message holds.
    for (char *c = message; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';

    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r (&now.tv_sec, &tm);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    //  One fprintf call so lines from different threads do not interleave.
    fprintf (stderr, "%s.%03ldZ %s %s%s%s %s\n", stamp, now.tv_nsec / 1000000,
             s_level_names [level], s_service,
             request_id && *request_id ? " rid=" : "", request_id ? request_id : "",
             message);
}
