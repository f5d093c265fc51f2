/*  test_data_integrity: the stores' invariants under concurrency, failed
    writes and crash points, inside one process against the dev server with
    MongoDB's failCommand fail point (--enable-test-commands): the broker,
    r5-authz, two r5-resource instances (so that requests really run at
    once) and r5-token.

    A failed or dropped write stands for a crash at that point: what the
    store leaves behind is what a crashed instance would leave. */
#include <czmq.h>
#include "r5_test.h"
#include "r5_test_bus.h"
#include "r5_test_keys.h"
#include "r5_test_servers.h"
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <sodium.h>

#include "authz_server.h"
#include "broker.h"
#include "r5_assertion.h"
#include "r5_client.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5_service.h"
#include "resource_owed.h"
#include "resource_server.h"
#include "token_server.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"

#define OK R5__STATUS__STATUS_OK

static char *s_endpoint;                    //  the broker's
static char s_uri [256];
static r5_test_keys_t s_keys;               //  r5-token's assertion key, r5-resource's proof key
static mongoc_client_t *s_mongo;            //  the test's own connection (not appname "r5")

//  ---------------------------------------------------------------------------
//  The dev server, directly

static int64_t
s_count (const char *collection, bson_t *filter)
{
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", collection);
    bson_error_t error;
    int64_t n = mongoc_collection_count_documents (coll, filter, NULL, NULL, NULL, &error);
    CHECK_MSG (n >= 0, "count %s: %s", collection, error.message);
    mongoc_collection_destroy (coll);
    bson_destroy (filter);
    return n;
}

//  Arm failCommand for r5's own connections (appName "r5") with mode
//  {times: n} (n > 0) or {skip: -n} (n <= 0: every one after the first -n),
//  data as JSON without the appName; "off" when data_json is NULL.
static void
s_fail_point (int n, const char *data_json)
{
    bson_error_t error;
    bson_t *cmd;
    if (!data_json)
        cmd = BCON_NEW ("configureFailPoint", BCON_UTF8 ("failCommand"), "mode", BCON_UTF8 ("off"));
    else {
        bson_t *data = bson_new_from_json ((const uint8_t *) data_json, -1, &error);
        CHECK_MSG (data, "fail point data: %s", error.message);
        BSON_APPEND_UTF8 (data, "appName", "r5");
        cmd = BCON_NEW ("configureFailPoint", BCON_UTF8 ("failCommand"),
                        "mode", "{", n > 0 ? "times" : "skip", BCON_INT32 (n > 0 ? n : -n), "}",
                        "data", BCON_DOCUMENT (data));
        bson_destroy (data);
    }
    CHECK_MSG (mongoc_client_command_simple (s_mongo, "admin", cmd, NULL, NULL, &error),
               "configureFailPoint: %s", error.message);
    bson_destroy (cmd);
}

//  How many times the server has started `command` on r5test.<collection>.
static int64_t
s_started (const char *collection, const char *command)
{
    return r5_test_devmongo_started (s_mongo, "r5test", collection, command);
}

//  Wait (at most 5 s) until the server has started one more `command` on
//  collection than before: an r5 request is then inside it.
static bool
s_wait_started (const char *collection, const char *command, int64_t before)
{
    for (int i = 0; i < 500; i++) {
        if (s_started (collection, command) > before)
            return true;
        zclock_sleep (10);                  //  polling the server's counters, bounded (5 s)
    }
    return false;
}

//  ---------------------------------------------------------------------------
//  Calls as the gateway makes them

typedef struct {
    char user_id [25];
    char account_id [25];
} s_who_t;

static R5__ResourceReply *
s_call_with (r5_client_t *client, const s_who_t *who, R5__ResourceRequest *request)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__Principal principal = R5__PRINCIPAL__INIT;
    r5_rpc_meta_init (&meta, "test", NULL, 10000);
    if (who) {
        principal.user_id = (char *) who->user_id;
        principal.account_id = (char *) who->account_id;
        principal.kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;
        meta.assertion = r5_assertion_issue (&s_keys.assertion_secret, &principal, "test", r5_now_ms (), 60000);
    }
    request->meta = &meta;
    R5__Status status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (client, R5_SERVICE_RESOURCE, &request->base,
                                                                  &r5__resource_reply__descriptor, 10000, false,
                                                                  &status);
    request->meta = NULL;
    if (meta.assertion)
        r5__principal_assertion__free_unpacked (meta.assertion, NULL);
    CHECK_MSG (reply, "call answered: %s", r5_status_name (status));
    return reply;
}

static r5_client_t *s_client;

static R5__ResourceReply *
s_call (const s_who_t *who, R5__ResourceRequest *request)
{
    return s_call_with (s_client, who, request);
}

static R5__Status
s_status_free (R5__ResourceReply *reply)
{
    R5__Status status = reply ? reply->status : R5__STATUS__STATUS_UNAVAILABLE;
    if (reply)
        r5__resource_reply__free_unpacked (reply, NULL);
    return status;
}

//  The id of the one object a reply holds (a user signed up, or the first
//  object of any type), into out.
static bool
s_id_of (const R5__ResourceReply *reply, char out [25])
{
    *out = 0;
    if (!reply || reply->status)
        return false;
    if (reply->body_case == R5__RESOURCE_REPLY__BODY_USER)
        snprintf (out, 25, "%s", reply->user->id);
    else
    if (reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS) {
        const R5__Objects *o = reply->objects;
        const char *id = o->n_users ? o->users [0]->id : o->n_teams ? o->teams [0]->id
                       : o->n_schedules ? o->schedules [0]->id : o->n_contact_methods ? o->contact_methods [0]->id
                       : o->n_notification_rules ? o->notification_rules [0]->id : NULL;
        if (id)
            snprintf (out, 25, "%s", id);
    }
    return *out != 0;
}

//  A new account; who is its owner.
static s_who_t
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
    s_who_t who = { "", "" };
    CHECK_MSG (reply && reply->status == OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USER, "signup %s", email);
    if (reply && reply->status == OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USER) {
        snprintf (who.user_id, sizeof who.user_id, "%s", reply->user->id);
        snprintf (who.account_id, sizeof who.account_id, "%s", reply->user->account_id);
    }
    s_status_free (reply);
    return who;
}

//  A user of who's account with role; the new user as a caller.
static s_who_t
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
    R5__ResourceReply *reply = s_call (who, &request);
    s_who_t user = *who;
    CHECK_MSG (s_id_of (reply, user.user_id), "create user %s", email);
    s_status_free (reply);
    return user;
}

static R5__ResourceReply *
s_set_role_with (r5_client_t *client, const s_who_t *who, const char *id, R5__Role role)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__UpdateUserRoleRequest update = R5__UPDATE_USER_ROLE_REQUEST__INIT;
    update.id = (char *) id;
    update.role = role;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE;
    request.update_user_role = &update;
    return s_call_with (client, who, &request);
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

//  Active owners of an account, as stored.
static int64_t
s_owners (const char *account_id)
{
    return s_count ("users", BCON_NEW ("account_id", BCON_UTF8 (account_id), "role", BCON_UTF8 ("OWNER"),
                                       "active", BCON_BOOL (true)));
}

//  ---------------------------------------------------------------------------
//  At least one active owner per account

