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

static const r5_mongo_index_t s_user_indexes [] = {
    { "account_email", "{\"account_id\": 1, \"email\": 1}", true, NULL },
    { "email", "{\"email\": 1}", false, NULL },
};

int
resource_users_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    return r5_mongo_ensure_indexes (mongo, "users", s_user_indexes,
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
    for (size_t i = 0; i < count; i++) {
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
    bson_t *account = NULL, *doc = NULL, *filter = NULL;
    mongoc_client_t *client = NULL;
    mongoc_collection_t *accounts = NULL, *users = NULL;

    if ((*message = resource_validate_text ("accountName", request->account_name, 1, 100))
    ||  (*message = resource_validate_text ("name", request->name, 1, 100))
    ||  (*message = resource_validate_email (request->email, email))
    ||  (*message = resource_validate_password (request->password)))
        return R5__STATUS__STATUS_BAD_INPUT;

    client = r5_mongo_pop (mongo);
    accounts = r5_mongo_collection (mongo, client, "accounts");
    users = r5_mongo_collection (mongo, client, "users");

    //  One person per email across accounts, so login by email is unambiguous.
    filter = BCON_NEW ("email", BCON_UTF8 (email));
    int64_t taken = mongoc_collection_count_documents (users, filter, NULL, NULL, NULL, &error);
    if (taken < 0) {
        status = r5_mongo_status (&error);
        goto cleanup;
    }
    if (taken > 0) {
        *message = "an account with this email already exists";
        status = R5__STATUS__STATUS_CONFLICT;
        goto cleanup;
    }
    if (resource_password_hash (request->password, hash) != 0)
        goto cleanup;

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
    if (!mongoc_collection_insert_one (users, doc, NULL, NULL, &error)) {
        status = r5_mongo_status (&error);
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
    bson_destroy (filter);
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
    bson_t *filter = BCON_NEW ("email", BCON_UTF8 (email), "active", BCON_BOOL (true));
    //  The oldest account first, should an email exist in several (created by admins).
    bson_t *opts = BCON_NEW ("sort", "{", "created_at", BCON_INT32 (1), "}", "limit", BCON_INT64 (1));
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
