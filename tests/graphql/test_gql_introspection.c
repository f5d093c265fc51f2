/*  test_gql_introspection.c - introspection (spec section 4) through the executor:
    defaultValue printing, type order and the omission of unreferenced built-in scalars,
    ofType chains, includeDeprecated, directives, __typename on introspection objects,
    isOneOf and @oneOf, and self-referencing types (no leak: ASan). The full getIntrospectionQuery() comparison
    with graphql-js is the gql_introspection_graphqljs test (introspection/compare.mjs).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gql.h"
#include "gql_introspection.h"
#include "gql_test.h"

static const char s_sdl[] =
    "\"The schema.\" schema { query: Query }\n"
    "enum E { A B C @deprecated D @deprecated(reason: \"use C\") }\n"
    "input In { a: Int = 1 b: Int c: String }\n"
    "input Defaults {\n"
    "  f1: Float = 1.0  f2: Float = 1e21  f3: Float = 0.000001  f4: Float = 1e-7\n"
    "  f5: Float = 123.456  f6: Float = -0.1  f7: Float = 5e-324\n"
    "  id1: ID = \"007\"  id2: ID = \"7\"  id3: ID = 8\n"
    "  s: String = \"a\\\"b\\\\c\\n\\u0001\\u0085\\u00e9\"\n"
    "  l: [Int] = 3  e: [E!] = [A, B]  o: In = {b: 2}  n: String = null  nn: Int! = 5\n"
    "  none: Int  old: Int @deprecated\n"
    "}\n"
    "type Node { id: ID! parent: Node children: [Node!]! m: [[String!]]! }\n"
    "type Query { node(d: Defaults, e: E = D): Node }\n"
    "directive @mine(x: Int = 2) repeatable on FIELD_DEFINITION | QUERY\n";

static gql_schema_t *s_schema;
static gql_executor_t *s_ex;

/* Runs a query and returns the response's "data" (a new reference). */
static json_t *
s_data(const char *query)
{
    gql_error_t err;
    gql_document_t *doc = gql_parse(query, strlen(query), NULL, &err);
    json_t *r;
    json_t *data;
    if (!doc) {
        fprintf(stderr, "parse error %u:%u %s\n", err.line, err.column, err.message);
        return json_null();
    }
    r = gql_execute(s_ex, doc, NULL, NULL, NULL, NULL);
    gql_document_destroy(&doc);
    if (json_object_get(r, "errors")) {
        char *t = json_dumps(json_object_get(r, "errors"), JSON_COMPACT);
        fprintf(stderr, "unexpected errors: %s\n", t);
        free(t);
    }
    data = json_incref(json_object_get(r, "data"));
    json_decref(r);
    return data ? data : json_null();
}

#define CHECK_JSON(got, want) s_check_json((got), (want), __FILE__, __LINE__)

static void
s_check_json(json_t *got, const char *want, const char *file, int line)
{
    json_error_t jerr;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &jerr);
    if (!r5_test_check(w && json_equal(got, w), file, line, "JSON matches", true)) {
        char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
        r5_test_explain("\n  got:  %s\n  want: %s", g ? g : "(null)", want);
        free(g);
    }
    json_decref(w);
}

