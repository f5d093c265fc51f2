/*  token_events: the PUB socket on which r5-token announces changes so that
    gateways drop cached verdicts. It connects to every endpoint of a comma
    list (the broker's XSUB side, tcp://127.0.0.1:5556 by default).

    Each event is two frames: [topic] [TokenChangeEvent, protobuf], with topic
    "token.revoked <token_id>" (regenerate, delete, session end) or
    "token.updated <token_id>" (description or scopes changed). Subscribers
    subscribe to the prefix "token.". Owns a socket: not thread-safe. */
#ifndef TOKEN_EVENTS_H
#define TOKEN_EVENTS_H

#include <stdint.h>

#define TOKEN_EVENT_REVOKED "revoked"
#define TOKEN_EVENT_UPDATED "updated"

typedef struct _token_events_t token_events_t;

//  Connect to the endpoints ("" publishes nowhere). NULL when one is invalid.
token_events_t *token_events_new (const char *endpoints);
void token_events_destroy (token_events_t **self_p);

//  Hear the gateways at endpoints (the relays' outputs; "" for none), so that
//  token_events_confirm waits for them. 0, or -1 when one is invalid.
int token_events_listen (token_events_t *self, const char *endpoints);

//  Take in what the gateways said meanwhile: as each request starts.
void token_events_poll (token_events_t *self);

//  Before answering a request: wait until every live gateway applied what it
//  published, or stopped trusting its cache (r5_events_confirm).
void token_events_confirm (token_events_t *self, const char *rid);

//  Publish one change ("revoked" or "updated"). 0, or -1 when it could not be queued.
int token_events_publish (token_events_t *self, const char *change, const char *token_id,
                          const char *user_id, const char *account_id, int64_t at_unix_ms);

#endif
