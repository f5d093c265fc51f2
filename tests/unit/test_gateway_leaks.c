/*  test_gateway_leaks: the secret-scanning report's key file, its signature
    check and its body parser (gateway_leaks.h), with keys made here.  */
#include "gateway_leaks.h"
#include "r5_test.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <string.h>

//  The PEM public key of key (malloc'd).
static char *
s_public_pem (EVP_PKEY *key)
{
    BIO *bio = BIO_new (BIO_s_mem ());
    PEM_write_bio_PUBKEY (bio, key);
    char *data;
    long length = BIO_get_mem_data (bio, &data);
    char *pem = strndup (data, (size_t) length);
    BIO_free (bio);
    return pem;
}

//  A key file in GitHub's format with one key per (id, key).
static char *
s_key_file (const char *id1, EVP_PKEY *key1, const char *id2, EVP_PKEY *key2)
{
    json_t *keys = json_array ();
    const char *ids [] = { id1, id2 };
    EVP_PKEY *pkeys [] = { key1, key2 };
    for (int i = 0; i < 2 && ids [i]; i++) {
        char *pem = s_public_pem (pkeys [i]);
        json_array_append_new (keys, json_pack ("{s:s, s:s, s:b}", "key_identifier", ids [i], "key", pem,
                                                "is_current", i == 0));
        free (pem);
    }
    json_t *file = json_pack ("{s:o}", "public_keys", keys);
    char *text = json_dumps (file, 0);
    json_decref (file);
    return text;
}

//  The base64 of key's DER ECDSA SHA-256 signature over body (static buffer).
static const char *
s_sign (EVP_PKEY *key, const char *body)
{
    static char b64 [256];
    unsigned char der [128];
    size_t der_size = sizeof der;
    EVP_MD_CTX *context = EVP_MD_CTX_new ();
    EVP_DigestSignInit (context, NULL, EVP_sha256 (), NULL, key);
    EVP_DigestSign (context, der, &der_size, (const unsigned char *) body, strlen (body));
    EVP_MD_CTX_free (context);
    sodium_bin2base64 (b64, sizeof b64, der, der_size, sodium_base64_VARIANT_ORIGINAL);
    return b64;
}

static gateway_leaks_keys_t *
s_parse_keys (const char *text, char *error)
{
    return gateway_leaks_keys_parse (text, strlen (text), error, 200);
}

static void
test_key_file (void)
{
    EVP_PKEY *p256 = EVP_EC_gen ("P-256");
    EVP_PKEY *p384 = EVP_EC_gen ("P-384");
    EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
    char error [200];
    EVP_PKEY *second = EVP_EC_gen ("P-256");
    char *text = s_key_file ("current", p256, "old", second);
    gateway_leaks_keys_t *keys = s_parse_keys (text, error);
    CHECK (keys && gateway_leaks_keys_count (keys) == 2);
    gateway_leaks_keys_destroy (&keys);
    CHECK (keys == NULL);
    free (text);
    //  Not P-256: refused, saying which key.
    text = s_key_file ("current", p256, "big", p384);
    CHECK (s_parse_keys (text, error) == NULL && strstr (error, "key 2") && strstr (error, "P-256"));
    free (text);
    text = s_key_file ("ed", ed25519, NULL, NULL);
    CHECK (s_parse_keys (text, error) == NULL && strstr (error, "P-256"));
    free (text);
    //  One identifier twice, an empty or spaced identifier, no keys, not JSON.
    text = s_key_file ("same", p256, "same", p256);
    CHECK (s_parse_keys (text, error) == NULL && strstr (error, "twice"));
    free (text);
    text = s_key_file ("has space", p256, NULL, NULL);
    CHECK (s_parse_keys (text, error) == NULL && strstr (error, "key_identifier"));
    free (text);
    CHECK (s_parse_keys ("{\"public_keys\": []}", error) == NULL && strstr (error, "public_keys"));
    CHECK (s_parse_keys ("-----BEGIN PUBLIC KEY-----", error) == NULL);
    CHECK (s_parse_keys ("{\"public_keys\": [{\"key_identifier\": \"a\", \"key\": \"junk\"}]}", error) == NULL);
    //  A file that does not exist: one line naming it.
    CHECK (gateway_leaks_keys_load ("/nonexistent/keys.json", error, sizeof error) == NULL
        && strstr (error, "/nonexistent/keys.json"));
    EVP_PKEY_free (p256);
    EVP_PKEY_free (second);
    EVP_PKEY_free (p384);
    EVP_PKEY_free (ed25519);
}

