/*  scan: r5 token values in text, and signed reports of them.  */
#include "scan.h"

#include <civetweb.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "r5_alloc.h"

#define S_REPORT_MAX 1000
#define S_ANSWER_MAX (4 * 1024 * 1024)

//  ---------------------------------------------------------------------------
//  Finding

static bool
s_word (char c)
{
    return isalnum ((unsigned char) c) || c == '_';
}

void
scan_line (scan_t *self, const char *text, size_t length, const char *name, size_t line)
{
    for (size_t i = 0; i + R5_TOKEN_LENGTH <= length; i++) {
        if (text [i] != 'r' || text [i + 1] != '5' || (text [i + 2] != 'p' && text [i + 2] != 's')
        ||  text [i + 3] != '_')
            continue;
        //  Not inside a longer word: the value's own boundaries.
        if ((i > 0 && s_word (text [i - 1]))
        ||  (i + R5_TOKEN_LENGTH < length && s_word (text [i + R5_TOKEN_LENGTH])))
            continue;
        r5_token_kind_t kind = r5_token_check (text + i, R5_TOKEN_LENGTH);
        if (kind == R5_TOKEN_INVALID)
            continue;
        if (self->count == self->size) {
            self->size = self->size ? self->size * 2 : 16;
            self->findings = (scan_finding_t *) r5_realloc (self->findings, self->size * sizeof *self->findings);
        }
        scan_finding_t *finding = &self->findings [self->count++];
        memset (finding, 0, sizeof *finding);
        memcpy (finding->value, text + i, R5_TOKEN_LENGTH);
        finding->kind = kind;
        snprintf (finding->where, sizeof finding->where, "%s:%zu", name, line);
        i += R5_TOKEN_LENGTH - 1;
    }
}

int
scan_stream (scan_t *self, FILE *stream, const char *name)
{
    char *line = NULL;
    size_t size = 0;
    ssize_t length;
    size_t number = 0;
    while ((length = getline (&line, &size, stream)) >= 0)
        scan_line (self, line, (size_t) length, name, ++number);
    if (line) {
        sodium_memzero (line, size);
        free (line);
    }
    return ferror (stream) ? -1 : 0;
}

void
scan_clear (scan_t *self)
{
    if (self->findings) {
        sodium_memzero (self->findings, self->size * sizeof *self->findings);
        free (self->findings);
    }
    memset (self, 0, sizeof *self);
}

const char *
scan_kind_name (r5_token_kind_t kind)
{
    return kind == R5_TOKEN_PAT ? "personal access token" : "session";
}

//  ---------------------------------------------------------------------------
//  Reporting

char *
scan_report_body (const scan_t *self, size_t *next, size_t *indexes, size_t *count)
{
    json_t *report = json_array ();
    *count = 0;
    for (; *next < self->count && *count < S_REPORT_MAX; (*next)++) {
        const scan_finding_t *finding = &self->findings [*next];
        //  Only personal access tokens are revoked by a report.
        if (finding->kind != R5_TOKEN_PAT)
            continue;
        //  NULL when where is not UTF-8 (a file name's bytes): that finding
        //  is printed but not reported, and no label is waited for.
        json_t *entry = json_pack ("{s:s, s:s, s:s, s:s}", "token", finding->value, "type", "r5_personal_access_token",
                                   "url", finding->where, "source", "r5-scan");
        if (!entry)
            continue;
        json_array_append_new (report, entry);
        indexes [(*count)++] = *next;
    }
    char *body = *count ? json_dumps (report, JSON_COMPACT) : NULL;
    json_decref (report);
    return body;
}

