/*  authz_server: the r5.authz worker — dispatch of CheckRequest. */
#ifndef AUTHZ_SERVER_H
#define AUTHZ_SERVER_H

#include "r5_service.h"

typedef struct {
    const char *brokers;
} authz_config_t;

r5_service_t authz_server_service (authz_config_t *config);

#endif
