/*  gateway_ratelimit: per-user point budgets, shared through r5-token.  */
#include "gateway_ratelimit.h"
#include "r5_alloc.h"
#include "r5_client.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5/token.pb-c.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

//  Slots of the open-addressing table: twice the entries, a power of two.
#define S_SLOTS (2 * GATEWAY_RATELIMIT_MAX_USERS)
//  Most deltas in one flush: r5-token's cap (TOKEN_RATE_USAGE_MAX_DELTAS); the
//  rest wait for the next flush.
#define S_MAX_DELTAS 10000

typedef struct {
    char user_id [32];          //  "" : a free slot
    int64_t window;
    int64_t shared;             //  last total r5-token answered (every gateway's flushed points)
    int64_t unflushed;          //  admitted here since the flush in progress began
    int64_t flushing;           //  admitted here, in the flush in progress
    bool touched;               //  served since the last flush: ask for its total
} s_entry_t;

struct _gateway_ratelimit_t {
    int64_t limit;
    int64_t window_seconds;
    int flush_ms;
    char *brokers;              //  NULL: no shared counters
    int rpc_timeout_ms;
    pthread_mutex_t lock;       //  the table
    s_entry_t *slots;
    size_t used_slots;
    bool full_logged;
    pthread_t flusher;
    bool has_flusher;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stop;
};

//  FNV-1a over the user id, mixed with the window.
static size_t
s_hash (const char *user_id, int64_t window)
{
    uint64_t hash = 1469598103934665603ULL ^ (uint64_t) window;
    for (const char *c = user_id; *c; c++)
        hash = (hash ^ (uint8_t) *c) * 1099511628211ULL;
    return (size_t) (hash ^ (hash >> 29));
}

//  The entry of (user_id, window), made when absent; NULL when the table is
//  full. Under the lock.
static s_entry_t *
s_lookup (gateway_ratelimit_t *self, const char *user_id, int64_t window, bool make)
{
    size_t mask = S_SLOTS - 1;
    for (size_t i = s_hash (user_id, window) & mask, probes = 0; probes < S_SLOTS; i = (i + 1) & mask, probes++) {
        s_entry_t *entry = &self->slots [i];
        if (!entry->user_id [0]) {
            if (!make || self->used_slots >= GATEWAY_RATELIMIT_MAX_USERS)
                return NULL;
            snprintf (entry->user_id, sizeof entry->user_id, "%s", user_id);
            entry->window = window;
            self->used_slots++;
            return entry;
        }
        if (entry->window == window && strcmp (entry->user_id, user_id) == 0)
            return entry;
    }
    return NULL;
}

bool
gateway_ratelimit_charge (gateway_ratelimit_t *self, const char *user_id, int64_t cost, int64_t unix_ms,
                          gateway_rate_t *rate)
{
    assert (self && user_id && cost >= 0);
    int64_t window = unix_ms / 1000 / self->window_seconds;
    rate->limit = self->limit;
    rate->reset_at = (window + 1) * self->window_seconds;
    rate->refused = false;
    rate->cost = 0;
    pthread_mutex_lock (&self->lock);
    //  An id that cannot be an entry's ("" marks a free slot) is not counted.
    size_t length = strlen (user_id);
    s_entry_t *entry = length > 0 && length < sizeof entry->user_id ? s_lookup (self, user_id, window, true) : NULL;
    int64_t used = entry ? entry->shared + entry->unflushed + entry->flushing : 0;
    if (used + cost > self->limit && cost > 0)
        rate->refused = true;
    else
    if (entry) {
        entry->unflushed += cost;
        entry->touched = true;
        used += cost;
        rate->cost = cost;
    }
    else
        rate->cost = cost;      //  a full table admits uncounted (logged by the flusher)
    pthread_mutex_unlock (&self->lock);
    rate->used = used;
    rate->remaining = used < self->limit ? self->limit - used : 0;
    return !rate->refused;
}

//  ---------------------------------------------------------------------------
//  The flusher

