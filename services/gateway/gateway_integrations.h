/*  gateway_integrations: POST /integrations/<key> — a monitoring system opens
    an incident for the team that owns the integration. The key in the path is
    the credential (shown once when the integration is created, stored only as
    a digest); the answer is 202 with the incident's id. */
#ifndef GATEWAY_INTEGRATIONS_H
#define GATEWAY_INTEGRATIONS_H

#include "gateway_private.h"

int gateway_integrations_handle (struct mg_connection *conn, void *gateway);

#endif
