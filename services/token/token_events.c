/*  token_events: change announcements on a PUB socket.  */
#include "token_events.h"

#include <czmq.h>
#include "r5/token.pb-c.h"

struct _token_events_t {
    zsock_t *pub;
};

token_events_t *
token_events_new (const char *endpoints)
{
    token_events_t *self = calloc (1, sizeof *self);
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
    for (char *item = strtok_r (list, ",", &saveptr); item && rc == 0;
         item = strtok_r (NULL, ",", &saveptr)) {
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
        token_events_destroy (&self);
    return self;
}

void
token_events_destroy (token_events_t **self_p)
{
    if (!*self_p)
        return;
    zsock_destroy (&(*self_p)->pub);
    free (*self_p);
    *self_p = NULL;
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
    size_t size = r5__token_change_event__get_packed_size (&event);
    zframe_t *payload = zframe_new (NULL, size);
    if (!payload)
        return -1;
    r5__token_change_event__pack (&event, zframe_data (payload));
    zmsg_t *msg = zmsg_new ();
    zmsg_addstrf (msg, "token.%s %s", change, token_id);
    zmsg_append (msg, &payload);
    //  PUB never blocks: with no subscriber, or past the high-water mark, it drops.
    return zmsg_send (&msg, self->pub);
}
