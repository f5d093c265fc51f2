/*  resource_preview: effective permissions of a scope set, as sentences,
    for a token restricted to some teams or not.  */
#include "resource_preview.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_log.h"

#include <stdio.h>
#include <string.h>

//  Operations one question may hold (r5-authz takes 256): teams beyond this
//  many are not asked about one by one, and the count says "at least".
#define S_MAX_TEAMS 40
#define S_MAX_SCOPES 16
#define S_MAX_OPERATIONS 256
//  An id no object has: "a team you have nothing to do with".
#define S_OTHER_ID "000000000000000000000000"
//  Teams a token can be restricted to (r5-token's TOKEN_TEAMS_MAX).
#define S_MAX_RESTRICTED 50

//  Names by resource type (R5__ResourceType), for sentences.
static const char *s_plural [] = {
    "", "incidents", "teams", "escalation policies", "schedules", "integrations", "users",
    "contact methods", "notification rules",
};

//  The operations asked about, each tagged with the scope it is for.
typedef struct {
    R5__Operation operations [S_MAX_OPERATIONS];
    R5__ObjectFacts objects [S_MAX_OPERATIONS];
    R5__Operation *pointers [S_MAX_OPERATIONS];
    size_t count;
    char *other_team [1];
} s_question_t;

//  Add one operation; answers its index (its decision's index later).
static size_t
s_ask (s_question_t *q, R5__ResourceType type, R5__Verb verb, bool with_object, const char *account_id,
       char **team_ids, size_t team_count)
{
    size_t i = q->count++;
    r5__operation__init (&q->operations [i]);
    q->operations [i].resource = type;
    q->operations [i].verb = verb;
    if (with_object) {
        r5__object_facts__init (&q->objects [i]);
        q->objects [i].exists = true;
        q->objects [i].account_id = (char *) account_id;
        q->objects [i].team_ids = team_ids;
        q->objects [i].n_team_ids = team_count;
        q->operations [i].object = &q->objects [i];
    }
    q->pointers [i] = &q->operations [i];
    return i;
}

//  What one scope's operations were and where their decisions will be.
typedef struct {
    R5__Scope scope;
    R5__ResourceType type;
    bool write;
    size_t first, count;        //  the scope's operations in the question
    size_t teams;               //  how many teams were asked about one by one
} s_plan_t;

//  The teams a plan asks about one by one: the caller's own, or, for a
//  token restricted to some teams, those (the preview's restriction).
typedef struct {
    char **ids;
    size_t count;
    bool restricted;
} s_teams_t;

static bool
s_ok (R5__AuthzReply *reply, size_t i)
{
    return reply->check->decisions [i]->status == R5__STATUS__STATUS_OK;
}

//  How many of the count decisions from the i-th on allow.
static size_t
s_count_ok (R5__AuthzReply *reply, size_t i, size_t count)
{
    size_t allowed = 0;
    for (size_t d = 0; d < count; d++)
        allowed += s_ok (reply, i + d);
    return allowed;
}

