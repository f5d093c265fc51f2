/*  mongo_find_bench: the floor for the incident benchmarks — raw libmongoc
    finds of the same documents on the same server, one connection, no
    service in between.
        mongo_find_bench <uri> <seconds> <incident id> <account id>
    Prints "one <finds/s> <us>" (find by _id) and "list50 <finds/s> <us>"
    (the account's 50 newest incidents, read to the end). */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

//  Run one find until seconds pass; answer finds per second.
static double
s_loop (mongoc_collection_t *collection, const bson_t *filter, const bson_t *opts, double seconds, int expect)
{
    long runs = 0;
    double start = s_now (), elapsed;
    do {
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
        const bson_t *doc;
        int got = 0;
        while (mongoc_cursor_next (cursor, &doc))
            got++;
        bson_error_t error;
        if (mongoc_cursor_error (cursor, &error) || got != expect) {
            fprintf (stderr, "find failed (%d documents): %s\n", got, error.message);
            exit (1);
        }
        mongoc_cursor_destroy (cursor);
        runs++;
        elapsed = s_now () - start;
    } while (elapsed < seconds);
    return runs / elapsed;
}

int
main (int argc, char *argv [])
{
    if (argc != 5)
        return 2;
    mongoc_init ();
    mongoc_client_t *client = mongoc_client_new (argv [1]);
    mongoc_collection_t *incidents = mongoc_client_get_collection (client, "r5", "incidents");
    double seconds = atof (argv [2]);
    bson_t *one = BCON_NEW ("_id", BCON_UTF8 (argv [3]), "account_id", BCON_UTF8 (argv [4]));
    bson_t *all = BCON_NEW ("account_id", BCON_UTF8 (argv [4]));
    bson_t *newest = BCON_NEW ("sort", "{", "_id", BCON_INT32 (-1), "}", "limit", BCON_INT64 (50));
    double rate = s_loop (incidents, one, NULL, seconds, 1);
    printf ("one %.0f %.1f\n", rate, 1e6 / rate);
    rate = s_loop (incidents, all, newest, seconds, 50);
    printf ("list50 %.0f %.1f\n", rate, 1e6 / rate);
    bson_destroy (one);
    bson_destroy (all);
    bson_destroy (newest);
    mongoc_collection_destroy (incidents);
    mongoc_client_destroy (client);
    mongoc_cleanup ();
    return 0;
}
