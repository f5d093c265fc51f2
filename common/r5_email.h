/*  r5_email: the one normal form of an email address. r5-resource stores and
    looks users up by it (a unique index holds it across all accounts) and
    the gateway keys its sign-in throttles by it, so both must agree. */
#ifndef R5_EMAIL_H
#define R5_EMAIL_H

#include <stddef.h>

//  Write email without leading and trailing white space, ASCII letters in
//  lower case, into out (size bytes). Returns its length, or -1 when it does
//  not fit (out is then empty).
int r5_email_normalize (const char *email, char *out, size_t size);

#endif
