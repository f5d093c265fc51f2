/*  test_messaging: broker, r5_client and r5_worker together, in-process on
    tcp://127.0.0.1:* ports, plus one real worker process killed with SIGKILL.
    Every wait is on a reply or a readiness condition with a deadline. */
#include "broker.h"
#include "r5_client.h"
#include "r5_log.h"
#include "r5_time.h"
#include "r5_worker.h"
#include "r5_test.h"
#include "r5_test_bus.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

//  Service names unique to this process: a test binary running in parallel
//  may bind a port this one just released, and its workers must not serve ours.
static char s_echo [32], s_slow [32], s_late [32];
static const char *s_allow;        //  the allow-list every broker of the test loads

/*  ---------------------------------------------------------------------
    Helpers */

//  An echo worker: replies "<tag>:<body>" after delay_ms.
typedef struct {
    char brokers [256];
    const char *service;
    const char *tag;
    int delay_ms;
    atomic_int served;
} echo_t;

static void
s_echo_actor (zsock_t *pipe, void *args)
{
    echo_t *echo = (echo_t *) args;
    r5_worker_t *worker = r5_worker_new (echo->brokers, echo->service);
    zsock_signal (pipe, worker ? 0 : -1);
    if (!worker)
        return;
    r5_worker_watch (worker, pipe);
    while (!zsys_interrupted) {
        r5_request_t *request = r5_worker_recv (worker, 1000);
        if (!request) {
            if (zsock_events (pipe) & ZMQ_POLLIN) {
                char *command = zstr_recv (pipe);
                bool term = !command || streq (command, "$TERM");
                zstr_free (&command);
                if (term)
                    break;
            }
            continue;
        }
        if (echo->delay_ms)
            zclock_sleep (echo->delay_ms);      //  the work itself, not synchronisation
        char reply [512];
        int size = snprintf (reply, sizeof reply, "%s:%.*s", echo->tag,
                             (int) r5_request_size (request), (const char *) r5_request_body (request));
        atomic_fetch_add (&echo->served, 1);
        r5_worker_reply (worker, &request, reply, (size_t) size);
    }
    r5_worker_destroy (&worker);
}

static zactor_t *
s_broker_start (const char *endpoint)
{
    broker_config_t config = { endpoint, s_allow };
    zactor_t *broker = zactor_new (broker_actor, &config);
    assert (broker);
    return broker;
}

static int
s_broker_port (zactor_t *broker)
{
    zstr_send (broker, "PORT");
    char *port = zstr_recv (broker);
    int value = port ? atoi (port) : 0;
    zstr_free (&port);
    return value;
}

static int
s_broker_workers (zactor_t *broker, const char *service)
{
    zstr_sendx (broker, "WORKERS", service, NULL);
    char *count = zstr_recv (broker);
    int value = count ? atoi (count) : -1;
    zstr_free (&count);
    return value;
}

//  Wait until the broker has count workers for service. Returns true if it did in time.
static bool
s_wait_workers (zactor_t *broker, const char *service, int count, int timeout_ms)
{
    int64_t until = zclock_mono () + timeout_ms;
    while (zclock_mono () < until) {
        if (s_broker_workers (broker, service) == count)
            return true;
        zclock_sleep (5);                       //  polling a condition, bounded by the deadline
    }
    return false;
}

static uint64_t
s_broker_requests (zactor_t *broker)
{
    zstr_send (broker, "STATS");
    char *stats = zstr_recv (broker);
    uint64_t value = 0;
    if (stats)
        sscanf (stats, "requests=%" SCNu64, &value);
    zstr_free (&stats);
    return value;
}

static zactor_t *
s_echo_start (echo_t *echo, const char *brokers, const char *service, const char *tag, int delay_ms)
{
    snprintf (echo->brokers, sizeof echo->brokers, "%s", brokers);
    echo->service = service;
    echo->tag = tag;
    echo->delay_ms = delay_ms;
    atomic_store (&echo->served, 0);
    zactor_t *actor = zactor_new (s_echo_actor, echo);
    assert (actor);
    return actor;
}

//  Call and check the echo answer; returns the tag of the worker that answered ('\0' on failure).
static char
s_echo_call (r5_client_t *client, const char *service, int n, int timeout_ms, bool idempotent)
{
    char body [64];
    snprintf (body, sizeof body, "hello-%d", n);
    zframe_t *reply = NULL;
    int rc = r5_client_call (client, service, body, strlen (body), timeout_ms, idempotent, &reply);
    if (rc != 0) {
        fprintf (stderr, "call %d to %s: %s\n", n, service, r5_rpc_strerror (rc));
        return '\0';
    }
    char tag = '\0';
    if (zframe_size (reply) == strlen (body) + 2 && memcmp (zframe_data (reply) + 2, body, strlen (body)) == 0)
        tag = (char) zframe_data (reply) [0];
    zframe_destroy (&reply);
    return tag;
}

/*  ---------------------------------------------------------------------
    Tests */

//  Two workers behind one broker: echoes come back intact and both get work.
static void
test_echo_two_workers (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a, b;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    zactor_t *worker_b = s_echo_start (&b, brokers, s_echo, "B", 0);
    CHECK (s_wait_workers (broker, s_echo, 2, 5000));
    r5_client_t *client = r5_client_new (brokers);
    CHECK (client);
    int tags [2] = { 0, 0 };
    for (int n = 0; n < 20; n++) {
        char tag = s_echo_call (client, s_echo, n, 2000, false);
        CHECK (tag == 'A' || tag == 'B');
        if (tag == 'A' || tag == 'B')
            tags [tag - 'A']++;
    }
    CHECK (tags [0] > 0 && tags [1] > 0);
    CHECK (atomic_load (&a.served) + atomic_load (&b.served) == 20);
    CHECK (r5_client_pending (client) == 0);

    //  An empty body travels too.
    zframe_t *reply = NULL;
    CHECK (r5_client_call (client, s_echo, NULL, 0, 2000, false, &reply) == 0);
    CHECK (reply && zframe_size (reply) == 2);
    zframe_destroy (&reply);

    //  Bad arguments are refused without a round trip.
    CHECK (r5_client_call (client, "", "x", 1, 1000, false, &reply) == R5_RPC_INVALID);
    CHECK (r5_client_call (client, s_echo, "x", 1, 0, false, &reply) == R5_RPC_INVALID);
    CHECK (r5_client_send (client, s_echo, "x", 1, r5_now_ms () - 1) == 0);
    CHECK (r5_client_wait (client, 12345, &reply) == R5_RPC_INVALID);
    CHECK (r5_client_new ("") == NULL);
    CHECK (r5_client_new ("not-an-endpoint") == NULL);
    CHECK (r5_worker_new ("", s_echo) == NULL);
    CHECK (r5_worker_new ("tcp://127.0.0.1:1", "") == NULL);

    r5_client_destroy (&client);
    CHECK (client == NULL);
    zactor_destroy (&worker_a);
    zactor_destroy (&worker_b);
    //  Workers say DISCONNECT on the way out.
    CHECK (s_wait_workers (broker, s_echo, 0, 2000));
    zactor_destroy (&broker);
}

