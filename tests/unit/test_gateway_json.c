/*  test_gateway_json: nesting is measured without recursion, strings and
    escapes do not count, and deep texts are refused on a worker's stack.  */
#include "gateway_json.h"
#include "gateway_stack.h"
#include "r5_test.h"

#include <string.h>

static void
test_depth (void)
{
    CHECK (gateway_json_depth ("1", 1, 64) == 0);
    CHECK (gateway_json_depth ("[]", 2, 64) == 1);
    CHECK (gateway_json_depth ("{\"a\":[{}]}", 10, 64) == 3);
    //  Brackets inside strings, escaped quotes and backslashes are text.
    const char *text = "{\"a\":\"[[[{{\\\"]]\\\\\",\"b\":[1]}";
    CHECK (gateway_json_depth (text, strlen (text), 64) == 2);
    //  Past the limit the scan stops at once with limit + 1.
    CHECK (gateway_json_depth ("[[[[", 4, 2) == 3);
    //  Unbalanced closers never drive the depth below zero.
    CHECK (gateway_json_depth ("]]]][[", 6, 64) == 2);
}

typedef struct {
    size_t levels;
    json_t *json;
    const char *problem;
} s_deep_t;

static void
s_parse_deep (void *arg)
{
    s_deep_t *deep = (s_deep_t *) arg;
    size_t size = deep->levels * 2;
    char *text = malloc (size);
    memset (text, '[', deep->levels);
    memset (text + deep->levels, ']', deep->levels);
    deep->problem = NULL;
    deep->json = gateway_json_parse (text, size, GATEWAY_JSON_DEFAULT_MAX_DEPTH, &deep->problem);
    free (text);
}

static void
test_parse_on_a_worker_stack (void)
{
    //  100,000 levels would overflow any stack inside jansson; refused here.
    s_deep_t deep = { 100000, NULL, NULL };
    CHECK (gateway_stack_run (s_parse_deep, &deep) == 0);
    CHECK (deep.json == NULL);
    CHECK (deep.problem && strstr (deep.problem, "nested too deeply"));
    //  At the limit the text is parsed.
    deep.levels = GATEWAY_JSON_DEFAULT_MAX_DEPTH;
    CHECK (gateway_stack_run (s_parse_deep, &deep) == 0);
    CHECK (json_is_array (deep.json));
    json_decref (deep.json);
    //  Duplicate keys and NUL escapes are refused with a message.
    const char *problem = NULL;
    CHECK (gateway_json_parse ("{\"a\":1,\"a\":2}", 13, 64, &problem) == NULL && problem);
    problem = NULL;
    CHECK (gateway_json_parse ("\"a\\u0000b\"", 10, 64, &problem) == NULL && problem);
}

int
main (void)
{
    R5_TEST_RUN (test_depth);
    R5_TEST_RUN (test_parse_on_a_worker_stack);
    return r5_test_report ("test_gateway_json");
}
