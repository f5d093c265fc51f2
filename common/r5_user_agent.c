/*  r5_user_agent: a client's User-Agent, cut and made printable.  */
#include "r5_user_agent.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

//  The length of the valid UTF-8 sequence at text (1-4), or 0 when it is
//  not one (overlong forms, surrogates and code points past U+10FFFF are not).
//  *code gets its code point.
static size_t
s_sequence (const unsigned char *text, uint32_t *code)
{
    unsigned char c = text [0];
    size_t length;
    uint32_t min;
    if (c < 0x80) {
        *code = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2; min = 0x80; *code = c & 0x1F;
    }
    else
    if (c >= 0xE0 && c <= 0xEF) {
        length = 3; min = 0x800; *code = c & 0x0F;
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        length = 4; min = 0x10000; *code = c & 0x07;
    }
    else
        return 0;
    for (size_t i = 1; i < length; i++) {
        //  A NUL ends the string: it is not a continuation byte either.
        if ((text [i] & 0xC0) != 0x80)
            return 0;
        *code = (*code << 6) | (text [i] & 0x3F);
    }
    if (*code < min || *code > 0x10FFFF || (*code >= 0xD800 && *code <= 0xDFFF))
        return 0;
    return length;
}

size_t
r5_user_agent_clean (const char *text, char *out, size_t size)
{
    assert (out && size >= 1);
    size_t limit = size - 1 < R5_USER_AGENT_MAX ? size - 1 : R5_USER_AGENT_MAX;
    size_t written = 0;
    const unsigned char *in = (const unsigned char *) (text ? text : "");
    while (*in) {
        uint32_t code;
        size_t length = s_sequence (in, &code);
        bool printable = length > 0 && code >= 0x20 && code != 0x7F && !(code >= 0x80 && code <= 0x9F);
        //  A whole sequence that is not printable (a C1 control) is one '?'.
        size_t take = length ? length : 1;
        if (written + (printable ? length : 1) > limit)
            break;
        if (printable)
            for (size_t i = 0; i < length; i++)
                out [written++] = (char) in [i];
        else
            out [written++] = '?';
        in += take;
    }
    out [written] = 0;
    return written;
}