//  64 requests in flight from one client, collected in reverse order.
static void
test_in_flight (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a, b;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    zactor_t *worker_b = s_echo_start (&b, brokers, s_echo, "B", 0);
    CHECK (s_wait_workers (broker, s_echo, 2, 5000));
    r5_client_t *client = r5_client_new (brokers);
    uint64_t ids [64];
    int64_t deadline = r5_now_ms () + 5000;
    for (int n = 0; n < 64; n++) {
        char body [32];
        snprintf (body, sizeof body, "req-%d", n);
        ids [n] = r5_client_send (client, s_echo, body, strlen (body), deadline);
        CHECK (ids [n] > 0);
    }
    CHECK (r5_client_pending (client) == 64);
    int answered = 0;
    for (int n = 63; n >= 0; n--) {
        zframe_t *reply = NULL;
        int rc = r5_client_wait (client, ids [n], &reply);
        CHECK (rc == 0);
        char expected [32];
        snprintf (expected, sizeof expected, "req-%d", n);
        if (rc == 0 && zframe_size (reply) == strlen (expected) + 2
        &&  memcmp (zframe_data (reply) + 2, expected, strlen (expected)) == 0)
            answered++;
        zframe_destroy (&reply);
    }
    CHECK (answered == 64);
    CHECK (r5_client_pending (client) == 0);
    CHECK (atomic_load (&a.served) > 0 && atomic_load (&b.served) > 0);
    //  A waited-for id is forgotten.
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client, ids [0], &reply) == R5_RPC_INVALID);
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&worker_b);
    zactor_destroy (&broker);
}

//  Set a broker setting through its pipe; true when it took it.
static bool
s_broker_set (zactor_t *broker, const char *key, const char *value)
{
    zstr_sendx (broker, "SET", key, value, NULL);
    char *answer = zstr_recv (broker);
    bool taken = answer && streq (answer, "0");
    zstr_free (&answer);
    return taken;
}

