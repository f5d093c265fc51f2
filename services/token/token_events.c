/*  token_events: token change announcements, over the common event publisher.  */
#include "token_events.h"

#include <stdio.h>
#include "r5/token.pb-c.h"

int
token_events_publish (r5_events_t *events, const char *change, const char *token_id,
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
    return r5_events_publish (events, topic, payload, size);
}