//  Every write of a demotion (and of a deactivation) of an account's only
//  owner fails in turn, from the k-th on, as if the instance died there:
//  the account never ends up without an active owner.
static void
s_test_last_owner_crash_points (void)
{
    for (int k = 0; k < 4; k++)
        for (int deactivate = 0; deactivate < 2; deactivate++) {
            char email [64];
            snprintf (email, sizeof email, "alone-%d-%d@example.com", k, deactivate);
            s_who_t owner = s_signup (email);
            //  The writes r5-resource may send: a crash stops them all from here.
            s_fail_point (-k, "{\"failCommands\": [\"insert\", \"update\", \"findAndModify\", \"delete\"], "
                              "\"errorCode\": 10107}");
            R5__ResourceReply *reply = deactivate ? s_set_active (&owner, owner.user_id, false)
                                                  : s_set_role_with (s_client, &owner, owner.user_id,
                                                                     R5__ROLE__ROLE_ADMINISTRATOR);
            s_fail_point (0, NULL);
            R5__Status status = s_status_free (reply);
            CHECK_MSG (status != OK, "the only owner cannot step down (writes fail from the %d-th)", k);
            CHECK_MSG (s_owners (owner.account_id) == 1,
                       "the account keeps its owner when writes fail from the %d-th (%s)", k,
                       deactivate ? "deactivation" : "demotion");
        }
}

typedef struct {
    s_who_t who;
    const char *target;
    R5__Status status;
} s_demotion_t;

static void *
s_demote (void *args)
{
    s_demotion_t *demotion = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    demotion->status = s_status_free (s_set_role_with (client, &demotion->who, demotion->target,
                                                       R5__ROLE__ROLE_MEMBER));
    r5_client_destroy (&client);
    return NULL;
}

//  Two owners demote each other at once, through two instances: one of
//  them stays an owner, every time.
static void
s_test_mutual_demotion (void)
{
    for (int round = 0; round < 8; round++) {
        char email [64];
        snprintf (email, sizeof email, "first-%d@example.com", round);
        s_who_t first = s_signup (email);
        snprintf (email, sizeof email, "second-%d@example.com", round);
        s_who_t second = s_create_user (&first, email, R5__ROLE__ROLE_OWNER);
        CHECK_MSG (s_owners (first.account_id) == 2, "two owners to start with");
        s_demotion_t a = { first, second.user_id, 0 }, b = { second, first.user_id, 0 };
        pthread_t ta, tb;
        pthread_create (&ta, NULL, s_demote, &a);
        pthread_create (&tb, NULL, s_demote, &b);
        pthread_join (ta, NULL);
        pthread_join (tb, NULL);
        CHECK_MSG (s_owners (first.account_id) >= 1, "round %d: an owner is left (%s, %s)", round,
                   r5_status_name (a.status), r5_status_name (b.status));
        CHECK_MSG (a.status == OK || b.status == OK, "round %d: one of the demotions went through", round);
    }
    //  The count follows real changes: an owner made, then taken away, then reactivated.
    s_who_t owner = s_signup ("counting@example.com");
    s_who_t admin = s_create_user (&owner, "counting-admin@example.com", R5__ROLE__ROLE_ADMINISTRATOR);
    CHECK_MSG (s_status_free (s_set_role_with (s_client, &owner, admin.user_id, R5__ROLE__ROLE_OWNER)) == OK,
               "an administrator is made an owner");
    CHECK_MSG (s_status_free (s_set_active (&admin, owner.user_id, false)) == OK, "the first owner is deactivated");
    CHECK_MSG (s_status_free (s_set_active (&admin, admin.user_id, false)) == R5__STATUS__STATUS_BAD_INPUT,
               "the last active owner cannot deactivate");
    CHECK_MSG (s_status_free (s_set_active (&admin, owner.user_id, true)) == OK, "the first owner is back");
    CHECK_MSG (s_status_free (s_set_role_with (s_client, &owner, admin.user_id, R5__ROLE__ROLE_MEMBER)) == OK,
               "with two active owners again, one can be demoted");
    CHECK_MSG (s_owners (owner.account_id) == 1, "one active owner left");
}

//  ---------------------------------------------------------------------------
//  Teams, schedules, contact methods

static R5__ResourceReply *
s_create_team (const s_who_t *who, const char *name)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateTeamRequest create = R5__CREATE_TEAM_REQUEST__INIT;
    create.name = (char *) name;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_TEAM;
    request.create_team = &create;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_add_member_with (r5_client_t *client, const s_who_t *who, const char *team, const char *user, bool admin)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__TeamMemberRequest member = R5__TEAM_MEMBER_REQUEST__INIT;
    member.team_id = (char *) team;
    member.user_id = (char *) user;
    member.team_admin = admin;
    request.body_case = R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER;
    request.add_team_member = &member;
    return s_call_with (client, who, &request);
}

static R5__ResourceReply *
s_create_schedule (const s_who_t *who, const char *team)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleRequest create = R5__CREATE_SCHEDULE_REQUEST__INIT;
    create.team_id = (char *) team;
    create.name = "Primary";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE;
    request.create_schedule = &create;
    return s_call (who, &request);
}

static R5__ResourceReply *
s_create_override_with (r5_client_t *client, const s_who_t *who, const char *schedule)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleOverrideRequest create = R5__CREATE_SCHEDULE_OVERRIDE_REQUEST__INIT;
    create.schedule_id = (char *) schedule;
    create.user_id = (char *) who->user_id;
    create.start_unix_ms = 1800000000000;
    create.end_unix_ms = 1800003600000;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE;
    request.create_schedule_override = &create;
    return s_call_with (client, who, &request);
}

static R5__ResourceReply *
s_delete_with (r5_client_t *client, const s_who_t *who, R5__ResourceType type, const char *id)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__DeleteObjectRequest delete_ = R5__DELETE_OBJECT_REQUEST__INIT;
    delete_.type = type;
    delete_.id = (char *) id;
    request.body_case = R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT;
    request.delete_object = &delete_;
    return s_call_with (client, who, &request);
}

//  The overrides a schedule stores, as stored.
static int64_t
s_overrides (const char *schedule)
{
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", "schedules");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (schedule));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, NULL, NULL);
    const bson_t *doc;
    int64_t n = -1;
    bson_iter_t iter, child;
    if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&iter, doc, "overrides")
    &&  BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &child))
        for (n = 0; bson_iter_next (&child); n++)
            ;
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    return n;
}

//  ---------------------------------------------------------------------------
//  The override cap

typedef struct {
    s_who_t who;
    const char *schedule;
    R5__Status status;
} s_override_t;

static void *
s_override (void *args)
{
    s_override_t *override = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    override->status = s_status_free (s_create_override_with (client, &override->who, override->schedule));
    r5_client_destroy (&client);
    return NULL;
}

//  Two overrides at once onto a schedule holding 499: both read 499 (their
//  pushes are held back until both have), one lands, the other is told the
//  schedule is full. The array never holds more than 500.
static void
s_test_override_cap (void)
{
    s_who_t owner = s_signup ("overrides@example.com");
    char team [25], schedule [25];
    R5__ResourceReply *reply = s_create_team (&owner, "Overrides");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    reply = s_create_schedule (&owner, team);
    CHECK_MSG (s_id_of (reply, schedule), "a schedule");
    s_status_free (reply);
    CHECK_MSG (s_status_free (s_create_override_with (s_client, &owner, schedule)) == OK, "a first override");
    //  498 more as stored, straight into the document.
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", "schedules");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (schedule));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, NULL, NULL);
    const bson_t *doc = NULL;
    bson_iter_t first, iter;
    bson_t update = BSON_INITIALIZER, push, each, items;
    CHECK_MSG (mongoc_cursor_next (cursor, &doc) && bson_iter_init (&first, doc)
               && bson_iter_find_descendant (&first, "overrides.0", &iter) && BSON_ITER_HOLDS_DOCUMENT (&iter),
               "the stored override");
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$push", &push);
    BSON_APPEND_DOCUMENT_BEGIN (&push, "overrides", &each);
    BSON_APPEND_ARRAY_BEGIN (&each, "$each", &items);
    for (int i = 0; i < 498; i++) {
        char key [16];
        snprintf (key, sizeof key, "%d", i);
        bson_append_iter (&items, key, -1, &iter);
    }
    bson_append_array_end (&each, &items);
    bson_append_document_end (&push, &each);
    bson_append_document_end (&update, &push);
    bson_error_t error;
    CHECK_MSG (mongoc_collection_update_one (coll, filter, &update, NULL, NULL, &error), "fill: %s", error.message);
    mongoc_cursor_destroy (cursor);
    bson_destroy (&update);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    CHECK_MSG (s_overrides (schedule) == 499, "499 overrides");

    s_fail_point (2, "{\"failCommands\": [\"findAndModify\"], \"blockConnection\": true, \"blockTimeMS\": 800}");
    s_override_t a = { owner, schedule, 0 }, b = { owner, schedule, 0 };
    pthread_t ta, tb;
    pthread_create (&ta, NULL, s_override, &a);
    pthread_create (&tb, NULL, s_override, &b);
    pthread_join (ta, NULL);
    pthread_join (tb, NULL);
    s_fail_point (0, NULL);
    CHECK_MSG (s_overrides (schedule) == 500, "the cap holds: %d overrides", (int) s_overrides (schedule));
    CHECK_MSG ((a.status == OK) + (b.status == OK) == 1, "one of two lands (%s, %s)",
               r5_status_name (a.status), r5_status_name (b.status));
    CHECK_MSG (a.status == R5__STATUS__STATUS_BAD_INPUT || b.status == R5__STATUS__STATUS_BAD_INPUT,
               "the other is told the schedule is full");
}