//  No worker for a service: UNAVAILABLE at once, except during the start
//  grace, when a worker that registers meanwhile still gets the request.
static void
test_unavailable (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    r5_client_t *client = r5_client_new (brokers);

    //  During the start grace a request waits for a worker, until the grace ends.
    CHECK (s_broker_set (broker, "start_grace_ms", "60000"));
    uint64_t id = r5_client_send (client, s_late, "x", 1, r5_now_ms () + 3000);
    CHECK (id > 0);
    echo_t late;
    zactor_t *worker = s_echo_start (&late, brokers, s_late, "L", 0);
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client, id, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "L:x"));
    zframe_destroy (&reply);

    //  A full queue answers UNAVAILABLE at once.
    CHECK (s_broker_set (broker, "queue_max", "3"));
    CHECK (!s_broker_set (broker, "queue_max", "0"));
    uint64_t queued [5];
    int64_t deadline = r5_now_ms () + 600;
    for (int n = 0; n < 5; n++)
        queued [n] = r5_client_send (client, "nobody", "x", 1, deadline);
    int64_t start = zclock_mono ();
    CHECK (r5_client_wait (client, queued [4], &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    CHECK (r5_client_wait (client, queued [3], &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    //  The grace ends: what waits for a worker is answered at once.
    CHECK (s_broker_set (broker, "start_grace_ms", "0"));
    for (int n = 0; n < 3; n++)
        CHECK (r5_client_wait (client, queued [n], &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    CHECK (s_broker_set (broker, "queue_max", "10000"));

    //  Past the grace: at once, not at the deadline, idempotent or not.
    start = zclock_mono ();
    CHECK (r5_client_call (client, "nobody", "x", 1, 3000, false, &reply) == R5_RPC_UNAVAILABLE);
    CHECK (r5_client_call (client, "nobody", "x", 1, 3000, true, &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    CHECK (reply == NULL);
    CHECK (r5_client_pending (client) == 0);

    //  The last worker leaves (DISCONNECT): its service answers UNAVAILABLE at once.
    zactor_destroy (&worker);
    CHECK (s_wait_workers (broker, s_late, 0, 2000));
    start = zclock_mono ();
    CHECK (r5_client_call (client, s_late, "x", 1, 3000, true, &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    r5_client_destroy (&client);
    zactor_destroy (&broker);
}

//  With two brokers, an idempotent call asks each once, then says UNAVAILABLE.
static void
test_unavailable_two_brokers (void)
{
    zactor_t *broker1 = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *broker2 = s_broker_start ("tcp://127.0.0.1:*");
    CHECK (s_broker_set (broker1, "start_grace_ms", "0"));
    CHECK (s_broker_set (broker2, "start_grace_ms", "0"));
    char brokers [128];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d,tcp://127.0.0.1:%d",
              s_broker_port (broker1), s_broker_port (broker2));
    r5_client_t *client = r5_client_new (brokers);
    //  Connected to both before timing.
    zframe_t *reply = NULL;
    for (int n = 0; n < 4; n++)
        r5_client_call (client, "nobody", "x", 1, 1000, false, &reply);
    uint64_t before = s_broker_requests (broker1) + s_broker_requests (broker2);
    int64_t start = zclock_mono ();
    CHECK (r5_client_call (client, "nobody", "x", 1, 5000, true, &reply) == R5_RPC_UNAVAILABLE);
    CHECK (zclock_mono () - start < 300);
    CHECK (s_broker_requests (broker1) + s_broker_requests (broker2) - before == 2);
    r5_client_destroy (&client);
    zactor_destroy (&broker1);
    zactor_destroy (&broker2);
}

//  A request that reaches a worker past its deadline is released, not
//  dropped: the broker answers it DEADLINE and the worker serves the next.
//  The worker is busy with a slow request from broker X while broker Y hands
//  it a short one, which has expired by the time the worker reads it.
static void
test_expired_released (void)
{
    zactor_t *broker_x = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *broker_y = s_broker_start ("tcp://127.0.0.1:*");
    char x [64], y [64], both [128];
    snprintf (x, sizeof x, "tcp://127.0.0.1:%d", s_broker_port (broker_x));
    snprintf (y, sizeof y, "tcp://127.0.0.1:%d", s_broker_port (broker_y));
    snprintf (both, sizeof both, "%s,%s", x, y);
    echo_t slow;
    zactor_t *worker = s_echo_start (&slow, both, s_slow, "S", 400);
    CHECK (s_wait_workers (broker_x, s_slow, 1, 5000));
    CHECK (s_wait_workers (broker_y, s_slow, 1, 5000));
    r5_client_t *client_x = r5_client_new (x);
    r5_client_t *client_y = r5_client_new (y);

    uint64_t long_id = r5_client_send (client_x, s_slow, "1", 1, r5_now_ms () + 5000);
    zclock_sleep (100);             //  the worker is inside its 400 ms handler
    int64_t start = zclock_mono ();
    uint64_t short_id = r5_client_send (client_y, s_slow, "2", 1, r5_now_ms () + 100);
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client_y, short_id, &reply) == R5_RPC_DEADLINE);
    CHECK (r5_client_wait (client_x, long_id, &reply) == 0);
    zframe_destroy (&reply);
    //  Broker Y must not count the worker busy with the request it never did.
    start = zclock_mono ();
    CHECK (s_echo_call (client_y, s_slow, 3, 1500, false) == 'S');
    CHECK (zclock_mono () - start < 1000);
    CHECK (atomic_load (&slow.served) == 2);

    r5_client_destroy (&client_x);
    r5_client_destroy (&client_y);
    zactor_destroy (&worker);
    zactor_destroy (&broker_x);
    zactor_destroy (&broker_y);
}

//  A stopping worker's DISCONNECT hands back the request it was given and
//  never read: the broker gives it to another instance. Worker A is busy with
//  a slow request from broker X when broker Y hands it a second one; A then stops.
static void
test_drain_requeues (void)
{
    zactor_t *broker_x = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *broker_y = s_broker_start ("tcp://127.0.0.1:*");
    char x [64], y [64], both [128];
    snprintf (x, sizeof x, "tcp://127.0.0.1:%d", s_broker_port (broker_x));
    snprintf (y, sizeof y, "tcp://127.0.0.1:%d", s_broker_port (broker_y));
    snprintf (both, sizeof both, "%s,%s", x, y);
    echo_t a, b;
    zactor_t *worker_a = s_echo_start (&a, both, s_slow, "A", 300);
    CHECK (s_wait_workers (broker_y, s_slow, 1, 5000));
    CHECK (s_wait_workers (broker_x, s_slow, 1, 5000));
    //  B registers with Y after A, so A is Y's longest idle worker.
    zactor_t *worker_b = s_echo_start (&b, y, s_slow, "B", 0);
    CHECK (s_wait_workers (broker_y, s_slow, 2, 5000));
    r5_client_t *client_x = r5_client_new (x);
    r5_client_t *client_y = r5_client_new (y);

    uint64_t first = r5_client_send (client_x, s_slow, "1", 1, r5_now_ms () + 5000);
    zclock_sleep (100);             //  A is inside its 300 ms handler
    uint64_t second = r5_client_send (client_y, s_slow, "2", 1, r5_now_ms () + 3000);
    zclock_sleep (50);              //  Y has handed "2" to A
    int64_t start = zclock_mono ();
    zactor_destroy (&worker_a);     //  A answers "1", then stops without reading "2"
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client_x, first, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "A:1"));
    zframe_destroy (&reply);
    CHECK (r5_client_wait (client_y, second, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "B:2"));
    zframe_destroy (&reply);
    CHECK (zclock_mono () - start < 1000);
    CHECK (atomic_load (&a.served) == 1);

    r5_client_destroy (&client_x);
    r5_client_destroy (&client_y);
    zactor_destroy (&worker_b);
    zactor_destroy (&broker_x);
    zactor_destroy (&broker_y);
}

//  The same when A's request takes longer than the liveness: broker Y,
//  hearing nothing from A meanwhile, removed it for silence and kept "2" as
//  held by it. A's DISCONNECT still says "2" was never read: Y gives it to B
//  then, rather than leaving it to its deadline.
static void
test_drain_requeues_after_silence (void)
{
    zactor_t *broker_x = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *broker_y = s_broker_start ("tcp://127.0.0.1:*");
    char x [64], y [64], both [128];
    snprintf (x, sizeof x, "tcp://127.0.0.1:%d", s_broker_port (broker_x));
    snprintf (y, sizeof y, "tcp://127.0.0.1:%d", s_broker_port (broker_y));
    snprintf (both, sizeof both, "%s,%s", x, y);
    echo_t a, b;
    int busy_ms = r5_mdp_heartbeat_ms () * R5_MDP_LIVENESS + 500;
    zactor_t *worker_a = s_echo_start (&a, both, s_slow, "A", busy_ms);
    CHECK (s_wait_workers (broker_y, s_slow, 1, 5000));
    CHECK (s_wait_workers (broker_x, s_slow, 1, 5000));
    zactor_t *worker_b = s_echo_start (&b, y, s_slow, "B", 0);
    CHECK (s_wait_workers (broker_y, s_slow, 2, 5000));
    r5_client_t *client_x = r5_client_new (x);
    r5_client_t *client_y = r5_client_new (y);

    uint64_t first = r5_client_send (client_x, s_slow, "1", 1, r5_now_ms () + busy_ms + 5000);
    zclock_sleep (100);             //  A is inside its busy handler
    uint64_t second = r5_client_send (client_y, s_slow, "2", 1, r5_now_ms () + busy_ms + 3000);
    zclock_sleep (50);              //  Y has handed "2" to A
    //  Y drops the silent A and keeps "2" as held by it.
    CHECK (s_wait_workers (broker_y, s_slow, 1, busy_ms));
    zactor_destroy (&worker_a);
    int64_t stopped = zclock_mono ();
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client_x, first, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "A:1"));
    zframe_destroy (&reply);
    CHECK (r5_client_wait (client_y, second, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "B:2"));
    zframe_destroy (&reply);
    CHECK (zclock_mono () - stopped < 1000);
    CHECK (atomic_load (&a.served) == 1);

    r5_client_destroy (&client_x);
    r5_client_destroy (&client_y);
    zactor_destroy (&worker_b);
    zactor_destroy (&broker_x);
    zactor_destroy (&broker_y);
}

//  A client that knows two brokers but is connected only to X (Y is down, or
//  its handshake is under way) when X drains: X's UNAVAILABLE says it is
//  stopping, so the client asks again after a pause instead of counting two
//  UNAVAILABLEs from X as "every broker said so"; Y comes up and answers.
typedef struct {
    char endpoint [64];
    zactor_t *broker;
    zactor_t *worker;
    echo_t echo;
} late_broker_t;

static void *
s_late_broker (void *args)
{
    late_broker_t *late = (late_broker_t *) args;
    zclock_sleep (300);             //  the scenario: this broker comes up after the others
    int64_t until = zclock_mono () + 5000;
    while (true) {
        late->broker = s_broker_start (late->endpoint);
        if (s_broker_port (late->broker) || zclock_mono () > until)
            break;
        zactor_destroy (&late->broker);
        zclock_sleep (10);
    }
    late->worker = s_echo_start (&late->echo, late->endpoint, s_echo, "Y", 0);
    return NULL;
}

static void
test_drain_with_a_broker_connecting (void)
{
    zactor_t *broker_x = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *probe = s_broker_start ("tcp://127.0.0.1:*");
    late_broker_t late = { 0 };
    snprintf (late.endpoint, sizeof late.endpoint, "tcp://127.0.0.1:%d", s_broker_port (probe));
    zactor_destroy (&probe);            //  Y's port, free until Y starts
    char both [160];
    snprintf (both, sizeof both, "tcp://127.0.0.1:%d,%s", s_broker_port (broker_x), late.endpoint);
    r5_client_t *client = r5_client_new (both);
    CHECK (client);
    zstr_send (broker_x, "DRAIN");
    char *drained = zstr_recv (broker_x);
    CHECK (drained && streq (drained, "DRAINED"));
    zstr_free (&drained);
    pthread_t thread;
    CHECK (pthread_create (&thread, NULL, s_late_broker, &late) == 0);
    //  Not idempotent: sent again only because X's answer says nothing started.
    zframe_t *reply = NULL;
    int rc = r5_client_call (client, s_echo, "1", 1, 4000, false, &reply);
    CHECK (rc == R5_RPC_OK);
    CHECK (reply && zframe_streq (reply, "Y:1"));
    zframe_destroy (&reply);
    pthread_join (thread, NULL);

    r5_client_destroy (&client);
    zactor_destroy (&late.worker);
    zactor_destroy (&late.broker);
    zactor_destroy (&broker_x);
}

//  Deadlines: expiry in the broker's queue (DEADLINE from the broker) and a slow
//  worker (DEADLINE from the client), whose late reply is then dropped.
static void
test_deadline (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t slow;
    zactor_t *worker = s_echo_start (&slow, brokers, s_slow, "S", 300);
    CHECK (s_wait_workers (broker, s_slow, 1, 5000));
    r5_client_t *client = r5_client_new (brokers);

    uint64_t first = r5_client_send (client, s_slow, "1", 1, r5_now_ms () + 2000);
    uint64_t second = r5_client_send (client, s_slow, "2", 1, r5_now_ms () + 100);
    int64_t start = zclock_mono ();
    zframe_t *reply = NULL;
    CHECK (r5_client_wait (client, second, &reply) == R5_RPC_DEADLINE);
    //  Answered by the broker at the deadline, not by the client's grace timer.
    CHECK (zclock_mono () - start < 100 + R5_CLIENT_GRACE_MS);
    CHECK (r5_client_wait (client, first, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "S:1"));
    zframe_destroy (&reply);

    //  The worker itself is too slow: the client gives up.
    start = zclock_mono ();
    CHECK (r5_client_call (client, s_slow, "3", 1, 100, false, &reply) == R5_RPC_DEADLINE);
    CHECK (zclock_mono () - start < 300);
    //  Its late answer does not leak into the next call.
    CHECK (r5_client_call (client, s_slow, "4", 1, 2000, false, &reply) == 0);
    CHECK (reply && zframe_streq (reply, "S:4"));
    zframe_destroy (&reply);
    CHECK (r5_client_pending (client) == 0);

    //  A deadline already past when the broker sees it.
    r5_client_destroy (&client);
    zactor_destroy (&worker);
    zactor_destroy (&broker);
}

//  A handler slower than the heartbeat liveness: the broker drops the worker
//  meanwhile, yet every reply arrives and the worker registers again.
static void
test_slow_handler (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t slow;
    zactor_t *worker = s_echo_start (&slow, brokers, s_slow, "S", 600);
    CHECK (s_wait_workers (broker, s_slow, 1, 5000));
    r5_client_t *client = r5_client_new (brokers);
    uint64_t ids [3];
    for (int n = 0; n < 3; n++)
        ids [n] = r5_client_send (client, s_slow, "x", 1, r5_now_ms () + 5000);
    for (int n = 0; n < 3; n++) {
        zframe_t *reply = NULL;
        CHECK (r5_client_wait (client, ids [n], &reply) == 0);
        CHECK (reply && zframe_streq (reply, "S:x"));
        zframe_destroy (&reply);
    }
    CHECK (s_wait_workers (broker, s_slow, 1, 2000));
    CHECK (atomic_load (&slow.served) == 3);
    r5_client_destroy (&client);
    zactor_destroy (&worker);
    zactor_destroy (&broker);
}

//  A worker speaking the wire protocol by hand: serves `serve` requests, then on
//  the next one closes its socket with no DISCONNECT, as kill -9 would.
typedef struct {
    char endpoint [64];
    int serve;
    atomic_int received;
} raw_t;

static void
s_raw_worker_actor (zsock_t *pipe, void *args)
{
    raw_t *raw = (raw_t *) args;
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    r5_curve_client (sock);
    zsock_connect (sock, "%s", raw->endpoint);
    zsock_set_linger (sock, 0);
    zsock_send (sock, "sssb", "", R5_MDP_WORKER, "\x01", s_echo, strlen (s_echo));
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, sock, NULL);
    while (!zsys_interrupted) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, 50);
        if (which == pipe)
            break;
        if (!which) {
            if (sock)
                zsock_send (sock, "ssb", "", R5_MDP_WORKER, "\x04", (size_t) 1);
            continue;
        }
        zmsg_t *msg = zmsg_recv (sock);
        zframe_t *command = zmsg_size (msg) >= 3 ? zmsg_next (msg) : NULL;
        command = command ? zmsg_next (msg) : NULL;
        command = command ? zmsg_next (msg) : NULL;
        if (command && zframe_size (command) == 1 && zframe_data (command) [0] == R5_MDP_REQUEST) {
            int received = atomic_fetch_add (&raw->received, 1) + 1;
            if (received > raw->serve) {
                //  Die holding this request.
                zmsg_destroy (&msg);
                zpoller_remove (poller, sock);
                zsock_destroy (&sock);
                continue;
            }
            zframe_t *client = zmsg_next (msg);
            zframe_t *id = zmsg_next (msg);
            zmsg_next (msg);                            //  deadline
            zmsg_next (msg);                            //  caller
            zframe_t *body = zmsg_next (msg);
            char reply [256];
            int size = snprintf (reply, sizeof reply, "R:%.*s", (int) zframe_size (body), (char *) zframe_data (body));
            zmsg_t *out = zmsg_new ();
            zmsg_addstr (out, "");
            zmsg_addstr (out, R5_MDP_WORKER);
            zmsg_addmem (out, "\x03", 1);
            zmsg_addmem (out, zframe_data (client), zframe_size (client));
            zmsg_addmem (out, zframe_data (id), 8);
            zmsg_addmem (out, reply, (size_t) size);
            zmsg_send (&out, sock);
        }
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&sock);
}

