/*  r5-authz: the one policy decision point.  */
#include "authz_server.h"
#include "r5_log.h"
#include "r5_service.h"

static const r5_config_key_t s_keys [] = {
    R5_CONFIG_COMMON_KEYS,
    { NULL, NULL, NULL, false }
};

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-authz", s_keys, argc, argv);
    r5_service_bus_keys ("r5-authz", config, false);
    authz_config_t authz_config = { .brokers = r5_config_get (config, "brokers") };
    int rc = r5_service_run ("r5-authz", authz_server_actor, &authz_config);
    r5_config_destroy (&config);
    return rc;
}
