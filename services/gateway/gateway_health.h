/*  gateway_health: /healthz (the process is up), /readyz (the brokers and
    every service answer), /metrics (Prometheus text). */
#ifndef GATEWAY_HEALTH_H
#define GATEWAY_HEALTH_H

#include "gateway_private.h"

int gateway_health_healthz (struct mg_connection *conn, void *gateway);
int gateway_health_readyz (struct mg_connection *conn, void *gateway);
int gateway_health_metrics (struct mg_connection *conn, void *gateway);

#endif
