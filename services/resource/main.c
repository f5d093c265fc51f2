/*  r5-resource: accounts, users, teams, incidents and the other resource types.  */
#include "resource_server.h"
#include "resource_password.h"
#include "resource_users.h"
#include "r5_rpc.h"
#include "r5_service.h"

#include <sodium.h>
#include <string.h>
#include "r5_log.h"
#include "r5_mongo.h"

static const r5_config_key_t s_keys [] = {
    { "mongodb_uri", NULL, "MongoDB connection string (mongodb://host:port/db)", true },
    { "mongodb_write_concern", "majority", "write concern: majority, or a number of nodes", false },
    { "events_publish", "tcp://127.0.0.1:5556", "comma-separated endpoints to publish user.changed events to (the brokers' event input)", false },
    { "create_owner", "", "operator command: create an account and its owner with this email, the password read from standard input, then exit", false },
    { "owner_name", "Owner", "with create_owner: the owner's name", false },
    { "account_name", "My account", "with create_owner: the account's name", false },
    R5_CONFIG_COMMON_KEYS,
    { NULL, NULL, NULL, false }
};

//  The operator's way to a first owner when signup is off: the same store code
//  as POST /auth/signup, straight against MongoDB. The password comes on
//  standard input, never as a flag (flags show in the process list).
static int
s_create_owner (r5_config_t *config)
{
    char error [256], password [RESOURCE_PASSWORD_MAX + 2] = "";
    if (!fgets (password, sizeof password, stdin)) {
        fprintf (stderr, "r5-resource: create_owner reads the password from standard input\n");
        return 2;
    }
    password [strcspn (password, "\r\n")] = 0;
    r5_mongo_t *mongo = r5_mongo_new (r5_config_get (config, "mongodb_uri"),
                                      r5_config_get (config, "mongodb_write_concern"), error, sizeof error);
    if (!mongo || resource_users_ensure_indexes (mongo, error, sizeof error)) {
        fprintf (stderr, "r5-resource: %s\n", error);
        sodium_memzero (password, sizeof password);
        r5_mongo_destroy (&mongo);
        return 1;
    }
    R5__SignupRequest request = R5__SIGNUP_REQUEST__INIT;
    request.account_name = (char *) r5_config_get (config, "account_name");
    request.name = (char *) r5_config_get (config, "owner_name");
    request.email = (char *) r5_config_get (config, "create_owner");
    request.password = password;
    R5__User user = R5__USER__INIT;
    const char *message = NULL;
    R5__Status status = resource_users_signup (mongo, &request, &user, &message);
    sodium_memzero (password, sizeof password);
    int rc = 0;
    if (status == R5__STATUS__STATUS_OK)
        printf ("created account %s with owner %s (%s): sign in to create tokens\n",
                user.account_id, user.id, user.email);
    else {
        fprintf (stderr, "r5-resource: cannot create the owner: %s\n", message ? message : r5_status_name (status));
        rc = 1;
    }
    resource_user_clear (&user);
    r5_mongo_destroy (&mongo);
    return rc;
}

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-resource", s_keys, argc, argv);
    if (*r5_config_get (config, "create_owner")) {
        int rc = s_create_owner (config);
        r5_config_destroy (&config);
        return rc;
    }
    r5_service_bus_keys ("r5-resource", config, false);
    char *masked = r5_mongo_uri_mask (r5_config_get (config, "mongodb_uri"));
    r5_info (NULL, "using mongodb at %s", masked);
    free (masked);

    resource_config_t resource_config = {
        .mongodb_uri = r5_config_get (config, "mongodb_uri"),
        .mongodb_write_concern = r5_config_get (config, "mongodb_write_concern"),
        .brokers = r5_config_get (config, "brokers"),
        .events_publish = r5_config_get (config, "events_publish"),
    };
    int rc = r5_service_run ("r5-resource", resource_server_actor, &resource_config);
    r5_config_destroy (&config);
    return rc;
}
