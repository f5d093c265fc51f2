/*  gateway_leaks: signed leaked-token reports (GitHub's secret-scanning format).  */
#include "gateway_leaks.h"
#include "gateway_access.h"
#include "gateway_http.h"
#include "gateway_json.h"
#include "gateway_private.h"
#include "gateway_status.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_token_format.h"
#include "r5/token.pb-c.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#define S_KEY_FILE_MAX (256 * 1024)
//  A DER ECDSA P-256 signature is at most 72 bytes; its base64 96 characters.
#define S_SIGNATURE_B64_MAX 128

struct _gateway_leaks_keys_t {
    size_t count;
    struct {
        char id [GATEWAY_LEAKS_KEY_ID_MAX + 1];
        EVP_PKEY *key;
    } keys [GATEWAY_LEAKS_MAX_KEYS];
};

//  ---------------------------------------------------------------------------
//  Keys

//  1..max printable ASCII characters (an identifier or header value).
static bool
s_printable (const char *text, size_t max)
{
    size_t length = strlen (text);
    if (length < 1 || length > max)
        return false;
    for (size_t i = 0; i < length; i++)
        if (text [i] < 0x21 || text [i] > 0x7e)
            return false;
    return true;
}

//  An EC public key on P-256 from PEM text, or NULL.
static EVP_PKEY *
s_p256_key (const char *pem)
{
    BIO *bio = BIO_new_mem_buf (pem, -1);
    if (!bio)
        return NULL;
    EVP_PKEY *key = PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL);
    BIO_free (bio);
    char group [64] = "";
    size_t group_length = 0;
    if (key
    &&  (EVP_PKEY_get_base_id (key) != EVP_PKEY_EC
    ||   !EVP_PKEY_get_utf8_string_param (key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_length)
    ||   strcmp (group, "prime256v1") != 0)) {
        EVP_PKEY_free (key);
        key = NULL;
    }
    return key;
}

gateway_leaks_keys_t *
gateway_leaks_keys_parse (const char *text, size_t size, char *error, size_t error_size)
{
    json_error_t json_error;
    json_t *json = json_loadb (text, size, JSON_REJECT_DUPLICATES, &json_error);
    json_t *keys = json_object_get (json, "public_keys");
    gateway_leaks_keys_t *self = (gateway_leaks_keys_t *) r5_calloc (1, sizeof *self);
    if (!json_is_array (keys) || json_array_size (keys) < 1 || json_array_size (keys) > GATEWAY_LEAKS_MAX_KEYS) {
        snprintf (error, error_size, "must be {\"public_keys\": [1 to %d keys]}", GATEWAY_LEAKS_MAX_KEYS);
        goto fail;
    }
    size_t index;
    json_t *entry;
    json_array_foreach (keys, index, entry) {
        const char *id = json_string_value (json_object_get (entry, "key_identifier"));
        const char *pem = json_string_value (json_object_get (entry, "key"));
        if (!id || !s_printable (id, GATEWAY_LEAKS_KEY_ID_MAX)) {
            snprintf (error, error_size, "key %zu: key_identifier must be 1 to %d printable characters",
                      index + 1, GATEWAY_LEAKS_KEY_ID_MAX);
            goto fail;
        }
        for (size_t i = 0; i < self->count; i++)
            if (!strcmp (self->keys [i].id, id)) {
                snprintf (error, error_size, "key %zu: key_identifier used twice", index + 1);
                goto fail;
            }
        EVP_PKEY *key = pem ? s_p256_key (pem) : NULL;
        if (!key) {
            snprintf (error, error_size, "key %zu: key must be an EC P-256 public key in PEM", index + 1);
            goto fail;
        }
        snprintf (self->keys [self->count].id, sizeof self->keys [0].id, "%s", id);
        self->keys [self->count++].key = key;
    }
    json_decref (json);
    return self;

fail:
    json_decref (json);
    gateway_leaks_keys_destroy (&self);
    return NULL;
}

gateway_leaks_keys_t *
gateway_leaks_keys_load (const char *path, char *error, size_t error_size)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        snprintf (error, error_size, "cannot read secret scanning keys %s: %s", path, strerror (errno));
        return NULL;
    }
    char *text = (char *) r5_malloc (S_KEY_FILE_MAX + 1);
    size_t size = fread (text, 1, S_KEY_FILE_MAX + 1, file);
    fclose (file);
    char problem [200] = "";
    gateway_leaks_keys_t *self = NULL;
    if (size > S_KEY_FILE_MAX)
        snprintf (problem, sizeof problem, "larger than %d bytes", S_KEY_FILE_MAX);
    else
        self = gateway_leaks_keys_parse (text, size, problem, sizeof problem);
    free (text);
    if (!self)
        snprintf (error, error_size, "secret scanning keys %s: %s", path, problem);
    return self;
}

