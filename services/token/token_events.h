/*  token_events: the change events r5-token publishes (over r5_events.h,
    whose socket the server owns) so that gateways drop cached verdicts.

    Each event is [topic] [TokenChangeEvent, protobuf] [sequence], with topic
    "token.revoked <token_id>" (regenerate, delete, session end) or
    "token.updated <token_id>" (description or scopes changed). Subscribers
    subscribe to the prefix "token.". */
#ifndef TOKEN_EVENTS_H
#define TOKEN_EVENTS_H

#include "r5_events.h"

#include <stdint.h>

#define TOKEN_EVENT_REVOKED "revoked"
#define TOKEN_EVENT_UPDATED "updated"

//  Publish one change ("revoked" or "updated") on events. 0, or -1 when it
//  could not be queued.
int token_events_publish (r5_events_t *events, const char *change, const char *token_id,
                          const char *user_id, const char *account_id, int64_t at_unix_ms);

#endif
