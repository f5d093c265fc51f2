/*  resource_users: accounts and users.  */
#include "resource_users.h"
#include "resource_bson.h"
#include "resource_owed.h"
#include "resource_owners.h"
#include "resource_password.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_codec.h"
#include "r5_log.h"
#include "r5_password_proof.h"
#include "r5_time.h"

#include <czmq.h>
#include <sodium.h>
#include <string.h>

#define S_MAX_IDS 100

//  One person per email across all accounts: login takes only an email and a
//  password, so the email alone must name one user. The index is the check
//  (no read-then-insert race); see docs/decisions.md.
const r5_mongo_index_t resource_users_indexes [4] = {
    { "account_email", "{\"account_id\": 1, \"email\": 1}", true, NULL },
    { "email_unique", "{\"email\": 1}", true, NULL },
    //  A page of the account's users (sorted on _id).
    { "account_id_id", "{\"account_id\": 1, \"_id\": 1}", false, NULL },
    //  Partial: the few users whose fact changed and whose event may be owed.
    RESOURCE_OWED_INDEX,
};

int
resource_users_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    //  Older versions kept a non-unique index on the same key under the name
    //  "email"; MongoDB refuses a second index on one key, so it goes first.
    return r5_mongo_drop_index (mongo, "users", "email", error, error_size)
        || r5_mongo_ensure_indexes (mongo, "users", resource_users_indexes,
                                    sizeof resource_users_indexes / sizeof resource_users_indexes [0],
                                    error, error_size);
}

//  A user's document: the codec's, and the password hash beside it.
static bson_t *
s_user_doc (const R5__User *user, const char *hash)
{
    bson_t *doc = bson_new ();
    r5_codec_to_bson (&user->base, R5_CODEC_DOCUMENT, doc);
    BSON_APPEND_UTF8 (doc, "password_hash", hash);
    return doc;
}

//  A user read with the store's checks (never its password hash), or NULL.
static R5__User *
s_user_of (const bson_t *doc)
{
    return (R5__User *) resource_store_decode (resource_type_of (R5__RESOURCE_TYPE__RESOURCE_USERS), doc, NULL);
}

//  Free a string the store allocated; the initializer's empty string is static.
static void
s_free_string (char *text)
{
    if (text != protobuf_c_empty_string)
        free (text);
}

void
resource_user_clear (R5__User *user)
{
    s_free_string (user->id);
    s_free_string (user->account_id);
    s_free_string (user->email);
    s_free_string (user->name);
    r5__user__init (user);
}

//  Move a decoded user's fields into user, and free the shell.
static void
s_move_user (R5__User **from_p, R5__User *user)
{
    *user = **from_p;
    free (*from_p);
    *from_p = NULL;
}

//  =========================================================================
//  Requests without a principal
//  =========================================================================

