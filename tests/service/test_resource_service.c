/*  test_resource_service: r5-resource end to end inside one process — the
    real dev server, the real broker actor, r5-authz and r5-resource actors —
    as the gateway calls it: users and roles, teams and memberships,
    incidents and their visibility, tenancy, scopes, events; principals only
    from r5-token's signed, unexpired assertions (forwarded to r5-authz),
    password proofs from sign-in and signup. */
#include <czmq.h>
#include "r5_test.h"
#include "r5_test_bus.h"
#include "r5_test_keys.h"
#include "r5_test_servers.h"
#include <mongoc/mongoc.h>
#include <sodium.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authz_server.h"
#include "broker.h"
#include "r5_assertion.h"
#include "r5_client.h"
#include "r5_password_proof.h"
#include "r5_time.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "resource_server.h"
#include "resource_owed.h"
#include "resource_store.h"
#include "r5/resource.pb-c.h"

static r5_client_t *s_client;
static r5_test_keys_t s_keys;       //  r5-token's assertion key, r5-resource's proof key
static zsock_t *s_events;

//  ---------------------------------------------------------------------------
//  Calls as the gateway makes them

//  How a call's principal is presented: as r5-token signs it, or forged.
typedef enum {
    S_GENUINE,          //  r5-token's key, fresh
    S_OTHER_KEY,        //  a well-formed assertion under someone else's key
    S_EXPIRED,          //  r5-token's key, expired a minute ago
    S_TAMPERED,         //  r5-token's assertion with a byte of its claims changed
    S_FIELDS_ONLY,      //  the bare principal fields (RequestMeta field 4, now removed)
} s_how_t;

typedef struct {
    char user_id [25];
    char account_id [25];
    R5__CredentialKind kind;
    R5__Scope scopes [16];
    size_t n_scopes;
    s_how_t how;
    //  The user's facts, signed in the principal as r5-token does
    //  (facts_complete); without them r5-resource reads them live.
    bool facts;
    R5__Role role;
    bool active;
    char *team_ids [2], *admin_team_ids [2];
    size_t n_team_ids, n_admin_team_ids;
    char *restricted_team_ids [2];      //  a team-restricted token's teams
    size_t n_restricted_team_ids;
} s_who_t;

static s_who_t
s_session (const R5__User *user)
{
    s_who_t who = { .kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION };
    snprintf (who.user_id, sizeof who.user_id, "%s", user->id);
    snprintf (who.account_id, sizeof who.account_id, "%s", user->account_id);
    return who;
}

static s_who_t
s_pat (const R5__User *user, R5__Scope scope)
{
    s_who_t who = s_session (user);
    who.kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
    who.scopes [0] = scope;
    who.n_scopes = 1;
    return who;
}

static R5__ResourceReply *
s_call (const s_who_t *who, R5__ResourceRequest *request)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__Principal principal = R5__PRINCIPAL__INIT;
    r5_rpc_meta_init (&meta, "test", NULL, 5000);
    R5__PrincipalAssertion *assertion = NULL;
    ProtobufCMessageUnknownField field = { .tag = 4, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED };
    if (who) {
        principal.user_id = (char *) who->user_id;
        principal.account_id = (char *) who->account_id;
        principal.kind = who->kind;
        principal.role = R5__ROLE__ROLE_OWNER;      //  what a stale token might claim: never counts
        principal.scopes = (R5__Scope *) who->scopes;
        principal.n_scopes = who->n_scopes;
        principal.restricted_team_ids = (char **) who->restricted_team_ids;
        principal.n_restricted_team_ids = who->n_restricted_team_ids;
        if (who->facts) {
            principal.facts_complete = true;
            principal.role = who->role;
            principal.active = who->active;
            principal.team_ids = (char **) who->team_ids;
            principal.n_team_ids = who->n_team_ids;
            principal.admin_team_ids = (char **) who->admin_team_ids;
            principal.n_admin_team_ids = who->n_admin_team_ids;
        }
        r5_sign_public_t other_public;
        r5_sign_secret_t other_secret;
        r5_sign_keypair (&other_public, &other_secret);
        int64_t now = r5_now_ms ();
        if (who->how == S_FIELDS_ONLY) {
            //  protobuf-c keeps an unknown field's bytes after its tag: the length, then the message.
            size_t size = r5__principal__get_packed_size (&principal);
            assert (size < 128);
            field.data = malloc (size + 1);
            field.data [0] = (uint8_t) size;
            field.len = size + 1;
            r5__principal__pack (&principal, field.data + 1);
            meta.base.n_unknown_fields = 1;
            meta.base.unknown_fields = &field;
        }
        else
            assertion = r5_assertion_issue (who->how == S_OTHER_KEY ? &other_secret : &s_keys.assertion_secret,
                                            &principal, "test", who->how == S_EXPIRED ? now - 120000 : now, 60000);
        if (who->how == S_TAMPERED)
            assertion->claims.data [assertion->claims.len / 2] ^= 0x01;
        r5_sign_secret_clear (&other_secret);
        meta.assertion = assertion;
    }
    request->meta = &meta;
    R5__Status status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (s_client, R5_SERVICE_RESOURCE, &request->base,
                                                                  &r5__resource_reply__descriptor, 5000, false, &status);
    request->meta = NULL;
    if (assertion)
        r5__principal_assertion__free_unpacked (assertion, NULL);
    free (field.data);
    CHECK_MSG (reply, "call answered: %s", r5_status_name (status));
    return reply;
}

static void
s_free (R5__ResourceReply **reply_p)
{
    if (*reply_p)
        r5__resource_reply__free_unpacked (*reply_p, NULL);
    *reply_p = NULL;
}

static R5__Status
s_status (R5__ResourceReply *reply)
{
    return reply ? reply->status : R5__STATUS__STATUS_UNAVAILABLE;
}

//  Copy of the one user of an Objects reply.
static R5__User *
s_user_of (R5__ResourceReply *reply)
{
    if (!reply || reply->status || reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS || reply->objects->n_users != 1)
        return NULL;
    R5__User *user = reply->objects->users [0];
    reply->objects->users [0] = NULL;
    reply->objects->n_users = 0;
    return user;
}

static void
s_user_free (R5__User **user_p)
{
    if (*user_p)
        protobuf_c_message_free_unpacked (&(*user_p)->base, NULL);
    *user_p = NULL;
}

static R5__User *
s_signup (const char *email)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__SignupRequest signup = R5__SIGNUP_REQUEST__INIT;
    signup.account_name = "Acme";
    signup.name = "Owner";
    signup.email = (char *) email;
    signup.password = "correct horse battery";
    request.body_case = R5__RESOURCE_REQUEST__BODY_SIGNUP;
    request.signup = &signup;
    R5__ResourceReply *reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USER, "signup");
    R5__User *user = NULL;
    if (reply && reply->body_case == R5__RESOURCE_REPLY__BODY_USER) {
        //  The new owner may sign in at once: a proof for exactly this user.
        const char *why = "";
        R5__PasswordProofClaims *claims = r5_password_proof_verify (&s_keys.proof_public, reply->password_proof,
                                                                    r5_now_ms (), &why);
        CHECK_MSG (claims && streq (claims->user_id, reply->user->id) && streq (claims->account_id, reply->user->account_id),
                   "signup answers a password proof for its owner: %s", why);
        if (claims)
            r5__password_proof_claims__free_unpacked (claims, NULL);
        user = reply->user;
        reply->user = NULL;
        reply->body_case = R5__RESOURCE_REPLY__BODY__NOT_SET;
    }
    s_free (&reply);
    return user;
}

static R5__ResourceReply *
s_create_user (const s_who_t *who, const char *email, R5__Role role)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateUserRequest create = R5__CREATE_USER_REQUEST__INIT;
    create.email = (char *) email;
    create.name = "Someone";
    create.role = role;
    create.password = "correct horse battery";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_USER;
    request.create_user = &create;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_set_role (const s_who_t *who, const char *id, R5__Role role)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateUserRoleRequest update = R5__UPDATE_USER_ROLE_REQUEST__INIT;
    update.id = (char *) id;
    update.role = role;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE;
    request.update_user_role = &update;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_set_active (const s_who_t *who, const char *id, bool active)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__SetUserActiveRequest set = R5__SET_USER_ACTIVE_REQUEST__INIT;
    set.id = (char *) id;
    set.active = active;
    request.body_case = R5__RESOURCE_REQUEST__BODY_SET_USER_ACTIVE;
    request.set_user_active = &set;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_create_team (const s_who_t *who, const char *name)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateTeamRequest create = R5__CREATE_TEAM_REQUEST__INIT;
    create.name = (char *) name;
    create.description = "on call\nfor things";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_TEAM;
    request.create_team = &create;
    return s_call (who, &request);
}

//  The id of the one team (or incident) an Objects reply holds, into out.
static bool
s_id_of (R5__ResourceReply *reply, char out [25])
{
    *out = 0;
    if (!reply || reply->status || reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS)
        return false;
    if (reply->objects->n_teams == 1)
        snprintf (out, 25, "%s", reply->objects->teams [0]->id);
    else
    if (reply->objects->n_incidents == 1)
        snprintf (out, 25, "%s", reply->objects->incidents [0]->id);
    return *out != 0;
}

//  s_id_of, and the reply freed: for a create whose reply only gives an id.
static bool
s_take_id (R5__ResourceReply *reply, char out [25])
{
    bool taken = s_id_of (reply, out);
    s_free (&reply);
    return taken;
}

static R5__ResourceReply *
s_update_team (const s_who_t *who, const char *id, const char *name)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateTeamRequest update = R5__UPDATE_TEAM_REQUEST__INIT;
    update.id = (char *) id;
    update.name_present_case = R5__UPDATE_TEAM_REQUEST__NAME_PRESENT_NAME;
    update.name = (char *) name;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_TEAM;
    request.update_team = &update;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_member (const s_who_t *who, const char *team, const char *user, bool admin, bool add)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__TeamMemberRequest member = R5__TEAM_MEMBER_REQUEST__INIT;
    member.team_id = (char *) team;
    member.user_id = (char *) user;
    member.team_admin = admin;
    request.body_case = add ? R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER : R5__RESOURCE_REQUEST__BODY_REMOVE_TEAM_MEMBER;
    request.add_team_member = &member;          //  same slot in the oneof
    if (!add)
        request.remove_team_member = &member;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_get (const s_who_t *who, R5__ResourceType type, const char *id)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__GetObjectsRequest get = R5__GET_OBJECTS_REQUEST__INIT;
    char *ids [1] = { (char *) id };
    get.type = type;
    get.ids = ids;
    get.n_ids = 1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_OBJECTS;
    request.get_objects = &get;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_list (const s_who_t *who, R5__ResourceType type, int first, const char *after)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__ListObjectsRequest list = R5__LIST_OBJECTS_REQUEST__INIT;
    list.type = type;
    list.first = first;
    list.after = (char *) (after ? after : "");
    request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS;
    request.list_objects = &list;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_create_incident (const s_who_t *who, const char *title, char **teams, size_t n_teams)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateIncidentRequest create = R5__CREATE_INCIDENT_REQUEST__INIT;
    create.title = (char *) title;
    create.description = "it broke";
    create.team_ids = teams;
    create.n_team_ids = n_teams;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_INCIDENT;
    request.create_incident = &create;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_transition (const s_who_t *who, const char *id, R5__IncidentStatus to)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__IncidentTransitionRequest transition = R5__INCIDENT_TRANSITION_REQUEST__INIT;
    transition.id = (char *) id;
    transition.to = to;
    request.body_case = R5__RESOURCE_REQUEST__BODY_INCIDENT_TRANSITION;
    request.incident_transition = &transition;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_reassign (const s_who_t *who, const char *id, char *team)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__ReassignIncidentRequest reassign = R5__REASSIGN_INCIDENT_REQUEST__INIT;
    char *teams [1] = { team };
    reassign.id = (char *) id;
    reassign.team_ids = teams;
    reassign.n_team_ids = 1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_REASSIGN_INCIDENT;
    request.reassign_incident = &reassign;
    return s_call (who, &request);
}

