/*  gateway_resources: users, teams and incidents, resolved by calling
    r5-resource on behalf of the caller. r5-resource enforces every decision
    (it asks r5-authz), so these resolvers only translate: arguments into
    requests, replies into JSON, statuses into field errors (SCOPE_MISSING
    with extensions.requiredScope).

    Relations are batch resolvers: every parent of one level that selects a
    relation (the teams of 50 incidents) costs one GetObjects call, not one
    per parent. A mutation's payload holds the object it wrote as the reply
    carried it: its own fields need no further read; its relations are
    resolved by their own (read-checked) calls. */
#include "gateway_resources.h"
#include "gateway_resolvers.h"
#include "gateway_http.h"
#include "gateway_status.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/resource.pb-c.h"

#include <sodium.h>
#include <time.h>

//  Most ids in one GetObjects call (r5-resource's limit).
#define S_BATCH 100
//  Most ids a relation resolver collects for one level.
#define S_MAX_RELATED 2000

static const char *s_role_names [] = { NULL, "OWNER", "ADMINISTRATOR", "MEMBER" };
static const char *s_status_names [] = { NULL, "TRIGGERED", "ACKNOWLEDGED", "RESOLVED" };
static const char *s_urgency_names [] = { NULL, "HIGH", "LOW" };

//  =========================================================================
//  Conversions
//  =========================================================================

static json_t *
s_ids_json (char **ids, size_t count)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, json_string (ids [i]));
    return list;
}

static json_t *
s_user_json (const R5__User *user)
{
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "__typename", "User", "id", user->id,
                      "name", user->name, "email", user->email,
                      "role", user->role >= 1 && user->role <= 3 ? s_role_names [user->role] : "MEMBER",
                      "active", user->active, "createdAt", gateway_time_json (user->created_at_unix_ms));
}

static json_t *
s_team_json (const R5__Team *team)
{
    json_t *members = json_array ();
    for (size_t i = 0; i < team->n_members; i++)
        json_array_append_new (members, json_pack ("{s:s,s:s,s:b}", "__typename", "TeamMember",
                                                   "userId", team->members [i]->user_id,
                                                   "teamAdmin", team->members [i]->team_admin));
    return json_pack ("{s:s,s:s,s:s,s:s,s:o,s:o}", "__typename", "Team", "id", team->id, "name", team->name,
                      "description", team->description, "members", members,
                      "createdAt", gateway_time_json (team->created_at_unix_ms));
}

static json_t *
s_incident_json (const R5__Incident *incident)
{
    json_t *notes = json_array ();
    for (size_t i = 0; i < incident->n_notes; i++) {
        const R5__IncidentNote *note = incident->notes [i];
        json_array_append_new (notes, json_pack ("{s:s,s:s,s:s,s:o,s:s}", "__typename", "IncidentNote",
                                                 "id", note->id, "body", note->body,
                                                 "createdAt", gateway_time_json (note->created_at_unix_ms),
                                                 "authorId", note->author_id));
    }
    int status = incident->status >= 1 && incident->status <= 3 ? (int) incident->status : 1;
    int urgency = incident->urgency >= 1 && incident->urgency <= 2 ? (int) incident->urgency : 1;
    //  Relations travel as ids (not schema fields) for their own resolvers.
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s}",
                      "__typename", "Incident", "id", incident->id, "title", incident->title,
                      "description", incident->description, "status", s_status_names [status],
                      "urgency", s_urgency_names [urgency],
                      "createdAt", gateway_time_json (incident->created_at_unix_ms),
                      "acknowledgedAt", gateway_time_json (incident->acknowledged_at_unix_ms),
                      "resolvedAt", gateway_time_json (incident->resolved_at_unix_ms),
                      "notes", notes,
                      "teamIds", s_ids_json (incident->team_ids, incident->n_team_ids),
                      "userIds", s_ids_json (incident->user_ids, incident->n_user_ids),
                      "createdById", incident->created_by_id);
}

static const char *s_kind_names [] = { NULL, "EMAIL", "SMS", "PHONE", "PUSH" };

static json_t *
s_policy_json (const R5__EscalationPolicy *policy)
{
    json_t *steps = json_array ();
    for (size_t i = 0; i < policy->n_steps; i++) {
        json_t *targets = json_array ();
        for (size_t j = 0; j < policy->steps [i]->n_targets; j++) {
            const R5__EscalationTarget *target = policy->steps [i]->targets [j];
            bool schedule = target->kind == R5__TARGET_KIND__TARGET_KIND_SCHEDULE;
            //  The id under a kind-specific key too, for the user / schedule relations.
            json_array_append_new (targets, json_pack ("{s:s,s:s,s:s,s:s}", "__typename", "EscalationTarget",
                                                       "kind", schedule ? "SCHEDULE" : "USER", "id", target->id,
                                                       schedule ? "scheduleTargetId" : "userTargetId", target->id));
        }
        json_array_append_new (steps, json_pack ("{s:s,s:i,s:o}", "__typename", "EscalationStep",
                                                 "delayMinutes", (int) policy->steps [i]->delay_minutes,
                                                 "targets", targets));
    }
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "__typename", "EscalationPolicy", "id", policy->id,
                      "name", policy->name, "description", policy->description, "teamId", policy->team_id,
                      "steps", steps, "createdAt", gateway_time_json (policy->created_at_unix_ms));
}

