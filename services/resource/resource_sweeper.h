/*  resource_sweeper: deletes the dependents whose create died between its
    insert and its parent's check (resource_pending.h, RESOURCE_PENDING_KEY).

    Each r5-resource instance runs a pass at start-up and then every
    sweep_interval_ms: per type with a parent check, one deleteMany of the
    documents pending for longer than RESOURCE_PENDING_MS. Any number of
    instances may sweep at once: each document's delete is conditional on
    its still being pending and stale, so a confirmation that lands first
    keeps its object, and deleting twice deletes nothing more. */
#ifndef RESOURCE_SWEEPER_H
#define RESOURCE_SWEEPER_H

#include "r5_mongo.h"

#include <stdint.h>

//  How often an instance sweeps when the configuration does not say (ms).
#define RESOURCE_SWEEP_INTERVAL_DEFAULT_MS 60000

//  One pass over every type, at now (ms since the epoch). The number of
//  documents deleted, or -1 when a delete failed (logged; the next pass
//  tries again).
int64_t resource_sweeper_pass (r5_mongo_t *mongo, int64_t now);

#endif