//  How many objects a list or get answered, -1 when it failed.
static int
s_count (R5__ResourceReply *reply)
{
    if (!reply || reply->status || reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS)
        return -1;
    const R5__Objects *o = reply->objects;
    return (int) (o->n_users + o->n_teams + o->n_incidents + o->n_escalation_policies + o->n_schedules
                  + o->n_integrations + o->n_contact_methods + o->n_notification_rules);
}

//  Whether an event "user.changed <id>" arrives within a second.
static bool
s_event_for (const char *user_id)
{
    char topic [80];
    snprintf (topic, sizeof topic, "user.changed %s", user_id);
    for (int i = 0; i < 5; i++) {
        zmsg_t *msg = zmsg_recv (s_events);
        char *got = msg ? zmsg_popstr (msg) : NULL;
        bool match = got && streq (got, topic);
        if (getenv ("R5_TEST_DEBUG"))
            fprintf (stderr, "event: %s (want %s)\n", got ? got : "(none)", topic);
        zstr_free (&got);
        zmsg_destroy (&msg);
        if (match)
            return true;
    }
    return false;
}

//  ---------------------------------------------------------------------------

#define OK R5__STATUS__STATUS_OK

static void
s_test_everything (const char *uri)
{
    R5__ResourceReply *reply;
    R5__User *owner = s_signup ("owner@example.com");
    R5__User *stranger = s_signup ("stranger@example.com");
    if (!owner || !stranger)
        return;
    s_who_t as_owner = s_session (owner), as_stranger = s_session (stranger);

    //  ---- Users
    reply = s_create_user (&as_owner, "admin@example.com", R5__ROLE__ROLE_ADMINISTRATOR);
    R5__User *admin = s_user_of (reply);
    CHECK_MSG (admin && admin->role == R5__ROLE__ROLE_ADMINISTRATOR && admin->active, "owner creates an administrator");
    s_free (&reply);
    s_who_t as_admin = s_session (admin);
    reply = s_create_user (&as_admin, "member@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *member = s_user_of (reply);
    CHECK_MSG (member != NULL, "administrator creates a member");
    s_free (&reply);
    reply = s_create_user (&as_admin, "other@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *other = s_user_of (reply);
    s_free (&reply);
    if (!admin || !member || !other)
        goto done;
    s_who_t as_member = s_session (member), as_other = s_session (other);
    reply = s_create_user (&as_owner, "Member@Example.com", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "email unique in the account: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    //  One identity per email: another account cannot take it, nor learn where it is.
    reply = s_create_user (&as_stranger, "member@example.com", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT && !strstr (reply->message, "account"),
               "the same email in another account: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_create_user (&as_admin, "boss@example.com", R5__ROLE__ROLE_OWNER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "administrators make no owners");
    s_free (&reply);
    reply = s_create_user (&as_member, "x@example.com", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "members create no users");
    s_free (&reply);
    reply = s_create_user (&as_owner, "not an email", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT && strstr (reply->message, "email"), "bad email");
    s_free (&reply);
    s_who_t reader = s_pat (owner, R5__SCOPE__SCOPE_INCIDENTS_READ);
    reply = s_create_user (&reader, "y@example.com", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_SCOPE_MISSING && reply->required_scope == R5__SCOPE__SCOPE_USERS_WRITE,
               "incidentsRead cannot create users");
    s_free (&reply);

    //  Roles
    reply = s_set_role (&as_admin, owner->id, R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "administrators never touch owners");
    s_free (&reply);
    reply = s_set_role (&as_owner, owner->id, R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "the last owner stays: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_set_active (&as_owner, owner->id, false);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "the last owner stays active");
    s_free (&reply);
    reply = s_list (&as_owner, R5__RESOURCE_TYPE__RESOURCE_USERS, 100, NULL);
    CHECK_MSG (s_count (reply) == 4, "four users in the account, got %d", s_count (reply));
    s_free (&reply);
    reply = s_set_role (&as_admin, member->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status (reply) == OK && reply->objects->users [0]->role == R5__ROLE__ROLE_ADMINISTRATOR, "member -> administrator");
    CHECK_MSG (s_event_for (member->id), "role change announced");
    s_free (&reply);
    reply = s_set_role (&as_admin, member->id, R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == OK, "administrator -> member");
    s_free (&reply);
    reply = s_set_role (&as_member, other->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "members change no roles");
    s_free (&reply);
    reply = s_set_role (&as_owner, stranger->id, R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "another account's user is not found");
    s_free (&reply);

    //  Pagination
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_USERS, 3, NULL);
    CHECK_MSG (s_count (reply) == 3 && reply->objects->has_next_page, "first page");
    char cursor [64] = "";
    if (s_count (reply) == 3)
        snprintf (cursor, sizeof cursor, "%s", reply->objects->end_cursor);
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_USERS, 3, cursor);
    CHECK_MSG (s_count (reply) == 1 && !reply->objects->has_next_page, "second page");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_USERS, 101, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "first over 100");
    s_free (&reply);

    //  ---- Teams
    char team_a [25], team_b [25];
    CHECK_MSG (s_take_id (s_create_team (&as_admin, "Team A"), team_a), "administrator creates a team");
    CHECK_MSG (s_take_id (s_create_team (&as_owner, "Team B"), team_b), "owner creates a team");
    reply = s_create_team (&as_owner, "Team B");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "team names are unique per account");
    s_free (&reply);
    reply = s_create_team (&as_stranger, "Team B");
    CHECK_MSG (s_status (reply) == OK, "but not across accounts");
    s_free (&reply);
    s_who_t member_writer = s_pat (member, R5__SCOPE__SCOPE_TEAMS_WRITE);
    reply = s_create_team (&member_writer, "Mine");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "a member with teamsWrite cannot create a team");
    s_free (&reply);
    reply = s_update_team (&member_writer, team_a, "Team A2");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "nor update one they do not administer");
    s_free (&reply);
    reply = s_member (&as_owner, team_a, member->id, true, true);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_teams == 1 && reply->objects->teams [0]->n_members == 1
               && reply->objects->teams [0]->members [0]->team_admin, "member added as team admin");
    CHECK_MSG (s_event_for (member->id), "membership change announced");
    s_free (&reply);
    reply = s_update_team (&member_writer, team_a, "Team A2");
    CHECK_MSG (s_status (reply) == OK && streq (reply->objects->teams [0]->name, "Team A2"), "the team admin updates it");
    s_free (&reply);
    reply = s_update_team (&member_writer, team_b, "Team B2");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "but not another team");
    s_free (&reply);
    reply = s_get (&member_writer, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team_a);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_SCOPE_MISSING && reply->required_scope == R5__SCOPE__SCOPE_TEAMS_READ,
               "teamsWrite does not read teams");
    s_free (&reply);
    reply = s_member (&member_writer, team_a, other->id, false, true);
    CHECK_MSG (s_status (reply) == OK && reply->objects->teams [0]->n_members == 2, "the team admin adds a member");
    s_free (&reply);
    reply = s_get (&as_other, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team_b);
    CHECK_MSG (s_count (reply) == 1, "everyone sees every team");
    s_free (&reply);
    reply = s_get (&as_stranger, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team_a);
    CHECK_MSG (s_count (reply) == 0, "another account's team is absent");
    s_free (&reply);
    reply = s_update_team (&as_stranger, team_a, "mine now");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "and not found to write");
    s_free (&reply);
    reply = s_member (&as_owner, team_a, stranger->id, false, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "members come from the account");
    s_free (&reply);

    //  ---- Incidents
    char i_a [25], i_b [25], i_other [25];
    char *on_a [1] = { team_a }, *on_b [1] = { team_b };
    CHECK_MSG (s_take_id (s_create_incident (&as_owner, "A is down", on_a, 1), i_a), "incident for team A");
    CHECK_MSG (s_take_id (s_create_incident (&as_owner, "B is down", on_b, 1), i_b), "incident for team B");
    reply = s_member (&as_owner, team_a, other->id, false, false);
    CHECK_MSG (s_status (reply) == OK, "other leaves team A");
    s_free (&reply);
    CHECK_MSG (s_take_id (s_create_incident (&as_other, "mine", NULL, 0), i_other), "anyone creates an incident");
    reply = s_create_incident (&as_owner, "", NULL, 0);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "a title is needed");
    s_free (&reply);
    char *bogus [1] = { "ffffffffffffffffffffffff" };
    reply = s_create_incident (&as_owner, "x", bogus, 1);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "teams must exist");
    s_free (&reply);

    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 100, NULL);
    CHECK_MSG (s_count (reply) == 1 && streq (reply->objects->incidents [0]->id, i_a), "a member sees their team's incident");
    s_free (&reply);
    reply = s_list (&as_other, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 100, NULL);
    CHECK_MSG (s_count (reply) == 1 && streq (reply->objects->incidents [0]->id, i_other),
               "a former team member sees only their own");
    s_free (&reply);
    reply = s_list (&as_admin, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 100, NULL);
    CHECK_MSG (s_count (reply) == 3, "administrators see all");
    s_free (&reply);
    reply = s_list (&as_stranger, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 100, NULL);
    CHECK_MSG (s_count (reply) == 0, "other accounts see none");
    s_free (&reply);
    reply = s_get (&as_member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, i_b);
    CHECK_MSG (s_count (reply) == 0, "an invisible incident is absent");
    s_free (&reply);
    reply = s_transition (&as_member, i_b, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "and cannot be acted on");
    s_free (&reply);

    //  Reassigned away: the team still sees it.
    reply = s_reassign (&as_owner, i_a, team_b);
    CHECK_MSG (s_status (reply) == OK && reply->objects->incidents [0]->n_team_ids == 1
               && streq (reply->objects->incidents [0]->team_ids [0], team_b), "reassigned to B");
    s_free (&reply);
    reply = s_get (&as_member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, i_a);
    CHECK_MSG (s_count (reply) == 1, "team A still sees it after reassignment");
    s_free (&reply);
    s_who_t member_reader = s_pat (member, R5__SCOPE__SCOPE_INCIDENTS_READ);
    reply = s_transition (&member_reader, i_a, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_SCOPE_MISSING && reply->required_scope == R5__SCOPE__SCOPE_INCIDENTS_WRITE,
               "incidentsRead cannot acknowledge");
    s_free (&reply);
    //  One command: a findAndModify whose filter holds the checks (no find first).
    mongoc_client_t *counted = mongoc_client_new (uri);
    int64_t finds = r5_test_devmongo_started (counted, "r5test", "incidents", "find");
    int64_t modifies = r5_test_devmongo_started (counted, "r5test", "incidents", "findAndModify");
    reply = s_transition (&as_member, i_a, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK_MSG (s_status (reply) == OK && reply->objects->incidents [0]->status == R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED
               && reply->objects->incidents [0]->acknowledged_at_unix_ms > 0, "acknowledged");
    s_free (&reply);
    CHECK_MSG (r5_test_devmongo_started (counted, "r5test", "incidents", "find") == finds
               && r5_test_devmongo_started (counted, "r5test", "incidents", "findAndModify") == modifies + 1,
               "acknowledging is one findAndModify");
    mongoc_client_destroy (counted);
    reply = s_transition (&as_member, i_a, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "twice is invalid");
    s_free (&reply);
    reply = s_transition (&as_member, i_a, R5__INCIDENT_STATUS__INCIDENT_STATUS_RESOLVED);
    CHECK_MSG (s_status (reply) == OK, "resolved");
    s_free (&reply);
    reply = s_transition (&as_member, i_a, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "nothing after resolved");
    s_free (&reply);

    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__AddIncidentNoteRequest note = R5__ADD_INCIDENT_NOTE_REQUEST__INIT;
    note.id = i_b;
    note.body = "looking\ninto it";
    request.body_case = R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE;
    request.add_incident_note = &note;
    reply = s_call (&as_admin, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_incidents == 1 && reply->objects->n_incident_notes == 0,
               "a note answers the incident");
    s_free (&reply);
    R5__ListIncidentNotesRequest notes = R5__LIST_INCIDENT_NOTES_REQUEST__INIT;
    notes.incident_id = i_b;
    notes.first = 10;
    request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_INCIDENT_NOTES;
    request.list_incident_notes = &notes;
    reply = s_call (&as_admin, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_incident_notes == 1
               && streq (reply->objects->incident_notes [0]->author_id, admin->id)
               && streq (reply->objects->incident_notes [0]->body, "looking\ninto it")
               && !reply->objects->has_next_page, "a page of notes holds it");
    s_free (&reply);

    //  ---- Deactivation
    reply = s_set_active (&as_admin, member->id, false);
    CHECK_MSG (s_status (reply) == OK && !reply->objects->users [0]->active, "deactivated");
    CHECK_MSG (s_event_for (member->id), "deactivation announced");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_TEAMS, 10, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "a deactivated user is refused");
    s_free (&reply);
    reply = s_set_active (&as_admin, owner->id, false);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "administrators never deactivate owners");
    s_free (&reply);
    reply = s_set_active (&as_admin, member->id, true);
    CHECK_MSG (s_status (reply) == OK && reply->objects->users [0]->active, "reactivated");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_TEAMS, 10, NULL);
    CHECK_MSG (s_count (reply) == 2, "and works again");
    s_free (&reply);

