/*  gateway_node: global ids and the Node fields.

    A global id is an opaque handle (gateway_call.h) of version "r5n1" whose
    kind is the object's GraphQL type: base64url of "r5n1:Team:<id>".
    - Out: every ID field is resolved by s_encode, from s_outputs (the type a
      field's ids name). The objects inside keep the services' ids, so the
      resolvers of relations read them as before.
    - In: every resolver of a field with ID arguments runs behind s_decoded,
      which reads the arguments' global ids back to service ids, from
      s_inputs. An id that is not a global id of the type expected answers
      NOT_FOUND, as a missing object does, and no service is called.
    - node(id:) and nodes(ids:) fetch through the same calls as the typed
      fields (user(id:), personalAccessToken(id:)), so the same scopes and
      permissions decide, and what the caller may not see answers as missing.
    gateway_node_resolvers refuses a schema with an ID site in neither table. */
#include "gateway_node.h"
#include "gateway_call.h"
#include "gateway_resources.h"
#include "gateway_tokens.h"
#include "r5_alloc.h"
#include "r5/resource.pb-c.h"

#include <assert.h>

#define S_NODE_VERSION "r5n1"
//  Most ids one nodes(ids:) takes (a page's size).
#define S_NODES_MAX GATEWAY_PAGE_MAX

//  =========================================================================
//  Tables
//  =========================================================================

//  An ID site: a field ("Type.field"), an argument ("Type.field(arg)") or an
//  input field ("Input.field") and the type its ids name. type NULL: the
//  type is named by the sibling property type_from, through s_kinds.
typedef struct {
    const char *site;
    const char *type;
    const char *type_from;
} s_site_t;

static const s_site_t s_outputs [] = {
    //  The viewer is a user: its id is the User's, for node(id:).
    { "Viewer.id", "User", NULL },
    { "TokenNotice.id", "TokenNotice", NULL },
    { "TokenNotice.tokenId", "PersonalAccessToken", NULL },
    { "PersonalAccessToken.id", "PersonalAccessToken", NULL },
    { "PersonalAccessToken.teamIds", "Team", NULL },
    { "TokenEvent.teamIdsBefore", "Team", NULL },
    { "TokenEvent.teamIdsAfter", "Team", NULL },
    { "DismissTokenNoticePayload.dismissedId", "TokenNotice", NULL },
    //  The delete mutations name the type they deleted beside the id.
    { "DeletePayload.deletedId", NULL, "deletedType" },
    { "User.id", "User", NULL },
    { "TeamMember.userId", "User", NULL },
    { "Team.id", "Team", NULL },
    { "IncidentNote.id", "IncidentNote", NULL },
    { "Incident.id", "Incident", NULL },
    { "EscalationTarget.id", NULL, "kind" },
    { "EscalationPolicy.id", "EscalationPolicy", NULL },
    { "EscalationPolicy.teamId", "Team", NULL },
    { "Shift.userId", "User", NULL },
    { "ScheduleOverride.id", "ScheduleOverride", NULL },
    { "ScheduleOverride.userId", "User", NULL },
    { "Schedule.id", "Schedule", NULL },
    { "Schedule.teamId", "Team", NULL },
    { "Integration.id", "Integration", NULL },
    { "Integration.teamId", "Team", NULL },
    { "ContactMethod.id", "ContactMethod", NULL },
    { "NotificationRule.id", "NotificationRule", NULL },
    { "NotificationRule.contactMethodId", "ContactMethod", NULL },
};