static json_t *
s_schedule_json (const R5__Schedule *schedule)
{
    json_t *shifts = json_array (), *overrides = json_array ();
    for (size_t i = 0; i < schedule->n_shifts; i++)
        json_array_append_new (shifts, json_pack ("{s:s,s:s,s:o,s:o}", "__typename", "Shift",
                                                  "userId", schedule->shifts [i]->user_id,
                                                  "start", gateway_time_json (schedule->shifts [i]->start_unix_ms),
                                                  "end", gateway_time_json (schedule->shifts [i]->end_unix_ms)));
    for (size_t i = 0; i < schedule->n_overrides; i++) {
        const R5__ScheduleOverride *entry = schedule->overrides [i];
        json_array_append_new (overrides, json_pack ("{s:s,s:s,s:s,s:o,s:o,s:o}", "__typename", "ScheduleOverride",
                                                     "id", entry->id, "userId", entry->user_id,
                                                     "start", gateway_time_json (entry->start_unix_ms),
                                                     "end", gateway_time_json (entry->end_unix_ms),
                                                     "createdAt", gateway_time_json (entry->created_at_unix_ms)));
    }
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "__typename", "Schedule", "id", schedule->id,
                      "name", schedule->name, "description", schedule->description,
                      "timeZone", schedule->time_zone, "teamId", schedule->team_id, "shifts", shifts,
                      "overrides", overrides, "createdAt", gateway_time_json (schedule->created_at_unix_ms));
}

static json_t *
s_integration_json (const R5__Integration *integration)
{
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:o}", "__typename", "Integration", "id", integration->id,
                      "name", integration->name, "teamId", integration->team_id, "keyHint", integration->key_hint,
                      "createdAt", gateway_time_json (integration->created_at_unix_ms));
}

static json_t *
s_contact_method_json (const R5__ContactMethod *method)
{
    int kind = method->kind >= 1 && method->kind <= 4 ? (int) method->kind : 1;
    return json_pack ("{s:s,s:s,s:s,s:s,s:s,s:o}", "__typename", "ContactMethod", "id", method->id,
                      "kind", s_kind_names [kind], "address", method->address, "label", method->label,
                      "createdAt", gateway_time_json (method->created_at_unix_ms));
}

static json_t *
s_notification_rule_json (const R5__NotificationRule *rule)
{
    json_t *object = json_pack ("{s:s,s:s,s:s,s:i,s:o}", "__typename", "NotificationRule", "id", rule->id,
                                "contactMethodId", rule->contact_method_id, "delayMinutes", (int) rule->delay_minutes,
                                "createdAt", gateway_time_json (rule->created_at_unix_ms));
    json_object_set_new (object, "urgency", rule->urgency >= 1 && rule->urgency <= 2
                                            ? json_string (s_urgency_names [rule->urgency]) : json_null ());
    return object;
}

//  The objects of a reply as JSON, in reply order.
static json_t *
s_objects_json (const R5__Objects *objects)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < objects->n_users; i++)
        json_array_append_new (list, s_user_json (objects->users [i]));
    for (size_t i = 0; i < objects->n_teams; i++)
        json_array_append_new (list, s_team_json (objects->teams [i]));
    for (size_t i = 0; i < objects->n_incidents; i++)
        json_array_append_new (list, s_incident_json (objects->incidents [i]));
    for (size_t i = 0; i < objects->n_escalation_policies; i++)
        json_array_append_new (list, s_policy_json (objects->escalation_policies [i]));
    for (size_t i = 0; i < objects->n_schedules; i++)
        json_array_append_new (list, s_schedule_json (objects->schedules [i]));
    for (size_t i = 0; i < objects->n_integrations; i++)
        json_array_append_new (list, s_integration_json (objects->integrations [i]));
    for (size_t i = 0; i < objects->n_contact_methods; i++)
        json_array_append_new (list, s_contact_method_json (objects->contact_methods [i]));
    for (size_t i = 0; i < objects->n_notification_rules; i++)
        json_array_append_new (list, s_notification_rule_json (objects->notification_rules [i]));
    return list;
}

//  =========================================================================
//  Calls to r5-resource on behalf of the caller
//  =========================================================================

//  Copy an error to another parent (extensions are owned per error).
static void
s_error_copy (gql_field_error_t *to, const gql_field_error_t *from)
{
    *to = *from;
    to->extensions = from->extensions ? json_deep_copy (from->extensions) : NULL;
}

//  Call r5-resource; the reply when its status is OK, else NULL with error set.
static R5__ResourceReply *
s_call (gateway_request_t *context, R5__ResourceRequest *request, bool idempotent, gql_field_error_t *error)
{
    R5__ResourceReply *reply = (R5__ResourceReply *) gateway_call (context, R5_SERVICE_RESOURCE, &request->base,
                                                                   &request->meta, &r5__resource_reply__descriptor,
                                                                   idempotent, error);
    if (!reply)
        return NULL;
    if (reply->status != R5__STATUS__STATUS_OK) {
        gateway_field_error (error, reply->status, reply->message, reply->required_scope);
        r5__resource_reply__free_unpacked (reply, NULL);
        return NULL;
    }
    if (reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS && reply->body_case != R5__RESOURCE_REPLY__BODY_DELETED_ID
    &&  reply->body_case != R5__RESOURCE_REPLY__BODY_PREVIEW) {
        gql_field_error_set (error, "INTERNAL", "unexpected reply");
        r5__resource_reply__free_unpacked (reply, NULL);
        return NULL;
    }
    return reply;
}

//  Drop this gateway's cached verdicts of a user whose role, active flag or
//  memberships the caller just changed: the change must count from the next
//  request even before r5-resource's user.changed event arrives (other
//  gateways learn it from the event).
static void
s_forget_user (gateway_request_t *context, const char *user_id)
{
    if (user_id)
        gateway_cache_drop_user (context->gw->cache, user_id);
}

//  The index of name in names[1..count-1]; 0 when absent.
static int
s_enum (const char **names, int count, const char *name)
{
    for (int i = 1; name && i < count; i++)
        if (streq (names [i], name))
            return i;
    return 0;
}

//  =========================================================================
//  Query: one object, a page of objects
//  =========================================================================