done:
    s_user_free (&owner);
    s_user_free (&stranger);
    s_user_free (&admin);
    s_user_free (&member);
    s_user_free (&other);
}

//  Acknowledging decides as reading does, for every kind of caller and
//  incident, and an allowed one is one findAndModify and no find: the filter
//  r5-resource writes (authz's visibility, a token's teams) matches exactly
//  what authz allows on the object. A refused one changes nothing. (The
//  sweeper's find of old incidents runs at start and then once a minute.)
static void
s_test_transition_matrix (const char *uri)
{
    R5__User *owner = s_signup ("matrix-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply;
    const char *emails [4] = { "matrix-admin@example.com", "matrix-a@example.com", "matrix-b@example.com",
                               "matrix-c@example.com" };
    R5__User *users [4] = { NULL };
    for (int i = 0; i < 4; i++) {
        reply = s_create_user (&as_owner, emails [i], i ? R5__ROLE__ROLE_MEMBER : R5__ROLE__ROLE_ADMINISTRATOR);
        users [i] = s_user_of (reply);
        s_free (&reply);
    }
    char team_a [25], team_b [25];
    s_take_id (s_create_team (&as_owner, "Matrix A"), team_a);
    s_take_id (s_create_team (&as_owner, "Matrix B"), team_b);
    if (!users [0] || !users [1] || !users [2] || !users [3] || !*team_a || !*team_b)
        goto done;
    reply = s_member (&as_owner, team_a, users [1]->id, false, true);
    s_free (&reply);
    reply = s_member (&as_owner, team_b, users [2]->id, false, true);
    s_free (&reply);

    s_who_t as_admin = s_session (users [0]), as_a = s_session (users [1]), as_b = s_session (users [2]),
            as_c = s_session (users [3]);
    s_who_t a_reader = s_pat (users [1], R5__SCOPE__SCOPE_INCIDENTS_READ);
    s_who_t a_writer = s_pat (users [1], R5__SCOPE__SCOPE_INCIDENTS_WRITE);
    s_who_t a_writer_in_a = a_writer, owner_in_b = s_pat (owner, R5__SCOPE__SCOPE_INCIDENTS_WRITE);
    a_writer_in_a.restricted_team_ids [0] = team_a;
    a_writer_in_a.n_restricted_team_ids = 1;
    owner_in_b.restricted_team_ids [0] = team_b;
    owner_in_b.n_restricted_team_ids = 1;

    //  The incidents: of team A; of team B; of team B opened by C (who then
    //  participates); of team A, then reassigned to B (A once, B now).
    enum { OF_A, OF_B, OF_B_BY_C, A_THEN_B, KINDS };
    const R5__Status ok = OK, hidden = R5__STATUS__STATUS_NOT_FOUND, scope = R5__STATUS__STATUS_SCOPE_MISSING;
    struct {
        const char *name;
        const s_who_t *who;
        R5__Status expected [KINDS];
    } rows [] = {
        { "owner", &as_owner, { ok, ok, ok, ok } },
        { "administrator", &as_admin, { ok, ok, ok, ok } },
        { "member of A", &as_a, { ok, hidden, hidden, ok } },
        { "member of B", &as_b, { hidden, ok, ok, ok } },
        { "C, in no team", &as_c, { hidden, hidden, ok, hidden } },
        { "A's incidentsRead token", &a_reader, { scope, scope, scope, scope } },
        { "A's incidentsWrite token", &a_writer, { ok, hidden, hidden, ok } },
        { "A's token restricted to A", &a_writer_in_a, { ok, hidden, hidden, hidden } },
        { "owner's token restricted to B", &owner_in_b, { hidden, ok, ok, ok } },
    };
    mongoc_client_t *counted = mongoc_client_new (uri);
    for (size_t r = 0; r < sizeof rows / sizeof rows [0]; r++)
        for (int kind = 0; kind < KINDS; kind++) {
            char *teams [1] = { kind == OF_A || kind == A_THEN_B ? team_a : team_b };
            char id [25] = "";
            s_take_id (s_create_incident (kind == OF_B_BY_C ? &as_c : &as_owner, "matrix", teams, 1), id);
            if (kind == A_THEN_B) {
                reply = s_reassign (&as_owner, id, team_b);
                s_free (&reply);
            }
            int64_t finds = r5_test_devmongo_started (counted, "r5test", "incidents", "find");
            int64_t modifies = r5_test_devmongo_started (counted, "r5test", "incidents", "findAndModify");
            reply = s_transition (rows [r].who, id, R5__INCIDENT_STATUS__INCIDENT_STATUS_ACKNOWLEDGED);
            R5__Status status = s_status (reply);
            s_free (&reply);
            CHECK_MSG (status == rows [r].expected [kind], "%s acknowledging incident kind %d: %s, not %s",
                       rows [r].name, kind, r5_status_name (status), r5_status_name (rows [r].expected [kind]));
            if (status == OK)
                CHECK_MSG (r5_test_devmongo_started (counted, "r5test", "incidents", "find") == finds
                           && r5_test_devmongo_started (counted, "r5test", "incidents", "findAndModify") == modifies + 1,
                           "%s acknowledging incident kind %d: one findAndModify, no find", rows [r].name, kind);
            else {
                reply = s_get (&as_owner, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, id);
                CHECK_MSG (s_count (reply) == 1
                           && reply->objects->incidents [0]->status == R5__INCIDENT_STATUS__INCIDENT_STATUS_TRIGGERED,
                           "%s refused: incident kind %d unchanged", rows [r].name, kind);
                s_free (&reply);
            }
        }
    mongoc_client_destroy (counted);
done:
    for (int i = 0; i < 4; i++)
        s_user_free (&users [i]);
    s_user_free (&owner);
}

//  The on-call setup and one's own contact methods, as three people of one account.
static void
s_test_oncall (const char *uri)
{
    R5__ResourceReply *reply;
    R5__User *owner = s_signup ("oncall-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    reply = s_create_user (&as_owner, "lead@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *lead = s_user_of (reply);
    s_free (&reply);
    reply = s_create_user (&as_owner, "oncall@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *member = s_user_of (reply);
    s_free (&reply);
    reply = s_create_user (&as_owner, "outside@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *outsider = s_user_of (reply);
    s_free (&reply);
    char team [25], schedule [25];
    s_take_id (s_create_team (&as_owner, "On call"), team);
    if (!lead || !member || !outsider || !*team)
        goto done;
    reply = s_member (&as_owner, team, lead->id, true, true);
    s_free (&reply);
    reply = s_member (&as_owner, team, member->id, false, true);
    s_free (&reply);
    s_who_t as_lead = s_session (lead), as_member = s_session (member), as_outsider = s_session (outsider);

    //  Schedules: the team admin creates; a member overrides; an outsider does neither.
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleRequest create = R5__CREATE_SCHEDULE_REQUEST__INIT;
    R5__Shift shift = R5__SHIFT__INIT, *shifts [1] = { &shift };
    shift.user_id = member->id;
    shift.start_unix_ms = 1700000000000;
    shift.end_unix_ms = 1700000000000 + 3600000;
    create.team_id = team;
    create.name = "Primary";
    create.time_zone = "Europe/Paris";
    create.shifts = shifts;
    create.n_shifts = 1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE;
    request.create_schedule = &create;
    reply = s_call (&as_member, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "a plain member creates no schedule");
    s_free (&reply);
    reply = s_call (&as_lead, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_schedules == 1 && reply->objects->schedules [0]->n_shifts == 1
               && streq (reply->objects->schedules [0]->time_zone, "Europe/Paris"), "the team admin creates a schedule");
    snprintf (schedule, sizeof schedule, "%s", s_status (reply) == OK ? reply->objects->schedules [0]->id : "");
    s_free (&reply);
    shift.end_unix_ms = shift.start_unix_ms;
    reply = s_call (&as_lead, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "a shift ends after it starts");
    s_free (&reply);

    R5__ResourceRequest override_request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleOverrideRequest override = R5__CREATE_SCHEDULE_OVERRIDE_REQUEST__INIT;
    override.schedule_id = schedule;
    override.user_id = member->id;
    override.start_unix_ms = 1700000000000;
    override.end_unix_ms = 1700003600000;
    override_request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE;
    override_request.create_schedule_override = &override;
    reply = s_call (&as_member, &override_request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->schedules [0]->n_overrides == 1, "a team member overrides");
    s_free (&reply);
    reply = s_call (&as_outsider, &override_request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "an outsider does not");
    s_free (&reply);
    reply = s_get (&as_outsider, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, schedule);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_schedules == 1, "but sees the schedule");
    s_free (&reply);

    //  Integrations: the key only in the reply; at rest its digest.
    R5__CreateIntegrationRequest integration = R5__CREATE_INTEGRATION_REQUEST__INIT;
    integration.team_id = team;
    integration.name = "Monitoring";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_INTEGRATION;
    request.create_integration = &integration;
    reply = s_call (&as_lead, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_integrations == 1
               && strlen (reply->objects->integrations [0]->key) == 36, "an integration and its key");
    char key_copy [64] = "";
    if (s_status (reply) == OK)
        snprintf (key_copy, sizeof key_copy, "%s", reply->objects->integrations [0]->key);
    if (s_status (reply) == OK) {
        const char *key = reply->objects->integrations [0]->key;
        mongoc_client_t *client = mongoc_client_new (uri);
        mongoc_collection_t *collection = mongoc_client_get_collection (client, "r5test", "integrations");
        bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (reply->objects->integrations [0]->id));
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, NULL, NULL);
        const bson_t *doc;
        bool found = mongoc_cursor_next (cursor, &doc);
        char *json = found ? bson_as_relaxed_extended_json (doc, NULL) : NULL;
        CHECK_MSG (json && !strstr (json, key + 4), "the key is not at rest");
        unsigned char digest [32];
        char hex [65];
        crypto_generichash (digest, sizeof digest, (const unsigned char *) key, strlen (key), NULL, 0);
        sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
        CHECK_MSG (json && strstr (json, hex), "its digest is");
        bson_free (json);
        mongoc_cursor_destroy (cursor);
        bson_destroy (filter);
        mongoc_collection_destroy (collection);
        mongoc_client_destroy (client);
    }
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS, 10, NULL);
    CHECK_MSG (s_count (reply) == 1 && !*reply->objects->integrations [0]->key, "listed without its key");
    s_free (&reply);

    //  The key opens incidents for the team (no principal: the key is the credential).
    R5__OpenIntegrationIncidentRequest open = R5__OPEN_INTEGRATION_INCIDENT_REQUEST__INIT;
    open.key = key_copy;
    open.title = "disk full";
    request.body_case = R5__RESOURCE_REQUEST__BODY_OPEN_INTEGRATION_INCIDENT;
    request.open_integration_incident = &open;
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_incidents == 1 && reply->objects->incidents [0]->n_team_ids == 1
               && streq (reply->objects->incidents [0]->team_ids [0], team)
               && streq (reply->objects->incidents [0]->account_id, owner->account_id), "an integration opens an incident");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 10, NULL);
    CHECK_MSG (s_count (reply) == 1, "the team sees it");
    s_free (&reply);
    reply = s_list (&as_outsider, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 10, NULL);
    CHECK_MSG (s_count (reply) == 0, "nobody else does");
    s_free (&reply);
    char key_char = key_copy [10];
    key_copy [10] = key_copy [10] == 'A' ? 'B' : 'A';
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "a wrong key is unknown");
    s_free (&reply);
    open.key = "r5i_short";
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "a malformed key is unknown too");
    s_free (&reply);
    //  An alert with an Idempotency-Key opens one incident, per integration.
    key_copy [10] = key_char;
    open.key = key_copy;
    open.title = "queue stuck";
    request.idempotency_key = (char *) "alert-7";
    char alert_id [25] = "";
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_incidents == 1, "a keyed alert opens an incident");
    if (s_status (reply) == OK)
        snprintf (alert_id, sizeof alert_id, "%s", reply->objects->incidents [0]->id);
    s_free (&reply);
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_incidents == 1
               && streq (reply->objects->incidents [0]->id, alert_id), "its repeat answers the same incident");
    s_free (&reply);
    open.title = "queue stuck again";
    reply = s_call (NULL, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "the key with another alert is a conflict");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, 10, NULL);
    CHECK_MSG (s_count (reply) == 2, "one incident for the keyed alert: %d", s_count (reply));
    s_free (&reply);
    request.idempotency_key = (char *) protobuf_c_empty_string;

    //  The team owns on-call setup: it is not deleted.
    R5__DeleteObjectRequest delete_ = R5__DELETE_OBJECT_REQUEST__INIT;
    delete_.type = R5__RESOURCE_TYPE__RESOURCE_TEAMS;
    delete_.id = team;
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete_;
    reply = s_call (&as_owner, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "a team with a schedule stays");
    s_free (&reply);

    //  Contact methods: one's own only.
    R5__CreateContactMethodRequest method = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    method.kind = R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_PHONE;
    method.address = "+33 6 12 34 56 78";
    method.label = "mobile";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &method;
    reply = s_call (&as_member, &request);
    char method_id [25] = "";
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_contact_methods == 1, "a contact method");
    if (s_status (reply) == OK)
        snprintf (method_id, sizeof method_id, "%s", reply->objects->contact_methods [0]->id);
    s_free (&reply);
    method.address = "not a phone";
    reply = s_call (&as_member, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "a phone number is checked");
    s_free (&reply);
    reply = s_get (&as_owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, method_id);
    CHECK_MSG (s_count (reply) == 0, "not even the owner reads another's contact method");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, 10, NULL);
    CHECK_MSG (s_count (reply) == 1, "one's own are listed: %d %s", s_count (reply), reply ? reply->message : "");
    s_free (&reply);
    R5__CreateNotificationRuleRequest rule = R5__CREATE_NOTIFICATION_RULE_REQUEST__INIT;
    rule.contact_method_id = method_id;
    rule.delay_minutes = 5;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE;
    request.create_notification_rule = &rule;
    reply = s_call (&as_lead, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "a rule uses one's own method only");
    s_free (&reply);
    reply = s_call (&as_member, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_notification_rules == 1, "a rule");
    s_free (&reply);
    delete_.type = R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS;
    delete_.id = method_id;
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete_;
    reply = s_call (&as_lead, &request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND, "another's method is not found");
    s_free (&reply);
    reply = s_call (&as_member, &request);
    CHECK_MSG (s_status (reply) == OK && reply->body_case == R5__RESOURCE_REPLY__BODY_DELETED_ID, "deleted");
    s_free (&reply);
    reply = s_list (&as_member, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, 10, NULL);
    CHECK_MSG (s_count (reply) == 0, "its rules went with it");
    s_free (&reply);

