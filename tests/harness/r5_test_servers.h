/*  r5_test_servers: what the unit tests that run against real servers share —
    a dev MongoDB server started as a child (waited for on its ready line,
    stopped and removed at the end, and killed with the test if the test dies)
    and a wait until a service's workers have registered with a broker actor.
    Header-only: each test is one program. */
#ifndef R5_TEST_SERVERS_H
#define R5_TEST_SERVERS_H

#include <czmq.h>
#include <mongoc/mongoc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t s_test_mongo_pid = -1;
static char s_test_mongo_dir [256];

//  Start deploy/devmongo/r5-devmongo (R5_SOURCE_DIR) on a free port with its
//  data in /tmp/<name>.XXXXXX, with MongoDB's test commands (the failCommand
//  fail point) when test_commands; answers the port, or -1.
static inline int
r5_test_devmongo_start_with (const char *name, bool test_commands)
{
    const char *source = getenv ("R5_SOURCE_DIR");
    char script [512];
    snprintf (script, sizeof script, "%s/deploy/devmongo/r5-devmongo", source ? source : ".");
    snprintf (s_test_mongo_dir, sizeof s_test_mongo_dir, "/tmp/%s.XXXXXX", name);
    if (!mkdtemp (s_test_mongo_dir))
        return -1;
    int fds [2];
    if (pipe (fds))
        return -1;
    s_test_mongo_pid = fork ();
    if (s_test_mongo_pid == 0) {
        //  A test that dies must not leave its server behind.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        dup2 (fds [1], STDOUT_FILENO);
        close (fds [0]);
        close (fds [1]);
        execl ("/usr/bin/python3", "python3", script, "--data-dir", s_test_mongo_dir, "--port", "0",
               "--log-level", "warning", test_commands ? "--enable-test-commands" : (char *) NULL,
               (char *) NULL);
        fprintf (stderr, "cannot exec /usr/bin/python3 %s\n", script);
        _exit (127);
    }
    close (fds [1]);
    //  Wait for the ready line, not for a while.
    FILE *out = fdopen (fds [0], "r");
    char line [256];
    int port = -1;
    while (out && fgets (line, sizeof line, out))
        if (sscanf (line, "r5-devmongo ready port=%d", &port) == 1)
            break;
    //  Keep the pipe open (the server may write more); it closes at exit.
    return port;
}

//  The dev server as production sees it: no test commands.
static inline int
r5_test_devmongo_start (const char *name)
{
    return r5_test_devmongo_start_with (name, false);
}

//  Stop the dev server and remove its data.
static void
r5_test_devmongo_stop (void)
{
    if (s_test_mongo_pid > 0) {
        kill (s_test_mongo_pid, SIGTERM);
        waitpid (s_test_mongo_pid, NULL, 0);
    }
    char command [300];
    snprintf (command, sizeof command, "rm -rf '%s'", s_test_mongo_dir);
    if (*s_test_mongo_dir && system (command) != 0)
        fprintf (stderr, "cannot remove %s\n", s_test_mongo_dir);
}

//  True once the broker has a worker for service (within 10 s).
static inline bool
r5_test_wait_workers (zactor_t *broker, const char *service)
{
    int64_t until = zclock_mono () + 10000;
    while (zclock_mono () < until) {
        zstr_sendx (broker, "WORKERS", service, NULL);
        char *count = zstr_recv (broker);
        bool ready = count && atoi (count) > 0;
        zstr_free (&count);
        if (ready)
            return true;
        zclock_sleep (10);
    }
    return false;
}

//  How many times the dev server has started `command` on db.collection
//  (its r5CommandStats, which counts every command of every client).
static inline int64_t
r5_test_devmongo_started (mongoc_client_t *client, const char *db, const char *collection, const char *command)
{
    bson_t *cmd = BCON_NEW ("r5CommandStats", BCON_INT32 (1));
    bson_t reply;
    bson_error_t error;
    int64_t n = 0;
    char path [128];
    snprintf (path, sizeof path, "collections.%s.%s.%s", db, collection, command);
    if (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error)) {
        bson_iter_t iter;
        if (bson_iter_init (&iter, &reply) && bson_iter_find_descendant (&iter, path, &iter))
            n = bson_iter_as_int64 (&iter);
    }
    bson_destroy (&reply);
    bson_destroy (cmd);
    return n;
}

#endif
