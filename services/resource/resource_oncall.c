/*  resource_oncall: escalation policies, schedules, integrations.  */
#include "resource_oncall.h"
#include "resource_incidents.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <sodium.h>
#include <string.h>

#define S_MAX_STEPS 20
#define S_MAX_TARGETS 10
#define S_MAX_DELAY 1440
#define S_MAX_SHIFTS 200
#define S_MAX_OVERRIDES 500
#define S_KEY_CHARS 32

static const r5_mongo_index_t s_policy_indexes [] = {
    { "account_team", "{\"account_id\": 1, \"team_id\": 1}", false, NULL },
};
static const r5_mongo_index_t s_integration_indexes [] = {
    { "account_team", "{\"account_id\": 1, \"team_id\": 1}", false, NULL },
    { "key_hash", "{\"key_hash\": 1}", true, NULL },
};

int
resource_oncall_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    if (r5_mongo_ensure_indexes (mongo, "escalation_policies", s_policy_indexes, 1, error, error_size)
    ||  r5_mongo_ensure_indexes (mongo, "schedules", s_policy_indexes, 1, error, error_size)
    ||  r5_mongo_ensure_indexes (mongo, "integrations", s_integration_indexes, 2, error, error_size))
        return -1;
    return 0;
}

//  =========================================================================
//  BSON reading
//  =========================================================================

typedef struct {
    const char *id, *account_id, *team_id, *name, *description, *time_zone, *key_hint;
    int64_t created_at;
    bson_iter_t steps, shifts, overrides;
    bool has_steps, has_shifts, has_overrides;
} s_fields_t;

static int
s_fields (const bson_t *doc, s_fields_t *f)
{
    memset (f, 0, sizeof *f);
    bson_iter_t iter;
    if (!bson_iter_init (&iter, doc))
        return -1;
    f->description = "";
    f->time_zone = "UTC";
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        if (BSON_ITER_HOLDS_UTF8 (&iter)) {
            const char *value = bson_iter_utf8 (&iter, NULL);
            if (streq (key, "_id")) f->id = value;
            else if (streq (key, "account_id")) f->account_id = value;
            else if (streq (key, "team_id")) f->team_id = value;
            else if (streq (key, "name")) f->name = value;
            else if (streq (key, "description")) f->description = value;
            else if (streq (key, "time_zone")) f->time_zone = value;
            else if (streq (key, "key_hint")) f->key_hint = value;
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&iter) && streq (key, "created_at"))
            f->created_at = bson_iter_date_time (&iter);
        else
        if (BSON_ITER_HOLDS_ARRAY (&iter)) {
            if (streq (key, "steps") && bson_iter_recurse (&iter, &f->steps)) f->has_steps = true;
            else if (streq (key, "shifts") && bson_iter_recurse (&iter, &f->shifts)) f->has_shifts = true;
            else if (streq (key, "overrides") && bson_iter_recurse (&iter, &f->overrides)) f->has_overrides = true;
        }
    }
    return f->id && f->account_id && f->team_id && f->name ? 0 : -1;
}

//  One sub-document's string, date and int fields.
typedef struct {
    const char *id, *user_id, *kind, *created_by;
    int64_t start, end, created_at;
    int32_t delay;
    bson_iter_t targets;
    bool has_targets;
} s_item_t;

static bool
s_item (bson_iter_t *array, s_item_t *item)
{
    memset (item, 0, sizeof *item);
    bson_iter_t field;
    if (!BSON_ITER_HOLDS_DOCUMENT (array) || !bson_iter_recurse (array, &field))
        return false;
    while (bson_iter_next (&field)) {
        const char *key = bson_iter_key (&field);
        if (BSON_ITER_HOLDS_UTF8 (&field)) {
            const char *value = bson_iter_utf8 (&field, NULL);
            if (streq (key, "id")) item->id = value;
            else if (streq (key, "user_id")) item->user_id = value;
            else if (streq (key, "kind")) item->kind = value;
            else if (streq (key, "created_by")) item->created_by = value;
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&field)) {
            if (streq (key, "start")) item->start = bson_iter_date_time (&field);
            else if (streq (key, "end")) item->end = bson_iter_date_time (&field);
            else if (streq (key, "created_at")) item->created_at = bson_iter_date_time (&field);
        }
        else
        if (BSON_ITER_HOLDS_INT (&field) && streq (key, "delay_minutes"))
            item->delay = (int32_t) bson_iter_as_int64 (&field);
        else
        if (BSON_ITER_HOLDS_ARRAY (&field) && streq (key, "targets"))
            item->has_targets = bson_iter_recurse (&field, &item->targets);
    }
    return true;
}

