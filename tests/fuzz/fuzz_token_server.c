/*  fuzz_token_server: r5-token's request dispatcher (token_server_handle, the
    handler its actor calls) on any bytes a peer can send, with no MongoDB and
    no broker behind it: the server is made without creating indexes, its
    MongoDB URI names a port nobody listens on and gives up after 1 ms, so
    every store call answers UNAVAILABLE at once, and user lookups have no
    broker to go to. Decoding, validation, dispatch, the failure paths and the
    reply's packing and freeing are all exercised; the reply must always
    decode as a TokenReply. The keys are fuzz_keys.h's, so that seeds carrying
    a valid assertion (list, get, update ...) or password proof
    (create_session_proof) reach past the signature checks;
    create_bare_principal is the old, now refused, unsigned form. */
#include "token_server.h"
#include "r5_log.h"
#include "r5/token.pb-c.h"
#include "fuzz_keys.h"
#include "fuzz_worker_stack.h"
#include "r5_mdp.h"
#include "r5_curve.h"

#include <mongoc/mongoc.h>

static token_server_t *s_server;

static void
s_destroy_server (void)
{
    token_server_destroy (&s_server);
}

static void
s_one_input (const uint8_t *data, size_t size)
{
    if (!s_server) {
        //  Every store call fails here by design: its error lines would be
        //  all the fuzzer prints, and slow it down.
        r5_log_init ("fuzz_token_server", (r5_log_level_t) (R5_LOG_ERROR + 1));
        mongoc_log_set_handler (NULL, NULL);
        //  Inputs run one after another, each on a fresh worker-sized thread;
        //  the server passes between them only across pthread_join, the full
        //  barrier ZeroMQ asks of a socket that changes threads.
        static token_config_t config = {
            .mongodb_uri = "mongodb://127.0.0.1:1/r5fuzz?serverSelectionTimeoutMS=1&connectTimeoutMS=1",
            .mongodb_write_concern = "",
            .events = "",
            .brokers = "",
            .session_idle_ms = TOKEN_SESSION_IDLE_DEFAULT_S * 1000LL,
            .session_absolute_ms = TOKEN_SESSION_ABSOLUTE_DEFAULT_S * 1000LL,
            .last_used_interval_ms = TOKEN_LAST_USED_INTERVAL_DEFAULT_S * 1000LL,
            .skip_indexes = true,
        };
        //  The server's event publisher is a bus socket: it needs a key.
        zcert_t *cert = zcert_new ();
        r5_curve_set (cert, NULL);
        zcert_destroy (&cert);
        fuzz_keys_t keys;
        fuzz_keys_make (&keys);
        config.assertion_key = keys.assertion_secret;
        config.password_proof_verify_key = keys.proof_public;
        char error [256];
        s_server = token_server_new (&config, error, sizeof error);
        if (!s_server) {
            fprintf (stderr, "fuzz_token_server: %s\n", error);
            abort ();
        }
        //  Runs before czmq's own exit handler, which would report the PUB socket.
        atexit (s_destroy_server);
    }
    size_t reply_size = 0;
    uint8_t *reply = token_server_handle (s_server, R5_ROLE_GATEWAY "," R5_ROLE_INTERNAL, data, size, 0, &reply_size);
    R5__TokenReply *decoded = reply ? r5__token_reply__unpack (NULL, reply_size, reply) : NULL;
    if (!decoded)
        abort ();
    //  Without a store nothing can succeed but what needs none.
    if (decoded->status == R5__STATUS__STATUS_OK
    &&  decoded->body_case != R5__TOKEN_REPLY__BODY_DELETED)
        abort ();
    r5__token_reply__free_unpacked (decoded, NULL);
    free (reply);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
