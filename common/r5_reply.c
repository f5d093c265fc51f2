/*  r5_reply: pack, zero and free a heap-built reply.  */
#include "r5_reply.h"
#include "r5_alloc.h"

#include <sodium.h>
#include <string.h>

//  Zero one value of field at member (a pointer into the message).
static void
s_zero_value (const ProtobufCFieldDescriptor *field, void *member)
{
    if (field->type == PROTOBUF_C_TYPE_STRING) {
        char *text = *(char **) member;
        //  The shared "" of unset fields is static and empty: nothing to zero.
        if (text && text != field->default_value)
            sodium_memzero (text, strlen (text));
    }
    else
    if (field->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *bytes = (ProtobufCBinaryData *) member;
        if (bytes->data && bytes->len)
            sodium_memzero (bytes->data, bytes->len);
    }
    else
    if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *sub = *(ProtobufCMessage **) member;
        if (sub) {
            for (unsigned index = 0; index < sub->descriptor->n_fields; index++) {
                const ProtobufCFieldDescriptor *inner = &sub->descriptor->fields [index];
                //  Only the selected member of a oneof is valid.
                if ((inner->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                &&  *(uint32_t *) ((uint8_t *) sub + inner->quantifier_offset) != inner->id)
                    continue;
                uint8_t *at = (uint8_t *) sub + inner->offset;
                if (inner->label == PROTOBUF_C_LABEL_REPEATED) {
                    size_t count = *(size_t *) ((uint8_t *) sub + inner->quantifier_offset);
                    uint8_t *items = *(uint8_t **) at;
                    size_t item_size = inner->type == PROTOBUF_C_TYPE_BYTES ? sizeof (ProtobufCBinaryData)
                                                                             : sizeof (void *);
                    if (items && (inner->type == PROTOBUF_C_TYPE_STRING || inner->type == PROTOBUF_C_TYPE_BYTES
                              ||  inner->type == PROTOBUF_C_TYPE_MESSAGE))
                        for (size_t item = 0; item < count; item++)
                            s_zero_value (inner, items + item * item_size);
                }
                else
                    s_zero_value (inner, at);
            }
        }
    }
}

//  Zero every string and bytes field of message and its sub-messages, then
//  free all of it.
static void
s_free (ProtobufCMessage *message)
{
    //  Walk the message as the member of a pseudo field of message type.
    ProtobufCFieldDescriptor root;
    memset (&root, 0, sizeof root);
    root.type = PROTOBUF_C_TYPE_MESSAGE;
    s_zero_value (&root, &message);
    protobuf_c_message_free_unpacked (message, NULL);
}

uint8_t *
r5_reply_pack (ProtobufCMessage *reply, size_t *size)
{
    *size = 0;
    if (!reply)
        return NULL;
    *size = protobuf_c_message_get_packed_size (reply);
    uint8_t *packed = (uint8_t *) r5_malloc (*size);
    protobuf_c_message_pack (reply, packed);
    s_free (reply);
    return packed;
}
