/*  test_token_service: r5-token end to end inside one process — the real
    dev server (deploy/devmongo/r5-devmongo), the real broker actor, the
    token service actor, and a tiny fake of r5.resource that answers
    GetUsers from a table (the integration test uses the real one).

    What a caller would see: values only in the create/regenerate reply and
    nowhere in the database, verification, regenerate, races, updates,
    deletes, other users, PAT principals, idempotent retries, inactive users,
    pagination, sessions, events and the audit trail; principals only from
    r5-token's own signed, unexpired assertions (forged fields, other keys,
    tampered and expired ones refused, nothing changed), and sessions only
    for a fresh, single-use password proof of r5-resource's key. */
#include <czmq.h>
#include <stdarg.h>
#include "r5_test.h"
#include "r5_test_clock.h"
#include "r5_test_bus.h"
#include "r5_test_keys.h"
#include "r5_test_servers.h"
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "broker.h"
#include "r5_assertion.h"
#include "r5_client.h"
#include "r5_password_proof.h"
#include "r5_mongo.h"
#include "r5_rpc.h"
#include "r5_service.h"
#include "r5_time.h"
#include "r5_token_format.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"
#include "token_server.h"
#include "token_notices.h"
#include "token_store.h"

static r5_test_keys_t s_keys;           //  r5-token's assertion key, r5-resource's proof key
static const char *s_uri;

#define ACCOUNT "acct000000000000000000a1"
#define ACCOUNT_B "acct000000000000000000b2"
#define ALICE "user000000000000000000a1"
#define BOB "user000000000000000000b2"
#define CAROL "user000000000000000000c3"
#define MALLORY "user000000000000000000d4"   //  another account

//  ---------------------------------------------------------------------------
//  A fake r5.resource: GetUsers from a table; one user can be deactivated

static atomic_int s_alice_active = 1;

typedef struct { const char *id, *account, *name, *email; R5__Role role; } s_fake_user_t;
static const s_fake_user_t s_users [] = {
    { ALICE, ACCOUNT, "Alice", "alice@example.com", R5__ROLE__ROLE_OWNER },
    { BOB, ACCOUNT, "Bob", "bob@example.com", R5__ROLE__ROLE_ADMINISTRATOR },
    { CAROL, ACCOUNT, "Carol", "carol@example.com", R5__ROLE__ROLE_MEMBER },
    { MALLORY, ACCOUNT_B, "Mallory", "mallory@example.com", R5__ROLE__ROLE_OWNER },
};

//  Teams in the fake's memberships: Bob is in two (admin of the first),
//  Carol in more than an assertion holds, Alice in none; Mallory's lookup
//  answers none loaded (an r5-resource from before principal facts).
#define S_CAROL_TEAMS 200
#define S_TEAM_A "team000000000000000000a1"
#define S_TEAM_B "team000000000000000000b2"

static void
s_fake_memberships (const R5__GetUsersRequest *lookup, R5__UserList *list, R5__Membership *entries,
                    R5__Membership **pointers, char (*ids) [25])
{
    if (!lookup->with_teams || lookup->n_ids != 1 || streq (lookup->ids [0], MALLORY))
        return;
    list->teams_loaded = true;
    list->memberships = pointers;
    size_t count = streq (lookup->ids [0], BOB) ? 2 : streq (lookup->ids [0], CAROL) ? S_CAROL_TEAMS : 0;
    for (size_t i = 0; i < count; i++) {
        r5__membership__init (&entries [i]);
        if (i < 2)
            snprintf (ids [i], 25, "%s", i == 0 ? S_TEAM_A : S_TEAM_B);
        else
            snprintf (ids [i], 25, "team%020zu", i);
        entries [i].team_id = ids [i];
        entries [i].team_admin = i == 0;
        pointers [list->n_memberships++] = &entries [i];
    }
}

static uint8_t *
s_fake_handle (const uint8_t *body, size_t size, size_t *reply_size)
{
    R5__ResourceReply reply = R5__RESOURCE_REPLY__INIT;
    R5__UserList list = R5__USER_LIST__INIT;
    R5__User users [4];
    R5__User *pointers [4];
    //  The fake's one actor thread alone uses these.
    static R5__Membership entries [S_CAROL_TEAMS];
    static R5__Membership *memberships [S_CAROL_TEAMS];
    static char team_ids [S_CAROL_TEAMS][25];
    R5__ResourceRequest *request = r5__resource_request__unpack (NULL, size, body);
    if (!request || request->body_case != R5__RESOURCE_REQUEST__BODY_GET_USERS)
        reply.status = R5__STATUS__STATUS_MALFORMED;
    else {
        for (size_t i = 0; i < request->get_users->n_ids; i++)
            for (size_t j = 0; j < 4 && list.n_users < 4; j++)
                if (streq (request->get_users->ids [i], s_users [j].id)) {
                    R5__User *user = &users [list.n_users];
                    r5__user__init (user);
                    user->id = (char *) s_users [j].id;
                    user->account_id = (char *) s_users [j].account;
                    user->name = (char *) s_users [j].name;
                    user->email = (char *) s_users [j].email;
                    user->role = s_users [j].role;
                    user->active = j == 0 ? atomic_load (&s_alice_active) : 1;
                    pointers [list.n_users++] = user;
                }
        list.users = pointers;
        s_fake_memberships (request->get_users, &list, entries, memberships, team_ids);
        reply.body_case = R5__RESOURCE_REPLY__BODY_USERS;
        reply.users = &list;
    }
    uint8_t *packed = r5_rpc_pack (&reply.base, reply_size);
    if (request)
        r5__resource_request__free_unpacked (request, NULL);
    return packed;
}

//  The stand-in r5.resource's actor: args is the brokers' endpoint.
static void
s_fake_actor (zsock_t *pipe, void *args)
{
    r5_service_t *service = r5_service_new (pipe, (const char *) args, R5_SERVICE_RESOURCE);
    r5_request_t *request;
    while ((request = r5_service_next (service))) {
        size_t size = 0;
        uint8_t *reply = s_fake_handle (r5_request_body (request), r5_request_size (request), &size);
        r5_service_reply (service, &request, &reply, size);
    }
    r5_service_destroy (&service);
}

//  ---------------------------------------------------------------------------
//  Calls

static r5_client_t *s_client;
static zsock_t *s_events;

//  Every value ever issued, to look for in the database at the end.
static char s_values [200][R5_TOKEN_LENGTH + 1];
static int s_value_count;

static void
s_remember (const char *value)
{
    if (s_value_count < 200 && value && strlen (value) == R5_TOKEN_LENGTH)
        snprintf (s_values [s_value_count++], R5_TOKEN_LENGTH + 1, "%s", value);
}

static R5__TokenReply *
s_call (R5__TokenRequest *request)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    if (!request->meta) {
        r5_rpc_meta_init (&meta, "test", "test-rid", 5000);
        request->meta = &meta;
    }
    size_t size;
    uint8_t *body = r5_rpc_pack (&request->base, &size);
    zframe_t *frame = NULL;
    int rc = r5_client_call (s_client, R5_SERVICE_TOKEN, body, size, 5000, false, &frame);
    free (body);
    if (request->meta == &meta)
        request->meta = NULL;
    if (rc) {
        fprintf (stderr, "call failed: %s\n", r5_rpc_strerror (rc));
        return NULL;
    }
    R5__TokenReply *reply = r5__token_reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
    zframe_destroy (&frame);
    if (reply && reply->body_case == R5__TOKEN_REPLY__BODY_ISSUED)
        s_remember (reply->issued->value);
    if (reply && reply->body_case == R5__TOKEN_REPLY__BODY_SESSION)
        s_remember (reply->session->value);
    return reply;
}

static void
s_free (R5__TokenReply **reply_p)
{
    if (*reply_p)
        r5__token_reply__free_unpacked (*reply_p, NULL);
    *reply_p = NULL;
}

static R5__Status
s_status (R5__TokenReply *reply)
{
    return reply ? reply->status : (R5__Status) -1;
}

//  An assertion held in the caller's storage (no heap to free).
typedef struct {
    R5__PrincipalAssertion assertion;
    uint8_t claims [R5_SIGN_MESSAGE_MAX];
    uint8_t signature [R5_SIGN_SIGNATURE_SIZE];
} s_signed_t;

//  Sign a principal for user with key, issued at issued_ms for ttl_ms.
static void
s_sign (s_signed_t *out, const r5_sign_secret_t *key, const char *user, const char *account,
        R5__CredentialKind kind, int64_t issued_ms, int64_t ttl_ms)
{
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = (char *) user;
    principal.account_id = (char *) account;
    principal.kind = kind;
    R5__PrincipalAssertion *assertion = r5_assertion_issue (key, &principal, "test-rid", issued_ms, ttl_ms);
    assert (assertion && assertion->claims.len <= sizeof out->claims);
    r5__principal_assertion__init (&out->assertion);
    memcpy (out->claims, assertion->claims.data, assertion->claims.len);
    memcpy (out->signature, assertion->signature.data, sizeof out->signature);
    out->assertion.claims.data = out->claims;
    out->assertion.claims.len = assertion->claims.len;
    out->assertion.signature.data = out->signature;
    out->assertion.signature.len = sizeof out->signature;
    r5__principal_assertion__free_unpacked (assertion, NULL);
}

//  Meta for a call made on behalf of a user with a credential kind, under
//  r5-token's own signature (what verification hands the gateway).
static void
s_meta_for (R5__RequestMeta *meta, s_signed_t *signed_, const char *user, const char *account,
            R5__CredentialKind kind)
{
    r5__request_meta__init (meta);
    r5_rpc_meta_init (meta, "test", "test-rid", 5000);
    meta->client_ip = "192.0.2.10";
    s_sign (signed_, &s_keys.assertion_secret, user, account, kind, r5_now_ms (), 60000);
    meta->assertion = &signed_->assertion;
}

//  A password proof as r5-resource signs it (heap: free with
//  r5__password_proof__free_unpacked).
static R5__PasswordProof *
s_proof (const r5_sign_secret_t *key, const char *user, const char *account, int64_t issued_ms)
{
    return r5_password_proof_issue (key, user, account, issued_ms);
}

//  Login sessions of user in the database.
static int64_t
s_count_sessions (const char *user)
{
    char error [256];
    r5_mongo_t *mongo = r5_mongo_new (s_uri, "", error, sizeof error);
    if (!mongo)
        return -1;
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_collection_t *tokens = r5_mongo_collection (mongo, client, "tokens");
    bson_t *filter = BCON_NEW ("kind", "session", "user_id", BCON_UTF8 (user));
    int64_t count = mongoc_collection_count_documents (tokens, filter, NULL, NULL, NULL, NULL);
    bson_destroy (filter);
    mongoc_collection_destroy (tokens);
    r5_mongo_push (mongo, &client);
    r5_mongo_destroy (&mongo);
    return count;
}

//  Create a PAT for a user (session principal). Returns the reply.
static R5__TokenReply *
s_create (const char *user, const char *account, const char *description,
          const R5__Scope *scopes, size_t n_scopes, const char *key)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, user, account, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    create.description = (char *) description;
    create.scopes = (R5__Scope *) scopes;
    create.n_scopes = n_scopes;
    create.idempotency_key = (char *) (key ? key : "");
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    return s_call (&request);
}

static R5__TokenReply *
s_verify (const char *value, const char *ip)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
    verify.value = (char *) value;
    verify.client_ip = (char *) (ip ? ip : "");
    request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
    request.verify = &verify;
    return s_call (&request);
}