static const s_site_t s_inputs [] = {
    { "Viewer.effectivePermissions(teamIds)", "Team", NULL },
    { "Query.personalAccessToken(id)", "PersonalAccessToken", NULL },
    { "Query.user(id)", "User", NULL },
    { "Query.team(id)", "Team", NULL },
    { "Query.incident(id)", "Incident", NULL },
    { "Query.incidents(teamId)", "Team", NULL },
    { "Query.escalationPolicy(id)", "EscalationPolicy", NULL },
    { "Query.escalationPolicies(teamId)", "Team", NULL },
    { "Query.schedule(id)", "Schedule", NULL },
    { "Query.schedules(teamId)", "Team", NULL },
    { "Query.integration(id)", "Integration", NULL },
    { "Query.integrations(teamId)", "Team", NULL },
    //  Any type: the Node fields read their ids themselves.
    { "Query.node(id)", "*", NULL },
    { "Query.nodes(ids)", "*", NULL },
    { "CreatePersonalAccessTokenInput.teamIds", "Team", NULL },
    { "UpdatePersonalAccessTokenInput.teamIds", "Team", NULL },
    { "DismissTokenNoticeInput.id", "TokenNotice", NULL },
    { "Mutation.updatePersonalAccessToken(id)", "PersonalAccessToken", NULL },
    { "Mutation.regeneratePersonalAccessToken(id)", "PersonalAccessToken", NULL },
    { "Mutation.deletePersonalAccessToken(id)", "PersonalAccessToken", NULL },
    { "Mutation.updateUserRole(id)", "User", NULL },
    { "Mutation.deactivateUser(id)", "User", NULL },
    { "Mutation.reactivateUser(id)", "User", NULL },
    { "Mutation.updateTeam(id)", "Team", NULL },
    { "Mutation.deleteTeam(id)", "Team", NULL },
    { "Mutation.acknowledgeIncident(id)", "Incident", NULL },
    { "Mutation.resolveIncident(id)", "Incident", NULL },
    { "Mutation.reassignIncident(id)", "Incident", NULL },
    { "Mutation.addIncidentNote(id)", "Incident", NULL },
    { "Mutation.updateEscalationPolicy(id)", "EscalationPolicy", NULL },
    { "Mutation.deleteEscalationPolicy(id)", "EscalationPolicy", NULL },
    { "Mutation.updateSchedule(id)", "Schedule", NULL },
    { "Mutation.deleteSchedule(id)", "Schedule", NULL },
    { "Mutation.updateIntegration(id)", "Integration", NULL },
    { "Mutation.deleteIntegration(id)", "Integration", NULL },
    { "Mutation.deleteContactMethod(id)", "ContactMethod", NULL },
    { "Mutation.deleteNotificationRule(id)", "NotificationRule", NULL },
    { "AddTeamMemberInput.teamId", "Team", NULL },
    { "AddTeamMemberInput.userId", "User", NULL },
    { "RemoveTeamMemberInput.teamId", "Team", NULL },
    { "RemoveTeamMemberInput.userId", "User", NULL },
    { "CreateIncidentInput.teamIds", "Team", NULL },
    { "CreateIncidentInput.userIds", "User", NULL },
    { "ReassignIncidentInput.teamIds", "Team", NULL },
    { "ReassignIncidentInput.userIds", "User", NULL },
    { "EscalationTargetInput.id", NULL, "kind" },
    { "CreateEscalationPolicyInput.teamId", "Team", NULL },
    { "ShiftInput.userId", "User", NULL },
    { "CreateScheduleInput.teamId", "Team", NULL },
    { "CreateScheduleOverrideInput.scheduleId", "Schedule", NULL },
    { "CreateScheduleOverrideInput.userId", "User", NULL },
    { "CreateIntegrationInput.teamId", "Team", NULL },
    { "CreateNotificationRuleInput.contactMethodId", "ContactMethod", NULL },
};

//  Values of type_from properties and the types they name (an escalation
//  target's kind; a delete's deletedType is a type's name already).
static const struct {
    const char *value;
    const char *type;
} s_kinds [] = {
    { "USER", "User" },
    { "SCHEDULE", "Schedule" },
};

//  The types node(id:) fetches, and where from: r5-resource (a resource
//  type) or r5-token (0). The other types with global ids (a note, a notice,
//  an override) are parts of an object, not fetched on their own.
static const struct {
    const char *type;
    R5__ResourceType resource;
} s_fetched [] = {
    { "User", R5__RESOURCE_TYPE__RESOURCE_USERS },
    { "Team", R5__RESOURCE_TYPE__RESOURCE_TEAMS },
    { "Incident", R5__RESOURCE_TYPE__RESOURCE_INCIDENTS },
    { "EscalationPolicy", R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES },
    { "Schedule", R5__RESOURCE_TYPE__RESOURCE_SCHEDULES },
    { "Integration", R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS },
    { "ContactMethod", R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS },
    { "NotificationRule", R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES },
    { "PersonalAccessToken", 0 },
};

#define S_COUNT(table) (sizeof table / sizeof table [0])

