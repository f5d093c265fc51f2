/*  gateway_apq: the persisted-query cache, set-associative with LRU per set.  */
#include "gateway_apq.h"
#include "r5_alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

//  Texts per set: a hash picks its set, and a set evicts its least recently
//  used text, so a few popular queries sharing a set do not evict each other.
#define S_WAYS 4
//  Sets share locks: enough stripes that 1024 threads rarely wait.
#define S_LOCKS 64

typedef struct {
    uint8_t hash [GATEWAY_APQ_HASH_SIZE];
    char *text;                     //  NULL: the slot is free
    size_t length;
    uint64_t used;                  //  the tick of its last use
} s_slot_t;

struct _gateway_apq_t {
    size_t sets;
    size_t max_text_bytes;
    s_slot_t *slots;                //  sets * S_WAYS
    pthread_mutex_t locks [S_LOCKS];
    atomic_uint_fast64_t tick;
};

gateway_apq_t *
gateway_apq_new (size_t max_entries, size_t max_text_bytes)
{
    if (max_entries == 0)
        return NULL;
    gateway_apq_t *self = (gateway_apq_t *) r5_calloc (1, sizeof *self);
    self->sets = (max_entries + S_WAYS - 1) / S_WAYS;
    self->max_text_bytes = max_text_bytes;
    self->slots = (s_slot_t *) r5_calloc (self->sets * S_WAYS, sizeof (s_slot_t));
    for (int i = 0; i < S_LOCKS; i++)
        pthread_mutex_init (&self->locks [i], NULL);
    return self;
}

void
gateway_apq_destroy (gateway_apq_t **self_p)
{
    if (!*self_p)
        return;
    gateway_apq_t *self = *self_p;
    for (size_t i = 0; i < self->sets * S_WAYS; i++)
        free (self->slots [i].text);
    for (int i = 0; i < S_LOCKS; i++)
        pthread_mutex_destroy (&self->locks [i]);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

//  The set of a hash: SHA-256's bits are uniform, its first eight will do.
static size_t
s_set (gateway_apq_t *self, const uint8_t *hash)
{
    uint64_t bits;
    memcpy (&bits, hash, sizeof bits);
    return (size_t) (bits % self->sets);
}

char *
gateway_apq_get (gateway_apq_t *self, const uint8_t hash [GATEWAY_APQ_HASH_SIZE], size_t *length)
{
    size_t set = s_set (self, hash);
    s_slot_t *slots = self->slots + set * S_WAYS;
    char *copy = NULL;
    pthread_mutex_t *lock = &self->locks [set % S_LOCKS];
    pthread_mutex_lock (lock);
    for (int way = 0; way < S_WAYS; way++)
        if (slots [way].text && memcmp (slots [way].hash, hash, GATEWAY_APQ_HASH_SIZE) == 0) {
            copy = (char *) r5_malloc (slots [way].length + 1);
            memcpy (copy, slots [way].text, slots [way].length + 1);
            *length = slots [way].length;
            slots [way].used = atomic_fetch_add (&self->tick, 1);
            break;
        }
    pthread_mutex_unlock (lock);
    return copy;
}

void
gateway_apq_put (gateway_apq_t *self, const uint8_t hash [GATEWAY_APQ_HASH_SIZE], const char *text, size_t length)
{
    if (length > self->max_text_bytes)
        return;
    //  The copy is made outside the lock: the lock covers pointer swaps only.
    char *copy = (char *) r5_malloc (length + 1);
    memcpy (copy, text, length);
    copy [length] = 0;
    size_t set = s_set (self, hash);
    s_slot_t *slots = self->slots + set * S_WAYS;
    pthread_mutex_t *lock = &self->locks [set % S_LOCKS];
    pthread_mutex_lock (lock);
    int victim = 0;
    for (int way = 0; way < S_WAYS; way++) {
        if (slots [way].text && memcmp (slots [way].hash, hash, GATEWAY_APQ_HASH_SIZE) == 0) {
            victim = -1;            //  already there (another thread stored it)
            slots [way].used = atomic_fetch_add (&self->tick, 1);
            break;
        }
        if (!slots [way].text || (slots [victim].text && slots [way].used < slots [victim].used))
            victim = way;
    }
    char *old = NULL;
    if (victim >= 0) {
        old = slots [victim].text;
        memcpy (slots [victim].hash, hash, GATEWAY_APQ_HASH_SIZE);
        slots [victim].text = copy;
        slots [victim].length = length;
        slots [victim].used = atomic_fetch_add (&self->tick, 1);
        copy = NULL;
    }
    pthread_mutex_unlock (lock);
    free (old);
    free (copy);
}