//  A management call by id (get, regenerate, delete, list_events) for a user.
static R5__TokenReply *
s_by_id (R5__TokenRequest__BodyCase which, const char *id, const char *user, const char *account,
         R5__CredentialKind kind)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, user, account, kind);
    request.meta = &meta;
    request.body_case = which;
    R5__GetTokenRequest get = R5__GET_TOKEN_REQUEST__INIT;
    R5__RegenerateTokenRequest regenerate = R5__REGENERATE_TOKEN_REQUEST__INIT;
    R5__DeleteTokenRequest delete_ = R5__DELETE_TOKEN_REQUEST__INIT;
    R5__ListTokenEventsRequest events = R5__LIST_TOKEN_EVENTS_REQUEST__INIT;
    get.id = regenerate.id = delete_.id = events.id = (char *) id;
    request.get = &get;         //  union: the one matching body_case is set below
    if (which == R5__TOKEN_REQUEST__BODY_REGENERATE)
        request.regenerate = &regenerate;
    else
    if (which == R5__TOKEN_REQUEST__BODY_DELETE)
        request.delete_ = &delete_;
    else
    if (which == R5__TOKEN_REQUEST__BODY_LIST_EVENTS)
        request.list_events = &events;
    return s_call (&request);
}

static R5__TokenReply *
s_update (const char *id, const char *user, const char *account, R5__CredentialKind kind,
          const char *description, bool set_scopes, const R5__Scope *scopes, size_t n_scopes)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, user, account, kind);
    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    update.id = (char *) id;
    if (description) {
        update.description_present_case = R5__UPDATE_TOKEN_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
        update.description = (char *) description;
    }
    update.set_scopes = set_scopes;
    update.scopes = (R5__Scope *) scopes;
    update.n_scopes = n_scopes;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_UPDATE;
    request.update = &update;
    return s_call (&request);
}

static R5__TokenReply *
s_list (const char *user, const char *account, R5__CredentialKind kind, int first, const char *after)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, user, account, kind);
    R5__ListTokensRequest list = R5__LIST_TOKENS_REQUEST__INIT;
    list.first = first;
    list.after = (char *) (after ? after : "");
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_LIST;
    request.list = &list;
    return s_call (&request);
}

//  Wait for an event with this topic (others that arrive first are skipped).
static bool
s_expect_event (const char *topic)
{
    int64_t until = zclock_mono () + 3000;
    while (zclock_mono () < until) {
        zmsg_t *msg = zmsg_recv (s_events);
        if (!msg)
            continue;
        char *got = zmsg_popstr (msg);
        if (getenv ("TEST_DEBUG")) fprintf (stderr, "event %s\n", got);
        //  [topic] [payload] [sequence] (r5_events.h)
        bool match = got && streq (got, topic) && zmsg_size (msg) == 2;
        zstr_free (&got);
        zmsg_destroy (&msg);
        if (match)
            return true;
    }
    return false;
}

static bool
s_scopes_are (R5__Scope *scopes, size_t n, r5_scope_set_t expected)
{
    return r5_scope_set_of (scopes, n) == expected && n == (size_t) __builtin_popcount (expected);
}

//  ---------------------------------------------------------------------------
//  Scenarios

static const R5__Scope s_read_write [] = {
    R5__SCOPE__SCOPE_INCIDENTS_READ, R5__SCOPE__SCOPE_TEAMS_WRITE, R5__SCOPE__SCOPE_INCIDENTS_READ
};
#define READ_WRITE_SET (r5_scope_bit (R5__SCOPE__SCOPE_INCIDENTS_READ) | r5_scope_bit (R5__SCOPE__SCOPE_TEAMS_WRITE))

//  A resent update (the same request id, the same change) is applied once
//  and writes one audit entry; another change under that request id still
//  applies.
static void
s_test_update_resent (void)
{
    R5__TokenReply *created = s_create (ALICE, ACCOUNT, "resent", s_read_write, 3, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED,
               "create for the resend");
    if (!created || created->body_case != R5__TOKEN_REPLY__BODY_ISSUED) {
        s_free (&created);
        return;
    }
    char id [TOKEN_ID_SIZE];
    snprintf (id, sizeof id, "%s", created->issued->token->id);
    s_free (&created);
    const R5__Scope narrow [] = { R5__SCOPE__SCOPE_INCIDENTS_READ };
    for (int copy = 0; copy < 2; copy++) {
        R5__TokenReply *updated = s_update (id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION,
                                            NULL, true, narrow, 1);
        CHECK_MSG (s_status (updated) == R5__STATUS__STATUS_OK && updated->body_case == R5__TOKEN_REPLY__BODY_TOKEN
                && s_scopes_are (updated->token->scopes, updated->token->n_scopes,
                                 r5_scope_bit (R5__SCOPE__SCOPE_INCIDENTS_READ)),
                   "copy %d of one update answers the token as changed", copy + 1);
        s_free (&updated);
    }
    R5__TokenReply *other = s_update (id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION,
                                      "resent, renamed", false, NULL, 0);
    CHECK_MSG (s_status (other) == R5__STATUS__STATUS_OK && other->body_case == R5__TOKEN_REPLY__BODY_TOKEN
            && streq (other->token->description, "resent, renamed"), "another change under the same request id");
    s_free (&other);
    R5__TokenReply *events = s_by_id (R5__TOKEN_REQUEST__BODY_LIST_EVENTS, id, ALICE, ACCOUNT,
                                      R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (events) == R5__STATUS__STATUS_OK && events->body_case == R5__TOKEN_REPLY__BODY_EVENTS,
               "events of the resent update");
    if (events && events->body_case == R5__TOKEN_REPLY__BODY_EVENTS) {
        size_t n = events->events->n_events;
        CHECK_MSG (n == 3, "created, updated once, renamed: %zu entries", n);
        size_t scope_changes = 0;
        for (size_t i = 0; i < n; i++)
            if (streq (events->events->events [i]->type, "updated") && events->events->events [i]->n_scopes_after)
                scope_changes++;
        CHECK_MSG (scope_changes == 1, "one audit entry for the resent update, got %zu", scope_changes);
    }
    s_free (&events);
}

