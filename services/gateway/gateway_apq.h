/*  gateway_apq: automatic persisted queries (Apollo's APQ). A bounded cache
    of query texts by their SHA-256, one per gateway process, shared by every
    worker thread: a client sends a query's hash alone, and its text once when
    the hash is not known yet. Only texts whose hash was checked are stored, so
    a hash names one text whoever stored it. */
#ifndef GATEWAY_APQ_H
#define GATEWAY_APQ_H

#include <stddef.h>
#include <stdint.h>

#define GATEWAY_APQ_HASH_SIZE 32

typedef struct _gateway_apq_t gateway_apq_t;

//  A cache of at most max_entries texts of at most max_text_bytes each
//  (longer texts are not stored). NULL when max_entries is 0: APQ is off.
gateway_apq_t *gateway_apq_new (size_t max_entries, size_t max_text_bytes);
void gateway_apq_destroy (gateway_apq_t **self_p);

//  A copy of the text stored under hash (the caller's to free; *length set,
//  NUL-terminated), or NULL when it is not there.
char *gateway_apq_get (gateway_apq_t *self, const uint8_t hash [GATEWAY_APQ_HASH_SIZE], size_t *length);

//  Store text under hash (its SHA-256, checked by the caller), evicting the
//  least recently used text of its set when the set is full.
void gateway_apq_put (gateway_apq_t *self, const uint8_t hash [GATEWAY_APQ_HASH_SIZE], const char *text,
                      size_t length);

#endif