/* defaultValue is the coerced default printed the way graphql-js prints it. */
static void
test_default_values(void)
{
    json_t *d = s_data("{ __type(name: \"Defaults\") { inputFields { name defaultValue } } }");
    json_t *fields = json_object_get(json_object_get(d, "__type"), "inputFields");
    const char *want[][2] = {
        { "f1", "1" },           { "f2", "1e+21" },      { "f3", "0.000001" },
        { "f4", "1e-7" },        { "f5", "123.456" },    { "f6", "-0.1" },
        { "f7", "5e-324" },      { "id1", "\"007\"" },   { "id2", "7" },
        { "id3", "8" },          { "s", "\"a\\\"b\\\\c\\n\\u0001\\u0085\xc3\xa9\"" },
        { "l", "[3]" },          { "e", "[A, B]" },      { "o", "{a: 1, b: 2}" },
        { "n", "null" },         { "nn", "5" },          { "none", NULL },
    };
    CHECK_INT(json_array_size(fields), sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want && i < json_array_size(fields); i++) {
        json_t *f = json_array_get(fields, i);
        json_t *dv = json_object_get(f, "defaultValue");
        CHECK_STR(json_string_value(json_object_get(f, "name")), want[i][0]);
        if (want[i][1])
            CHECK_STR(json_string_value(dv), want[i][1]);
        else
            CHECK(json_is_null(dv));
    }
    json_decref(d);

    /* An enum argument's default, and a directive argument's. */
    d = s_data("{ __type(name: \"Query\") { fields { args { name defaultValue } } } "
               "__schema { directives { name args { name defaultValue } } } }");
    CHECK_JSON(json_object_get(json_object_get(d, "__type"), "fields"),
               "[{\"args\":[{\"name\":\"d\",\"defaultValue\":null},"
               "{\"name\":\"e\",\"defaultValue\":\"D\"}]}]");
    CHECK_JSON(json_array_get(json_object_get(json_object_get(d, "__schema"), "directives"), 3),
               "{\"name\":\"deprecated\",\"args\":[{\"name\":\"reason\","
               "\"defaultValue\":\"\\\"No longer supported\\\"\"}]}");
    json_decref(d);
}

/* Type order follows graphql-js; Int, Float and ID appear only when referenced. */
static void
test_types(void)
{
    json_t *d = s_data("{ __schema { types { name } queryType { name } mutationType { name } "
                       "description } f: __type(name: \"Float\") { name } "
                       "i: __type(name: \"Int\") { name } x: __type(name: \"Nope\") { name } }");
    CHECK_JSON(d, "{\"__schema\":{\"types\":[{\"name\":\"E\"},{\"name\":\"In\"},"
                  "{\"name\":\"Int\"},{\"name\":\"String\"},{\"name\":\"Defaults\"},"
                  "{\"name\":\"Float\"},{\"name\":\"ID\"},{\"name\":\"Node\"},"
                  "{\"name\":\"Query\"},{\"name\":\"Boolean\"},{\"name\":\"__Schema\"},"
                  "{\"name\":\"__Type\"},{\"name\":\"__TypeKind\"},{\"name\":\"__Field\"},"
                  "{\"name\":\"__InputValue\"},{\"name\":\"__EnumValue\"},"
                  "{\"name\":\"__Directive\"},{\"name\":\"__DirectiveLocation\"}],"
                  "\"queryType\":{\"name\":\"Query\"},\"mutationType\":null,"
                  "\"description\":\"The schema.\"},\"f\":{\"name\":\"Float\"},"
                  "\"i\":{\"name\":\"Int\"},\"x\":null}");
    json_decref(d);
}

/* ofType chains, self references, __typename on introspection objects. */
static void
test_type_refs(void)
{
    json_t *d = s_data("{ __type(name: \"Node\") { __typename kind fields { name type { kind "
                       "name ofType { kind name ofType { kind name ofType { kind name ofType "
                       "{ kind name ofType { name } } } } } } } } }");
    CHECK_JSON(json_object_get(d, "__type"),
               "{\"__typename\":\"__Type\",\"kind\":\"OBJECT\",\"fields\":["
               "{\"name\":\"id\",\"type\":{\"kind\":\"NON_NULL\",\"name\":null,\"ofType\":"
               "{\"kind\":\"SCALAR\",\"name\":\"ID\",\"ofType\":null}}},"
               "{\"name\":\"parent\",\"type\":{\"kind\":\"OBJECT\",\"name\":\"Node\","
               "\"ofType\":null}},"
               "{\"name\":\"children\",\"type\":{\"kind\":\"NON_NULL\",\"name\":null,\"ofType\":"
               "{\"kind\":\"LIST\",\"name\":null,\"ofType\":{\"kind\":\"NON_NULL\",\"name\":null,"
               "\"ofType\":{\"kind\":\"OBJECT\",\"name\":\"Node\",\"ofType\":null}}}}},"
               "{\"name\":\"m\",\"type\":{\"kind\":\"NON_NULL\",\"name\":null,\"ofType\":"
               "{\"kind\":\"LIST\",\"name\":null,\"ofType\":{\"kind\":\"LIST\",\"name\":null,"
               "\"ofType\":{\"kind\":\"NON_NULL\",\"name\":null,\"ofType\":{\"kind\":\"SCALAR\","
               "\"name\":\"String\",\"ofType\":null}}}}}}]}");
    json_decref(d);

    /* Following a self reference goes round the cycle as deep as the query asks. */
    d = s_data("{ __type(name: \"Node\") { fields(includeDeprecated: true) { type { name "
               "fields { type { name } } } } } }");
    CHECK_JSON(json_array_get(json_object_get(json_object_get(d, "__type"), "fields"), 1),
               "{\"type\":{\"name\":\"Node\",\"fields\":[{\"type\":{\"name\":null}},"
               "{\"type\":{\"name\":\"Node\"}},{\"type\":{\"name\":null}},"
               "{\"type\":{\"name\":null}}]}}");
    json_decref(d);
}

