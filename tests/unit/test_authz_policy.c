/*  test_authz_policy: the scope gate — a token needs the exact scope; write
    does not grant read; sessions are not limited by scopes. */
#include "authz_policy.h"
#include "r5_test.h"

static R5__Decision
s_decide (R5__CredentialKind kind, R5__Scope *scopes, size_t n, R5__ResourceType resource, R5__Action action)
{
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = "u1";
    principal.account_id = "a1";
    principal.role = R5__ROLE__ROLE_OWNER;
    principal.kind = kind;
    principal.scopes = scopes;
    principal.n_scopes = n;
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = resource;
    operation.action = action;
    R5__Decision decision;
    authz_decide (&principal, &operation, &decision);
    return decision;
}

int
main (void)
{
    R5__Scope incidents_read [] = { R5__SCOPE__SCOPE_INCIDENTS_READ };
    R5__Scope teams_write [] = { R5__SCOPE__SCOPE_TEAMS_WRITE };
    const R5__CredentialKind pat = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;

    CHECK (s_decide (pat, incidents_read, 1, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__ACTION__ACTION_READ).status
           == R5__STATUS__STATUS_OK);
    R5__Decision denied = s_decide (pat, incidents_read, 1, R5__RESOURCE_TYPE__RESOURCE_INCIDENTS, R5__ACTION__ACTION_WRITE);
    CHECK (denied.status == R5__STATUS__STATUS_SCOPE_MISSING);
    CHECK (denied.required_scope == R5__SCOPE__SCOPE_INCIDENTS_WRITE);
    CHECK (s_decide (pat, incidents_read, 1, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__ACTION__ACTION_READ).status
           == R5__STATUS__STATUS_SCOPE_MISSING);
    //  Write does not grant read.
    denied = s_decide (pat, teams_write, 1, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__ACTION__ACTION_READ);
    CHECK (denied.status == R5__STATUS__STATUS_SCOPE_MISSING && denied.required_scope == R5__SCOPE__SCOPE_TEAMS_READ);
    CHECK (s_decide (pat, teams_write, 1, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__ACTION__ACTION_WRITE).status
           == R5__STATUS__STATUS_OK);
    CHECK (s_decide (pat, NULL, 0, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__ACTION__ACTION_READ).status
           == R5__STATUS__STATUS_SCOPE_MISSING);
    //  Sessions carry no scopes and are limited by the user's permissions alone.
    CHECK (s_decide (R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, NULL, 0, R5__RESOURCE_TYPE__RESOURCE_USERS,
                     R5__ACTION__ACTION_READ).status == R5__STATUS__STATUS_OK);
    //  Every resource maps to its own pair of scopes.
    for (int r = R5__RESOURCE_TYPE__RESOURCE_INCIDENTS; r <= R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES; r++) {
        CHECK (authz_required_scope ((R5__ResourceType) r, R5__ACTION__ACTION_READ) == (R5__Scope) (2 * r - 1));
        CHECK (authz_required_scope ((R5__ResourceType) r, R5__ACTION__ACTION_WRITE) == (R5__Scope) (2 * r));
    }
    CHECK (s_decide (pat, incidents_read, 1, (R5__ResourceType) 99, R5__ACTION__ACTION_READ).status
           == R5__STATUS__STATUS_BAD_INPUT);
    CHECK (s_decide ((R5__CredentialKind) 7, NULL, 0, R5__RESOURCE_TYPE__RESOURCE_USERS, R5__ACTION__ACTION_READ).status
           == R5__STATUS__STATUS_UNAUTHENTICATED);
    TEST_DONE ();
}
