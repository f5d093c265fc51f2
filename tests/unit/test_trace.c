/*  test_trace: traceparent by the W3C rules, request ids a client may choose.  */
#include "r5_trace.h"
#include "r5_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S_IDS 2000

static int
s_compare_ids (const void *a, const void *b)
{
    return memcmp (a, b, R5_TRACE_ID_HEX + 1);
}

//  S_IDS trace ids, from whichever thread runs this.
static void *
s_make_ids (void *ids)
{
    for (int i = 0; i < S_IDS; i++)
        r5_trace_new_id ((char *) ids + i * (R5_TRACE_ID_HEX + 1), R5_TRACE_ID_HEX);
    return NULL;
}

//  Ids come from a per-thread pool of random bytes: it must refill (2,000
//  trace ids are 62 pools), serve a request larger than itself, and no two
//  threads may draw the same bytes.
static void
s_test_id_pool (void)
{
    char (*ids) [R5_TRACE_ID_HEX + 1] = calloc (2 * S_IDS, sizeof *ids);
    CHECK (ids != NULL);
    s_make_ids (ids);
    pthread_t other;
    CHECK (pthread_create (&other, NULL, s_make_ids, ids + S_IDS) == 0);
    CHECK (pthread_join (other, NULL) == 0);
    qsort (ids, 2 * S_IDS, sizeof *ids, s_compare_ids);
    int repeats = 0;
    for (int i = 0; i < 2 * S_IDS; i++) {
        CHECK (r5_trace_id_valid (ids [i], R5_TRACE_ID_HEX));
        repeats += i > 0 && strcmp (ids [i - 1], ids [i]) == 0;
    }
    CHECK (repeats == 0);
    free (ids);

    uint8_t big [1300] = { 0 };
    r5_id_random (big, sizeof big);
    int zero_blocks = 0, equal_blocks = 0;
    for (size_t at = 0; at + 16 <= sizeof big; at += 16) {
        static const uint8_t zero [16];
        zero_blocks += memcmp (big + at, zero, 16) == 0;
        for (size_t before = 0; before < at; before += 16)
            equal_blocks += memcmp (big + at, big + before, 16) == 0;
    }
    CHECK (zero_blocks == 0);
    CHECK (equal_blocks == 0);
}

int
main (void)
{
    s_test_id_pool ();
    r5_trace_parent_t parent;
    CHECK (r5_trace_parse ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parent) == 0);
    CHECK_STR (parent.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK_STR (parent.span_id, "00f067aa0ba902b7");
    CHECK (parent.flags == 1);
    CHECK (r5_trace_parse ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", &parent) == 0
           && parent.flags == 0);
    //  A later version may carry more fields after a '-'.
    CHECK (r5_trace_parse ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes", &parent) == 0);
    CHECK (r5_trace_parse ("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parent) == 0);

    static const char *invalid [] = {
        NULL, "", "00",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     //  all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     //  all-zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     //  version ff
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     //  uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",  //  version 00 with more
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",      //  short flags
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",     //  misplaced dash
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",    //  later version, no '-'
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid [0]; i++) {
        memset (&parent, 0x5a, sizeof parent);
        if (r5_trace_parse (invalid [i], &parent) != -1)
            fprintf (stderr, "accepted: %s\n", invalid [i]);
        CHECK (r5_trace_parse (invalid [i], &parent) == -1);
    }

    CHECK (r5_trace_id_valid ("4bf92f3577b34da6a3ce929d0e0e4736", 32));
    CHECK (!r5_trace_id_valid ("4bf92f3577b34da6a3ce929d0e0e473", 32));
    CHECK (!r5_trace_id_valid ("00000000000000000000000000000000", 32));
    CHECK (!r5_trace_id_valid ("4bf92f3577b34da6a3ce929d0e0e4736\n", 32));
    CHECK (!r5_trace_id_valid (NULL, 16));
    char trace [33], span [17];
    r5_trace_new_id (trace, 32);
    r5_trace_new_id (span, 16);
    CHECK (r5_trace_id_valid (trace, 32));
    CHECK (r5_trace_id_valid (span, 16));

    CHECK (r5_request_id_valid ("a"));
    CHECK (r5_request_id_valid ("req-7f3a_01:x/y"));
    char longest [130];
    memset (longest, 'x', sizeof longest);
    longest [128] = 0;
    CHECK (r5_request_id_valid (longest));
    longest [128] = 'x';
    longest [129] = 0;
    CHECK (!r5_request_id_valid (longest));
    CHECK (!r5_request_id_valid (""));
    CHECK (!r5_request_id_valid (NULL));
    CHECK (!r5_request_id_valid ("has space"));
    CHECK (!r5_request_id_valid ("tab\there"));
    CHECK (!r5_request_id_valid ("nl\n"));
    CHECK (!r5_request_id_valid ("del\x7f"));
    CHECK (!r5_request_id_valid ("caf\xc3\xa9"));
    return r5_test_report ("test_trace");
}
