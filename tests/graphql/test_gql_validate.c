/*  test_gql_validate.c - the validator (spec section 5) as a client sees it: which rule
    fails, with what message, where; the error cap; documents that must not loop or blow
    up. The differential test against graphql-js (tests/graphql/conformance/) covers the
    rules in breadth; this test pins the API and the behaviour on large documents.
*/
#include "gql.h"
#include "gql_test.h"

#include <stdarg.h>
#include <time.h>

static const char s_sdl[] =
    "type Query { dog: Dog pet: Pet catOrDog: CatOrDog arguments: Arguments }\n"
    "type Subscription { newMessage: Message other: Boolean }\n"
    "type Message { body: String }\n"
    "enum DogCommand { SIT DOWN HEEL }\n"
    "interface Pet { name: String! }\n"
    "type Dog implements Pet { name: String! nickname: String barkVolume: Int\n"
    "  doesKnowCommand(dogCommand: DogCommand!): Boolean!\n"
    "  isHouseTrained(atOtherHomes: Boolean): Boolean! owner: Human }\n"
    "type Cat implements Pet { name: String! meowVolume: Int }\n"
    "type Human { name: String! pets: [Pet!] }\n"
    "union CatOrDog = Cat | Dog\n"
    "type Arguments { intArgField(intArg: Int): Int\n"
    "  nonNullBooleanArgField(nonNullBooleanArg: Boolean!): Boolean! }\n";

typedef struct {
    gql_validation_error_t *errors;
    size_t count;
    int rc;
} s_result_t;

/* Parses (without limits) and validates; the document is destroyed before returning,
   which also checks that errors do not point into it. */
static s_result_t
s_validate(const gql_schema_t *schema, const char *src)
{
    s_result_t r = { NULL, 0, -2 };
    gql_limits_t limits;
    gql_error_t err;
    memset(&limits, 0, sizeof limits);
    gql_document_t *doc = gql_parse(src, strlen(src), &limits, &err);
    if (!doc) {
        fprintf(stderr, "parse failed: %s at %u:%u\n", err.message, err.line, err.column);
        return r;
    }
    r.rc = gql_validate(schema, doc, &r.errors, &r.count);
    gql_document_destroy(&doc);
    return r;
}

/* True when some error of `r` is of rule `rule`. */
static bool
s_has(const s_result_t *r, gql_rule_t rule)
{
    size_t i;
    for (i = 0; i < r->count; i++)
        if (r->errors[i].rule == rule)
            return true;
    return false;
}

/* CPU time of the process: the test machines are shared, wall time is noise. */
static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A growable text buffer for generated documents. */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
} s_text_t;

static void
s_append(s_text_t *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt,
                          ap);
        va_end(ap);
        if (t->buf && (size_t) n < t->cap - t->len) {
            t->len += (size_t) n;
            return;
        }
        t->cap = (t->cap + (size_t) n + 1) * 2;
        t->buf = realloc(t->buf, t->cap);
        if (!t->buf)
            abort();
    }
}

static void
test_valid(const gql_schema_t *schema)
{
    s_result_t r = s_validate(schema,
                              "query Q($c: DogCommand!) { dog { name ...F "
                              "doesKnowCommand(dogCommand: $c) } "
                              "pet { ... on Cat { meowVolume } } }\n"
                              "fragment F on Dog { nickname owner { pets { name } } }\n");
    CHECK_INT(r.rc, 0);
    CHECK_INT(r.count, 0);
    CHECK(r.errors == NULL);
}

