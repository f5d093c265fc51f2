/*  resource_events: the PUB socket on which r5-resource announces changes to
    users, so that gateways drop the verdicts they cached for them at once.
    It connects to every endpoint of a comma list (config events_publish, the
    brokers' event input, tcp://127.0.0.1:5556 by default).

    Each event is two frames: [topic "user.changed <user_id>"] [the account
    id]. Published after the write is durable and before the reply, for a
    role change, a deactivation or reactivation, and a team membership change.
    Owns a socket: not thread-safe. */
#ifndef RESOURCE_EVENTS_H
#define RESOURCE_EVENTS_H

typedef struct _resource_events_t resource_events_t;

//  Connect to the endpoints ("" publishes nowhere). NULL when one is invalid.
resource_events_t *resource_events_new (const char *endpoints);
void resource_events_destroy (resource_events_t **self_p);

//  Let the socket process what it was sent meanwhile (new connections,
//  subscriptions): a PUB socket only does so when it is used, and drops what
//  it publishes to a subscriber it does not know yet. Called as each request
//  starts, so the subscriptions are known by the time an event is published.
void resource_events_poll (resource_events_t *self);

//  Hear the gateways at endpoints (the relays' outputs; "" for none), so that
//  resource_events_confirm waits for them. 0, or -1 when one is invalid.
int resource_events_listen (resource_events_t *self, const char *endpoints);

//  Before answering a request: wait until every live gateway applied what it
//  published, or stopped trusting its cache (r5_events_confirm).
void resource_events_confirm (resource_events_t *self, const char *rid);

//  Announce that a user's role, active flag or memberships changed. 0 or -1.
int resource_events_user_changed (resource_events_t *self, const char *user_id, const char *account_id);

#endif
