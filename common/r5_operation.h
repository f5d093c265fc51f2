/*  r5_operation: which operation a request is, and which status its reply
    carries, as metric labels, for every service's envelope alike.

    A request envelope (TokenRequest, AuthzRequest, ResourceRequest) names
    its operation by the member of its oneof `body` that is set; a reply
    carries `Status status = 1`. Both are read here from the descriptors, so
    a new operation needs no change: the label table is every envelope's
    oneof members, as 'service="r5.token",operation="verify"', then one
    'operation="none"' per service (the empty envelope /readyz sends), then
    'service="other",operation="other"'. Reading allocates nothing. */
#ifndef R5_OPERATION_H
#define R5_OPERATION_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

//  The label table (a label dimension { NULL, 0, r5_operation_values }).
const char *const *r5_operation_values (size_t *count);

//  The slot of a packed request to service (its wire bytes, not decoded).
size_t r5_operation_of_packed (const char *service, const uint8_t *body, size_t size);

//  The slot of a request message to service.
size_t r5_operation_of_message (const char *service, const ProtobufCMessage *request);

//  The status (field 1, a varint) of a packed reply: 0 (OK) when absent, -1
//  when the bytes are not a message.
int r5_operation_status_of_packed (const uint8_t *reply, size_t size);

#endif
