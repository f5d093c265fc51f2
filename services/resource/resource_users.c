/*  resource_users: accounts and users.  */
#include "resource_users.h"
#include "resource_password.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <sodium.h>
#include <ctype.h>
#include <string.h>

#define S_MAX_IDS 100

//  One person per email across all accounts: login takes only an email and a
//  password, so the email alone must name one user. The index is the check
//  (no read-then-insert race); see docs/decisions.md.
#define S_EMAIL_INDEX "email_unique"
static const r5_mongo_index_t s_user_indexes [] = {
    { "account_email", "{\"account_id\": 1, \"email\": 1}", true, NULL },
    { S_EMAIL_INDEX, "{\"email\": 1}", true, NULL },
};

//  What a taken email answers, wherever it was taken: never which account holds it.
#define S_EMAIL_TAKEN "this email is already in use"

int
resource_users_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    //  Older versions kept a non-unique index on the same key under the name
    //  "email"; MongoDB refuses a second index on one key, so it goes first.
    return r5_mongo_drop_index (mongo, "users", "email", error, error_size)
        || r5_mongo_ensure_indexes (mongo, "users", s_user_indexes,
                                    sizeof s_user_indexes / sizeof s_user_indexes [0], error, error_size);
}

static const char *s_role_names [] = { "", "OWNER", "ADMINISTRATOR", "MEMBER" };

static R5__Role
s_role_from_name (const char *name)
{
    for (int i = 1; i <= 3; i++)
        if (strcmp (name, s_role_names [i]) == 0)
            return (R5__Role) i;
    return R5__ROLE__ROLE_UNSPECIFIED;
}

//  Read a user document into user. A document that lacks a field or has the
//  wrong type is corrupt data: answered as INTERNAL, never asserted.
static int
s_user_from_bson (const bson_t *doc, R5__User *user, char **password_hash)
{
    bson_iter_t iter;
    const char *id = NULL, *account_id = NULL, *email = NULL, *name = NULL, *role = NULL, *hash = NULL;
    bool active = false;
    int64_t created = 0;
    if (!bson_iter_init (&iter, doc))
        return -1;
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        bson_type_t type = bson_iter_type (&iter);
        if (type == BSON_TYPE_UTF8) {
            const char *value = bson_iter_utf8 (&iter, NULL);
            if (streq (key, "_id")) id = value;
            else if (streq (key, "account_id")) account_id = value;
            else if (streq (key, "email")) email = value;
            else if (streq (key, "name")) name = value;
            else if (streq (key, "role")) role = value;
            else if (streq (key, "password_hash")) hash = value;
        }
        else
        if (type == BSON_TYPE_BOOL && streq (key, "active"))
            active = bson_iter_bool (&iter);
        else
        if (type == BSON_TYPE_DATE_TIME && streq (key, "created_at"))
            created = bson_iter_date_time (&iter);
    }
    if (!id || !account_id || !email || !name || !role || !s_role_from_name (role))
        return -1;
    r5__user__init (user);
    user->id = strdup (id);
    user->account_id = strdup (account_id);
    user->email = strdup (email);
    user->name = strdup (name);
    user->role = s_role_from_name (role);
    user->active = active;
    user->created_at_unix_ms = created;
    if (password_hash)
        *password_hash = hash ? strdup (hash) : NULL;
    return 0;
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

void
resource_users_free (R5__User ***users_p, size_t count)
{
    if (!*users_p)
        return;
    for (size_t i = 0; i < count; i++)
        if ((*users_p) [i]) {
            resource_user_clear ((*users_p) [i]);
            free ((*users_p) [i]);
        }
    free (*users_p);
    *users_p = NULL;
}

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
    account = BCON_NEW ("_id", BCON_UTF8 (account_id), "name", BCON_UTF8 (request->account_name),
                        "created_at", BCON_DATE_TIME (now));
    if (!mongoc_collection_insert_one (accounts, account, NULL, NULL, &error)) {
        status = r5_mongo_status (&error);
        goto cleanup;
    }
    doc = BCON_NEW ("_id", BCON_UTF8 (user_id), "account_id", BCON_UTF8 (account_id),
                    "email", BCON_UTF8 (email), "name", BCON_UTF8 (request->name),
                    "role", BCON_UTF8 ("OWNER"), "active", BCON_BOOL (true),
                    "password_hash", BCON_UTF8 (hash), "created_at", BCON_DATE_TIME (now));
    //  The unique index on email is the check: a taken email fails here.
    if (!mongoc_collection_insert_one (users, doc, NULL, NULL, &error)) {
        status = r5_mongo_status (&error);
        if (status == R5__STATUS__STATUS_CONFLICT)
            *message = S_EMAIL_TAKEN;
        //  No transactions: undo the account so a failed signup leaves nothing behind.
        bson_t *undo = BCON_NEW ("_id", BCON_UTF8 (account_id));
        mongoc_collection_delete_one (accounts, undo, NULL, NULL, NULL);
        bson_destroy (undo);
        goto cleanup;
    }
    if (s_user_from_bson (doc, user, NULL) == 0)
        status = R5__STATUS__STATUS_OK;

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

