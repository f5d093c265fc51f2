/*  token_server: r5-token's state, its logsrvd-style dispatch and its actor.

    Each request: size check, unpack, NULL check, one token_on_<message> per
    oneof case (token_verify.c, token_manage.c, token_sessions.c), an error
    reply in default, free_unpacked. The reply is built on the heap and
    packed, zeroed and freed by r5_reply_pack (common/r5_reply.h). */
#include "token_server.h"

#include <sodium.h>

#include "r5_alloc.h"
#include "r5_assertion.h"
#include "r5_log.h"
#include "r5_reply.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "r5_time.h"
#include "r5_update.h"
#include "token_call.h"
#include "token_input.h"
#include "token_pending.h"
#include "token_rate_usage.h"

//  ---------------------------------------------------------------------------
//  State

token_server_t *
token_server_new (const token_config_t *config, char *error, size_t error_size)
{
    token_server_t *self = (token_server_t *) r5_calloc (1, sizeof *self);
    if (sodium_init () < 0) {
        snprintf (error, error_size, "cannot initialise libsodium");
        goto fail;
    }
    memcpy (self->pepper, config->pepper, R5_PEPPER_SIZE);
    self->assertion_key = config->assertion_key;
    r5_sign_public_of (&self->assertion_key, &self->assertion_public);
    self->assertion_ttl_ms = config->assertion_ttl_ms > 0 ? config->assertion_ttl_ms
                                                          : R5_ASSERTION_TTL_DEFAULT_S * 1000;
    self->proof_public = config->password_proof_verify_key;
    self->session_idle_ms = config->session_idle_ms;
    self->session_absolute_ms = config->session_absolute_ms;
    self->mongo = r5_mongo_new (config->mongodb_uri, config->mongodb_write_concern, error, error_size);
    if (!self->mongo)
        goto fail;
    self->store = token_store_new (self->mongo);
    self->audit = token_audit_new (self->mongo);
    self->usage = token_usage_new (config->last_used_interval_ms);
    self->proofs = token_proofs_new (self->mongo);
    self->notices = token_notices_new (self->mongo);
    //  Creating the indexes is also the start-up check that MongoDB answers.
    if (!config->skip_indexes
    &&  (token_store_ensure_indexes (self->store, error, error_size)
    ||   token_audit_ensure_indexes (self->audit, error, error_size)
    ||   token_proofs_ensure_indexes (self->proofs, error, error_size)
    ||   token_notices_ensure_indexes (self->notices, error, error_size)
    ||   token_rate_usage_ensure_indexes (self->mongo, error, error_size)))
        goto fail;
    //  What a crashed instance left owing is completed by the first request
    //  (not here: a start-up must not wait on it); a state without a
    //  database (fuzzing) never looks.
    self->pending_due = !config->skip_indexes;
    self->pending_swept_at = config->skip_indexes ? INT64_MAX : 0;
    self->events = r5_events_new (config->events, config->events_subscribe);
    if (!self->events) {
        snprintf (error, error_size, "cannot connect event publisher to '%s'", config->events);
        goto fail;
    }
    //  Without brokers (a fuzzing harness) user lookups answer UNAVAILABLE.
    if (config->brokers && *config->brokers) {
        self->client = r5_client_new (config->brokers);
        if (!self->client) {
            snprintf (error, error_size, "cannot connect to brokers '%s'", config->brokers);
            goto fail;
        }
    }
    return self;

fail:
    token_server_destroy (&self);
    return NULL;
}

void
token_server_set_clock (token_server_t *self, const r5_clock_t *clock)
{
    assert (self);
    self->clock = clock;
}

void
token_server_destroy (token_server_t **self_p)
{
    assert (self_p);
    token_server_t *self = *self_p;
    if (self) {
        r5_client_destroy (&self->client);
        r5_events_destroy (&self->events);
        token_usage_destroy (&self->usage);
        token_proofs_destroy (&self->proofs);
        token_notices_destroy (&self->notices);
        token_audit_destroy (&self->audit);
        token_store_destroy (&self->store);
        r5_mongo_destroy (&self->mongo);
        sodium_memzero (self->pepper, sizeof self->pepper);
        r5_sign_secret_clear (&self->assertion_key);
        free (self);
        *self_p = NULL;
    }
}

//  ---------------------------------------------------------------------------
//  Dispatch

//  The call's context from the request's meta: a sane request id for logs,
//  the validated client ip, the deadline when the broker gave none.
static void
s_call_init (token_call_t *call, const R5__RequestMeta *meta)
{
    call->meta = meta;
    if (!meta)
        return;
    if (meta->request_id && strlen (meta->request_id) < 128)
        call->rid = meta->request_id;
    call->ip = token_input_ip (meta->client_ip);
    if (!call->deadline)
        call->deadline = meta->deadline_unix_ms;
}

//  The roles (r5_mdp.h) that may ask for a request: verification is for the
//  gateway and other teams' services, everything else only the gateway's
//  (report_leaked too: it has no principal, so the role is its only guard).
static const char *
s_callers (R5__TokenRequest__BodyCase body)
{
    return body == R5__TOKEN_REQUEST__BODY_VERIFY ? R5_ROLE_GATEWAY "," R5_ROLE_INTERNAL : R5_ROLE_GATEWAY;
}

