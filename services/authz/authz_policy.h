/*  authz_policy: the decision for one operation. A credential may do something
    only if BOTH gates open: the token's scope (personal access tokens only;
    sessions have no scopes) AND the user's own permission, decided from the
    live facts r5-resource sends (the caller's current role, active flag and
    team memberships; the object's account, teams, participants, owner).

    Order: unauthenticated principal, then the scope gate (so a client learns
    which scope it lacks, and a token without the scope learns nothing about
    the object), then the caller's facts, then the object's existence and
    account (NOT_FOUND, exactly as missing), then the permission table of
    DESIGN section 4 (docs/authorization.md), together with a personal access
    token's team restriction (Principal.restricted_team_ids: both must allow;
    an object outside the teams answers NOT_FOUND, a list is narrowed by its
    visibility). Pure: no I/O, no state. */
#ifndef AUTHZ_POLICY_H
#define AUTHZ_POLICY_H

#include "r5/authz.pb-c.h"

//  The scope an operation needs ("incidentsRead" for READ of INCIDENTS);
//  UNSPECIFIED when resource or action is out of range.
R5__Scope authz_required_scope (R5__ResourceType resource, R5__Action action);

//  READ for LIST and GET, WRITE for every other verb; UNSPECIFIED when out of range.
R5__Action authz_verb_action (R5__Verb verb);

//  Decide one operation for principal with the caller's facts (NULL: none
//  loaded). Fills decision (reason is a constant). For an allowed LIST it
//  points decision->visibility at *visibility, whose team ids are borrowed
//  from facts and whose restricted team ids from principal.
void authz_decide (const R5__Principal *principal, const R5__Facts *facts,
                   const R5__Operation *operation, R5__Decision *decision,
                   R5__Visibility *visibility);

#endif
