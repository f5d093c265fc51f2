/*  token_server: r5-token's state, its request dispatch and its actor. The
    actor (token_server_actor) drives the r5_service loop (common/r5_service.h)
    with a token_server_t it owns, so the whole service runs in any thread, in
    tests too. The message contract is docs/token-service.md. */
#ifndef TOKEN_SERVER_H
#define TOKEN_SERVER_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "r5_sign.h"
#include "r5_time.h"
#include "r5_token_format.h"

//  Defaults (documented in docs/token-service.md).
#define TOKEN_SESSION_IDLE_DEFAULT_S        28800      //  8 hours without use
#define TOKEN_SESSION_ABSOLUTE_DEFAULT_S    604800     //  7 days after sign-in
#define TOKEN_LAST_USED_INTERVAL_DEFAULT_S  60
//  Longest wait for r5.resource while verifying (less when the caller's deadline is nearer).
#define TOKEN_USER_LOOKUP_TIMEOUT_MS        2000

typedef struct {
    const char *mongodb_uri;
    const char *mongodb_write_concern;      //  "majority", a number, or ""
    uint8_t pepper [R5_PEPPER_SIZE];        //  copied into the state; zero this copy after start
    const char *events;                     //  PUB endpoints, comma-separated; "" for none
    const char *events_subscribe;           //  the relays' outputs, to hear the gateways confirm; "" for none
    const char *brokers;                    //  for calls to r5.resource; "" for none (only
                                            //  without the actor: verification then answers UNAVAILABLE)
    int64_t session_idle_ms;
    int64_t session_absolute_ms;
    int64_t last_used_interval_ms;          //  0 writes every use
    bool skip_indexes;                      //  make no call to MongoDB at start (fuzzing)
    //  Signs the principal of every successful verification (r5_assertion.h);
    //  copied into the state: zero this copy after start.
    r5_sign_secret_t assertion_key;
    int64_t assertion_ttl_ms;               //  how long an assertion holds (R5_ASSERTION_TTL_DEFAULT_S)
    //  r5-resource's public key: create_session needs a password proof it signed.
    r5_sign_public_t password_proof_verify_key;
} token_config_t;

typedef struct _token_server_t token_server_t;

//  Connect to MongoDB, ensure the indexes (the start-up check that MongoDB
//  answers, unless skip_indexes), open the PUB socket and the broker client.
//  NULL with one line in error when any of that fails. Call it in the thread
//  that will use the server.
token_server_t *token_server_new (const token_config_t *config, char *error, size_t error_size);

//  Close everything and zero the pepper and the assertion key. Safe on NULL.
void token_server_destroy (token_server_t **self_p);

//  Take each call's now (expiries, idle ends, assertion times) from clock
//  from now on (tests; NULL, the default, is the real clock).
void token_server_set_clock (token_server_t *self, const r5_clock_t *clock);

//  One packed TokenRequest in, one packed TokenReply out (see r5_reply.h),
//  *reply_size bytes; the caller sends it, zeroes it (it may hold a token
//  value) and frees it. deadline_unix_ms 0 means the request's own (or none).
//  caller: the roles the broker authenticated for the sender
//  (r5_request_caller); a request they may not ask for answers FORBIDDEN.
uint8_t *token_server_handle (token_server_t *self, const char *caller, const uint8_t *body, size_t size,
                              int64_t deadline_unix_ms, size_t *reply_size);

//  zactor body of r5-token: args is a token_config_t * that outlives the
//  actor. Tells the pipe READY or "ERROR <line>" (see r5_service.h), then
//  serves "r5.token" until $TERM or an interrupt.
void token_server_actor (zsock_t *pipe, void *args);

#endif
