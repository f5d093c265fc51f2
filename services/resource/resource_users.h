/*  resource_users: accounts (tenants) and their users in MongoDB.

    Collections: accounts {_id, name, created_at} and users {_id, account_id,
    email (r5_email_normalize), name, role, active, password_hash, created_at}.
    An email is unique across all accounts (unique index email_unique), so that
    login by email alone finds one person; signup, createUser and
    --create-owner answer CONFLICT for a taken email without saying where. */
#ifndef RESOURCE_USERS_H
#define RESOURCE_USERS_H

#include "r5_mongo.h"
#include "resource_call.h"
#include "r5/resource.pb-c.h"

//  Indexes the users store needs, created at start-up.
int resource_users_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

//  Create an account and its OWNER. Fills user (strings owned by the caller: free
//  with resource_user_clear). Returns OK, BAD_INPUT (message says which field),
//  CONFLICT (email taken, in any account), UNAVAILABLE or INTERNAL.
R5__Status resource_users_signup (r5_mongo_t *mongo, const R5__SignupRequest *request,
                                  R5__User *user, const char **message);

//  The active user with this email and password, or UNAUTHENTICATED.
R5__Status resource_users_check_password (r5_mongo_t *mongo, const char *email, const char *password,
                                          R5__User *user);

//  Users by id (at most 100), optionally only within account_id. Fills
//  *users (an array of *count users, free with resource_users_free).
R5__Status resource_users_get (r5_mongo_t *mongo, char **ids, size_t id_count, const char *account_id,
                               R5__User ***users, size_t *count);

void resource_user_clear (R5__User *user);

//  Read a user document (never its password hash). 0, or -1 when it is malformed.
int resource_user_from_bson (const bson_t *doc, R5__User *user);

//  Handlers of requests made on behalf of a principal (resource_call.h):
//  each fills call->reply, with the users read or the one user written.
void resource_users_on_get (resource_call_t *call, char **ids, size_t count);
void resource_users_on_list (resource_call_t *call, const R5__ListObjectsRequest *request);
void resource_users_on_create (resource_call_t *call, const R5__CreateUserRequest *request);
void resource_users_on_update_role (resource_call_t *call, const R5__UpdateUserRoleRequest *request);
void resource_users_on_set_active (resource_call_t *call, const R5__SetUserActiveRequest *request);
void resource_users_free (R5__User ***users, size_t count);

#endif
