/*  token_server: r5-token's state and its logsrvd-style dispatch.

    Each request: size check, unpack, NULL check, one s_on_<message> per
    oneof case, an error reply in default, free_unpacked. Every management
    call acts for meta.principal, which must be a login session; every store
    call filters on that principal's user, so another user's token answers
    NOT_FOUND exactly like a missing one.

    Changes are made durable first, then announced on the PUB socket
    (token_events), then written to the audit trail, then answered. */
#include "token_server.h"

#include <czmq.h>
#include <sodium.h>

#include "r5_client.h"
#include "r5_log.h"
#include "r5_mongo.h"
#include "r5_rpc.h"
#include "r5_scope.h"
#include "r5_time.h"
#include "r5_update.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"
#include "token_audit.h"
#include "token_events.h"
#include "token_input.h"
#include "token_store.h"
#include "token_usage.h"

//  The one answer to every failed verification, whatever the cause.
#define S_UNAUTHENTICATED "invalid or expired token"
#define S_NOT_FOUND R5_NOT_FOUND_MESSAGE

struct _token_server_t {
    uint8_t pepper [R5_PEPPER_SIZE];
    int64_t session_idle_ms;
    int64_t session_absolute_ms;
    r5_mongo_t *mongo;
    token_store_t *store;
    token_audit_t *audit;
    token_usage_t *usage;
    token_events_t *events;
    r5_client_t *client;            //  to r5.resource
};
typedef struct _token_server_t token_server_t;

//  ---------------------------------------------------------------------------
//  State

void *
token_server_new (void *config_arg, char *error, size_t error_size)
{
    token_config_t *config = (token_config_t *) config_arg;
    token_server_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    if (sodium_init () < 0) {
        snprintf (error, error_size, "cannot initialise libsodium");
        goto fail;
    }
    memcpy (self->pepper, config->pepper, R5_PEPPER_SIZE);
    self->session_idle_ms = config->session_idle_ms;
    self->session_absolute_ms = config->session_absolute_ms;
    self->mongo = r5_mongo_new (config->mongodb_uri, config->mongodb_write_concern, error, error_size);
    if (!self->mongo)
        goto fail;
    self->store = token_store_new (self->mongo);
    self->audit = token_audit_new (self->mongo);
    self->usage = token_usage_new (config->last_used_interval_ms);
    if (!self->store || !self->audit || !self->usage) {
        snprintf (error, error_size, "out of memory");
        goto fail;
    }
    //  Creating the indexes is also the start-up check that MongoDB answers.
    if (token_store_ensure_indexes (self->store, error, error_size)
    ||  token_audit_ensure_indexes (self->audit, error, error_size))
        goto fail;
    self->events = token_events_new (config->events);
    if (!self->events) {
        snprintf (error, error_size, "cannot connect event publisher to '%s'", config->events);
        goto fail;
    }
    self->client = r5_client_new (config->brokers);
    if (!self->client) {
        snprintf (error, error_size, "cannot connect to brokers '%s'", config->brokers);
        goto fail;
    }
    return self;

fail:;
    void *state = self;
    token_server_destroy (&state);
    return NULL;
}

void
token_server_destroy (void **state_p)
{
    if (!*state_p)
        return;
    token_server_t *self = (token_server_t *) *state_p;
    r5_client_destroy (&self->client);
    token_events_destroy (&self->events);
    token_usage_destroy (&self->usage);
    token_audit_destroy (&self->audit);
    token_store_destroy (&self->store);
    r5_mongo_destroy (&self->mongo);
    sodium_memzero (self->pepper, sizeof self->pepper);
    free (self);
    *state_p = NULL;
}

//  ---------------------------------------------------------------------------
//  One call: the request, the reply being built, and what the reply owns

typedef struct {
    token_server_t *self;
    const R5__TokenRequest *request;
    const char *rid;                //  request id for logs ("" when none)
    const char *ip;                 //  client ip, validated ("" when unknown)
    int64_t deadline;               //  0: none
    int64_t now;
    R5__TokenReply reply;
    void **owned;                   //  freed after the reply is packed
    size_t owned_count, owned_max;
    char *secret;                   //  the token value in the reply, zeroed after packing
} s_call_t;

//  Remember ptr as the reply's; NULL stays NULL.
static void *
s_own (s_call_t *call, void *ptr)
{
    if (!ptr)
        return NULL;
    if (call->owned_count == call->owned_max) {
        size_t max = call->owned_max ? call->owned_max * 2 : 32;
        void **owned = realloc (call->owned, max * sizeof (void *));
        if (!owned) {
            free (ptr);
            return NULL;
        }
        call->owned = owned;
        call->owned_max = max;
    }
    call->owned [call->owned_count++] = ptr;
    return ptr;
}

static void *
s_alloc (s_call_t *call, size_t size)
{
    return s_own (call, calloc (1, size));
}

//  A copy owned by the reply; "" when out of memory (the reply is then
//  incomplete, never invalid).
static char *
s_dup (s_call_t *call, const char *text)
{
    char *copy = (char *) s_own (call, strdup (text ? text : ""));
    return copy ? copy : (char *) "";
}

static void
s_fail (s_call_t *call, R5__Status status, const char *message)
{
    call->reply.status = status;
    call->reply.message = s_dup (call, message);
}