//  A worker dies holding a request: idempotent calls are retried and none fails.
static void
test_worker_dies (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    raw_t raw;
    snprintf (raw.endpoint, sizeof raw.endpoint, "%s", brokers);
    raw.serve = 3;
    atomic_store (&raw.received, 0);
    zactor_t *worker_r = zactor_new (s_raw_worker_actor, &raw);
    CHECK (s_wait_workers (broker, s_echo, 2, 5000));

    r5_client_t *client = r5_client_new (brokers);
    int ok = 0, from_raw = 0;
    for (int n = 0; n < 40; n++) {
        char tag = s_echo_call (client, s_echo, n, 2000, true);
        ok += tag != '\0';
        from_raw += tag == 'R';
    }
    CHECK (ok == 40);
    CHECK (from_raw == 3);
    CHECK (atomic_load (&raw.received) == 4);
    CHECK (s_wait_workers (broker, s_echo, 1, 2000));
    r5_client_destroy (&client);
    zactor_destroy (&worker_r);
    zactor_destroy (&worker_a);
    zactor_destroy (&broker);
}

//  The body of the child process: a real r5_worker until killed (or 60 s),
//  taking delay_ms over each request so a kill is likely to find it holding one.
static int
s_child_worker (const char *brokers, const char *service, const char *tag, int delay_ms)
{
    r5_worker_t *worker = r5_worker_new (brokers, service);
    if (!worker)
        return 1;
    int64_t until = zclock_mono () + 60000;
    while (!zsys_interrupted && zclock_mono () < until) {
        r5_request_t *request = r5_worker_recv (worker, 100);
        if (!request)
            continue;
        zclock_sleep (delay_ms);                //  the work itself
        char reply [512];
        int size = snprintf (reply, sizeof reply, "%s:%.*s", tag, (int) r5_request_size (request),
                             (const char *) r5_request_body (request));
        r5_worker_reply (worker, &request, reply, (size_t) size);
    }
    r5_worker_destroy (&worker);
    return 0;
}

