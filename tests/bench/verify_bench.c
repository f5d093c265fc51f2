/*  verify_bench: r5-token verifications per second on their own, through one
    broker, with a window of requests in flight (pipelined).
        verify_bench <broker endpoint> <seconds> <window>
    The token value is in R5_BENCH_TOKEN; the bus key pair in R5_BUS_KEY and
    the brokers' public key in R5_BROKER_KEY (a role that may call r5.token
    verify: the suite's keys/internal.key_secret).
    Prints "verify window=W requests=N seconds=S rps=R p50_ms=A p99_ms=B
    failures=F"; a latency runs from a request's send to its reply's
    collection, and replies are collected in the order sent. */
#include "r5_client.h"
//  curve_cost.py builds this same file in a tree from before CURVE, where the
//  bus has no keys: there the key settings are neither needed nor read.
#if __has_include ("r5_curve.h")
#include "r5_curve.h"
#define VERIFY_BENCH_CURVE 1
#endif
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/token.pb-c.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

//  qsort order for latencies.
static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

//  The p-th percentile (nearest rank) of count sorted latencies in µs, in ms.
static double
s_percentile (const int64_t *sorted, long count, int p)
{
    if (count == 0)
        return 0.0;
    long rank = (count * p + 99) / 100;
    return sorted [rank > 0 ? rank - 1 : 0] / 1000.0;
}

int
main (int argc, char *argv [])
{
    const char *value = getenv ("R5_BENCH_TOKEN");
    if (argc != 4 || !value) {
        fprintf (stderr, "usage: R5_BENCH_TOKEN=r5p_… verify_bench <broker> <seconds> <window>\n");
        return 2;
    }
    int seconds = atoi (argv [2]), window = atoi (argv [3]);
    if (window < 1 || window > 4096 || seconds < 1)
        return 2;
#ifdef VERIFY_BENCH_CURVE
    const char *bus_key = getenv ("R5_BUS_KEY"), *broker_key = getenv ("R5_BROKER_KEY");
    char error [256];
    if (!bus_key || !broker_key)
        snprintf (error, sizeof error, "missing %s (the suite's keys/internal.key_secret and keys/broker.key)",
                  !bus_key ? "R5_BUS_KEY" : "R5_BROKER_KEY");
    if (!bus_key || !broker_key || r5_curve_load (bus_key, broker_key, error, sizeof error) != 0) {
        fprintf (stderr, "verify_bench: %s\n", error);
        return 2;
    }
#endif
    r5_client_t *client = r5_client_new (argv [1]);
    if (!client)
        return 1;
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
    verify.value = (char *) value;
    verify.client_ip = "127.0.0.1";
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
    request.verify = &verify;
    size_t size;
    uint8_t *body = r5_rpc_pack (&request.base, &size);

    uint64_t *ids = calloc ((size_t) window, sizeof (uint64_t));
    int64_t *sent = calloc ((size_t) window, sizeof (int64_t));
    size_t latencies_max = 1024;
    int64_t *latencies = malloc (latencies_max * sizeof (int64_t));
    assert (ids && sent && latencies);
    long done = 0, failures = 0;
    int64_t start = r5_now_ms (), end = start + seconds * 1000;
    for (int i = 0; i < window; i++) {
        sent [i] = zclock_usecs ();
        ids [i] = r5_client_send (client, R5_SERVICE_TOKEN, body, size, r5_now_ms () + 5000);
    }
    //  Keep the window full: wait for the oldest, send a new one in its place.
    for (int slot = 0; r5_now_ms () < end; slot = (slot + 1) % window) {
        zframe_t *reply = NULL;
        int rc = r5_client_wait (client, ids [slot], &reply);
        R5__TokenReply *answer = rc == 0 ? r5__token_reply__unpack (NULL, zframe_size (reply), zframe_data (reply)) : NULL;
        if (!answer || answer->status != R5__STATUS__STATUS_OK)
            failures++;
        if (answer)
            r5__token_reply__free_unpacked (answer, NULL);
        zframe_destroy (&reply);
        if ((size_t) done == latencies_max) {
            latencies_max *= 2;
            latencies = realloc (latencies, latencies_max * sizeof (int64_t));
            assert (latencies);
        }
        latencies [done++] = zclock_usecs () - sent [slot];
        sent [slot] = zclock_usecs ();
        ids [slot] = r5_client_send (client, R5_SERVICE_TOKEN, body, size, r5_now_ms () + 5000);
    }
    double elapsed = (r5_now_ms () - start) / 1000.0;
    qsort (latencies, (size_t) done, sizeof (int64_t), s_compare);
    printf ("verify window=%d requests=%ld seconds=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f failures=%ld\n",
            window, done, elapsed, done / elapsed, s_percentile (latencies, done, 50),
            s_percentile (latencies, done, 99), failures);
    free (body);
    free (ids);
    free (sent);
    free (latencies);
    r5_client_destroy (&client);
    return failures ? 1 : 0;
}
