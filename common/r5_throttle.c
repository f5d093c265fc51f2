/*  r5_throttle: token buckets per key, kept as one "theoretical arrival
    time" each (GCRA): a bucket is full when that time is not in the future,
    and each attempt moves it one interval on.  */
#include "r5_throttle.h"
#include "r5_alloc.h"

#include <czmq.h>
#include <sodium.h>
#include <pthread.h>

#define S_DIGEST_BYTES 16

struct _r5_throttle_t {
    pthread_mutex_t lock;
    zhashx_t *buckets;          //  digest (hex) -> int64_t, when the bucket is full again (ms)
    int64_t interval_ms;        //  one attempt comes back every interval
    int64_t period_ms;          //  a full bucket: burst intervals
    size_t max_keys;
    uint8_t secret [crypto_generichash_KEYBYTES];
    const r5_clock_t *clock;    //  NULL: the real clock
};

int
r5_limit_parse (const char *text, r5_limit_t *limit)
{
    char *end;
    long burst = strtol (text, &end, 10);
    if (end == text || *end != '/' || burst < 1 || burst > 1000000)
        return -1;
    const char *period_text = end + 1;
    long period = strtol (period_text, &end, 10);
    if (end == period_text || *end || period < 1 || period > 86400)
        return -1;
    limit->burst = (int) burst;
    limit->period_seconds = (int) period;
    return 0;
}

static void
s_bucket_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

r5_throttle_t *
r5_throttle_new (r5_limit_t limit, size_t max_keys)
{
    assert (limit.burst > 0 && limit.period_seconds > 0 && max_keys >= 8);
    r5_throttle_t *self = r5_calloc (1, sizeof *self);
    pthread_mutex_init (&self->lock, NULL);
    self->buckets = zhashx_new ();
    zhashx_set_destructor (self->buckets, s_bucket_destroy);
    self->period_ms = (int64_t) limit.period_seconds * 1000;
    self->interval_ms = self->period_ms / limit.burst;
    if (self->interval_ms < 1)
        self->interval_ms = 1;
    self->max_keys = max_keys;
    //  Keyed, so nobody can aim many keys at one slot of the table.
    crypto_generichash_keygen (self->secret);
    return self;
}

void
r5_throttle_destroy (r5_throttle_t **self_p)
{
    if (!*self_p)
        return;
    zhashx_destroy (&(*self_p)->buckets);
    pthread_mutex_destroy (&(*self_p)->lock);
    sodium_memzero ((*self_p)->secret, sizeof (*self_p)->secret);
    free (*self_p);
    *self_p = NULL;
}

//  The table's key for key: its keyed digest in hex.
static void
s_digest (r5_throttle_t *self, const char *key, char out [S_DIGEST_BYTES * 2 + 1])
{
    uint8_t digest [S_DIGEST_BYTES];
    crypto_generichash (digest, sizeof digest, (const uint8_t *) key, strlen (key), self->secret, sizeof self->secret);
    sodium_bin2hex (out, S_DIGEST_BYTES * 2 + 1, digest, sizeof digest);
}

//  Make room for one key: forget full buckets, then, if that freed less
//  than an eighth of the table, arbitrary ones up to an eighth, so a sweep
//  (O(n)) happens at most once per max_keys/8 new keys.
static void
s_sweep (r5_throttle_t *self, int64_t now)
{
    size_t target = self->max_keys / 8;
    zlistx_t *doomed = zlistx_new ();
    for (int64_t *full_at = (int64_t *) zhashx_first (self->buckets); full_at;
         full_at = (int64_t *) zhashx_next (self->buckets))
        if (*full_at <= now)
            zlistx_add_end (doomed, (void *) zhashx_cursor (self->buckets));
    for (int64_t *full_at = (int64_t *) zhashx_first (self->buckets);
         full_at && zlistx_size (doomed) < target; full_at = (int64_t *) zhashx_next (self->buckets))
        if (*full_at > now)
            zlistx_add_end (doomed, (void *) zhashx_cursor (self->buckets));
    //  Keys are collected first: deleting while iterating would break the iteration.
    for (void *key = zlistx_first (doomed); key; key = zlistx_next (doomed))
        zhashx_delete (self->buckets, key);
    zlistx_destroy (&doomed);
}

void
r5_throttle_set_clock (r5_throttle_t *self, const r5_clock_t *clock)
{
    self->clock = clock;
}

int
r5_throttle_take (r5_throttle_t *self, const char *key)
{
    char digest [S_DIGEST_BYTES * 2 + 1];
    s_digest (self, key, digest);
    int64_t now = r5_clock_mono_ms (self->clock);
    int wait = 0;
    pthread_mutex_lock (&self->lock);
    int64_t *full_at = (int64_t *) zhashx_lookup (self->buckets, digest);
    int64_t next = (full_at && *full_at > now ? *full_at : now) + self->interval_ms;
    if (next - now > self->period_ms)
        wait = (int) ((next - now - self->period_ms + 999) / 1000);
    else {
        if (!full_at) {
            if (zhashx_size (self->buckets) >= self->max_keys)
                s_sweep (self, now);
            full_at = r5_malloc (sizeof *full_at);
            zhashx_insert (self->buckets, digest, full_at);
        }
        *full_at = next;
    }
    pthread_mutex_unlock (&self->lock);
    return wait;
}

void
r5_throttle_give (r5_throttle_t *self, const char *key)
{
    char digest [S_DIGEST_BYTES * 2 + 1];
    s_digest (self, key, digest);
    int64_t now = r5_clock_mono_ms (self->clock);
    pthread_mutex_lock (&self->lock);
    int64_t *full_at = (int64_t *) zhashx_lookup (self->buckets, digest);
    if (full_at) {
        *full_at -= self->interval_ms;
        if (*full_at <= now)
            zhashx_delete (self->buckets, digest);      //  full: the same as absent
    }
    pthread_mutex_unlock (&self->lock);
}

void
r5_throttle_reset (r5_throttle_t *self, const char *key)
{
    char digest [S_DIGEST_BYTES * 2 + 1];
    s_digest (self, key, digest);
    pthread_mutex_lock (&self->lock);
    zhashx_delete (self->buckets, digest);
    pthread_mutex_unlock (&self->lock);
}

size_t
r5_throttle_size (r5_throttle_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t size = zhashx_size (self->buckets);
    pthread_mutex_unlock (&self->lock);
    return size;
}
