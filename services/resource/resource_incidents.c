/*  resource_incidents: incidents, their assignment history and notes.  */
#include "resource_incidents.h"
#include "resource_bson.h"
#include "resource_pending.h"
#include "resource_validate.h"
#include "r5_codec.h"
#include "r5_time.h"

#include <czmq.h>
#include <stddef.h>
#include <string.h>

#define S_MAX_TEAMS 20
#define S_MAX_USERS 50

//  A page of incidents: the account and at most one more equality (status,
//  a team assigned now, or a visibility clause: each $or clause is planned
//  on its own), then the _id range and sort.
const r5_mongo_index_t resource_incidents_indexes [7] = {
    { "account_id_id", "{\"account_id\": 1, \"_id\": 1}", false, NULL },
    { "account_status_id", "{\"account_id\": 1, \"status\": 1, \"_id\": 1}", false, NULL },
    { "account_team_ids_id", "{\"account_id\": 1, \"team_ids\": 1, \"_id\": 1}", false, NULL },
    { "account_teams_id", "{\"account_id\": 1, \"team_history_ids\": 1, \"_id\": 1}", false, NULL },
    { "account_participants_id", "{\"account_id\": 1, \"participant_ids\": 1, \"_id\": 1}", false, NULL },
    //  Incidents stored by older versions, with their notes and history still
    //  embedded, for resource_migrate (only they have the keys: small indexes
    //  of one date per element, that empty as the incidents are moved).
    { "notes_created_at", "{\"notes.created_at\": 1}", false, "{\"notes.created_at\": {\"$exists\": true}}" },
    { "history_at", "{\"history.at\": 1}", false, "{\"history.at\": {\"$exists\": true}}" },
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

//  The visibility rule of authz, as a query: participant, or assigned now or
//  before to one of the caller's current teams (lists, and writes decided as
//  a filter).
static void
s_append_visibility (resource_call_t *call, const R5__Visibility *visibility, bson_t *filter)
{
    if (visibility->all)
        return;
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

void
resource_incidents_list_filter (resource_call_t *call, const R5__ListObjectsRequest *request,
                                const R5__Visibility *visibility, bson_t *filter)
{
    if (request->status)
        BSON_APPEND_UTF8 (filter, "status", s_status_name (request->status));
    if (*request->team_id)
        BSON_APPEND_UTF8 (filter, "team_ids", request->team_id);
    s_append_visibility (call, visibility, filter);
}

//  =========================================================================
//  Writes
//  =========================================================================

//  An incident's text fields, however it is opened.
static const resource_text_rule_t s_text_rules [] = {
    { "title", 1, 200, false, "title must be 1 to 200 characters" },
    RESOURCE_RULE_DESCRIPTION,
};

int
resource_incidents_check_input (resource_call_t *call, const ProtobufCMessage *input, R5__Urgency urgency)
{
    if (resource_call_check_text (call, input, s_text_rules, sizeof s_text_rules / sizeof s_text_rules [0]))
        return -1;
    if (urgency > R5__URGENCY__URGENCY_LOW)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "urgency must be HIGH or LOW");
    return 0;
}

void
resource_incidents_on_create (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateIncidentRequest *request = envelope->create_incident;
    if (resource_incidents_check_input (call, &request->base, request->urgency))
        return;
    //  The new incident's teams: a team-restricted token opens incidents for its own teams only.
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    facts.team_ids = request->team_ids;
    facts.n_team_ids = request->n_team_ids;
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, &facts, NULL)
    ||  s_check_references (call, request->team_ids, request->n_team_ids, request->user_ids, request->n_user_ids))
        return;
    resource_incidents_insert (call, &request->base, request->team_ids, request->n_team_ids, request->user_ids, request->n_user_ids);
}

//  Insert doc into collection (a note or a history entry, beside its
//  incident). 0, or -1 with the reply set.
static int
s_insert_beside (resource_call_t *call, const char *collection_name, const bson_t *doc)
{
    mongoc_collection_t *collection = resource_call_collection (call, collection_name);
    bson_error_t error;
    int rc = 0;
    if (!mongoc_collection_insert_one (collection, doc, NULL, NULL, &error))
        rc = resource_call_mongo_fail (call, &error, "insert");
    mongoc_collection_destroy (collection);
    return rc;
}

