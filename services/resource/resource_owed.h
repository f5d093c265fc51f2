/*  resource_owed: a fact's change and its user.changed event cannot come
    apart (docs/decisions.md, "Principal facts travel with the principal").

    Every write that changes a fact the signed principal carries (a user's
    role or active flag, a membership or its admin flag, a team's delete)
    records the event it owes in the same single-document write: an entry
    {at: <date of the write>, nonce} pushed onto RESOURCE_OWED_KEY of the
    user's document, or {user_id, at, nonce} onto the team's. (A team's delete removes the
    document that could hold it, so it pushes {at} onto its members' user
    documents, and those of the users the team's own entries name, first, in
    one updateMany before the delete: an event owed for a delete that then
    did not happen is one invalidation too many.) The
    request publishes as before; once the gateways confirmed, the entries
    are pulled (resource_owed_settle). A request that dies between the
    write and the publish leaves its entry, which every instance's sweeper
    (one worker per process, resource_owed_sweep every RESOURCE_OWED_SWEEP_MS)
    publishes and pulls once it is older than RESOURCE_OWED_GRACE_MS. Publishing twice is one
    more invalidation; pulling twice pulls nothing. */
#ifndef RESOURCE_OWED_H
#define RESOURCE_OWED_H

#include "resource_call.h"
#include "r5_events.h"
#include "r5_mongo.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define RESOURCE_OWED_KEY "facts_owed"
//  An entry younger than this belongs to a request that may still publish it (ms).
#define RESOURCE_OWED_GRACE_MS 5000
//  How often an instance looks for entries a dead request left (ms).
#define RESOURCE_OWED_SWEEP_MS 1000
//  Most entries one sweep publishes (the rest wait for the next): the
//  oldest first by document, the same for every instance, so a dead delete
//  of a team of 1,000 members takes 10 sweeps (about 10 s) to publish.
#define RESOURCE_OWED_SWEEP_BATCH 100
//  A sweep's deadline (ms): its finds' maxTimeMS and its pulls' write
//  concern wait, the confirmation wait (at most 1 s) included. It runs in
//  a request worker, between requests.
#define RESOURCE_OWED_SWEEP_DEADLINE_MS 3000
//  The appName of the owed-events sweeper's connections (one worker per
//  process sweeps, on a pool of its own): fail points armed for r5's
//  requests (appName "r5") are not its to take.
#define RESOURCE_OWED_APP_NAME "r5-sweeper"

//  The partial index the sweeper reads, on users and on teams.
#define RESOURCE_OWED_INDEX \
    { "facts_owed", "{\"" RESOURCE_OWED_KEY ".at\": 1}", false, \
      "{\"" RESOURCE_OWED_KEY ".at\": {\"$exists\": true}}" }

//  Most entries a document holds: a $push keeps the newest. A user's
//  entries all owe the same event; a team's past this many mean publishing
//  has failed for a long time.
#define RESOURCE_OWED_MAX 1000

//  Append to update a $push of the entry {user_id (omitted when NULL: the
//  document's own user), at, nonce}, nonce a new ObjectId's hex (written
//  to nonce): the entry's identity, which its pull names.
void resource_owed_append (bson_t *update, const char *user_id, int64_t at, char nonce [25]);

//  The event of the entry nonce is published: pull it from the documents of
//  collection that filter (taken) matches, once the gateways confirmed
//  (resource_owed_settle).
void resource_owed_published (resource_call_t *call, const char *collection, bson_t *filter, const char *nonce);

//  After r5_events_confirm: when every live gateway confirmed, pull every
//  entry the call published; forget them either way. An entry not confirmed
//  or not pulled (a failure, logged) is left to the sweeper.
void resource_owed_settle (resource_call_t *call, bool confirmed);

//  Publish the events of the entries older than now - RESOURCE_OWED_GRACE_MS,
//  wait for the gateways, pull them once every live gateway confirmed. The
//  number published and pulled, or -1 on a failure or when a gateway did not
//  confirm (logged; the next sweep tries again).
int64_t resource_owed_sweep (r5_mongo_t *mongo, r5_events_t *events, int64_t now);

#endif
