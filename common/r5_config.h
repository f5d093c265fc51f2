/*  r5_config: one table of keys with defaults per service (like redis'
    static_configs[]), so --help and validation come from data.

    Precedence, lowest first: the table's default, a config file of
    "key = value" lines (--config FILE or R5_CONFIG), the environment
    variable R5_<KEY>, and the command line (--key value or --key=value,
    with '-' for '_').  A key without a default is required: a missing one
    fails start-up with one clear line. */
#ifndef R5_CONFIG_H
#define R5_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *name;           //  e.g. "mongodb_uri"; its variable is R5_MONGODB_URI
    const char *default_value;  //  NULL: required
    const char *help;
    bool secret;                //  never printed (shown as "(set)")
} r5_config_key_t;

typedef struct _r5_config_t r5_config_t;

//  Load the configuration for a program. Returns NULL and writes one line into
//  error when a value is missing or unknown, or when --help was asked for
//  (then error is empty and the caller should print help and exit 0).
r5_config_t *r5_config_new (const r5_config_key_t *keys, int argc, char **argv,
                            char *error, size_t error_size);
void r5_config_destroy (r5_config_t **self_p);

//  The value of a key in the table (borrowed; "" when set to empty).
const char *r5_config_get (r5_config_t *self, const char *name);

//  The value as an integer; returns -1 and fills error when it is not one within [min, max].
int r5_config_int (r5_config_t *self, const char *name, int64_t min, int64_t max,
                   int64_t *value, char *error, size_t error_size);

bool r5_config_bool (r5_config_t *self, const char *name);

//  Print usage generated from the table.
void r5_config_print_help (const r5_config_key_t *keys, const char *program, FILE *out);

//  Keys every service shares; append them to a service's own table with R5_CONFIG_COMMON_KEYS.
#define R5_CONFIG_COMMON_KEYS \
    { "brokers", "tcp://127.0.0.1:5555", "comma-separated broker endpoints to connect to", false }, \
    { "bus_key", "", "this program's CURVE secret certificate (r5-keygen; mode 0600); required", false }, \
    { "broker_key", "", "the brokers' CURVE public certificate (r5-keygen); required", false }, \
    { "log_level", "info", "debug, info, warn or error", false }, \
    { "log_format", "text", "text (one line per event) or json (one object per line)", false }, \
    R5_CONFIG_METRICS_KEY, \
    R5_CONFIG_SHUTDOWN_GRACE_KEY

//  A service's (r5_service_run): how many requests one process serves at once.
#define R5_CONFIG_WORKERS_KEY \
    { "workers", "2", "requests this process serves at once (1 to 64): each worker is an actor with its own broker connection and MongoDB pool, so a slow request (a password hash) does not hold up the others", false }

//  Every program's own: where r5_admin serves /metrics and /healthz.
#define R5_CONFIG_METRICS_KEY \
    { "metrics_listen", "", "address:port to serve Prometheus /metrics and /healthz on (e.g. 127.0.0.1:9400; port 0: any free one); empty: off", false }

//  On SIGTERM/SIGINT every program drains: it finishes what it has started,
//  for at most this long (docs/operations.md, "Stop and drain").
#define R5_CONFIG_SHUTDOWN_GRACE_KEY \
    { "shutdown_grace_ms", "10000", "on SIGTERM/SIGINT, finish the requests in flight for at most this long, then exit", false }

#endif
