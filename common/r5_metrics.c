/*  r5_metrics: lock-free cells, a registry, Prometheus text.  */
#include "r5_metrics.h"
#include "r5_alloc.h"
#include "r5_build.h"
#include "r5/common.pb-c.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

//  From 0.5 ms (a cached verdict) to 10 s (past every deadline).
static const int64_t s_bucket_ns [R5_METRICS_BUCKETS] = {
    500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000
};
static const char *const s_bucket_text [R5_METRICS_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1", "0.25", "0.5", "1", "2.5", "5", "10"
};
//  A histogram series: its buckets (not cumulative), +Inf's, and the sum in ns.
#define S_HISTOGRAM_CELLS (R5_METRICS_BUCKETS + 2)

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static r5_metrics_family_t *s_first;
static r5_metrics_family_t *s_last;

static size_t
s_cells_per_series (const r5_metrics_family_t *family)
{
    return family->type == R5_METRICS_HISTOGRAM ? S_HISTOGRAM_CELLS : 1;
}

void
r5_metrics_register (r5_metrics_family_t *family)
{
    pthread_mutex_lock (&s_lock);
    if (!atomic_load_explicit (&family->cells, memory_order_acquire)) {
        family->series = 1;
        for (int i = 0; i < R5_METRICS_MAX_LABELS; i++) {
            r5_metrics_labels_t *labels = &family->labels [i];
            if (labels->make)
                labels->values = labels->make (&labels->count);
            family->counts [i] = labels->values ? labels->count : 1;
            family->series *= family->counts [i];
        }
        atomic_uint_fast64_t *cells = (atomic_uint_fast64_t *)
            r5_calloc (family->series * s_cells_per_series (family), sizeof *cells);
        if (s_last)
            s_last->next = family;
        else
            s_first = family;
        s_last = family;
        atomic_store_explicit (&family->cells, cells, memory_order_release);
    }
    pthread_mutex_unlock (&s_lock);
}

void
r5_metrics_register_all (r5_metrics_family_t *const *families)
{
    for (; *families; families++)
        r5_metrics_register (*families);
}

//  The first cell of series (a, b, c), or NULL when an index is out of range.
static atomic_uint_fast64_t *
s_cell (r5_metrics_family_t *family, size_t a, size_t b, size_t c)
{
    atomic_uint_fast64_t *cells = atomic_load_explicit (&family->cells, memory_order_acquire);
    if (!cells) {
        r5_metrics_register (family);
        cells = atomic_load_explicit (&family->cells, memory_order_acquire);
    }
    if (a >= family->counts [0] || b >= family->counts [1] || c >= family->counts [2])
        return NULL;
    size_t series = a + family->counts [0] * (b + family->counts [1] * c);
    return cells + series * s_cells_per_series (family);
}

void
r5_metrics_add (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t n)
{
    atomic_uint_fast64_t *cell = s_cell (family, a, b, c);
    if (cell)
        atomic_fetch_add_explicit (cell, (uint_fast64_t) n, memory_order_relaxed);
}

void
r5_metrics_set (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t value)
{
    atomic_uint_fast64_t *cell = s_cell (family, a, b, c);
    if (cell)
        atomic_store_explicit (cell, (uint_fast64_t) value, memory_order_relaxed);
}

