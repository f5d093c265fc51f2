/*  resource_oncall: escalation policies, schedules, integrations.  */
#include "resource_oncall.h"
#include "resource_bson.h"
#include "resource_incidents.h"
#include "resource_pending.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_codec.h"
#include "r5_time.h"

#include <czmq.h>
#include <sodium.h>
#include <string.h>

#define S_MAX_STEPS 20
#define S_MAX_TARGETS 10
#define S_MAX_DELAY 1440
#define S_MAX_SHIFTS 200
#define S_MAX_OVERRIDES 500
#define S_OVERRIDES_FULL "a schedule has at most 500 overrides"
#define S_KEY_CHARS 32

//  Pages of the account's, or of one team's, objects (sorted on _id).
const r5_mongo_index_t resource_oncall_team_indexes [2] = {
    { "account_id_id", "{\"account_id\": 1, \"_id\": 1}", false, NULL },
    { "account_team_id", "{\"account_id\": 1, \"team_id\": 1, \"_id\": 1}", false, NULL },
};
const r5_mongo_index_t resource_oncall_integration_indexes [3] = {
    { "account_id_id", "{\"account_id\": 1, \"_id\": 1}", false, NULL },
    { "account_team_id", "{\"account_id\": 1, \"team_id\": 1, \"_id\": 1}", false, NULL },
    { "key_hash", "{\"key_hash\": 1}", true, NULL },
};

static const resource_type_t *
s_type (R5__ResourceType type)
{
    return resource_type_of (type);
}
#define S_POLICIES s_type (R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES)
#define S_SCHEDULES s_type (R5__RESOURCE_TYPE__RESOURCE_SCHEDULES)
#define S_INTEGRATIONS s_type (R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS)

//  =========================================================================
//  Validation
//  =========================================================================

//  Add id to a set of distinct ids (borrowed).
static void
s_distinct (char **set, size_t *count, size_t max, char *id)
{
    for (size_t i = 0; i < *count; i++)
        if (streq (set [i], id))
            return;
    if (*count < max)
        set [(*count)++] = id;
}

//  Check steps and the users and schedules they name. 0, or -1 with the reply set.
static int
s_check_steps (resource_call_t *call, R5__EscalationStep **steps, size_t count)
{
    if (count < 1 || count > S_MAX_STEPS)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "steps must hold 1 to 20 steps");
    char *users [S_MAX_STEPS * S_MAX_TARGETS], *schedules [S_MAX_STEPS * S_MAX_TARGETS];
    size_t n_users = 0, n_schedules = 0;
    for (size_t i = 0; i < count; i++) {
        if (steps [i]->delay_minutes < 0 || steps [i]->delay_minutes > S_MAX_DELAY)
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "delayMinutes must be 0 to 1440");
        if (steps [i]->n_targets < 1 || steps [i]->n_targets > S_MAX_TARGETS)
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "each step needs 1 to 10 targets");
        for (size_t j = 0; j < steps [i]->n_targets; j++) {
            R5__EscalationTarget *target = steps [i]->targets [j];
            if (!resource_validate_id (target->id))
                return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a target id is not valid");
            if (target->kind == R5__TARGET_KIND__TARGET_KIND_USER)
                s_distinct (users, &n_users, S_MAX_STEPS * S_MAX_TARGETS, target->id);
            else
            if (target->kind == R5__TARGET_KIND__TARGET_KIND_SCHEDULE)
                s_distinct (schedules, &n_schedules, S_MAX_STEPS * S_MAX_TARGETS, target->id);
            else
                return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a target kind must be USER or SCHEDULE");
        }
    }
    return resource_store_references (call, "users", users, n_users, "a target names a user that does not exist")
        || resource_store_references (call, "schedules", schedules, n_schedules,
                                      "a target names a schedule that does not exist") ? -1 : 0;
}

//  Check shifts and the users they name. 0 or -1 (reply set).
static int
s_check_shifts (resource_call_t *call, R5__Shift **shifts, size_t count)
{
    if (count > S_MAX_SHIFTS)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a schedule has at most 200 shifts");
    char *users [S_MAX_SHIFTS];
    size_t n_users = 0;
    for (size_t i = 0; i < count; i++) {
        if (!resource_validate_id (shifts [i]->user_id))
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a shift's userId is not valid");
        if (shifts [i]->start_unix_ms <= 0 || shifts [i]->end_unix_ms <= shifts [i]->start_unix_ms)
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a shift must end after it starts");
        s_distinct (users, &n_users, S_MAX_SHIFTS, shifts [i]->user_id);
    }
    return resource_store_references (call, "users", users, n_users, "a shift names a user that does not exist");
}

