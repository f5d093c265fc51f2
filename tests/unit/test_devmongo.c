/*  test_devmongo.c - the dev server answers libmongoc as a real MongoDB would.
 *
 *  Starts deploy/devmongo/r5-devmongo on a free port with a fresh data
 *  directory, drives every command the services use through the libmongoc
 *  API (client pool, w:majority), stops it with SIGTERM, restarts it on the
 *  same directory and checks data and unique indexes survived; then kills it
 *  with SIGKILL, appends a torn record to the journal and checks that replay
 *  keeps every acknowledged write and ignores the torn tail.
 */

#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "r5_test.h"

/* ------------------------------------------------------------------------ */
/*  Harness                                                                  */
/* ------------------------------------------------------------------------ */

static pid_t s_server_pid = -1;
static char s_data_dir[PATH_MAX];

/*  A failed libmongoc call, with the error it set. */
#define CHECK_OK(call, error)                                               \
    CHECK_MSG (call, "%s (domain %u code %u)", (error).message,            \
               (error).domain, (error).code)

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
s_rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb, (void) flag, (void) ftw;
    return remove (path);
}

/*  Kills a still-running server and removes the data directory (atexit). */
static void
s_cleanup (void)
{
    if (s_server_pid > 0) {
        kill (s_server_pid, SIGKILL);
        waitpid (s_server_pid, NULL, 0);
        s_server_pid = -1;
    }
    if (s_data_dir[0] && !getenv ("R5_KEEP_DATA"))
        nftw (s_data_dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*  Starts r5-devmongo on s_data_dir and a free port; waits for its ready
 *  line on stdout (never a sleep). Returns the port. */
static int
s_start_server (void)
{
    const char *src = getenv ("R5_SOURCE_DIR");
    char script[PATH_MAX];
    snprintf (script, sizeof script, "%s/deploy/devmongo/r5-devmongo",
              src ? src : ".");
    int fds[2];
    CHECK (pipe (fds) == 0);
    pid_t pid = fork ();
    CHECK (pid >= 0);
    if (pid == 0) {
        /* A test that dies must not leave its server behind. */
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        dup2 (fds[1], STDOUT_FILENO);
        close (fds[0]);
        close (fds[1]);
        execl ("/usr/bin/python3", "python3", script, "--data-dir", s_data_dir,
               "--port", "0", "--log-level", "warning", "--enable-test-commands",
               "--ttl-interval-seconds", "0.2", (char *) NULL);
        fprintf (stderr, "cannot exec /usr/bin/python3 %s: %s\n", script,
                 strerror (errno));
        _exit (127);
    }
    close (fds[1]);
    s_server_pid = pid;

    char line[256];
    size_t len = 0;
    double deadline = s_now () + 10.0;
    while (len < sizeof line - 1) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int left = (int) ((deadline - s_now ()) * 1000);
        CHECK (left > 0);
        if (poll (&pfd, 1, left) <= 0)
            continue;
        ssize_t n = read (fds[0], line + len, 1);
        CHECK (n == 1);         /* EOF: the server died before it was ready */
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close (fds[0]);
    int port = 0;
    CHECK (sscanf (line, "r5-devmongo ready port=%d", &port) == 1);
    CHECK (port > 0 && port < 65536);
    return port;
}

/*  Stops the server with sig and waits; returns seconds it took, checks the
 *  exit status (0 for SIGTERM). */
static double
s_stop_server (int sig)
{
    double t0 = s_now ();
    //  Each step needs the server and data the ones before it left.
    r5_test_stop_on_failure = true;
    CHECK (kill (s_server_pid, sig) == 0);
    int status = 0;
    CHECK (waitpid (s_server_pid, &status, 0) == s_server_pid);
    s_server_pid = -1;
    if (sig == SIGTERM)
        CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    return s_now () - t0;
}

static mongoc_client_pool_t *
s_pool_new (int port)
{
    char uri_str[256];
    snprintf (uri_str, sizeof uri_str,
              "mongodb://127.0.0.1:%d/?serverSelectionTimeoutMS=2000&w=majority"
              "&appname=test_devmongo",
              port);
    bson_error_t error;
    mongoc_uri_t *uri = mongoc_uri_new_with_error (uri_str, &error);
    CHECK_OK (uri, error);
    mongoc_client_pool_t *pool = mongoc_client_pool_new (uri);
    CHECK (pool);
    CHECK (mongoc_client_pool_set_error_api (pool, MONGOC_ERROR_API_VERSION_2));
    mongoc_uri_destroy (uri);
    return pool;
}

static int64_t
s_count (mongoc_collection_t *coll, const bson_t *filter)
{
    bson_error_t error;
    int64_t n = mongoc_collection_count_documents (coll, filter, NULL, NULL,
                                                   NULL, &error);
    CHECK_OK (n >= 0, error);
    return n;
}

/*  Finds the one document matching filter into out (false if none). */
static bool
s_find_one (mongoc_collection_t *coll, const bson_t *filter, bson_t *out)
{
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 (1));
    mongoc_cursor_t *cursor =
        mongoc_collection_find_with_opts (coll, filter, opts, NULL);
    const bson_t *doc;
    bool found = mongoc_cursor_next (cursor, &doc);
    if (found)
        bson_copy_to (doc, out);
    bson_error_t error;
    CHECK_OK (!mongoc_cursor_error (cursor, &error), error);
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    return found;
}

static int32_t
s_get_int32 (const bson_t *doc, const char *path)
{
    bson_iter_t it;
    CHECK (bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, path, &it));
    CHECK (BSON_ITER_HOLDS_INT32 (&it));
    return bson_iter_int32 (&it);
}

static bool
s_has (const bson_t *doc, const char *path)
{
    bson_iter_t it;
    return bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, path, &it);
}

/* ------------------------------------------------------------------------ */
/*  Typed document round trip                                                */
/* ------------------------------------------------------------------------ */

static const uint8_t s_blob[5] = {0, 1, 2, 0xfe, 0xff};
static bson_oid_t s_typed_oid;

