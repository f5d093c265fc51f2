/*  fuzz_auth_login: the body of POST /auth/login as the gateway reads it, and
    the CheckPassword request it would send (see fuzz_auth_body.h). */
#include "fuzz_auth_body.h"
#include "fuzz_worker_stack.h"

static bool
s_fill (json_t *json, R5__ResourceRequest *request)
{
    static R5__CheckPasswordRequest fields;
    r5__check_password_request__init (&fields);
    request->body_case = R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD;
    request->check_password = &fields;
    return gateway_signin_login_fields (json, &fields) == NULL;
}

static void
s_one_input (const uint8_t *data, size_t size)
{
    fuzz_auth_body (data, size, s_fill);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
