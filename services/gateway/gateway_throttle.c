/*  gateway_throttle: fixed-window failure counters.  */
#include "gateway_throttle.h"
#include "r5_time.h"

#include <czmq.h>
#include <pthread.h>

//  Keys kept at most; past this, expired windows are swept, then all if needed.
#define S_MAX_KEYS 100000

struct _gateway_throttle_t {
    pthread_mutex_t lock;
    zhashx_t *windows;          //  key -> s_window_t
    int limit;
    int64_t window_ms;
};

typedef struct {
    int64_t started_ms;
    int failures;
} s_window_t;

static void
s_window_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

gateway_throttle_t *
gateway_throttle_new (int limit, int window_seconds)
{
    gateway_throttle_t *self = calloc (1, sizeof *self);
    pthread_mutex_init (&self->lock, NULL);
    self->windows = zhashx_new ();
    zhashx_set_destructor (self->windows, s_window_destroy);
    self->limit = limit;
    self->window_ms = (int64_t) window_seconds * 1000;
    return self;
}

void
gateway_throttle_destroy (gateway_throttle_t **self_p)
{
    if (!*self_p)
        return;
    zhashx_destroy (&(*self_p)->windows);
    pthread_mutex_destroy (&(*self_p)->lock);
    free (*self_p);
    *self_p = NULL;
}

int
gateway_throttle_wait (gateway_throttle_t *self, const char *key)
{
    int wait = 0;
    int64_t now = r5_now_ms ();
    pthread_mutex_lock (&self->lock);
    s_window_t *window = (s_window_t *) zhashx_lookup (self->windows, key);
    if (window && now - window->started_ms >= self->window_ms)
        zhashx_delete (self->windows, key);
    else
    if (window && window->failures >= self->limit)
        wait = (int) ((window->started_ms + self->window_ms - now + 999) / 1000);
    pthread_mutex_unlock (&self->lock);
    return wait;
}

//  Drop windows that have ended; called when the table is full.
static void
s_sweep (gateway_throttle_t *self, int64_t now)
{
    zlistx_t *ended = zlistx_new ();
    for (s_window_t *window = (s_window_t *) zhashx_first (self->windows); window;
         window = (s_window_t *) zhashx_next (self->windows))
        if (now - window->started_ms >= self->window_ms)
            zlistx_add_end (ended, (void *) zhashx_cursor (self->windows));
    for (void *key = zlistx_first (ended); key; key = zlistx_next (ended))
        zhashx_delete (self->windows, key);
    zlistx_destroy (&ended);
    if (zhashx_size (self->windows) >= S_MAX_KEYS)
        zhashx_purge (self->windows);
}

void
gateway_throttle_fail (gateway_throttle_t *self, const char *key)
{
    int64_t now = r5_now_ms ();
    pthread_mutex_lock (&self->lock);
    s_window_t *window = (s_window_t *) zhashx_lookup (self->windows, key);
    if (window && now - window->started_ms >= self->window_ms) {
        window->started_ms = now;
        window->failures = 0;
    }
    if (!window) {
        if (zhashx_size (self->windows) >= S_MAX_KEYS)
            s_sweep (self, now);
        window = calloc (1, sizeof *window);
        window->started_ms = now;
        zhashx_insert (self->windows, key, window);
    }
    window->failures++;
    pthread_mutex_unlock (&self->lock);
}

void
gateway_throttle_reset (gateway_throttle_t *self, const char *key)
{
    pthread_mutex_lock (&self->lock);
    zhashx_delete (self->windows, key);
    pthread_mutex_unlock (&self->lock);
}
