/*  r5_trace: request ids and W3C Trace Context (traceparent, version 00)
    for logs and correlation only — nothing is decided by them.

    A request's trace id (32 lowercase hex digits) is kept from the client's
    traceparent when it is valid, or started at the gateway; it travels in
    RequestMeta.trace_id with the caller's span id as parent_span_id, and
    every process writes it in its lines for that request (r5_log context). */
#ifndef R5_TRACE_H
#define R5_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define R5_TRACE_ID_HEX 32
#define R5_SPAN_ID_HEX 16

typedef struct {
    char trace_id [R5_TRACE_ID_HEX + 1];
    char span_id [R5_SPAN_ID_HEX + 1];      //  the sender's span: our parent
    uint8_t flags;
} r5_trace_parent_t;

//  Parse a traceparent header value by the W3C rules: version 00 is exactly
//  "00-<32 hex>-<16 hex>-<2 hex>", lowercase; a later version (not ff) may
//  carry more after a '-'; an all-zero trace or span id is invalid. Returns
//  0 with parent filled, or -1 (the header is then ignored).
int r5_trace_parse (const char *header, r5_trace_parent_t *parent);

//  True when hex is digits lowercase hex digits long, not all zero: a valid
//  trace id (32) or span id (16).
bool r5_trace_id_valid (const char *hex, int digits);

//  size random bytes for an id (request, trace or span id; never a secret
//  or a key), from a per-thread pool that libsodium refills.
void r5_id_random (uint8_t *out, size_t size);

//  A fresh random trace id (33 bytes with NUL) or span id (17 bytes).
void r5_trace_new_id (char *out, int digits);

//  True when id is a request id a client may choose: 1 to 128 printable
//  ASCII characters, no spaces (the X-Request-Id rule).
bool r5_request_id_valid (const char *id);

#endif
