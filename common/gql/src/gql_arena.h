/*  gql_arena.h - a bump allocator: many small allocations, one free (internal).

    Every node of a document, and every record of a schema, lives in one arena, so a
    document or schema is freed with one call whatever went wrong while building it.
*/
#ifndef GQL_ARENA_H_INCLUDED
#define GQL_ARENA_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef struct gql_arena gql_arena_t;

/* Returns a new empty arena, or NULL when out of memory. */
gql_arena_t *gql_arena_new (void);

/* Frees an arena and everything allocated from it; safe on NULL, sets *arena_p to NULL. */
void gql_arena_destroy (gql_arena_t **arena_p);

/* Returns `size` zeroed bytes aligned for any type, or NULL when out of memory. The
   memory lives until the arena is destroyed. */
void *gql_arena_alloc (gql_arena_t *arena, size_t size);

/* Returns a copy of `n` items of `size` bytes at `src` (NULL when n == 0 or out of
   memory; check `n` before treating NULL as a failure). */
void *gql_arena_memdup (gql_arena_t *arena, const void *src, size_t n, size_t size);

/* Grows the malloc'ed array at *items_p (`items_p` is the address of a T * of *cap items
   of `size` bytes, NULL when *cap is 0) to hold at least `need` items: *cap is doubled,
   starting from `first`. Returns 0, or -1 when out of memory (the array and *cap are
   then unchanged: the caller reports it as its out-of-memory error). */
int gql_grow (void *items_p, size_t *cap, size_t need, size_t size, size_t first);

/* A growable NUL-terminated string: `text` is malloc'ed (NULL until something is added;
   the writer frees it). `failed` is sticky (out of memory, or past GQL_BUF_MAX bytes),
   so a writer checks it once at the end. Zeroed is empty. */
#define GQL_BUF_MAX ((size_t) 1 << 30)
typedef struct {
    char *text;
    size_t len;
    size_t cap;
    bool failed;
} gql_buf_t;

/* Appends `n` bytes at `data`. */
void gql_buf_add (gql_buf_t *b, const char *data, size_t n);

/* Appends a NUL-terminated string. */
void gql_buf_str (gql_buf_t *b, const char *s);

/* Bytes handed out so far (for tests and metrics). */
size_t gql_arena_used (const gql_arena_t *arena);

#endif
