/*  r5_sign: Ed25519 key files and domain-separated signatures.  */
#include "r5_sign.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r5_alloc.h"

//  ---------------------------------------------------------------------------
//  Key files

//  Read the hex key of a file into out (size bytes). With secret, refuse a
//  file group or others may read: once they could, the key is no longer ours.
static int
s_load_hex (const char *path, bool secret, uint8_t *out, size_t size, char *error, size_t error_size)
{
    const char *what = secret ? "secret" : "public";
    if (!path || !*path) {
        snprintf (error, error_size, "cannot load %s key: no file given", what);
        return -1;
    }
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf (error, error_size, "cannot open %s key file %s: %s", what, path, strerror (errno));
        return -1;
    }
    struct stat st;
    if (fstat (fd, &st) || !S_ISREG (st.st_mode)) {
        snprintf (error, error_size, "cannot use %s key file %s: not a regular file", what, path);
        close (fd);
        return -1;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf (error, error_size, "cannot use secret key file %s: readable by group or others (chmod 600 it)",
                  path);
        close (fd);
        return -1;
    }
    //  Exactly 2 * size hex characters and a newline; one more byte tells a longer file.
    char text [2 * crypto_sign_SECRETKEYBYTES + 2];
    size_t want = 2 * size + 1, got = 0;
    ssize_t n;
    while (got < want + 1 && (n = read (fd, text + got, want + 1 - got)) > 0)
        got += (size_t) n;
    close (fd);
    int rc = -1;
    bool hex = got == want && text [want - 1] == '\n';
    for (size_t i = 0; hex && i < 2 * size; i++)
        hex = (text [i] >= '0' && text [i] <= '9') || (text [i] >= 'a' && text [i] <= 'f');
    if (!hex)
        snprintf (error, error_size, "cannot use %s key file %s: expected %zu lowercase hex characters and a newline",
                  what, path, 2 * size);
    else
    if (sodium_hex2bin (out, size, text, 2 * size, NULL, NULL, NULL) != 0)
        snprintf (error, error_size, "cannot decode %s key file %s", what, path);
    else
        rc = 0;
    sodium_memzero (text, sizeof text);
    return rc;
}

int
r5_sign_secret_load (const char *path, r5_sign_secret_t *key, char *error, size_t error_size)
{
    if (s_load_hex (path, true, key->bytes, sizeof key->bytes, error, error_size))
        return -1;
    //  The second half must be the public key of the first: a damaged file
    //  would otherwise sign with a key no verifier holds.
    unsigned char seed [crypto_sign_SEEDBYTES];
    unsigned char public_key [crypto_sign_PUBLICKEYBYTES], secret_key [crypto_sign_SECRETKEYBYTES];
    crypto_sign_ed25519_sk_to_seed (seed, key->bytes);
    crypto_sign_seed_keypair (public_key, secret_key, seed);
    int rc = sodium_memcmp (secret_key, key->bytes, sizeof secret_key);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (secret_key, sizeof secret_key);
    if (rc) {
        snprintf (error, error_size, "cannot use secret key file %s: not a valid ed25519 secret key", path);
        r5_sign_secret_clear (key);
        return -1;
    }
    return 0;
}

int
r5_sign_public_load (const char *path, r5_sign_public_t *key, char *error, size_t error_size)
{
    return s_load_hex (path, false, key->bytes, sizeof key->bytes, error, error_size);
}

void
r5_sign_keypair (r5_sign_public_t *public_key, r5_sign_secret_t *secret_key)
{
    crypto_sign_keypair (public_key->bytes, secret_key->bytes);
}

void
r5_sign_public_of (const r5_sign_secret_t *secret_key, r5_sign_public_t *public_key)
{
    crypto_sign_ed25519_sk_to_pk (public_key->bytes, secret_key->bytes);
}

void
r5_sign_secret_clear (r5_sign_secret_t *key)
{
    sodium_memzero (key->bytes, sizeof key->bytes);
}

//  ---------------------------------------------------------------------------
//  Signatures

//  context || NUL || message on the heap; *total its size.
static uint8_t *
s_signed_bytes (const char *context, const uint8_t *message, size_t size, size_t *total)
{
    size_t prefix = strlen (context) + 1;
    *total = prefix + size;
    uint8_t *bytes = (uint8_t *) r5_malloc (*total);
    memcpy (bytes, context, prefix);
    if (size)
        memcpy (bytes + prefix, message, size);
    return bytes;
}

void
r5_sign_detached (const r5_sign_secret_t *key, const char *context, const uint8_t *message, size_t size,
                  uint8_t signature [R5_SIGN_SIGNATURE_SIZE])
{
    assert (key && context && size <= R5_SIGN_MESSAGE_MAX);
    size_t total;
    uint8_t *bytes = s_signed_bytes (context, message, size, &total);
    crypto_sign_detached (signature, NULL, bytes, total, key->bytes);
    free (bytes);
}

