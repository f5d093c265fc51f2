/*  broker_private: what the broker's two files share (broker.c routes
    messages; broker_actor.c runs the actor, its pipe and its timers). Not for
    use outside services/broker. */
#ifndef BROKER_PRIVATE_H
#define BROKER_PRIVATE_H

#include "broker.h"
#include "broker_allow.h"
#include "r5_mdp.h"

#include <stdbool.h>
#include <stdint.h>

//  How long after a request's deadline a late answer to it is still taken.
#define BROKER_ASSIGNMENT_GRACE_MS 1000


typedef struct _broker_service_t broker_service_t;

//  One request waiting for a worker.
typedef struct {
    zframe_t *client;           //  the client's identity
    uint8_t id [8];
    int64_t deadline;           //  unix ms
    char caller [R5_MDP_CALLER_MAX + 1];    //  the client's roles, for the worker
    zframe_t *body;
} broker_request_t;

//  One request handed to a worker and not yet answered. Only that worker's
//  key may answer it, so no peer can forge a reply to another's request. The
//  request itself is kept so that it can be queued again when the worker
//  gives it back unstarted (RELEASE, or DISCONNECT while holding it).
typedef struct {
    char worker_key [41];       //  the CURVE key of the worker it went to
    char *worker;               //  that worker's identity in hex
    char *service;
    int64_t deadline;           //  unix ms; forgotten a grace period after
    broker_request_t *request;       //  NULL once queued again
} broker_assignment_t;

//  One registered worker.
typedef struct {
    char *key;                  //  identity in hex: the workers table key
    char curve_key [41];        //  the CURVE key it registered with
    zframe_t *identity;
    broker_service_t *service;
    int64_t expiry;             //  monotonic ms
    void *waiting;              //  handle in service->waiting while idle, else NULL
    char *assignment;           //  the request it holds (assignments key), else NULL
    int64_t assignment_deadline;    //  unix ms: past it, the worker counts as available
} broker_worker_t;

struct _broker_service_t {
    char *name;
    zlistx_t *requests;         //  broker_request_t *, oldest first
    zlistx_t *waiting;          //  broker_worker_t * idle, longest idle first
    size_t workers;             //  registered, idle or busy
    int64_t grace_until;        //  unix ms: its last worker fell silent; wait for it till then
};

struct _broker_t {
    zsock_t *pipe;              //  NULL outside the actor
    zsock_t *router;            //  NULL when the bind failed
    char endpoint [256];
    zhashx_t *services;         //  name -> broker_service_t
    zhashx_t *workers;          //  hex identity -> broker_worker_t
    zhashx_t *assignments;      //  "<client hex>/<request id hex>" -> broker_assignment_t
    broker_allow_t *allow;      //  this broker's copy of the allow-list
    bool zap_started;
    int64_t refresh_at;         //  monotonic ms: next look at the allow-list file
    int64_t refusal_logged_at;  //  monotonic ms: refusals log at most once a second
    int heartbeat_ms;
    int liveness;
    size_t queue_max;
    int64_t heartbeat_at;       //  monotonic ms
    int64_t next_expiry;        //  unix ms: no queued request expires before this
    int64_t started;            //  unix ms: when this broker started
    int64_t start_grace_ms;     //  requests for a service with no worker wait this long after start
    uint64_t requests;          //  counters for STATS
    uint64_t replies;
    int64_t shutdown_grace_ms;  //  how long a drain waits for workers' answers
    bool draining;              //  SIGINT/SIGTERM seen: new requests answer UNAVAILABLE
    int64_t drain_until;        //  monotonic ms: the drain ends then at the latest
    bool drained;               //  DRAINED told to the pipe
    bool terminated;
};

//  Show the broker's metric families (r5_metrics) before anything happens.
void broker_metrics_register (void);

//  Set the gauges of a service (queue depth, workers) to its present state.
void broker_metrics_service (broker_service_t *service);

//  Destructors of the broker's tables (zhashx_set_destructor).
void broker_assignment_destroy (void **item_p);

//  Until when requests for service wait for a worker although none is
//  registered (the start grace, or the grace after its last worker fell silent).
int64_t broker_grace_end (broker_t *self, broker_service_t *service);

void broker_request_destroy (broker_request_t **self_p);

//  Answer a client. body may be NULL (an empty body frame is sent).
void broker_send_client (broker_t *self, zframe_t *client, const char *service, const uint8_t id [8],
                         uint8_t status, zframe_t *body);

//  Send a command with no arguments to a worker. Returns 0 or -1 with errno.
int broker_send_command (broker_t *self, zframe_t *identity, uint8_t command);

void broker_service_destroy (void **item_p);

//  Forget a service that has neither workers nor requests (nor a grace).
void broker_service_release (broker_t *self, broker_service_t *service);

//  Remove a worker from its service and from the broker. silent: it only
//  missed heartbeats (it may be busy, or paused, and come back): when it was
//  the service's last, requests wait for a worker for the start grace again.
void broker_worker_delete (broker_t *self, broker_worker_t *worker, const char *why, bool silent);

void broker_worker_destroy (void **item_p);

//  Mark a worker idle and give it work if any waits.
void broker_worker_idle (broker_t *self, broker_worker_t *worker);

#endif
