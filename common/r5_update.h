/*  r5_update: the one rule for partial updates. An update request marks each
    field it may change with presence (a one-field oneof, or a `set_<field>`
    flag for a repeated field). An update that names none of them would write
    nothing and still answer the object, which would let a Write scope read
    what it may not: the services refuse it (BAD_INPUT) before anything else.
    The rule is read off the protobuf descriptors, so a new update message
    follows it without code of its own. */
#ifndef R5_UPDATE_H
#define R5_UPDATE_H

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

//  The message refused for every update that names no field.
#define R5_UPDATE_EMPTY_MESSAGE "the update names no field to change"

//  True when the body of a request envelope (the message set in its oneof)
//  is a partial update that names no field. False for any other body.
bool r5_update_is_empty (const ProtobufCMessage *envelope);

#endif
