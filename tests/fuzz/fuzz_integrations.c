/*  fuzz_integrations: POST /integrations/<key> as the gateway reads it. The
    input's first line is the request path, the rest the body: the key check,
    then the alert ({title, description, urgency}) and the request it would
    send to r5-resource, packed. */
#include "gateway_integrations.h"
#include "gateway_json.h"
#include "fuzz_worker_stack.h"

#include <string.h>

static void
s_one_input (const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr (data, '\n', size);
    size_t path_size = newline ? (size_t) (newline - data) : size;
    char *path = malloc (path_size + 1);
    memcpy (path, data, path_size);
    path [path_size] = 0;
    //  An exact-size copy of the body, so ASan sees any read past its end.
    size_t body_size = newline ? size - path_size - 1 : 0;
    char *body = malloc (body_size ? body_size : 1);
    if (body_size)
        memcpy (body, newline + 1, body_size);

    const char *key = gateway_integrations_key (path);
    if (key) {
        json_t *json = NULL;
        R5__OpenIntegrationIncidentRequest open = R5__OPEN_INTEGRATION_INCIDENT_REQUEST__INIT;
        if (gateway_integrations_read_alert (body, body_size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &json, &open) == NULL) {
            if (!json || !open.title || !open.description)
                abort ();
            open.key = (char *) key;
            R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
            request.body_case = R5__RESOURCE_REQUEST__BODY_OPEN_INTEGRATION_INCIDENT;
            request.open_integration_incident = &open;
            size_t length = r5__resource_request__get_packed_size (&request);
            uint8_t *packed = malloc (length);
            r5__resource_request__pack (&request, packed);
            free (packed);
            json_decref (json);
        }
        else
        if (json)
            abort ();
    }
    free (body);
    free (path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