/* includeDeprecated, deprecation reasons, directives and their locations. */
static void
test_deprecation_and_directives(void)
{
    json_t *d = s_data("{ __type(name: \"E\") { enumValues { name } all: enumValues("
                       "includeDeprecated: true) { name isDeprecated deprecationReason } } "
                       "d: __type(name: \"Defaults\") { inputFields { name } } "
                       "__schema { directives { name isRepeatable locations } } }");
    CHECK_JSON(json_object_get(json_object_get(d, "__type"), "enumValues"),
               "[{\"name\":\"A\"},{\"name\":\"B\"}]");
    CHECK_JSON(json_object_get(json_object_get(d, "__type"), "all"),
               "[{\"name\":\"A\",\"isDeprecated\":false,\"deprecationReason\":null},"
               "{\"name\":\"B\",\"isDeprecated\":false,\"deprecationReason\":null},"
               "{\"name\":\"C\",\"isDeprecated\":true,\"deprecationReason\":\"No longer "
               "supported\"},{\"name\":\"D\",\"isDeprecated\":true,\"deprecationReason\":"
               "\"use C\"}]");
    CHECK_INT(json_array_size(json_object_get(json_object_get(d, "d"), "inputFields")), 17);
    CHECK_JSON(json_object_get(json_object_get(d, "__schema"), "directives"),
               "[{\"name\":\"mine\",\"isRepeatable\":true,\"locations\":[\"QUERY\","
               "\"FIELD_DEFINITION\"]},{\"name\":\"include\",\"isRepeatable\":false,"
               "\"locations\":[\"FIELD\",\"FRAGMENT_SPREAD\",\"INLINE_FRAGMENT\"]},"
               "{\"name\":\"skip\",\"isRepeatable\":false,\"locations\":[\"FIELD\","
               "\"FRAGMENT_SPREAD\",\"INLINE_FRAGMENT\"]},{\"name\":\"deprecated\","
               "\"isRepeatable\":false,\"locations\":[\"FIELD_DEFINITION\","
               "\"ARGUMENT_DEFINITION\",\"INPUT_FIELD_DEFINITION\",\"ENUM_VALUE\"]},"
               "{\"name\":\"specifiedBy\",\"isRepeatable\":false,\"locations\":[\"SCALAR\"]},"
               "{\"name\":\"oneOf\",\"isRepeatable\":false,\"locations\":[\"INPUT_OBJECT\"]}]");
    json_decref(d);
}

/* __Type.isOneOf as graphql-js 16.9 answers it: true for a @oneOf input object, false for
   other input objects (an extension's @oneOf does not count), null for every other kind
   and for wrappers; @oneOf is a built-in directive with graphql-js's description. */