static void
s_insert_typed (mongoc_collection_t *coll)
{
    bson_oid_init (&s_typed_oid, NULL);
    bson_t *doc = BCON_NEW (
        "_id", BCON_OID (&s_typed_oid), "i32", BCON_INT32 (7), "i64",
        BCON_INT64 (7), "big", BCON_INT64 (INT64_C (9007199254740993)), "dbl",
        BCON_DOUBLE (2.5), "str", BCON_UTF8 ("héllo"), "t", BCON_BOOL (true),
        "nil", BCON_NULL, "at", BCON_DATE_TIME (INT64_C (1790000000123)), "bin",
        BCON_BIN (BSON_SUBTYPE_BINARY, s_blob, sizeof s_blob), "sub", "{", "k",
        BCON_INT32 (1), "arr", "[", BCON_INT32 (1), BCON_UTF8 ("two"), "]", "}",
        "arr", "[", BCON_INT64 (1), BCON_DOUBLE (2.0), "{", "x", BCON_BOOL (false),
        "}", "]");
    bson_error_t error;
    CHECK_OK (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error), error);
    bson_destroy (doc);
}

static void
s_check_typed (mongoc_collection_t *coll)
{
    bson_t *filter = BCON_NEW ("_id", BCON_OID (&s_typed_oid));
    bson_t doc;
    CHECK (s_find_one (coll, filter, &doc));
    bson_iter_t it;
    CHECK (bson_iter_init (&it, &doc));
    /* _id first, then the fields in the order they were written. */
    CHECK (bson_iter_next (&it) && !strcmp (bson_iter_key (&it), "_id"));
    CHECK (BSON_ITER_HOLDS_OID (&it) &&
           bson_oid_equal (bson_iter_oid (&it), &s_typed_oid));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_INT32 (&it) &&
           bson_iter_int32 (&it) == 7);
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_INT64 (&it) &&
           bson_iter_int64 (&it) == 7);
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_INT64 (&it) &&
           bson_iter_int64 (&it) == INT64_C (9007199254740993));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_DOUBLE (&it) &&
           bson_iter_double (&it) == 2.5);
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_UTF8 (&it) &&
           !strcmp (bson_iter_utf8 (&it, NULL), "héllo"));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_BOOL (&it) &&
           bson_iter_bool (&it));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_NULL (&it));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_DATE_TIME (&it) &&
           bson_iter_date_time (&it) == INT64_C (1790000000123));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_BINARY (&it));
    bson_subtype_t subtype;
    uint32_t blen;
    const uint8_t *bdata;
    bson_iter_binary (&it, &subtype, &blen, &bdata);
    CHECK (subtype == BSON_SUBTYPE_BINARY && blen == sizeof s_blob &&
           !memcmp (bdata, s_blob, blen));
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_DOCUMENT (&it));
    CHECK (s_get_int32 (&doc, "sub.k") == 1);
    CHECK (s_get_int32 (&doc, "sub.arr.0") == 1);
    CHECK (bson_iter_next (&it) && BSON_ITER_HOLDS_ARRAY (&it));
    bson_iter_t child;
    CHECK (bson_iter_init (&it, &doc) && bson_iter_find_descendant (&it, "arr.0", &child));
    CHECK (BSON_ITER_HOLDS_INT64 (&child));
    CHECK (bson_iter_init (&it, &doc) && bson_iter_find_descendant (&it, "arr.1", &child));
    CHECK (BSON_ITER_HOLDS_DOUBLE (&child));
    CHECK (bson_iter_init (&it, &doc) && bson_iter_find_descendant (&it, "arr.2.x", &child));
    CHECK (BSON_ITER_HOLDS_BOOL (&child) && !bson_iter_bool (&child));
    bson_destroy (&doc);
    bson_destroy (filter);
}

/* ------------------------------------------------------------------------ */
/*  Indexes                                                                  */
/* ------------------------------------------------------------------------ */

static void
s_create_indexes (mongoc_client_t *client)
{
    mongoc_database_t *db = mongoc_client_get_database (client, "r5test");
    bson_t *cmd = BCON_NEW (
        "createIndexes", BCON_UTF8 ("users"), "indexes", "[",
        "{", "key", "{", "email", BCON_INT32 (1), "}", "name", BCON_UTF8 ("email_1"),
        "unique", BCON_BOOL (true), "}",
        "{", "key", "{", "account", BCON_INT32 (1), "team", BCON_INT32 (1), "}",
        "name", BCON_UTF8 ("account_1_team_1"), "unique", BCON_BOOL (true),
        "partialFilterExpression", "{", "team", "{", "$exists", BCON_BOOL (true), "}", "}",
        "}",
        "{", "key", "{", "kind", BCON_INT32 (1), "}", "name", BCON_UTF8 ("kind_1"), "}",
        "]");
    bson_t reply;
    bson_error_t error;
    CHECK_OK (mongoc_database_write_command_with_opts (db, cmd, NULL, &reply, &error),
              error);
    CHECK (s_get_int32 (&reply, "numIndexesAfter") == 4);
    bson_destroy (&reply);
    /* The same definitions again are a no-op, as on MongoDB. */
    CHECK_OK (mongoc_database_write_command_with_opts (db, cmd, NULL, &reply, &error),
              error);
    CHECK (s_get_int32 (&reply, "numIndexesAfter") == 4);
    bson_destroy (&reply);
    bson_destroy (cmd);
    /* Same name, other key: IndexKeySpecsConflict (86). */
    cmd = BCON_NEW ("createIndexes", BCON_UTF8 ("users"), "indexes", "[", "{", "key",
                    "{", "other", BCON_INT32 (1), "}", "name", BCON_UTF8 ("email_1"),
                    "}", "]");
    CHECK (!mongoc_database_write_command_with_opts (db, cmd, NULL, &reply, &error));
    CHECK (error.code == 86);
    bson_destroy (&reply);
    bson_destroy (cmd);
    mongoc_database_destroy (db);
}

/*  Returns how many indexes listIndexes shows; checks email_1 is unique. */
static int
s_list_indexes (mongoc_collection_t *coll)
{
    mongoc_cursor_t *cursor = mongoc_collection_find_indexes_with_opts (coll, NULL);
    const bson_t *doc;
    int n = 0;
    bool email_unique = false;
    while (mongoc_cursor_next (cursor, &doc)) {
        bson_iter_t it;
        n++;
        if (bson_iter_init_find (&it, doc, "name") &&
            !strcmp (bson_iter_utf8 (&it, NULL), "email_1"))
            email_unique = bson_iter_init_find (&it, doc, "unique") &&
                           bson_iter_as_bool (&it);
    }
    bson_error_t error;
    CHECK_OK (!mongoc_cursor_error (cursor, &error), error);
    mongoc_cursor_destroy (cursor);
    CHECK (email_unique);
    return n;
}

