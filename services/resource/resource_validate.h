/*  resource_validate: checks of client-supplied values. Each returns NULL when
    the value is acceptable, or a constant message that names the field. */
#ifndef RESOURCE_VALIDATE_H
#define RESOURCE_VALIDATE_H

#include <stddef.h>

#define RESOURCE_EMAIL_MAX 254

//  UTF-8 text of min..max characters, no control characters, not only spaces.
const char *resource_validate_text (const char *field, const char *text, size_t min, size_t max);

//  A plausible email address; writes its lowercase form into out.
const char *resource_validate_email (const char *email, char out [RESOURCE_EMAIL_MAX + 1]);

const char *resource_validate_password (const char *password);

#endif
