/*  gateway_integrations: inbound alerts.  */
#include "gateway_integrations.h"
#include "gateway_call.h"
#include "gateway_access.h"
#include "gateway_http.h"
#include "gateway_json.h"
#include "gateway_node.h"
#include "gateway_status.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5/resource.pb-c.h"

#include <ctype.h>

#define S_PREFIX "/integrations/"
#define S_KEY_LENGTH 36                 //  "r5i_" + 32 base62 characters
#define S_MAX_BODY 65536

//  A key of the right shape; anything else is refused without a call.
static bool
s_key_shaped (const char *key)
{
    if (strlen (key) != S_KEY_LENGTH || strncmp (key, "r5i_", 4) != 0)
        return false;
    for (const char *c = key + 4; *c; c++)
        if (!isalnum ((unsigned char) *c))
            return false;
    return true;
}

const char *
gateway_integrations_key (const char *local_uri)
{
    if (strncmp (local_uri, S_PREFIX, strlen (S_PREFIX)) != 0 || !s_key_shaped (local_uri + strlen (S_PREFIX)))
        return NULL;
    return local_uri + strlen (S_PREFIX);
}

const char *
gateway_integrations_read_alert (const char *body, size_t size, int max_json_depth, json_t **json_p,
                                 R5__OpenIntegrationIncidentRequest *open)
{
    const char *problem = "body must be a JSON object: {title, description, urgency: HIGH|LOW}";
    json_t *json = size ? gateway_json_parse (body, size, max_json_depth, &problem) : json_object ();
    const char *urgency = gateway_json_string (json, "urgency", "HIGH");
    if (!json_is_object (json) || (strcmp (urgency, "HIGH") != 0 && strcmp (urgency, "LOW") != 0)) {
        json_decref (json);
        *json_p = NULL;
        return problem;
    }
    open->title = (char *) gateway_json_string (json, "title", "Alert from an integration");
    open->description = (char *) gateway_json_string (json, "description", "");
    open->urgency = strcmp (urgency, "LOW") == 0 ? R5__URGENCY__URGENCY_LOW : R5__URGENCY__URGENCY_HIGH;
    *json_p = json;
    return NULL;
}

int
gateway_integrations_handle (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    const struct mg_request_info *info = mg_get_request_info (conn);
    if (strcmp (info->request_method, "POST") != 0) {
        json_t *answer = json_pack ("{s:s}", "error", "use POST");
        gateway_http_send_json (conn, 405, NULL, answer, "Allow: POST\r\n");
        json_decref (answer);
        return 405;
    }
    const char *key = gateway_integrations_key (info->local_uri);
    if (!key) {
        gateway_http_send_error (conn, 404, "unknown integration key");
        return 404;
    }
    if (!gateway_http_is_json (conn)) {
        gateway_http_send_error (conn, 415, "send the alert as application/json");
        return 415;
    }
    size_t size;
    int status;
    char *body = gateway_http_read_body_or_answer (conn, S_MAX_BODY, gw->config.request_timeout_ms, "alert too large",
                                                   &size, &status);
    if (!body)
        return status;
    R5__OpenIntegrationIncidentRequest open = R5__OPEN_INTEGRATION_INCIDENT_REQUEST__INIT;
    json_t *json;
    const char *problem = gateway_integrations_read_alert (body, size, gw->config.max_json_depth, &json, &open);
    free (body);
    if (problem) {
        gateway_http_send_error (conn, 400, problem);
        return 400;
    }
    const char *request_id = gateway_access_bus_id (conn);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    r5_rpc_meta_init (&meta, "r5-gateway", request_id, gw->config.rpc_timeout_ms);
    open.key = (char *) key;
    request.meta = &meta;
    request.body_case = R5__RESOURCE_REQUEST__BODY_OPEN_INTEGRATION_INCIDENT;
    request.open_integration_incident = &open;
    //  The Idempotency-Key header is the incident's create key, checked by
    //  r5-resource as for POST /graphql (a malformed one: BAD_INPUT, 400).
    //  Resent only with a key: a copy then answers the incident the first
    //  one opened, where without one it could open a second incident.
    const char *idempotency_key = gateway_http_header (conn, "Idempotency-Key");
    bool idempotent = idempotency_key && *idempotency_key;
    if (idempotent)
        request.idempotency_key = (char *) idempotency_key;
    R5__Status call_status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (gateway_thread (conn)->client, R5_SERVICE_RESOURCE,
                                                                  &request.base, &r5__resource_reply__descriptor,
                                                                  gw->config.rpc_timeout_ms, idempotent, &call_status);
    json_decref (json);
    R5__Status outcome = reply ? reply->status : call_status;
    if (outcome == R5__STATUS__STATUS_OK && (reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS
                                             || reply->objects->n_incidents != 1))
        outcome = R5__STATUS__STATUS_INTERNAL;
    int http_status;
    if (outcome == R5__STATUS__STATUS_OK) {
        http_status = 202;
        //  The incident's global id, as the API names it everywhere.
        char *incident_id = gateway_node_id ("Incident", reply->objects->incidents [0]->id);
        json_t *answer = json_pack ("{s:s?}", "incidentId", incident_id);
        free (incident_id);
        gateway_http_send_json (conn, 202, NULL, answer, NULL);
        json_decref (answer);
        r5_info (request_id, "integration opened incident %s", reply->objects->incidents [0]->id);
    }
    else
    if (outcome == R5__STATUS__STATUS_NOT_FOUND) {
        http_status = 404;
        gateway_http_send_error (conn, 404, "unknown integration key");
    }
    else {
        const gateway_status_t *mapped = gateway_status (outcome);
        http_status = mapped->http_status;
        gateway_http_send_error (conn, http_status, mapped->mask || !reply || !*reply->message
                                                    ? mapped->message : reply->message);
    }
    if (reply)
        r5__resource_reply__free_unpacked (reply, NULL);
    return http_status;
}
