/*  scan: finding r5 token values in text, and reporting them to an r5
    gateway as a secret scanner does (POST /secret-scanning/verify, signed).

    A candidate is "r5p_" (personal access token) or "r5s_" (login session)
    and 36 base62 characters, not inside a longer word; it is a finding only
    when its checksum holds (r5_token_check), so random text that merely
    looks like a token is not reported. */
#ifndef SCAN_H
#define SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "r5_token_format.h"

typedef struct {
    char value [R5_TOKEN_LENGTH + 1];
    r5_token_kind_t kind;
    char where [512];               //  "file:line"
    const char *label;              //  after a report: "true_positive", "false_positive", or NULL
} scan_finding_t;

typedef struct {
    scan_finding_t *findings;
    size_t count, size;
} scan_t;

//  Append the findings of one line (its bytes, not NUL-terminated) of name at line number.
void scan_line (scan_t *self, const char *text, size_t length, const char *name, size_t line);

//  Scan a whole stream, line by line. 0, or -1 on a read error.
int scan_stream (scan_t *self, FILE *stream, const char *name);

//  Zero and free the findings.
void scan_clear (scan_t *self);

//  What a kind is called ("personal access token", "session").
const char *scan_kind_name (r5_token_kind_t kind);

//  The report body of the personal access tokens among the findings, from
//  index *next on, at most 1000 (GitHub's format: {token, type, url,
//  source}); *next moves past them and indexes [] gets each entry's finding.
//  NULL when none are left.
char *scan_report_body (const scan_t *self, size_t *next, size_t *indexes, size_t *count);

//  The base64 of an ECDSA SHA-256 signature (DER) over body with the EC
//  private key in PEM file key_path. 0, or -1 with one line in error.
int scan_sign (const char *key_path, const char *body, char *out, size_t out_size, char *error, size_t error_size);

//  POST body to url (http://host[:port]/path) with the two signature
//  headers; labels each reported finding from the answer. 0, or -1 with
//  one line in error.
int scan_report (scan_t *self, const char *url, const char *key_path, const char *key_id,
                 char *error, size_t error_size);

#endif
