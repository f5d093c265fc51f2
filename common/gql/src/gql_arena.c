/*  gql_arena.c - a bump allocator over a list of malloc'ed chunks.
 */
#include "gql_arena.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_FIRST_CHUNK 4096
#define S_MAX_CHUNK   (1024 * 1024)

typedef struct s_chunk {
    struct s_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas (max_align_t) unsigned char data [];
} s_chunk_t;

struct gql_arena {
    s_chunk_t *head;
    size_t next_size;
    size_t total;
};

/* Each thread keeps one first-size chunk from its last destroyed arena for
   its next one: a request's arenas then cost no malloc of their first 4 KiB
   (a large-bin malloc, which also consolidates the fast bins each time). The
   key's destructor frees the spare when the thread ends. */
static pthread_key_t s_spare_key;
static pthread_once_t s_spare_once = PTHREAD_ONCE_INIT;
static bool s_spare_ready;

static void
s_spare_init (void)
{
    s_spare_ready = pthread_key_create (&s_spare_key, free) == 0;
}

/* Whether the spare's key exists (made once, whichever thread asks first). */
static bool
s_spare_usable (void)
{
    pthread_once (&s_spare_once, s_spare_init);
    return s_spare_ready;
}

static s_chunk_t *
s_chunk_new (size_t size)
{
    s_chunk_t *chunk = NULL;
    if (size == S_FIRST_CHUNK && s_spare_usable () && (chunk = pthread_getspecific (s_spare_key)))
        pthread_setspecific (s_spare_key, NULL);
    else
        chunk = malloc (sizeof *chunk + size);
    if (chunk) {
        chunk->size = size;
        chunk->used = 0;
    }
    return chunk;
}

static void
s_chunk_free (s_chunk_t *chunk)
{
    if (chunk->size == S_FIRST_CHUNK && s_spare_usable () && !pthread_getspecific (s_spare_key)
    &&  pthread_setspecific (s_spare_key, chunk) == 0)
        return;
    free (chunk);
}

gql_arena_t *
gql_arena_new (void)
{
    gql_arena_t *arena = calloc (1, sizeof *arena);
    if (arena)
        arena->next_size = S_FIRST_CHUNK;
    return arena;
}

void
gql_arena_destroy (gql_arena_t **arena_p)
{
    if (!arena_p || !*arena_p)
        return;
    s_chunk_t *chunk = (*arena_p)->head;
    while (chunk) {
        s_chunk_t *next = chunk->next;
        s_chunk_free (chunk);
        chunk = next;
    }
    free (*arena_p);
    *arena_p = NULL;
}

void *
gql_arena_alloc (gql_arena_t *arena, size_t size)
{
    const size_t align = alignof (max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) & ~(align - 1);

    s_chunk_t *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < size) {
        size_t want = arena->next_size;
        while (want < size)
            want *= 2;
        chunk = s_chunk_new (want);
        if (!chunk)
            return NULL;
        chunk->next = arena->head;
        arena->head = chunk;
        /* Chunks grow geometrically so a big document costs few mallocs. */
        if (arena->next_size < S_MAX_CHUNK)
            arena->next_size *= 2;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += size;
    arena->total += size;
    memset (p, 0, size);
    return p;
}

void *
gql_arena_memdup (gql_arena_t *arena, const void *src, size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return NULL;
    if (n > SIZE_MAX / size)
        return NULL;
    void *p = gql_arena_alloc (arena, n * size);
    if (p)
        memcpy (p, src, n * size);
    return p;
}

size_t
gql_arena_used (const gql_arena_t *arena)
{
    return arena ? arena->total : 0;
}

int
gql_grow (void *items_p, size_t *cap, size_t need, size_t size, size_t first)
{
    size_t n = *cap ? *cap : first;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return -1;
    /* Through memcpy: the caller's T * is read and written as the void * it converts to. */
    void *items;
    memcpy (&items, items_p, sizeof items);
    void *grown = realloc (items, n * size);
    if (!grown)
        return -1;
    memcpy (items_p, &grown, sizeof grown);
    *cap = n;
    return 0;
}

void
gql_buf_add (gql_buf_t *b, const char *data, size_t n)
{
    /* The bound also lets the compiler see that cap cannot overflow. */
    if (b->failed || n > GQL_BUF_MAX - b->len
        || (b->len + n + 1 > b->cap && gql_grow (&b->text, &b->cap, b->len + n + 1, 1, 64) < 0)) {
        b->failed = true;
        return;
    }
    memcpy (b->text + b->len, data, n);
    b->len += n;
    b->text [b->len] = '\0';
}

void
gql_buf_str (gql_buf_t *b, const char *s)
{
    gql_buf_add (b, s, strlen (s));
}
