/*  r5_rpc: pack, call, unpack.  */
#include "r5_rpc.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_metrics.h"
#include "r5_operation.h"
#include "r5_time.h"
#include "r5_trace.h"

#include <stdio.h>
#include <stdlib.h>

uint8_t *
r5_rpc_pack (const ProtobufCMessage *message, size_t *size)
{
    *size = protobuf_c_message_get_packed_size (message);
    //  An empty message is still a message: r5_malloc (0) answers a byte.
    uint8_t *buffer = (uint8_t *) r5_malloc (*size);
    protobuf_c_message_pack (message, buffer);
    return buffer;
}

//  Every call any program makes to a service passes r5_rpc_call.
static r5_metrics_family_t s_calls = {
    .name = "r5_rpc_client_duration_seconds",
    .help = "Calls this program made to services through the brokers, by service, operation and the reply's status "
            "(unavailable, deadline_exceeded or malformed when no usable reply came).",
    .type = R5_METRICS_HISTOGRAM,
    .labels = { R5_METRICS_LABELS_MADE (r5_operation_values), R5_METRICS_LABELS_MADE (r5_metrics_status_values) }
};

void
r5_rpc_register_metrics (void)
{
    r5_metrics_register (&s_calls);
}

//  The Status field (1) of a reply message, or -1.
static int
s_reply_status (const ProtobufCMessage *reply)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (reply->descriptor, 1);
    if (!field || field->type != PROTOBUF_C_TYPE_ENUM || field->label == PROTOBUF_C_LABEL_REPEATED)
        return -1;
    return *(const int *) ((const uint8_t *) reply + field->offset);
}

static ProtobufCMessage *
s_call (r5_client_t *client, const char *service, const ProtobufCMessage *request,
        const ProtobufCMessageDescriptor *reply_descriptor,
        int timeout_ms, bool idempotent, R5__Status *status);

ProtobufCMessage *
r5_rpc_call (r5_client_t *client, const char *service, const ProtobufCMessage *request,
             const ProtobufCMessageDescriptor *reply_descriptor,
             int timeout_ms, bool idempotent, R5__Status *status)
{
    int64_t started = r5_metrics_now_ns ();
    ProtobufCMessage *reply = s_call (client, service, request, reply_descriptor, timeout_ms, idempotent, status);
    int reply_status = reply ? s_reply_status (reply) : (int) *status;
    r5_metrics_observe (&s_calls, r5_operation_of_message (service, request), r5_metrics_status_index (reply_status), 0,
                        r5_metrics_now_ns () - started);
    return reply;
}

static ProtobufCMessage *
s_call (r5_client_t *client, const char *service, const ProtobufCMessage *request,
             const ProtobufCMessageDescriptor *reply_descriptor,
             int timeout_ms, bool idempotent, R5__Status *status)
{
    if (!client) {
        *status = R5__STATUS__STATUS_UNAVAILABLE;
        return NULL;
    }
    size_t size;
    uint8_t *body = r5_rpc_pack (request, &size);
    zframe_t *reply = NULL;
    int rc = r5_client_call (client, service, body, size, timeout_ms, idempotent, &reply);
    free (body);
    if (rc == R5_RPC_FORBIDDEN)
        r5_error (NULL, "the brokers refuse this program's key calls to %s: check the allow-list", service);
    if (rc != 0) {
        *status = rc == R5_RPC_DEADLINE ? R5__STATUS__STATUS_DEADLINE_EXCEEDED
                                        : R5__STATUS__STATUS_UNAVAILABLE;
        return NULL;
    }
    ProtobufCMessage *message = NULL;
    if (zframe_size (reply) <= R5_RPC_MAX_MESSAGE)
        message = protobuf_c_message_unpack (reply_descriptor, NULL, zframe_size (reply), zframe_data (reply));
    zframe_destroy (&reply);
    *status = message ? R5__STATUS__STATUS_OK : R5__STATUS__STATUS_MALFORMED;
    return message;
}

void
r5_rpc_meta_init (R5__RequestMeta *meta, const char *caller, const char *request_id, int timeout_ms)
{
    meta->deadline_unix_ms = r5_now_ms () + timeout_ms;
    meta->caller = (char *) caller;
    meta->request_id = (char *) (request_id ? request_id : "");
    //  The thread's request in hand is the trace this call continues.
    meta->trace_id = (char *) r5_log_trace_id ();
    meta->parent_span_id = (char *) r5_log_span_id ();
}

void
r5_rpc_meta_enter (const R5__RequestMeta *meta)
{
    char trace_id [R5_TRACE_ID_HEX + 1], span_id [R5_SPAN_ID_HEX + 1];
    if (meta && r5_trace_id_valid (meta->trace_id, R5_TRACE_ID_HEX))
        snprintf (trace_id, sizeof trace_id, "%s", meta->trace_id);
    else
        r5_trace_new_id (trace_id, R5_TRACE_ID_HEX);
    r5_trace_new_id (span_id, R5_SPAN_ID_HEX);
    r5_log_context_set (meta ? meta->request_id : NULL, trace_id, span_id);
}

const char *
r5_status_name (R5__Status status)
{
    switch (status) {
        case R5__STATUS__STATUS_OK:                return "ok";
        case R5__STATUS__STATUS_BAD_INPUT:         return "bad input";
        case R5__STATUS__STATUS_UNAUTHENTICATED:   return "unauthenticated";
        case R5__STATUS__STATUS_FORBIDDEN:         return "forbidden";
        case R5__STATUS__STATUS_SCOPE_MISSING:     return "scope missing";
        case R5__STATUS__STATUS_NOT_FOUND:         return "not found";
        case R5__STATUS__STATUS_CONFLICT:          return "conflict";
        case R5__STATUS__STATUS_RATE_LIMITED:      return "rate limited";
        case R5__STATUS__STATUS_UNAVAILABLE:       return "unavailable";
        case R5__STATUS__STATUS_DEADLINE_EXCEEDED: return "deadline exceeded";
        case R5__STATUS__STATUS_INTERNAL:          return "internal";
        case R5__STATUS__STATUS_MALFORMED:         return "malformed";
        default:                                   return "unknown status";
    }
}
