/*  r5_service_config: a program's start-up settings (--version, --help, its
    key table, log level and format). Apart from r5_service.c, so a program
    that reads settings but never joins the bus (r5-keygen) links no bus,
    metrics or HTTP library. */
#ifndef R5_SERVICE_CONFIG_H
#define R5_SERVICE_CONFIG_H

#include "r5_config.h"

//  Load a program's configuration from its key table (see r5_config.h) and
//  start logging at its log_level. Prints help and exits 0 on --help; prints
//  one line and exits 2 on a bad or missing setting.
r5_config_t *r5_service_config (const char *program, const r5_config_key_t *keys, int argc, char **argv);

#endif