//  A store or dependency failure: logged in full, answered without details.
static void
s_fail_store (s_call_t *call, R5__Status status, const char *what, const char *detail)
{
    r5_error (call->rid, "%s: %s (%s)", what, detail, r5_status_name (status));
    if (status == R5__STATUS__STATUS_UNAVAILABLE || status == R5__STATUS__STATUS_DEADLINE_EXCEEDED)
        s_fail (call, status, "token store unavailable");
    else
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "internal error");
}

//  The scopes of a set, in enum order, owned by the reply.
static R5__Scope *
s_scope_array (s_call_t *call, r5_scope_set_t set, size_t *count)
{
    *count = 0;
    R5__Scope *scopes = (R5__Scope *) s_alloc (call, R5_SCOPE_COUNT * sizeof (R5__Scope));
    if (!scopes)
        return NULL;
    for (int scope = 1; scope <= R5_SCOPE_COUNT; scope++)
        if (set & r5_scope_bit ((R5__Scope) scope))
            scopes [(*count)++] = (R5__Scope) scope;
    return scopes;
}

//  A Token message of a record, owned by the reply.
static R5__Token *
s_token_message (s_call_t *call, const token_record_t *record)
{
    R5__Token *token = (R5__Token *) s_alloc (call, sizeof *token);
    if (!token)
        return NULL;
    r5__token__init (token);
    token->id = s_dup (call, record->id);
    token->description = s_dup (call, record->description);
    token->scopes = s_scope_array (call, record->scopes, &token->n_scopes);
    token->hint = s_dup (call, record->hint);
    token->created_at_unix_ms = record->created_at;
    token->last_used_at_unix_ms = record->last_used_at;
    token->last_used_ip = s_dup (call, record->last_used_ip);
    return token;
}

//  The principal of a management call: a signed-in user's login session.
//  NULL (and the reply's status set) otherwise.
static const R5__Principal *
s_session_principal (s_call_t *call)
{
    const R5__RequestMeta *meta = call->request->meta;
    const R5__Principal *principal = meta ? meta->principal : NULL;
    if (!principal || !token_input_is_user_id (principal->user_id)
    ||  !token_input_is_user_id (principal->account_id)) {
        s_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "a signed-in user is required");
        return NULL;
    }
    //  No token can mint, change or widen a token: only a login session can.
    if (principal->kind != R5__CREDENTIAL_KIND__CREDENTIAL_SESSION) {
        s_fail (call, R5__STATUS__STATUS_FORBIDDEN,
                "personal access tokens cannot manage tokens: sign in to the web app");
        return NULL;
    }
    return principal;
}

//  A token id from a request: NOT_FOUND unless well formed (an id no token
//  can have names no token, as r5-resource answers for its ids).
static bool
s_check_id (s_call_t *call, const char *id)
{
    if (token_input_is_id (id))
        return true;
    s_fail (call, R5__STATUS__STATUS_NOT_FOUND, S_NOT_FOUND);
    return false;
}

//  An audit event, after the change it records is durable. Its failure is
//  logged: the change itself has happened and is answered as such.
static void
s_audit (s_call_t *call, token_audit_record_t *record)
{
    snprintf (record->request_id, sizeof record->request_id, "%s", call->rid);
    if (!*record->ip)
        snprintf (record->ip, sizeof record->ip, "%s", call->ip);
    record->at = call->now;
    if (token_audit_write (call->self->audit, record) != R5__STATUS__STATUS_OK)
        r5_warn (call->rid, "%s", token_audit_error (call->self->audit));
}

static void
s_audit_token (s_call_t *call, const char *type, const token_record_t *token, token_audit_record_t *record)
{
    token_audit_record_init (record, type);
    snprintf (record->token_id, sizeof record->token_id, "%s", token->id);
    snprintf (record->user_id, sizeof record->user_id, "%s", token->user_id);
    snprintf (record->account_id, sizeof record->account_id, "%s", token->account_id);
    snprintf (record->hint, sizeof record->hint, "%s", token->hint);
}

static void
s_publish (s_call_t *call, const char *change, const token_record_t *token)
{
    if (token_events_publish (call->self->events, change, token->id, token->user_id,
                              token->account_id, call->now))
        r5_warn (call->rid, "cannot publish token.%s %s", change, token->id);
}

//  A fresh value of kind into value, with its digest (hex) and hint.
static void
s_new_value (s_call_t *call, r5_token_kind_t kind, char value [R5_TOKEN_LENGTH + 1],
             char digest_hex [TOKEN_DIGEST_HEX_SIZE], char hint [R5_TOKEN_HINT_SIZE])
{
    uint8_t digest [R5_TOKEN_DIGEST_SIZE];
    r5_token_generate (kind, value);
    r5_token_digest (call->self->pepper, value, R5_TOKEN_LENGTH, digest);
    token_store_digest_hex (digest, digest_hex);
    r5_token_hint (value, hint);
}

//  Put a value into the reply; the copy is zeroed once the reply is packed.
static char *
s_secret (s_call_t *call, const char *value)
{
    assert (!call->secret);
    call->secret = strdup (value);
    return call->secret ? call->secret : (char *) "";
}

//  ---------------------------------------------------------------------------
//  verify

