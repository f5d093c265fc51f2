/*  test_authz_policy: decisions from principal + facts — the scope gate (a
    token needs the exact scope; write does not grant read; sessions have no
    scope gate), then the permission table of DESIGN section 4 from live facts
    (the role in the principal never counts), NOT_FOUND for other accounts and
    invisible incidents, the visibility rules of lists, and a team-restricted
    token's narrowing of all of it. */
#include "authz_policy.h"
#include "r5_test.h"

#include <stdbool.h>
#include <string.h>

#define ACCOUNT "acct0000000000000000000a"
#define OTHER_ACCOUNT "acct0000000000000000000b"
#define ME "user0000000000000000000a"
#define TEAM_A "team0000000000000000000a"
#define TEAM_B "team0000000000000000000b"

static const R5__CredentialKind PAT = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
static const R5__CredentialKind SESSION = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;

typedef struct {
    R5__CredentialKind kind;
    R5__Scope *scopes;
    size_t n_scopes;
    R5__Role principal_role;    //  what the token said: never decides
    R5__Role role;              //  the live role
    bool active;
    char **teams;
    size_t n_teams;
    char **admin_teams;
    size_t n_admin_teams;
    char **restricted;          //  the token's team restriction (none: unrestricted)
    size_t n_restricted;
} s_caller_t;

static R5__Visibility s_visibility;

static R5__Decision
s_decide_op (const s_caller_t *caller, R5__ResourceType resource, R5__Verb verb, const char *object_id,
             R5__ObjectFacts *object, bool as_filter)
{
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = ME;
    principal.account_id = ACCOUNT;
    principal.role = caller->principal_role;
    principal.kind = caller->kind;
    principal.scopes = caller->scopes;
    principal.n_scopes = caller->n_scopes;
    principal.restricted_team_ids = caller->restricted;
    principal.n_restricted_team_ids = caller->n_restricted;
    R5__Facts facts = R5__FACTS__INIT;
    facts.loaded = true;
    facts.role = caller->role;
    facts.active = caller->active;
    facts.team_ids = caller->teams;
    facts.n_team_ids = caller->n_teams;
    facts.admin_team_ids = caller->admin_teams;
    facts.n_admin_team_ids = caller->n_admin_teams;
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = resource;
    operation.verb = verb;
    operation.object = object;
    operation.object_id = (char *) object_id;
    operation.as_filter = as_filter;
    R5__Decision decision;
    authz_decide (&principal, &facts, &operation, &decision, &s_visibility);
    return decision;
}

static R5__Decision
s_decide_id (const s_caller_t *caller, R5__ResourceType resource, R5__Verb verb, const char *object_id,
             R5__ObjectFacts *object)
{
    return s_decide_op (caller, resource, verb, object_id, object, false);
}

static R5__Decision
s_decide (const s_caller_t *caller, R5__ResourceType resource, R5__Verb verb, R5__ObjectFacts *object)
{
    return s_decide_id (caller, resource, verb, NULL, object);
}

static R5__Decision
s_decide_as_filter (const s_caller_t *caller, R5__ResourceType resource, R5__Verb verb, R5__ObjectFacts *object)
{
    return s_decide_op (caller, resource, verb, NULL, object, true);
}

static R5__ObjectFacts
s_object (const char *account, char **teams, size_t n_teams)
{
    R5__ObjectFacts object = R5__OBJECT_FACTS__INIT;
    object.exists = true;
    object.account_id = (char *) account;
    object.team_ids = teams;
    object.n_team_ids = n_teams;
    return object;
}

#define OK      R5__STATUS__STATUS_OK
#define SCOPE   R5__STATUS__STATUS_SCOPE_MISSING
#define DENIED  R5__STATUS__STATUS_FORBIDDEN
#define MISSING R5__STATUS__STATUS_NOT_FOUND

static bool
s_in (char **ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp (ids [i], id) == 0)
            return true;
    return false;
}

static bool
s_meets (char **a, size_t n_a, char **b, size_t n_b)
{
    for (size_t i = 0; i < n_a; i++)
        if (s_in (b, n_b, a [i]))
            return true;
    return false;
}

