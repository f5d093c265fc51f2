/*  token_call: what r5-token's handlers share (internal to services/token).

    The server's state, one call's context, and the helpers every handler
    uses to answer. Each call's reply is built on the heap and owned as if
    unpacked (common/r5_reply.h): every string in it comes from
    token_call_dup, every message from r5_calloc, and the dispatcher packs,
    zeroes and frees all of it after the handler returns.

    Handlers, one per TokenRequest case, by concept:
        token_verify.c     token_on_verify
        token_manage.c     token_on_create, _list, _get, _update,
                           _regenerate, _delete, _list_events
        token_sessions.c   token_on_create_session, _delete_session
        token_leaks.c      token_on_report_leaked, _list_notices,
                           _dismiss_notice  */
#ifndef TOKEN_CALL_H
#define TOKEN_CALL_H

#include "token_server.h"
#include "r5_client.h"
#include "r5_mongo.h"
#include "r5_scope.h"
#include "r5/token.pb-c.h"
#include "token_audit.h"
#include "token_events.h"
#include "token_notices.h"
#include "token_proofs.h"
#include "token_store.h"
#include "token_usage.h"

//  The one answer to every failed verification, whatever the cause.
#define TOKEN_UNAUTHENTICATED_MESSAGE "invalid or expired token"

struct _token_server_t {
    uint8_t pepper [R5_PEPPER_SIZE];
    r5_sign_secret_t assertion_key;
    r5_sign_public_t assertion_public;      //  to check assertions made by any instance
    int64_t assertion_ttl_ms;
    r5_sign_public_t proof_public;          //  r5-resource's password-proof key
    int64_t session_idle_ms;
    int64_t session_absolute_ms;
    r5_mongo_t *mongo;
    token_store_t *store;
    token_audit_t *audit;
    token_usage_t *usage;
    r5_events_t *events;
    token_proofs_t *proofs;
    token_notices_t *notices;       //  leaked-token notices for owners
    r5_client_t *client;            //  to r5.resource; NULL without brokers
    bool pending_due;               //  a change's audit entry is known to be owed
    int64_t pending_swept_at;       //  last sweep for owed entries (token_pending.h)
    const r5_clock_t *clock;        //  a call's now; NULL: the real clock
};

//  One call: the request's context and the reply being built.
typedef struct {
    token_server_t *self;
    const R5__RequestMeta *meta;    //  NULL when the request has none
    const char *rid;                //  request id for logs ("" when none)
    const char *ip;                 //  client ip, validated ("" when unknown)
    int64_t deadline;               //  0: none
    int64_t now;
    R5__TokenReply *reply;          //  heap, packed and freed by the dispatcher
    R5__PrincipalClaims *claims;    //  verified by token_call_principal; freed by the dispatcher
} token_call_t;

//  ---------------------------------------------------------------------------
//  Handlers

void token_on_verify (token_call_t *call, const R5__VerifyTokenRequest *verify);
void token_on_create (token_call_t *call, const R5__CreateTokenRequest *create);
void token_on_list (token_call_t *call, const R5__ListTokensRequest *list);
void token_on_get (token_call_t *call, const R5__GetTokenRequest *get);
void token_on_update (token_call_t *call, const R5__UpdateTokenRequest *update);
void token_on_regenerate (token_call_t *call, const R5__RegenerateTokenRequest *regenerate);
void token_on_delete (token_call_t *call, const R5__DeleteTokenRequest *delete_);
void token_on_list_events (token_call_t *call, const R5__ListTokenEventsRequest *list);
void token_on_create_session (token_call_t *call, const R5__CreateSessionRequest *create);
void token_on_delete_session (token_call_t *call, const R5__DeleteSessionRequest *delete_);
void token_on_report_leaked (token_call_t *call, const R5__ReportLeakedTokensRequest *report);
void token_on_list_notices (token_call_t *call, const R5__ListTokenNoticesRequest *list);
void token_on_dismiss_notice (token_call_t *call, const R5__DismissTokenNoticeRequest *dismiss);

//  ---------------------------------------------------------------------------
//  Helpers (token_call.c)

//  A heap copy of text for the reply ("" for NULL).
char *token_call_dup (const char *text);

//  Answer status with message (replaces an earlier message).
void token_call_fail (token_call_t *call, R5__Status status, const char *message);

//  A store or dependency failure: logged in full, answered without details.
void token_call_fail_store (token_call_t *call, R5__Status status, const char *what, const char *detail);

//  The principal of a management call: a signed-in user's login session, as
//  a verified, unexpired assertion signed by r5-token carries it (borrowed
//  from call->claims). NULL (and the reply's status set) otherwise.
const R5__Principal *token_call_principal (token_call_t *call);

//  A token id from a request: false (and NOT_FOUND answered) unless well
//  formed: an id no token can have names no token.
bool token_call_check_id (token_call_t *call, const char *id);

//  The scopes of a set, in enum order, as a heap array of *count.
R5__Scope *token_call_scopes (r5_scope_set_t set, size_t *count);

//  The team ids of a restriction, as a heap array of *count heap strings.
char **token_call_teams (const token_teams_t *teams, size_t *count);

//  A heap Token message of a record.
R5__Token *token_call_token (const token_record_t *record);

//  An audit record of type about token, to complete and write with token_call_audit.
void token_call_audit_token (const char *type, const token_record_t *token, token_audit_record_t *record);

//  The document of an audit event (request id, ip and time from the call),
//  appended to doc: what a change owes, written with it (token_pending.h).
void token_call_audit_document (token_call_t *call, token_audit_record_t *record, bson_t *doc);

//  Write an audit event, after the change it records is durable. Its failure
//  is logged: the change itself has happened and is answered as such.
void token_call_audit (token_call_t *call, token_audit_record_t *record);

//  Announce a change of token on the PUB socket (a failure is logged).
void token_call_publish (token_call_t *call, const char *change, const token_record_t *token);

//  Revoke a personal access token as a delete does (token_manage.c), in one
//  write with its audit entry audit (a token_audit document), then the
//  revoked event, the gateways' confirmation and the entry (token_pending.h).
//  token names the id and owner; with digest, only while the value is that
//  one. OK, or the store's status (nothing changed).
R5__Status token_call_retire (token_call_t *call, const token_record_t *token, const char *digest, bson_t *audit);

//  A fresh value of kind into value, with its digest (hex) and hint. The
//  caller zeroes value.
void token_call_new_value (token_call_t *call, r5_token_kind_t kind, char value [R5_TOKEN_LENGTH + 1],
                           char digest_hex [TOKEN_DIGEST_HEX_SIZE], char hint [R5_TOKEN_HINT_SIZE]);

#endif
