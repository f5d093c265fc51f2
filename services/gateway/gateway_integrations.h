/*  gateway_integrations: POST /integrations/<key> — a monitoring system opens
    an incident for the team that owns the integration. The key in the path is
    the credential (shown once when the integration is created, stored only as
    a digest); the answer is 202 with the incident's id. */
#ifndef GATEWAY_INTEGRATIONS_H
#define GATEWAY_INTEGRATIONS_H

#include "gateway_private.h"
#include "r5/resource.pb-c.h"

#include <jansson.h>

//  The request-reading part of the handler, apart from the connection so the
//  fuzz harness runs it as the handler does. key: the key in a request path
//  (/integrations/<key>) when it has a key's shape, else NULL (404).
//  read_alert: the body as {title, description, urgency}; NULL with *json_p
//  owning the strings open now points to, or a constant message for a 400.
const char *gateway_integrations_key (const char *local_uri);
const char *gateway_integrations_read_alert (const char *body, size_t size, int max_json_depth, json_t **json_p,
                                             R5__OpenIntegrationIncidentRequest *open);

int gateway_integrations_handle (struct mg_connection *conn, void *gateway);

#endif
