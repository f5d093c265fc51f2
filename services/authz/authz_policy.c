/*  authz_policy: scope gate, then the permission table and a token's team restriction.  */
#include "authz_policy.h"
#include "r5_scope.h"

#include <stdbool.h>
#include <string.h>

R5__Scope
authz_required_scope (R5__ResourceType resource, R5__Action action)
{
    //  Scopes come in Read/Write pairs in resource order (see common.proto).
    if (resource < R5__RESOURCE_TYPE__RESOURCE_INCIDENTS || resource > R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES
    ||  (action != R5__ACTION__ACTION_READ && action != R5__ACTION__ACTION_WRITE))
        return R5__SCOPE__SCOPE_UNSPECIFIED;
    static const R5__Scope s_read [] = {
        R5__SCOPE__SCOPE_UNSPECIFIED,
        R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_TEAMS_READ,
        R5__SCOPE__SCOPE_ESCALATION_POLICIES_READ, R5__SCOPE__SCOPE_SCHEDULES_READ,
        R5__SCOPE__SCOPE_INTEGRATIONS_READ, R5__SCOPE__SCOPE_USERS_READ,
        R5__SCOPE__SCOPE_CONTACT_METHODS_READ, R5__SCOPE__SCOPE_NOTIFICATION_RULES_READ,
    };
    R5__Scope read = s_read [resource];
    return action == R5__ACTION__ACTION_READ ? read : (R5__Scope) (read + 1);
}

R5__Action
authz_verb_action (R5__Verb verb)
{
    if (verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_GET)
        return R5__ACTION__ACTION_READ;
    if (verb >= R5__VERB__VERB_CREATE && verb <= R5__VERB__VERB_CREATE_OVERRIDE)
        return R5__ACTION__ACTION_WRITE;
    return R5__ACTION__ACTION_UNSPECIFIED;
}

static bool
s_has_scope (const R5__Principal *principal, R5__Scope scope)
{
    for (size_t i = 0; i < principal->n_scopes; i++)
        if (principal->scopes [i] == scope)
            return true;
    return false;
}

static bool
s_contains (char **list, size_t count, const char *id)
{
    for (size_t i = 0; id && *id && i < count; i++)
        if (list [i] && strcmp (list [i], id) == 0)
            return true;
    return false;
}

//  True when one of the object's teams is in the list.
static bool
s_intersects (const R5__ObjectFacts *object, char **list, size_t count)
{
    for (size_t i = 0; object && i < object->n_team_ids; i++)
        if (s_contains (list, count, object->team_ids [i]))
            return true;
    return false;
}

static void
s_set (R5__Decision *decision, R5__Status status, const char *reason)
{
    decision->status = status;
    decision->reason = (char *) reason;
}

#define S_ALLOW(reason)     do { s_set (decision, R5__STATUS__STATUS_OK, reason); return; } while (0)
#define S_FORBID(reason)    do { s_set (decision, R5__STATUS__STATUS_FORBIDDEN, reason); return; } while (0)
#define S_HIDE(reason)      do { s_set (decision, R5__STATUS__STATUS_NOT_FOUND, reason); return; } while (0)
#define S_BAD(reason)       do { s_set (decision, R5__STATUS__STATUS_BAD_INPUT, reason); return; } while (0)

//  Users: everyone sees every user of their account; owners and
//  administrators create, deactivate and reactivate; roles change per the
//  table (administrators never touch owners nor make one).
static void
s_decide_users (const R5__Principal *principal, const R5__Facts *facts, const R5__Operation *operation,
                R5__Decision *decision, bool manager)
{
    const R5__ObjectFacts *object = operation->object;
    bool owner = facts->role == R5__ROLE__ROLE_OWNER;
    switch (operation->verb) {
        case R5__VERB__VERB_LIST:
        case R5__VERB__VERB_GET:
            S_ALLOW ("everyone sees the users of their account");
        case R5__VERB__VERB_CREATE:
            if (!manager)
                S_FORBID ("only owners and administrators create users");
            if (!owner && object && object->new_role == R5__ROLE__ROLE_OWNER)
                S_FORBID ("only owners make owners");
            S_ALLOW ("owner or administrator");
        case R5__VERB__VERB_CHANGE_ROLE:
            if (owner)
                S_ALLOW ("owners change any role");
            if (!manager)
                S_FORBID ("only owners and administrators change roles");
            if (!object || object->target_role == R5__ROLE__ROLE_OWNER || object->new_role == R5__ROLE__ROLE_OWNER)
                S_FORBID ("administrators never change an owner's role nor make owners");
            S_ALLOW ("administrator: member <-> administrator");
        case R5__VERB__VERB_SET_ACTIVE:
            if (owner)
                S_ALLOW ("owners deactivate and reactivate users");
            if (!manager)
                S_FORBID ("only owners and administrators deactivate or reactivate users");
            if (!object || object->target_role == R5__ROLE__ROLE_OWNER)
                S_FORBID ("administrators never deactivate or reactivate owners");
            S_ALLOW ("administrator");
        default:
            S_BAD ("this verb does not apply to users");
    }
}

