/*  test_gateway_codec: replies become the JSON their GraphQL types resolve
    from, GraphQL input becomes request messages, and what does not fit is
    refused with a BAD_USER_INPUT error naming the place. Every message built
    here is freed with protobuf_c_message_free_unpacked (ASan checks it).  */
#include "gateway_codec.h"
#include "r5_test.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"

#include <string.h>

//  The JSON text of value (compact, keys sorted), to compare as a string.
static char *
s_dump (json_t *value)
{
    return value ? json_dumps (value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : strdup ("NULL");
}

#define CHECK_JSON(value, expected) do { \
    char *text_ = s_dump (value); \
    CHECK_STR (text_, expected); \
    free (text_); \
} while (0)

static void
test_reply_to_json (void)
{
    //  Names, __typename, DateTime, enums, nested messages and lists.
    R5__IncidentNote note = R5__INCIDENT_NOTE__INIT;
    note.id = "n1";
    note.body = "looking";
    note.author_id = "u2";
    note.created_at_unix_ms = 1800000000123;
    R5__IncidentNote *notes [] = { &note };
    char *teams [] = { "t1", "t2" };
    R5__Incident incident = R5__INCIDENT__INIT;
    incident.id = "i1";
    incident.title = "down";
    incident.status = R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED;
    incident.urgency = R5__URGENCY__URGENCY_LOW;
    incident.team_ids = teams;
    incident.n_team_ids = 2;
    incident.created_at_unix_ms = 1800000000000;
    json_t *json = gateway_codec_to_json (&incident.base);
    CHECK_JSON (json_object_get (json, "__typename"), "\"Incident\"");
    CHECK_JSON (json_object_get (json, "status"), "\"ACKNOWLEDGED\"");
    CHECK_JSON (json_object_get (json, "urgency"), "\"LOW\"");
    CHECK_JSON (json_object_get (json, "createdAt"), "\"2027-01-15T08:00:00.000Z\"");
    //  0 is "never": null, and so is an enum's zero value.
    CHECK_JSON (json_object_get (json, "acknowledgedAt"), "null");
    CHECK_JSON (json_object_get (json, "teamIds"), "[\"t1\",\"t2\"]");
    CHECK_JSON (json_object_get (json, "userIds"), "[]");
    CHECK_JSON (json_object_get (json, "createdById"), "\"\"");
    CHECK (json_object_get (json, "created_at_unix_ms") == NULL);
    json_decref (json);
    //  A list of nested messages: a page of notes.
    R5__Objects page = R5__OBJECTS__INIT;
    page.incident_notes = notes;
    page.n_incident_notes = 1;
    json = gateway_codec_to_json (&page.base);
    CHECK_JSON (json_object_get (json, "incidentNotes"), "[{\"__typename\":\"IncidentNote\",\"authorId\":\"u2\","
                                                         "\"body\":\"looking\",\"createdAt\":\"2027-01-15T08:00:00.123Z\","
                                                         "\"id\":\"n1\"}]");
    json_decref (json);

    R5__NotificationRule rule = R5__NOTIFICATION_RULE__INIT;
    json = gateway_codec_to_json (&rule.base);
    CHECK_JSON (json_object_get (json, "urgency"), "null");
    CHECK_JSON (json_object_get (json, "delayMinutes"), "0");
    json_decref (json);

    //  Scope names are GraphQL's; the side table's exceptions apply.
    R5__Scope scopes [] = { R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_NOTIFICATION_RULES_WRITE, 99 };
    R5__Token token = R5__TOKEN__INIT;
    token.id = "k1";
    token.scopes = scopes;
    token.n_scopes = 3;
    json = gateway_codec_to_json (&token.base);
    CHECK_JSON (json_object_get (json, "__typename"), "\"PersonalAccessToken\"");
    CHECK_JSON (json_object_get (json, "scopes"), "[\"incidentsRead\",\"notificationRulesWrite\"]");
    CHECK_JSON (json_object_get (json, "lastUsedIp"), "null");
    CHECK_JSON (json_object_get (json, "lastUsedAt"), "null");
    json_decref (json);

    R5__Integration integration = R5__INTEGRATION__INIT;
    integration.key = "r5i_secret";
    integration.key_hint = "r5i_…cret";
    json = gateway_codec_to_json (&integration.base);
    CHECK (json_object_get (json, "key") == NULL);
    CHECK_JSON (json_object_get (json, "keyHint"), "\"r5i_…cret\"");
    json_decref (json);

    CHECK (gateway_codec_to_json (NULL) == NULL);
}

