/*  gateway_private: the gateway's shared state, for its own files only. */
#ifndef GATEWAY_PRIVATE_H
#define GATEWAY_PRIVATE_H

#include "gateway.h"
#include "gateway_apq.h"
#include "gateway_documents.h"
#include "gateway_cache.h"
#include "gateway_leaks.h"
#include "gateway_ratelimit.h"
#include "r5_throttle.h"
#include "gql.h"

#include <stdatomic.h>

typedef struct _gateway_events_t gateway_events_t;

struct _gateway_t {
    gateway_config_t config;
    struct mg_context *civetweb;
    struct mg_context *admin;       //  the admin listener, or NULL
    gql_schema_t *schema;
    gql_executor_t *executor;
    char *schema_sdl;               //  served at /schema.graphql
    gateway_cache_t *cache;
    gateway_events_t *events;
    gateway_apq_t *apq;             //  persisted queries, or NULL: APQ off
    gateway_documents_t *documents; //  parsed documents by text, or NULL: each request parses its own
    gateway_leaks_keys_t *leak_keys;   //  secret scanners' public keys, or NULL: no report route
    gateway_ratelimit_t *ratelimit; //  /graphql budgets, or NULL: limits off
    //  Attempts, counted before the check (r5_throttle.h).
    r5_throttle_t *login_by_pair;      //  logins per email from one client address
    r5_throttle_t *login_by_email;     //  logins per email from anywhere (slows distributed guessing)
    r5_throttle_t *login_by_address;   //  logins per client address, any email
    r5_throttle_t *signup_by_address;  //  signups per client address
    //  Counters for /metrics.
    atomic_uint_fast64_t requests_total;
    atomic_uint_fast64_t requests_unauthenticated;
    atomic_uint_fast64_t requests_failed;
    atomic_uint_fast64_t cache_hits;
    atomic_uint_fast64_t cache_misses;
    atomic_uint_fast64_t document_hits;     //  requests whose document came from the cache
    atomic_uint_fast64_t document_misses;   //  requests parsed while the cache is on
    //  Drain (gateway_drain): set once, read by every worker thread.
    atomic_bool draining;
    atomic_int in_flight;           //  requests being served on the public listener
};

//  The calling civetweb thread's own state. Its broker client is made on the
//  thread's first request, so threads that only ever hold idle connections
//  own no sockets; client is NULL only if that fails.
gateway_thread_t *gateway_thread (struct mg_connection *conn);

#endif
