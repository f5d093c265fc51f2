#include "resource_validate.h"
#include "r5_email.h"
#include "resource_password.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  Count UTF-8 characters; -1 when the bytes are not valid UTF-8 or hold a control character.
static long
s_utf8_length_lines (const char *text, bool lines)
{
    const unsigned char *c = (const unsigned char *) text;
    long count = 0;
    while (*c) {
        int extra;
        unsigned int code;
        if (*c < 0x80) { extra = 0; code = *c; }
        else if ((*c & 0xE0) == 0xC0) { extra = 1; code = *c & 0x1F; }
        else if ((*c & 0xF0) == 0xE0) { extra = 2; code = *c & 0x0F; }
        else if ((*c & 0xF8) == 0xF0) { extra = 3; code = *c & 0x07; }
        else return -1;
        c++;
        for (int i = 0; i < extra; i++, c++) {
            if ((*c & 0xC0) != 0x80)
                return -1;
            code = (code << 6) | (*c & 0x3F);
        }
        //  Overlong forms, surrogates and out-of-range code points are not text.
        if ((extra == 1 && code < 0x80) || (extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000)
        ||  (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
            return -1;
        if ((code < 0x20 && !(lines && (code == '\n' || code == '\r' || code == '\t'))) || code == 0x7F)
            return -1;
        count++;
    }
    return count;
}

static long
s_utf8_length (const char *text)
{
    return s_utf8_length_lines (text, false);
}

static const char *s_check_text (const char *field, const char *text, size_t min, size_t max, bool lines);
static const char *s_check_length (const char *text, size_t min, size_t max, bool lines, const char *message);

const char *
resource_validate_text (const char *field, const char *text, size_t min, size_t max)
{
    return s_check_text (field, text, min, max, false);
}

const char *
resource_validate_multiline (const char *field, const char *text, size_t min, size_t max)
{
    return s_check_text (field, text, min, max, true);
}

static const char *
s_check_text (const char *field, const char *text, size_t min, size_t max, bool lines)
{
    //  Messages are constants: name the common fields explicitly.
    const char *message = "a text field is empty or too long";
    if (strcmp (field, "name") == 0)          message = "name must be 1 to 100 characters";
    if (strcmp (field, "accountName") == 0)   message = "accountName must be 1 to 100 characters";
    if (strcmp (field, "title") == 0)         message = "title must be 1 to 200 characters";
    if (strcmp (field, "description") == 0)   message = "description must be at most 10000 characters";
    if (strcmp (field, "body") == 0)          message = "body must be 1 to 10000 characters";
    return s_check_length (text, min, max, lines, message);
}

static const char *
s_check_length (const char *text, size_t min, size_t max, bool lines, const char *message)
{
    long length = text ? s_utf8_length_lines (text, lines) : -1;
    if (length < 0)
        return "a text field holds invalid characters";
    if ((size_t) length < min || (size_t) length > max)
        return message;
    for (const char *c = text; *c; c++)
        if (!isspace ((unsigned char) *c))
            return NULL;
    return min > 0 ? "a text field is blank" : NULL;
}

const char *
resource_validate_fields (const ProtobufCMessage *request, const resource_text_rule_t *rules, size_t count)
{
    const char *base = (const char *) request;
    for (size_t i = 0; i < count; i++) {
        const ProtobufCFieldDescriptor *field
            = protobuf_c_message_descriptor_get_field_by_name (request->descriptor, rules [i].field);
        if (!field || field->type != PROTOBUF_C_TYPE_STRING || field->label == PROTOBUF_C_LABEL_REPEATED)
            continue;           //  a field this request does not carry
        if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (base + field->quantifier_offset) != field->id)
            continue;           //  an update that leaves the field as it is
        const char *message = s_check_length (*(char *const *) (base + field->offset), rules [i].min,
                                              rules [i].max, rules [i].lines, rules [i].message);
        if (message)
            return message;
    }
    return NULL;
}

const char *
resource_validate_email (const char *email, char out [RESOURCE_EMAIL_MAX + 1])
{
    //  Validate the normal form, the one stored and looked up (r5_email.h).
    int length = email ? r5_email_normalize (email, out, RESOURCE_EMAIL_MAX + 1) : -1;
    const char *at = length > 0 ? strchr (out, '@') : NULL;
    if (length < 3 || !at || at == out || !at [1]
    ||  strchr (at + 1, '@') || !strchr (at + 1, '.') || s_utf8_length (out) < 0
    ||  strchr (out, ' '))
        return "email is not a valid address";
    return NULL;
}

const char *
resource_validate_password (const char *password)
{
    size_t length = password ? strlen (password) : 0;
    if (length < RESOURCE_PASSWORD_MIN || length > RESOURCE_PASSWORD_MAX)
        return "password must be 8 to 256 characters";
    return NULL;
}

bool
resource_validate_id (const char *id)
{
    if (!id || strlen (id) != 24)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}

const char *
resource_validate_ids (const char *field, char **ids, size_t count, size_t max)
{
    if (count > max)
        return strcmp (field, "teamIds") == 0 ? "teamIds names too many teams (at most 20)"
                                              : "userIds names too many users (at most 50)";
    for (size_t i = 0; i < count; i++) {
        if (!resource_validate_id (ids [i]))
            return strcmp (field, "teamIds") == 0 ? "teamIds holds an id that is not valid"
                                                  : "userIds holds an id that is not valid";
        for (size_t j = 0; j < i; j++)
            if (strcmp (ids [i], ids [j]) == 0)
                return strcmp (field, "teamIds") == 0 ? "teamIds names a team twice"
                                                      : "userIds names a user twice";
    }
    return NULL;
}
