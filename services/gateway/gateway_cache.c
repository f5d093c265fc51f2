/*  gateway_cache: a locked hash of verdicts with generations.  */
#include "gateway_cache.h"
#include "r5_alloc.h"
#include "r5_time.h"

#include <czmq.h>
#include <pthread.h>
#include <sodium.h>

struct _gateway_cache_t {
    pthread_mutex_t lock;
    zhashx_t *entries;              //  hex digest -> s_entry_t
    uint8_t key [crypto_generichash_KEYBYTES];
    int64_t ttl_ms;
    size_t max_entries;
    uint64_t generation;            //  bumped by every invalidation
    int64_t current_until;          //  monotonic ms: the event feed is proven current before this
    const r5_clock_t *clock;        //  NULL: the real clock
};

typedef struct {
    gateway_principal_t principal;
    int64_t expires_ms;
    int64_t refresh_ms;             //  from then on, one caller refreshes it
    bool refreshing;                //  that caller has been chosen
} s_entry_t;

static void
s_entry_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

gateway_cache_t *
gateway_cache_new (int ttl_seconds, size_t max_entries)
{
    gateway_cache_t *self = r5_calloc (1, sizeof *self);
    pthread_mutex_init (&self->lock, NULL);
    self->entries = zhashx_new ();
    zhashx_set_destructor (self->entries, s_entry_destroy);
    randombytes_buf (self->key, sizeof self->key);
    self->ttl_ms = (int64_t) ttl_seconds * 1000;
    self->max_entries = max_entries;
    return self;
}

void
gateway_cache_set_clock (gateway_cache_t *self, const r5_clock_t *clock)
{
    self->clock = clock;
}

void
gateway_cache_destroy (gateway_cache_t **self_p)
{
    if (!*self_p)
        return;
    gateway_cache_t *self = *self_p;
    zhashx_destroy (&self->entries);
    pthread_mutex_destroy (&self->lock);
    sodium_memzero (self->key, sizeof self->key);
    free (self);
    *self_p = NULL;
}

static void
s_key (gateway_cache_t *self, const char *value, size_t length, char hex [65])
{
    uint8_t digest [32];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) value, length, self->key, sizeof self->key);
    sodium_bin2hex (hex, 65, digest, sizeof digest);
}

//  Whether the feed is current now; when it is not, nothing cached may be
//  used again: flush it and move the generation. Call with the lock held.
static bool
s_current (gateway_cache_t *self)
{
    if (r5_clock_mono_ms (self->clock) < self->current_until)
        return true;
    if (zhashx_size (self->entries) > 0) {
        self->generation++;
        zhashx_purge (self->entries);
    }
    return false;
}

gateway_cache_lookup_t
gateway_cache_get (gateway_cache_t *self, const char *value, size_t length, gateway_principal_t *principal)
{
    if (self->ttl_ms <= 0)
        return GATEWAY_CACHE_MISS;
    char key [65];
    s_key (self, value, length, key);
    gateway_cache_lookup_t found = GATEWAY_CACHE_MISS;
    pthread_mutex_lock (&self->lock);
    s_entry_t *entry = s_current (self) ? (s_entry_t *) zhashx_lookup (self->entries, key) : NULL;
    int64_t now = r5_clock_now_ms (self->clock);
    if (entry && entry->expires_ms > now) {
        *principal = entry->principal;
        found = GATEWAY_CACHE_HIT;
        if (now >= entry->refresh_ms && !entry->refreshing) {
            entry->refreshing = true;
            found = GATEWAY_CACHE_REFRESH;
        }
    }
    else
    if (entry)
        zhashx_delete (self->entries, key);
    pthread_mutex_unlock (&self->lock);
    return found;
}

void
gateway_cache_release (gateway_cache_t *self, const char *value, size_t length)
{
    char key [65];
    s_key (self, value, length, key);
    pthread_mutex_lock (&self->lock);
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->entries, key);
    if (entry)
        entry->refreshing = false;
    pthread_mutex_unlock (&self->lock);
}

