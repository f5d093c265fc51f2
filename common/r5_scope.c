#include "r5_scope.h"
#include <string.h>

//  Indexed by R5__Scope; names are the GraphQL enum TokenScope's.
static const char *s_names [R5_SCOPE_COUNT + 1] = {
    NULL,
    "incidentsRead", "incidentsWrite",
    "teamsRead", "teamsWrite",
    "escalationPoliciesRead", "escalationPoliciesWrite",
    "schedulesRead", "schedulesWrite",
    "integrationsRead", "integrationsWrite",
    "usersRead", "usersWrite",
    "contactMethodsRead", "contactMethodsWrite",
    "notificationRulesRead", "notificationRulesWrite",
};

const char *
r5_scope_name (R5__Scope scope)
{
    return scope >= 1 && scope <= R5_SCOPE_COUNT ? s_names [scope] : NULL;
}

R5__Scope
r5_scope_from_name (const char *name, size_t len)
{
    for (int i = 1; i <= R5_SCOPE_COUNT; i++)
        if (strlen (s_names [i]) == len && memcmp (s_names [i], name, len) == 0)
            return (R5__Scope) i;
    return R5__SCOPE__SCOPE_UNSPECIFIED;
}

r5_scope_set_t
r5_scope_set_of (const R5__Scope *scopes, size_t count)
{
    r5_scope_set_t set = 0;
    for (size_t i = 0; i < count; i++)
        set |= r5_scope_bit (scopes [i]);
    return set;
}
