/*  gateway_health: /healthz (the process is up), /readyz (the brokers and
    every service answer), /metrics (Prometheus text). */
#ifndef GATEWAY_HEALTH_H
#define GATEWAY_HEALTH_H

#include "gateway_private.h"

int gateway_health_healthz (struct mg_connection *conn, void *gateway);
int gateway_health_readyz (struct mg_connection *conn, void *gateway);
int gateway_health_metrics (struct mg_connection *conn, void *gateway);

//  Show this gateway's metric families (r5_metrics); its counters and cache
//  are read at each scrape until gateway_health_metrics_stop. One gateway per
//  process is shown.
void gateway_health_metrics_start (gateway_t *gw);
void gateway_health_metrics_stop (gateway_t *gw);

//  civetweb's begin_request and end_request: every HTTP request's duration,
//  by route, GraphQL operation kind and status.
void gateway_health_begin_request (struct mg_connection *conn);
void gateway_health_end_request (const struct mg_connection *conn, int status);

//  The GraphQL request in hand is of this kind (gql_operation_type_t).
void gateway_health_note_operation (struct mg_connection *conn, int type);

#endif