#define S_APPEND(array, count, item) do { \
    void *grown_ = realloc ((array), ((count) + 1) * sizeof *(array)); \
    assert (grown_); \
    (array) = grown_; \
    (array) [(count)++] = (item); \
} while (0)

static int
s_reply_policy (resource_call_t *call, const bson_t *doc)
{
    s_fields_t f;
    if (s_fields (doc, &f))
        return -1;
    R5__EscalationPolicy *policy = malloc (sizeof *policy);
    assert (policy);
    r5__escalation_policy__init (policy);
    policy->id = strdup (f.id);
    policy->account_id = strdup (f.account_id);
    policy->team_id = strdup (f.team_id);
    policy->name = strdup (f.name);
    policy->description = strdup (f.description);
    policy->created_at_unix_ms = f.created_at;
    while (f.has_steps && bson_iter_next (&f.steps)) {
        s_item_t item;
        if (!s_item (&f.steps, &item))
            continue;
        R5__EscalationStep *step = malloc (sizeof *step);
        assert (step);
        r5__escalation_step__init (step);
        step->delay_minutes = item.delay;
        while (item.has_targets && bson_iter_next (&item.targets)) {
            s_item_t target;
            if (!s_item (&item.targets, &target) || !target.id || !target.kind)
                continue;
            R5__EscalationTarget *entry = malloc (sizeof *entry);
            assert (entry);
            r5__escalation_target__init (entry);
            entry->kind = streq (target.kind, "SCHEDULE") ? R5__TARGET_KIND__TARGET_KIND_SCHEDULE
                                                          : R5__TARGET_KIND__TARGET_KIND_USER;
            entry->id = strdup (target.id);
            S_APPEND (step->targets, step->n_targets, entry);
        }
        S_APPEND (policy->steps, policy->n_steps, step);
    }
    R5__Objects *objects = resource_call_objects (call);
    S_APPEND (objects->escalation_policies, objects->n_escalation_policies, policy);
    return 0;
}

static int
s_reply_schedule (resource_call_t *call, const bson_t *doc)
{
    s_fields_t f;
    if (s_fields (doc, &f))
        return -1;
    R5__Schedule *schedule = malloc (sizeof *schedule);
    assert (schedule);
    r5__schedule__init (schedule);
    schedule->id = strdup (f.id);
    schedule->account_id = strdup (f.account_id);
    schedule->team_id = strdup (f.team_id);
    schedule->name = strdup (f.name);
    schedule->description = strdup (f.description);
    schedule->time_zone = strdup (f.time_zone);
    schedule->created_at_unix_ms = f.created_at;
    while (f.has_shifts && bson_iter_next (&f.shifts)) {
        s_item_t item;
        if (!s_item (&f.shifts, &item) || !item.user_id)
            continue;
        R5__Shift *shift = malloc (sizeof *shift);
        assert (shift);
        r5__shift__init (shift);
        shift->user_id = strdup (item.user_id);
        shift->start_unix_ms = item.start;
        shift->end_unix_ms = item.end;
        S_APPEND (schedule->shifts, schedule->n_shifts, shift);
    }
    while (f.has_overrides && bson_iter_next (&f.overrides)) {
        s_item_t item;
        if (!s_item (&f.overrides, &item) || !item.user_id || !item.id)
            continue;
        R5__ScheduleOverride *entry = malloc (sizeof *entry);
        assert (entry);
        r5__schedule_override__init (entry);
        entry->id = strdup (item.id);
        entry->user_id = strdup (item.user_id);
        entry->start_unix_ms = item.start;
        entry->end_unix_ms = item.end;
        entry->created_by_id = strdup (item.created_by ? item.created_by : "");
        entry->created_at_unix_ms = item.created_at;
        S_APPEND (schedule->overrides, schedule->n_overrides, entry);
    }
    R5__Objects *objects = resource_call_objects (call);
    S_APPEND (objects->schedules, objects->n_schedules, schedule);
    return 0;
}