//  Sends SIGKILL to a process after a while, from its own thread, so the
//  kill lands in the middle of whatever the calls are doing.
typedef struct {
    pid_t pid;
    int after_ms;
    atomic_int killed;
} killer_t;

static void
s_killer_actor (zsock_t *pipe, void *args)
{
    killer_t *killer = (killer_t *) args;
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, NULL);
    if (zpoller_wait (poller, killer->after_ms) == NULL && zpoller_expired (poller)) {
        kill (killer->pid, SIGKILL);
        atomic_store (&killer->killed, 1);
    }
    zpoller_destroy (&poller);
}

//  A real worker process is SIGKILLed while calls continue: none fails.
static void
test_worker_killed (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);

    char self_exe [4096];
    ssize_t length = readlink ("/proc/self/exe", self_exe, sizeof self_exe - 1);
    CHECK (length > 0);
    self_exe [length > 0 ? length : 0] = '\0';
    pid_t child = fork ();
    if (child == 0) {
        //  Only exec after fork: the parent's threads and sockets are not ours.
        execl (self_exe, self_exe, "--worker", brokers, s_echo, "C", "20", (char *) NULL);
        _exit (127);
    }
    CHECK (child > 0);
    CHECK (s_wait_workers (broker, s_echo, 2, 10000));

    r5_client_t *client = r5_client_new (brokers);
    killer_t killer = { .pid = child, .after_ms = 200 };
    atomic_store (&killer.killed, 0);
    zactor_t *killer_actor = zactor_new (s_killer_actor, &killer);
    int calls = 0, ok = 0, from_child_before = 0, from_child_after = 0, after_kill = 0;
    int64_t start = zclock_mono ();
    //  Calls until 40 have started after the kill (bounded by 20 s).
    while (after_kill < 40 && zclock_mono () - start < 20000) {
        bool killed = atomic_load (&killer.killed);
        char tag = s_echo_call (client, s_echo, calls++, 2000, true);
        ok += tag != '\0';
        after_kill += killed;
        if (tag == 'C' && killed)
            from_child_after++;
        else
        if (tag == 'C')
            from_child_before++;
    }
    zactor_destroy (&killer_actor);
    CHECK (atomic_load (&killer.killed) == 1);
    CHECK (after_kill == 40);
    CHECK (ok == calls);
    CHECK (from_child_before > 0);
    CHECK (from_child_after == 0);
    int status = 0;
    CHECK (child > 0 && waitpid (child, &status, 0) == child);
    CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    CHECK (s_wait_workers (broker, s_echo, 1, 3000));
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&broker);
}

//  A worker process killed while idle, with heartbeats too slow to notice:
//  the failed send (ZMQ_ROUTER_MANDATORY) removes it, so even calls that are
//  never retried all succeed.
static void
test_worker_killed_idle (void)
{
    //  Everyone (broker, both workers) on one-minute heartbeats.
    setenv ("R5_HEARTBEAT_MS", "60000", 1);
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    zstr_sendx (broker, "SET", "heartbeat_ms", "60000", NULL);
    char *answer = zstr_recv (broker);
    CHECK (answer && streq (answer, "0"));
    zstr_free (&answer);
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    char self_exe [4096];
    ssize_t length = readlink ("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe [length > 0 ? length : 0] = '\0';
    pid_t child = fork ();
    if (child == 0) {
        execl (self_exe, self_exe, "--worker", brokers, s_echo, "C", "0", (char *) NULL);
        _exit (127);
    }
    CHECK (child > 0);
    CHECK (s_wait_workers (broker, s_echo, 2, 10000));
    r5_client_t *client = r5_client_new (brokers);
    int from_child = 0;
    for (int n = 0; n < 10; n++)
        from_child += s_echo_call (client, s_echo, n, 2000, false) == 'C';
    CHECK (from_child > 0);
    CHECK (kill (child, SIGKILL) == 0);
    int status = 0;
    CHECK (waitpid (child, &status, 0) == child);
    int ok = 0;
    for (int n = 0; n < 20; n++)
        ok += s_echo_call (client, s_echo, n, 2000, false) == 'A';
    CHECK (ok == 20);
    CHECK (s_broker_workers (broker, s_echo) == 1);
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&broker);
    setenv ("R5_HEARTBEAT_MS", "100", 1);
}