//  Signatures found valid, remembered by a keyed BLAKE2b digest of the public
//  key, the signed bytes and the signature: the same bytes are valid again,
//  so they are not verified again. An Ed25519 verification costs 57-81 us
//  on the idle 2-core bench machine, and every call a service takes checks the
//  principal assertion the gateway cached with its verdict, the same bytes
//  each time. The digest's key is random per process, so nobody can make
//  other bytes meet a remembered digest. Direct-mapped: a digest replaces
//  whatever shared its slot. Only successes are kept; a forgery costs the
//  full verification every time.
#define S_VALID_SLOTS 4096
#define S_DIGEST_SIZE 32
static struct {
    pthread_mutex_t lock;
    uint8_t key [crypto_generichash_KEYBYTES];
    uint8_t slots [S_VALID_SLOTS][S_DIGEST_SIZE];
} s_valid = { .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t s_valid_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t s_verifications;

static void
s_valid_init (void)
{
    randombytes_buf (s_valid.key, sizeof s_valid.key);
}

//  The digest of key, signature and context || NUL || message, hashed in
//  place: a remembered signature costs no copy of the signed bytes.
static void
s_valid_digest (const r5_sign_public_t *key, const char *context, const uint8_t *message, size_t size,
                const uint8_t *signature, uint8_t digest [S_DIGEST_SIZE])
{
    pthread_once (&s_valid_once, s_valid_init);
    crypto_generichash_state state;
    crypto_generichash_init (&state, s_valid.key, sizeof s_valid.key, S_DIGEST_SIZE);
    crypto_generichash_update (&state, key->bytes, sizeof key->bytes);
    crypto_generichash_update (&state, signature, R5_SIGN_SIGNATURE_SIZE);
    crypto_generichash_update (&state, (const uint8_t *) context, strlen (context) + 1);
    if (size)
        crypto_generichash_update (&state, message, size);
    crypto_generichash_final (&state, digest, S_DIGEST_SIZE);
}

//  The slot a digest lives in.
static uint8_t *
s_valid_slot (const uint8_t digest [S_DIGEST_SIZE])
{
    return s_valid.slots [((size_t) digest [0] | (size_t) digest [1] << 8) % S_VALID_SLOTS];
}

static bool
s_valid_held (const uint8_t digest [S_DIGEST_SIZE])
{
    pthread_mutex_lock (&s_valid.lock);
    bool held = sodium_memcmp (s_valid_slot (digest), digest, S_DIGEST_SIZE) == 0;
    pthread_mutex_unlock (&s_valid.lock);
    return held;
}

static void
s_valid_keep (const uint8_t digest [S_DIGEST_SIZE])
{
    pthread_mutex_lock (&s_valid.lock);
    memcpy (s_valid_slot (digest), digest, S_DIGEST_SIZE);
    pthread_mutex_unlock (&s_valid.lock);
}

bool
r5_sign_verify (const r5_sign_public_t *key, const char *context, const uint8_t *message, size_t size,
                const uint8_t *signature, size_t signature_size)
{
    assert (key && context);
    if (!signature || signature_size != R5_SIGN_SIGNATURE_SIZE || size > R5_SIGN_MESSAGE_MAX
    ||  (size && !message))
        return false;
    uint8_t digest [S_DIGEST_SIZE];
    s_valid_digest (key, context, message, size, signature, digest);
    if (s_valid_held (digest))
        return true;
    atomic_fetch_add (&s_verifications, 1);
    size_t total;
    uint8_t *bytes = s_signed_bytes (context, message, size, &total);
    bool valid = crypto_sign_verify_detached (signature, bytes, total, key->bytes) == 0;
    free (bytes);
    if (valid)
        s_valid_keep (digest);
    return valid;
}

uint64_t
r5_sign_verifications (void)
{
    return atomic_load (&s_verifications);
}

int
r5_sign_pack (const r5_sign_secret_t *key, const char *context, const ProtobufCMessage *claims,
              ProtobufCBinaryData *claims_out, ProtobufCBinaryData *signature_out)
{
    size_t size = protobuf_c_message_get_packed_size (claims);
    if (size > R5_SIGN_MESSAGE_MAX)
        return -1;
    uint8_t *packed = (uint8_t *) r5_malloc (size ? size : 1);
    protobuf_c_message_pack (claims, packed);
    uint8_t *signature = (uint8_t *) r5_malloc (R5_SIGN_SIGNATURE_SIZE);
    r5_sign_detached (key, context, packed, size, signature);
    claims_out->data = packed;
    claims_out->len = size;
    signature_out->data = signature;
    signature_out->len = R5_SIGN_SIGNATURE_SIZE;
    return 0;
}

ProtobufCMessage *
r5_sign_open (const r5_sign_public_t *key, const char *context, const ProtobufCMessageDescriptor *descriptor,
              const ProtobufCBinaryData *claims, const ProtobufCBinaryData *signature)
{
    //  Nothing is decoded before the signature is checked.
    if (!claims || !signature
    ||  !r5_sign_verify (key, context, claims->data, claims->len, signature->data, signature->len))
        return NULL;
    return protobuf_c_message_unpack (descriptor, NULL, claims->len, claims->data);
}