done:
    s_user_free (&owner);
    s_user_free (&lead);
    s_user_free (&member);
    s_user_free (&outsider);
}

//  ---------------------------------------------------------------------------
//  The stored format: every document of every collection has the keys the
//  stores have always written (what the codec writes, and beside it what the
//  wire lacks), with their BSON types, and nothing else.

typedef struct {
    const char *collection;
    const char *required;       //  space-separated keys every document has
    const char *optional;       //  keys some documents have (after updates, transitions)
} s_format_t;

static const s_format_t s_formats [] = {
    //  facts_owed: the events a fact's change owes, [] once published (resource_owed.h).
    { "users", "_id account_id email name role active password_hash created_at", "facts_owed" },
    { "teams", "_id account_id name description members version created_at", "updated_at slack_channel facts_owed" },
    { "incidents", "_id account_id title description status urgency team_ids user_ids team_history_ids "
                   "participant_ids created_by created_at", "acknowledged_at resolved_at updated_at idempotency" },
    { "incident_notes", "_id account_id incident_id body author_id created_at", "" },
    { "incident_history", "_id account_id incident_id team_ids user_ids by at", "" },
    { "escalation_policies", "_id account_id team_id name description steps created_at", "updated_at" },
    { "schedules", "_id account_id team_id name description time_zone shifts overrides created_at", "updated_at" },
    { "integrations", "_id account_id team_id name key_hint key_hash created_at", "updated_at" },
    { "contact_methods", "_id account_id user_id kind address label created_at", "" },
    { "notification_rules", "_id account_id user_id contact_method_id delay_minutes urgency created_at", "" },
};

//  True when key is one of the words of list.
static bool
s_listed (const char *list, const char *key)
{
    size_t length = strlen (key);
    for (const char *at = strstr (list, key); at; at = strstr (at + 1, key))
        if ((at == list || at [-1] == ' ') && (at [length] == ' ' || at [length] == 0))
            return true;
    return false;
}

//  The BSON type a stored key has always had.
static bson_type_t
s_stored_type (const char *key)
{
    if (streq (key, "created_at") || streq (key, "updated_at") || streq (key, "acknowledged_at")
    ||  streq (key, "resolved_at") || streq (key, "start") || streq (key, "end") || streq (key, "at"))
        return BSON_TYPE_DATE_TIME;
    if (streq (key, "active") || streq (key, "team_admin"))
        return BSON_TYPE_BOOL;
    if (streq (key, "idempotency"))         //  {user_id, key, input} of a keyed create
        return BSON_TYPE_DOCUMENT;
    if (streq (key, "version"))
        return BSON_TYPE_INT64;
    if (streq (key, "delay_minutes"))
        return BSON_TYPE_INT32;
    if (streq (key, "members") || streq (key, "steps") || streq (key, "facts_owed") || streq (key, "targets") || streq (key, "shifts")
    ||  streq (key, "overrides") || strstr (key, "_ids"))
        return BSON_TYPE_ARRAY;
    return BSON_TYPE_UTF8;
}

//  Check the types of every key of a document and of the documents in its arrays.
static void
s_check_types (const char *collection, bson_iter_t *iter, int depth)
{
    while (bson_iter_next (iter)) {
        const char *key = bson_iter_key (iter);
        bool index = *key >= '0' && *key <= '9';
        if (!index)
            CHECK_MSG (bson_iter_type (iter) == s_stored_type (key), "%s.%s has the type it always had", collection, key);
        bson_iter_t child;
        if ((BSON_ITER_HOLDS_ARRAY (iter) || BSON_ITER_HOLDS_DOCUMENT (iter)) && depth < 4
        &&  bson_iter_recurse (iter, &child))
            s_check_types (collection, &child, depth + 1);
    }
}