R5__Status
resource_users_signup (r5_mongo_t *mongo, const R5__SignupRequest *request, R5__User *user,
                       const char **message)
{
    R5__Status status = R5__STATUS__STATUS_INTERNAL;
    char email [RESOURCE_EMAIL_MAX + 1];
    char account_id [25], user_id [25];
    char hash [RESOURCE_PASSWORD_HASH_SIZE];
    bson_error_t error = { 0 };
    bson_t *account = NULL, *doc = NULL;
    mongoc_client_t *client = NULL;
    mongoc_collection_t *accounts = NULL, *users = NULL;

    if ((*message = resource_validate_text ("accountName", request->account_name, 1, 100))
    ||  (*message = resource_validate_text ("name", request->name, 1, 100))
    ||  (*message = resource_validate_email (request->email, email))
    ||  (*message = resource_validate_password (request->password)))
        return R5__STATUS__STATUS_BAD_INPUT;

    //  Hashed whether or not the email is taken: both answers take the same time.
    if (resource_password_hash (request->password, hash) != 0)
        goto cleanup;

    client = r5_mongo_pop (mongo);
    accounts = r5_mongo_collection (mongo, client, "accounts");
    users = r5_mongo_collection (mongo, client, "users");

    int64_t now = r5_now_ms ();
    r5_mongo_new_id (account_id);
    r5_mongo_new_id (user_id);
    //  Its one owner is counted from the start (resource_owners.h). Written
    //  before the user: an account with no user is seen by nobody.
    account = BCON_NEW ("_id", BCON_UTF8 (account_id), "name", BCON_UTF8 (request->account_name),
                        "created_at", BCON_DATE_TIME (now), "owners", BCON_INT64 (1));
    if (!mongoc_collection_insert_one (accounts, account, NULL, NULL, &error)) {
        status = r5_mongo_status (&error);
        goto cleanup;
    }
    R5__User owner = R5__USER__INIT;
    owner.id = user_id;
    owner.account_id = account_id;
    owner.email = email;
    owner.name = request->name;
    owner.role = R5__ROLE__ROLE_OWNER;
    owner.active = true;
    owner.created_at_unix_ms = now;
    doc = s_user_doc (&owner, hash);
    //  The unique index on email is the check: a taken email fails here.
    if (!mongoc_collection_insert_one (users, doc, NULL, NULL, &error)) {
        status = r5_mongo_status (&error);
        if (status == R5__STATUS__STATUS_CONFLICT)
            *message = RESOURCE_EMAIL_TAKEN;
        //  No transactions: undo the account so a failed signup leaves nothing behind.
        bson_t *undo = BCON_NEW ("_id", BCON_UTF8 (account_id));
        mongoc_collection_delete_one (accounts, undo, NULL, NULL, NULL);
        bson_destroy (undo);
        goto cleanup;
    }
    R5__User *stored = s_user_of (doc);
    if (stored) {
        s_move_user (&stored, user);
        status = R5__STATUS__STATUS_OK;
    }

cleanup:
    sodium_memzero (hash, sizeof hash);
    if (status == R5__STATUS__STATUS_UNAVAILABLE || status == R5__STATUS__STATUS_INTERNAL)
        r5_warn (NULL, "signup failed: %s", error.message);
    bson_destroy (account);
    bson_destroy (doc);
    mongoc_collection_destroy (accounts);
    mongoc_collection_destroy (users);
    r5_mongo_push (mongo, &client);
    return status;
}

//  The password proof for user into the reply, so r5-token makes a session
//  for this user only. Returns -1, the reply set to INTERNAL, when it cannot
//  be signed (ids far longer than any we store).
static int
s_reply_proof (resource_call_t *call, const R5__User *user)
{
    call->reply->password_proof = r5_password_proof_issue (call->proof_key, user->id, user->account_id,
                                                           r5_now_ms ());
    if (call->reply->password_proof)
        return 0;
    r5_error (call->rid, "cannot sign a password proof for user %s", user->id);
    return resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
}

void
resource_users_on_signup (resource_call_t *call, const R5__ResourceRequest *request)
{
    const char *message = NULL;
    R5__User *user = r5_malloc (sizeof *user);
    r5__user__init (user);
    R5__ResourceReply *reply = call->reply;
    reply->status = resource_users_signup (call->mongo, request->signup, user, &message);
    if (reply->status == R5__STATUS__STATUS_OK && s_reply_proof (call, user) == 0) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
        return;
    }
    if (reply->status == R5__STATUS__STATUS_INTERNAL) {
        protobuf_c_message_free_unpacked (&user->base, NULL);
        return;
    }
    free (user);
    if (message)
        reply->message = r5_strdup (message);
}