static const s_site_t *
s_site_find (const s_site_t *table, size_t count, const char *site)
{
    for (size_t i = 0; i < count; i++)
        if (streq (table [i].site, site))
            return &table [i];
    return NULL;
}

//  The type row's ids name in object (a parent, an input object).
static const char *
s_site_type (const s_site_t *row, json_t *object)
{
    if (row->type)
        return row->type;
    const char *value = json_string_value (json_object_get (object, row->type_from));
    for (size_t i = 0; value && i < S_COUNT (s_kinds); i++)
        if (streq (s_kinds [i].value, value))
            return s_kinds [i].type;
    for (size_t i = 0; value && i < S_COUNT (s_fetched); i++)
        if (streq (s_fetched [i].type, value))
            return s_fetched [i].type;
    return NULL;
}

char *
gateway_node_id (const char *type, const char *id)
{
    return type ? gateway_opaque_encode (S_NODE_VERSION, type, id) : NULL;
}

//  The service id in a global id of type (any type when type is NULL, then
//  written into found), or NULL.
static char *
s_node_id_read (const char *global, const char *type, char found [GATEWAY_OPAQUE_KIND_SIZE])
{
    char *id = global ? gateway_opaque_decode (S_NODE_VERSION, global, found) : NULL;
    if (id && type && !streq (found, type)) {
        free (id);
        id = NULL;
    }
    return id;
}

//  =========================================================================
//  Out: ID fields written global
//  =========================================================================

//  One id, or a list of ids, as global ids of type; null stays null. NULL
//  when an id cannot be one (the executor then answers INTERNAL).
static json_t *
s_encode_value (json_t *value, const char *type)
{
    if (json_is_string (value)) {
        char *global = gateway_node_id (type, json_string_value (value));
        json_t *encoded = global ? json_string (global) : NULL;
        free (global);
        return encoded;
    }
    if (!json_is_array (value))
        return json_null ();
    json_t *list = json_array ();
    size_t index;
    json_t *item;
    json_array_foreach (value, index, item) {
        json_t *encoded = s_encode_value (item, type);
        if (!encoded || json_is_null (encoded)) {
            json_decref (encoded);
            json_decref (list);
            return NULL;
        }
        json_array_append_new (list, encoded);
    }
    return list;
}

static int
s_encode (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
          gql_field_error_t *errors)
{
    (void) errors;
    const s_site_t *row = info->data;
    for (size_t i = 0; i < count; i++) {
        json_t *value = json_object_getn (parents [i], info->field->name.data, info->field->name.len);
        const char *type = s_site_type (row, parents [i]);
        results [i] = value && type ? s_encode_value (value, type) : json_null ();
    }
    return 0;
}

json_t *
gateway_node_deleted (const gql_resolve_info_t *info, const char *id)
{
    gql_str_t field = info->field->name;
    size_t prefix = strlen ("delete");
    assert (field.len > prefix && memcmp (field.data, "delete", prefix) == 0);
    return json_pack ("{s:s,s:s#}", "deletedId", id, "deletedType", field.data + prefix, (int) (field.len - prefix));
}

//  =========================================================================
//  In: ID arguments read back
//  =========================================================================

//  Nesting of input objects a walk follows (the schema's are two deep).
#define S_INPUT_DEPTH 8

static int s_decode_object (json_t *object, const gql_type_t *input, gql_field_error_t *error, int depth);

//  The global id (or list of them) at object[name] of ID site site, read back
//  in place. 0, or -1 with error set (NOT_FOUND: what a missing one answers).
static int
s_decode_ids (json_t *object, const char *name, const char *site, gql_field_error_t *error)
{
    const s_site_t *row = s_site_find (s_inputs, S_COUNT (s_inputs), site);
    assert (row);   //  gateway_node_resolvers checked every site
    if (row->type && streq (row->type, "*"))
        return 0;
    const char *type = s_site_type (row, object);
    json_t *value = json_object_get (object, name);
    bool single = json_is_string (value);
    for (size_t i = 0; i < (single ? 1 : json_array_size (value)); i++) {
        json_t *item = single ? value : json_array_get (value, i);
        char found [GATEWAY_OPAQUE_KIND_SIZE];
        char *id = type ? s_node_id_read (json_string_value (item), type, found) : NULL;
        //  NOT_FOUND, as GitHub answers: the id names nothing of its type. The
        //  message says which argument; it tells nothing the client's own
        //  input does not (a well-formed id of a missing object gets the same
        //  answer as an invisible one, from the service).
        if (!id)
            return gql_field_error_set (error, "NOT_FOUND", "%s: no %s has this id", name, type ? type : "object");
        if (single)
            json_object_set_new (object, name, json_string (id));
        else
            json_array_set_new (value, i, json_string (id));
        free (id);
    }
    return 0;
}