//  Record an assignment {team_ids, user_ids, by, at} of the incident in
//  incident_history (one document per entry, so the incident stays the
//  same size however often it is reassigned). 0, or -1 with the reply set.
static int
s_history_entry (resource_call_t *call, const char *account_id, const char *incident_id, char **team_ids,
                 size_t n_team_ids, char **user_ids, size_t n_user_ids, const char *by, int64_t at)
{
    char id [25];
    r5_mongo_new_id (id);
    bson_t entry = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&entry, "_id", id);
    BSON_APPEND_UTF8 (&entry, "account_id", account_id);
    BSON_APPEND_UTF8 (&entry, "incident_id", incident_id);
    resource_bson_append_ids (&entry, "team_ids", team_ids, n_team_ids);
    resource_bson_append_ids (&entry, "user_ids", user_ids, n_user_ids);
    BSON_APPEND_UTF8 (&entry, "by", by);
    BSON_APPEND_DATE_TIME (&entry, "at", at);
    int rc = s_insert_beside (call, "incident_history", &entry);
    bson_destroy (&entry);
    return rc;
}

void
resource_incidents_insert (resource_call_t *call, const ProtobufCMessage *input, char **team_ids, size_t n_team_ids,
                           char **user_ids, size_t n_user_ids)
{
    const char *account_id = call->principal->account_id, *me = call->principal->user_id;
    //  The creator and every assignee participate.
    char *participants [S_MAX_USERS + 1];
    size_t n_participants = 0;
    //  A creator that is not a user (an integration) does not participate.
    if (resource_validate_id (me))
        participants [n_participants++] = (char *) me;
    for (size_t i = 0; i < n_user_ids && n_participants < S_MAX_USERS + 1; i++)
        if (!streq (user_ids [i], me))
            participants [n_participants++] = user_ids [i];

    char id [25];
    R5__Incident incident = R5__INCIDENT__INIT;
    resource_store_prepare (call, s_incidents (), input, &incident.base, id);
    int64_t now = incident.created_at_unix_ms;
    incident.status = R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED;
    if (!incident.urgency)
        incident.urgency = R5__URGENCY__URGENCY_HIGH;
    incident.team_ids = team_ids;
    incident.n_team_ids = n_team_ids;
    incident.user_ids = user_ids;
    incident.n_user_ids = n_user_ids;
    incident.team_history_ids = team_ids;
    incident.n_team_history_ids = n_team_ids;
    incident.created_by_id = (char *) me;
    //  Beside the incident: who participates. The first assignment goes to
    //  incident_history after the incident (docs/design.md section 8).
    bson_t extra = BSON_INITIALIZER;
    resource_bson_append_ids (&extra, "participant_ids", participants, n_participants);
    if (resource_store_insert (call, s_incidents (), &incident.base, &extra) == 0)
        s_history_entry (call, account_id, id, team_ids, n_team_ids, user_ids, n_user_ids, me, now);
    bson_destroy (&extra);
}

//  Modify the incident object was loaded as, with conditions added; reply
//  with it, or fail with status and message when it changed meanwhile.
//  0 when it was modified, else -1 (reply set).
static int
s_modify (resource_call_t *call, const resource_object_t *object, const bson_t *conditions, const bson_t *update,
          R5__Status status, const char *message)
{
    int rc = -1;
    const R5__Incident *incident = (const R5__Incident *) object->message;
    bson_t *filter = resource_bson_id_filter (incident->id, call->principal->account_id);
    if (conditions)
        bson_concat (filter, conditions);
    resource_object_t changed;
    if (resource_store_modify (call, s_incidents (), filter, update, &changed) == 0) {
        if (!changed.doc)
            resource_call_fail (call, status, message);
        else {
            resource_store_reply (call, s_incidents (), &changed);
            rc = 0;
        }
    }
    resource_object_clear (&changed);
    bson_destroy (filter);
    return rc;
}

//  The update of a move to `to`, by the caller (who then participates).
static bson_t *
s_transition_update (resource_call_t *call, R5__IncidentStatus to)
{
    int64_t now = r5_now_ms ();
    return BCON_NEW ("$set", "{", "status", BCON_UTF8 (s_status_name (to)),
                     to == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED ? "resolved_at" : "acknowledged_at",
                     BCON_DATE_TIME (now), "updated_at", BCON_DATE_TIME (now), "}",
                     "$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}");
}