//  Plan the operations for one scope.
static void
s_plan (s_question_t *q, s_plan_t *plan, const s_teams_t *teams, const char *account_id)
{
    plan->first = q->count;
    plan->teams = teams->count < S_MAX_TEAMS ? teams->count : S_MAX_TEAMS;
    R5__ResourceType type = plan->type;
    if (!plan->write)
        s_ask (q, type, R5__VERB__VERB_LIST, false, NULL, NULL, 0);
    else
    switch (type) {
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            //  create; change a team of nobody's; change each of the caller's teams
            s_ask (q, type, R5__VERB__VERB_CREATE, false, NULL, NULL, 0);
            s_ask (q, type, R5__VERB__VERB_UPDATE, true, account_id, q->other_team, 1);
            for (size_t t = 0; t < plan->teams; t++)
                s_ask (q, type, R5__VERB__VERB_UPDATE, true, account_id, &teams->ids [t], 1);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS:
            s_ask (q, type, R5__VERB__VERB_CREATE, true, account_id, q->other_team, 1);
            for (size_t t = 0; t < plan->teams; t++)
                s_ask (q, type, R5__VERB__VERB_CREATE, true, account_id, &teams->ids [t], 1);
            if (type == R5__RESOURCE_TYPE__RESOURCE_SCHEDULES)
                for (size_t t = 0; t < plan->teams; t++)
                    s_ask (q, type, R5__VERB__VERB_CREATE_OVERRIDE, true, account_id, &teams->ids [t], 1);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            //  open one (restricted: for its teams); act on one of another
            //  team the caller never touched
            if (teams->restricted)
                s_ask (q, type, R5__VERB__VERB_CREATE, true, account_id, teams->ids, teams->count);
            else
                s_ask (q, type, R5__VERB__VERB_CREATE, false, NULL, NULL, 0);
            s_ask (q, type, R5__VERB__VERB_ACT, true, account_id, q->other_team, 1);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_USERS: {
            size_t create = s_ask (q, type, R5__VERB__VERB_CREATE, true, account_id, NULL, 0);
            q->objects [create].exists = false;
            q->objects [create].new_role = R5__ROLE__ROLE_MEMBER;
            size_t member = s_ask (q, type, R5__VERB__VERB_CHANGE_ROLE, true, account_id, NULL, 0);
            q->objects [member].target_role = R5__ROLE__ROLE_MEMBER;
            q->objects [member].new_role = R5__ROLE__ROLE_ADMINISTRATOR;
            size_t owner = s_ask (q, type, R5__VERB__VERB_CHANGE_ROLE, true, account_id, NULL, 0);
            q->objects [owner].target_role = R5__ROLE__ROLE_OWNER;
            q->objects [owner].new_role = R5__ROLE__ROLE_ADMINISTRATOR;
            size_t active = s_ask (q, type, R5__VERB__VERB_SET_ACTIVE, true, account_id, NULL, 0);
            q->objects [active].target_role = R5__ROLE__ROLE_MEMBER;
            break;
        }
        default:        //  contact methods, notification rules: one's own
            s_ask (q, type, R5__VERB__VERB_CREATE, false, NULL, NULL, 0);
            break;
    }
    plan->count = q->count - plan->first;
}

//  "1 team" / "3 teams" (with "at least" when not every team was asked about).
static void
s_teams (char *out, size_t size, size_t count, bool capped)
{
    snprintf (out, size, "%s%zu team%s", capped ? "at least " : "", count, count == 1 ? "" : "s");
}

//  The sentence for one scope from its decisions; false when it grants nothing.
static bool
s_summarize (const s_plan_t *plan, R5__AuthzReply *reply, const R5__Facts *facts, char *out, size_t size)
{
    const char *plural = s_plural [plan->type];
    size_t i = plan->first;
    bool capped = facts->n_team_ids > plan->teams;
    char teams [48];
    if (!plan->write) {
        if (!s_ok (reply, i))
            return false;
        const R5__Visibility *v = reply->check->decisions [i]->visibility;
        if (!v || v->all)
            snprintf (out, size, "you can read every one of the account's %s", plural);
        else
        if (v->own)
            snprintf (out, size, "you can read your own %s", plural);
        else {
            s_teams (teams, sizeof teams, v->n_team_ids, false);
            snprintf (out, size, "you can read the %s of your %s%s", plural, teams,
                      v->participant ? " and those you take part in" : "");
        }
        return true;
    }
    switch (plan->type) {
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS: {
            size_t changeable = s_count_ok (reply, i + 2, plan->teams);
            if (s_ok (reply, i) && s_ok (reply, i + 1))
                snprintf (out, size, "you can create, change and delete any team");
            else
            if (changeable) {
                s_teams (teams, sizeof teams, changeable, capped);
                snprintf (out, size, "you can change the %s you administer and their members; "
                                     "you cannot create or delete teams", teams);
            }
            else
                return false;
            return true;
        }
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS: {
            size_t manageable = s_count_ok (reply, i + 1, plan->teams);
            size_t overridable = plan->type == R5__RESOURCE_TYPE__RESOURCE_SCHEDULES
                               ? s_count_ok (reply, i + 1 + plan->teams, plan->teams) : 0;
            if (s_ok (reply, i))
                snprintf (out, size, "you can create, change and delete the %s of any team", plural);
            else
            if (manageable) {
                s_teams (teams, sizeof teams, manageable, capped);
                snprintf (out, size, "you can create, change and delete the %s of the %s you administer",
                          plural, teams);
            }
            else
            if (overridable) {
                s_teams (teams, sizeof teams, overridable, capped);
                snprintf (out, size, "you can add overrides to the schedules of your %s; "
                                     "you cannot create or change schedules", teams);
            }
            else
                return false;
            return true;
        }
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            if (!s_ok (reply, i) && !s_ok (reply, i + 1))
                return false;
            snprintf (out, size, "%s%s", s_ok (reply, i) ? "you can open incidents" : "you cannot open incidents",
                      s_ok (reply, i + 1) ? " and act on any incident"
                                          : " and act on the incidents you can see");
            return true;
        case R5__RESOURCE_TYPE__RESOURCE_USERS: {
            bool create = s_ok (reply, i), member = s_ok (reply, i + 1), owner = s_ok (reply, i + 2),
                 active = s_ok (reply, i + 3);
            if (!create && !member && !active)
                return false;
            snprintf (out, size, "you can %s%s%s",
                      create ? "create users, " : "",
                      owner ? "change any role" : member ? "change roles between member and administrator"
                                                         : "change no roles",
                      active ? (owner ? " and deactivate or reactivate users"
                                      : " and deactivate or reactivate members and administrators") : "");
            return true;
        }
        default:
            if (!s_ok (reply, i))
                return false;
            snprintf (out, size, "you can add and delete your own %s", plural);
            return true;
    }
}

