/*  r5_service_config: a program's start-up settings (r5_service_config.h).  */
#include "r5_service_config.h"
#include "r5_build.h"
#include "r5_log.h"

#include <stdio.h>
#include <stdlib.h>

r5_config_t *
r5_service_config (const char *program, const r5_config_key_t *keys, int argc, char **argv)
{
    if (r5_build_version_asked (program, argc, argv))
        exit (0);
    char error [256];
    r5_config_t *config = r5_config_new (keys, argc, argv, error, sizeof error);
    if (!config && !*error) {
        r5_config_print_help (keys, program, stdout);
        exit (0);
    }
    int level = config ? r5_log_level_parse (r5_config_get (config, "log_level")) : 0;
    if (config && level < 0)
        snprintf (error, sizeof error, "bad value for log_level: '%s' (expected debug, info, warn or error)",
                  r5_config_get (config, "log_level"));
    int format = config ? r5_log_format_parse (r5_config_get (config, "log_format")) : 0;
    if (config && level >= 0 && format < 0)
        snprintf (error, sizeof error, "bad value for log_format: '%s' (expected text or json)",
                  r5_config_get (config, "log_format"));
    if (!config || level < 0 || format < 0) {
        fprintf (stderr, "%s: %s\n", program, error);
        exit (2);
    }
    r5_log_init (program, (r5_log_level_t) level);
    r5_log_set_format ((r5_log_format_t) format);
    return config;
}
