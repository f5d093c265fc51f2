/*  resource_teams: teams and their members in MongoDB.

    Collection teams {Team by the codec, and version}: {_id, account_id,
    name, description, members: [{user_id, team_admin}], version,
    created_at}. A name is unique within an account (unique index).
    Membership changes are compare-and-set on version, so two concurrent
    changes never lose one another (single-document atomic writes only).
    Every membership change announces user.changed for that user. */
#ifndef RESOURCE_TEAMS_H
#define RESOURCE_TEAMS_H

#include "resource_store.h"

//  The type table's entries for teams.
extern const r5_mongo_index_t resource_teams_indexes [4];
int resource_teams_before_delete (resource_call_t *call, const resource_object_t *team, bson_t *filter);
int resource_teams_after_delete (resource_call_t *call, const resource_object_t *team);

//  Handlers (resource_handler_fn): each fills call->reply with the one team written.
void resource_teams_on_create (resource_call_t *call, const R5__ResourceRequest *request);
void resource_teams_on_update (resource_call_t *call, const R5__ResourceRequest *request);
void resource_teams_on_add_member (resource_call_t *call, const R5__ResourceRequest *request);
void resource_teams_on_remove_member (resource_call_t *call, const R5__ResourceRequest *request);

#endif
