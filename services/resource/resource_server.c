/*  resource_server: r5.resource dispatch (logsrvd style: size check, unpack,
    switch on the body, one s_on_<message> per case, error reply in default). */
#include "resource_server.h"
#include "resource_preview.h"
#include "resource_call.h"
#include "resource_contacts.h"
#include "resource_events.h"
#include "resource_incidents.h"
#include "resource_oncall.h"
#include "resource_teams.h"
#include "resource_users.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_reply.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "r5_update.h"
#include "r5/resource.pb-c.h"

struct _resource_server_t {
    r5_mongo_t *mongo;
    r5_client_t *broker;            //  to r5-authz
    resource_events_t *events;
};

resource_server_t *
resource_server_new (const resource_config_t *config, char *error, size_t error_size)
{
    r5_mongo_t *mongo = r5_mongo_new (config->mongodb_uri, config->mongodb_write_concern, error, error_size);
    if (!mongo)
        return NULL;
    if (resource_users_ensure_indexes (mongo, error, error_size)
    ||  resource_teams_ensure_indexes (mongo, error, error_size)
    ||  resource_incidents_ensure_indexes (mongo, error, error_size)
    ||  resource_oncall_ensure_indexes (mongo, error, error_size)
    ||  resource_contacts_ensure_indexes (mongo, error, error_size)) {
        r5_mongo_destroy (&mongo);
        return NULL;
    }
    r5_client_t *broker = r5_client_new (config->brokers);
    resource_events_t *events = resource_events_new (config->events_publish);
    if (!broker || !events) {
        snprintf (error, error_size, "%s", !broker ? "cannot connect to the brokers"
                                                   : "cannot connect the events publisher");
        r5_client_destroy (&broker);
        resource_events_destroy (&events);
        r5_mongo_destroy (&mongo);
        return NULL;
    }
    resource_server_t *self = (resource_server_t *) r5_calloc (1, sizeof *self);
    self->mongo = mongo;
    self->broker = broker;
    self->events = events;
    return self;
}

void
resource_server_destroy (resource_server_t **self_p)
{
    assert (self_p);
    resource_server_t *self = *self_p;
    if (self) {
        r5_client_destroy (&self->broker);
        resource_events_destroy (&self->events);
        r5_mongo_destroy (&self->mongo);
        free (self);
        *self_p = NULL;
    }
}

static void
s_fail (R5__ResourceReply *reply, R5__Status status, const char *message)
{
    reply->status = status;
    reply->message = strdup (message);
}

//  =========================================================================
//  Requests without a principal (sign-in and internal lookups)
//  =========================================================================

static void
s_on_signup (resource_server_t *self, R5__SignupRequest *request, R5__ResourceReply *reply)
{
    const char *message = NULL;
    R5__User *user = malloc (sizeof *user);
    r5__user__init (user);
    reply->status = resource_users_signup (self->mongo, request, user, &message);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
        return;
    }
    free (user);
    if (message)
        reply->message = strdup (message);
}

static void
s_on_check_password (resource_server_t *self, R5__CheckPasswordRequest *request, R5__ResourceReply *reply)
{
    R5__User *user = malloc (sizeof *user);
    r5__user__init (user);
    reply->status = resource_users_check_password (self->mongo, request->email, request->password, user);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
        return;
    }
    free (user);
    if (reply->status == R5__STATUS__STATUS_UNAUTHENTICATED)
        reply->message = strdup ("invalid email or password");
}

static void
s_on_get_users (resource_server_t *self, R5__GetUsersRequest *request, R5__ResourceReply *reply)
{
    R5__UserList *list = malloc (sizeof *list);
    r5__user_list__init (list);
    reply->status = resource_users_get (self->mongo, request->ids, request->n_ids, request->account_id,
                                        &list->users, &list->n_users);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USERS;
        reply->users = list;
        return;
    }
    free (list);
    if (reply->status == R5__STATUS__STATUS_BAD_INPUT)
        reply->message = strdup ("too many ids in one lookup (at most 100)");
}

