/*  resource_server: r5.resource dispatch (logsrvd style: size check, unpack,
    one table from the body's case to its handler, an error reply for the
    rest, free). */
#include "resource_server.h"
#include "resource_call.h"
#include "resource_contacts.h"
#include "resource_events.h"
#include "resource_incidents.h"
#include "resource_oncall.h"
#include "resource_preview.h"
#include "resource_store.h"
#include "resource_migrate.h"
#include "resource_owed.h"
#include "resource_sweeper.h"
#include "resource_teams.h"
#include "resource_users.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_assertion.h"
#include "r5_time.h"
#include "r5_log.h"
#include "r5_reply.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "r5_update.h"
#include "r5/resource.pb-c.h"

#include <sodium.h>
#include <stdatomic.h>

//  Bound on the emails whose attempts are remembered (r5_throttle.h).
#define S_THROTTLE_MAX_KEYS 65536

struct _resource_server_t {
    r5_mongo_t *mongo;
    r5_client_t *broker;            //  to r5-authz
    r5_events_t *events;
    r5_sign_public_t assertion_public;
    r5_sign_secret_t proof_key;
    r5_throttle_t *password_by_email;       //  check_password attempts (resource_users.c)
    bool owns_password_by_email;            //  false: the process's, shared by its workers
    //  The owed events' sweep (resource_owed.h): one worker per process
    //  runs it, on its own pool named RESOURCE_OWED_APP_NAME; NULL in the others.
    r5_mongo_t *owed_mongo;
    int64_t sweep_interval_ms;              //  the pending dependents' sweep (resource_sweeper.h)
    int64_t swept_at;                       //  its last pass (monotonic ms; 0: never)
};

r5_throttle_t *
resource_password_throttle_new (r5_limit_t limit)
{
    if (limit.burst <= 0 && r5_limit_parse (RESOURCE_PASSWORD_LIMIT_DEFAULT, &limit))
        assert (false);
    return r5_throttle_new (limit, S_THROTTLE_MAX_KEYS);
}

