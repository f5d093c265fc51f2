/*  broker_allow: the brokers' allow-list of CURVE public keys, and what each
    key may do on the bus.

    The file (written by r5-keygen, edited by operators) has one grant per
    line; blank lines and lines starting with '#' are ignored:

        <role> <public key, 40 characters of Z85>
        serve <service> <public key>     (a service outside r5's own)
        call <service> <public key>

    A key may appear on several lines. What the roles grant is a table in
    broker_allow.c (docs/messaging.md, "Keys and roles"):

        role      serves        calls                         events
        gateway   -             r5.token r5.authz r5.resource subscribes
        token     r5.token      r5.resource                   publishes
        authz     r5.authz      -                             -
        resource  r5.resource   r5.authz                      publishes
        internal  -             r5.token                      -

    An allow-list is immutable once loaded. Each thread that consults one
    (the ZAP handler, each broker, the event relay) owns its own and calls
    broker_allow_refresh about once a second: it reloads when the file changed
    (size, modification time or inode: an edit in place or a rename over it)
    or when SIGHUP arrived since its last load. A file that fails to parse is
    logged and the previous list stays in force. */
#ifndef BROKER_ALLOW_H
#define BROKER_ALLOW_H

#include <czmq.h>
#include <stdbool.h>

typedef struct _broker_allow_t broker_allow_t;

//  Most grants one file may hold.
#define BROKER_ALLOW_MAX 10000

//  What a ZAP domain (one kind of broker socket) admits.
#define BROKER_DOMAIN_BUS        "r5.bus"           //  requests and workers (ROUTER)
#define BROKER_DOMAIN_EVENTS_IN  "r5.events.in"     //  publishers (XSUB)
#define BROKER_DOMAIN_EVENTS_OUT "r5.events.out"    //  subscribers (XPUB)

//  Load path. NULL, with one line in error, when it cannot be read or holds a
//  line that is not a grant.
broker_allow_t *broker_allow_new (const char *path, char *error, size_t error_size);
void broker_allow_destroy (broker_allow_t **self_p);

//  Reload when the file changed or SIGHUP came since the last load. Returns
//  true when a new list took effect.
bool broker_allow_refresh (broker_allow_t *self);

//  Number of keys with at least one grant.
size_t broker_allow_size (broker_allow_t *self);

//  True when key (Z85) may connect to a socket of domain.
bool broker_allow_admits (broker_allow_t *self, const char *key, const char *domain);

//  Whether key may publish an event with this topic (its roles' prefixes).
bool broker_allow_may_publish (broker_allow_t *self, const char *key, const char *topic);

//  True when key may register as a worker for service.
bool broker_allow_may_serve (broker_allow_t *self, const char *key, const char *service);

//  True when key may send requests to service.
bool broker_allow_may_call (broker_allow_t *self, const char *key, const char *service);

//  Write key's roles into roles as a comma-separated list ("" for none).
void broker_allow_roles (broker_allow_t *self, const char *key, char *roles, size_t size);

//  Count SIGHUPs from now on (idempotent). Every allow-list reloads at its
//  next refresh after one.
void broker_allow_catch_sighup (void);

#endif