void
gateway_leaks_keys_destroy (gateway_leaks_keys_t **self_p)
{
    gateway_leaks_keys_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->count; i++)
            EVP_PKEY_free (self->keys [i].key);
        free (self);
        *self_p = NULL;
    }
}

size_t
gateway_leaks_keys_count (const gateway_leaks_keys_t *self)
{
    return self ? self->count : 0;
}

//  ---------------------------------------------------------------------------
//  Signature

int
gateway_leaks_verify (const gateway_leaks_keys_t *self, const char *key_id, const char *signature,
                      const void *body, size_t size, const char **problem)
{
    if (!key_id || !*key_id || !signature || !*signature) {
        *problem = "the report must be signed: Github-Public-Key-Identifier and Github-Public-Key-Signature";
        return -1;
    }
    EVP_PKEY *key = NULL;
    for (size_t i = 0; self && i < self->count && !key; i++)
        if (!strcmp (self->keys [i].id, key_id))
            key = self->keys [i].key;
    if (!key) {
        *problem = "unknown Github-Public-Key-Identifier";
        return -1;
    }
    uint8_t der [S_SIGNATURE_B64_MAX];
    size_t der_size = 0;
    if (strlen (signature) > S_SIGNATURE_B64_MAX
    ||  sodium_base642bin (der, sizeof der, signature, strlen (signature), NULL, &der_size, NULL,
                           sodium_base64_VARIANT_ORIGINAL)) {
        *problem = "Github-Public-Key-Signature must be the base64 of a DER ECDSA signature";
        return -1;
    }
    EVP_MD_CTX *context = EVP_MD_CTX_new ();
    int verified = context
                && EVP_DigestVerifyInit (context, NULL, EVP_sha256 (), NULL, key) == 1
                && EVP_DigestVerify (context, der, der_size, body, size) == 1;
    EVP_MD_CTX_free (context);
    if (!verified) {
        *problem = "the signature does not match the report";
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------------
//  Report

//  The optional string member key of entry within max bytes, without control
//  characters: into *out ("" when absent). -1 when present and not so.
static int
s_field (json_t *entry, const char *key, size_t max, const char **out)
{
    json_t *member = json_object_get (entry, key);
    *out = "";
    if (!member)
        return 0;
    const char *text = json_string_value (member);
    if (!text || strlen (text) != json_string_length (member) || strlen (text) > max)
        return -1;
    for (const char *c = text; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f)
            return -1;
    *out = text;
    return 0;
}

const char *
gateway_leaks_parse (const char *body, size_t size, int max_json_depth, json_t **json_p,
                     gateway_leak_t *out, size_t *count)
{
    const char *problem = "the report must be a JSON array of 1 to 1000 {token, type, url, source}";
    *count = 0;
    *json_p = NULL;
    json_t *json = gateway_json_parse (body, size, max_json_depth, &problem);
    if (!json_is_array (json) || json_array_size (json) < 1 || json_array_size (json) > GATEWAY_LEAKS_MAX_ENTRIES) {
        json_decref (json);
        return "the report must be a JSON array of 1 to 1000 {token, type, url, source}";
    }
    size_t index;
    json_t *entry;
    json_array_foreach (json, index, entry) {
        gateway_leak_t *leak = &out [index];
        if (!json_is_object (entry)
        ||  s_field (entry, "token", GATEWAY_LEAKS_TOKEN_MAX, &leak->token) || !*leak->token
        ||  s_field (entry, "type", GATEWAY_LEAKS_TYPE_MAX, &leak->type)
        ||  s_field (entry, "url", GATEWAY_LEAKS_URL_MAX, &leak->url)
        ||  s_field (entry, "source", GATEWAY_LEAKS_SOURCE_MAX, &leak->source)) {
            json_decref (json);
            return "each entry needs a token (1 to 256 bytes) and at most a 64-byte type, a 1024-byte url "
                   "and a 64-byte source, strings without control characters";
        }
    }
    *count = json_array_size (json);
    *json_p = json;
    return NULL;
}

//  Ask r5-token about the checksum-valid values among leaks (live [i] for
//  each). OK, or the status that answers the report.
static R5__Status
s_report (struct mg_connection *conn, gateway_t *gw, const char *request_id, const gateway_leak_t *leaks,
          size_t count, bool *live, size_t *asked)
{
    R5__LeakedToken *tokens = (R5__LeakedToken *) r5_calloc (count, sizeof *tokens);
    R5__LeakedToken **pointers = (R5__LeakedToken **) r5_calloc (count, sizeof *pointers);
    size_t *slots = (size_t *) r5_calloc (count, sizeof *slots);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        //  The checksum answers garbage and other services' values: no lookup.
        if (r5_token_check (leaks [i].token, strlen (leaks [i].token)) != R5_TOKEN_PAT)
            continue;
        r5__leaked_token__init (&tokens [n]);
        tokens [n].value = (char *) leaks [i].token;
        tokens [n].url = (char *) leaks [i].url;
        tokens [n].source = (char *) leaks [i].source;
        pointers [n] = &tokens [n];
        slots [n++] = i;
    }
    *asked = n;
    R5__Status outcome = R5__STATUS__STATUS_OK;
    if (n) {
        R5__ReportLeakedTokensRequest report = R5__REPORT_LEAKED_TOKENS_REQUEST__INIT;
        report.tokens = pointers;
        report.n_tokens = n;
        R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
        R5__RequestMeta meta = R5__REQUEST_META__INIT;
        r5_rpc_meta_init (&meta, "r5-gateway", request_id, gw->config.rpc_timeout_ms);
        request.meta = &meta;
        request.body_case = R5__TOKEN_REQUEST__BODY_REPORT_LEAKED;
        request.report_leaked = &report;
        R5__Status call_status;
        //  Not resent: a resend would find the values revoked and answer false_positive.
        R5__TokenReply *reply = (R5__TokenReply *) r5_rpc_call (gateway_thread (conn)->client, R5_SERVICE_TOKEN,
                                                                &request.base, &r5__token_reply__descriptor,
                                                                gw->config.rpc_timeout_ms, false, &call_status);
        outcome = reply ? reply->status : call_status;
        if (outcome == R5__STATUS__STATUS_OK
        &&  (reply->body_case != R5__TOKEN_REPLY__BODY_LEAKED || reply->leaked->n_live != n))
            outcome = R5__STATUS__STATUS_INTERNAL;
        for (size_t j = 0; outcome == R5__STATUS__STATUS_OK && j < n; j++)
            live [slots [j]] = reply->leaked->live [j];
        if (reply)
            r5__token_reply__free_unpacked (reply, NULL);
    }
    free (slots);
    free (pointers);
    free (tokens);
    return outcome;
}

int
gateway_leaks_handle (struct mg_connection *conn, void *gateway)
{
    gateway_t *gw = (gateway_t *) gateway;
    const struct mg_request_info *info = mg_get_request_info (conn);
    //  Without keys no report can be verified: the route does not exist.
    if (!gw->leak_keys) {
        gateway_http_send_error (conn, 404, "not found");
        return 404;
    }
    if (strcmp (info->request_method, "POST") != 0) {
        json_t *answer = json_pack ("{s:s}", "error", "use POST");
        gateway_http_send_json (conn, 405, NULL, answer, "Allow: POST\r\n");
        json_decref (answer);
        return 405;
    }
    size_t size;
    int status;
    char *body = gateway_http_read_body_or_answer (conn, GATEWAY_LEAKS_MAX_BODY, gw->config.request_timeout_ms,
                                                   "report too large", &size, &status);
    if (!body)
        return status;
    const char *request_id = gateway_access_bus_id (conn);
    const char *problem = NULL;
    //  The signature first: an unsigned report is not even parsed.
    if (gateway_leaks_verify (gw->leak_keys, gateway_http_header (conn, "Github-Public-Key-Identifier"),
                              gateway_http_header (conn, "Github-Public-Key-Signature"), body, size, &problem)) {
        free (body);
        r5_warn (request_id, "secret scanning report refused: %s", problem);
        gateway_http_send_error (conn, 401, problem);
        return 401;
    }
    gateway_leak_t *leaks = (gateway_leak_t *) r5_calloc (GATEWAY_LEAKS_MAX_ENTRIES, sizeof *leaks);
    size_t count = 0;
    json_t *json;
    problem = gateway_leaks_parse (body, size, gw->config.max_json_depth, &json, leaks, &count);
    free (body);
    if (problem) {
        free (leaks);
        gateway_http_send_error (conn, 400, problem);
        return 400;
    }
    bool *live = (bool *) r5_calloc (count, sizeof *live);
    size_t asked = 0;
    R5__Status outcome = s_report (conn, gw, request_id, leaks, count, live, &asked);
    if (outcome != R5__STATUS__STATUS_OK) {
        const gateway_status_t *mapped = gateway_status (outcome);
        status = mapped->http_status;
        gateway_http_send_error (conn, status, mapped->message);
    }
    else {
        status = 200;
        size_t revoked = 0;
        json_t *answer = json_array ();
        for (size_t i = 0; i < count; i++) {
            revoked += live [i] ? 1 : 0;
            json_array_append_new (answer, json_pack ("{s:s, s:s, s:s}", "token_raw", leaks [i].token,
                                                      "token_type", leaks [i].type,
                                                      "label", live [i] ? "true_positive" : "false_positive"));
        }
        gateway_http_send_json (conn, 200, NULL, answer, NULL);
        json_decref (answer);
        r5_info (request_id, "secret scanning report: %zu value(s), %zu checked by r5-token, %zu live and revoked",
                 count, asked, revoked);
    }
    free (live);
    free (leaks);
    json_decref (json);
    return status;
}
