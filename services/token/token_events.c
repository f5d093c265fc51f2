/*  token_events: token change announcements, over the common event publisher.  */
#include "token_events.h"
#include "r5_alloc.h"
#include "r5_events.h"

#include <stdio.h>
#include <stdlib.h>
#include "r5/token.pb-c.h"

struct _token_events_t {
    r5_events_t *events;
};

token_events_t *
token_events_new (const char *endpoints)
{
    r5_events_t *events = r5_events_new (endpoints);
    if (!events)
        return NULL;
    token_events_t *self = (token_events_t *) r5_calloc (1, sizeof *self);
    self->events = events;
    return self;
}

void
token_events_destroy (token_events_t **self_p)
{
    if (!*self_p)
        return;
    r5_events_destroy (&(*self_p)->events);
    free (*self_p);
    *self_p = NULL;
}

int
token_events_listen (token_events_t *self, const char *endpoints)
{
    return r5_events_listen (self->events, endpoints);
}

void
token_events_poll (token_events_t *self)
{
    r5_events_poll (self->events);
}

void
token_events_confirm (token_events_t *self, const char *rid)
{
    r5_events_confirm (self->events, rid);
}

int
token_events_publish (token_events_t *self, const char *change, const char *token_id,
                      const char *user_id, const char *account_id, int64_t at_unix_ms)
{
    R5__TokenChangeEvent event = R5__TOKEN_CHANGE_EVENT__INIT;
    event.token_id = (char *) token_id;
    event.user_id = (char *) user_id;
    event.account_id = (char *) account_id;
    event.change = (char *) change;
    event.at_unix_ms = at_unix_ms;
    uint8_t payload [512];
    size_t size = r5__token_change_event__get_packed_size (&event);
    if (size > sizeof payload)
        return -1;
    r5__token_change_event__pack (&event, payload);
    char topic [96];
    snprintf (topic, sizeof topic, "token.%s %s", change, token_id);
    return r5_events_publish (self->events, topic, payload, size);
}
