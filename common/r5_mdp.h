/*  r5_mdp: the frames of r5's Majordomo variant, shared by r5_client,
    r5_worker and the broker. docs/messaging.md is the reference; keep the two
    in step.

    Every message starts with an empty delimiter frame, then a 4-byte header
    naming the peer kind and the protocol version:

    client -> broker  [""] ["R5C1"] [service] [request_id:8] [deadline_unix_ms:8] [body]
    broker -> client  [""] ["R5C1"] [service] [request_id:8] [status:1] [body]
    worker <-> broker [""] ["R5W2"] [command:1] ...
        READY      0x01 [service]                                      worker -> broker
        REQUEST    0x02 [client_identity] [request_id:8] [deadline:8] [caller] [body]
                                                                       broker -> worker
        REPLY      0x03 [client_identity] [request_id:8] [body]         worker -> broker
        HEARTBEAT  0x04                                                both ways
        DISCONNECT 0x05                                                both ways
        RELEASE    0x06 [client_identity] [request_id:8]               worker -> broker

    Integers are big-endian; request ids are unsigned, deadlines signed
    (milliseconds since the Unix epoch, 0 = none). The body is opaque. The
    caller is the client's roles as the broker authenticated its CURVE key
    ("gateway", "token,internal"): workers trust it because only the broker,
    whose key they pin, can send them requests. */
#ifndef R5_MDP_H
#define R5_MDP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define R5_MDP_CLIENT "R5C1"
#define R5_MDP_WORKER "R5W2"
#define R5_MDP_HEADER_SIZE 4

//  Worker commands (one byte).
#define R5_MDP_READY      0x01
#define R5_MDP_REQUEST    0x02
#define R5_MDP_REPLY      0x03
#define R5_MDP_HEARTBEAT  0x04
#define R5_MDP_DISCONNECT 0x05
#define R5_MDP_RELEASE    0x06   //  a request given back unstarted

//  Reply status (one byte) from broker to client.
#define R5_MDP_OK          0   //  body follows
#define R5_MDP_UNAVAILABLE 1   //  no worker registered for the service, or queue full
#define R5_MDP_DEADLINE    2   //  expired in the broker's queue while workers were busy
#define R5_MDP_FORBIDDEN   3   //  the client's key may not call this service

//  The body of an UNAVAILABLE from a stopping broker: it says nothing of the
//  service, so a client asks again, and not only other brokers it knows of
//  now (one may still be connecting: a replacement, a handshake under way).
#define R5_MDP_DRAINING "draining"

//  The roles a key can hold in the brokers' allow-list (docs/messaging.md).
#define R5_ROLE_GATEWAY  "gateway"
#define R5_ROLE_TOKEN    "token"
#define R5_ROLE_AUTHZ    "authz"
#define R5_ROLE_RESOURCE "resource"
#define R5_ROLE_INTERNAL "internal"

//  Longest caller frame: every role name, comma-separated.
#define R5_MDP_CALLER_MAX 64

//  Service names are short printable strings ("r5.token").
#define R5_MDP_SERVICE_MAX 255

//  Heartbeats: every R5_HEARTBEAT_MS (default 250) each side sends one when it
//  has sent nothing else; a peer silent for R5_MDP_LIVENESS intervals is dead.
#define R5_MDP_HEARTBEAT_MS 250
#define R5_MDP_LIVENESS     4

//  Results of r5_client_wait / r5_client_call (negative; 0 is success).
#define R5_RPC_OK           0
#define R5_RPC_UNAVAILABLE -1   //  no worker registered for the service (or no broker)
#define R5_RPC_DEADLINE    -2   //  no answer before the deadline
#define R5_RPC_INTERRUPTED -3   //  the ZeroMQ context was terminated (a signal does not end a call)
#define R5_RPC_INVALID     -4   //  bad arguments or a request id this client is not waiting for
#define R5_RPC_FORBIDDEN   -5   //  this process's key may not call the service

//  Write a 64-bit unsigned integer big-endian into 8 bytes.
static inline void
r5_mdp_put_u64 (uint8_t *out, uint64_t value)
{
    for (int i = 7; i >= 0; i--) {
        out [i] = (uint8_t) (value & 0xff);
        value >>= 8;
    }
}

//  True when the comma-separated list roles holds role exactly.
static inline bool
r5_mdp_roles_have (const char *roles, const char *role)
{
    size_t length = strlen (role);
    for (const char *item = roles; *item;) {
        const char *comma = strchr (item, ',');
        size_t size = comma ? (size_t) (comma - item) : strlen (item);
        if (size == length && memcmp (item, role, length) == 0)
            return true;
        if (!comma)
            break;
        item = comma + 1;
    }
    return false;
}

//  True when the caller's roles (a comma-separated list) hold one of allowed's.
static inline bool
r5_mdp_roles_meet (const char *caller, const char *allowed)
{
    char role [R5_MDP_CALLER_MAX + 1];
    for (const char *item = caller; *item;) {
        const char *comma = strchr (item, ',');
        size_t size = comma ? (size_t) (comma - item) : strlen (item);
        if (size <= R5_MDP_CALLER_MAX) {
            memcpy (role, item, size);
            role [size] = '\0';
            if (r5_mdp_roles_have (allowed, role))
                return true;
        }
        if (!comma)
            break;
        item = comma + 1;
    }
    return false;
}

//  Read 8 big-endian bytes.
static inline uint64_t
r5_mdp_get_u64 (const uint8_t *in)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = (value << 8) | in [i];
    return value;
}

//  The heartbeat interval in ms: R5_HEARTBEAT_MS when it holds a number in
//  [10, 60000], else the default. Read once per broker/worker at creation.
static inline int
r5_mdp_heartbeat_ms (void)
{
    const char *text = getenv ("R5_HEARTBEAT_MS");
    if (text && *text) {
        char *end;
        long value = strtol (text, &end, 10);
        if (*end == '\0' && value >= 10 && value <= 60000)
            return (int) value;
    }
    return R5_MDP_HEARTBEAT_MS;
}

#endif