//  =========================================================================
//  Requests on behalf of a principal
//  =========================================================================

//  The shared handling of a team- or user-owned type; NULL for the others.
static const resource_owned_t *
s_owned (R5__ResourceType type)
{
    switch (type) {
        case R5__RESOURCE_TYPE__RESOURCE_ESCALATION_POLICIES: return &resource_escalation_policies;
        case R5__RESOURCE_TYPE__RESOURCE_SCHEDULES:           return &resource_schedules;
        case R5__RESOURCE_TYPE__RESOURCE_INTEGRATIONS:        return &resource_integrations;
        case R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS:     return &resource_contact_methods;
        case R5__RESOURCE_TYPE__RESOURCE_NOTIFICATION_RULES:  return &resource_notification_rules;
        default:                                              return NULL;
    }
}

static void
s_on_get_objects (resource_call_t *call, R5__GetObjectsRequest *request)
{
    if (s_owned (request->type)) {
        resource_owned_get (call, s_owned (request->type), request->ids, request->n_ids);
        return;
    }
    switch (request->type) {
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            resource_users_on_get (call, request->ids, request->n_ids);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            resource_teams_on_get (call, request->ids, request->n_ids);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            resource_incidents_on_get (call, request->ids, request->n_ids);
            break;
        default:
            resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be read yet");
            break;
    }
}

static void
s_on_list_objects (resource_call_t *call, R5__ListObjectsRequest *request)
{
    if (s_owned (request->type)) {
        resource_owned_list (call, s_owned (request->type), request);
        return;
    }
    switch (request->type) {
        case R5__RESOURCE_TYPE__RESOURCE_USERS:
            resource_users_on_list (call, request);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_TEAMS:
            resource_teams_on_list (call, request);
            break;
        case R5__RESOURCE_TYPE__RESOURCE_INCIDENTS:
            resource_incidents_on_list (call, request);
            break;
        default:
            resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be listed yet");
            break;
    }
}

static void
s_on_delete_object (resource_call_t *call, R5__DeleteObjectRequest *request)
{
    if (request->type == R5__RESOURCE_TYPE__RESOURCE_TEAMS)
        resource_teams_on_delete (call, request->id);
    else
    if (request->type == R5__RESOURCE_TYPE__RESOURCE_CONTACT_METHODS)
        resource_contacts_on_delete_method (call, request->id);
    else
    if (s_owned (request->type))
        resource_owned_delete (call, s_owned (request->type), request->id);
    else
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be deleted");
}

//  POST /integrations/<key>: no principal, the key is the credential.
static void
s_on_open_integration_incident (resource_server_t *self, R5__ResourceRequest *request, int64_t deadline,
                                R5__ResourceReply *reply)
{
    R5__Principal nobody = R5__PRINCIPAL__INIT;
    resource_call_t call = {
        .mongo = self->mongo,
        .broker = self->broker,
        .events = self->events,
        .principal = &nobody,
        .rid = request->meta ? request->meta->request_id : NULL,
        .deadline_unix_ms = deadline,
        .reply = reply,
    };
    call.client = r5_mongo_pop (self->mongo);
    resource_oncall_on_open_incident (&call, request->open_integration_incident);
    if (reply->status != R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS) {
        protobuf_c_message_free_unpacked (&reply->objects->base, NULL);
        reply->objects = NULL;
        reply->body_case = R5__RESOURCE_REPLY__BODY__NOT_SET;
    }
    r5_mongo_push (self->mongo, &call.client);
}