static int
s_reply_integration (resource_call_t *call, const bson_t *doc)
{
    s_fields_t f;
    if (s_fields (doc, &f) || !f.key_hint)
        return -1;
    R5__Integration *integration = malloc (sizeof *integration);
    assert (integration);
    r5__integration__init (integration);
    integration->id = strdup (f.id);
    integration->account_id = strdup (f.account_id);
    integration->team_id = strdup (f.team_id);
    integration->name = strdup (f.name);
    integration->key_hint = strdup (f.key_hint);
    integration->created_at_unix_ms = f.created_at;
    R5__Objects *objects = resource_call_objects (call);
    S_APPEND (objects->integrations, objects->n_integrations, integration);
    return 0;
}

const resource_owned_t resource_escalation_policies = {
    R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES, "escalation_policies", false, "no such escalation policy",
    s_reply_policy
};
const resource_owned_t resource_schedules = {
    R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, "schedules", false, "no such schedule", s_reply_schedule
};
const resource_owned_t resource_integrations = {
    R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS, "integrations", false, "no such integration", s_reply_integration
};

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

//  Check steps and append them as "steps" to doc (when doc is not NULL).
//  0, or -1 with the reply set.
static int
s_steps (resource_call_t *call, R5__EscalationStep **steps, size_t count, bson_t *doc)
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
    if (resource_owned_references (call, "users", users, n_users, "a target names a user that does not exist")
    ||  resource_owned_references (call, "schedules", schedules, n_schedules,
                                   "a target names a schedule that does not exist"))
        return -1;
    if (!doc)
        return 0;
    bson_t list, step, targets, entry;
    BSON_APPEND_ARRAY_BEGIN (doc, "steps", &list);
    for (size_t i = 0; i < count; i++) {
        char key [24];
        snprintf (key, sizeof key, "%zu", i);
        BSON_APPEND_DOCUMENT_BEGIN (&list, key, &step);
        BSON_APPEND_INT32 (&step, "delay_minutes", steps [i]->delay_minutes);
        BSON_APPEND_ARRAY_BEGIN (&step, "targets", &targets);
        for (size_t j = 0; j < steps [i]->n_targets; j++) {
            snprintf (key, sizeof key, "%zu", j);
            BSON_APPEND_DOCUMENT_BEGIN (&targets, key, &entry);
            BSON_APPEND_UTF8 (&entry, "kind", steps [i]->targets [j]->kind == R5__TARGET_KIND__TARGET_KIND_SCHEDULE
                                              ? "SCHEDULE" : "USER");
            BSON_APPEND_UTF8 (&entry, "id", steps [i]->targets [j]->id);
            bson_append_document_end (&targets, &entry);
        }
        bson_append_array_end (&step, &targets);
        bson_append_document_end (&list, &step);
    }
    bson_append_array_end (doc, &list);
    return 0;
}

//  Check shifts and append them as "shifts" to doc. 0 or -1 (reply set).
static int
s_shifts (resource_call_t *call, R5__Shift **shifts, size_t count, bson_t *doc)
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
    if (resource_owned_references (call, "users", users, n_users, "a shift names a user that does not exist"))
        return -1;
    bson_t list, entry;
    BSON_APPEND_ARRAY_BEGIN (doc, "shifts", &list);
    for (size_t i = 0; i < count; i++) {
        char key [24];
        snprintf (key, sizeof key, "%zu", i);
        BSON_APPEND_DOCUMENT_BEGIN (&list, key, &entry);
        BSON_APPEND_UTF8 (&entry, "user_id", shifts [i]->user_id);
        BSON_APPEND_DATE_TIME (&entry, "start", shifts [i]->start_unix_ms);
        BSON_APPEND_DATE_TIME (&entry, "end", shifts [i]->end_unix_ms);
        bson_append_document_end (&list, &entry);
    }
    bson_append_array_end (doc, &list);
    return 0;
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

