/*  r5-resource: accounts, users, teams, incidents and the other resource types.  */
#include "resource_server.h"
#include "r5_log.h"
#include "r5_mongo.h"

static const r5_config_key_t s_keys [] = {
    { "mongodb_uri", NULL, "MongoDB connection string (mongodb://host:port/db)", true },
    { "mongodb_write_concern", "majority", "write concern: majority, or a number of nodes", false },
    { "events_publish", "tcp://127.0.0.1:5556", "comma-separated endpoints to publish user.changed events to (the brokers' event input)", false },
    R5_CONFIG_COMMON_KEYS,
    { NULL, NULL, NULL, false }
};

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-resource", s_keys, argc, argv);
    char *masked = r5_mongo_uri_mask (r5_config_get (config, "mongodb_uri"));
    r5_info (NULL, "using mongodb at %s", masked);
    free (masked);

    resource_config_t resource_config = {
        .mongodb_uri = r5_config_get (config, "mongodb_uri"),
        .mongodb_write_concern = r5_config_get (config, "mongodb_write_concern"),
        .brokers = r5_config_get (config, "brokers"),
        .events_publish = r5_config_get (config, "events_publish"),
    };
    r5_service_t service = resource_server_service (&resource_config);
    int rc = r5_service_run ("r5-resource", &service);
    r5_config_destroy (&config);
    return rc;
}
