/*  resource_owned: what the types owned by a team (escalation policies,
    schedules, integrations) or by one user (contact methods, notification
    rules) share — read by ids, list, load-and-decide, create, modify, delete —
    so each type's file holds only its own fields and checks.

    Documents carry account_id and either team_id (team-owned) or user_id
    (user-owned); those are the facts r5-authz decides on. */
#ifndef RESOURCE_OWNED_H
#define RESOURCE_OWNED_H

#include "resource_call.h"

typedef struct {
    R5__ResourceType type;
    const char *collection;
    bool user_owned;
    const char *not_found;          //  "no such schedule"
    //  Read a document into the reply's Objects. 0, or -1 when it is malformed.
    int (*reply) (resource_call_t *call, const bson_t *doc);
} resource_owned_t;

void resource_owned_get (resource_call_t *call, const resource_owned_t *type, char **ids, size_t count);

//  A page; request->team_id filters team-owned types (BAD_INPUT when not an id).
void resource_owned_list (resource_call_t *call, const resource_owned_t *type, const R5__ListObjectsRequest *request);

void resource_owned_delete (resource_call_t *call, const resource_owned_t *type, const char *id);

//  Load one object of the caller's account and decide verb on it. 0 with
//  *doc (bson_destroy it), or -1 with the reply set.
int resource_owned_load (resource_call_t *call, const resource_owned_t *type, const char *id, R5__Verb verb,
                         bson_t **doc);

//  Decide CREATE: for a team-owned type, team_id must name a team of the
//  caller's account (BAD_INPUT) and is the fact decided on. 0 or -1 (reply set).
int resource_owned_decide_create (resource_call_t *call, const resource_owned_t *type, const char *team_id);

//  Insert doc and reply with it. 0 or -1 (reply set).
int resource_owned_insert (resource_call_t *call, const resource_owned_t *type, const bson_t *doc);

//  findAndModify {_id: id, account_id} with update; reply with the object
//  after the change (NOT_FOUND when it vanished). 0 or -1 (reply set).
int resource_owned_modify (resource_call_t *call, const resource_owned_t *type, const char *id, const bson_t *update);

//  Count objects of collection with _id in ids in the caller's account (for
//  references), and answer BAD_INPUT with message unless all exist. 0 or -1.
int resource_owned_references (resource_call_t *call, const char *collection, char **ids, size_t count,
                               const char *message);

#endif