//  The value at object[name] of type ref, of site site: ids read back, input
//  objects walked.
static int
s_decode_at (json_t *object, const char *name, gql_type_ref_t ref, const char *site, gql_field_error_t *error,
             int depth)
{
    json_t *value = json_object_get (object, name);
    if (!value || json_is_null (value))
        return 0;
    if (gql_str_eq (ref.named->name, "ID"))
        return s_decode_ids (object, name, site, error);
    if (ref.named->kind != GQL_KIND_INPUT_OBJECT || depth >= S_INPUT_DEPTH)
        return 0;
    if (json_is_object (value))
        return s_decode_object (value, ref.named, error, depth + 1);
    size_t index;
    json_t *item;
    json_array_foreach (value, index, item)
        if (json_is_object (item) && s_decode_object (item, ref.named, error, depth + 1))
            return -1;
    return 0;
}

static int
s_decode_object (json_t *object, const gql_type_t *input, gql_field_error_t *error, int depth)
{
    for (size_t i = 0; i < input->input_field_count; i++) {
        const gql_input_value_t *field = &input->input_fields [i];
        char name [128], site [256];
        snprintf (name, sizeof name, "%.*s", (int) field->name.len, field->name.data);
        snprintf (site, sizeof site, "%.*s.%s", (int) input->name.len, input->name.data, name);
        if (s_decode_at (object, name, field->type, site, error, depth))
            return -1;
    }
    return 0;
}

//  A copy of a field's arguments with their global ids read back, or NULL
//  with error set.
static json_t *
s_decode_args (const gql_field_t *field, json_t *args, gql_field_error_t *error)
{
    json_t *decoded = json_deep_copy (args);
    for (size_t i = 0; i < field->arg_count; i++) {
        const gql_input_value_t *arg = &field->args [i];
        char name [128], site [384];
        snprintf (name, sizeof name, "%.*s", (int) arg->name.len, arg->name.data);
        snprintf (site, sizeof site, "%.*s.%.*s(%s)", (int) field->parent->name.len, field->parent->name.data,
                  (int) field->name.len, field->name.data, name);
        if (s_decode_at (decoded, name, arg->type, site, error, 0)) {
            json_decref (decoded);
            return NULL;
        }
    }
    return decoded;
}

//  A resolver behind s_decoded, and its data.
typedef struct {
    gql_batch_resolver_fn fn;
    const void *data;
} s_wrapped_t;

static int
s_decoded (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
           gql_field_error_t *errors)
{
    const s_wrapped_t *wrapped = info->data;
    gql_resolve_info_t decoded = *info;
    decoded.data = wrapped->data;
    decoded.args = s_decode_args (info->field, info->args, &errors [0]);
    if (!decoded.args) {
        for (size_t i = 1; i < count; i++)
            gateway_field_error_copy (&errors [i], &errors [0]);
        return -1;
    }
    int rc = wrapped->fn (&decoded, parents, count, results, errors);
    json_decref (decoded.args);
    return rc;
}

//  =========================================================================
//  node(id:) and nodes(ids:)
//  =========================================================================

//  The objects of one type with service ids ids (at most S_NODES_MAX), each
//  with its __typename, as a JSON object by id; NULL with error set when the
//  call was refused (a scope missing).
static json_t *
s_fetch (const gql_resolve_info_t *info, size_t type, char **ids, size_t count, gql_field_error_t *error)
{
    json_t *list = NULL;
    if (s_fetched [type].resource)
        list = gateway_resources_get (info, s_fetched [type].resource, ids, count, error);
    else {
        //  Tokens one by one: a caller holds few, and nodes() of many is rare.
        list = json_array ();
        for (size_t i = 0; i < count; i++) {
            gql_field_error_t missing = { 0 };
            json_t *token = gateway_tokens_get (info, ids [i], &missing);
            if (token)
                json_array_append_new (list, token);
            else
            if (!missing.code || !streq (missing.code, "NOT_FOUND")) {
                *error = missing;
                json_decref (list);
                return NULL;
            }
            json_decref (missing.extensions);
        }
    }
    if (!list)
        return NULL;
    json_t *by_id = json_object ();
    size_t index;
    json_t *object;
    json_array_foreach (list, index, object) {
        const char *id = json_string_value (json_object_get (object, "id"));
        if (!id)
            continue;
        json_object_set_new (object, "__typename", json_string (s_fetched [type].type));
        json_object_set (by_id, id, object);
    }
    json_decref (list);
    return by_id;
}