//  The broker restarts on the same port: workers register again and serve.
static void
test_broker_restart (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    int port = s_broker_port (broker);
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", port);
    echo_t a, b;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    zactor_t *worker_b = s_echo_start (&b, brokers, s_echo, "B", 0);
    CHECK (s_wait_workers (broker, s_echo, 2, 5000));
    r5_client_t *client = r5_client_new (brokers);
    CHECK (s_echo_call (client, s_echo, 1, 2000, true) != '\0');

    zactor_destroy (&broker);
    //  The old listener closes in libzmq's I/O thread, a moment after the actor
    //  ends: bind again until that has happened (a new process would not wait).
    int64_t until = zclock_mono () + 5000;
    while (true) {
        broker = s_broker_start (brokers);
        if (s_broker_port (broker) == port || zclock_mono () > until)
            break;
        zactor_destroy (&broker);
        zclock_sleep (10);
    }
    CHECK (s_broker_port (broker) == port);
    CHECK (s_wait_workers (broker, s_echo, 2, 5000));
    //  The same client object carries on (its DEALER reconnects by itself).
    int ok = 0;
    for (int n = 0; n < 20; n++)
        ok += s_echo_call (client, s_echo, n, 2000, true) != '\0';
    CHECK (ok == 20);
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&worker_b);
    zactor_destroy (&broker);
}

//  Two brokers: clients and workers use both; one stops and calls still succeed.
static void
test_two_brokers (void)
{
    zactor_t *broker1 = s_broker_start ("tcp://127.0.0.1:*");
    zactor_t *broker2 = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [128];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d, tcp://127.0.0.1:%d",
              s_broker_port (broker1), s_broker_port (broker2));
    echo_t a, b;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    zactor_t *worker_b = s_echo_start (&b, brokers, s_echo, "B", 0);
    CHECK (s_wait_workers (broker1, s_echo, 2, 5000));
    CHECK (s_wait_workers (broker2, s_echo, 2, 5000));
    r5_client_t *client = r5_client_new (brokers);
    int ok = 0;
    for (int n = 0; n < 20; n++)
        ok += s_echo_call (client, s_echo, n, 2000, true) != '\0';
    CHECK (ok == 20);
    //  The client spreads its requests over both brokers.
    CHECK (s_broker_requests (broker1) > 0);
    CHECK (s_broker_requests (broker2) > 0);

    zactor_destroy (&broker1);
    ok = 0;
    for (int n = 0; n < 40; n++)
        ok += s_echo_call (client, s_echo, n, 2000, true) != '\0';
    CHECK (ok == 40);
    CHECK (atomic_load (&a.served) > 0 && atomic_load (&b.served) > 0);
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&worker_b);
    zactor_destroy (&broker2);
}

//  Garbage sent to the broker is dropped; it keeps serving.
static void
test_malformed (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    echo_t a;
    zactor_t *worker_a = s_echo_start (&a, brokers, s_echo, "A", 0);
    CHECK (s_wait_workers (broker, s_echo, 1, 5000));

    zsock_t *raw = zsock_new (ZMQ_DEALER);
    r5_curve_client (raw);
    zsock_connect (raw, "%s", brokers);
    zsock_set_linger (raw, 0);
    const char id [8] = { 0 }, deadline [8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
    zsock_send (raw, "s", "");                                  //  delimiter only
    zsock_send (raw, "s", R5_MDP_CLIENT);                              //  no delimiter
    zsock_send (raw, "ss", "", "XXXX");                         //  unknown header
    zsock_send (raw, "ss", "", R5_MDP_CLIENT);                         //  header only
    zsock_send (raw, "sss", "", R5_MDP_CLIENT, s_echo);                //  truncated request
    zsock_send (raw, "sssbbs", "", R5_MDP_CLIENT, s_echo, id, (size_t) 3, deadline, (size_t) 8, "x");   //  short id
    zsock_send (raw, "sssbbs", "", R5_MDP_CLIENT, "", id, (size_t) 8, deadline, (size_t) 8, "x");       //  empty service
    zsock_send (raw, "sssbbss", "", R5_MDP_CLIENT, s_echo, id, (size_t) 8, deadline, (size_t) 8, "x", "extra");
    zsock_send (raw, "ssbbbs", "", R5_MDP_CLIENT, "ec\0ho", (size_t) 5, id, (size_t) 8, deadline, (size_t) 8, "x");
    zsock_send (raw, "ss", "", R5_MDP_WORKER);                         //  worker without command
    zsock_send (raw, "ssb", "", R5_MDP_WORKER, "\x09", (size_t) 1);   //  unknown command
    zsock_send (raw, "ssb", "", R5_MDP_WORKER, "\x01", (size_t) 1);   //  READY without service
    zsock_send (raw, "ssbs", "", R5_MDP_WORKER, "\x01", (size_t) 1, "");   //  READY with empty service
    zsock_send (raw, "ssbs", "", R5_MDP_WORKER, "\x03", (size_t) 1, "x");  //  short REPLY
    zsock_send (raw, "ssbsbs", "", R5_MDP_WORKER, "\x03", (size_t) 1, "nobody", id, (size_t) 8, "x");  //  REPLY to no client
    zsock_send (raw, "ssbb", "", R5_MDP_WORKER, "\x02\x02", (size_t) 2, "x", (size_t) 1);  //  two-byte command
    zsock_send (raw, "ssb", "", R5_MDP_WORKER, "\x02", (size_t) 1);   //  REQUEST from a worker
    zsock_send (raw, "ssb", "", R5_MDP_WORKER, "\x05", (size_t) 1);   //  DISCONNECT from a stranger
    //  A request with a past deadline gets DEADLINE at once.
    zsock_send (raw, "sssbbs", "", R5_MDP_CLIENT, s_echo, id, (size_t) 8, deadline, (size_t) 8, "x");
    //  Skip the DISCONNECTs the broker sends this "worker" it does not know.
    zmsg_t *answer = NULL;
    zpoller_t *poller = zpoller_new (raw, NULL);
    while (zpoller_wait (poller, 2000) == raw) {
        answer = zmsg_recv (raw);
        zmsg_first (answer);
        if (zframe_streq (zmsg_next (answer), R5_MDP_CLIENT))
            break;
        zmsg_destroy (&answer);
    }
    zpoller_destroy (&poller);
    CHECK (answer && zmsg_size (answer) == 6);
    if (answer && zmsg_size (answer) == 6) {
        zmsg_first (answer);
        zmsg_next (answer);
        zmsg_next (answer);
        zmsg_next (answer);
        zframe_t *status = zmsg_next (answer);
        CHECK (zframe_size (status) == 1 && zframe_data (status) [0] == R5_MDP_DEADLINE);
    }
    zmsg_destroy (&answer);
    zsock_destroy (&raw);

    //  Still serving, and the junk registered no worker.
    r5_client_t *client = r5_client_new (brokers);
    CHECK (s_echo_call (client, s_echo, 1, 2000, false) == 'A');
    CHECK (s_broker_workers (broker, s_echo) == 1);
    CHECK (s_broker_workers (broker, "") == 0);
    r5_client_destroy (&client);
    zactor_destroy (&worker_a);
    zactor_destroy (&broker);
}

//  Garbage sent to a client is dropped; the real reply still counts.
static void
test_client_ignores_garbage (void)
{
    zsock_t *fake = zsock_new (ZMQ_ROUTER);
    r5_curve_server (fake, "r5.bus");
    zsock_set_linger (fake, 0);
    int port = zsock_bind (fake, "tcp://127.0.0.1:*");
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    r5_client_t *client = r5_client_new (endpoint);
    uint64_t id = r5_client_send (client, "svc", "q", 1, r5_now_ms () + 2000);
    CHECK (id > 0);
    zmsg_t *request = zmsg_recv (fake);
    CHECK (request && zmsg_size (request) == 7);
    zframe_t *identity = zmsg_pop (request);
    zmsg_t *garbage [] = { zmsg_new (), zmsg_new (), zmsg_new () };
    zmsg_addstr (garbage [0], "junk");
    zmsg_addstr (garbage [1], "");
    zmsg_addstr (garbage [1], R5_MDP_CLIENT);
    zmsg_addstr (garbage [2], "");
    zmsg_addstr (garbage [2], R5_MDP_CLIENT);
    zmsg_addstr (garbage [2], "svc");
    zmsg_addmem (garbage [2], "\0\0\0\0\0\0\0\0", 8);
    zmsg_addmem (garbage [2], "\x07", 1);                       //  unknown status
    zmsg_addstr (garbage [2], "bad");
    for (int n = 0; n < 3; n++) {
        zmsg_pushmem (garbage [n], zframe_data (identity), zframe_size (identity));
        zmsg_send (&garbage [n], fake);
    }
    uint8_t id_bytes [8];
    r5_mdp_put_u64 (id_bytes, id);
    zmsg_t *reply = zmsg_new ();
    zmsg_addmem (reply, zframe_data (identity), zframe_size (identity));
    zmsg_addstr (reply, "");
    zmsg_addstr (reply, R5_MDP_CLIENT);
    zmsg_addstr (reply, "svc");
    zmsg_addmem (reply, id_bytes, 8);
    zmsg_addmem (reply, "\0", 1);
    zmsg_addstr (reply, "good");
    zmsg_send (&reply, fake);
    zframe_t *body = NULL;
    CHECK (r5_client_wait (client, id, &body) == 0);
    CHECK (body && zframe_streq (body, "good"));
    zframe_destroy (&body);
    zframe_destroy (&identity);
    zmsg_destroy (&request);
    r5_client_destroy (&client);
    zsock_destroy (&fake);
}

/*  ---------------------------------------------------------------------
    Trust: keys, roles and what the broker lets each do */

//  A DEALER to endpoint with cert's keys (NULL: the NULL mechanism, no CURVE).
static zsock_t *
s_peer (const char *endpoint, zcert_t *cert)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_linger (sock, 0);
    if (cert) {
        zcert_apply (cert, sock);
        zsock_set_curve_serverkey (sock, r5_curve_public ());
    }
    zsock_connect (sock, "%s", endpoint);
    return sock;
}