//  Build a message from JSON text; NULL with error set when refused.
static ProtobufCMessage *
s_from (const ProtobufCMessageDescriptor *descriptor, const char *text, gql_field_error_t *error)
{
    memset (error, 0, sizeof *error);
    json_t *input = json_loads (text, JSON_ALLOW_NUL, NULL);
    CHECK (input != NULL);
    ProtobufCMessage *message = gateway_codec_from_json (descriptor, input, error);
    json_decref (input);
    return message;
}

static void
test_input_to_message (void)
{
    gql_field_error_t error;
    R5__CreateEscalationPolicyRequest *create = (R5__CreateEscalationPolicyRequest *)
        s_from (&r5__create_escalation_policy_request__descriptor,
                "{\"teamId\": \"t1\", \"name\": \"day\", \"description\": \"\", \"steps\": ["
                "{\"delayMinutes\": 5, \"targets\": [{\"kind\": \"SCHEDULE\", \"id\": \"s1\"}, {\"kind\": \"USER\", \"id\": \"u1\"}]},"
                "{\"delayMinutes\": 0, \"targets\": []}]}", &error);
    CHECK (create != NULL);
    if (create) {
        CHECK_STR (create->team_id, "t1");
        CHECK (create->n_steps == 2);
        CHECK (create->steps [0]->delay_minutes == 5);
        CHECK (create->steps [0]->n_targets == 2);
        CHECK (create->steps [0]->targets [0]->kind == R5__TARGET_KIND__TARGET_KIND_SCHEDULE);
        CHECK_STR (create->steps [0]->targets [1]->id, "u1");
        protobuf_c_message_free_unpacked (&create->base, NULL);
    }

    //  Presence: a key present and non-null sets its oneof; a list sets set_<list>.
    R5__UpdateScheduleRequest *update = (R5__UpdateScheduleRequest *)
        s_from (&r5__update_schedule_request__descriptor,
                "{\"id\": \"s1\", \"name\": \"nights\", \"description\": null, \"shifts\": ["
                "{\"userId\": \"u1\", \"start\": \"2027-01-15T08:00:00Z\", \"end\": \"2027-01-15T10:00:00.5+01:00\"}]}",
                &error);
    CHECK (update != NULL);
    if (update) {
        CHECK (update->name_present_case == R5__UPDATE_SCHEDULE_REQUEST__NAME_PRESENT_NAME);
        CHECK_STR (update->name, "nights");
        CHECK (update->description_present_case == R5__UPDATE_SCHEDULE_REQUEST__DESCRIPTION_PRESENT__NOT_SET);
        CHECK (update->time_zone_present_case == R5__UPDATE_SCHEDULE_REQUEST__TIME_ZONE_PRESENT__NOT_SET);
        CHECK (update->set_shifts);
        CHECK (update->n_shifts == 1);
        CHECK (update->shifts [0]->start_unix_ms == 1800000000000);
        CHECK (update->shifts [0]->end_unix_ms == 1800000000000 + 3600000 + 500);
        protobuf_c_message_free_unpacked (&update->base, NULL);
    }
    update = (R5__UpdateScheduleRequest *) s_from (&r5__update_schedule_request__descriptor,
                                                   "{\"id\": \"s1\", \"shifts\": null}", &error);
    CHECK (update && !update->set_shifts);
    if (update)
        protobuf_c_message_free_unpacked (&update->base, NULL);

    //  Scopes by their GraphQL names, enums without their prefix.
    R5__UpdateTokenRequest *token = (R5__UpdateTokenRequest *)
        s_from (&r5__update_token_request__descriptor, "{\"id\": \"k\", \"scopes\": [\"teamsRead\", \"usersWrite\"]}",
                &error);
    CHECK (token && token->set_scopes && token->n_scopes == 2 && token->scopes [1] == R5__SCOPE__SCOPE_USERS_WRITE);
    if (token)
        protobuf_c_message_free_unpacked (&token->base, NULL);
    R5__CreateUserRequest *user = (R5__CreateUserRequest *)
        s_from (&r5__create_user_request__descriptor, "{\"email\": \"a@b\", \"role\": \"ADMINISTRATOR\"}", &error);
    CHECK (user && user->role == R5__ROLE__ROLE_ADMINISTRATOR);
    if (user)
        protobuf_c_message_free_unpacked (&user->base, NULL);
}