typedef struct {
    bool found;
    bool active;
    R5__Role role;
    char account_id [TOKEN_USER_ID_MAX + 1];
    char *name;                     //  owned by the call
    char *email;
} s_user_t;

//  Ask r5.resource for a user (idempotent, so retried on another instance).
//  OK with user->found false when it does not exist.
static R5__Status
s_lookup_user (s_call_t *call, const char *user_id, s_user_t *user)
{
    memset (user, 0, sizeof *user);
    int64_t timeout = TOKEN_USER_LOOKUP_TIMEOUT_MS;
    if (call->deadline && call->deadline - call->now < timeout)
        timeout = call->deadline - call->now;
    if (timeout < 1)
        return R5__STATUS__STATUS_DEADLINE_EXCEEDED;

    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__GetUsersRequest get_users = R5__GET_USERS_REQUEST__INIT;
    r5_rpc_meta_init (&meta, "r5-token", call->rid, (int) timeout);
    char *ids [1] = { (char *) user_id };
    get_users.ids = ids;
    get_users.n_ids = 1;
    request.meta = &meta;
    request.body_case = R5__RESOURCE_REQUEST__BODY_GET_USERS;
    request.get_users = &get_users;

    R5__Status status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (
        call->self->client, R5_SERVICE_RESOURCE, &request.base, &r5__resource_reply__descriptor,
        (int) timeout, true, &status);
    if (!reply)
        return status == R5__STATUS__STATUS_MALFORMED ? R5__STATUS__STATUS_UNAVAILABLE : status;
    status = reply->status;
    if (status == R5__STATUS__STATUS_NOT_FOUND)
        status = R5__STATUS__STATUS_OK;         //  a missing user is an answer, not a failure
    else
    if (status == R5__STATUS__STATUS_OK && reply->body_case == R5__RESOURCE_REPLY__BODY_USERS) {
        for (size_t i = 0; i < reply->users->n_users; i++) {
            R5__User *found = reply->users->users [i];
            if (!found->id || strcmp (found->id, user_id))
                continue;
            user->found = true;
            user->active = found->active;
            user->role = found->role;
            snprintf (user->account_id, sizeof user->account_id, "%s", found->account_id ? found->account_id : "");
            user->name = s_dup (call, found->name);
            user->email = s_dup (call, found->email);
            break;
        }
    }
    else
    if (status == R5__STATUS__STATUS_OK)
        status = R5__STATUS__STATUS_INTERNAL;   //  OK without a user list: not the contract
    else
        r5_warn (call->rid, "r5.resource answered %s to get users", r5_status_name (status));
    protobuf_c_message_free_unpacked (&reply->base, NULL);
    if (status != R5__STATUS__STATUS_OK && status != R5__STATUS__STATUS_DEADLINE_EXCEEDED)
        status = R5__STATUS__STATUS_UNAVAILABLE;
    return status;
}

//  Answer a failed verification: one status and message whatever the cause;
//  the cause goes to the audit trail (rate-limited) and the debug log.
static void
s_verify_failed (s_call_t *call, const char *reason, const token_record_t *token, const char *hint)
{
    r5_debug (call->rid, "verification failed: %s%s%s", reason, token ? " token " : "", token ? token->id : "");
    if (token_audit_failure_allowed (call->self->audit, call->now)) {
        token_audit_record_t record;
        if (token)
            s_audit_token (call, "verify_failed", token, &record);
        else {
            token_audit_record_init (&record, "verify_failed");
            snprintf (record.hint, sizeof record.hint, "%s", hint ? hint : "");
        }
        snprintf (record.reason, sizeof record.reason, "%s", reason);
        s_audit (call, &record);
        uint64_t dropped = token_audit_failures_dropped (call->self->audit);
        if (dropped)
            r5_warn (call->rid, "%llu failed verifications not written to the audit trail (rate limit)",
                     (unsigned long long) dropped);
    }
    s_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, S_UNAUTHENTICATED);
}

