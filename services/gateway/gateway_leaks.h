/*  gateway_leaks: POST /secret-scanning/verify — leaked-token reports in the
    format of GitHub's secret-scanning partner program.

    A scanner (GitHub, another scanner, r5-scan --report) posts a JSON array
    of {token, type, url, source}, signed: the header
    Github-Public-Key-Identifier names one of the configured public keys and
    Github-Public-Key-Signature is the base64 of a DER ECDSA P-256 signature
    with SHA-256 over the exact body. The answer is the array of
    {token_raw, token_type, label}, label "true_positive" for each value that
    was a live r5 personal access token (r5-token revoked it) and
    "false_positive" otherwise. Values that fail r5's checksum are answered
    here, never looked up; r5-token gets the others (report_leaked).

    Keys come from the file secret_scanning_keys names, in GitHub's format
    {"public_keys": [{"key_identifier", "key": "-----BEGIN PUBLIC KEY-----…",
    "is_current"}]}; without one the route answers 404. An unsigned report,
    an unknown key or a bad signature: 401, and nothing is parsed or looked
    up. A body that is not such an array: 400, nothing changes. */
#ifndef GATEWAY_LEAKS_H
#define GATEWAY_LEAKS_H

#include <civetweb.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define GATEWAY_LEAKS_PATH "/secret-scanning/verify"
#define GATEWAY_LEAKS_MAX_BODY (1024 * 1024)
#define GATEWAY_LEAKS_MAX_ENTRIES 1000
#define GATEWAY_LEAKS_MAX_KEYS 16
#define GATEWAY_LEAKS_KEY_ID_MAX 128
#define GATEWAY_LEAKS_TOKEN_MAX 256
#define GATEWAY_LEAKS_TYPE_MAX 64
#define GATEWAY_LEAKS_URL_MAX 1024
#define GATEWAY_LEAKS_SOURCE_MAX 64

typedef struct _gateway_leaks_keys_t gateway_leaks_keys_t;

//  One reported match; the strings are borrowed from the parsed body.
typedef struct {
    const char *token;
    const char *type;
    const char *url;
    const char *source;
} gateway_leak_t;

//  Load the public keys of a key file (GitHub's format). Every key must be
//  an EC P-256 public key in PEM with an identifier of 1..128 printable
//  characters; 1..16 keys. NULL with one line in error otherwise.
gateway_leaks_keys_t *gateway_leaks_keys_load (const char *path, char *error, size_t error_size);
//  The same from the file's text (tests, fuzzing).
gateway_leaks_keys_t *gateway_leaks_keys_parse (const char *text, size_t size, char *error, size_t error_size);
void gateway_leaks_keys_destroy (gateway_leaks_keys_t **self_p);
size_t gateway_leaks_keys_count (const gateway_leaks_keys_t *self);

//  Check a report's signature: key_id names a loaded key, signature is the
//  base64 of a DER ECDSA signature with SHA-256 over body. 0 when it holds;
//  -1 with a constant message for the 401 in *problem.
int gateway_leaks_verify (const gateway_leaks_keys_t *self, const char *key_id, const char *signature,
                          const void *body, size_t size, const char **problem);

//  Parse a report (after its signature held): a JSON array of 1..1000
//  objects with a string token (1..256 bytes) and optional strings type,
//  url, source within their bounds and without control characters, into
//  out (GATEWAY_LEAKS_MAX_ENTRIES entries) and *count. NULL with *json_p
//  owning the strings, or a constant message for a 400 (*json_p NULL).
const char *gateway_leaks_parse (const char *body, size_t size, int max_json_depth, json_t **json_p,
                                 gateway_leak_t *out, size_t *count);

int gateway_leaks_handle (struct mg_connection *conn, void *gateway);

#endif