static void
s_check_unique_enforced (mongoc_collection_t *users)
{
    bson_error_t error;
    bson_t *dup = BCON_NEW ("email", BCON_UTF8 ("u1@example.com"));
    CHECK (!mongoc_collection_insert_one (users, dup, NULL, NULL, &error));
    CHECK (error.code == 11000);
    CHECK (strstr (error.message, "E11000 duplicate key error"));
    bson_destroy (dup);
    /* Partial unique index: two docs without "team" are fine, two with the
     * same (account, team) are not. */
    bson_t *a = BCON_NEW ("account", BCON_INT32 (9), "email", BCON_UTF8 ("p1@x"));
    bson_t *b = BCON_NEW ("account", BCON_INT32 (9), "email", BCON_UTF8 ("p2@x"));
    bson_t *c = BCON_NEW ("account", BCON_INT32 (9), "team", BCON_UTF8 ("t"),
                          "email", BCON_UTF8 ("p3@x"));
    bson_t *d = BCON_NEW ("account", BCON_INT32 (9), "team", BCON_UTF8 ("t"),
                          "email", BCON_UTF8 ("p4@x"));
    bool have = s_count (users, a) > 0;
    if (!have) {
        CHECK_OK (mongoc_collection_insert_one (users, a, NULL, NULL, &error), error);
        CHECK_OK (mongoc_collection_insert_one (users, b, NULL, NULL, &error), error);
        CHECK_OK (mongoc_collection_insert_one (users, c, NULL, NULL, &error), error);
    }
    CHECK (!mongoc_collection_insert_one (users, d, NULL, NULL, &error));
    CHECK (error.code == 11000);
    bson_destroy (a);
    bson_destroy (b);
    bson_destroy (c);
    bson_destroy (d);
}

/* ------------------------------------------------------------------------ */
/*  First run: every command                                                 */
/* ------------------------------------------------------------------------ */

#define N_USERS 250

