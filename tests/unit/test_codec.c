/*  test_codec: protobuf <-> BSON by the descriptors and the conventions.  */
#include "r5_codec.h"
#include "r5_test.h"
#include "r5/resource.pb-c.h"

#include <string.h>

//  The document as canonical extended JSON, for comparing shapes.
static char *
s_json (const bson_t *doc)
{
    return bson_as_canonical_extended_json (doc, NULL);
}

static void
test_enum_names (void)
{
    CHECK_STR (r5_codec_enum_name (&r5__role__descriptor, R5__ROLE__ROLE_OWNER), "OWNER");
    CHECK_STR (r5_codec_enum_name (&r5__target_kind__descriptor, R5__TARGET_KIND__TARGET_KIND_SCHEDULE), "SCHEDULE");
    CHECK_STR (r5_codec_enum_name (&r5__credential_kind__descriptor,
                                   R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN), "PERSONAL_ACCESS_TOKEN");
    CHECK (r5_codec_enum_name (&r5__role__descriptor, 99) == NULL);
    int value = -1;
    CHECK (r5_codec_enum_value (&r5__incident_status__descriptor, "ACKNOWLEDGED", &value) == 0
           && value == R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK (r5_codec_enum_value (&r5__incident_status__descriptor, "INCIDENT_STATUS_ACKNOWLEDGED", &value) == -1);
}

static void
test_round_trip (void)
{
    R5__Schedule schedule = R5__SCHEDULE__INIT;
    schedule.id = "5f0000000000000000000001";
    schedule.account_id = "acc";
    schedule.team_id = "team";
    schedule.name = "Primary";
    schedule.created_at_unix_ms = 1700000000123;
    R5__Shift shift = R5__SHIFT__INIT;
    shift.user_id = "u1";
    shift.start_unix_ms = 1000;
    shift.end_unix_ms = 2000;
    R5__Shift *shifts [] = { &shift };
    schedule.shifts = shifts;
    schedule.n_shifts = 1;
    R5__ScheduleOverride override = R5__SCHEDULE_OVERRIDE__INIT;
    override.id = "o1";
    override.user_id = "u2";
    override.created_by_id = "u3";
    R5__ScheduleOverride *overrides [] = { &override };
    schedule.overrides = overrides;
    schedule.n_overrides = 1;

    bson_t doc = BSON_INITIALIZER;
    CHECK (r5_codec_to_bson (&schedule.base, R5_CODEC_DOCUMENT, &doc) == 0);
    char *json = s_json (&doc);
    //  id is _id, times are dates without their suffix, zero times are absent,
    //  created_by_id is stored as created_by (the side table).
    CHECK (strstr (json, "\"_id\" : \"5f0000000000000000000001\""));
    CHECK (strstr (json, "\"created_at\" : { \"$date\" : { \"$numberLong\" : \"1700000000123\" } }"));
    CHECK (strstr (json, "\"start\" : { \"$date\""));
    CHECK (strstr (json, "\"created_by\" : \"u3\""));
    CHECK (!strstr (json, "unix_ms"));
    CHECK (strstr (json, "\"overrides\" : [ { \"id\" : \"o1\""));
    bson_free (json);

    char error [128] = "";
    R5__Schedule *back = (R5__Schedule *) r5_codec_from_bson (&r5__schedule__descriptor, &doc, error, sizeof error);
    CHECK (back);
    if (back) {
        CHECK_STR (back->id, "5f0000000000000000000001");
        CHECK_STR (back->name, "Primary");
        CHECK_STR (back->description, "");
        CHECK (back->created_at_unix_ms == 1700000000123);
        CHECK (back->n_shifts == 1 && back->shifts [0]->end_unix_ms == 2000);
        CHECK (back->n_overrides == 1 && strcmp (back->overrides [0]->created_by_id, "u3") == 0);
        protobuf_c_message_free_unpacked (&back->base, NULL);
    }
    bson_destroy (&doc);
}

static void
test_enums_and_lists (void)
{
    R5__Incident incident = R5__INCIDENT__INIT;
    incident.id = "i1";
    incident.status = R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED;
    char *teams [] = { "t1", "t2" };
    incident.team_ids = teams;
    incident.n_team_ids = 2;
    bson_t doc = BSON_INITIALIZER;
    CHECK (r5_codec_to_bson (&incident.base, R5_CODEC_DOCUMENT, &doc) == 0);
    char *json = s_json (&doc);
    CHECK (strstr (json, "\"status\" : \"TRIGGERED\""));
    CHECK (!strstr (json, "urgency"));          //  the zero enum is absent
    CHECK (strstr (json, "\"team_ids\" : [ \"t1\", \"t2\" ]"));
    bson_free (json);
    char error [128];
    R5__Incident *back = (R5__Incident *) r5_codec_from_bson (&r5__incident__descriptor, &doc, error, sizeof error);
    CHECK (back && back->status == R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED && back->n_team_ids == 2
           && back->urgency == 0);
    protobuf_c_message_free_unpacked (back ? &back->base : NULL, NULL);
    bson_destroy (&doc);
}

static void
test_update_fields (void)
{
    //  An update's $set: id left out, only the oneof fields that are set.
    R5__UpdateTeamRequest update = R5__UPDATE_TEAM_REQUEST__INIT;
    update.id = "t1";
    update.description_present_case = R5__UPDATE_TEAM_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    update.description = "";
    bson_t set = BSON_INITIALIZER;
    CHECK (r5_codec_to_bson (&update.base, R5_CODEC_FIELDS, &set) == 0);
    char *json = s_json (&set);
    CHECK_STR (json, "{ \"description\" : \"\" }");
    bson_free (json);
    bson_destroy (&set);
    char buffer [64];
    CHECK_STR (r5_codec_store_key (&r5__incident__descriptor, "acknowledged_at_unix_ms", R5_CODEC_DOCUMENT,
                                   buffer, sizeof buffer), "acknowledged_at");
    CHECK_STR (r5_codec_store_key (&r5__incident__descriptor, "id", R5_CODEC_DOCUMENT, buffer, sizeof buffer), "_id");
    CHECK (r5_codec_store_key (&r5__integration__descriptor, "key", R5_CODEC_DOCUMENT, buffer, sizeof buffer) == NULL);
}

static void
test_copy_fields (void)
{
    //  A create's input becomes its object by field name: the set presence
    //  oneofs and the plain fields of the same type, nothing else.
    R5__UpdateTeamRequest input = R5__UPDATE_TEAM_REQUEST__INIT;
    input.id = "t1";
    input.name_present_case = R5__UPDATE_TEAM_REQUEST__NAME_PRESENT_NAME;
    input.name = "Ops";
    R5__Team team = R5__TEAM__INIT;
    team.description = "kept";
    r5_codec_copy_fields (&input.base, &team.base);
    CHECK_STR (team.id, "t1");
    CHECK_STR (team.name, "Ops");
    CHECK_STR (team.description, "kept");       //  not set in the input
    R5__CreateIncidentRequest create = R5__CREATE_INCIDENT_REQUEST__INIT;
    create.title = "Disk full";
    create.urgency = R5__URGENCY__URGENCY_LOW;
    R5__Incident incident = R5__INCIDENT__INIT;
    r5_codec_copy_fields (&create.base, &incident.base);
    CHECK_STR (incident.title, "Disk full");
    CHECK (incident.urgency == R5__URGENCY__URGENCY_LOW);
    CHECK (incident.n_team_ids == 0);           //  repeated fields are not copied
}

//  Documents that do not fit their message are refused with a line, never asserted.
static void
test_refusals (void)
{
    static const char *s_bad [] = {
        "{\"_id\": \"x\", \"name\": 3}",                            //  a number for a string
        "{\"_id\": \"x\", \"name\": \"a\", \"name\": \"b\"}",          //  a key twice
        "{\"_id\": \"x\", \"role\": \"EMPEROR\"}",                  //  no such enum value
        "{\"_id\": \"x\", \"created_at\": 5}",                      //  a number for a date
        "{\"_id\": \"x\", \"active\": \"yes\"}",                    //  a string for a boolean
    };
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad [0]; i++) {
        bson_error_t parse;
        bson_t *doc = bson_new_from_json ((const uint8_t *) s_bad [i], -1, &parse);
        CHECK (doc);
        char error [128] = "";
        ProtobufCMessage *user = doc ? r5_codec_from_bson (&r5__user__descriptor, doc, error, sizeof error) : NULL;
        CHECK (user == NULL && *error);
        protobuf_c_message_free_unpacked (user, NULL);
        bson_destroy (doc);
    }
    //  A NUL inside a stored string.
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&doc, "_id", "x");
    bson_append_utf8 (&doc, "name", -1, "a\0b", 3);
    char error [128] = "";
    CHECK (r5_codec_from_bson (&r5__user__descriptor, &doc, error, sizeof error) == NULL);
    bson_destroy (&doc);
    //  Failing deep inside a list frees what was read so far (ASan checks).
    bson_error_t parse;
    bson_t *policy = bson_new_from_json ((const uint8_t *)
        "{\"_id\": \"p\", \"steps\": [{\"delay_minutes\": 5, \"targets\": [{\"kind\": \"USER\", \"id\": \"u\"}]},"
        " {\"delay_minutes\": 5, \"targets\": [{\"kind\": \"NOBODY\", \"id\": \"u\"}]}]}", -1, &parse);
    CHECK (r5_codec_from_bson (&r5__escalation_policy__descriptor, policy, error, sizeof error) == NULL);
    bson_destroy (policy);
    //  Unknown keys (digests, versions) are skipped; integers of any width fit.
    bson_t *user_doc = bson_new_from_json ((const uint8_t *)
        "{\"_id\": \"u\", \"password_hash\": \"$argon2id$\", \"version\": 3, \"role\": \"MEMBER\"}", -1, &parse);
    R5__User *user = (R5__User *) r5_codec_from_bson (&r5__user__descriptor, user_doc, error, sizeof error);
    CHECK (user && user->role == R5__ROLE__ROLE_MEMBER);
    protobuf_c_message_free_unpacked (user ? &user->base : NULL, NULL);
    bson_destroy (user_doc);
    bson_t *rule = bson_new_from_json ((const uint8_t *) "{\"_id\": \"r\", \"delay_minutes\": {\"$numberLong\": \"7\"}}",
                                       -1, &parse);
    R5__NotificationRule *back = (R5__NotificationRule *)
        r5_codec_from_bson (&r5__notification_rule__descriptor, rule, error, sizeof error);
    CHECK (back && back->delay_minutes == 7);
    protobuf_c_message_free_unpacked (back ? &back->base : NULL, NULL);
    bson_destroy (rule);
}

