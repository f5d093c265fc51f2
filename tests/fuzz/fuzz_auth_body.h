/*  fuzz_auth_body: what the /auth harnesses share. The body of a POST as the
    gateway reads it (a JSON object, depth-checked, then the fields the
    endpoint needs), and the request it would send to r5-resource, packed,
    unpacked and packed again: r5-resource reads what the gateway meant. */
#ifndef FUZZ_AUTH_BODY_H
#define FUZZ_AUTH_BODY_H

#include "gateway_json.h"
#include "gateway_signin.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

//  Point request's body at the endpoint's fields in json (storage the
//  function owns); false when a required field is missing.
typedef bool (*fuzz_auth_fill_fn) (json_t *json, R5__ResourceRequest *request);

static inline void
fuzz_auth_body (const uint8_t *data, size_t size, fuzz_auth_fill_fn fill)
{
    const char *problem = NULL;
    json_t *json = gateway_signin_parse_body ((const char *) data, size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &problem);
    if (!json) {
        if (!problem)
            abort ();
        return;
    }
    R5__ResourceRequest request = R5__RESOURCE_REQUEST__INIT;
    if (fill (json, &request)) {
        size_t length = r5__resource_request__get_packed_size (&request);
        uint8_t *packed = malloc (length ? length : 1);
        r5__resource_request__pack (&request, packed);
        R5__ResourceRequest *again = r5__resource_request__unpack (NULL, length, packed);
        uint8_t *repacked = malloc (length ? length : 1);
        if (!again || again->body_case != request.body_case
        ||  r5__resource_request__get_packed_size (again) != length
        ||  r5__resource_request__pack (again, repacked) != length || memcmp (packed, repacked, length) != 0)
            abort ();
        r5__resource_request__free_unpacked (again, NULL);
        free (repacked);
        free (packed);
    }
    json_decref (json);
}

#endif
