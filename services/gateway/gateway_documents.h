/*  gateway_documents: parsed and validated GraphQL documents by their text,
    one cache per gateway process, shared by every worker thread. A request
    whose query text was seen before skips the parse and the validation (both
    depend only on the text, the schema and the gateway's settings, which do
    not change while it runs); its cost is still computed per request, as it
    depends on the variables. Only documents that validated are kept, so a
    hit is a document the gateway would have accepted anyway.

    A set-associative cache with LRU per set (as gateway_apq): the text's
    BLAKE2b picks the set, the full text is compared, and an entry is shared
    by reference count, so a document evicted while a request executes it
    lives until that request lets it go. */
#ifndef GATEWAY_DOCUMENTS_H
#define GATEWAY_DOCUMENTS_H

#include "gql.h"

#include <stddef.h>

typedef struct _gateway_documents_t gateway_documents_t;
typedef struct _gateway_document_t gateway_document_t;

//  A cache of at most max_entries documents, each at most max_entry_bytes
//  (its text and its parsed nodes; larger ones are not kept). NULL when
//  max_entries is 0: every request parses and validates its own.
gateway_documents_t *gateway_documents_new (size_t max_entries, size_t max_entry_bytes);
void gateway_documents_destroy (gateway_documents_t **self_p);

//  The cached document of text, held for the caller until
//  gateway_document_release; NULL when it is not cached.
gateway_document_t *gateway_documents_get (gateway_documents_t *self, const char *text, size_t length);

//  Keep *document_p, parsed from source (which it now owns; both were
//  malloc'ed, and the document was validated), and answer it held for the
//  caller. *document_p and *source_p are taken (set to NULL) either way.
gateway_document_t *gateway_documents_put (gateway_documents_t *self, char **source_p, gql_document_t **document_p);

//  The parsed document of a held entry.
const gql_document_t *gateway_document_ast (const gateway_document_t *self);

//  Let go of a held entry (freed when the cache let go of it too).
void gateway_document_release (gateway_document_t **self_p);

#endif
