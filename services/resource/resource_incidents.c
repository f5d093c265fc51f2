/*  resource_incidents: incidents, their assignment history and notes.  */
#include "resource_incidents.h"
#include "resource_bson.h"
#include "resource_validate.h"
#include "r5_codec.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

#define S_MAX_TEAMS 20
#define S_MAX_USERS 50

const r5_mongo_index_t resource_incidents_indexes [3] = {
    { "account_status", "{\"account_id\": 1, \"status\": 1}", false, NULL },
    { "account_teams", "{\"account_id\": 1, \"team_history_ids\": 1}", false, NULL },
    { "account_participants", "{\"account_id\": 1, \"participant_ids\": 1}", false, NULL },
};

static const resource_type_t *
s_incidents (void)
{
    return resource_type_of (R5__RESOURCE_TYPE__RESOURCE_INCIDENTS);
}

static const char *
s_status_name (R5__IncidentStatus status)
{
    return r5_codec_enum_name (&r5__incident_status__descriptor, status);
}

//  Every id refers to a team (or user) of the caller's account. 0, or -1 (reply set).
static int
s_check_references (resource_call_t *call, char **team_ids, size_t n_teams, char **user_ids, size_t n_users)
{
    const char *message;
    if ((message = resource_validate_ids ("teamIds", team_ids, n_teams, S_MAX_TEAMS))
    ||  (message = resource_validate_ids ("userIds", user_ids, n_users, S_MAX_USERS)))
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
    return resource_store_references (call, "teams", team_ids, n_teams, "teamIds names a team that does not exist")
        || resource_store_references (call, "users", user_ids, n_users, "userIds names a user that does not exist")
         ? -1 : 0;
}

//  =========================================================================
//  Lists
//  =========================================================================

const char *
resource_incidents_list_check (const R5__ListObjectsRequest *request)
{
    if (request->status > R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED)
        return "status must be TRIGGERED, ACKNOWLEDGED or RESOLVED";
    if (*request->team_id && !resource_validate_id (request->team_id))
        return "teamId is not a valid id";
    return NULL;
}

void
resource_incidents_list_filter (resource_call_t *call, const R5__ListObjectsRequest *request,
                                const R5__Visibility *visibility, bson_t *filter)
{
    if (request->status)
        BSON_APPEND_UTF8 (filter, "status", s_status_name (request->status));
    if (*request->team_id)
        BSON_APPEND_UTF8 (filter, "team_ids", request->team_id);
    if (!visibility->all) {
        //  The visibility rule of authz, as a query: participant, or assigned
        //  now or before to one of the caller's current teams.
        bson_t any, clause;
        BSON_APPEND_ARRAY_BEGIN (filter, "$or", &any);
        BSON_APPEND_DOCUMENT_BEGIN (&any, "0", &clause);
        BSON_APPEND_UTF8 (&clause, "participant_ids", visibility->participant ? call->principal->user_id : "");
        bson_append_document_end (&any, &clause);
        BSON_APPEND_DOCUMENT_BEGIN (&any, "1", &clause);
        resource_bson_append_in (&clause, "team_history_ids", visibility->team_ids, visibility->n_team_ids);
        bson_append_document_end (&any, &clause);
        bson_append_array_end (filter, &any);
    }
}

//  =========================================================================
//  Writes
//  =========================================================================