//  Whether r5-resource's filter for a visibility matches an incident, as
//  MongoDB evaluates it: participant_ids has the caller, or team_history_ids
//  meets the teams; and for a restriction, team_ids (now) meets its teams.
static bool
s_filter_matches (const R5__Visibility *v, const R5__ObjectFacts *incident)
{
    bool rule = v->all || (v->participant && s_in (incident->participant_ids, incident->n_participant_ids, ME))
             || s_meets (incident->team_ids, incident->n_team_ids, v->team_ids, v->n_team_ids);
    return rule && (!v->restricted || s_meets (incident->current_team_ids, incident->n_current_team_ids,
                                               v->restricted_team_ids, v->n_restricted_team_ids));
}

//  An ACT on incidents decided as a filter (r5-resource's one findAndModify)
//  decides exactly as the same operation on each incident: every caller
//  (role, credential and scopes, teams, team restriction) against every
//  incident (teams ever, teams now, participants). s_filter_matches models
//  the filter r5-resource writes; test_resource_service runs the real one.
static void
s_test_as_filter (void)
{
    char *a [] = { TEAM_A }, *b [] = { TEAM_B }, *ab [] = { TEAM_A, TEAM_B };
    struct { char **ids; size_t n; } sets [] = { { NULL, 0 }, { a, 1 }, { b, 1 }, { ab, 2 } };
    const size_t n_sets = sizeof sets / sizeof sets [0];
    R5__Scope write [] = { R5__SCOPE__SCOPE_INCIDENTS_WRITE }, read [] = { R5__SCOPE__SCOPE_INCIDENTS_READ };
    R5__Scope both [] = { R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_INCIDENTS_WRITE };
    struct { R5__CredentialKind kind; R5__Scope *scopes; size_t n; } credentials [] = {
        { SESSION, NULL, 0 }, { PAT, write, 1 }, { PAT, read, 1 }, { PAT, both, 2 },
    };
    R5__Role roles [] = { R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_ADMINISTRATOR, R5__ROLE__ROLE_MEMBER };
    char *me [] = { ME }, *someone [] = { "user0000000000000000000b" };
    size_t cells = 0, mismatches = 0;
    for (size_t c = 0; c < sizeof credentials / sizeof credentials [0]; c++)
    for (size_t r = 0; r < sizeof roles / sizeof roles [0]; r++)
    for (size_t t = 0; t < n_sets; t++)
    for (int admin = 0; admin < 2; admin++)
    for (size_t x = 0; x < n_sets; x++)
    for (int active = 0; active < 2; active++) {
        const R5__Verb verb = R5__VERB__VERB_ACT;
        //  Team admin is a flag of a membership: the administered teams are among the teams.
        s_caller_t caller = { credentials [c].kind, credentials [c].scopes, credentials [c].n, roles [r], roles [r],
                              active, sets [t].ids, sets [t].n, admin ? sets [t].ids : NULL, admin ? sets [t].n : 0,
                              sets [x].ids, sets [x].n };
        R5__Decision filter = s_decide_as_filter (&caller, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, verb, NULL);
        R5__Visibility visibility = s_visibility;
        for (size_t ever = 0; ever < n_sets; ever++)
        for (size_t now = 0; now < n_sets; now++)
        for (int participant = 0; participant < 2; participant++) {
            R5__ObjectFacts incident = s_object (ACCOUNT, sets [ever].ids, sets [ever].n);
            incident.current_team_ids = sets [now].ids;
            incident.n_current_team_ids = sets [now].n;
            incident.participant_ids = participant ? me : someone;
            incident.n_participant_ids = 1;
            R5__Decision one = s_decide (&caller, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, verb, &incident);
            R5__Status expected = filter.status != OK ? filter.status
                                : s_filter_matches (&visibility, &incident) ? OK : MISSING;
            cells++;
            if (one.status != expected || (filter.status == SCOPE && one.required_scope != filter.required_scope))
                mismatches++;
        }
    }
    CHECK (cells == 4 * 3 * 4 * 2 * 4 * 2 * 4 * 4 * 2);
    CHECK_MSG (mismatches == 0, "%zu of %zu cells decide otherwise as a filter", mismatches, cells);

    //  Only an ACT on incidents, without object, is decided as a filter.
    s_caller_t owner = { SESSION, NULL, 0, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0, NULL, 0, NULL, 0 };
    R5__ObjectFacts incident = s_object (ACCOUNT, NULL, 0);
    CHECK (s_decide_as_filter (&owner, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &incident).status
           == R5__STATUS__STATUS_BAD_INPUT);
    CHECK (s_decide_as_filter (&owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, NULL).status
           == R5__STATUS__STATUS_BAD_INPUT);
    CHECK (s_decide_as_filter (&owner, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_DELETE, NULL).status
           == R5__STATUS__STATUS_BAD_INPUT);
    CHECK (s_decide_as_filter (&owner, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, NULL).status
           == R5__STATUS__STATUS_BAD_INPUT);
}

