/*  r5_email: the one normal form of an email address.  */
#include "r5_email.h"

#include <string.h>

static int
s_is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

int
r5_email_normalize (const char *email, char *out, size_t size)
{
    const char *start = email, *end = email + strlen (email);
    while (start < end && s_is_space (*start))
        start++;
    while (end > start && s_is_space (end [-1]))
        end--;
    size_t length = (size_t) (end - start);
    if (length + 1 > size) {
        if (size)
            *out = 0;
        return -1;
    }
    //  ASCII only: a locale must never change which account an address names.
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char) start [i];
        out [i] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out [length] = 0;
    return (int) length;
}
