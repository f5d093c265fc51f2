/*  r5_codec: protobuf messages to BSON and back, from the descriptors.  */
#include "r5_codec.h"
#include "r5_alloc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TIME_SUFFIX "_unix_ms"
//  Most fields a message may have (the largest has about 40).
#define S_MAX_FIELDS 128

//  Where the store and the wire differ beyond the conventions: the message's
//  full name, the wire field, and its stored key (NULL: never stored).
static const struct {
    const char *message;
    const char *field;
    const char *store;
} s_exceptions [] = {
    { "r5.ScheduleOverride", "created_by_id", "created_by" },
    { "r5.Incident", "created_by_id", "created_by" },       //  a user's id, or "integration:<id>"
    { "r5.Integration", "key", NULL },          //  the key exists in clear only in the create reply
};

static bool
s_is_time (const ProtobufCFieldDescriptor *field)
{
    size_t length = strlen (field->name), suffix = strlen (S_TIME_SUFFIX);
    return field->type == PROTOBUF_C_TYPE_INT64 && length > suffix
        && strcmp (field->name + length - suffix, S_TIME_SUFFIX) == 0;
}

//  The stored key of field; NULL when it is never stored.
static const char *
s_key (const ProtobufCMessageDescriptor *descriptor, const ProtobufCFieldDescriptor *field,
       r5_codec_mode_t mode, bool top, char *buffer, size_t size)
{
    for (size_t i = 0; i < sizeof s_exceptions / sizeof s_exceptions [0]; i++)
        if (strcmp (s_exceptions [i].message, descriptor->name) == 0
        &&  strcmp (s_exceptions [i].field, field->name) == 0)
            return s_exceptions [i].store;
    if (top && strcmp (field->name, "id") == 0)
        return mode == R5_CODEC_DOCUMENT ? "_id" : NULL;
    if (s_is_time (field)) {
        snprintf (buffer, size, "%.*s", (int) (strlen (field->name) - strlen (S_TIME_SUFFIX)), field->name);
        return buffer;
    }
    return field->name;
}

const char *
r5_codec_store_key (const ProtobufCMessageDescriptor *descriptor, const char *name, r5_codec_mode_t mode,
                    char *buffer, size_t size)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name (descriptor, name);
    return field ? s_key (descriptor, field, mode, true, buffer, size) : NULL;
}

//  =========================================================================
//  Message to BSON
//  =========================================================================

static int s_append_message (const ProtobufCMessage *message, r5_codec_mode_t mode, bool top, int depth,
                             bson_t *doc);

//  Append one value of field stored at member under key. false when doc is full.
static bool
s_append_value (const ProtobufCFieldDescriptor *field, const void *member, const char *key, int depth,
                bson_t *doc)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            return BSON_APPEND_UTF8 (doc, key, *(char *const *) member);
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *bytes = (const ProtobufCBinaryData *) member;
            return BSON_APPEND_BINARY (doc, key, BSON_SUBTYPE_BINARY, bytes->data, (uint32_t) bytes->len);
        }
        case PROTOBUF_C_TYPE_BOOL:
            return BSON_APPEND_BOOL (doc, key, *(const protobuf_c_boolean *) member);
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            return BSON_APPEND_INT32 (doc, key, *(const int32_t *) member);
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            return BSON_APPEND_INT64 (doc, key, *(const uint32_t *) member);
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            return s_is_time (field) ? BSON_APPEND_DATE_TIME (doc, key, *(const int64_t *) member)
                                     : BSON_APPEND_INT64 (doc, key, *(const int64_t *) member);
        case PROTOBUF_C_TYPE_FLOAT:
            return BSON_APPEND_DOUBLE (doc, key, *(const float *) member);
        case PROTOBUF_C_TYPE_DOUBLE:
            return BSON_APPEND_DOUBLE (doc, key, *(const double *) member);
        case PROTOBUF_C_TYPE_ENUM: {
            const char *name = r5_codec_enum_name (field->descriptor, *(const int *) member);
            return BSON_APPEND_UTF8 (doc, key, name ? name : "");
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            bson_t child;
            return BSON_APPEND_DOCUMENT_BEGIN (doc, key, &child)
                && s_append_message (*(ProtobufCMessage *const *) member, R5_CODEC_DOCUMENT, false, depth + 1,
                                     &child) == 0
                && bson_append_document_end (doc, &child);
        }
    }
    return false;
}

