/*  test_gql_arena.c - the bump allocator: zeroed, aligned memory across chunks, and
    the per-thread spare first chunk that a thread's next arena reuses.
*/
#include "gql_arena.h"
#include "gql_test.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#define S_ROUNDS 2000

/* Fills an arena past its first chunks with dirty writes, then checks every
   allocation of the next arena (which starts on the spare chunk) is zero. */
static void *
s_cycle_arenas(void *failures_p)
{
    int *failures = failures_p;
    for (int round = 0; round < S_ROUNDS; round++) {
        gql_arena_t *arena = gql_arena_new();
        size_t sizes[] = { 1, 24, 100, 4000, 5000, 64, 9000 };
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = gql_arena_alloc(arena, sizes[i]);
            if (!p || (uintptr_t) p % alignof(max_align_t) != 0) {
                (*failures)++;
                continue;
            }
            for (size_t b = 0; b < sizes[i]; b++)
                *failures += p[b] != 0;
            memset(p, 0xa5, sizes[i]);
        }
        gql_arena_destroy(&arena);
        *failures += arena != NULL;
    }
    return NULL;
}

static void
test_spare_chunk_is_clean(void)
{
    int failures = 0;
    s_cycle_arenas(&failures);
    CHECK(failures == 0);
}

/* Two threads at once, each with its own spare; their exits free the spares
   (the leak checker of the sanitizer build would report one that stayed). */
static void
test_threads_keep_their_own_spare(void)
{
    int failures[2] = { 0, 0 };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&threads[i], NULL, s_cycle_arenas, &failures[i]) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(failures[0] == 0 && failures[1] == 0);
}

/* An arena made on one thread and destroyed on another (a cached document is
   freed by whichever request evicts it) gives its chunk to the destroyer. */
static void *
s_destroy(void *arena_p)
{
    gql_arena_destroy(arena_p);
    return NULL;
}

static void
test_destroyed_elsewhere(void)
{
    gql_arena_t *arena = gql_arena_new();
    CHECK(gql_arena_alloc(arena, 10) != NULL);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, s_destroy, &arena) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(arena == NULL);
    int failures = 0;
    s_cycle_arenas(&failures);
    CHECK(failures == 0);
}

int
main(void)
{
    R5_TEST_RUN(test_spare_chunk_is_clean);
    R5_TEST_RUN(test_threads_keep_their_own_spare);
    R5_TEST_RUN(test_destroyed_elsewhere);
    return r5_test_report("test_gql_arena");
}
