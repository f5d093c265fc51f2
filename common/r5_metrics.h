/*  r5_metrics: counters, gauges and histograms with fixed label sets, and
    their Prometheus text (exposition format 0.0.4).

    A metric family is a static table entry of the file that observes it:

        static const char *const s_status [] = { "status=\"ok\"", "status=\"error\"" };
        static r5_metrics_family_t s_handled = {
            .name = "r5_x_handled_total", .help = "Requests handled, by status.",
            .type = R5_METRICS_COUNTER, .labels = { R5_METRICS_LABELS (s_status, 2) }
        };
        ...
        r5_metrics_add (&s_handled, 0, 0, 0, 1);

    Each label dimension is a fixed table of preformatted fragments (one may
    hold several name="value" pairs); a series is one index into each. The
    family's storage (one atomic cell per counter or gauge series, the
    buckets and the sum of a histogram series) is allocated once, when it is
    registered: by r5_metrics_register at start-up, so its HELP and TYPE are
    shown before anything was observed, or else at its first observation.
    Observing is lock-free and allocates nothing: one acquire load, then a
    relaxed atomic add per cell. An index outside its table is dropped.

    Rendering shows every registered family, in registration order, with
    HELP and TYPE; a labelled series only once it was touched (a family
    without labels always shows its one series). */
#ifndef R5_METRICS_H
#define R5_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define R5_METRICS_MAX_LABELS 3

//  Upper bounds of the duration histograms' buckets, in seconds (+Inf follows).
#define R5_METRICS_BUCKETS 14

typedef enum {
    R5_METRICS_COUNTER,
    R5_METRICS_GAUGE,
    R5_METRICS_HISTOGRAM        //  durations, observed in nanoseconds, shown in seconds
} r5_metrics_type_t;

typedef struct {
    const char *const *values;  //  fragments such as "status=\"ok\""
    size_t count;
    //  Instead of values: a table made once, when the family registers
    //  (for example from a protobuf descriptor). Returns it and sets *count.
    const char *const *(*make) (size_t *count);
} r5_metrics_labels_t;

//  A label dimension from a fixed table, or from a function run at registration.
#define R5_METRICS_LABELS(table, n) { .values = (table), .count = (n) }
#define R5_METRICS_LABELS_MADE(function) { .make = (function) }

typedef struct _r5_metrics_family_t r5_metrics_family_t;

struct _r5_metrics_family_t {
    const char *name;
    const char *help;
    r5_metrics_type_t type;
    r5_metrics_labels_t labels [R5_METRICS_MAX_LABELS];     //  unused ones: count 0, make NULL
    //  A gauge whose value is read when rendered (process_*, cache sizes),
    //  for each series; NULL: the value set or added.
    double (*read) (size_t series);
    //  Private: set when registered.
    _Atomic (atomic_uint_fast64_t *) cells;
    size_t counts [R5_METRICS_MAX_LABELS];
    size_t series;
    r5_metrics_family_t *next;
};

//  Allocate the family's storage and add it to the process's registry
//  (idempotent, thread-safe). Families are never unregistered.
void r5_metrics_register (r5_metrics_family_t *family);

//  Register each family of a NULL-terminated table.
void r5_metrics_register_all (r5_metrics_family_t *const *families);

//  Add to a counter, or to a gauge (n may then be negative).
void r5_metrics_add (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t n);

//  Set a gauge.
void r5_metrics_set (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t value);

//  Count one duration (in nanoseconds) into a histogram.
void r5_metrics_observe (r5_metrics_family_t *family, size_t a, size_t b, size_t c, int64_t nanoseconds);

//  A monotonic clock in nanoseconds, for durations.
int64_t r5_metrics_now_ns (void);

//  The text of every registered family (malloc'd, NUL-terminated; *length
//  without the NUL). The caller frees it.
char *r5_metrics_render (size_t *length);

//  Register what every r5 process shows: process_cpu_seconds_total,
//  process_resident_memory_bytes, process_virtual_memory_bytes,
//  process_open_fds, process_max_fds, process_start_time_seconds (read from
//  /proc/self at each scrape) and r5_build_info{version, build_id}.
void r5_metrics_register_process (void);

//  The label fragments of the Status enum, "status=\"ok\"" ... by value, and
//  "status=\"other\"" last: a label dimension { NULL, 0, r5_metrics_status_values }.
//  r5_metrics_status_index maps a Status value to its slot.
const char *const *r5_metrics_status_values (size_t *count);
size_t r5_metrics_status_index (int status);

#endif