//  Whether a singular field holds nothing worth storing: an absent message,
//  a zero time or enum (their "not set").
static bool
s_is_unset (const ProtobufCFieldDescriptor *field, const void *member)
{
    if (field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(ProtobufCMessage *const *) member == NULL;
    if (field->type == PROTOBUF_C_TYPE_ENUM)
        return *(const int *) member == 0;
    return s_is_time (field) && *(const int64_t *) member == 0;
}

static int
s_append_message (const ProtobufCMessage *message, r5_codec_mode_t mode, bool top, int depth, bson_t *doc)
{
    if (depth > R5_CODEC_MAX_DEPTH)
        return -1;
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    const char *base = (const char *) message;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        char buffer [64];
        const char *key = s_key (descriptor, field, mode, top, buffer, sizeof buffer);
        if (!key)
            continue;
        const void *member = base + field->offset;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) (base + field->quantifier_offset);
            const char *items = *(const char *const *) member;
            bson_t array;
            if (!BSON_APPEND_ARRAY_BEGIN (doc, key, &array))
                return -1;
            for (size_t j = 0; j < count; j++) {
                char index [16];
                const char *index_key;
                bson_uint32_to_string ((uint32_t) j, &index_key, index, sizeof index);
                if (!s_append_value (field, items + j * r5_codec_element_size (field), index_key, depth, &array))
                    return -1;
            }
            if (!bson_append_array_end (doc, &array))
                return -1;
            continue;
        }
        if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (base + field->quantifier_offset) != field->id)
            continue;
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && s_is_unset (field, member))
            continue;
        if (!s_append_value (field, member, key, depth, doc))
            return -1;
    }
    return 0;
}

int
r5_codec_to_bson (const ProtobufCMessage *message, r5_codec_mode_t mode, bson_t *doc)
{
    return s_append_message (message, mode, true, 0, doc);
}

//  =========================================================================
//  BSON to message
//  =========================================================================

typedef struct {
    char *text;
    size_t size;
} s_error_t;

static int
s_fail (s_error_t *error, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (error->text, error->size, format, args);
    va_end (args);
    return -1;
}

static int s_read_message (const ProtobufCMessageDescriptor *descriptor, bson_iter_t *iter, bool top, int depth,
                           ProtobufCMessage *message, s_error_t *error);

//  An integer of any BSON integer type (or an integral double) within [low, high].
static bool
s_read_integer (const bson_iter_t *iter, int64_t low, int64_t high, int64_t *value)
{
    if (BSON_ITER_HOLDS_INT32 (iter) || BSON_ITER_HOLDS_INT64 (iter))
        *value = bson_iter_as_int64 (iter);
    else
    if (BSON_ITER_HOLDS_DOUBLE (iter)) {
        double number = bson_iter_double (iter);
        if (!(number >= -9.2e18 && number <= 9.2e18) || number != (double) (int64_t) number)
            return false;
        *value = (int64_t) number;
    }
    else
        return false;
    return *value >= low && *value <= high;
}

