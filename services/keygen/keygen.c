/*  keygen: the key files of an r5 suite.  */
#include "keygen.h"
#include "r5_mdp.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

//  The CURVE key pairs of a suite: file name and the role it is granted
//  (NULL: the broker's own, which clients pin and nobody needs to allow).
static const struct {
    const char *name;
    const char *role;
} s_curve_keys [] = {
    { "broker", NULL },
    { "gateway", R5_ROLE_GATEWAY },
    { "token", R5_ROLE_TOKEN },
    { "authz", R5_ROLE_AUTHZ },
    { "resource", R5_ROLE_RESOURCE },
    { "internal", R5_ROLE_INTERNAL },
};

//  The Ed25519 signing keys: <name>.sign (secret) and <name>.verify (public).
static const char *s_signing_keys [] = { "assertion", "password-proof" };

static const char *s_roles [] = { R5_ROLE_GATEWAY, R5_ROLE_TOKEN, R5_ROLE_AUTHZ, R5_ROLE_RESOURCE, R5_ROLE_INTERNAL };

static bool
s_exists (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0;
}

//  Write text to path with mode, atomically (a temporary file renamed over
//  it). 0, or -1 with one line in error.
static int
s_write (const char *path, const char *text, mode_t mode, char *error, size_t error_size)
{
    char temporary [PATH_MAX];
    snprintf (temporary, sizeof temporary, "%s.tmp.%d", path, (int) getpid ());
    int fd = open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t length = strlen (text);
    bool written = fd >= 0 && write (fd, text, length) == (ssize_t) length && fchmod (fd, mode) == 0
                && fsync (fd) == 0;
    if (fd >= 0)
        close (fd);
    if (!written || rename (temporary, path) != 0) {
        snprintf (error, error_size, "cannot write %s: %s", path, strerror (errno));
        unlink (temporary);
        return -1;
    }
    return 0;
}

//  Grant key role in dir's allow-list (made if missing). 0 or -1.
static int
s_allow (const char *dir, const char *role, const char *key, char *error, size_t error_size)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, KEYGEN_ALLOW_FILE);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    FILE *in = fopen (path, "r");
    if (in) {
        char line [512];
        while (fgets (line, sizeof line, in))
            fputs (line, out);
        fclose (in);
    }
    else
        fputs ("# The brokers' allow-list of CURVE public keys: \"<role> <key>\" per line, or\n"
               "# \"serve|call <service> <key>\". Roles: gateway token authz resource internal.\n"
               "# Brokers reload it when it changes, or on SIGHUP (docs/messaging.md).\n", out);
    if (size && text [size - 1] != '\n')
        fputc ('\n', out);
    fprintf (out, "%-8s %s\n", role, key);
    fclose (out);
    int rc = s_write (path, text, 0600, error, error_size);
    free (text);
    return rc;
}

//  Make the CURVE key pair dir/name.key(_secret) and grant it role (NULL:
//  none). 0 or -1.
static int
s_curve_pair (const char *dir, const char *name, const char *role, char *error, size_t error_size)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.key", dir, name);
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", name);
    if (role)
        zcert_set_meta (cert, "role", "%s", role);
    //  zcert_save writes with the umask. Every file of a key directory is its
    //  owner's alone; a public key is handed out by copying it.
    mode_t mask = umask (077);
    int rc = zcert_save (cert, path);
    umask (mask);
    if (rc != 0) {
        snprintf (error, error_size, "cannot write %s", path);
        zcert_destroy (&cert);
        return -1;
    }
    rc = role ? s_allow (dir, role, zcert_public_txt (cert), error, error_size) : 0;
    printf ("r5-keygen: wrote %s and %s_secret%s%s\n", path, path, role ? ", allowed as " : "", role ? role : "");
    zcert_destroy (&cert);
    return rc;
}

//  Make the Ed25519 pair dir/name.sign (secret) and dir/name.verify. 0 or -1.
static int
s_signing_pair (const char *dir, const char *name, char *error, size_t error_size)
{
    unsigned char public_key [crypto_sign_PUBLICKEYBYTES], secret_key [crypto_sign_SECRETKEYBYTES];
    char public_hex [2 * sizeof public_key + 2], secret_hex [2 * sizeof secret_key + 2];
    crypto_sign_keypair (public_key, secret_key);
    sodium_bin2hex (public_hex, sizeof public_hex, public_key, sizeof public_key);
    sodium_bin2hex (secret_hex, sizeof secret_hex, secret_key, sizeof secret_key);
    strcat (public_hex, "\n");
    strcat (secret_hex, "\n");
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.sign", dir, name);
    int rc = s_write (path, secret_hex, 0600, error, error_size);
    snprintf (path, sizeof path, "%s/%s.verify", dir, name);
    if (rc == 0)
        rc = s_write (path, public_hex, 0600, error, error_size);
    if (rc == 0)
        printf ("r5-keygen: wrote %s/%s.sign and %s\n", dir, name, path);
    sodium_memzero (secret_key, sizeof secret_key);
    sodium_memzero (secret_hex, sizeof secret_hex);
    return rc;
}

//  Make dir (mode 0700) when missing. 0 or -1.
static int
s_directory (const char *dir, char *error, size_t error_size)
{
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        snprintf (error, error_size, "cannot make %s: %s", dir, strerror (errno));
        return -1;
    }
    return 0;
}

int
keygen_suite (const char *dir, char *error, size_t error_size)
{
    if (sodium_init () < 0 || s_directory (dir, error, error_size) != 0)
        return -1;
    char path [PATH_MAX];
    for (size_t index = 0; index < sizeof s_curve_keys / sizeof s_curve_keys [0]; index++) {
        snprintf (path, sizeof path, "%s/%s.key_secret", dir, s_curve_keys [index].name);
        if (!s_exists (path)
        &&  s_curve_pair (dir, s_curve_keys [index].name, s_curve_keys [index].role, error, error_size) != 0)
            return -1;
    }
    for (size_t index = 0; index < sizeof s_signing_keys / sizeof s_signing_keys [0]; index++) {
        snprintf (path, sizeof path, "%s/%s.sign", dir, s_signing_keys [index]);
        if (!s_exists (path) && s_signing_pair (dir, s_signing_keys [index], error, error_size) != 0)
            return -1;
    }
    return 0;
}

int
keygen_add (const char *dir, const char *name, const char *role, char *error, size_t error_size)
{
    bool known = false;
    for (size_t index = 0; index < sizeof s_roles / sizeof s_roles [0]; index++)
        known |= streq (role, s_roles [index]);
    if (!known) {
        snprintf (error, error_size, "unknown role '%s' (gateway, token, authz, resource or internal)", role);
        return -1;
    }
    if (!*name || strchr (name, '/') || *name == '.') {
        snprintf (error, error_size, "bad key name '%s'", name);
        return -1;
    }
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.key_secret", dir, name);
    if (s_exists (path)) {
        snprintf (error, error_size, "%s exists already", path);
        return -1;
    }
    if (s_directory (dir, error, error_size) != 0)
        return -1;
    return s_curve_pair (dir, name, role, error, error_size);
}