static void
s_on_verify (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__VerifyTokenRequest *verify = call->request->verify;
    if (verify->client_ip && *verify->client_ip)
        call->ip = token_input_ip (verify->client_ip);
    const char *value = verify->value ? verify->value : "";
    size_t length = strlen (value);

    //  Shape and checksum first: garbage costs no lookup.
    r5_token_kind_t kind = r5_token_check (value, length);
    if (kind == R5_TOKEN_INVALID) {
        s_verify_failed (call, "malformed", NULL, NULL);
        return;
    }
    uint8_t digest [R5_TOKEN_DIGEST_SIZE];
    char digest_hex [TOKEN_DIGEST_HEX_SIZE];
    char hint [R5_TOKEN_HINT_SIZE];
    r5_token_digest (self->pepper, value, length, digest);
    token_store_digest_hex (digest, digest_hex);
    r5_token_hint (value, hint);

    token_record_t token;
    R5__Status status = token_store_find_by_digest (self->store, digest_hex, &token);
    if (status == R5__STATUS__STATUS_NOT_FOUND
    ||  (status == R5__STATUS__STATUS_OK && (int) token.kind != (int) kind)) {
        s_verify_failed (call, "unknown token", NULL, hint);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_store (call, status, "cannot verify token", token_store_error (self->store));
        return;
    }
    if (token.kind == TOKEN_KIND_SESSION
    &&  (call->now >= token.absolute_expires_at || call->now >= token.idle_expires_at)) {
        //  Expired sessions are removed when met, so the collection does not keep them.
        token_record_t removed;
        if (token_store_delete_by_digest (self->store, digest_hex, TOKEN_KIND_SESSION, &removed)
            == R5__STATUS__STATUS_OK)
            s_publish (call, TOKEN_EVENT_REVOKED, &token);
        token_usage_forget (self->usage, token.id);
        s_verify_failed (call, "session expired", &token, NULL);
        return;
    }
    s_user_t user;
    status = s_lookup_user (call, token.user_id, &user);
    if (status != R5__STATUS__STATUS_OK) {
        r5_warn (call->rid, "cannot look up user %s: %s", token.user_id, r5_status_name (status));
        s_fail (call, status, "user directory unavailable");
        return;
    }
    if (!user.found || !user.active || strcmp (user.account_id, token.account_id)) {
        s_verify_failed (call, user.found && user.active ? "account mismatch" : "user inactive or missing",
                         &token, NULL);
        return;
    }

    //  lastUsedAt, throttled: at most one write per token per interval.
    if (token_usage_due (self->usage, token.id, call->now)) {
        int64_t idle_expires = 0;
        if (token.kind == TOKEN_KIND_SESSION) {
            idle_expires = call->now + self->session_idle_ms;
            if (idle_expires > token.absolute_expires_at)
                idle_expires = token.absolute_expires_at;
        }
        if (token_store_touch (self->store, token.id, token.digest, call->now, call->ip, idle_expires)
            == R5__STATUS__STATUS_OK) {
            if (idle_expires)
                token.idle_expires_at = idle_expires;
        }
        else {
            //  Verification stands; the use is recorded on a later request.
            r5_warn (call->rid, "%s", token_store_error (self->store));
            token_usage_forget (self->usage, token.id);
        }
    }

    R5__VerifyTokenReply *reply = (R5__VerifyTokenReply *) s_alloc (call, sizeof *reply);
    R5__Principal *principal = (R5__Principal *) s_alloc (call, sizeof *principal);
    if (!reply || !principal) {
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
        return;
    }
    r5__verify_token_reply__init (reply);
    r5__principal__init (principal);
    principal->user_id = s_dup (call, token.user_id);
    principal->account_id = s_dup (call, token.account_id);
    principal->role = user.role;
    principal->token_id = s_dup (call, token.id);
    principal->name = user.name;
    principal->email = user.email;
    if (token.kind == TOKEN_KIND_SESSION) {
        principal->kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;
        reply->expires_unix_ms = token.idle_expires_at < token.absolute_expires_at
                               ? token.idle_expires_at : token.absolute_expires_at;
    }
    else {
        principal->kind = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
        principal->scopes = s_scope_array (call, token.scopes, &principal->n_scopes);
    }
    reply->principal = principal;
    call->reply.body_case = R5__TOKEN_REPLY__BODY_VERIFY;
    call->reply.verify = reply;
}

//  ---------------------------------------------------------------------------
//  create

//  A create retried with a key already used: the token exists and its value
//  was shown once; it cannot be shown again. CONFLICT with the token, no value.
static void
s_reply_replayed (s_call_t *call, const token_record_t *token)
{
    r5_info (call->rid, "create retried with the idempotency key of token %s", token->id);
    s_fail (call, R5__STATUS__STATUS_CONFLICT,
            "a token was already created with this idempotency key; its value is shown only once: "
            "regenerate the token if the value was lost");
    call->reply.body_case = R5__TOKEN_REPLY__BODY_TOKEN;
    call->reply.token = s_token_message (call, token);
}

static void
s_reply_issued (s_call_t *call, const token_record_t *token, const char *value)
{
    R5__TokenIssued *issued = (R5__TokenIssued *) s_alloc (call, sizeof *issued);
    if (!issued) {
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
        return;
    }
    r5__token_issued__init (issued);
    issued->token = s_token_message (call, token);
    issued->value = s_secret (call, value);
    call->reply.body_case = R5__TOKEN_REPLY__BODY_ISSUED;
    call->reply.issued = issued;
}

