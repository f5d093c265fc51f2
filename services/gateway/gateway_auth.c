/*  gateway_auth: bearer and cookie authentication.  */
#include "gateway_auth.h"
#include "gateway_access.h"
#include "gateway_http.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"
#include "r5_token_format.h"
#include "r5_user_agent.h"
#include "r5/token.pb-c.h"

#include <sodium.h>
#include <strings.h>

void
gateway_auth_send_401 (struct mg_connection *conn, const char *content_type)
{
    json_t *body = json_pack ("{s:[{s:s,s:{s:s}}]}", "errors", "message", "authentication required",
                              "extensions", "code", "UNAUTHENTICATED");
    gateway_http_send_json (conn, 401, content_type, body, "WWW-Authenticate: Bearer realm=\"r5\"\r\n");
    json_decref (body);
}

static void
s_copy (char *out, size_t size, const char *text)
{
    snprintf (out, size, "%s", text ? text : "");
}

//  The verified principal and its assertion into *principal. -1 when the
//  reply has no usable assertion (then no service would accept the caller).
static int
s_principal_from_reply (const R5__VerifyTokenReply *reply, gateway_principal_t *principal)
{
    const R5__Principal *message = reply->principal;
    const R5__PrincipalAssertion *assertion = reply->assertion;
    if (!message || !assertion || assertion->claims.len > sizeof principal->assertion_claims
    ||  assertion->signature.len != sizeof principal->assertion_signature)
        return -1;
    //  Only r5-token's expiry is read here: checking the signature is for the
    //  services, which act on it; the gateway trusts r5-token's reply anyway.
    R5__PrincipalClaims *claims = r5__principal_claims__unpack (NULL, assertion->claims.len, assertion->claims.data);
    if (!claims)
        return -1;
    int64_t expires_ms = claims->expires_unix_ms;
    r5__principal_claims__free_unpacked (claims, NULL);
    memset (principal, 0, sizeof *principal);
    s_copy (principal->user_id, sizeof principal->user_id, message->user_id);
    s_copy (principal->account_id, sizeof principal->account_id, message->account_id);
    s_copy (principal->token_id, sizeof principal->token_id, message->token_id);
    s_copy (principal->name, sizeof principal->name, message->name);
    s_copy (principal->email, sizeof principal->email, message->email);
    principal->role = message->role;
    principal->kind = message->kind;
    principal->scopes = r5_scope_set_of (message->scopes, message->n_scopes);
    memcpy (principal->assertion_claims, assertion->claims.data, assertion->claims.len);
    principal->assertion_claims_size = assertion->claims.len;
    memcpy (principal->assertion_signature, assertion->signature.data, assertion->signature.len);
    principal->assertion_expires_ms = expires_ms;
    return 0;
}

//  Ask r5-token, and cache a verdict it gave, under the generation read
//  before asking.
//  Verified under the key of the cache entry (key, key_length), so that a
//  verdict is stored under the place it was asked from.
static R5__Status
s_verify (gateway_t *gw, gateway_thread_t *thread, const char *value, const char *key, size_t key_length,
          const char *client_ip, const char *user_agent, const char *request_id, gateway_principal_t *principal,
          uint64_t generation)
{
    char copy [R5_TOKEN_LENGTH + 1];
    memcpy (copy, value, R5_TOKEN_LENGTH);
    copy [R5_TOKEN_LENGTH] = 0;
    R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__VerifyTokenRequest verify = R5__VERIFY_TOKEN_REQUEST__INIT;
    r5_rpc_meta_init (&meta, "r5-gateway", request_id, gw->config.rpc_timeout_ms);
    meta.client_ip = (char *) client_ip;
    verify.value = copy;
    verify.client_ip = (char *) client_ip;
    verify.user_agent = (char *) user_agent;
    request.meta = &meta;
    request.body_case = R5__TOKEN_REQUEST__BODY_VERIFY;
    request.verify = &verify;

    R5__Status status;
    R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (thread->client, R5_SERVICE_TOKEN, &request.base,
                                                            &r5__token_reply__descriptor,
                                                            gw->config.rpc_timeout_ms, true, &status);
    sodium_memzero (copy, sizeof copy);
    if (!reply) {
        r5_warn (request_id, "token verification failed: %s", r5_status_name (status));
        return R5__STATUS__STATUS_UNAVAILABLE;
    }
    status = reply->status;
    if (status == R5__STATUS__STATUS_OK) {
        if (reply->body_case == R5__TOKEN_REPLY__BODY_VERIFY && s_principal_from_reply (reply->verify, principal) == 0) {
            //  A cached verdict is never used so near its assertion's expiry
            //  that the services could refuse the assertion: then verify again.
            int64_t until = principal->assertion_expires_ms - GATEWAY_ASSERTION_MARGIN_MS;
            if (reply->verify->expires_unix_ms > 0 && reply->verify->expires_unix_ms < until)
                until = reply->verify->expires_unix_ms;
            if (until > r5_now_ms ())
                gateway_cache_put (gw->cache, key, key_length, principal, generation, until);
        }
        else {
            r5_error (request_id, "token verification answered no usable assertion");
            status = R5__STATUS__STATUS_INTERNAL;
        }
    }
    else
    if (status != R5__STATUS__STATUS_UNAUTHENTICATED) {
        r5_warn (request_id, "token verification failed: %s", r5_status_name (status));
        //  Anything but a clear answer is the service's trouble, not the client's.
        status = R5__STATUS__STATUS_UNAVAILABLE;
    }
    r5__token_reply__free_unpacked (reply, NULL);
    return status;
}