static void
test_messages_and_locations(const gql_schema_t *schema)
{
    s_result_t r = s_validate(schema, "{\n  dog {\n    meowVolume\n  }\n}\n");
    CHECK_INT(r.rc, 1);
    CHECK_INT(r.count, 1);
    if (r.count == 1) {
        CHECK_INT(r.errors[0].rule, GQL_RULE_FIELDS_ON_CORRECT_TYPE);
        CHECK_STR(r.errors[0].message, "Cannot query field \"meowVolume\" on type \"Dog\". "
                                        "Did you mean \"barkVolume\"?");
        CHECK_INT(r.errors[0].location_count, 1);
        CHECK_INT(r.errors[0].locations[0].line, 3);
        CHECK_INT(r.errors[0].locations[0].column, 5);
        CHECK_STR(gql_rule_name(r.errors[0].rule), "FieldsOnCorrectType");
    }
    gql_validation_errors_free(&r.errors);
    CHECK(r.errors == NULL);

    r = s_validate(schema, "query Q($a: Boolean) { arguments { "
                           "nonNullBooleanArgField(nonNullBooleanArg: $a) } }");
    CHECK_INT(r.count, 1);
    if (r.count == 1) {
        CHECK_INT(r.errors[0].rule, GQL_RULE_VARIABLES_IN_ALLOWED_POSITION);
        CHECK_STR(r.errors[0].message, "Variable \"$a\" of type \"Boolean\" used in position "
                                        "expecting type \"Boolean!\".");
        CHECK_INT(r.errors[0].location_count, 2);
        CHECK_INT(r.errors[0].locations[0].column, 9);
        CHECK_INT(r.errors[0].locations[1].column, 78);
    }
    gql_validation_errors_free(&r.errors);

    r = s_validate(schema, "{ dog { name: nickname name } }");
    CHECK_INT(r.count, 1);
    if (r.count == 1) {
        CHECK_INT(r.errors[0].rule, GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED);
        CHECK_STR(r.errors[0].message,
                   "Fields \"name\" conflict because \"nickname\" and \"name\" are different "
                   "fields. Use different aliases on the fields to fetch both if this was "
                   "intentional.");
    }
    gql_validation_errors_free(&r.errors);

    r = s_validate(schema, "{ arguments { intArgField(intArg: 2147483648) } }");
    CHECK(s_has(&r, GQL_RULE_VALUES_OF_CORRECT_TYPE));
    if (r.count == 1)
        CHECK_STR(r.errors[0].message,
                   "Int cannot represent non 32-bit signed integer value: 2147483648");
    gql_validation_errors_free(&r.errors);

    /* Suggestions as graphql-js makes them: types that have the field first. */
    r = s_validate(schema, "{ pet { meowVolume } catOrDog { name } }");
    CHECK_INT(r.count, 2);
    if (r.count == 2) {
        CHECK_STR(r.errors[0].message,
                   "Cannot query field \"meowVolume\" on type \"Pet\". Did you mean to use an "
                   "inline fragment on \"Cat\"?");
        CHECK_STR(r.errors[1].message,
                   "Cannot query field \"name\" on type \"CatOrDog\". Did you mean to use an "
                   "inline fragment on \"Pet\", \"Cat\", or \"Dog\"?");
    }
    gql_validation_errors_free(&r.errors);

    r = s_validate(schema, "{ dog { doesKnowCommand(dogCommand: SITT) } }");
    CHECK_INT(r.count, 1);
    if (r.count == 1)
        CHECK_STR(r.errors[0].message, "Value \"SITT\" does not exist in \"DogCommand\" enum. "
                                        "Did you mean the enum value \"SIT\"?");
    gql_validation_errors_free(&r.errors);

    r = s_validate(schema, "subscription S { newMessage { body } other }");
    CHECK(s_has(&r, GQL_RULE_SINGLE_FIELD_SUBSCRIPTIONS));
    gql_validation_errors_free(&r.errors);
}

/* @oneOf input objects as graphql-js 16.9's ValuesOfCorrectType checks them: exactly one
   field (a repeated name counts once), not null, and a variable there non-null; the
   message and the object value's location are graphql-js's. */