static void
s_on_create (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    if (!principal)
        return;
    const R5__CreateTokenRequest *create = call->request->create;
    char message [128];
    r5_scope_set_t scopes;
    if (token_input_description (create->description, message, sizeof message)
    ||  token_input_scopes (create->scopes, create->n_scopes, &scopes, message, sizeof message)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    const char *key = create->idempotency_key ? create->idempotency_key : "";
    if (!token_input_is_idempotency_key (key)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT,
                "idempotency key must be at most 128 printable characters without spaces");
        return;
    }
    token_record_t token;
    R5__Status status;
    if (*key) {
        status = token_store_find_by_idempotency_key (self->store, principal->user_id, key, &token);
        if (status == R5__STATUS__STATUS_OK) {
            s_reply_replayed (call, &token);
            return;
        }
        if (status != R5__STATUS__STATUS_NOT_FOUND) {
            s_fail_store (call, status, "cannot create token", token_store_error (self->store));
            return;
        }
    }
    memset (&token, 0, sizeof token);
    r5_mongo_new_id (token.id);
    token.kind = TOKEN_KIND_PAT;
    snprintf (token.user_id, sizeof token.user_id, "%s", principal->user_id);
    snprintf (token.account_id, sizeof token.account_id, "%s", principal->account_id);
    snprintf (token.description, sizeof token.description, "%s", create->description);
    snprintf (token.idempotency_key, sizeof token.idempotency_key, "%s", key);
    token.scopes = scopes;
    token.created_at = call->now;

    char value [R5_TOKEN_LENGTH + 1];
    //  A second attempt only if the new digest collided (2^-256): never in practice.
    for (int attempt = 0; attempt < 2; attempt++) {
        bool idempotency_taken;
        s_new_value (call, R5_TOKEN_PAT, value, token.digest, token.hint);
        status = token_store_insert (self->store, &token, &idempotency_taken);
        if (status == R5__STATUS__STATUS_CONFLICT && idempotency_taken) {
            //  A concurrent copy of this create won the race for the key.
            sodium_memzero (value, sizeof value);
            token_record_t existing;
            status = token_store_find_by_idempotency_key (self->store, principal->user_id, key, &existing);
            if (status == R5__STATUS__STATUS_OK)
                s_reply_replayed (call, &existing);
            else
                s_fail_store (call, status, "cannot create token", token_store_error (self->store));
            return;
        }
        if (status != R5__STATUS__STATUS_CONFLICT)
            break;
    }
    if (status != R5__STATUS__STATUS_OK) {
        sodium_memzero (value, sizeof value);
        s_fail_store (call, status, "cannot create token", token_store_error (self->store));
        return;
    }
    r5_info (call->rid, "token %s created for user %s", token.id, token.user_id);
    token_audit_record_t record;
    s_audit_token (call, "created", &token, &record);
    record.has_scopes_after = true;
    record.scopes_after = token.scopes;
    record.has_description_after = true;
    snprintf (record.description_after, sizeof record.description_after, "%s", token.description);
    s_audit (call, &record);
    s_reply_issued (call, &token, value);
    sodium_memzero (value, sizeof value);
}

//  ---------------------------------------------------------------------------
//  list, get

static void
s_on_list (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    if (!principal)
        return;
    const R5__ListTokensRequest *list = call->request->list;
    int first = token_input_first (list->first);
    if (first < 0) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "first must be from 1 to 100");
        return;
    }
    int64_t after_created_at = 0;
    char after_id [TOKEN_ID_SIZE];
    bool after = list->after && *list->after;
    if (after && token_cursor_parse (list->after, &after_created_at, after_id)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "invalid cursor");
        return;
    }
    //  One more than asked for tells whether there is a next page.
    size_t limit = (size_t) first + 1, count = 0;
    token_record_t *records = (token_record_t *) calloc (limit, sizeof *records);
    R5__TokenList *reply = (R5__TokenList *) s_alloc (call, sizeof *reply);
    if (!records || !reply) {
        free (records);
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
        return;
    }
    r5__token_list__init (reply);
    R5__Status status = token_store_list (self->store, principal->user_id, principal->account_id,
                                          after_created_at, after ? after_id : NULL,
                                          records, limit, &count);
    if (status != R5__STATUS__STATUS_OK) {
        free (records);
        s_fail_store (call, status, "cannot list tokens", token_store_error (self->store));
        return;
    }
    reply->has_next_page = count > (size_t) first;
    if (reply->has_next_page)
        count = (size_t) first;
    reply->tokens = (R5__Token **) s_alloc (call, (count ? count : 1) * sizeof (R5__Token *));
    for (size_t i = 0; reply->tokens && i < count; i++) {
        reply->tokens [i] = s_token_message (call, &records [i]);
        if (reply->tokens [i])
            reply->n_tokens++;
    }
    if (count) {
        char cursor [TOKEN_CURSOR_SIZE];
        token_cursor_format (records [count - 1].created_at, records [count - 1].id, cursor);
        reply->end_cursor = s_dup (call, cursor);
    }
    free (records);
    call->reply.body_case = R5__TOKEN_REPLY__BODY_LIST;
    call->reply.list = reply;
}

static void
s_on_get (s_call_t *call)
{
    const R5__Principal *principal = s_session_principal (call);
    if (!principal || !s_check_id (call, call->request->get->id))
        return;
    token_record_t token;
    R5__Status status = token_store_find_own (call->self->store, call->request->get->id,
                                              principal->user_id, principal->account_id,
                                              TOKEN_KIND_PAT, &token);
    if (status == R5__STATUS__STATUS_NOT_FOUND)
        s_fail (call, status, S_NOT_FOUND);
    else
    if (status != R5__STATUS__STATUS_OK)
        s_fail_store (call, status, "cannot get token", token_store_error (call->self->store));
    else {
        call->reply.body_case = R5__TOKEN_REPLY__BODY_TOKEN;
        call->reply.token = s_token_message (call, &token);
    }
}

//  ---------------------------------------------------------------------------
//  update, regenerate, delete