//  The stored names r5-resource wrote before the codec: an incident's creator
//  is created_by, and a notification rule's "any urgency" is "".
static void
test_resource_exceptions (void)
{
    R5__Incident incident = R5__INCIDENT__INIT;
    incident.id = "i1";
    incident.created_by_id = "integration:5f0000000000000000000001";
    bson_t doc = BSON_INITIALIZER;
    CHECK (r5_codec_to_bson (&incident.base, R5_CODEC_DOCUMENT, &doc) == 0);
    char *json = s_json (&doc);
    CHECK (strstr (json, "\"created_by\" : \"integration:5f0000000000000000000001\""));
    CHECK (!strstr (json, "created_by_id"));
    bson_free (json);
    char error [128] = "", buffer [64];
    R5__Incident *back = (R5__Incident *) r5_codec_from_bson (&r5__incident__descriptor, &doc, error, sizeof error);
    CHECK (back && strcmp (back->created_by_id, "integration:5f0000000000000000000001") == 0);
    protobuf_c_message_free_unpacked (back ? &back->base : NULL, NULL);
    bson_destroy (&doc);
    CHECK_STR (r5_codec_store_key (&r5__incident__descriptor, "created_by_id", R5_CODEC_DOCUMENT, buffer,
                                   sizeof buffer), "created_by");

    bson_error_t parse;
    bson_t *rule = bson_new_from_json ((const uint8_t *) "{\"_id\": \"r\", \"urgency\": \"\"}", -1, &parse);
    R5__NotificationRule *any = (R5__NotificationRule *)
        r5_codec_from_bson (&r5__notification_rule__descriptor, rule, error, sizeof error);
    CHECK (any && any->urgency == R5__URGENCY__URGENCY_UNSPECIFIED);
    protobuf_c_message_free_unpacked (any ? &any->base : NULL, NULL);
    bson_destroy (rule);
}

int
main (void)
{
    R5_TEST_RUN (test_enum_names);
    R5_TEST_RUN (test_round_trip);
    R5_TEST_RUN (test_enums_and_lists);
    R5_TEST_RUN (test_update_fields);
    R5_TEST_RUN (test_copy_fields);
    R5_TEST_RUN (test_refusals);
    R5_TEST_RUN (test_resource_exceptions);
    return r5_test_report ("test_codec");
}