static void
s_test_lifecycle (void)
{
    //  Create: the value appears once, in this reply; scopes are deduplicated.
    R5__TokenReply *created = s_create (ALICE, ACCOUNT, "CI deploy", s_read_write, 3, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create: %s", created ? created->message : "no reply");
    if (!created || created->body_case != R5__TOKEN_REPLY__BODY_ISSUED) {
        s_free (&created);
        return;
    }
    char id [TOKEN_ID_SIZE], value [R5_TOKEN_LENGTH + 1];
    snprintf (id, sizeof id, "%s", created->issued->token->id);
    snprintf (value, sizeof value, "%s", created->issued->value);
    CHECK_MSG (r5_token_check (value, strlen (value)) == R5_TOKEN_PAT, "a well-formed r5p_ value: %s", value);
    CHECK_MSG (s_scopes_are (created->issued->token->scopes, created->issued->token->n_scopes, READ_WRITE_SET),
               "two scopes, deduplicated");
    CHECK_MSG (streq (created->issued->token->description, "CI deploy"), "description");
    CHECK_MSG (strncmp (created->issued->token->hint, "r5p_", 4) == 0
            && streq (created->issued->token->hint + strlen (created->issued->token->hint) - 4, value + 36),
               "hint is r5p_…last4: %s", created->issued->token->hint);
    CHECK_MSG (created->issued->token->created_at_unix_ms > 0, "created_at");
    s_free (&created);

    //  Verify: the principal of the PAT.
    R5__TokenReply *verified = s_verify (value, "198.51.100.7");
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK, "verify ok");
    if (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY) {
        R5__Principal *p = verified->verify->principal;
        CHECK_MSG (streq (p->user_id, ALICE) && streq (p->account_id, ACCOUNT) && streq (p->token_id, id),
                   "principal ids");
        CHECK_MSG (p->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN, "kind pat");
        CHECK_MSG (p->role == R5__ROLE__ROLE_OWNER && streq (p->name, "Alice") && streq (p->email, "alice@example.com"),
                   "role, name, email from r5.resource");
        CHECK_MSG (s_scopes_are (p->scopes, p->n_scopes, READ_WRITE_SET), "principal scopes");
        CHECK_MSG (verified->verify->expires_unix_ms == 0, "pats do not expire");
    }
    s_free (&verified);

    //  lastUsedAt and ip recorded; a use from another address within the
    //  minute is another place, written too (the same place would not be:
    //  s_test_used_from).
    R5__TokenReply *again = s_verify (value, "203.0.113.99");
    CHECK_MSG (s_status (again) == R5__STATUS__STATUS_OK, "verify again");
    s_free (&again);
    R5__TokenReply *got = s_by_id (R5__TOKEN_REQUEST__BODY_GET, id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (got) == R5__STATUS__STATUS_OK && got->body_case == R5__TOKEN_REPLY__BODY_TOKEN, "get own");
    if (got && got->body_case == R5__TOKEN_REPLY__BODY_TOKEN) {
        CHECK_MSG (got->token->last_used_at_unix_ms > 0, "last used recorded");
        CHECK_MSG (streq (got->token->last_used_ip, "203.0.113.99"), "the last place's ip: %s",
                   got->token->last_used_ip);
        //  (Both may fall in one millisecond: their order is s_test_used_from's.)
        CHECK_MSG (got->token->n_used_from == 2
                && streq (got->token->used_from [0]->address, "198.51.100.7")
                 + streq (got->token->used_from [1]->address, "198.51.100.7") == 1, "both places");
        CHECK_MSG (streq (got->token->id, id), "same id");
    }
    s_free (&got);

    //  Unknown value of a valid shape, and a bad checksum: one identical answer.
    char unknown [R5_TOKEN_LENGTH + 1];
    r5_token_generate (R5_TOKEN_PAT, unknown);
    R5__TokenReply *no = s_verify (unknown, NULL);
    char bad [R5_TOKEN_LENGTH + 1];
    snprintf (bad, sizeof bad, "%s", value);
    bad [R5_TOKEN_LENGTH - 1] = bad [R5_TOKEN_LENGTH - 1] == 'A' ? 'B' : 'A';
    R5__TokenReply *badsum = s_verify (bad, NULL);
    R5__TokenReply *empty = s_verify ("", NULL);
    CHECK_MSG (s_status (no) == R5__STATUS__STATUS_UNAUTHENTICATED, "unknown: unauthenticated");
    CHECK_MSG (s_status (badsum) == R5__STATUS__STATUS_UNAUTHENTICATED, "bad checksum: unauthenticated");
    CHECK_MSG (s_status (empty) == R5__STATUS__STATUS_UNAUTHENTICATED, "empty: unauthenticated");
    CHECK_MSG (no && badsum && empty && streq (no->message, badsum->message) && streq (no->message, empty->message)
            && no->body_case == R5__TOKEN_REPLY__BODY__NOT_SET, "one message for every cause");
    s_free (&no);
    s_free (&badsum);
    s_free (&empty);

    //  Update scopes: effective on the next verify, and announced.
    const R5__Scope users_read [] = { R5__SCOPE__SCOPE_USERS_READ };
    R5__TokenReply *updated = s_update (id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION,
                                        NULL, true, users_read, 1);
    CHECK_MSG (s_status (updated) == R5__STATUS__STATUS_OK, "update scopes");
    if (updated && updated->body_case == R5__TOKEN_REPLY__BODY_TOKEN)
        CHECK_MSG (s_scopes_are (updated->token->scopes, updated->token->n_scopes,
                                 r5_scope_bit (R5__SCOPE__SCOPE_USERS_READ)) && streq (updated->token->description, "CI deploy"),
                   "update reply: new scopes, same description");
    s_free (&updated);
    char topic [80];
    snprintf (topic, sizeof topic, "token.updated %s", id);
    CHECK_MSG (s_expect_event (topic), "event %s", topic);
    verified = s_verify (value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY
            && s_scopes_are (verified->verify->principal->scopes, verified->verify->principal->n_scopes,
                             r5_scope_bit (R5__SCOPE__SCOPE_USERS_READ)), "new scopes on the next verify");
    s_free (&verified);
    //  Description only; then scopes emptied.
    updated = s_update (id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, "CI deploy (prod)", false, NULL, 0);
    CHECK_MSG (s_status (updated) == R5__STATUS__STATUS_OK && updated->body_case == R5__TOKEN_REPLY__BODY_TOKEN
            && streq (updated->token->description, "CI deploy (prod)") && updated->token->n_scopes == 1,
               "update description keeps scopes");
    s_free (&updated);
    updated = s_update (id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, NULL, false, NULL, 0);
    CHECK_MSG (s_status (updated) == R5__STATUS__STATUS_BAD_INPUT, "update with nothing to change");
    s_free (&updated);

    //  Regenerate: a new value; the old one fails; id, description, scopes kept.
    R5__TokenReply *regenerated = s_by_id (R5__TOKEN_REQUEST__BODY_REGENERATE, id, ALICE, ACCOUNT,
                                           R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (regenerated) == R5__STATUS__STATUS_OK && regenerated->body_case == R5__TOKEN_REPLY__BODY_ISSUED,
               "regenerate");
    char fresh [R5_TOKEN_LENGTH + 1] = "";
    if (regenerated && regenerated->body_case == R5__TOKEN_REPLY__BODY_ISSUED) {
        snprintf (fresh, sizeof fresh, "%s", regenerated->issued->value);
        CHECK_MSG (!streq (fresh, value) && r5_token_check (fresh, strlen (fresh)) == R5_TOKEN_PAT, "a new value");
        R5__Token *t = regenerated->issued->token;
        CHECK_MSG (streq (t->id, id) && streq (t->description, "CI deploy (prod)")
                && s_scopes_are (t->scopes, t->n_scopes, r5_scope_bit (R5__SCOPE__SCOPE_USERS_READ)),
                   "id, description and scopes kept");
        CHECK_MSG (streq (t->hint + strlen (t->hint) - 4, fresh + 36), "hint follows the new value");
    }
    s_free (&regenerated);
    snprintf (topic, sizeof topic, "token.revoked %s", id);
    CHECK_MSG (s_expect_event (topic), "event %s after regenerate", topic);
    verified = s_verify (value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "old value fails after regenerate");
    s_free (&verified);
    verified = s_verify (fresh, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY
            && streq (verified->verify->principal->token_id, id), "new value works, same token id");
    s_free (&verified);

    //  Another user (same account, an administrator): NOT_FOUND everywhere, absent from the list.
    R5__TokenReply *other;
    R5__TokenRequest__BodyCase by_id [] = { R5__TOKEN_REQUEST__BODY_GET, R5__TOKEN_REQUEST__BODY_REGENERATE,
                                            R5__TOKEN_REQUEST__BODY_DELETE, R5__TOKEN_REQUEST__BODY_LIST_EVENTS };
    for (int i = 0; i < 4; i++) {
        other = s_by_id (by_id [i], id, BOB, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
        CHECK_MSG (s_status (other) == R5__STATUS__STATUS_NOT_FOUND && other->body_case != R5__TOKEN_REPLY__BODY_ISSUED,
                   "another user's token, call %d: not found", (int) by_id [i]);
        s_free (&other);
        //  And from another account, with the owner's user id claimed under a wrong account.
        other = s_by_id (by_id [i], id, ALICE, ACCOUNT_B, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
        CHECK_MSG (s_status (other) == R5__STATUS__STATUS_NOT_FOUND, "wrong account, call %d: not found", (int) by_id [i]);
        s_free (&other);
    }
    other = s_update (id, BOB, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, "mine now", true, NULL, 0);
    CHECK_MSG (s_status (other) == R5__STATUS__STATUS_NOT_FOUND, "another user's update: not found");
    s_free (&other);
    other = s_list (BOB, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 100, NULL);
    CHECK_MSG (s_status (other) == R5__STATUS__STATUS_OK && other->body_case == R5__TOKEN_REPLY__BODY_LIST, "bob lists");
    for (size_t i = 0; other && other->body_case == R5__TOKEN_REPLY__BODY_LIST && i < other->list->n_tokens; i++)
        CHECK_MSG (!streq (other->list->tokens [i]->id, id), "alice's token absent from bob's list");
    s_free (&other);
    verified = s_verify (fresh, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK, "untouched by bob's attempts");
    s_free (&verified);

    //  The audit trail of the token, newest first, never a value.
    R5__TokenReply *events = s_by_id (R5__TOKEN_REQUEST__BODY_LIST_EVENTS, id, ALICE, ACCOUNT,
                                      R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (events) == R5__STATUS__STATUS_OK && events->body_case == R5__TOKEN_REPLY__BODY_EVENTS, "events");
    if (events && events->body_case == R5__TOKEN_REPLY__BODY_EVENTS) {
        //  (The old value's failed verification after the regenerate is not
        //  this token's: that digest no longer names any token.)
        const char *expected [] = { "regenerated", "updated", "updated", "created" };
        size_t n = events->events->n_events;
        CHECK_MSG (n == 4, "four events, got %zu", n);
        for (size_t i = 0; i < n && i < 4; i++)
            CHECK_MSG (streq (events->events->events [i]->type, expected [i]), "event %zu: %s, expected %s",
                       i, events->events->events [i]->type, expected [i]);
        if (n == 4) {
            R5__TokenEvent *scopes = events->events->events [2];
            CHECK_MSG (s_scopes_are (scopes->scopes_before, scopes->n_scopes_before, READ_WRITE_SET)
                    && s_scopes_are (scopes->scopes_after, scopes->n_scopes_after, r5_scope_bit (R5__SCOPE__SCOPE_USERS_READ)),
                       "scopes before and after");
            R5__TokenEvent *description = events->events->events [1];
            CHECK_MSG (streq (description->description_before, "CI deploy")
                    && streq (description->description_after, "CI deploy (prod)"), "description before and after");
            CHECK_MSG (streq (events->events->events [3]->ip, "192.0.2.10"), "client ip recorded");
        }
    }
    s_free (&events);

    //  Delete: final; the value fails; get answers NOT_FOUND.
    R5__TokenReply *deleted = s_by_id (R5__TOKEN_REQUEST__BODY_DELETE, id, ALICE, ACCOUNT,
                                       R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (deleted) == R5__STATUS__STATUS_OK && deleted->body_case == R5__TOKEN_REPLY__BODY_DELETED
            && streq (deleted->deleted->id, id), "delete");
    s_free (&deleted);
    CHECK_MSG (s_expect_event (topic), "event %s after delete", topic);
    verified = s_verify (fresh, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "deleted token fails");
    s_free (&verified);
    got = s_by_id (R5__TOKEN_REQUEST__BODY_GET, id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (got) == R5__STATUS__STATUS_NOT_FOUND, "deleted: not found");
    s_free (&got);
    deleted = s_by_id (R5__TOKEN_REQUEST__BODY_DELETE, id, ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (deleted) == R5__STATUS__STATUS_NOT_FOUND, "delete twice: not found");
    s_free (&deleted);
}

//  A team restriction: given at create, answered on the token, signed into
//  the verified principal, replaced by an update (with its event and audit
//  entry), lifted by an empty list; bad lists change nothing.
static void
s_test_team_restriction (void)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    char *teams [] = { "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaaaa" };
    create.description = "restricted";
    create.team_ids = teams;
    create.n_team_ids = 3;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    R5__TokenReply *created = s_call (&request);
    CHECK (s_status (created) == R5__STATUS__STATUS_OK && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED);
    if (!created || created->body_case != R5__TOKEN_REPLY__BODY_ISSUED) {
        s_free (&created);
        return;
    }
    const R5__Token *token = created->issued->token;
    CHECK (token->n_team_ids == 2);
    if (token->n_team_ids == 2) {
        CHECK_STR (token->team_ids [0], teams [0]);
        CHECK_STR (token->team_ids [1], teams [1]);
    }
    //  Verified: the principal carries the teams, inside the signed claims.
    R5__TokenReply *verified = s_verify (created->issued->value, NULL);
    CHECK (s_status (verified) == R5__STATUS__STATUS_OK && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY);
    if (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY) {
        CHECK (verified->verify->principal->n_restricted_team_ids == 2);
        const char *why = "";
        R5__PrincipalClaims *claims = r5_assertion_verify (&s_keys.assertion_public, verified->verify->assertion,
                                                           r5_now_ms (), &why);
        CHECK_MSG (claims && claims->principal->n_restricted_team_ids == 2
                && streq (claims->principal->restricted_team_ids [1], teams [1]), "signed teams: %s", why);
        if (claims)
            r5__principal_claims__free_unpacked (claims, NULL);
    }
    s_free (&verified);
    //  Update: only team B, with its event.
    R5__UpdateTokenRequest update = R5__UPDATE_TOKEN_REQUEST__INIT;
    update.id = token->id;
    update.set_team_ids = true;
    update.team_ids = &teams [1];
    update.n_team_ids = 1;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    request.body_case = R5__TOKEN_REQUEST__BODY_UPDATE;
    request.update = &update;
    R5__TokenReply *reply = s_call (&request);
    CHECK (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN
           && reply->token->n_team_ids == 1 && streq (reply->token->team_ids [0], teams [1])
           && reply->token->n_scopes == 0);
    s_free (&reply);
    char topic [64];
    snprintf (topic, sizeof topic, "token.updated %s", token->id);
    CHECK_MSG (s_expect_event (topic), "token.updated published for a change of teams");
    verified = s_verify (created->issued->value, NULL);
    CHECK (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY
           && verified->verify->principal->n_restricted_team_ids == 1
           && streq (verified->verify->principal->restricted_team_ids [0], teams [1]));
    s_free (&verified);
    //  Bad lists: BAD_INPUT, nothing changed.
    char *bad [] = { "not-an-id" };
    update.team_ids = bad;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    reply = s_call (&request);
    CHECK (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT);
    s_free (&reply);
    //  Lifted: an empty list.
    update.n_team_ids = 0;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    reply = s_call (&request);
    CHECK (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN
           && reply->token->n_team_ids == 0);
    s_free (&reply);
    verified = s_verify (created->issued->value, NULL);
    CHECK (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY
           && verified->verify->principal->n_restricted_team_ids == 0);
    s_free (&verified);
    //  The audit trail: the two changes of the teams, newest first, and the create.
    reply = s_by_id (R5__TOKEN_REQUEST__BODY_LIST_EVENTS, token->id, CAROL, ACCOUNT,
                     R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__TOKEN_REPLY__BODY_EVENTS
           && reply->events->n_events == 3);
    if (reply && reply->body_case == R5__TOKEN_REPLY__BODY_EVENTS && reply->events->n_events == 3) {
        R5__TokenEvent **events = reply->events->events;
        CHECK (streq (events [0]->type, "updated") && events [0]->n_team_ids_before == 1 && events [0]->n_team_ids_after == 0);
        CHECK (streq (events [1]->type, "updated") && events [1]->n_team_ids_before == 2 && events [1]->n_team_ids_after == 1);
        CHECK (streq (events [2]->type, "created") && events [2]->n_team_ids_after == 2);
    }
    s_free (&reply);
    s_free (&created);
}

static void
s_test_pat_principal (void)
{
    R5__TokenReply *created = s_create (CAROL, ACCOUNT, "target", NULL, 0, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create for carol");
    const char *id = created && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED
                   ? created->issued->token->id : "000000000000000000000000";
    R5__CredentialKind pat = R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN;
    R5__TokenReply *reply;
    R5__TokenRequest__BodyCase by_id [] = { R5__TOKEN_REQUEST__BODY_GET, R5__TOKEN_REQUEST__BODY_REGENERATE,
                                            R5__TOKEN_REQUEST__BODY_DELETE, R5__TOKEN_REQUEST__BODY_LIST_EVENTS };
    for (int i = 0; i < 4; i++) {
        reply = s_by_id (by_id [i], id, CAROL, ACCOUNT, pat);
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "pat principal, call %d: forbidden", (int) by_id [i]);
        s_free (&reply);
    }
    reply = s_update (id, CAROL, ACCOUNT, pat, "widened", true, s_read_write, 2);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "pat principal: update forbidden");
    s_free (&reply);
    reply = s_list (CAROL, ACCOUNT, pat, 10, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "pat principal: list forbidden");
    s_free (&reply);
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, pat);
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    create.description = "minted by a pat";
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    reply = s_call (&request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN && reply->body_case == R5__TOKEN_REPLY__BODY__NOT_SET,
               "pat principal: create forbidden");
    s_free (&reply);
    //  No principal at all.
    request.meta = NULL;
    reply = s_call (&request);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "no principal: unauthenticated");
    s_free (&reply);
    //  Untouched.
    reply = s_by_id (R5__TOKEN_REQUEST__BODY_GET, id, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK && reply->body_case == R5__TOKEN_REPLY__BODY_TOKEN
            && streq (reply->token->description, "target") && reply->token->n_scopes == 0, "token unchanged");
    s_free (&reply);
    s_free (&created);
}