static void
s_first_run (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    bson_error_t error;
    bson_t reply;

    /* hello, ping, buildInfo */
    bson_t *cmd = BCON_NEW ("hello", BCON_INT32 (1));
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error),
              error);
    bson_iter_t it;
    CHECK (bson_iter_init_find (&it, &reply, "isWritablePrimary") && bson_iter_as_bool (&it));
    bson_destroy (&reply);
    bson_destroy (cmd);
    cmd = BCON_NEW ("ping", BCON_INT32 (1));
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error),
              error);
    bson_destroy (&reply);
    bson_destroy (cmd);
    cmd = BCON_NEW ("buildInfo", BCON_INT32 (1));
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error),
              error);
    CHECK (bson_iter_init_find (&it, &reply, "version") && BSON_ITER_HOLDS_UTF8 (&it));
    bson_destroy (&reply);
    bson_destroy (cmd);

    /* Unknown commands answer CommandNotFound (59) in MongoDB's shape. */
    cmd = BCON_NEW ("noSuchThing", BCON_INT32 (1));
    CHECK (!mongoc_client_command_simple (client, "r5test", cmd, NULL, &reply, &error));
    CHECK (error.code == 59 && error.domain == MONGOC_ERROR_SERVER);
    CHECK (bson_iter_init_find (&it, &reply, "codeName") &&
           !strcmp (bson_iter_utf8 (&it, NULL), "CommandNotFound"));
    bson_destroy (&reply);
    bson_destroy (cmd);

    s_create_indexes (client);
    mongoc_collection_t *users = mongoc_client_get_collection (client, "r5test", "users");
    s_insert_typed (users);
    s_check_typed (users);

    /* insert_many, ordered */
    bson_t *docs[N_USERS];
    for (int i = 0; i < N_USERS; i++) {
        char email[64];
        snprintf (email, sizeof email, "u%d@example.com", i);
        docs[i] = BCON_NEW ("n", BCON_INT32 (i), "kind", BCON_INT32 (i % 2), "email",
                            BCON_UTF8 (email), "tags", "[", BCON_UTF8 ("a"), "]");
    }
    CHECK_OK (mongoc_collection_insert_many (users, (const bson_t **) docs, N_USERS, NULL,
                                             &reply, &error),
              error);
    CHECK (s_get_int32 (&reply, "insertedCount") == N_USERS);
    bson_destroy (&reply);
    for (int i = 0; i < N_USERS; i++)
        bson_destroy (docs[i]);

    /* Ordered insert_many stops at the duplicate: one inserted, error 11000. */
    bson_t *batch[3] = {BCON_NEW ("email", BCON_UTF8 ("fresh@x")),
                        BCON_NEW ("email", BCON_UTF8 ("u3@example.com")),
                        BCON_NEW ("email", BCON_UTF8 ("fresh2@x"))};
    CHECK (!mongoc_collection_insert_many (users, (const bson_t **) batch, 3, NULL, &reply,
                                           &error));
    CHECK (error.code == 11000);
    CHECK (s_get_int32 (&reply, "insertedCount") == 1);
    bson_destroy (&reply);
    for (int i = 0; i < 3; i++)
        bson_destroy (batch[i]);
    s_check_unique_enforced (users);

    /* find: filter, sort, projection, skip, limit, batchSize -> getMore */
    bson_t *filter = BCON_NEW ("kind", BCON_INT32 (0));
    bson_t *opts = BCON_NEW ("sort", "{", "n", BCON_INT32 (-1), "}", "projection", "{", "n",
                             BCON_BOOL (true), "_id", BCON_BOOL (false), "}", "skip",
                             BCON_INT64 (5), "limit", BCON_INT64 (100), "batchSize",
                             BCON_INT32 (7));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    const bson_t *doc;
    int seen = 0, expect = N_USERS - 2 - 10; /* even n, descending, after 5 skipped */
    while (mongoc_cursor_next (cursor, &doc)) {
        CHECK (!s_has (doc, "_id") && !s_has (doc, "email"));
        CHECK (s_get_int32 (doc, "n") == expect);
        expect -= 2;
        seen++;
    }
    CHECK_OK (!mongoc_cursor_error (cursor, &error), error);
    CHECK (seen == 100);
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (filter);

    /* A cursor abandoned early is killed (killCursors). */
    opts = BCON_NEW ("batchSize", BCON_INT32 (2));
    cursor = mongoc_collection_find_with_opts (users, &(bson_t) BSON_INITIALIZER, opts, NULL);
    for (int i = 0; i < 3; i++)
        CHECK (mongoc_cursor_next (cursor, &doc));
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    cmd = BCON_NEW ("killCursors", BCON_UTF8 ("users"), "cursors", "[",
                    BCON_INT64 (12345), "]");
    CHECK_OK (mongoc_client_command_simple (client, "r5test", cmd, NULL, &reply, &error),
              error);
    CHECK (s_has (&reply, "cursorsNotFound.0"));
    bson_destroy (&reply);
    bson_destroy (cmd);

    /* update_one with several operators; update_many; upsert */
    filter = BCON_NEW ("email", BCON_UTF8 ("u1@example.com"));
    bson_t *update = BCON_NEW (
        "$set", "{", "name", BCON_UTF8 ("Ann"), "}", "$inc", "{", "logins", BCON_INT64 (1),
        "n", BCON_INT32 (10), "}", "$push", "{", "tags", BCON_UTF8 ("b"), "}", "$addToSet",
        "{", "roles", BCON_UTF8 ("x"), "}", "$unset", "{", "kind", BCON_UTF8 (""), "}");
    CHECK_OK (mongoc_collection_update_one (users, filter, update, NULL, &reply, &error),
              error);
    CHECK (s_get_int32 (&reply, "matchedCount") == 1);
    CHECK (s_get_int32 (&reply, "modifiedCount") == 1);
    bson_destroy (&reply);
    bson_destroy (update);
    update = BCON_NEW ("$pull", "{", "tags", BCON_UTF8 ("a"), "}", "$addToSet", "{",
                       "roles", BCON_UTF8 ("x"), "}", "$inc", "{", "logins", BCON_INT32 (1),
                       "}");
    CHECK_OK (mongoc_collection_update_one (users, filter, update, NULL, NULL, &error),
              error);
    bson_destroy (update);
    bson_t got;
    CHECK (s_find_one (users, filter, &got));
    CHECK (s_get_int32 (&got, "n") == 11);
    CHECK (!s_has (&got, "kind"));
    CHECK (bson_iter_init (&it, &got) && bson_iter_find_descendant (&it, "logins", &it));
    CHECK (BSON_ITER_HOLDS_INT64 (&it) && bson_iter_int64 (&it) == 2);
    CHECK (bson_iter_init (&it, &got) && bson_iter_find_descendant (&it, "tags.0", &it));
    CHECK (!strcmp (bson_iter_utf8 (&it, NULL), "b") && !s_has (&got, "tags.1"));
    CHECK (s_has (&got, "roles.0") && !s_has (&got, "roles.1"));
    bson_destroy (&got);
    bson_destroy (filter);

    filter = BCON_NEW ("kind", BCON_INT32 (1));
    update = BCON_NEW ("$set", "{", "odd", BCON_BOOL (true), "}");
    CHECK_OK (mongoc_collection_update_many (users, filter, update, NULL, &reply, &error),
              error);
    /* u1 lost its kind to $unset above */
    CHECK (s_get_int32 (&reply, "matchedCount") == N_USERS / 2 - 1);
    CHECK (s_get_int32 (&reply, "modifiedCount") == N_USERS / 2 - 1);
    bson_destroy (&reply);
    bson_destroy (update);
    bson_destroy (filter);

    filter = BCON_NEW ("email", BCON_UTF8 ("new@example.com"));
    update = BCON_NEW ("$set", "{", "name", BCON_UTF8 ("New"), "}", "$setOnInsert", "{",
                       "created", BCON_INT32 (1), "}");
    opts = BCON_NEW ("upsert", BCON_BOOL (true));
    CHECK_OK (mongoc_collection_update_one (users, filter, update, opts, &reply, &error),
              error);
    CHECK (s_has (&reply, "upsertedId"));
    bson_destroy (&reply);
    CHECK_OK (mongoc_collection_update_one (users, filter, update, opts, &reply, &error),
              error);
    CHECK (!s_has (&reply, "upsertedId") && s_get_int32 (&reply, "matchedCount") == 1);
    bson_destroy (&reply);
    CHECK (s_find_one (users, filter, &got));
    CHECK (s_get_int32 (&got, "created") == 1);
    CHECK (bson_iter_init (&it, &got) && bson_iter_next (&it) &&
           !strcmp (bson_iter_key (&it), "_id") && BSON_ITER_HOLDS_OID (&it));
    bson_destroy (&got);
    bson_destroy (opts);
    bson_destroy (update);
    bson_destroy (filter);

    /* An update that would duplicate a unique key fails with 11000 and
     * changes nothing. */
    filter = BCON_NEW ("email", BCON_UTF8 ("u2@example.com"));
    update = BCON_NEW ("$set", "{", "email", BCON_UTF8 ("u4@example.com"), "}");
    CHECK (!mongoc_collection_update_one (users, filter, update, NULL, NULL, &error));
    CHECK (error.code == 11000);
    CHECK (s_count (users, filter) == 1);
    bson_destroy (update);
    /* A bad operation answers MongoDB's error code ($inc on a string: 14). */
    update = BCON_NEW ("$set", "{", "x", BCON_INT32 (1), "}", "$inc", "{", "email",
                       BCON_INT32 (1), "}");
    CHECK (!mongoc_collection_update_one (users, filter, update, NULL, NULL, &error));
    CHECK (error.code == 14);
    CHECK (s_find_one (users, filter, &got));
    CHECK (!s_has (&got, "x"));     /* not half-applied */
    bson_destroy (&got);
    bson_destroy (update);
    bson_destroy (filter);

    /* findAndModify: update returning the new document, with fields */
    mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new ();
    filter = BCON_NEW ("kind", BCON_INT32 (0));
    bson_t *sort = BCON_NEW ("n", BCON_INT32 (-1));
    update = BCON_NEW ("$set", "{", "claimed", BCON_BOOL (true), "}");
    bson_t *fields = BCON_NEW ("n", BCON_INT32 (1), "claimed", BCON_INT32 (1));
    mongoc_find_and_modify_opts_set_sort (fam, sort);
    mongoc_find_and_modify_opts_set_update (fam, update);
    mongoc_find_and_modify_opts_set_fields (fam, fields);
    mongoc_find_and_modify_opts_set_flags (fam, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    CHECK_OK (mongoc_collection_find_and_modify_with_opts (users, filter, fam, &reply, &error),
              error);
    CHECK (s_get_int32 (&reply, "value.n") == N_USERS - 2);
    CHECK (s_has (&reply, "value.claimed") && !s_has (&reply, "value.email"));
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (fam);
    bson_destroy (fields);
    bson_destroy (update);
    bson_destroy (sort);
    bson_destroy (filter);

    /* findAndModify onto an existing unique key: 11000 as a command error */
    fam = mongoc_find_and_modify_opts_new ();
    filter = BCON_NEW ("email", BCON_UTF8 ("u5@example.com"));
    update = BCON_NEW ("$set", "{", "email", BCON_UTF8 ("u7@example.com"), "}");
    mongoc_find_and_modify_opts_set_update (fam, update);
    CHECK (!mongoc_collection_find_and_modify_with_opts (users, filter, fam, &reply, &error));
    CHECK (error.code == 11000 && error.domain == MONGOC_ERROR_SERVER);
    CHECK (s_count (users, filter) == 1);
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (fam);
    bson_destroy (update);
    bson_destroy (filter);

    /* findAndModify: upsert with new */
    fam = mongoc_find_and_modify_opts_new ();
    filter = BCON_NEW ("email", BCON_UTF8 ("fam@example.com"));
    update = BCON_NEW ("$set", "{", "k", BCON_INT64 (5), "}");
    mongoc_find_and_modify_opts_set_update (fam, update);
    mongoc_find_and_modify_opts_set_flags (
        fam, MONGOC_FIND_AND_MODIFY_UPSERT | MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    CHECK_OK (mongoc_collection_find_and_modify_with_opts (users, filter, fam, &reply, &error),
              error);
    CHECK (bson_iter_init (&it, &reply) && bson_iter_find_descendant (&it, "value.k", &it) &&
           BSON_ITER_HOLDS_INT64 (&it));
    CHECK (s_has (&reply, "lastErrorObject.upserted"));
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (fam);
    bson_destroy (update);

    /* findAndModify: remove */
    fam = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_flags (fam, MONGOC_FIND_AND_MODIFY_REMOVE);
    CHECK_OK (mongoc_collection_find_and_modify_with_opts (users, filter, fam, &reply, &error),
              error);
    CHECK (s_has (&reply, "value.k"));
    bson_destroy (&reply);
    CHECK (s_count (users, filter) == 0);
    /* ... and a second time there is nothing: value null */
    CHECK_OK (mongoc_collection_find_and_modify_with_opts (users, filter, fam, &reply, &error),
              error);
    CHECK (bson_iter_init_find (&it, &reply, "value") && BSON_ITER_HOLDS_NULL (&it));
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (fam);
    bson_destroy (filter);

    /* delete_one, delete_many */
    filter = BCON_NEW ("email", BCON_UTF8 ("u0@example.com"));
    CHECK_OK (mongoc_collection_delete_one (users, filter, NULL, &reply, &error), error);
    CHECK (s_get_int32 (&reply, "deletedCount") == 1);
    bson_destroy (&reply);
    bson_destroy (filter);
    filter = BCON_NEW ("n", "{", "$gte", BCON_INT32 (240), "}");
    CHECK_OK (mongoc_collection_delete_many (users, filter, NULL, &reply, &error), error);
    CHECK (s_get_int32 (&reply, "deletedCount") == 10);
    bson_destroy (&reply);
    bson_destroy (filter);

    /* count_documents (aggregate), estimated count (count command) */
    filter = BCON_NEW ("odd", BCON_BOOL (true));
    CHECK (s_count (users, filter) == N_USERS / 2 - 1 - 5);
    bson_destroy (filter);
    int64_t est = mongoc_collection_estimated_document_count (users, NULL, NULL, NULL, &error);
    CHECK_OK (est >= 0, error);
    CHECK (est == s_count (users, &(bson_t) BSON_INITIALIZER));

    /* aggregate: $match $group $sum $sort $skip $limit $project, then $count */
    bson_t *pipeline = BCON_NEW (
        "pipeline", "[", "{", "$match", "{", "n", "{", "$lt", BCON_INT32 (100), "}", "}", "}",
        "{", "$group", "{", "_id", BCON_UTF8 ("$kind"), "total", "{", "$sum", BCON_UTF8 ("$n"),
        "}", "count", "{", "$sum", BCON_INT32 (1), "}", "}", "}",
        "{", "$sort", "{", "_id", BCON_INT32 (1), "}", "}",
        "{", "$skip", BCON_INT32 (0), "}", "{", "$limit", BCON_INT32 (5), "}",
        "{", "$project", "{", "total", BCON_INT32 (1), "count", BCON_INT32 (1), "}", "}", "]");
    cursor = mongoc_collection_aggregate (users, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
    int groups = 0;
    while (mongoc_cursor_next (cursor, &doc)) {
        CHECK (s_has (doc, "total") && s_has (doc, "count"));
        groups++;
    }
    CHECK_OK (!mongoc_cursor_error (cursor, &error), error);
    CHECK (groups == 2 || groups == 3);   /* kind 0, kind 1, and unset for u1 */
    mongoc_cursor_destroy (cursor);
    bson_destroy (pipeline);
    pipeline = BCON_NEW ("pipeline", "[", "{", "$match", "{", "kind", BCON_INT32 (0), "}", "}",
                         "{", "$count", BCON_UTF8 ("c"), "}", "]");
    cursor = mongoc_collection_aggregate (users, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
    CHECK (mongoc_cursor_next (cursor, &doc));
    CHECK (s_get_int32 (doc, "c") > 100);
    mongoc_cursor_destroy (cursor);
    bson_destroy (pipeline);

    /* listIndexes, listCollections, listDatabases */
    CHECK (s_list_indexes (users) == 4);
    mongoc_database_t *db = mongoc_client_get_database (client, "r5test");
    char **names = mongoc_database_get_collection_names_with_opts (db, NULL, &error);
    CHECK_OK (names, error);
    CHECK (names[0] && !strcmp (names[0], "users") && !names[1]);
    bson_strfreev (names);
    names = mongoc_client_get_database_names_with_opts (client, NULL, &error);
    CHECK_OK (names, error);
    bool found = false;
    for (char **p = names; *p; p++)
        found |= !strcmp (*p, "r5test");
    CHECK (found);
    bson_strfreev (names);

    /* dropIndexes */
    CHECK_OK (mongoc_collection_drop_index_with_opts (users, "kind_1", NULL, &error), error);
    CHECK (s_list_indexes (users) == 3);
    CHECK (!mongoc_collection_drop_index_with_opts (users, "kind_1", NULL, &error));
    CHECK (error.code == 27);

    /* drop a collection, dropDatabase */
    mongoc_collection_t *scratch = mongoc_client_get_collection (client, "r5scratch", "s");
    bson_t *one = BCON_NEW ("a", BCON_INT32 (1));
    CHECK_OK (mongoc_collection_insert_one (scratch, one, NULL, NULL, &error), error);
    CHECK_OK (mongoc_collection_drop_with_opts (scratch, NULL, &error), error);
    CHECK (s_count (scratch, &(bson_t) BSON_INITIALIZER) == 0);
    CHECK_OK (mongoc_collection_insert_one (scratch, one, NULL, NULL, &error), error);
    mongoc_database_t *sdb = mongoc_client_get_database (client, "r5scratch");
    CHECK_OK (mongoc_database_drop_with_opts (sdb, NULL, &error), error);
    CHECK (s_count (scratch, &(bson_t) BSON_INITIALIZER) == 0);
    mongoc_database_destroy (sdb);
    mongoc_collection_destroy (scratch);
    bson_destroy (one);

    /* A session (endSessions is sent when the pool goes) */
    mongoc_client_session_t *session = mongoc_client_start_session (client, NULL, &error);
    CHECK_OK (session, error);
    opts = bson_new ();
    CHECK_OK (mongoc_client_session_append (session, opts, &error), error);
    CHECK (s_count (users, &(bson_t) BSON_INITIALIZER) > 0);
    mongoc_client_session_destroy (session);
    bson_destroy (opts);

    mongoc_database_destroy (db);
    mongoc_collection_destroy (users);
    mongoc_client_pool_push (pool, client);
}

/*  Worker threads each pop a pooled client (one connection each) and write
 *  and read at the same time, as a service's workers do. */
enum { N_THREADS = 4, N_ROUNDS = 25 };

static void *
s_worker (void *arg)
{
    mongoc_client_pool_t *pool = arg;
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5test", "events");
    bson_error_t error;
    static int next_id;
    int me = __atomic_fetch_add (&next_id, 1, __ATOMIC_SEQ_CST);
    for (int round = 0; round < N_ROUNDS; round++) {
        bson_t *doc = BCON_NEW ("client", BCON_INT32 (me), "round", BCON_INT32 (round));
        CHECK_OK (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error), error);
        bson_destroy (doc);
        bson_t *filter = BCON_NEW ("client", BCON_INT32 (me));
        CHECK (s_count (coll, filter) == round + 1);
        bson_destroy (filter);
    }
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
    return NULL;
}

static void
s_many_clients (mongoc_client_pool_t *pool)
{
    pthread_t threads[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        CHECK (pthread_create (&threads[i], NULL, s_worker, pool) == 0);
    for (int i = 0; i < N_THREADS; i++)
        CHECK (pthread_join (threads[i], NULL) == 0);
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5test", "events");
    CHECK (s_count (coll, &(bson_t) BSON_INITIALIZER) == N_THREADS * N_ROUNDS);
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
}

/*  After a restart: the data, the types and the unique indexes are there. */
static void
s_check_survived (mongoc_client_pool_t *pool, int64_t users_expected)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *users = mongoc_client_get_collection (client, "r5test", "users");
    CHECK (s_count (users, &(bson_t) BSON_INITIALIZER) == users_expected);
    s_check_typed (users);
    CHECK (s_list_indexes (users) == 3);
    s_check_unique_enforced (users);
    bson_t *filter = BCON_NEW ("email", BCON_UTF8 ("u1@example.com"));
    bson_t got;
    CHECK (s_find_one (users, filter, &got));
    CHECK (s_get_int32 (&got, "n") == 11);
    bson_destroy (&got);
    bson_destroy (filter);
    mongoc_collection_t *scratch = mongoc_client_get_collection (client, "r5scratch", "s");
    CHECK (s_count (scratch, &(bson_t) BSON_INITIALIZER) == 0);
    mongoc_collection_destroy (scratch);
    mongoc_collection_destroy (users);
    mongoc_client_pool_push (pool, client);
}

/* ------------------------------------------------------------------------ */
/*  What MongoDB does that a test must see: fail points, limits, TTL       */
/* ------------------------------------------------------------------------ */

/*  Arms the failCommand fail point exactly as on a mongod started with
 *  enableTestCommands=1: mode {times: n}, data as JSON. */
static void
s_fail_point (mongoc_client_t *client, int times, const char *data_json)
{
    bson_error_t error;
    bson_t *data = bson_new_from_json ((const uint8_t *) data_json, -1, &error);
    CHECK_OK (data, error);
    bson_t *cmd = BCON_NEW ("configureFailPoint", BCON_UTF8 ("failCommand"),
                            "mode", "{", "times", BCON_INT32 (times), "}",
                            "data", BCON_DOCUMENT (data));
    bson_t reply;
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error), error);
    bson_destroy (&reply);
    bson_destroy (cmd);
    bson_destroy (data);
}

