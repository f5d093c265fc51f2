/*  broker_zap: the process's ZAP handler.  */
#include "broker_zap.h"
#include "broker_allow.h"
#include "r5_log.h"

#include <czmq.h>
#include <pthread.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static zactor_t *s_handler;
static int s_users;

//  Answer one ZAP request (RFC 27): [version] [request id] [domain] [address]
//  [identity] [mechanism] [credentials...].
static void
s_answer (zsock_t *handler, broker_allow_t *allow)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *id = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credential = zmsg_pop (request);

    char key [41] = "";
    bool admitted = false;
    if (mechanism && streq (mechanism, "CURVE") && credential && zframe_size (credential) == 32) {
        zmq_z85_encode (key, zframe_data (credential), 32);
        admitted = broker_allow_admits (allow, key, domain ? domain : "");
    }
    if (admitted)
        r5_debug (NULL, "admitted key %s from %s on %s", key, address ? address : "?", domain);
    else
        r5_info (NULL, "refused %s handshake from %s on %s%s%s", mechanism ? mechanism : "?",
                 address ? address : "?", domain ? domain : "?", *key ? ": key not allowed: " : "", key);
    zstr_sendx (handler, "1.0", id ? id : "", admitted ? "200" : "400", admitted ? "OK" : "not allowed",
                admitted ? key : "", "", NULL);

    zframe_destroy (&credential);
    zstr_free (&version);
    zstr_free (&id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&identity);
    zstr_free (&mechanism);
    zmsg_destroy (&request);
}

//  The handler: answers handshakes, refreshes its allow-list every second.
static void
s_zap_actor (zsock_t *pipe, void *args)
{
    broker_allow_t *allow = (broker_allow_t *) args;
    zsock_signal (pipe, 0);
    //  zactor_new ignores the signal's status, so the outcome follows as a string.
    zsock_t *handler = zsock_new (ZMQ_REP);
    //  A handler stopped just before (tests restart brokers) releases the
    //  inproc name only once its socket is reaped, a moment after closing.
    int rc = handler ? zsock_bind (handler, S_ZAP_ENDPOINT) : -1;
    for (int attempt = 0; handler && rc != 0 && zmq_errno () == EADDRINUSE && attempt < 100; attempt++) {
        zclock_sleep (10);
        rc = zsock_bind (handler, S_ZAP_ENDPOINT);
    }
    if (rc != 0) {
        zstr_send (pipe, "cannot bind the ZAP handler at " S_ZAP_ENDPOINT);
        zsock_destroy (&handler);
        broker_allow_destroy (&allow);
        return;
    }
    zstr_send (pipe, "");
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    while (true) {
        void *which = zpoller_wait (poller, 1000);
        if (which == pipe)
            break;                  //  $TERM: only the pipe's owner stops the handler
        if (which == handler)
            s_answer (handler, allow);
        broker_allow_refresh (allow);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&handler);
    broker_allow_destroy (&allow);
}

int
broker_zap_start (const char *path, char *error, size_t error_size)
{
    pthread_mutex_lock (&s_lock);
    int rc = 0;
    if (s_users == 0) {
        broker_allow_t *allow = broker_allow_new (path, error, error_size);
        s_handler = allow ? zactor_new (s_zap_actor, allow) : NULL;
        char *outcome = s_handler ? zstr_recv (s_handler) : NULL;
        if (s_handler && (!outcome || *outcome)) {
            snprintf (error, error_size, "%s", outcome ? outcome : "cannot start the ZAP handler");
            zactor_destroy (&s_handler);
        }
        zstr_free (&outcome);
        rc = s_handler ? 0 : -1;
    }
    if (rc == 0)
        s_users++;
    pthread_mutex_unlock (&s_lock);
    return rc;
}

void
broker_zap_stop (void)
{
    pthread_mutex_lock (&s_lock);
    if (s_users > 0 && --s_users == 0)
        zactor_destroy (&s_handler);
    pthread_mutex_unlock (&s_lock);
}
