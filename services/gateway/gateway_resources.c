/*  gateway_resources: users, teams, incidents and the on-call setup, resolved
    by calling r5-resource on behalf of the caller.

    Four generic resolvers serve every field, each driven by its row of the
    tables at the end of this file (given to it as info->data):
    - s_get: one object by id; missing, invisible and other accounts' ids all
      answer NOT_FOUND;
    - s_list: a page of objects as a connection;
    - s_related: a relation whose ids the parent carries (teamIds, userId ...):
      every parent of one level costs one GetObjects call per 100 ids, not
      one per parent;
    - s_mutate: a request body built from the arguments by gateway_codec, and
      a payload holding the object written as the reply carried it (its own
      fields need no further read; its relations are resolved by their own,
      read-checked calls).
    Replies become JSON through gateway_codec. Only the viewer and
    effectivePermissions are written by hand. */
#include "gateway_resources.h"
#include "gateway_call.h"
#include "gateway_codec.h"
#include "gateway_node.h"
#include "r5_alloc.h"
#include "r5_codec_names.h"
#include "r5_rpc.h"
#include "r5/resource.pb-c.h"

#include <assert.h>
#include <sodium.h>

//  Most ids in one GetObjects call (r5-resource's limit).
#define S_BATCH 100
//  Most ids a relation resolver collects for one level.
#define S_MAX_RELATED 2000

//  =========================================================================
//  Calls to r5-resource on behalf of the caller
//  =========================================================================

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

//  The objects of a reply (every repeated message field of Objects; a reply
//  fills one), in reply order, into items (up to size). Returns how many
//  there are, which may be more than size.
static size_t
s_objects (const R5__ResourceReply *reply, ProtobufCMessage **items, size_t size)
{
    if (reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS)
        return 0;
    const ProtobufCMessageDescriptor *descriptor = reply->objects->base.descriptor;
    const char *base = (const char *) reply->objects;
    size_t total = 0;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (field->label != PROTOBUF_C_LABEL_REPEATED || field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t count = *(const size_t *) (base + field->quantifier_offset);
        ProtobufCMessage *const *list = *(ProtobufCMessage *const *const *) (base + field->offset);
        for (size_t j = 0; j < count; j++, total++)
            if (total < size)
                items [total] = list [j];
    }
    return total;
}

//  The objects of a reply as a JSON list, in reply order.
static json_t *
s_objects_json (const R5__ResourceReply *reply)
{
    json_t *list = json_array ();
    ProtobufCMessage *items [S_BATCH];
    size_t count = s_objects (reply, items, S_BATCH);
    //  A page or a batch holds 100 objects at most; more is a broken reply.
    for (size_t i = 0; i < count && i < S_BATCH; i++) {
        json_t *object = gateway_codec_to_json (items [i]);
        if (object)
            json_array_append_new (list, object);
    }
    return list;
}

json_t *
gateway_resources_get (const gql_resolve_info_t *info, int type, char **ids, size_t count, gql_field_error_t *error)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__GetObjectsRequest get = R5__GET_OBJECTS_REQUEST__INIT;
    get.type = type;
    get.ids = ids;
    get.n_ids = count;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_OBJECTS;
    request.get_objects = &get;
    R5__ResourceReply *reply = s_call (info->context, &request, true, error);
    if (!reply)
        return NULL;
    json_t *list = s_objects_json (reply);
    r5__resource_reply__free_unpacked (reply, NULL);
    return list;
}

//  =========================================================================
//  Reads: one object, a page, a relation
//  =========================================================================

//  A row of the read table.
typedef struct {
    const char *field;
    gql_batch_resolver_fn fn;
    R5__ResourceType type;
    const char *key;            //  s_related: the parent's property holding an id or a list of ids
    const char *when_key;       //  s_related: only parents whose when_key ...
    const char *when_value;     //  ... is when_value (the others' relation is null)
} s_read_t;