//  Teams: everyone sees every team; owners and administrators create and
//  delete; updates and membership also by the team's own admins.
static void
s_decide_teams (const R5__Facts *facts, const R5__Operation *operation, R5__Decision *decision, bool manager)
{
    switch (operation->verb) {
        case R5__VERB__VERB_LIST:
        case R5__VERB__VERB_GET:
            S_ALLOW ("everyone sees the teams of their account");
        case R5__VERB__VERB_CREATE:
        case R5__VERB__VERB_DELETE:
            if (manager)
                S_ALLOW ("owner or administrator");
            S_FORBID ("only owners and administrators create or delete teams");
        case R5__VERB__VERB_UPDATE:
        case R5__VERB__VERB_MANAGE_MEMBERS:
            if (manager)
                S_ALLOW ("owner or administrator");
            if (s_intersects (operation->object, facts->admin_team_ids, facts->n_admin_team_ids))
                S_ALLOW ("team admin of this team");
            S_FORBID ("only owners, administrators and the team's admins change a team");
        default:
            S_BAD ("this verb does not apply to teams");
    }
}

//  Escalation policies, schedules, integrations: owned by a team, seen by
//  everyone in the account, changed by owners, administrators and the owning
//  team's admins; schedule overrides also by the team's members.
static void
s_decide_team_owned (const R5__Facts *facts, const R5__Operation *operation, R5__Decision *decision,
                     bool manager)
{
    switch (operation->verb) {
        case R5__VERB__VERB_LIST:
        case R5__VERB__VERB_GET:
            S_ALLOW ("everyone sees the on-call setup of their account");
        case R5__VERB__VERB_CREATE:
        case R5__VERB__VERB_UPDATE:
        case R5__VERB__VERB_DELETE:
            if (manager)
                S_ALLOW ("owner or administrator");
            if (s_intersects (operation->object, facts->admin_team_ids, facts->n_admin_team_ids))
                S_ALLOW ("team admin of the owning team");
            S_FORBID ("only owners, administrators and the owning team's admins change it");
        case R5__VERB__VERB_CREATE_OVERRIDE:
            if (operation->resource != R5__RESOURCE_TYPE__RESOURCE_SCHEDULES)
                S_BAD ("overrides exist only for schedules");
            if (manager)
                S_ALLOW ("owner or administrator");
            if (s_intersects (operation->object, facts->team_ids, facts->n_team_ids)
            ||  s_intersects (operation->object, facts->admin_team_ids, facts->n_admin_team_ids))
                S_ALLOW ("member of the owning team");
            S_FORBID ("only the owning team's members override its schedules");
        default:
            S_BAD ("this verb does not apply to this type");
    }
}

//  Incidents: owners and administrators see and act on all; everyone else
//  sees (and acts on) those they participate in and those that are or were
//  assigned to one of their current teams. Anyone creates one. An incident
//  one may not see answers exactly as a missing one. A LIST, or an ACT as a
//  filter, gets the same rule as a visibility (the teams administered
//  are among the teams: team admin is a flag of a membership).
static void
s_decide_incidents (const R5__Principal *principal, const R5__Facts *facts, const R5__Operation *operation,
                    R5__Decision *decision, R5__Visibility *visibility, bool manager)
{
    const R5__ObjectFacts *object = operation->object;
    //  As a filter, an ACT is decided as the LIST of what it may match.
    switch (operation->as_filter ? R5__VERB__VERB_LIST : operation->verb) {
        case R5__VERB__VERB_LIST:
            r5__visibility__init (visibility);
            if (manager)
                visibility->all = true;
            else {
                visibility->participant = true;
                visibility->team_ids = facts->team_ids;
                visibility->n_team_ids = facts->n_team_ids;
            }
            decision->visibility = visibility;
            S_ALLOW (manager ? "owner or administrator: all incidents" : "participant or current team");
        case R5__VERB__VERB_CREATE:
            S_ALLOW ("anyone creates incidents");
        case R5__VERB__VERB_GET:
        case R5__VERB__VERB_ACT:
            if (manager)
                S_ALLOW ("owner or administrator");
            if (object && s_contains (object->participant_ids, object->n_participant_ids, principal->user_id))
                S_ALLOW ("participant");
            if (s_intersects (object, facts->team_ids, facts->n_team_ids)
            ||  s_intersects (object, facts->admin_team_ids, facts->n_admin_team_ids))
                S_ALLOW ("assigned now or before to one of the caller's teams");
            S_HIDE ("not visible to the caller");
        default:
            S_BAD ("this verb does not apply to incidents");
    }
}