//  Take what each touched entry of a window not yet past owes into request
//  (entries move their unflushed points to flushing), and drop entries of
//  past windows that owe nothing. Under the lock. Returns the delta count.
static size_t
s_collect (gateway_ratelimit_t *self, int64_t window_now, R5__UsageDelta *deltas, R5__UsageDelta **pointers,
           size_t max)
{
    size_t count = 0;
    bool dropped = false;
    for (size_t i = 0; i < S_SLOTS; i++) {
        s_entry_t *entry = &self->slots [i];
        if (!entry->user_id [0])
            continue;
        if (entry->unflushed == 0 && entry->flushing == 0 && entry->window < window_now) {
            memset (entry, 0, sizeof *entry);
            self->used_slots--;
            dropped = true;
            continue;
        }
        if ((entry->unflushed || entry->touched) && count < max) {
            entry->flushing += entry->unflushed;
            R5__UsageDelta *delta = &deltas [count];
            r5__usage_delta__init (delta);
            delta->user_id = entry->user_id;        //  stable: only the flusher frees slots
            delta->window = entry->window;
            delta->points = entry->unflushed;
            entry->unflushed = 0;
            entry->touched = false;
            pointers [count++] = delta;
        }
    }
    if (dropped) {
        //  Linear probing needs the chains unbroken: reinsert every entry.
        s_entry_t *old = self->slots;
        self->slots = r5_calloc (S_SLOTS, sizeof *self->slots);
        self->used_slots = 0;
        for (size_t i = 0; i < S_SLOTS; i++)
            if (old [i].user_id [0]) {
                s_entry_t *entry = s_lookup (self, old [i].user_id, old [i].window, true);
                *entry = old [i];
            }
        //  The deltas point into the old table: point them at the new one.
        for (size_t i = 0; i < count; i++)
            pointers [i]->user_id = s_lookup (self, pointers [i]->user_id, pointers [i]->window, false)->user_id;
        free (old);
    }
    return count;
}