static bool
s_insert_n (mongoc_collection_t *coll, int n, bson_t *reply, bson_error_t *error)
{
    bson_t *doc = BCON_NEW ("n", BCON_INT32 (n));
    bool ok = mongoc_collection_insert_one (coll, doc, NULL, reply, error);
    bson_destroy (doc);
    return ok;
}

/*  Each injected fault reaches libmongoc as it would from MongoDB: a
 *  command error with its code, a write concern error after the write was
 *  done, a dropped connection; labels only where the server gives them. */
static void
s_fault_injection (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5faults", "f");
    bson_error_t error;
    bson_t reply;

    /* NotWritablePrimary on the next 2 inserts: not executed, no label (a
     * standalone has no retryable writes), the third goes through. */
    s_fail_point (client, 2, "{\"failCommands\": [\"insert\"], \"errorCode\": 10107}");
    for (int i = 0; i < 2; i++) {
        CHECK (!s_insert_n (coll, i, &reply, &error));
        CHECK (error.domain == MONGOC_ERROR_SERVER && error.code == 10107);
        CHECK (!mongoc_error_has_label (&reply, "RetryableWriteError"));
        bson_destroy (&reply);
    }
    CHECK_OK (s_insert_n (coll, 2, NULL, &error), error);
    CHECK (s_count (coll, &(bson_t) BSON_INITIALIZER) == 1);

    /* Labels the fail point is given reach the client. */
    s_fail_point (client, 1, "{\"failCommands\": [\"insert\"], \"errorCode\": 91, "
                             "\"errorLabels\": [\"RetryableWriteError\"]}");
    CHECK (!s_insert_n (coll, 3, &reply, &error));
    CHECK (error.domain == MONGOC_ERROR_SERVER && error.code == 91);
    CHECK (mongoc_error_has_label (&reply, "RetryableWriteError"));
    bson_destroy (&reply);

    /* A write concern error: the write is done, the client is told it may
     * not be durable. */
    s_fail_point (client, 1, "{\"failCommands\": [\"insert\", \"update\"], "
                             "\"writeConcernError\": {\"code\": 91, \"codeName\": "
                             "\"ShutdownInProgress\", \"errmsg\": \"Replication is being shut down\"}, "
                             "\"errorLabels\": [\"RetryableWriteError\"]}");
    CHECK (!s_insert_n (coll, 4, &reply, &error));
    CHECK (error.domain == MONGOC_ERROR_WRITE_CONCERN && error.code == 91);
    CHECK (mongoc_error_has_label (&reply, "RetryableWriteError"));
    bson_destroy (&reply);
    CHECK (s_count (coll, &(bson_t) BSON_INITIALIZER) == 2);

    /* A dropped connection: a network error, the write not done, and the
     * next operation reconnects. */
    s_fail_point (client, 1, "{\"failCommands\": [\"findAndModify\"], \"closeConnection\": true}");
    bson_t *query = BCON_NEW ("n", BCON_INT32 (2));
    bson_t *update = BCON_NEW ("$set", "{", "m", BCON_INT32 (1), "}");
    CHECK (!mongoc_collection_find_and_modify (coll, query, NULL, update, NULL, false, false,
                                               false, &reply, &error));
    CHECK (error.domain == MONGOC_ERROR_STREAM);
    bson_destroy (&reply);
    bson_t *done = BCON_NEW ("m", BCON_INT32 (1));
    CHECK (s_count (coll, done) == 0);
    CHECK_OK (mongoc_collection_find_and_modify (coll, query, NULL, update, NULL, false, false,
                                                 false, NULL, &error), error);
    CHECK (s_count (coll, done) == 1);
    bson_destroy (done);
    bson_destroy (update);
    bson_destroy (query);

    /* The fail point is spent: writes go through again. */
    CHECK_OK (s_insert_n (coll, 5, NULL, &error), error);
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
}

