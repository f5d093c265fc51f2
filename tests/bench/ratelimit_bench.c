/*  ratelimit_bench: what the rate limits add to a /graphql request, measured
    in-process (wrk through the suite is too noisy on a shared machine to see a
    few hundred nanoseconds):
        ratelimit_bench <schema.graphql> <seconds per row>
    Rows, in ns per request: the parse + validation every request already
    pays (the reference), gql_cost_compute, the budget's work (a zero-cost
    read after authentication, the charge, the headers written twice) for one
    user and for 10,000 users round robin, and the same charged from 8
    threads at once (the lock under contention). */
#include "gateway_rate.h"
#include "gateway_ratelimit.h"
#include "gql.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_viewer [] = "{ viewer { id name email role } }";

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gql_schema_t *s_schema;
static gql_document_t *s_document;
static gateway_ratelimit_t *s_limiter;
static double s_seconds;
static volatile size_t s_sink;

//  One request's budget work for user number user.
static void
s_budget (int user)
{
    char id [32], headers [GATEWAY_RATE_HEADERS_SIZE];
    snprintf (id, sizeof id, "%024d", user);
    int64_t now = s_now_ms ();
    gateway_rate_t rate;
    gateway_ratelimit_charge (s_limiter, id, 0, now, &rate);
    gateway_rate_headers (&rate, now, headers);
    gateway_ratelimit_charge (s_limiter, id, 1, now, &rate);
    gateway_rate_headers (&rate, now, headers);
    s_sink += strlen (headers);
}

//  Runs fn(i) for s_seconds; answers ns per call.
static double
s_time (void (*fn) (int), int users)
{
    double start = s_now (), end = start + s_seconds;
    long calls = 0;
    while (s_now () < end)
        for (int i = 0; i < 1000; i++, calls++)
            fn ((int) (calls % users));
    return (s_now () - start) * 1e9 / (double) calls;
}

static void
s_parse_validate (int unused)
{
    (void) unused;
    gql_error_t error;
    gql_document_t *document = gql_parse (s_viewer, strlen (s_viewer), NULL, &error);
    gql_validation_error_t *errors = NULL;
    size_t count = 0;
    s_sink += (size_t) gql_validate_with (s_schema, document, NULL, &errors, &count);
    gql_validation_errors_free (&errors);
    gql_document_destroy (&document);
}

static void
s_cost (int unused)
{
    (void) unused;
    gql_cost_t cost;
    gql_cost_options_t options = { .default_page_size = 20 };
    gql_cost_compute (s_schema, s_document, NULL, NULL, &options, &cost);
    s_sink += cost.cost;
}

static void s_budget_one (int unused) { (void) unused; s_budget (0); }
static void s_budget_many (int user) { s_budget (user); }

static int s_users = 1;
static double s_thread_ns [8];

static void *
s_thread (void *args)
{
    int index = (int) (intptr_t) args;
    s_thread_ns [index] = s_time (s_budget_many, s_users);
    return NULL;
}

int
main (int argc, char *argv [])
{
    if (argc != 3) {
        fprintf (stderr, "usage: ratelimit_bench <schema.graphql> <seconds per row>\n");
        return 2;
    }
    s_seconds = atof (argv [2]);
    FILE *file = fopen (argv [1], "rb");
    if (!file)
        return 2;
    static char sdl [1 << 20];
    size_t size = fread (sdl, 1, sizeof sdl - 1, file);
    fclose (file);
    gql_error_t error;
    s_schema = gql_schema_new_from_sdl (sdl, size, &error);
    s_document = gql_parse (s_viewer, strlen (s_viewer), NULL, &error);
    if (!s_schema || !s_document)
        return 1;
    //  A budget no row exhausts: every charge is admitted and counted.
    s_limiter = gateway_ratelimit_new (2000000000, 0, 0, NULL, 0);
    printf ("%-58s %9s\n", "what (viewer query)", "ns/req");
    printf ("%-58s %9.0f\n", "parse + validate (already paid by every request)", s_time (s_parse_validate, 1));
    printf ("%-58s %9.0f\n", "gql_cost_compute", s_time (s_cost, 1));
    printf ("%-58s %9.0f\n", "budget: read, charge, headers x2 (1 user)", s_time (s_budget_one, 1));
    printf ("%-58s %9.0f\n", "budget: read, charge, headers x2 (10,000 users)", s_time (s_budget_many, 10000));
    s_users = 10000;
    pthread_t threads [8];
    for (int i = 0; i < 8; i++)
        pthread_create (&threads [i], NULL, s_thread, (void *) (intptr_t) i);
    double sum = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join (threads [i], NULL);
        sum += s_thread_ns [i];
    }
    printf ("%-58s %9.0f\n", "budget, 8 threads at once (10,000 users; per thread)", sum / 8);
    gateway_ratelimit_destroy (&s_limiter);
    gql_document_destroy (&s_document);
    gql_schema_destroy (&s_schema);
    return (int) (s_sink == 0);
}
