/*  gateway_stack: civetweb worker threads get GATEWAY_WORKER_STACK_BYTES.  */
#include "gateway_stack.h"

#include <dlfcn.h>
#include <pthread.h>

//  civetweb (a shared library) calls pthread_attr_setstacksize with its
//  compiled-in 100 KiB for each thread it starts. A definition in the gateway
//  takes precedence over libc's for every caller in the process, so every
//  thread asking for a stack smaller than a worker's gets a worker's.
int
pthread_attr_setstacksize (pthread_attr_t *attr, size_t size)
{
    static int (*s_libc) (pthread_attr_t *, size_t);
    if (!s_libc)
        s_libc = (int (*) (pthread_attr_t *, size_t)) dlsym (RTLD_NEXT, "pthread_attr_setstacksize");
    if (!s_libc)
        return -1;
    return s_libc (attr, size < GATEWAY_WORKER_STACK_BYTES ? GATEWAY_WORKER_STACK_BYTES : size);
}

size_t
gateway_stack_size_of_this_thread (void)
{
    pthread_attr_t attr;
    size_t size = 0;
    if (pthread_getattr_np (pthread_self (), &attr) != 0)
        return 0;
    pthread_attr_getstacksize (&attr, &size);
    pthread_attr_destroy (&attr);
    return size;
}

typedef struct {
    void (*fn) (void *);
    void *arg;
} s_call_t;

static void *
s_trampoline (void *pointer)
{
    s_call_t *call = (s_call_t *) pointer;
    call->fn (call->arg);
    return NULL;
}

int
gateway_stack_run (void (*fn) (void *), void *arg)
{
    s_call_t call = { fn, arg };
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init (&attr);
    pthread_attr_setstacksize (&attr, GATEWAY_WORKER_STACK_BYTES);
    int rc = pthread_create (&thread, &attr, s_trampoline, &call);
    pthread_attr_destroy (&attr);
    if (rc != 0)
        return -1;
    pthread_join (thread, NULL);
    return 0;
}
