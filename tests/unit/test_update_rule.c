/*  test_update_rule: r5_update_is_empty, the one rule for partial updates,
    on every update body of the resource and token envelopes.  */
#include "r5_update.h"
#include "r5_test.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"

#include <string.h>

static void
test_resource_updates (void)
{
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    CHECK (!r5_update_is_empty (&request.base));        //  no body at all: not an update

    R5__UpdateTeamRequest team = R5__UPDATE_TEAM_REQUEST__INIT;
    team.id = "0123456789abcdef01234567";
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_TEAM;
    request.update_team = &team;
    CHECK (r5_update_is_empty (&request.base));
    team.description_present_case = R5__UPDATE_TEAM_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    team.description = "";                              //  naming a field with an empty value still names it
    CHECK (!r5_update_is_empty (&request.base));

    R5__UpdateEscalationPolicyRequest policy = R5__UPDATE_ESCALATION_POLICY_REQUEST__INIT;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_ESCALATION_POLICY;
    request.update_escalation_policy = &policy;
    CHECK (r5_update_is_empty (&request.base));
    policy.set_steps = true;                            //  steps: [] replaces every step
    CHECK (!r5_update_is_empty (&request.base));

    R5__UpdateScheduleRequest schedule = R5__UPDATE_SCHEDULE_REQUEST__INIT;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_SCHEDULE;
    request.update_schedule = &schedule;
    CHECK (r5_update_is_empty (&request.base));
    schedule.time_zone_present_case = R5__UPDATE_SCHEDULE_REQUEST__TIME_ZONE_PRESENT_TIME_ZONE;
    schedule.time_zone = "UTC";
    CHECK (!r5_update_is_empty (&request.base));

    R5__UpdateIntegrationRequest integration = R5__UPDATE_INTEGRATION_REQUEST__INIT;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_INTEGRATION;
    request.update_integration = &integration;
    CHECK (r5_update_is_empty (&request.base));
    integration.name_present_case = R5__UPDATE_INTEGRATION_REQUEST__NAME_PRESENT_NAME;
    integration.name = "x";
    CHECK (!r5_update_is_empty (&request.base));

    //  Bodies without presence fields are not partial updates.
    R5__UpdateUserRoleRequest role = R5__UPDATE_USER_ROLE_REQUEST__INIT;
    request.body_case = R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE;
    request.update_user_role = &role;
    CHECK (!r5_update_is_empty (&request.base));
    R5__CreateTeamRequest create = R5__CREATE_TEAM_REQUEST__INIT;
    request.body_case = R5__RESOURCE_REQUEST__BODY_CREATE_TEAM;
    request.create_team = &create;
    CHECK (!r5_update_is_empty (&request.base));
}

static void
test_token_update (void)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    request.body_case = R5__TOKEN_REQUEST__BODY_UPDATE;
    request.update = &update;
    CHECK (r5_update_is_empty (&request.base));
    update.set_scopes = true;
    CHECK (!r5_update_is_empty (&request.base));
    update.set_scopes = false;
    update.description_present_case = R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    update.description = "ci";
    CHECK (!r5_update_is_empty (&request.base));

    R5__RegenerateTokenRequest regenerate = R5__REGENERATE_TOKEN_REQUEST__INIT;
    request.body_case = R5__TOKEN_REQUEST__BODY_REGENERATE;
    request.regenerate = &regenerate;
    CHECK (!r5_update_is_empty (&request.base));
    CHECK (!r5_update_is_empty (NULL));
}

int
main (void)
{
    R5_TEST_RUN (test_resource_updates);
    R5_TEST_RUN (test_token_update);
    return r5_test_report ("test_update_rule");
}
