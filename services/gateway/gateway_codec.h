/*  gateway_codec: protobuf messages to the JSON the GraphQL engine resolves
    from, and GraphQL input JSON to request messages, driven by protobuf-c's
    descriptors, so a new field in a .proto needs no code here.

    The conventions of the .proto files are the mapping (as in common/r5_codec.h
    for BSON):
    - "__typename" is the message's short name (User, Team, IncidentNote, ...),
      which is the schema's type name;
    - field names are camelCase on the JSON side (team_admin <-> teamAdmin);
    - an int64 `<name>_unix_ms` is an RFC 3339 DateTime `<name>`, null when 0;
    - an enum is its value's name without the enum's common prefix, null for
      the zero value; Scope uses its GraphQL names (incidentsRead, ...);
    - a repeated field is an array, a message field an object;
    - on input, a key present and non-null sets its one-field oneof
      (`oneof name_present { string name = 2; }`), and a repeated field `x`
      given non-null sets its companion `bool set_x` when the message has one.
    The few fields that differ are in one side table in gateway_codec.c.

    Input has been coerced by the engine, and is checked again all the same:
    every refusal is a BAD_USER_INPUT field error naming the place. Recursion
    follows the descriptors, bounded by GATEWAY_CODEC_MAX_DEPTH; every array
    has a length cap. */
#ifndef GATEWAY_CODEC_H
#define GATEWAY_CODEC_H

#include "gql.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#define GATEWAY_CODEC_MAX_DEPTH 8
//  The most items of an input array, unless the side table says otherwise.
#define GATEWAY_CODEC_MAX_ITEMS 100

//  The JSON object of message (a new reference), or NULL when out of memory
//  or nested deeper than GATEWAY_CODEC_MAX_DEPTH.
json_t *gateway_codec_to_json (const ProtobufCMessage *message);

//  A new message of descriptor built from the JSON object input (borrowed).
//  Free it with protobuf_c_message_free_unpacked (message, NULL). NULL with
//  error set (BAD_USER_INPUT) when input does not fit the message.
ProtobufCMessage *gateway_codec_from_json (const ProtobufCMessageDescriptor *descriptor, json_t *input,
                                           gql_field_error_t *error);

//  The GraphQL type name of messages of descriptor ("Incident"). Borrowed.
const char *gateway_codec_type_name (const ProtobufCMessageDescriptor *descriptor);

#endif
