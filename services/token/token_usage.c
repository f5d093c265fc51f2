/*  token_usage: the in-memory throttle of last-used writes.  */
#include "token_usage.h"
#include "r5_alloc.h"

#include <czmq.h>

struct _token_usage_t {
    zhashx_t *written;              //  token id -> int64_t * ms of the last write
    int64_t interval_ms;
};

static void
s_free_time (void **item)
{
    free (*item);
    *item = NULL;
}

token_usage_t *
token_usage_new (int64_t interval_ms)
{
    token_usage_t *self = (token_usage_t *) r5_calloc (1, sizeof *self);
    self->written = zhashx_new ();
    zhashx_set_destructor (self->written, s_free_time);
    self->interval_ms = interval_ms;
    return self;
}

void
token_usage_destroy (token_usage_t **self_p)
{
    if (!*self_p)
        return;
    zhashx_destroy (&(*self_p)->written);
    free (*self_p);
    *self_p = NULL;
}

//  Drop entries whose interval has passed: they would be due anyway.
static void
s_purge (token_usage_t *self, int64_t now)
{
    zlistx_t *keys = zhashx_keys (self->written);
    for (char *key = (char *) zlistx_first (keys); key; key = (char *) zlistx_next (keys)) {
        int64_t *at = (int64_t *) zhashx_lookup (self->written, key);
        if (at && now - *at >= self->interval_ms)
            zhashx_delete (self->written, key);
    }
    zlistx_destroy (&keys);
}

bool
token_usage_due (token_usage_t *self, const char *id, int64_t now)
{
    int64_t *at = (int64_t *) zhashx_lookup (self->written, id);
    if (at && now - *at < self->interval_ms && now >= *at)
        return false;
    if (!at) {
        if (zhashx_size (self->written) >= TOKEN_USAGE_MAX)
            s_purge (self, now);
        at = (int64_t *) r5_malloc (sizeof *at);
        zhashx_insert (self->written, id, at);
    }
    *at = now;
    return true;
}

void
token_usage_forget (token_usage_t *self, const char *id)
{
    zhashx_delete (self->written, id);
}

size_t
token_usage_size (token_usage_t *self)
{
    return zhashx_size (self->written);
}
