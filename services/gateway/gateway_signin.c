/*  gateway_signin: signup, login, logout and the session cookie.  */
#include "gateway_signin.h"
#include "gateway_auth.h"
#include "gateway_call.h"
#include "gateway_access.h"
#include "gateway_http.h"
#include "gateway_json.h"
#include "gateway_node.h"
#include "gateway_status.h"
#include "r5_email.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5_token_format.h"
#include "r5/resource.pb-c.h"
#include "r5/token.pb-c.h"

#include <sodium.h>
#include <arpa/inet.h>
#include <strings.h>

#define S_MAX_AUTH_BODY 16384

json_t *
gateway_signin_parse_body (const char *body, size_t size, int max_json_depth, const char **problem)
{
    *problem = "body must be a JSON object";
    json_t *json = gateway_json_parse (body, size, max_json_depth, problem);
    if (!json_is_object (json)) {
        json_decref (json);
        return NULL;
    }
    return json;
}

const char *
gateway_signin_signup_fields (json_t *json, R5__SignupRequest *signup)
{
    signup->account_name = (char *) gateway_json_string (json, "accountName", NULL);
    signup->name = (char *) gateway_json_string (json, "name", NULL);
    signup->email = (char *) gateway_json_string (json, "email", NULL);
    signup->password = (char *) gateway_json_string (json, "password", NULL);
    if (!signup->account_name || !signup->name || !signup->email || !signup->password)
        return "accountName, name, email and password are required strings";
    return NULL;
}

const char *
gateway_signin_login_fields (json_t *json, R5__CheckPasswordRequest *check)
{
    check->email = (char *) gateway_json_string (json, "email", NULL);
    check->password = (char *) gateway_json_string (json, "password", NULL);
    if (!check->email || !check->password)
        return "email and password are required strings";
    return NULL;
}

//  Read and parse the JSON object body of an /auth POST; answers the error itself.
static json_t *
s_read_json (gateway_t *gw, struct mg_connection *conn)
{
    const struct mg_request_info *info = mg_get_request_info (conn);
    if (strcmp (info->request_method, "POST") != 0) {
        gateway_http_send_error (conn, 405, "use POST");
        return NULL;
    }
    if (gateway_http_check_origin (conn, gw->config.public_origin)) {
        gateway_http_send_error (conn, 403, "cross-origin or non-JSON request refused");
        return NULL;
    }
    size_t size;
    int status;
    char *body = gateway_http_read_body_or_answer (conn, S_MAX_AUTH_BODY, gw->config.request_timeout_ms,
                                                   "request body too large", &size, &status);
    if (!body)
        return NULL;
    const char *problem;
    json_t *json = gateway_signin_parse_body (body, size, gw->config.max_json_depth, &problem);
    sodium_memzero (body, size);
    free (body);
    if (!json)
        gateway_http_send_error (conn, 400, problem);
    return json;
}

static const char *s_role_names [] = { "", "OWNER", "ADMINISTRATOR", "MEMBER" };

//  The user as GraphQL's viewer shows it: its id is the User's global id.
//  The account has no type of its own in the API: its id is the service's.
static json_t *
s_user_json (const R5__User *user)
{
    char *id = gateway_node_id ("User", user->id);
    json_t *json = json_pack ("{s:{s:s?,s:s,s:s,s:s,s:s}}", "user", "id", id, "name", user->name,
                              "email", user->email, "role", user->role <= 3 ? s_role_names [user->role] : "",
                              "accountId", user->account_id);
    free (id);
    return json;
}

static void
s_send_status (struct mg_connection *conn, R5__Status status, const char *message)
{
    const gateway_status_t *mapped = gateway_status (status);
    gateway_http_send_error (conn, mapped->http_status,
                             mapped->mask || !message || !*message ? mapped->message : message);
}

//  Ask r5-token for a session for user, with the password proof r5-resource
//  gave for it (r5-token makes sessions for nothing less), and answer with it
//  in the cookie.
static void
s_start_session (gateway_t *gw, struct mg_connection *conn, const char *request_id, const R5__User *user,
                 R5__PasswordProof *proof, int http_status)
{
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__CreateSessionRequest create = R5__CREATE_SESSION_REQUEST__INIT;
    char client_ip [64];
    r5_rpc_meta_init (&meta, "r5-gateway", request_id, gw->config.rpc_timeout_ms);
    meta.client_ip = (char *) gateway_http_client_ip (conn, gw->config.trust_proxy, client_ip, sizeof client_ip);
    create.user_id = user->id;
    create.account_id = user->account_id;
    create.proof = proof;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_CREATE_SESSION;
    request.create_session = &create;

    R5__Status status;
    R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (gateway_thread (conn)->client, R5_SERVICE_TOKEN,
                                                            &request.base, &r5__token_reply__descriptor,
                                                            gw->config.rpc_timeout_ms, false, &status);
    if (!reply || reply->status != R5__STATUS__STATUS_OK || reply->body_case != R5__TOKEN_REPLY__BODY_SESSION) {
        s_send_status (conn, reply ? reply->status : status, reply ? reply->message : NULL);
        if (reply)
            r5__token_reply__free_unpacked (reply, NULL);
        return;
    }
    int64_t max_age = (reply->session->absolute_expires_unix_ms - r5_now_ms ()) / 1000;
    char header [256];
    snprintf (header, sizeof header,
              "Set-Cookie: " GATEWAY_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s\r\n",
              reply->session->value, (long long) (max_age > 0 ? max_age : 0),
              gw->config.secure_cookies ? "; Secure" : "");
    json_t *body = s_user_json (user);
    gateway_http_send_json (conn, http_status, NULL, body, header);
    json_decref (body);
    sodium_memzero (header, sizeof header);
    sodium_memzero (reply->session->value, strlen (reply->session->value));
    r5__token_reply__free_unpacked (reply, NULL);
}

