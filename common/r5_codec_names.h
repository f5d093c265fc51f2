/*  r5_codec_names: the naming conventions both codecs share, r5_codec (BSON)
    and the gateway's gateway_codec (GraphQL JSON): an enum value is named
    without its enum's common prefix, and a repeated field's elements are laid
    out as protobuf-c lays them out. Apart from r5_codec.c so that the gateway,
    which stores nothing, links protobuf-c for them and not libbson. */
#ifndef R5_CODEC_NAMES_H
#define R5_CODEC_NAMES_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

//  The name of value in enum without the enum's common prefix ("OWNER" for
//  ROLE_OWNER), or NULL when value is not one of enum's. Borrowed.
const char *r5_codec_enum_name (const ProtobufCEnumDescriptor *descriptor, int value);

//  The value whose unprefixed name is name. 0 and *value set, or -1.
int r5_codec_enum_value (const ProtobufCEnumDescriptor *descriptor, const char *name, int *value);

//  Bytes one element of a repeated field takes in protobuf-c's arrays.
size_t r5_codec_element_size (const ProtobufCFieldDescriptor *field);

#endif