static void
s_test_stored_format (const char *uri)
{
    R5__User *owner = s_signup ("format-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply;
    char team [25] = "";
    s_take_id (s_create_team (&as_owner, "Format"), team);
    //  The types s_test_everything and s_test_oncall leave out: a policy, a
    //  rule for any urgency.
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateEscalationPolicyRequest policy = R5__CREATE_ESCALATION_POLICY_REQUEST__INIT;
    R5__EscalationTarget target = R5__ESCALATION_TARGET__INIT, *targets [1] = { &target };
    R5__EscalationStep step = R5__ESCALATION_STEP__INIT, *steps [1] = { &step };
    target.kind = R5__TARGET_KIND__TARGET_KIND_USER;
    target.id = owner->id;
    step.delay_minutes = 5;
    step.targets = targets;
    step.n_targets = 1;
    policy.team_id = team;
    policy.name = "Wake the owner";
    policy.steps = steps;
    policy.n_steps = 1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_ESCALATION_POLICY;
    request.create_escalation_policy = &policy;
    reply = s_call (&as_owner, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_escalation_policies == 1
               && reply->objects->escalation_policies [0]->steps [0]->targets [0]->kind == R5__TARGET_KIND__TARGET_KIND_USER,
               "an escalation policy is created");
    s_free (&reply);
    R5__CreateContactMethodRequest method = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    method.kind = R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_EMAIL;
    method.address = "format-owner@example.com";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &method;
    reply = s_call (&as_owner, &request);
    char method_id [25] = "";
    if (s_status (reply) == OK && reply->objects->n_contact_methods == 1)
        snprintf (method_id, sizeof method_id, "%s", reply->objects->contact_methods [0]->id);
    s_free (&reply);
    R5__CreateNotificationRuleRequest rule = R5__CREATE_NOTIFICATION_RULE_REQUEST__INIT;
    rule.contact_method_id = method_id;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE;
    request.create_notification_rule = &rule;
    reply = s_call (&as_owner, &request);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_notification_rules == 1
               && reply->objects->notification_rules [0]->urgency == R5__URGENCY__URGENCY_UNSPECIFIED,
               "a rule for any urgency is created");
    s_free (&reply);

    mongoc_client_t *client = mongoc_client_new (uri);
    for (size_t i = 0; i < sizeof s_formats / sizeof s_formats [0]; i++) {
        const s_format_t *format = &s_formats [i];
        mongoc_collection_t *collection = mongoc_client_get_collection (client, "r5test", format->collection);
        bson_t filter = BSON_INITIALIZER;
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, &filter, NULL, NULL);
        const bson_t *doc;
        size_t documents = 0;
        while (mongoc_cursor_next (cursor, &doc)) {
            documents++;
            bson_iter_t iter;
            size_t required = 0;
            bson_iter_init (&iter, doc);
            while (bson_iter_next (&iter)) {
                const char *key = bson_iter_key (&iter);
                CHECK_MSG (s_listed (format->required, key) || s_listed (format->optional, key),
                           "%s has no key %s", format->collection, key);
                required += s_listed (format->required, key);
            }
            size_t words = 1;
            for (const char *c = format->required; *c; c++)
                words += *c == ' ';
            CHECK_MSG (required == words, "every %s document has %s", format->collection, format->required);
            bson_iter_init (&iter, doc);
            s_check_types (format->collection, &iter, 0);
        }
        CHECK_MSG (documents > 0, "the test stored %s", format->collection);
        //  "Any urgency" is stored as it always was: "".
        if (streq (format->collection, "notification_rules")) {
            bson_t *any = BCON_NEW ("urgency", BCON_UTF8 (""));
            CHECK_MSG (mongoc_collection_count_documents (collection, any, NULL, NULL, NULL, NULL) > 0,
                       "a rule for any urgency is stored with urgency \"\"");
            bson_destroy (any);
        }
        mongoc_cursor_destroy (cursor);
        bson_destroy (&filter);
        mongoc_collection_destroy (collection);
    }
    mongoc_client_destroy (client);
    s_user_free (&owner);
}

//  Teams an owner sees in its account (-1 when the list fails).
static int
s_count_teams (const s_who_t *who)
{
    R5__ResourceReply *reply = s_list (who, R5__RESOURCE_TYPE__RESOURCE_TEAMS, 100, NULL);
    int count = s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS
              ? (int) reply->objects->n_teams : -1;
    s_free (&reply);
    return count;
}

//  Principals a bus client makes up are refused, before anything is read or
//  written: only r5-token's own fresh assertion counts (and r5-authz, which
//  r5-resource forwards it to, checks it again).
static void
s_test_forgeries (void)
{
    R5__User *owner = s_signup ("forged-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    int before = s_count_teams (&as_owner);
    CHECK_MSG (before >= 0, "the owner lists teams");
    const s_how_t forgeries [] = { S_OTHER_KEY, S_EXPIRED, S_TAMPERED, S_FIELDS_ONLY };
    for (size_t i = 0; i < sizeof forgeries / sizeof forgeries [0]; i++) {
        s_who_t forged = as_owner;
        forged.how = forgeries [i];
        R5__ResourceReply *reply = s_create_team (&forged, "Forged team");
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "forgery %d: unauthenticated, not %s",
                   (int) forgeries [i], r5_status_name (s_status (reply)));
        s_free (&reply);
        reply = s_list (&forged, R5__RESOURCE_TYPE__RESOURCE_TEAMS, 100, NULL);
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED && reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS,
                   "forgery %d reads nothing", (int) forgeries [i]);
        s_free (&reply);
    }
    CHECK_MSG (s_count_teams (&as_owner) == before, "no forged request created a team");
    R5__ResourceReply *reply = s_create_team (&as_owner, "Genuine team");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK, "the genuine assertion creates (through r5-authz)");
    s_free (&reply);
    CHECK_MSG (s_count_teams (&as_owner) == before + 1, "exactly one team more");
    s_user_free (&owner);
}

//  The user and memberships r5-token asks for (GetUsersRequest.with_teams),
//  as r5-token: the reply, or NULL.
static R5__ResourceReply *
s_get_user_with_teams (resource_server_t *state, const char *user_id)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__GetUsersRequest users = R5__GET_USERS_REQUEST__INIT;
    char *ids [1] = { (char *) user_id };
    users.ids = ids;
    users.n_ids = 1;
    users.with_teams = true;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_USERS;
    request.get_users = &users;
    size_t size, reply_size;
    uint8_t *body = r5_rpc_pack (&request.base, &size);
    uint8_t *packed = resource_server_handle (state, R5_ROLE_TOKEN, body, size, 0, &reply_size);
    R5__ResourceReply *reply = packed ? r5__resource_reply__unpack (NULL, reply_size, packed) : NULL;
    free (packed);
    free (body);
    return reply;
}

//  The facts r5-token signed into the principal decide, without a read of
//  the user or its teams (docs/decisions.md, "Principal facts"); the same
//  facts under another key count for nothing; a principal without them is
//  decided on what the collections say. r5-token's lookup answers the
//  memberships it signs.
static void
s_test_principal_facts (const resource_config_t *config)
{
    R5__User *owner = s_signup ("facts-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "facts-member@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *member = s_user_of (reply);
    s_free (&reply);
    reply = s_create_team (&as_owner, "Facts team");
    char team [25];
    s_id_of (reply, team);
    s_free (&reply);
    CHECK_MSG (member && *team, "a member and a team");
    if (!member || !*team)
        goto done;
    //  Not a member in the collections: the live facts refuse.
    s_who_t live = s_session (member);
    reply = s_update_team (&live, team, "by a stranger");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "live facts: forbidden, not %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    //  Signed as the team's admin: the signed facts decide.
    s_who_t signed_admin = live;
    signed_admin.facts = true;
    signed_admin.role = R5__ROLE__ROLE_MEMBER;
    signed_admin.active = true;
    signed_admin.team_ids [0] = signed_admin.admin_team_ids [0] = team;
    signed_admin.n_team_ids = signed_admin.n_admin_team_ids = 1;
    reply = s_update_team (&signed_admin, team, "by its admin");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK, "signed facts: allowed, not %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    //  The same facts from anyone but r5-token, or expired: nothing.
    const s_how_t forgeries [] = { S_OTHER_KEY, S_EXPIRED, S_TAMPERED };
    for (size_t i = 0; i < sizeof forgeries / sizeof forgeries [0]; i++) {
        s_who_t forged = signed_admin;
        forged.how = forgeries [i];
        reply = s_update_team (&forged, team, "forged");
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "forged facts %d: unauthenticated",
                   (int) forgeries [i]);
        s_free (&reply);
    }
    //  Signed but inactive, or without a role: the credential counts for nothing.
    s_who_t inactive = signed_admin;
    inactive.active = false;
    reply = s_update_team (&inactive, team, "inactive");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "signed inactive: unauthenticated");
    s_free (&reply);
    inactive.active = true;
    inactive.role = R5__ROLE__ROLE_UNSPECIFIED;
    reply = s_update_team (&inactive, team, "no role");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "signed without a role: unauthenticated");
    s_free (&reply);
    //  Signed as a plain member of the team: reads it, may not change it.
    s_who_t signed_member = signed_admin;
    signed_member.n_admin_team_ids = 0;
    reply = s_update_team (&signed_member, team, "by a member");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "signed member: forbidden");
    s_free (&reply);

    //  r5-token's lookup: the memberships, with the admin flag.
    char error [256];
    resource_server_t *state = resource_server_new (config, error, sizeof error);
    CHECK_MSG (state, "state: %s", error);
    if (!state)
        goto done;
    reply = s_get_user_with_teams (state, member->id);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USERS
            && reply->users->teams_loaded && reply->users->n_memberships == 0, "no teams yet");
    s_free (&reply);
    reply = s_member (&as_owner, team, member->id, true, true);
    CHECK (s_status (reply) == R5__STATUS__STATUS_OK);
    s_free (&reply);
    reply = s_get_user_with_teams (state, member->id);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USERS
            && reply->users->n_users == 1 && reply->users->teams_loaded && reply->users->n_memberships == 1
            && streq (reply->users->memberships [0]->team_id, team) && reply->users->memberships [0]->team_admin,
               "the team, administered");
    s_free (&reply);
    reply = s_member (&as_owner, team, member->id, false, true);
    CHECK (s_status (reply) == R5__STATUS__STATUS_OK);
    s_free (&reply);
    reply = s_get_user_with_teams (state, member->id);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USERS
            && reply->users->n_memberships == 1 && !reply->users->memberships [0]->team_admin, "admin flag taken");
    s_free (&reply);
    resource_server_destroy (&state);