int
scan_sign (const char *key_path, const char *body, char *out, size_t out_size, char *error, size_t error_size)
{
    FILE *file = fopen (key_path, "r");
    if (!file) {
        snprintf (error, error_size, "cannot read key %s: %s", key_path, strerror (errno));
        return -1;
    }
    EVP_PKEY *key = PEM_read_PrivateKey (file, NULL, NULL, NULL);
    fclose (file);
    if (!key || EVP_PKEY_get_base_id (key) != EVP_PKEY_EC) {
        EVP_PKEY_free (key);
        snprintf (error, error_size, "key %s is not an EC private key in PEM", key_path);
        return -1;
    }
    unsigned char der [256];
    size_t der_size = sizeof der;
    EVP_MD_CTX *context = EVP_MD_CTX_new ();
    int signed_ok = context
                 && EVP_DigestSignInit (context, NULL, EVP_sha256 (), NULL, key) == 1
                 && EVP_DigestSign (context, der, &der_size, (const unsigned char *) body, strlen (body)) == 1;
    EVP_MD_CTX_free (context);
    EVP_PKEY_free (key);
    if (!signed_ok || sodium_base64_ENCODED_LEN (der_size, sodium_base64_VARIANT_ORIGINAL) > out_size) {
        snprintf (error, error_size, "cannot sign the report with %s", key_path);
        return -1;
    }
    sodium_bin2base64 (out, out_size, der, der_size, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

//  Split http://host[:port]/path. 0, or -1.
static int
s_parse_url (const char *url, char *host, size_t host_size, int *port, const char **path)
{
    if (strncmp (url, "http://", 7) != 0)
        return -1;
    const char *start = url + 7;
    const char *slash = strchr (start, '/');
    *path = slash ? slash : "/";
    size_t length = slash ? (size_t) (slash - start) : strlen (start);
    const char *colon = memchr (start, ':', length);
    size_t host_length = colon ? (size_t) (colon - start) : length;
    if (host_length == 0 || host_length >= host_size)
        return -1;
    memcpy (host, start, host_length);
    host [host_length] = 0;
    *port = 80;
    if (colon) {
        char *end;
        long value = strtol (colon + 1, &end, 10);
        if (end != start + length || value < 1 || value > 65535)
            return -1;
        *port = (int) value;
    }
    return 0;
}

//  Post one signed body; the answer's text (malloc'd) or NULL with error.
static char *
s_post (const char *url, const char *body, const char *key_id, const char *signature, char *error, size_t error_size)
{
    char host [256];
    int port;
    const char *path;
    if (s_parse_url (url, host, sizeof host, &port, &path)) {
        snprintf (error, error_size, "report url must be http://host[:port]/path (put TLS in front with a proxy)");
        return NULL;
    }
    char ebuf [256] = "";
    struct mg_connection *conn = mg_connect_client (host, port, 0, ebuf, sizeof ebuf);
    if (!conn) {
        snprintf (error, error_size, "cannot connect to %s:%d: %s", host, port, ebuf);
        return NULL;
    }
    mg_printf (conn, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                     "Github-Public-Key-Identifier: %s\r\nGithub-Public-Key-Signature: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
               path, host, port, key_id, signature, strlen (body));
    mg_write (conn, body, strlen (body));
    char *answer = NULL;
    if (mg_get_response (conn, ebuf, sizeof ebuf, 30000) < 0) {
        snprintf (error, error_size, "no answer from %s: %s", url, ebuf);
        goto done;
    }
    const struct mg_response_info *info = mg_get_response_info (conn);
    answer = (char *) r5_malloc (S_ANSWER_MAX + 1);
    size_t size = 0;
    int got;
    while (size < S_ANSWER_MAX && (got = mg_read (conn, answer + size, S_ANSWER_MAX - size)) > 0)
        size += (size_t) got;
    answer [size] = 0;
    if (info->status_code != 200) {
        snprintf (error, error_size, "%s answered %d: %.300s", url, info->status_code, answer);
        free (answer);
        answer = NULL;
    }
done:
    mg_close_connection (conn);
    return answer;
}

int
scan_report (scan_t *self, const char *url, const char *key_path, const char *key_id,
             char *error, size_t error_size)
{
    size_t next = 0, count;
    size_t *indexes = (size_t *) r5_calloc (S_REPORT_MAX, sizeof *indexes);
    char *body;
    int rc = 0;
    while (rc == 0 && (body = scan_report_body (self, &next, indexes, &count))) {
        char signature [256];
        char *answer = NULL;
        if (scan_sign (key_path, body, signature, sizeof signature, error, error_size) == 0)
            answer = s_post (url, body, key_id, signature, error, error_size);
        sodium_memzero (body, strlen (body));
        free (body);
        bool answered = answer != NULL;
        json_t *labels = answered ? json_loads (answer, 0, NULL) : NULL;
        if (answered) {
            sodium_memzero (answer, strlen (answer));   //  it echoes the values back
            free (answer);
        }
        if (answered && (!json_is_array (labels) || json_array_size (labels) != count)) {
            snprintf (error, error_size, "%s did not answer one label per token", url);
            rc = -1;
        }
        else
        if (!answered)
            rc = -1;
        for (size_t i = 0; rc == 0 && i < count; i++) {
            const char *label = json_string_value (json_object_get (json_array_get (labels, i), "label"));
            self->findings [indexes [i]].label = label && !strcmp (label, "true_positive") ? "true_positive"
                                                                                          : "false_positive";
        }
        json_decref (labels);
    }
    free (indexes);
    return rc;
}
