/*  resource_owners: the rule "an account keeps at least one active owner",
    held by one conditional write on the account's document.

    accounts {_id, name, created_at, owners}: owners counts the account's
    active owners. It is kept at or below the true number at every instant:
    a change that takes an owner away decrements it first, and only while it
    stays at least 1 (the single-document condition); a change that makes
    an owner increments it after the user's write. So whatever fails or
    crashes between the two writes, the count can only be too low, which
    refuses a demotion it could have allowed but never lets the last owner
    go. docs/decisions.md has the reasoning against real MongoDB. */
#ifndef RESOURCE_OWNERS_H
#define RESOURCE_OWNERS_H

#include "resource_call.h"

//  The message of the refusal.
#define RESOURCE_OWNERS_LAST "an account keeps at least one active owner"

//  Make sure the caller's account has its count (an account written before
//  the count existed gets it from the users collection, only while it still
//  has none). Call it before the user's write of any change that gives or
//  takes an owner. 0, or -1 with the reply set.
int resource_owners_ensure (resource_call_t *call);

//  Before a change that takes an active owner away: decrement the count
//  only while it stays at least 1. 0 when taken; -1 with the reply set
//  (BAD_INPUT RESOURCE_OWNERS_LAST when it is the last one).
int resource_owners_take (resource_call_t *call);

//  The change that resource_owners_take was for certainly did not happen
//  (its conditional write matched nothing): give the count back. Only
//  then: after an error the write may have been applied, and the count
//  stays low. A failure is logged.
void resource_owners_give_back (resource_call_t *call);

//  After a change that made an active owner: count it. A failure is logged
//  (the count stays low).
void resource_owners_add (resource_call_t *call);

#endif
