/*  resource_events: user change announcements on a PUB socket.  */
#include "resource_events.h"

#include <czmq.h>

struct _resource_events_t {
    zsock_t *pub;
};

resource_events_t *
resource_events_new (const char *endpoints)
{
    resource_events_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pub = zsock_new (ZMQ_PUB);
    if (!self->pub) {
        free (self);
        return NULL;
    }
    //  A short linger so that events queued just before shutdown still leave.
    zsock_set_linger (self->pub, 200);
    char *list = strdup (endpoints ? endpoints : "");
    char *saveptr = NULL;
    int rc = 0;
    for (char *item = strtok_r (list, ",", &saveptr); item && rc == 0; item = strtok_r (NULL, ",", &saveptr)) {
        while (*item == ' ')
            item++;
        char *end = item + strlen (item);
        while (end > item && end [-1] == ' ')
            *--end = 0;
        if (*item)
            rc = zsock_connect (self->pub, "%s", item);
    }
    free (list);
    if (rc)
        resource_events_destroy (&self);
    return self;
}

void
resource_events_destroy (resource_events_t **self_p)
{
    if (!*self_p)
        return;
    zsock_destroy (&(*self_p)->pub);
    free (*self_p);
    *self_p = NULL;
}

void
resource_events_poll (resource_events_t *self)
{
    if (self)
        zsock_events (self->pub);
}

int
resource_events_user_changed (resource_events_t *self, const char *user_id, const char *account_id)
{
    if (!self)
        return -1;
    //  Reading ZMQ_EVENTS makes the socket process its pending commands (new
    //  connections, subscriptions) first, so the first event after start-up
    //  is not dropped for want of a subscriber already known.
    zsock_events (self->pub);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstrf (msg, "user.changed %s", user_id);
    zmsg_addstr (msg, account_id ? account_id : "");
    //  PUB never blocks: with no subscriber, or past the high-water mark, it drops.
    return zmsg_send (&msg, self->pub);
}
