/*  resource_incidents: incidents, their assignment history and notes.  */
#include "resource_incidents.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

#define S_MAX_IDS 100
#define S_MAX_TEAMS 20
#define S_MAX_USERS 50

static const r5_mongo_index_t s_incident_indexes [] = {
    { "account_status", "{\"account_id\": 1, \"status\": 1}", false, NULL },
    { "account_teams", "{\"account_id\": 1, \"team_history_ids\": 1}", false, NULL },
    { "account_participants", "{\"account_id\": 1, \"participant_ids\": 1}", false, NULL },
};

int
resource_incidents_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    return r5_mongo_ensure_indexes (mongo, "incidents", s_incident_indexes,
                                    sizeof s_incident_indexes / sizeof s_incident_indexes [0], error, error_size);
}

static const char *s_status_names [] = { "", "TRIGGERED", "ACKNOWLEDGED", "RESOLVED" };
static const char *s_urgency_names [] = { "", "HIGH", "LOW" };

static int
s_index_of (const char **names, int count, const char *name)
{
    for (int i = 1; i < count; i++)
        if (streq (names [i], name))
            return i;
    return 0;
}

//  An incident and the facts authz needs about it.
typedef struct {
    R5__Incident *incident;
    char **participant_ids;
    size_t n_participant_ids;
} s_incident_t;

static void
s_incident_free (s_incident_t *self)
{
    if (self->incident)
        protobuf_c_message_free_unpacked (&self->incident->base, NULL);
    resource_strings_free (&self->participant_ids, self->n_participant_ids);
    memset (self, 0, sizeof *self);
}

static void
s_read_notes (bson_iter_t *iter, R5__Incident *incident)
{
    bson_iter_t notes, field;
    if (!bson_iter_recurse (iter, &notes))
        return;
    while (bson_iter_next (&notes)) {
        if (!BSON_ITER_HOLDS_DOCUMENT (&notes) || !bson_iter_recurse (&notes, &field))
            continue;
        const char *id = NULL, *body = NULL, *author = "";
        int64_t at = 0;
        while (bson_iter_next (&field)) {
            const char *key = bson_iter_key (&field);
            if (BSON_ITER_HOLDS_UTF8 (&field)) {
                if (streq (key, "id")) id = bson_iter_utf8 (&field, NULL);
                else if (streq (key, "body")) body = bson_iter_utf8 (&field, NULL);
                else if (streq (key, "author_id")) author = bson_iter_utf8 (&field, NULL);
            }
            else
            if (BSON_ITER_HOLDS_DATE_TIME (&field) && streq (key, "created_at"))
                at = bson_iter_date_time (&field);
        }
        if (!id || !body)
            continue;
        R5__IncidentNote *note = malloc (sizeof *note);
        assert (note);
        r5__incident_note__init (note);
        note->id = strdup (id);
        note->body = strdup (body);
        note->author_id = strdup (author);
        note->created_at_unix_ms = at;
        R5__IncidentNote **grown = realloc (incident->notes, (incident->n_notes + 1) * sizeof (R5__IncidentNote *));
        assert (grown);
        incident->notes = grown;
        incident->notes [incident->n_notes++] = note;
    }
}

