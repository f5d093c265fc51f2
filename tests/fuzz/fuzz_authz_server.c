/*  fuzz_authz_server: r5-authz's request dispatcher (its r5_service handler)
    on any bytes a peer can send: decode, decide, reply. The reply must
    always decode. */
#include "authz_server.h"
#include "r5/authz.pb-c.h"
#include "fuzz_worker_stack.h"

static r5_service_t s_service;
static void *s_state;

static void
s_one_input (const uint8_t *data, size_t size)
{
    if (!s_state) {
        static authz_config_t config = { "" };
        s_service = authz_server_service (&config);
        char error [256];
        s_state = s_service.state_new (s_service.config, error, sizeof error);
        if (!s_state)
            abort ();
    }
    size_t reply_size = 0;
    uint8_t *reply = s_service.handler (s_state, data, size, 0, &reply_size);
    R5__AuthzReply *decoded = reply ? r5__authz_reply__unpack (NULL, reply_size, reply) : NULL;
    if (!decoded)
        abort ();
    r5__authz_reply__free_unpacked (decoded, NULL);
    free (reply);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
