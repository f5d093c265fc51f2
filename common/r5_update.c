/*  r5_update: partial updates that name no field, found from the descriptors.  */
#include "r5_update.h"

#include <stdint.h>
#include <string.h>

//  The message set in the envelope's oneof, or NULL when none is.
static const ProtobufCMessage *
s_body (const ProtobufCMessage *envelope)
{
    const ProtobufCMessageDescriptor *descriptor = envelope->descriptor;
    const char *base = (const char *) envelope;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && field->type == PROTOBUF_C_TYPE_MESSAGE
        &&  *(const uint32_t *) (base + field->quantifier_offset) == field->id)
            return *(const ProtobufCMessage *const *) (base + field->offset);
    }
    return NULL;
}

bool
r5_update_is_empty (const ProtobufCMessage *envelope)
{
    const ProtobufCMessage *body = envelope ? s_body (envelope) : NULL;
    if (!body)
        return false;
    const ProtobufCMessageDescriptor *descriptor = body->descriptor;
    const char *base = (const char *) body;
    bool partial = false;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            partial = true;
            if (*(const uint32_t *) (base + field->quantifier_offset) == field->id)
                return false;
        }
        else
        if (field->type == PROTOBUF_C_TYPE_BOOL && field->label == PROTOBUF_C_LABEL_NONE
        &&  strncmp (field->name, "set_", 4) == 0) {
            partial = true;
            if (*(const protobuf_c_boolean *) (base + field->offset))
                return false;
        }
    }
    return partial;
}
