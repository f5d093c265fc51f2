/*  r5_curve: this process's CURVE identity on the bus.  */
#include "r5_curve.h"
#include "r5_log.h"

#include <sys/stat.h>

//  Set once at start-up, read-only afterwards (see the header).
static zcert_t *s_own;
static char s_broker_public [R5_CURVE_KEY_TEXT + 1];

//  True when text is a Z85 key other than the all-zero one czmq fills in for
//  a certificate file that has no secret.
static bool
s_key_present (const char *text)
{
    return text && strlen (text) == R5_CURVE_KEY_TEXT && !streq (text, "0000000000000000000000000000000000000000");
}

int
r5_curve_load (const char *secret_path, const char *broker_path, char *error, size_t error_size)
{
    struct stat info;
    if (!secret_path || !*secret_path || stat (secret_path, &info) != 0) {
        snprintf (error, error_size, "cannot read key file '%s'", secret_path ? secret_path : "");
        return -1;
    }
    //  Like ssh with its keys: a secret others can read is no longer secret.
    if (info.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (error, error_size, "key file '%s' is readable by others (mode %03o): chmod 600 it",
                  secret_path, (unsigned) (info.st_mode & 0777));
        return -1;
    }
    zcert_t *own = zcert_load (secret_path);
    if (!own || !s_key_present (zcert_secret_txt (own))) {
        snprintf (error, error_size, "key file '%s' holds no secret key", secret_path);
        zcert_destroy (&own);
        return -1;
    }
    zcert_t *broker = NULL;
    if (broker_path) {
        broker = *broker_path ? zcert_load (broker_path) : NULL;
        if (!broker || !s_key_present (zcert_public_txt (broker))) {
            snprintf (error, error_size, "cannot read the brokers' public key from '%s'", broker_path);
            zcert_destroy (&own);
            zcert_destroy (&broker);
            return -1;
        }
    }
    r5_curve_set (own, broker ? zcert_public_txt (broker) : NULL);
    zcert_destroy (&own);
    zcert_destroy (&broker);
    return 0;
}

void
r5_curve_set (zcert_t *own, const char *broker_public)
{
    zcert_destroy (&s_own);
    s_own = zcert_dup (own);
    snprintf (s_broker_public, sizeof s_broker_public, "%s",
              broker_public ? broker_public : zcert_public_txt (s_own));
}

void
r5_curve_reset (void)
{
    zcert_destroy (&s_own);
    s_broker_public [0] = '\0';
}

const char *
r5_curve_public (void)
{
    return s_own ? zcert_public_txt (s_own) : NULL;
}

int
r5_curve_client (void *sock)
{
    if (!s_own) {
        r5_error (NULL, "cannot secure a bus socket: no bus key loaded");
        return -1;
    }
    zcert_apply (s_own, sock);
    zsock_set_curve_serverkey (sock, s_broker_public);
    return 0;
}

int
r5_curve_server (zsock_t *sock, const char *domain)
{
    if (!s_own) {
        r5_error (NULL, "cannot secure a bus socket: no bus key loaded");
        return -1;
    }
    zcert_apply (s_own, sock);
    zsock_set_curve_server (sock, 1);
    zsock_set_zap_domain (sock, domain);
    return 0;
}