static void
test_signature (void)
{
    EVP_PKEY *current = EVP_EC_gen ("P-256");
    EVP_PKEY *old = EVP_EC_gen ("P-256");
    EVP_PKEY *stranger = EVP_EC_gen ("P-256");
    char error [200];
    char *text = s_key_file ("current", current, "old", old);
    gateway_leaks_keys_t *keys = s_parse_keys (text, error);
    free (text);
    if (!CHECK (keys))
        return;
    const char *body = "[{\"token\":\"r5p_x\",\"type\":\"t\",\"url\":\"https://example.com\"}]";
    const char *problem = NULL;
    CHECK (gateway_leaks_verify (keys, "current", s_sign (current, body), body, strlen (body), &problem) == 0);
    CHECK (gateway_leaks_verify (keys, "old", s_sign (old, body), body, strlen (body), &problem) == 0);
    //  The other key's signature, another key's id, a stranger's key.
    CHECK (gateway_leaks_verify (keys, "current", s_sign (old, body), body, strlen (body), &problem) == -1
        && strstr (problem, "does not match"));
    CHECK (gateway_leaks_verify (keys, "current", s_sign (stranger, body), body, strlen (body), &problem) == -1);
    CHECK (gateway_leaks_verify (keys, "unknown", s_sign (current, body), body, strlen (body), &problem) == -1
        && strstr (problem, "unknown"));
    //  One byte of the body changed, or one byte fewer.
    char tampered [128];
    snprintf (tampered, sizeof tampered, "%s", body);
    tampered [12] = 'q';
    CHECK (gateway_leaks_verify (keys, "current", s_sign (current, body), tampered, strlen (tampered), &problem) == -1);
    CHECK (gateway_leaks_verify (keys, "current", s_sign (current, body), body, strlen (body) - 1, &problem) == -1);
    //  Unsigned, not base64, too long, not DER.
    CHECK (gateway_leaks_verify (keys, NULL, NULL, body, strlen (body), &problem) == -1 && strstr (problem, "signed"));
    CHECK (gateway_leaks_verify (keys, "current", "", body, strlen (body), &problem) == -1 && strstr (problem, "signed"));
    CHECK (gateway_leaks_verify (keys, "current", "not base64!", body, strlen (body), &problem) == -1
        && strstr (problem, "base64"));
    char huge [400];
    memset (huge, 'A', sizeof huge - 1);
    huge [sizeof huge - 1] = 0;
    CHECK (gateway_leaks_verify (keys, "current", huge, body, strlen (body), &problem) == -1);
    CHECK (gateway_leaks_verify (keys, "current", "AAAA", body, strlen (body), &problem) == -1);
    //  No keys at all: nothing verifies.
    CHECK (gateway_leaks_verify (NULL, "current", s_sign (current, body), body, strlen (body), &problem) == -1);
    gateway_leaks_keys_destroy (&keys);
    EVP_PKEY_free (current);
    EVP_PKEY_free (old);
    EVP_PKEY_free (stranger);
}

//  Parse text; the problem, or NULL with the entries in leaks and *count.
static const char *
s_parse (const char *text, gateway_leak_t *leaks, size_t *count, json_t **json)
{
    return gateway_leaks_parse (text, strlen (text), 64, json, leaks, count);
}

