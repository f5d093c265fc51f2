/*  test_sign: Ed25519 key files (format, modes), domain-separated
    signatures, and the two signed claims made with them: principal
    assertions (round trip, tampered, other key, expired, truncated) and
    password proofs. */
#include "r5_assertion.h"
#include "r5_password_proof.h"
#include "r5_sign.h"
#include "r5_test.h"
#include "r5_test_keys.h"

#include <pthread.h>
#include <stdlib.h>

static char s_dir [64];

static const char *
s_path (const char *name)
{
    static char path [128];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

//  Write text as a file of mode.
static void
s_write (const char *name, const char *text, mode_t mode)
{
    unlink (s_path (name));
    int fd = open (s_path (name), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd >= 0) {
        CHECK (write (fd, text, strlen (text)) == (ssize_t) strlen (text));
        CHECK (fchmod (fd, mode) == 0);
        close (fd);
    }
}

static void
s_test_key_files (void)
{
    r5_sign_public_t public_key, loaded_public;
    r5_sign_secret_t secret_key, loaded_secret;
    r5_sign_keypair (&public_key, &secret_key);
    char error [256];

    //  The generator's format loads back to the same keys.
    CHECK (r5_test_key_file (s_path ("a.sign"), secret_key.bytes, sizeof secret_key.bytes, 0600) == 0);
    CHECK (r5_test_key_file (s_path ("a.verify"), public_key.bytes, sizeof public_key.bytes, 0644) == 0);
    CHECK (r5_sign_secret_load (s_path ("a.sign"), &loaded_secret, error, sizeof error) == 0);
    CHECK (memcmp (loaded_secret.bytes, secret_key.bytes, sizeof secret_key.bytes) == 0);
    CHECK (r5_sign_public_load (s_path ("a.verify"), &loaded_public, error, sizeof error) == 0);
    CHECK (memcmp (loaded_public.bytes, public_key.bytes, sizeof public_key.bytes) == 0);

    //  A secret key group or others may read is refused, naming the fix.
    CHECK (chmod (s_path ("a.sign"), 0640) == 0);
    CHECK (r5_sign_secret_load (s_path ("a.sign"), &loaded_secret, error, sizeof error) == -1);
    CHECK (strstr (error, "cannot use secret key file") && strstr (error, "readable by group or others"));
    CHECK (chmod (s_path ("a.sign"), 0604) == 0);
    CHECK (r5_sign_secret_load (s_path ("a.sign"), &loaded_secret, error, sizeof error) == -1);
    CHECK (chmod (s_path ("a.sign"), 0400) == 0);
    CHECK (r5_sign_secret_load (s_path ("a.sign"), &loaded_secret, error, sizeof error) == 0);

    //  Missing file, no file given.
    CHECK (r5_sign_public_load (s_path ("missing"), &loaded_public, error, sizeof error) == -1);
    CHECK (strncmp (error, "cannot open public key file", 27) == 0);
    CHECK (r5_sign_secret_load ("", &loaded_secret, error, sizeof error) == -1);
    CHECK (strncmp (error, "cannot load secret key", 22) == 0);

    //  Wrong lengths, uppercase, no newline, junk after, a public key where a secret one belongs.
    char hex [130];
    sodium_bin2hex (hex, sizeof hex, public_key.bytes, sizeof public_key.bytes);
    char text [300];
    snprintf (text, sizeof text, "%s", hex);
    s_write ("nonl.verify", text, 0644);
    CHECK (r5_sign_public_load (s_path ("nonl.verify"), &loaded_public, error, sizeof error) == -1);
    CHECK (strstr (error, "expected 64 lowercase hex characters and a newline"));
    snprintf (text, sizeof text, "%s\nextra", hex);
    s_write ("long.verify", text, 0644);
    CHECK (r5_sign_public_load (s_path ("long.verify"), &loaded_public, error, sizeof error) == -1);
    snprintf (text, sizeof text, "%.62s\n", hex);
    s_write ("short.verify", text, 0644);
    CHECK (r5_sign_public_load (s_path ("short.verify"), &loaded_public, error, sizeof error) == -1);
    snprintf (text, sizeof text, "%s\n", hex);
    for (char *c = text; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char) (*c - 'a' + 'A');
    s_write ("upper.verify", text, 0644);
    CHECK (r5_sign_public_load (s_path ("upper.verify"), &loaded_public, error, sizeof error) == -1);
    snprintf (text, sizeof text, "%.63sg\n", hex);
    s_write ("nothex.verify", text, 0644);
    CHECK (r5_sign_public_load (s_path ("nothex.verify"), &loaded_public, error, sizeof error) == -1);
    CHECK (r5_sign_secret_load (s_path ("a.verify"), &loaded_secret, error, sizeof error) == -1);
    //  A secret key whose halves do not belong together.
    r5_sign_secret_t damaged = secret_key;
    damaged.bytes [40] ^= 1;
    CHECK (r5_test_key_file (s_path ("damaged.sign"), damaged.bytes, sizeof damaged.bytes, 0600) == 0);
    CHECK (r5_sign_secret_load (s_path ("damaged.sign"), &loaded_secret, error, sizeof error) == -1);
    CHECK (strstr (error, "not a valid ed25519 secret key"));
    //  A directory is not a key.
    CHECK (r5_sign_public_load (s_dir, &loaded_public, error, sizeof error) == -1);
    r5_sign_secret_clear (&secret_key);
    r5_sign_secret_clear (&loaded_secret);
}

static void
s_test_signatures (void)
{
    r5_sign_public_t public_key, other_public;
    r5_sign_secret_t secret_key, other_secret;
    r5_sign_keypair (&public_key, &secret_key);
    r5_sign_keypair (&other_public, &other_secret);
    const uint8_t message [] = "claims";
    uint8_t signature [R5_SIGN_SIGNATURE_SIZE];
    r5_sign_detached (&secret_key, "ctx.a", message, sizeof message, signature);
    CHECK (r5_sign_verify (&public_key, "ctx.a", message, sizeof message, signature, sizeof signature));
    //  Another context, key, message or a short signature: refused.
    CHECK (!r5_sign_verify (&public_key, "ctx.b", message, sizeof message, signature, sizeof signature));
    CHECK (!r5_sign_verify (&other_public, "ctx.a", message, sizeof message, signature, sizeof signature));
    CHECK (!r5_sign_verify (&public_key, "ctx.a", message, sizeof message - 1, signature, sizeof signature));
    CHECK (!r5_sign_verify (&public_key, "ctx.a", message, sizeof message, signature, sizeof signature - 1));
    CHECK (!r5_sign_verify (&public_key, "ctx.a", message, sizeof message, NULL, 0));
    //  The context ends at its NUL: "ctx" || "a..." is not "ctxa" || "...".
    r5_sign_detached (&secret_key, "ctx", (const uint8_t *) "ab", 2, signature);
    CHECK (!r5_sign_verify (&public_key, "ctxa", (const uint8_t *) "b", 1, signature, sizeof signature));

    //  Bytes found valid are remembered: verifying them again runs no Ed25519
    //  verification. Anything else (a byte changed, another key or context, a
    //  forged signature) is verified in full, each time, and refused.
    uint8_t remembered [] = "remembered claims";
    r5_sign_detached (&secret_key, "ctx.r", remembered, sizeof remembered, signature);
    uint64_t before = r5_sign_verifications ();
    bool all_valid = true;
    for (int i = 0; i < 100; i++)
        all_valid &= r5_sign_verify (&public_key, "ctx.r", remembered, sizeof remembered, signature, sizeof signature);
    CHECK (all_valid);
    CHECK (r5_sign_verifications () - before == 1);
    before = r5_sign_verifications ();
    CHECK (!r5_sign_verify (&other_public, "ctx.r", remembered, sizeof remembered, signature, sizeof signature));
    CHECK (!r5_sign_verify (&public_key, "ctx.s", remembered, sizeof remembered, signature, sizeof signature));
    remembered [0] ^= 1;
    CHECK (!r5_sign_verify (&public_key, "ctx.r", remembered, sizeof remembered, signature, sizeof signature));
    remembered [0] ^= 1;
    signature [10] ^= 1;
    for (int i = 0; i < 3; i++)
        CHECK (!r5_sign_verify (&public_key, "ctx.r", remembered, sizeof remembered, signature, sizeof signature));
    CHECK (r5_sign_verifications () - before == 6);
    signature [10] ^= 1;
    CHECK (r5_sign_verify (&public_key, "ctx.r", remembered, sizeof remembered, signature, sizeof signature));
    CHECK (r5_sign_verifications () - before == 6);
    r5_sign_secret_clear (&secret_key);
    r5_sign_secret_clear (&other_secret);
}

#define S_SIGNED_COUNT 64
typedef struct {
    r5_sign_public_t public_key;
    uint8_t messages [S_SIGNED_COUNT][8];
    uint8_t signatures [S_SIGNED_COUNT][R5_SIGN_SIGNATURE_SIZE];
    int genuine_refused, tampered_accepted;
} s_signed_t;

//  Verify every message of signed several times, tampered ones too.
static void *
s_verify_all (void *signed_p)
{
    s_signed_t *set = signed_p;
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < S_SIGNED_COUNT; i++) {
            set->genuine_refused += !r5_sign_verify (&set->public_key, "ctx.t", set->messages [i], 8,
                                                     set->signatures [i], R5_SIGN_SIGNATURE_SIZE);
            uint8_t tampered [8];
            memcpy (tampered, set->messages [i], 8);
            tampered [7] ^= 0x80;
            set->tampered_accepted += r5_sign_verify (&set->public_key, "ctx.t", tampered, 8,
                                                      set->signatures [i], R5_SIGN_SIGNATURE_SIZE);
        }
    return NULL;
}

