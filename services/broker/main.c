/*  r5-broker: routes requests by service name to worker instances.

    Prints "r5-broker ready endpoint=<endpoint>" on stdout once bound (the
    integration tests wait on it) and runs until SIGINT/SIGTERM. */
#include "broker.h"
#include "broker_allow.h"
#include "broker_events.h"
#include "r5_config.h"
#include "r5_log.h"
#include "r5_service.h"

#include <inttypes.h>

static const r5_config_key_t s_keys [] = {
    { "bind", "tcp://127.0.0.1:5555", "endpoint to bind, e.g. tcp://*:5555", false },
    { "heartbeat_ms", "250", "heartbeat interval with workers in ms; 4 missed ones remove a worker", false },
    { "broker_queue_max", "10000", "most requests waiting per service before new ones answer UNAVAILABLE", false },
    { "events_in", "tcp://127.0.0.1:5556", "endpoint services publish change events to (XSUB)", false },
    { "events_out", "tcp://127.0.0.1:5557", "endpoint gateways subscribe to change events on (XPUB)", false },
    { "events_heartbeat_ms", "20", "interval of the event relay's heartbeats in ms (gateways trust caches only while they arrive)", false },
    { "bus_key", "", "the brokers' CURVE secret certificate (r5-keygen; mode 0600); required", false },
    { "bus_allow", NULL, "the allow-list of CURVE keys by role (r5-keygen; reloaded on change or SIGHUP)", false },
    { "log_level", "info", "debug, info, warn or error", false },
    { "log_format", "text", "text (one line per event) or json (one object per line)", false },
    R5_CONFIG_METRICS_KEY,
    R5_CONFIG_SHUTDOWN_GRACE_KEY,
    { NULL, NULL, NULL, false }
};

//  Pass one numeric setting to the actor. Returns 0 or -1 (with one line on stderr).
static int
s_set (zactor_t *actor, r5_config_t *config, const char *key, const char *setting, int64_t min, int64_t max)
{
    char error [256];
    int64_t value;
    if (r5_config_int (config, key, min, max, &value, error, sizeof error) != 0) {
        r5_error (NULL, "%s", error);
        return -1;
    }
    char text [32];
    snprintf (text, sizeof text, "%" PRId64, value);
    zstr_sendx (actor, "SET", setting, text, NULL);
    char *answer = zstr_recv (actor);
    int rc = answer && streq (answer, "0") ? 0 : -1;
    zstr_free (&answer);
    return rc;
}

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-broker", s_keys, argc, argv);
    r5_service_bus_keys ("r5-broker", config, true);
    broker_allow_catch_sighup ();
    broker_config_t broker_config = { r5_config_get (config, "bind"), r5_config_get (config, "bus_allow") };
    zactor_t *broker = zactor_new (broker_actor, &broker_config);
    if (!broker) {
        r5_error (NULL, "cannot start broker");
        r5_config_destroy (&config);
        return 1;
    }
    if (s_set (broker, config, "heartbeat_ms", "heartbeat_ms", 10, 60000) != 0
    ||  s_set (broker, config, "broker_queue_max", "queue_max", 1, 10000000) != 0
    ||  s_set (broker, config, "shutdown_grace_ms", "shutdown_grace_ms", 0, 600000) != 0) {
        zactor_destroy (&broker);
        r5_config_destroy (&config);
        return 2;
    }
    zstr_send (broker, "ENDPOINT");
    char *endpoint = zstr_recv (broker);
    if (!endpoint || !*endpoint) {
        //  The actor logged why.
        zstr_free (&endpoint);
        zactor_destroy (&broker);
        r5_config_destroy (&config);
        return 1;
    }
    int64_t events_heartbeat_ms;
    char events_error [256];
    if (r5_config_int (config, "events_heartbeat_ms", 1, 10000, &events_heartbeat_ms, events_error, sizeof events_error)) {
        fprintf (stderr, "r5-broker: %s\n", events_error);
        zactor_destroy (&broker);
        r5_config_destroy (&config);
        return 2;
    }
    broker_events_config_t events_config = { r5_config_get (config, "events_in"), r5_config_get (config, "events_out"),
                                             broker_config.allow, (int) events_heartbeat_ms };
    zactor_t *events = zactor_new (broker_events_actor, &events_config);
    zstr_send (events, "ENDPOINTS");
    char *events_in = NULL, *events_out = NULL;
    zstr_recvx (events, &events_in, &events_out, NULL);
    if (!events_in || !*events_in || !events_out || !*events_out) {
        zstr_free (&events_in);
        zstr_free (&events_out);
        zstr_free (&endpoint);
        zactor_destroy (&events);
        zactor_destroy (&broker);
        r5_config_destroy (&config);
        return 1;
    }
    r5_info (NULL, "relaying events from %s to %s", events_in, events_out);
    r5_admin_t *metrics = r5_service_metrics ("r5-broker", config);
    printf ("r5-broker ready endpoint=%s events_in=%s events_out=%s metrics_port=%d\n", endpoint, events_in, events_out,
            r5_admin_port (metrics));
    fflush (stdout);
    zstr_free (&endpoint);
    zstr_free (&events_in);
    zstr_free (&events_out);

    //  On SIGINT/SIGTERM the actor drains (it sees zsys_interrupted) and says
    //  DRAINED once the requests its workers hold are answered, or the grace
    //  is over; it sends nothing else unasked. An interrupted receive just
    //  waits on: the drain is bounded by the grace.
    while (true) {
        char *message = zstr_recv (broker);
        bool drained = message && streq (message, "DRAINED");
        bool gone = !message && !zsys_interrupted;
        zstr_free (&message);
        if (drained || gone)
            break;
    }
    r5_admin_destroy (&metrics);
    zactor_destroy (&events);
    zactor_destroy (&broker);
    r5_info (NULL, "r5-broker stopped");
    r5_config_destroy (&config);
    return 0;
}
