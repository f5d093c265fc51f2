/*  r5_trace: request ids and W3C trace context.  */
#include "r5_trace.h"

#include <sodium.h>
#include <string.h>

//  True when text starts with digits lowercase hex digits.
static bool
s_is_hex (const char *text, int digits)
{
    for (int i = 0; i < digits; i++)
        if (!((text [i] >= '0' && text [i] <= '9') || (text [i] >= 'a' && text [i] <= 'f')))
            return false;
    return true;
}

static bool
s_all_zero (const char *text, int digits)
{
    for (int i = 0; i < digits; i++)
        if (text [i] != '0')
            return false;
    return true;
}

bool
r5_trace_id_valid (const char *hex, int digits)
{
    return hex && strlen (hex) == (size_t) digits && s_is_hex (hex, digits) && !s_all_zero (hex, digits);
}

//  version "-" trace-id "-" parent-id "-" trace-flags
//  2 HEXDIGLC "-" 32 HEXDIGLC "-" 16 HEXDIGLC "-" 2 HEXDIGLC
int
r5_trace_parse (const char *header, r5_trace_parent_t *parent)
{
    if (!header)
        return -1;
    size_t length = strlen (header);
    if (length < 55 || !s_is_hex (header, 2) || header [2] != '-' || header [35] != '-' || header [52] != '-')
        return -1;
    if (memcmp (header, "ff", 2) == 0)
        return -1;
    //  Version 00 has exactly these fields; a later one may add more after a '-'.
    if (memcmp (header, "00", 2) == 0 ? length != 55 : length > 55 && header [55] != '-')
        return -1;
    const char *trace = header + 3, *span = header + 36, *flags = header + 53;
    if (!s_is_hex (trace, R5_TRACE_ID_HEX) || s_all_zero (trace, R5_TRACE_ID_HEX)
    ||  !s_is_hex (span, R5_SPAN_ID_HEX) || s_all_zero (span, R5_SPAN_ID_HEX) || !s_is_hex (flags, 2))
        return -1;
    memcpy (parent->trace_id, trace, R5_TRACE_ID_HEX);
    parent->trace_id [R5_TRACE_ID_HEX] = 0;
    memcpy (parent->span_id, span, R5_SPAN_ID_HEX);
    parent->span_id [R5_SPAN_ID_HEX] = 0;
    uint8_t value = 0;
    for (int i = 0; i < 2; i++)
        value = (uint8_t) (value * 16 + (flags [i] <= '9' ? flags [i] - '0' : flags [i] - 'a' + 10));
    parent->flags = value;
    return 0;
}

//  Each thread keeps a pool of libsodium's random bytes for ids: one
//  randombytes_buf per S_ID_POOL bytes instead of one (a getrandom and a
//  getpid system call) per id, three of which every API request used to
//  make. Ids are not secrets; the pool is as random as its source. No r5
//  process forks, so no two processes share a pool.
#define S_ID_POOL 512
static _Thread_local struct {
    uint8_t bytes [S_ID_POOL];
    size_t used;
} s_id_pool = { .used = S_ID_POOL };

void
r5_id_random (uint8_t *out, size_t size)
{
    while (size > 0) {
        if (s_id_pool.used == S_ID_POOL) {
            randombytes_buf (s_id_pool.bytes, S_ID_POOL);
            s_id_pool.used = 0;
        }
        size_t take = S_ID_POOL - s_id_pool.used < size ? S_ID_POOL - s_id_pool.used : size;
        memcpy (out, s_id_pool.bytes + s_id_pool.used, take);
        s_id_pool.used += take;
        out += take;
        size -= take;
    }
}

void
r5_trace_new_id (char *out, int digits)
{
    uint8_t bytes [R5_TRACE_ID_HEX / 2];
    do
        r5_id_random (bytes, (size_t) digits / 2);
    while (sodium_is_zero (bytes, (size_t) digits / 2));
    sodium_bin2hex (out, (size_t) digits + 1, bytes, (size_t) digits / 2);
}

bool
r5_request_id_valid (const char *id)
{
    size_t length = id ? strlen (id) : 0;
    if (length < 1 || length > 128)
        return false;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char) id [i] <= ' ' || (unsigned char) id [i] > '~')
            return false;
    return true;
}