/*  16 MiB: an update whose result is larger answers 17419, the document is
 *  unchanged; a command document over 16 MiB + 16 KiB answers 10334. */
static void
s_size_limits (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5limits", "big");
    bson_error_t error;
    size_t len = 9u << 20;
    char *big = malloc (len + 1);
    CHECK (big);
    memset (big, 'x', len);
    big[len] = '\0';
    bson_t *doc = BCON_NEW ("_id", BCON_INT32 (1), "a", BCON_UTF8 (big));
    CHECK_OK (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error), error);
    bson_t *filter = BCON_NEW ("_id", BCON_INT32 (1));
    bson_t *update = BCON_NEW ("$set", "{", "b", BCON_UTF8 (big), "}");
    CHECK (!mongoc_collection_update_one (coll, filter, update, NULL, NULL, &error));
    CHECK (error.code == 17419);
    bson_t *has_b = BCON_NEW ("b", "{", "$exists", BCON_BOOL (true), "}");
    CHECK (s_count (coll, has_b) == 0);

    /* 18 MiB in one command document (a client that does not check). */
    bson_t *cmd = BCON_NEW ("insert", BCON_UTF8 ("big"), "documents", "[", "{", "a", BCON_UTF8 (big),
                            "b", BCON_UTF8 (big), "}", "]");
    bson_t reply;
    CHECK (!mongoc_client_command_simple (client, "r5limits", cmd, NULL, &reply, &error));
    CHECK (error.code == 10334);
    bson_destroy (&reply);
    CHECK (s_count (coll, &(bson_t) BSON_INITIALIZER) == 1);
    bson_destroy (cmd);
    bson_destroy (has_b);
    bson_destroy (update);
    bson_destroy (filter);
    bson_destroy (doc);
    free (big);
    /* 9 MiB kept would slow every later compaction (the stop checks < 1 s). */
    CHECK_OK (mongoc_collection_drop (coll, &error), error);
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
}

