/*  resource_pending: creates that check their parent after the insert.

    A dependent is inserted with the intent RESOURCE_PENDING_KEY: <date of
    the insert>, and no read finds it (resource_pending_append_confirmed) until
    its parent's check has passed and one conditional update has unset the
    key; a failed check deletes it. A create that dies between its insert
    and that update leaves a pending document nobody sees, which any
    instance's sweeper (resource_sweeper.h) deletes once it is older than
    RESOURCE_PENDING_MS. A parent's delete counts pending dependents as its
    own (one may yet be confirmed), after deleting those that are stale. */
#ifndef RESOURCE_PENDING_H
#define RESOURCE_PENDING_H

#include "resource_store.h"

#include <bson/bson.h>
#include <stdint.h>

#define RESOURCE_PENDING_KEY "pending_check"
#define RESOURCE_PENDING_MS 60000

//  Append to a read's filter of type the condition "not pending": nothing
//  when type has no parent check.
void resource_pending_append_confirmed (const resource_type_t *type, bson_t *filter);

//  Append to filter the condition "pending since before now - RESOURCE_PENDING_MS"
//  (a create that died before its check).
void resource_pending_append_stale (bson_t *filter, int64_t now);

//  Check the parent of doc, a pending document of type just stored (or
//  found stored by a create with the same idempotency key), and confirm it
//  with one update, or take it back. 0 when it is confirmed, else -1 with
//  the reply set.
int resource_pending_complete (resource_call_t *call, const resource_type_t *type, const bson_t *doc);

#endif