//  Send a client request from a raw socket.
static void
s_peer_request (zsock_t *sock, const char *service, uint64_t request_id)
{
    uint8_t id [8], deadline [8];
    r5_mdp_put_u64 (id, request_id);
    r5_mdp_put_u64 (deadline, (uint64_t) (r5_now_ms () + 2000));
    zsock_send (sock, "sssbbs", "", R5_MDP_CLIENT, service, id, (size_t) 8, deadline, (size_t) 8, "x");
}

//  The next message on sock within timeout_ms, or NULL.
static zmsg_t *
s_peer_recv (zsock_t *sock, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    zmsg_t *msg = zpoller_wait (poller, timeout_ms) ? zmsg_recv (sock) : NULL;
    zpoller_destroy (&poller);
    return msg;
}

//  Append text to the allow-list (text NULL: restore saved), and wait until
//  the broker has reloaded it (it looks every second).
static void
s_allow_change (const char *text, const char *saved)
{
    FILE *file = fopen (s_allow, text ? "a" : "w");
    fputs (text ? text : saved, file);
    fclose (file);
    zclock_sleep (1500);                        //  the broker's refresh period, plus margin
}

//  Peers without an allowed key get no connection; a key only serves and
//  calls what its roles grant; only the worker a request went to may answer it.
static void
test_keys_and_roles (void)
{
    zactor_t *broker = s_broker_start ("tcp://127.0.0.1:*");
    char brokers [64];
    snprintf (brokers, sizeof brokers, "tcp://127.0.0.1:%d", s_broker_port (broker));
    uint64_t requests_before = s_broker_requests (broker);

    //  The NULL mechanism and an unknown key: no handshake, nothing reaches the broker.
    zcert_t *stranger = zcert_new ();
    zsock_t *plain = s_peer (brokers, NULL);
    zsock_t *unknown = s_peer (brokers, stranger);
    s_peer_request (plain, s_echo, 1);
    s_peer_request (unknown, s_echo, 2);
    zmsg_t *answer = s_peer_recv (plain, 500);
    CHECK (answer == NULL);
    zmsg_destroy (&answer);
    answer = s_peer_recv (unknown, 100);
    CHECK (answer == NULL);
    zmsg_destroy (&answer);
    CHECK (s_broker_requests (broker) == requests_before);

    //  A key allowed as a resource worker only.
    char saved [4096] = "";
    FILE *file = fopen (s_allow, "r");
    size_t length = fread (saved, 1, sizeof saved - 1, file);
    saved [length] = '\0';
    fclose (file);
    zcert_t *resource = zcert_new ();
    char line [128];
    snprintf (line, sizeof line, "resource %s\n", zcert_public_txt (resource));
    s_allow_change (line, NULL);

    //  It may not call r5.token: FORBIDDEN at once.
    zsock_t *rogue = s_peer (brokers, resource);
    s_peer_request (rogue, "r5.token", 3);
    answer = s_peer_recv (rogue, 1000);
    CHECK (answer && zmsg_size (answer) == 6);
    if (answer) {
        zframe_t *frame = zmsg_first (answer);
        for (int n = 0; n < 4; n++)
            frame = zmsg_next (answer);
        CHECK (frame && zframe_size (frame) == 1 && zframe_data (frame) [0] == R5_MDP_FORBIDDEN);
    }
    zmsg_destroy (&answer);

    //  Registered as r5.token beside a real worker, it receives nothing: every
    //  request goes to the real one.
    zsock_send (rogue, "sssb", "", R5_MDP_WORKER, "\x01", "r5.token", (size_t) 8);
    echo_t real;
    zactor_t *worker = s_echo_start (&real, brokers, "r5.token", "T", 0);
    CHECK (s_wait_workers (broker, "r5.token", 1, 5000));
    r5_client_t *client = r5_client_new (brokers);
    for (int n = 0; n < 10; n++)
        CHECK (s_echo_call (client, "r5.token", n, 2000, false) == 'T');
    CHECK (s_broker_workers (broker, "r5.token") == 1);
    int requests_to_rogue = 0;
    while ((answer = s_peer_recv (rogue, 50))) {
        zframe_t *command = NULL;
        if (zmsg_size (answer) >= 3) {
            zmsg_first (answer);
            zmsg_next (answer);
            command = zmsg_next (answer);
        }
        requests_to_rogue += command && zframe_size (command) == 1 && zframe_data (command) [0] == R5_MDP_REQUEST;
        zmsg_destroy (&answer);
    }
    CHECK (requests_to_rogue == 0);
    zactor_destroy (&worker);

    //  Only the worker a request went to may answer it: a raw worker (the
    //  test's own key) holds a request; another allowed key forges its reply.
    //  The raw worker sends no heartbeats: on one-minute ones the broker keeps
    //  it however slowly a loaded host runs this (100 ms ones drop it in 0.4 s).
    zstr_sendx (broker, "SET", "heartbeat_ms", "60000", NULL);
    char *set = zstr_recv (broker);
    CHECK (set && streq (set, "0"));
    zstr_free (&set);
    zsock_t *holder = zsock_new (ZMQ_DEALER);
    r5_curve_client (holder);
    zsock_connect (holder, "%s", brokers);
    zsock_send (holder, "sssb", "", R5_MDP_WORKER, "\x01", s_echo, strlen (s_echo));
    CHECK (s_wait_workers (broker, s_echo, 1, 5000));
    uint64_t id = r5_client_send (client, s_echo, "q", 1, r5_now_ms () + 3000);
    zmsg_t *request = s_peer_recv (holder, 2000);
    CHECK (request && zmsg_size (request) == 8);
    if (request && zmsg_size (request) == 8) {
        zmsg_first (request);
        zmsg_next (request);
        zmsg_next (request);
        zframe_t *client_identity = zmsg_next (request);
        zframe_t *request_id = zmsg_next (request);
        zframe_t *deadline = zmsg_next (request);
        zframe_t *caller = zmsg_next (request);
        CHECK (caller && zframe_streq (caller, "gateway,token,authz,resource,internal"));
        (void) deadline;
        zmsg_t *forged = zmsg_new ();
        zmsg_addstr (forged, "");
        zmsg_addstr (forged, R5_MDP_WORKER);
        zmsg_addmem (forged, "\x03", 1);
        zmsg_addmem (forged, zframe_data (client_identity), zframe_size (client_identity));
        zmsg_addmem (forged, zframe_data (request_id), 8);
        zmsg_addstr (forged, "forged");
        zmsg_t *genuine = zmsg_dup (forged);
        zframe_t *body = zmsg_last (genuine);
        zframe_reset (body, "genuine", 7);
        zmsg_send (&forged, rogue);
        zclock_sleep (200);                     //  let the forgery arrive first, if it were to
        zmsg_send (&genuine, holder);
        zframe_t *reply = NULL;
        CHECK (r5_client_wait (client, id, &reply) == 0);
        CHECK (reply && zframe_streq (reply, "genuine"));
        zframe_destroy (&reply);
    }
    zmsg_destroy (&request);
    zsock_destroy (&holder);
    zstr_sendx (broker, "SET", "heartbeat_ms", "100", NULL);
    set = zstr_recv (broker);
    CHECK (set && streq (set, "0"));
    zstr_free (&set);

    //  The allow-list reloaded without the key: the broker drops its worker at once.
    snprintf (line, sizeof line, "serve %s %s\n", s_late, zcert_public_txt (resource));
    s_allow_change (line, NULL);
    zsock_send (rogue, "sssb", "", R5_MDP_WORKER, "\x01", s_late, strlen (s_late));
    CHECK (s_wait_workers (broker, s_late, 1, 2000));
    s_allow_change (NULL, saved);
    CHECK (s_wait_workers (broker, s_late, 0, 2000));

    r5_client_destroy (&client);
    zsock_destroy (&rogue);
    zsock_destroy (&plain);
    zsock_destroy (&unknown);
    zcert_destroy (&stranger);
    zcert_destroy (&resource);
    zactor_destroy (&broker);
}

