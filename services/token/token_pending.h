/*  token_pending: a change of a personal access token, its audit entry and
    its event cannot come apart.

    The change is written together with what it owes (token_store.h:
    audit_pending, audit_event, and deleted_at for a delete), in one
    single-document write. Then the event is published, the entry written
    to token_audit under the _id it was given, and the token settled (the
    keys removed, or the deleted token removed). Each step may be done
    again: the entry's _id makes a second insert a no-op, a second event is
    one more invalidation, and settling is conditional on the entry's _id.
    So whoever finds a token that still owes something completes it: the
    request itself, the next change of that token, this instance on its
    next request after a failure, and every instance at start-up and once
    a minute (a crashed instance's debts). */
#ifndef TOKEN_PENDING_H
#define TOKEN_PENDING_H

#include "token_call.h"

//  How often an instance looks for debts left by others (ms).
#define TOKEN_PENDING_SWEEP_MS 60000

//  Complete what the change just written owes: the event, the audit entry,
//  the settling. A failure is logged and leaves the debt for a sweep.
void token_pending_finish (token_call_t *call, const token_record_t *token, const token_change_t *change,
                           bool deleted);

//  Complete what token id (any token when id is NULL) still owes. Returns
//  the number of debts completed, or -1 when one could not be (logged).
int token_pending_complete (token_server_t *self, const char *rid, const char *id);

//  Before handling a request: sweep when a debt is known to be left (an
//  earlier failure) or the last sweep is older than TOKEN_PENDING_SWEEP_MS.
void token_pending_sweep_due (token_server_t *self, const char *rid, int64_t now);

#endif