static void
test_one_of(void)
{
    static const char sdl[] = "type Query { f(by: By): Int g(by: [By!]): Int }\n"
                              "input By @oneOf { id: ID name: String }\n";
    static const struct {
        const char *doc;
        const char *message; /* NULL: valid */
        unsigned column;
    } cases[] = {
        { "{ f(by: {id: 1}) g(by: [{name: \"a\"}]) }", NULL, 0 },
        { "query Q($id: ID!) { f(by: {id: $id}) }", NULL, 0 },
        { "{ f(by: {}) }", "OneOf Input Object \"By\" must specify exactly one key.", 9 },
        { "{ f(by: {id: 1, name: \"a\"}) }", "OneOf Input Object \"By\" must specify exactly one key.", 9 },
        { "{ g(by: [{id: 1, name: \"a\"}]) }", "OneOf Input Object \"By\" must specify exactly one key.", 10 },
        { "{ f(by: {id: null}) }", "Field \"By.id\" must be non-null.", 9 },
        { "query Q($id: ID) { f(by: {id: $id}) }",
          "Variable \"id\" must be non-nullable to be used for OneOf Input Object \"By\".", 26 },
        { "query Q($id: ID) { ...F } fragment F on Query { f(by: {id: $id}) }",
          "Variable \"id\" must be non-nullable to be used for OneOf Input Object \"By\".", 55 },
    };
    gql_error_t err;
    gql_schema_t *schema = gql_schema_new_from_sdl(sdl, sizeof sdl - 1, &err);
    CHECK(schema != NULL);
    for (size_t i = 0; schema && i < sizeof cases / sizeof *cases; i++) {
        s_result_t r = s_validate(schema, cases[i].doc);
        if (!cases[i].message) {
            CHECK_INT(r.rc, 0);
            if (r.rc != 0)
                fprintf(stderr, "  %s: %s\n", cases[i].doc, r.count ? r.errors[0].message : "");
        }
        else {
            CHECK_INT(r.count, 1);
            if (r.count == 1) {
                CHECK_INT(r.errors[0].rule, GQL_RULE_VALUES_OF_CORRECT_TYPE);
                CHECK_STR(r.errors[0].message, cases[i].message);
                CHECK_INT(r.errors[0].location_count, 1);
                CHECK_INT(r.errors[0].locations[0].column, cases[i].column);
            }
            else {
                fprintf(stderr, "  %s: %zu errors\n", cases[i].doc, r.count);
            }
        }
        gql_validation_errors_free(&r.errors);
    }
    gql_schema_destroy(&schema);
}

/* With hide_suggestions (a server whose introspection is off), every message stops before
   " Did you mean", and only there: the rest is graphql-js's text. */
static void
test_hidden_suggestions(const gql_schema_t *schema)
{
    static const struct {
        const char *src;
        const char *message;
    } cases[] = {
        { "{ dog { meowVolume } }", "Cannot query field \"meowVolume\" on type \"Dog\"." },
        { "{ pet { meowVolume } }", "Cannot query field \"meowVolume\" on type \"Pet\"." },
        { "{ dog { doesKnowCommand(dogCommand: SITT) } }",
          "Value \"SITT\" does not exist in \"DogCommand\" enum." },
        { "{ dog { isHouseTrained(atOtherHome: true) } }",
          "Unknown argument \"atOtherHome\" on field \"Dog.isHouseTrained\"." },
        { "query Q($a: Bolean) { dog { isHouseTrained(atOtherHomes: $a) } }",
          "Unknown type \"Bolean\"." },
        { "{ dog { name @skip(iff: true) } }", "Unknown argument \"iff\" on directive \"@skip\"." },
    };
    gql_validate_options_t hide = { .hide_suggestions = true };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gql_limits_t limits;
        gql_error_t err;
        memset(&limits, 0, sizeof limits);
        gql_document_t *doc = gql_parse(cases[i].src, strlen(cases[i].src), &limits, &err);
        CHECK(doc != NULL);
        if (!doc)
            continue;
        gql_validation_error_t *errors = NULL, *shown = NULL;
        size_t count = 0, shown_count = 0, k;
        CHECK_INT(gql_validate_with(schema, doc, &hide, &errors, &count), 1);
        CHECK_INT(gql_validate_with(schema, doc, NULL, &shown, &shown_count), 1);
        CHECK(count >= 1 && count == shown_count);
        if (count >= 1)
            CHECK_STR(errors[0].message, cases[i].message);
        /* The same errors, the default text with its suggestion, the hidden one without. */
        for (k = 0; k < count && k < shown_count; k++) {
            CHECK(strstr(errors[k].message, "Did you mean") == NULL);
            CHECK(strncmp(shown[k].message, errors[k].message, strlen(errors[k].message)) == 0);
        }
        if (shown_count >= 1)
            CHECK(strstr(shown[0].message, " Did you mean") != NULL);
        gql_validation_errors_free(&errors);
        gql_validation_errors_free(&shown);
        gql_document_destroy(&doc);
    }
}