static int
s_name_description (resource_call_t *call, const char *name, const char *description)
{
    const char *message;
    if ((name && (message = resource_validate_text ("name", name, 1, 100)))
    ||  (description && (message = resource_validate_multiline ("description", description, 0, 10000))))
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
    return 0;
}

//  The common head of a new team-owned document.
static void
s_head (resource_call_t *call, bson_t *doc, const char *team_id, const char *name)
{
    char id [25];
    r5_mongo_new_id (id);
    BSON_APPEND_UTF8 (doc, "_id", id);
    BSON_APPEND_UTF8 (doc, "account_id", call->principal->account_id);
    BSON_APPEND_UTF8 (doc, "team_id", team_id);
    BSON_APPEND_UTF8 (doc, "name", name);
    BSON_APPEND_DATE_TIME (doc, "created_at", r5_now_ms ());
}

//  =========================================================================
//  Escalation policies
//  =========================================================================

void
resource_oncall_on_create_policy (resource_call_t *call, const R5__CreateEscalationPolicyRequest *request)
{
    if (s_name_description (call, request->name, request->description)
    ||  resource_owned_decide_create (call, &resource_escalation_policies, request->team_id))
        return;
    bson_t doc = BSON_INITIALIZER;
    s_head (call, &doc, request->team_id, request->name);
    BSON_APPEND_UTF8 (&doc, "description", request->description);
    if (s_steps (call, request->steps, request->n_steps, &doc) == 0)
        resource_owned_insert (call, &resource_escalation_policies, &doc);
    bson_destroy (&doc);
}

void
resource_oncall_on_update_policy (resource_call_t *call, const R5__UpdateEscalationPolicyRequest *request)
{
    bool name = request->name_present_case == R5__UPDATE_ESCALATION_POLICY_REQUEST__NAME_PRESENT_NAME;
    bool description = request->description_present_case
                       == R5__UPDATE_ESCALATION_POLICY_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    bson_t *doc = NULL;
    if (s_name_description (call, name ? request->name : NULL, description ? request->description : NULL)
    ||  resource_owned_load (call, &resource_escalation_policies, request->id, R5__VERB__VERB_UPDATE, &doc))
        return;
    bson_t update = BSON_INITIALIZER, set;
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    if (name)
        BSON_APPEND_UTF8 (&set, "name", request->name);
    if (description)
        BSON_APPEND_UTF8 (&set, "description", request->description);
    BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
    int rc = request->set_steps ? s_steps (call, request->steps, request->n_steps, &set) : 0;
    bson_append_document_end (&update, &set);
    if (rc == 0)
        resource_owned_modify (call, &resource_escalation_policies, request->id, &update);
    bson_destroy (&update);
    bson_destroy (doc);
}

//  =========================================================================
//  Schedules
//  =========================================================================

void
resource_oncall_on_create_schedule (resource_call_t *call, const R5__CreateScheduleRequest *request)
{
    const char *zone = *request->time_zone ? request->time_zone : "UTC";
    const char *message = s_validate_zone (zone);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (s_name_description (call, request->name, request->description)
    ||  resource_owned_decide_create (call, &resource_schedules, request->team_id))
        return;
    bson_t doc = BSON_INITIALIZER, overrides;
    s_head (call, &doc, request->team_id, request->name);
    BSON_APPEND_UTF8 (&doc, "description", request->description);
    BSON_APPEND_UTF8 (&doc, "time_zone", zone);
    BSON_APPEND_ARRAY_BEGIN (&doc, "overrides", &overrides);
    bson_append_array_end (&doc, &overrides);
    if (s_shifts (call, request->shifts, request->n_shifts, &doc) == 0)
        resource_owned_insert (call, &resource_schedules, &doc);
    bson_destroy (&doc);
}

