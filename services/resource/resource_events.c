/*  resource_events: user change announcements, over the common event publisher.  */
#include "resource_events.h"
#include "r5_alloc.h"
#include "r5_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _resource_events_t {
    r5_events_t *events;
};

resource_events_t *
resource_events_new (const char *endpoints)
{
    r5_events_t *events = r5_events_new (endpoints);
    if (!events)
        return NULL;
    resource_events_t *self = r5_calloc (1, sizeof *self);
    self->events = events;
    return self;
}

void
resource_events_destroy (resource_events_t **self_p)
{
    if (!*self_p)
        return;
    r5_events_destroy (&(*self_p)->events);
    free (*self_p);
    *self_p = NULL;
}

void
resource_events_poll (resource_events_t *self)
{
    if (self)
        r5_events_poll (self->events);
}

int
resource_events_listen (resource_events_t *self, const char *endpoints)
{
    return r5_events_listen (self->events, endpoints);
}

void
resource_events_confirm (resource_events_t *self, const char *rid)
{
    r5_events_confirm (self->events, rid);
}

int
resource_events_user_changed (resource_events_t *self, const char *user_id, const char *account_id)
{
    if (!self)
        return -1;
    char topic [96];
    snprintf (topic, sizeof topic, "user.changed %s", user_id);
    const char *payload = account_id ? account_id : "";
    return r5_events_publish (self->events, topic, payload, strlen (payload));
}