static int
s_get_one (const gql_resolve_info_t *info, size_t count, json_t **results, gql_field_error_t *errors,
           R5__ResourceType type)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__GetObjectsRequest get = R5__GET_OBJECTS_REQUEST__INIT;
    char *ids [1] = { (char *) gateway_json_string (info->args, "id", NULL) };
    get.type = type;
    get.ids = ids;
    get.n_ids = ids [0] ? 1 : 0;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_OBJECTS;
    request.get_objects = &get;
    R5__ResourceReply *reply = s_call (info->context, &request, true, &errors [0]);
    if (!reply)
        goto failed;
    json_t *list = reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS ? s_objects_json (reply->objects) : json_array ();
    r5__resource_reply__free_unpacked (reply, NULL);
    json_t *object = json_array_size (list) == 1 ? json_incref (json_array_get (list, 0)) : NULL;
    json_decref (list);
    //  Missing, of another account, or not visible: all answer the same.
    if (!object) {
        gateway_field_error (&errors [0], R5__STATUS__STATUS_NOT_FOUND, NULL, R5__SCOPE__SCOPE_UNSPECIFIED);
        goto failed;
    }
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (object);
    json_decref (object);
    return 0;

failed:
    for (size_t i = 1; i < count; i++)
        s_error_copy (&errors [i], &errors [0]);
    return -1;
}

static int
s_list (const gql_resolve_info_t *info, size_t count, json_t **results, gql_field_error_t *errors,
        R5__ResourceType type)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__ListObjectsRequest list = R5__LIST_OBJECTS_REQUEST__INIT;
    json_t *first = json_object_get (info->args, "first");
    list.type = type;
    list.first = json_is_integer (first) ? (int32_t) json_integer_value (first) : 20;
    if (json_is_integer (first) && (json_integer_value (first) < 1 || json_integer_value (first) > 100)) {
        gql_field_error_set (&errors [0], "BAD_USER_INPUT", "first must be between 1 and 100");
        goto failed;
    }
    list.after = (char *) gateway_json_string (info->args, "after", "");
    list.status = s_enum (s_status_names, 4, gateway_json_string (info->args, "status", NULL));
    list.team_id = (char *) gateway_json_string (info->args, "teamId", "");
    request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS;
    request.list_objects = &list;
    R5__ResourceReply *reply = s_call (info->context, &request, true, &errors [0]);
    if (!reply)
        goto failed;
    json_t *nodes = reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS ? s_objects_json (reply->objects) : json_array ();
    json_t *edges = json_array ();
    size_t index;
    json_t *node;
    json_array_foreach (nodes, index, node)
        json_array_append_new (edges, json_pack ("{s:O,s:O}", "cursor", json_object_get (node, "id"), "node", node));
    bool has_next = reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS && reply->objects->has_next_page;
    const char *end = reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS ? reply->objects->end_cursor : "";
    json_t *connection = json_pack ("{s:o,s:o,s:{s:b,s:o}}", "nodes", nodes, "edges", edges, "pageInfo",
                                    "hasNextPage", has_next, "endCursor", end && *end ? json_string (end) : json_null ());
    r5__resource_reply__free_unpacked (reply, NULL);
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (connection);
    json_decref (connection);
    return 0;

failed:
    for (size_t i = 1; i < count; i++)
        s_error_copy (&errors [i], &errors [0]);
    return -1;
}

static int
s_query_user (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
              gql_field_error_t *errors)
{
    return s_get_one (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS);
}

static int
s_query_users (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    return s_list (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS);
}

static int
s_query_team (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
              gql_field_error_t *errors)
{
    return s_get_one (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_TEAMS);
}

static int
s_query_teams (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    return s_list (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_TEAMS);
}

static int
s_query_incident (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                  gql_field_error_t *errors)
{
    return s_get_one (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS);
}

static int
s_query_incidents (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    return s_list (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS);
}

#define S_QUERY_PAIR(one, many, type) \
static int \
one (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results, \
     gql_field_error_t *errors) \
{ \
    return s_get_one (info, count, results, errors, type); \
} \
static int \
many (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results, \
      gql_field_error_t *errors) \
{ \
    return s_list (info, count, results, errors, type); \
}

S_QUERY_PAIR (s_query_policy, s_query_policies, R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES)
S_QUERY_PAIR (s_query_schedule, s_query_schedules, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES)
S_QUERY_PAIR (s_query_integration, s_query_integrations, R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS)

static int
s_query_contact_methods (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                         gql_field_error_t *errors)
{
    return s_list (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS);
}

static int
s_query_notification_rules (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                            gql_field_error_t *errors)
{
    return s_list (info, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES);
}

//  =========================================================================
//  Relations, batched: one GetObjects call (per 100 ids) for a whole level
//  =========================================================================

//  Resolve, for every parent, the objects whose ids are in its property key
//  (a list of ids, or one id when single). Objects that cannot be read one by
//  one (gone, invisible) are left out of lists and null for single ones; a
//  refusal of the whole call (SCOPE_MISSING) is every parent's error.
static int
s_related (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
           gql_field_error_t *errors, R5__ResourceType type, const char *key, bool single)
{
    char **ids = calloc (S_MAX_RELATED, sizeof (char *));
    size_t n_ids = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *value = json_object_get (parents [i], key);
        json_t *one = single ? value : NULL;
        size_t index = 0, size = single ? 1 : json_array_size (value);
        for (index = 0; index < size; index++) {
            json_t *item = single ? one : json_array_get (value, index);
            const char *id = json_is_string (item) ? json_string_value (item) : NULL;
            if (!id || !*id)
                continue;
            bool seen = false;
            for (size_t j = 0; j < n_ids && !seen; j++)
                seen = streq (ids [j], id);
            if (!seen && n_ids < S_MAX_RELATED)
                ids [n_ids++] = (char *) id;
        }
    }
    json_t *by_id = json_object ();
    gql_field_error_t failure = { 0 };
    bool failed = false;
    for (size_t start = 0; start < n_ids && !failed; start += S_BATCH) {
        R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
        R5__GetObjectsRequest get = R5__GET_OBJECTS_REQUEST__INIT;
        get.type = type;
        get.ids = ids + start;
        get.n_ids = n_ids - start < S_BATCH ? n_ids - start : S_BATCH;
        request.body_case = R5__RESOURCE_REQUEST__BODY_GET_OBJECTS;
        request.get_objects = &get;
        R5__ResourceReply *reply = s_call (info->context, &request, true, &failure);
        if (!reply) {
            failed = true;
            break;
        }
        json_t *list = reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS ? s_objects_json (reply->objects)
                                                                          : json_array ();
        r5__resource_reply__free_unpacked (reply, NULL);
        size_t index;
        json_t *object;
        json_array_foreach (list, index, object)
            json_object_set (by_id, json_string_value (json_object_get (object, "id")), object);
        json_decref (list);
    }
    for (size_t i = 0; i < count; i++) {
        json_t *value = json_object_get (parents [i], key);
        //  A parent that names nothing asked for nothing: no error for it.
        bool names = single ? json_is_string (value) && *json_string_value (value) : json_array_size (value) > 0;
        if (failed && names) {
            s_error_copy (&errors [i], &failure);
            continue;
        }
        if (single) {
            json_t *object = json_is_string (value) ? json_object_get (by_id, json_string_value (value)) : NULL;
            results [i] = object ? json_incref (object) : json_null ();
            continue;
        }
        json_t *list = json_array ();
        size_t index;
        json_t *item;
        json_array_foreach (value, index, item) {
            json_t *object = json_is_string (item) ? json_object_get (by_id, json_string_value (item)) : NULL;
            if (object)
                json_array_append (list, object);
        }
        results [i] = list;
    }
    json_decref (failure.extensions);
    json_decref (by_id);
    free (ids);
    return 0;
}