void
r5_metrics_observe (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t nanoseconds)
{
    atomic_uint_fast64_t *cell = s_cell (family, a, b, c);
    if (!cell)
        return;
    if (nanoseconds < 0)
        nanoseconds = 0;
    size_t bucket = 0;
    while (bucket < R5_METRICS_BUCKETS && nanoseconds > s_bucket_ns [bucket])
        bucket++;
    atomic_fetch_add_explicit (&cell [bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&cell [S_HISTOGRAM_CELLS - 1], (uint_fast64_t) nanoseconds, memory_order_relaxed);
}

int64_t
r5_metrics_now_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

//  "{a,b,c" of a series' fragments (no closing brace), or "" without labels.
static void
s_labels (FILE *out, const r5_metrics_family_t *family, size_t series)
{
    bool any = false;
    for (int i = 0; i < R5_METRICS_MAX_LABELS; i++) {
        size_t index = series % family->counts [i];
        series /= family->counts [i];
        if (!family->labels [i].values)
            continue;
        fprintf (out, "%s%s", any ? "," : "{", family->labels [i].values [index]);
        any = true;
    }
}

static void
s_render_family (FILE *out, r5_metrics_family_t *family)
{
    static const char *const s_type [] = { "counter", "gauge", "histogram" };
    atomic_uint_fast64_t *cells = atomic_load_explicit (&family->cells, memory_order_acquire);
    fprintf (out, "# HELP %s %s\n# TYPE %s %s\n", family->name, family->help, family->name, s_type [family->type]);
    bool labelled = family->series > 1 || family->labels [0].values;
    for (size_t series = 0; series < family->series; series++) {
        atomic_uint_fast64_t *cell = cells + series * s_cells_per_series (family);
        if (family->type == R5_METRICS_HISTOGRAM) {
            uint64_t counts [R5_METRICS_BUCKETS + 1], total = 0;
            for (int bucket = 0; bucket <= R5_METRICS_BUCKETS; bucket++)
                total += counts [bucket] = atomic_load_explicit (&cell [bucket], memory_order_relaxed);
            if (total == 0 && labelled)
                continue;
            uint64_t cumulative = 0;
            for (int bucket = 0; bucket <= R5_METRICS_BUCKETS; bucket++) {
                cumulative += counts [bucket];
                fprintf (out, "%s_bucket", family->name);
                s_labels (out, family, series);
                fprintf (out, "%sle=\"%s\"} %llu\n", labelled ? "," : "{",
                         bucket < R5_METRICS_BUCKETS ? s_bucket_text [bucket] : "+Inf",
                         (unsigned long long) cumulative);
            }
            double sum = (double) atomic_load_explicit (&cell [S_HISTOGRAM_CELLS - 1], memory_order_relaxed) / 1e9;
            fprintf (out, "%s_sum", family->name);
            s_labels (out, family, series);
            fprintf (out, "%s %.9f\n%s_count", labelled ? "}" : "", sum, family->name);
            s_labels (out, family, series);
            fprintf (out, "%s %llu\n", labelled ? "}" : "", (unsigned long long) total);
            continue;
        }
        uint64_t raw = atomic_load_explicit (cell, memory_order_relaxed);
        if (!family->read && raw == 0 && labelled && family->type == R5_METRICS_COUNTER)
            continue;
        fprintf (out, "%s", family->name);
        s_labels (out, family, series);
        if (family->read)
            fprintf (out, "%s %.17g\n", labelled ? "}" : "", family->read (series));
        else
        if (family->type == R5_METRICS_GAUGE)
            fprintf (out, "%s %lld\n", labelled ? "}" : "", (long long) (int64_t) raw);
        else
            fprintf (out, "%s %llu\n", labelled ? "}" : "", (unsigned long long) raw);
    }
}

char *
r5_metrics_render (size_t *length)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out) {
        *length = 0;
        return r5_strdup ("");
    }
    pthread_mutex_lock (&s_lock);
    for (r5_metrics_family_t *family = s_first; family; family = family->next)
        s_render_family (out, family);
    pthread_mutex_unlock (&s_lock);
    fclose (out);
    *length = size;
    return text;
}

//  --- What every process shows

//  Field (1-based, after the command's closing parenthesis: 3 = state) of
//  /proc/self/stat, or 0.
static double
s_stat_field (int field)
{
    char text [1024];
    FILE *file = fopen ("/proc/self/stat", "r");
    size_t length = file ? fread (text, 1, sizeof text - 1, file) : 0;
    if (file)
        fclose (file);
    text [length] = 0;
    //  The command may hold spaces and parentheses: count from the last ')'.
    char *at = strrchr (text, ')');
    if (!at)
        return 0;
    at++;
    for (int index = 3; index <= field; index++) {
        while (*at == ' ')
            at++;
        if (index == field)
            return strtod (at, NULL);
        while (*at && *at != ' ')
            at++;
    }
    return 0;
}

static double
s_cpu_seconds (size_t series)
{
    (void) series;
    //  utime (14) + stime (15), in clock ticks.
    return (s_stat_field (14) + s_stat_field (15)) / (double) sysconf (_SC_CLK_TCK);
}

static double
s_resident_bytes (size_t series)
{
    (void) series;
    return s_stat_field (24) * (double) sysconf (_SC_PAGESIZE);
}

static double
s_virtual_bytes (size_t series)
{
    (void) series;
    return s_stat_field (23);
}

