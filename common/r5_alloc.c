/*  r5_alloc: out of memory stops the process with one line.  */
#include "r5_alloc.h"

#include <stdio.h>

//  No r5_log here: formatting a log line may need memory too.
_Noreturn static void
s_out_of_memory (size_t size, const char *file, int line)
{
    fprintf (stderr, "out of memory: %zu bytes at %s:%d\n", size, file, line);
    fflush (stderr);
    abort ();
}

_Noreturn void
r5_out_of_memory_at (const char *what, const char *file, int line)
{
    fprintf (stderr, "out of memory: %s at %s:%d\n", what, file, line);
    fflush (stderr);
    abort ();
}

void *
r5_malloc_at (size_t size, const char *file, int line)
{
    //  malloc (0) may answer NULL: one byte keeps "never NULL" true.
    void *ptr = malloc (size ? size : 1);
    if (!ptr)
        s_out_of_memory (size, file, line);
    return ptr;
}

void *
r5_calloc_at (size_t count, size_t size, const char *file, int line)
{
    void *ptr = calloc (count ? count : 1, size ? size : 1);
    if (!ptr)
        s_out_of_memory (count * size, file, line);
    return ptr;
}

void *
r5_realloc_at (void *ptr, size_t size, const char *file, int line)
{
    void *grown = realloc (ptr, size ? size : 1);
    if (!grown)
        s_out_of_memory (size, file, line);
    return grown;
}

char *
r5_strdup_at (const char *text, const char *file, int line)
{
    char *copy = strdup (text);
    if (!copy)
        s_out_of_memory (strlen (text) + 1, file, line);
    return copy;
}
