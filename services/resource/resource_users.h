/*  resource_users: accounts (tenants) and their users in MongoDB.

    Collections: accounts {_id, name, created_at, owners (the count of
    active owners, resource_owners.h)} and users {User by the codec, and
    password_hash}: {_id, account_id, email (r5_email_normalize), name,
    role, active, password_hash, created_at}. An email is unique across
    all accounts (unique index email_unique), so that login by email alone
    finds one person; signup, createUser and --create-owner answer CONFLICT
    for a taken email without saying where. */
#ifndef RESOURCE_USERS_H
#define RESOURCE_USERS_H

#include "r5_mongo.h"
#include "resource_store.h"
#include "r5/resource.pb-c.h"

//  The type table's indexes of users, and their messages.
extern const r5_mongo_index_t resource_users_indexes [4];
#define RESOURCE_EMAIL_TAKEN "this email is already in use"

//  Indexes the users store needs, created at start-up.
int resource_users_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

//  Create an account and its OWNER. Fills user (strings owned by the caller: free
//  with resource_user_clear). Returns OK, BAD_INPUT (message says which field),
//  CONFLICT (email taken, in any account), UNAVAILABLE or INTERNAL.
R5__Status resource_users_signup (r5_mongo_t *mongo, const R5__SignupRequest *request,
                                  R5__User *user, const char **message);

void resource_user_clear (R5__User *user);

//  Handlers (resource_handler_fn): requests without a principal (sign-up,
//  sign-in, r5-token's lookups), then those made on behalf of one, each
//  with the users read or the one user written.
void resource_users_on_signup (resource_call_t *call, const R5__ResourceRequest *request);
void resource_users_on_check_password (resource_call_t *call, const R5__ResourceRequest *request);
void resource_users_on_get_users (resource_call_t *call, const R5__ResourceRequest *request);
void resource_users_on_create (resource_call_t *call, const R5__ResourceRequest *request);
void resource_users_on_update_role (resource_call_t *call, const R5__ResourceRequest *request);
void resource_users_on_set_active (resource_call_t *call, const R5__ResourceRequest *request);

#endif