//  ---------------------------------------------------------------------------
//  A retry decides again

typedef struct {
    s_who_t who;
    const char *team, *user;
    R5__Status status;
} s_adding_t;

static void *
s_adding (void *args)
{
    s_adding_t *adding = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    adding->status = s_status_free (s_add_member_with (client, &adding->who, adding->team, adding->user, false));
    r5_client_destroy (&client);
    return NULL;
}

//  A team admin adds a member; while the write is on its way the admin
//  loses the flag (another change to the team). The version check fails,
//  and the retry, decided again on fresh facts, is refused.
static void
s_test_retry_decides_again (void)
{
    s_who_t owner = s_signup ("retry@example.com");
    s_who_t admin = s_create_user (&owner, "retry-admin@example.com", R5__ROLE__ROLE_MEMBER);
    s_who_t newcomer = s_create_user (&owner, "retry-new@example.com", R5__ROLE__ROLE_MEMBER);
    char team [25];
    R5__ResourceReply *reply = s_create_team (&owner, "Retry");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    CHECK_MSG (s_status_free (s_add_member_with (s_client, &owner, team, admin.user_id, true)) == OK,
               "the team has an admin");

    int64_t before = s_started ("teams", "findAndModify");
    s_fail_point (1, "{\"failCommands\": [\"findAndModify\"], \"blockConnection\": true, \"blockTimeMS\": 800}");
    s_adding_t adding = { admin, team, newcomer.user_id, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_adding, &adding);
    CHECK_MSG (s_wait_started ("teams", "findAndModify", before), "the admin's write is on its way");
    //  The owner's change, as another instance would write it.
    mongoc_collection_t *teams = mongoc_client_get_collection (s_mongo, "r5test", "teams");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (team), "members.user_id", BCON_UTF8 (admin.user_id));
    bson_t *update = BCON_NEW ("$set", "{", "members.$.team_admin", BCON_BOOL (false), "}",
                               "$inc", "{", "version", BCON_INT64 (1), "}");
    bson_error_t error;
    CHECK_MSG (mongoc_collection_update_one (teams, filter, update, NULL, NULL, &error), "demote: %s", error.message);
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    CHECK_MSG (adding.status == R5__STATUS__STATUS_FORBIDDEN, "the demoted admin's retry is refused: %s",
               r5_status_name (adding.status));
    CHECK_MSG (s_count ("teams", BCON_NEW ("_id", BCON_UTF8 (team), "members.user_id", BCON_UTF8 (newcomer.user_id))) == 0,
               "the newcomer was not added");
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (teams);
}

//  ---------------------------------------------------------------------------
//  Multi-step writes: dependents go first

//  Deleting a contact method deletes its rules; when the second delete
//  fails (a crash there), no rule is left pointing at a method that is gone.
static void
s_test_contact_method_delete_order (void)
{
    s_who_t owner = s_signup ("contacts@example.com");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateContactMethodRequest method = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    method.kind = R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_EMAIL;
    method.address = "pager@example.com";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &method;
    char method_id [25];
    R5__ResourceReply *reply = s_call (&owner, &request);
    CHECK_MSG (s_id_of (reply, method_id), "a contact method");
    s_status_free (reply);
    R5__CreateNotificationRuleRequest rule = R5__CREATE_NOTIFICATION_RULE_REQUEST__INIT;
    rule.contact_method_id = method_id;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE;
    request.create_notification_rule = &rule;
    CHECK_MSG (s_status_free (s_call (&owner, &request)) == OK, "a rule");

    s_fail_point (-1, "{\"failCommands\": [\"delete\"], \"errorCode\": 10107}");
    R5__Status status = s_status_free (s_delete_with (s_client, &owner,
                                                      R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, method_id));
    s_fail_point (0, NULL);
    CHECK_MSG (status != OK, "the delete failed half-way");
    int64_t methods = s_count ("contact_methods", BCON_NEW ("_id", BCON_UTF8 (method_id)));
    int64_t rules = s_count ("notification_rules", BCON_NEW ("contact_method_id", BCON_UTF8 (method_id)));
    CHECK_MSG (methods == 1 || rules == 0, "no rule outlives its method (%d methods, %d rules)", (int) methods,
               (int) rules);
    CHECK_MSG (s_status_free (s_delete_with (s_client, &owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS, method_id))
               == OK, "the delete, again, completes");
    CHECK_MSG (s_count ("notification_rules", BCON_NEW ("contact_method_id", BCON_UTF8 (method_id))) == 0,
               "and the rules are gone");
}

typedef struct {
    s_who_t who;
    const char *method;
    R5__Status status;
} s_ruling_t;

static void *
s_ruling (void *args)
{
    s_ruling_t *ruling = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateNotificationRuleRequest rule = R5__CREATE_NOTIFICATION_RULE_REQUEST__INIT;
    rule.contact_method_id = (char *) ruling->method;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE;
    request.create_notification_rule = &rule;
    ruling->status = s_status_free (s_call_with (client, &ruling->who, &request));
    r5_client_destroy (&client);
    return NULL;
}

//  A rule is created for a contact method while the method is deleted (the
//  rule's insert held back until the delete is done): no rule is left
//  pointing at a method that is gone.
static void
s_test_method_delete_races_rule (void)
{
    s_who_t owner = s_signup ("rulerace@example.com");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateContactMethodRequest method = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    method.kind = R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_EMAIL;
    method.address = "race@example.com";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &method;
    char method_id [25];
    R5__ResourceReply *reply = s_call (&owner, &request);
    CHECK_MSG (s_id_of (reply, method_id), "a contact method");
    s_status_free (reply);
    int64_t before = s_started ("notification_rules", "insert");
    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"blockConnection\": true, \"blockTimeMS\": 800}");
    s_ruling_t ruling = { owner, method_id, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_ruling, &ruling);
    CHECK_MSG (s_wait_started ("notification_rules", "insert", before), "the rule's insert is on its way");
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__Status deleted = s_status_free (s_delete_with (client, &owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS,
                                                       method_id));
    r5_client_destroy (&client);
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    int64_t methods = s_count ("contact_methods", BCON_NEW ("_id", BCON_UTF8 (method_id)));
    int64_t rules = s_count ("notification_rules", BCON_NEW ("contact_method_id", BCON_UTF8 (method_id)));
    CHECK_MSG (methods == 1 || rules == 0, "no rule outlives its method (delete %s, create %s, %d rules)",
               r5_status_name (deleted), r5_status_name (ruling.status), (int) rules);
    CHECK_MSG (deleted == OK || ruling.status == OK, "one of the two went through");
}

typedef struct {
    s_who_t who;
    const char *team;
    R5__Status status;
} s_scheduling_t;

