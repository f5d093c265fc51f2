/*  resource_contacts: a user's own contact methods and notification rules
    (own only, whatever the role).

    Collections contact_methods {_id, account_id, user_id, kind, address,
    label, created_at} and notification_rules {_id, account_id, user_id,
    contact_method_id, delay_minutes, urgency, created_at}. Deleting a
    contact method deletes the rules that use it (one delete each: no rule
    is left pointing at nothing). */
#ifndef RESOURCE_CONTACTS_H
#define RESOURCE_CONTACTS_H

#include "resource_owned.h"

extern const resource_owned_t resource_contact_methods;
extern const resource_owned_t resource_notification_rules;

int resource_contacts_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

void resource_contacts_on_create_method (resource_call_t *call, const R5__CreateContactMethodRequest *request);
void resource_contacts_on_delete_method (resource_call_t *call, const char *id);
void resource_contacts_on_create_rule (resource_call_t *call, const R5__CreateNotificationRuleRequest *request);

#endif