//  Contact methods and notification rules: one's own only, whatever the role.
static void
s_decide_own (const R5__Principal *principal, const R5__Operation *operation, R5__Decision *decision,
              R5__Visibility *visibility)
{
    switch (operation->verb) {
        case R5__VERB__VERB_LIST:
            r5__visibility__init (visibility);
            visibility->own = true;
            decision->visibility = visibility;
            S_ALLOW ("one's own only");
        case R5__VERB__VERB_CREATE:
            S_ALLOW ("everyone keeps their own");
        case R5__VERB__VERB_GET:
        case R5__VERB__VERB_UPDATE:
        case R5__VERB__VERB_DELETE:
            if (operation->object && operation->object->owner_user_id
            &&  strcmp (operation->object->owner_user_id, principal->user_id) == 0)
                S_ALLOW ("one's own");
            S_HIDE ("another user's");
        default:
            S_BAD ("this verb does not apply to this type");
    }
}

//  =========================================================================
//  Team-restricted tokens
//  =========================================================================

//  Whether the principal is a token limited to some teams (sessions never are).
static bool
s_restricted (const R5__Principal *principal)
{
    return principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
        && principal->n_restricted_team_ids > 0;
}

//  True when ids names at least one team and every one is in the restriction.
static bool
s_all_within (const R5__Principal *principal, char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!s_contains (principal->restricted_team_ids, principal->n_restricted_team_ids, ids [i]))
            return false;
    return count > 0;
}

//  True when one of ids is in the restriction.
static bool
s_any_within (const R5__Principal *principal, char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (s_contains (principal->restricted_team_ids, principal->n_restricted_team_ids, ids [i]))
            return true;
    return false;
}

//  What a team restriction alone says of an operation: OK (within it),
//  NOT_FOUND (one object outside it: the token does not see it) or
//  FORBIDDEN (a create outside it, or a verb a restricted token never has).
//  *reason is set for anything but OK.
static R5__Status
s_restriction (const R5__Principal *principal, const R5__Operation *operation, const char **reason)
{
    const R5__ObjectFacts *object = operation->object;
    char **teams = object ? object->team_ids : NULL;
    size_t n_teams = object ? object->n_team_ids : 0;
    R5__Verb verb = operation->verb;
    if (verb == R5__VERB__VERB_LIST || operation->as_filter)
        return R5__STATUS__STATUS_OK;           //  narrowed by its visibility instead
    switch (operation->resource) {
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            if (verb == R5__VERB__VERB_CREATE) {
                *reason = "a team-restricted token does not create teams";
                return R5__STATUS__STATUS_FORBIDDEN;
            }
            break;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            if (verb == R5__VERB__VERB_CREATE) {
                if (s_all_within (principal, teams, n_teams))
                    return R5__STATUS__STATUS_OK;
                *reason = "a team-restricted token opens incidents for its teams only";
                return R5__STATUS__STATUS_FORBIDDEN;
            }
            //  The teams assigned now, not every team it ever had.
            if (object && s_any_within (principal, object->current_team_ids, object->n_current_team_ids))
                return R5__STATUS__STATUS_OK;
            *reason = "incident of no team of the token";
            return R5__STATUS__STATUS_NOT_FOUND;
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            if (verb != R5__VERB__VERB_GET) {
                *reason = "a team-restricted token does not create or change users";
                return R5__STATUS__STATUS_FORBIDDEN;
            }
            if ((operation->object_id && principal->user_id && strcmp (operation->object_id, principal->user_id) == 0)
            ||  s_any_within (principal, teams, n_teams))
                return R5__STATUS__STATUS_OK;
            *reason = "user in no team of the token";
            return R5__STATUS__STATUS_NOT_FOUND;
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS:
            break;
        default:
            return R5__STATUS__STATUS_OK;       //  one's own types: unaffected
    }
    //  Teams and team-owned types: the (owning) team must be one of the token's.
    if (s_all_within (principal, teams, n_teams))
        return R5__STATUS__STATUS_OK;
    *reason = verb == R5__VERB__VERB_CREATE ? "a team-restricted token creates for its teams only"
                                            : "object of no team of the token";
    return verb == R5__VERB__VERB_CREATE ? R5__STATUS__STATUS_FORBIDDEN : R5__STATUS__STATUS_NOT_FOUND;
}

