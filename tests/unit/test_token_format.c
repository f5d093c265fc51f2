/*  test_token_format: shape, checksum, digest, hint and pepper of token values.  */
#include "r5_token_format.h"
#include "r5_test.h"

#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void
test_generate_and_check (void)
{
    char value [R5_TOKEN_LENGTH + 1], other [R5_TOKEN_LENGTH + 1];
    r5_token_generate (R5_TOKEN_PAT, value);
    r5_token_generate (R5_TOKEN_PAT, other);
    CHECK (strlen (value) == 40);
    CHECK (strncmp (value, "r5p_", 4) == 0);
    CHECK (strcmp (value, other) != 0);
    CHECK (r5_token_check (value, 40) == R5_TOKEN_PAT);
    r5_token_generate (R5_TOKEN_SESSION, value);
    CHECK (strncmp (value, "r5s_", 4) == 0);
    CHECK (r5_token_check (value, 40) == R5_TOKEN_SESSION);

    //  The checksum is the CRC32 of the 30 random characters, in 6 base62 digits.
    r5_token_generate (R5_TOKEN_PAT, value);
    uLong crc = crc32 (0L, (const Bytef *) value + 4, 30);
    static const char alphabet [] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char expected [7];
    for (int i = 5; i >= 0; i--) {
        expected [i] = alphabet [crc % 62];
        crc /= 62;
    }
    expected [6] = 0;
    CHECK (strcmp (value + 34, expected) == 0);
}

static void
test_refusals (void)
{
    char value [R5_TOKEN_LENGTH + 1];
    r5_token_generate (R5_TOKEN_PAT, value);
    char bad [R5_TOKEN_LENGTH + 2];

    //  Every single-character change of the random part breaks the checksum.
    int caught = 0;
    for (int i = 4; i < 34; i++) {
        memcpy (bad, value, 41);
        bad [i] = bad [i] == 'a' ? 'b' : 'a';
        caught += r5_token_check (bad, 40) == R5_TOKEN_INVALID;
    }
    CHECK (caught == 30);
    memcpy (bad, value, 41);
    bad [39] = bad [39] == '0' ? '1' : '0';
    CHECK (r5_token_check (bad, 40) == R5_TOKEN_INVALID);
    memcpy (bad, value, 41);
    bad [0] = 'x';
    CHECK (r5_token_check (bad, 40) == R5_TOKEN_INVALID);
    memcpy (bad, value, 41);
    bad [10] = '-';
    CHECK (r5_token_check (bad, 40) == R5_TOKEN_INVALID);
    CHECK (r5_token_check (value, 39) == R5_TOKEN_INVALID);
    CHECK (r5_token_check ("", 0) == R5_TOKEN_INVALID);
    CHECK (r5_token_check (NULL, 40) == R5_TOKEN_INVALID);
    //  The documentation's example value has a checksum that does not match.
    CHECK (r5_token_check ("r5p_9LZkBKxvaLmSICWkEReIj3QqSiN6V", 33) == R5_TOKEN_INVALID);
}

static void
test_digest_and_hint (void)
{
    uint8_t pepper_a [32], pepper_b [32];
    memset (pepper_a, 1, 32);
    memset (pepper_b, 2, 32);
    char value [R5_TOKEN_LENGTH + 1];
    r5_token_generate (R5_TOKEN_PAT, value);
    uint8_t digest_a [32], digest_a2 [32], digest_b [32];
    r5_token_digest (pepper_a, value, 40, digest_a);
    r5_token_digest (pepper_a, value, 40, digest_a2);
    r5_token_digest (pepper_b, value, 40, digest_b);
    CHECK (memcmp (digest_a, digest_a2, 32) == 0);
    CHECK (memcmp (digest_a, digest_b, 32) != 0);      //  keyed: another pepper, another digest

    char hint [R5_TOKEN_HINT_SIZE];
    r5_token_hint (value, hint);
    CHECK (strncmp (hint, "r5p_\xe2\x80\xa6", 7) == 0);
    CHECK (strcmp (hint + 7, value + 36) == 0);
}

static void
test_pepper (void)
{
    uint8_t pepper [32], again [32];
    char error [256];
    char dir [] = "/tmp/r5-pepper-XXXXXX";
    CHECK (mkdtemp (dir) != NULL);
    char path [300];
    snprintf (path, sizeof path, "%s/pepper", dir);

    CHECK (r5_pepper_load (NULL, path, 0, pepper, error, sizeof error) == -1);
    mode_t umask_before = umask (0);                    //  private whatever the umask
    CHECK (r5_pepper_load (NULL, path, 1, pepper, error, sizeof error) == 0);
    umask (umask_before);
    struct stat info;
    CHECK (stat (path, &info) == 0 && (info.st_mode & 0777) == 0600);
    CHECK (r5_pepper_load (NULL, path, 1, again, error, sizeof error) == 0);
    CHECK (memcmp (pepper, again, 32) == 0);            //  created once, then read back

    //  A pepper file others may read is made private when loaded.
    CHECK (chmod (path, 0644) == 0);
    CHECK (r5_pepper_load (NULL, path, 0, again, error, sizeof error) == 0);
    CHECK (stat (path, &info) == 0 && (info.st_mode & 0777) == 0600);
    CHECK (memcmp (pepper, again, 32) == 0);

    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    CHECK (r5_pepper_load (hex, path, 0, pepper, error, sizeof error) == 0);
    CHECK (pepper [0] == 0 && pepper [31] == 0x1f);
    CHECK (r5_pepper_load ("abcd", path, 0, pepper, error, sizeof error) == -1);
    CHECK (r5_pepper_load (NULL, "", 0, pepper, error, sizeof error) == -1);
    unlink (path);
    rmdir (dir);
}

int
main (void)
{
    if (sodium_init () < 0)
        return 1;
    R5_TEST_RUN (test_generate_and_check);
    R5_TEST_RUN (test_refusals);
    R5_TEST_RUN (test_digest_and_hint);
    R5_TEST_RUN (test_pepper);
    return r5_test_report ("test_token_format");
}
