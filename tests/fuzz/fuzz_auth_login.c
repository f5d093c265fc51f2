/*  fuzz_auth_login: the body of POST /auth/login as the gateway reads it
    (a JSON object, depth-checked, then the fields the endpoint needs), and the
    request it would send to r5-resource, packed and unpacked again. */
#include "gateway_json.h"
#include "gateway_signin.h"
#include "fuzz_worker_stack.h"

#include <string.h>

static void
s_one_input (const uint8_t *data, size_t size)
{
    const char *problem = NULL;
    json_t *json = gateway_signin_parse_body ((const char *) data, size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &problem);
    if (!json) {
        if (!problem)
            abort ();
        return;
    }
    R5__CheckPasswordRequest fields = R5__CHECK_PASSWORD_REQUEST__INIT;
    if (gateway_signin_login_fields (json, &fields) == NULL) {
        R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
        request.body_case = R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD;
        request.check_password = &fields;
        size_t length = r5__resource_request__get_packed_size (&request);
        uint8_t *packed = malloc (length ? length : 1);
        r5__resource_request__pack (&request, packed);
        //  What r5-resource reads is what the gateway meant to send.
        R5__ResourceRequest *again = r5__resource_request__unpack (NULL, length, packed);
        if (!again || again->body_case != request.body_case || strcmp (again->check_password->email, fields.email) != 0)
            abort ();
        r5__resource_request__free_unpacked (again, NULL);
        free (packed);
    }
    json_decref (json);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