static int
s_get (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
       gql_field_error_t *errors)
{
    const s_read_t *row = (const s_read_t *) info->data;
    const char *id = json_string_value (json_object_get (info->args, "id"));
    json_t *list = gateway_resources_get (info, row->type, (char **) &id, id ? 1 : 0, &errors [0]);
    json_t *object = json_array_size (list) == 1 ? json_incref (json_array_get (list, 0)) : NULL;
    //  Missing, of another account, or not visible: all answer the same.
    if (list && !object)
        gateway_field_error (&errors [0], R5__STATUS__STATUS_NOT_FOUND, NULL, R5__SCOPE__SCOPE_UNSPECIFIED);
    json_decref (list);
    return gateway_for_all (object, count, results, errors);
}

//  The cursors' list kind of a resource type: its enum name, so a cursor of
//  one type's list is refused by another's.
static const char *
s_kind (R5__ResourceType type)
{
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (&r5__resource_type__descriptor, type);
    assert (value);
    return value->name;
}

//  A reply's page as a connection; NULL when the reply is not a page.
static json_t *
s_page_json (R5__ResourceReply *reply, const char *kind, bool count)
{
    if (reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS)
        return NULL;
    const R5__Objects *objects = reply->objects;
    gateway_page_info_t page_info = {
        .has_next_page = objects->has_next_page,
        .has_previous_page = objects->has_previous_page,
        .start_cursor = objects->start_cursor,
        .end_cursor = objects->end_cursor,
        .count = count,
        .total_count = objects->total_count,
    };
    return gateway_connection (s_objects_json (reply), NULL, kind, &page_info);
}

static int
s_list (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    const s_read_t *row = (const s_read_t *) info->data;
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    json_t *connection = NULL;
    gateway_page_t page;
    if (gateway_page_read (info, s_kind (row->type), &page, &errors [0]))
        return gateway_for_all (NULL, count, results, errors);
    json_t *args = gateway_page_args (info, &page);
    ProtobufCMessage *body = gateway_call_body (&request.base, R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS, args,
                                                NULL, &errors [0]);
    json_decref (args);
    if (body) {
        request.list_objects->type = row->type;
        R5__ResourceReply *reply = s_call (info->context, &request, true, &errors [0]);
        protobuf_c_message_free_unpacked (body, NULL);
        if (reply) {
            connection = s_page_json (reply, s_kind (row->type), page.count);
            r5__resource_reply__free_unpacked (reply, NULL);
        }
    }
    gateway_page_clear (&page);
    return gateway_for_all (connection, count, results, errors);
}

//  Incident.notes: a page of each parent incident's notes, one call per
//  parent (the notes live beside the incident, never inside it, so an
//  incident read carries none).
static int
s_incident_notes (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
                  gql_field_error_t *errors)
{
    gateway_page_t page;
    if (gateway_page_read (info, "INCIDENT_NOTES", &page, &errors [0])) {
        for (size_t i = 1; i < count; i++)
            gateway_field_error_copy (&errors [i], &errors [0]);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
        R5__ListIncidentNotesRequest list = R5__LIST_INCIDENT_NOTES_REQUEST__INIT;
        const char *id = json_string_value (json_object_get (parents [i], "id"));
        list.incident_id = (char *) (id ? id : "");
        list.first = page.first;
        list.last = page.last;
        list.after = page.after ? page.after : "";
        list.before = page.before ? page.before : "";
        list.count = page.count;
        request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_INCIDENT_NOTES;
        request.list_incident_notes = &list;
        R5__ResourceReply *reply = s_call (info->context, &request, true, &errors [i]);
        if (!reply)
            continue;
        results [i] = s_page_json (reply, "INCIDENT_NOTES", page.count);
        r5__resource_reply__free_unpacked (reply, NULL);
    }
    gateway_page_clear (&page);
    return 0;
}

//  The ids parent names for row: its property row->key, one id or a list, or
//  nothing when the row's condition does not hold.
static json_t *
s_related_ids (const s_read_t *row, json_t *parent)
{
    const char *when = row->when_key ? json_string_value (json_object_get (parent, row->when_key)) : NULL;
    if (row->when_key && (!when || !streq (when, row->when_value)))
        return NULL;
    return json_object_get (parent, row->key);
}

