/*  fuzz_authz_server: r5-authz's request dispatcher (the handler its actor
    calls) on any bytes a peer can send: decode, decide, reply. The reply must
    always decode. */
#include "authz_server.h"
#include "r5/authz.pb-c.h"
#include "fuzz_keys.h"
#include "fuzz_worker_stack.h"
#include "r5_mdp.h"

static void
s_one_input (const uint8_t *data, size_t size)
{
    static fuzz_keys_t keys;
    static bool made;
    if (!made) {
        fuzz_keys_make (&keys);
        made = true;
    }
    size_t reply_size = 0;
    uint8_t *reply = authz_server_handle (&keys.assertion_public, R5_ROLE_RESOURCE, data, size, &reply_size);
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
