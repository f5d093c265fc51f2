/*  gateway_status: the one table that maps the services' Status enum to the
    GraphQL error code clients see and to an HTTP status. */
#ifndef GATEWAY_STATUS_H
#define GATEWAY_STATUS_H

#include "r5/common.pb-c.h"

typedef struct {
    const char *code;           //  extensions.code, e.g. "NOT_FOUND"
    int http_status;            //  when the status decides the whole response
    const char *message;        //  the message clients see when the service gave none
    int mask;                   //  never show the service's own message
} gateway_status_t;

const gateway_status_t *gateway_status (R5__Status status);

#endif