//  Call r5-resource with request (its body set; the meta is set here), retried
//  when idempotent. Returns a reply with a user, or NULL after answering the
//  failure itself: 401 with refused for UNAUTHENTICATED when refused is set.
static R5__ResourceReply *
s_call_resource (gateway_t *gw, struct mg_connection *conn, R5__ResourceRequest *request, bool idempotent,
                 const char *refused)
{
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    r5_rpc_meta_init (&meta, "r5-gateway", gateway_access_bus_id (conn), gw->config.rpc_timeout_ms);
    request->meta = &meta;
    R5__Status status;
    R5__ResourceReply *reply = (R5__ResourceReply *) r5_rpc_call (gateway_thread (conn)->client,
                                                                  R5_SERVICE_RESOURCE, &request->base,
                                                                  &r5__resource_reply__descriptor,
                                                                  gw->config.rpc_timeout_ms, idempotent, &status);
    request->meta = NULL;
    if (!reply) {
        s_send_status (conn, status, NULL);
        return NULL;
    }
    if (reply->status != R5__STATUS__STATUS_OK || reply->body_case != R5__RESOURCE_REPLY__BODY_USER) {
        if (refused && reply->status == R5__STATUS__STATUS_UNAUTHENTICATED)
            gateway_http_send_error (conn, 401, refused);
        else
            s_send_status (conn, reply->status == R5__STATUS__STATUS_OK ? R5__STATUS__STATUS_INTERNAL : reply->status,
                           reply->message);
        r5__resource_reply__free_unpacked (reply, NULL);
        return NULL;
    }
    return reply;
}

//  =========================================================================
//  Throttles (docs/decisions.md, "Sign-in abuse")
//  =========================================================================

//  The client's address as throttles count it: an IPv4 address, or the /64
//  an IPv6 address belongs to (one subscriber usually holds a whole /64).
static void
s_client_address (gateway_t *gw, struct mg_connection *conn, char *out, size_t size)
{
    char address [64];
    gateway_http_client_ip (conn, gw->config.trust_proxy, address, sizeof address);
    struct in6_addr ip6;
    if (inet_pton (AF_INET6, address, &ip6) == 1) {
        char text [INET6_ADDRSTRLEN];
        if (IN6_IS_ADDR_V4MAPPED (&ip6))
            //  An IPv4 client of a dual-stack socket: its own address, not the /64 all of them share.
            inet_ntop (AF_INET, ip6.s6_addr + 12, address, sizeof address);
        else {
            memset (ip6.s6_addr + 8, 0, 8);
            if (inet_ntop (AF_INET6, &ip6, text, sizeof text))
                snprintf (address, sizeof address, "%s/64", text);
        }
    }
    snprintf (out, size, "%s", address);
}

//  Answer 429 RATE_LIMITED with Retry-After.
static void
s_send_rate_limited (struct mg_connection *conn, const char *request_id, const char *what, int wait)
{
    char retry [64];
    snprintf (retry, sizeof retry, "Retry-After: %d\r\n", wait);
    json_t *body = json_pack ("{s:s,s:s}", "error", "too many attempts, try again later", "code", "RATE_LIMITED");
    gateway_http_send_json (conn, 429, NULL, body, retry);
    json_decref (body);
    r5_info (request_id, "%s throttled for %d s", what, wait);
}

//  Take one login attempt from the buckets of this email from this address,
//  of this email from anywhere, and of this address for any email. 0 when
//  all three had one (all taken), else the seconds to wait (none taken).
static int
s_take_login_attempt (gateway_t *gw, const char *pair_key, const char *email_key, const char *address_key)
{
    //  Narrowest first: a stranger stopped by their own bucket spends nothing
    //  of the email's shared one, which the owner needs.
    int wait = r5_throttle_take (gw->login_by_pair, pair_key);
    if (wait)
        return wait;
    wait = r5_throttle_take (gw->login_by_address, address_key);
    if (wait) {
        r5_throttle_give (gw->login_by_pair, pair_key);
        return wait;
    }
    wait = r5_throttle_take (gw->login_by_email, email_key);
    if (wait) {
        r5_throttle_give (gw->login_by_address, address_key);
        r5_throttle_give (gw->login_by_pair, pair_key);
    }
    return wait;
}