static void *
s_scheduling (void *args)
{
    s_scheduling_t *scheduling = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleRequest create = R5__CREATE_SCHEDULE_REQUEST__INIT;
    create.team_id = (char *) scheduling->team;
    create.name = "Late";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE;
    request.create_schedule = &create;
    scheduling->status = s_status_free (s_call_with (client, &scheduling->who, &request));
    r5_client_destroy (&client);
    return NULL;
}

//  A schedule is created for a team while the team is deleted: the
//  schedule's insert is held back until the delete has counted the team's
//  schedules (none) and gone. Whatever the order, no schedule is left
//  owned by a team that is gone.
static void
s_test_team_delete_races_create (void)
{
    s_who_t owner = s_signup ("teamdelete@example.com");
    char team [25];
    R5__ResourceReply *reply = s_create_team (&owner, "Short-lived");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    int64_t before = s_started ("schedules", "insert");
    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"blockConnection\": true, \"blockTimeMS\": 800}");
    s_scheduling_t scheduling = { owner, team, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_scheduling, &scheduling);
    CHECK_MSG (s_wait_started ("schedules", "insert", before), "the schedule's insert is on its way");
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__Status deleted = s_status_free (s_delete_with (client, &owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team));
    r5_client_destroy (&client);
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    int64_t teams = s_count ("teams", BCON_NEW ("_id", BCON_UTF8 (team)));
    int64_t schedules = s_count ("schedules", BCON_NEW ("team_id", BCON_UTF8 (team)));
    CHECK_MSG (teams == 1 || schedules == 0, "no schedule outlives its team (delete %s, create %s, %d schedules)",
               r5_status_name (deleted), r5_status_name (scheduling.status), (int) schedules);
    CHECK_MSG (deleted == OK || scheduling.status == OK, "one of the two went through");
}

typedef struct {
    s_who_t who;
    const char *team;
    R5__Status status;
} s_team_delete_t;

static void *
s_team_deleting (void *args)
{
    s_team_delete_t *deleting = args;
    r5_client_t *client = r5_client_new (s_endpoint);
    deleting->status = s_status_free (s_delete_with (client, &deleting->who, R5__RESOURCE_TYPE__RESOURCE_TEAMS,
                                                     deleting->team));
    r5_client_destroy (&client);
    return NULL;
}

//  The deleting mark of team id, as stored (0: none).
static int64_t
s_team_mark (const char *id)
{
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", "teams");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, NULL, NULL);
    const bson_t *doc;
    int64_t mark = 0;
    bson_iter_t iter;
    if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&iter, doc, "deleting")
    &&  BSON_ITER_HOLDS_DATE_TIME (&iter))
        mark = bson_iter_date_time (&iter);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    return mark;
}

//  A team's delete that fails (the team still owns a schedule) takes back
//  its own delete mark only: a concurrent delete that marked the team after
//  it keeps its mark, which holds off membership changes and creates while
//  that delete runs.
static void
s_test_failed_delete_keeps_other_mark (void)
{
    s_who_t owner = s_signup ("deletemark@example.com");
    char team [25], schedule [25];
    R5__ResourceReply *reply = s_create_team (&owner, "Marked twice");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    reply = s_create_schedule (&owner, team);
    CHECK_MSG (s_id_of (reply, schedule), "a schedule it owns");
    s_status_free (reply);
    //  The delete's first command after its mark (the stale escalation
    //  policies' delete) is held while another delete marks the team.
    int64_t before = s_started ("escalation_policies", "delete");
    s_fail_point (1, "{\"failCommands\": [\"delete\"], \"blockConnection\": true, \"blockTimeMS\": 800}");
    s_team_delete_t deleting = { owner, team, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_team_deleting, &deleting);
    CHECK_MSG (s_wait_started ("escalation_policies", "delete", before), "the delete is past its mark");
    int64_t first = s_team_mark (team);
    int64_t other = first + 1;
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", "teams");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (team));
    bson_t *update = BCON_NEW ("$set", "{", "deleting", BCON_DATE_TIME (other), "}");
    CHECK (mongoc_collection_update_one (coll, filter, update, NULL, NULL, NULL));
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    CHECK_MSG (first != 0, "the delete marked the team");
    CHECK_MSG (deleting.status == R5__STATUS__STATUS_CONFLICT, "the team still owns a schedule: %s",
               r5_status_name (deleting.status));
    CHECK_MSG (s_team_mark (team) == other, "the other delete's mark is kept");
}

//  The id of the one document of collection whose key is value (read
//  directly), into out.
static bool
s_stored (const char *collection, const char *key, const char *value, char out [25])
{
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", collection);
    bson_t *filter = BCON_NEW (key, BCON_UTF8 (value));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, NULL, NULL);
    const bson_t *doc;
    bson_iter_t iter;
    *out = 0;
    if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&iter, doc, "_id") && BSON_ITER_HOLDS_UTF8 (&iter))
        snprintf (out, 25, "%s", bson_iter_utf8 (&iter, NULL));
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    return *out != 0;
}

//  How many objects of type (schedules or rules) who sees: by id (get) and
//  in the first page of the list.
static size_t
s_seen (const s_who_t *who, R5__ResourceType type, const char *id)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__GetObjectsRequest get = R5__GET_OBJECTS_REQUEST__INIT;
    char *ids [1] = { (char *) id };
    get.type = type;
    get.ids = ids;
    get.n_ids = 1;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_OBJECTS;
    request.get_objects = &get;
    R5__ResourceReply *reply = s_call (who, &request);
    size_t seen = reply && reply->objects ? reply->objects->n_schedules + reply->objects->n_notification_rules : 0;
    s_status_free (reply);
    R5__ListObjectsRequest list = R5__LIST_OBJECTS_REQUEST__INIT;
    list.type = type;
    list.first = 100;
    request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS;
    request.list_objects = &list;
    reply = s_call (who, &request);
    seen += reply && reply->objects ? reply->objects->n_schedules + reply->objects->n_notification_rules : 0;
    s_status_free (reply);
    return seen;
}

//  Once the intent of the pending document id of collection is made a
//  minute older, a sweeper (every 200 ms here) deletes it.
static void
s_check_swept (const char *collection, const char *id)
{
    CHECK_MSG (s_count (collection, BCON_NEW ("_id", BCON_UTF8 (id), "pending_check", "{", "$exists",
                                              BCON_BOOL (true), "}")) == 1, "the %s is pending", collection);
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", collection);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id));
    bson_t *update = BCON_NEW ("$set", "{", "pending_check", BCON_DATE_TIME (r5_now_ms () - 61000), "}");
    bson_error_t error;
    CHECK_MSG (mongoc_collection_update_one (coll, filter, update, NULL, NULL, &error), "%s", error.message);
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    int64_t left = 1;
    for (int i = 0; i < 100 && left; i++) {
        zclock_sleep (50);                  //  the sweeper runs in r5-resource's actor: poll, bounded (5 s)
        left = s_count (collection, BCON_NEW ("_id", BCON_UTF8 (id)));
    }
    CHECK_MSG (left == 0, "the sweeper deleted the %s", collection);
}

