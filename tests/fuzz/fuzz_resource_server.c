/*  fuzz_resource_server: r5-resource's request dispatcher (resource_server_handle, the
    handler) on any bytes a peer can send: decode, route, validate, reply.
    No MongoDB and no broker stand behind it: the state creates no index, its
    MongoDB is a closed port that answers every store call UNAVAILABLE
    within a millisecond, and with no broker every r5-authz question answers
    UNAVAILABLE. What runs is everything before the first store call (the
    dispatch table, the principal and empty-update checks, each handler's
    validation) and the failure paths after it. The reply must always decode.
    Seeds made for a principal carry assertions signed with fuzz_keys.h's key
    (expiring in 2100), so the handlers behind the check are reached;
    create_team_bare_principal is the old, now refused, unsigned form. */
#include "resource_server.h"
#include "r5_log.h"
#include "r5/resource.pb-c.h"
#include "fuzz_keys.h"
#include "fuzz_worker_stack.h"
#include "r5_mdp.h"
#include "r5_curve.h"

static resource_server_t *s_server;

//  The state's sockets are closed before czmq's own exit check counts them.
static void
s_cleanup (void)
{
    resource_server_destroy (&s_server);
}

static void
s_one_input (const uint8_t *data, size_t size)
{
    if (!s_server) {
        //  Every store call fails and says so: only errors are worth a line.
        r5_log_init ("fuzz_resource_server", R5_LOG_ERROR);
        static resource_config_t config = {
            .mongodb_uri = "mongodb://127.0.0.1:1/r5fuzz?serverSelectionTimeoutMS=1&connectTimeoutMS=1",
            .mongodb_write_concern = "",
            .brokers = NULL,
            .events_publish = "",
            .skip_indexes = true,
        };
        //  The server's event publisher is a bus socket: it needs a key.
        zcert_t *cert = zcert_new ();
        r5_curve_set (cert, NULL);
        zcert_destroy (&cert);
        fuzz_keys_t keys;
        fuzz_keys_make (&keys);
        config.assertion_verify_key = keys.assertion_public;
        config.password_proof_key = keys.proof_secret;
        char error [256];
        s_server = resource_server_new (&config, error, sizeof error);
        if (!s_server)
            abort ();
        atexit (s_cleanup);
    }
    size_t reply_size = 0;
    uint8_t *reply = resource_server_handle (s_server, R5_ROLE_GATEWAY "," R5_ROLE_TOKEN, data, size, 0, &reply_size);
    R5__ResourceReply *decoded = reply ? r5__resource_reply__unpack (NULL, reply_size, reply) : NULL;
    if (!decoded)
        abort ();
    r5__resource_reply__free_unpacked (decoded, NULL);
    free (reply);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