static void
test_report_parser (void)
{
    gateway_leak_t *leaks = calloc (GATEWAY_LEAKS_MAX_ENTRIES, sizeof *leaks);
    size_t count = 0;
    json_t *json = NULL;
    const char *text = "[{\"token\":\"r5p_a\",\"type\":\"r5_pat\",\"url\":\"https://x/y\",\"source\":\"content\"},"
                       "{\"token\":\"other\"}]";
    CHECK (s_parse (text, leaks, &count, &json) == NULL);
    CHECK (count == 2 && json);
    CHECK_STR (leaks [0].token, "r5p_a");
    CHECK_STR (leaks [0].type, "r5_pat");
    CHECK_STR (leaks [0].url, "https://x/y");
    CHECK_STR (leaks [0].source, "content");
    //  Absent optional fields are empty strings.
    CHECK_STR (leaks [1].type, "");
    CHECK_STR (leaks [1].url, "");
    json_decref (json);
    //  Not an array, empty, an entry that is not an object or has no token,
    //  a field of the wrong type, a control character, a NUL escape, too deep.
    const char *bad [] = {
        "{\"token\":\"a\"}", "[]", "[1]", "[{\"type\":\"t\"}]", "[{\"token\":\"\"}]", "[{\"token\":5}]",
        "[{\"token\":\"a\",\"url\":7}]", "[{\"token\":\"a\",\"url\":\"x\\ny\"}]", "[{\"token\":\"a\\u0000b\"}]",
        "not json", "[{\"token\":\"a\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        json = (json_t *) 1;
        const char *problem = s_parse (bad [i], leaks, &count, &json);
        CHECK_MSG (problem && json == NULL && count == 0, "case %zu: %s", i, bad [i]);
    }
    //  Field bounds: at the bound accepted, one byte over refused.
    char *big = malloc (4096);
    char *field = malloc (2048);
    const struct { const char *key; size_t max; } bounds [] = {
        { "token", GATEWAY_LEAKS_TOKEN_MAX }, { "type", GATEWAY_LEAKS_TYPE_MAX },
        { "url", GATEWAY_LEAKS_URL_MAX }, { "source", GATEWAY_LEAKS_SOURCE_MAX },
    };
    for (size_t i = 0; i < 4; i++)
        for (size_t extra = 0; extra < 2; extra++) {
            memset (field, 'a', bounds [i].max + extra);
            field [bounds [i].max + extra] = 0;
            if (i == 0)
                snprintf (big, 4096, "[{\"token\":\"%s\"}]", field);
            else
                snprintf (big, 4096, "[{\"token\":\"t\",\"%s\":\"%s\"}]", bounds [i].key, field);
            const char *problem = s_parse (big, leaks, &count, &json);
            CHECK_MSG ((problem == NULL) == (extra == 0), "%s of %zu bytes", bounds [i].key, bounds [i].max + extra);
            if (!problem)
                json_decref (json);
        }
    free (field);
    free (big);
    //  1000 entries accepted, 1001 refused.
    size_t entry = strlen ("{\"token\":\"t\"},");
    char *many = malloc (entry * 1001 + 3);
    for (size_t n = 1000; n <= 1001; n++) {
        char *p = many;
        *p++ = '[';
        for (size_t i = 0; i < n; i++) {
            memcpy (p, "{\"token\":\"t\"},", entry);
            p += entry;
        }
        p [-1] = ']';
        *p = 0;
        const char *problem = s_parse (many, leaks, &count, &json);
        CHECK_MSG ((problem == NULL) == (n == 1000), "%zu entries", n);
        if (!problem) {
            CHECK (count == 1000);
            json_decref (json);
        }
    }
    free (many);
    free (leaks);
}

int
main (void)
{
    R5_TEST_RUN (test_key_file);
    R5_TEST_RUN (test_signature);
    R5_TEST_RUN (test_report_parser);
    return r5_test_report ("test_gateway_leaks");
}