//  The one window of design.md §8 that a deleting mark leaves open: a
//  schedule's create inserts after the delete of its team has counted
//  (none) and gone, and dies before its check (the check and the take-back
//  fail, as a killed instance makes neither). The schedule of a team that
//  is gone must never be seen, and the sweeper must delete it once its
//  intent is older than RESOURCE_PENDING_MS.
static void
s_test_create_dies_before_check (void)
{
    s_who_t owner = s_signup ("diesbeforecheck@example.com");
    char team [25], schedule [25] = "";
    R5__ResourceReply *reply = s_create_team (&owner, "Gone");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    int64_t before = s_started ("schedules", "insert");
    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"blockConnection\": true, \"blockTimeMS\": 1500}");
    s_scheduling_t scheduling = { owner, team, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_scheduling, &scheduling);
    CHECK_MSG (s_wait_started ("schedules", "insert", before), "the schedule's insert is on its way");
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__Status deleted = s_status_free (s_delete_with (client, &owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team));
    r5_client_destroy (&client);
    //  The insert is still held back: from here on the create "crashes".
    s_fail_point (0, "{\"failCommands\": [\"aggregate\", \"update\", \"delete\"], \"closeConnection\": true}");
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    CHECK_MSG (deleted == OK, "the team's delete went through: %s", r5_status_name (deleted));
    CHECK_MSG (scheduling.status != OK, "the create did not: %s", r5_status_name (scheduling.status));
    CHECK_MSG (s_stored ("schedules", "team_id", team, schedule), "the dead create left its schedule behind");
    CHECK_MSG (s_seen (&owner, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, schedule) == 0,
               "nobody sees the schedule of a team that is gone");
    s_check_swept ("schedules", schedule);
}

//  The same for a notification rule whose contact method is deleted.
static void
s_test_rule_dies_before_check (void)
{
    s_who_t owner = s_signup ("ruledies@example.com");
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateContactMethodRequest method = R5__CREATE_CONTACT_METHOD_REQUEST__INIT;
    method.kind = R5__CONTACT_METHOD_KIND__CONTACT_METHOD_KIND_EMAIL;
    method.address = "dies@example.com";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD;
    request.create_contact_method = &method;
    char method_id [25], rule [25] = "";
    R5__ResourceReply *reply = s_call (&owner, &request);
    CHECK_MSG (s_id_of (reply, method_id), "a contact method");
    s_status_free (reply);
    int64_t before = s_started ("notification_rules", "insert");
    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"blockConnection\": true, \"blockTimeMS\": 1500}");
    s_ruling_t ruling = { owner, method_id, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_ruling, &ruling);
    CHECK_MSG (s_wait_started ("notification_rules", "insert", before), "the rule's insert is on its way");
    r5_client_t *client = r5_client_new (s_endpoint);
    R5__Status deleted = s_status_free (s_delete_with (client, &owner, R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS,
                                                       method_id));
    r5_client_destroy (&client);
    s_fail_point (0, "{\"failCommands\": [\"aggregate\", \"update\", \"delete\"], \"closeConnection\": true}");
    pthread_join (thread, NULL);
    s_fail_point (0, NULL);
    CHECK_MSG (deleted == OK, "the method's delete went through: %s", r5_status_name (deleted));
    CHECK_MSG (ruling.status != OK, "the create did not: %s", r5_status_name (ruling.status));
    CHECK_MSG (s_stored ("notification_rules", "contact_method_id", method_id, rule), "the dead create left its rule");
    CHECK_MSG (s_seen (&owner, R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES, rule) == 0,
               "nobody sees the rule of a method that is gone");
    s_check_swept ("notification_rules", rule);
}

//  A schedule create with an Idempotency-Key, as the gateway sends it.
static R5__Status
s_keyed_schedule (const s_who_t *who, const char *team, const char *key)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateScheduleRequest create = R5__CREATE_SCHEDULE_REQUEST__INIT;
    create.team_id = (char *) team;
    create.name = "Keyed";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE;
    request.create_schedule = &create;
    request.idempotency_key = (char *) key;
    return s_status_free (s_call (who, &request));
}

//  A keyed create dies before its confirmation while its team lives on: the
//  schedule stays unseen until the client's retry with the same key
//  completes it (checks the team, confirms), once.
static void
s_test_retry_completes_pending (void)
{
    s_who_t owner = s_signup ("retrycompletes@example.com");
    char team [25], schedule [25] = "";
    R5__ResourceReply *reply = s_create_team (&owner, "Lives");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    //  It dies between its check and its confirmation (the update is never applied).
    s_fail_point (1, "{\"failCommands\": [\"update\"], \"closeConnection\": true}");
    R5__Status first = s_keyed_schedule (&owner, team, "retry-completes-1");
    s_fail_point (0, NULL);
    CHECK_MSG (first != OK, "the first create died: %s", r5_status_name (first));
    CHECK_MSG (s_stored ("schedules", "team_id", team, schedule), "it left its schedule behind");
    CHECK_MSG (s_seen (&owner, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, schedule) == 0, "unseen before the retry");
    CHECK_MSG (s_keyed_schedule (&owner, team, "retry-completes-1") == OK, "the retry answers the schedule");
    CHECK_MSG (s_seen (&owner, R5__RESOURCE_TYPE__RESOURCE_SCHEDULES, schedule) == 2, "seen after it (get and list)");
    CHECK_MSG (s_count ("schedules", BCON_NEW ("team_id", BCON_UTF8 (team))) == 1, "one schedule");
    CHECK_MSG (s_count ("schedules", BCON_NEW ("team_id", BCON_UTF8 (team), "pending_check", "{", "$exists",
                                               BCON_BOOL (true), "}")) == 0, "confirmed");
}

//  ---------------------------------------------------------------------------
//  Incidents stored by older versions: notes and history embedded

//  An ObjectId string of the second at_ms, as the old code's note ids were.
static void
s_old_id (int64_t at_ms, char out [25])
{
    bson_oid_t oid;
    bson_oid_init (&oid, NULL);
    uint32_t seconds = (uint32_t) (at_ms / 1000);
    oid.bytes [0] = (uint8_t) (seconds >> 24);
    oid.bytes [1] = (uint8_t) (seconds >> 16);
    oid.bytes [2] = (uint8_t) (seconds >> 8);
    oid.bytes [3] = (uint8_t) seconds;
    bson_oid_to_string (&oid, out);
}

//  Whether the incident id still holds an embedded notes or history array.
static bool
s_embedded (const char *id)
{
    return s_count ("incidents", BCON_NEW ("_id", BCON_UTF8 (id), "$or", "[",
                                           "{", "notes", "{", "$exists", BCON_BOOL (true), "}", "}",
                                           "{", "history", "{", "$exists", BCON_BOOL (true), "}", "}", "]")) > 0;
}

//  A page of the incident's notes as who, after the cursor after ("" first).
static R5__ResourceReply *
s_notes_page (const s_who_t *who, const char *incident, int first, const char *after)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__ListIncidentNotesRequest list = R5__LIST_INCIDENT_NOTES_REQUEST__INIT;
    list.incident_id = (char *) incident;
    list.first = first;
    list.after = (char *) after;
    request.body_case = R5__RESOURCE_REQUEST__BODY_LIST_INCIDENT_NOTES;
    request.list_incident_notes = &list;
    return s_call (who, &request);
}