//  Dispatch one request made for a principal.
static void
s_on_principal_request (resource_server_t *self, R5__ResourceRequest *request, int64_t deadline,
                        R5__ResourceReply *reply)
{
    const R5__Principal *principal = request->meta ? request->meta->principal : NULL;
    if (!principal || !resource_validate_id (principal->user_id) || !resource_validate_id (principal->account_id)) {
        s_fail (reply, R5__STATUS__STATUS_UNAUTHENTICATED, "no principal");
        return;
    }
    //  Before any lookup: an update that names nothing is refused alike
    //  whether or not its object exists, and never answers the object.
    if (r5_update_is_empty (&request->base)) {
        s_fail (reply, R5__STATUS__STATUS_BAD_INPUT, R5_UPDATE_EMPTY_MESSAGE);
        return;
    }
    resource_call_t call = {
        .mongo = self->mongo,
        .broker = self->broker,
        .events = self->events,
        .principal = principal,
        .rid = request->meta->request_id,
        .deadline_unix_ms = deadline ? deadline : request->meta->deadline_unix_ms,
        .reply = reply,
    };
    resource_events_poll (self->events);
    call.client = r5_mongo_pop (self->mongo);
    switch (request->body_case) {
        case R5__RESOURCE_REQUEST__BODY_GET_OBJECTS:
            s_on_get_objects (&call, request->get_objects);
            break;
        case R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS:
            s_on_list_objects (&call, request->list_objects);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_USER:
            resource_users_on_create (&call, request->create_user);
            break;
        case R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE:
            resource_users_on_update_role (&call, request->update_user_role);
            break;
        case R5__RESOURCE_REQUEST__BODY_SET_USER_ACTIVE:
            resource_users_on_set_active (&call, request->set_user_active);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_TEAM:
            resource_teams_on_create (&call, request->create_team);
            break;
        case R5__RESOURCE_REQUEST__BODY_UPDATE_TEAM:
            resource_teams_on_update (&call, request->update_team);
            break;
        case R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT:
            s_on_delete_object (&call, request->delete_object);
            break;
        case R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER:
            resource_teams_on_add_member (&call, request->add_team_member);
            break;
        case R5__RESOURCE_REQUEST__BODY_REMOVE_TEAM_MEMBER:
            resource_teams_on_remove_member (&call, request->remove_team_member);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_INCIDENT:
            resource_incidents_on_create (&call, request->create_incident);
            break;
        case R5__RESOURCE_REQUEST__BODY_INCIDENT_TRANSITION:
            resource_incidents_on_transition (&call, request->incident_transition);
            break;
        case R5__RESOURCE_REQUEST__BODY_REASSIGN_INCIDENT:
            resource_incidents_on_reassign (&call, request->reassign_incident);
            break;
        case R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE:
            resource_incidents_on_add_note (&call, request->add_incident_note);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_ESCALATION_POLICY:
            resource_oncall_on_create_policy (&call, request->create_escalation_policy);
            break;
        case R5__RESOURCE_REQUEST__BODY_UPDATE_ESCALATION_POLICY:
            resource_oncall_on_update_policy (&call, request->update_escalation_policy);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE:
            resource_oncall_on_create_schedule (&call, request->create_schedule);
            break;
        case R5__RESOURCE_REQUEST__BODY_UPDATE_SCHEDULE:
            resource_oncall_on_update_schedule (&call, request->update_schedule);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE:
            resource_oncall_on_create_override (&call, request->create_schedule_override);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_INTEGRATION:
            resource_oncall_on_create_integration (&call, request->create_integration);
            break;
        case R5__RESOURCE_REQUEST__BODY_UPDATE_INTEGRATION:
            resource_oncall_on_update_integration (&call, request->update_integration);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD:
            resource_contacts_on_create_method (&call, request->create_contact_method);
            break;
        case R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE:
            resource_contacts_on_create_rule (&call, request->create_notification_rule);
            break;
        case R5__RESOURCE_REQUEST__BODY_PREVIEW_PERMISSIONS:
            resource_preview_on_request (&call, request->preview_permissions);
            break;
        default:
            resource_call_fail (&call, R5__STATUS__STATUS_MALFORMED, "unknown resource request");
            break;
    }
    //  A failed request answers no objects: nothing half-done is shown.
    if (reply->status != R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_OBJECTS) {
        protobuf_c_message_free_unpacked (&reply->objects->base, NULL);
        reply->objects = NULL;
        reply->body_case = R5__RESOURCE_REPLY__BODY__NOT_SET;
    }
    resource_call_clear (&call);
    r5_mongo_push (self->mongo, &call.client);
}

