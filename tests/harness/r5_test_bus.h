/*  r5_test_bus: the bus keys of a test that runs every role in one process.

    r5_test_bus_keys makes one CURVE key pair for the process (it is the
    broker's key too: every in-process broker serves with it) and an
    allow-list granting it every role, plus "serve" and "call" of the extra
    service names a test uses. It returns the allow-list's path, for
    broker_config_t. The secret key is also written next to the allow-list
    and named in R5_TEST_BUS_KEY, so a child process the test starts (a
    worker killed with -9, say) loads the same identity instead of making one.
    Header-only: each test is one program. */
#ifndef R5_TEST_BUS_H
#define R5_TEST_BUS_H

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r5_curve.h"
#include "r5_mdp.h"

static char s_test_bus_dir [64];
static char s_test_bus_allow [128];

static void
s_test_bus_remove (void)
{
    if (*s_test_bus_dir && getenv ("R5_TEST_BUS_OWNER") && atoi (getenv ("R5_TEST_BUS_OWNER")) == (int) getpid ()) {
        char command [128];
        snprintf (command, sizeof command, "rm -rf '%s'", s_test_bus_dir);
        if (system (command) != 0)
            fprintf (stderr, "cannot remove %s\n", s_test_bus_dir);
    }
}

//  Set this process's bus identity; answers the allow-list's path, or NULL.
//  extra: service names outside r5's own that the key may serve and call,
//  NULL-ended (or NULL).
static const char *
r5_test_bus_keys (const char *const *extra)
{
    const char *inherited = getenv ("R5_TEST_BUS_KEY");
    if (inherited) {
        char error [256];
        if (r5_curve_load (inherited, NULL, error, sizeof error) != 0) {
            fprintf (stderr, "%s\n", error);
            return NULL;
        }
        snprintf (s_test_bus_allow, sizeof s_test_bus_allow, "%s", getenv ("R5_TEST_BUS_ALLOW"));
        return s_test_bus_allow;
    }
    snprintf (s_test_bus_dir, sizeof s_test_bus_dir, "/tmp/r5-test-bus.XXXXXX");
    if (!mkdtemp (s_test_bus_dir))
        return NULL;
    char key [128];
    snprintf (key, sizeof key, "%s/test.key", s_test_bus_dir);
    snprintf (s_test_bus_allow, sizeof s_test_bus_allow, "%s/bus-allow", s_test_bus_dir);
    zcert_t *cert = zcert_new ();
    mode_t mask = umask (077);
    int rc = zcert_save (cert, key);
    umask (mask);
    FILE *allow = fopen (s_test_bus_allow, "w");
    if (rc != 0 || !allow) {
        zcert_destroy (&cert);
        return NULL;
    }
    const char *roles [] = { R5_ROLE_GATEWAY, R5_ROLE_TOKEN, R5_ROLE_AUTHZ, R5_ROLE_RESOURCE, R5_ROLE_INTERNAL };
    for (size_t index = 0; index < sizeof roles / sizeof roles [0]; index++)
        fprintf (allow, "%s %s\n", roles [index], zcert_public_txt (cert));
    for (const char *const *service = extra; service && *service; service++)
        fprintf (allow, "serve %s %s\ncall %s %s\n", *service, zcert_public_txt (cert), *service,
                 zcert_public_txt (cert));
    fclose (allow);
    r5_curve_set (cert, NULL);
    zcert_destroy (&cert);

    char secret [160], owner [16];
    snprintf (secret, sizeof secret, "%s_secret", key);
    snprintf (owner, sizeof owner, "%d", (int) getpid ());
    setenv ("R5_TEST_BUS_KEY", secret, 1);
    setenv ("R5_TEST_BUS_ALLOW", s_test_bus_allow, 1);
    setenv ("R5_TEST_BUS_OWNER", owner, 1);
    atexit (s_test_bus_remove);
    return s_test_bus_allow;
}

#endif