int
main (int argc, char *argv [])
{
    //  Fast heartbeats so restarts and deaths are seen within half a second.
    setenv ("R5_HEARTBEAT_MS", "100", 1);
    snprintf (s_echo, sizeof s_echo, "echo.%d", (int) getpid ());
    snprintf (s_slow, sizeof s_slow, "slow.%d", (int) getpid ());
    snprintf (s_late, sizeof s_late, "late.%d", (int) getpid ());
    const char *services [] = { s_echo, s_slow, s_late, "nobody", "svc", NULL };
    s_allow = r5_test_bus_keys (services);
    assert (s_allow);
    if (argc == 6 && streq (argv [1], "--worker"))
        return s_child_worker (argv [2], argv [3], argv [4], atoi (argv [5]));
    r5_log_init ("test_messaging", getenv ("R5_TEST_DEBUG") ? R5_LOG_DEBUG : R5_LOG_ERROR);

    struct {
        const char *name;
        void (*run) (void);
    } tests [] = {
        { "echo_two_workers", test_echo_two_workers },
        { "in_flight", test_in_flight },
        { "unavailable", test_unavailable },
        { "unavailable_two_brokers", test_unavailable_two_brokers },
        { "expired_released", test_expired_released },
        { "drain_requeues", test_drain_requeues },
        { "drain_requeues_after_silence", test_drain_requeues_after_silence },
        { "drain_with_a_broker_connecting", test_drain_with_a_broker_connecting },
        { "deadline", test_deadline },
        { "slow_handler", test_slow_handler },
        { "malformed", test_malformed },
        { "client_ignores_garbage", test_client_ignores_garbage },
        { "keys_and_roles", test_keys_and_roles },
        { "worker_dies", test_worker_dies },
        { "worker_killed", test_worker_killed },
        { "worker_killed_idle", test_worker_killed_idle },
        { "broker_restart", test_broker_restart },
        { "two_brokers", test_two_brokers },
    };
    const char *only = argc > 1 ? argv [1] : NULL;
    for (size_t n = 0; n < sizeof tests / sizeof tests [0]; n++) {
        if (only && !streq (only, tests [n].name))
            continue;
        r5_test_run (tests [n].name, tests [n].run);
    }
    return r5_test_report ("test_messaging");
}
