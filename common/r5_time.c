/*  r5_time: milliseconds and RFC 3339.  */
#include "r5_time.h"

#include <stdio.h>
#include <time.h>

int64_t
r5_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
r5_clock_now_ms (const r5_clock_t *clock)
{
    return clock ? clock->now_ms (clock) : r5_now_ms ();
}

int64_t
r5_clock_mono_ms (const r5_clock_t *clock)
{
    if (clock)
        return clock->mono_ms (clock);
    //  czmq's zclock_mono, without linking czmq into r5_core.
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
r5_time_format (int64_t unix_ms, char text [R5_TIME_TEXT_SIZE])
{
    time_t seconds = (time_t) (unix_ms / 1000);
    int millis = (int) (unix_ms % 1000);
    if (millis < 0) {
        seconds--;
        millis += 1000;
    }
    struct tm tm;
    gmtime_r (&seconds, &tm);
    size_t n = strftime (text, R5_TIME_TEXT_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (text + n, R5_TIME_TEXT_SIZE - n, ".%03dZ", millis);
    return text;
}

int
r5_time_parse (const char *text, int64_t *unix_ms)
{
    int year, month, day, hour, minute, second, used = 0;
    if (!text || sscanf (text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) != 6
    ||  used != 19 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return -1;
    const char *rest = text + used;
    int64_t millis = 0;
    if (*rest == '.') {
        int digits = 0;
        for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
            if (digits < 3)
                millis = millis * 10 + (*rest - '0');
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            millis *= 10;
    }
    int offset = 0;
    if (*rest == 'Z' || *rest == 'z')
        rest++;
    else {
        int oh, om, n = 0;
        if ((*rest != '+' && *rest != '-') || sscanf (rest + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
            return -1;
        offset = (oh * 60 + om) * (*rest == '-' ? -1 : 1);
        rest += 6;
    }
    if (*rest)
        return -1;
    struct tm tm = { 0 };
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    *unix_ms = ((int64_t) timegm (&tm) - (int64_t) offset * 60) * 1000 + millis;
    return 0;
}