static void
test_one_of(void)
{
    static const char sdl[] = "type Query { a(x: One, y: Plain, z: [One!]): Int }\n"
                              "input One @oneOf { a: Int b: String }\n"
                              "input Plain { a: Int }\n"
                              "extend input Plain @oneOf\n";
    char msg[200];
    gql_error_t err;
    gql_schema_t *schema = gql_schema_new_from_sdl(sdl, sizeof sdl - 1, &err);
    gql_executor_t *ex = schema ? gql_executor_new(schema, NULL, 0, NULL, NULL, msg, sizeof msg) : NULL;
    gql_executor_t *saved = s_ex;
    CHECK(ex != NULL);
    if (!ex) {
        gql_schema_destroy(&schema);
        return;
    }
    s_ex = ex;
    json_t *d = s_data("{ one: __type(name: \"One\") { kind isOneOf } plain: __type(name: \"Plain\") "
                       "{ isOneOf } q: __type(name: \"Query\") { isOneOf fields { args { type { "
                       "isOneOf ofType { isOneOf ofType { isOneOf } } } } } } "
                       "s: __type(name: \"Int\") { isOneOf } "
                       "__schema { directives { name description args { name } } } }");
    CHECK_JSON(json_object_get(d, "one"), "{\"kind\":\"INPUT_OBJECT\",\"isOneOf\":true}");
    CHECK_JSON(json_object_get(d, "plain"), "{\"isOneOf\":false}");
    CHECK_JSON(json_object_get(d, "s"), "{\"isOneOf\":null}");
    CHECK_JSON(json_object_get(d, "q"),
               "{\"isOneOf\":null,\"fields\":[{\"args\":["
               "{\"type\":{\"isOneOf\":true,\"ofType\":null}},"
               "{\"type\":{\"isOneOf\":false,\"ofType\":null}},"
               "{\"type\":{\"isOneOf\":null,\"ofType\":{\"isOneOf\":null,\"ofType\":{\"isOneOf\":true}}}}]}]}");
    CHECK_JSON(json_array_get(json_object_get(json_object_get(d, "__schema"), "directives"), 4),
               "{\"name\":\"oneOf\",\"description\":\"Indicates exactly one field must be supplied "
               "and this field must not be `null`.\",\"args\":[]}");
    json_decref(d);
    s_ex = saved;
    gql_executor_destroy(&ex);
    gql_schema_destroy(&schema);
}

/* The module's own API. */
static void
test_api(void)
{
    gql_introspection_t *in = gql_introspection_new(s_schema);
    CHECK(in != NULL);
    CHECK(gql_introspection_type(in, "Node", 4) != NULL);
    CHECK(gql_introspection_type(in, "Nope", 4) == NULL);
    CHECK(json_is_object(gql_introspection_schema(in)));
    CHECK(gql_introspection_is_meta_type(gql_schema_type(s_schema, "__Type", 6)));
    CHECK(!gql_introspection_is_meta_type(gql_schema_type(s_schema, "Node", 4)));
    CHECK(!gql_introspection_is_meta_type(gql_schema_type(s_schema, "String", 6)));
    gql_introspection_destroy(&in);
    CHECK(in == NULL);
    gql_introspection_destroy(&in);
}

int
main(void)
{
    gql_error_t err;
    char msg[200];
    s_schema = gql_schema_new_from_sdl(s_sdl, sizeof s_sdl - 1, &err);
    if (!s_schema) {
        fprintf(stderr, "schema: %u:%u %s (%s)\n", err.line, err.column, err.message, err.detail);
        return 1;
    }
    s_ex = gql_executor_new(s_schema, NULL, 0, NULL, NULL, msg, sizeof msg);
    if (!s_ex) {
        fprintf(stderr, "executor: %s\n", msg);
        return 1;
    }
    R5_TEST_RUN(test_default_values);
    R5_TEST_RUN(test_types);
    R5_TEST_RUN(test_type_refs);
    R5_TEST_RUN(test_deprecation_and_directives);
    R5_TEST_RUN(test_one_of);
    R5_TEST_RUN(test_api);
    gql_executor_destroy(&s_ex);
    gql_schema_destroy(&s_schema);
    return r5_test_report("test_gql_introspection");
}
