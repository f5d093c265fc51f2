/*  fuzz_leaks: POST /secret-scanning/verify's outside input as the gateway
    reads it. The first byte chooses: 'k', the rest is a keys file (GitHub's
    format); anything else, the rest is a report body, checked against a
    signature made of its first line, then parsed into the request that
    would go to r5-token, packed. */
#include "gateway_json.h"
#include "gateway_leaks.h"
#include "r5/token.pb-c.h"
#include "fuzz_worker_stack.h"

#include <string.h>

static void
s_one_input (const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    //  An exact-size copy, so ASan sees any read past its end.
    size_t body_size = size - 1;
    char *body = malloc (body_size ? body_size : 1);
    if (body_size)
        memcpy (body, data + 1, body_size);
    if (data [0] == 'k') {
        char error [256];
        gateway_leaks_keys_t *keys = gateway_leaks_keys_parse (body, body_size, error, sizeof error);
        if (keys && gateway_leaks_keys_count (keys) < 1)
            abort ();
        gateway_leaks_keys_destroy (&keys);
        free (body);
        return;
    }
    //  The signature check refuses without keys whatever it is given.
    const uint8_t *newline = memchr (body, '\n', body_size);
    char signature [200] = "";
    size_t line = newline ? (size_t) (newline - (const uint8_t *) body) : 0;
    if (line < sizeof signature) {
        memcpy (signature, body, line);
        signature [line] = 0;
    }
    const char *problem = NULL;
    if (gateway_leaks_verify (NULL, "key", signature, body, body_size, &problem) == 0 || !problem)
        abort ();
    gateway_leak_t *leaks = calloc (GATEWAY_LEAKS_MAX_ENTRIES, sizeof *leaks);
    size_t count = 0;
    json_t *json = NULL;
    if (gateway_leaks_parse (body, body_size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &json, leaks, &count) == NULL) {
        if (!json || count < 1 || count > GATEWAY_LEAKS_MAX_ENTRIES)
            abort ();
        R5__LeakedToken *tokens = calloc (count, sizeof *tokens);
        R5__LeakedToken **pointers = calloc (count, sizeof *pointers);
        for (size_t i = 0; i < count; i++) {
            if (!leaks [i].token || !*leaks [i].token || strlen (leaks [i].url) > GATEWAY_LEAKS_URL_MAX)
                abort ();
            r5__leaked_token__init (&tokens [i]);
            tokens [i].value = (char *) leaks [i].token;
            tokens [i].url = (char *) leaks [i].url;
            tokens [i].source = (char *) leaks [i].source;
            pointers [i] = &tokens [i];
        }
        R5__ReportLeakedTokensRequest report = R5__REPORT_LEAKED_TOKENS_REQUEST__INIT;
        report.tokens = pointers;
        report.n_tokens = count;
        R5__TokenRequest request = R5__TOKEN_REQUEST__INIT;
        request.body_case = R5__TOKEN_REQUEST__BODY_REPORT_LEAKED;
        request.report_leaked = &report;
        size_t length = r5__token_request__get_packed_size (&request);
        uint8_t *packed = malloc (length ? length : 1);
        r5__token_request__pack (&request, packed);
        free (packed);
        free (pointers);
        free (tokens);
        json_decref (json);
    }
    else
    if (json)
        abort ();
    free (leaks);
    free (body);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