//  Read an incident document. 0, or -1 when it is malformed (self is then empty).
static int
s_incident_from_bson (const bson_t *doc, s_incident_t *self)
{
    memset (self, 0, sizeof *self);
    R5__Incident *incident = malloc (sizeof *incident);
    assert (incident);
    r5__incident__init (incident);
    self->incident = incident;
    bson_iter_t iter;
    const char *id = NULL, *account_id = NULL, *title = NULL, *description = "", *created_by = "";
    if (!bson_iter_init (&iter, doc))
        goto malformed;
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        if (BSON_ITER_HOLDS_UTF8 (&iter)) {
            const char *value = bson_iter_utf8 (&iter, NULL);
            if (streq (key, "_id")) id = value;
            else if (streq (key, "account_id")) account_id = value;
            else if (streq (key, "title")) title = value;
            else if (streq (key, "description")) description = value;
            else if (streq (key, "created_by")) created_by = value;
            else if (streq (key, "status")) incident->status = s_index_of (s_status_names, 4, value);
            else if (streq (key, "urgency")) incident->urgency = s_index_of (s_urgency_names, 3, value);
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&iter)) {
            int64_t at = bson_iter_date_time (&iter);
            if (streq (key, "created_at")) incident->created_at_unix_ms = at;
            else if (streq (key, "acknowledged_at")) incident->acknowledged_at_unix_ms = at;
            else if (streq (key, "resolved_at")) incident->resolved_at_unix_ms = at;
        }
        else
        if (BSON_ITER_HOLDS_ARRAY (&iter)) {
            if (streq (key, "team_ids"))
                resource_bson_strings (&iter, &incident->team_ids, &incident->n_team_ids);
            else if (streq (key, "user_ids"))
                resource_bson_strings (&iter, &incident->user_ids, &incident->n_user_ids);
            else if (streq (key, "team_history_ids"))
                resource_bson_strings (&iter, &incident->team_history_ids, &incident->n_team_history_ids);
            else if (streq (key, "participant_ids"))
                resource_bson_strings (&iter, &self->participant_ids, &self->n_participant_ids);
            else if (streq (key, "notes"))
                s_read_notes (&iter, incident);
        }
    }
    if (!id || !account_id || !title || !incident->status || !incident->urgency)
        goto malformed;
    incident->id = strdup (id);
    incident->account_id = strdup (account_id);
    incident->title = strdup (title);
    incident->description = strdup (description);
    incident->created_by_id = strdup (created_by);
    return 0;

malformed:
    s_incident_free (self);
    return -1;
}

//  The facts authz needs (borrowed from self).
static void
s_facts (const s_incident_t *self, R5__ObjectFacts *facts)
{
    r5__object_facts__init (facts);
    if (!self || !self->incident)
        return;
    facts->exists = true;
    facts->account_id = self->incident->account_id;
    facts->team_ids = self->incident->team_history_ids;
    facts->n_team_ids = self->incident->n_team_history_ids;
    facts->participant_ids = self->participant_ids;
    facts->n_participant_ids = self->n_participant_ids;
}

static void
s_reply (resource_call_t *call, s_incident_t *self)
{
    R5__Objects *objects = resource_call_objects (call);
    R5__Incident **grown = realloc (objects->incidents, (objects->n_incidents + 1) * sizeof (R5__Incident *));
    assert (grown);
    objects->incidents = grown;
    objects->incidents [objects->n_incidents++] = self->incident;
    self->incident = NULL;
    s_incident_free (self);
}

static int
s_load (resource_call_t *call, mongoc_collection_t *incidents, const char *id, s_incident_t *self)
{
    memset (self, 0, sizeof *self);
    if (!resource_validate_id (id))
        return 0;
    bson_error_t error;
    const bson_t *doc;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (incidents, filter, NULL, NULL);
    int rc = 0;
    if (mongoc_cursor_next (cursor, &doc) && s_incident_from_bson (doc, self))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "incident lookup");
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    return rc;
}

//  Load an incident and decide ACT on it. 0 with *self loaded, or -1 (reply set).
static int
s_load_to_act (resource_call_t *call, mongoc_collection_t *incidents, const char *id, s_incident_t *self)
{
    if (s_load (call, incidents, id, self))
        return -1;
    R5__ObjectFacts facts;
    s_facts (self->incident ? self : NULL, &facts);
    return resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &facts, NULL);
}