resource_server_t *
resource_server_new (const resource_config_t *config, char *error, size_t error_size)
{
    r5_mongo_t *mongo = r5_mongo_new (config->mongodb_uri, config->mongodb_write_concern, error, error_size);
    if (!mongo)
        return NULL;
    if (!config->skip_indexes && resource_store_ensure_indexes (mongo, error, error_size)) {
        r5_mongo_destroy (&mongo);
        return NULL;
    }
    r5_client_t *broker = config->brokers ? r5_client_new (config->brokers) : NULL;
    r5_events_t *events = r5_events_new (config->events_publish, config->events_subscribe);
    if ((config->brokers && !broker) || !events) {
        snprintf (error, error_size, "%s", !events ? "cannot connect the events publisher"
                                                   : "cannot connect to the brokers");
        r5_client_destroy (&broker);
        r5_events_destroy (&events);
        r5_mongo_destroy (&mongo);
        return NULL;
    }
    resource_server_t *self = (resource_server_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    self->broker = broker;
    self->events = events;
    self->assertion_public = config->assertion_verify_key;
    self->proof_key = config->password_proof_key;
    self->password_by_email = config->password_throttle;
    if (!self->password_by_email) {
        self->password_by_email = resource_password_throttle_new (config->password_limit_per_email);
        self->owns_password_by_email = true;
    }
    return self;
}

void
resource_server_destroy (resource_server_t **self_p)
{
    assert (self_p);
    resource_server_t *self = *self_p;
    if (self) {
        r5_client_destroy (&self->broker);
        r5_events_destroy (&self->events);
        r5_mongo_destroy (&self->mongo);
        r5_mongo_destroy (&self->owed_mongo);
        r5_sign_secret_clear (&self->proof_key);
        if (self->owns_password_by_email)
            r5_throttle_destroy (&self->password_by_email);
        free (self);
        *self_p = NULL;
    }
}

//  =========================================================================
//  Requests on the type table
//  =========================================================================

static void
s_on_get_objects (resource_call_t *call, const R5__ResourceRequest *request)
{
    const R5__GetObjectsRequest *get = request->get_objects;
    const resource_type_t *type = resource_type_of (get->type);
    if (type)
        resource_store_get (call, type, get->ids, get->n_ids);
    else
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be read yet");
}

static void
s_on_list_objects (resource_call_t *call, const R5__ResourceRequest *request)
{
    const resource_type_t *type = resource_type_of (request->list_objects->type);
    if (type)
        resource_store_list (call, type, request->list_objects);
    else
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be listed yet");
}

static void
s_on_delete_object (resource_call_t *call, const R5__ResourceRequest *request)
{
    const resource_type_t *type = resource_type_of (request->delete_object->type);
    if (type)
        resource_store_delete (call, type, request->delete_object->id);
    else
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be deleted");
}

static void
s_on_preview (resource_call_t *call, const R5__ResourceRequest *request)
{
    resource_preview_on_request (call, request->preview_permissions);
}

//  =========================================================================
//  The dispatch table
//  =========================================================================

//  Who a request is made for: nobody (sign-in, r5-token's lookups, the
//  integration key), or the principal of meta.assertion, once verified.
typedef enum { S_NOBODY, S_PRINCIPAL } s_for_t;

typedef struct {
    resource_handler_fn *handler;
    s_for_t made_for;
    const char *callers;        //  the roles that may ask for it (r5_mdp.h)
} s_route_t;

#define S_ROUTE(body, fn, who, callers) [R5__RESOURCE_REQUEST__BODY_##body] = { fn, who, callers }

//  Every request, who it is for and which callers' roles may ask for it:
//  everything is the gateway's but r5-token's lookups of users.
static const s_route_t s_routes [] = {
    S_ROUTE (SIGNUP,                    resource_users_on_signup,               S_NOBODY, R5_ROLE_GATEWAY),
    S_ROUTE (CHECK_PASSWORD,            resource_users_on_check_password,       S_NOBODY, R5_ROLE_GATEWAY),
    S_ROUTE (GET_USERS,                 resource_users_on_get_users,            S_NOBODY, R5_ROLE_TOKEN),
    S_ROUTE (OPEN_INTEGRATION_INCIDENT, resource_oncall_on_open_incident,       S_NOBODY, R5_ROLE_GATEWAY),
    S_ROUTE (GET_OBJECTS,               s_on_get_objects,                       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (LIST_OBJECTS,              s_on_list_objects,                      S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (DELETE_OBJECT,             s_on_delete_object,                     S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_USER,               resource_users_on_create,               S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (UPDATE_USER_ROLE,          resource_users_on_update_role,          S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (SET_USER_ACTIVE,           resource_users_on_set_active,           S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_TEAM,               resource_teams_on_create,               S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (UPDATE_TEAM,               resource_teams_on_update,               S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (ADD_TEAM_MEMBER,           resource_teams_on_add_member,           S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (REMOVE_TEAM_MEMBER,        resource_teams_on_remove_member,        S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_INCIDENT,           resource_incidents_on_create,           S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (INCIDENT_TRANSITION,       resource_incidents_on_transition,       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (REASSIGN_INCIDENT,         resource_incidents_on_reassign,         S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (ADD_INCIDENT_NOTE,         resource_incidents_on_add_note,         S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (LIST_INCIDENT_NOTES,       resource_incidents_on_list_notes,       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_ESCALATION_POLICY,  resource_oncall_on_create_policy,       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (UPDATE_ESCALATION_POLICY,  resource_oncall_on_update_policy,       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_SCHEDULE,           resource_oncall_on_create_schedule,     S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (UPDATE_SCHEDULE,           resource_oncall_on_update_schedule,     S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_SCHEDULE_OVERRIDE,  resource_oncall_on_create_override,     S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_INTEGRATION,        resource_oncall_on_create_integration,  S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (UPDATE_INTEGRATION,        resource_oncall_on_update_integration,  S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_CONTACT_METHOD,     resource_contacts_on_create_method,     S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (CREATE_NOTIFICATION_RULE,  resource_contacts_on_create_rule,       S_PRINCIPAL, R5_ROLE_GATEWAY),
    S_ROUTE (PREVIEW_PERMISSIONS,       s_on_preview,                           S_PRINCIPAL, R5_ROLE_GATEWAY),
};

static void
s_fail (R5__ResourceReply *reply, R5__Status status, const char *message)
{
    reply->status = status;
    reply->message = r5_strdup (message);
}

//  The digest of a request's body (its oneof member), for a repeated
//  idempotency key to be compared with: 32 hex into out. A secret (a new
//  user's password, an alert's integration key) is left out, so no digest of
//  it is stored.
static void
s_input_digest (R5__ResourceRequest *request, char out [33])
{
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (
        request->base.descriptor, request->body_case);
    const ProtobufCMessage *body = member && member->type == PROTOBUF_C_TYPE_MESSAGE
                                 ? *(ProtobufCMessage **) ((char *) request + member->offset) : NULL;
    char **secret_slot = NULL;
    if (request->body_case == R5__RESOURCE_REQUEST__BODY_CREATE_USER && request->create_user)
        secret_slot = &request->create_user->password;
    else
    if (request->body_case == R5__RESOURCE_REQUEST__BODY_OPEN_INTEGRATION_INCIDENT
    &&  request->open_integration_incident)
        secret_slot = &request->open_integration_incident->key;
    char *secret = secret_slot ? *secret_slot : NULL;
    if (secret_slot)
        *secret_slot = (char *) "";
    size_t size = body ? protobuf_c_message_get_packed_size (body) : 0;
    uint8_t *packed = r5_malloc (size ? size : 1);
    if (body)
        protobuf_c_message_pack (body, packed);
    if (secret_slot)
        *secret_slot = secret;
    uint8_t digest [16];
    crypto_generichash (digest, sizeof digest, packed, size, (const uint8_t *) "r5.create.v1", 12);
    free (packed);
    sodium_bin2hex (out, 33, digest, sizeof digest);
}

//  Whether key is a well-formed idempotency key: 1-128 printable ASCII
//  characters, no spaces.
static bool
s_idempotency_key_valid (const char *key)
{
    size_t length = strlen (key);
    if (length == 0 || length > 128)
        return false;
    for (size_t i = 0; i < length; i++)
        if (key [i] <= ' ' || key [i] > '~')
            return false;
    return true;
}

//  Whether a request changes a fact a principal carries (a role, an active
//  flag, a membership, a team admin flag, a team's existence): such a change
//  is decided on the caller's facts read live, never on those signed into its
//  principal. A principal signed before the caller lost a privilege stays
//  valid for up to a minute, and a gateway may hold a verdict made on it or
//  resend a request that carries it; deciding on it would let a demoted or
//  deactivated owner or team admin undo its own demotion
//  (docs/decisions.md, "Principal facts travel with the principal").
static bool
s_changes_facts (const R5__ResourceRequest *request)
{
    switch (request->body_case) {
        case R5__RESOURCE_REQUEST__BODY_CREATE_USER:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE:
        case R5__RESOURCE_REQUEST__BODY_SET_USER_ACTIVE:
        case R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER:
        case R5__RESOURCE_REQUEST__BODY_REMOVE_TEAM_MEMBER:
            return true;
        case R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT:
            return request->delete_object
                && (request->delete_object->type == R5__RESOURCE_TYPE__RESOURCE_TEAMS
                ||  request->delete_object->type == R5__RESOURCE_TYPE__RESOURCE_USERS);
        default:
            return false;
    }
}

//  Run one routed request. A request for a principal needs an assertion
//  r5-token signed, unexpired, naming well-formed ids, and is refused, before
//  any lookup, when it is an update that names nothing (alike whether or not
//  its object exists).
static void
s_dispatch (resource_server_t *self, const s_route_t *route, const char *caller, R5__ResourceRequest *request,
            int64_t deadline, R5__ResourceReply *reply)
{
    if (!r5_mdp_roles_meet (caller, route->callers)) {
        r5_info (request->meta ? request->meta->request_id : NULL, "request refused: caller '%s' may not ask for it",
                 caller);
        s_fail (reply, R5__STATUS__STATUS_FORBIDDEN, "not allowed for this caller");
        return;
    }
    R5__Principal nobody = R5__PRINCIPAL__INIT;
    const R5__Principal *principal = &nobody;
    R5__PrincipalClaims *claims = NULL;
    if (route->made_for == S_PRINCIPAL) {
        const char *why = "";
        claims = r5_assertion_verify (&self->assertion_public, request->meta ? request->meta->assertion : NULL,
                                      r5_now_ms (), &why);
        principal = claims ? claims->principal : NULL;
        if (!principal || !resource_validate_id (principal->user_id) || !resource_validate_id (principal->account_id)) {
            r5_info (request->meta ? request->meta->request_id : NULL, "request refused: %s",
                     claims ? "bad ids in the claims" : why);
            s_fail (reply, R5__STATUS__STATUS_UNAUTHENTICATED, "a verified principal is required");
            if (claims)
                r5__principal_claims__free_unpacked (claims, NULL);
            return;
        }
        if (r5_update_is_empty (&request->base)) {
            s_fail (reply, R5__STATUS__STATUS_BAD_INPUT, R5_UPDATE_EMPTY_MESSAGE);
            r5__principal_claims__free_unpacked (claims, NULL);
            return;
        }
        if (!deadline)
            deadline = request->meta->deadline_unix_ms;
        r5_events_poll (self->events);
    }
    resource_call_t call = {
        .mongo = self->mongo,
        .broker = self->broker,
        .events = self->events,
        .principal = principal,
        .assertion = claims ? request->meta->assertion : NULL,
        .proof_key = &self->proof_key,
        .password_throttle = self->password_by_email,
        .rid = request->meta ? request->meta->request_id : NULL,
        .deadline_unix_ms = deadline,
        .reply = reply,
        .facts_live = s_changes_facts (request),
    };
    if (request->idempotency_key && *request->idempotency_key) {
        if (!s_idempotency_key_valid (request->idempotency_key)) {
            s_fail (reply, R5__STATUS__STATUS_BAD_INPUT,
                    "the idempotency key must be 1-128 printable ASCII characters without spaces");
            if (claims)
                r5__principal_claims__free_unpacked (claims, NULL);
            return;
        }
        call.idempotency_key = request->idempotency_key;
        s_input_digest (request, call.idempotency_input);
    }
    call.client = r5_mongo_pop (self->mongo);
    //  No write concern wait and no read outlives the request.
    r5_mongo_set_deadline (self->mongo, deadline ? deadline : request->meta ? request->meta->deadline_unix_ms : 0);
    route->handler (&call, request);
    r5_mongo_set_deadline (self->mongo, 0);
    //  A change is answered once the gateways stopped trusting what it made
    //  stale. Only when every live gateway confirmed are the events it owed
    //  owed no more; otherwise the sweeper publishes them again.
    resource_owed_settle (&call, r5_events_confirm (self->events, call.rid) == 0);
    //  A failed request answers no objects: nothing half-done is shown.
    if (reply->status != R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS) {
        protobuf_c_message_free_unpacked (&reply->objects->base, NULL);
        reply->objects = NULL;
        reply->body_case = R5__RESOURCE_REPLY__BODY__NOT_SET;
    }
    resource_call_clear (&call);
    r5_mongo_push (self->mongo, &call.client);
    if (claims)
        r5__principal_claims__free_unpacked (claims, NULL);
}

uint8_t *
resource_server_handle (resource_server_t *self, const char *caller, const uint8_t *body, size_t size,
                        int64_t deadline_unix_ms, size_t *reply_size)
{
    assert (self);
    //  The reply is built on the heap and owned as if unpacked (r5_reply.h).
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_malloc (sizeof *reply);
    r5__resource_reply__init (reply);
    R5__ResourceRequest *request = NULL;

    if (size <= R5_RPC_MAX_MESSAGE && (request = r5__resource_request__unpack (NULL, size, body)))
        r5_rpc_meta_enter (request->meta);
    if (!request)
        s_fail (reply, R5__STATUS__STATUS_MALFORMED, "cannot decode resource request");
    else
    if ((size_t) request->body_case < sizeof s_routes / sizeof s_routes [0] && s_routes [request->body_case].handler)
        s_dispatch (self, &s_routes [request->body_case], caller, request, deadline_unix_ms, reply);
    else
        s_fail (reply, R5__STATUS__STATUS_MALFORMED, "unknown resource request");

    if (r5_log_enabled (R5_LOG_DEBUG)) {
        const ProtobufCFieldDescriptor *field = request
            ? protobuf_c_message_descriptor_get_field (&r5__resource_request__descriptor, (unsigned) request->body_case)
            : NULL;
        r5_debug (request && request->meta ? request->meta->request_id : NULL, "resource request %s: %s",
                  field ? field->name : "?", r5_status_name (reply->status));
    }
    uint8_t *packed = r5_reply_pack (&reply->base, reply_size);
    if (request)
        r5__resource_request__free_unpacked (request, NULL);
    return packed;
}

//  Whether a worker of this process sweeps the owed events.
static atomic_bool s_owed_sweeper_taken;

//  The sweeper's pass (r5_service_every), in the actor's thread, and a
//  batch of the incidents older versions stored with embedded notes.
//  In the process's owed-events sweeper, the tick runs every
//  RESOURCE_OWED_SWEEP_MS (or the sweep interval when shorter) for the events
//  a dead request owed; the rest every sweep interval.
static void
s_sweep (void *args)
{
    resource_server_t *self = args;
    if (self->owed_mongo) {
        int64_t started = r5_now_ms ();
        r5_mongo_set_deadline (self->owed_mongo, started + RESOURCE_OWED_SWEEP_DEADLINE_MS);
        resource_owed_sweep (self->owed_mongo, self->events, started);
        r5_mongo_set_deadline (self->owed_mongo, 0);
    }
    int64_t now = zclock_mono ();
    if (self->swept_at && now - self->swept_at < self->sweep_interval_ms)
        return;
    self->swept_at = now;
    resource_sweeper_pass (self->mongo, r5_now_ms ());
    resource_migrate_pass (self->mongo);
}

void
resource_server_actor (zsock_t *pipe, void *args)
{
    const resource_config_t *config = args;
    char error [256] = "";
    resource_server_t *server = resource_server_new (config, error, sizeof error);
    if (!server) {
        r5_service_refuse (pipe, error);
        return;
    }
    r5_service_t *service = r5_service_new (pipe, config->brokers, R5_SERVICE_RESOURCE);
    bool owed_sweeper = false;
    if (!config->skip_indexes) {
        server->sweep_interval_ms = config->sweep_interval_ms > 0 ? config->sweep_interval_ms
                                                                  : RESOURCE_SWEEP_INTERVAL_DEFAULT_MS;
        //  One worker per process sweeps the owed events, on a pool of its
        //  own: its finds and pulls neither hold a request's worker (the
        //  broker sees the workers between requests as idle) nor take a
        //  fail point armed for r5's requests (appName "r5").
        owed_sweeper = !atomic_exchange (&s_owed_sweeper_taken, true);
        if (owed_sweeper) {
            server->owed_mongo = r5_mongo_new_named (config->mongodb_uri, config->mongodb_write_concern,
                                                     RESOURCE_OWED_APP_NAME, error, sizeof error);
            if (!server->owed_mongo) {
                r5_warn (NULL, "this worker cannot sweep owed events: %s", error);
                atomic_store (&s_owed_sweeper_taken, false);
                owed_sweeper = false;
            }
        }
        int64_t every = server->sweep_interval_ms;
        if (owed_sweeper && every > RESOURCE_OWED_SWEEP_MS)
            every = RESOURCE_OWED_SWEEP_MS;
        r5_service_every (service, every, s_sweep, server);
    }
    r5_request_t *request;
    while ((request = r5_service_next (service))) {
        size_t size = 0;
        uint8_t *reply = resource_server_handle (server, r5_request_caller (request), r5_request_body (request),
                                                 r5_request_size (request), r5_request_deadline (request), &size);
        r5_service_reply (service, &request, &reply, size);
    }
    r5_service_destroy (&service);
    resource_server_destroy (&server);
    if (owed_sweeper)
        atomic_store (&s_owed_sweeper_taken, false);
}
