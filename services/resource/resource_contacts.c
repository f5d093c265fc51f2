/*  resource_contacts: contact methods and notification rules.  */
#include "resource_contacts.h"
#include "resource_validate.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

static const r5_mongo_index_t s_indexes [] = {
    { "account_user", "{\"account_id\": 1, \"user_id\": 1}", false, NULL },
};

int
resource_contacts_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    return r5_mongo_ensure_indexes (mongo, "contact_methods", s_indexes, 1, error, error_size)
        || r5_mongo_ensure_indexes (mongo, "notification_rules", s_indexes, 1, error, error_size);
}

static const char *s_kind_names [] = { "", "EMAIL", "SMS", "PHONE", "PUSH" };
static const char *s_urgency_names [] = { "", "HIGH", "LOW" };

static int
s_index_of (const char **names, int count, const char *name)
{
    for (int i = 1; name && i < count; i++)
        if (streq (names [i], name))
            return i;
    return 0;
}

typedef struct {
    const char *id, *account_id, *user_id, *kind, *address, *label, *method, *urgency;
    int64_t created_at;
    int32_t delay;
} s_fields_t;

static int
s_fields (const bson_t *doc, s_fields_t *f)
{
    memset (f, 0, sizeof *f);
    f->label = "";
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc))
        return -1;
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        if (BSON_ITER_HOLDS_UTF8 (&iter)) {
            const char *value = bson_iter_utf8 (&iter, NULL);
            if (streq (key, "_id")) f->id = value;
            else if (streq (key, "account_id")) f->account_id = value;
            else if (streq (key, "user_id")) f->user_id = value;
            else if (streq (key, "kind")) f->kind = value;
            else if (streq (key, "address")) f->address = value;
            else if (streq (key, "label")) f->label = value;
            else if (streq (key, "contact_method_id")) f->method = value;
            else if (streq (key, "urgency")) f->urgency = value;
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&iter) && streq (key, "created_at"))
            f->created_at = bson_iter_date_time (&iter);
        else
        if (BSON_ITER_HOLDS_INT (&iter) && streq (key, "delay_minutes"))
            f->delay = (int32_t) bson_iter_as_int64 (&iter);
    }
    return f->id && f->account_id && f->user_id ? 0 : -1;
}

static int
s_reply_method (resource_call_t *call, const bson_t *doc)
{
    s_fields_t f;
    if (s_fields (doc, &f) || !f.address || !s_index_of (s_kind_names, 5, f.kind))
        return -1;
    R5__ContactMethod *method = malloc (sizeof *method);
    assert (method);
    r5__contact_method__init (method);
    method->id = strdup (f.id);
    method->account_id = strdup (f.account_id);
    method->user_id = strdup (f.user_id);
    method->kind = s_index_of (s_kind_names, 5, f.kind);
    method->address = strdup (f.address);
    method->label = strdup (f.label);
    method->created_at_unix_ms = f.created_at;
    R5__Objects *objects = resource_call_objects (call);
    R5__ContactMethod **grown = realloc (objects->contact_methods, (objects->n_contact_methods + 1) * sizeof *grown);
    assert (grown);
    objects->contact_methods = grown;
    objects->contact_methods [objects->n_contact_methods++] = method;
    return 0;
}

static int
s_reply_rule (resource_call_t *call, const bson_t *doc)
{
    s_fields_t f;
    if (s_fields (doc, &f) || !f.method)
        return -1;
    R5__NotificationRule *rule = malloc (sizeof *rule);
    assert (rule);
    r5__notification_rule__init (rule);
    rule->id = strdup (f.id);
    rule->account_id = strdup (f.account_id);
    rule->user_id = strdup (f.user_id);
    rule->contact_method_id = strdup (f.method);
    rule->delay_minutes = f.delay;
    rule->urgency = s_index_of (s_urgency_names, 3, f.urgency);
    rule->created_at_unix_ms = f.created_at;
    R5__Objects *objects = resource_call_objects (call);
    R5__NotificationRule **grown = realloc (objects->notification_rules,
                                            (objects->n_notification_rules + 1) * sizeof *grown);
    assert (grown);
    objects->notification_rules = grown;
    objects->notification_rules [objects->n_notification_rules++] = rule;
    return 0;
}

