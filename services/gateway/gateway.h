/*  gateway: the HTTP front of r5. It owns nothing persistent: civetweb
    threads each get their own broker client (per-thread sockets), and every
    request is authenticated, parsed, validated and executed by calling the
    services through the brokers.

    Shared state (schema, executor, verdict cache, counters) is immutable or
    internally locked; nothing that owns a socket crosses threads. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <civetweb.h>
#include <stdbool.h>
#include <stdint.h>
#include "r5_throttle.h"
#include "r5_client.h"
#include "r5_scope.h"
#include "r5_assertion.h"
#include "r5_sign.h"
#include "r5/common.pb-c.h"

typedef struct {
    const char *listen;             //  civetweb listening_ports, e.g. "127.0.0.1:8080"
    const char *admin_listen;       //  "" or where /metrics and /readyz are served instead
    int threads;                    //  civetweb worker threads: one per open keep-alive connection
    const char *brokers;
    const char *events;             //  broker XPUB endpoints for cache invalidation events
    const char *events_publish;     //  broker XSUB endpoints for this gateway's answers (r5_events.h)
    int events_timeout_ms;          //  a relay silent this long: the verdict cache is not trusted (0: 100)
    const char *schema_file;        //  the SDL the gateway serves
    const char *web_root;           //  the web UI's static files ("" disables it)
    const char *explorer_root;      //  the built GraphQL explorer, served at /explorer/ ("" disables it)
    size_t max_body;
    int request_timeout_ms;         //  longest wait for a request's headers, and for its body
    int keep_alive_timeout_ms;      //  an idle keep-alive connection is closed after this
    int max_json_depth;             //  deeper JSON from a client is refused with 400
    int rpc_timeout_ms;
    bool introspection;
    bool signup;
    bool trust_proxy;               //  take the client IP from X-Forwarded-For
    bool secure_cookies;            //  add Secure to the session cookie (behind TLS)
    const char *public_origin;      //  e.g. "https://r5.example.com"; "" = the request's own Host
    int verdict_cache_seconds;      //  0 disables the verdict cache
    bool access_log;                //  one info line per HTTP request
    int apq_cache_entries;          //  persisted queries kept (0: APQ off, PERSISTED_QUERY_NOT_SUPPORTED)
    int document_cache_entries;     //  parsed and validated documents kept (0: none)
    const char *cors_origins;       //  comma-separated exact origins allowed cross-origin ("" none)
    const char *secret_scanning_keys;   //  file of scanners' public keys ("" or NULL: no report route)
    int64_t rate_limit_points;      //  /graphql points per user per window (0: no budget, no headers)
    int rate_limit_window_seconds;  //  the budget's fixed window (0: 3600)
    r5_limit_t login_limit_per_email_and_address;
    r5_limit_t login_limit_per_email;
    r5_limit_t login_limit_per_address;
    r5_limit_t signup_limit_per_address;
} gateway_config_t;

//  Longest signed claims of a principal assertion the gateway keeps.
#define GATEWAY_ASSERTION_CLAIMS_MAX R5_ASSERTION_CLAIMS_MAX
//  A verdict is not used within this long of its assertion's expiry, so the
//  assertion it sends still holds when the services (and r5-authz after
//  them) check it, on a clock a little behind or ahead of ours.
#define GATEWAY_ASSERTION_MARGIN_MS 5000

//  An authenticated caller, as token verification answered.
typedef struct {
    char user_id [32];
    char account_id [32];
    char token_id [32];
    char name [128];
    char email [256];
    R5__Role role;
    R5__CredentialKind kind;
    r5_scope_set_t scopes;
    //  The principal as r5-token signed it: sent as RequestMeta.assertion
    //  (services act on nothing else), kept with the cached verdict.
    uint8_t assertion_claims [GATEWAY_ASSERTION_CLAIMS_MAX];
    size_t assertion_claims_size;
    uint8_t assertion_signature [R5_SIGN_SIGNATURE_SIZE];
    int64_t assertion_expires_ms;
} gateway_principal_t;

//  The request a thread has in hand (gateway_access.h).
typedef struct _gateway_exchange_t gateway_exchange_t;

//  What each civetweb worker thread owns.
typedef struct {
    r5_client_t *client;
    gateway_exchange_t *exchange;
    //  The request in hand, for its duration metric (gateway_health.c).
    int64_t started_ns;
    int operation_kind;             //  0 none, else 1 + its gql_operation_type_t
    bool in_request;        //  serving a request on the public listener (counted in in_flight)
    //  The X-RateLimit-* headers of the /graphql request in hand ("" before
    //  authentication or with limits off; gateway_rate.h).
    char rate_headers [256];
} gateway_thread_t;

typedef struct _gateway_t gateway_t;

//  Start serving. NULL with one line in error when the schema, the port or a
//  broker endpoint is unusable.
gateway_t *gateway_new (const gateway_config_t *config, char *error, size_t error_size);
void gateway_destroy (gateway_t **self_p);

//  Drain (SIGINT/SIGTERM): from now on /readyz answers 503, and a request that
//  begins on the public listener answers 503 with Connection: close and
//  Retry-After (it was not started: any client may send it again, to
//  another gateway); /healthz and /metrics are served as before. Waits up to
//  grace_ms for the requests in flight to finish. Returns how many were still
//  running when the grace ended (0: all finished). gateway_destroy then stops.
int gateway_drain (gateway_t *self, int grace_ms);

//  The first TCP port the gateway listens on (useful with port 0 in tests).
int gateway_port (gateway_t *self);

//  The admin listener's first TCP port, or -1 when there is none.
int gateway_admin_port (gateway_t *self);

#endif
