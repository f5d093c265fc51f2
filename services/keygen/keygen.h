/*  keygen: the key files of an r5 suite (docs/messaging.md, "Keys and roles").

    In one directory (mode 0700):
        <name>.key, <name>.key_secret   a CURVE key pair in czmq's certificate
                                        format, for broker, gateway, token,
                                        authz, resource and internal (an
                                        example key for another team's client)
        bus-allow                       the brokers' allow-list: "<role> <key>"
        assertion.sign / .verify        Ed25519: r5-token signs principal assertions
        password-proof.sign / .verify   Ed25519: r5-resource signs password proofs
    Every file is mode 0600 whatever the umask (a public key is handed out by
    copying it). Nothing that exists is overwritten: a file is only made when
    it is missing. */
#ifndef KEYGEN_H
#define KEYGEN_H

#include <stddef.h>

//  The allow-list's file name in a key directory.
#define KEYGEN_ALLOW_FILE "bus-allow"

//  Make every key file dir lacks (and dir itself); each CURVE key made for a
//  role is granted that role in bus-allow. 0, or -1 with one line in error.
int keygen_suite (const char *dir, char *error, size_t error_size);

//  Make one more CURVE key pair, dir/<name>.key(_secret), and grant it role in
//  bus-allow (replaced atomically, so a broker watching it never reads half a
//  file). For a second instance's own key, or a key rotation. 0, or -1 with
//  one line in error (also when that key pair exists already).
int keygen_add (const char *dir, const char *name, const char *role, char *error, size_t error_size);

#endif