void
resource_incidents_on_create (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateIncidentRequest *request = envelope->create_incident;
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

//  Append a history entry {team_ids, user_ids, by, at} under key.
static void
s_history_entry (bson_t *doc, const char *key, char **team_ids, size_t n_team_ids, char **user_ids,
                 size_t n_user_ids, const char *by, int64_t at)
{
    bson_t entry;
    BSON_APPEND_DOCUMENT_BEGIN (doc, key, &entry);
    resource_bson_append_ids (&entry, "team_ids", team_ids, n_team_ids);
    resource_bson_append_ids (&entry, "user_ids", user_ids, n_user_ids);
    BSON_APPEND_UTF8 (&entry, "by", by);
    BSON_APPEND_DATE_TIME (&entry, "at", at);
    bson_append_document_end (doc, &entry);
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
    for (size_t i = 0; i < n_user_ids && n_participants < S_MAX_USERS + 1; i++)
        if (!streq (user_ids [i], me))
            participants [n_participants++] = user_ids [i];

    R5__Incident incident = R5__INCIDENT__INIT;
    incident.id = id;
    incident.account_id = (char *) account_id;
    incident.title = (char *) title;
    incident.description = (char *) description;
    incident.status = R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED;
    incident.urgency = urgency ? urgency : R5__URGENCY__URGENCY_HIGH;
    incident.team_ids = team_ids;
    incident.n_team_ids = n_team_ids;
    incident.user_ids = user_ids;
    incident.n_user_ids = n_user_ids;
    incident.team_history_ids = team_ids;
    incident.n_team_history_ids = n_team_ids;
    incident.created_by_id = (char *) me;
    incident.created_at_unix_ms = now;
    //  Beside the incident: who participates, and the assignment history.
    bson_t extra = BSON_INITIALIZER, history;
    resource_bson_append_ids (&extra, "participant_ids", participants, n_participants);
    BSON_APPEND_ARRAY_BEGIN (&extra, "history", &history);
    s_history_entry (&history, "0", team_ids, n_team_ids, user_ids, n_user_ids, me, now);
    bson_append_array_end (&extra, &history);
    resource_store_insert (call, s_incidents (), &incident.base, &extra);
    bson_destroy (&extra);
}

//  Modify the incident object was loaded as, with filter_extra's conditions
//  added; reply with it, or fail with status and message when it changed
//  meanwhile.
static void
s_modify (resource_call_t *call, const resource_object_t *object, const bson_t *conditions, const bson_t *update,
          R5__Status status, const char *message)
{
    const R5__Incident *incident = (const R5__Incident *) object->message;
    bson_t *filter = resource_bson_id_filter (incident->id, call->principal->account_id);
    if (conditions)
        bson_concat (filter, conditions);
    resource_object_t changed;
    if (resource_store_modify (call, s_incidents (), filter, update, &changed) == 0) {
        if (!changed.doc)
            resource_call_fail (call, status, message);
        else
            resource_store_reply (call, s_incidents (), &changed);
    }
    resource_object_clear (&changed);
    bson_destroy (filter);
}

void
resource_incidents_on_transition (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__IncidentTransitionRequest *request = envelope->incident_transition;
    R5__IncidentStatus to = request->to;
    if (to != R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED && to != R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an incident can only be acknowledged or resolved");
        return;
    }
    resource_object_t self;
    if (resource_store_load (call, s_incidents (), request->id, R5__VERB__VERB_ACT, &self))
        goto cleanup;
    R5__IncidentStatus from = ((const R5__Incident *) self.message)->status;
    if (from == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the incident is already resolved");
        goto cleanup;
    }
    if (from == R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED && to == from) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the incident is already acknowledged");
        goto cleanup;
    }
    int64_t now = r5_now_ms ();
    bson_t *conditions = BCON_NEW ("status", BCON_UTF8 (s_status_name (from)));
    bson_t *update = BCON_NEW ("$set", "{", "status", BCON_UTF8 (s_status_name (to)),
                               to == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED ? "resolved_at" : "acknowledged_at",
                               BCON_DATE_TIME (now), "updated_at", BCON_DATE_TIME (now), "}",
                               "$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}");
    s_modify (call, &self, conditions, update, R5__STATUS__STATUS_CONFLICT, "the incident changed meanwhile, try again");
    bson_destroy (conditions);
    bson_destroy (update);

cleanup:
    resource_object_clear (&self);
}

void
resource_incidents_on_reassign (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__ReassignIncidentRequest *request = envelope->reassign_incident;
    if (request->n_team_ids == 0 && request->n_user_ids == 0) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "reassign needs at least one team or user");
        return;
    }
    resource_object_t self = { 0 };
    if (s_check_references (call, request->team_ids, request->n_team_ids, request->user_ids, request->n_user_ids)
    ||  resource_store_load (call, s_incidents (), request->id, R5__VERB__VERB_ACT, &self))
        goto cleanup;
    if (((const R5__Incident *) self.message)->status == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED) {
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
    bson_t *conditions = BCON_NEW ("status", "{", "$ne", BCON_UTF8 ("RESOLVED"), "}");
    bson_t update = BSON_INITIALIZER, set, add, each, push;
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
    s_history_entry (&push, "history", request->team_ids, request->n_team_ids, request->user_ids,
                     request->n_user_ids, me, now);
    bson_append_document_end (&update, &push);
    s_modify (call, &self, conditions, &update, R5__STATUS__STATUS_BAD_INPUT, "a resolved incident cannot be reassigned");
    bson_destroy (conditions);
    bson_destroy (&update);

cleanup:
    resource_object_clear (&self);
}

void
resource_incidents_on_add_note (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__AddIncidentNoteRequest *request = envelope->add_incident_note;
    const char *message = resource_validate_multiline ("body", request->body, 1, 10000);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    resource_object_t self;
    if (resource_store_load (call, s_incidents (), request->id, R5__VERB__VERB_ACT, &self) == 0) {
        char note_id [25];
        r5_mongo_new_id (note_id);
        R5__IncidentNote note = R5__INCIDENT_NOTE__INIT;
        note.id = note_id;
        note.body = request->body;
        note.author_id = (char *) call->principal->user_id;
        note.created_at_unix_ms = r5_now_ms ();
        R5__IncidentNote *notes [1] = { &note };
        R5__Incident holder = R5__INCIDENT__INIT;
        holder.notes = notes;
        holder.n_notes = 1;
        //  The note through the codec, as the incident stores its notes.
        bson_t update = BSON_INITIALIZER;
        resource_bson_push_item (&holder.base, "notes", &update);
        bson_t *rest = BCON_NEW ("$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}",
                                 "$set", "{", "updated_at", BCON_DATE_TIME (note.created_at_unix_ms), "}");
        bson_concat (&update, rest);
        s_modify (call, &self, NULL, &update, R5__STATUS__STATUS_NOT_FOUND, "no such incident");
        bson_destroy (rest);
        bson_destroy (&update);
    }
    resource_object_clear (&self);
}