/* Every rule reports together with the others, and each error names its rule. */
static void
test_many_rules(const gql_schema_t *schema)
{
    s_result_t r = s_validate(schema,
                              "query Q($a: Dog, $a: Int, $u: Int) @skip(if: true) {\n"
                              "  dog @nope { ...Missing name(x: 1) name: nickname ...F "
                              "meowVolume }\n"
                              "  arguments { intArgField(intArg: \"x\", intArg: 1) }\n"
                              "}\n"
                              "query Q { dog { isHouseTrained(atOtherHomes: $b) } }\n"
                              "{ dog { ... on Cat { name } } }\n"
                              "fragment F on Dog { ...G }\n"
                              "fragment G on Dog { ...F }\n"
                              "fragment Unused on Int { x }\n");
    static const gql_rule_t expected[] = {
        GQL_RULE_UNIQUE_OPERATION_NAMES,    GQL_RULE_LONE_ANONYMOUS_OPERATION,
        GQL_RULE_VARIABLES_ARE_INPUT_TYPES, GQL_RULE_UNIQUE_VARIABLE_NAMES,
        GQL_RULE_KNOWN_DIRECTIVES,          GQL_RULE_KNOWN_FRAGMENT_NAMES,
        GQL_RULE_KNOWN_ARGUMENT_NAMES,      GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED,
        GQL_RULE_FIELDS_ON_CORRECT_TYPE,    GQL_RULE_UNIQUE_ARGUMENT_NAMES,
        GQL_RULE_VALUES_OF_CORRECT_TYPE,    GQL_RULE_NO_UNDEFINED_VARIABLES,
        GQL_RULE_NO_UNUSED_VARIABLES,       GQL_RULE_POSSIBLE_FRAGMENT_SPREADS,
        GQL_RULE_NO_FRAGMENT_CYCLES,        GQL_RULE_NO_UNUSED_FRAGMENTS,
        GQL_RULE_FRAGMENTS_ON_COMPOSITE_TYPES,
    };
    size_t i;
    CHECK_INT(r.rc, 1);
    for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (!s_has(&r, expected[i]))
            fprintf(stderr, "missing rule %s\n", gql_rule_name(expected[i]));
        CHECK(s_has(&r, expected[i]));
    }
    for (i = 0; i < r.count; i++) {
        CHECK(gql_rule_name(r.errors[i].rule) != NULL);
        CHECK(r.errors[i].message && r.errors[i].message[0]);
    }
    gql_validation_errors_free(&r.errors);
    CHECK(gql_rule_name(GQL_RULE_COUNT_) == NULL);
    CHECK_STR(gql_rule_spec_name(GQL_RULE_SCALAR_LEAFS), "Leaf Field Selections");
}

/* graphql-js stops at 100 errors and adds one saying so. */
static void
test_error_cap(const gql_schema_t *schema)
{
    s_text_t t = { NULL, 0, 0 };
    int i;
    s_append(&t, "{ dog {");
    for (i = 0; i < 150; i++)
        s_append(&t, " f%d", i);
    s_append(&t, " } }");
    s_result_t r = s_validate(schema, t.buf);
    CHECK_INT(r.rc, 1);
    CHECK_INT(r.count, GQL_VALIDATE_MAX_ERRORS + 1);
    if (r.count == GQL_VALIDATE_MAX_ERRORS + 1) {
        CHECK_INT(r.errors[GQL_VALIDATE_MAX_ERRORS].rule, GQL_RULE_TOO_MANY_ERRORS);
        CHECK_INT(r.errors[GQL_VALIDATE_MAX_ERRORS].location_count, 0);
        CHECK_STR(r.errors[GQL_VALIDATE_MAX_ERRORS].message,
                   "Too many validation errors, error limit reached. Validation aborted.");
        /* In the response the cap's error keeps an empty "locations" list. */
        json_t *response = gql_validation_response(r.errors, r.count);
        json_t *last = json_array_get(json_object_get(response, "errors"), GQL_VALIDATE_MAX_ERRORS);
        CHECK_INT(json_array_size(json_object_get(response, "errors")), GQL_VALIDATE_MAX_ERRORS + 1);
        CHECK(json_is_array(json_object_get(last, "locations")));
        CHECK_INT(json_array_size(json_object_get(last, "locations")), 0);
        json_decref(response);
    }
    gql_validation_errors_free(&r.errors);
    free(t.buf);
}

