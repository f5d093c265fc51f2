/*  resource_oncall: the team-owned on-call setup — escalation policies
    (ordered steps notifying users or schedules), schedules (shifts and
    overrides) and integrations (a secret key, shown once, that opens
    incidents for the team).

    Collections, each its message by the codec: escalation_policies {_id,
    account_id, team_id, name, description, steps: [{delay_minutes, targets:
    [{kind, id}]}], created_at}, schedules {_id, account_id, team_id, name,
    description, time_zone, shifts: [{user_id, start, end}], overrides: [{id,
    user_id, start, end, created_by, created_at}], created_at}, integrations
    {_id, account_id, team_id, name, key_hint, created_at, and key_hash
    (unique)}. */
#ifndef RESOURCE_ONCALL_H
#define RESOURCE_ONCALL_H

#include "resource_store.h"

//  The type table's entries for the three types.
extern const r5_mongo_index_t resource_oncall_team_indexes [2];
extern const r5_mongo_index_t resource_oncall_integration_indexes [3];

//  Handlers (resource_handler_fn): each fills call->reply with the one object written.
void resource_oncall_on_create_policy (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_update_policy (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_create_schedule (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_update_schedule (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_create_override (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_create_integration (resource_call_t *call, const R5__ResourceRequest *request);
void resource_oncall_on_update_integration (resource_call_t *call, const R5__ResourceRequest *request);

//  POST /integrations/<key> (no principal): open an incident for the team of
//  the integration whose key this is; NOT_FOUND for an unknown key.
void resource_oncall_on_open_incident (resource_call_t *call, const R5__ResourceRequest *request);

#endif