R5__Status
resource_users_check_password (r5_mongo_t *mongo, const char *email_text, const char *password,
                               R5__User *user)
{
    R5__Status status = R5__STATUS__STATUS_UNAUTHENTICATED;
    char email [RESOURCE_EMAIL_MAX + 1];
    bson_error_t error = { 0 };
    const bson_t *doc;
    char *hash = NULL;
    bool found = false;
    if (resource_validate_email (email_text, email) || strlen (password) > RESOURCE_PASSWORD_MAX) {
        resource_password_verify (NULL, "");
        return status;
    }
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *users = r5_mongo_collection (mongo, client, "users");
    //  At most one user has this email (unique index).
    bson_t *filter = BCON_NEW ("email", BCON_UTF8 (email), "active", BCON_BOOL (true));
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 (1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    if (mongoc_cursor_next (cursor, &doc) && s_user_from_bson (doc, user, &hash) == 0)
        found = true;
    if (mongoc_cursor_error (cursor, &error)) {
        status = r5_mongo_status (&error);
        r5_warn (NULL, "login lookup failed: %s", error.message);
    }
    if (resource_password_verify (found ? hash : NULL, password) && found && user->active)
        status = R5__STATUS__STATUS_OK;
    else
    if (found)
        resource_user_clear (user);
    free (hash);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
    r5_mongo_push (mongo, &client);
    return status;
}

R5__Status
resource_users_get (r5_mongo_t *mongo, char **ids, size_t id_count, const char *account_id,
                    R5__User ***users_p, size_t *count)
{
    *users_p = NULL;
    *count = 0;
    if (id_count > S_MAX_IDS)
        return R5__STATUS__STATUS_BAD_INPUT;
    if (id_count == 0)
        return R5__STATUS__STATUS_OK;
    R5__Status status = R5__STATUS__STATUS_OK;
    bson_error_t error = { 0 };
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER, in, list;
    BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &in);
    BSON_APPEND_ARRAY_BEGIN (&in, "$in", &list);
    for (size_t i = 0; i < id_count; i++) {
        char key [24];
        snprintf (key, sizeof key, "%zu", i);
        BSON_APPEND_UTF8 (&list, key, ids [i]);
    }
    bson_append_array_end (&in, &list);
    bson_append_document_end (&filter, &in);
    if (account_id && *account_id)
        BSON_APPEND_UTF8 (&filter, "account_id", account_id);

    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *users = r5_mongo_collection (mongo, client, "users");
    bson_t *opts = BCON_NEW ("projection", "{", "password_hash", BCON_INT32 (0), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, &filter, opts, NULL);
    R5__User **found = calloc (id_count, sizeof (R5__User *));
    size_t n = 0;
    while (n < id_count && mongoc_cursor_next (cursor, &doc)) {
        R5__User *user = malloc (sizeof *user);
        if (s_user_from_bson (doc, user, NULL) == 0)
            found [n++] = user;
        else {
            free (user);
            r5_warn (NULL, "skipping a malformed user document");
        }
    }
    if (mongoc_cursor_error (cursor, &error)) {
        status = r5_mongo_status (&error);
        r5_warn (NULL, "user lookup failed: %s", error.message);
        resource_users_free (&found, n);
        n = 0;
    }
    *users_p = found;
    *count = n;
    mongoc_cursor_destroy (cursor);
    bson_destroy (&filter);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
    r5_mongo_push (mongo, &client);
    return status;
}