//  Two threads at once over the same remembered signatures (and ThreadSanitizer).
static void
s_test_remembered_from_threads (void)
{
    static s_signed_t sets [2];
    r5_sign_secret_t secret_key;
    r5_sign_keypair (&sets [0].public_key, &secret_key);
    for (int i = 0; i < S_SIGNED_COUNT; i++) {
        memcpy (sets [0].messages [i], &i, sizeof i);
        r5_sign_detached (&secret_key, "ctx.t", sets [0].messages [i], 8, sets [0].signatures [i]);
    }
    sets [1] = sets [0];
    pthread_t threads [2];
    for (int t = 0; t < 2; t++)
        CHECK (pthread_create (&threads [t], NULL, s_verify_all, &sets [t]) == 0);
    for (int t = 0; t < 2; t++)
        CHECK (pthread_join (threads [t], NULL) == 0);
    for (int t = 0; t < 2; t++)
        CHECK (sets [t].genuine_refused == 0 && sets [t].tampered_accepted == 0);
    r5_sign_secret_clear (&secret_key);
}

static void
s_test_assertions (void)
{
    r5_sign_public_t public_key, other_public;
    r5_sign_secret_t secret_key, other_secret;
    r5_sign_keypair (&public_key, &secret_key);
    r5_sign_keypair (&other_public, &other_secret);
    R5__Scope scopes [] = { R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_TEAMS_WRITE };
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = "u1";
    principal.account_id = "a1";
    principal.role = R5__ROLE__ROLE_MEMBER;
    principal.kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
    principal.token_id = "t1";
    principal.scopes = scopes;
    principal.n_scopes = 2;
    principal.name = "Ada";
    principal.email = "ada@example.com";
    int64_t now = 1700000000000;
    const char *why = NULL;

    R5__PrincipalAssertion *assertion = r5_assertion_issue (&secret_key, &principal, "rid-1", now, 60000);
    CHECK (assertion && assertion->signature.len == R5_SIGN_SIGNATURE_SIZE);
    //  Round trip, through the wire.
    size_t size = r5__principal_assertion__get_packed_size (assertion);
    uint8_t *packed = malloc (size);
    r5__principal_assertion__pack (assertion, packed);
    R5__PrincipalAssertion *received = r5__principal_assertion__unpack (NULL, size, packed);
    R5__PrincipalClaims *claims = r5_assertion_verify (&public_key, received, now + 59999, &why);
    CHECK (claims && claims->principal);
    if (claims && claims->principal) {
        CHECK_STR (claims->principal->user_id, "u1");
        CHECK_STR (claims->principal->account_id, "a1");
        CHECK_STR (claims->principal->token_id, "t1");
        CHECK (claims->principal->role == R5__ROLE__ROLE_MEMBER);
        CHECK (claims->principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN);
        CHECK (claims->principal->n_scopes == 2 && claims->principal->scopes [1] == R5__SCOPE__SCOPE_TEAMS_WRITE);
        CHECK_STR (claims->principal->email, "");          //  not signed, not carried
        CHECK_STR (claims->request_id, "rid-1");
        CHECK (claims->issued_unix_ms == now && claims->expires_unix_ms == now + 60000);
        r5__principal_claims__free_unpacked (claims, NULL);
    }
    //  Expired at its expiry.
    CHECK (!r5_assertion_verify (&public_key, received, now + 60000, &why));
    CHECK_STR (why, "expired");
    //  Another key's verdict, and another key's signature.
    CHECK (!r5_assertion_verify (&other_public, received, now, &why));
    CHECK_STR (why, "bad signature");
    R5__PrincipalAssertion *forged = r5_assertion_issue (&other_secret, &principal, "rid-1", now, 60000);
    CHECK (!r5_assertion_verify (&public_key, forged, now, &why));
    r5__principal_assertion__free_unpacked (forged, NULL);
    //  Every single flipped byte of the claims is caught (say, the role).
    bool all_caught = true;
    for (size_t i = 0; i < received->claims.len; i++) {
        received->claims.data [i] ^= 0x01;
        R5__PrincipalClaims *tampered = r5_assertion_verify (&public_key, received, now, &why);
        all_caught = all_caught && !tampered;
        if (tampered)
            r5__principal_claims__free_unpacked (tampered, NULL);
        received->claims.data [i] ^= 0x01;
    }
    CHECK (all_caught);
    //  Truncated claims or signature; none at all.
    received->claims.len--;
    CHECK (!r5_assertion_verify (&public_key, received, now, &why));
    received->claims.len++;
    received->signature.len = 32;
    CHECK (!r5_assertion_verify (&public_key, received, now, &why));
    received->signature.len = R5_SIGN_SIGNATURE_SIZE;
    CHECK (!r5_assertion_verify (&public_key, NULL, now, &why));
    CHECK_STR (why, "no assertion");
    //  A valid signature over a password proof is not an assertion (domain strings differ).
    R5__PasswordProof *proof = r5_password_proof_issue (&secret_key, "u1", "a1", now);
    R5__PrincipalAssertion swapped = R5__PRINCIPAL_ASSERTION__INIT;
    swapped.claims = proof->claims;
    swapped.signature = proof->signature;
    CHECK (!r5_assertion_verify (&public_key, &swapped, now, &why));
    r5__password_proof__free_unpacked (proof, NULL);

    r5__principal_assertion__free_unpacked (received, NULL);
    r5__principal_assertion__free_unpacked (assertion, NULL);
    free (packed);
    r5_sign_secret_clear (&secret_key);
    r5_sign_secret_clear (&other_secret);
}