/* Validates `src` (`len` bytes: it may hold NUL) against `schema` with refuse_nul_strings
   set or not. */
static s_result_t
s_validate_nul(const gql_schema_t *schema, const char *src, size_t len, bool refuse)
{
    s_result_t r = { NULL, 0, -2 };
    gql_error_t err;
    gql_document_t *doc = gql_parse(src, len, NULL, &err);
    if (!doc) {
        fprintf(stderr, "parse failed: %s at %u:%u\n", err.message, err.line, err.column);
        return r;
    }
    gql_validate_options_t options = { .refuse_nul_strings = refuse };
    r.rc = gql_validate_with(schema, doc, &options, &r.errors, &r.count);
    gql_document_destroy(&doc);
    return r;
}

/* Checks that `response` dumps (compact, in order) as `expected`. */
static void
s_check_response(json_t *response, const char *expected)
{
    char *text = json_dumps(response, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK(text && strcmp(text, expected) == 0);
    if (text && strcmp(text, expected) != 0)
        fprintf(stderr, "  got      %s\n  expected %s\n", text, expected);
    free(text);
}

/* refuse_nul_strings: a string value holding NUL, anywhere in an otherwise valid
   document, is one BAD_USER_INPUT error without a location; the spec's rules come
   first; without the option NUL is a legal character. And the response shapes. */
static void
test_nul_strings(void)
{
    static const char sdl[] = "type Query { echo(s: String l: [String] o: In): String }\n"
                              "input In { s: String n: In }\n"
                              "directive @tag(s: String) on QUERY | FIELD | FRAGMENT_DEFINITION"
                              " | FRAGMENT_SPREAD | INLINE_FRAGMENT | VARIABLE_DEFINITION\n";
    static const char *const refused[] = {
        "{ echo(s: \"a\\u0000b\") }",
        "{ echo(s: \"\\u{0}\") }",
        "{ echo(l: [\"x\", \"\\u0000\"]) }",
        "{ echo(o: {n: {n: {s: \"\\u0000\"}}}) }",
        "{ a: echo b: echo(s: \"\\u0000\") }",
        "query ($v: String = \"\\u0000\") { echo(s: $v) }",
        "query ($v: String @tag(s: \"\\u0000\")) { echo(s: $v) }",
        "query @tag(s: \"\\u0000\") { echo }",
        "{ echo @tag(s: \"\\u0000\") }",
        "{ ... @tag(s: \"\\u0000\") { echo } }",
        "{ ...F @tag(s: \"\\u0000\") } fragment F on Query { echo }",
        "{ ...F } fragment F on Query @tag(s: \"\\u0000\") { echo }",
        "{ ...F } fragment F on Query { ... on Query { echo(s: \"\\u0000\") } }",
    };
    static const char *const accepted[] = {
        "{ echo(s: \"a\\u0001b\") }",
        "{ echo(s: \"\", l: [], o: {s: \"\\\\u0000\"}) }",
        "query ($v: String = \"fine\") { echo(s: $v) @tag(s: \"fine\") }",
    };
    gql_error_t err;
    gql_schema_t *schema = gql_schema_new_from_sdl(sdl, sizeof sdl - 1, &err);
    CHECK(schema != NULL);
    if (!schema)
        return;
    size_t i;
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s_result_t r = s_validate_nul(schema, refused[i], strlen(refused[i]), true);
        CHECK_INT(r.rc, 1);
        CHECK_INT(r.count, 1);
        if (r.rc != 1)
            fprintf(stderr, "  not refused: %s\n", refused[i]);
        if (r.count == 1) {
            CHECK_INT(r.errors[0].rule, GQL_RULE_NO_NUL_STRINGS);
            CHECK_INT(r.errors[0].location_count, 0);
            CHECK_STR(r.errors[0].message, "string values may not contain NUL characters");
        }
        gql_validation_errors_free(&r.errors);
        r = s_validate_nul(schema, refused[i], strlen(refused[i]), false);
        CHECK_INT(r.rc, 0);
        gql_validation_errors_free(&r.errors);
    }
    for (i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        s_result_t r = s_validate_nul(schema, accepted[i], strlen(accepted[i]), true);
        CHECK_INT(r.rc, 0);
        if (r.rc != 0)
            fprintf(stderr, "  not accepted: %s\n", accepted[i]);
        gql_validation_errors_free(&r.errors);
    }
    /* A raw NUL inside a string and a block string is a SourceCharacter there. */
    static const char raw[] = "{ a: echo(s: \"a\0b\") b: echo(s: \"\"\"\0\"\"\") }";
    s_result_t r = s_validate_nul(schema, raw, sizeof raw - 1, true);
    CHECK_INT(r.rc, 1);
    CHECK(r.count == 1 && r.errors[0].rule == GQL_RULE_NO_NUL_STRINGS);
    json_t *response = gql_validation_response(r.errors, r.count);
    s_check_response(response, "{\"errors\":[{\"message\":\"string values may not contain NUL characters\","
                               "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]}");
    json_decref(response);
    gql_validation_errors_free(&r.errors);
    /* The spec's rules first: their errors alone, no NUL error. */
    static const char both[] = "{ echo(s: \"\\u0000\") nope }";
    r = s_validate_nul(schema, both, sizeof both - 1, true);
    response = gql_validation_response(r.errors, r.count);
    s_check_response(response, "{\"errors\":[{\"message\":\"Cannot query field \\\"nope\\\" on type \\\"Query\\\".\","
                               "\"locations\":[{\"line\":1,\"column\":21}],"
                               "\"extensions\":{\"code\":\"GRAPHQL_VALIDATION_FAILED\"}}]}");
    json_decref(response);
    gql_validation_errors_free(&r.errors);
    CHECK_STR(gql_rule_code(GQL_RULE_NO_NUL_STRINGS), "BAD_USER_INPUT");
    CHECK_STR(gql_rule_code(GQL_RULE_SCALAR_LEAFS), "GRAPHQL_VALIDATION_FAILED");
    CHECK_STR(gql_rule_name(GQL_RULE_NO_NUL_STRINGS), "NoNulStrings");
    response = gql_validation_response(NULL, 0);
    s_check_response(response, "{\"errors\":[]}");
    json_decref(response);
    gql_schema_destroy(&schema);
}