//  findAndModify; the incident after the change in *self (empty when nothing matched).
static int
s_modify (resource_call_t *call, mongoc_collection_t *incidents, bson_t *filter, bson_t *update, s_incident_t *self)
{
    memset (self, 0, sizeof *self);
    bson_t reply;
    bson_error_t error;
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    int rc = 0;
    if (!mongoc_collection_find_and_modify_with_opts (incidents, filter, opts, &reply, &error))
        rc = resource_call_mongo_fail (call, &error, "incident update");
    else {
        bson_iter_t iter;
        if (bson_iter_init_find (&iter, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            uint32_t length;
            const uint8_t *data;
            bson_t value;
            bson_iter_document (&iter, &length, &data);
            if (bson_init_static (&value, data, length) && s_incident_from_bson (&value, self))
                rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        }
    }
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (opts);
    return rc;
}

//  Every id refers to a team (or user) of the caller's account. 0, or -1 (reply set).
static int
s_check_references (resource_call_t *call, char **team_ids, size_t n_teams, char **user_ids, size_t n_users)
{
    const char *message;
    if ((message = resource_validate_ids ("teamIds", team_ids, n_teams, S_MAX_TEAMS))
    ||  (message = resource_validate_ids ("userIds", user_ids, n_users, S_MAX_USERS)))
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
    bson_error_t error;
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    mongoc_collection_t *users = resource_call_collection (call, "users");
    int64_t found_teams = resource_count_ids (teams, call->principal->account_id, team_ids, n_teams, &error);
    int64_t found_users = found_teams < 0 ? 0 : resource_count_ids (users, call->principal->account_id, user_ids,
                                                                     n_users, &error);
    int rc = 0;
    if (found_teams < 0 || found_users < 0)
        rc = resource_call_mongo_fail (call, &error, "reference lookup");
    else
    if ((size_t) found_teams != n_teams)
        rc = resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "teamIds names a team that does not exist");
    else
    if ((size_t) found_users != n_users)
        rc = resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userIds names a user that does not exist");
    mongoc_collection_destroy (teams);
    mongoc_collection_destroy (users);
    return rc;
}

//  =========================================================================
//  Reads
//  =========================================================================

void
resource_incidents_on_get (resource_call_t *call, char **ids, size_t count)
{
    if (count > S_MAX_IDS) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many ids in one lookup (at most 100)");
        return;
    }
    s_incident_t found [S_MAX_IDS];
    size_t n_found = 0;
    R5__Operation *operations [S_MAX_IDS];
    R5__Operation operation [S_MAX_IDS];
    R5__ObjectFacts facts [S_MAX_IDS];
    bool allowed [S_MAX_IDS];
    char *valid [S_MAX_IDS];
    size_t n_valid = 0;
    for (size_t i = 0; i < count; i++)
        if (resource_validate_id (ids [i]))
            valid [n_valid++] = ids [i];

    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", valid, n_valid);
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    mongoc_cursor_t *cursor = n_valid ? mongoc_collection_find_with_opts (incidents, &filter, NULL, NULL) : NULL;
    const bson_t *doc;
    bson_error_t error;
    while (cursor && n_found < count && mongoc_cursor_next (cursor, &doc))
        if (s_incident_from_bson (doc, &found [n_found]) == 0)
            n_found++;
    if (cursor && mongoc_cursor_error (cursor, &error)) {
        resource_call_mongo_fail (call, &error, "incident lookup");
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        r5__operation__init (&operation [i]);
        r5__object_facts__init (&facts [i]);
        operation [i].resource = R5__RESOURCE_TYPE__RESOURCE_INCIDENTS;
        operation [i].verb = R5__VERB__VERB_GET;
        operation [i].object = &facts [i];
        for (size_t j = 0; j < n_found; j++)
            if (found [j].incident && streq (found [j].incident->id, ids [i]))
                s_facts (&found [j], &facts [i]);
        operations [i] = &operation [i];
    }
    if (resource_call_allowed (call, operations, count, allowed) == 0) {
        resource_call_objects (call);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; allowed [i] && j < n_found; j++)
                if (found [j].incident && streq (found [j].incident->id, ids [i]))
                    s_reply (call, &found [j]);
    }

