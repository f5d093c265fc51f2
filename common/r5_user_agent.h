/*  r5_user_agent: a client's User-Agent header as r5 records it (where a
    token was used). Outside input: cut to R5_USER_AGENT_MAX bytes at a
    character boundary, invalid UTF-8 and control characters (C0, DEL, C1)
    each replaced by one '?', so the text is one printable line of valid
    UTF-8 wherever it is shown. The gateway cleans it before sending it and
    r5-token again on receipt (it trusts no caller). libc only. */
#ifndef R5_USER_AGENT_H
#define R5_USER_AGENT_H

#include <stddef.h>

#define R5_USER_AGENT_MAX 256

//  Clean text (NULL is "") into out, which holds size bytes (at least 1;
//  R5_USER_AGENT_MAX + 1 holds any result). Returns the length written.
size_t r5_user_agent_clean (const char *text, char *out, size_t size);

#endif
