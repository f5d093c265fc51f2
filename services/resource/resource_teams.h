/*  resource_teams: teams and their members in MongoDB.

    Collection teams {_id, account_id, name, description, members: [{user_id,
    team_admin}], version, created_at}. A name is unique within an account
    (unique index). Membership changes are compare-and-set on version, so two
    concurrent changes never lose one another (single-document atomic writes
    only). Every membership change announces user.changed for that user. */
#ifndef RESOURCE_TEAMS_H
#define RESOURCE_TEAMS_H

#include "resource_call.h"

int resource_teams_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

//  Handlers (see resource_call.h): each fills call->reply with the teams read
//  or the one team written (deleted_id for delete).
void resource_teams_on_get (resource_call_t *call, char **ids, size_t count);
void resource_teams_on_list (resource_call_t *call, const R5__ListObjectsRequest *request);
void resource_teams_on_create (resource_call_t *call, const R5__CreateTeamRequest *request);
void resource_teams_on_update (resource_call_t *call, const R5__UpdateTeamRequest *request);
void resource_teams_on_delete (resource_call_t *call, const char *id);
void resource_teams_on_add_member (resource_call_t *call, const R5__TeamMemberRequest *request);
void resource_teams_on_remove_member (resource_call_t *call, const R5__TeamMemberRequest *request);

//  Read a team document. 0, or -1 when it is malformed; free with resource_team_free.
int resource_team_from_bson (const bson_t *doc, R5__Team *team, int64_t *version);
void resource_team_free (R5__Team **team_p);

#endif