//  The active user with this email and password, or UNAUTHENTICATED; past
//  the attempts allowed for the email, RATE_LIMITED before any hashing.
void
resource_users_on_check_password (resource_call_t *call, const R5__ResourceRequest *request)
{
    const char *email_text = request->check_password->email, *password = request->check_password->password;
    R5__ResourceReply *reply = call->reply;
    R5__Status status = R5__STATUS__STATUS_UNAUTHENTICATED;
    char email [RESOURCE_EMAIL_MAX + 1];
    bson_error_t error = { 0 };
    const bson_t *doc;
    R5__User *user = NULL;
    bool valid = !resource_validate_email (email_text, email) && strlen (password) <= RESOURCE_PASSWORD_MAX;
    //  Hashing is the cost to bound: emails that cannot be valid share one
    //  bucket, since they are hashed too (for equal timing).
    const char *key = valid ? email : "(invalid email or password)";
    int wait = r5_throttle_take (call->password_throttle, key);
    if (wait > 0) {
        r5_info (call->rid, "password check refused: too many attempts for this email");
        char message [96];
        snprintf (message, sizeof message, "too many sign-in attempts; try again in %d seconds", wait);
        resource_call_fail (call, R5__STATUS__STATUS_RATE_LIMITED, message);
        return;
    }
    if (!valid) {
        resource_password_verify (NULL, "");
        reply->status = status;
        reply->message = r5_strdup ("invalid email or password");
        return;
    }
    mongoc_collection_t *users = resource_call_collection (call, "users");
    //  At most one user has this email (unique index).
    bson_t *filter = BCON_NEW ("email", BCON_UTF8 (email), "active", BCON_BOOL (true));
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 (1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    const char *hash = NULL;
    if (mongoc_cursor_next (cursor, &doc) && (user = s_user_of (doc)))
        hash = resource_bson_string (doc, "password_hash");
    if (mongoc_cursor_error (cursor, &error)) {
        status = r5_mongo_status (&error);
        r5_warn (NULL, "login lookup failed: %s", error.message);
    }
    //  The hash is read off the cursor's current document: verified before it moves.
    if (resource_password_verify (user ? hash : NULL, password) && user && user->active)
        status = R5__STATUS__STATUS_OK;
    reply->status = status;
    if (status == R5__STATUS__STATUS_OK && s_reply_proof (call, user) == 0) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
        user = NULL;
        //  The right password was no abuse: the attempt comes back.
        r5_throttle_give (call->password_throttle, key);
    }
    else
    if (status == R5__STATUS__STATUS_UNAUTHENTICATED)
        reply->message = r5_strdup ("invalid email or password");
    if (user)
        protobuf_c_message_free_unpacked (&user->base, NULL);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
}