int
resource_user_from_bson (const bson_t *doc, R5__User *user)
{
    return s_user_from_bson (doc, user, NULL);
}

//  =========================================================================
//  Requests on behalf of a principal
//  =========================================================================

#define S_MAX_PAGE_IDS 100

static R5__User *
s_user_new (void)
{
    R5__User *user = malloc (sizeof *user);
    assert (user);
    r5__user__init (user);
    return user;
}

//  Append a copy of the user to the reply.
static void
s_reply_user (resource_call_t *call, R5__User **user_p)
{
    R5__Objects *objects = resource_call_objects (call);
    R5__User **grown = realloc (objects->users, (objects->n_users + 1) * sizeof (R5__User *));
    assert (grown);
    objects->users = grown;
    objects->users [objects->n_users++] = *user_p;
    *user_p = NULL;
}

static void
s_user_free (R5__User **user_p)
{
    if (*user_p) {
        resource_user_clear (*user_p);
        free (*user_p);
        *user_p = NULL;
    }
}

void
resource_users_on_get (resource_call_t *call, char **ids, size_t count)
{
    if (count > S_MAX_PAGE_IDS) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many ids in one lookup (at most 100)");
        return;
    }
    R5__User **found = NULL;
    size_t n_found = 0;
    //  Ids of another account are simply not found.
    R5__Status status = resource_users_get (call->mongo, ids, count, call->principal->account_id, &found, &n_found);
    if (status != R5__STATUS__STATUS_OK) {
        resource_call_fail (call, status, NULL);
        return;
    }
    R5__Operation *operations [S_MAX_PAGE_IDS + 1];
    R5__Operation operation [S_MAX_PAGE_IDS + 1];
    R5__ObjectFacts facts [S_MAX_PAGE_IDS + 1];
    bool allowed [S_MAX_PAGE_IDS + 1];
    //  One question per id asked, found or not: authz answers missing ones NOT_FOUND.
    for (size_t i = 0; i < count; i++) {
        r5__operation__init (&operation [i]);
        r5__object_facts__init (&facts [i]);
        operation [i].resource = R5__RESOURCE_TYPE__RESOURCE_USERS;
        operation [i].verb = R5__VERB__VERB_GET;
        operation [i].object_id = ids [i];
        operation [i].object = &facts [i];
        for (size_t j = 0; j < n_found; j++)
            if (found [j] && streq (found [j]->id, ids [i])) {
                facts [i].exists = true;
                facts [i].account_id = found [j]->account_id;
                facts [i].target_role = found [j]->role;
            }
        operations [i] = &operation [i];
    }
    if (resource_call_allowed (call, operations, count, allowed) == 0) {
        resource_call_objects (call);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; allowed [i] && j < n_found; j++)
                if (found [j] && streq (found [j]->id, ids [i]))
                    s_reply_user (call, &found [j]);
    }
    resource_users_free (&found, n_found);
}

static int
s_page_user (const bson_t *doc, void *arg)
{
    resource_call_t *call = (resource_call_t *) arg;
    R5__User *user = s_user_new ();
    if (s_user_from_bson (doc, user, NULL)) {
        free (user);
        return -1;
    }
    s_reply_user (call, &user);
    return 0;
}

void
resource_users_on_list (resource_call_t *call, const R5__ListObjectsRequest *request)
{
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__VERB__VERB_LIST, NULL, NULL))
        return;
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id));
    resource_call_page (call, users, filter, request->first, request->after, false, s_page_user, call,
                        resource_call_objects (call));
    bson_destroy (filter);
    mongoc_collection_destroy (users);
}

//  Load a user of the caller's account. 0 with *user (NULL when there is
//  none), or -1 with the reply set.
static int
s_load (resource_call_t *call, mongoc_collection_t *users, const char *id, R5__User **user_p)
{
    *user_p = NULL;
    if (!resource_validate_id (id))
        return 0;
    bson_error_t error;
    const bson_t *doc;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, NULL, NULL);
    int rc = 0;
    if (mongoc_cursor_next (cursor, &doc)) {
        *user_p = s_user_new ();
        if (s_user_from_bson (doc, *user_p, NULL)) {
            free (*user_p);
            *user_p = NULL;
            rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        }
    }
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "user lookup");
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    return rc;
}

