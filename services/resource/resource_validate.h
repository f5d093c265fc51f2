/*  resource_validate: checks of client-supplied values. Each returns NULL when
    the value is acceptable, or a constant message that names the field. */
#ifndef RESOURCE_VALIDATE_H
#define RESOURCE_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#define RESOURCE_EMAIL_MAX 254

//  UTF-8 text of min..max characters, no control characters, not only spaces.
const char *resource_validate_text (const char *field, const char *text, size_t min, size_t max);

//  A plausible email address; writes its lowercase form into out.
//  The same, allowing line breaks and tabs (descriptions, notes).
const char *resource_validate_multiline (const char *field, const char *text, size_t min, size_t max);

//  What one text field of a request must be, named by its .proto field, so
//  that a type's create and update requests share one table of rules.
typedef struct {
    const char *field;          //  the .proto field name
    size_t min, max;            //  characters
    bool lines;                 //  line breaks and tabs allowed (descriptions)
    const char *message;        //  the answer when the length is outside min..max
} resource_text_rule_t;

//  Check the text fields of request that rules name: those request has and
//  sets (a presence oneof only when set). NULL, or the first rule's message
//  (or a constant naming invalid or blank text).
const char *resource_validate_fields (const ProtobufCMessage *request, const resource_text_rule_t *rules,
                                      size_t count);

const char *resource_validate_email (const char *email, char out [RESOURCE_EMAIL_MAX + 1]);

const char *resource_validate_password (const char *password);

//  True when id has the shape of an r5 id: 24 lowercase hex characters.
bool resource_validate_id (const char *id);

//  A list of ids given by a client: at most max, each a valid id, no
//  duplicates. NULL or a constant message naming field.
const char *resource_validate_ids (const char *field, char **ids, size_t count, size_t max);

#endif