static int
s_member_user (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    return s_related (info, parents, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS, "userId", true);
}

static int
s_incident_teams (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                  gql_field_error_t *errors)
{
    return s_related (info, parents, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_TEAMS, "teamIds", false);
}

static int
s_incident_assignees (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                      gql_field_error_t *errors)
{
    return s_related (info, parents, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS, "userIds", false);
}

static int
s_incident_created_by (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                       gql_field_error_t *errors)
{
    return s_related (info, parents, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS, "createdById", true);
}

static int
s_note_author (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    return s_related (info, parents, count, results, errors, R5__RESOURCE_TYPE__RESOURCE_USERS, "authorId", true);
}

#define S_RELATION(name, type, key, single) \
static int \
name (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results, \
      gql_field_error_t *errors) \
{ \
    return s_related (info, parents, count, results, errors, type, key, single); \
}

S_RELATION (s_owning_team, R5__RESOURCE_TYPE__RESOURCE_TEAMS, "teamId", true)
S_RELATION (s_target_user, R5__RESOURCE_TYPE__RESOURCE_USERS, "userTargetId", true)
S_RELATION (s_target_schedule, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, "scheduleTargetId", true)
S_RELATION (s_shift_user, R5__RESOURCE_TYPE__RESOURCE_USERS, "userId", true)
S_RELATION (s_rule_contact_method, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, "contactMethodId", true)

//  =========================================================================
//  Mutations
//  =========================================================================

//  Send a mutation; results[0] becomes {key: the object written}. Writes are
//  never retried blindly (a retry could apply twice).
static int
s_mutate (const gql_resolve_info_t *info, json_t **results, gql_field_error_t *errors,
          R5__ResourceRequest *request, const char *key, bool idempotent)
{
    R5__ResourceReply *reply = s_call (info->context, request, idempotent, &errors [0]);
    if (!reply)
        return -1;
    if (reply->body_case == R5__RESOURCE_REPLY__BODY_DELETED_ID)
        results [0] = json_pack ("{s:s}", "deletedId", reply->deleted_id);
    else {
        json_t *list = s_objects_json (reply->objects);
        if (json_array_size (list) == 1)
            results [0] = json_pack ("{s:O}", key, json_array_get (list, 0));
        json_decref (list);
    }
    r5__resource_reply__free_unpacked (reply, NULL);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

//  The strings of a JSON list into ids (borrowed), at most max.
static int
s_id_list (json_t *list, char **ids, size_t max, size_t *count, const char *field, gql_field_error_t *error)
{
    *count = 0;
    if (json_array_size (list) > max)
        return gql_field_error_set (error, "BAD_USER_INPUT", "%s names too many objects (at most %zu)", field, max);
    size_t index;
    json_t *item;
    json_array_foreach (list, index, item)
        if (json_is_string (item))
            ids [(*count)++] = (char *) json_string_value (item);
    return 0;
}

static int
s_create_user (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateUserRequest create = R5__CREATE_USER_REQUEST__INIT;
    create.email = (char *) gateway_json_string (input, "email", NULL);
    create.name = (char *) gateway_json_string (input, "name", NULL);
    create.password = (char *) gateway_json_string (input, "password", NULL);
    create.role = s_enum (s_role_names, 4, gateway_json_string (input, "role", NULL));
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_USER;
    request.create_user = &create;
    return s_mutate (info, results, errors, &request, "user", false);
}

static int
s_update_user_role (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                    gql_field_error_t *errors)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateUserRoleRequest update = R5__UPDATE_USER_ROLE_REQUEST__INIT;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    update.role = s_enum (s_role_names, 4, gateway_json_string (json_object_get (info->args, "input"), "role", NULL));
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE;
    request.update_user_role = &update;
    //  Setting the same role twice is harmless.
    int rc = s_mutate (info, results, errors, &request, "user", true);
    if (rc == 0)
        s_forget_user (info->context, update.id);
    return rc;
}

static int
s_set_active (const gql_resolve_info_t *info, json_t **results, gql_field_error_t *errors, bool active)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__SetUserActiveRequest set = R5__SET_USER_ACTIVE_REQUEST__INIT;
    set.id = (char *) gateway_json_string (info->args, "id", NULL);
    set.active = active;
    request.body_case = R5__RESOURCE_REQUEST__BODY_SET_USER_ACTIVE;
    request.set_user_active = &set;
    int rc = s_mutate (info, results, errors, &request, "user", true);
    if (rc == 0)
        s_forget_user (info->context, set.id);
    return rc;
}