//  Decide a verb on a loaded (or missing) user.
static int
s_decide_on (resource_call_t *call, R5__Verb verb, const R5__User *target, R5__Role new_role)
{
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    if (target) {
        facts.exists = true;
        facts.account_id = target->account_id;
        facts.target_role = target->role;
    }
    facts.new_role = new_role;
    return resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_USERS, verb, &facts, NULL);
}

//  findAndModify on one user of the caller's account; *user is the document
//  after the change, NULL when the filter matched nothing. 0 or -1 (reply set).
static int
s_modify (resource_call_t *call, mongoc_collection_t *users, bson_t *filter, bson_t *update, R5__User **user_p)
{
    *user_p = NULL;
    bson_t reply;
    bson_error_t error;
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t *fields = BCON_NEW ("password_hash", BCON_INT32 (0));
    mongoc_find_and_modify_opts_set_fields (opts, fields);
    int rc = 0;
    if (!mongoc_collection_find_and_modify_with_opts (users, filter, opts, &reply, &error))
        rc = resource_call_mongo_fail (call, &error, "user update");
    else {
        bson_iter_t iter;
        if (bson_iter_init_find (&iter, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            uint32_t length;
            const uint8_t *data;
            bson_t value;
            bson_iter_document (&iter, &length, &data);
            if (bson_init_static (&value, data, length)) {
                *user_p = s_user_new ();
                if (s_user_from_bson (&value, *user_p, NULL)) {
                    free (*user_p);
                    *user_p = NULL;
                    rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
                }
            }
        }
    }
    bson_destroy (&reply);
    bson_destroy (fields);
    mongoc_find_and_modify_opts_destroy (opts);
    return rc;
}

//  Active owners left in the caller's account, or -1 (reply set).
static int64_t
s_active_owners (resource_call_t *call, mongoc_collection_t *users)
{
    bson_error_t error;
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                               "role", BCON_UTF8 ("OWNER"), "active", BCON_BOOL (true));
    int64_t count = mongoc_collection_count_documents (users, filter, NULL, NULL, NULL, &error);
    if (count < 0)
        resource_call_mongo_fail (call, &error, "owner count");
    bson_destroy (filter);
    return count;
}

void
resource_users_on_create (resource_call_t *call, const R5__CreateUserRequest *request)
{
    const char *message;
    char email [RESOURCE_EMAIL_MAX + 1];
    if ((message = resource_validate_email (request->email, email))
    ||  (message = resource_validate_text ("name", request->name, 1, 100))
    ||  (message = resource_validate_password (request->password))) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (request->role < R5__ROLE__ROLE_OWNER || request->role > R5__ROLE__ROLE_MEMBER) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "role must be OWNER, ADMINISTRATOR or MEMBER");
        return;
    }
    if (s_decide_on (call, R5__VERB__VERB_CREATE, NULL, request->role))
        return;
    char hash [RESOURCE_PASSWORD_HASH_SIZE];
    if (resource_password_hash (request->password, hash) != 0) {
        resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        return;
    }
    char id [25];
    r5_mongo_new_id (id);
    bson_error_t error;
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_t *doc = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id),
                            "email", BCON_UTF8 (email), "name", BCON_UTF8 (request->name),
                            "role", BCON_UTF8 (s_role_names [request->role]), "active", BCON_BOOL (true),
                            "password_hash", BCON_UTF8 (hash), "created_at", BCON_DATE_TIME (r5_now_ms ()));
    sodium_memzero (hash, sizeof hash);
    if (!mongoc_collection_insert_one (users, doc, NULL, NULL, &error)) {
        if (r5_mongo_is_duplicate (&error))
            resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, S_EMAIL_TAKEN);
        else
            resource_call_mongo_fail (call, &error, "user insert");
    }
    else {
        R5__User *user = s_user_new ();
        if (s_user_from_bson (doc, user, NULL) == 0)
            s_reply_user (call, &user);
        else
            free (user);
    }
    bson_destroy (doc);
    mongoc_collection_destroy (users);
}

