/*  resource_incidents: incidents in MongoDB.

    Collection incidents {Incident by the codec, and participant_ids}: {_id,
    account_id, title, description, status, urgency, team_ids, user_ids
    (assigned now), team_history_ids (every team ever assigned),
    participant_ids (creator, every user ever assigned, every user who
    acted), created_by, created_at, acknowledged_at, resolved_at}. Its size
    is bounded by the account's teams and users, never by use: notes and the
    assignment history are documents of their own, incident_notes {_id,
    account_id, incident_id, body, author_id, created_at} and
    incident_history {_id, account_id, incident_id, team_ids, user_ids, by,
    at}. Incidents stored before that hold `notes` and `history` arrays
    until resource_migrate moves them. Status moves TRIGGERED ->
    ACKNOWLEDGED -> RESOLVED (resolving a triggered incident directly is
    allowed); every change is one findAndModify filtered on the status it
    was decided on. */
#ifndef RESOURCE_INCIDENTS_H
#define RESOURCE_INCIDENTS_H

#include "resource_store.h"

//  The type table's entries for incidents.
extern const r5_mongo_index_t resource_incidents_indexes [7];
const char *resource_incidents_list_check (const R5__ListObjectsRequest *request);
void resource_incidents_list_filter (resource_call_t *call, const R5__ListObjectsRequest *request,
                                     const R5__Visibility *visibility, bson_t *filter);

//  A new incident's title, description and urgency, however it is opened.
//  0, or -1 with the reply set (BAD_INPUT).
int resource_incidents_check_input (resource_call_t *call, const char *title, const char *description,
                                    R5__Urgency urgency);

//  Handlers (resource_handler_fn): each fills call->reply with the one incident written.
void resource_incidents_on_create (resource_call_t *call, const R5__ResourceRequest *request);
void resource_incidents_on_transition (resource_call_t *call, const R5__ResourceRequest *request);
void resource_incidents_on_reassign (resource_call_t *call, const R5__ResourceRequest *request);
void resource_incidents_on_add_note (resource_call_t *call, const R5__ResourceRequest *request);
//  A page of an incident's notes (oldest first) for a caller who may read it.
void resource_incidents_on_list_notes (resource_call_t *call, const R5__ResourceRequest *request);
extern const r5_mongo_index_t resource_incident_notes_indexes [2];
extern const r5_mongo_index_t resource_incident_history_indexes [1];

//  Insert a new TRIGGERED incident (input already validated and decided):
//  the creator me (a user, or "integration:<id>" that does not participate)
//  and every assignee participate.
void resource_incidents_insert (resource_call_t *call, const char *account_id, const char *me, const char *title,
                                const char *description, R5__Urgency urgency, char **team_ids, size_t n_team_ids,
                                char **user_ids, size_t n_user_ids);

#endif