//  An IANA-like zone name: letters, digits, '/', '_', '+', '-'; 1..64 characters.
static const char *
s_validate_zone (const char *zone)
{
    size_t length = zone ? strlen (zone) : 0;
    if (length < 1 || length > 64)
        return "timeZone must be 1 to 64 characters";
    for (const char *c = zone; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
        ||    *c == '/' || *c == '_' || *c == '+' || *c == '-'))
            return "timeZone is not a time zone name";
    return NULL;
}

//  The text fields of the on-call setup's creates and updates, by name (a
//  request without one of them skips its rule).
static const resource_text_rule_t s_text_rules [] = { RESOURCE_RULE_NAME, RESOURCE_RULE_DESCRIPTION };

static int
s_check_text (resource_call_t *call, const ProtobufCMessage *request)
{
    return resource_call_check_text (call, request, s_text_rules, sizeof s_text_rules / sizeof s_text_rules [0]);
}

//  The update of a partial update request: its set fields ($set, without
//  the set_<list> flag, and without the list unless it is set) and updated_at.
static void
s_update (const ProtobufCMessage *request, const char *flag, const char *list, bool set_list, bson_t *update)
{
    bson_t set;
    const char *skip [] = { flag, set_list ? NULL : list };
    BSON_APPEND_DOCUMENT_BEGIN (update, "$set", &set);
    resource_bson_set_fields (request, skip, 2, &set);
    BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
    bson_append_document_end (update, &set);
}

//  =========================================================================
//  Escalation policies
//  =========================================================================

void
resource_oncall_on_create_policy (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateEscalationPolicyRequest *request = envelope->create_escalation_policy;
    if (s_check_text (call, &request->base)
    ||  resource_store_decide_create (call, S_POLICIES, request->team_id)
    ||  s_check_steps (call, request->steps, request->n_steps))
        return;
    char id [25];
    R5__EscalationPolicy policy = R5__ESCALATION_POLICY__INIT;
    resource_store_prepare (call, S_POLICIES, &request->base, &policy.base, id);
    resource_store_insert (call, S_POLICIES, &policy.base, NULL);
}

void
resource_oncall_on_update_policy (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__UpdateEscalationPolicyRequest *request = envelope->update_escalation_policy;
    if (s_check_text (call, &request->base))
        return;
    resource_object_t object;
    //  The steps are checked once the update is decided (their references are lookups).
    if (resource_store_load (call, S_POLICIES, request->id, R5__VERB__VERB_UPDATE, &object) == 0
    &&  (!request->set_steps || s_check_steps (call, request->steps, request->n_steps) == 0)) {
        bson_t update = BSON_INITIALIZER;
        s_update (&request->base, "set_steps", "steps", request->set_steps, &update);
        resource_store_update (call, S_POLICIES, request->id, &update);
        bson_destroy (&update);
    }
    resource_object_clear (&object);
}

//  =========================================================================
//  Schedules
//  =========================================================================

void
resource_oncall_on_create_schedule (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateScheduleRequest *request = envelope->create_schedule;
    const char *zone = *request->time_zone ? request->time_zone : "UTC";
    const char *message = s_validate_zone (zone);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (s_check_text (call, &request->base)
    ||  resource_store_decide_create (call, S_SCHEDULES, request->team_id)
    ||  s_check_shifts (call, request->shifts, request->n_shifts))
        return;
    char id [25];
    R5__Schedule schedule = R5__SCHEDULE__INIT;
    resource_store_prepare (call, S_SCHEDULES, &request->base, &schedule.base, id);
    schedule.time_zone = (char *) zone;
    resource_store_insert (call, S_SCHEDULES, &schedule.base, NULL);
}

