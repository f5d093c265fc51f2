/*  resource_events: the change events r5-resource publishes (over
    r5_events.h, whose socket the server owns) so that gateways drop the
    verdicts they cached for a user at once.

    Each event is [topic "user.changed <user_id>"] [the account id]
    [sequence]. Published after the write is durable and before the reply,
    for a role change, a deactivation or reactivation, and a team
    membership change; the write records the event it owes, and a sweeper
    publishes what a request that died left owed (resource_owed.h). */
#ifndef RESOURCE_EVENTS_H
#define RESOURCE_EVENTS_H

#include "r5_events.h"

//  Announce that a user's role, active flag or memberships changed. 0 or -1.
int resource_events_user_changed (r5_events_t *events, const char *user_id, const char *account_id);

#endif