/*  A filter with the same key twice, as bson_append can build: both
 *  conditions hold (MongoDB reads every element), not the last one only. */
static void
s_repeated_keys (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5dups", "d");
    bson_error_t error;
    for (int i = 1; i <= 3; i++) {
        bson_t *doc = BCON_NEW ("_id", BCON_INT32 (i), "a", BCON_INT32 (i));
        CHECK_OK (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error), error);
        bson_destroy (doc);
    }
    bson_t filter = BSON_INITIALIZER, gt, lt;
    BSON_APPEND_DOCUMENT_BEGIN (&filter, "a", &gt);
    BSON_APPEND_INT32 (&gt, "$gt", 1);
    bson_append_document_end (&filter, &gt);
    BSON_APPEND_DOCUMENT_BEGIN (&filter, "a", &lt);
    BSON_APPEND_INT32 (&lt, "$lt", 3);
    bson_append_document_end (&filter, &lt);
    CHECK (s_count (coll, &filter) == 1);          /* a == 2; "last wins" would give 2 */
    bson_t eq = BSON_INITIALIZER;
    BSON_APPEND_INT32 (&eq, "a", 1);
    BSON_APPEND_INT32 (&eq, "a", 2);
    CHECK (s_count (coll, &eq) == 0);
    bson_destroy (&eq);
    bson_destroy (&filter);
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
}