void
resource_oncall_on_update_schedule (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__UpdateScheduleRequest *request = envelope->update_schedule;
    bool zone = request->time_zone_present_case == R5__UPDATE_SCHEDULE_REQUEST__TIME_ZONE_PRESENT_TIME_ZONE;
    const char *message = zone ? s_validate_zone (request->time_zone) : NULL;
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (s_check_text (call, &request->base))
        return;
    resource_object_t object;
    if (resource_store_load (call, S_SCHEDULES, request->id, R5__VERB__VERB_UPDATE, &object) == 0
    &&  (!request->set_shifts || s_check_shifts (call, request->shifts, request->n_shifts) == 0)) {
        bson_t update = BSON_INITIALIZER;
        s_update (&request->base, "set_shifts", "shifts", request->set_shifts, &update);
        resource_store_update (call, S_SCHEDULES, request->id, &update);
        bson_destroy (&update);
    }
    resource_object_clear (&object);
}

void
resource_oncall_on_create_override (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateScheduleOverrideRequest *request = envelope->create_schedule_override;
    if (!resource_validate_id (request->user_id)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not valid");
        return;
    }
    if (request->start_unix_ms <= 0 || request->end_unix_ms <= request->start_unix_ms) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an override must end after it starts");
        return;
    }
    resource_object_t object, changed = { 0 };
    char *users [1] = { request->user_id };
    if (resource_store_load (call, S_SCHEDULES, request->schedule_id, R5__VERB__VERB_CREATE_OVERRIDE, &object)
    ||  resource_store_references (call, "users", users, 1, "userId names a user that does not exist"))
        goto cleanup;
    //  The cap keeps a schedule's document from growing with use. Checked
    //  here for a clear answer, and held by the push's own filter below.
    if (((const R5__Schedule *) object.message)->n_overrides >= S_MAX_OVERRIDES) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_OVERRIDES_FULL);
        goto cleanup;
    }
    char id [25];
    r5_mongo_new_id (id);
    R5__ScheduleOverride override = R5__SCHEDULE_OVERRIDE__INIT;
    override.id = id;
    override.user_id = request->user_id;
    override.start_unix_ms = request->start_unix_ms;
    override.end_unix_ms = request->end_unix_ms;
    override.created_by_id = (char *) call->principal->user_id;
    override.created_at_unix_ms = r5_now_ms ();
    R5__ScheduleOverride *overrides [1] = { &override };
    R5__Schedule holder = R5__SCHEDULE__INIT;
    holder.overrides = overrides;
    holder.n_overrides = 1;
    //  The override through the codec, as the schedule stores its overrides.
    bson_t update = BSON_INITIALIZER;
    resource_bson_push_item (&holder.base, "overrides", &update);
    bson_t *set = BCON_NEW ("$set", "{", "updated_at", BCON_DATE_TIME (override.created_at_unix_ms), "}");
    bson_concat (&update, set);
    //  Only while the array has no element at the cap's index: two pushes
    //  that both read 499 cannot both land.
    char full [32];
    snprintf (full, sizeof full, "overrides.%d", S_MAX_OVERRIDES - 1);
    bson_t *filter = resource_bson_id_filter (request->schedule_id, call->principal->account_id);
    BCON_APPEND (filter, full, "{", "$exists", BCON_BOOL (false), "}");
    if (resource_store_modify (call, S_SCHEDULES, filter, &update, &changed) == 0) {
        if (changed.doc)
            resource_store_reply (call, S_SCHEDULES, &changed);
        else {
            //  Full, or deleted meanwhile: the schedule as it is now tells which.
            resource_object_clear (&object);
            if (resource_store_find (call, S_SCHEDULES, request->schedule_id, &object) == 0)
                resource_call_fail (call, object.doc ? R5__STATUS__STATUS_BAD_INPUT : R5__STATUS__STATUS_NOT_FOUND,
                                    object.doc ? S_OVERRIDES_FULL : "no such schedule");
        }
    }
    bson_destroy (filter);
    bson_destroy (set);
    bson_destroy (&update);

cleanup:
    resource_object_clear (&changed);
    resource_object_clear (&object);
}

//  =========================================================================
//  Integrations
//  =========================================================================

static const char s_base62 [] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

//  The hex BLAKE2b-256 digest of an integration key, its form at rest.
static void
s_key_digest (const char *key, char hex [65])
{
    unsigned char digest [32];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) key, strlen (key), NULL, 0);
    sodium_bin2hex (hex, 65, digest, sizeof digest);
}

