/*  authz_server: r5.authz dispatch.  */
#include "authz_server.h"
#include "authz_policy.h"
#include "r5_log.h"
#include "r5_rpc.h"

#define S_MAX_OPERATIONS 256

//  authz keeps no data of its own: its state is only a marker.
static void *
s_state_new (void *config, char *error, size_t error_size)
{
    return calloc (1, 1);
}

static void
s_state_destroy (void **state_p)
{
    free (*state_p);
    *state_p = NULL;
}

//  Decide every operation of one request with the facts it carries. Each
//  decision and its visibility share one allocation (freed by s_handle).
typedef struct {
    R5__Decision decision;
    R5__Visibility visibility;
} s_slot_t;

static void
s_on_check (R5__Principal *principal, R5__CheckRequest *request, R5__AuthzReply *reply,
            R5__CheckReply *check)
{
    if (request->n_operations > S_MAX_OPERATIONS) {
        reply->status = R5__STATUS__STATUS_BAD_INPUT;
        reply->message = "too many operations in one check";
        return;
    }
    check->n_decisions = request->n_operations;
    check->decisions = calloc (request->n_operations + 1, sizeof (R5__Decision *));
    for (size_t i = 0; i < request->n_operations; i++) {
        s_slot_t *slot = malloc (sizeof *slot);
        check->decisions [i] = &slot->decision;
        authz_decide (principal, request->facts, request->operations [i], &slot->decision, &slot->visibility);
    }
    reply->body_case = R5__AUTHZ_REPLY__BODY_CHECK;
    reply->check = check;
}

static uint8_t *
s_handle (void *state, const uint8_t *body, size_t size, int64_t deadline, size_t *reply_size)
{
    R5__AuthzReply reply = R5__AUTHZ_REPLY__INIT;
    R5__CheckReply check = R5__CHECK_REPLY__INIT;
    R5__AuthzRequest *request = NULL;
    if (size > R5_RPC_MAX_MESSAGE || !(request = r5__authz_request__unpack (NULL, size, body))) {
        reply.status = R5__STATUS__STATUS_MALFORMED;
        reply.message = "cannot decode authz request";
    }
    else
    switch (request->body_case) {
        case R5__AUTHZ_REQUEST__BODY_CHECK:
            s_on_check (request->meta ? request->meta->principal : NULL, request->check, &reply, &check);
            break;
        default:
            reply.status = R5__STATUS__STATUS_MALFORMED;
            reply.message = "unknown authz request";
            break;
    }
    uint8_t *packed = r5_rpc_pack (&reply.base, reply_size);
    //  The decision is the first member of its slot: freeing it frees the slot.
    for (size_t i = 0; i < check.n_decisions; i++)
        free (check.decisions [i]);
    free (check.decisions);
    if (request)
        r5__authz_request__free_unpacked (request, NULL);
    return packed;
}

r5_service_t
authz_server_service (authz_config_t *config)
{
    r5_service_t service = {
        .service = R5_SERVICE_AUTHZ,
        .brokers = config->brokers,
        .config = config,
        .state_new = s_state_new,
        .state_destroy = s_state_destroy,
        .handler = s_handle,
    };
    return service;
}
