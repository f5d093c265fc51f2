/*  r5_alloc: allocation that never returns NULL.

    r5's policy for running out of memory (docs/decisions.md): the process
    stops with one line on stderr naming the place and the size, and its
    supervisor starts it again. libbson, libmongoc and czmq already abort on
    a failed allocation inside our calls, so a service could never promise to
    survive one; handling it halfway (a reply with a missing token value, a
    store call skipped) is worse than a restart the broker routes around.

    Use these instead of malloc/calloc/realloc/strdup in services/ and
    common/; never assert on an allocation (an assert vanishes with NDEBUG). */
#ifndef R5_ALLOC_H
#define R5_ALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

//  malloc, calloc, realloc and strdup (text must not be NULL) that stop the
//  process with "out of memory" and the caller's file and line instead of
//  returning NULL. Through the macros below, which supply the place.
void *r5_malloc_at (size_t size, const char *file, int line);
void *r5_calloc_at (size_t count, size_t size, const char *file, int line);
void *r5_realloc_at (void *ptr, size_t size, const char *file, int line);
char *r5_strdup_at (const char *text, const char *file, int line);

//  Stop the process the same way for an allocation that failed elsewhere and
//  was reported, not hidden (the GraphQL engine, a library, answers "out of
//  memory" and leaves the policy to its caller): "out of memory: what at
//  file:line".
_Noreturn void r5_out_of_memory_at (const char *what, const char *file, int line);

#define r5_malloc(size)         r5_malloc_at ((size), __FILE__, __LINE__)
#define r5_calloc(count, size)  r5_calloc_at ((count), (size), __FILE__, __LINE__)
#define r5_realloc(ptr, size)   r5_realloc_at ((ptr), (size), __FILE__, __LINE__)
#define r5_strdup(text)         r5_strdup_at ((text), __FILE__, __LINE__)
#define r5_out_of_memory(what)  r5_out_of_memory_at ((what), __FILE__, __LINE__)

#endif