static void
s_on_update (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    const R5__UpdateTokenRequest *update = call->request->update;
    if (!principal || !s_check_id (call, update->id))
        return;
    char message [128];
    const char *description = NULL;
    if (update->description_present_case == R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION) {
        description = update->description ? update->description : "";
        if (token_input_description (description, message, sizeof message)) {
            s_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
            return;
        }
    }
    r5_scope_set_t scopes = 0;
    if (update->set_scopes
    &&  token_input_scopes (update->scopes, update->n_scopes, &scopes, message, sizeof message)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    token_record_t before, after;
    R5__Status status = token_store_update (self->store, update->id, principal->user_id,
                                            principal->account_id, description,
                                            update->set_scopes ? &scopes : NULL, &before, &after);
    if (status == R5__STATUS__STATUS_NOT_FOUND) {
        s_fail (call, status, S_NOT_FOUND);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_store (call, status, "cannot update token", token_store_error (self->store));
        return;
    }
    r5_info (call->rid, "token %s updated", after.id);
    s_publish (call, TOKEN_EVENT_UPDATED, &after);
    token_audit_record_t record;
    s_audit_token (call, "updated", &after, &record);
    if (update->set_scopes) {
        record.has_scopes_before = record.has_scopes_after = true;
        record.scopes_before = before.scopes;
        record.scopes_after = after.scopes;
    }
    if (description) {
        record.has_description_before = record.has_description_after = true;
        snprintf (record.description_before, sizeof record.description_before, "%s", before.description);
        snprintf (record.description_after, sizeof record.description_after, "%s", after.description);
    }
    s_audit (call, &record);
    call->reply.body_case = R5__TOKEN_REPLY__BODY_TOKEN;
    call->reply.token = s_token_message (call, &after);
}

static void
s_on_regenerate (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    const char *id = call->request->regenerate->id;
    if (!principal || !s_check_id (call, id))
        return;
    token_record_t current, after;
    R5__Status status = token_store_find_own (self->store, id, principal->user_id,
                                              principal->account_id, TOKEN_KIND_PAT, &current);
    if (status == R5__STATUS__STATUS_OK) {
        char value [R5_TOKEN_LENGTH + 1];
        char digest [TOKEN_DIGEST_HEX_SIZE];
        char hint [R5_TOKEN_HINT_SIZE];
        s_new_value (call, R5_TOKEN_PAT, value, digest, hint);
        //  Only if the digest is still the one just read: of two concurrent
        //  regenerates exactly one wins, the other is told CONFLICT.
        status = token_store_swap_digest (self->store, id, principal->user_id, principal->account_id,
                                          current.digest, digest, hint, &after);
        if (status == R5__STATUS__STATUS_OK) {
            token_usage_forget (self->usage, id);
            r5_info (call->rid, "token %s regenerated", id);
            s_publish (call, TOKEN_EVENT_REVOKED, &after);
            token_audit_record_t record;
            s_audit_token (call, "regenerated", &after, &record);
            s_audit (call, &record);
            s_reply_issued (call, &after, value);
        }
        sodium_memzero (value, sizeof value);
    }
    if (status == R5__STATUS__STATUS_NOT_FOUND)
        s_fail (call, status, S_NOT_FOUND);
    else
    if (status == R5__STATUS__STATUS_CONFLICT)
        s_fail (call, status, "the token was regenerated by another request at the same time; try again");
    else
    if (status != R5__STATUS__STATUS_OK)
        s_fail_store (call, status, "cannot regenerate token", token_store_error (self->store));
}

static void
s_on_delete (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    const char *id = call->request->delete_->id;
    if (!principal || !s_check_id (call, id))
        return;
    R5__Status status = token_store_delete_own (self->store, id, principal->user_id,
                                                principal->account_id, TOKEN_KIND_PAT);
    if (status == R5__STATUS__STATUS_NOT_FOUND) {
        s_fail (call, status, S_NOT_FOUND);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_store (call, status, "cannot delete token", token_store_error (self->store));
        return;
    }
    token_usage_forget (self->usage, id);
    token_record_t token;
    memset (&token, 0, sizeof token);
    snprintf (token.id, sizeof token.id, "%s", id);
    snprintf (token.user_id, sizeof token.user_id, "%s", principal->user_id);
    snprintf (token.account_id, sizeof token.account_id, "%s", principal->account_id);
    r5_info (call->rid, "token %s deleted", id);
    s_publish (call, TOKEN_EVENT_REVOKED, &token);
    token_audit_record_t record;
    s_audit_token (call, "deleted", &token, &record);
    s_audit (call, &record);
    R5__Deleted *deleted = (R5__Deleted *) s_alloc (call, sizeof *deleted);
    if (deleted) {
        r5__deleted__init (deleted);
        deleted->id = s_dup (call, id);
    }
    call->reply.body_case = R5__TOKEN_REPLY__BODY_DELETED;
    call->reply.deleted = deleted;
}

//  ---------------------------------------------------------------------------
//  sessions

static void
s_on_create_session (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__CreateSessionRequest *create = call->request->create_session;
    if (!token_input_is_user_id (create->user_id) || !token_input_is_user_id (create->account_id)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "invalid user or account id");
        return;
    }
    token_record_t session;
    memset (&session, 0, sizeof session);
    r5_mongo_new_id (session.id);
    session.kind = TOKEN_KIND_SESSION;
    snprintf (session.user_id, sizeof session.user_id, "%s", create->user_id);
    snprintf (session.account_id, sizeof session.account_id, "%s", create->account_id);
    session.created_at = call->now;
    session.last_used_at = call->now;
    snprintf (session.last_used_ip, sizeof session.last_used_ip, "%s", call->ip);
    session.absolute_expires_at = call->now + self->session_absolute_ms;
    session.idle_expires_at = call->now + self->session_idle_ms;
    if (session.idle_expires_at > session.absolute_expires_at)
        session.idle_expires_at = session.absolute_expires_at;

    char value [R5_TOKEN_LENGTH + 1];
    R5__Status status = R5__STATUS__STATUS_INTERNAL;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool unused;
        s_new_value (call, R5_TOKEN_SESSION, value, session.digest, session.hint);
        status = token_store_insert (self->store, &session, &unused);
        if (status != R5__STATUS__STATUS_CONFLICT)
            break;
    }
    if (status != R5__STATUS__STATUS_OK) {
        sodium_memzero (value, sizeof value);
        s_fail_store (call, status, "cannot create session", token_store_error (self->store));
        return;
    }
    //  The last use counts from now: the first verify need not write.
    token_usage_due (self->usage, session.id, call->now);
    r5_info (call->rid, "session %s created for user %s", session.id, session.user_id);
    token_audit_record_t record;
    s_audit_token (call, "session_created", &session, &record);
    s_audit (call, &record);

    R5__SessionIssued *issued = (R5__SessionIssued *) s_alloc (call, sizeof *issued);
    if (issued) {
        r5__session_issued__init (issued);
        issued->value = s_secret (call, value);
        issued->idle_expires_unix_ms = session.idle_expires_at;
        issued->absolute_expires_unix_ms = session.absolute_expires_at;
        call->reply.body_case = R5__TOKEN_REPLY__BODY_SESSION;
        call->reply.session = issued;
    }
    else
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
    sodium_memzero (value, sizeof value);
}