static double
s_open_fds (size_t series)
{
    (void) series;
    DIR *dir = opendir ("/proc/self/fd");
    if (!dir)
        return 0;
    double count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)))
        count += entry->d_name [0] != '.';
    closedir (dir);
    return count - 1;       //  less the directory being read
}

static double
s_max_fds (size_t series)
{
    (void) series;
    struct rlimit limit;
    return getrlimit (RLIMIT_NOFILE, &limit) == 0 ? (double) limit.rlim_cur : 0;
}

static double
s_start_time (size_t series)
{
    (void) series;
    //  Boot time (btime in /proc/stat) plus the start (22) in ticks since boot.
    static double start;
    if (start == 0) {
        char line [256];
        double boot = 0;
        FILE *file = fopen ("/proc/stat", "r");
        while (file && fgets (line, sizeof line, file))
            if (strncmp (line, "btime ", 6) == 0)
                boot = strtod (line + 6, NULL);
        if (file)
            fclose (file);
        start = boot + s_stat_field (22) / (double) sysconf (_SC_CLK_TCK);
    }
    return start;
}

static double
s_one (size_t series)
{
    (void) series;
    return 1;
}

static const char *const *
s_build_labels (size_t *count)
{
    static char text [256];
    static const char *values [1] = { text };
    snprintf (text, sizeof text, "version=\"%s\",build_id=\"%s\"", r5_build_version (), r5_build_id ());
    *count = 1;
    return values;
}

static r5_metrics_family_t s_process_families [] = {
    { .name = "process_cpu_seconds_total", .help = "Total user and system CPU time spent in seconds.",
      .type = R5_METRICS_COUNTER, .read = s_cpu_seconds },
    { .name = "process_resident_memory_bytes", .help = "Resident memory size in bytes.",
      .type = R5_METRICS_GAUGE, .read = s_resident_bytes },
    { .name = "process_virtual_memory_bytes", .help = "Virtual memory size in bytes.",
      .type = R5_METRICS_GAUGE, .read = s_virtual_bytes },
    { .name = "process_open_fds", .help = "Number of open file descriptors.",
      .type = R5_METRICS_GAUGE, .read = s_open_fds },
    { .name = "process_max_fds", .help = "Maximum number of open file descriptors.",
      .type = R5_METRICS_GAUGE, .read = s_max_fds },
    { .name = "process_start_time_seconds", .help = "Start time of the process since unix epoch in seconds.",
      .type = R5_METRICS_GAUGE, .read = s_start_time },
    { .name = "r5_build_info", .help = "The r5 version and build id (git commit) of this program; always 1.",
      .type = R5_METRICS_GAUGE, .labels = { R5_METRICS_LABELS_MADE (s_build_labels) }, .read = s_one },
};

void
r5_metrics_register_process (void)
{
    for (size_t i = 0; i < sizeof s_process_families / sizeof s_process_families [0]; i++)
        r5_metrics_register (&s_process_families [i]);
}

//  --- The Status enum as a label

const char *const *
r5_metrics_status_values (size_t *count)
{
    //  "STATUS_NOT_FOUND" -> status="not_found", by value; "other" last.
    static char texts [32][48];
    static const char *values [33];
    const ProtobufCEnumDescriptor *descriptor = &r5__status__descriptor;
    size_t slots = 0;
    for (unsigned i = 0; i < descriptor->n_values && slots < 32; i++) {
        int value = descriptor->values [i].value;
        if (value < 0 || value >= 32)
            continue;
        const char *name = descriptor->values [i].name;
        if (strncmp (name, "STATUS_", 7) == 0)
            name += 7;
        char lower [32];
        size_t length = 0;
        for (; name [length] && length < sizeof lower - 1; length++)
            lower [length] = (char) tolower ((unsigned char) name [length]);
        lower [length] = 0;
        snprintf (texts [value], sizeof texts [value], "status=\"%s\"", lower);
        values [value] = texts [value];
        if ((size_t) value + 1 > slots)
            slots = (size_t) value + 1;
    }
    //  Gaps (none today) read as "other" too, so every slot has a text.
    for (size_t i = 0; i < slots; i++)
        if (!values [i])
            values [i] = "status=\"other\"";
    values [slots] = "status=\"other\"";
    *count = slots + 1;
    return values;
}

size_t
r5_metrics_status_index (int status)
{
    //  The enum's values are 0..n-1; anything else is "other", the last slot.
    size_t slots = r5__status__descriptor.n_values;
    return status >= 0 && (size_t) status < slots ? (size_t) status : slots;
}