uint64_t
gateway_cache_generation (gateway_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    uint64_t generation = self->generation;
    pthread_mutex_unlock (&self->lock);
    return generation;
}

void
gateway_cache_put (gateway_cache_t *self, const char *value, size_t length,
                   const gateway_principal_t *principal, uint64_t generation, int64_t expires_ms)
{
    if (self->ttl_ms <= 0)
        return;
    char key [65];
    s_key (self, value, length, key);
    s_entry_t *entry = r5_calloc (1, sizeof *entry);
    int64_t now = r5_clock_now_ms (self->clock);
    entry->principal = *principal;
    entry->expires_ms = now + self->ttl_ms;
    if (expires_ms > 0 && expires_ms < entry->expires_ms)
        entry->expires_ms = expires_ms;
    entry->refresh_ms = now + (entry->expires_ms - now) * 3 / 4;
    pthread_mutex_lock (&self->lock);
    //  A verification that started before an invalidation may hold the old
    //  verdict: do not let it back in. Nor one made while the feed is not
    //  current: a lapse that ended meanwhile moved the generation.
    if (generation == self->generation && s_current (self)) {
        if (zhashx_size (self->entries) >= self->max_entries)
            zhashx_purge (self->entries);
        zhashx_update (self->entries, key, entry);
        entry = NULL;
    }
    else {
        //  Not stored (another token's change moved the generation): the
        //  entry it was to replace is still good, and the next caller near
        //  its end refreshes it, or every caller would at its expiry.
        s_entry_t *current = (s_entry_t *) zhashx_lookup (self->entries, key);
        if (current)
            current->refreshing = false;
    }
    pthread_mutex_unlock (&self->lock);
    free (entry);
}

void
gateway_cache_feed (gateway_cache_t *self, int64_t current_until)
{
    pthread_mutex_lock (&self->lock);
    //  The proof had run out (or never was): whatever was verified meanwhile
    //  may have missed an event, so nothing from before counts.
    if (r5_clock_mono_ms (self->clock) >= self->current_until) {
        self->generation++;
        zhashx_purge (self->entries);
    }
    if (current_until > self->current_until)
        self->current_until = current_until;
    pthread_mutex_unlock (&self->lock);
}

bool
gateway_cache_current (gateway_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    bool current = r5_clock_mono_ms (self->clock) < self->current_until;
    pthread_mutex_unlock (&self->lock);
    return current;
}

//  Drop every entry whose principal matches; invalidations are rare, so a scan is fine.
static void
s_drop_where (gateway_cache_t *self, size_t offset, const char *id)
{
    pthread_mutex_lock (&self->lock);
    self->generation++;
    zlistx_t *doomed = zlistx_new ();
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (self->entries); entry;
         entry = (s_entry_t *) zhashx_next (self->entries))
        if (streq ((const char *) &entry->principal + offset, id))
            zlistx_add_end (doomed, (void *) zhashx_cursor (self->entries));
    for (void *key = zlistx_first (doomed); key; key = zlistx_next (doomed))
        zhashx_delete (self->entries, key);
    zlistx_destroy (&doomed);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_cache_drop_value (gateway_cache_t *self, const char *value, size_t length)
{
    char key [65];
    s_key (self, value, length, key);
    pthread_mutex_lock (&self->lock);
    self->generation++;
    zhashx_delete (self->entries, key);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_cache_drop_token (gateway_cache_t *self, const char *token_id)
{
    s_drop_where (self, offsetof (gateway_principal_t, token_id), token_id);
}

void
gateway_cache_drop_user (gateway_cache_t *self, const char *user_id)
{
    s_drop_where (self, offsetof (gateway_principal_t, user_id), user_id);
}

void
gateway_cache_flush (gateway_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->generation++;
    zhashx_purge (self->entries);
    pthread_mutex_unlock (&self->lock);
}

size_t
gateway_cache_size (gateway_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t size = zhashx_size (self->entries);
    pthread_mutex_unlock (&self->lock);
    return size;
}