//  The user's facts a verification signed, for user (NULL when it failed).
static R5__PrincipalClaims *
s_verified_claims (const char *user)
{
    R5__PrincipalClaims *claims = NULL;
    R5__TokenReply *created = s_create (user, ACCOUNT, "facts", NULL, 0, NULL);
    R5__TokenReply *verified = created && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED
                             ? s_verify (created->issued->value, NULL) : NULL;
    if (s_status (verified) == R5__STATUS__STATUS_OK && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY) {
        const char *why = "";
        CHECK_MSG (verified->verify->assertion->claims.len <= R5_ASSERTION_CLAIMS_MAX,
                   "claims of %s fit a gateway", user);
        claims = r5_assertion_verify (&s_keys.assertion_public, verified->verify->assertion, r5_now_ms (), &why);
        CHECK_MSG (claims, "signed facts of %s: %s", user, why);
    }
    else
        CHECK_MSG (false, "verify for %s", user);
    s_free (&verified);
    s_free (&created);
    return claims;
}

//  Verification signs the user's standing into the principal: active, role,
//  teams and administered teams (facts_complete); without the teams when
//  there are more than an assertion holds, or r5-resource did not load them.
static void
s_test_principal_facts (void)
{
    R5__PrincipalClaims *claims = s_verified_claims (BOB);
    if (claims) {
        const R5__Principal *bob = claims->principal;
        CHECK (bob->facts_complete && bob->active && bob->role == R5__ROLE__ROLE_ADMINISTRATOR);
        CHECK (bob->n_team_ids == 2 && streq (bob->team_ids [0], S_TEAM_A) && streq (bob->team_ids [1], S_TEAM_B));
        CHECK (bob->n_admin_team_ids == 1 && streq (bob->admin_team_ids [0], S_TEAM_A));
        r5__principal_claims__free_unpacked (claims, NULL);
    }
    claims = s_verified_claims (ALICE);
    if (claims) {
        CHECK_MSG (claims->principal->facts_complete && claims->principal->active
                && claims->principal->n_team_ids == 0, "no teams is a complete fact");
        r5__principal_claims__free_unpacked (claims, NULL);
    }
    //  Too many teams: verified all the same, and r5-resource reads them live.
    claims = s_verified_claims (CAROL);
    if (claims) {
        CHECK_MSG (!claims->principal->facts_complete && claims->principal->n_team_ids == 0
                && claims->principal->n_admin_team_ids == 0, "too many teams: left out");
        r5__principal_claims__free_unpacked (claims, NULL);
    }
}

static void
s_test_bad_input (void)
{
    R5__TokenReply *reply;
    const char *descriptions [] = { "", "two\nlines", "bad \xff utf-8", "   " };
    for (int i = 0; i < 4; i++) {
        reply = s_create (ALICE, ACCOUNT, descriptions [i], NULL, 0, NULL);
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT && reply->message && *reply->message,
                   "description %d refused with a message", i);
        s_free (&reply);
    }
    char longer [260];
    memset (longer, 'x', 201);
    longer [201] = 0;
    reply = s_create (ALICE, ACCOUNT, longer, NULL, 0, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT && strstr (reply->message, "200"), "201 characters");
    s_free (&reply);
    const R5__Scope unknown [] = { R5__SCOPE__SCOPE_USERS_READ, (R5__Scope) 99 };
    reply = s_create (ALICE, ACCOUNT, "scopes", unknown, 2, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT && strstr (reply->message, "scope"), "unknown scope");
    s_free (&reply);
    reply = s_create (ALICE, ACCOUNT, "key", NULL, 0, "has space");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "bad idempotency key");
    s_free (&reply);
    reply = s_by_id (R5__TOKEN_REQUEST__BODY_GET, "{\"$gt\": \"\"}", ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_NOT_FOUND && streq (reply->message, "not found"),
               "malformed id: not found, like any id that names no token");
    s_free (&reply);
    reply = s_list (ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 101, NULL);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "first 101");
    s_free (&reply);
    reply = s_list (ALICE, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 10, "not-a-cursor");
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT, "bad cursor");
    s_free (&reply);

    //  A body that is not a TokenRequest, and one with no body set.
    zframe_t *frame = NULL;
    int rc = r5_client_call (s_client, R5_SERVICE_TOKEN, "\xff\xff\xff", 3, 5000, false, &frame);
    reply = rc == 0 ? r5__token_reply__unpack (NULL, zframe_size (frame), zframe_data (frame)) : NULL;
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_MALFORMED, "garbage body: malformed");
    s_free (&reply);
    zframe_destroy (&frame);
    R5__TokenRequest empty = R5__TOKEN_REQUEST__INIT;
    reply = s_call (&empty);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_MALFORMED, "no body: malformed");
    s_free (&reply);
}

static void
s_test_idempotency (void)
{
    const R5__Scope scopes [] = { R5__SCOPE__SCOPE_SCHEDULES_READ };
    R5__TokenReply *first = s_create (BOB, ACCOUNT, "terraform", scopes, 1, "key-0001");
    CHECK_MSG (s_status (first) == R5__STATUS__STATUS_OK && first->body_case == R5__TOKEN_REPLY__BODY_ISSUED,
               "first create with a key");
    R5__TokenReply *retry = s_create (BOB, ACCOUNT, "terraform", scopes, 1, "key-0001");
    CHECK_MSG (s_status (retry) == R5__STATUS__STATUS_CONFLICT, "retry: conflict");
    CHECK_MSG (retry && retry->body_case == R5__TOKEN_REPLY__BODY_TOKEN, "retry answers the token, with no value");
    if (first && retry && first->body_case == R5__TOKEN_REPLY__BODY_ISSUED && retry->body_case == R5__TOKEN_REPLY__BODY_TOKEN)
        CHECK_MSG (streq (first->issued->token->id, retry->token->id), "the same token");
    CHECK_MSG (retry && strstr (retry->message, "idempotency key"), "message explains: %s", retry ? retry->message : "");
    s_free (&retry);
    //  Only one token with that description in bob's list.
    R5__TokenReply *list = s_list (BOB, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 100, NULL);
    int count = 0;
    for (size_t i = 0; list && list->body_case == R5__TOKEN_REPLY__BODY_LIST && i < list->list->n_tokens; i++)
        count += streq (list->list->tokens [i]->description, "terraform");
    CHECK_MSG (count == 1, "one token, not two: %d", count);
    s_free (&list);
    //  Keys are per user: carol may use the same key.
    R5__TokenReply *carol = s_create (CAROL, ACCOUNT, "terraform", scopes, 1, "key-0001");
    CHECK_MSG (s_status (carol) == R5__STATUS__STATUS_OK, "same key, another user: ok");
    s_free (&carol);
    //  Without a key, two creates are two tokens.
    R5__TokenReply *a = s_create (BOB, ACCOUNT, "no key", NULL, 0, NULL);
    R5__TokenReply *b = s_create (BOB, ACCOUNT, "no key", NULL, 0, NULL);
    CHECK_MSG (s_status (a) == R5__STATUS__STATUS_OK && s_status (b) == R5__STATUS__STATUS_OK, "keyless creates");
    s_free (&a);
    s_free (&b);
    s_free (&first);
}

static void
s_test_inactive_user (void)
{
    R5__TokenReply *created = s_create (ALICE, ACCOUNT, "inactive test", NULL, 0, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create");
    if (!created || created->body_case != R5__TOKEN_REPLY__BODY_ISSUED) {
        s_free (&created);
        return;
    }
    R5__TokenReply *unknown = s_verify ("r5p_000000000000000000000000000000000000", NULL);
    atomic_store (&s_alice_active, 0);
    R5__TokenReply *verified = s_verify (created->issued->value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "inactive user: unauthenticated");
    CHECK_MSG (verified && unknown && streq (verified->message, unknown->message), "same message as unknown");
    s_free (&verified);
    atomic_store (&s_alice_active, 1);
    verified = s_verify (created->issued->value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK, "reactivated: works again");
    s_free (&verified);
    s_free (&unknown);

    //  A token whose user is gone from r5.resource (mallory's account has no alice).
    R5__TokenReply *stray = s_create ("user0000000000000000dead", ACCOUNT, "orphan", NULL, 0, NULL);
    CHECK_MSG (s_status (stray) == R5__STATUS__STATUS_OK, "create for a user r5.resource does not know");
    if (stray && stray->body_case == R5__TOKEN_REPLY__BODY_ISSUED) {
        verified = s_verify (stray->issued->value, NULL);
        CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "missing user: unauthenticated");
        s_free (&verified);
    }
    s_free (&stray);
    s_free (&created);
}

static void
s_test_pagination (void)
{
    char ids [5][TOKEN_ID_SIZE];
    for (int i = 0; i < 5; i++) {
        char description [32];
        snprintf (description, sizeof description, "page %d", i);
        R5__TokenReply *created = s_create (MALLORY, ACCOUNT_B, description, NULL, 0, NULL);
        CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create %d", i);
        snprintf (ids [i], TOKEN_ID_SIZE, "%s",
                  created && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED ? created->issued->token->id : "");
        s_free (&created);
    }
    //  Newest first, 2 + 2 + 1.
    char after [TOKEN_CURSOR_SIZE] = "";
    int seen = 0;
    for (int page = 0; page < 3; page++) {
        R5__TokenReply *list = s_list (MALLORY, ACCOUNT_B, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 2, after);
        CHECK_MSG (s_status (list) == R5__STATUS__STATUS_OK && list->body_case == R5__TOKEN_REPLY__BODY_LIST, "page %d", page);
        if (!list || list->body_case != R5__TOKEN_REPLY__BODY_LIST) {
            s_free (&list);
            break;
        }
        size_t expected = page < 2 ? 2 : 1;
        CHECK_MSG (list->list->n_tokens == expected, "page %d holds %zu, got %zu", page, expected, list->list->n_tokens);
        CHECK_MSG (list->list->has_next_page == (page < 2), "page %d has_next_page", page);
        for (size_t i = 0; i < list->list->n_tokens; i++, seen++)
            CHECK_MSG (seen < 5 && streq (list->list->tokens [i]->id, ids [4 - seen]), "newest first at %d", seen);
        snprintf (after, sizeof after, "%s", list->list->end_cursor);
        s_free (&list);
    }
    CHECK_MSG (seen == 5, "all five seen once: %d", seen);
    R5__TokenReply *all = s_list (MALLORY, ACCOUNT_B, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 0, NULL);
    CHECK_MSG (s_status (all) == R5__STATUS__STATUS_OK && all->list->n_tokens == 5 && !all->list->has_next_page,
               "default page size holds all five");
    s_free (&all);
}