cleanup:
    for (size_t j = 0; j < n_found; j++)
        s_incident_free (&found [j]);
    mongoc_cursor_destroy (cursor);
    bson_destroy (&filter);
    mongoc_collection_destroy (incidents);
}

static int
s_page_incident (const bson_t *doc, void *arg)
{
    s_incident_t self;
    if (s_incident_from_bson (doc, &self))
        return -1;
    s_reply ((resource_call_t *) arg, &self);
    return 0;
}

void
resource_incidents_on_list (resource_call_t *call, const R5__ListObjectsRequest *request)
{
    if (request->status > R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "status must be TRIGGERED, ACKNOWLEDGED or RESOLVED");
        return;
    }
    if (*request->team_id && !resource_validate_id (request->team_id)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "teamId is not a valid id");
        return;
    }
    R5__Visibility visibility;
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_LIST, NULL, &visibility))
        return;
    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    if (request->status)
        BSON_APPEND_UTF8 (&filter, "status", s_status_names [request->status]);
    if (*request->team_id)
        BSON_APPEND_UTF8 (&filter, "team_ids", request->team_id);
    if (!visibility.all) {
        //  The visibility rule of authz, as a query: participant, or assigned
        //  now or before to one of the caller's current teams.
        bson_t any, clause;
        BSON_APPEND_ARRAY_BEGIN (&filter, "$or", &any);
        BSON_APPEND_DOCUMENT_BEGIN (&any, "0", &clause);
        BSON_APPEND_UTF8 (&clause, "participant_ids", visibility.participant ? call->principal->user_id : "");
        bson_append_document_end (&any, &clause);
        BSON_APPEND_DOCUMENT_BEGIN (&any, "1", &clause);
        resource_bson_append_in (&clause, "team_history_ids", visibility.team_ids, visibility.n_team_ids);
        bson_append_document_end (&any, &clause);
        bson_append_array_end (&filter, &any);
    }
    resource_call_page (call, incidents, &filter, request->first, request->after, true, s_page_incident, call,
                        resource_call_objects (call));
    resource_call_visibility_clear (&visibility);
    bson_destroy (&filter);
    mongoc_collection_destroy (incidents);
}

//  =========================================================================
//  Writes
//  =========================================================================

void
resource_incidents_on_create (resource_call_t *call, const R5__CreateIncidentRequest *request)
{
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
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, NULL, NULL)
    ||  s_check_references (call, request->team_ids, request->n_team_ids, request->user_ids, request->n_user_ids))
        return;
    resource_incidents_insert (call, call->principal->account_id, call->principal->user_id, request->title,
                               request->description, request->urgency, request->team_ids, request->n_team_ids,
                               request->user_ids, request->n_user_ids);
}