//  An incident as older versions stored it (its notes and assignment
//  history in arrays of the incident, nothing in incident_history) is moved
//  by the sweepers of both instances: while every unset fails (a crash
//  between the inserts and the unset, again and again) the entries are
//  written once and the arrays stay; then the arrays go, the notes page in
//  their order before a note added since, the history is there in order,
//  and later passes change nothing.
static void
s_test_old_incident_migrated (void)
{
    s_who_t owner = s_signup ("oldincident@example.com");
    char team [25], incident [25] = "";
    R5__ResourceReply *reply = s_create_team (&owner, "Old");
    CHECK_MSG (s_id_of (reply, team), "a team");
    s_status_free (reply);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CreateIncidentRequest create = R5__CREATE_INCIDENT_REQUEST__INIT;
    create.title = "stored long ago";
    create.description = "";
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_INCIDENT;
    request.create_incident = &create;
    reply = s_call (&owner, &request);
    CHECK_MSG (reply && reply->status == OK && reply->objects && reply->objects->n_incidents == 1, "an incident");
    if (reply && reply->status == OK && reply->objects && reply->objects->n_incidents == 1)
        snprintf (incident, sizeof incident, "%s", reply->objects->incidents [0]->id);
    s_status_free (reply);
    //  A note added by this version, before the old ones are moved.
    R5__AddIncidentNoteRequest note = R5__ADD_INCIDENT_NOTE_REQUEST__INIT;
    note.id = incident;
    note.body = "new note";
    request.body_case = R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE;
    request.add_incident_note = &note;
    CHECK_MSG (s_status_free (s_call (&owner, &request)) == OK, "a new note");

    //  Every unset of r5's fails from now on: a crash after the inserts.
    s_fail_point (0, "{\"failCommands\": [\"update\"], \"errorCode\": 10107}");
    int64_t now = r5_now_ms ();
    int64_t at [3] = { now - 3000000, now - 2000000, now - 1000000 };
    char ids [3][25];
    for (int i = 0; i < 3; i++)
        s_old_id (at [i], ids [i]);
    mongoc_collection_t *coll = mongoc_client_get_collection (s_mongo, "r5test", "incident_history");
    bson_t *filter = BCON_NEW ("incident_id", BCON_UTF8 (incident));
    bson_error_t error;
    CHECK_MSG (mongoc_collection_delete_many (coll, filter, NULL, NULL, &error), "%s", error.message);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);
    //  The shapes the old code pushed: notes {id, body, author_id,
    //  created_at}, history {team_ids, user_ids, by, at}; two entries in one
    //  second keep their array order.
    coll = mongoc_client_get_collection (s_mongo, "r5test", "incidents");
    int64_t before = s_started ("incidents", "update");
    filter = BCON_NEW ("_id", BCON_UTF8 (incident));
    bson_t *update = BCON_NEW ("$set", "{",
        "notes", "[",
            "{", "id", BCON_UTF8 (ids [0]), "body", BCON_UTF8 ("old note 1"), "author_id", BCON_UTF8 (owner.user_id),
                 "created_at", BCON_DATE_TIME (at [0]), "}",
            "{", "id", BCON_UTF8 (ids [1]), "body", BCON_UTF8 ("old note 2"), "author_id", BCON_UTF8 (owner.user_id),
                 "created_at", BCON_DATE_TIME (at [1]), "}",
            "{", "id", BCON_UTF8 (ids [2]), "body", BCON_UTF8 ("old note 3"), "author_id", BCON_UTF8 (owner.user_id),
                 "created_at", BCON_DATE_TIME (at [2]), "}", "]",
        "history", "[",
            "{", "team_ids", "[", "]", "user_ids", "[", "]", "by", BCON_UTF8 (owner.user_id),
                 "at", BCON_DATE_TIME (at [0] - at [0] % 1000 + 900), "}",
            "{", "team_ids", "[", BCON_UTF8 (team), "]", "user_ids", "[", BCON_UTF8 (owner.user_id), "]",
                 "by", BCON_UTF8 (owner.user_id), "at", BCON_DATE_TIME (at [0] - at [0] % 1000 + 950), "}", "]",
        "}");
    CHECK_MSG (mongoc_collection_update_one (coll, filter, update, NULL, NULL, &error), "%s", error.message);
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);

    int64_t notes = 0, entries = 0;
    for (int i = 0; i < 200 && (notes < 4 || entries < 2 || s_started ("incidents", "update") < before + 6); i++) {
        zclock_sleep (25);                  //  the sweepers' passes: poll, bounded (5 s)
        notes = s_count ("incident_notes", BCON_NEW ("incident_id", BCON_UTF8 (incident)));
        entries = s_count ("incident_history", BCON_NEW ("incident_id", BCON_UTF8 (incident)));
    }
    CHECK_MSG (notes == 4 && entries == 2, "the old entries moved once while the unset fails: %lld notes, %lld entries",
               (long long) notes, (long long) entries);
    CHECK_MSG (s_started ("incidents", "update") >= before + 6, "the sweepers tried the unset again and again");
    CHECK_MSG (s_embedded (incident), "the arrays stay while the unset fails");

    s_fail_point (0, NULL);
    for (int i = 0; i < 200 && s_embedded (incident); i++)
        zclock_sleep (25);                  //  the sweepers' passes: poll, bounded (5 s)
    CHECK_MSG (!s_embedded (incident), "the arrays are gone");
    CHECK_MSG (s_count ("incident_notes", BCON_NEW ("incident_id", BCON_UTF8 (incident))) == 4
            && s_count ("incident_history", BCON_NEW ("incident_id", BCON_UTF8 (incident))) == 2, "no duplicates");

    //  The notes connection: the old ones in order, with their ids, then the new one.
    reply = s_notes_page (&owner, incident, 2, "");
    const R5__Objects *o = reply && reply->status == OK ? reply->objects : NULL;
    CHECK_MSG (o && o->n_incident_notes == 2 && o->has_next_page, "a first page of two");
    char cursor [64] = "";
    for (size_t i = 0; o && i < o->n_incident_notes && i < 2; i++) {
        char body [16];
        snprintf (body, sizeof body, "old note %zu", i + 1);
        CHECK_MSG (streq (o->incident_notes [i]->id, ids [i]) && streq (o->incident_notes [i]->body, body)
                   && streq (o->incident_notes [i]->author_id, owner.user_id)
                   && o->incident_notes [i]->created_at_unix_ms == at [i], "note %zu is %s: %s", i, body,
                   o->incident_notes [i]->body);
        snprintf (cursor, sizeof cursor, "%s", o->end_cursor);
    }
    s_status_free (reply);
    reply = s_notes_page (&owner, incident, 10, cursor);
    o = reply && reply->status == OK ? reply->objects : NULL;
    CHECK_MSG (o && o->n_incident_notes == 2 && !o->has_next_page
               && streq (o->incident_notes [0]->body, "old note 3") && streq (o->incident_notes [0]->id, ids [2])
               && streq (o->incident_notes [1]->body, "new note"), "then the third old note, then the new one");
    s_status_free (reply);

    //  The history, by _id: the two entries in their order and shape.
    coll = mongoc_client_get_collection (s_mongo, "r5test", "incident_history");
    filter = BCON_NEW ("incident_id", BCON_UTF8 (incident));
    bson_t *opts = BCON_NEW ("sort", "{", "_id", BCON_INT32 (1), "}");
    mongoc_cursor_t *found = mongoc_collection_find_with_opts (coll, filter, opts, NULL);
    const bson_t *doc;
    int n = 0;
    while (mongoc_cursor_next (found, &doc)) {
        bson_iter_t iter, teams;
        int64_t when = bson_iter_init_find (&iter, doc, "at") ? bson_iter_date_time (&iter) : 0;
        uint32_t n_teams = 0;
        if (bson_iter_init_find (&iter, doc, "team_ids") && bson_iter_recurse (&iter, &teams))
            while (bson_iter_next (&teams))
                n_teams++;
        CHECK_MSG (when == at [0] - at [0] % 1000 + (n ? 950 : 900) && n_teams == (uint32_t) n
                   && bson_iter_init_find (&iter, doc, "by") && streq (bson_iter_utf8 (&iter, NULL), owner.user_id)
                   && bson_iter_init_find (&iter, doc, "account_id")
                   && streq (bson_iter_utf8 (&iter, NULL), owner.account_id), "history entry %d in order and shape", n);
        n++;
    }
    CHECK_MSG (n == 2, "two history entries: %d", n);
    mongoc_cursor_destroy (found);
    bson_destroy (opts);
    bson_destroy (filter);
    mongoc_collection_destroy (coll);

    //  Later passes of both instances find nothing to move.
    int64_t passes = s_started ("incidents", "find"), inserts = s_started ("incident_notes", "insert")
          + s_started ("incident_history", "insert");
    for (int i = 0; i < 200 && s_started ("incidents", "find") < passes + 4; i++)
        zclock_sleep (25);                  //  the sweepers' passes: poll, bounded (5 s)
    CHECK_MSG (s_started ("incidents", "find") >= passes + 4, "the sweepers passed again");
    CHECK_MSG (s_started ("incident_notes", "insert") + s_started ("incident_history", "insert") == inserts
               && s_count ("incident_notes", BCON_NEW ("incident_id", BCON_UTF8 (incident))) == 4
               && s_count ("incident_history", BCON_NEW ("incident_id", BCON_UTF8 (incident))) == 2,
               "a second sweep changes nothing");
}

