/*  resource_types: r5-resource's type table — the eight types, indexed by
    ResourceType (designated initializers, as gateway_status.c does), and
    the list rules the owned types share. */
#include "resource_store.h"
#include "resource_contacts.h"
#include "resource_incidents.h"
#include "resource_oncall.h"
#include "resource_pending.h"
#include "resource_teams.h"
#include "resource_users.h"
#include "resource_validate.h"

#include <stddef.h>

//  The slot of a type's list in the reply's Objects.
#define S_OBJECTS(list) offsetof (R5__Objects, n_##list), offsetof (R5__Objects, list)
#define S_COUNT(array) (sizeof array / sizeof array [0])

//  A team-owned or one's own type's list may name a team.
static const char *
s_owned_list_check (const R5__ListObjectsRequest *request)
{
    return *request->team_id && !resource_validate_id (request->team_id) ? "teamId is not a valid id" : NULL;
}

//  One's own types: the only rule besides all is one's own.
static void
s_own_list_filter (resource_call_t *call, const R5__ListObjectsRequest *request, const R5__Visibility *visibility,
                   bson_t *filter)
{
    (void) request;
    if (!visibility->all)
        BSON_APPEND_UTF8 (filter, "user_id", visibility->own ? call->principal->user_id : "");
}

//  Team-owned types: the same, and the team asked for.
static void
s_team_list_filter (resource_call_t *call, const R5__ListObjectsRequest *request, const R5__Visibility *visibility,
                    bson_t *filter)
{
    s_own_list_filter (call, request, visibility, filter);
    if (*request->team_id)
        BSON_APPEND_UTF8 (filter, "team_id", request->team_id);
}

static const char *const s_user_keys [] = { "_id", "account_id", "email", "name", "role", NULL };
static const char *const s_team_keys [] = { "_id", "account_id", "name", NULL };
static const char *const s_incident_keys [] = { "_id", "account_id", "title", "status", "urgency", NULL };
static const char *const s_oncall_keys [] = { "_id", "account_id", "team_id", "name", NULL };
static const char *const s_integration_keys [] = { "_id", "account_id", "team_id", "name", "key_hint", NULL };
static const char *const s_method_keys [] = { "_id", "account_id", "user_id", "kind", "address", NULL };
static const char *const s_rule_keys [] = { "_id", "account_id", "user_id", "contact_method_id", NULL };

//  Indexes the _id-ending ones below replace (they served the filter, not
//  the page's sort).
static const char *const s_old_incident_indexes [] = { "account_status", "account_teams", "account_participants", NULL };
static const char *const s_old_team_indexes [] = { "account_team", NULL };
static const char *const s_old_own_indexes [] = { "account_user", NULL };

//  The fields every type owned by one team shares: its team_id names the
//  team, the caller's teams bound a list, and a create needs a live team.
#define S_TEAM_OWNED \
    .team_key = "team_id", .restrict_key = "team_id", .superseded = s_old_team_indexes, \
    .list_visibility = true, .list_check = s_owned_list_check, .list_filter = s_team_list_filter, \
    .deletable = true, .check_parent = resource_store_check_team

//  The fields every type owned by one user shares (contact methods,
//  notification rules): its user_id names the user, who alone lists it.
#define S_USER_OWNED \
    .owner_key = "user_id", \
    .indexes = resource_contacts_indexes, .n_indexes = S_COUNT (resource_contacts_indexes), \
    .superseded = s_old_own_indexes, \
    .list_visibility = true, .list_check = s_owned_list_check, .list_filter = s_own_list_filter, \
    .deletable = true

