/*  fuzz_keys: the Ed25519 keys the dispatcher harnesses run with. They are
    made from fixed seeds, not from the CSPRNG, so that seeds in the corpus
    can carry valid principal assertions and password proofs (signed with
    these keys, expiring in 2100), and the fuzzer reaches what lies behind
    the signature checks. Nothing here is a secret of any deployment. */
#ifndef FUZZ_KEYS_H
#define FUZZ_KEYS_H

#include <string.h>
#include "r5_sign.h"

typedef struct {
    r5_sign_secret_t assertion_secret;      //  r5-token's
    r5_sign_public_t assertion_public;
    r5_sign_secret_t proof_secret;          //  r5-resource's
    r5_sign_public_t proof_public;
} fuzz_keys_t;

static inline void
fuzz_keys_make (fuzz_keys_t *keys)
{
    unsigned char seed [crypto_sign_SEEDBYTES];
    memset (seed, 'a', sizeof seed);
    crypto_sign_seed_keypair (keys->assertion_public.bytes, keys->assertion_secret.bytes, seed);
    memset (seed, 'p', sizeof seed);
    crypto_sign_seed_keypair (keys->proof_public.bytes, keys->proof_secret.bytes, seed);
}

#endif