//  A management call (create a token for carol) with meta as given.
static R5__TokenReply *
s_create_with (R5__RequestMeta *meta)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateTokenRequest create = R5__CREATE_TOKEN_REQUEST__INIT;
    create.description = "forged";
    request.meta = meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE;
    request.create = &create;
    return s_call (&request);
}

//  Carol's tokens described "forged" (none should ever exist).
static int
s_count_forged (void)
{
    R5__TokenReply *list = s_list (CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, 100, NULL);
    int count = s_status (list) == R5__STATUS__STATUS_OK ? 0 : -1;
    for (size_t i = 0; count >= 0 && i < list->list->n_tokens; i++)
        count += streq (list->list->tokens [i]->description, "forged");
    s_free (&list);
    return count;
}

//  Whatever a bus client makes up instead of r5-token's signature is refused
//  and changes nothing: bare principal fields (what RequestMeta.principal, now
//  removed, carried: field 4), another key's assertion, a tampered one, an
//  expired one.
static void
s_test_forged_principals (void)
{
    R5__TokenReply *reply;
    R5__RequestMeta meta;
    s_signed_t signed_;

    //  Field 4 as an old client (or a forger) would still send it.
    R5__Principal principal = R5__PRINCIPAL__INIT;
    principal.user_id = CAROL;
    principal.account_id = ACCOUNT;
    principal.kind = R5__CREDENTIAL_KIND__CREDENTIAL_SESSION;
    //  protobuf-c keeps an unknown field's bytes after its tag: the length, then the message.
    size_t size = r5__principal__get_packed_size (&principal);
    assert (size < 128);
    uint8_t *packed = malloc (size + 1);
    packed [0] = (uint8_t) size;
    r5__principal__pack (&principal, packed + 1);
    ProtobufCMessageUnknownField field = { .tag = 4, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                                           .len = size + 1, .data = packed };
    r5__request_meta__init (&meta);
    r5_rpc_meta_init (&meta, "test", "forger", 5000);
    meta.base.n_unknown_fields = 1;
    meta.base.unknown_fields = &field;
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "bare principal fields: unauthenticated, not %d (%s)",
               (int) s_status (reply), reply ? reply->message : "");
    s_free (&reply);
    free (packed);

    //  A well-formed assertion under another key.
    r5_sign_public_t other_public;
    r5_sign_secret_t other_secret;
    r5_sign_keypair (&other_public, &other_secret);
    s_meta_for (&meta, &signed_, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    s_sign (&signed_, &other_secret, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, r5_now_ms (), 60000);
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "other key: unauthenticated");
    s_free (&reply);
    r5_sign_secret_clear (&other_secret);

    //  r5-token's assertion of a PAT principal, its kind byte turned into a session's.
    s_meta_for (&meta, &signed_, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN);
    bool turned = false;
    for (size_t i = 0; i + 1 < signed_.assertion.claims.len; i++)
        if (signed_.claims [i] == 0x20 && signed_.claims [i + 1] == 0x01 && !turned) {   //  kind = 4, varint 1
            signed_.claims [i + 1] = 0x02;
            turned = true;
        }
    CHECK_MSG (turned, "the kind is in the claims");
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "tampered claims: unauthenticated");
    s_free (&reply);

    //  Expired: issued two minutes ago for one.
    s_meta_for (&meta, &signed_, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    s_sign (&signed_, &s_keys.assertion_secret, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION,
            r5_now_ms () - 120000, 60000);
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "expired assertion: unauthenticated");
    s_free (&reply);

    //  A truncated signature.
    s_meta_for (&meta, &signed_, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    signed_.assertion.signature.len = 63;
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_UNAUTHENTICATED, "truncated signature: unauthenticated");
    s_free (&reply);

    CHECK_MSG (s_count_forged () == 0, "no forged request created a token");
    //  The same call with r5-token's own fresh assertion works: the refusals were the signature's doing.
    s_meta_for (&meta, &signed_, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    reply = s_create_with (&meta);
    CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_OK, "a genuine assertion creates");
    s_free (&reply);
    CHECK_MSG (s_count_forged () == 1, "exactly the genuine one");
}

//  create_session for user with proof; its status.
static R5__Status
s_session_with (const char *user, const char *account, R5__PasswordProof *proof)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateSessionRequest create = R5__CREATE_SESSION_REQUEST__INIT;
    create.user_id = (char *) user;
    create.account_id = (char *) account;
    create.proof = proof;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE_SESSION;
    request.create_session = &create;
    R5__TokenReply *reply = s_call (&request);
    R5__Status status = s_status (reply);
    s_free (&reply);
    return status;
}

//  Sessions need r5-resource's proof of a password check: for exactly that
//  user, unexpired, under r5-resource's key, and once.
static void
s_test_password_proofs (void)
{
    int64_t before = s_count_sessions (CAROL);
    CHECK_MSG (before >= 0, "count sessions");
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, NULL) == R5__STATUS__STATUS_UNAUTHENTICATED, "no proof: refused");
    R5__PasswordProof *proof = s_proof (&s_keys.proof_secret, BOB, ACCOUNT, r5_now_ms ());
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_UNAUTHENTICATED,
               "bob's proof for carol: refused");
    r5__password_proof__free_unpacked (proof, NULL);
    proof = s_proof (&s_keys.proof_secret, CAROL, ACCOUNT_B, r5_now_ms ());
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_UNAUTHENTICATED,
               "a proof for another account: refused");
    r5__password_proof__free_unpacked (proof, NULL);
    proof = s_proof (&s_keys.proof_secret, CAROL, ACCOUNT, r5_now_ms () - R5_PASSWORD_PROOF_TTL_MS - 1);
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_UNAUTHENTICATED, "expired proof: refused");
    r5__password_proof__free_unpacked (proof, NULL);
    //  r5-token's own key is not r5-resource's.
    proof = s_proof (&s_keys.assertion_secret, CAROL, ACCOUNT, r5_now_ms ());
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_UNAUTHENTICATED, "other key: refused");
    r5__password_proof__free_unpacked (proof, NULL);
    CHECK_MSG (s_count_sessions (CAROL) == before, "no session made by the refused ones");
    //  A good proof makes one session, and only one.
    proof = s_proof (&s_keys.proof_secret, CAROL, ACCOUNT, r5_now_ms ());
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_OK, "fresh proof: session");
    CHECK_MSG (s_session_with (CAROL, ACCOUNT, proof) == R5__STATUS__STATUS_UNAUTHENTICATED, "used twice: refused");
    r5__password_proof__free_unpacked (proof, NULL);
    CHECK_MSG (s_count_sessions (CAROL) == before + 1, "exactly one session");
}

static void
s_test_sessions (void)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateSessionRequest create = R5__CREATE_SESSION_REQUEST__INIT;
    create.user_id = ALICE;
    create.account_id = ACCOUNT;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE_SESSION;
    request.create_session = &create;
    create.proof = s_proof (&s_keys.proof_secret, ALICE, ACCOUNT, r5_now_ms ());
    R5__TokenReply *session = s_call (&request);
    r5__password_proof__free_unpacked (create.proof, NULL);
    CHECK_MSG (s_status (session) == R5__STATUS__STATUS_OK && session->body_case == R5__TOKEN_REPLY__BODY_SESSION,
               "create session");
    if (!session || session->body_case != R5__TOKEN_REPLY__BODY_SESSION) {
        s_free (&session);
        return;
    }
    const char *value = session->session->value;
    int64_t now = r5_now_ms ();
    CHECK_MSG (r5_token_check (value, strlen (value)) == R5_TOKEN_SESSION, "r5s_ value");
    CHECK_MSG (session->session->idle_expires_unix_ms > now + 7LL * 3600 * 1000
            && session->session->idle_expires_unix_ms <= now + 8LL * 3600 * 1000, "idle expiry 8 h");
    CHECK_MSG (session->session->absolute_expires_unix_ms > now + 6LL * 86400 * 1000, "absolute expiry 7 d");
    R5__TokenReply *verified = s_verify (value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY,
               "verify session");
    if (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY) {
        CHECK_MSG (verified->verify->principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_SESSION
                && verified->verify->principal->n_scopes == 0, "session principal, no scopes");
        CHECK_MSG (verified->verify->expires_unix_ms > now, "expiry given");
        //  The signed principal: r5-token's key, this session, a minute.
        const char *why = "";
        R5__PrincipalClaims *claims = r5_assertion_verify (&s_keys.assertion_public, verified->verify->assertion,
                                                           r5_now_ms (), &why);
        CHECK_MSG (claims && streq (claims->principal->user_id, ALICE) && streq (claims->principal->account_id, ACCOUNT)
                && claims->principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_SESSION
                && streq (claims->principal->token_id, verified->verify->principal->token_id)
                && claims->expires_unix_ms - claims->issued_unix_ms == R5_ASSERTION_TTL_DEFAULT_S * 1000,
                   "verify answers an assertion of the session: %s", why);
        if (claims)
            r5__principal_claims__free_unpacked (claims, NULL);
        //  The assertion as received is what a management call needs.
        R5__TokenRequest list_request = R5__TOKEN_REQUEST__INIT;
        R5__RequestMeta meta = R5__REQUEST_META__INIT;
        R5__ListTokensRequest list = R5__LIST_TOKENS_REQUEST__INIT;
        meta.assertion = verified->verify->assertion;
        list_request.meta = &meta;
        list_request.body_case = R5__TOKEN_REQUEST__BODY_LIST;
        list_request.list = &list;
        R5__TokenReply *listed = s_call (&list_request);
        CHECK_MSG (s_status (listed) == R5__STATUS__STATUS_OK, "the verified assertion lists alice's tokens");
        s_free (&listed);
    }
    char session_id [TOKEN_ID_SIZE] = "";
    if (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY)
        snprintf (session_id, sizeof session_id, "%s", verified->verify->principal->token_id);
    s_free (&verified);
    //  Sessions are not PATs: not listed, not gettable.
    R5__TokenReply *got = s_by_id (R5__TOKEN_REQUEST__BODY_GET, session_id, ALICE, ACCOUNT,
                                   R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (got) == R5__STATUS__STATUS_NOT_FOUND, "a session is not a pat");
    s_free (&got);
    //  Sign out: revoked, announced, idempotent.
    R5__TokenRequest out = R5__TOKEN_REQUEST__INIT;
    R5__DeleteSessionRequest delete_session = R5__DELETE_SESSION_REQUEST__INIT;
    delete_session.value = (char *) value;
    out.body_case = R5__TOKEN_REQUEST__BODY_DELETE_SESSION;
    out.delete_session = &delete_session;
    R5__TokenReply *ended = s_call (&out);
    CHECK_MSG (s_status (ended) == R5__STATUS__STATUS_OK && ended->body_case == R5__TOKEN_REPLY__BODY_DELETED
            && streq (ended->deleted->id, session_id), "sign out");
    s_free (&ended);
    char topic [80];
    snprintf (topic, sizeof topic, "token.revoked %s", session_id);
    CHECK_MSG (s_expect_event (topic), "event %s", topic);
    verified = s_verify (value, NULL);
    CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "signed-out session fails");
    s_free (&verified);
    ended = s_call (&out);
    CHECK_MSG (s_status (ended) == R5__STATUS__STATUS_OK, "second sign-out: ok");
    s_free (&ended);
    s_free (&session);
}

//  Session expiry, with a second token service state whose sessions idle out
//  after 1.5 s, called directly (the dispatch function, no broker in between).
//  Call a token server state directly (the dispatch function, no broker).
static R5__TokenReply *
s_direct_from (token_server_t *state, const char *caller, R5__TokenRequest *request)
{
    size_t size, reply_size;
    uint8_t *body = r5_rpc_pack (&request->base, &size);
    uint8_t *packed = token_server_handle (state, caller, body, size, 0, &reply_size);
    free (body);
    R5__TokenReply *reply = packed ? r5__token_reply__unpack (NULL, reply_size, packed) : NULL;
    free (packed);
    return reply;
}