//  One flush: send the deltas, take back the totals. 0, or -1 (the deltas
//  are kept for the next flush).
static int
s_flush (gateway_ratelimit_t *self, r5_client_t *client, R5__UsageDelta *deltas, R5__UsageDelta **pointers,
         int timeout_ms)
{
    int64_t window_now = r5_now_ms () / 1000 / self->window_seconds;
    pthread_mutex_lock (&self->lock);
    size_t count = s_collect (self, window_now, deltas, pointers, S_MAX_DELTAS);
    if (!self->full_logged && self->used_slots >= GATEWAY_RATELIMIT_MAX_USERS) {
        r5_warn (NULL, "rate limits: %d users this window, new ones are not counted", GATEWAY_RATELIMIT_MAX_USERS);
        self->full_logged = true;
    }
    //  Copies of the ids: the table may move under the call.
    char (*ids) [32] = count ? r5_malloc (count * sizeof *ids) : NULL;
    for (size_t i = 0; i < count; i++) {
        snprintf (ids [i], sizeof ids [i], "%s", pointers [i]->user_id);
        pointers [i]->user_id = ids [i];
    }
    pthread_mutex_unlock (&self->lock);
    if (!count)
        return 0;
    R5__RecordUsageRequest record = R5__RECORD_USAGE_REQUEST__INIT;
    record.deltas = pointers;
    record.n_deltas = count;
    record.window_seconds = self->window_seconds;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    char request_id [24];
    snprintf (request_id, sizeof request_id, "ratelimit-%08x", (unsigned) (r5_now_ms () & 0xffffffff));
    r5_rpc_meta_init (&meta, "r5-gateway", request_id, timeout_ms);
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_RECORD_USAGE;
    request.record_usage = &record;
    R5__Status status;
    //  Not idempotent: a resend would add the points twice.
    R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (client, R5_SERVICE_TOKEN, &request.base,
                                                            &r5__token_reply__descriptor, timeout_ms,
                                                            false, &status);
    bool ok = reply && reply->status == R5__STATUS__STATUS_OK
           && reply->body_case == R5__TOKEN_REPLY__BODY_USAGE_TOTALS && reply->usage_totals->n_totals == count;
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < count; i++) {
        s_entry_t *entry = s_lookup (self, ids [i], pointers [i]->window, false);
        if (!entry)
            continue;
        if (ok) {
            //  The total holds this flush's points: they leave the local count.
            entry->shared = reply->usage_totals->totals [i]->used;
            entry->flushing = 0;
        }
        else {
            entry->unflushed += entry->flushing;
            entry->flushing = 0;
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (!ok)
        r5_warn (NULL, "rate limits: cannot flush %zu users to r5-token (%s): limiting on local counts",
                 count, reply ? r5_status_name (reply->status) : r5_status_name (status));
    if (reply)
        r5__token_reply__free_unpacked (reply, NULL);
    free (ids);
    return ok ? 0 : -1;
}

static void *
s_flusher (void *args)
{
    gateway_ratelimit_t *self = args;
    r5_client_t *client = r5_client_new (self->brokers);
    R5__UsageDelta *deltas = r5_calloc (S_MAX_DELTAS, sizeof *deltas);
    R5__UsageDelta **pointers = r5_calloc (S_MAX_DELTAS, sizeof *pointers);
    pthread_mutex_lock (&self->stop_lock);
    while (!self->stop) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_nsec += (long) self->flush_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait (&self->stop_cond, &self->stop_lock, &until);
        if (self->stop)
            break;
        pthread_mutex_unlock (&self->stop_lock);
        if (client)
            s_flush (self, client, deltas, pointers, self->rpc_timeout_ms);
        pthread_mutex_lock (&self->stop_lock);
    }
    pthread_mutex_unlock (&self->stop_lock);
    //  What was admitted since the last flush is sent once more on the way
    //  out, without holding a stop up for long.
    if (client)
        s_flush (self, client, deltas, pointers, self->rpc_timeout_ms < 1000 ? self->rpc_timeout_ms : 1000);
    free (pointers);
    free (deltas);
    r5_client_destroy (&client);
    return NULL;
}

gateway_ratelimit_t *
gateway_ratelimit_new (int64_t limit, int window_seconds, int flush_ms, const char *brokers, int rpc_timeout_ms)
{
    if (limit <= 0)
        return NULL;
    gateway_ratelimit_t *self = r5_calloc (1, sizeof *self);
    self->limit = limit;
    self->window_seconds = window_seconds > 0 ? window_seconds : 3600;
    self->flush_ms = flush_ms > 0 ? flush_ms : GATEWAY_RATELIMIT_FLUSH_MS;
    self->rpc_timeout_ms = rpc_timeout_ms > 0 ? rpc_timeout_ms : 1000;
    self->slots = r5_calloc (S_SLOTS, sizeof *self->slots);
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->stop_lock, NULL);
    pthread_cond_init (&self->stop_cond, NULL);
    if (brokers && *brokers) {
        self->brokers = r5_strdup (brokers);
        self->has_flusher = pthread_create (&self->flusher, NULL, s_flusher, self) == 0;
        if (!self->has_flusher)
            r5_warn (NULL, "rate limits: cannot start the flusher: each gateway limits on its own");
    }
    return self;
}

void
gateway_ratelimit_destroy (gateway_ratelimit_t **self_p)
{
    gateway_ratelimit_t *self = *self_p;
    if (!self)
        return;
    if (self->has_flusher) {
        pthread_mutex_lock (&self->stop_lock);
        self->stop = true;
        pthread_cond_signal (&self->stop_cond);
        pthread_mutex_unlock (&self->stop_lock);
        pthread_join (self->flusher, NULL);
    }
    pthread_cond_destroy (&self->stop_cond);
    pthread_mutex_destroy (&self->stop_lock);
    pthread_mutex_destroy (&self->lock);
    free (self->slots);
    free (self->brokers);
    free (self);
    *self_p = NULL;
}
