/*  test_authz_table: the whole decision table, generated — every caller
    relation (owner, administrator, team admin, team member, participant,
    unrelated member) x credential (session; tokens with the needed scope,
    with only the other scope of the pair, with every other scope, with all)
    x the token's team restriction (none; restricted to the object's team;
    restricted to another team) x resource type x verb, decided by
    authz_decide and compared with an oracle that transcribes DESIGN section
    4 and issue 17's restriction rules independently of the policy code.

    R5_PRINT_TABLE=1 prints the permission table as Markdown (for
    docs/authorization.md). */
#include "authz_policy.h"
#include "r5_test.h"

#include <stdbool.h>
#include <string.h>

#define ACCOUNT "acct0000000000000000000a"
#define ME "user0000000000000000000a"
#define SOMEONE "user0000000000000000000b"
#define TEAM "team0000000000000000000a"
#define OTHER_TEAM "team0000000000000000000b"

typedef enum { OWNER, ADMIN, TEAM_ADMIN, TEAM_MEMBER, PARTICIPANT, OTHER, RELATIONS } s_relation_t;
//  A token's team restriction: none, the object's team (TEAM), another team (OTHER_TEAM).
typedef enum { UNRESTRICTED, TO_ITS_TEAM, TO_ANOTHER_TEAM, RESTRICTIONS } s_restriction_t;
static const char *s_restriction_names [] = { "none", "to the object's team", "to another team" };
static const char *s_relation_names [] = { "owner", "administrator", "team admin", "team member",
                                           "participant", "other member" };

static const char *s_type_names [] = { "", "incidents", "teams", "escalation policies", "schedules",
                                       "integrations", "users", "contact methods", "notification rules" };
static const char *s_verb_names [] = { "", "list", "get", "create", "update", "delete", "act", "change role",
                                       "set active", "manage members", "create override" };

//  Which verbs apply to which type.
static bool
s_applies (R5__ResourceType type, R5__Verb verb)
{
    switch (verb) {
        case R5__VERB__VERB_LIST: case R5__VERB__VERB_GET: case R5__VERB__VERB_CREATE:
            return true;
        case R5__VERB__VERB_UPDATE: case R5__VERB__VERB_DELETE:
            return type != R5__RESOURCE_TYPE__RESOURCE_INCIDENTS && type != R5__RESOURCE_TYPE__RESOURCE_USERS;
        case R5__VERB__VERB_ACT:
            return type == R5__RESOURCE_TYPE__RESOURCE_INCIDENTS;
        case R5__VERB__VERB_CHANGE_ROLE: case R5__VERB__VERB_SET_ACTIVE:
            return type == R5__RESOURCE_TYPE__RESOURCE_USERS;
        case R5__VERB__VERB_MANAGE_MEMBERS:
            return type == R5__RESOURCE_TYPE__RESOURCE_TEAMS;
        case R5__VERB__VERB_CREATE_OVERRIDE:
            return type == R5__RESOURCE_TYPE__RESOURCE_SCHEDULES;
        default:
            return false;
    }
}

//  The oracle: DESIGN section 4's table, row by row. For one's-own types the
//  relation is ignored and own says whose object it is.
static R5__Status
s_expected (R5__ResourceType type, R5__Verb verb, s_relation_t who, bool own)
{
    const R5__Status ok = R5__STATUS__STATUS_OK, no = R5__STATUS__STATUS_FORBIDDEN, hidden = R5__STATUS__STATUS_NOT_FOUND;
    bool manager = who == OWNER || who == ADMIN;
    switch (type) {
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            //  see: all; create, (de)activate, roles (member <-> administrator): owners and administrators
            return verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_GET || manager ? ok : no;
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            if (verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_GET)
                return ok;
            if (verb == R5__VERB__VERB_CREATE || verb == R5__VERB__VERB_DELETE)
                return manager ? ok : no;
            return manager || who == TEAM_ADMIN ? ok : no;
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES:
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS:
            if (verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_GET)
                return ok;
            if (verb == R5__VERB__VERB_CREATE_OVERRIDE)
                return manager || who == TEAM_ADMIN || who == TEAM_MEMBER ? ok : no;
            return manager || who == TEAM_ADMIN ? ok : no;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            if (verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_CREATE)
                return ok;
            return who == OTHER ? hidden : ok;
        default:
            if (verb == R5__VERB__VERB_LIST || verb == R5__VERB__VERB_CREATE)
                return ok;
            return own ? ok : hidden;
    }
}

