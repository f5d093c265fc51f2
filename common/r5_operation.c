/*  r5_operation: operations and statuses from the envelopes' descriptors.  */
#include "r5_operation.h"
#include "r5_rpc.h"
#include "r5/authz.pb-c.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

//  The services and their request envelopes.
static const struct {
    const char *service;
    const ProtobufCMessageDescriptor *request;
} s_services [] = {
    { R5_SERVICE_TOKEN, &r5__token_request__descriptor },
    { R5_SERVICE_AUTHZ, &r5__authz_request__descriptor },
    { R5_SERVICE_RESOURCE, &r5__resource_request__descriptor },
};
#define S_SERVICES (sizeof s_services / sizeof s_services [0])
#define S_MAX_FIELDS 64
#define S_MAX_SLOTS (S_SERVICES * (S_MAX_FIELDS + 1) + 1)

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static const char *s_values [S_MAX_SLOTS];
static char s_texts [S_MAX_SLOTS][96];
static size_t s_slot_count;
//  Per service: the slot of each field by its index in the descriptor
//  (only oneof members have one), and of the empty envelope.
static size_t s_field_slot [S_SERVICES][S_MAX_FIELDS];
static size_t s_none_slot [S_SERVICES];
static size_t s_other_slot;

static void
s_add (const char *service, const char *operation)
{
    snprintf (s_texts [s_slot_count], sizeof s_texts [0], "service=\"%s\",operation=\"%s\"", service, operation);
    s_values [s_slot_count] = s_texts [s_slot_count];
    s_slot_count++;
}

static void
s_build (void)
{
    for (size_t service = 0; service < S_SERVICES; service++) {
        const ProtobufCMessageDescriptor *descriptor = s_services [service].request;
        for (unsigned field = 0; field < descriptor->n_fields && field < S_MAX_FIELDS; field++) {
            s_field_slot [service][field] = SIZE_MAX;
            if (descriptor->fields [field].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                s_field_slot [service][field] = s_slot_count;
                s_add (s_services [service].service, descriptor->fields [field].name);
            }
        }
        s_none_slot [service] = s_slot_count;
        s_add (s_services [service].service, "none");
    }
    s_other_slot = s_slot_count;
    s_add ("other", "other");
}

const char *const *
r5_operation_values (size_t *count)
{
    pthread_once (&s_once, s_build);
    *count = s_slot_count;
    return s_values;
}

static int
s_service (const char *service)
{
    for (size_t index = 0; index < S_SERVICES; index++)
        if (service && strcmp (service, s_services [index].service) == 0)
            return (int) index;
    return -1;
}

//  The slot of field number `number` of service's envelope.
static size_t
s_slot (int service, uint32_t number)
{
    const ProtobufCMessageDescriptor *descriptor = s_services [service].request;
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (descriptor, number);
    if (!field)
        return SIZE_MAX;
    size_t index = (size_t) (field - descriptor->fields);
    return index < S_MAX_FIELDS ? s_field_slot [service][index] : SIZE_MAX;
}

//  Read a varint at *at (before end); -1 when cut short or too long.
static int
s_varint (const uint8_t **at, const uint8_t *end, uint64_t *value)
{
    *value = 0;
    for (int shift = 0; shift < 64 && *at < end; shift += 7) {
        uint8_t byte = *(*at)++;
        *value |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return 0;
    }
    return -1;
}

//  Walk the top-level fields of a packed message: call found (number,
//  varint value or 0) for each until it returns true. -1 on bad bytes.
typedef bool (s_field_fn) (uint32_t number, uint64_t value, void *state);

static int
s_walk (const uint8_t *at, size_t size, s_field_fn *found, void *state)
{
    const uint8_t *end = at + size;
    while (at < end) {
        uint64_t key, value = 0;
        if (s_varint (&at, end, &key))
            return -1;
        uint32_t number = (uint32_t) (key >> 3);
        switch (key & 7) {
            case 0: if (s_varint (&at, end, &value)) return -1; break;
            case 1: if (end - at < 8) return -1; at += 8; break;
            case 5: if (end - at < 4) return -1; at += 4; break;
            case 2: {
                uint64_t length;
                if (s_varint (&at, end, &length) || length > (uint64_t) (end - at))
                    return -1;
                at += length;
                break;
            }
            default: return -1;
        }
        if (found (number, value, state))
            return 0;
    }
    return 0;
}

typedef struct {
    int service;
    size_t slot;
} s_operation_state_t;

static bool
s_on_request_field (uint32_t number, uint64_t value, void *state)
{
    (void) value;
    s_operation_state_t *operation = (s_operation_state_t *) state;
    size_t slot = s_slot (operation->service, number);
    if (slot != SIZE_MAX)
        operation->slot = slot;
    return slot != SIZE_MAX;
}

size_t
r5_operation_of_packed (const char *service, const uint8_t *body, size_t size)
{
    pthread_once (&s_once, s_build);
    int index = s_service (service);
    if (index < 0)
        return s_other_slot;
    s_operation_state_t state = { index, s_none_slot [index] };
    if (s_walk (body, size, s_on_request_field, &state) != 0)
        return s_other_slot;
    return state.slot;
}

size_t
r5_operation_of_message (const char *service, const ProtobufCMessage *request)
{
    pthread_once (&s_once, s_build);
    int index = s_service (service);
    if (index < 0 || !request || request->descriptor != s_services [index].request)
        return s_other_slot;
    //  The oneof's case sits at the quantifier offset of any of its members.
    const ProtobufCMessageDescriptor *descriptor = request->descriptor;
    for (unsigned field = 0; field < descriptor->n_fields; field++)
        if (descriptor->fields [field].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t number = *(const uint32_t *) ((const uint8_t *) request + descriptor->fields [field].quantifier_offset);
            size_t slot = number ? s_slot (index, number) : SIZE_MAX;
            return slot != SIZE_MAX ? slot : s_none_slot [index];
        }
    return s_none_slot [index];
}

static bool
s_on_reply_field (uint32_t number, uint64_t value, void *state)
{
    if (number != 1)
        return false;
    *(int *) state = (int) (value > 1000 ? 1000 : value);
    return true;
}

int
r5_operation_status_of_packed (const uint8_t *reply, size_t size)
{
    int status = 0;
    return s_walk (reply, size, s_on_reply_field, &status) == 0 ? status : -1;
}