static const resource_type_t s_types [] = {
    [R5__RESOURCE_TYPE__RESOURCE_USERS] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_USERS, .collection = "users",
        .descriptor = &r5__user__descriptor, S_OBJECTS (users), .not_found = "no such user",
        .required = s_user_keys, .hidden = "password_hash", .role_fact = true,
        .duplicate = RESOURCE_EMAIL_TAKEN,
        //  Its indexes come with a legacy index to drop (resource_users_ensure_indexes).
    },
    [R5__RESOURCE_TYPE__RESOURCE_TEAMS] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_TEAMS, .collection = "teams",
        .descriptor = &r5__team__descriptor, S_OBJECTS (teams), .not_found = "no such team",
        .required = s_team_keys, .team_key = "_id", .restrict_key = "_id",
        .duplicate = "a team with this name already exists",
        .indexes = resource_teams_indexes, .n_indexes = S_COUNT (resource_teams_indexes),
        .deletable = true, .before_delete = resource_teams_before_delete,
        .after_delete = resource_teams_after_delete,
    },
    [R5__RESOURCE_TYPE__RESOURCE_INCIDENTS] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, .collection = "incidents",
        .descriptor = &r5__incident__descriptor, S_OBJECTS (incidents), .not_found = "no such incident",
        .required = s_incident_keys, .team_key = "team_history_ids", .participants_key = "participant_ids",
        .current_team_key = "team_ids", .restrict_key = "team_ids",
        .indexes = resource_incidents_indexes, .n_indexes = S_COUNT (resource_incidents_indexes),
        .superseded = s_old_incident_indexes,
        .newest_first = true, .list_visibility = true,
        .list_check = resource_incidents_list_check, .list_filter = resource_incidents_list_filter,
    },
    [R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES, .collection = "escalation_policies",
        .descriptor = &r5__escalation_policy__descriptor, S_OBJECTS (escalation_policies),
        .not_found = "no such escalation policy", .required = s_oncall_keys,
        .indexes = resource_oncall_team_indexes, .n_indexes = S_COUNT (resource_oncall_team_indexes),
        S_TEAM_OWNED,
    },
    [R5__RESOURCE_TYPE__RESOURCE_SCHEDULES] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, .collection = "schedules",
        .descriptor = &r5__schedule__descriptor, S_OBJECTS (schedules), .not_found = "no such schedule",
        .required = s_oncall_keys,
        .indexes = resource_oncall_team_indexes, .n_indexes = S_COUNT (resource_oncall_team_indexes),
        S_TEAM_OWNED,
    },
    [R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS, .collection = "integrations",
        .descriptor = &r5__integration__descriptor, S_OBJECTS (integrations), .not_found = "no such integration",
        .required = s_integration_keys,
        .indexes = resource_oncall_integration_indexes, .n_indexes = S_COUNT (resource_oncall_integration_indexes),
        S_TEAM_OWNED,
    },
    [R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, .collection = "contact_methods",
        .descriptor = &r5__contact_method__descriptor, S_OBJECTS (contact_methods),
        .not_found = "no such contact method", .required = s_method_keys,
        S_USER_OWNED, .before_delete = resource_contacts_before_delete_method,
    },
    [R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES] = {
        .type = R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, .collection = "notification_rules",
        .descriptor = &r5__notification_rule__descriptor, S_OBJECTS (notification_rules),
        .not_found = "no such notification rule", .required = s_rule_keys,
        S_USER_OWNED, .check_parent = resource_contacts_check_rule,
    },
};

const resource_type_t *
resource_type_of (R5__ResourceType type)
{
    if ((size_t) type >= S_COUNT (s_types) || !s_types [type].collection)
        return NULL;
    return &s_types [type];
}

int
resource_store_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    if (resource_users_ensure_indexes (mongo, error, error_size))
        return -1;
    //  Every type is created through resource_store_insert, which stores a
    //  create's idempotency key on the object: one object per key and user.
    static const r5_mongo_index_t s_idempotency [] = {
        { "idempotency_key", "{\"account_id\": 1, \"" RESOURCE_IDEMPOTENCY_KEY ".user_id\": 1, \""
          RESOURCE_IDEMPOTENCY_KEY ".key\": 1}", true,
          "{\"" RESOURCE_IDEMPOTENCY_KEY ".key\": {\"$exists\": true}}" },
    };
    //  Pending dependents, for the sweeper (only they have the key: a small index).
    static const r5_mongo_index_t s_pending [] = {
        { RESOURCE_PENDING_KEY, "{\"" RESOURCE_PENDING_KEY "\": 1}", false,
          "{\"" RESOURCE_PENDING_KEY "\": {\"$exists\": true}}" },
    };
    for (size_t i = 0; i < S_COUNT (s_types); i++) {
        if (!s_types [i].collection)
            continue;
        if (s_types [i].check_parent
        &&  r5_mongo_ensure_indexes (mongo, s_types [i].collection, s_pending, 1, error, error_size))
            return -1;
        for (const char *const *name = s_types [i].superseded; name && *name; name++)
            if (r5_mongo_drop_index (mongo, s_types [i].collection, *name, error, error_size))
                return -1;
        if ((s_types [i].n_indexes
             && r5_mongo_ensure_indexes (mongo, s_types [i].collection, s_types [i].indexes, s_types [i].n_indexes,
                                         error, error_size))
        ||  r5_mongo_ensure_indexes (mongo, s_types [i].collection, s_idempotency, 1, error, error_size))
            return -1;
    }
    //  Beside the table's types: what an incident holds, a document each.
    if (r5_mongo_ensure_indexes (mongo, "incident_notes", resource_incident_notes_indexes,
                                 S_COUNT (resource_incident_notes_indexes), error, error_size)
    ||  r5_mongo_ensure_indexes (mongo, "incident_history", resource_incident_history_indexes,
                                 S_COUNT (resource_incident_history_indexes), error, error_size))
        return -1;
    return 0;
}