uint8_t *
resource_server_handle (resource_server_t *self, const uint8_t *body, size_t size, int64_t deadline_unix_ms,
                        size_t *reply_size)
{
    assert (self);
    //  The reply is built on the heap and owned as if unpacked (r5_reply.h).
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_malloc (sizeof *reply);
    r5__resource_reply__init (reply);
    R5__ResourceRequest *request = NULL;

    if (size > R5_RPC_MAX_MESSAGE
    || !(request = r5__resource_request__unpack (NULL, size, body)))
        s_fail (reply, R5__STATUS__STATUS_MALFORMED, "cannot decode resource request");
    else
    switch (request->body_case) {
        case R5__RESOURCE_REQUEST__BODY_SIGNUP:
            s_on_signup (self, request->signup, reply);
            break;
        case R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD:
            s_on_check_password (self, request->check_password, reply);
            break;
        case R5__RESOURCE_REQUEST__BODY_GET_USERS:
            s_on_get_users (self, request->get_users, reply);
            break;
        case R5__RESOURCE_REQUEST__BODY_OPEN_INTEGRATION_INCIDENT:
            s_on_open_integration_incident (self, request, deadline_unix_ms, reply);
            break;
        case R5__RESOURCE_REQUEST__BODY_GET_OBJECTS:
        case R5__RESOURCE_REQUEST__BODY_LIST_OBJECTS:
        case R5__RESOURCE_REQUEST__BODY_CREATE_USER:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_USER_ROLE:
        case R5__RESOURCE_REQUEST__BODY_SET_USER_ACTIVE:
        case R5__RESOURCE_REQUEST__BODY_CREATE_TEAM:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_TEAM:
        case R5__RESOURCE_REQUEST__BODY_DELETE_OBJECT:
        case R5__RESOURCE_REQUEST__BODY_ADD_TEAM_MEMBER:
        case R5__RESOURCE_REQUEST__BODY_REMOVE_TEAM_MEMBER:
        case R5__RESOURCE_REQUEST__BODY_CREATE_INCIDENT:
        case R5__RESOURCE_REQUEST__BODY_INCIDENT_TRANSITION:
        case R5__RESOURCE_REQUEST__BODY_REASSIGN_INCIDENT:
        case R5__RESOURCE_REQUEST__BODY_ADD_INCIDENT_NOTE:
        case R5__RESOURCE_REQUEST__BODY_CREATE_ESCALATION_POLICY:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_ESCALATION_POLICY:
        case R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_SCHEDULE:
        case R5__RESOURCE_REQUEST__BODY_CREATE_SCHEDULE_OVERRIDE:
        case R5__RESOURCE_REQUEST__BODY_CREATE_INTEGRATION:
        case R5__RESOURCE_REQUEST__BODY_UPDATE_INTEGRATION:
        case R5__RESOURCE_REQUEST__BODY_CREATE_CONTACT_METHOD:
        case R5__RESOURCE_REQUEST__BODY_CREATE_NOTIFICATION_RULE:
        case R5__RESOURCE_REQUEST__BODY_PREVIEW_PERMISSIONS:
            s_on_principal_request (self, request, deadline_unix_ms, reply);
            break;
        default:
            s_fail (reply, R5__STATUS__STATUS_MALFORMED, "unknown resource request");
            break;
    }
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
    r5_request_t *request;
    while ((request = r5_service_next (service))) {
        size_t size = 0;
        uint8_t *reply = resource_server_handle (server, r5_request_body (request), r5_request_size (request),
                                                 r5_request_deadline (request), &size);
        r5_service_reply (service, &request, &reply, size);
    }
    r5_service_destroy (&service);
    resource_server_destroy (&server);
}
