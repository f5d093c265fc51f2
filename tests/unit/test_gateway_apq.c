/*  test_gateway_apq: the persisted-query cache — a text comes back under its
    hash, a miss is NULL, the bound holds however many texts are stored, the
    least recently used text of a set goes first, long texts are not kept,
    and many threads storing and reading at once always read the text of the
    hash they asked for. */
#include "gateway_apq.h"
#include "r5_test.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_THREADS 8
#define S_ROUNDS 4000
#define S_TEXTS 64

//  The text number i and its SHA-256.
static void
s_text (int i, char *text, size_t size, uint8_t hash [GATEWAY_APQ_HASH_SIZE])
{
    snprintf (text, size, "query Q%d { viewer { id } }", i);
    crypto_hash_sha256 (hash, (const unsigned char *) text, strlen (text));
}

//  Whether the cache holds text number i, and holds it right.
static bool
s_holds (gateway_apq_t *apq, int i)
{
    char text [64];
    uint8_t hash [GATEWAY_APQ_HASH_SIZE];
    s_text (i, text, sizeof text, hash);
    size_t length = 0;
    char *got = gateway_apq_get (apq, hash, &length);
    bool right = got && length == strlen (text) && strcmp (got, text) == 0;
    if (got && !right)
        r5_test_check (false, __FILE__, __LINE__, "a hash answered another text", false);
    free (got);
    return right;
}

static void
s_put (gateway_apq_t *apq, int i)
{
    char text [64];
    uint8_t hash [GATEWAY_APQ_HASH_SIZE];
    s_text (i, text, sizeof text, hash);
    gateway_apq_put (apq, hash, text, strlen (text));
}

static void *
s_worker (void *argument)
{
    gateway_apq_t *apq = (gateway_apq_t *) argument;
    unsigned seed = (unsigned) (uintptr_t) pthread_self ();
    for (int round = 0; round < S_ROUNDS; round++) {
        int i = (int) (rand_r (&seed) % S_TEXTS);
        if (round % 3 == 0)
            s_put (apq, i);
        else
            s_holds (apq, i);
    }
    return NULL;
}

int
main (void)
{
    CHECK (sodium_init () >= 0);
    //  0 entries: APQ is off.
    CHECK (gateway_apq_new (0, 1024) == NULL);
    gateway_apq_t *apq = NULL;
    gateway_apq_destroy (&apq);

    //  A text comes back under its hash; another hash misses.
    apq = gateway_apq_new (1024, 1024);
    CHECK (!s_holds (apq, 1));
    s_put (apq, 1);
    CHECK (s_holds (apq, 1));
    CHECK (!s_holds (apq, 2));
    //  Storing again changes nothing.
    s_put (apq, 1);
    CHECK (s_holds (apq, 1));
    //  A text over the cap is not kept.
    size_t long_length = 2048;
    char *long_text = malloc (long_length + 1);
    memset (long_text, ' ', long_length);
    long_text [long_length] = 0;
    uint8_t long_hash [GATEWAY_APQ_HASH_SIZE];
    crypto_hash_sha256 (long_hash, (const unsigned char *) long_text, long_length);
    gateway_apq_put (apq, long_hash, long_text, long_length);
    size_t length;
    CHECK (gateway_apq_get (apq, long_hash, &length) == NULL);
    free (long_text);
    gateway_apq_destroy (&apq);
    CHECK (apq == NULL);

    //  The bound: 8 entries hold at most 8 texts, however many were stored.
    apq = gateway_apq_new (8, 1024);
    for (int i = 0; i < 1000; i++)
        s_put (apq, i);
    int held = 0;
    for (int i = 0; i < 1000; i++)
        held += s_holds (apq, i);
    CHECK_MSG (held > 0 && held <= 8, "%d texts held by 8 entries", held);
    gateway_apq_destroy (&apq);

    //  One set of 4: the least recently used text goes first.
    apq = gateway_apq_new (4, 1024);
    for (int i = 0; i < 4; i++)
        s_put (apq, i);
    CHECK (s_holds (apq, 0));       //  0 is now the most recently used
    s_put (apq, 4);
    CHECK (s_holds (apq, 0));
    CHECK (!s_holds (apq, 1));
    CHECK (s_holds (apq, 2) && s_holds (apq, 3) && s_holds (apq, 4));
    gateway_apq_destroy (&apq);

    //  Threads storing and reading at once (under TSan in the "threads" run).
    apq = gateway_apq_new (16, 1024);
    pthread_t threads [S_THREADS];
    for (int t = 0; t < S_THREADS; t++)
        pthread_create (&threads [t], NULL, s_worker, apq);
    for (int t = 0; t < S_THREADS; t++)
        pthread_join (threads [t], NULL);
    held = 0;
    for (int i = 0; i < S_TEXTS; i++)
        held += s_holds (apq, i);
    CHECK_MSG (held <= 16, "%d texts held by 16 entries", held);
    gateway_apq_destroy (&apq);
    return r5_test_report ("test_gateway_apq");
}