void
resource_oncall_on_create_integration (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateIntegrationRequest *request = envelope->create_integration;
    if (s_check_text (call, &request->base)
    ||  resource_store_decide_create (call, S_INTEGRATIONS, request->team_id))
        return;
    //  r5i_ + 32 base62 characters from the CSPRNG (190 bits).
    char key [4 + S_KEY_CHARS + 1] = "r5i_";
    for (int i = 0; i < S_KEY_CHARS; i++)
        key [4 + i] = s_base62 [randombytes_uniform (62)];
    key [4 + S_KEY_CHARS] = 0;
    char digest_hex [65];
    s_key_digest (key, digest_hex);
    char hint [16];
    snprintf (hint, sizeof hint, "r5i_\xe2\x80\xa6%s", key + 4 + S_KEY_CHARS - 4);

    char id [25];
    R5__Integration integration = R5__INTEGRATION__INIT;
    resource_store_prepare (call, S_INTEGRATIONS, &request->base, &integration.base, id);
    integration.key_hint = hint;
    bson_t *extra = BCON_NEW ("key_hash", BCON_UTF8 (digest_hex));
    if (resource_store_insert (call, S_INTEGRATIONS, &integration.base, extra) == 0)
        //  The key in clear exists only in this reply.
        call->reply->objects->integrations [0]->key = r5_strdup (key);
    sodium_memzero (key, sizeof key);
    bson_destroy (extra);
}

void
resource_oncall_on_update_integration (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__UpdateIntegrationRequest *request = envelope->update_integration;
    if (s_check_text (call, &request->base))
        return;
    resource_object_t object;
    if (resource_store_load (call, S_INTEGRATIONS, request->id, R5__VERB__VERB_UPDATE, &object) == 0) {
        bson_t update = BSON_INITIALIZER;
        s_update (&request->base, NULL, NULL, false, &update);
        resource_store_update (call, S_INTEGRATIONS, request->id, &update);
        bson_destroy (&update);
    }
    resource_object_clear (&object);
}

void
resource_oncall_on_open_incident (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__OpenIntegrationIncidentRequest *request = envelope->open_integration_incident;
    //  The key is the credential: a malformed one is as unknown as a wrong one.
    const char *key = request->key;
    bool shaped = key && strlen (key) == 4 + S_KEY_CHARS && strncmp (key, "r5i_", 4) == 0;
    for (size_t i = 4; shaped && i < 4 + S_KEY_CHARS; i++)
        shaped = strchr (s_base62, key [i]) != NULL;
    if (!shaped) {
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "unknown integration key");
        return;
    }
    if (resource_incidents_check_input (call, &request->base, request->urgency))
        return;
    char digest_hex [65];
    s_key_digest (key, digest_hex);
    mongoc_collection_t *integrations = resource_call_collection (call, "integrations");
    bson_t *filter = BCON_NEW ("key_hash", BCON_UTF8 (digest_hex));
    //  A pending integration's key was never shown; it opens nothing either.
    resource_pending_append_confirmed (S_INTEGRATIONS, filter);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (integrations, filter, NULL, NULL);
    const bson_t *doc;
    bson_error_t error;
    R5__Integration *integration = NULL;
    if (mongoc_cursor_next (cursor, &doc))
        integration = (R5__Integration *) resource_store_decode (S_INTEGRATIONS, doc, call->rid);
    if (mongoc_cursor_error (cursor, &error))
        resource_call_mongo_fail (call, &error, "integration lookup");
    else
    if (!integration)
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "unknown integration key");
    else {
        char creator [64];
        char *teams [1] = { integration->team_id };
        snprintf (creator, sizeof creator, "integration:%s", integration->id);
        //  From here the call acts for the integration, whose key was the
        //  credential: an Idempotency-Key is stored and looked up as
        //  {account_id, idempotency.user_id: "integration:<id>"}, per
        //  integration as a user's is per user.
        R5__Principal acting = R5__PRINCIPAL__INIT;
        acting.account_id = integration->account_id;
        acting.user_id = creator;
        const R5__Principal *nobody = call->principal;
        call->principal = &acting;
        resource_incidents_insert (call, &request->base, teams, 1, NULL, 0);
        call->principal = nobody;
    }
    if (integration)
        protobuf_c_message_free_unpacked (&integration->base, NULL);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (integrations);
}