static int
s_deactivate_user (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    return s_set_active (info, results, errors, false);
}

static int
s_reactivate_user (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    return s_set_active (info, results, errors, true);
}

static int
s_create_team (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateTeamRequest create = R5__CREATE_TEAM_REQUEST__INIT;
    create.name = (char *) gateway_json_string (input, "name", NULL);
    create.description = (char *) gateway_json_string (input, "description", "");
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_TEAM;
    request.create_team = &create;
    return s_mutate (info, results, errors, &request, "team", false);
}

static int
s_update_team (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateTeamRequest update = R5__UPDATE_TEAM_REQUEST__INIT;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    if (gateway_json_string (input, "name", NULL)) {
        update.name_present_case = R5__UPDATE_TEAM_REQUEST__NAME_PRESENT_NAME;
        update.name = (char *) gateway_json_string (input, "name", NULL);
    }
    if (gateway_json_string (input, "description", NULL)) {
        update.description_present_case = R5__UPDATE_TEAM_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
        update.description = (char *) gateway_json_string (input, "description", NULL);
    }
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_TEAM;
    request.update_team = &update;
    return s_mutate (info, results, errors, &request, "team", true);
}

static int
s_delete_team (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__DeleteObjectRequest delete_ = R5__DELETE_OBJECT_REQUEST__INIT;
    delete_.type = R5__RESOURCE_TYPE__RESOURCE_TEAMS;
    delete_.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete_;
    return s_mutate (info, results, errors, &request, "deletedId", false);
}

static int
s_team_member (const gql_resolve_info_t *info, json_t **results, gql_field_error_t *errors, bool add)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__TeamMemberRequest member = R5__TEAM_MEMBER_REQUEST__INIT;
    member.team_id = (char *) gateway_json_string (input, "teamId", NULL);
    member.user_id = (char *) gateway_json_string (input, "userId", NULL);
    member.team_admin = json_is_true (json_object_get (input, "teamAdmin"));
    if (add) {
        request.body_case = R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER;
        request.add_team_member = &member;
    }
    else {
        request.body_case = R5__RESOURCE_REQUEST__BODY_REMOVE_TEAM_MEMBER;
        request.remove_team_member = &member;
    }
    //  Adding again changes nothing (safe to retry); removing again answers "not a member".
    int rc = s_mutate (info, results, errors, &request, "team", add);
    if (rc == 0)
        s_forget_user (info->context, member.user_id);
    return rc;
}

static int
s_add_team_member (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    return s_team_member (info, results, errors, true);
}

static int
s_remove_team_member (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                      gql_field_error_t *errors)
{
    return s_team_member (info, results, errors, false);
}

#define S_MAX_ASSIGNED 64

static int
s_create_incident (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateIncidentRequest create = R5__CREATE_INCIDENT_REQUEST__INIT;
    char *teams [S_MAX_ASSIGNED], *users [S_MAX_ASSIGNED];
    if (s_id_list (json_object_get (input, "teamIds"), teams, S_MAX_ASSIGNED, &create.n_team_ids, "teamIds", &errors [0])
    ||  s_id_list (json_object_get (input, "userIds"), users, S_MAX_ASSIGNED, &create.n_user_ids, "userIds", &errors [0]))
        return -1;
    create.team_ids = teams;
    create.user_ids = users;
    create.title = (char *) gateway_json_string (input, "title", NULL);
    create.description = (char *) gateway_json_string (input, "description", "");
    create.urgency = s_enum (s_urgency_names, 3, gateway_json_string (input, "urgency", NULL));
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_INCIDENT;
    request.create_incident = &create;
    return s_mutate (info, results, errors, &request, "incident", false);
}

static int
s_transition (const gql_resolve_info_t *info, json_t **results, gql_field_error_t *errors, R5__IncidentStatus to)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__IncidentTransitionRequest transition = R5__INCIDENT_TRANSITION_REQUEST__INIT;
    transition.id = (char *) gateway_json_string (info->args, "id", NULL);
    transition.to = to;
    request.body_case = R5__RESOURCE_REQUEST__BODY_INCIDENT_TRANSITION;
    request.incident_transition = &transition;
    //  Not retried: a second acknowledge would answer "already acknowledged".
    return s_mutate (info, results, errors, &request, "incident", false);
}

static int
s_acknowledge_incident (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                        gql_field_error_t *errors)
{
    return s_transition (info, results, errors, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
}

static int
s_resolve_incident (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                    gql_field_error_t *errors)
{
    return s_transition (info, results, errors, R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED);
}

static int
s_reassign_incident (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                     gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__ReassignIncidentRequest reassign = R5__REASSIGN_INCIDENT_REQUEST__INIT;
    char *teams [S_MAX_ASSIGNED], *users [S_MAX_ASSIGNED];
    if (s_id_list (json_object_get (input, "teamIds"), teams, S_MAX_ASSIGNED, &reassign.n_team_ids, "teamIds", &errors [0])
    ||  s_id_list (json_object_get (input, "userIds"), users, S_MAX_ASSIGNED, &reassign.n_user_ids, "userIds", &errors [0]))
        return -1;
    reassign.team_ids = teams;
    reassign.user_ids = users;
    reassign.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__RESOURCE_REQUEST__BODY_REASSIGN_INCIDENT;
    request.reassign_incident = &reassign;
    return s_mutate (info, results, errors, &request, "incident", false);
}

static int
s_add_incident_note (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                     gql_field_error_t *errors)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__AddIncidentNoteRequest note = R5__ADD_INCIDENT_NOTE_REQUEST__INIT;
    note.id = (char *) gateway_json_string (info->args, "id", NULL);
    note.body = (char *) gateway_json_string (json_object_get (info->args, "input"), "body", NULL);
    request.body_case = R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE;
    request.add_incident_note = &note;
    return s_mutate (info, results, errors, &request, "incident", false);
}

