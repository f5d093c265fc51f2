/*  r5_codec_names: enum names and element sizes read off the descriptors.  */
#include "r5_codec_names.h"

#include <string.h>

//  Length of the prefix every value name of descriptor shares, up to and
//  including its last underscore ("ROLE_" for ROLE_UNSPECIFIED, ROLE_OWNER).
static size_t
s_enum_prefix (const ProtobufCEnumDescriptor *descriptor)
{
    const char *first = descriptor->values [0].name;
    size_t common = strlen (first);
    for (unsigned i = 1; i < descriptor->n_values; i++) {
        const char *name = descriptor->values [i].name;
        size_t j = 0;
        while (j < common && name [j] == first [j])
            j++;
        common = j;
    }
    while (common > 0 && first [common - 1] != '_')
        common--;
    return common;
}

const char *
r5_codec_enum_name (const ProtobufCEnumDescriptor *descriptor, int value)
{
    const ProtobufCEnumValue *entry = protobuf_c_enum_descriptor_get_value (descriptor, value);
    return entry ? entry->name + s_enum_prefix (descriptor) : NULL;
}

int
r5_codec_enum_value (const ProtobufCEnumDescriptor *descriptor, const char *name, int *value)
{
    size_t prefix = s_enum_prefix (descriptor);
    for (unsigned i = 0; i < descriptor->n_values; i++)
        if (strcmp (descriptor->values [i].name + prefix, name) == 0) {
            *value = descriptor->values [i].value;
            return 0;
        }
    return -1;
}

size_t
r5_codec_element_size (const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE: return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES: return sizeof (ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_BOOL: return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: return 8;
        case PROTOBUF_C_TYPE_DOUBLE: return sizeof (double);
        case PROTOBUF_C_TYPE_ENUM: return sizeof (int);
        default: return 4;
    }
}