//  ---------------------------------------------------------------------------
//  Token changes and their audit entries cannot come apart

static R5__TokenReply *
s_token_call (const s_who_t *who, R5__TokenRequest *request)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__Principal principal = R5__PRINCIPAL__INIT;
    r5_rpc_meta_init (&meta, "test", NULL, 10000);
    principal.user_id = (char *) who->user_id;
    principal.account_id = (char *) who->account_id;
    principal.kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;
    meta.assertion = r5_assertion_issue (&s_keys.assertion_secret, &principal, "test", r5_now_ms (), 60000);
    request->meta = &meta;
    R5__Status status;
    R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (s_client, R5_SERVICE_TOKEN, &request->base,
                                                            &r5__token_reply__descriptor, 10000, false, &status);
    request->meta = NULL;
    r5__principal_assertion__free_unpacked (meta.assertion, NULL);
    CHECK_MSG (reply, "token call answered: %s", r5_status_name (status));
    return reply;
}

static R5__Status
s_token_status_free (R5__TokenReply *reply)
{
    R5__Status status = reply ? reply->status : R5__STATUS__STATUS_UNAVAILABLE;
    if (reply)
        r5__token_reply__free_unpacked (reply, NULL);
    return status;
}

//  A new token of who's, its id into id.
static R5__Status
s_token_create (const s_who_t *who, char id [25])
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    R5__Scope scopes [1] = { R5__SCOPE__SCOPE_INCIDENTS_READ };
    create.description = "ci";
    create.scopes = scopes;
    create.n_scopes = 1;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    R5__TokenReply *reply = s_token_call (who, &request);
    *id = 0;
    if (reply && reply->status == OK && reply->body_case == R5__TOKEN_REPLY__BODY_ISSUED)
        snprintf (id, 25, "%s", reply->issued->token->id);
    return s_token_status_free (reply);
}

static R5__Status
s_token_update (const s_who_t *who, const char *id, const char *description)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    update.id = (char *) id;
    update.description_present_case = R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    update.description = (char *) description;
    request.body_case = R5__TOKEN_REQUEST__BODY_UPDATE;
    request.update = &update;
    return s_token_status_free (s_token_call (who, &request));
}

//  regenerate, delete or get by id.
static R5__Status
s_token_by_id (const s_who_t *who, R5__TokenRequest__BodyCase which, const char *id)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__GetTokenRequest get = R5__GET_TOKEN_REQUEST__INIT;
    R5__RegenerateTokenRequest regenerate = R5__REGENERATE_TOKEN_REQUEST__INIT;
    R5__DeleteTokenRequest delete_ = R5__DELETE_TOKEN_REQUEST__INIT;
    get.id = regenerate.id = delete_.id = (char *) id;
    request.body_case = which;
    request.get = &get;
    if (which == R5__TOKEN_REQUEST__BODY_REGENERATE)
        request.regenerate = &regenerate;
    if (which == R5__TOKEN_REQUEST__BODY_DELETE)
        request.delete_ = &delete_;
    return s_token_status_free (s_token_call (who, &request));
}

//  Whether the token's audit trail, as its owner reads it, has an event of type.
static bool
s_token_trail_has (const s_who_t *who, const char *id, const char *type)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__ListTokenEventsRequest list = R5__LIST_TOKEN_EVENTS_REQUEST__INIT;
    list.id = (char *) id;
    list.first = 100;
    request.body_case = R5__TOKEN_REQUEST__BODY_LIST_EVENTS;
    request.list_events = &list;
    R5__TokenReply *reply = s_token_call (who, &request);
    bool found = false;
    if (reply && reply->status == OK && reply->body_case == R5__TOKEN_REPLY__BODY_EVENTS)
        for (size_t i = 0; i < reply->events->n_events; i++)
            found = found || streq (reply->events->events [i]->type, type);
    s_token_status_free (reply);
    return found;
}

//  Each change of a token whose audit insert fails (a crash before it) still
//  has its entry in the trail the owner reads; a deleted token is gone and
//  its "deleted" entry written.
static void
s_test_token_audit (void)
{
    s_who_t owner = s_signup ("tokens@example.com");
    char id [25];
    //  create: the token's insert, then the entry's, which fails.
    s_fail_point (-1, "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}");
    R5__Status status = s_token_create (&owner, id);
    s_fail_point (0, NULL);
    CHECK_MSG (status == OK && *id, "the token is created: %s", r5_status_name (status));
    CHECK_MSG (s_token_trail_has (&owner, id, "created"), "its creation is in the trail");

    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}");
    status = s_token_update (&owner, id, "deploys");
    CHECK_MSG (status == OK, "the token is updated: %s", r5_status_name (status));
    CHECK_MSG (s_token_trail_has (&owner, id, "updated"), "its update is in the trail");

    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}");
    status = s_token_by_id (&owner, R5__TOKEN_REQUEST__BODY_REGENERATE, id);
    CHECK_MSG (status == OK, "the token is regenerated: %s", r5_status_name (status));
    CHECK_MSG (s_token_trail_has (&owner, id, "regenerated"), "its regeneration is in the trail");

    //  The entry written, the settling write fails: written once, settled later.
    s_fail_point (1, "{\"failCommands\": [\"update\"], \"errorCode\": 10107}");
    CHECK_MSG (s_token_update (&owner, id, "builds") == OK, "a second update");
    CHECK_MSG (s_token_trail_has (&owner, id, "updated"), "in the trail");
    CHECK_MSG (s_count ("token_audit", BCON_NEW ("token_id", BCON_UTF8 (id), "type", BCON_UTF8 ("updated"))) == 2,
               "each update has one entry");
    CHECK_MSG (s_count ("tokens", BCON_NEW ("_id", BCON_UTF8 (id), "audit_pending", "{", "$exists", BCON_BOOL (true), "}"))
               == 0, "the token owes nothing once its trail is read");

    s_fail_point (1, "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}");
    status = s_token_by_id (&owner, R5__TOKEN_REQUEST__BODY_DELETE, id);
    CHECK_MSG (status == OK, "the token is deleted: %s", r5_status_name (status));
    CHECK_MSG (s_token_by_id (&owner, R5__TOKEN_REQUEST__BODY_GET, id) == R5__STATUS__STATUS_NOT_FOUND,
               "a deleted token is not found");
    //  Reading the trail of a token that is gone completes its debts too.
    CHECK_MSG (!s_token_trail_has (&owner, id, "deleted"), "its trail is not readable any more");
    CHECK_MSG (s_count ("token_audit", BCON_NEW ("token_id", BCON_UTF8 (id), "type", BCON_UTF8 ("deleted"))) == 1,
               "its deletion has its entry");
    CHECK_MSG (s_count ("tokens", BCON_NEW ("_id", BCON_UTF8 (id))) == 0, "and the token is removed");
}

//  ---------------------------------------------------------------------------
//  The events a fact's change owes (resource_owed.h)

//  How many events the document id of collection still owes.
static int64_t
s_owing (const char *collection, const char *id)
{
    return s_count (collection, BCON_NEW ("_id", BCON_UTF8 (id),
                                          RESOURCE_OWED_KEY ".at", "{", "$exists", BCON_BOOL (true), "}"));
}

