/*  gateway_json: JSON from outside, parsed only when its nesting is bounded.  */
#include "gateway_json.h"

#include <stdbool.h>

int
gateway_json_depth (const char *text, size_t size, int max_depth)
{
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < size; i++) {
        char c = text [i];
        if (in_string) {
            if (c == '\\')
                i++;            //  the escaped character cannot end the string
            else
            if (c == '"')
                in_string = false;
        }
        else
        if (c == '"')
            in_string = true;
        else
        if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return max_depth + 1;
            if (depth > deepest)
                deepest = depth;
        }
        else
        if ((c == ']' || c == '}') && depth > 0)
            depth--;
    }
    return deepest;
}

json_t *
gateway_json_parse (const char *text, size_t size, int max_depth, const char **problem)
{
    if (gateway_json_depth (text, size, max_depth) > max_depth) {
        *problem = "JSON is nested too deeply (see R5_MAX_JSON_DEPTH)";
        return NULL;
    }
    json_error_t error;
    //  JSON_ALLOW_NUL is not given: jansson then refuses \u0000, which would
    //  silently cut a string short in C code further on.
    json_t *json = json_loadb (text, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (!json)
        *problem = "not valid JSON (duplicate keys and NUL characters are refused)";
    return json;
}