//  As the gateway would call it.
static R5__TokenReply *
s_direct (token_server_t *state, R5__TokenRequest *request)
{
    return s_direct_from (state, R5_ROLE_GATEWAY, request);
}

//  Who may ask for what, by the roles the broker authenticated: another
//  team's service may verify and nothing else; the other services not even that.
static void
s_test_callers (token_config_t *config)
{
    char error [256];
    token_server_t *state = token_server_new (config, error, sizeof error);
    CHECK_MSG (state, "state: %s", error);
    if (!state)
        return;
    R5__TokenRequest verify_request = R5__TOKEN_REQUEST__INIT;
    R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
    verify.value = "r5p_000000000000000000000000000000000000";
    verify_request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
    verify_request.verify = &verify;
    const struct {
        const char *caller;
        R5__Status status;
    } verifiers [] = {
        { R5_ROLE_INTERNAL, R5__STATUS__STATUS_UNAUTHENTICATED },       //  heard: the value is unknown
        { R5_ROLE_RESOURCE, R5__STATUS__STATUS_FORBIDDEN },
        { R5_ROLE_AUTHZ, R5__STATUS__STATUS_FORBIDDEN },
        { "", R5__STATUS__STATUS_FORBIDDEN },
    };
    for (size_t n = 0; n < sizeof verifiers / sizeof verifiers [0]; n++) {
        R5__TokenReply *reply = s_direct_from (state, verifiers [n].caller, &verify_request);
        CHECK_MSG (s_status (reply) == verifiers [n].status, "verify from '%s'", verifiers [n].caller);
        s_free (&reply);
    }
    //  A session with a good proof, asked for by anyone but the gateway.
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateSessionRequest create = R5__CREATE_SESSION_REQUEST__INIT;
    create.user_id = BOB;
    create.account_id = ACCOUNT;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE_SESSION;
    request.create_session = &create;
    create.proof = s_proof (&s_keys.proof_secret, BOB, ACCOUNT, r5_now_ms ());
    const char *others [] = { R5_ROLE_INTERNAL, R5_ROLE_TOKEN, R5_ROLE_RESOURCE "," R5_ROLE_INTERNAL };
    for (size_t n = 0; n < sizeof others / sizeof others [0]; n++) {
        R5__TokenReply *reply = s_direct_from (state, others [n], &request);
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN && reply->body_case != R5__TOKEN_REPLY__BODY_SESSION,
                   "create_session from '%s'", others [n]);
        s_free (&reply);
    }
    r5__password_proof__free_unpacked (create.proof, NULL);
    token_server_destroy (&state);
}

//  RecordUsageRequest (the rate limits' shared counters): deltas add up
//  across calls (two gateways), a 0-point delta reads the total, users and
//  windows are apart, only the gateway role may call, bad input is refused.
static R5__TokenReply *
s_record_usage (token_server_t *state, const char *caller, const char *user, int64_t window, int64_t points,
                int64_t window_seconds)
{
    R5__UsageDelta delta = R5__USAGE_DELTA__INIT;
    delta.user_id = (char *) user;
    delta.window = window;
    delta.points = points;
    R5__UsageDelta *deltas [] = { &delta };
    R5__RecordUsageRequest record = R5__RECORD_USAGE_REQUEST__INIT;
    record.deltas = deltas;
    record.n_deltas = 1;
    record.window_seconds = window_seconds;
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    request.body_case = R5__TOKEN_REQUEST__BODY_RECORD_USAGE;
    request.record_usage = &record;
    return s_direct_from (state, caller, &request);
}

//  The total a RecordUsage reply gives, or -1.
static int64_t
s_usage_total (R5__TokenReply *reply)
{
    int64_t total = reply && reply->status == R5__STATUS__STATUS_OK
                 && reply->body_case == R5__TOKEN_REPLY__BODY_USAGE_TOTALS && reply->usage_totals->n_totals == 1
                  ? reply->usage_totals->totals [0]->used : -1;
    s_free (&reply);
    return total;
}

static void
s_test_record_usage (token_config_t *config)
{
    char error [256];
    token_server_t *state = token_server_new (config, error, sizeof error);
    CHECK_MSG (state, "state: %s", error);
    if (!state)
        return;
    //  A window of this run alone (hours ahead, as the gateways number them).
    int64_t window = r5_now_ms () / 1000 / 3600 + 1000 + randombytes_uniform (100000);
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, 7, 3600)), 7);
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, 5, 3600)), 12);
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, 0, 3600)), 12);
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, BOB, window + 1, 0, 3600)), 0);
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, ALICE, window, 1, 3600)), 1);
    const char *others [] = { R5_ROLE_INTERNAL, R5_ROLE_TOKEN, R5_ROLE_RESOURCE, "" };
    for (size_t n = 0; n < sizeof others / sizeof others [0]; n++) {
        R5__TokenReply *reply = s_record_usage (state, others [n], BOB, window, 100, 3600);
        CHECK_MSG (s_status (reply) == R5__STATUS__STATUS_FORBIDDEN, "record usage from '%s'", others [n]);
        s_free (&reply);
    }
    CHECK_INT (s_usage_total (s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, 0, 3600)), 12);
    R5__TokenReply *reply = s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, -1, 3600);
    CHECK (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT);
    s_free (&reply);
    reply = s_record_usage (state, R5_ROLE_GATEWAY, "", window, 1, 3600);
    CHECK (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT);
    s_free (&reply);
    reply = s_record_usage (state, R5_ROLE_GATEWAY, BOB, window, 1, 0);
    CHECK (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT);
    s_free (&reply);
    //  A window whose expiry no date can hold (past year 9999) is refused, not sent.
    reply = s_record_usage (state, R5_ROLE_GATEWAY, BOB, r5_now_ms () / 1000 + 1000000, 1, 3600);
    CHECK (s_status (reply) == R5__STATUS__STATUS_BAD_INPUT);
    s_free (&reply);
    token_server_destroy (&state);
}

//  Verify value from (ip, user_agent) on a state, as the gateway would.
static R5__Status
s_use_direct (token_server_t *state, const char *value, const char *ip, const char *user_agent)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
    verify.value = (char *) value;
    verify.client_ip = (char *) ip;
    verify.user_agent = (char *) user_agent;
    request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
    request.verify = &verify;
    R5__TokenReply *reply = s_direct (state, &request);
    R5__Status status = s_status (reply);
    s_free (&reply);
    return status;
}

//  Whether token id's used_from (get, as its owner) is exactly the places
//  "address|user agent" given, newest first; each time is written to at.
static bool
s_used_from_is (const char *id, int64_t *at, size_t count, ...)
{
    R5__TokenReply *got = s_by_id (R5__TOKEN_REQUEST__BODY_GET, id, ALICE, ACCOUNT,
                                   R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    bool same = s_status (got) == R5__STATUS__STATUS_OK && got->body_case == R5__TOKEN_REPLY__BODY_TOKEN
             && got->token->n_used_from == count;
    va_list places;
    va_start (places, count);
    for (size_t i = 0; i < count; i++) {
        const char *place = va_arg (places, const char *);
        if (!same)
            continue;
        R5__TokenUse *use = got->token->used_from [i];
        char text [400];
        snprintf (text, sizeof text, "%s|%s", use->address, use->user_agent);
        same = streq (text, place) && (i == 0 || use->last_used_at_unix_ms <= at [i - 1]);
        if (!same)
            printf ("  used_from[%zu] is %s, expected %s\n", i, text, place);
        at [i] = use->last_used_at_unix_ms;
    }
    va_end (places);
    if (got && got->body_case == R5__TOKEN_REPLY__BODY_TOKEN && !same)
        printf ("  used_from has %zu places, expected %zu\n", got->token->n_used_from, count);
    s_free (&got);
    return same;
}

//  Where a token was used: the last TOKEN_USED_FROM_MAX distinct (address,
//  user agent) places, newest first, each written at most once a minute per
//  instance, on a state whose clock the test moves.
static void
s_test_used_from (token_config_t *config)
{
    char error [256];
    token_server_t *state = token_server_new (config, error, sizeof error);
    CHECK_MSG (state, "state: %s", error);
    R5__TokenReply *created = s_create (ALICE, ACCOUNT, "used from", s_read_write, 1, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create");
    if (!state || s_status (created) != R5__STATUS__STATUS_OK) {
        s_free (&created);
        token_server_destroy (&state);
        return;
    }
    char id [TOKEN_ID_SIZE], value [R5_TOKEN_LENGTH + 1];
    snprintf (id, sizeof id, "%s", created->issued->token->id);
    snprintf (value, sizeof value, "%s", created->issued->value);
    s_free (&created);
    r5_test_clock_t clock;
    r5_test_clock_init (&clock);
    token_server_set_clock (state, &clock.base);
    int64_t at [TOKEN_USED_FROM_MAX];

    CHECK_MSG (s_used_from_is (id, at, 0), "never used: empty");
    CHECK_MSG (s_use_direct (state, value, "192.0.2.1", "curl/8.5.0") == R5__STATUS__STATUS_OK, "use");
    CHECK_MSG (s_used_from_is (id, at, 1, "192.0.2.1|curl/8.5.0"), "the first place");
    int64_t first = at [0];
    CHECK_MSG (first == r5_clock_now_ms (&clock.base), "with its time");
    r5_test_clock_advance (&clock, 1000);
    s_use_direct (state, value, "192.0.2.1", "curl/8.5.0");
    CHECK_MSG (s_used_from_is (id, at, 1, "192.0.2.1|curl/8.5.0") && at [0] == first,
               "the same place within the minute: throttled");
    r5_test_clock_advance (&clock, 1000);
    s_use_direct (state, value, "192.0.2.2", "curl/8.5.0");
    r5_test_clock_advance (&clock, 1000);
    //  r5-token cleans what it is sent, whoever sent it.
    s_use_direct (state, value, "192.0.2.1", "bad\x01" "agent\n");
    CHECK_MSG (s_used_from_is (id, at, 3, "192.0.2.1|bad?agent?", "192.0.2.2|curl/8.5.0", "192.0.2.1|curl/8.5.0"),
               "another address, another user agent: each a place, newest first");
    //  A minute on, the first place again: its time moves, it comes first, once.
    r5_test_clock_advance (&clock, 60000);
    s_use_direct (state, value, "192.0.2.1", "curl/8.5.0");
    CHECK_MSG (s_used_from_is (id, at, 3, "192.0.2.1|curl/8.5.0", "192.0.2.1|bad?agent?", "192.0.2.2|curl/8.5.0")
            && at [0] == r5_clock_now_ms (&clock.base), "the same place moves to the front, not repeated");
    //  Four new places: five kept, the oldest dropped.
    const char *more [] = { "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4" };
    for (size_t i = 0; i < 4; i++) {
        r5_test_clock_advance (&clock, 1000);
        s_use_direct (state, value, more [i], "Go-http-client/1.1");
    }
    CHECK_MSG (s_used_from_is (id, at, 5, "198.51.100.4|Go-http-client/1.1", "198.51.100.3|Go-http-client/1.1",
                               "198.51.100.2|Go-http-client/1.1", "198.51.100.1|Go-http-client/1.1",
                               "192.0.2.1|curl/8.5.0"), "bounded: the last five places");
    //  A sixth place in the same minute is not written (five places a minute
    //  per token per instance), and is once the minute has passed.
    r5_test_clock_advance (&clock, 1000);
    s_use_direct (state, value, "203.0.113.6", "six");
    CHECK_MSG (s_used_from_is (id, at, 5, "198.51.100.4|Go-http-client/1.1", "198.51.100.3|Go-http-client/1.1",
                               "198.51.100.2|Go-http-client/1.1", "198.51.100.1|Go-http-client/1.1",
                               "192.0.2.1|curl/8.5.0"), "a sixth place within the minute: throttled");
    r5_test_clock_advance (&clock, 60000);
    s_use_direct (state, value, "203.0.113.6", "six");
    CHECK_MSG (s_used_from_is (id, at, 5, "203.0.113.6|six", "198.51.100.4|Go-http-client/1.1",
                               "198.51.100.3|Go-http-client/1.1", "198.51.100.2|Go-http-client/1.1",
                               "198.51.100.1|Go-http-client/1.1"), "written a minute later, the oldest dropped");
    //  The stored array itself never holds more than five.
    mongoc_client_t *client = mongoc_client_new (s_uri);
    mongoc_collection_t *tokens = mongoc_client_get_collection (client, "r5test", "tokens");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), TOKEN_USED_FROM_KEY ".5", "{", "$exists", BCON_BOOL (true), "}");
    CHECK_MSG (mongoc_collection_count_documents (tokens, filter, NULL, NULL, NULL, NULL) == 0,
               "no sixth element stored");
    bson_destroy (filter);
    mongoc_collection_destroy (tokens);
    mongoc_client_destroy (client);
    //  A regenerated value has not been used anywhere yet.
    R5__TokenReply *regenerated = s_by_id (R5__TOKEN_REQUEST__BODY_REGENERATE, id, ALICE, ACCOUNT,
                                           R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    CHECK_MSG (s_status (regenerated) == R5__STATUS__STATUS_OK, "regenerate");
    if (regenerated && regenerated->body_case == R5__TOKEN_REPLY__BODY_ISSUED)
        s_remember (regenerated->issued->value);
    s_free (&regenerated);
    CHECK_MSG (s_used_from_is (id, at, 0), "regenerated: empty");
    token_server_destroy (&state);
}

//  Session expiry, with a second token service state whose sessions idle out
//  after 1.5 s and which records every use.
static void
s_test_session_expiry (token_config_t *config)
{
    token_config_t short_lived = *config;
    short_lived.session_idle_ms = 1500;
    short_lived.last_used_interval_ms = 0;
    char error [256];
    token_server_t *state = token_server_new (&short_lived, error, sizeof error);
    CHECK_MSG (state, "second state: %s", error);
    if (!state)
        return;
    //  The state's time moves only when the test moves it.
    r5_test_clock_t clock;
    r5_test_clock_init (&clock);
    token_server_set_clock (state, &clock.base);
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__CreateSessionRequest create = R5__CREATE_SESSION_REQUEST__INIT;
    create.user_id = BOB;
    create.account_id = ACCOUNT;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE_SESSION;
    request.create_session = &create;
    create.proof = s_proof (&s_keys.proof_secret, BOB, ACCOUNT, r5_clock_now_ms (&clock.base));
    R5__TokenReply *session = s_direct (state, &request);
    r5__password_proof__free_unpacked (create.proof, NULL);
    CHECK_MSG (s_status (session) == R5__STATUS__STATUS_OK && session->body_case == R5__TOKEN_REPLY__BODY_SESSION,
               "short session");
    if (session && session->body_case == R5__TOKEN_REPLY__BODY_SESSION) {
        s_remember (session->session->value);
        R5__TokenRequest verify_request = R5__TOKEN_REQUEST__INIT;
        R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
        verify.value = session->session->value;
        verify_request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
        verify_request.verify = &verify;
        //  Used within its idle time, it slides past the first 1.5 s...
        R5__TokenReply *verified = NULL;
        for (int i = 0; i < 4; i++) {
            r5_test_clock_advance (&clock, 500);
            s_free (&verified);
            verified = s_direct (state, &verify_request);
            CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_OK, "use %d within the idle time", i);
        }
        CHECK_MSG (verified && verified->body_case == R5__TOKEN_REPLY__BODY_VERIFY
                && verified->verify->expires_unix_ms > r5_clock_now_ms (&clock.base), "expiry in the future");
        s_free (&verified);
        //  ...and left alone, it ends.
        r5_test_clock_advance (&clock, 2000);
        verified = s_direct (state, &verify_request);
        CHECK_MSG (s_status (verified) == R5__STATUS__STATUS_UNAUTHENTICATED, "idle session ended");
        s_free (&verified);
    }
    s_free (&session);
    token_server_destroy (&state);
}

