/*  r5_endpoints: comma-separated lists of ZeroMQ endpoints, as every setting
    that names brokers or event relays holds them ("tcp://a:5555, tcp://b:5555").
    Spaces around items are ignored; empty items are skipped. */
#ifndef R5_ENDPOINTS_H
#define R5_ENDPOINTS_H

#include <czmq.h>

//  The endpoints of list as a zlistx of owned strings (destroy it with
//  zlistx_destroy); never NULL (out of memory stops the process, r5_alloc.h).
zlistx_t *r5_endpoints_parse (const char *list);

//  Connect sock (a zsock_t or a libzmq socket) to every endpoint of list.
//  Returns how many, or -1 (with one log line) when one of them is invalid.
int r5_endpoints_connect (void *sock, const char *list);

#endif
