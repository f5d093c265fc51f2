/*  authz_policy: scope gate and role gate.  */
#include "authz_policy.h"
#include "r5_scope.h"

R5__Scope
authz_required_scope (R5__ResourceType resource, R5__Action action)
{
    //  Scopes come in Read/Write pairs in resource order (see common.proto).
    if (resource < R5__RESOURCE_TYPE__RESOURCE_INCIDENTS || resource > R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES
    ||  (action != R5__ACTION__ACTION_READ && action != R5__ACTION__ACTION_WRITE))
        return R5__SCOPE__SCOPE_UNSPECIFIED;
    static const R5__Scope s_read [] = {
        R5__SCOPE__SCOPE_UNSPECIFIED,
        R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_TEAMS_READ,
        R5__SCOPE__SCOPE_ESCALATION_POLICIES_READ, R5__SCOPE__SCOPE_SCHEDULES_READ,
        R5__SCOPE__SCOPE_INTEGRATIONS_READ, R5__SCOPE__SCOPE_USERS_READ,
        R5__SCOPE__SCOPE_CONTACT_METHODS_READ, R5__SCOPE__SCOPE_NOTIFICATION_RULES_READ,
    };
    R5__Scope read = s_read [resource];
    return action == R5__ACTION__ACTION_READ ? read : (R5__Scope) (read + 1);
}

static int
s_has_scope (const R5__Principal *principal, R5__Scope scope)
{
    for (size_t i = 0; i < principal->n_scopes; i++)
        if (principal->scopes [i] == scope)
            return 1;
    return 0;
}

void
authz_decide (const R5__Principal *principal, const R5__Operation *operation, R5__Decision *decision)
{
    r5__decision__init (decision);
    R5__Scope scope = authz_required_scope (operation->resource, operation->action);
    if (!principal || !principal->user_id || !*principal->user_id) {
        decision->status = R5__STATUS__STATUS_UNAUTHENTICATED;
        decision->reason = "no principal";
        return;
    }
    if (scope == R5__SCOPE__SCOPE_UNSPECIFIED) {
        decision->status = R5__STATUS__STATUS_BAD_INPUT;
        decision->reason = "unknown resource or action";
        return;
    }
    //  Gate 1: the token's scope. Sessions are limited by permissions alone.
    if (principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
    &&  !s_has_scope (principal, scope)) {
        decision->status = R5__STATUS__STATUS_SCOPE_MISSING;
        decision->required_scope = scope;
        decision->reason = "token lacks the scope";
        return;
    }
    if (principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
    &&  principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_SESSION) {
        decision->status = R5__STATUS__STATUS_UNAUTHENTICATED;
        decision->reason = "unknown credential kind";
        return;
    }
    //  Gate 2: the user's role. Object-level rules (team admin, participation)
    //  need live facts and are decided with them.
    decision->status = R5__STATUS__STATUS_OK;
    decision->reason = "allowed";
}