//  The oracle for a team-restricted token (issue 17): the table's answer,
//  narrowed. Restricted to the object's team nothing changes but the verbs a
//  restricted token never has (create a team; create, re-role, (de)activate
//  a user); restricted to another team, one object is NOT_FOUND (whatever
//  the table said but NOT_FOUND) and a create FORBIDDEN. Lists stay allowed
//  (narrowed by their visibility); one's own types are untouched.
static R5__Status
s_expected_restricted (R5__ResourceType type, R5__Verb verb, s_relation_t who, bool own, s_restriction_t restriction)
{
    R5__Status table = s_expected (type, verb, who, own);
    if (restriction == UNRESTRICTED || verb == R5__VERB__VERB_LIST
    ||  type == R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS || type == R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES)
        return table;
    bool never = (type == R5__RESOURCE_TYPE__RESOURCE_TEAMS && verb == R5__VERB__VERB_CREATE)
              || (type == R5__RESOURCE_TYPE__RESOURCE_USERS && verb != R5__VERB__VERB_GET);
    if (never)
        return table == R5__STATUS__STATUS_NOT_FOUND ? table : R5__STATUS__STATUS_FORBIDDEN;
    if (restriction == TO_ITS_TEAM)
        return table;
    if (verb == R5__VERB__VERB_CREATE)
        return R5__STATUS__STATUS_FORBIDDEN;
    return R5__STATUS__STATUS_NOT_FOUND;
}

//  Decide one cell.
static R5__Decision
s_decide (s_relation_t who, R5__CredentialKind kind, R5__Scope *scopes, size_t n_scopes,
          R5__ResourceType type, R5__Verb verb, bool own, s_restriction_t restriction, R5__Visibility *visibility)
{
    static char *team [] = { TEAM };
    static char *other_team [] = { OTHER_TEAM };
    static char *me [] = { ME };
    static char *someone [] = { SOMEONE };
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = ME;
    principal.account_id = ACCOUNT;
    principal.kind = kind;
    principal.role = R5__ROLE__ROLE_OWNER;          //  never counts
    principal.scopes = scopes;
    principal.n_scopes = n_scopes;
    //  Sessions get the teams too: they must not count.
    if (restriction != UNRESTRICTED) {
        principal.restricted_team_ids = restriction == TO_ITS_TEAM ? team : other_team;
        principal.n_restricted_team_ids = 1;
    }
    R5__Facts facts = R5__FACTS__INIT;
    facts.loaded = true;
    facts.active = true;
    facts.role = who == OWNER ? R5__ROLE__ROLE_OWNER : who == ADMIN ? R5__ROLE__ROLE_ADMINISTRATOR : R5__ROLE__ROLE_MEMBER;
    if (who == TEAM_ADMIN || who == TEAM_MEMBER) {
        facts.team_ids = team;
        facts.n_team_ids = 1;
    }
    else {
        facts.team_ids = other_team;
        facts.n_team_ids = 1;
    }
    if (who == TEAM_ADMIN) {
        facts.admin_team_ids = team;
        facts.n_admin_team_ids = 1;
    }
    R5__ObjectFacts object = R5__OBJECT_FACTS__INIT;
    object.exists = true;
    object.account_id = ACCOUNT;
    object.team_ids = team;
    object.n_team_ids = 1;
    //  An incident is assigned now to TEAM; a user belongs to TEAM, and
    //  r5-resource names, for a restricted token, only the restriction's
    //  teams among a user's.
    object.current_team_ids = team;
    object.n_current_team_ids = 1;
    if (type == R5__RESOURCE_TYPE__RESOURCE_USERS && restriction == TO_ANOTHER_TEAM)
        object.n_team_ids = 0;
    object.participant_ids = who == PARTICIPANT ? me : someone;
    object.n_participant_ids = 1;
    object.owner_user_id = own ? ME : SOMEONE;
    object.target_role = R5__ROLE__ROLE_MEMBER;
    object.new_role = R5__ROLE__ROLE_ADMINISTRATOR;
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = type;
    operation.verb = verb;
    operation.object = verb == R5__VERB__VERB_LIST ? NULL : &object;
    R5__Decision decision;
    authz_decide (&principal, &facts, &operation, &decision, visibility);
    return decision;
}