void
resource_oncall_on_update_schedule (resource_call_t *call, const R5__UpdateScheduleRequest *request)
{
    bool name = request->name_present_case == R5__UPDATE_SCHEDULE_REQUEST__NAME_PRESENT_NAME;
    bool description = request->description_present_case == R5__UPDATE_SCHEDULE_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    bool zone = request->time_zone_present_case == R5__UPDATE_SCHEDULE_REQUEST__TIME_ZONE_PRESENT_TIME_ZONE;
    const char *message = zone ? s_validate_zone (request->time_zone) : NULL;
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    bson_t *doc = NULL;
    if (s_name_description (call, name ? request->name : NULL, description ? request->description : NULL)
    ||  resource_owned_load (call, &resource_schedules, request->id, R5__VERB__VERB_UPDATE, &doc))
        return;
    bson_t update = BSON_INITIALIZER, set;
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    if (name)
        BSON_APPEND_UTF8 (&set, "name", request->name);
    if (description)
        BSON_APPEND_UTF8 (&set, "description", request->description);
    if (zone)
        BSON_APPEND_UTF8 (&set, "time_zone", request->time_zone);
    BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
    int rc = request->set_shifts ? s_shifts (call, request->shifts, request->n_shifts, &set) : 0;
    bson_append_document_end (&update, &set);
    if (rc == 0)
        resource_owned_modify (call, &resource_schedules, request->id, &update);
    bson_destroy (&update);
    bson_destroy (doc);
}

void
resource_oncall_on_create_override (resource_call_t *call, const R5__CreateScheduleOverrideRequest *request)
{
    if (!resource_validate_id (request->user_id)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not valid");
        return;
    }
    if (request->start_unix_ms <= 0 || request->end_unix_ms <= request->start_unix_ms) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an override must end after it starts");
        return;
    }
    bson_t *doc = NULL;
    char *users [1] = { request->user_id };
    if (resource_owned_load (call, &resource_schedules, request->schedule_id, R5__VERB__VERB_CREATE_OVERRIDE, &doc)
    ||  resource_owned_references (call, "users", users, 1, "userId names a user that does not exist")) {
        bson_destroy (doc);
        return;
    }
    s_fields_t f;
    size_t n_overrides = 0;
    if (s_fields (doc, &f) == 0)
        while (f.has_overrides && bson_iter_next (&f.overrides))
            n_overrides++;
    if (n_overrides >= S_MAX_OVERRIDES) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a schedule has at most 500 overrides");
        bson_destroy (doc);
        return;
    }
    char id [25];
    r5_mongo_new_id (id);
    int64_t now = r5_now_ms ();
    bson_t *update = BCON_NEW ("$push", "{", "overrides", "{", "id", BCON_UTF8 (id),
                               "user_id", BCON_UTF8 (request->user_id),
                               "start", BCON_DATE_TIME (request->start_unix_ms),
                               "end", BCON_DATE_TIME (request->end_unix_ms),
                               "created_by", BCON_UTF8 (call->principal->user_id),
                               "created_at", BCON_DATE_TIME (now), "}", "}",
                               "$set", "{", "updated_at", BCON_DATE_TIME (now), "}");
    resource_owned_modify (call, &resource_schedules, request->schedule_id, update);
    bson_destroy (update);
    bson_destroy (doc);
}

//  =========================================================================
//  Integrations
//  =========================================================================