//  Users by id (at most 100) for services, optionally only within an
//  account; missing ids are absent.
void
resource_users_on_get_users (resource_call_t *call, const R5__ResourceRequest *request)
{
    const R5__GetUsersRequest *lookup = request->get_users;
    R5__ResourceReply *reply = call->reply;
    if (lookup->n_ids > S_MAX_IDS) {
        reply->status = R5__STATUS__STATUS_BAD_INPUT;
        reply->message = r5_strdup ("too many ids in one lookup (at most 100)");
        return;
    }
    R5__UserList *list = r5_malloc (sizeof *list);
    r5__user_list__init (list);
    reply->status = R5__STATUS__STATUS_OK;
    reply->body_case = R5__RESOURCE_REPLY__BODY_USERS;
    reply->users = list;
    if (lookup->n_ids == 0)
        return;
    list->users = r5_calloc (lookup->n_ids, sizeof (R5__User *));
    bson_t filter = BSON_INITIALIZER;
    bson_error_t error = { 0 };
    const bson_t *doc;
    resource_bson_append_in (&filter, "_id", lookup->ids, lookup->n_ids);
    if (*lookup->account_id)
        BSON_APPEND_UTF8 (&filter, "account_id", lookup->account_id);
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_t *opts = BCON_NEW ("projection", "{", "password_hash", BCON_INT32 (0), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, &filter, opts, NULL);
    while (list->n_users < lookup->n_ids && mongoc_cursor_next (cursor, &doc)) {
        R5__User *user = s_user_of (doc);
        if (user)
            list->users [list->n_users++] = user;
    }
    bool failed = mongoc_cursor_error (cursor, &error);
    if (!failed && lookup->with_teams && lookup->n_ids == 1 && list->n_users == 1) {
        //  r5-token signs these into the principal: r5-resource then reads no user per call.
        const R5__User *user = list->users [0];
        char **team_ids = NULL, **admin_ids = NULL;
        size_t n_team_ids = 0, n_admin_ids = 0;
        failed = resource_call_load_teams (call, user->account_id, user->id, &team_ids, &n_team_ids,
                                           &admin_ids, &n_admin_ids, &error) != 0;
        if (!failed) {
            list->memberships = r5_calloc (n_team_ids + 1, sizeof (R5__Membership *));
            for (size_t i = 0; i < n_team_ids; i++) {
                R5__Membership *membership = r5_malloc (sizeof *membership);
                r5__membership__init (membership);
                membership->team_id = r5_strdup (team_ids [i]);
                for (size_t j = 0; j < n_admin_ids; j++)
                    membership->team_admin = membership->team_admin || streq (admin_ids [j], team_ids [i]);
                list->memberships [list->n_memberships++] = membership;
            }
            list->teams_loaded = true;
        }
        resource_strings_free (&team_ids, n_team_ids);
        resource_strings_free (&admin_ids, n_admin_ids);
    }
    if (failed) {
        r5_warn (NULL, "user lookup failed: %s", error.message);
        protobuf_c_message_free_unpacked (&list->base, NULL);
        reply->users = NULL;
        reply->body_case = R5__RESOURCE_REPLY__BODY__NOT_SET;
        reply->status = r5_mongo_status (&error);
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (&filter);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
}

//  =========================================================================
//  Requests on behalf of a principal
//  =========================================================================

static const resource_type_t *
s_users (void)
{
    return resource_type_of (R5__RESOURCE_TYPE__RESOURCE_USERS);
}

static bool
s_valid_role (R5__Role role)
{
    return role >= R5__ROLE__ROLE_OWNER && role <= R5__ROLE__ROLE_MEMBER;
}

void
resource_users_on_create (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateUserRequest *request = envelope->create_user;
    const char *message;
    char email [RESOURCE_EMAIL_MAX + 1];
    static const resource_text_rule_t rules [] = { RESOURCE_RULE_NAME };
    if ((message = resource_validate_email (request->email, email))
    ||  (message = resource_validate_fields (&request->base, rules, sizeof rules / sizeof rules [0]))
    ||  (message = resource_validate_password (request->password))) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (!s_valid_role (request->role)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "role must be OWNER, ADMINISTRATOR or MEMBER");
        return;
    }
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    facts.new_role = request->role;
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_CREATE, &facts, NULL))
        return;
    char hash [RESOURCE_PASSWORD_HASH_SIZE];
    if (resource_password_hash (request->password, hash) != 0) {
        resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        return;
    }
    char id [25];
    R5__User user = R5__USER__INIT;
    resource_store_prepare (call, s_users (), &request->base, &user.base, id);
    user.email = email;             //  its normal form
    user.active = true;
    bson_t *extra = BCON_NEW ("password_hash", BCON_UTF8 (hash));
    sodium_memzero (hash, sizeof hash);
    //  A new owner is counted after it is written, so the count never runs ahead.
    bool owner = request->role == R5__ROLE__ROLE_OWNER;
    if ((!owner || resource_owners_ensure (call) == 0)
    &&  resource_store_insert (call, s_users (), &user.base, extra) == 0 && owner)
        resource_owners_add (call);
    bson_destroy (extra);
}

//  Whether a user counts as one of the account's active owners.
static bool
s_counts (R5__Role role, bool active)
{
    return role == R5__ROLE__ROLE_OWNER && active;
}