//  Resolve, for every parent, the objects whose ids it names (a list, or one
//  id). Objects that cannot be read one by one (gone, invisible) are left out
//  of lists and null for single ones; a refusal of the whole call
//  (SCOPE_MISSING) is every parent's error.
static int
s_related (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
           gql_field_error_t *errors)
{
    const s_read_t *row = (const s_read_t *) info->data;
    char **ids = r5_calloc (S_MAX_RELATED, sizeof (char *));
    size_t n_ids = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *value = s_related_ids (row, parents [i]);
        bool single = json_is_string (value);
        for (size_t index = 0; index < (single ? 1 : json_array_size (value)); index++) {
            const char *id = json_string_value (single ? value : json_array_get (value, index));
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
        size_t batch = n_ids - start < S_BATCH ? n_ids - start : S_BATCH;
        json_t *list = gateway_resources_get (info, row->type, ids + start, batch, &failure);
        failed = !list;
        size_t index;
        json_t *object;
        json_array_foreach (list, index, object)
            json_object_set (by_id, json_string_value (json_object_get (object, "id")), object);
        json_decref (list);
    }
    for (size_t i = 0; i < count; i++) {
        json_t *value = s_related_ids (row, parents [i]);
        //  A parent that names nothing asked for nothing: no error for it.
        bool names = json_is_string (value) ? *json_string_value (value) : json_array_size (value) > 0;
        if (failed && names) {
            gateway_field_error_copy (&errors [i], &failure);
            continue;
        }
        if (!json_is_array (value)) {
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

//  =========================================================================
//  Mutations
//  =========================================================================

//  A row of the mutation table.
typedef struct {
    const char *field;
    R5__ResourceRequest__BodyCase body;     //  the request's oneof member; its message is built from the arguments
    const char *preset;                     //  JSON of fields the mutation fixes ({"active": false}), or NULL
    const char *payload;                    //  the payload's key for the object written; NULL: {deletedId}
    //  Whether a lost reply may be resent: only when doing it twice is the
    //  same as once (setting a role, adding a member); a create, a transition
    //  or a delete would fail or apply twice.
    bool idempotent;
    //  The request's field naming a user whose role, active flag or
    //  memberships change: this gateway's cached verdicts of that user go at
    //  once (other gateways learn it from r5-resource's user.changed event).
    const char *forget_user;
    //  The written object's field shown once in the payload, then wiped.
    const char *secret;
} s_mutation_t;

//  The payload of a mutation's reply, or NULL when the reply is not the one
//  object (or deleted id) it should be.
static json_t *
s_payload (const gql_resolve_info_t *info, const s_mutation_t *row, R5__ResourceReply *reply)
{
    if (!row->payload)
        return reply->body_case == R5__RESOURCE_REPLY__BODY_DELETED_ID
             ? gateway_node_deleted (info, reply->deleted_id) : NULL;
    ProtobufCMessage *written;
    if (s_objects (reply, &written, 1) != 1)
        return NULL;
    json_t *payload = json_pack ("{s:o}", row->payload, gateway_codec_to_json (written));
    const ProtobufCFieldDescriptor *secret = row->secret
        ? protobuf_c_message_descriptor_get_field_by_name (written->descriptor, row->secret) : NULL;
    if (payload && secret && secret->type == PROTOBUF_C_TYPE_STRING) {
        char *value = *(char **) ((char *) written + secret->offset);
        json_object_set_new (payload, row->secret, json_string (value));
        sodium_memzero (value, strlen (value));
    }
    return payload;
}

//  Mutation root fields run one at a time with one parent.
static int
s_mutate (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
          gql_field_error_t *errors)
{
    const s_mutation_t *row = (const s_mutation_t *) info->data;
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    ((gateway_request_t *) info->context)->mutations++;
    bool idempotent = row->idempotent;
    //  A note is an object of its own, made once per key like a create's.
    if (strncmp (row->field, "Mutation.create", 15) == 0 || row->body == R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE) {
        //  A create with a key is safe to resend: a copy answers the object
        //  the first one made.
        request.idempotency_key = (char *) gateway_idempotency_key (info->context, &errors [0]);
        if (!request.idempotency_key && errors [0].code)
            return -1;
        //  An override is a change of its schedule, not an object of its own.
        if (request.idempotency_key && row->body == R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE)
            return gql_field_error_set (&errors [0], "BAD_USER_INPUT",
                                        "createScheduleOverride does not take an Idempotency-Key");
        idempotent = request.idempotency_key != NULL;
    }
    ProtobufCMessage *body = gateway_call_body (&request.base, row->body, info->args, row->preset, &errors [0]);
    if (!body)
        return -1;
    R5__ResourceReply *reply = s_call (info->context, &request, idempotent, &errors [0]);
    if (reply) {
        results [0] = s_payload (info, row, reply);
        r5__resource_reply__free_unpacked (reply, NULL);
        if (!results [0])
            gql_field_error_set (&errors [0], "INTERNAL", "unexpected reply");
    }
    const ProtobufCFieldDescriptor *user = row->forget_user
        ? protobuf_c_message_descriptor_get_field_by_name (body->descriptor, row->forget_user) : NULL;
    if (reply && user)
        gateway_cache_drop_user (((gateway_request_t *) info->context)->gw->cache,
                                 *(char **) ((char *) body + user->offset));
    protobuf_c_message_free_unpacked (body, NULL);
    return results [0] ? 0 : -1;
}

//  =========================================================================
//  Written by hand: the viewer
//  =========================================================================

static int
s_viewer (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
          gql_field_error_t *errors)
{
    const gateway_principal_t *principal = ((gateway_request_t *) info->context)->principal;
    const char *role = principal->role ? r5_codec_enum_name (&r5__role__descriptor, principal->role) : NULL;
    for (size_t i = 0; i < count; i++)
        results [i] = json_pack ("{s:s,s:s,s:s,s:s}", "id", principal->user_id, "name", principal->name,
                                 "email", principal->email, "role", role ? role : "MEMBER");
    return 0;
}

//  Viewer.effectivePermissions: r5-resource asks r5-authz, with the caller's
//  live facts, what a token with these scopes could do.
static int
s_effective_permissions (const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                         json_t **results, gql_field_error_t *errors)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    json_t *list = NULL;
    ProtobufCMessage *body = gateway_call_body (&request.base, R5__RESOURCE_REQUEST__BODY_PREVIEW_PERMISSIONS,
                                                info->args, NULL, &errors [0]);
    R5__ResourceReply *reply = body ? s_call (info->context, &request, true, &errors [0]) : NULL;
    if (reply) {
        list = json_array ();
        for (size_t i = 0; reply->body_case == R5__RESOURCE_REPLY__BODY_PREVIEW && i < reply->preview->n_scopes; i++)
            json_array_append_new (list, gateway_codec_to_json (&reply->preview->scopes [i]->base));
        r5__resource_reply__free_unpacked (reply, NULL);
    }
    if (body)
        protobuf_c_message_free_unpacked (body, NULL);
    return gateway_for_all (list, count, results, errors);
}

//  =========================================================================
//  Tables
//  =========================================================================

#define S_USERS R5__RESOURCE_TYPE__RESOURCE_USERS
#define S_TEAMS R5__RESOURCE_TYPE__RESOURCE_TEAMS
#define S_INCIDENTS R5__RESOURCE_TYPE__RESOURCE_INCIDENTS
#define S_POLICIES R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES
#define S_SCHEDULES R5__RESOURCE_TYPE__RESOURCE_SCHEDULES
#define S_INTEGRATIONS R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS
#define S_CONTACT_METHODS R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS
#define S_NOTIFICATION_RULES R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES

static const s_read_t s_reads [] = {
    { "Query.user", s_get, S_USERS, NULL, NULL, NULL },
    { "Query.users", s_list, S_USERS, NULL, NULL, NULL },
    { "Query.team", s_get, S_TEAMS, NULL, NULL, NULL },
    { "Query.teams", s_list, S_TEAMS, NULL, NULL, NULL },
    { "Query.incident", s_get, S_INCIDENTS, NULL, NULL, NULL },
    { "Query.incidents", s_list, S_INCIDENTS, NULL, NULL, NULL },
    { "Query.escalationPolicy", s_get, S_POLICIES, NULL, NULL, NULL },
    { "Query.escalationPolicies", s_list, S_POLICIES, NULL, NULL, NULL },
    { "Query.schedule", s_get, S_SCHEDULES, NULL, NULL, NULL },
    { "Query.schedules", s_list, S_SCHEDULES, NULL, NULL, NULL },
    { "Query.integration", s_get, S_INTEGRATIONS, NULL, NULL, NULL },
    { "Query.integrations", s_list, S_INTEGRATIONS, NULL, NULL, NULL },
    { "Query.contactMethods", s_list, S_CONTACT_METHODS, NULL, NULL, NULL },
    { "Query.notificationRules", s_list, S_NOTIFICATION_RULES, NULL, NULL, NULL },
    //  Relations travel as ids in the objects (not schema fields) for these.
    { "TeamMember.user", s_related, S_USERS, "userId", NULL, NULL },
    { "Incident.teams", s_related, S_TEAMS, "teamIds", NULL, NULL },
    { "Incident.assignees", s_related, S_USERS, "userIds", NULL, NULL },
    { "Incident.createdBy", s_related, S_USERS, "createdById", NULL, NULL },
    { "IncidentNote.author", s_related, S_USERS, "authorId", NULL, NULL },
    { "Incident.notes", s_incident_notes, S_INCIDENTS, NULL, NULL, NULL },
    { "EscalationPolicy.team", s_related, S_TEAMS, "teamId", NULL, NULL },
    { "Schedule.team", s_related, S_TEAMS, "teamId", NULL, NULL },
    { "Integration.team", s_related, S_TEAMS, "teamId", NULL, NULL },
    { "EscalationTarget.user", s_related, S_USERS, "id", "kind", "USER" },
    { "EscalationTarget.schedule", s_related, S_SCHEDULES, "id", "kind", "SCHEDULE" },
    { "Shift.user", s_related, S_USERS, "userId", NULL, NULL },
    { "ScheduleOverride.user", s_related, S_USERS, "userId", NULL, NULL },
    { "NotificationRule.contactMethod", s_related, S_CONTACT_METHODS, "contactMethodId", NULL, NULL },
};

#define S_BODY(name) R5__RESOURCE_REQUEST__BODY_##name

//  field, request, preset, payload, idempotent, forget_user, secret
static const s_mutation_t s_mutations [] = {
    { "Mutation.createUser", S_BODY (CREATE_USER), NULL, "user", false, NULL, NULL },
    { "Mutation.updateUserRole", S_BODY (UPDATE_USER_ROLE), NULL, "user", true, "id", NULL },
    { "Mutation.deactivateUser", S_BODY (SET_USER_ACTIVE), "{\"active\": false}", "user", true, "id", NULL },
    { "Mutation.reactivateUser", S_BODY (SET_USER_ACTIVE), "{\"active\": true}", "user", true, "id", NULL },
    { "Mutation.createTeam", S_BODY (CREATE_TEAM), NULL, "team", false, NULL, NULL },
    { "Mutation.updateTeam", S_BODY (UPDATE_TEAM), NULL, "team", true, NULL, NULL },
    { "Mutation.deleteTeam", S_BODY (DELETE_OBJECT), "{\"type\": \"TEAMS\"}", NULL, false, NULL, NULL },
    //  Adding again changes nothing; removing again answers "not a member".
    { "Mutation.addTeamMember", S_BODY (ADD_TEAM_MEMBER), NULL, "team", true, "user_id", NULL },
    { "Mutation.removeTeamMember", S_BODY (REMOVE_TEAM_MEMBER), NULL, "team", false, "user_id", NULL },
    { "Mutation.createIncident", S_BODY (CREATE_INCIDENT), NULL, "incident", false, NULL, NULL },
    { "Mutation.acknowledgeIncident", S_BODY (INCIDENT_TRANSITION), "{\"to\": \"ACKNOWLEDGED\"}", "incident", false, NULL, NULL },
    { "Mutation.resolveIncident", S_BODY (INCIDENT_TRANSITION), "{\"to\": \"RESOLVED\"}", "incident", false, NULL, NULL },
    { "Mutation.reassignIncident", S_BODY (REASSIGN_INCIDENT), NULL, "incident", false, NULL, NULL },
    { "Mutation.addIncidentNote", S_BODY (ADD_INCIDENT_NOTE), NULL, "incident", false, NULL, NULL },
    { "Mutation.createEscalationPolicy", S_BODY (CREATE_ESCALATION_POLICY), NULL, "escalationPolicy", false, NULL, NULL },
    { "Mutation.updateEscalationPolicy", S_BODY (UPDATE_ESCALATION_POLICY), NULL, "escalationPolicy", true, NULL, NULL },
    { "Mutation.deleteEscalationPolicy", S_BODY (DELETE_OBJECT), "{\"type\": \"ESCALATION_POLICIES\"}", NULL, false, NULL, NULL },
    { "Mutation.createSchedule", S_BODY (CREATE_SCHEDULE), NULL, "schedule", false, NULL, NULL },
    { "Mutation.updateSchedule", S_BODY (UPDATE_SCHEDULE), NULL, "schedule", true, NULL, NULL },
    { "Mutation.deleteSchedule", S_BODY (DELETE_OBJECT), "{\"type\": \"SCHEDULES\"}", NULL, false, NULL, NULL },
    { "Mutation.createScheduleOverride", S_BODY (CREATE_SCHEDULE_OVERRIDE), NULL, "schedule", false, NULL, NULL },
    //  A resent create would make a second integration with another key.
    { "Mutation.createIntegration", S_BODY (CREATE_INTEGRATION), NULL, "integration", false, NULL, "key" },
    { "Mutation.updateIntegration", S_BODY (UPDATE_INTEGRATION), NULL, "integration", true, NULL, NULL },
    { "Mutation.deleteIntegration", S_BODY (DELETE_OBJECT), "{\"type\": \"INTEGRATIONS\"}", NULL, false, NULL, NULL },
    { "Mutation.createContactMethod", S_BODY (CREATE_CONTACT_METHOD), NULL, "contactMethod", false, NULL, NULL },
    { "Mutation.deleteContactMethod", S_BODY (DELETE_OBJECT), "{\"type\": \"CONTACT_METHODS\"}", NULL, false, NULL, NULL },
    { "Mutation.createNotificationRule", S_BODY (CREATE_NOTIFICATION_RULE), NULL, "notificationRule", false, NULL, NULL },
    { "Mutation.deleteNotificationRule", S_BODY (DELETE_OBJECT), "{\"type\": \"NOTIFICATION_RULES\"}", NULL, false, NULL, NULL },
};

size_t
gateway_resources_resolvers (gql_resolver_entry_t *entries, size_t size)
{
    static const gql_resolver_entry_t s_by_hand [] = {
        { "Query.viewer", s_viewer, NULL },
        { "Viewer.effectivePermissions", s_effective_permissions, NULL },
    };
    size_t count = 0;
    for (size_t i = 0; i < sizeof s_by_hand / sizeof s_by_hand [0] && count < size; i++)
        entries [count++] = s_by_hand [i];
    for (size_t i = 0; i < sizeof s_reads / sizeof s_reads [0] && count < size; i++)
        entries [count++] = (gql_resolver_entry_t) { s_reads [i].field, s_reads [i].fn, &s_reads [i] };
    for (size_t i = 0; i < sizeof s_mutations / sizeof s_mutations [0] && count < size; i++)
        entries [count++] = (gql_resolver_entry_t) { s_mutations [i].field, s_mutate, &s_mutations [i] };
    return count;
}
