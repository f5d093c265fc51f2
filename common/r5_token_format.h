/*  r5_token_format: the shape of r5 token values and their keyed digest.

    A value is a 4-character prefix ("r5p_" personal access token, "r5s_"
    login session), 30 base62 characters from libsodium's CSPRNG, and 6 base62
    characters of the CRC32 of those 30: 40 characters in all (GitHub's
    scheme). The checksum lets the gateway refuse typos and garbage without
    calling any service. At rest only BLAKE2b-256 keyed with a 32-byte pepper
    is stored. */
#ifndef R5_TOKEN_FORMAT_H
#define R5_TOKEN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define R5_TOKEN_LENGTH      40
#define R5_TOKEN_RANDOM_LEN  30
#define R5_TOKEN_DIGEST_SIZE 32
#define R5_TOKEN_HINT_SIZE   16     //  "r5p_…" + 4 characters + NUL, in UTF-8
#define R5_PEPPER_SIZE       32

#define R5_TOKEN_PREFIX_PAT     "r5p_"
#define R5_TOKEN_PREFIX_SESSION "r5s_"

typedef enum {
    R5_TOKEN_INVALID = -1,
    R5_TOKEN_PAT = 1,
    R5_TOKEN_SESSION = 2
} r5_token_kind_t;

//  Make a new value of the given kind into out (R5_TOKEN_LENGTH + 1 bytes).
void r5_token_generate (r5_token_kind_t kind, char out [R5_TOKEN_LENGTH + 1]);

//  Check prefix, length, alphabet and checksum. Returns the kind, or
//  R5_TOKEN_INVALID. Takes the same time whatever the value.
r5_token_kind_t r5_token_check (const char *value, size_t length);

//  Keyed BLAKE2b-256 of the value with the pepper.
void r5_token_digest (const uint8_t pepper [R5_PEPPER_SIZE], const char *value, size_t length,
                      uint8_t digest [R5_TOKEN_DIGEST_SIZE]);

//  The display hint: prefix, an ellipsis, and the last 4 characters.
void r5_token_hint (const char *value, char hint [R5_TOKEN_HINT_SIZE]);

//  Load the pepper: from hex (64 characters) if given, else from the file
//  (32 raw bytes or 64 hex characters). When create is true and the file does
//  not exist, make it with mode 0600 from the CSPRNG. A file that group or
//  others may use is made private (0600 at most), or refused when it cannot be.
//  Returns 0 or -1 with one line in error.
int r5_pepper_load (const char *hex, const char *path, int create,
                    uint8_t pepper [R5_PEPPER_SIZE], char *error, size_t error_size);

#endif
