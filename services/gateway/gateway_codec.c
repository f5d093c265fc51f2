/*  gateway_codec: protobuf messages to GraphQL JSON and back, from the descriptors.  */
#include "gateway_codec.h"
#include "r5_alloc.h"
#include "r5_codec_names.h"
#include "r5_scope.h"
#include "r5_time.h"
#include "r5/common.pb-c.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TIME_SUFFIX "_unix_ms"
#define S_SET_PREFIX "set_"
//  Longest place name in an error ("steps[19].targets[9].kind" and longer).
#define S_PATH_SIZE 160

typedef enum {
    S_HIDDEN,           //  never in the JSON of the object
    S_EMPTY_IS_NULL,    //  an empty string is JSON null
    S_ITEMS,            //  an input array of at most items (instead of GATEWAY_CODEC_MAX_ITEMS)
} s_rule_t;

//  Where GraphQL and the wire differ beyond the conventions: the message's
//  full name, the wire field, and what differs.
static const struct {
    const char *message;
    const char *field;
    s_rule_t rule;
    size_t items;
} s_exceptions [] = {
    //  The key exists in clear only in createIntegration's payload (gateway_resources.c).
    { "r5.Integration", "key", S_HIDDEN, 0 },
    { "r5.Token", "last_used_ip", S_EMPTY_IS_NULL, 0 },
    //  r5-resource takes up to 200 shifts.
    { "r5.CreateScheduleRequest", "shifts", S_ITEMS, 200 },
    { "r5.UpdateScheduleRequest", "shifts", S_ITEMS, 200 },
};

//  Messages whose GraphQL type is not their short name.
static const struct {
    const char *message;
    const char *graphql;
} s_type_names [] = {
    { "r5.Token", "PersonalAccessToken" },
    { "r5.ScopePreview", "EffectivePermission" },
};

//  =========================================================================
//  Names
//  =========================================================================

//  The side table's entry of rule for field of descriptor, or NULL.
static bool
s_has_rule (const ProtobufCMessageDescriptor *descriptor, const ProtobufCFieldDescriptor *field, s_rule_t rule,
            size_t *items)
{
    for (size_t i = 0; i < sizeof s_exceptions / sizeof s_exceptions [0]; i++)
        if (s_exceptions [i].rule == rule && strcmp (s_exceptions [i].message, descriptor->name) == 0
        &&  strcmp (s_exceptions [i].field, field->name) == 0) {
            if (items)
                *items = s_exceptions [i].items;
            return true;
        }
    return false;
}

const char *
gateway_codec_type_name (const ProtobufCMessageDescriptor *descriptor)
{
    for (size_t i = 0; i < sizeof s_type_names / sizeof s_type_names [0]; i++)
        if (strcmp (s_type_names [i].message, descriptor->name) == 0)
            return s_type_names [i].graphql;
    return descriptor->short_name;
}

static bool
s_is_time (const ProtobufCFieldDescriptor *field)
{
    size_t length = strlen (field->name), suffix = strlen (S_TIME_SUFFIX);
    return field->type == PROTOBUF_C_TYPE_INT64 && length > suffix
        && strcmp (field->name + length - suffix, S_TIME_SUFFIX) == 0;
}

//  The JSON key of field: camelCase, without the time suffix. Returns buffer.
static const char *
s_json_key (const ProtobufCFieldDescriptor *field, char *buffer, size_t size)
{
    size_t length = strlen (field->name) - (s_is_time (field) ? strlen (S_TIME_SUFFIX) : 0);
    size_t out = 0;
    bool upper = false;
    for (size_t i = 0; i < length && out + 1 < size; i++) {
        if (field->name [i] == '_') {
            upper = out > 0;
            continue;
        }
        buffer [out++] = upper && field->name [i] >= 'a' && field->name [i] <= 'z' ? field->name [i] - 'a' + 'A'
                                                                               : field->name [i];
        upper = false;
    }
    buffer [out] = 0;
    return buffer;
}

//  Whether field is the `bool set_x` companion of a repeated field x: it is
//  set from x's presence, never named by input.
static bool
s_is_set_flag (const ProtobufCMessageDescriptor *descriptor, const ProtobufCFieldDescriptor *field)
{
    if (field->type != PROTOBUF_C_TYPE_BOOL || strncmp (field->name, S_SET_PREFIX, strlen (S_SET_PREFIX)) != 0)
        return false;
    const ProtobufCFieldDescriptor *list =
        protobuf_c_message_descriptor_get_field_by_name (descriptor, field->name + strlen (S_SET_PREFIX));
    return list && list->label == PROTOBUF_C_LABEL_REPEATED;
}

//  =========================================================================
//  Message to JSON
//  =========================================================================

static json_t *s_message_json (const ProtobufCMessage *message, int depth);