//  Read the value at iter into member (one element of field). 0 or -1.
static int
s_read_value (const ProtobufCFieldDescriptor *field, const bson_iter_t *iter, int depth, void *member,
              s_error_t *error)
{
    int64_t integer = 0;
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING: {
            uint32_t length;
            const char *text = BSON_ITER_HOLDS_UTF8 (iter) ? bson_iter_utf8 (iter, &length) : NULL;
            //  A NUL inside would cut the value short in C: refused like a wrong type.
            if (!text || strlen (text) != length)
                return s_fail (error, "%s is not a string", field->name);
            *(char **) member = r5_strdup (text);
            return 0;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            bson_subtype_t subtype;
            uint32_t length;
            const uint8_t *data;
            if (!BSON_ITER_HOLDS_BINARY (iter))
                return s_fail (error, "%s is not binary", field->name);
            bson_iter_binary (iter, &subtype, &length, &data);
            ProtobufCBinaryData *bytes = (ProtobufCBinaryData *) member;
            bytes->data = r5_malloc (length);
            memcpy (bytes->data, data, length);
            bytes->len = length;
            return 0;
        }
        case PROTOBUF_C_TYPE_BOOL:
            if (!BSON_ITER_HOLDS_BOOL (iter))
                return s_fail (error, "%s is not a boolean", field->name);
            *(protobuf_c_boolean *) member = bson_iter_bool (iter);
            return 0;
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            if (!s_read_integer (iter, INT32_MIN, INT32_MAX, &integer))
                return s_fail (error, "%s is not a 32-bit integer", field->name);
            *(int32_t *) member = (int32_t) integer;
            return 0;
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            if (!s_read_integer (iter, 0, UINT32_MAX, &integer))
                return s_fail (error, "%s is not an unsigned 32-bit integer", field->name);
            *(uint32_t *) member = (uint32_t) integer;
            return 0;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            if (s_is_time (field) ? !BSON_ITER_HOLDS_DATE_TIME (iter)
                                  : !s_read_integer (iter, INT64_MIN, INT64_MAX, &integer))
                return s_fail (error, "%s is not %s", field->name, s_is_time (field) ? "a date" : "an integer");
            *(int64_t *) member = s_is_time (field) ? bson_iter_date_time (iter) : integer;
            return 0;
        case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE: {
            double number;
            if (BSON_ITER_HOLDS_DOUBLE (iter))
                number = bson_iter_double (iter);
            else
            if (s_read_integer (iter, INT64_MIN, INT64_MAX, &integer))
                number = (double) integer;
            else
                return s_fail (error, "%s is not a number", field->name);
            if (field->type == PROTOBUF_C_TYPE_FLOAT)
                *(float *) member = (float) number;
            else
                *(double *) member = number;
            return 0;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            int value = 0;
            //  "" is the zero value too: r5-resource stored a notification
            //  rule's "any urgency" so before the codec.
            if (!BSON_ITER_HOLDS_UTF8 (iter)
            ||  (*bson_iter_utf8 (iter, NULL)
            &&   r5_codec_enum_value (field->descriptor, bson_iter_utf8 (iter, NULL), &value)))
                return s_fail (error, "%s is not a %s", field->name,
                               ((const ProtobufCEnumDescriptor *) field->descriptor)->name);
            *(int *) member = value;
            return 0;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessageDescriptor *descriptor = field->descriptor;
            bson_iter_t child;
            if (!BSON_ITER_HOLDS_DOCUMENT (iter) || !bson_iter_recurse (iter, &child))
                return s_fail (error, "%s is not a document", field->name);
            ProtobufCMessage *message = r5_calloc (1, descriptor->sizeof_message);
            protobuf_c_message_init (descriptor, message);
            *(ProtobufCMessage **) member = message;
            return s_read_message (descriptor, &child, false, depth + 1, message, error);
        }
    }
    return s_fail (error, "%s has a type the codec does not know", field->name);
}

