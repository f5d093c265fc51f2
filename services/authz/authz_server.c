/*  authz_server: r5.authz dispatch (logsrvd style) and its actor.  */
#include "authz_server.h"
#include "authz_policy.h"
#include "r5_alloc.h"
#include "r5_assertion.h"
#include "r5_log.h"
#include "r5_time.h"
#include "r5_reply.h"
#include "r5_scope.h"
#include "r5_rpc.h"
#include "r5_service.h"

#define S_MAX_OPERATIONS 256
#define S_MAX_RESTRICT_TEAMS 50

//  One decision on the heap, owning all it holds (r5_reply.h): authz_decide
//  answers with a static reason and borrows the caller's team ids and
//  the token's restricted teams.
static R5__Decision *
s_decision (const R5__Principal *principal, const R5__Facts *facts, const R5__Operation *operation)
{
    R5__Decision *decision = (R5__Decision *) r5_malloc (sizeof *decision);
    R5__Visibility *visibility = (R5__Visibility *) r5_malloc (sizeof *visibility);
    authz_decide (principal, facts, operation, decision, visibility);
    decision->reason = r5_strdup (decision->reason ? decision->reason : "");
    if (decision->visibility == visibility) {
        char **team_ids = (char **) r5_calloc (visibility->n_team_ids, sizeof (char *));
        for (size_t i = 0; i < visibility->n_team_ids; i++)
            team_ids [i] = r5_strdup (visibility->team_ids [i]);
        visibility->team_ids = team_ids;
        //  A restricted token's teams are borrowed from its claims, freed before the reply is packed.
        char **restricted = (char **) r5_calloc (visibility->n_restricted_team_ids, sizeof (char *));
        for (size_t i = 0; i < visibility->n_restricted_team_ids; i++)
            restricted [i] = r5_strdup (visibility->restricted_team_ids [i]);
        visibility->restricted_team_ids = restricted;
    }
    else
        free (visibility);
    return decision;
}

//  A principal narrowed to request's restrict_team_ids (the preview of a
//  restricted token) into *narrowed, which borrows from principal and
//  request; principal itself when the request names no teams. A token that
//  is restricted already keeps its own teams: the request never widens.
static const R5__Principal *
s_narrowed (const R5__Principal *principal, const R5__CheckRequest *request, R5__Principal *narrowed,
            R5__Scope all [R5_SCOPE_COUNT])
{
    if (!principal || request->n_restrict_team_ids == 0)
        return principal;
    *narrowed = *principal;
    if (principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_SESSION) {
        //  A session has no scope gate: a token with every scope is the same.
        for (int i = 0; i < R5_SCOPE_COUNT; i++)
            all [i] = (R5__Scope) (i + 1);
        narrowed->kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
        narrowed->scopes = all;
        narrowed->n_scopes = R5_SCOPE_COUNT;
    }
    if (narrowed->n_restricted_team_ids == 0) {
        narrowed->restricted_team_ids = request->restrict_team_ids;
        narrowed->n_restricted_team_ids = request->n_restrict_team_ids;
    }
    return narrowed;
}

static void
s_on_check (const R5__Principal *principal, const R5__CheckRequest *request, R5__AuthzReply *reply)
{
    if (request->n_operations > S_MAX_OPERATIONS) {
        reply->status = R5__STATUS__STATUS_BAD_INPUT;
        reply->message = r5_strdup ("too many operations in one check");
        return;
    }
    if (request->n_restrict_team_ids > S_MAX_RESTRICT_TEAMS) {
        reply->status = R5__STATUS__STATUS_BAD_INPUT;
        reply->message = r5_strdup ("too many teams in one check");
        return;
    }
    R5__Principal narrowed;
    R5__Scope all [R5_SCOPE_COUNT];
    principal = s_narrowed (principal, request, &narrowed, all);
    R5__CheckReply *check = (R5__CheckReply *) r5_malloc (sizeof *check);
    r5__check_reply__init (check);
    check->decisions = (R5__Decision **) r5_calloc (request->n_operations, sizeof (R5__Decision *));
    for (size_t i = 0; i < request->n_operations; i++)
        check->decisions [check->n_decisions++] = s_decision (principal, request->facts, request->operations [i]);
    reply->body_case = R5__AUTHZ_REPLY__BODY_CHECK;
    reply->check = check;
}

//  Decide for the principal of the request's assertion, and only when it
//  checks out: the principal is never taken on the caller's word.
static void
s_on_check_asserted (const r5_sign_public_t *key, const R5__AuthzRequest *request, R5__AuthzReply *reply)
{
    const char *why = "";
    const R5__RequestMeta *meta = request->meta;
    R5__PrincipalClaims *claims = r5_assertion_verify (key, meta ? meta->assertion : NULL, r5_now_ms (), &why);
    if (!claims) {
        r5_info (meta ? meta->request_id : NULL, "check refused: %s", why);
        reply->status = R5__STATUS__STATUS_UNAUTHENTICATED;
        reply->message = r5_strdup ("a verified principal is required");
        return;
    }
    s_on_check (claims->principal, request->check, reply);
    r5__principal_claims__free_unpacked (claims, NULL);
}

uint8_t *
authz_server_handle (const r5_sign_public_t *key, const char *caller, const uint8_t *body, size_t size,
                     size_t *reply_size)
{
    assert (key);
    R5__AuthzReply *reply = (R5__AuthzReply *) r5_malloc (sizeof *reply);
    r5__authz_reply__init (reply);
    R5__AuthzRequest *request = size > R5_RPC_MAX_MESSAGE ? NULL : r5__authz_request__unpack (NULL, size, body);
    if (request)
        r5_rpc_meta_enter (request->meta);
    if (!request) {
        reply->status = R5__STATUS__STATUS_MALFORMED;
        reply->message = r5_strdup ("cannot decode authz request");
    }
    else
    //  Decisions are r5-resource's to ask for, as it acts on them.
    if (!r5_mdp_roles_have (caller, R5_ROLE_RESOURCE)) {
        reply->status = R5__STATUS__STATUS_FORBIDDEN;
        reply->message = r5_strdup ("not allowed for this caller");
    }
    else
    switch (request->body_case) {
        case R5__AUTHZ_REQUEST__BODY_CHECK:
            s_on_check_asserted (key, request, reply);
            break;
        default:
            reply->status = R5__STATUS__STATUS_MALFORMED;
            reply->message = r5_strdup ("unknown authz request");
            break;
    }
    //  Packed before the request is freed: nothing in the reply borrows from it.
    uint8_t *packed = r5_reply_pack (&reply->base, reply_size);
    if (request)
        r5__authz_request__free_unpacked (request, NULL);
    return packed;
}

void
authz_server_actor (zsock_t *pipe, void *args)
{
    const authz_config_t *config = args;
    r5_service_t *service = r5_service_new (pipe, config->brokers, R5_SERVICE_AUTHZ);
    r5_request_t *request;
    while ((request = r5_service_next (service))) {
        size_t size = 0;
        uint8_t *reply = authz_server_handle (&config->assertion_verify_key, r5_request_caller (request),
                                              r5_request_body (request),
                                              r5_request_size (request), &size);
        r5_service_reply (service, &request, &reply, size);
    }
    r5_service_destroy (&service);
}
