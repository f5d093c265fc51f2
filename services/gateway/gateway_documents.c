/*  gateway_documents: the parsed-document cache, set-associative with LRU
    per set and reference-counted entries.  */
#include "gateway_documents.h"
#include "r5_alloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_WAYS 4
#define S_LOCKS 64
#define S_HASH_SIZE 16

struct _gateway_document_t {
    char *source;                   //  the text, which the document's names point into
    size_t length;
    gql_document_t *document;
    atomic_size_t refs;             //  the cache's (while in a slot) and each holder's
};

typedef struct {
    uint8_t hash [S_HASH_SIZE];
    gateway_document_t *entry;      //  NULL: the slot is free
    uint64_t used;                  //  the tick of its last use
} s_slot_t;

struct _gateway_documents_t {
    size_t sets;
    size_t max_entry_bytes;
    uint8_t key [crypto_generichash_KEYBYTES];      //  keyed: sets an attacker cannot aim at
    s_slot_t *slots;                //  sets * S_WAYS
    pthread_mutex_t locks [S_LOCKS];
    atomic_uint_fast64_t tick;
};

gateway_documents_t *
gateway_documents_new (size_t max_entries, size_t max_entry_bytes)
{
    if (max_entries == 0)
        return NULL;
    gateway_documents_t *self = (gateway_documents_t *) r5_calloc (1, sizeof *self);
    self->sets = (max_entries + S_WAYS - 1) / S_WAYS;
    self->max_entry_bytes = max_entry_bytes;
    randombytes_buf (self->key, sizeof self->key);
    self->slots = (s_slot_t *) r5_calloc (self->sets * S_WAYS, sizeof (s_slot_t));
    for (int i = 0; i < S_LOCKS; i++)
        pthread_mutex_init (&self->locks [i], NULL);
    return self;
}

static void
s_entry_free (gateway_document_t *entry)
{
    gql_document_destroy (&entry->document);
    free (entry->source);
    free (entry);
}

void
gateway_document_release (gateway_document_t **self_p)
{
    gateway_document_t *entry = *self_p;
    *self_p = NULL;
    if (entry && atomic_fetch_sub (&entry->refs, 1) == 1)
        s_entry_free (entry);
}

void
gateway_documents_destroy (gateway_documents_t **self_p)
{
    gateway_documents_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->sets * S_WAYS; i++)
        gateway_document_release (&self->slots [i].entry);
    for (int i = 0; i < S_LOCKS; i++)
        pthread_mutex_destroy (&self->locks [i]);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

const gql_document_t *
gateway_document_ast (const gateway_document_t *self)
{
    return self->document;
}

//  A 128-bit keyed BLAKE2b of the text: its first bits pick the set.
static size_t
s_hash (gateway_documents_t *self, const char *text, size_t length, uint8_t hash [S_HASH_SIZE])
{
    crypto_generichash (hash, S_HASH_SIZE, (const unsigned char *) text, length, self->key, sizeof self->key);
    uint64_t bits;
    memcpy (&bits, hash, sizeof bits);
    return (size_t) (bits % self->sets);
}

static bool
s_matches (const s_slot_t *slot, const uint8_t *hash, const char *text, size_t length)
{
    return slot->entry && memcmp (slot->hash, hash, S_HASH_SIZE) == 0
        && slot->entry->length == length && memcmp (slot->entry->source, text, length) == 0;
}

gateway_document_t *
gateway_documents_get (gateway_documents_t *self, const char *text, size_t length)
{
    uint8_t hash [S_HASH_SIZE];
    size_t set = s_hash (self, text, length, hash);
    s_slot_t *slots = self->slots + set * S_WAYS;
    gateway_document_t *found = NULL;
    pthread_mutex_t *lock = &self->locks [set % S_LOCKS];
    pthread_mutex_lock (lock);
    for (int way = 0; way < S_WAYS; way++)
        if (s_matches (&slots [way], hash, text, length)) {
            found = slots [way].entry;
            //  Under the lock while the slot holds its reference: never from 0.
            atomic_fetch_add (&found->refs, 1);
            slots [way].used = atomic_fetch_add (&self->tick, 1);
            break;
        }
    pthread_mutex_unlock (lock);
    return found;
}

gateway_document_t *
gateway_documents_put (gateway_documents_t *self, char **source_p, gql_document_t **document_p)
{
    gateway_document_t *entry = (gateway_document_t *) r5_calloc (1, sizeof *entry);
    entry->source = *source_p;
    entry->length = (*document_p)->source_len;
    entry->document = *document_p;
    *source_p = NULL;
    *document_p = NULL;
    atomic_init (&entry->refs, 1);              //  the caller's
    if (entry->length + gql_document_bytes (entry->document) > self->max_entry_bytes)
        return entry;
    uint8_t hash [S_HASH_SIZE];
    size_t set = s_hash (self, entry->source, entry->length, hash);
    s_slot_t *slots = self->slots + set * S_WAYS;
    pthread_mutex_t *lock = &self->locks [set % S_LOCKS];
    gateway_document_t *evicted = NULL;
    pthread_mutex_lock (lock);
    int victim = 0;
    for (int way = 0; way < S_WAYS; way++) {
        if (s_matches (&slots [way], hash, entry->source, entry->length)) {
            victim = -1;            //  another thread kept the same text first
            break;
        }
        if (!slots [way].entry || (slots [victim].entry && slots [way].used < slots [victim].used))
            victim = way;
    }
    if (victim >= 0) {
        evicted = slots [victim].entry;
        memcpy (slots [victim].hash, hash, S_HASH_SIZE);
        atomic_fetch_add (&entry->refs, 1);     //  the slot's
        slots [victim].entry = entry;
        slots [victim].used = atomic_fetch_add (&self->tick, 1);
    }
    pthread_mutex_unlock (lock);
    gateway_document_release (&evicted);
    return entry;
}
