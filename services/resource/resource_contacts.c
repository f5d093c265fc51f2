/*  resource_contacts: contact methods and notification rules.  */
#include "resource_contacts.h"
#include "resource_bson.h"
#include "resource_validate.h"
#include "r5_codec.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

#define S_NOT_OWN_METHOD "contactMethodId is not one of your contact methods"

//  A page of one's own objects (sorted on _id); a method's rules.
const r5_mongo_index_t resource_contacts_indexes [1] = {
    { "account_user_id", "{\"account_id\": 1, \"user_id\": 1, \"_id\": 1}", false, NULL },
};

//  A phone number: an optional '+', then 4 to 20 digits, spaces or dashes.
static bool
s_phone (const char *text)
{
    size_t digits = 0, length = strlen (text);
    if (length < 4 || length > 24)
        return false;
    for (const char *c = text; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else
        if (!(*c == '+' && c == text) && *c != ' ' && *c != '-')
            return false;
    }
    return digits >= 4 && digits <= 20;
}

void
resource_contacts_on_create_method (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateContactMethodRequest *request = envelope->create_contact_method;
    const resource_type_t *methods = resource_type_of (R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS);
    char email [RESOURCE_EMAIL_MAX + 1];
    const char *address = request->address, *message = NULL;
    switch (request->kind) {
        case R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_EMAIL:
            message = resource_validate_email (request->address, email);
            address = email;
            break;
        case R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_SMS:
        case R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_PHONE:
            message = s_phone (request->address) ? NULL : "address is not a phone number";
            break;
        case R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_PUSH:
            message = resource_validate_text ("address", request->address, 1, 200) ? "address must be 1 to 200 characters" : NULL;
            break;
        default:
            message = "kind must be EMAIL, SMS, PHONE or PUSH";
            break;
    }
    static const resource_text_rule_t rules [] = { { "label", 0, 100, false, "label must be at most 100 characters" } };
    if (!message)
        message = resource_validate_fields (&request->base, rules, sizeof rules / sizeof rules [0]);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (resource_store_decide_create (call, methods, NULL))
        return;
    char id [25];
    R5__ContactMethod method = R5__CONTACT_METHOD__INIT;
    resource_store_prepare (call, methods, &request->base, &method.base, id);
    method.address = (char *) address;     //  an email in its normal form
    resource_store_insert (call, methods, &method.base, NULL);
}

int
resource_contacts_before_delete_method (resource_call_t *call, const resource_object_t *method, bson_t *delete_filter)
{
    //  Rules that used it would notify nowhere: they go too, first, so that
    //  a crash in between leaves a method without rules, never a rule
    //  without its method. The mark first: a rule created meanwhile sees it
    //  and is taken back (resource_store.h).
    const resource_type_t *methods = resource_type_of (R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS);
    const char *method_id = ((const R5__ContactMethod *) method->message)->id;
    int64_t mark = r5_now_ms ();
    if (resource_store_mark_deleting (call, methods, method_id, mark))
        return -1;
    mongoc_collection_t *rules = resource_call_collection (call, "notification_rules");
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                               "user_id", BCON_UTF8 (call->principal->user_id),
                               "contact_method_id", BCON_UTF8 (((const R5__ContactMethod *) method->message)->id));
    bson_error_t error;
    int rc = 0;
    if (!mongoc_collection_delete_many (rules, filter, NULL, NULL, &error))
        rc = resource_call_mongo_fail (call, &error, "rule cleanup");
    else
        rc = resource_store_marked_delete (call, methods, method_id, mark, delete_filter);
    bson_destroy (filter);
    mongoc_collection_destroy (rules);
    return rc;
}

//  Whether method_id is one of the caller's contact methods and no delete
//  of it is under way: 1 or 0, or -1 with the reply set. (A contact method
//  has no parent check: it is never pending.)
static int
s_own_method (resource_call_t *call, const char *method_id)
{
    if (!resource_validate_id (method_id))
        return 0;
    mongoc_collection_t *methods = resource_call_collection (call, "contact_methods");
    bson_t *filter = resource_bson_id_filter (method_id, call->principal->account_id);
    BSON_APPEND_UTF8 (filter, "user_id", call->principal->user_id);
    resource_store_append_unmarked (filter, r5_now_ms ());
    bson_error_t error;
    int64_t found = mongoc_collection_count_documents (methods, filter, NULL, NULL, NULL, &error);
    bson_destroy (filter);
    mongoc_collection_destroy (methods);
    if (found < 0)
        return resource_call_mongo_fail (call, &error, "contact method lookup");
    return found == 1;
}

int
resource_contacts_check_rule (resource_call_t *call, const bson_t *doc)
{
    const char *method_id = resource_bson_string (doc, "contact_method_id");
    int own = method_id ? s_own_method (call, method_id) : 0;
    if (own == 0)
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_NOT_OWN_METHOD);
    return own == 1 ? 0 : -1;
}

void
resource_contacts_on_create_rule (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateNotificationRuleRequest *request = envelope->create_notification_rule;
    const resource_type_t *rules = resource_type_of (R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES);
    if (request->delay_minutes < 0 || request->delay_minutes > 1440) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "delayMinutes must be 0 to 1440");
        return;
    }
    if (request->urgency > R5__URGENCY__URGENCY_LOW) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "urgency must be HIGH or LOW");
        return;
    }
    if (resource_store_decide_create (call, rules, NULL))
        return;
    //  The contact method must be one of the caller's own.
    int own = s_own_method (call, request->contact_method_id);
    if (own < 0)
        return;
    if (!own) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_NOT_OWN_METHOD);
        return;
    }
    char id [25];
    R5__NotificationRule rule = R5__NOTIFICATION_RULE__INIT;
    resource_store_prepare (call, rules, &request->base, &rule.base, id);
    //  "Any urgency" has always been stored as "" (the codec leaves a zero enum out).
    bson_t *extra = rule.urgency ? NULL : BCON_NEW ("urgency", BCON_UTF8 (""));
    //  Written first (pending), the method checked after
    //  (resource_contacts_check_rule): a delete of it that began meanwhile
    //  either deleted this rule or is seen there.
    resource_store_insert (call, rules, &rule.base, extra);
    bson_destroy (extra);
}
