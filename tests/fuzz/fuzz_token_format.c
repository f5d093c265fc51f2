/*  fuzz_token_format: r5_token_check on anything a client puts after
    "Bearer " — it must never read past the value nor accept a bad checksum. */
#include "r5_token_format.h"
#include "fuzz_worker_stack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void
s_one_input (const uint8_t *data, size_t size)
{
    //  An exact-size copy, so ASan sees any read past the end.
    char *value = malloc (size ? size : 1);
    memcpy (value, data, size);
    r5_token_kind_t kind = r5_token_check (value, size);
    if (kind != R5_TOKEN_INVALID) {
        //  Whatever was accepted has the shape and checksum of a real value.
        if (size != R5_TOKEN_LENGTH || (memcmp (value, "r5p_", 4) && memcmp (value, "r5s_", 4)))
            abort ();
        char again [R5_TOKEN_LENGTH + 1];
        memcpy (again, value, R5_TOKEN_LENGTH);
        again [R5_TOKEN_LENGTH] = 0;
        char hint [R5_TOKEN_HINT_SIZE];
        r5_token_hint (again, hint);
    }
    free (value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
