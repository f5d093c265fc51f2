/*  authz_policy: the decision for one operation. A credential may do something
    only if BOTH gates open: the token's scope (personal access tokens only;
    sessions have no scopes) AND the user's own permission. The scope gate is
    checked first so a client learns which scope it lacks. */
#ifndef AUTHZ_POLICY_H
#define AUTHZ_POLICY_H

#include "r5/authz.pb-c.h"

//  The scope an operation needs ("incidentsRead" for READ of INCIDENTS).
R5__Scope authz_required_scope (R5__ResourceType resource, R5__Action action);

//  Decide one operation for principal; fills decision (reason is a constant).
void authz_decide (const R5__Principal *principal, const R5__Operation *operation, R5__Decision *decision);

#endif