void
resource_users_on_update_role (resource_call_t *call, const R5__UpdateUserRoleRequest *request)
{
    if (request->role < R5__ROLE__ROLE_OWNER || request->role > R5__ROLE__ROLE_MEMBER) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "role must be OWNER, ADMINISTRATOR or MEMBER");
        return;
    }
    mongoc_collection_t *users = resource_call_collection (call, "users");
    R5__User *target = NULL, *changed = NULL;
    bson_t *filter = NULL, *update = NULL;
    if (s_load (call, users, request->id, &target)
    ||  s_decide_on (call, R5__VERB__VERB_CHANGE_ROLE, target, request->role))
        goto cleanup;
    if (target->role == request->role) {
        s_reply_user (call, &target);           //  nothing to change
        goto cleanup;
    }
    //  Compare-and-set on the role the decision was made on.
    filter = BCON_NEW ("_id", BCON_UTF8 (target->id), "account_id", BCON_UTF8 (call->principal->account_id),
                       "role", BCON_UTF8 (s_role_names [target->role]));
    update = BCON_NEW ("$set", "{", "role", BCON_UTF8 (s_role_names [request->role]), "}");
    if (s_modify (call, users, filter, update, &changed))
        goto cleanup;
    if (!changed) {
        resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the user changed meanwhile, try again");
        goto cleanup;
    }
    if (target->role == R5__ROLE__ROLE_OWNER) {
        //  No transactions: demote, then count, and undo when no active owner is left.
        int64_t owners = s_active_owners (call, users);
        if (owners <= 0) {
            bson_t *undo = BCON_NEW ("$set", "{", "role", BCON_UTF8 ("OWNER"), "}");
            bson_t *undo_filter = BCON_NEW ("_id", BCON_UTF8 (target->id));
            mongoc_collection_update_one (users, undo_filter, undo, NULL, NULL, NULL);
            bson_destroy (undo);
            bson_destroy (undo_filter);
            s_user_free (&changed);
            if (owners == 0)
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an account keeps at least one active owner");
            goto cleanup;
        }
    }
    resource_events_user_changed (call->events, changed->id, changed->account_id);
    s_reply_user (call, &changed);

cleanup:
    s_user_free (&target);
    s_user_free (&changed);
    bson_destroy (filter);
    bson_destroy (update);
    mongoc_collection_destroy (users);
}

void
resource_users_on_set_active (resource_call_t *call, const R5__SetUserActiveRequest *request)
{
    mongoc_collection_t *users = resource_call_collection (call, "users");
    R5__User *target = NULL, *changed = NULL;
    bson_t *filter = NULL, *update = NULL;
    if (s_load (call, users, request->id, &target)
    ||  s_decide_on (call, R5__VERB__VERB_SET_ACTIVE, target, R5__ROLE__ROLE_UNSPECIFIED))
        goto cleanup;
    filter = BCON_NEW ("_id", BCON_UTF8 (target->id), "account_id", BCON_UTF8 (call->principal->account_id),
                       "role", BCON_UTF8 (s_role_names [target->role]));
    update = BCON_NEW ("$set", "{", "active", BCON_BOOL (request->active), "}");
    if (s_modify (call, users, filter, update, &changed))
        goto cleanup;
    if (!changed) {
        resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the user changed meanwhile, try again");
        goto cleanup;
    }
    if (!request->active && target->active && target->role == R5__ROLE__ROLE_OWNER) {
        int64_t owners = s_active_owners (call, users);
        if (owners <= 0) {
            bson_t *undo = BCON_NEW ("$set", "{", "active", BCON_BOOL (true), "}");
            bson_t *undo_filter = BCON_NEW ("_id", BCON_UTF8 (target->id));
            mongoc_collection_update_one (users, undo_filter, undo, NULL, NULL, NULL);
            bson_destroy (undo);
            bson_destroy (undo_filter);
            s_user_free (&changed);
            if (owners == 0)
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "an account keeps at least one active owner");
            goto cleanup;
        }
    }
    //  Gateways drop the user's cached verdicts: the next request is verified afresh.
    resource_events_user_changed (call->events, changed->id, changed->account_id);
    s_reply_user (call, &changed);

cleanup:
    s_user_free (&target);
    s_user_free (&changed);
    bson_destroy (filter);
    bson_destroy (update);
    mongoc_collection_destroy (users);
}
