/*  r5-authz: the one policy decision point.  */
#include "authz_server.h"
#include "r5_log.h"
#include "r5_service.h"

static const r5_config_key_t s_keys [] = {
    { "assertion_verify_key", NULL, "file of r5-token's Ed25519 public assertion key (r5-keygen: assertion.verify)", false },
    R5_CONFIG_COMMON_KEYS,
    R5_CONFIG_WORKERS_KEY,
    { NULL, NULL, NULL, false }
};

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-authz", s_keys, argc, argv);
    r5_service_bus_keys ("r5-authz", config, false);
    authz_config_t authz_config = { .brokers = r5_config_get (config, "brokers") };
    char error [300];
    //  Without r5-token's key no principal could ever be trusted: stop now.
    if (r5_sign_public_load (r5_config_get (config, "assertion_verify_key"), &authz_config.assertion_verify_key,
                             error, sizeof error)) {
        r5_error (NULL, "bad value for assertion_verify_key: %s", error);
        r5_config_destroy (&config);
        return 1;
    }
    r5_admin_t *metrics = r5_service_metrics ("r5-authz", config);
    int rc = r5_service_run ("r5-authz", config, authz_server_actor, &authz_config, &metrics);
    r5_config_destroy (&config);
    return rc;
}
