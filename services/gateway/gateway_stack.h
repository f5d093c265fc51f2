/*  gateway_stack: the stack every civetweb worker thread runs on.

    Request handling (JSON bodies, the GraphQL parser, validation, execution)
    runs on civetweb's worker threads. Debian's civetweb is built with
    USE_STACK_SIZE=102400 and passes that to pthread_attr_setstacksize for every
    thread it starts, so the size is not civetweb's to choose but ours: the
    gateway raises it to GATEWAY_WORKER_STACK_BYTES (never lowers it), and the
    fuzz harnesses run each entry point on a thread of exactly that size.
    Every recursion in request handling is bounded by a limit (JSON depth,
    GraphQL depth, fragment depth) whose deepest case fits with room to spare. */
#ifndef GATEWAY_STACK_H
#define GATEWAY_STACK_H

#include <stddef.h>

#define GATEWAY_WORKER_STACK_BYTES (256 * 1024)

//  The stack size of the calling thread, in bytes (0 if it cannot be read).
size_t gateway_stack_size_of_this_thread (void);

//  Run fn (arg) on a new thread whose stack is GATEWAY_WORKER_STACK_BYTES,
//  and wait for it: what tests and fuzz harnesses use to call an entry point
//  where production calls it. Returns 0, or -1 if the thread cannot start.
int gateway_stack_run (void (*fn) (void *), void *arg);

#endif