//  Read an array into a repeated field, one element at a time, so the count
//  always says how much a free must release.
static int
s_read_array (const ProtobufCFieldDescriptor *field, const bson_iter_t *iter, int depth, char *base,
              s_error_t *error)
{
    bson_iter_t item;
    if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &item))
        return s_fail (error, "%s is not an array", field->name);
    uint32_t length;
    const uint8_t *data;
    bson_iter_array (iter, &length, &data);
    size_t element = r5_codec_element_size (field);
    //  An element takes at least 5 bytes of the array's encoding: a bound
    //  on the count that the document itself guarantees.
    size_t most = length / 5 + 1;
    char *items = r5_calloc (most, element);
    size_t *count = (size_t *) (base + field->quantifier_offset);
    *(char **) (base + field->offset) = items;
    *count = 0;
    while (bson_iter_next (&item) && *count < most) {
        //  Counted even when it fails: a message element is allocated first.
        int rc = s_read_value (field, &item, depth, items + *count * element, error);
        (*count)++;
        if (rc)
            return -1;
    }
    return 0;
}

static int
s_read_message (const ProtobufCMessageDescriptor *descriptor, bson_iter_t *iter, bool top, int depth,
                ProtobufCMessage *message, s_error_t *error)
{
    if (depth > R5_CODEC_MAX_DEPTH)
        return s_fail (error, "%s is nested too deeply", descriptor->name);
    char *base = (char *) message;
    bool seen [S_MAX_FIELDS] = { false };
    assert (descriptor->n_fields <= S_MAX_FIELDS);
    while (bson_iter_next (iter)) {
        const char *key = bson_iter_key (iter);
        const ProtobufCFieldDescriptor *field = NULL;
        unsigned index = 0;
        for (; index < descriptor->n_fields && !field; index++) {
            char buffer [64];
            const char *stored = s_key (descriptor, &descriptor->fields [index], R5_CODEC_DOCUMENT, top,
                                        buffer, sizeof buffer);
            if (stored && strcmp (stored, key) == 0)
                field = &descriptor->fields [index];
        }
        if (!field || BSON_ITER_HOLDS_NULL (iter))
            continue;
        //  A key twice would overwrite (and leak) what the first one read.
        if (seen [index - 1])
            return s_fail (error, "%s appears twice", key);
        seen [index - 1] = true;
        int rc;
        if (field->label == PROTOBUF_C_LABEL_REPEATED)
            rc = s_read_array (field, iter, depth, base, error);
        else {
            rc = s_read_value (field, iter, depth, base + field->offset, error);
            if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                *(uint32_t *) (base + field->quantifier_offset) = field->id;
        }
        if (rc)
            return -1;
    }
    return 0;
}

ProtobufCMessage *
r5_codec_from_bson (const ProtobufCMessageDescriptor *descriptor, const bson_t *doc, char *error,
                    size_t error_size)
{
    s_error_t failure = { error, error_size };
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc)) {
        s_fail (&failure, "%s: not a document", descriptor->name);
        return NULL;
    }
    ProtobufCMessage *message = r5_calloc (1, descriptor->sizeof_message);
    protobuf_c_message_init (descriptor, message);
    if (s_read_message (descriptor, &iter, true, 0, message, &failure)) {
        protobuf_c_message_free_unpacked (message, NULL);
        return NULL;
    }
    return message;
}

void
r5_codec_copy_fields (const ProtobufCMessage *from, ProtobufCMessage *to)
{
    const char *source = (const char *) from;
    char *target = (char *) to;
    for (unsigned i = 0; i < to->descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &to->descriptor->fields [i];
        const ProtobufCFieldDescriptor *input
            = protobuf_c_message_descriptor_get_field_by_name (from->descriptor, field->name);
        bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
        if (!input || repeated != (input->label == PROTOBUF_C_LABEL_REPEATED)
        ||  input->type != field->type || input->descriptor != field->descriptor)
            continue;
        if ((input->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (source + input->quantifier_offset) != input->id)
            continue;
        if (repeated) {
            *(size_t *) (target + field->quantifier_offset) = *(const size_t *) (source + input->quantifier_offset);
            memcpy (target + field->offset, source + input->offset, sizeof (void *));
            continue;
        }
        memcpy (target + field->offset, source + input->offset, r5_codec_element_size (field));
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            *(uint32_t *) (target + field->quantifier_offset) = field->id;
    }
}
