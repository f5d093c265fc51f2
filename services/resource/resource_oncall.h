/*  resource_oncall: the team-owned on-call setup — escalation policies
    (ordered steps notifying users or schedules), schedules (shifts and
    overrides) and integrations (a secret key, shown once, that opens
    incidents for the team).

    Collections escalation_policies {_id, account_id, team_id, name,
    description, steps: [{delay_minutes, targets: [{kind, id}]}], created_at},
    schedules {_id, account_id, team_id, name, description, time_zone, shifts:
    [{user_id, start, end}], overrides: [{id, user_id, start, end, created_by,
    created_at}], created_at}, integrations {_id, account_id, team_id, name,
    key_hash (unique), key_hint, created_at}. */
#ifndef RESOURCE_ONCALL_H
#define RESOURCE_ONCALL_H

#include "resource_owned.h"

extern const resource_owned_t resource_escalation_policies;
extern const resource_owned_t resource_schedules;
extern const resource_owned_t resource_integrations;

int resource_oncall_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

void resource_oncall_on_create_policy (resource_call_t *call, const R5__CreateEscalationPolicyRequest *request);
void resource_oncall_on_update_policy (resource_call_t *call, const R5__UpdateEscalationPolicyRequest *request);
void resource_oncall_on_create_schedule (resource_call_t *call, const R5__CreateScheduleRequest *request);
void resource_oncall_on_update_schedule (resource_call_t *call, const R5__UpdateScheduleRequest *request);
void resource_oncall_on_create_override (resource_call_t *call, const R5__CreateScheduleOverrideRequest *request);
void resource_oncall_on_create_integration (resource_call_t *call, const R5__CreateIntegrationRequest *request);
void resource_oncall_on_update_integration (resource_call_t *call, const R5__UpdateIntegrationRequest *request);

//  POST /integrations/<key> (no principal): open an incident for the team of
//  the integration whose key this is; NOT_FOUND for an unknown key.
void resource_oncall_on_open_incident (resource_call_t *call, const R5__OpenIntegrationIncidentRequest *request);

#endif