static const char s_base62 [] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void
resource_oncall_on_create_integration (resource_call_t *call, const R5__CreateIntegrationRequest *request)
{
    if (s_name_description (call, request->name, NULL)
    ||  resource_owned_decide_create (call, &resource_integrations, request->team_id))
        return;
    //  r5i_ + 32 base62 characters from the CSPRNG (190 bits).
    char key [4 + S_KEY_CHARS + 1] = "r5i_";
    for (int i = 0; i < S_KEY_CHARS; i++)
        key [4 + i] = s_base62 [randombytes_uniform (62)];
    key [4 + S_KEY_CHARS] = 0;
    unsigned char digest [32];
    char digest_hex [65];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) key, strlen (key), NULL, 0);
    sodium_bin2hex (digest_hex, sizeof digest_hex, digest, sizeof digest);
    char hint [16];
    snprintf (hint, sizeof hint, "r5i_\xe2\x80\xa6%s", key + 4 + S_KEY_CHARS - 4);

    bson_t doc = BSON_INITIALIZER;
    s_head (call, &doc, request->team_id, request->name);
    BSON_APPEND_UTF8 (&doc, "key_hash", digest_hex);
    BSON_APPEND_UTF8 (&doc, "key_hint", hint);
    if (resource_owned_insert (call, &resource_integrations, &doc) == 0) {
        //  The key in clear exists only in this reply.
        R5__Integration *integration = call->reply->objects->integrations [0];
        integration->key = strdup (key);
    }
    sodium_memzero (key, sizeof key);
    bson_destroy (&doc);
}

void
resource_oncall_on_update_integration (resource_call_t *call, const R5__UpdateIntegrationRequest *request)
{
    bool name = request->name_present_case == R5__UPDATE_INTEGRATION_REQUEST__NAME_PRESENT_NAME;
    bson_t *doc = NULL;
    if (s_name_description (call, name ? request->name : NULL, NULL)
    ||  resource_owned_load (call, &resource_integrations, request->id, R5__VERB__VERB_UPDATE, &doc))
        return;
    bson_t update = BSON_INITIALIZER, set;
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    if (name)
        BSON_APPEND_UTF8 (&set, "name", request->name);
    BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
    bson_append_document_end (&update, &set);
    resource_owned_modify (call, &resource_integrations, request->id, &update);
    bson_destroy (&update);
    bson_destroy (doc);
}

void
resource_oncall_on_open_incident (resource_call_t *call, const R5__OpenIntegrationIncidentRequest *request)
{
    //  The key is the credential: a malformed one is as unknown as a wrong one.
    const char *key = request->key;
    bool shaped = key && strlen (key) == 4 + S_KEY_CHARS && strncmp (key, "r5i_", 4) == 0;
    for (size_t i = 4; shaped && i < 4 + S_KEY_CHARS; i++)
        shaped = strchr (s_base62, key [i]) != NULL;
    if (!shaped) {
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "unknown integration key");
        return;
    }
    const char *message;
    if ((message = resource_validate_text ("title", request->title, 1, 200))
    ||  (message = resource_validate_multiline ("description", request->description, 0, 10000))) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (request->urgency > R5__URGENCY__URGENCY_LOW) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "urgency must be HIGH or LOW");
        return;
    }
    unsigned char digest [32];
    char digest_hex [65];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) key, strlen (key), NULL, 0);
    sodium_bin2hex (digest_hex, sizeof digest_hex, digest, sizeof digest);
    mongoc_collection_t *integrations = resource_call_collection (call, "integrations");
    bson_t *filter = BCON_NEW ("key_hash", BCON_UTF8 (digest_hex));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (integrations, filter, NULL, NULL);
    const bson_t *doc;
    bson_error_t error;
    s_fields_t f;
    bool found = mongoc_cursor_next (cursor, &doc) && s_fields (doc, &f) == 0;
    if (mongoc_cursor_error (cursor, &error))
        resource_call_mongo_fail (call, &error, "integration lookup");
    else
    if (!found)
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "unknown integration key");
    else {
        char creator [64];
        char *teams [1] = { (char *) f.team_id };
        snprintf (creator, sizeof creator, "integration:%s", f.id);
        resource_incidents_insert (call, f.account_id, creator, request->title, request->description,
                                   request->urgency, teams, 1, NULL, 0);
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (integrations);
}