//  The objects named by the global ids in ids (borrowed strings), in their
//  order, null for an id that is not one or names nothing the caller may
//  see. One call per type. NULL with error set when a call was refused.
static json_t *
s_nodes (const gql_resolve_info_t *info, json_t *ids, gql_field_error_t *error)
{
    size_t count = json_array_size (ids);
    char **service_ids = r5_calloc (count + 1, sizeof (char *));
    size_t *types = r5_calloc (count + 1, sizeof (size_t));
    for (size_t i = 0; i < count; i++) {
        char found [GATEWAY_OPAQUE_KIND_SIZE];
        service_ids [i] = s_node_id_read (json_string_value (json_array_get (ids, i)), NULL, found);
        types [i] = S_COUNT (s_fetched);
        for (size_t t = 0; service_ids [i] && t < S_COUNT (s_fetched); t++)
            if (streq (found, s_fetched [t].type))
                types [i] = t;
    }
    json_t *result = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (result, json_null ());
    char **batch = r5_calloc (count + 1, sizeof (char *));
    for (size_t t = 0; t < S_COUNT (s_fetched) && result; t++) {
        size_t n = 0;
        for (size_t i = 0; i < count; i++)
            if (types [i] == t)
                batch [n++] = service_ids [i];
        if (!n)
            continue;
        json_t *by_id = s_fetch (info, t, batch, n, error);
        for (size_t i = 0; by_id && i < count; i++) {
            json_t *object = types [i] == t ? json_object_get (by_id, service_ids [i]) : NULL;
            if (object)
                json_array_set (result, i, object);
        }
        if (!by_id) {
            json_decref (result);
            result = NULL;
        }
        json_decref (by_id);
    }
    for (size_t i = 0; i < count; i++)
        free (service_ids [i]);
    free (service_ids);
    free (types);
    free (batch);
    return result;
}

static int
s_node (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    json_t *ids = json_pack ("[O]", json_object_get (info->args, "id"));
    json_t *list = s_nodes (info, ids, &errors [0]);
    json_decref (ids);
    json_t *object = list ? json_incref (json_array_get (list, 0)) : NULL;
    json_decref (list);
    //  Missing, malformed, of another account, not visible: all the same.
    if (object && json_is_null (object)) {
        json_decref (object);
        object = NULL;
        gateway_field_error (&errors [0], R5__STATUS__STATUS_NOT_FOUND, NULL, R5__SCOPE__SCOPE_UNSPECIFIED);
    }
    return gateway_for_all (object, count, results, errors);
}

static int
s_nodes_field (const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
               gql_field_error_t *errors)
{
    json_t *ids = json_object_get (info->args, "ids");
    json_t *list = NULL;
    if (json_array_size (ids) > S_NODES_MAX)
        gql_field_error_set (&errors [0], "BAD_USER_INPUT", "nodes takes at most %d ids", S_NODES_MAX);
    else
        list = s_nodes (info, ids, &errors [0]);
    return gateway_for_all (list, count, results, errors);
}

//  =========================================================================
//  The executor's table
//  =========================================================================

//  What a walk of the schema's ID sites found: each table row seen.
typedef struct {
    bool outputs [S_COUNT (s_outputs)];
    bool inputs [S_COUNT (s_inputs)];
    char *error;
    size_t error_size;
    bool failed;
} s_check_t;

//  Note site as seen in table; a site neither table names fails the check.
static void
s_check_site (s_check_t *check, const s_site_t *table, bool *seen, size_t count, const char *site)
{
    const s_site_t *row = s_site_find (table, count, site);
    if (row)
        seen [row - table] = true;
    else
    if (!check->failed) {
        check->failed = true;
        snprintf (check->error, check->error_size, "the ID site %s is in no table of gateway_node.c", site);
    }
}

