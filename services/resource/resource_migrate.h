/*  resource_migrate: moves the notes and history that incidents stored by
    older r5 versions hold in embedded arrays (`notes`: {id, body,
    author_id, created_at}; `history`: {team_ids, user_ids, by, at}) into
    incident_notes and incident_history, where current code reads them.

    Each r5-resource instance runs a pass beside the sweeper's (at start-up
    and every sweep_interval_ms): a bounded batch of incidents that still
    hold an array, and for each one 1 the elements inserted under
    deterministic _ids (a duplicate key is the element already moved), 2 the
    arrays unset only while each still has the size that was read. A crash
    after 1 leaves the elements moved and the arrays in place: the next pass
    inserts nothing twice and unsets them. An element an older instance
    pushes meanwhile makes 2 match nothing (the next pass moves it). Any
    number of instances may run at once. */
#ifndef RESOURCE_MIGRATE_H
#define RESOURCE_MIGRATE_H

#include "r5_mongo.h"

#include <stdint.h>

//  At most this many incidents per pass, and no new one started after
//  RESOURCE_MIGRATE_PASS_MS: the pass runs between requests.
#define RESOURCE_MIGRATE_BATCH 100
#define RESOURCE_MIGRATE_PASS_MS 500

//  The _id of an old element at position of array ("notes", "history") of
//  incident_id, whose date is at_ms, raw its BSON document: an ObjectId
//  string of at's seconds, then the position (24 bits), then 5 bytes of a
//  hash of all of them, so a page by _id shows an incident's old entries in
//  time order, ties in array order, before anything made later.
void resource_migrate_derived_id (const char *incident_id, const char *array, uint32_t position, int64_t at_ms,
                                  const uint8_t *raw, uint32_t raw_size, char out [25]);

//  One pass. The number of incidents whose arrays were moved, or -1 when
//  something failed (logged; the next pass tries again).
int64_t resource_migrate_pass (r5_mongo_t *mongo);

#endif