/* Cyclic fragments are reported once per cycle and never followed forever, by any rule
   that follows spreads (variables, merging, subscriptions, introspection depth). */
static void
test_cycles_terminate(const gql_schema_t *schema)
{
    s_result_t r = s_validate(schema,
                              "query Q($v: Boolean) { dog { ...A } "
                              "__schema { types { ...T } } }\n"
                              "subscription S { ...SA }\n"
                              "fragment SA on Subscription { ...SA newMessage { body } }\n"
                              "fragment T on __Type { fields { type { ...T } } }\n"
                              "fragment A on Dog { ...B x: name "
                              "isHouseTrained(atOtherHomes: $v) }\n"
                              "fragment B on Dog { ...A x: nickname "
                              "owner { pets { ...A } } }\n");
    CHECK_INT(r.rc, 1);
    CHECK(s_has(&r, GQL_RULE_NO_FRAGMENT_CYCLES));
    CHECK(s_has(&r, GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED));
    CHECK(!s_has(&r, GQL_RULE_NO_UNUSED_VARIABLES));
    gql_validation_errors_free(&r.errors);

    /* Fragments that spread themselves below a field, twice (graphql-js #4168): the
       merging rule compared each fragment with the other's fields, and those with the
       first again, one level deeper each time, until the stack ran out. */
    r = s_validate(schema, "{ dog { ...A ...B } }\n"
                           "fragment A on Dog { owner { pets { ...on Dog { ...A "
                           "owner { pets { ...on Dog { ...A } } } } } } }\n"
                           "fragment B on Dog { owner { pets { ...on Dog { ...B "
                           "owner { pets { ...on Dog { ...B } } } } } } }\n");
    CHECK_INT(r.rc, 1);
    CHECK(s_has(&r, GQL_RULE_NO_FRAGMENT_CYCLES));
    CHECK(!s_has(&r, GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED));
    gql_validation_errors_free(&r.errors);
}

