/*  r5-token: personal access tokens and login sessions, served over the
    brokers as "r5.token". Reads its configuration, loads the pepper, and
    runs the token_server actor until SIGINT/SIGTERM. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "r5_assertion.h"
#include "r5_config.h"
#include "r5_log.h"
#include "r5_mongo.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "r5_token_format.h"
#include "token_server.h"

#define S_STR(x) #x
#define S_XSTR(x) S_STR(x)

static const r5_config_key_t s_keys [] = {
    { "mongodb_uri", NULL, "MongoDB URI (mongodb://host:port/db?...)", true },
    { "mongodb_write_concern", "majority", "write concern: majority, a number, or empty for the URI's", false },
    { "pepper", "", "token pepper, 64 hex characters (or use pepper_file)", true },
    { "pepper_file", "", "file holding the pepper (32 bytes or 64 hex characters)", false },
    { "pepper_create", "0", "create pepper_file (mode 0600) when it does not exist: 1 or 0", false },
    { "events_publish", "tcp://127.0.0.1:5556", "comma-separated broker endpoints (XSUB side) the change-event PUB socket connects to", false },
    { "events_subscribe", "tcp://127.0.0.1:5557", "comma-separated broker endpoints (XPUB side) where the gateways confirm the events they applied", false },
    { "session_idle_seconds", S_XSTR (TOKEN_SESSION_IDLE_DEFAULT_S), "a login session ends after this long without use", false },
    { "session_absolute_seconds", S_XSTR (TOKEN_SESSION_ABSOLUTE_DEFAULT_S), "a login session ends this long after sign-in, used or not", false },
    { "last_used_write_interval_seconds", S_XSTR (TOKEN_LAST_USED_INTERVAL_DEFAULT_S), "write a token's lastUsedAt at most once per this many seconds (0: every use)", false },
    { "assertion_key", NULL, "file of the Ed25519 secret key that signs principal assertions (r5-keygen: assertion.sign)", false },
    { "assertion_ttl_seconds", S_XSTR (R5_ASSERTION_TTL_DEFAULT_S), "a principal assertion holds this long after verification (10 ... 3600)", false },
    { "password_proof_verify_key", NULL, "file of r5-resource's Ed25519 public password-proof key (r5-keygen: password-proof.verify)", false },
    R5_CONFIG_COMMON_KEYS,
    R5_CONFIG_WORKERS_KEY,
    { NULL, NULL, NULL, false }
};

//  The two keys, or -1 after one line naming the setting that cannot be used.
static int
s_load_keys (r5_config_t *config, token_config_t *settings)
{
    char error [300];
    if (r5_sign_secret_load (r5_config_get (config, "assertion_key"), &settings->assertion_key, error, sizeof error)) {
        r5_error (NULL, "bad value for assertion_key: %s", error);
        return -1;
    }
    if (r5_sign_public_load (r5_config_get (config, "password_proof_verify_key"), &settings->password_proof_verify_key,
                             error, sizeof error)) {
        r5_error (NULL, "bad value for password_proof_verify_key: %s", error);
        r5_sign_secret_clear (&settings->assertion_key);
        return -1;
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-token", s_keys, argc, argv);
    r5_service_bus_keys ("r5-token", config, false);
    if (sodium_init () < 0) {
        r5_error (NULL, "cannot initialise libsodium");
        r5_config_destroy (&config);
        return 1;
    }
    char error [256];
    token_config_t settings;
    memset (&settings, 0, sizeof settings);
    int64_t idle_s, absolute_s, interval_s, assertion_s;
    if (s_load_keys (config, &settings)) {
        r5_config_destroy (&config);
        return 1;
    }
    if (r5_config_int (config, "session_idle_seconds", 60, 90LL * 86400, &idle_s, error, sizeof error)
    ||  r5_config_int (config, "assertion_ttl_seconds", 10, 3600, &assertion_s, error, sizeof error)
    ||  r5_config_int (config, "session_absolute_seconds", 60, 365LL * 86400, &absolute_s, error, sizeof error)
    ||  r5_config_int (config, "last_used_write_interval_seconds", 0, 86400, &interval_s, error, sizeof error)
    ||  r5_pepper_load (r5_config_get (config, "pepper"), r5_config_get (config, "pepper_file"),
                        r5_config_bool (config, "pepper_create"), settings.pepper, error, sizeof error)) {
        r5_error (NULL, "%s", error);
        r5_sign_secret_clear (&settings.assertion_key);
        r5_config_destroy (&config);
        return 1;
    }
    if (idle_s > absolute_s)
        idle_s = absolute_s;        //  the idle expiry can never extend past the absolute one
    settings.mongodb_uri = r5_config_get (config, "mongodb_uri");
    settings.mongodb_write_concern = r5_config_get (config, "mongodb_write_concern");
    settings.events = r5_config_get (config, "events_publish");
    settings.events_subscribe = r5_config_get (config, "events_subscribe");
    settings.brokers = r5_config_get (config, "brokers");
    settings.session_idle_ms = idle_s * 1000;
    settings.session_absolute_ms = absolute_s * 1000;
    settings.last_used_interval_ms = interval_s * 1000;
    settings.assertion_ttl_ms = assertion_s * 1000;

    char *masked = r5_mongo_uri_mask (settings.mongodb_uri);
    r5_info (NULL, "mongodb %s, events to %s, sessions idle %llds absolute %llds, last use written every %llds",
             masked ? masked : "?", settings.events, (long long) idle_s, (long long) absolute_s,
             (long long) interval_s);
    free (masked);

    r5_admin_t *metrics = r5_service_metrics ("r5-token", config);
    int rc = r5_service_run ("r5-token", config, token_server_actor, &settings, &metrics);
    sodium_memzero (settings.pepper, sizeof settings.pepper);
    r5_sign_secret_clear (&settings.assertion_key);
    r5_config_destroy (&config);
    return rc;
}