const resource_owned_t resource_contact_methods = {
    R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, "contact_methods", true, "no such contact method", s_reply_method
};
const resource_owned_t resource_notification_rules = {
    R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, "notification_rules", true, "no such notification rule",
    s_reply_rule
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
resource_contacts_on_create_method (resource_call_t *call, const R5__CreateContactMethodRequest *request)
{
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
    if (!message && resource_validate_text ("label", request->label, 0, 100))
        message = "label must be at most 100 characters";
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (resource_owned_decide_create (call, &resource_contact_methods, NULL))
        return;
    char id [25];
    r5_mongo_new_id (id);
    bson_t *doc = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id),
                            "user_id", BCON_UTF8 (call->principal->user_id),
                            "kind", BCON_UTF8 (s_kind_names [request->kind]), "address", BCON_UTF8 (address),
                            "label", BCON_UTF8 (request->label), "created_at", BCON_DATE_TIME (r5_now_ms ()));
    resource_owned_insert (call, &resource_contact_methods, doc);
    bson_destroy (doc);
}

void
resource_contacts_on_delete_method (resource_call_t *call, const char *id)
{
    resource_owned_delete (call, &resource_contact_methods, id);
    if (call->reply->status != R5__STATUS__STATUS_OK)
        return;
    //  Rules that used it would notify nowhere: they go too.
    mongoc_collection_t *rules = resource_call_collection (call, "notification_rules");
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                               "user_id", BCON_UTF8 (call->principal->user_id), "contact_method_id", BCON_UTF8 (id));
    bson_error_t error;
    if (!mongoc_collection_delete_many (rules, filter, NULL, NULL, &error))
        resource_call_mongo_fail (call, &error, "rule cleanup");
    bson_destroy (filter);
    mongoc_collection_destroy (rules);
}

void
resource_contacts_on_create_rule (resource_call_t *call, const R5__CreateNotificationRuleRequest *request)
{
    if (request->delay_minutes < 0 || request->delay_minutes > 1440) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "delayMinutes must be 0 to 1440");
        return;
    }
    if (request->urgency > R5__URGENCY__URGENCY_LOW) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "urgency must be HIGH or LOW");
        return;
    }
    if (resource_owned_decide_create (call, &resource_notification_rules, NULL))
        return;
    //  The contact method must be one of the caller's own.
    bool own = false;
    if (resource_validate_id (request->contact_method_id)) {
        mongoc_collection_t *methods = resource_call_collection (call, "contact_methods");
        bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (request->contact_method_id),
                                   "account_id", BCON_UTF8 (call->principal->account_id),
                                   "user_id", BCON_UTF8 (call->principal->user_id));
        bson_error_t error;
        int64_t found = mongoc_collection_count_documents (methods, filter, NULL, NULL, NULL, &error);
        bson_destroy (filter);
        mongoc_collection_destroy (methods);
        if (found < 0) {
            resource_call_mongo_fail (call, &error, "contact method lookup");
            return;
        }
        own = found == 1;
    }
    if (!own) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "contactMethodId is not one of your contact methods");
        return;
    }
    char id [25];
    r5_mongo_new_id (id);
    bson_t *doc = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id),
                            "user_id", BCON_UTF8 (call->principal->user_id),
                            "contact_method_id", BCON_UTF8 (request->contact_method_id),
                            "delay_minutes", BCON_INT32 (request->delay_minutes),
                            "urgency", BCON_UTF8 (s_urgency_names [request->urgency]),
                            "created_at", BCON_DATE_TIME (r5_now_ms ()));
    resource_owned_insert (call, &resource_notification_rules, doc);
    bson_destroy (doc);
}
