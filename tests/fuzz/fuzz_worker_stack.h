/*  fuzz_worker_stack: every harness drives its entry point where production
    does, on a thread whose stack is a civetweb worker's
    (GATEWAY_WORKER_STACK_BYTES), not on the main thread's 8 MiB, so a
    recursion too deep for a worker is a crash here too.

        static void s_one_input (const uint8_t *data, size_t size) { ... }
        int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
        {
            return fuzz_worker_stack_run (s_one_input, data, size);
        }  */
#ifndef FUZZ_WORKER_STACK_H
#define FUZZ_WORKER_STACK_H

#include "gateway_stack.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef void (fuzz_body_fn) (const uint8_t *data, size_t size);

typedef struct {
    fuzz_body_fn *body;
    const uint8_t *data;
    size_t size;
} fuzz_worker_call_t;

static void
fuzz_worker_trampoline (void *arg)
{
    fuzz_worker_call_t *call = (fuzz_worker_call_t *) arg;
    call->body (call->data, call->size);
}

//  Run body (data, size) on a worker-sized stack and wait for it. Returns 0
//  (libFuzzer's answer); aborts when the thread cannot start, so a harness
//  never silently runs nothing.
static inline int
fuzz_worker_stack_run (fuzz_body_fn *body, const uint8_t *data, size_t size)
{
    fuzz_worker_call_t call = { body, data, size };
    if (gateway_stack_run (fuzz_worker_trampoline, &call) != 0)
        abort ();
    return 0;
}

#endif