//  One value of field stored at member as JSON (a new reference; JSON null
//  for "not set"), or NULL when it cannot be written.
static json_t *
s_value_json (const ProtobufCFieldDescriptor *field, const void *member, int depth)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            return json_string (*(char *const *) member);
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *) member);
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *) member);
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *) member);
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
            int64_t value = *(const int64_t *) member;
            char text [R5_TIME_TEXT_SIZE];
            if (!s_is_time (field))
                return json_integer (value);
            return value > 0 ? json_string (r5_time_format (value, text)) : json_null ();
        }
        case PROTOBUF_C_TYPE_FLOAT:
            return json_real (*(const float *) member);
        case PROTOBUF_C_TYPE_DOUBLE:
            return json_real (*(const double *) member);
        case PROTOBUF_C_TYPE_ENUM: {
            int value = *(const int *) member;
            const char *name = field->descriptor == &r5__scope__descriptor ? r5_scope_name ((R5__Scope) value)
                                                                            : r5_codec_enum_name (field->descriptor, value);
            return value && name ? json_string (name) : json_null ();
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *child = *(ProtobufCMessage *const *) member;
            return child ? s_message_json (child, depth + 1) : json_null ();
        }
        case PROTOBUF_C_TYPE_BYTES:
            break;      //  no reply the gateway reads carries bytes
    }
    return NULL;
}

static json_t *
s_message_json (const ProtobufCMessage *message, int depth)
{
    if (depth > GATEWAY_CODEC_MAX_DEPTH)
        return NULL;
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    const char *base = (const char *) message;
    json_t *object = json_object ();
    if (!object || json_object_set_new (object, "__typename", json_string (gateway_codec_type_name (descriptor))))
        goto failed;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (s_has_rule (descriptor, field, S_HIDDEN, NULL))
            continue;
        char key [64];
        s_json_key (field, key, sizeof key);
        const void *member = base + field->offset;
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) (base + field->quantifier_offset);
            const char *items = *(const char *const *) member;
            value = json_array ();
            for (size_t j = 0; value && j < count; j++) {
                json_t *item = s_value_json (field, items + j * r5_codec_element_size (field), depth);
                //  An unknown enum value is left out: a list of non-null names stays valid.
                if (json_is_null (item))
                    json_decref (item);
                else
                if (json_array_append_new (value, item)) {
                    json_decref (value);
                    value = NULL;
                }
            }
        }
        else
        if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (base + field->quantifier_offset) != field->id)
            value = json_null ();
        else
        if (field->type == PROTOBUF_C_TYPE_STRING && !**(char *const *) member
        &&  s_has_rule (descriptor, field, S_EMPTY_IS_NULL, NULL))
            value = json_null ();
        else
            value = s_value_json (field, member, depth);
        if (!value || json_object_set_new (object, key, value))
            goto failed;
    }
    return object;

failed:
    json_decref (object);
    return NULL;
}

json_t *
gateway_codec_to_json (const ProtobufCMessage *message)
{
    return message ? s_message_json (message, 0) : NULL;
}

//  =========================================================================
//  JSON to message
//  =========================================================================

static int
s_fail (gql_field_error_t *error, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char message [sizeof error->message];
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    return gql_field_error_set (error, "BAD_USER_INPUT", "%s", message);
}

static int s_read_message (const ProtobufCMessageDescriptor *descriptor, json_t *input, const char *path,
                           int depth, ProtobufCMessage *message, gql_field_error_t *error);

//  Read value (non-null) into member, one element of field; path names the
//  place for errors. 0 or -1. A message element is stored before it is read,
//  so a failure still leaves it where a free finds it.
static int
s_read_value (const ProtobufCFieldDescriptor *field, json_t *value, const char *path, int depth, void *member,
              gql_field_error_t *error)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING: {
            if (!json_is_string (value))
                return s_fail (error, "%s must be a string", path);
            //  A NUL inside would cut the value short in C.
            if (strlen (json_string_value (value)) != json_string_length (value))
                return s_fail (error, "%s may not contain NUL characters", path);
            *(char **) member = r5_strdup (json_string_value (value));
            return 0;
        }
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (value))
                return s_fail (error, "%s must be a boolean", path);
            *(protobuf_c_boolean *) member = json_is_true (value);
            return 0;
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            if (!json_is_integer (value) || json_integer_value (value) < INT32_MIN
            ||  json_integer_value (value) > INT32_MAX)
                return s_fail (error, "%s must be a 32-bit integer", path);
            *(int32_t *) member = (int32_t) json_integer_value (value);
            return 0;
        case PROTOBUF_C_TYPE_INT64:
            if (s_is_time (field)) {
                if (!json_is_string (value) || r5_time_parse (json_string_value (value), (int64_t *) member))
                    return s_fail (error, "%s is not an RFC 3339 date-time", path);
                return 0;
            }
            if (!json_is_integer (value))
                return s_fail (error, "%s must be an integer", path);
            *(int64_t *) member = json_integer_value (value);
            return 0;
        case PROTOBUF_C_TYPE_ENUM: {
            int number = 0;
            const char *name = json_string_value (value);
            if (name && field->descriptor == &r5__scope__descriptor)
                number = r5_scope_from_name (name, json_string_length (value));
            else
            if (name && r5_codec_enum_value (field->descriptor, name, &number))
                number = 0;
            //  The zero value means "not set": no input names it.
            if (number == 0)
                return s_fail (error, "%s is not a known %s", path,
                               ((const ProtobufCEnumDescriptor *) field->descriptor)->short_name);
            *(int *) member = number;
            return 0;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessageDescriptor *descriptor = field->descriptor;
            if (!json_is_object (value))
                return s_fail (error, "%s must be an object", path);
            ProtobufCMessage *child = r5_calloc (1, descriptor->sizeof_message);
            protobuf_c_message_init (descriptor, child);
            *(ProtobufCMessage **) member = child;
            return s_read_message (descriptor, value, path, depth + 1, child, error);
        }
        default:
            break;
    }
    return s_fail (error, "%s cannot be given", path);
}