//  Sign-out. Idempotent: an unknown or already ended session answers OK with
//  an empty id, so a retried sign-out cannot fail.
static void
s_on_delete_session (s_call_t *call)
{
    token_server_t *self = call->self;
    const char *value = call->request->delete_session->value;
    value = value ? value : "";
    size_t length = strlen (value);
    R5__Deleted *deleted = (R5__Deleted *) s_alloc (call, sizeof *deleted);
    if (!deleted) {
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
        return;
    }
    r5__deleted__init (deleted);
    r5_token_kind_t kind = r5_token_check (value, length);
    if (kind == R5_TOKEN_PAT) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "not a session: delete personal access tokens by id");
        return;
    }
    if (kind == R5_TOKEN_SESSION) {
        uint8_t digest [R5_TOKEN_DIGEST_SIZE];
        char digest_hex [TOKEN_DIGEST_HEX_SIZE];
        r5_token_digest (self->pepper, value, length, digest);
        token_store_digest_hex (digest, digest_hex);
        token_record_t session;
        R5__Status status = token_store_delete_by_digest (self->store, digest_hex, TOKEN_KIND_SESSION, &session);
        if (status == R5__STATUS__STATUS_OK) {
            token_usage_forget (self->usage, session.id);
            r5_info (call->rid, "session %s ended", session.id);
            s_publish (call, TOKEN_EVENT_REVOKED, &session);
            token_audit_record_t record;
            s_audit_token (call, "session_deleted", &session, &record);
            s_audit (call, &record);
            deleted->id = s_dup (call, session.id);
        }
        else
        if (status != R5__STATUS__STATUS_NOT_FOUND) {
            s_fail_store (call, status, "cannot end session", token_store_error (self->store));
            return;
        }
    }
    call->reply.body_case = R5__TOKEN_REPLY__BODY_DELETED;
    call->reply.deleted = deleted;
}

//  ---------------------------------------------------------------------------
//  audit trail