//  Read the time at key of object, or fail the field with BAD_USER_INPUT.
static int
s_time_arg (json_t *object, const char *key, int64_t *unix_ms, gql_field_error_t *error)
{
    if (r5_time_parse (gateway_json_string (object, key, NULL), unix_ms))
        return gql_field_error_set (error, "BAD_USER_INPUT", "%s is not an RFC 3339 date-time", key);
    return 0;
}

#define S_MAX_STEPS_IN 20
#define S_MAX_TARGETS_IN 10
#define S_MAX_SHIFTS_IN 200

//  Steps of an escalation policy input, in caller-provided storage.
typedef struct {
    R5__EscalationStep steps [S_MAX_STEPS_IN];
    R5__EscalationStep *step_pointers [S_MAX_STEPS_IN];
    R5__EscalationTarget targets [S_MAX_STEPS_IN][S_MAX_TARGETS_IN];
    R5__EscalationTarget *target_pointers [S_MAX_STEPS_IN][S_MAX_TARGETS_IN];
    size_t count;
} s_steps_t;

static int
s_steps_from_json (json_t *list, s_steps_t *out, gql_field_error_t *error)
{
    out->count = 0;
    if (json_array_size (list) > S_MAX_STEPS_IN)
        return gql_field_error_set (error, "BAD_USER_INPUT", "steps must hold 1 to 20 steps");
    size_t index;
    json_t *item;
    json_array_foreach (list, index, item) {
        R5__EscalationStep *step = &out->steps [out->count];
        r5__escalation_step__init (step);
        json_t *delay = json_object_get (item, "delayMinutes");
        step->delay_minutes = json_is_integer (delay) ? (int32_t) json_integer_value (delay) : 0;
        json_t *targets = json_object_get (item, "targets");
        if (json_array_size (targets) > S_MAX_TARGETS_IN)
            return gql_field_error_set (error, "BAD_USER_INPUT", "each step needs 1 to 10 targets");
        size_t j;
        json_t *target;
        json_array_foreach (targets, j, target) {
            R5__EscalationTarget *entry = &out->targets [out->count][step->n_targets];
            r5__escalation_target__init (entry);
            const char *kind = gateway_json_string (target, "kind", NULL);
            entry->kind = kind && streq (kind, "SCHEDULE") ? R5__TARGET_KIND__TARGET_KIND_SCHEDULE
                                                           : R5__TARGET_KIND__TARGET_KIND_USER;
            entry->id = (char *) gateway_json_string (target, "id", "");
            out->target_pointers [out->count][step->n_targets++] = entry;
        }
        step->targets = out->target_pointers [out->count];
        out->step_pointers [out->count++] = step;
    }
    return 0;
}

typedef struct {
    R5__Shift shifts [S_MAX_SHIFTS_IN];
    R5__Shift *pointers [S_MAX_SHIFTS_IN];
    size_t count;
} s_shifts_t;

static int
s_shifts_from_json (json_t *list, s_shifts_t *out, gql_field_error_t *error)
{
    out->count = 0;
    if (json_array_size (list) > S_MAX_SHIFTS_IN)
        return gql_field_error_set (error, "BAD_USER_INPUT", "a schedule has at most 200 shifts");
    size_t index;
    json_t *item;
    json_array_foreach (list, index, item) {
        R5__Shift *shift = &out->shifts [out->count];
        r5__shift__init (shift);
        shift->user_id = (char *) gateway_json_string (item, "userId", "");
        if (s_time_arg (item, "start", &shift->start_unix_ms, error) || s_time_arg (item, "end", &shift->end_unix_ms, error))
            return -1;
        out->pointers [out->count++] = shift;
    }
    return 0;
}

static int
s_create_policy (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                 gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateEscalationPolicyRequest create = R5__CREATE_ESCALATION_POLICY_REQUEST__INIT;
    s_steps_t *steps = malloc (sizeof *steps);
    int rc = s_steps_from_json (json_object_get (input, "steps"), steps, &errors [0]);
    if (rc == 0) {
        create.team_id = (char *) gateway_json_string (input, "teamId", NULL);
        create.name = (char *) gateway_json_string (input, "name", NULL);
        create.description = (char *) gateway_json_string (input, "description", "");
        create.steps = steps->step_pointers;
        create.n_steps = steps->count;
        request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_ESCALATION_POLICY;
        request.create_escalation_policy = &create;
        rc = s_mutate (info, results, errors, &request, "escalationPolicy", false);
    }
    free (steps);
    return rc;
}

static int
s_update_policy (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                 gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateEscalationPolicyRequest update = R5__UPDATE_ESCALATION_POLICY_REQUEST__INIT;
    s_steps_t *steps = malloc (sizeof *steps);
    int rc = 0;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    if (gateway_json_string (input, "name", NULL)) {
        update.name_present_case = R5__UPDATE_ESCALATION_POLICY_REQUEST__NAME_PRESENT_NAME;
        update.name = (char *) gateway_json_string (input, "name", NULL);
    }
    if (gateway_json_string (input, "description", NULL)) {
        update.description_present_case = R5__UPDATE_ESCALATION_POLICY_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
        update.description = (char *) gateway_json_string (input, "description", NULL);
    }
    if (json_is_array (json_object_get (input, "steps"))) {
        rc = s_steps_from_json (json_object_get (input, "steps"), steps, &errors [0]);
        update.set_steps = true;
        update.steps = steps->step_pointers;
        update.n_steps = steps->count;
    }
    if (rc == 0) {
        request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_ESCALATION_POLICY;
        request.update_escalation_policy = &update;
        rc = s_mutate (info, results, errors, &request, "escalationPolicy", true);
    }
    free (steps);
    return rc;
}

static int
s_delete_typed (const gql_resolve_info_t *info, json_t **results, gql_field_error_t *errors, R5__ResourceType type)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__DeleteObjectRequest delete_ = R5__DELETE_OBJECT_REQUEST__INIT;
    delete_.type = type;
    delete_.id = (char *) gateway_json_string (info->args, "id", NULL);
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete_;
    return s_mutate (info, results, errors, &request, "deletedId", false);
}