static void
s_test_password_proofs (void)
{
    r5_sign_public_t public_key, other_public;
    r5_sign_secret_t secret_key, other_secret;
    r5_sign_keypair (&public_key, &secret_key);
    r5_sign_keypair (&other_public, &other_secret);
    int64_t now = 1700000000000;
    const char *why = NULL;
    R5__PasswordProof *proof = r5_password_proof_issue (&secret_key, "u1", "a1", now);
    R5__PasswordProof *again = r5_password_proof_issue (&secret_key, "u1", "a1", now);
    R5__PasswordProofClaims *claims = r5_password_proof_verify (&public_key, proof, now + 29999, &why);
    R5__PasswordProofClaims *other = r5_password_proof_verify (&public_key, again, now, &why);
    CHECK (claims && other);
    if (claims && other) {
        CHECK_STR (claims->user_id, "u1");
        CHECK_STR (claims->account_id, "a1");
        CHECK (claims->expires_unix_ms == now + R5_PASSWORD_PROOF_TTL_MS);
        //  Every proof has its own nonce: that is what makes it single-use.
        CHECK (claims->nonce.len == R5_PASSWORD_PROOF_NONCE_SIZE
            && memcmp (claims->nonce.data, other->nonce.data, R5_PASSWORD_PROOF_NONCE_SIZE) != 0);
    }
    if (claims)
        r5__password_proof_claims__free_unpacked (claims, NULL);
    if (other)
        r5__password_proof_claims__free_unpacked (other, NULL);
    CHECK (!r5_password_proof_verify (&public_key, proof, now + R5_PASSWORD_PROOF_TTL_MS, &why));
    CHECK_STR (why, "expired");
    CHECK (!r5_password_proof_verify (&other_public, proof, now, &why));
    proof->claims.data [proof->claims.len - 1] ^= 0x80;
    CHECK (!r5_password_proof_verify (&public_key, proof, now, &why));
    r5__password_proof__free_unpacked (proof, NULL);
    r5__password_proof__free_unpacked (again, NULL);
    r5_sign_secret_clear (&secret_key);
    r5_sign_secret_clear (&other_secret);
}

int
main (void)
{
    if (sodium_init () < 0)
        return 1;
    snprintf (s_dir, sizeof s_dir, "/tmp/test_sign.XXXXXX");
    CHECK (mkdtemp (s_dir) != NULL);
    R5_TEST_RUN (s_test_key_files);
    R5_TEST_RUN (s_test_signatures);
    R5_TEST_RUN (s_test_remembered_from_threads);
    R5_TEST_RUN (s_test_assertions);
    R5_TEST_RUN (s_test_password_proofs);
    char command [128];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    CHECK (system (command) == 0);
    return r5_test_report ("test_sign");
}
