/*  r5_codec: protobuf messages to BSON documents and back, driven by
    protobuf-c's descriptors, so a new field in a .proto needs no code here.

    The conventions the .proto files follow are the mapping:
    - a stored message's `id` is the document's `_id` (top level only; a
      nested item's `id` stays `id`);
    - an int64 `<name>_unix_ms` is a BSON date `<name>`, absent when 0;
    - an enum is stored as its value's name without the enum's common prefix
      (`ROLE_OWNER` -> "OWNER"), absent for the zero value (an empty string
      also reads as the zero value);
    - strings, booleans and numbers are themselves; a repeated field is an
      array; a message field is a sub-document;
    - a field in a one-field oneof (`oneof name_present { string name = 2; }`)
      is written exactly when it is set, and read back as set.
    The few fields whose stored name differs, or that are never stored, are
    in one side table in r5_codec.c.

    Documents come from outside (MongoDB): reading one checks every type and
    answers an error, never asserts. Recursion follows the descriptors and is
    bounded by R5_CODEC_MAX_DEPTH. */
#ifndef R5_CODEC_H
#define R5_CODEC_H

#include <bson/bson.h>
#include <protobuf-c/protobuf-c.h>
#include "r5_codec_names.h"
#include <stdbool.h>
#include <stddef.h>

#define R5_CODEC_MAX_DEPTH 8

//  How to write a message.
typedef enum {
    R5_CODEC_DOCUMENT = 0,      //  a stored document: id is _id
    R5_CODEC_FIELDS = 1,        //  its fields alone, id left out (an update's $set)
} r5_codec_mode_t;

//  Append message's stored fields to doc. 0, or -1 when doc is full.
int r5_codec_to_bson (const ProtobufCMessage *message, r5_codec_mode_t mode, bson_t *doc);

//  A new message of descriptor read from doc (free it with
//  protobuf_c_message_free_unpacked (m, NULL)), or NULL with a line in error
//  when a stored field has a type its wire field cannot take. Keys with no
//  wire field (digests, versions) are skipped.
ProtobufCMessage *r5_codec_from_bson (const ProtobufCMessageDescriptor *descriptor, const bson_t *doc,
                                      char *error, size_t error_size);

//  Set to's singular fields to from's fields of the same name and type (a
//  presence oneof of from only when set): the input of a create becomes the
//  object it makes, so a field added to both needs no code. Shallow: to
//  borrows from's strings and messages and must not be freed as unpacked.
void r5_codec_copy_fields (const ProtobufCMessage *from, ProtobufCMessage *to);

//  The stored key of the wire field named field in descriptor, under the
//  conventions and the side table (what filters and $set name). NULL when
//  the field is never stored. The answer lives in buffer or is static.
const char *r5_codec_store_key (const ProtobufCMessageDescriptor *descriptor, const char *field,
                                r5_codec_mode_t mode, char *buffer, size_t size);

#endif