void
resource_incidents_insert (resource_call_t *call, const char *account_id, const char *me, const char *title,
                           const char *description, R5__Urgency urgency, char **team_ids, size_t n_team_ids,
                           char **user_ids, size_t n_user_ids)
{
    char id [25];
    r5_mongo_new_id (id);
    int64_t now = r5_now_ms ();
    //  The creator and every assignee participate.
    char *participants [S_MAX_USERS + 1];
    size_t n_participants = 0;
    //  A creator that is not a user (an integration) does not participate.
    if (resource_validate_id (me))
        participants [n_participants++] = (char *) me;
    for (size_t i = 0; i < n_user_ids; i++)
        if (!streq (user_ids [i], me))
            participants [n_participants++] = user_ids [i];

    bson_t doc = BSON_INITIALIZER, history, entry;
    BSON_APPEND_UTF8 (&doc, "_id", id);
    BSON_APPEND_UTF8 (&doc, "account_id", account_id);
    BSON_APPEND_UTF8 (&doc, "title", title);
    BSON_APPEND_UTF8 (&doc, "description", description);
    BSON_APPEND_UTF8 (&doc, "status", "TRIGGERED");
    BSON_APPEND_UTF8 (&doc, "urgency", s_urgency_names [urgency ? urgency : R5__URGENCY__URGENCY_HIGH]);
    resource_bson_append_ids (&doc, "team_ids", team_ids, n_team_ids);
    resource_bson_append_ids (&doc, "user_ids", user_ids, n_user_ids);
    resource_bson_append_ids (&doc, "team_history_ids", team_ids, n_team_ids);
    resource_bson_append_ids (&doc, "participant_ids", participants, n_participants);
    BSON_APPEND_UTF8 (&doc, "created_by", me);
    BSON_APPEND_DATE_TIME (&doc, "created_at", now);
    BSON_APPEND_ARRAY_BEGIN (&doc, "notes", &history);
    bson_append_array_end (&doc, &history);
    BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
    BSON_APPEND_DOCUMENT_BEGIN (&history, "0", &entry);
    resource_bson_append_ids (&entry, "team_ids", team_ids, n_team_ids);
    resource_bson_append_ids (&entry, "user_ids", user_ids, n_user_ids);
    BSON_APPEND_UTF8 (&entry, "by", me);
    BSON_APPEND_DATE_TIME (&entry, "at", now);
    bson_append_document_end (&history, &entry);
    bson_append_array_end (&doc, &history);

    bson_error_t error;
    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    if (!mongoc_collection_insert_one (incidents, &doc, NULL, NULL, &error))
        resource_call_mongo_fail (call, &error, "incident insert");
    else {
        s_incident_t self;
        if (s_incident_from_bson (&doc, &self) == 0)
            s_reply (call, &self);
        else
            resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    }
    bson_destroy (&doc);
    mongoc_collection_destroy (incidents);
}

void
resource_incidents_on_transition (resource_call_t *call, const R5__IncidentTransitionRequest *request)
{
    R5__IncidentStatus to = request->to;
    if (to != R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED && to != R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an incident can only be acknowledged or resolved");
        return;
    }
    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    s_incident_t self = { 0 }, changed = { 0 };
    bson_t *filter = NULL, *update = NULL;
    if (s_load_to_act (call, incidents, request->id, &self))
        goto cleanup;
    R5__IncidentStatus from = self.incident->status;
    if (from == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the incident is already resolved");
        goto cleanup;
    }
    if (from == R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED && to == from) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the incident is already acknowledged");
        goto cleanup;
    }
    int64_t now = r5_now_ms ();
    filter = BCON_NEW ("_id", BCON_UTF8 (self.incident->id), "account_id", BCON_UTF8 (call->principal->account_id),
                       "status", BCON_UTF8 (s_status_names [from]));
    update = BCON_NEW ("$set", "{", "status", BCON_UTF8 (s_status_names [to]),
                       to == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED ? "resolved_at" : "acknowledged_at",
                       BCON_DATE_TIME (now), "updated_at", BCON_DATE_TIME (now), "}",
                       "$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}");
    if (s_modify (call, incidents, filter, update, &changed))
        goto cleanup;
    if (!changed.incident)
        resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the incident changed meanwhile, try again");
    else
        s_reply (call, &changed);

cleanup:
    s_incident_free (&self);
    s_incident_free (&changed);
    bson_destroy (filter);
    bson_destroy (update);
    mongoc_collection_destroy (incidents);
}

