/*  resource_contacts: a user's own contact methods and notification rules
    (own only, whatever the role).

    Collections, each its message by the codec: contact_methods {_id,
    account_id, user_id, kind, address, label, created_at} and
    notification_rules {_id, account_id, user_id, contact_method_id,
    delay_minutes, urgency ("" for any), created_at, and pending_check
    until its method is checked}. Deleting a contact method deletes the
    rules that use it (one delete each: no rule is left pointing at
    nothing). */
#ifndef RESOURCE_CONTACTS_H
#define RESOURCE_CONTACTS_H

#include "resource_store.h"

//  The type table's entries for the two types.
extern const r5_mongo_index_t resource_contacts_indexes [1];
int resource_contacts_before_delete_method (resource_call_t *call, const resource_object_t *method, bson_t *filter);
//  A new rule's check_parent: its contact method is the caller's and no
//  delete of it is under way (BAD_INPUT otherwise).
int resource_contacts_check_rule (resource_call_t *call, const bson_t *doc);

//  Handlers (resource_handler_fn): each fills call->reply with the one object written.
void resource_contacts_on_create_method (resource_call_t *call, const R5__ResourceRequest *request);
void resource_contacts_on_create_rule (resource_call_t *call, const R5__ResourceRequest *request);

#endif
