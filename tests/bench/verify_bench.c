/*  verify_bench: r5-token verifications per second on their own, through one
    broker, with a window of requests in flight (pipelined).
        verify_bench <broker endpoint> <seconds> <window>   (value in R5_BENCH_TOKEN)
    Prints "verify window=W requests=N seconds=S rps=R failures=F". */
#include "r5_client.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/token.pb-c.h"

#include <stdio.h>
#include <stdlib.h>

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
    long done = 0, failures = 0;
    int64_t start = r5_now_ms (), end = start + seconds * 1000;
    for (int i = 0; i < window; i++)
        ids [i] = r5_client_send (client, R5_SERVICE_TOKEN, body, size, r5_now_ms () + 5000);
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
        done++;
        ids [slot] = r5_client_send (client, R5_SERVICE_TOKEN, body, size, r5_now_ms () + 5000);
    }
    double elapsed = (r5_now_ms () - start) / 1000.0;
    printf ("verify window=%d requests=%ld seconds=%.1f rps=%.0f failures=%ld\n",
            window, done, elapsed, done / elapsed, failures);
    free (body);
    free (ids);
    r5_client_destroy (&client);
    return failures ? 1 : 0;
}
