/*  resource_server: r5.resource dispatch (logsrvd style: size check, unpack,
    switch on the body, one s_on_<message> per case, error reply in default). */
#include "resource_server.h"
#include "resource_users.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5/resource.pb-c.h"

typedef struct {
    r5_mongo_t *mongo;
} resource_server_t;

void *
resource_server_new (void *config_arg, char *error, size_t error_size)
{
    resource_config_t *config = (resource_config_t *) config_arg;
    r5_mongo_t *mongo = r5_mongo_new (config->mongodb_uri, config->mongodb_write_concern, error, error_size);
    if (!mongo)
        return NULL;
    if (resource_users_ensure_indexes (mongo, error, error_size)) {
        r5_mongo_destroy (&mongo);
        return NULL;
    }
    resource_server_t *self = calloc (1, sizeof *self);
    self->mongo = mongo;
    return self;
}

void
resource_server_destroy (void **self_p)
{
    if (!*self_p)
        return;
    resource_server_t *self = (resource_server_t *) *self_p;
    r5_mongo_destroy (&self->mongo);
    free (self);
    *self_p = NULL;
}

static void
s_on_signup (resource_server_t *self, R5__SignupRequest *request, R5__ResourceReply *reply, R5__User *user)
{
    const char *message = NULL;
    reply->status = resource_users_signup (self->mongo, request, user, &message);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
    }
    else
    if (message)
        reply->message = (char *) message;
}

static void
s_on_check_password (resource_server_t *self, R5__CheckPasswordRequest *request, R5__ResourceReply *reply,
                     R5__User *user)
{
    reply->status = resource_users_check_password (self->mongo, request->email, request->password, user);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USER;
        reply->user = user;
    }
    else
    if (reply->status == R5__STATUS__STATUS_UNAUTHENTICATED)
        reply->message = "invalid email or password";
}

static void
s_on_get_users (resource_server_t *self, R5__GetUsersRequest *request, R5__ResourceReply *reply,
                R5__UserList *list)
{
    reply->status = resource_users_get (self->mongo, request->ids, request->n_ids, request->account_id,
                                        &list->users, &list->n_users);
    if (reply->status == R5__STATUS__STATUS_OK) {
        reply->body_case = R5__RESOURCE_REPLY__BODY_USERS;
        reply->users = list;
    }
    else
    if (reply->status == R5__STATUS__STATUS_BAD_INPUT)
        reply->message = "too many ids in one lookup (at most 100)";
}

uint8_t *
resource_server_handle (void *self_arg, const uint8_t *body, size_t size, int64_t deadline_unix_ms,
                        size_t *reply_size)
{
    resource_server_t *self = (resource_server_t *) self_arg;
    R5__ResourceReply reply = R5__RESOURCE_REPLY__INIT;
    R5__User user = R5__USER__INIT;
    R5__UserList list = R5__USER_LIST__INIT;
    R5__ResourceRequest *request = NULL;

    if (size > R5_RPC_MAX_MESSAGE
    || !(request = r5__resource_request__unpack (NULL, size, body))) {
        reply.status = R5__STATUS__STATUS_MALFORMED;
        reply.message = "cannot decode resource request";
    }
    else
    switch (request->body_case) {
        case R5__RESOURCE_REQUEST__BODY_SIGNUP:
            s_on_signup (self, request->signup, &reply, &user);
            break;
        case R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD:
            s_on_check_password (self, request->check_password, &reply, &user);
            break;
        case R5__RESOURCE_REQUEST__BODY_GET_USERS:
            s_on_get_users (self, request->get_users, &reply, &list);
            break;
        default:
            reply.status = R5__STATUS__STATUS_MALFORMED;
            reply.message = "unknown resource request";
            break;
    }
    if (reply.status != R5__STATUS__STATUS_OK)
        r5_debug (request && request->meta ? request->meta->request_id : NULL, "resource request: %s",
                  r5_status_name (reply.status));
    uint8_t *packed = r5_rpc_pack (&reply.base, reply_size);
    resource_user_clear (&user);
    resource_users_free (&list.users, list.n_users);
    if (request)
        r5__resource_request__free_unpacked (request, NULL);
    return packed;
}

r5_service_t
resource_server_service (resource_config_t *config)
{
    r5_service_t service = {
        .service = R5_SERVICE_RESOURCE,
        .brokers = config->brokers,
        .config = config,
        .state_new = resource_server_new,
        .state_destroy = resource_server_destroy,
        .handler = resource_server_handle,
    };
    return service;
}
