/*  resource_password: Argon2id password hashes (libsodium crypto_pwhash_str). */
#ifndef RESOURCE_PASSWORD_H
#define RESOURCE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define RESOURCE_PASSWORD_MIN 8
#define RESOURCE_PASSWORD_MAX 256
#define RESOURCE_PASSWORD_HASH_SIZE 128     //  crypto_pwhash_STRBYTES
//  The nice value hashes run at (on a thread of their own; the caller waits).
#define RESOURCE_PASSWORD_NICE 10

//  Hash a password into out (RESOURCE_PASSWORD_HASH_SIZE bytes), at
//  RESOURCE_PASSWORD_NICE. 0 or -1 (out of memory).
int resource_password_hash (const char *password, char out [RESOURCE_PASSWORD_HASH_SIZE]);

//  True when password matches hash. With hash NULL it spends the same time and
//  answers false, so a missing user cannot be told from a wrong password.
bool resource_password_verify (const char *hash, const char *password);

#endif
