/*  r5_token_format: generation, checksum, digest and hint of token values.  */
#include "r5_token_format.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char s_alphabet [] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

//  CRC32 of the random part as 6 base62 digits, most significant first
//  (62^6 > 2^32, so every CRC fits).
static void
s_checksum (const char *random_part, char out [6])
{
    uLong crc = crc32 (0L, (const Bytef *) random_part, R5_TOKEN_RANDOM_LEN);
    for (int i = 5; i >= 0; i--) {
        out [i] = s_alphabet [crc % 62];
        crc /= 62;
    }
}

void
r5_token_generate (r5_token_kind_t kind, char out [R5_TOKEN_LENGTH + 1])
{
    memcpy (out, kind == R5_TOKEN_SESSION ? R5_TOKEN_PREFIX_SESSION : R5_TOKEN_PREFIX_PAT, 4);
    for (int i = 0; i < R5_TOKEN_RANDOM_LEN; i++)
        out [4 + i] = s_alphabet [randombytes_uniform (62)];
    s_checksum (out + 4, out + 4 + R5_TOKEN_RANDOM_LEN);
    out [R5_TOKEN_LENGTH] = 0;
}

static int
s_is_base62 (char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

r5_token_kind_t
r5_token_check (const char *value, size_t length)
{
    if (!value || length != R5_TOKEN_LENGTH)
        return R5_TOKEN_INVALID;
    r5_token_kind_t kind = R5_TOKEN_INVALID;
    if (memcmp (value, R5_TOKEN_PREFIX_PAT, 4) == 0)
        kind = R5_TOKEN_PAT;
    else
    if (memcmp (value, R5_TOKEN_PREFIX_SESSION, 4) == 0)
        kind = R5_TOKEN_SESSION;
    int bad = kind == R5_TOKEN_INVALID;
    for (size_t i = 4; i < R5_TOKEN_LENGTH; i++)
        bad |= !s_is_base62 (value [i]);
    char expected [6];
    s_checksum (value + 4, expected);
    bad |= sodium_memcmp (expected, value + 4 + R5_TOKEN_RANDOM_LEN, 6) != 0;
    return bad ? R5_TOKEN_INVALID : kind;
}

void
r5_token_digest (const uint8_t pepper [R5_PEPPER_SIZE], const char *value, size_t length,
                 uint8_t digest [R5_TOKEN_DIGEST_SIZE])
{
    crypto_generichash (digest, R5_TOKEN_DIGEST_SIZE, (const unsigned char *) value, length,
                        pepper, R5_PEPPER_SIZE);
}

void
r5_token_hint (const char *value, char hint [R5_TOKEN_HINT_SIZE])
{
    snprintf (hint, R5_TOKEN_HINT_SIZE, "%.4s\u2026%.4s", value, value + R5_TOKEN_LENGTH - 4);
}

static int
s_pepper_from_hex (const char *hex, size_t length, uint8_t pepper [R5_PEPPER_SIZE])
{
    size_t decoded = 0;
    const char *end = NULL;
    if (sodium_hex2bin (pepper, R5_PEPPER_SIZE, hex, length, " \n", &decoded, &end) != 0
    ||  decoded != R5_PEPPER_SIZE)
        return -1;
    return 0;
}

int
r5_pepper_load (const char *hex, const char *path, int create,
                uint8_t pepper [R5_PEPPER_SIZE], char *error, size_t error_size)
{
    if (hex && *hex) {
        if (s_pepper_from_hex (hex, strlen (hex), pepper) == 0)
            return 0;
        snprintf (error, error_size, "R5_PEPPER must be 64 hex characters (32 bytes)");
        return -1;
    }
    if (!path || !*path) {
        snprintf (error, error_size, "no pepper: set R5_PEPPER or R5_PEPPER_FILE");
        return -1;
    }
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        //  O_EXCL: if two services start at once, one creates and the other reads.
        fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            uint8_t fresh [R5_PEPPER_SIZE];
            char fresh_hex [R5_PEPPER_SIZE * 2 + 2];
            randombytes_buf (fresh, sizeof fresh);
            sodium_bin2hex (fresh_hex, sizeof fresh_hex, fresh, sizeof fresh);
            strcat (fresh_hex, "\n");
            ssize_t written = write (fd, fresh_hex, strlen (fresh_hex));
            int synced = fsync (fd);
            close (fd);
            sodium_memzero (fresh, sizeof fresh);
            sodium_memzero (fresh_hex, sizeof fresh_hex);
            if (written != R5_PEPPER_SIZE * 2 + 1 || synced != 0) {
                unlink (path);
                snprintf (error, error_size, "cannot write pepper file %s", path);
                return -1;
            }
        }
        fd = open (path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf (error, error_size, "cannot open pepper file %s: %s", path, strerror (errno));
        return -1;
    }
    //  The pepper is the key of every digest: a file others may read is made
    //  private, and one that cannot be made private (not ours) is refused.
    struct stat info;
    if (fstat (fd, &info) != 0) {
        snprintf (error, error_size, "cannot stat pepper file %s: %s", path, strerror (errno));
        close (fd);
        return -1;
    }
    if (info.st_mode & 077) {
        if (fchmod (fd, info.st_mode & 0700) != 0) {
            snprintf (error, error_size, "pepper file %s is open to others and cannot be made private (%s): "
                      "chmod 600 it", path, strerror (errno));
            close (fd);
            return -1;
        }
        fprintf (stderr, "warning: pepper file %s was open to others (mode %03o): made private (%03o)\n",
                 path, (unsigned) (info.st_mode & 0777), (unsigned) (info.st_mode & 0700));
    }
    char buffer [256];
    ssize_t size = read (fd, buffer, sizeof buffer);
    close (fd);
    int rc = -1;
    if (size == R5_PEPPER_SIZE) {
        memcpy (pepper, buffer, R5_PEPPER_SIZE);
        rc = 0;
    }
    else
    if (size > 0 && s_pepper_from_hex (buffer, (size_t) size, pepper) == 0)
        rc = 0;
    sodium_memzero (buffer, sizeof buffer);
    if (rc)
        snprintf (error, error_size, "pepper file %s must hold 32 bytes or 64 hex characters", path);
    return rc;
}