//  The transition as one findAndModify whose filter holds every check: the
//  incident of the caller's account that authz lets the caller act on (its
//  visibility rule and a token's team restriction, decided once for any
//  incident) in a status it can move from. 0 when done or refused (reply
//  set); 1 when nothing matched, or r5-authz is too old to decide so: then
//  s_transition_checked says why, or does it.
static int
s_transition_at_once (resource_call_t *call, const R5__IncidentTransitionRequest *request)
{
    if (!resource_validate_id (request->id))
        return 1;
    R5__Visibility visibility;
    int rc = resource_call_decide_filter (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT,
                                          &visibility);
    if (rc)
        return rc < 0 ? 0 : 1;
    bson_t *filter = resource_bson_id_filter (request->id, call->principal->account_id);
    resource_pending_append_confirmed (s_incidents (), filter);
    s_append_visibility (call, &visibility, filter);
    if (resource_store_restrict (call, s_incidents (), &visibility, filter) == 0) {
        //  Acknowledge from TRIGGERED; resolve from either open status.
        bson_t from;
        BSON_APPEND_DOCUMENT_BEGIN (filter, "status", &from);
        bson_t in;
        BSON_APPEND_ARRAY_BEGIN (&from, "$in", &in);
        BSON_APPEND_UTF8 (&in, "0", s_status_name (R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED));
        if (request->to == R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED)
            BSON_APPEND_UTF8 (&in, "1", s_status_name (R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED));
        bson_append_array_end (&from, &in);
        bson_append_document_end (filter, &from);
        bson_t *update = s_transition_update (call, request->to);
        resource_object_t changed;
        if (resource_store_modify (call, s_incidents (), filter, update, &changed) == 0 && !changed.doc)
            rc = 1;
        else
        if (changed.doc)
            resource_store_reply (call, s_incidents (), &changed);
        resource_object_clear (&changed);
        bson_destroy (update);
    }
    bson_destroy (filter);
    resource_call_visibility_clear (&visibility);
    return rc;
}

//  The transition step by step: load the incident (authz decides on it),
//  check its status, then modify it on the condition that the status is
//  still the one read. Exact errors for what s_transition_at_once did not
//  match.
static void
s_transition_checked (resource_call_t *call, const R5__IncidentTransitionRequest *request)
{
    R5__IncidentStatus to = request->to;
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
    bson_t *conditions = BCON_NEW ("status", BCON_UTF8 (s_status_name (from)));
    bson_t *update = s_transition_update (call, to);
    s_modify (call, &self, conditions, update, R5__STATUS__STATUS_CONFLICT, "the incident changed meanwhile, try again");
    bson_destroy (conditions);
    bson_destroy (update);

cleanup:
    resource_object_clear (&self);
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
    if (s_transition_at_once (call, request) == 1)
        s_transition_checked (call, request);
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
    //  Reassigning hands the incident to its new teams as opening it would:
    //  a team-restricted token may hand it only to its own teams (asked as
    //  the create it amounts to; any user may open incidents, so only the
    //  restriction can refuse, and an unrestricted call skips the question).
    if (resource_call_restricted (call)) {
        R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
        facts.team_ids = request->team_ids;
        facts.n_team_ids = request->n_team_ids;
        if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, &facts, NULL))
            goto cleanup;
    }
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
    bson_t update = BSON_INITIALIZER, set, add, each;
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
    //  The incident first (it alone decides who sees it), then its history
    //  entry: a crash between them loses the entry, nothing a user sees.
    if (s_modify (call, &self, conditions, &update, R5__STATUS__STATUS_BAD_INPUT,
                  "a resolved incident cannot be reassigned") == 0)
        s_history_entry (call, call->principal->account_id, request->id, request->team_ids, request->n_team_ids,
                         request->user_ids, request->n_user_ids, me, now);
    bson_destroy (conditions);
    bson_destroy (&update);

cleanup:
    resource_object_clear (&self);
}

//  =========================================================================
//  Notes: one document each in incident_notes, never inside the incident
//  =========================================================================

const r5_mongo_index_t resource_incident_notes_indexes [2] = {
    //  A page of one incident's notes: equality on both, then the _id range and sort.
    { "account_incident_id", "{\"account_id\": 1, \"incident_id\": 1, \"_id\": 1}", false, NULL },
    //  A note added with an Idempotency-Key: one note per key and user.
    { "idempotency_key", "{\"account_id\": 1, \"" RESOURCE_IDEMPOTENCY_KEY ".user_id\": 1, \""
      RESOURCE_IDEMPOTENCY_KEY ".key\": 1}", true,
      "{\"" RESOURCE_IDEMPOTENCY_KEY ".key\": {\"$exists\": true}}" },
};

