/*  gateway_json: JSON from outside, parsed only when its nesting is bounded.

    jansson's parser recurses once per nesting level (up to 2,048 levels),
    which a civetweb worker's stack cannot hold. Every JSON text that reaches
    the gateway from a client goes through gateway_json_parse, which measures
    the nesting with a loop first and refuses a deeper text before jansson
    sees it. */
#ifndef GATEWAY_JSON_H
#define GATEWAY_JSON_H

#include <jansson.h>
#include <stddef.h>

//  The default of R5_MAX_JSON_DEPTH.
#define GATEWAY_JSON_DEFAULT_MAX_DEPTH 64

//  The deepest nesting of arrays and objects in text (0 for a scalar), or
//  max_depth + 1 as soon as the text goes deeper. Never recurses.
int gateway_json_depth (const char *text, size_t size, int max_depth);

//  Parse text (duplicate keys refused). Returns the value, or NULL with
//  *problem set to a constant message fit for a 400 answer.
json_t *gateway_json_parse (const char *text, size_t size, int max_depth, const char **problem);

#endif