void
resource_incidents_on_reassign (resource_call_t *call, const R5__ReassignIncidentRequest *request)
{
    if (request->n_team_ids == 0 && request->n_user_ids == 0) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "reassign needs at least one team or user");
        return;
    }
    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    s_incident_t self = { 0 }, changed = { 0 };
    bson_t *filter = NULL;
    bson_t update = BSON_INITIALIZER, set, add, each, push, entry;
    if (s_check_references (call, request->team_ids, request->n_team_ids, request->user_ids, request->n_user_ids)
    ||  s_load_to_act (call, incidents, request->id, &self))
        goto cleanup;
    if (self.incident->status == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a resolved incident cannot be reassigned");
        goto cleanup;
    }
    int64_t now = r5_now_ms ();
    const char *me = call->principal->user_id;
    char *participants [S_MAX_USERS + 1];
    size_t n_participants = 0;
    participants [n_participants++] = (char *) me;
    for (size_t i = 0; i < request->n_user_ids; i++)
        if (!streq (request->user_ids [i], me))
            participants [n_participants++] = request->user_ids [i];
    filter = BCON_NEW ("_id", BCON_UTF8 (self.incident->id), "account_id", BCON_UTF8 (call->principal->account_id),
                       "status", "{", "$ne", BCON_UTF8 ("RESOLVED"), "}");
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    resource_bson_append_ids (&set, "team_ids", request->team_ids, request->n_team_ids);
    resource_bson_append_ids (&set, "user_ids", request->user_ids, request->n_user_ids);
    BSON_APPEND_DATE_TIME (&set, "updated_at", now);
    bson_append_document_end (&update, &set);
    //  History only grows: a team once assigned keeps seeing the incident.
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$addToSet", &add);
    BSON_APPEND_DOCUMENT_BEGIN (&add, "team_history_ids", &each);
    resource_bson_append_ids (&each, "$each", request->team_ids, request->n_team_ids);
    bson_append_document_end (&add, &each);
    BSON_APPEND_DOCUMENT_BEGIN (&add, "participant_ids", &each);
    resource_bson_append_ids (&each, "$each", participants, n_participants);
    bson_append_document_end (&add, &each);
    bson_append_document_end (&update, &add);
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$push", &push);
    BSON_APPEND_DOCUMENT_BEGIN (&push, "history", &entry);
    resource_bson_append_ids (&entry, "team_ids", request->team_ids, request->n_team_ids);
    resource_bson_append_ids (&entry, "user_ids", request->user_ids, request->n_user_ids);
    BSON_APPEND_UTF8 (&entry, "by", me);
    BSON_APPEND_DATE_TIME (&entry, "at", now);
    bson_append_document_end (&push, &entry);
    bson_append_document_end (&update, &push);
    if (s_modify (call, incidents, filter, &update, &changed))
        goto cleanup;
    if (!changed.incident)
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a resolved incident cannot be reassigned");
    else
        s_reply (call, &changed);

cleanup:
    s_incident_free (&self);
    s_incident_free (&changed);
    bson_destroy (filter);
    bson_destroy (&update);
    mongoc_collection_destroy (incidents);
}

void
resource_incidents_on_add_note (resource_call_t *call, const R5__AddIncidentNoteRequest *request)
{
    const char *message = resource_validate_multiline ("body", request->body, 1, 10000);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    mongoc_collection_t *incidents = resource_call_collection (call, "incidents");
    s_incident_t self = { 0 }, changed = { 0 };
    bson_t *filter = NULL, *update = NULL;
    if (s_load_to_act (call, incidents, request->id, &self))
        goto cleanup;
    char note_id [25];
    r5_mongo_new_id (note_id);
    int64_t now = r5_now_ms ();
    filter = BCON_NEW ("_id", BCON_UTF8 (self.incident->id), "account_id", BCON_UTF8 (call->principal->account_id));
    update = BCON_NEW ("$push", "{", "notes", "{", "id", BCON_UTF8 (note_id), "body", BCON_UTF8 (request->body),
                       "author_id", BCON_UTF8 (call->principal->user_id), "created_at", BCON_DATE_TIME (now), "}", "}",
                       "$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}",
                       "$set", "{", "updated_at", BCON_DATE_TIME (now), "}");
    if (s_modify (call, incidents, filter, update, &changed))
        goto cleanup;
    if (!changed.incident)
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "no such incident");
    else
        s_reply (call, &changed);

cleanup:
    s_incident_free (&self);
    s_incident_free (&changed);
    bson_destroy (filter);
    bson_destroy (update);
    mongoc_collection_destroy (incidents);
}
