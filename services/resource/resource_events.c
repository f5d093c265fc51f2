/*  resource_events: user change announcements, over the common event publisher.  */
#include "resource_events.h"

#include <stdio.h>
#include <string.h>

int
resource_events_user_changed (r5_events_t *events, const char *user_id, const char *account_id)
{
    if (!events)
        return -1;
    char topic [96];
    snprintf (topic, sizeof topic, "user.changed %s", user_id);
    const char *payload = account_id ? account_id : "";
    return r5_events_publish (events, topic, payload, strlen (payload));
}