/*  A TTL index expires documents by a periodic sweep (the server runs with
 *  --ttl-interval-seconds 0.2 here; MongoDB's monitor runs every 60 s). */
static void
s_ttl_sweep (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5ttl", "t");
    bson_error_t error;
    bson_t *cmd = BCON_NEW ("createIndexes", BCON_UTF8 ("t"), "indexes", "[", "{", "key", "{",
                            "expires_at", BCON_INT32 (1), "}", "name", BCON_UTF8 ("exp"),
                            "expireAfterSeconds", BCON_INT32 (0), "}", "]");
    CHECK_OK (mongoc_collection_write_command_with_opts (coll, cmd, NULL, NULL, &error), error);
    bson_destroy (cmd);
    bson_t *doc = BCON_NEW ("expires_at", BCON_DATE_TIME (1000));
    CHECK_OK (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error), error);
    bson_destroy (doc);
    double deadline = s_now () + 5.0;
    while (s_count (coll, &(bson_t) BSON_INITIALIZER) != 0)
        CHECK (s_now () < deadline);
    mongoc_collection_destroy (coll);
    mongoc_client_pool_push (pool, client);
}

/*  Commands counted by name and collection; reset zeroes them. */
static void
s_command_stats (mongoc_client_pool_t *pool)
{
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    bson_error_t error;
    bson_t *cmd = BCON_NEW ("r5CommandStats", BCON_INT32 (1), "reset", BCON_BOOL (true));
    bson_t reply;
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error), error);
    bson_destroy (&reply);
    mongoc_collection_t *coll = mongoc_client_get_collection (client, "r5stats", "s");
    CHECK (s_count (coll, &(bson_t) BSON_INITIALIZER) == 0);
    CHECK_OK (mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error), error);
    bson_iter_t it;
    CHECK (bson_iter_init (&it, &reply) && bson_iter_find_descendant (&it, "collections.r5stats.s.aggregate", &it));
    CHECK (bson_iter_as_int64 (&it) == 1);
    bson_destroy (&reply);
    mongoc_collection_destroy (coll);
    bson_destroy (cmd);
    mongoc_client_pool_push (pool, client);
}

static void
s_append_torn_record (void)
{
    char path[PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/journal.r5j", s_data_dir);
    int fd = open (path, O_WRONLY | O_APPEND);
    CHECK (fd >= 0);
    /* The first bytes of a base64 record, no end of line: a write cut short. */
    const char torn[] = "VwAAAAJvAAIAAAB1AAJkAAcAAAByNXRl";
    CHECK (write (fd, torn, sizeof torn - 1) == (ssize_t) (sizeof torn - 1));
    close (fd);
}

int
main (void)
{
    double t0 = s_now ();
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_data_dir, sizeof s_data_dir, "%s/r5-devmongo-test-XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    CHECK (mkdtemp (s_data_dir));
    atexit (s_cleanup);
    signal (SIGPIPE, SIG_IGN);
    mongoc_init ();

    /* 1. every command */
    int port = s_start_server ();
    mongoc_client_pool_t *pool = s_pool_new (port);
    s_first_run (pool);
    s_many_clients (pool);
    s_fault_injection (pool);
    s_size_limits (pool);
    s_repeated_keys (pool);
    s_ttl_sweep (pool);
    s_command_stats (pool);
    mongoc_client_pool_destroy (pool);     /* sends endSessions */
    double took = s_stop_server (SIGTERM);
    CHECK (took < 1.0);

    /* 2. restart on the same directory */
    int64_t users = 1 + N_USERS + 1 + 3 + 1 - 1 - 10; /* typed, bulk, fresh, partial, upsert,
                                                          deleted */
    port = s_start_server ();
    pool = s_pool_new (port);
    s_check_survived (pool, users);

    /* 3. crash: acknowledged writes survive SIGKILL; a torn tail is ignored */
    mongoc_client_t *client = mongoc_client_pool_pop (pool);
    mongoc_collection_t *users_c = mongoc_client_get_collection (client, "r5test", "users");
    bson_error_t error;
    for (int i = 0; i < 20; i++) {
        char email[64];
        snprintf (email, sizeof email, "crash%d@example.com", i);
        bson_t *doc = BCON_NEW ("email", BCON_UTF8 (email), "n", BCON_INT32 (1000 + i));
        CHECK_OK (mongoc_collection_insert_one (users_c, doc, NULL, NULL, &error), error);
        bson_destroy (doc);
    }
    bson_t *filter = BCON_NEW ("email", BCON_UTF8 ("u1@example.com"));
    bson_t *update = BCON_NEW ("$set", "{", "n", BCON_INT32 (12), "}");
    CHECK_OK (mongoc_collection_update_one (users_c, filter, update, NULL, NULL, &error),
              error);
    bson_destroy (update);
    update = BCON_NEW ("$set", "{", "n", BCON_INT32 (11), "}");
    CHECK_OK (mongoc_collection_update_one (users_c, filter, update, NULL, NULL, &error),
              error);
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (users_c);
    mongoc_client_pool_push (pool, client);
    mongoc_client_pool_destroy (pool);
    s_stop_server (SIGKILL);
    s_append_torn_record ();

    port = s_start_server ();
    pool = s_pool_new (port);
    s_check_survived (pool, users + 20);
    /* New writes after the torn tail are journaled properly: survive again. */
    client = mongoc_client_pool_pop (pool);
    users_c = mongoc_client_get_collection (client, "r5test", "users");
    bson_t *doc = BCON_NEW ("email", BCON_UTF8 ("after@example.com"));
    CHECK_OK (mongoc_collection_insert_one (users_c, doc, NULL, NULL, &error), error);
    bson_destroy (doc);
    mongoc_collection_destroy (users_c);
    mongoc_client_pool_push (pool, client);
    mongoc_client_pool_destroy (pool);
    s_stop_server (SIGKILL);

    port = s_start_server ();
    pool = s_pool_new (port);
    s_check_survived (pool, users + 21);
    mongoc_client_pool_destroy (pool);
    CHECK (s_stop_server (SIGTERM) < 1.0);

    mongoc_cleanup ();
    printf ("test_devmongo: %.1f s\n", s_now () - t0);
    return r5_test_report ("test_devmongo");
}
