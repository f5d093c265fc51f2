/*  r5-resource: accounts, users, teams, incidents and the other resource types.  */
#include "resource_server.h"
#include "resource_password.h"
#include "resource_users.h"
#include "r5_rpc.h"
#include "r5_service.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include "r5_log.h"
#include "r5_mongo.h"

static const r5_config_key_t s_keys [] = {
    { "mongodb_uri", NULL, "MongoDB connection string (mongodb://host:port/db)", true },
    { "mongodb_write_concern", "majority", "write concern: majority, or a number of nodes", false },
    { "events_publish", "tcp://127.0.0.1:5556", "comma-separated endpoints to publish user.changed events to (the brokers' event input)", false },
    { "events_subscribe", "tcp://127.0.0.1:5557", "comma-separated endpoints where the gateways confirm the events they applied (the brokers' event output)", false },
    { "create_owner", "", "operator command: create an account and its owner with this email, the password read from standard input, then exit", false },
    { "owner_name", "Owner", "with create_owner: the owner's name", false },
    { "account_name", "My account", "with create_owner: the account's name", false },
    //  Required to serve; create_owner, which signs and checks nothing, runs without them.
    { "assertion_verify_key", "", "required: file of r5-token's Ed25519 public assertion key (r5-keygen: assertion.verify)", false },
    { "password_proof_key", "", "required: file of the Ed25519 secret key that signs password proofs (r5-keygen: password-proof.sign)", false },
    { "password_limit_per_email", RESOURCE_PASSWORD_LIMIT_DEFAULT, "BURST/SECONDS: password checks for one email, per r5-resource instance (refilled evenly over SECONDS)", false },
    { "sweep_interval_ms", "60000", "how often (ms, 100 to 3600000) this instance deletes the objects whose create died before its check (also at start-up)", false },
    R5_CONFIG_COMMON_KEYS,
    R5_CONFIG_WORKERS_KEY,
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

//  The two keys, or -1 after one line naming the setting that cannot be used.
static int
s_load_keys (r5_config_t *config, resource_config_t *settings)
{
    char error [300];
    if (!*r5_config_get (config, "assertion_verify_key") || !*r5_config_get (config, "password_proof_key")) {
        const char *name = *r5_config_get (config, "assertion_verify_key") ? "password_proof_key" : "assertion_verify_key";
        char upper [32];
        for (size_t i = 0; i <= strlen (name); i++)
            upper [i] = (char) toupper ((unsigned char) name [i]);
        r5_error (NULL, "missing required setting %s (set R5_%s)", name, upper);
        return -1;
    }
    if (r5_sign_public_load (r5_config_get (config, "assertion_verify_key"), &settings->assertion_verify_key,
                             error, sizeof error)) {
        r5_error (NULL, "bad value for assertion_verify_key: %s", error);
        return -1;
    }
    if (r5_sign_secret_load (r5_config_get (config, "password_proof_key"), &settings->password_proof_key,
                             error, sizeof error)) {
        r5_error (NULL, "bad value for password_proof_key: %s", error);
        return -1;
    }
    return 0;
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
        .events_subscribe = r5_config_get (config, "events_subscribe"),
    };
    if (r5_limit_parse (r5_config_get (config, "password_limit_per_email"), &resource_config.password_limit_per_email)) {
        r5_error (NULL, "bad value for password_limit_per_email: '%s' (expected BURST/SECONDS, e.g. 20/300)",
                  r5_config_get (config, "password_limit_per_email"));
        r5_config_destroy (&config);
        return 1;
    }
    char error [256];
    if (r5_config_int (config, "sweep_interval_ms", 100, 3600000, &resource_config.sweep_interval_ms,
                       error, sizeof error)) {
        r5_error (NULL, "%s", error);
        r5_config_destroy (&config);
        return 1;
    }
    if (s_load_keys (config, &resource_config)) {
        r5_config_destroy (&config);
        return 1;
    }
    resource_config.password_throttle = resource_password_throttle_new (resource_config.password_limit_per_email);
    r5_admin_t *metrics = r5_service_metrics ("r5-resource", config);
    int rc = r5_service_run ("r5-resource", config, resource_server_actor, &resource_config, &metrics);
    r5_throttle_destroy (&resource_config.password_throttle);
    r5_sign_secret_clear (&resource_config.password_proof_key);
    r5_config_destroy (&config);
    return rc;
}