/* Large documents: validation completes; the time is printed, not asserted. */
static void
test_large_documents(const gql_schema_t *schema)
{
    s_text_t t = { NULL, 0, 0 };
    int i;
    double t0, t1;
    s_result_t r;

    /* 1,000 aliased fields on one level and 300 chained fragments, each with fields that
       share response names with the others (so every fragment pair is compared). */
    s_append(&t, "query Large { dog {");
    for (i = 0; i < 1000; i++)
        s_append(&t, " a%d: %s", i, (i % 2) ? "name" : "nickname");
    s_append(&t, " ...F0");
    for (i = 0; i < 300; i += 10)
        s_append(&t, " ...F%d", i);
    s_append(&t, " } }\n");
    for (i = 0; i < 300; i++) {
        s_append(&t, "fragment F%d on Dog { n: name b%d: barkVolume owner { name } ", i, i);
        if (i + 1 < 300)
            s_append(&t, "...F%d", i + 1);
        s_append(&t, " }\n");
    }
    t0 = s_now();
    r = s_validate(schema, t.buf);
    t1 = s_now();
    CHECK_INT(r.rc, 0);
    fprintf(stderr,
            "large document (1000 aliases, 300 fragments, %zu bytes): validated in %.1f ms of CPU\n",
            t.len, (t1 - t0) * 1000.0);
    gql_validation_errors_free(&r.errors);

    /* 2,000 fields with one response name: the pairs within the group are compared
       (graphql-js does the same), nothing else. */
    t.len = 0;
    s_append(&t, "{ dog {");
    for (i = 0; i < 2000; i++)
        s_append(&t, " x: name");
    s_append(&t, " } }");
    t0 = s_now();
    r = s_validate(schema, t.buf);
    t1 = s_now();
    CHECK_INT(r.rc, 0);
    fprintf(stderr, "2000 identical fields: validated in %.1f ms of CPU\n", (t1 - t0) * 1000.0);
    gql_validation_errors_free(&r.errors);

    /* Fragments that spread the next one twice (a DAG 2^40 paths deep): every traversal
       must visit each fragment once. */
    t.len = 0;
    s_append(&t, "{ __schema { types { ...T0 } } dog { ...D0 } }\n");
    for (i = 0; i < 40; i++) {
        s_append(&t, "fragment T%d on __Type { name ", i);
        if (i + 1 < 40)
            s_append(&t, "ofType { ...T%d } a: ofType { ...T%d }", i + 1, i + 1);
        s_append(&t, " }\nfragment D%d on Dog { name ", i);
        if (i + 1 < 40)
            s_append(&t,
                     "owner { pets { ...on Dog { ...D%d } } } "
                     "o: owner { pets { ...on Dog { ...D%d } } }",
                     i + 1, i + 1);
        s_append(&t, " }\n");
    }
    t0 = s_now();
    r = s_validate(schema, t.buf);
    t1 = s_now();
    CHECK_INT(r.rc, 0);
    fprintf(stderr, "fragment DAG (2^40 paths): validated in %.1f ms of CPU\n", (t1 - t0) * 1000.0);
    gql_validation_errors_free(&r.errors);
    free(t.buf);
}

int
main(void)
{
    gql_error_t err;
    gql_schema_t *schema = gql_schema_new_from_sdl(s_sdl, sizeof s_sdl - 1, &err);
    CHECK(schema != NULL);
    if (!schema) {
        fprintf(stderr, "schema: %s at %u:%u (%s)\n", err.message, err.line, err.column,
                err.detail);
        return r5_test_report("test_gql_validate");
    }
    test_valid(schema);
    test_messages_and_locations(schema);
    test_hidden_suggestions(schema);
    test_one_of();
    test_many_rules(schema);
    test_error_cap(schema);
    R5_TEST_RUN(test_nul_strings);
    test_cycles_terminate(schema);
    test_large_documents(schema);
    gql_validation_errors_free(NULL);
    gql_schema_destroy(&schema);
    return r5_test_report("test_gql_validate");
}