static void
s_on_list_events (s_call_t *call)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = s_session_principal (call);
    const R5__ListTokenEventsRequest *list = call->request->list_events;
    if (!principal || !s_check_id (call, list->id))
        return;
    int first = token_input_first (list->first);
    if (first < 0) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "first must be from 1 to 100");
        return;
    }
    int64_t after_at = 0;
    char after_id [TOKEN_ID_SIZE];
    bool after = list->after && *list->after;
    if (after && token_cursor_parse (list->after, &after_at, after_id)) {
        s_fail (call, R5__STATUS__STATUS_BAD_INPUT, "invalid cursor");
        return;
    }
    //  Owner only: the token must be the caller's own, like every other call.
    token_record_t token;
    R5__Status status = token_store_find_own (self->store, list->id, principal->user_id,
                                              principal->account_id, TOKEN_KIND_PAT, &token);
    if (status == R5__STATUS__STATUS_NOT_FOUND) {
        s_fail (call, status, S_NOT_FOUND);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        s_fail_store (call, status, "cannot list token events", token_store_error (self->store));
        return;
    }
    size_t limit = (size_t) first + 1, count = 0;
    token_audit_record_t *records = (token_audit_record_t *) calloc (limit, sizeof *records);
    R5__TokenEventList *reply = (R5__TokenEventList *) s_alloc (call, sizeof *reply);
    if (!records || !reply) {
        free (records);
        s_fail (call, R5__STATUS__STATUS_INTERNAL, "out of memory");
        return;
    }
    r5__token_event_list__init (reply);
    status = token_audit_list (self->audit, token.id, principal->user_id, after_at,
                               after ? after_id : NULL, records, limit, &count);
    if (status != R5__STATUS__STATUS_OK) {
        free (records);
        s_fail_store (call, status, "cannot list token events", token_audit_error (self->audit));
        return;
    }
    reply->has_next_page = count > (size_t) first;
    if (reply->has_next_page)
        count = (size_t) first;
    reply->events = (R5__TokenEvent **) s_alloc (call, (count ? count : 1) * sizeof (R5__TokenEvent *));
    for (size_t i = 0; reply->events && i < count; i++) {
        const token_audit_record_t *record = &records [i];
        R5__TokenEvent *event = (R5__TokenEvent *) s_alloc (call, sizeof *event);
        if (!event)
            break;
        r5__token_event__init (event);
        event->id = s_dup (call, record->id);
        event->token_id = s_dup (call, record->token_id);
        event->type = s_dup (call, record->type);
        event->at_unix_ms = record->at;
        event->ip = s_dup (call, record->ip);
        event->request_id = s_dup (call, record->request_id);
        if (record->has_scopes_before)
            event->scopes_before = s_scope_array (call, record->scopes_before, &event->n_scopes_before);
        if (record->has_scopes_after)
            event->scopes_after = s_scope_array (call, record->scopes_after, &event->n_scopes_after);
        event->description_before = s_dup (call, record->description_before);
        event->description_after = s_dup (call, record->description_after);
        event->reason = s_dup (call, record->reason);
        event->hint = s_dup (call, record->hint);
        reply->events [reply->n_events++] = event;
    }
    if (count) {
        char cursor [TOKEN_CURSOR_SIZE];
        token_cursor_format (records [count - 1].at, records [count - 1].id, cursor);
        reply->end_cursor = s_dup (call, cursor);
    }
    free (records);
    call->reply.body_case = R5__TOKEN_REPLY__BODY_EVENTS;
    call->reply.events = reply;
}

//  ---------------------------------------------------------------------------
//  Dispatch

uint8_t *
token_server_handle (void *state, const uint8_t *body, size_t size,
                     int64_t deadline_unix_ms, size_t *reply_size)
{
    s_call_t call;
    memset (&call, 0, sizeof call);
    call.self = (token_server_t *) state;
    call.rid = "";
    call.ip = "";
    call.deadline = deadline_unix_ms;
    call.now = r5_now_ms ();
    r5__token_reply__init (&call.reply);

    R5__TokenRequest *request = NULL;
    if (size > R5_RPC_MAX_MESSAGE)
        s_fail (&call, R5__STATUS__STATUS_MALFORMED, "request too large");
    else {
        request = r5__token_request__unpack (NULL, size, body);
        if (!request)
            s_fail (&call, R5__STATUS__STATUS_MALFORMED, "cannot decode token request");
    }
    if (request) {
        call.request = request;
        if (request->meta) {
            //  Request ids go into logs: only a sane one is used.
            if (request->meta->request_id && strlen (request->meta->request_id) < 128)
                call.rid = request->meta->request_id;
            call.ip = token_input_ip (request->meta->client_ip);
            if (!call.deadline)
                call.deadline = request->meta->deadline_unix_ms;
        }
        //  The one rule for partial updates (r5_update.h), before any lookup.
        if (r5_update_is_empty (&request->base))
            s_fail (&call, R5__STATUS__STATUS_BAD_INPUT, R5_UPDATE_EMPTY_MESSAGE);
        else
        switch (request->body_case) {
            case R5__TOKEN_REQUEST__BODY_VERIFY:         s_on_verify (&call); break;
            case R5__TOKEN_REQUEST__BODY_CREATE:         s_on_create (&call); break;
            case R5__TOKEN_REQUEST__BODY_LIST:           s_on_list (&call); break;
            case R5__TOKEN_REQUEST__BODY_GET:            s_on_get (&call); break;
            case R5__TOKEN_REQUEST__BODY_UPDATE:         s_on_update (&call); break;
            case R5__TOKEN_REQUEST__BODY_REGENERATE:     s_on_regenerate (&call); break;
            case R5__TOKEN_REQUEST__BODY_DELETE:         s_on_delete (&call); break;
            case R5__TOKEN_REQUEST__BODY_CREATE_SESSION: s_on_create_session (&call); break;
            case R5__TOKEN_REQUEST__BODY_DELETE_SESSION: s_on_delete_session (&call); break;
            case R5__TOKEN_REQUEST__BODY_LIST_EVENTS:    s_on_list_events (&call); break;
            default:
                s_fail (&call, R5__STATUS__STATUS_MALFORMED, "unknown token request");
                break;
        }
    }
    uint8_t *reply = r5_rpc_pack (&call.reply.base, reply_size);
    if (call.secret) {
        sodium_memzero (call.secret, strlen (call.secret));
        free (call.secret);
    }
    for (size_t i = 0; i < call.owned_count; i++)
        free (call.owned [i]);
    free (call.owned);
    if (request)
        r5__token_request__free_unpacked (request, NULL);
    return reply;
}
