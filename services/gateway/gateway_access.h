/*  gateway_access: the HTTP request a civetweb thread has in hand, from
    begin_request to end_request — its ids and trace, the X-Request-Id every
    response carries, and the one access line written when it ends.

    Two request ids. The response's X-Request-Id (and the access line's
    request_id) is the client's X-Request-Id when it is 1-128 printable
    ASCII characters without spaces, else the gateway's own. The gateway's
    own id (16 random hex digits) is what the services get as
    RequestMeta.request_id, whatever the client sent: r5-token names the
    changes it applied after it (resends are deduplicated by it), so a
    client's choice must never reach it. The trace id ties the two. */
#ifndef GATEWAY_ACCESS_H
#define GATEWAY_ACCESS_H

#include "gateway.h"
#include "gql.h"
#include "r5_log.h"
#include "r5_trace.h"

#include <civetweb.h>
#include <stdbool.h>
#include <stdint.h>

//  Room for the header lines a request adds to every answer (CORS).
#define GATEWAY_ACCESS_EXTRA_MAX 640

struct _gateway_exchange_t {
    bool open;                      //  between begin_request and end_request
    int64_t started_us;             //  monotonic
    char request_id [R5_LOG_REQUEST_ID_MAX + 1];
    char bus_id [17];
    char trace_id [R5_TRACE_ID_HEX + 1];
    char span_id [R5_SPAN_ID_HEX + 1];
    char parent_span_id [R5_SPAN_ID_HEX + 1];   //  the client's span, or ""
    char header [R5_LOG_REQUEST_ID_MAX + 32 + GATEWAY_ACCESS_EXTRA_MAX];  //  "X-Request-Id: <id>\r\n" + added lines
    int status;                     //  as sent by gateway_http (0: not by it)
    long long bytes;                //  sent, -1 when civetweb sent the answer
    char operation [64];            //  GraphQL operation name, "" anonymous
    const char *operation_type;     //  "query", "mutation", NULL: not GraphQL
    char user_id [32];
    char token_id [32];
    char client [64];
};

//  Open the thread's exchange for a new request: ids, trace (the client's
//  traceparent when valid), the thread's logging context. From begin_request.
void gateway_access_begin (struct mg_connection *conn);

//  Write the access line (unless access_log is off) and close the exchange.
//  From end_request.
void gateway_access_end (const struct mg_connection *conn, int civetweb_status);

//  The request id the services get (RequestMeta.request_id): the gateway's own.
const char *gateway_access_bus_id (struct mg_connection *conn);

//  The "X-Request-Id: ...\r\n" header line of the request in hand.
const char *gateway_access_header (struct mg_connection *conn);

//  Add "Name: value\r\n" lines to every answer of the request in hand (after
//  X-Request-Id), up to GATEWAY_ACCESS_EXTRA_MAX bytes in all; past that the
//  lines are not added and -1 is returned.
int gateway_access_add_header (struct mg_connection *conn, const char *lines);

//  Note what was sent (status and bytes) for the access line.
void gateway_access_sent (struct mg_connection *conn, int status, long long bytes);

//  Note the GraphQL operation executed, and the authenticated caller (ids
//  only: never a credential).
void gateway_access_operation (struct mg_connection *conn, const gql_operation_t *operation);
void gateway_access_principal (struct mg_connection *conn, const gateway_principal_t *principal);

#endif