const r5_mongo_index_t resource_incident_history_indexes [1] = {
    { "account_incident_id", "{\"account_id\": 1, \"incident_id\": 1, \"_id\": 1}", false, NULL },
};

static const char *const s_note_keys [] = { "_id", "account_id", "incident_id", "body", "author_id", NULL };

//  Notes are not a type of the table (authz knows them through their
//  incident), but page and decode as one.
static const resource_type_t s_notes = {
    .collection = "incident_notes", .descriptor = &r5__incident_note__descriptor,
    .objects_count = offsetof (R5__Objects, n_incident_notes), .objects_list = offsetof (R5__Objects, incident_notes),
    .not_found = "no such note", .required = s_note_keys,
};

void
resource_incidents_on_add_note (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__AddIncidentNoteRequest *request = envelope->add_incident_note;
    const char *message = resource_validate_multiline ("body", request->body, 1, 10000);
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    resource_object_t self, changed = { 0 };
    bson_t *filter = NULL, *update = NULL, note_doc = BSON_INITIALIZER;
    if (resource_store_load (call, s_incidents (), request->id, R5__VERB__VERB_ACT, &self))
        goto cleanup;
    //  A retry with its key, before anything changes: the same note answers
    //  the incident, another one CONFLICT.
    int keyed = resource_store_keyed (call, &s_notes);
    if (keyed) {
        if (keyed > 0)
            resource_store_reply (call, s_incidents (), &self);
        goto cleanup;
    }
    char note_id [25];
    r5_mongo_new_id (note_id);
    R5__IncidentNote note = R5__INCIDENT_NOTE__INIT;
    note.id = note_id;
    note.body = request->body;
    note.author_id = (char *) call->principal->user_id;
    note.created_at_unix_ms = r5_now_ms ();
    //  The incident first: the author participates (the note is acting on
    //  it) and it was updated. A crash before the note's insert leaves a
    //  participant without a note, who was allowed to act anyway and whose
    //  request failed; the other order could leave a note whose author no
    //  longer sees the incident that holds it.
    const R5__Incident *incident = (const R5__Incident *) self.message;
    filter = resource_bson_id_filter (incident->id, call->principal->account_id);
    update = BCON_NEW ("$addToSet", "{", "participant_ids", BCON_UTF8 (call->principal->user_id), "}",
                       "$set", "{", "updated_at", BCON_DATE_TIME (note.created_at_unix_ms), "}");
    if (resource_store_modify (call, s_incidents (), filter, update, &changed))
        goto cleanup;
    if (!changed.doc) {
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "no such incident");
        goto cleanup;
    }
    //  One insert, whatever the incident already holds: its size never grows.
    if (r5_codec_to_bson (&note.base, R5_CODEC_DOCUMENT, &note_doc)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the note is too large");
        goto cleanup;
    }
    BSON_APPEND_UTF8 (&note_doc, "account_id", call->principal->account_id);
    BSON_APPEND_UTF8 (&note_doc, "incident_id", incident->id);
    //  The key's unique index holds against a retry racing this one.
    resource_store_append_idempotency (call, &note_doc);
    if (s_insert_beside (call, s_notes.collection, &note_doc) == 0)
        resource_store_reply (call, s_incidents (), &changed);

cleanup:
    bson_destroy (&note_doc);
    bson_destroy (update);
    bson_destroy (filter);
    resource_object_clear (&changed);
    resource_object_clear (&self);
}

void
resource_incidents_on_list_notes (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__ListIncidentNotesRequest *request = envelope->list_incident_notes;
    resource_object_t self;
    //  Whoever may read the incident may read its notes; one they may not
    //  see answers NOT_FOUND, as the incident itself does.
    if (resource_store_load (call, s_incidents (), request->incident_id, R5__VERB__VERB_GET, &self) == 0) {
        mongoc_collection_t *collection = resource_call_collection (call, s_notes.collection);
        bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                                   "incident_id", BCON_UTF8 (request->incident_id));
        resource_page_t page = { request->first, request->last, request->after, request->before, request->count };
        resource_store_page (call, &s_notes, collection, filter, &page);
        bson_destroy (filter);
        mongoc_collection_destroy (collection);
    }
    resource_object_clear (&self);
}
