#include "resource_password.h"

#include <sodium.h>
#include <string.h>

int
resource_password_hash (const char *password, char out [RESOURCE_PASSWORD_HASH_SIZE])
{
    return crypto_pwhash_str (out, password, strlen (password),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

bool
resource_password_verify (const char *hash, const char *password)
{
    if (!hash) {
        //  Hashing costs what verifying does, so a missing user takes as long as a wrong password.
        char spent [RESOURCE_PASSWORD_HASH_SIZE];
        resource_password_hash (password, spent);
        return false;
    }
    if (strnlen (hash, RESOURCE_PASSWORD_HASH_SIZE) >= RESOURCE_PASSWORD_HASH_SIZE)
        return false;
    return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}
