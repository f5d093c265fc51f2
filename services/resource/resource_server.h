/*  resource_server: the r5.resource worker — its state and request dispatch. */
#ifndef RESOURCE_SERVER_H
#define RESOURCE_SERVER_H

#include "r5_service.h"

typedef struct {
    const char *mongodb_uri;
    const char *mongodb_write_concern;
    const char *brokers;            //  also how r5-authz is reached; NULL: no r5-authz (every decision
                                    //  answers UNAVAILABLE: the fuzz harness)
    const char *events_publish;     //  PUB endpoints for user.changed events ("" for none)
    bool skip_indexes;              //  true: create no index at start-up (a state that needs no
                                    //  database to exist: the fuzz harness)
} resource_config_t;

//  r5_service callbacks; config is a resource_config_t *.
void *resource_server_new (void *config, char *error, size_t error_size);
void resource_server_destroy (void **self_p);
uint8_t *resource_server_handle (void *self, const uint8_t *body, size_t size,
                                 int64_t deadline_unix_ms, size_t *reply_size);

//  An r5_service_t for this service, for main() and for tests.
r5_service_t resource_server_service (resource_config_t *config);

#endif