uint8_t *
token_server_handle (token_server_t *self, const char *caller, const uint8_t *body, size_t size,
                     int64_t deadline_unix_ms, size_t *reply_size)
{
    assert (self);
    token_call_t call = {
        .self = self, .rid = "", .ip = "", .deadline = deadline_unix_ms, .now = r5_clock_now_ms (self->clock),
        .reply = (R5__TokenReply *) r5_malloc (sizeof (R5__TokenReply)),
    };
    r5__token_reply__init (call.reply);

    R5__TokenRequest *request = size > R5_RPC_MAX_MESSAGE ? NULL : r5__token_request__unpack (NULL, size, body);
    if (request) {
        r5_rpc_meta_enter (request->meta);
        s_call_init (&call, request->meta);
    }
    r5_events_poll (self->events);
    //  No write concern wait and no read outlives the request.
    r5_mongo_set_deadline (self->mongo, call.deadline);
    //  What a change of any token still owes (this instance failed to, or one crashed).
    token_pending_sweep_due (self, call.rid, call.now);
    if (size > R5_RPC_MAX_MESSAGE)
        token_call_fail (&call, R5__STATUS__STATUS_MALFORMED, "request too large");
    else
    if (!request)
        token_call_fail (&call, R5__STATUS__STATUS_MALFORMED, "cannot decode token request");
    else
    if (!r5_mdp_roles_meet (caller, s_callers (request->body_case)))
        token_call_fail (&call, R5__STATUS__STATUS_FORBIDDEN, "not allowed for this caller");
    else
    //  The one rule for partial updates (r5_update.h), before any lookup.
    if (r5_update_is_empty (&request->base))
        token_call_fail (&call, R5__STATUS__STATUS_BAD_INPUT, R5_UPDATE_EMPTY_MESSAGE);
    else
    switch (request->body_case) {
        case R5__TOKEN_REQUEST__BODY_VERIFY:         token_on_verify (&call, request->verify); break;
        case R5__TOKEN_REQUEST__BODY_CREATE:         token_on_create (&call, request->create); break;
        case R5__TOKEN_REQUEST__BODY_LIST:           token_on_list (&call, request->list); break;
        case R5__TOKEN_REQUEST__BODY_GET:            token_on_get (&call, request->get); break;
        case R5__TOKEN_REQUEST__BODY_UPDATE:         token_on_update (&call, request->update); break;
        case R5__TOKEN_REQUEST__BODY_REGENERATE:     token_on_regenerate (&call, request->regenerate); break;
        case R5__TOKEN_REQUEST__BODY_DELETE:         token_on_delete (&call, request->delete_); break;
        case R5__TOKEN_REQUEST__BODY_CREATE_SESSION: token_on_create_session (&call, request->create_session); break;
        case R5__TOKEN_REQUEST__BODY_DELETE_SESSION: token_on_delete_session (&call, request->delete_session); break;
        case R5__TOKEN_REQUEST__BODY_LIST_EVENTS:    token_on_list_events (&call, request->list_events); break;
        case R5__TOKEN_REQUEST__BODY_REPORT_LEAKED:  token_on_report_leaked (&call, request->report_leaked); break;
        case R5__TOKEN_REQUEST__BODY_LIST_NOTICES:   token_on_list_notices (&call, request->list_notices); break;
        case R5__TOKEN_REQUEST__BODY_DISMISS_NOTICE: token_on_dismiss_notice (&call, request->dismiss_notice); break;
        case R5__TOKEN_REQUEST__BODY_RECORD_USAGE:   token_on_record_usage (&call, request->record_usage); break;
        default:
            token_call_fail (&call, R5__STATUS__STATUS_MALFORMED, "unknown token request");
            break;
    }
    r5_mongo_set_deadline (self->mongo, 0);
    //  A change is answered once the gateways stopped trusting what it made stale.
    r5_events_confirm (self->events, call.rid);
    //  Packs, zeroes the token value a reply may hold, and frees the reply.
    uint8_t *packed = r5_reply_pack (&call.reply->base, reply_size);
    if (call.claims)
        r5__principal_claims__free_unpacked (call.claims, NULL);
    if (request)
        r5__token_request__free_unpacked (request, NULL);
    return packed;
}

//  ---------------------------------------------------------------------------
//  Actor

void
token_server_actor (zsock_t *pipe, void *args)
{
    const token_config_t *config = args;
    char error [256] = "";
    token_server_t *server = token_server_new (config, error, sizeof error);
    if (!server) {
        r5_service_refuse (pipe, error);
        return;
    }
    r5_service_t *service = r5_service_new (pipe, config->brokers, R5_SERVICE_TOKEN);
    r5_request_t *request;
    while ((request = r5_service_next (service))) {
        size_t size = 0;
        uint8_t *reply = token_server_handle (server, r5_request_caller (request), r5_request_body (request),
                                              r5_request_size (request), r5_request_deadline (request), &size);
        r5_service_reply (service, &request, &reply, size);
    }
    r5_service_destroy (&service);
    token_server_destroy (&server);
}
