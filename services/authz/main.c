/*  r5-authz: the one policy decision point.  */
#include "authz_server.h"
#include "r5_log.h"

static const r5_config_key_t s_keys [] = {
    R5_CONFIG_COMMON_KEYS,
    { NULL, NULL, NULL, false }
};

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-authz", s_keys, argc, argv);
    authz_config_t authz_config = { .brokers = r5_config_get (config, "brokers") };
    r5_service_t service = authz_server_service (&authz_config);
    int rc = r5_service_run ("r5-authz", &service);
    r5_config_destroy (&config);
    return rc;
}