//  The sentence for one scope of a token restricted to teams->count teams;
//  false when it grants nothing. r5-authz decided every operation as for such
//  a token, so "any team" and a create of a team or a user are refused.
static bool
s_summarize_restricted (const s_plan_t *plan, R5__AuthzReply *reply, const s_teams_t *teams, char *out, size_t size)
{
    const char *plural = s_plural [plan->type];
    size_t i = plan->first;
    char chosen [48];
    s_teams (chosen, sizeof chosen, teams->count, false);
    bool capped = teams->count > plan->teams;
    if (!plan->write) {
        if (!s_ok (reply, i))
            return false;
        const R5__Visibility *v = reply->check->decisions [i]->visibility;
        if (v && v->own)
            snprintf (out, size, "you can read your own %s (not limited by teams)", plural);
        else
        if (plan->type == R5__RESOURCE_TYPE__RESOURCE_USERS)
            snprintf (out, size, "you can read yourself and the members of the %s chosen", chosen);
        else
        if (v && !v->all)
            snprintf (out, size, "you can read the %s of the %s chosen that you can see%s", plural, chosen,
                      v->participant ? " (yours or ones you take part in)" : "");
        else
            snprintf (out, size, "you can read the %s of the %s chosen only", plural, chosen);
        return true;
    }
    char some [128];
    switch (plan->type) {
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS: {
            size_t changeable = s_count_ok (reply, i + 2, plan->teams);
            if (!changeable)
                return false;
            snprintf (some, sizeof some, "%s%zu of the %s chosen", capped ? "at least " : "", changeable, chosen);
            snprintf (out, size, "you can change %s and their members; you cannot create teams", some);
            return true;
        }
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS: {
            size_t manageable = s_count_ok (reply, i + 1, plan->teams);
            size_t overridable = plan->type == R5__RESOURCE_TYPE__RESOURCE_SCHEDULES
                               ? s_count_ok (reply, i + 1 + plan->teams, plan->teams) : 0;
            if (manageable) {
                snprintf (some, sizeof some, "%s%zu of the %s chosen", capped ? "at least " : "", manageable, chosen);
                snprintf (out, size, "you can create, change and delete the %s of %s, and of no other team",
                          plural, some);
            }
            else
            if (overridable) {
                snprintf (some, sizeof some, "%s%zu of the %s chosen", capped ? "at least " : "", overridable, chosen);
                snprintf (out, size, "you can add overrides to the schedules of %s; "
                                     "you cannot create or change schedules", some);
            }
            else
                return false;
            return true;
        }
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            if (!s_ok (reply, i))
                return false;
            snprintf (out, size, "you can open incidents of the %s chosen and act on the ones of them you can see",
                      chosen);
            return true;
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            return false;           //  a restricted token never creates or changes users
        default:
            if (!s_ok (reply, i))
                return false;
            snprintf (out, size, "you can add and delete your own %s (not limited by teams)", plural);
            return true;
    }
}

