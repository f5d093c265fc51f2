/*  token_usage: the in-memory throttle of last-used writes.  */
#include "token_usage.h"
#include "r5_alloc.h"

#include <czmq.h>
#include <sodium.h>

#define S_PLACE_SIZE 16             //  BLAKE2b-128 of a place

//  One token: the places written within the interval, each with its time.
typedef struct {
    uint8_t place [TOKEN_USED_FROM_MAX][S_PLACE_SIZE];
    int64_t at [TOKEN_USED_FROM_MAX];
    bool used [TOKEN_USED_FROM_MAX];
} s_entry_t;

struct _token_usage_t {
    zhashx_t *written;              //  token id -> s_entry_t *
    int64_t interval_ms;
};

static void
s_free_entry (void **item)
{
    free (*item);
    *item = NULL;
}

token_usage_t *
token_usage_new (int64_t interval_ms)
{
    token_usage_t *self = (token_usage_t *) r5_calloc (1, sizeof *self);
    self->written = zhashx_new ();
    zhashx_set_destructor (self->written, s_free_entry);
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

//  Whether slot i of entry was written within the interval before now (a
//  time after now, from a clock that went back, does not hold).
static bool
s_live (token_usage_t *self, const s_entry_t *entry, int i, int64_t now)
{
    return entry->used [i] && now - entry->at [i] < self->interval_ms && now >= entry->at [i];
}

//  Drop entries whose slots have all passed their interval: they would be due anyway.
static void
s_purge (token_usage_t *self, int64_t now)
{
    zlistx_t *keys = zhashx_keys (self->written);
    for (char *key = (char *) zlistx_first (keys); key; key = (char *) zlistx_next (keys)) {
        s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->written, key);
        bool live = false;
        for (int i = 0; entry && i < TOKEN_USED_FROM_MAX; i++)
            live = live || s_live (self, entry, i, now);
        if (entry && !live)
            zhashx_delete (self->written, key);
    }
    zlistx_destroy (&keys);
}

bool
token_usage_due (token_usage_t *self, const char *id, const char *address, const char *user_agent,
                 int64_t now)
{
    //  The place as a digest: fixed size, whatever the User-Agent's length.
    uint8_t place [S_PLACE_SIZE];
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, sizeof place);
    const char *parts [2] = { address ? address : "", user_agent ? user_agent : "" };
    for (int i = 0; i < 2; i++)
        //  With its NUL, so ("a", "bc") and ("ab", "c") differ.
        crypto_generichash_update (&state, (const unsigned char *) parts [i], strlen (parts [i]) + 1);
    crypto_generichash_final (&state, place, sizeof place);

    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->written, id);
    if (!entry) {
        if (zhashx_size (self->written) >= TOKEN_USAGE_MAX)
            s_purge (self, now);
        entry = (s_entry_t *) r5_calloc (1, sizeof *entry);
        zhashx_insert (self->written, id, entry);
    }
    int free_slot = -1;
    for (int i = 0; i < TOKEN_USED_FROM_MAX; i++) {
        bool same = entry->used [i] && memcmp (entry->place [i], place, sizeof place) == 0;
        bool live = s_live (self, entry, i, now);
        if (same && live)
            return false;
        if (same || (!live && free_slot < 0))
            free_slot = i;
        if (same)
            break;
    }
    if (free_slot < 0)
        return false;               //  as many places as a token keeps, all this interval
    memcpy (entry->place [free_slot], place, sizeof place);
    entry->at [free_slot] = now;
    entry->used [free_slot] = true;
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
