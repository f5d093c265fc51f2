#!/bin/sh
# bench.sh - throughput of r5-devmongo through libmongoc (one connection,
# sequential requests, w:majority), at 1,000 and 10,000 documents.
#
# usage: deploy/devmongo/bench.sh [r5-devmongo options, e.g. --no-eq-index]
#
# Documents look like stored tokens (ObjectIds, a 32-byte binary digest
# under a unique index, strings, an array, a date).  For each size it
# reports the insert rate over the last 1,000 inserts that reached that
# size, then find-by-_id and find-by-unique-key rates (random existing keys),
# then the clean shutdown time (journal compaction) and the restart time
# (replay) at the largest size.  Each rate is the median of 5 rounds (200
# inserts or up to 500 lookups / 1 s each).  R5_BENCH_SIZES="1000 10000"
# sets the sizes.  Needs cc, pkg-config, libmongoc-1.0 and
# /usr/bin/python3 with python3-mongomock.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/r5-devmongo-bench.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/bench.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now (void) {
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die (const char *what, const bson_error_t *e) {
    fprintf (stderr, "bench: %s: %s\n", what, e->message);
    exit (1);
}

static void digest (int i, uint8_t out[32]) {
    uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t) (i + 1);
    for (int k = 0; k < 32; k++) {
        x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; x ^= x >> 32;
        out[k] = (uint8_t) x;
    }
}

/* Looks up n random existing documents by _id (kind 0) or by the unique
 * digest (kind 1), stopping after max_s seconds; returns lookups/s. */
static double lookups (mongoc_collection_t *c, int kind, int have, bson_oid_t *ids,
                       int n, double max_s) {
    bson_t *opts = BCON_NEW ("limit", BCON_INT64 (1), "singleBatch", BCON_BOOL (true));
    double t0 = now ();
    int done = 0;
    for (; done < n && (done < 20 || now () - t0 < max_s); done++) {
        int i = rand () % have;
        uint8_t h[32];
        bson_t *f;
        if (kind == 0) {
            f = BCON_NEW ("_id", BCON_OID (&ids[i]));
        } else {
            digest (i, h);
            f = BCON_NEW ("hash", BCON_BIN (BSON_SUBTYPE_BINARY, h, 32));
        }
        mongoc_cursor_t *cur = mongoc_collection_find_with_opts (c, f, opts, NULL);
        const bson_t *doc;
        bson_error_t e;
        if (!mongoc_cursor_next (cur, &doc)) {
            if (mongoc_cursor_error (cur, &e)) die ("find", &e);
            fprintf (stderr, "bench: document %d not found\n", i);
            exit (1);
        }
        mongoc_cursor_destroy (cur);
        bson_destroy (f);
    }
    double rate = done / (now () - t0);
    bson_destroy (opts);
    return rate;
}