//  The preview's team restriction into *teams (ids borrowed from request):
//  well-formed ids, each once, at most S_MAX_RESTRICTED. 0, or -1 with the reply set.
static int
s_restriction (resource_call_t *call, const R5__PreviewPermissionsRequest *request, char **ids, s_teams_t *teams)
{
    teams->ids = ids;
    teams->count = 0;
    teams->restricted = request->n_team_ids > 0;
    for (size_t i = 0; i < request->n_team_ids; i++) {
        if (!resource_validate_id (request->team_ids [i]))
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "teamIds must be team ids");
        bool seen = false;
        for (size_t j = 0; j < teams->count && !seen; j++)
            seen = strcmp (ids [j], request->team_ids [i]) == 0;
        if (seen)
            continue;
        if (teams->count == S_MAX_RESTRICTED)
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a token can be restricted to at most 50 teams");
        ids [teams->count++] = request->team_ids [i];
    }
    return 0;
}

void
resource_preview_on_request (resource_call_t *call, const R5__PreviewPermissionsRequest *request)
{
    if (request->n_scopes > 64) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many scopes");
        return;
    }
    char *chosen [S_MAX_RESTRICTED];
    s_teams_t teams;
    if (s_restriction (call, request, chosen, &teams) || resource_call_facts (call))
        return;
    if (!teams.restricted) {
        teams.ids = call->facts.team_ids;
        teams.count = call->facts.n_team_ids;
    }
    //  r5-authz decides as for a token restricted to the chosen teams.
    call->restrict_team_ids = teams.restricted ? teams.ids : NULL;
    call->n_restrict_team_ids = teams.restricted ? teams.count : 0;
    //  Ask as a token with exactly these scopes: the answer is what such a token could do.
    R5__Principal as_token = *call->principal;
    as_token.kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
    as_token.scopes = request->scopes;
    as_token.n_scopes = request->n_scopes;
    const R5__Principal *caller = call->principal;
    call->principal = &as_token;

    s_question_t *q = r5_calloc (1, sizeof *q);
    q->other_team [0] = S_OTHER_ID;
    s_plan_t plans [S_MAX_SCOPES];
    size_t planned = 0;
    for (size_t s = 0; s < request->n_scopes; s++) {
        R5__Scope scope = request->scopes [s];
        bool seen = false;
        for (size_t p = 0; p < planned; p++)
            seen |= plans [p].scope == scope;
        //  Unknown values are skipped; each scope is planned once, which also
        //  keeps the question within S_MAX_OPERATIONS.
        if (seen || scope < R5__SCOPE__SCOPE_INCIDENTS_READ || scope > R5__SCOPE__SCOPE_NOTIFICATION_RULES_WRITE)
            continue;
        s_plan_t *plan = &plans [planned++];
        plan->scope = scope;
        plan->type = (R5__ResourceType) ((scope + 1) / 2);
        plan->write = scope % 2 == 0;
        s_plan (q, plan, &teams, call->principal->account_id);
    }
    R5__AuthzReply *decisions = NULL;
    if (q->count == 0 || resource_call_check (call, q->pointers, q->count, &decisions) == 0) {
        R5__PermissionPreview *preview = r5_malloc (sizeof *preview);
        r5__permission_preview__init (preview);
        preview->scopes = r5_calloc (planned + 1, sizeof (R5__ScopePreview *));
        for (size_t p = 0; p < planned; p++) {
            char summary [256];
            R5__ScopePreview *item = r5_malloc (sizeof *item);
            r5__scope_preview__init (item);
            item->scope = plans [p].scope;
            item->allowed = teams.restricted
                          ? s_summarize_restricted (&plans [p], decisions, &teams, summary, sizeof summary)
                          : s_summarize (&plans [p], decisions, &call->facts, summary, sizeof summary);
            if (!item->allowed)
                snprintf (summary, sizeof summary, teams.restricted
                          ? "grants nothing for you: your role, your teams and the chosen teams do not allow it"
                          : "grants nothing for you: your role and teams do not allow it");
            item->summary = r5_strdup (summary);
            preview->scopes [preview->n_scopes++] = item;
        }
        call->reply->body_case = R5__RESOURCE_REPLY__BODY_PREVIEW;
        call->reply->preview = preview;
    }
    if (decisions)
        r5__authz_reply__free_unpacked (decisions, NULL);
    free (q);
    call->principal = caller;
    call->restrict_team_ids = NULL;
    call->n_restrict_team_ids = 0;
}
