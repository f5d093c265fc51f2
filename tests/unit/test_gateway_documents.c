/*  test_gateway_documents: the parsed-document cache. A kept document comes
    back for the same text only (not for a text sharing its prefix, nor for
    another text); a document evicted while held stays whole until let go
    (ASan would see it freed); the bound holds; a document over the byte cap
    is answered held but not kept; and threads getting, keeping and running
    documents at once always get the document of the text they asked for. */
#include "gateway_documents.h"
#include "r5_test.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_THREADS 8
#define S_ROUNDS 3000
#define S_TEXTS 48

//  Text number i: an operation named Q<i>.
static void
s_text (int i, char *text, size_t size)
{
    snprintf (text, size, "query Q%d { viewer { id } }", i);
}

//  Parse text into a malloc'ed copy, keep it, and answer it held.
static gateway_document_t *
s_put_text (gateway_documents_t *cache, const char *text)
{
    size_t length = strlen (text);
    char *source = malloc (length + 1);
    memcpy (source, text, length + 1);
    gql_limits_t limits;
    gql_limits_default (&limits);
    gql_error_t error;
    gql_document_t *document = gql_parse (source, length, &limits, &error);
    CHECK (document);
    gateway_document_t *held = gateway_documents_put (cache, &source, &document);
    CHECK (source == NULL && document == NULL);
    return held;
}

static void
s_put (gateway_documents_t *cache, int i)
{
    char text [64];
    s_text (i, text, sizeof text);
    gateway_document_t *held = s_put_text (cache, text);
    gateway_document_release (&held);
}

//  The name of the one operation of a held document.
static bool
s_is (const gateway_document_t *held, int i)
{
    char name [16];
    snprintf (name, sizeof name, "Q%d", i);
    const gql_operation_t *operation = gql_document_operation (gateway_document_ast (held), name, strlen (name));
    return operation != NULL;
}

//  Whether the cache holds text number i, and holds it right.
static bool
s_holds (gateway_documents_t *cache, int i)
{
    char text [64];
    s_text (i, text, sizeof text);
    gateway_document_t *held = gateway_documents_get (cache, text, strlen (text));
    if (!held)
        return false;
    bool right = s_is (held, i);
    if (!right)
        r5_test_check (false, __FILE__, __LINE__, "a text answered another text's document", false);
    gateway_document_release (&held);
    return right;
}

static void *
s_worker (void *argument)
{
    gateway_documents_t *cache = (gateway_documents_t *) argument;
    unsigned seed = (unsigned) (uintptr_t) pthread_self ();
    for (int round = 0; round < S_ROUNDS; round++) {
        int i = (int) (rand_r (&seed) % S_TEXTS);
        if (round % 3 == 0)
            s_put (cache, i);
        else
            s_holds (cache, i);
    }
    return NULL;
}

int
main (void)
{
    CHECK (sodium_init () >= 0);
    //  0 entries: no cache.
    CHECK (gateway_documents_new (0, 4096) == NULL);
    gateway_documents_t *cache = NULL;
    gateway_documents_destroy (&cache);

    //  Kept, then found by its exact text only.
    cache = gateway_documents_new (64, 64 * 1024);
    CHECK (!s_holds (cache, 1));
    s_put (cache, 1);
    CHECK (s_holds (cache, 1));
    CHECK (!s_holds (cache, 2));
    const char *text = "query Q1 { viewer { id } }";
    CHECK (gateway_documents_get (cache, text, strlen (text) - 1) == NULL);
    CHECK (gateway_documents_get (cache, "query Q1 { viewer { id } } ", strlen (text) + 1) == NULL);
    //  Keeping the same text again keeps one.
    s_put (cache, 1);
    CHECK (s_holds (cache, 1));
    gateway_documents_destroy (&cache);
    CHECK (cache == NULL);

    //  Held across its eviction and across the cache's end: still whole.
    cache = gateway_documents_new (4, 64 * 1024);
    s_put (cache, 0);
    char zero [64];
    s_text (0, zero, sizeof zero);
    gateway_document_t *held = gateway_documents_get (cache, zero, strlen (zero));
    CHECK (held);
    for (int i = 1; i < 40; i++)
        s_put (cache, i);
    CHECK (!s_holds (cache, 0));
    CHECK (s_is (held, 0));
    gateway_documents_destroy (&cache);
    CHECK (s_is (held, 0));
    gateway_document_release (&held);
    CHECK (held == NULL);

    //  The bound: 8 entries hold at most 8 documents, however many were kept.
    cache = gateway_documents_new (8, 64 * 1024);
    for (int i = 0; i < 200; i++)
        s_put (cache, i);
    int count = 0;
    for (int i = 0; i < 200; i++)
        count += s_holds (cache, i);
    CHECK_MSG (count > 0 && count <= 8, "%d documents held by 8 entries", count);
    gateway_documents_destroy (&cache);

    //  Over the byte cap: answered held (the request runs it), never kept.
    cache = gateway_documents_new (64, 256);
    char wide [2048] = "{";
    for (int i = 0; i < 25; i++)
        snprintf (wide + strlen (wide), sizeof wide - strlen (wide), " a%d: viewer { id name email }", i);
    strcat (wide, " }");
    held = s_put_text (cache, wide);
    CHECK (held && gql_document_operation (gateway_document_ast (held), NULL, 0));
    gateway_document_release (&held);
    CHECK (gateway_documents_get (cache, wide, strlen (wide)) == NULL);
    gateway_documents_destroy (&cache);

    //  Threads keeping and reading at once (under TSan in the "threads" run).
    cache = gateway_documents_new (16, 64 * 1024);
    pthread_t threads [S_THREADS];
    for (int t = 0; t < S_THREADS; t++)
        pthread_create (&threads [t], NULL, s_worker, cache);
    for (int t = 0; t < S_THREADS; t++)
        pthread_join (threads [t], NULL);
    count = 0;
    for (int i = 0; i < S_TEXTS; i++)
        count += s_holds (cache, i);
    CHECK_MSG (count <= 16, "%d documents held by 16 entries", count);
    gateway_documents_destroy (&cache);
    return r5_test_report ("test_gateway_documents");
}