#define S_DELETE(name, type) \
static int \
name (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results, \
      gql_field_error_t *errors) \
{ \
    return s_delete_typed (info, results, errors, type); \
}

S_DELETE (s_delete_policy, R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES)
S_DELETE (s_delete_schedule, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES)
S_DELETE (s_delete_integration, R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS)
S_DELETE (s_delete_contact_method, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS)
S_DELETE (s_delete_notification_rule, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES)

static int
s_create_schedule (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleRequest create = R5__CREATE_SCHEDULE_REQUEST__INIT;
    s_shifts_t *shifts = malloc (sizeof *shifts);
    int rc = s_shifts_from_json (json_object_get (input, "shifts"), shifts, &errors [0]);
    if (rc == 0) {
        create.team_id = (char *) gateway_json_string (input, "teamId", NULL);
        create.name = (char *) gateway_json_string (input, "name", NULL);
        create.description = (char *) gateway_json_string (input, "description", "");
        create.time_zone = (char *) gateway_json_string (input, "timeZone", "");
        create.shifts = shifts->pointers;
        create.n_shifts = shifts->count;
        request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE;
        request.create_schedule = &create;
        rc = s_mutate (info, results, errors, &request, "schedule", false);
    }
    free (shifts);
    return rc;
}

static int
s_update_schedule (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateScheduleRequest update = R5__UPDATE_SCHEDULE_REQUEST__INIT;
    s_shifts_t *shifts = malloc (sizeof *shifts);
    int rc = 0;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    if (gateway_json_string (input, "name", NULL)) {
        update.name_present_case = R5__UPDATE_SCHEDULE_REQUEST__NAME_PRESENT_NAME;
        update.name = (char *) gateway_json_string (input, "name", NULL);
    }
    if (gateway_json_string (input, "description", NULL)) {
        update.description_present_case = R5__UPDATE_SCHEDULE_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
        update.description = (char *) gateway_json_string (input, "description", NULL);
    }
    if (gateway_json_string (input, "timeZone", NULL)) {
        update.time_zone_present_case = R5__UPDATE_SCHEDULE_REQUEST__TIME_ZONE_PRESENT_TIME_ZONE;
        update.time_zone = (char *) gateway_json_string (input, "timeZone", NULL);
    }
    if (json_is_array (json_object_get (input, "shifts"))) {
        rc = s_shifts_from_json (json_object_get (input, "shifts"), shifts, &errors [0]);
        update.set_shifts = true;
        update.shifts = shifts->pointers;
        update.n_shifts = shifts->count;
    }
    if (rc == 0) {
        request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_SCHEDULE;
        request.update_schedule = &update;
        rc = s_mutate (info, results, errors, &request, "schedule", true);
    }
    free (shifts);
    return rc;
}

static int
s_create_override (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                   gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleOverrideRequest create = R5__CREATE_SCHEDULE_OVERRIDE_REQUEST__INIT;
    create.schedule_id = (char *) gateway_json_string (input, "scheduleId", NULL);
    create.user_id = (char *) gateway_json_string (input, "userId", NULL);
    if (s_time_arg (input, "start", &create.start_unix_ms, &errors [0])
    ||  s_time_arg (input, "end", &create.end_unix_ms, &errors [0]))
        return -1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE;
    request.create_schedule_override = &create;
    return s_mutate (info, results, errors, &request, "schedule", false);
}

static int
s_create_integration (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                      gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateIntegrationRequest create = R5__CREATE_INTEGRATION_REQUEST__INIT;
    create.team_id = (char *) gateway_json_string (input, "teamId", NULL);
    create.name = (char *) gateway_json_string (input, "name", NULL);
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_INTEGRATION;
    request.create_integration = &create;
    //  Never retried: a retry would make a second integration with another key.
    R5__ResourceReply *reply = s_call (info->context, &request, false, &errors [0]);
    if (!reply)
        return -1;
    if (reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS && reply->objects->n_integrations == 1) {
        R5__Integration *integration = reply->objects->integrations [0];
        results [0] = json_pack ("{s:o,s:s}", "integration", s_integration_json (integration), "key", integration->key);
        sodium_memzero (integration->key, strlen (integration->key));
    }
    r5__resource_reply__free_unpacked (reply, NULL);
    return results [0] ? 0 : gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
}

static int
s_update_integration (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                      gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateIntegrationRequest update = R5__UPDATE_INTEGRATION_REQUEST__INIT;
    update.id = (char *) gateway_json_string (info->args, "id", NULL);
    if (gateway_json_string (input, "name", NULL)) {
        update.name_present_case = R5__UPDATE_INTEGRATION_REQUEST__NAME_PRESENT_NAME;
        update.name = (char *) gateway_json_string (input, "name", NULL);
    }
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_INTEGRATION;
    request.update_integration = &update;
    return s_mutate (info, results, errors, &request, "integration", true);
}

static int
s_create_contact_method (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                         gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateContactMethodRequest create = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    create.kind = s_enum (s_kind_names, 5, gateway_json_string (input, "kind", NULL));
    create.address = (char *) gateway_json_string (input, "address", NULL);
    create.label = (char *) gateway_json_string (input, "label", "");
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &create;
    return s_mutate (info, results, errors, &request, "contactMethod", false);
}

static int
s_create_notification_rule (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                            gql_field_error_t *errors)
{
    json_t *input = json_object_get (info->args, "input");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateNotificationRuleRequest create = R5__CREATE_NOTIFICATION_RULE_REQUEST__INIT;
    json_t *delay = json_object_get (input, "delayMinutes");
    create.contact_method_id = (char *) gateway_json_string (input, "contactMethodId", NULL);
    create.delay_minutes = json_is_integer (delay) ? (int32_t) json_integer_value (delay) : 0;
    create.urgency = s_enum (s_urgency_names, 3, gateway_json_string (input, "urgency", NULL));
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE;
    request.create_notification_rule = &create;
    return s_mutate (info, results, errors, &request, "notificationRule", false);
}

