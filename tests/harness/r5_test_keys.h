/*  r5_test_keys: Ed25519 key pairs for the in-process services, made in
    memory, and key files in r5-keygen's format for the tests of loading
    them. Header-only: each test is one program. */
#ifndef R5_TEST_KEYS_H
#define R5_TEST_KEYS_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r5_sign.h"

//  The two key pairs of a deployment: r5-token's assertion key and
//  r5-resource's password-proof key.
typedef struct {
    r5_sign_secret_t assertion_secret;
    r5_sign_public_t assertion_public;
    r5_sign_secret_t proof_secret;
    r5_sign_public_t proof_public;
} r5_test_keys_t;

static inline void
r5_test_keys_make (r5_test_keys_t *keys)
{
    r5_sign_keypair (&keys->assertion_public, &keys->assertion_secret);
    r5_sign_keypair (&keys->proof_public, &keys->proof_secret);
}

//  Write bytes as lowercase hex and a newline into path with mode; 0 or -1.
static inline int
r5_test_key_file (const char *path, const uint8_t *bytes, size_t size, mode_t mode)
{
    char hex [2 * 64 + 2];
    sodium_bin2hex (hex, sizeof hex, bytes, size);
    strcat (hex, "\n");
    unlink (path);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return -1;
    int rc = write (fd, hex, strlen (hex)) == (ssize_t) strlen (hex) ? 0 : -1;
    //  The umask must not make the mode safer than the test asked for.
    if (fchmod (fd, mode))
        rc = -1;
    close (fd);
    return rc;
}

#endif