//  Every refusal: NULL, BAD_USER_INPUT, the place and the problem in the message.
static void
s_refused (const ProtobufCMessageDescriptor *descriptor, const char *text, const char *message)
{
    gql_field_error_t error;
    ProtobufCMessage *built = s_from (descriptor, text, &error);
    CHECK (built == NULL);
    if (built)
        protobuf_c_message_free_unpacked (built, NULL);
    CHECK_STR (error.code, "BAD_USER_INPUT");
    CHECK_STR (error.message, message);
    json_decref (error.extensions);
}

static void
test_refusals (void)
{
    const ProtobufCMessageDescriptor *policy = &r5__create_escalation_policy_request__descriptor;
    s_refused (policy, "{\"name\": 5}", "name must be a string");
    s_refused (policy, "{\"nope\": 1}", "nope is not a known input field");
    s_refused (policy, "{\"team_id\": \"t\"}", "team_id is not a known input field");
    s_refused (policy, "{\"steps\": [{\"delayMinutes\": 2147483648}]}", "steps[0].delayMinutes must be a 32-bit integer");
    s_refused (policy, "{\"steps\": [{\"targets\": [{\"kind\": \"TEAM\"}]}]}", "steps[0].targets[0].kind is not a known TargetKind");
    s_refused (policy, "{\"steps\": [{\"targets\": [{\"kind\": \"UNSPECIFIED\"}]}]}",
               "steps[0].targets[0].kind is not a known TargetKind");
    s_refused (policy, "{\"steps\": [null]}", "steps[0] must not be null");
    s_refused (policy, "{\"steps\": {}}", "steps must be a list");
    s_refused (policy, "{\"steps\": [{\"targets\": [{\"id\": \"x\"}, 3]}]}", "steps[0].targets[1] must be an object");
    //  A failure after strings and messages were built frees them all (ASan).
    s_refused (policy, "{\"name\": \"n\", \"steps\": [{\"targets\": [{\"id\": \"a\"}, {\"id\": \"b\", \"kind\": 1}]}]}",
               "steps[0].targets[1].kind is not a known TargetKind");
    s_refused (&r5__create_schedule_override_request__descriptor, "{\"start\": \"yesterday\"}",
               "start is not an RFC 3339 date-time");
    s_refused (&r5__update_token_request__descriptor, "{\"scopes\": [\"root\"]}", "scopes[0] is not a known Scope");
    s_refused (&r5__update_token_request__descriptor, "{\"setScopes\": true}", "setScopes is not a known input field");
    s_refused (&r5__update_team_request__descriptor, "{\"id\": \"t\", \"name\": \"a\\u0000b\"}",
               "name may not contain NUL characters");
    s_refused (&r5__team_member_request__descriptor, "{\"teamAdmin\": \"yes\"}", "teamAdmin must be a boolean");

    //  Length caps: 100 by default, 200 shifts by the side table.
    json_t *ids = json_array ();
    for (int i = 0; i < 101; i++)
        json_array_append_new (ids, json_string ("t"));
    json_t *input = json_pack ("{s:O}", "teamIds", ids);
    gql_field_error_t error = { 0 };
    CHECK (gateway_codec_from_json (&r5__create_incident_request__descriptor, input, &error) == NULL);
    CHECK_STR (error.message, "teamIds holds too many items (at most 100)");
    json_decref (input);
    json_decref (ids);
    json_t *shifts = json_array ();
    for (int i = 0; i < 200; i++)
        json_array_append_new (shifts, json_pack ("{s:s,s:s,s:s}", "userId", "u", "start", "2027-01-15T08:00:00Z",
                                                  "end", "2027-01-15T09:00:00Z"));
    input = json_pack ("{s:s,s:O}", "teamId", "t", "shifts", shifts);
    ProtobufCMessage *schedule = gateway_codec_from_json (&r5__create_schedule_request__descriptor, input, &error);
    CHECK (schedule && ((R5__CreateScheduleRequest *) schedule)->n_shifts == 200);
    if (schedule)
        protobuf_c_message_free_unpacked (schedule, NULL);
    json_array_append_new (shifts, json_pack ("{}"));
    json_object_set (input, "shifts", shifts);
    CHECK (gateway_codec_from_json (&r5__create_schedule_request__descriptor, input, &error) == NULL);
    CHECK_STR (error.message, "shifts holds too many items (at most 200)");
    json_decref (input);
    json_decref (shifts);
    json_t *scalar = json_integer (1);
    CHECK (gateway_codec_from_json (&r5__create_team_request__descriptor, scalar, &error) == NULL);
    json_decref (scalar);
}