//  The verdict cache's key for value: a personal access token's value with
//  the place it is used from (client address and User-Agent), so that a use
//  from a new place reaches r5-token, which records where tokens are used; a
//  session's value alone (sign-out drops it by the value). Into key (of
//  GATEWAY_AUTH_KEY_SIZE bytes); returns its length.
#define GATEWAY_AUTH_KEY_SIZE (R5_TOKEN_LENGTH + 64 + R5_USER_AGENT_MAX + 2)
static size_t
s_cache_key (const char *value, const char *client_ip, const char *user_agent, char key [GATEWAY_AUTH_KEY_SIZE])
{
    memcpy (key, value, R5_TOKEN_LENGTH);
    if (r5_token_check (value, R5_TOKEN_LENGTH) != R5_TOKEN_PAT)
        return R5_TOKEN_LENGTH;
    int length = snprintf (key + R5_TOKEN_LENGTH, GATEWAY_AUTH_KEY_SIZE - R5_TOKEN_LENGTH, "\n%.63s\n%s",
                           client_ip, user_agent);
    return R5_TOKEN_LENGTH + (size_t) length;
}

R5__Status
gateway_auth_verify (gateway_t *gw, gateway_thread_t *thread, const char *value, size_t length,
                     const char *client_ip, const char *user_agent, const char *request_id,
                     gateway_principal_t *principal)
{
    if (r5_token_check (value, length) == R5_TOKEN_INVALID)
        return R5__STATUS__STATUS_UNAUTHENTICATED;
    char agent [R5_USER_AGENT_MAX + 1];
    r5_user_agent_clean (user_agent, agent, sizeof agent);
    char key [GATEWAY_AUTH_KEY_SIZE];
    size_t key_length = s_cache_key (value, client_ip, agent, key);
    R5__Status status = R5__STATUS__STATUS_OK;
    gateway_cache_lookup_t cached = gateway_cache_get (gw->cache, key, key_length, principal);
    if (cached == GATEWAY_CACHE_HIT) {
        atomic_fetch_add (&gw->cache_hits, 1);
        goto cleanup;
    }
    //  A refresh asks r5-token too: a miss, in the metric's sense.
    atomic_fetch_add (&gw->cache_misses, 1);
    uint64_t generation = gateway_cache_generation (gw->cache);
    gateway_principal_t verified;
    status = s_verify (gw, thread, value, key, key_length, client_ip, agent, request_id, &verified, generation);
    if (cached == GATEWAY_CACHE_REFRESH && status == R5__STATUS__STATUS_UNAVAILABLE) {
        //  No answer: while the cached verdict is still within its life and
        //  the feed current (asking may have taken long), it is as good as
        //  any hit. The next caller may try to refresh it.
        bool still_cached = gateway_cache_get (gw->cache, key, key_length, principal) != GATEWAY_CACHE_MISS;
        gateway_cache_release (gw->cache, key, key_length);
        if (still_cached) {
            status = R5__STATUS__STATUS_OK;
            goto cleanup;
        }
    }
    if (cached == GATEWAY_CACHE_REFRESH && status != R5__STATUS__STATUS_OK)
        gateway_cache_drop_value (gw->cache, key, key_length);
    if (status == R5__STATUS__STATUS_OK)
        *principal = verified;
cleanup:
    sodium_memzero (key, sizeof key);
    return status;
}

static R5__Status
s_authenticate (gateway_t *gw, struct mg_connection *conn, const char *request_id,
                bool allow_cookie, gateway_principal_t *principal, bool *from_cookie)
{
    char client_ip [64];
    gateway_http_client_ip (conn, gw->config.trust_proxy, client_ip, sizeof client_ip);
    *from_cookie = false;
    const char *authorization = gateway_http_header (conn, "Authorization");
    if (authorization) {
        if (strncasecmp (authorization, "Bearer ", 7) != 0)
            return R5__STATUS__STATUS_UNAUTHENTICATED;
        const char *value = authorization + 7;
        while (*value == ' ')
            value++;
        size_t length = strlen (value);
        while (length && value [length - 1] == ' ')
            length--;
        return gateway_auth_verify (gw, gateway_thread (conn), value, length, client_ip,
                                    gateway_http_header (conn, "User-Agent"), request_id, principal);
    }
    char cookie [128];
    if (allow_cookie && gateway_http_cookie (conn, GATEWAY_SESSION_COOKIE, cookie, sizeof cookie) == 0) {
        R5__Status status = R5__STATUS__STATUS_UNAUTHENTICATED;
        //  Only a session value may travel in the cookie.
        if (r5_token_check (cookie, strlen (cookie)) == R5_TOKEN_SESSION)
            status = gateway_auth_verify (gw, gateway_thread (conn), cookie, strlen (cookie), client_ip,
                                          gateway_http_header (conn, "User-Agent"), request_id, principal);
        sodium_memzero (cookie, sizeof cookie);
        *from_cookie = status == R5__STATUS__STATUS_OK;
        return status;
    }
    return R5__STATUS__STATUS_UNAUTHENTICATED;
}

R5__Status
gateway_authenticate (gateway_t *gw, struct mg_connection *conn, const char *request_id,
                      bool allow_cookie, gateway_principal_t *principal, bool *from_cookie)
{
    R5__Status status = s_authenticate (gw, conn, request_id, allow_cookie, principal, from_cookie);
    if (status == R5__STATUS__STATUS_OK)
        gateway_access_principal (conn, principal);
    return status;
}
