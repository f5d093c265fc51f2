/*  resource_server: the r5.resource worker: its state, its request dispatch
    and the actor that serves it. */
#ifndef RESOURCE_SERVER_H
#define RESOURCE_SERVER_H

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>
#include "r5_sign.h"
#include "r5_throttle.h"

//  check_password attempts per normalized email, per r5-resource instance
//  (the gateway's own limits may be bypassed by a bus client, or be spread
//  over several gateways).
#define RESOURCE_PASSWORD_LIMIT_DEFAULT "20/300"

typedef struct {
    const char *mongodb_uri;
    const char *mongodb_write_concern;
    const char *brokers;            //  also how r5-authz is reached; NULL: no r5-authz (every decision
                                    //  answers UNAVAILABLE: the fuzz harness)
    const char *events_publish;     //  PUB endpoints for user.changed events ("" for none)
    const char *events_subscribe;   //  the relays' outputs, to hear the gateways confirm ("" for none)
    bool skip_indexes;              //  true: create no index at start-up (a state that needs no
                                    //  database to exist: the fuzz harness)
    r5_sign_public_t assertion_verify_key;  //  r5-token's: principals are taken only from its assertions
    r5_sign_secret_t password_proof_key;    //  signs password proofs (r5_password_proof.h); copied into
                                            //  the state: zero this copy after start
    r5_limit_t password_limit_per_email;    //  burst 0: RESOURCE_PASSWORD_LIMIT_DEFAULT
    r5_throttle_t *password_throttle;       //  the process's, shared by its workers (outlives them);
                                            //  NULL: each state makes its own from the limit
    int64_t sweep_interval_ms;      //  between the sweeper's passes (resource_sweeper.h); 0: the default
} resource_config_t;

typedef struct _resource_server_t resource_server_t;

//  The check_password throttle for limit (burst 0: the default): main makes
//  one for all of the process's workers, so the limit is per process.
r5_throttle_t *resource_password_throttle_new (r5_limit_t limit);

//  Connect to MongoDB and ensure the indexes, connect to the brokers (for
//  r5-authz) and the events publisher. NULL with one line in error.
resource_server_t *resource_server_new (const resource_config_t *config, char *error, size_t error_size);

//  Close everything and zero the password-proof key. Safe on NULL.
void resource_server_destroy (resource_server_t **self_p);

//  One packed ResourceRequest in, one packed ResourceReply out (see
//  r5_reply.h), *reply_size bytes; the caller frees it. caller: the roles the
//  broker authenticated for the request's sender (r5_request_caller); a
//  request its roles may not ask for answers FORBIDDEN before anything else.
uint8_t *resource_server_handle (resource_server_t *self, const char *caller, const uint8_t *body, size_t size,
                                 int64_t deadline_unix_ms, size_t *reply_size);

//  zactor body of r5-resource: args is a resource_config_t * that outlives
//  the actor. Tells the pipe READY or "ERROR <line>" (see r5_service.h), then
//  serves "r5.resource" until $TERM or an interrupt, sweeping at start and
//  every sweep_interval_ms between requests (not with skip_indexes).
void resource_server_actor (zsock_t *pipe, void *args);

#endif
