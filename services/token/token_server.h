/*  token_server: the state and request dispatch of r5-token. Plugged into
    r5_service (common/r5_service.h): token_server_new / _destroy / _handle are
    its state_new / state_destroy / handler, so the whole service runs in any
    thread, in tests too. The message contract is docs/token-service.md. */
#ifndef TOKEN_SERVER_H
#define TOKEN_SERVER_H

#include <stddef.h>
#include <stdint.h>
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
    const char *brokers;                    //  for calls to r5.resource
    int64_t session_idle_ms;
    int64_t session_absolute_ms;
    int64_t last_used_interval_ms;          //  0 writes every use
} token_config_t;

//  r5_service state_new: config is a token_config_t *. Connects to MongoDB,
//  ensures the indexes, opens the PUB socket and the broker client. NULL with
//  one line in error when any of that fails.
void *token_server_new (void *config, char *error, size_t error_size);

//  r5_service state_destroy. Zeroes the pepper.
void token_server_destroy (void **state_p);

//  r5_service handler: one packed TokenRequest in, one packed TokenReply out
//  (malloc'd; never NULL except when out of memory).
uint8_t *token_server_handle (void *state, const uint8_t *body, size_t size,
                              int64_t deadline_unix_ms, size_t *reply_size);

#endif