int
main (void)
{
    R5__Scope incidents_read [] = { R5__SCOPE__SCOPE_INCIDENTS_READ };
    R5__Scope teams_write [] = { R5__SCOPE__SCOPE_TEAMS_WRITE };
    R5__Scope all_scopes [16];
    for (int i = 0; i < 16; i++)
        all_scopes [i] = (R5__Scope) (i + 1);
    char *team_a [] = { TEAM_A };
    char *team_b [] = { TEAM_B };
    char *both [] = { TEAM_A, TEAM_B };

    //  Every resource maps to its own pair of scopes; verbs to actions.
    for (int r = R5__RESOURCE_TYPE__RESOURCE_INCIDENTS; r <= R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES; r++) {
        CHECK (authz_required_scope ((R5__ResourceType) r, R5__ACTION__ACTION_READ) == (R5__Scope) (2 * r - 1));
        CHECK (authz_required_scope ((R5__ResourceType) r, R5__ACTION__ACTION_WRITE) == (R5__Scope) (2 * r));
    }
    CHECK (authz_verb_action (R5__VERB__VERB_GET) == R5__ACTION__ACTION_READ);
    CHECK (authz_verb_action (R5__VERB__VERB_ACT) == R5__ACTION__ACTION_WRITE);
    CHECK (authz_verb_action ((R5__Verb) 99) == R5__ACTION__ACTION_UNSPECIFIED);

    //  ---- The scope gate: incidentsRead reads incidents and nothing else.
    s_caller_t reader = { PAT, incidents_read, 1, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0, NULL, 0, NULL, 0 };
    R5__ObjectFacts incident = s_object (ACCOUNT, team_a, 1);
    CHECK (s_decide (&reader, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_LIST, NULL).status == OK);
    CHECK (s_decide (&reader, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &incident).status == OK);
    R5__Decision d = s_decide (&reader, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &incident);
    CHECK (d.status == SCOPE && d.required_scope == R5__SCOPE__SCOPE_INCIDENTS_WRITE);
    CHECK (s_decide (&reader, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, NULL).status == SCOPE);
    for (int r = R5__RESOURCE_TYPE__RESOURCE_TEAMS; r <= R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES; r++) {
        d = s_decide (&reader, (R5__ResourceType) r, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == SCOPE && d.required_scope == (R5__Scope) (2 * r - 1));
        CHECK (s_decide (&reader, (R5__ResourceType) r, R5__VERB__VERB_CREATE, NULL).status == SCOPE);
    }
    //  The scope gate comes before existence: a token without the scope learns nothing.
    R5__ObjectFacts ghost = R5__OBJECT_FACTS__INIT;
    d = s_decide (&reader, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &ghost);
    CHECK (d.status == SCOPE && d.required_scope == R5__SCOPE__SCOPE_TEAMS_READ);

    //  ---- teamsWrite of an administrator: writes teams, reads nothing.
    s_caller_t admin_writer = { PAT, teams_write, 1, R5__ROLE__ROLE_ADMINISTRATOR, R5__ROLE__ROLE_ADMINISTRATOR, true, NULL, 0, NULL, 0, NULL, 0 };
    R5__ObjectFacts team = s_object (ACCOUNT, team_a, 1);
    CHECK (s_decide (&admin_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == OK);
    CHECK (s_decide (&admin_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &team).status == OK);
    CHECK (s_decide (&admin_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &team).status == OK);
    d = s_decide (&admin_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &team);
    CHECK (d.status == SCOPE && d.required_scope == R5__SCOPE__SCOPE_TEAMS_READ);   //  write does not grant read
    d = s_decide (&admin_writer, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, NULL);
    CHECK (d.status == SCOPE && d.required_scope == R5__SCOPE__SCOPE_USERS_WRITE);

    //  ---- A member with teamsWrite: no create, update only the teams they administer.
    s_caller_t member_writer = { PAT, teams_write, 1, R5__ROLE__ROLE_OWNER /* stale token role */,
                                 R5__ROLE__ROLE_MEMBER, true, both, 2, team_a, 1, NULL, 0 };
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == DENIED);
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &team).status == OK);
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_MANAGE_MEMBERS, &team).status == OK);
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &team).status == DENIED);
    R5__ObjectFacts other_team = s_object (ACCOUNT, team_b, 1);
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &other_team).status == DENIED);

    //  ---- Sessions: no scope gate, the live role decides.
    s_caller_t owner = { SESSION, NULL, 0, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0, NULL, 0, NULL, 0 };
    s_caller_t admin = { SESSION, NULL, 0, R5__ROLE__ROLE_ADMINISTRATOR, R5__ROLE__ROLE_ADMINISTRATOR, true, NULL, 0, NULL, 0, NULL, 0 };
    s_caller_t member = { SESSION, NULL, 0, R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_MEMBER, true, team_a, 1, NULL, 0, NULL, 0 };
    s_caller_t demoted = { SESSION, NULL, 0, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_MEMBER, true, NULL, 0, NULL, 0, NULL, 0 };
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_LIST, NULL).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_LIST, NULL).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_LIST, NULL).status == OK);
    CHECK (s_decide (&demoted, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == DENIED);

    //  Users: create, roles, activation.
    R5__ObjectFacts new_owner = R5__OBJECT_FACTS__INIT;
    new_owner.new_role = R5__ROLE__ROLE_OWNER;
    R5__ObjectFacts new_member = R5__OBJECT_FACTS__INIT;
    new_member.new_role = R5__ROLE__ROLE_MEMBER;
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &new_owner).status == OK);
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &new_member).status == OK);
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &new_owner).status == DENIED);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &new_member).status == DENIED);
    R5__ObjectFacts target = s_object (ACCOUNT, NULL, 0);
    struct { R5__Role from, to; R5__Status owner, admin, member; } roles [] = {
        { R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_ADMINISTRATOR, OK, OK, DENIED },
        { R5__ROLE__ROLE_ADMINISTRATOR, R5__ROLE__ROLE_MEMBER, OK, OK, DENIED },
        { R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_OWNER, OK, DENIED, DENIED },
        { R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_MEMBER, OK, DENIED, DENIED },
        { R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_ADMINISTRATOR, OK, DENIED, DENIED },
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles [0]; i++) {
        target.target_role = roles [i].from;
        target.new_role = roles [i].to;
        CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CHANGE_ROLE, &target).status == roles [i].owner);
        CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CHANGE_ROLE, &target).status == roles [i].admin);
        CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CHANGE_ROLE, &target).status == roles [i].member);
    }
    target.target_role = R5__ROLE__ROLE_MEMBER;
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_SET_ACTIVE, &target).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_SET_ACTIVE, &target).status == DENIED);
    target.target_role = R5__ROLE__ROLE_OWNER;
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_SET_ACTIVE, &target).status == DENIED);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_SET_ACTIVE, &target).status == OK);

    //  ---- Incidents: visibility.
    d = s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_LIST, NULL);
    CHECK (d.status == OK && d.visibility && d.visibility->all);
    d = s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_LIST, NULL);
    CHECK (d.status == OK && d.visibility && !d.visibility->all && d.visibility->participant
           && d.visibility->n_team_ids == 1 && strcmp (d.visibility->team_ids [0], TEAM_A) == 0);
    R5__ObjectFacts theirs = s_object (ACCOUNT, team_b, 1);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &incident).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &incident).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &theirs).status == MISSING);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &theirs).status == MISSING);
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &theirs).status == OK);
    char *me [] = { ME };
    theirs.participant_ids = me;
    theirs.n_participant_ids = 1;
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &theirs).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, NULL).status == OK);
    //  A session without incidentsRead is still fine; a PAT with all scopes is limited by the role.
    s_caller_t member_pat = { PAT, all_scopes, 16, R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_MEMBER, true, NULL, 0, NULL, 0, NULL, 0 };
    CHECK (s_decide (&member_pat, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &incident).status == MISSING);
    CHECK (s_decide (&member_pat, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &team).status == DENIED);

    //  ---- Tenancy and existence: NOT_FOUND, whoever asks.
    R5__ObjectFacts foreign = s_object (OTHER_ACCOUNT, team_a, 1);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &foreign).status == MISSING);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &foreign).status == MISSING);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &foreign).status == MISSING);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_GET, &ghost).status == MISSING);
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, NULL).status == MISSING);

    //  ---- Team-owned types, overrides, own-only types.
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, R5__VERB__VERB_LIST, NULL).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, R5__VERB__VERB_UPDATE, &team).status == DENIED);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, R5__VERB__VERB_CREATE_OVERRIDE, &team).status == OK);
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, R5__VERB__VERB_CREATE_OVERRIDE, &other_team).status == DENIED);
    CHECK (s_decide (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &team).status == OK);
    s_caller_t team_admin = { SESSION, NULL, 0, R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_MEMBER, true, NULL, 0, team_a, 1, NULL, 0 };
    CHECK (s_decide (&team_admin, R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS, R5__VERB__VERB_CREATE, &team).status == OK);
    CHECK (s_decide (&team_admin, R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS, R5__VERB__VERB_CREATE, &other_team).status == DENIED);
    CHECK (s_decide (&team_admin, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &incident).status == OK);
    CHECK (s_decide (&admin, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE_OVERRIDE, &incident).status
           == R5__STATUS__STATUS_BAD_INPUT);
    d = s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, R5__VERB__VERB_LIST, NULL);
    CHECK (d.status == OK && d.visibility && d.visibility->own && !d.visibility->all);
    R5__ObjectFacts method = s_object (ACCOUNT, NULL, 0);
    method.owner_user_id = "user00000000000000000999";
    CHECK (s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, R5__VERB__VERB_DELETE, &method).status == MISSING);
    method.owner_user_id = ME;
    CHECK (s_decide (&member, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, R5__VERB__VERB_DELETE, &method).status == OK);

    //  ---- Team-restricted tokens: the restriction and the table must both allow.
    {
        s_caller_t owner_a = { PAT, all_scopes, 16, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0,
                               NULL, 0, team_a, 1 };
        R5__ObjectFacts in_a = s_object (ACCOUNT, team_a, 1), in_b = s_object (ACCOUNT, team_b, 1);
        //  Teams: only its own; no new team.
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &in_a).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &in_a).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &in_a).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &in_b).status == MISSING);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_MANAGE_MEMBERS, &in_b).status
               == MISSING);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_DELETE, &in_b).status == MISSING);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == DENIED);
        //  Lists: narrowed to the teams, one's own types not at all.
        d = s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == OK && d.visibility && d.visibility->all && d.visibility->restricted
               && d.visibility->n_restricted_team_ids == 1 && strcmp (d.visibility->restricted_team_ids [0], TEAM_A) == 0);
        d = s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == OK && d.visibility && d.visibility->restricted);
        d = s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == OK && d.visibility && d.visibility->own && !d.visibility->restricted);
        d = s_decide (&owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == OK && d.visibility && !d.visibility->restricted);
        //  Team-owned types: the owning team, for every verb; a create elsewhere is FORBIDDEN.
        for (int r = R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES; r <= R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS; r++) {
            R5__ResourceType type = (R5__ResourceType) r;
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_GET, &in_a).status == OK);
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_UPDATE, &in_a).status == OK);
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_CREATE, &in_a).status == OK);
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_GET, &in_b).status == MISSING);
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_DELETE, &in_b).status == MISSING);
            CHECK (s_decide (&owner_a, type, R5__VERB__VERB_CREATE, &in_b).status == DENIED);
        }
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, R5__VERB__VERB_CREATE_OVERRIDE, &in_b).status
               == MISSING);
        //  Incidents: by the teams assigned now; history does not count.
        R5__ObjectFacts moved = s_object (ACCOUNT, both, 2);
        moved.current_team_ids = team_b;
        moved.n_current_team_ids = 1;
        R5__ObjectFacts current = s_object (ACCOUNT, both, 2);
        current.current_team_ids = both;
        current.n_current_team_ids = 2;
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &current).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &current).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_GET, &moved).status == MISSING);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_ACT, &moved).status == MISSING);
        R5__ObjectFacts new_in_a = R5__OBJECT_FACTS__INIT, new_in_both = R5__OBJECT_FACTS__INIT;
        new_in_a.team_ids = team_a;
        new_in_a.n_team_ids = 1;
        new_in_both.team_ids = both;
        new_in_both.n_team_ids = 2;
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, &new_in_a).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, &new_in_both).status
               == DENIED);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_CREATE, NULL).status == DENIED);
        d = s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__VERB__VERB_LIST, NULL);
        CHECK (d.status == OK && d.visibility && d.visibility->all && d.visibility->restricted);
        //  Users: members of the teams and oneself; never created nor changed.
        R5__ObjectFacts member_of_a = s_object (ACCOUNT, team_a, 1), stranger = s_object (ACCOUNT, NULL, 0);
        CHECK (s_decide_id (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_GET, "user0000000000000000000c",
                            &member_of_a).status == OK);
        CHECK (s_decide_id (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_GET, "user0000000000000000000c",
                            &stranger).status == MISSING);
        CHECK (s_decide_id (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_GET, ME, &stranger).status == OK);
        member_of_a.target_role = R5__ROLE__ROLE_MEMBER;
        member_of_a.new_role = R5__ROLE__ROLE_ADMINISTRATOR;
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CHANGE_ROLE, &member_of_a).status
               == DENIED);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_SET_ACTIVE, &member_of_a).status
               == DENIED);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &new_member).status == DENIED);
        //  One's own types: unaffected.
        method.owner_user_id = ME;
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, R5__VERB__VERB_DELETE, &method).status == OK);
        CHECK (s_decide (&owner_a, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, R5__VERB__VERB_CREATE, NULL).status
               == OK);
        //  The user's permission wins: a member restricted to A still may not
        //  update A (FORBIDDEN), and B stays unseen (NOT_FOUND even where the
        //  table says FORBIDDEN).
        s_caller_t member_a = { PAT, all_scopes, 16, R5__ROLE__ROLE_MEMBER, R5__ROLE__ROLE_MEMBER, true, team_a, 1,
                                NULL, 0, team_a, 1 };
        CHECK (s_decide (&member_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &in_a).status == DENIED);
        CHECK (s_decide (&member_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_UPDATE, &in_b).status == MISSING);
        CHECK (s_decide (&member_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == DENIED);
        //  The scope gate comes first.
        s_caller_t reader_a = { PAT, incidents_read, 1, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0,
                                NULL, 0, team_a, 1 };
        d = s_decide (&reader_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &in_b);
        CHECK (d.status == SCOPE && d.required_scope == R5__SCOPE__SCOPE_TEAMS_READ);
        //  A session is never restricted, even with teams in its principal.
        s_caller_t session_a = { SESSION, NULL, 0, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, true, NULL, 0,
                                 NULL, 0, team_a, 1 };
        CHECK (s_decide (&session_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_GET, &in_b).status == OK);
        CHECK (s_decide (&session_a, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, NULL).status == OK);
    }

    //  ---- Deactivated callers, missing facts, bad principals.
    s_caller_t gone = { SESSION, NULL, 0, R5__ROLE__ROLE_OWNER, R5__ROLE__ROLE_OWNER, false, NULL, 0, NULL, 0, NULL, 0 };
    CHECK (s_decide (&gone, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_LIST, NULL).status
           == R5__STATUS__STATUS_UNAUTHENTICATED);
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = ME;
    principal.account_id = ACCOUNT;
    principal.kind = SESSION;
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = R5__RESOURCE_TYPE__RESOURCE_TEAMS;
    operation.verb = R5__VERB__VERB_LIST;
    authz_decide (&principal, NULL, &operation, &d, &s_visibility);
    CHECK (d.status == DENIED);                                         //  no facts: nothing granted
    principal.kind = (R5__CredentialKind) 7;
    authz_decide (&principal, NULL, &operation, &d, &s_visibility);
    CHECK (d.status == R5__STATUS__STATUS_UNAUTHENTICATED);
    authz_decide (NULL, NULL, &operation, &d, &s_visibility);
    CHECK (d.status == R5__STATUS__STATUS_UNAUTHENTICATED);
    principal.kind = SESSION;
    operation.resource = (R5__ResourceType) 99;
    authz_decide (&principal, NULL, &operation, &d, &s_visibility);
    CHECK (d.status == R5__STATUS__STATUS_BAD_INPUT);
    s_test_as_filter ();
    return r5_test_report ("test_authz_policy");
}