//  Compare-and-set on the role and active flag a decision was made on.
//  When the change takes an active owner away, the account's count is
//  taken first, by a write that refuses the last one; when it makes one,
//  it is counted after the user's write (resource_owners.h).
static void
s_change (resource_call_t *call, resource_object_t *target, const bson_t *update, bool owner_after)
{
    const R5__User *user = (const R5__User *) target->message;
    bool owner_before = s_counts (user->role, user->active);
    bson_t *filter = resource_bson_id_filter (user->id, call->principal->account_id);
    BSON_APPEND_UTF8 (filter, "role", r5_codec_enum_name (&r5__role__descriptor, user->role));
    BSON_APPEND_BOOL (filter, "active", user->active);
    resource_object_t changed = { 0 };
    if (owner_before && !owner_after ? resource_owners_take (call)
    :   !owner_before && owner_after ? resource_owners_ensure (call) : 0)
        goto cleanup;
    //  The event it owes goes with the change, in the same write (resource_owed.h).
    int64_t at = r5_now_ms ();
    bson_t owing;
    bson_copy_to (update, &owing);
    char nonce [25];
    resource_owed_append (&owing, NULL, at, nonce);
    //  An error here may hide an applied write: a count taken stays taken.
    int rc = resource_store_modify (call, s_users (), filter, &owing, &changed);
    bson_destroy (&owing);
    if (rc)
        goto cleanup;
    if (!changed.doc) {
        //  Certainly not written: what was taken for it goes back.
        if (owner_before && !owner_after)
            resource_owners_give_back (call);
        resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the user changed meanwhile, try again");
        goto cleanup;
    }
    if (!owner_before && owner_after)
        resource_owners_add (call);
    //  Gateways drop the user's cached verdicts: the next request is verified afresh.
    const R5__User *after = (const R5__User *) changed.message;
    if (resource_events_user_changed (call->events, after->id, after->account_id) == 0)
        resource_owed_published (call, "users", BCON_NEW ("_id", BCON_UTF8 (after->id)), nonce);
    resource_store_reply (call, s_users (), &changed);

cleanup:
    resource_object_clear (&changed);
    bson_destroy (filter);
}

void
resource_users_on_update_role (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__UpdateUserRoleRequest *request = envelope->update_user_role;
    if (!s_valid_role (request->role)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "role must be OWNER, ADMINISTRATOR or MEMBER");
        return;
    }
    resource_object_t target;
    if (resource_store_find (call, s_users (), request->id, &target) == 0) {
        target.facts.new_role = request->role;
        if (resource_store_decide (call, s_users (), R5__VERB__VERB_CHANGE_ROLE, &target) == 0) {
            R5__Role from = ((const R5__User *) target.message)->role;
            bson_t *update = BCON_NEW ("$set", "{", "role", BCON_UTF8 (r5_codec_enum_name (&r5__role__descriptor,
                                                                                         request->role)), "}");
            const R5__User *user = (const R5__User *) target.message;
            if (from == request->role) {
                //  Nothing to change, but this may be a resend of the change
                //  landing while the first copy still waits for its write
                //  concern: answered, like the change, only once the gateways
                //  dropped the user's verdicts (the confirm after the handler).
                resource_events_user_changed (call->events, user->id, user->account_id);
                resource_store_reply (call, s_users (), &target);
            }
            else
                s_change (call, &target, update, s_counts (request->role, user->active));
            bson_destroy (update);
        }
    }
    resource_object_clear (&target);
}

void
resource_users_on_set_active (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__SetUserActiveRequest *request = envelope->set_user_active;
    resource_object_t target;
    if (resource_store_load (call, s_users (), request->id, R5__VERB__VERB_SET_ACTIVE, &target) == 0) {
        const R5__User *user = (const R5__User *) target.message;
        bson_t *update = BCON_NEW ("$set", "{", "active", BCON_BOOL (request->active), "}");
        s_change (call, &target, update, s_counts (user->role, request->active));
        bson_destroy (update);
    }
    resource_object_clear (&target);
}