//  Two regenerates that read the same digest: exactly one wins.
static void
s_test_regenerate_race (const char *uri)
{
    R5__TokenReply *created = s_create (CAROL, ACCOUNT, "raced", NULL, 0, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create");
    char error [256];
    r5_mongo_t *mongo = r5_mongo_new (uri, "majority", error, sizeof error);
    token_store_t *store = mongo ? token_store_new (mongo) : NULL;
    if (store && created && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED) {
        const char *id = created->issued->token->id;
        token_record_t first_read, second_read, after;
        CHECK_MSG (token_store_find_own (store, id, CAROL, ACCOUNT, TOKEN_KIND_PAT, &first_read) == R5__STATUS__STATUS_OK
                && token_store_find_own (store, id, CAROL, ACCOUNT, TOKEN_KIND_PAT, &second_read) == R5__STATUS__STATUS_OK,
                   "both read the token");
        R5__Status one = token_store_swap_digest (store, id, CAROL, ACCOUNT, first_read.digest,
                                                  "aa00000000000000000000000000000000000000000000000000000000000001",
                                                  "r5p_\u2026one1", NULL, &after);
        R5__Status two = token_store_swap_digest (store, id, CAROL, ACCOUNT, second_read.digest,
                                                  "aa00000000000000000000000000000000000000000000000000000000000002",
                                                  "r5p_\u2026two2", NULL, &after);
        CHECK_MSG (one == R5__STATUS__STATUS_OK && two == R5__STATUS__STATUS_CONFLICT, "one wins (%d), one conflicts (%d)",
                   one, two);
        token_record_t now;
        CHECK_MSG (token_store_find_own (store, id, CAROL, ACCOUNT, TOKEN_KIND_PAT, &now) == R5__STATUS__STATUS_OK
                && streq (now.digest, "aa00000000000000000000000000000000000000000000000000000000000001"),
                   "the winner's digest stands");
        //  The loser of a race against a delete is told NOT_FOUND, not CONFLICT.
        bson_t *audit = BCON_NEW ("_id", BCON_UTF8 ("000000000000000000000001"), "type", BCON_UTF8 ("deleted"));
        token_change_t change = { audit, "revoked", NULL, NULL };
        CHECK_MSG (token_store_retire (store, id, CAROL, ACCOUNT, NULL, r5_now_ms (), &change, &after) == R5__STATUS__STATUS_OK,
                   "delete");
        bson_destroy (audit);
        CHECK_MSG (token_store_swap_digest (store, id, CAROL, ACCOUNT, now.digest,
                                            "aa00000000000000000000000000000000000000000000000000000000000003",
                                            "r5p_\u2026thr3", NULL, &after) == R5__STATUS__STATUS_NOT_FOUND,
                   "regenerate of a deleted token: not found");
    }
    CHECK_MSG (store, "store: %s", error);
    token_store_destroy (&store);
    r5_mongo_destroy (&mongo);
    s_free (&created);
}

//  The signed-in user's notices (list_notices), as the service answers them.
static R5__TokenReply *
s_notices (const char *user, const char *account)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, user, account, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    R5__ListTokenNoticesRequest list = R5__LIST_TOKEN_NOTICES_REQUEST__INIT;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_LIST_NOTICES;
    request.list_notices = &list;
    return s_call (&request);
}

//  A report of value: its verdict (-1: no verdict).
static int
s_report_leaked (const char *value, const char *url)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__LeakedToken leaked = R5__LEAKED_TOKEN__INIT;
    leaked.value = (char *) value;
    leaked.url = (char *) url;
    leaked.source = "content";
    R5__LeakedToken *tokens [] = { &leaked };
    R5__ReportLeakedTokensRequest report = R5__REPORT_LEAKED_TOKENS_REQUEST__INIT;
    report.tokens = tokens;
    report.n_tokens = 1;
    request.body_case = R5__TOKEN_REQUEST__BODY_REPORT_LEAKED;
    request.report_leaked = &report;
    R5__TokenReply *reply = s_call (&request);
    int live = reply && reply->status == R5__STATUS__STATUS_OK && reply->body_case == R5__TOKEN_REPLY__BODY_LEAKED
            && reply->leaked->n_live == 1 ? reply->leaked->live [0] : -1;
    s_free (&reply);
    return live;
}

