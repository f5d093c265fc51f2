/*  r5_sign: Ed25519 keys and signatures (libsodium crypto_sign_detached).

    Key files are written by r5-keygen and have one fixed format: a secret
    key file holds libsodium's 64-byte Ed25519 secret key (seed || public
    key) as 128 lowercase hex characters and a newline, mode 0600; a public
    key file holds the 32-byte public key as 64 lowercase hex characters and a
    newline. A secret key file that group or others may read is refused.

    What is signed is always context || NUL || message: a context (a domain
    string such as "r5.principal.v1") keeps a signature made for one purpose
    from being accepted for another, even if one key were shared. Messages
    are protobuf bytes; r5_sign_pack and r5_sign_open sign and check one
    message's exact serialized bytes, so a verifier checks the bytes before
    it decodes them. */
#ifndef R5_SIGN_H
#define R5_SIGN_H

#include <protobuf-c/protobuf-c.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define R5_SIGN_SIGNATURE_SIZE  crypto_sign_BYTES           //  64
#define R5_SIGN_MESSAGE_MAX     4096                        //  bound on signed claims

typedef struct {
    uint8_t bytes [crypto_sign_SECRETKEYBYTES];             //  64: seed || public key
} r5_sign_secret_t;

typedef struct {
    uint8_t bytes [crypto_sign_PUBLICKEYBYTES];             //  32
} r5_sign_public_t;

//  Load a secret key file into key. 0, or -1 with one line in error (the file
//  is missing, not 128 lowercase hex characters and a newline, not a
//  consistent Ed25519 key, or readable by group or others).
int r5_sign_secret_load (const char *path, r5_sign_secret_t *key, char *error, size_t error_size);

//  Load a public key file into key. 0, or -1 with one line in error.
int r5_sign_public_load (const char *path, r5_sign_public_t *key, char *error, size_t error_size);

//  A fresh key pair from libsodium's CSPRNG (tests and the key generator).
void r5_sign_keypair (r5_sign_public_t *public_key, r5_sign_secret_t *secret_key);

//  The public half of a secret key.
void r5_sign_public_of (const r5_sign_secret_t *secret_key, r5_sign_public_t *public_key);

//  Zero a secret key.
void r5_sign_secret_clear (r5_sign_secret_t *key);

//  Sign context || NUL || message (size at most R5_SIGN_MESSAGE_MAX) into signature.
void r5_sign_detached (const r5_sign_secret_t *key, const char *context, const uint8_t *message, size_t size,
                       uint8_t signature [R5_SIGN_SIGNATURE_SIZE]);

//  True when signature (of signature_size bytes, anything from the wire) is
//  key's signature of context || NUL || message. False for any wrong size.
//  Bytes this process found valid before are not verified again (a keyed
//  digest of the key, bytes and signature; thread-safe).
bool r5_sign_verify (const r5_sign_public_t *key, const char *context, const uint8_t *message, size_t size,
                     const uint8_t *signature, size_t signature_size);

//  How many Ed25519 verifications this process has run (the remembered ones
//  not counted).
uint64_t r5_sign_verifications (void);

//  Serialize claims and sign the bytes: claims_out and signature_out get heap
//  buffers (owned as if unpacked: freed by the enclosing message's
//  free_unpacked). Returns -1, filling nothing, when claims pack to more than
//  R5_SIGN_MESSAGE_MAX bytes.
int r5_sign_pack (const r5_sign_secret_t *key, const char *context, const ProtobufCMessage *claims,
                  ProtobufCBinaryData *claims_out, ProtobufCBinaryData *signature_out);

//  Check signature over claims bytes, then decode them as descriptor's
//  message: the claims (free with protobuf_c_message_free_unpacked), or NULL
//  when the bytes are too long, the signature is not key's, or they do not decode.
ProtobufCMessage *r5_sign_open (const r5_sign_public_t *key, const char *context,
                                const ProtobufCMessageDescriptor *descriptor,
                                const ProtobufCBinaryData *claims, const ProtobufCBinaryData *signature);

#endif