//  =========================================================================
//  Table
//  =========================================================================

//  Viewer.effectivePermissions: r5-resource asks r5-authz, with the caller's
//  live facts, what a token with these scopes could do. Viewer has one parent.
static int
s_effective_permissions (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                         json_t **results, gql_field_error_t *errors)
{
    R5__Scope scopes [64];
    size_t scope_count = 0;
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (info->args, "scopes"), index, item) {
        if (scope_count == 64)
            return gql_field_error_set (&errors [0], "BAD_USER_INPUT", "too many scopes");
        R5__Scope scope = r5_scope_from_name (json_string_value (item), json_string_length (item));
        if (scope == R5__SCOPE__SCOPE_UNSPECIFIED)
            return gql_field_error_set (&errors [0], "BAD_USER_INPUT", "unknown scope");
        scopes [scope_count++] = scope;
    }
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__PreviewPermissionsRequest preview = R5__PREVIEW_PERMISSIONS_REQUEST__INIT;
    preview.scopes = scopes;
    preview.n_scopes = scope_count;
    request.body_case = R5__RESOURCE_REQUEST__BODY_PREVIEW_PERMISSIONS;
    request.preview_permissions = &preview;
    R5__ResourceReply *reply = s_call (info->context, &request, true, &errors [0]);
    if (!reply)
        return -1;
    json_t *list = json_array ();
    for (size_t i = 0; reply->body_case == R5__RESOURCE_REPLY__BODY_PREVIEW && i < reply->preview->n_scopes; i++) {
        const R5__ScopePreview *entry = reply->preview->scopes [i];
        json_array_append_new (list, json_pack ("{s:s,s:b,s:s}", "scope", r5_scope_name (entry->scope),
                                                "allowed", entry->allowed, "summary", entry->summary));
    }
    r5__resource_reply__free_unpacked (reply, NULL);
    for (size_t i = 0; i < count; i++)
        results [i] = json_incref (list);
    json_decref (list);
    return 0;
}

static const gql_resolver_entry_t s_resolvers [] = {
    { "Query.user", s_query_user, NULL },
    { "Query.users", s_query_users, NULL },
    { "Query.team", s_query_team, NULL },
    { "Query.teams", s_query_teams, NULL },
    { "Query.incident", s_query_incident, NULL },
    { "Query.incidents", s_query_incidents, NULL },
    { "TeamMember.user", s_member_user, NULL },
    { "Incident.teams", s_incident_teams, NULL },
    { "Incident.assignees", s_incident_assignees, NULL },
    { "Incident.createdBy", s_incident_created_by, NULL },
    { "IncidentNote.author", s_note_author, NULL },
    { "Mutation.createUser", s_create_user, NULL },
    { "Mutation.updateUserRole", s_update_user_role, NULL },
    { "Mutation.deactivateUser", s_deactivate_user, NULL },
    { "Mutation.reactivateUser", s_reactivate_user, NULL },
    { "Mutation.createTeam", s_create_team, NULL },
    { "Mutation.updateTeam", s_update_team, NULL },
    { "Mutation.deleteTeam", s_delete_team, NULL },
    { "Mutation.addTeamMember", s_add_team_member, NULL },
    { "Mutation.removeTeamMember", s_remove_team_member, NULL },
    { "Mutation.createIncident", s_create_incident, NULL },
    { "Mutation.acknowledgeIncident", s_acknowledge_incident, NULL },
    { "Mutation.resolveIncident", s_resolve_incident, NULL },
    { "Mutation.reassignIncident", s_reassign_incident, NULL },
    { "Mutation.addIncidentNote", s_add_incident_note, NULL },
    { "Query.escalationPolicy", s_query_policy, NULL },
    { "Query.escalationPolicies", s_query_policies, NULL },
    { "Query.schedule", s_query_schedule, NULL },
    { "Query.schedules", s_query_schedules, NULL },
    { "Query.integration", s_query_integration, NULL },
    { "Query.integrations", s_query_integrations, NULL },
    { "Query.contactMethods", s_query_contact_methods, NULL },
    { "Query.notificationRules", s_query_notification_rules, NULL },
    { "EscalationPolicy.team", s_owning_team, NULL },
    { "Schedule.team", s_owning_team, NULL },
    { "Integration.team", s_owning_team, NULL },
    { "EscalationTarget.user", s_target_user, NULL },
    { "EscalationTarget.schedule", s_target_schedule, NULL },
    { "Shift.user", s_shift_user, NULL },
    { "ScheduleOverride.user", s_shift_user, NULL },
    { "NotificationRule.contactMethod", s_rule_contact_method, NULL },
    { "Mutation.createEscalationPolicy", s_create_policy, NULL },
    { "Mutation.updateEscalationPolicy", s_update_policy, NULL },
    { "Mutation.deleteEscalationPolicy", s_delete_policy, NULL },
    { "Mutation.createSchedule", s_create_schedule, NULL },
    { "Mutation.updateSchedule", s_update_schedule, NULL },
    { "Mutation.deleteSchedule", s_delete_schedule, NULL },
    { "Mutation.createScheduleOverride", s_create_override, NULL },
    { "Mutation.createIntegration", s_create_integration, NULL },
    { "Mutation.updateIntegration", s_update_integration, NULL },
    { "Mutation.deleteIntegration", s_delete_integration, NULL },
    { "Mutation.createContactMethod", s_create_contact_method, NULL },
    { "Mutation.deleteContactMethod", s_delete_contact_method, NULL },
    { "Mutation.createNotificationRule", s_create_notification_rule, NULL },
    { "Mutation.deleteNotificationRule", s_delete_notification_rule, NULL },
    { "Viewer.effectivePermissions", s_effective_permissions, NULL },
    { NULL, NULL, NULL }
};

const gql_resolver_entry_t *
gateway_resources_resolvers (size_t *count)
{
    *count = 0;
    while (s_resolvers [*count].name)
        (*count)++;
    return s_resolvers;
}