int
main (void)
{
    bool print = getenv ("R5_PRINT_TABLE") != NULL;
    int cells = 0;
    if (print) {
        printf ("| type | verb | token restricted |");
        for (int who = 0; who < RELATIONS; who++)
            printf (" %s |", s_relation_names [who]);
        printf ("\n|---|---|---|");
        for (int who = 0; who < RELATIONS; who++)
            printf ("---|");
        printf ("\n");
    }
    for (int t = R5__RESOURCE_TYPE__RESOURCE_INCIDENTS; t <= R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES; t++)
    for (int v = R5__VERB__VERB_LIST; v <= R5__VERB__VERB_CREATE_OVERRIDE; v++)
    for (int r = 0; r < RESTRICTIONS; r++) {
        s_restriction_t restriction = (s_restriction_t) r;
        R5__ResourceType type = (R5__ResourceType) t;
        R5__Verb verb = (R5__Verb) v;
        bool own_type = type == R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS
                     || type == R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES;
        R5__Scope needed = authz_required_scope (type, authz_verb_action (verb));
        R5__Scope paired = authz_required_scope (type, authz_verb_action (verb) == R5__ACTION__ACTION_READ
                                                       ? R5__ACTION__ACTION_WRITE : R5__ACTION__ACTION_READ);
        if (!s_applies (type, verb)) {
            //  A verb that does not apply is refused, never allowed.
            R5__Visibility visibility;
            R5__Scope all [16];
            for (int i = 0; i < 16; i++)
                all [i] = (R5__Scope) (i + 1);
            R5__Decision decision = s_decide (OWNER, R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN, all, 16,
                                              type, verb, true, restriction, &visibility);
            CHECK (decision.status == R5__STATUS__STATUS_BAD_INPUT);
            continue;
        }
        if (print)
            printf ("| %s | %s | %s |", s_type_names [t], s_verb_names [v], s_restriction_names [r]);
        for (int who = 0; who < RELATIONS; who++)
        for (int own = 0; own <= (own_type ? 1 : 0); own++) {
            R5__Status want = s_expected_restricted (type, verb, (s_relation_t) who, own || !own_type, restriction);
            R5__Status session_want = s_expected (type, verb, (s_relation_t) who, own || !own_type);
            //  Credentials: session; PATs with the needed scope alone, the other
            //  of its pair alone, all other fourteen, all sixteen.
            R5__Scope sets [5][16];
            size_t sizes [5] = { 0, 1, 1, 0, 16 };
            sets [1][0] = needed;
            sets [2][0] = paired;
            for (int i = 1; i <= 16; i++) {
                if ((R5__Scope) i != needed && (R5__Scope) i != paired)
                    sets [3][sizes [3]++] = (R5__Scope) i;
                sets [4][i - 1] = (R5__Scope) i;
            }
            for (int c = 0; c < 5; c++) {
                R5__Visibility visibility;
                R5__CredentialKind kind = c == 0 ? R5__CREDENTIAL_KIND__CREDENTIAL_SESSION
                                                 : R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
                R5__Decision decision = s_decide ((s_relation_t) who, kind, sets [c], sizes [c], type, verb,
                                                  own || !own_type, restriction, &visibility);
                //  Sessions are never restricted.
                R5__Status expected = c == 0 ? session_want : want;
                bool has_scope = c == 0 || c == 1 || c == 4;
                cells++;
                if (!has_scope) {
                    CHECK (decision.status == R5__STATUS__STATUS_SCOPE_MISSING && decision.required_scope == needed);
                    continue;
                }
                if (decision.status != expected)
                    fprintf (stderr, "%s %s by %s%s (credential %d, restricted %s): got %d, want %d (%s)\n",
                             s_type_names [t], s_verb_names [v], s_relation_names [who],
                             own_type ? (own ? " (own)" : " (others')") : "", c, s_restriction_names [r],
                             decision.status, expected, decision.reason);
                CHECK (decision.status == expected);
                //  A LIST that is allowed always says what is visible, and a
                //  restricted token's (but for one's own types) to which teams.
                if (verb == R5__VERB__VERB_LIST && expected == R5__STATUS__STATUS_OK) {
                    CHECK (decision.visibility != NULL);
                    bool narrowed = c != 0 && restriction != UNRESTRICTED && !own_type;
                    CHECK (decision.visibility && decision.visibility->restricted == narrowed);
                    if (narrowed && decision.visibility)
                        CHECK (decision.visibility->n_restricted_team_ids == 1
                               && strcmp (decision.visibility->restricted_team_ids [0],
                                          restriction == TO_ITS_TEAM ? TEAM : OTHER_TEAM) == 0);
                }
            }
            //  One's-own types print once, after both cases: "own only" when
            //  another user's answers NOT_FOUND.
            if (print && own == (own_type ? 1 : 0)) {
                R5__Status others = own_type ? s_expected (type, verb, (s_relation_t) who, false) : want;
                //  A restricted token's list is narrowed to its teams' objects.
                bool narrowed = verb == R5__VERB__VERB_LIST && restriction != UNRESTRICTED && !own_type;
                printf (" %s |", want != R5__STATUS__STATUS_OK ? (want == R5__STATUS__STATUS_FORBIDDEN ? "FORBIDDEN" : "NOT_FOUND")
                                 : own_type && others != R5__STATUS__STATUS_OK ? "own only"
                                 : narrowed ? "its teams only" : "yes");
            }
        }
        if (print)
            printf ("\n");
    }
    CHECK (cells > 3000);
    if (print)
        fprintf (stderr, "%d cells\n", cells);
    else
        printf ("%d cells: ", cells);
    return r5_test_report ("test_authz_table");
}