//  A crash between a leaked token's revocation and its notice: the
//  revocation's write (as report_leaked makes it) is left owing, and the
//  notice comes from completing that debt, once, however often it is completed.
static void
s_test_leak_crash (const char *uri)
{
    R5__TokenReply *created = s_create (CAROL, ACCOUNT, "crashed leak", NULL, 0, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create");
    char error [256];
    r5_mongo_t *mongo = r5_mongo_new (uri, "majority", error, sizeof error);
    token_store_t *store = mongo ? token_store_new (mongo) : NULL;
    token_notices_t *notices = mongo ? token_notices_new (mongo) : NULL;
    if (store && created && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED) {
        const char *id = created->issued->token->id;
        const char *value = created->issued->value;
        R5__TokenReply *before = s_notices (CAROL, ACCOUNT);
        size_t count_before = before && before->body_case == R5__TOKEN_REPLY__BODY_NOTICES ? before->notices->n_notices : 99;
        s_free (&before);
        token_record_t token, after;
        CHECK (token_store_find_own (store, id, CAROL, ACCOUNT, TOKEN_KIND_PAT, &token) == R5__STATUS__STATUS_OK);
        char audit_id [25];
        r5_mongo_new_id (audit_id);
        bson_t *audit = BCON_NEW ("_id", BCON_UTF8 (audit_id), "type", BCON_UTF8 (TOKEN_NOTICE_AUDIT_TYPE),
                                  "at", BCON_DATE_TIME (r5_now_ms ()), "token_id", BCON_UTF8 (id),
                                  "user_id", BCON_UTF8 (CAROL), "account_id", BCON_UTF8 (ACCOUNT),
                                  "hint", BCON_UTF8 (token.hint), "description_before", BCON_UTF8 ("crashed leak"),
                                  "reason", BCON_UTF8 ("reported leaked at https://example.com/crash"),
                                  "url", BCON_UTF8 ("https://example.com/crash"), "source", BCON_UTF8 ("content"));
        token_change_t change = { audit, "revoked", NULL, NULL };
        //  The revocation's write, and then the instance "crashes".
        CHECK (token_store_retire (store, id, CAROL, ACCOUNT, token.digest, r5_now_ms (), &change, &after)
               == R5__STATUS__STATUS_OK);
        //  Revoked already: a report finds nothing live, and makes nothing.
        CHECK_MSG (s_report_leaked (value, "https://example.com/again") == 0, "a second report is not live");
        //  The owner's list completes the debt first: one notice, the crashed one.
        for (int round = 0; round < 2; round++) {
            R5__TokenReply *listed = s_notices (CAROL, ACCOUNT);
            if (CHECK_MSG (s_status (listed) == R5__STATUS__STATUS_OK && listed->body_case == R5__TOKEN_REPLY__BODY_NOTICES,
                           "list notices")) {
                CHECK_MSG (listed->notices->n_notices == count_before + 1, "round %d: %zu notices, %zu before", round,
                           listed->notices->n_notices, count_before);
                CHECK_STR (listed->notices->notices [0]->id, audit_id);
                CHECK_STR (listed->notices->notices [0]->url, "https://example.com/crash");
                CHECK_STR (listed->notices->notices [0]->description, "crashed leak");
            }
            s_free (&listed);
            //  The debt completed again (a second instance's sweep): a no-op.
            CHECK (token_notices_record (notices, audit) == R5__STATUS__STATUS_OK);
        }
        //  Another user sees none of it.
        R5__TokenReply *other = s_notices (BOB, ACCOUNT);
        CHECK (s_status (other) == R5__STATUS__STATUS_OK && other->notices->n_notices == 0);
        s_free (&other);
        bson_destroy (audit);
    }
    CHECK_MSG (store, "store: %s", error);
    token_notices_destroy (&notices);
    token_store_destroy (&store);
    r5_mongo_destroy (&mongo);
    s_free (&created);
}

//  Two service instances regenerating the same token at the same moment, in
//  two threads, many times (each state is used by one thread at a time, handed
//  over through pthread_create/join, which order its sockets' use): every answer is OK or CONFLICT, and of the values
//  answered OK in a round exactly one works afterwards (the last one written).
typedef struct {
    token_server_t *state;
    const char *id;
    R5__TokenReply *reply;
    atomic_int *go;
} s_racer_t;

static void *
s_racer (void *args)
{
    s_racer_t *racer = (s_racer_t *) args;
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta;
    s_signed_t principal;
    s_meta_for (&meta, &principal, CAROL, ACCOUNT, R5__CREDENTIAL_KIND__CREDENTIAL_SESSION);
    R5__RegenerateTokenRequest regenerate = R5__REGENERATE_TOKEN_REQUEST__INIT;
    regenerate.id = (char *) racer->id;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_REGENERATE;
    request.regenerate = &regenerate;
    while (!atomic_load (racer->go))
        ;
    racer->reply = s_direct (racer->state, &request);
    return NULL;
}

static void
s_test_regenerate_threads (token_config_t *config)
{
    char error [256];
    token_server_t *states [2] = { token_server_new (config, error, sizeof error), token_server_new (config, error, sizeof error) };
    CHECK_MSG (states [0] && states [1], "two instances: %s", error);
    R5__TokenReply *created = s_create (CAROL, ACCOUNT, "raced by threads", NULL, 0, NULL);
    CHECK_MSG (s_status (created) == R5__STATUS__STATUS_OK, "create");
    int conflicts = 0;
    for (int round = 0; round < 20 && states [0] && states [1] && created
                        && created->body_case == R5__TOKEN_REPLY__BODY_ISSUED; round++) {
        atomic_int go = 0;
        s_racer_t racers [2];
        pthread_t threads [2];
        for (int i = 0; i < 2; i++) {
            racers [i] = (s_racer_t) { states [i], created->issued->token->id, NULL, &go };
            pthread_create (&threads [i], NULL, s_racer, &racers [i]);
        }
        atomic_store (&go, 1);
        int ok = 0, working = 0;
        pthread_join (threads [0], NULL);
        pthread_join (threads [1], NULL);
        for (int i = 0; i < 2; i++) {
            R5__Status status = s_status (racers [i].reply);
            CHECK_MSG (status == R5__STATUS__STATUS_OK || status == R5__STATUS__STATUS_CONFLICT,
                       "round %d: ok or conflict, got %d", round, (int) status);
            conflicts += status == R5__STATUS__STATUS_CONFLICT;
            if (status == R5__STATUS__STATUS_CONFLICT)
                CHECK_MSG (racers [i].reply->body_case == R5__TOKEN_REPLY__BODY__NOT_SET, "a loser gets no value");
            if (status == R5__STATUS__STATUS_OK && racers [i].reply->body_case == R5__TOKEN_REPLY__BODY_ISSUED) {
                ok++;
                s_remember (racers [i].reply->issued->value);
                R5__TokenReply *verified = s_verify (racers [i].reply->issued->value, NULL);
                working += s_status (verified) == R5__STATUS__STATUS_OK;
                s_free (&verified);
            }
        }
        CHECK_MSG (ok >= 1 && working == 1, "round %d: %d answered ok, %d value(s) work", round, ok, working);
        s_free (&racers [0].reply);
        s_free (&racers [1].reply);
    }
    printf ("regenerate race: %d conflicts in 20 rounds of 2\n", conflicts);
    s_free (&created);
    token_server_destroy (&states [0]);
    token_server_destroy (&states [1]);
}

//  Look for every issued value (and its random part) in every document of
//  every collection of the database.
static void
s_test_no_value_at_rest (const char *uri)
{
    char error [256];
    r5_mongo_t *mongo = r5_mongo_new (uri, "", error, sizeof error);
    CHECK_MSG (mongo, "mongo: %s", error);
    if (!mongo)
        return;
    mongoc_client_t *client = r5_mongo_pop (mongo);
    mongoc_database_t *database = mongoc_client_get_database (client, "r5test");
    bson_error_t bson_error;
    char **names = mongoc_database_get_collection_names_with_opts (database, NULL, &bson_error);
    CHECK_MSG (names, "collection names: %s", bson_error.message);
    int documents = 0, collections = 0;
    for (int i = 0; names && names [i]; i++) {
        collections++;
        mongoc_collection_t *collection = mongoc_database_get_collection (database, names [i]);
        bson_t filter = BSON_INITIALIZER;
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, &filter, NULL, NULL);
        const bson_t *doc;
        while (mongoc_cursor_next (cursor, &doc)) {
            documents++;
            char *json = bson_as_canonical_extended_json (doc, NULL);
            for (int v = 0; json && v < s_value_count; v++) {
                CHECK_MSG (!strstr (json, s_values [v]), "value found at rest in %s", names [i]);
                char random_part [R5_TOKEN_RANDOM_LEN + 1];
                snprintf (random_part, sizeof random_part, "%s", s_values [v] + 4);
                CHECK_MSG (!strstr (json, random_part), "random part of a value found in %s", names [i]);
            }
            bson_free (json);
        }
        mongoc_cursor_destroy (cursor);
        bson_destroy (&filter);
        mongoc_collection_destroy (collection);
    }
    bson_strfreev (names);
    CHECK_MSG (collections >= 2 && documents > 20 && s_value_count > 10,
               "the scan looked at something: %d collections, %d documents, %d values",
               collections, documents, s_value_count);
    mongoc_database_destroy (database);
    r5_mongo_push (mongo, &client);
    r5_mongo_destroy (&mongo);
}

//  ---------------------------------------------------------------------------

//  A SUB socket sends its subscription only once its own thread touches it,
//  and PUB drops what no subscription matches: change a token until its event
//  arrives, so every later event is known to reach the test.
static void
s_events_ready (void)
{
    R5__TokenReply *created = s_create (CAROL, ACCOUNT, "warm-up", NULL, 0, NULL);
    if (!created || created->body_case != R5__TOKEN_REPLY__BODY_ISSUED) {
        CHECK_MSG (false, "warm-up create");
        s_free (&created);
        return;
    }
    char topic [80];
    snprintf (topic, sizeof topic, "token.updated %s", created->issued->token->id);
    bool ready = false;
    for (int attempt = 0; attempt < 50 && !ready; attempt++) {
        //  A new description each time: the same update under the same
        //  request id would be a resend, applied (and announced) once.
        char description [32];
        snprintf (description, sizeof description, "warm-up %d", attempt);
        R5__TokenReply *updated = s_update (created->issued->token->id, CAROL, ACCOUNT,
                                            R5__CREDENTIAL_KIND__CREDENTIAL_SESSION, description, false, NULL, 0);
        s_free (&updated);
        zmsg_t *msg = zmsg_recv (s_events);
        char *got = msg ? zmsg_popstr (msg) : NULL;
        ready = got && streq (got, topic);
        zstr_free (&got);
        zmsg_destroy (&msg);
    }
    CHECK_MSG (ready, "events reach the test");
    //  Drain the copies of the warm-up event still in flight.
    zmsg_t *msg;
    while ((msg = zmsg_recv (s_events)))
        zmsg_destroy (&msg);
    s_free (&created);
}

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    int port = r5_test_devmongo_start ("test_token_service");
    if (port <= 0) {
        fprintf (stderr, "FAIL: cannot start the dev server (deploy/devmongo/r5-devmongo)\n");
        r5_test_devmongo_stop ();
        return 1;
    }
    char uri [256];
    snprintf (uri, sizeof uri, "mongodb://127.0.0.1:%d/r5test?serverSelectionTimeoutMS=3000", port);

    broker_config_t broker_config = { "tcp://127.0.0.1:*", r5_test_bus_keys (NULL) };
    zactor_t *broker = zactor_new (broker_actor, &broker_config);
    zstr_send (broker, "ENDPOINT");
    char *endpoint = zstr_recv (broker);
    //  The services publish to this socket as to a broker's relay: a CURVE server.
    s_events = zsock_new (ZMQ_SUB);
    r5_curve_server (s_events, "r5.events.in");
    int events_port = zsock_bind (s_events, "tcp://127.0.0.1:*");
    zsock_set_subscribe (s_events, "token.");
    zsock_set_rcvtimeo (s_events, 200);
    char events [64];
    snprintf (events, sizeof events, "tcp://127.0.0.1:%d", events_port);

    r5_test_keys_make (&s_keys);
    s_uri = uri;
    token_config_t config = {
        .mongodb_uri = uri, .mongodb_write_concern = "majority", .events = events, .brokers = endpoint,
        .session_idle_ms = TOKEN_SESSION_IDLE_DEFAULT_S * 1000LL,
        .session_absolute_ms = TOKEN_SESSION_ABSOLUTE_DEFAULT_S * 1000LL,
        .last_used_interval_ms = TOKEN_LAST_USED_INTERVAL_DEFAULT_S * 1000LL,
        .assertion_key = s_keys.assertion_secret,
        .assertion_ttl_ms = R5_ASSERTION_TTL_DEFAULT_S * 1000LL,
        .password_proof_verify_key = s_keys.proof_public,
    };
    randombytes_buf (config.pepper, sizeof config.pepper);
    char error [256] = "";
    zactor_t *resource_actor = r5_service_start (s_fake_actor, endpoint, error, sizeof error);
    zactor_t *token_actor = r5_service_start (token_server_actor, &config, error, sizeof error);
    CHECK_MSG (resource_actor && token_actor, "services start: %s", error);
    s_client = r5_client_new (endpoint);
    if (token_actor && resource_actor
    &&  r5_test_wait_workers (broker, R5_SERVICE_TOKEN) && r5_test_wait_workers (broker, R5_SERVICE_RESOURCE)) {
        s_events_ready ();
        R5_TEST_RUN (s_test_lifecycle);
        R5_TEST_RUN (s_test_update_resent);
        R5_TEST_RUN (s_test_pat_principal);
        R5_TEST_RUN (s_test_team_restriction);
        R5_TEST_RUN (s_test_bad_input);
        R5_TEST_RUN (s_test_idempotency);
        R5_TEST_RUN (s_test_inactive_user);
        R5_TEST_RUN (s_test_principal_facts);
        R5_TEST_RUN (s_test_pagination);
        R5_TEST_RUN (s_test_sessions);
        R5_TEST_RUN (s_test_forged_principals);
        R5_TEST_RUN (s_test_password_proofs);
        s_test_session_expiry (&config);
        s_test_used_from (&config);
        s_test_callers (&config);
        s_test_record_usage (&config);
        s_test_regenerate_race (uri);
        s_test_leak_crash (uri);
        s_test_regenerate_threads (&config);
        s_test_no_value_at_rest (uri);
    }
    else
        CHECK_MSG (false, "workers did not register with the broker");

    r5_client_destroy (&s_client);
    zactor_destroy (&token_actor);
    zactor_destroy (&resource_actor);
    zsock_destroy (&s_events);
    zstr_free (&endpoint);
    zactor_destroy (&broker);
    r5_test_devmongo_stop ();
    return r5_test_report ("test_token_service");
}
