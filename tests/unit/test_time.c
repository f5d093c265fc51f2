/*  test_time: RFC 3339 text both ways.  */
#include "r5_time.h"
#include "r5_test.h"

#include <string.h>

int
main (void)
{
    char text [R5_TIME_TEXT_SIZE];
    CHECK_STR (r5_time_format (0, text), "1970-01-01T00:00:00.000Z");
    CHECK_STR (r5_time_format (1764286620123, text), "2025-11-27T23:37:00.123Z");
    CHECK_STR (r5_time_format (-1, text), "1969-12-31T23:59:59.999Z");
    int64_t ms = 0;
    CHECK (r5_time_parse ("2025-11-27T23:37:00.123Z", &ms) == 0 && ms == 1764286620123);
    CHECK (r5_time_parse ("2025-11-27T23:37:00Z", &ms) == 0 && ms == 1764286620000);
    CHECK (r5_time_parse ("2025-11-28T01:37:00.5+02:00", &ms) == 0 && ms == 1764286620500);
    CHECK (r5_time_parse ("2025-11-27T23:37:00.123456789z", &ms) == 0 && ms == 1764286620123);
    //  Round trip.
    CHECK (r5_time_parse (r5_time_format (1700000000001, text), &ms) == 0 && ms == 1700000000001);
    static const char *s_bad [] = { NULL, "", "2025-11-27", "2025-13-01T00:00:00Z", "2025-11-27T23:37:00",
                                    "2025-11-27T23:37:00.Z", "2025-11-27T23:37:00+0200", "2025-11-27T23:37:00Zjunk",
                                    "2025-11-27 23:37:00Z" };
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad [0]; i++)
        CHECK (r5_time_parse (s_bad [i], &ms) == -1);
    return r5_test_report ("test_time");
}
