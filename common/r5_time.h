/*  r5_time: wall-clock milliseconds, the unit of every deadline and
    timestamp, and RFC 3339 text for them.  */
#ifndef R5_TIME_H
#define R5_TIME_H
#include <stddef.h>
#include <stdint.h>

//  Milliseconds since the Unix epoch (CLOCK_REALTIME): deadlines cross processes.
int64_t r5_now_ms (void);

//  A clock: where code that lets time pass (a cache's TTL, a throttle's
//  refill, a session's idle end) reads it, so a test can move time instead
//  of sleeping. Such code takes a `const r5_clock_t *`; NULL, the default,
//  is the real clock (r5_now_ms and zclock_mono).
typedef struct r5_clock_t r5_clock_t;
struct r5_clock_t {
    int64_t (*now_ms) (const r5_clock_t *self);     //  ms since the epoch, like r5_now_ms
    int64_t (*mono_ms) (const r5_clock_t *self);    //  monotonic ms, like zclock_mono
};

//  The clock's wall time in ms since the epoch; the real one when clock is NULL.
int64_t r5_clock_now_ms (const r5_clock_t *clock);

//  The clock's monotonic ms; zclock_mono () when clock is NULL.
int64_t r5_clock_mono_ms (const r5_clock_t *clock);

//  Longest text r5_time_format writes, with its NUL.
#define R5_TIME_TEXT_SIZE 32

//  unix_ms as RFC 3339 UTC with milliseconds ("2026-11-27T23:37:00.000Z")
//  into text; returns text.
char *r5_time_format (int64_t unix_ms, char text [R5_TIME_TEXT_SIZE]);

//  An RFC 3339 instant ("2026-11-27T23:37:00Z", fractions and offsets
//  allowed) as ms since the epoch. 0, or -1 when text is not one.
int r5_time_parse (const char *text, int64_t *unix_ms);

#endif