//  Read an array into a repeated field, one element at a time, so the count
//  always says how much a free must release.
static int
s_read_array (const ProtobufCMessageDescriptor *descriptor, const ProtobufCFieldDescriptor *field, json_t *value,
              const char *path, int depth, char *base, gql_field_error_t *error)
{
    size_t most = GATEWAY_CODEC_MAX_ITEMS;
    s_has_rule (descriptor, field, S_ITEMS, &most);
    if (!json_is_array (value))
        return s_fail (error, "%s must be a list", path);
    if (json_array_size (value) > most)
        return s_fail (error, "%s holds too many items (at most %zu)", path, most);
    size_t element = r5_codec_element_size (field);
    char *items = r5_calloc (json_array_size (value) + 1, element);
    size_t *count = (size_t *) (base + field->quantifier_offset);
    *(char **) (base + field->offset) = items;
    *count = 0;
    size_t index;
    json_t *item;
    json_array_foreach (value, index, item) {
        char place [S_PATH_SIZE];
        //  A path longer than the buffer is cut (it only names a place in a
        //  message); the result is looked at so GCC knows that is meant.
        if (snprintf (place, sizeof place, "%s[%zu]", path, index) < 0)
            return gql_field_error_set (error, "INTERNAL", "cannot format an input path");
        if (json_is_null (item))
            return s_fail (error, "%s must not be null", place);
        void *slot = items + *count * element;
        int rc = s_read_value (field, item, place, depth, slot, error);
        if (rc == 0 || (field->type == PROTOBUF_C_TYPE_MESSAGE && *(void **) slot))
            (*count)++;
        if (rc)
            return -1;
    }
    return 0;
}

static int
s_read_message (const ProtobufCMessageDescriptor *descriptor, json_t *input, const char *path, int depth,
                ProtobufCMessage *message, gql_field_error_t *error)
{
    if (depth > GATEWAY_CODEC_MAX_DEPTH)
        return s_fail (error, "%s is nested too deeply", *path ? path : "input");
    char *base = (char *) message;
    const char *key;
    json_t *value;
    json_object_foreach (input, key, value) {
        const ProtobufCFieldDescriptor *field = NULL;
        for (unsigned i = 0; i < descriptor->n_fields && !field; i++) {
            char name [64];
            if (strcmp (s_json_key (&descriptor->fields [i], name, sizeof name), key) == 0
            &&  !s_is_set_flag (descriptor, &descriptor->fields [i]))
                field = &descriptor->fields [i];
        }
        char place [S_PATH_SIZE];
        snprintf (place, sizeof place, "%s%s%s", path, *path ? "." : "", key);
        if (!field)
            return s_fail (error, "%s is not a known input field", place);
        //  Null is "not given": the field keeps its zero value, its oneof stays unset.
        if (json_is_null (value))
            continue;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            if (s_read_array (descriptor, field, value, place, depth, base, error))
                return -1;
            char flag [64];
            snprintf (flag, sizeof flag, S_SET_PREFIX "%s", field->name);
            const ProtobufCFieldDescriptor *set = protobuf_c_message_descriptor_get_field_by_name (descriptor, flag);
            if (set && set->type == PROTOBUF_C_TYPE_BOOL)
                *(protobuf_c_boolean *) (base + set->offset) = true;
            continue;
        }
        uint32_t *oneof = field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF
                        ? (uint32_t *) (base + field->quantifier_offset) : NULL;
        //  Two members of one oneof: the second would overwrite (and leak) the first.
        if (oneof && *oneof)
            return s_fail (error, "%s cannot be given with another field of its group", place);
        int rc = s_read_value (field, value, place, depth, base + field->offset, error);
        //  The case says what a free releases: set when something was stored.
        if (oneof && (rc == 0 || (field->type == PROTOBUF_C_TYPE_MESSAGE && *(void **) (base + field->offset))))
            *oneof = field->id;
        if (rc)
            return -1;
    }
    return 0;
}

ProtobufCMessage *
gateway_codec_from_json (const ProtobufCMessageDescriptor *descriptor, json_t *input, gql_field_error_t *error)
{
    if (!json_is_object (input)) {
        s_fail (error, "input must be an object");
        return NULL;
    }
    ProtobufCMessage *message = r5_calloc (1, descriptor->sizeof_message);
    protobuf_c_message_init (descriptor, message);
    if (s_read_message (descriptor, input, "", 0, message, error)) {
        protobuf_c_message_free_unpacked (message, NULL);
        return NULL;
    }
    return message;
}