//  Whether a value of ref holds ids (itself, or an input object's fields),
//  noting every input site on the way.
static bool
s_check_input (s_check_t *check, gql_type_ref_t ref, const char *site, int depth)
{
    if (gql_str_eq (ref.named->name, "ID")) {
        s_check_site (check, s_inputs, check->inputs, S_COUNT (s_inputs), site);
        return true;
    }
    if (ref.named->kind != GQL_KIND_INPUT_OBJECT || depth >= S_INPUT_DEPTH)
        return false;
    bool ids = false;
    for (size_t i = 0; i < ref.named->input_field_count; i++) {
        const gql_input_value_t *field = &ref.named->input_fields [i];
        char inner [256];
        snprintf (inner, sizeof inner, "%.*s.%.*s", (int) ref.named->name.len, ref.named->name.data,
                  (int) field->name.len, field->name.data);
        ids |= s_check_input (check, field->type, inner, depth + 1);
    }
    return ids;
}

size_t
gateway_node_resolvers (const gql_schema_t *schema, gql_resolver_entry_t *entries, size_t count, size_t size,
                        void **wrapped_p, char *error, size_t error_size)
{
    s_check_t check = { .error = error, .error_size = error_size };
    s_wrapped_t *wrapped = r5_calloc (size, sizeof *wrapped);
    *wrapped_p = wrapped;
    static const gql_resolver_entry_t s_node_fields [] = {
        { "Query.node", s_node, NULL },
        { "Query.nodes", s_nodes_field, NULL },
    };
    for (size_t i = 0; i < S_COUNT (s_node_fields) && count < size; i++)
        entries [count++] = s_node_fields [i];
    size_t type_count;
    const gql_type_t *const *types = gql_schema_types (schema, &type_count);
    for (size_t t = 0; t < type_count; t++) {
        const gql_type_t *type = types [t];
        if (type->builtin || type->kind != GQL_KIND_OBJECT)
            continue;
        for (size_t f = 0; f < type->field_count; f++) {
            const gql_field_t *field = &type->fields [f];
            char name [256];
            snprintf (name, sizeof name, "%.*s.%.*s", (int) type->name.len, type->name.data,
                      (int) field->name.len, field->name.data);
            if (gql_str_eq (field->type.named->name, "ID") && count < size) {
                s_check_site (&check, s_outputs, check.outputs, S_COUNT (s_outputs), name);
                const s_site_t *row = s_site_find (s_outputs, S_COUNT (s_outputs), name);
                if (row)
                    entries [count++] = (gql_resolver_entry_t) { row->site, s_encode, row };
            }
            bool ids = false;
            for (size_t a = 0; a < field->arg_count; a++) {
                char site [384];
                snprintf (site, sizeof site, "%s(%.*s)", name, (int) field->args [a].name.len,
                          field->args [a].name.data);
                ids |= s_check_input (&check, field->args [a].type, site, 0);
            }
            //  Its resolver sees service ids; a field with none would see global ones.
            bool resolved = false;
            for (size_t e = 0; ids && e < count; e++)
                if (streq (entries [e].name, name)) {
                    resolved = true;
                    if (entries [e].fn == s_node || entries [e].fn == s_nodes_field)
                        continue;
                    wrapped [e] = (s_wrapped_t) { entries [e].fn, entries [e].data };
                    entries [e].fn = s_decoded;
                    entries [e].data = &wrapped [e];
                }
            if (ids && !resolved && !check.failed) {
                check.failed = true;
                snprintf (error, error_size, "%s takes ids but has no resolver to read them", name);
            }
        }
    }
    for (size_t i = 0; i < S_COUNT (s_outputs) && !check.failed; i++)
        if (!check.outputs [i]) {
            check.failed = true;
            snprintf (error, error_size, "gateway_node.c names %s, which is no ID field of the schema", s_outputs [i].site);
        }
    for (size_t i = 0; i < S_COUNT (s_inputs) && !check.failed; i++)
        if (!check.inputs [i]) {
            check.failed = true;
            snprintf (error, error_size, "gateway_node.c names %s, which is no ID argument of the schema", s_inputs [i].site);
        }
    if (!check.failed && count >= size) {
        check.failed = true;
        snprintf (error, error_size, "too many resolvers");
    }
    return check.failed ? 0 : count;
}
