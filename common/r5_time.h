/*  r5_time: wall-clock milliseconds, the unit of every deadline and timestamp.  */
#ifndef R5_TIME_H
#define R5_TIME_H
#include <stdint.h>

//  Milliseconds since the Unix epoch (CLOCK_REALTIME): deadlines cross processes.
int64_t r5_now_ms (void);

#endif