static int cmp_double (const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Median of the ROUNDS rates (the machine may be shared: one slow round
 * should not decide the figure). */
enum { ROUNDS = 5, CHUNK = 200 };
static double median (double *v) {
    qsort (v, ROUNDS, sizeof *v, cmp_double);
    return v[ROUNDS / 2];
}

int main (int argc, char **argv) {
    if (argc < 3) { fprintf (stderr, "usage: bench PORT SIZE...\n"); return 2; }
    char uri[128];
    snprintf (uri, sizeof uri,
              "mongodb://127.0.0.1:%s/?serverSelectionTimeoutMS=2000&w=majority", argv[1]);
    mongoc_init ();
    mongoc_client_t *client = mongoc_client_new (uri);
    mongoc_client_set_error_api (client, 2);
    mongoc_database_t *db = mongoc_client_get_database (client, "r5bench");
    mongoc_collection_t *c = mongoc_client_get_collection (client, "r5bench", "tokens");
    bson_error_t e;
    bson_t *cmd = BCON_NEW ("createIndexes", BCON_UTF8 ("tokens"), "indexes", "[",
        "{", "key", "{", "hash", BCON_INT32 (1), "}", "name", BCON_UTF8 ("hash_1"),
        "unique", BCON_BOOL (true), "}",
        "{", "key", "{", "user_id", BCON_INT32 (1), "}", "name", BCON_UTF8 ("user_id_1"), "}",
        "]");
    if (!mongoc_database_write_command_with_opts (db, cmd, NULL, NULL, &e)) die ("index", &e);
    bson_destroy (cmd);

    int nsizes = argc - 2, max = 0;
    int sizes[8];
    for (int k = 0; k < nsizes && k < 8; k++) {
        sizes[k] = atoi (argv[2 + k]);
        if (sizes[k] < ROUNDS * CHUNK) { fprintf (stderr, "bench: size too small\n"); return 2; }
        if (sizes[k] > max) max = sizes[k];
    }
    bson_oid_t *ids = calloc ((size_t) max, sizeof *ids);
    bson_oid_t account, user;
    bson_oid_init (&account, NULL);
    int have = 0;
    printf ("%-10s %12s %14s %18s\n", "documents", "inserts/s", "find _id/s", "find unique/s");
    for (int s = 0; s < nsizes && s < 8; s++) {
        double t0 = 0, ins[ROUNDS], fid[ROUNDS], fun[ROUNDS];
        int from = sizes[s] - ROUNDS * CHUNK;
        for (; have < sizes[s]; have++) {
            if (have >= from && (have - from) % CHUNK == 0) {
                if (have > from) ins[(have - from) / CHUNK - 1] = CHUNK / (now () - t0);
                t0 = now ();
            }
            uint8_t h[32];
            digest (have, h);
            if (have % 10 == 0) bson_oid_init (&user, NULL);
            bson_oid_init (&ids[have], NULL);
            bson_t *doc = BCON_NEW ("_id", BCON_OID (&ids[have]),
                "account_id", BCON_OID (&account), "user_id", BCON_OID (&user),
                "hash", BCON_BIN (BSON_SUBTYPE_BINARY, h, 32),
                "hint", BCON_UTF8 ("r5p_...abcd"), "description", BCON_UTF8 ("ci deploy token"),
                "scopes", "[", BCON_UTF8 ("incidentsRead"), BCON_UTF8 ("teamsRead"), "]",
                "created_at", BCON_DATE_TIME ((int64_t) time (NULL) * 1000),
                "last_used_at", BCON_NULL);
            if (!mongoc_collection_insert_one (c, doc, NULL, NULL, &e)) die ("insert", &e);
            bson_destroy (doc);
        }
        ins[ROUNDS - 1] = CHUNK / (now () - t0);
        for (int r = 0; r < ROUNDS; r++) {
            fid[r] = lookups (c, 0, have, ids, 500, 1.0);
            fun[r] = lookups (c, 1, have, ids, 500, 1.0);
        }
        printf ("%-10d %12.0f %14.0f %18.0f\n", sizes[s], median (ins), median (fid),
                median (fun));
        fflush (stdout);
    }
    free (ids);
    mongoc_collection_destroy (c);
    mongoc_database_destroy (db);
    mongoc_client_destroy (client);
    mongoc_cleanup ();
    return 0;
}
EOF
cc -std=c11 -O2 -o "$work/bench" "$work/bench.c" $(pkg-config --cflags --libs libmongoc-1.0)

now() { date +%s.%N; }

# Starts the server; sets pid and port from its ready line (read from a fifo).
start() {
    rm -f "$work/ready"
    mkfifo "$work/ready"
    /usr/bin/python3 "$here/r5-devmongo" --data-dir "$work/data" --port 0 \
        --log-level warning "$@" > "$work/ready" &
    pid=$!
    read -r line < "$work/ready"
    port=${line##*port=}
}

echo "r5-devmongo benchmark $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, options: ${*:-none}"
start "$@"
"$work/bench" "$port" ${R5_BENCH_SIZES:-1000 10000}

t0=$(now)
kill -TERM "$pid"; wait "$pid"; pid=
t1=$(now)
size=$(du -sk "$work/data" | cut -f1)
start "$@"
t2=$(now)
kill -TERM "$pid"; wait "$pid"; pid=
last=$(echo ${R5_BENCH_SIZES:-1000 10000} | awk '{print $NF}')
printf 'shutdown at %s docs (compaction): %.2f s; data dir %d KiB\n' "$last" \
    "$(awk "BEGIN{print $t1 - $t0}")" "$size"
printf 'start to ready at %s docs (replay): %.2f s\n' "$last" "$(awk "BEGIN{print $t2 - $t1}")"