//  A change whose event is published and confirmed owes nothing. When the
//  instance dies after the write (here: every write after it fails, so the
//  entry is never pulled), the entry stays, and a sweeper publishes and pulls
//  it once it is older than the grace: a role change (the user's document),
//  a member added (the team's), a team deleted (its members' documents,
//  written before the delete).
static void
s_test_owed_events (void)
{
    s_who_t owner = s_signup ("owed@example.com");
    s_who_t member = s_create_user (&owner, "owed-member@example.com", R5__ROLE__ROLE_MEMBER);
    s_who_t other = s_create_user (&owner, "owed-other@example.com", R5__ROLE__ROLE_MEMBER);
    char team [25] = "";
    R5__ResourceReply *reply = s_create_team (&owner, "Owed");
    s_id_of (reply, team);
    s_status_free (reply);
    CHECK_MSG (*team, "a team is created");
    CHECK_MSG (s_status_free (s_set_role_with (s_client, &owner, member.user_id, R5__ROLE__ROLE_ADMINISTRATOR)) == OK,
               "a role is changed");
    CHECK_MSG (s_owing ("users", member.user_id) == 0, "a role change whose event is published owes nothing");
    CHECK_MSG (s_status_free (s_add_member_with (s_client, &owner, team, other.user_id, false)) == OK,
               "a member is added");
    CHECK_MSG (s_owing ("teams", team) == 0, "a membership change whose event is published owes nothing");

    int64_t started = r5_now_ms ();
    //  The write lands; the pull after the event (the only update) fails.
    s_fail_point (1, "{\"failCommands\": [\"update\"], \"errorCode\": 10107}");
    CHECK_MSG (s_status_free (s_set_active (&owner, member.user_id, false)) == OK, "a user is deactivated");
    s_fail_point (0, NULL);
    CHECK_MSG (s_owing ("users", member.user_id) == 1, "the deactivation owes its event while not pulled");
    s_fail_point (1, "{\"failCommands\": [\"update\"], \"errorCode\": 10107}");
    CHECK_MSG (s_status_free (s_add_member_with (s_client, &owner, team, member.user_id, true)) == OK,
               "a member is added");
    s_fail_point (0, NULL);
    CHECK_MSG (s_owing ("teams", team) == 1, "the membership change owes its event while not pulled");
    //  A team's delete: its mark (a findAndModify, which reads the members
    //  it owes) and the members' entries (one update) are written, the team
    //  deleted; the pull fails.
    s_fail_point (-1, "{\"failCommands\": [\"update\"], \"errorCode\": 10107}");
    CHECK_MSG (s_status_free (s_delete_with (s_client, &owner, R5__RESOURCE_TYPE__RESOURCE_TEAMS, team)) == OK,
               "the team is deleted");
    s_fail_point (0, NULL);
    CHECK_MSG (s_count ("teams", BCON_NEW ("_id", BCON_UTF8 (team))) == 0, "the team is gone");
    CHECK_MSG (s_owing ("users", other.user_id) == 1, "its delete owes the member its event");

    //  The sweepers (every RESOURCE_OWED_SWEEP_MS) publish and pull them after the grace.
    bool settled = false;
    while (!settled && r5_now_ms () - started < RESOURCE_OWED_GRACE_MS + 5000) {
        zclock_sleep (100);                 //  polling the store for a sweeper's pass, bounded
        settled = s_owing ("users", member.user_id) == 0 && s_owing ("users", other.user_id) == 0
               && s_owing ("teams", team) == 0;
    }
    int64_t took = r5_now_ms () - started;
    CHECK_MSG (settled, "the sweepers published every owed event within the grace and a few seconds");
    CHECK_MSG (took >= RESOURCE_OWED_GRACE_MS - 500, "not before the grace (%lld ms)", (long long) took);
    printf ("owed events swept %lld ms after the changes\n", (long long) took);
}

//  ---------------------------------------------------------------------------
//  Main

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    int port = r5_test_devmongo_start_with ("test_data_integrity", true);
    if (port <= 0) {
        fprintf (stderr, "FAIL: cannot start the dev server (deploy/devmongo/r5-devmongo)\n");
        r5_test_devmongo_stop ();
        return 1;
    }
    snprintf (s_uri, sizeof s_uri, "mongodb://127.0.0.1:%d/r5test?serverSelectionTimeoutMS=3000", port);
    char direct [300];
    snprintf (direct, sizeof direct, "%s&appname=test_data_integrity", s_uri);
    mongoc_init ();
    s_mongo = mongoc_client_new (direct);
    mongoc_client_set_error_api (s_mongo, MONGOC_ERROR_API_VERSION_2);

    broker_config_t broker_config = { "tcp://127.0.0.1:*", r5_test_bus_keys (NULL) };
    zactor_t *broker = zactor_new (broker_actor, &broker_config);
    zstr_send (broker, "ENDPOINT");
    s_endpoint = zstr_recv (broker);
    r5_test_keys_make (&s_keys);
    resource_config_t resource_config = {
        .mongodb_uri = s_uri, .mongodb_write_concern = "majority", .brokers = s_endpoint, .events_publish = "",
        .assertion_verify_key = s_keys.assertion_public, .password_proof_key = s_keys.proof_secret,
        .sweep_interval_ms = 200,
    };
    authz_config_t authz_config = { .brokers = s_endpoint, .assertion_verify_key = s_keys.assertion_public };
    token_config_t token_config = {
        .mongodb_uri = s_uri, .mongodb_write_concern = "majority", .events = "", .brokers = s_endpoint,
        .assertion_key = s_keys.assertion_secret, .password_proof_verify_key = s_keys.proof_public,
        .assertion_ttl_ms = 60000,
        .session_idle_ms = TOKEN_SESSION_IDLE_DEFAULT_S * 1000LL,
        .session_absolute_ms = TOKEN_SESSION_ABSOLUTE_DEFAULT_S * 1000LL,
        .last_used_interval_ms = TOKEN_LAST_USED_INTERVAL_DEFAULT_S * 1000LL,
    };
    randombytes_buf (token_config.pepper, sizeof token_config.pepper);
    char error [256] = "";
    zactor_t *authz_actor = r5_service_start (authz_server_actor, &authz_config, error, sizeof error);
    zactor_t *resource_a = r5_service_start (resource_server_actor, &resource_config, error, sizeof error);
    zactor_t *resource_b = r5_service_start (resource_server_actor, &resource_config, error, sizeof error);
    zactor_t *token_actor = r5_service_start (token_server_actor, &token_config, error, sizeof error);
    CHECK_MSG (authz_actor && resource_a && resource_b && token_actor, "services start: %s", error);
    s_client = r5_client_new (s_endpoint);
    if (authz_actor && resource_a && resource_b && token_actor
    &&  r5_test_wait_workers (broker, R5_SERVICE_AUTHZ) && r5_test_wait_workers (broker, R5_SERVICE_RESOURCE)
    &&  r5_test_wait_workers (broker, R5_SERVICE_TOKEN)) {
        R5_TEST_RUN (s_test_last_owner_crash_points);
        R5_TEST_RUN (s_test_mutual_demotion);
        R5_TEST_RUN (s_test_owed_events);
        R5_TEST_RUN (s_test_override_cap);
        R5_TEST_RUN (s_test_retry_decides_again);
        R5_TEST_RUN (s_test_contact_method_delete_order);
        R5_TEST_RUN (s_test_team_delete_races_create);
        R5_TEST_RUN (s_test_failed_delete_keeps_other_mark);
        R5_TEST_RUN (s_test_method_delete_races_rule);
        R5_TEST_RUN (s_test_create_dies_before_check);
        R5_TEST_RUN (s_test_rule_dies_before_check);
        R5_TEST_RUN (s_test_retry_completes_pending);
        R5_TEST_RUN (s_test_old_incident_migrated);
        R5_TEST_RUN (s_test_token_audit);
    }
    else
        CHECK_MSG (false, "workers did not register with the broker");

    r5_client_destroy (&s_client);
    zactor_destroy (&token_actor);
    zactor_destroy (&resource_b);
    zactor_destroy (&resource_a);
    zactor_destroy (&authz_actor);
    zstr_free (&s_endpoint);
    zactor_destroy (&broker);
    mongoc_client_destroy (s_mongo);
    r5_test_devmongo_stop ();
    return r5_test_report ("test_data_integrity");
}