//  Narrow the table's decision by the token's team restriction. Both must
//  allow; the table's own refusals stand, except that an object outside the
//  restriction answers NOT_FOUND even where the table said FORBIDDEN (the
//  token must not learn that it exists). A LIST's visibility gains the teams.
static void
s_restrict (const R5__Principal *principal, const R5__Operation *operation, R5__Decision *decision)
{
    if (decision->status != R5__STATUS__STATUS_OK && decision->status != R5__STATUS__STATUS_FORBIDDEN)
        return;
    const char *reason = NULL;
    R5__Status status = s_restriction (principal, operation, &reason);
    if (status == R5__STATUS__STATUS_NOT_FOUND
    ||  (status == R5__STATUS__STATUS_FORBIDDEN && decision->status == R5__STATUS__STATUS_OK))
        s_set (decision, status, reason);
}

void
authz_decide (const R5__Principal *principal, const R5__Facts *facts, const R5__Operation *operation,
              R5__Decision *decision, R5__Visibility *visibility)
{
    r5__decision__init (decision);
    if (!principal || !principal->user_id || !*principal->user_id
    ||  !principal->account_id || !*principal->account_id) {
        s_set (decision, R5__STATUS__STATUS_UNAUTHENTICATED, "no principal");
        return;
    }
    if (principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
    &&  principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_SESSION) {
        s_set (decision, R5__STATUS__STATUS_UNAUTHENTICATED, "unknown credential kind");
        return;
    }
    R5__Action action = operation->verb ? authz_verb_action (operation->verb) : operation->action;
    R5__Scope scope = authz_required_scope (operation->resource, action);
    if (scope == R5__SCOPE__SCOPE_UNSPECIFIED) {
        s_set (decision, R5__STATUS__STATUS_BAD_INPUT, "unknown resource, verb or action");
        return;
    }
    //  Gate 1: the token's scope. Sessions are limited by permissions alone.
    if (principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
    &&  !s_has_scope (principal, scope)) {
        decision->required_scope = scope;
        s_set (decision, R5__STATUS__STATUS_SCOPE_MISSING, "token lacks the scope");
        return;
    }
    //  Gate 2: the user's permission, from live facts only.
    if (operation->verb == R5__VERB__VERB_UNSPECIFIED) {
        s_set (decision, R5__STATUS__STATUS_BAD_INPUT, "operation has no verb");
        return;
    }
    if (!facts || !facts->loaded) {
        s_set (decision, R5__STATUS__STATUS_FORBIDDEN, "no facts about the caller");
        return;
    }
    if (!facts->active) {
        s_set (decision, R5__STATUS__STATUS_UNAUTHENTICATED, "user is deactivated");
        return;
    }
    //  As a filter, the caller's write adds the account, the visibility and a
    //  token's teams: only the one write that does so may ask.
    if (operation->as_filter) {
        if (operation->object || operation->resource != R5__RESOURCE_TYPE__RESOURCE_INCIDENTS
        ||  operation->verb != R5__VERB__VERB_ACT) {
            s_set (decision, R5__STATUS__STATUS_BAD_INPUT, "only an ACT on incidents, without object, is decided as a filter");
            return;
        }
    }
    else
    if (operation->verb != R5__VERB__VERB_LIST && operation->verb != R5__VERB__VERB_CREATE) {
        const R5__ObjectFacts *object = operation->object;
        if (!object || !object->exists)
            S_HIDE ("no such object");
        if (!object->account_id || strcmp (object->account_id, principal->account_id) != 0)
            S_HIDE ("object of another account");
    }
    bool manager = facts->role == R5__ROLE__ROLE_OWNER || facts->role == R5__ROLE__ROLE_ADMINISTRATOR;
    switch (operation->resource) {
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            s_decide_users (principal, facts, operation, decision, manager);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            s_decide_teams (facts, operation, decision, manager);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS:
            s_decide_team_owned (facts, operation, decision, manager);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            s_decide_incidents (principal, facts, operation, decision, visibility, manager);
            break;
        default:
            s_decide_own (principal, operation, decision, visibility);
            break;
    }
    //  Gate 3: a team-restricted token, together with the table.
    if (s_restricted (principal))
        s_restrict (principal, operation, decision);
    //  Only an allowed LIST, or an operation as a filter, carries a visibility rule.
    if (decision->status != R5__STATUS__STATUS_OK || (operation->verb != R5__VERB__VERB_LIST && !operation->as_filter))
        decision->visibility = NULL;
    else {
        if (!decision->visibility) {
            r5__visibility__init (visibility);
            visibility->all = true;
            decision->visibility = visibility;
        }
        //  One's own types stay one's own; every other list is narrowed to the teams.
        if (s_restricted (principal)
        &&  operation->resource != R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS
        &&  operation->resource != R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES) {
            visibility->restricted = true;
            visibility->restricted_team_ids = principal->restricted_team_ids;
            visibility->n_restricted_team_ids = principal->n_restricted_team_ids;
        }
    }
}