int
gateway_signin_signup (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    if (!gw->config.signup) {
        gateway_http_send_error (conn, 403, "signup is disabled on this server");
        return 403;
    }
    json_t *json = s_read_json (gw, conn);
    if (!json)
        return 400;
    const char *request_id = gateway_access_bus_id (conn);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__SignupRequest signup = R5__SIGNUP_REQUEST__INIT;
    const char *problem = gateway_signin_signup_fields (json, &signup);
    if (problem) {
        json_decref (json);
        gateway_http_send_error (conn, 400, problem);
        return 400;
    }
    //  Counted before the work, whatever the outcome: signups per address are
    //  few, and each taken-email answer tells something.
    char address [80];
    s_client_address (gw, conn, address, sizeof address);
    int wait = r5_throttle_take (gw->signup_by_address, address);
    if (wait) {
        json_decref (json);
        s_send_rate_limited (conn, request_id, "signup", wait);
        return 429;
    }
    request.body_case = R5__RESOURCE_REQUEST__BODY_SIGNUP;
    request.signup = &signup;
    R5__ResourceReply *reply = s_call_resource (gw, conn, &request, false, NULL);
    json_decref (json);
    if (!reply)
        return 400;
    r5_info (request_id, "signup: account %s owner %s", reply->user->account_id, reply->user->id);
    s_start_session (gw, conn, request_id, reply->user, reply->password_proof, 201);
    r5__resource_reply__free_unpacked (reply, NULL);
    return 201;
}

int
gateway_signin_login (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    json_t *json = s_read_json (gw, conn);
    if (!json)
        return 400;
    const char *request_id = gateway_access_bus_id (conn);
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    R5__CheckPasswordRequest check = R5__CHECK_PASSWORD_REQUEST__INIT;
    const char *problem = gateway_signin_login_fields (json, &check);
    if (problem) {
        json_decref (json);
        gateway_http_send_error (conn, 400, problem);
        return 400;
    }
    request.body_case = R5__RESOURCE_REQUEST__BODY_CHECK_PASSWORD;
    request.check_password = &check;

    //  Throttle keys: the email in the form users are stored by, the client's
    //  address, and the two together.
    char email [300], address [80], pair_key [400];
    if (r5_email_normalize (check.email, email, sizeof email) < 0)
        snprintf (email, sizeof email, "(too long)");       //  refused by r5-resource anyway
    s_client_address (gw, conn, address, sizeof address);
    snprintf (pair_key, sizeof pair_key, "%s %s", email, address);
    //  Taken before the password is checked: parallel guesses cannot all slip
    //  in before their failures are counted, and an attempt that ends in 503
    //  counts as much as a wrong password.
    int wait = s_take_login_attempt (gw, pair_key, email, address);
    if (wait > 0) {
        json_decref (json);
        s_send_rate_limited (conn, request_id, "sign-in", wait);
        return 429;
    }
    //  One answer whether the email is unknown or the password wrong.
    R5__ResourceReply *reply = s_call_resource (gw, conn, &request, true, "invalid email or password");
    json_decref (json);
    if (!reply)
        return 401;
    //  The right password: this pair starts afresh, and the attempt was not
    //  abuse, so the shared buckets get it back.
    r5_throttle_reset (gw->login_by_pair, pair_key);
    r5_throttle_give (gw->login_by_email, email);
    r5_throttle_give (gw->login_by_address, address);
    s_start_session (gw, conn, request_id, reply->user, reply->password_proof, 200);
    r5__resource_reply__free_unpacked (reply, NULL);
    return 200;
}

int
gateway_signin_logout (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    json_t *json = s_read_json (gw, conn);
    if (!json)
        return 400;
    json_decref (json);
    const char *request_id = gateway_access_bus_id (conn);
    char cookie [128];
    if (gateway_http_cookie (conn, GATEWAY_SESSION_COOKIE, cookie, sizeof cookie) == 0
    &&  r5_token_check (cookie, strlen (cookie)) == R5_TOKEN_SESSION) {
        R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
        R5__RequestMeta meta = R5__REQUEST_META__INIT;
        R5__DeleteSessionRequest end = R5__DELETE_SESSION_REQUEST__INIT;
        r5_rpc_meta_init (&meta, "r5-gateway", request_id, gw->config.rpc_timeout_ms);
        end.value = cookie;
        request.meta = &meta;
        request.body_case = R5__TOKEN_REQUEST__BODY_DELETE_SESSION;
        request.delete_session = &end;
        R5__Status status;
        R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (gateway_thread (conn)->client, R5_SERVICE_TOKEN,
                                                                &request.base, &r5__token_reply__descriptor,
                                                                gw->config.rpc_timeout_ms, true, &status);
        if (!reply) {
            sodium_memzero (cookie, sizeof cookie);
            s_send_status (conn, status, NULL);
            return 503;
        }
        r5__token_reply__free_unpacked (reply, NULL);
        gateway_cache_drop_value (gw->cache, cookie, strlen (cookie));
    }
    sodium_memzero (cookie, sizeof cookie);
    json_t *body = json_object ();
    gateway_http_send_json (conn, 200, NULL, body,
                            "Set-Cookie: " GATEWAY_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\r\n");
    json_decref (body);
    return 200;
}