//  Remove "__typename" from value and everything inside it.
static void
s_strip_typename (json_t *value)
{
    const char *key;
    json_t *member;
    size_t index;
    json_object_del (value, "__typename");
    json_object_foreach (value, key, member)
        s_strip_typename (member);
    json_array_foreach (value, index, member)
        s_strip_typename (member);
}

//  A message written to JSON and read back is the same message.
static void
test_round_trip (void)
{
    R5__EscalationTarget target = R5__ESCALATION_TARGET__INIT;
    target.kind = R5__TARGET_KIND__TARGET_KIND_USER;
    target.id = "u7";
    R5__EscalationTarget *targets [] = { &target };
    R5__EscalationStep step = R5__ESCALATION_STEP__INIT;
    step.delay_minutes = 30;
    step.targets = targets;
    step.n_targets = 1;
    R5__EscalationStep *steps [] = { &step };
    R5__CreateEscalationPolicyRequest request = R5__CREATE_ESCALATION_POLICY_REQUEST__INIT;
    request.team_id = "t1";
    request.name = "weekend";
    request.description = "two steps";
    request.steps = steps;
    request.n_steps = 1;
    json_t *json = gateway_codec_to_json (&request.base);
    //  __typename is output only: the input side does not know it.
    s_strip_typename (json);
    gql_field_error_t error = { 0 };
    ProtobufCMessage *back = gateway_codec_from_json (&r5__create_escalation_policy_request__descriptor, json, &error);
    CHECK (back != NULL);
    if (back) {
        uint8_t a [256], b [256];
        size_t length = protobuf_c_message_get_packed_size (&request.base);
        CHECK (length == protobuf_c_message_get_packed_size (back) && length <= sizeof a);
        protobuf_c_message_pack (&request.base, a);
        protobuf_c_message_pack (back, b);
        CHECK (memcmp (a, b, length) == 0);
        protobuf_c_message_free_unpacked (back, NULL);
    }
    json_decref (json);

    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    R5__Scope scopes [] = { R5__SCOPE__SCOPE_SCHEDULES_READ };
    update.id = "k2";
    update.description_present_case = R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    update.description = "ci";
    update.set_scopes = true;
    update.scopes = scopes;
    update.n_scopes = 1;
    json = gateway_codec_to_json (&update.base);
    CHECK_JSON (json, "{\"__typename\":\"UpdateTokenRequest\",\"description\":\"ci\",\"id\":\"k2\","
                      "\"idempotencyKey\":\"\",\"scopes\":[\"schedulesRead\"],\"setScopes\":true,"
                      "\"setTeamIds\":false,\"teamIds\":[]}");
    json_object_del (json, "__typename");
    json_object_del (json, "setScopes");
    json_object_del (json, "setTeamIds");
    json_object_del (json, "teamIds");
    back = gateway_codec_from_json (&r5__update_token_request__descriptor, json, &error);
    CHECK (back != NULL);
    if (back) {
        R5__UpdateTokenRequest *read = (R5__UpdateTokenRequest *) back;
        CHECK (read->description_present_case == R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION);
        CHECK_STR (read->description, "ci");
        CHECK (read->set_scopes && read->n_scopes == 1 && read->scopes [0] == R5__SCOPE__SCOPE_SCHEDULES_READ);
        //  teamIds not given: the restriction is left as it is.
        CHECK (!read->set_team_ids && read->n_team_ids == 0);
        protobuf_c_message_free_unpacked (back, NULL);
    }
    //  teamIds given, even empty: the restriction is replaced (an empty list lifts it).
    json_object_set_new (json, "teamIds", json_array ());
    back = gateway_codec_from_json (&r5__update_token_request__descriptor, json, &error);
    CHECK (back && ((R5__UpdateTokenRequest *) back)->set_team_ids && ((R5__UpdateTokenRequest *) back)->n_team_ids == 0);
    if (back)
        protobuf_c_message_free_unpacked (back, NULL);
    json_decref (json);
}

int
main (void)
{
    R5_TEST_RUN (test_reply_to_json);
    R5_TEST_RUN (test_input_to_message);
    R5_TEST_RUN (test_refusals);
    R5_TEST_RUN (test_round_trip);
    return r5_test_report ("test_gateway_codec");
}