done:
    s_user_free (&member);
    s_user_free (&owner);
}

//  A team's delete, as the gateway asks for it.
static R5__ResourceReply *
s_delete_team (const s_who_t *who, const char *id)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__DeleteObjectRequest delete = R5__DELETE_OBJECT_REQUEST__INIT;
    delete.type = R5__RESOURCE_TYPE__RESOURCE_TEAMS;
    delete.id = (char *) id;
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete;
    return s_call (who, &request);
}

//  A change of a role, an active flag, a membership or an admin flag is
//  decided on the caller's live facts, never on those signed into its
//  principal: an owner or team admin demoted (or deactivated) after its
//  principal was signed cannot use that principal (a cached verdict, a
//  resent request) to undo its demotion, nor to hand out what it lost.
static void
s_test_stale_facts_change_nothing (void)
{
    R5__User *owner = s_signup ("stale-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "stale-second@example.com", R5__ROLE__ROLE_OWNER);
    R5__User *second = s_user_of (reply);
    s_free (&reply);
    reply = s_create_user (&as_owner, "stale-admin@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *member = s_user_of (reply);
    s_free (&reply);
    reply = s_create_team (&as_owner, "Stale team");
    char team [25];
    s_id_of (reply, team);
    s_free (&reply);
    CHECK_MSG (second && member && *team, "a second owner, a member and a team");
    if (!second || !member || !*team)
        goto done;
    reply = s_member (&as_owner, team, member->id, true, true);
    CHECK (s_status (reply) == OK);
    s_free (&reply);

    //  Signed while the second was an active owner and the member its team's admin.
    s_who_t stale_owner = s_session (second);
    stale_owner.facts = true;
    stale_owner.role = R5__ROLE__ROLE_OWNER;
    stale_owner.active = true;
    s_who_t stale_admin = s_session (member);
    stale_admin.facts = true;
    stale_admin.role = R5__ROLE__ROLE_MEMBER;
    stale_admin.active = true;
    stale_admin.team_ids [0] = stale_admin.admin_team_ids [0] = team;
    stale_admin.n_team_ids = stale_admin.n_admin_team_ids = 1;

    //  Then demoted: the second owner to member, the admin to plain member.
    reply = s_set_role (&as_owner, second->id, R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == OK, "second owner demoted");
    s_free (&reply);
    reply = s_member (&as_owner, team, member->id, false, true);
    CHECK_MSG (s_status (reply) == OK, "team admin demoted");
    s_free (&reply);

    reply = s_member (&stale_admin, team, member->id, true, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted team admin's stale principal cannot restore its admin flag: %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_member (&stale_admin, team, member->id, false, false);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted team admin's stale principal cannot remove a member: %s", r5_status_name (s_status (reply)));
    s_free (&reply);

    reply = s_set_role (&stale_owner, second->id, R5__ROLE__ROLE_OWNER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot restore its role: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_set_role (&stale_owner, member->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot promote others: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_create_user (&stale_owner, "stale-made@example.com", R5__ROLE__ROLE_OWNER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot create an owner: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_create_user (&stale_owner, "stale-made2@example.com", R5__ROLE__ROLE_MEMBER);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot create a user: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_member (&stale_owner, team, second->id, true, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot make itself a team admin: %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_delete_team (&stale_owner, team);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN,
               "a demoted owner's stale principal cannot delete a team: %s", r5_status_name (s_status (reply)));
    s_free (&reply);

    //  Deactivated after its principal was signed: it cannot reactivate itself.
    reply = s_set_active (&as_owner, second->id, false);
    CHECK_MSG (s_status (reply) == OK, "second deactivated");
    s_free (&reply);
    reply = s_set_active (&stale_owner, second->id, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED,
               "a deactivated owner's stale principal cannot reactivate itself: %s", r5_status_name (s_status (reply)));
    s_free (&reply);

    //  What the collections say, afterwards: the demotions held.
    reply = s_get (&as_owner, R5__RESOURCE_TYPE__RESOURCE_USERS, second->id);
    R5__User *after = s_user_of (reply);
    s_free (&reply);
    CHECK_MSG (after && after->role == R5__ROLE__ROLE_MEMBER && !after->active, "still a deactivated member");
    s_user_free (&after);
    reply = s_get (&as_owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team);
    CHECK_MSG (s_status (reply) == OK && reply->objects->n_teams == 1 && reply->objects->teams [0]->n_members == 1
            && !reply->objects->teams [0]->members [0]->team_admin, "the team stands, its one member no admin");
    s_free (&reply);

done:
    s_user_free (&member);
    s_user_free (&second);
    s_user_free (&owner);
}

//  Set (at > 0) or unset the delete mark of team id, as a delete under way would.
static void
s_mark_team (const char *uri, const char *id, int64_t at)
{
    mongoc_client_t *client = mongoc_client_new (uri);
    mongoc_collection_t *teams = mongoc_client_get_collection (client, "r5test", "teams");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id));
    bson_t *update = at ? BCON_NEW ("$set", "{", "deleting", BCON_DATE_TIME (at), "}")
                        : BCON_NEW ("$unset", "{", "deleting", BCON_UTF8 (""), "}");
    CHECK_MSG (mongoc_collection_update_one (teams, filter, update, NULL, NULL, NULL), "team marked");
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (teams);
    mongoc_client_destroy (client);
}

//  The members of team id an owner reads, -1 when the read fails.
static int
s_team_members (const s_who_t *who, const char *id)
{
    R5__ResourceReply *reply = s_get (who, R5__RESOURCE_TYPE__RESOURCE_TEAMS, id);
    int members = s_status (reply) == OK && reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS
                  && reply->objects->n_teams == 1 ? (int) reply->objects->teams [0]->n_members : -1;
    s_free (&reply);
    return members;
}

//  No membership changes while a delete of the team is under way: the
//  delete owes its events to the members it read when it marked the team,
//  so a member added after the mark would keep, in every gateway's cached
//  verdicts, a team that no longer exists. A stale mark (a delete that
//  died) holds nothing off.
static void
s_test_membership_during_delete (const char *uri)
{
    R5__User *owner = s_signup ("deleting-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "deleting-member@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *member = s_user_of (reply);
    s_free (&reply);
    reply = s_create_team (&as_owner, "Deleting team");
    char team [25];
    s_id_of (reply, team);
    s_free (&reply);
    CHECK_MSG (member && *team, "a member and a team");
    if (!member || !*team)
        goto done;
    reply = s_member (&as_owner, team, owner->id, false, true);
    CHECK (s_status (reply) == OK);
    s_free (&reply);

    s_mark_team (uri, team, r5_now_ms ());
    reply = s_member (&as_owner, team, member->id, true, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "no member added to a team being deleted: %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_member (&as_owner, team, owner->id, true, true);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "no admin flag given on a team being deleted: %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_member (&as_owner, team, owner->id, false, false);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_CONFLICT, "no member removed from a team being deleted: %s",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    CHECK_MSG (s_team_members (&as_owner, team) == 1, "the members the delete read");

    //  A delete that died long ago holds nothing off.
    s_mark_team (uri, team, r5_now_ms () - RESOURCE_DELETE_MARK_MS - 1000);
    reply = s_member (&as_owner, team, member->id, true, true);
    CHECK_MSG (s_status (reply) == OK, "a stale mark: added, %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    CHECK_MSG (s_team_members (&as_owner, team) == 2, "two members");

done:
    s_user_free (&member);
    s_user_free (&owner);
}

//  A team's delete also publishes the events its own document still owed
//  (a member's removal whose request died before publishing): the delete
//  takes the document that held them.
static void
s_test_delete_owes_team_entries (const char *uri)
{
    R5__User *owner = s_signup ("owed-delete-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "owed-delete-former@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *former = s_user_of (reply);
    s_free (&reply);
    reply = s_create_team (&as_owner, "Owed delete team");
    char team [25];
    s_id_of (reply, team);
    s_free (&reply);
    CHECK_MSG (former && *team, "a user and a team");
    if (!former || !*team)
        goto done;
    reply = s_member (&as_owner, team, former->id, false, true);
    CHECK (s_status (reply) == OK);
    s_free (&reply);
    reply = s_member (&as_owner, team, former->id, false, false);
    CHECK (s_status (reply) == OK);
    s_free (&reply);
    //  The removal's entry, as a request that died before its publish leaves it.
    mongoc_client_t *client = mongoc_client_new (uri);
    mongoc_collection_t *teams = mongoc_client_get_collection (client, "r5test", "teams");
    mongoc_collection_t *users = mongoc_client_get_collection (client, "r5test", "users");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (team));
    bson_t *update = BCON_NEW ("$push", "{", "facts_owed", "{", "user_id", BCON_UTF8 (former->id),
                               "at", BCON_DATE_TIME (r5_now_ms ()), "}", "}");
    CHECK_MSG (mongoc_collection_update_one (teams, filter, update, NULL, NULL, NULL), "an entry owed");
    bson_destroy (update);
    bson_destroy (filter);
    //  The events so far are not the delete's.
    zmsg_t *msg;
    while ((msg = zmsg_recv (s_events)))
        zmsg_destroy (&msg);

    reply = s_delete_team (&as_owner, team);
    CHECK_MSG (s_status (reply) == OK, "the team is deleted: %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    CHECK_MSG (s_event_for (former->id), "the delete publishes the event the team owed its former member");
    bson_t *owing = BCON_NEW ("_id", BCON_UTF8 (former->id), "facts_owed.at", "{", "$exists", BCON_BOOL (true), "}");
    CHECK_MSG (mongoc_collection_count_documents (users, owing, NULL, NULL, NULL, NULL) == 0,
               "and it is owed no more");
    bson_destroy (owing);
    mongoc_collection_destroy (users);
    mongoc_collection_destroy (teams);
    mongoc_client_destroy (client);

done:
    s_user_free (&former);
    s_user_free (&owner);
}

//  The entries a fact's change owes (resource_owed.h): a document keeps at
//  most RESOURCE_OWED_MAX, the newest, and a request pulls its own entry by
//  its nonce, leaving the others (another request's, written in the same
//  millisecond) in place.
static void
s_test_owed_entries (const char *uri)
{
    R5__User *owner = s_signup ("owed-entries-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "owed-entries@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *user = s_user_of (reply);
    s_free (&reply);
    CHECK_MSG (user, "a user");
    if (!user)
        goto done;
    mongoc_client_t *client = mongoc_client_new (uri);
    mongoc_collection_t *users = mongoc_client_get_collection (client, "r5test", "users");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (user->id));
    //  As many entries as a document keeps, owed by requests still running.
    bson_t update = BSON_INITIALIZER, push, field, each;
    int64_t at = r5_now_ms ();
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$push", &push);
    BSON_APPEND_DOCUMENT_BEGIN (&push, "facts_owed", &field);
    BSON_APPEND_ARRAY_BEGIN (&field, "$each", &each);
    for (int i = 0; i < RESOURCE_OWED_MAX; i++) {
        char key [16], nonce [25];
        const char *key_p;
        bson_uint32_to_string ((uint32_t) i, &key_p, key, sizeof key);
        snprintf (nonce, sizeof nonce, "%024d", i);
        bson_t entry;
        BSON_APPEND_DOCUMENT_BEGIN (&each, key_p, &entry);
        BSON_APPEND_DATE_TIME (&entry, "at", at);
        BSON_APPEND_UTF8 (&entry, "nonce", nonce);
        bson_append_document_end (&each, &entry);
    }
    bson_append_array_end (&field, &each);
    bson_append_document_end (&push, &field);
    bson_append_document_end (&update, &push);
    CHECK_MSG (mongoc_collection_update_one (users, filter, &update, NULL, NULL, NULL), "entries owed");
    bson_destroy (&update);

    reply = s_set_role (&as_owner, user->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status (reply) == OK, "a role change");
    s_free (&reply);
    //  Its entry pushed the oldest out, and its pull took its own only.
    bson_t *opts = BCON_NEW ("projection", "{", "facts_owed", BCON_INT32 (1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    const bson_t *doc;
    uint32_t kept = 0;
    bool oldest = false;
    if (mongoc_cursor_next (cursor, &doc)) {
        bson_iter_t iter, entries, nonce;
        if (bson_iter_init_find (&iter, doc, "facts_owed") && BSON_ITER_HOLDS_ARRAY (&iter)
        &&  bson_iter_recurse (&iter, &entries))
            while (bson_iter_next (&entries)) {
                kept++;
                if (BSON_ITER_HOLDS_DOCUMENT (&entries) && bson_iter_recurse (&entries, &nonce)
                &&  bson_iter_find (&nonce, "nonce") && BSON_ITER_HOLDS_UTF8 (&nonce))
                    oldest = oldest || streq (bson_iter_utf8 (&nonce, NULL), "000000000000000000000000");
            }
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    CHECK_MSG (kept == RESOURCE_OWED_MAX - 1 && !oldest,
               "the newest entries but its own are kept, at most %d: %u", RESOURCE_OWED_MAX, kept);
    //  Owed by no request: nothing for the sweepers to publish.
    bson_t *unset = BCON_NEW ("$unset", "{", "facts_owed", BCON_UTF8 (""), "}");
    CHECK (mongoc_collection_update_one (users, filter, unset, NULL, NULL, NULL));
    bson_destroy (unset);
    bson_destroy (filter);
    mongoc_collection_destroy (users);
    mongoc_client_destroy (client);

done:
    s_user_free (&user);
    s_user_free (&owner);
}

//  Drop the events published so far: the next ones are the test's.
static void
s_drain_events (void)
{
    zmsg_t *msg;
    while ((msg = zmsg_recv (s_events)))
        zmsg_destroy (&msg);
}

//  A change that changes nothing (a role set to the one the user has, a
//  member added again as it is) still publishes user.changed for its user
//  and waits for the gateways: the gateway resends such a request as
//  idempotent, and a copy landing while the first still waits for its write
//  concern must not be answered before the gateways dropped the verdicts
//  that carry the old facts.
static void
s_test_no_op_publishes (void)
{
    R5__User *owner = s_signup ("no-op-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "no-op-user@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *user = s_user_of (reply);
    s_free (&reply);
    reply = s_create_team (&as_owner, "No-op team");
    char team [25];
    s_id_of (reply, team);
    s_free (&reply);
    CHECK_MSG (user && *team, "a user and a team");
    if (!user || !*team)
        goto done;
    reply = s_set_role (&as_owner, user->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK (s_status (reply) == OK);
    s_free (&reply);
    reply = s_member (&as_owner, team, user->id, true, true);
    CHECK (s_status (reply) == OK);
    s_free (&reply);
    s_drain_events ();

    reply = s_set_role (&as_owner, user->id, R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status (reply) == OK, "the role it has: ok, %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    CHECK_MSG (s_event_for (user->id), "a role set to the one the user has publishes user.changed");
    reply = s_member (&as_owner, team, user->id, true, true);
    CHECK_MSG (s_status (reply) == OK, "the membership it has: ok, %s", r5_status_name (s_status (reply)));
    s_free (&reply);
    CHECK_MSG (s_event_for (user->id), "a member added again as it is publishes user.changed");

done:
    s_user_free (&user);
    s_user_free (&owner);
}

//  A gateway that is alive (every 20 ms, a currency bound of 0) and never
//  confirms an event, on an XPUB socket as a relay's output. Pipe commands:
//  "ENDPOINT" -> its endpoint; "SUBSCRIBED" -> "OK" once one more subscriber
//  has subscribed and heard three of its heartbeats since, "TIMEOUT" after 5 s.
static void
s_deaf_gateway_actor (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_t *xpub = zsock_new (ZMQ_XPUB);
    zsock_set_xpub_verbose (xpub, 1);          //  every subscriber's subscription, not only the first
    r5_curve_server (xpub, "r5.events.out");
    int port = zsock_bind (xpub, "tcp://127.0.0.1:*");
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, xpub, NULL);
    uint8_t alive [16] = { 0 };
    randombytes_buf (alive, 8);                //  its id; its bound (bytes 8-15): 0 ms
    int64_t next = zclock_mono ();
    int subscriptions = 0;                     //  heard, not yet awaited
    int beats = -1;                            //  heartbeats since the awaited one (-1: none yet)
    int64_t waiting_until = 0;                 //  while a SUBSCRIBED is unanswered
    while (true) {
        int64_t now = zclock_mono ();
        if (waiting_until && beats < 0 && subscriptions > 0) {
            subscriptions--;
            beats = 0;
        }
        if (now >= next) {
            zmsg_t *msg = zmsg_new ();
            zmsg_addstr (msg, R5_EVENTS_ALIVE_TOPIC);
            zmsg_addmem (msg, alive, sizeof alive);
            zmsg_send (&msg, xpub);
            next = now + 20;
            if (waiting_until && beats >= 0 && ++beats == 3) {
                zstr_send (pipe, "OK");
                waiting_until = 0;
            }
        }
        if (waiting_until && now >= waiting_until) {
            zstr_send (pipe, "TIMEOUT");
            waiting_until = 0;
        }
        void *which = zpoller_wait (poller, (int) (next > now ? next - now : 0));
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            if (command && streq (command, "ENDPOINT"))
                zstr_sendf (pipe, "tcp://127.0.0.1:%d", port);
            else
            if (command && streq (command, "SUBSCRIBED")) {
                waiting_until = zclock_mono () + 5000;
                beats = -1;
            }
            zstr_free (&command);
            if (term)
                break;
        }
        else
        if (which == xpub) {
            zframe_t *frame = zframe_recv (xpub);
            if (frame && zframe_size (frame) > 0 && zframe_data (frame) [0] == 1)
                subscriptions++;
            zframe_destroy (&frame);
        }
    }
    zpoller_destroy (&poller);
    zsock_destroy (&xpub);
}

//  An update of a user's role through state, as the gateway sends it, for who.
static R5__Status
s_handle_set_role (resource_server_t *state, const s_who_t *who, const char *id, R5__Role role)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateUserRoleRequest update = R5__UPDATE_USER_ROLE_REQUEST__INIT;
    update.id = (char *) id;
    update.role = role;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE;
    request.update_user_role = &update;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__Principal principal = R5__PRINCIPAL__INIT;
    r5_rpc_meta_init (&meta, "test", NULL, 5000);
    principal.user_id = (char *) who->user_id;
    principal.account_id = (char *) who->account_id;
    principal.kind = who->kind;
    meta.assertion = r5_assertion_issue (&s_keys.assertion_secret, &principal, "test", r5_now_ms (), 60000);
    request.meta = &meta;
    size_t size, reply_size;
    uint8_t *body = r5_rpc_pack (&request.base, &size);
    uint8_t *packed = resource_server_handle (state, R5_ROLE_GATEWAY, body, size, 0, &reply_size);
    R5__ResourceReply *reply = packed ? r5__resource_reply__unpack (NULL, reply_size, packed) : NULL;
    R5__Status status = s_status (reply);
    s_free (&reply);
    free (packed);
    free (body);
    r5__principal_assertion__free_unpacked (meta.assertion, NULL);
    return status;
}

//  The entries of user id's facts_owed dated at (any date when at is 0).
static int64_t
s_owed_of (mongoc_collection_t *users, const char *id, int64_t at)
{
    bson_t *filter = at ? BCON_NEW ("_id", BCON_UTF8 (id), RESOURCE_OWED_KEY ".at", BCON_DATE_TIME (at))
                        : BCON_NEW ("_id", BCON_UTF8 (id), RESOURCE_OWED_KEY ".at", "{", "$exists", BCON_BOOL (true), "}");
    int64_t n = mongoc_collection_count_documents (users, filter, NULL, NULL, NULL, NULL);
    bson_destroy (filter);
    return n;
}

//  An owed entry is settled (pulled) only once every live gateway confirmed
//  the event: when one did not within its bound, the entry stays for the
//  sweeper, by a request's pull as by the sweeper's own.
static void
s_test_unconfirmed_stays_owed (const resource_config_t *config, const char *uri)
{
    R5__User *owner = s_signup ("unconfirmed-owner@example.com");
    if (!owner)
        return;
    s_who_t as_owner = s_session (owner);
    R5__ResourceReply *reply = s_create_user (&as_owner, "unconfirmed@example.com", R5__ROLE__ROLE_MEMBER);
    R5__User *user = s_user_of (reply);
    s_free (&reply);
    CHECK_MSG (user, "a user");
    zactor_t *gateway = zactor_new (s_deaf_gateway_actor, NULL);
    zstr_send (gateway, "ENDPOINT");
    char *endpoint = zstr_recv (gateway);
    resource_config_t deaf_config = *config;
    deaf_config.events_publish = "";
    deaf_config.events_subscribe = endpoint;
    char error [256] = "";
    resource_server_t *state = user ? resource_server_new (&deaf_config, error, sizeof error) : NULL;
    CHECK_MSG (!user || state, "state: %s", error);
    mongoc_client_t *client = mongoc_client_new (uri);
    mongoc_collection_t *users = mongoc_client_get_collection (client, "r5test", "users");
    if (!state)
        goto done;
    zstr_send (gateway, "SUBSCRIBED");
    char *heard = zstr_recv (gateway);
    CHECK_MSG (heard && streq (heard, "OK"), "the request worker hears the gateway");
    zstr_free (&heard);

    //  A request: published, not confirmed.
    CHECK_MSG (s_handle_set_role (state, &as_owner, user->id, R5__ROLE__ROLE_ADMINISTRATOR) == OK, "a role change");
    CHECK_MSG (s_owed_of (users, user->id, 0) == 1, "its event, not confirmed, is still owed");

    //  A sweep: an entry dated ahead (no sweeper of this process takes it)
    //  swept as if that much later.
    int64_t at = r5_now_ms () + 600000;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (user->id));
    bson_t *update = BCON_NEW ("$push", "{", RESOURCE_OWED_KEY, "{", "at", BCON_DATE_TIME (at),
                               "nonce", BCON_UTF8 ("0123456789abcdef01234567"), "}", "}");
    CHECK (mongoc_collection_update_one (users, filter, update, NULL, NULL, NULL));
    bson_destroy (update);
    bson_destroy (filter);
    r5_mongo_t *mongo = r5_mongo_new (uri, "majority", error, sizeof error);
    r5_events_t *deaf = r5_events_new ("", endpoint);
    zstr_send (gateway, "SUBSCRIBED");
    heard = zstr_recv (gateway);
    CHECK_MSG (heard && streq (heard, "OK"), "the sweeper hears the gateway");
    zstr_free (&heard);
    resource_owed_sweep (mongo, deaf, at + RESOURCE_OWED_GRACE_MS + 1000);
    CHECK_MSG (s_owed_of (users, user->id, at) == 1, "a sweep not confirmed leaves the entry");
    //  With no gateway to wait for, the sweep settles it.
    r5_events_t *alone = r5_events_new ("", "");
    resource_owed_sweep (mongo, alone, at + RESOURCE_OWED_GRACE_MS + 1000);
    CHECK_MSG (s_owed_of (users, user->id, at) == 0, "a sweep confirmed pulls the entry");
    r5_events_destroy (&alone);
    r5_events_destroy (&deaf);
    r5_mongo_destroy (&mongo);

done:
    resource_server_destroy (&state);
    mongoc_collection_destroy (users);
    mongoc_client_destroy (client);
    zstr_free (&endpoint);
    zactor_destroy (&gateway);
    s_user_free (&user);
    s_user_free (&owner);
}

static R5__ResourceReply *
s_check_password (const char *email, const char *password)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CheckPasswordRequest check = R5__CHECK_PASSWORD_REQUEST__INIT;
    check.email = (char *) email;
    check.password = (char *) password;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD;
    request.check_password = &check;
    return s_call (NULL, &request);
}

//  A matching password answers the user with a proof for exactly that user;
//  a wrong one answers no proof.
static void
s_test_check_password (void)
{
    R5__User *owner = s_signup ("proof-owner@example.com");
    if (!owner)
        return;
    R5__ResourceReply *reply = s_check_password ("Proof-Owner@example.com", "correct horse battery");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USER,
               "check_password: ok");
    if (s_status (reply) == R5__STATUS__STATUS_OK) {
        const char *why = "";
        R5__PasswordProofClaims *claims = r5_password_proof_verify (&s_keys.proof_public, reply->password_proof,
                                                                    r5_now_ms (), &why);
        CHECK_MSG (claims && streq (claims->user_id, owner->id) && streq (claims->account_id, owner->account_id)
                && claims->expires_unix_ms - claims->issued_unix_ms == R5_PASSWORD_PROOF_TTL_MS,
                   "check_password answers a 30 s proof for the user: %s", why);
        if (claims)
            r5__password_proof_claims__free_unpacked (claims, NULL);
    }
    s_free (&reply);
    reply = s_check_password ("proof-owner@example.com", "wrong horse battery");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED && !reply->password_proof,
               "a wrong password: no proof");
    s_free (&reply);
    s_user_free (&owner);
}

//  Who may ask for what, by the roles the broker authenticated for the sender:
//  sign-in and everything done for a user is the gateway's, user lookups are
//  r5-token's. Called on the dispatch function directly, as the broker's
//  worker loop does.
static void
s_test_callers (const resource_config_t *config)
{
    char error [256];
    resource_server_t *state = resource_server_new (config, error, sizeof error);
    CHECK_MSG (state, "state: %s", error);
    if (!state)
        return;
    R5__ResourceRequest check_request = R5__RESOURCE_REQUEST__INIT;
    R5__CheckPasswordRequest check = R5__CHECK_PASSWORD_REQUEST__INIT;
    check.email = "nobody@example.com";
    check.password = "correct horse battery";
    check_request.body_case = R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD;
    check_request.check_password = &check;
    R5__ResourceRequest users_request = R5__RESOURCE_REQUEST__INIT;
    R5__GetUsersRequest users = R5__GET_USERS_REQUEST__INIT;
    users_request.body_case = R5__RESOURCE_REQUEST__BODY_GET_USERS;
    users_request.get_users = &users;
    const struct {
        R5__ResourceRequest *request;
        const char *caller;
        R5__Status status;
    } cases [] = {
        { &check_request, R5_ROLE_GATEWAY, R5__STATUS__STATUS_UNAUTHENTICATED },   //  heard: no such user
        { &check_request, R5_ROLE_TOKEN, R5__STATUS__STATUS_FORBIDDEN },
        { &check_request, R5_ROLE_INTERNAL, R5__STATUS__STATUS_FORBIDDEN },
        { &users_request, R5_ROLE_TOKEN, R5__STATUS__STATUS_OK },
        { &users_request, R5_ROLE_GATEWAY, R5__STATUS__STATUS_FORBIDDEN },
        { &users_request, R5_ROLE_INTERNAL "," R5_ROLE_AUTHZ, R5__STATUS__STATUS_FORBIDDEN },
    };
    for (size_t n = 0; n < sizeof cases / sizeof cases [0]; n++) {
        size_t size, reply_size;
        uint8_t *body = r5_rpc_pack (&cases [n].request->base, &size);
        uint8_t *packed = resource_server_handle (state, cases [n].caller, body, size, 0, &reply_size);
        R5__ResourceReply *reply = packed ? r5__resource_reply__unpack (NULL, reply_size, packed) : NULL;
        CHECK_MSG (s_status (reply) == cases [n].status, "%s from '%s'",
                   cases [n].request == &check_request ? "check_password" : "get_users", cases [n].caller);
        s_free (&reply);
        free (packed);
        free (body);
    }
    resource_server_destroy (&state);
}

//  check_password is bounded per email inside r5-resource (here 4 per hour):
//  past the bound RATE_LIMITED, even for the right password, with no proof;
//  another email is not affected; a right password gives its attempt back.
static void
s_test_password_throttle (void)
{
    R5__User *owner = s_signup ("throttled@example.com");
    R5__User *other = s_signup ("unthrottled@example.com");
    R5__ResourceReply *reply = s_check_password ("throttled@example.com", "correct horse battery");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK, "right password: ok, attempt given back");
    s_free (&reply);
    for (int i = 0; i < 4; i++) {
        reply = s_check_password ("Throttled@Example.com", "wrong horse battery");
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "wrong password %d: unauthenticated", i);
        s_free (&reply);
    }
    reply = s_check_password ("throttled@example.com", "correct horse battery");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_RATE_LIMITED && !reply->password_proof
            && reply->body_case == R5__RESOURCE_REPLY__BODY__NOT_SET, "fifth attempt: rate limited, no proof (%s)",
               r5_status_name (s_status (reply)));
    s_free (&reply);
    reply = s_check_password ("unthrottled@example.com", "correct horse battery");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->password_proof, "another email: ok");
    s_free (&reply);
    s_user_free (&owner);
    s_user_free (&other);
}

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    int port = r5_test_devmongo_start ("test_resource_service");
    if (port <= 0) {
        fprintf (stderr, "FAIL: cannot start the dev server (deploy/devmongo/r5-devmongo)\n");
        r5_test_devmongo_stop ();
        return 1;
    }
    char uri [256];
    snprintf (uri, sizeof uri, "mongodb://127.0.0.1:%d/r5test?serverSelectionTimeoutMS=3000", port);
    broker_config_t broker_config = { "tcp://127.0.0.1:*", r5_test_bus_keys (NULL) };
    zactor_t *broker = zactor_new (broker_actor, &broker_config);
    zstr_send (broker, "ENDPOINT");
    char *endpoint = zstr_recv (broker);
    //  The services publish to this socket as to a broker's relay: a CURVE server.
    s_events = zsock_new (ZMQ_SUB);
    r5_curve_server (s_events, "r5.events.in");
    int events_port = zsock_bind (s_events, "tcp://127.0.0.1:*");
    zsock_set_subscribe (s_events, "user.");
    zsock_set_rcvtimeo (s_events, 200);
    char events [64];
    snprintf (events, sizeof events, "tcp://127.0.0.1:%d", events_port);

    r5_test_keys_make (&s_keys);
    resource_config_t resource_config = {
        .mongodb_uri = uri, .mongodb_write_concern = "majority", .brokers = endpoint, .events_publish = events,
        .assertion_verify_key = s_keys.assertion_public, .password_proof_key = s_keys.proof_secret,
        .password_limit_per_email = { 4, 3600 },
    };
    authz_config_t authz_config = { .brokers = endpoint, .assertion_verify_key = s_keys.assertion_public };
    char error [256] = "";
    zactor_t *authz_actor = r5_service_start (authz_server_actor, &authz_config, error, sizeof error);
    zactor_t *resource_actor = r5_service_start (resource_server_actor, &resource_config, error, sizeof error);
    CHECK_MSG (authz_actor && resource_actor, "services start: %s", error);
    s_client = r5_client_new (endpoint);
    if (authz_actor && resource_actor
    &&  r5_test_wait_workers (broker, R5_SERVICE_AUTHZ) && r5_test_wait_workers (broker, R5_SERVICE_RESOURCE)) {
        //  A SUB socket sends its subscriptions to a new peer only when it is
        //  used: one (empty) wait lets it meet the resource's publisher.
        zmsg_t *nothing = zmsg_recv (s_events);
        zmsg_destroy (&nothing);
        s_test_everything (uri);
        s_test_transition_matrix (uri);
        s_test_oncall (uri);
        s_test_stored_format (uri);
        R5_TEST_RUN (s_test_forgeries);
        R5_TEST_RUN (s_test_check_password);
        R5_TEST_RUN (s_test_password_throttle);
        s_test_callers (&resource_config);
        s_test_principal_facts (&resource_config);
        R5_TEST_RUN (s_test_stale_facts_change_nothing);
        s_test_membership_during_delete (uri);
        s_test_delete_owes_team_entries (uri);
        s_test_owed_entries (uri);
        R5_TEST_RUN (s_test_no_op_publishes);
        s_test_unconfirmed_stays_owed (&resource_config, uri);
    }
    else
        CHECK_MSG (false, "workers did not register with the broker");

    r5_client_destroy (&s_client);
    zactor_destroy (&resource_actor);
    zactor_destroy (&authz_actor);
    zsock_destroy (&s_events);
    zstr_free (&endpoint);
    zactor_destroy (&broker);
    r5_test_devmongo_stop ();
    return r5_test_report ("test_resource_service");
}
