/*  test_gql_execute.c - the executor: batching, null propagation, error paths, fragments
    on abstract types, @skip/@include, variable and argument coercion, serial mutations,
    the access hooks, operation selection, leaf serialization, running out of memory.

    The resolvers below serve fixtures and count their calls, so a test can assert how many
    resolver calls a query cost.
*/
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gql.h"
#include "gql_test.h"

static const char s_sdl[] =
    "interface Node { id: ID! }\n"
    "interface Actor { id: ID! name: String! }\n"
    "enum Status { OPEN CLOSED }\n"
    "enum Urgency { HIGH LOW }\n"
    "scalar JSON\n"
    "type User implements Node & Actor { id: ID! name: String! teams: [Team!]! "
    "  manager: User secret: String }\n"
    "type Team implements Node { id: ID! name: String! members: [User!] lead: User! }\n"
    "type Bot implements Actor & Node { id: ID! name: String! version: Int }\n"
    "union Participant = User | Bot | Team\n"
    "type Incident implements Node {\n"
    "  id: ID! title: String! status: Status! urgency: Urgency\n"
    "  teams(first: Int = 10): [Team!]!\n"
    "  assignee: Actor\n"
    "  participants: [Participant!]!\n"
    "  score: Float count: Int strictTitle: String!\n"
    "  items: [Int!] nullableItems: [Int] matrix: [[Int!]]\n"
    "}\n"
    "input IncidentFilter { status: Status urgency: [Urgency!] teamIds: [ID!] first: Int = 25 }\n"
    "input CreateIncidentInput { title: String! urgency: Urgency = HIGH teamIds: [ID!] = [] }\n"
    "input By @oneOf { id: ID name: String }\n"
    "type CreateIncidentPayload { incident: Incident }\n"
    "type Query {\n"
    "  incidents(filter: IncidentFilter, first: Int = 50): [Incident!]!\n"
    "  incident(id: ID!): Incident\n"
    "  echo(i: Int, f: Float, s: String, b: Boolean, id: ID, e: Urgency, l: [Int],\n"
    "       filter: IncidentFilter, j: JSON, req: Int! = 7, by: By): JSON\n"
    "  mustHave: Incident!\n"
    "  badInt: Int badEnum: Urgency badList: [Int] badString: String badBool: Boolean\n"
    "  goodCoercions: [String] idFromInt: ID floatFromInt: Float intFromReal: Int\n"
    "  failing: String allFail: [String] partial: [Int]\n"
    "  untyped: Actor\n"
    "}\n"
    "type Mutation {\n"
    "  createIncident(input: CreateIncidentInput!): CreateIncidentPayload\n"
    "  append(value: String!): [String!]!\n"
    "  fail: String\n"
    "}\n";

/* ---------------------------------------------------------------------------------------
 *  Fixtures and resolvers
 * ------------------------------------------------------------------------------------- */

/* Per-request context: call counters and a log of what resolvers did, in order. */
typedef struct {
    int incidents_calls;
    int teams_calls;
    size_t teams_parents;
    int members_calls;
    size_t members_parents;
    int lead_calls;
    json_t *log;        /* array of strings */
    json_t *appended;   /* Mutation.append's list */
    const char *deny_user;   /* object_access denies the User with this id */
    bool log_access;         /* object_access logs "Type via field" */
    bool deny_score;         /* field_access denies Incident.score */
    bool deny_secret;        /* field_access denies User.secret with SCOPE_MISSING */
} s_ctx_t;

static void
s_log(s_ctx_t *c, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(c->log, json_string(buf));
}

/* An incident fixture number k. */
static json_t *
s_incident(int k)
{
    return json_pack("{s:s+,s:s+,s:s,s:s,s:f,s:i,s:s,s:[i,s],s:[i,s,i],s:[[i],[s,i]]}",
                     "id", "i", k % 10 == 0 ? "0" : "1", "title", "Incident ", k % 2 ? "odd" : "even",
                     "status", "OPEN", "urgency", k % 2 ? "HIGH" : "LOW", "score", 1.5, "count", k,
                     "strictTitle", "strict", "items", 1, "y", "nullableItems", 1, "x", 3,
                     "matrix", 1, "z", 3);
}

static int
r_incidents(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
            json_t **results, gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    json_int_t first = json_integer_value(json_object_get(info->args, "first"));
    c->incidents_calls++;
    for (size_t i = 0; i < count; i++) {
        json_t *arr = json_array();
        for (json_int_t k = 0; k < first; k++) {
            json_t *inc = s_incident((int) k);
            char id[32];
            snprintf(id, sizeof id, "i%d", (int) k);
            json_object_set_new(inc, "id", json_string(id));
            json_array_append_new(arr, inc);
        }
        results[i] = arr;
    }
    return 0;
}

static int
r_incident(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
           json_t **results, gql_field_error_t *errors)
{
    const char *id = json_string_value(json_object_get(info->args, "id"));
    for (size_t i = 0; i < count; i++) {
        if (id && strcmp(id, "missing") == 0) {
            gql_field_error_set(&errors[i], "NOT_FOUND", "no incident %s", id);
            continue;
        }
        results[i] = s_incident(1);
        json_object_set_new(results[i], "id", json_string(id ? id : "?"));
        if (id && strcmp(id, "nostrict") == 0)
            json_object_del(results[i], "strictTitle");
    }
    return 0;
}

static int
r_must_have(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
            json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++) {
        results[i] = s_incident(1);
        json_object_del(results[i], "strictTitle");
    }
    return 0;
}

static int
r_teams(const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    c->teams_calls++;
    c->teams_parents += count;
    for (size_t i = 0; i < count; i++) {
        const char *pid = json_string_value(json_object_get(parents[i], "id"));
        s_log(c, "teams(%s)", pid ? pid : "?");
        results[i] = json_pack("[{s:s,s:s},{s:s,s:s}]", "id", "t1", "name", "Red", "id", "t2",
                               "name", "Blue");
    }
    return 0;
}

static int
r_members(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
          json_t **results, gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    c->members_calls++;
    c->members_parents += count;
    for (size_t i = 0; i < count; i++)
        results[i] = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "id", "u1", "name", "Ann",
                               "secret", "s1", "id", "u2", "name", "Bob", "secret", "s2");
    return 0;
}

static int
r_lead(const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
       gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    c->lead_calls++;
    for (size_t i = 0; i < count; i++) {
        const char *tid = json_string_value(json_object_get(parents[i], "id"));
        /* Team t2 has no lead: a non-null field that resolves to null. */
        results[i] = tid && strcmp(tid, "t2") == 0
                         ? json_null()
                         : json_pack("{s:s,s:s}", "id", "u1", "name", "Ann");
    }
    return 0;
}

static int
r_assignee(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
           json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++) {
        json_int_t n = json_integer_value(json_object_get(parents[i], "count"));
        if (n % 2)
            results[i] = json_pack("{s:s,s:s,s:s,s:s}", "__typename", "User", "id", "u1",
                                   "name", "Ann", "secret", "s1");
        else
            results[i] = json_pack("{s:s,s:s,s:s,s:i}", "__typename", "Bot", "id", "b1", "name",
                                   "Botty", "version", 3);
    }
    return 0;
}

static int
r_participants(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
               json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++)
        results[i] = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s,s:i},{s:s,s:s,s:s}]", "__typename",
                               "User", "id", "u1", "name", "Ann", "__typename", "Bot", "id", "b1",
                               "name", "Botty", "version", 2, "__typename", "Team", "id", "t1",
                               "name", "Red");
    return 0;
}

static int
r_echo(const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
       gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++)
        results[i] = json_deep_copy(info->args);
    return 0;
}

static int
r_value(const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
        gql_field_error_t *errors)
{
    /* Query.badX / goodCoercions ...: the value is chosen by field name. */
    const char *name = info->field->name.data;
    size_t len = info->field->name.len;
    for (size_t i = 0; i < count; i++) {
        json_t *v = NULL;
        if (len == 6 && memcmp(name, "badInt", 6) == 0)
            v = json_real(1.5);
        else if (len == 7 && memcmp(name, "badEnum", 7) == 0)
            v = json_string("MEDIUM");
        else if (len == 7 && memcmp(name, "badList", 7) == 0)
            v = json_string("not a list");
        else if (len == 9 && memcmp(name, "badString", 9) == 0)
            v = json_pack("{s:i}", "a", 1);
        else if (len == 7 && memcmp(name, "badBool", 7) == 0)
            v = json_string("yes");
        else if (len == 13 && memcmp(name, "goodCoercions", 13) == 0)
            v = json_pack("[i,b,f]", 12, 1, 2.5);
        else if (len == 9 && memcmp(name, "idFromInt", 9) == 0)
            v = json_integer(42);
        else if (len == 12 && memcmp(name, "floatFromInt", 12) == 0)
            v = json_integer(3);
        else if (len == 11 && memcmp(name, "intFromReal", 11) == 0)
            v = json_real(4.0);
        else if (len == 7 && memcmp(name, "untyped", 7) == 0)
            v = json_pack("{s:s,s:s}", "id", "x", "name", "no typename");
        results[i] = v;
    }
    return 0;
}

static int
r_failing(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
          json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++) {
        gql_field_error_set(&errors[i], "INTERNAL", "backend exploded");
        errors[i].extensions = json_pack("{s:s}", "service", "r5-resource");
    }
    return 0;
}

static int
r_all_fail(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
           json_t **results, gql_field_error_t *errors)
{
    /* Fails as a whole without filling errors: the executor reports INTERNAL. */
    if (count > 0)
        results[0] = json_string("half-written");
    return -1;
}

static int
r_partial(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
          json_t **results, gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++)
        results[i] = json_pack("[i,i]", 1, 2);
    return 0;
}

static int
r_create_incident(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                  json_t **results, gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    json_t *input = json_object_get(info->args, "input");
    const char *title = json_string_value(json_object_get(input, "title"));
    for (size_t i = 0; i < count; i++) {
        json_t *inc = s_incident(1);
        s_log(c, "create(%s)", title ? title : "?");
        json_object_set_new(inc, "id", json_string(title ? title : "?"));
        json_object_set_new(inc, "title", json_string(title ? title : "?"));
        json_object_set(inc, "urgency", json_object_get(input, "urgency"));
        results[i] = json_pack("{s:o}", "incident", inc);
    }
    return 0;
}

static int
r_append(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
         json_t **results, gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    for (size_t i = 0; i < count; i++) {
        json_array_append(c->appended, json_object_get(info->args, "value"));
        s_log(c, "append(%s)", json_string_value(json_object_get(info->args, "value")));
        results[i] = json_deep_copy(c->appended);
    }
    return 0;
}

static int
r_mutation_fail(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                json_t **results, gql_field_error_t *errors)
{
    s_ctx_t *c = info->context;
    s_log(c, "fail");
    for (size_t i = 0; i < count; i++)
        gql_field_error_set(&errors[i], "CONFLICT", "cannot do that");
    return 0;
}

static const gql_resolver_entry_t s_resolvers[] = {
    { "Query.incidents", r_incidents, NULL },
    { "Query.incident", r_incident, NULL },
    { "Query.echo", r_echo, NULL },
    { "Query.mustHave", r_must_have, NULL },
    { "Query.badInt", r_value, NULL },
    { "Query.badEnum", r_value, NULL },
    { "Query.badList", r_value, NULL },
    { "Query.badString", r_value, NULL },
    { "Query.badBool", r_value, NULL },
    { "Query.goodCoercions", r_value, NULL },
    { "Query.idFromInt", r_value, NULL },
    { "Query.floatFromInt", r_value, NULL },
    { "Query.intFromReal", r_value, NULL },
    { "Query.untyped", r_value, NULL },
    { "Query.failing", r_failing, NULL },
    { "Query.allFail", r_all_fail, NULL },
    { "Query.partial", r_partial, NULL },
    { "Incident.teams", r_teams, NULL },
    { "Incident.assignee", r_assignee, NULL },
    { "Incident.participants", r_participants, NULL },
    { "Team.members", r_members, NULL },
    { "Team.lead", r_lead, NULL },
    { "Mutation.createIncident", r_create_incident, NULL },
    { "Mutation.append", r_append, NULL },
    { "Mutation.fail", r_mutation_fail, NULL },
};

/* ---------------------------------------------------------------------------------------
 *  Hooks
 * ------------------------------------------------------------------------------------- */

static int
h_object_access(void *context, const gql_type_t *t, json_t *object, const gql_field_t *via,
                gql_field_error_t *error)
{
    s_ctx_t *c = context;
    const char *id = json_string_value(json_object_get(object, "id"));
    if (c && c->log_access) {
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s via %.*s", (int) t->name.len, t->name.data,
                 (int) via->name.len, via->name.data);
        json_array_append_new(c->log, json_string(buf));
    }
    if (c && c->deny_user && gql_str_eq(t->name, "User") && id && strcmp(id, c->deny_user) == 0) {
        gql_field_error_set(error, "FORBIDDEN", "cannot see user %s", id);
        return -1;
    }
    return 0;
}

static int
h_field_access(void *context, const gql_type_t *parent_type, const gql_field_t *field,
               json_t *parent, gql_field_error_t *error)
{
    s_ctx_t *c = context;
    if (c && c->deny_score && gql_str_eq(parent_type->name, "Incident") &&
        gql_str_eq(field->name, "score")) {
        snprintf(error->message, sizeof error->message, "no score for you");
        return 1; /* no code: FORBIDDEN */
    }
    if (c && c->deny_secret && gql_str_eq(parent_type->name, "User") &&
        gql_str_eq(field->name, "secret")) {
        gql_field_error_set(error, "SCOPE_MISSING", "the token lacks usersRead");
        error->extensions = json_pack("{s:s}", "requiredScope", "usersRead");
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 *  Harness
 * ------------------------------------------------------------------------------------- */

static gql_schema_t *s_schema;
static gql_executor_t *s_ex;

static void
s_ctx_init(s_ctx_t *c)
{
    memset(c, 0, sizeof *c);
    c->log = json_array();
    c->appended = json_array();
}

static void
s_ctx_fini(s_ctx_t *c)
{
    json_decref(c->log);
    json_decref(c->appended);
}

/* Runs `query` with variables (JSON text or NULL) and returns the response. */
static json_t *
s_run_ex(const gql_executor_t *ex, s_ctx_t *c, const char *query, const char *vars,
         const char *opname, bool *request_error)
{
    gql_error_t err;
    gql_document_t *doc = gql_parse(query, strlen(query), NULL, &err);
    json_t *variables = vars ? json_loads(vars, 0, NULL) : NULL;
    json_t *r;
    bool rq = false;
    if (!doc) {
        fprintf(stderr, "parse error %u:%u %s in: %s\n", err.line, err.column, err.message, query);
        json_decref(variables);
        return json_null();
    }
    r = gql_execute(ex, doc, opname, variables, c, &rq);
    if (request_error)
        *request_error = rq;
    json_decref(variables);
    gql_document_destroy(&doc);
    return r ? r : json_null();
}

static json_t *
s_run(s_ctx_t *c, const char *query, const char *vars, const char *opname, bool *request_error)
{
    return s_run_ex(s_ex, c, query, vars, opname, request_error);
}

/* Compares `got` with the JSON text `want` (object key order ignored). */
#define CHECK_JSON(got, want) s_check_json((got), (want), __FILE__, __LINE__)

static void
s_check_json(json_t *got, const char *want, const char *file, int line)
{
    json_error_t jerr;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &jerr);
    if (!r5_test_check(w != NULL, file, line, "expected JSON parses", true)) {
        r5_test_explain("%s", jerr.text);
        return;
    }
    if (!r5_test_check(json_equal(got, w), file, line, "JSON matches", true)) {
        char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
        r5_test_explain("\n  got:  %s\n  want: %s", g ? g : "(null)", want);
        free(g);
    }
    json_decref(w);
}

/* Compares the compact, order-preserving text of `got` with `want` exactly. */
#define CHECK_TEXT(got, want) s_check_text((got), (want), __FILE__, __LINE__)

static void
s_check_text(json_t *got, const char *want, const char *file, int line)
{
    char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!r5_test_check(g && strcmp(g, want) == 0, file, line, "text matches", true))
        r5_test_explain("\n  got:  %s\n  want: %s", g ? g : "(null)", want);
    free(g);
}

/* The n-th error's member `key`. */
static json_t *
s_err(json_t *r, size_t n, const char *key)
{
    return json_object_get(json_array_get(json_object_get(r, "errors"), n), key);
}

static const char *
s_err_code(json_t *r, size_t n)
{
    return json_string_value(json_object_get(s_err(r, n, "extensions"), "code"));
}

static size_t
s_err_count(json_t *r)
{
    return json_array_size(json_object_get(r, "errors"));
}

/* ---------------------------------------------------------------------------------------
 *  Tests
 * ------------------------------------------------------------------------------------- */

/* 50 incidents selecting teams, teams selecting members: one resolver call per level. */
static void
test_batching(void)
{
    s_ctx_t c;
    json_t *r;
    json_t *incidents;
    s_ctx_init(&c);
    r = s_run(&c, "{ incidents(first: 50) { id teams { id members { name } } } }", NULL, NULL,
              NULL);
    incidents = json_object_get(json_object_get(r, "data"), "incidents");
    CHECK_INT(json_array_size(incidents), 50);
    CHECK_INT(c.incidents_calls, 1);
    CHECK_INT(c.teams_calls, 1);
    CHECK_INT(c.teams_parents, 50);
    CHECK_INT(c.members_calls, 1);
    CHECK_INT(c.members_parents, 100);
    CHECK(s_err_count(r) == 0);
    CHECK_JSON(json_array_get(incidents, 49),
               "{\"id\":\"i49\",\"teams\":[{\"id\":\"t1\",\"members\":[{\"name\":\"Ann\"},"
               "{\"name\":\"Bob\"}]},{\"id\":\"t2\",\"members\":[{\"name\":\"Ann\"},"
               "{\"name\":\"Bob\"}]}]}");
    json_decref(r);
    s_ctx_fini(&c);

    /* Different arguments are different batches; the same arguments (written differently
       or through a variable) are one. */
    s_ctx_init(&c);
    r = s_run(&c,
              "query($n: Int) { incidents(first: 3) { a: teams(first: 1) { id } "
              "b: teams(first: 2) { id } c: teams(first: $n) { name } d: teams { id } } }",
              "{\"n\": 1}", NULL, NULL);
    CHECK_INT(c.teams_calls, 3);
    CHECK_INT(c.teams_parents, 12);
    CHECK(s_err_count(r) == 0);
    json_decref(r);
    s_ctx_fini(&c);
}

/* Response keys in document order; same-key fields merged; aliases. */
static void
test_order_and_merging(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c,
              "{ incident(id: \"7\") { title id t: title ... on Incident { id status } "
              "...F teams { id } teams { name } } }\n"
              "fragment F on Node { id __typename }",
              NULL, NULL, NULL);
    CHECK_TEXT(r, "{\"data\":{\"incident\":{\"title\":\"Incident odd\",\"id\":\"7\",\"t\":"
                  "\"Incident odd\",\"status\":\"OPEN\",\"__typename\":\"Incident\",\"teams\":"
                  "[{\"id\":\"t1\",\"name\":\"Red\"},{\"id\":\"t2\",\"name\":\"Blue\"}]}}}");
    CHECK_INT(c.teams_calls, 1);
    json_decref(r);

    /* An error in a merged field names every occurrence. */
    r = s_run(&c, "{ incident(id: \"nostrict\") { strictTitle\n ... on Incident { strictTitle } } }",
              NULL, NULL, NULL);
    CHECK_JSON(s_err(r, 0, "locations"), "[{\"line\":1,\"column\":30},{\"line\":2,\"column\":20}]");
    json_decref(r);
    s_ctx_fini(&c);
}

/* Null propagation through non-null fields and list items, with paths and locations. */
static void
test_null_propagation(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);

    /* A non-null field resolving to null nulls its nullable parent. */
    r = s_run(&c, "{ incident(id: \"nostrict\") { id strictTitle } other: incident(id: \"x\") { id } }",
              NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "{\"incident\":null,\"other\":{\"id\":\"x\"}}");
    CHECK_INT(s_err_count(r), 1);
    CHECK_JSON(s_err(r, 0, "path"), "[\"incident\",\"strictTitle\"]");
    CHECK_JSON(s_err(r, 0, "locations"), "[{\"line\":1,\"column\":33}]");
    json_decref(r);

    /* ... up to the root when every field on the way is non-null. */
    r = s_run(&c, "{ incident(id: \"x\") { id } mustHave { id strictTitle } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "null");
    CHECK_INT(s_err_count(r), 1);
    CHECK_JSON(s_err(r, 0, "path"), "[\"mustHave\",\"strictTitle\"]");
    json_decref(r);

    /* List items: a nullable item becomes null; a non-null item nulls the list. */
    r = s_run(&c, "{ incident(id: \"x\") { nullableItems items matrix } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"incident\":{\"nullableItems\":[1,null,3],\"items\":null,\"matrix\":[[1],null]}}");
    CHECK_INT(s_err_count(r), 3);
    CHECK_JSON(s_err(r, 0, "path"), "[\"incident\",\"nullableItems\",1]");
    CHECK_JSON(s_err(r, 1, "path"), "[\"incident\",\"items\",1]");
    CHECK_JSON(s_err(r, 2, "path"), "[\"incident\",\"matrix\",1,0]");
    CHECK_STR(s_err_code(r, 0), "INTERNAL");
    json_decref(r);

    /* Deep: Team.lead (User!) null for team t2 -> t2 (Team!) -> teams ([Team!]!) ->
       the incident (Incident! inside [Incident!]!) -> incidents (non-null) -> data. */
    r = s_run(&c, "{ incidents(first: 2) { id teams { id lead { id } } } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "null");
    CHECK(s_err_count(r) >= 1);
    CHECK_JSON(s_err(r, 0, "path"), "[\"incidents\",0,\"teams\",1,\"lead\"]");
    CHECK_INT(c.lead_calls, 1);
    json_decref(r);

    /* The same below a nullable field stops there. */
    r = s_run(&c, "{ incident(id: \"a\") { id teams { lead { name } } } x: incident(id: \"b\") { id } }",
              NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "{\"incident\":null,\"x\":{\"id\":\"b\"}}");
    CHECK_JSON(s_err(r, 0, "path"), "[\"incident\",\"teams\",1,\"lead\"]");
    json_decref(r);
    s_ctx_fini(&c);
}

/* Resolver errors: per parent, with code, extensions; whole-batch failure. */
static void
test_resolver_errors(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c, "{ a: incident(id: \"missing\") { id } failing allFail partial }", NULL, NULL,
              NULL);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"a\":null,\"failing\":null,\"allFail\":null,\"partial\":[1,2]}");
    CHECK_INT(s_err_count(r), 3);
    CHECK_JSON(json_array_get(json_object_get(r, "errors"), 0),
               "{\"message\":\"no incident missing\",\"locations\":[{\"line\":1,\"column\":3}],"
               "\"path\":[\"a\"],\"extensions\":{\"code\":\"NOT_FOUND\"}}");
    CHECK_JSON(s_err(r, 1, "extensions"), "{\"code\":\"INTERNAL\",\"service\":\"r5-resource\"}");
    CHECK_STR(s_err_code(r, 2), "INTERNAL");
    CHECK_JSON(s_err(r, 2, "path"), "[\"allFail\"]");
    json_decref(r);
    s_ctx_fini(&c);
}

/* Leaf values are checked on output. */
static void
test_leaf_serialization(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c,
              "{ badInt badEnum badList badString badBool goodCoercions idFromInt floatFromInt "
              "intFromReal incident(id: \"1\") { status urgency score count } }",
              NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"badInt\":null,\"badEnum\":null,\"badList\":null,\"badString\":null,"
               "\"badBool\":null,\"goodCoercions\":[\"12\",\"true\",\"2.5\"],\"idFromInt\":\"42\","
               "\"floatFromInt\":3,\"intFromReal\":4,\"incident\":{\"status\":\"OPEN\","
               "\"urgency\":\"HIGH\",\"score\":1.5,\"count\":1}}");
    CHECK_INT(s_err_count(r), 5);
    CHECK_JSON(s_err(r, 0, "path"), "[\"badInt\"]");
    CHECK_JSON(s_err(r, 4, "path"), "[\"badBool\"]");
    json_decref(r);
    s_ctx_fini(&c);
}

/* Fragments on abstract types, __typename, the resolve by "__typename". */
static void
test_abstract_types(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c,
              "{ incidents(first: 2) { assignee { __typename id ... on User { secret } "
              "... on Bot { version } ...A } participants { __typename ... on Node { id } "
              "...P ... on Team { name } } } }\n"
              "fragment A on Actor { name }\n"
              "fragment P on Participant { ... on Bot { name } }",
              NULL, NULL, NULL);
    CHECK_TEXT(json_object_get(r, "data"),
               "{\"incidents\":[{\"assignee\":{\"__typename\":\"Bot\",\"id\":\"b1\",\"version\":3,"
               "\"name\":\"Botty\"},\"participants\":[{\"__typename\":\"User\",\"id\":\"u1\"},"
               "{\"__typename\":\"Bot\",\"id\":\"b1\",\"name\":\"Botty\"},{\"__typename\":\"Team\","
               "\"id\":\"t1\",\"name\":\"Red\"}]},{\"assignee\":{\"__typename\":\"User\","
               "\"id\":\"u1\",\"secret\":\"s1\",\"name\":\"Ann\"},\"participants\":[{\"__typename\":"
               "\"User\",\"id\":\"u1\"},{\"__typename\":\"Bot\",\"id\":\"b1\",\"name\":\"Botty\"},"
               "{\"__typename\":\"Team\",\"id\":\"t1\",\"name\":\"Red\"}]}]}");
    CHECK_INT(s_err_count(r), 0);
    json_decref(r);

    /* An abstract value without a usable __typename is a field error. */
    r = s_run(&c, "{ untyped { id } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "{\"untyped\":null}");
    CHECK_STR(s_err_code(r, 0), "INTERNAL");
    json_decref(r);
    s_ctx_fini(&c);
}

/* The resolve_type hook answers before "__typename" is read. */
static const gql_type_t *
h_resolve_type(void *context, const gql_type_t *abstract_type, json_t *object)
{
    const char *kind = json_string_value(json_object_get(object, "kind"));
    if (kind && strcmp(kind, "robot") == 0)
        return gql_schema_type(s_schema, "Bot", 3);
    return NULL;
}

static int
r_untyped_with_kind(const gql_resolve_info_t *info, json_t *const *parents, size_t count,
                    json_t **results, gql_field_error_t *errors)
{
    /* The selection of the field is there for look-ahead. */
    if (!info->selection || !info->selection->selection_set || !info->document)
        return gql_field_error_set(&errors[0], "INTERNAL", "no look-ahead");
    for (size_t i = 0; i < count; i++)
        results[i] = json_pack("{s:s,s:s,s:s,s:i}", "kind", "robot", "id", "r2", "name", "R2",
                               "version", 2);
    return 0;
}

static int
r_data(const gql_resolve_info_t *info, json_t *const *parents, size_t count, json_t **results,
       gql_field_error_t *errors)
{
    for (size_t i = 0; i < count; i++)
        results[i] = info->data ? json_string(info->data) : json_null();
    return 0;
}

/* One resolver function serves several fields, each told apart by its entry's data. */
static void
test_resolver_data(void)
{
    s_ctx_t c;
    json_t *r;
    gql_resolver_entry_t table[] = { { "Query.badString", r_data, "first row" },
                                      { "Query.failing", r_data, "second row" },
                                      { "Query.badEnum", r_data, NULL } };
    gql_executor_t *ex = gql_executor_new(s_schema, table, 3, NULL, NULL, NULL, 0);
    CHECK(ex != NULL);
    s_ctx_init(&c);
    r = s_run_ex(ex, &c, "{ failing badString badEnum }", NULL, NULL, NULL);
    CHECK_JSON(r, "{\"data\":{\"failing\":\"second row\",\"badString\":\"first row\","
                  "\"badEnum\":null}}");
    json_decref(r);
    s_ctx_fini(&c);
    gql_executor_destroy(&ex);
}

static void
test_resolve_type_hook(void)
{
    s_ctx_t c;
    json_t *r;
    gql_exec_hooks_t hooks = { NULL, NULL, h_resolve_type };
    gql_resolver_entry_t table[] = { { "Query.untyped", r_untyped_with_kind, NULL } };
    gql_executor_t *ex = gql_executor_new(s_schema, table, 1, &hooks, NULL, NULL, 0);
    CHECK(ex != NULL);
    s_ctx_init(&c);
    r = s_run_ex(ex, &c, "{ untyped { __typename name ... on Bot { version } } }", NULL, NULL,
                 NULL);
    CHECK_JSON(r, "{\"data\":{\"untyped\":{\"__typename\":\"Bot\",\"name\":\"R2\","
                  "\"version\":2}}}");
    json_decref(r);
    s_ctx_fini(&c);
    gql_executor_destroy(&ex);
}

/* @skip and @include, literal and through variables, on fields and fragments. */
static void
test_skip_include(void)
{
    s_ctx_t c;
    json_t *r;
    const char *q = "query($yes: Boolean!, $no: Boolean = false) { incident(id: \"1\") {"
                    " id @skip(if: $yes) title @include(if: $yes) status @include(if: $no)"
                    " ... on Incident @skip(if: $no) { count } ...F @include(if: false)"
                    " urgency @skip(if: false) @include(if: $yes) } }\n"
                    "fragment F on Incident { score }";
    s_ctx_init(&c);
    r = s_run(&c, q, "{\"yes\": true}", NULL, NULL);
    CHECK_TEXT(json_object_get(r, "data"),
               "{\"incident\":{\"title\":\"Incident odd\",\"count\":1,\"urgency\":\"HIGH\"}}");
    json_decref(r);
    r = s_run(&c, q, "{\"yes\": false, \"no\": true}", NULL, NULL);
    CHECK_TEXT(json_object_get(r, "data"), "{\"incident\":{\"id\":\"1\",\"status\":\"OPEN\"}}");
    json_decref(r);
    s_ctx_fini(&c);
}

/* CoerceVariableValues: request errors with no data; defaults; list wrapping. */
static void
test_variables(void)
{
    s_ctx_t c;
    json_t *r;
    bool rq = false;
    const char *q = "query($n: Int!, $f: IncidentFilter, $u: [Urgency!]) "
                    "{ echo(i: $n, filter: $f, l: $n, e: HIGH) x: echo(filter: {urgency: $u}) }";
    s_ctx_init(&c);

    r = s_run(&c, q, "{}", NULL, &rq);
    CHECK(rq);
    CHECK(json_object_get(r, "data") == NULL);
    CHECK_INT(s_err_count(r), 1);
    CHECK_STR(s_err_code(r, 0), "BAD_USER_INPUT");
    CHECK_JSON(s_err(r, 0, "locations"), "[{\"line\":1,\"column\":7}]");
    json_decref(r);

    r = s_run(&c, q, "{\"n\": 2147483648}", NULL, &rq);
    CHECK(rq);
    CHECK_INT(s_err_count(r), 1);
    json_decref(r);

    r = s_run(&c, q, "{\"n\": \"3\", \"f\": {\"bogus\": 1}, \"u\": [\"HIGH\", \"MEDIUM\"]}", NULL,
              &rq);
    CHECK(rq);
    CHECK_INT(s_err_count(r), 3);
    json_decref(r);

    r = s_run(&c, q, "{\"n\": null}", NULL, &rq);
    CHECK(rq);
    json_decref(r);

    r = s_run(&c, q, "[1]", NULL, &rq);
    CHECK(rq);
    json_decref(r);

    /* Valid: an integral float for Int, a single enum for a list, defaults in the input. */
    r = s_run(&c, q, "{\"n\": 3.0, \"f\": {\"urgency\": \"LOW\", \"teamIds\": 5}, \"u\": \"LOW\"}",
              NULL, &rq);
    CHECK(!rq);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"echo\":{\"i\":3,\"l\":[3],\"e\":\"HIGH\",\"req\":7,\"filter\":{\"urgency\":"
               "[\"LOW\"],\"teamIds\":[\"5\"],\"first\":25}},\"x\":{\"req\":7,\"filter\":"
               "{\"urgency\":[\"LOW\"],\"first\":25}}}");
    json_decref(r);
    s_ctx_fini(&c);
}

/* A @oneOf input object's value, as graphql-js 16.9 coerces it: from variables, exactly one
   field and not null (a request error naming the place); from a literal, a field whose
   variable was not provided leaves no field, and the argument is a field error. */
static void
test_one_of(void)
{
    s_ctx_t c;
    json_t *r;
    bool rq = false;
    const char *q = "query($b: By) { echo(by: $b) }";
    s_ctx_init(&c);

    r = s_run(&c, q, "{\"b\": {\"name\": \"x\"}}", NULL, &rq);
    CHECK(!rq);
    CHECK_JSON(json_object_get(r, "data"), "{\"echo\":{\"by\":{\"name\":\"x\"},\"req\":7}}");
    json_decref(r);

    r = s_run(&c, q, "{\"b\": {\"id\": \"1\", \"name\": \"x\"}}", NULL, &rq);
    CHECK(rq);
    CHECK_INT(s_err_count(r), 1);
    CHECK_STR(s_err_code(r, 0), "BAD_USER_INPUT");
    CHECK(strstr(json_string_value(s_err(r, 0, "message")),
                 "exactly one key must be specified for OneOf type \"By\"") != NULL);
    json_decref(r);

    r = s_run(&c, q, "{\"b\": {}}", NULL, &rq);
    CHECK(rq);
    CHECK_INT(s_err_count(r), 1);
    json_decref(r);

    r = s_run(&c, q, "{\"b\": {\"id\": null}}", NULL, &rq);
    CHECK(rq);
    CHECK_INT(s_err_count(r), 1);
    CHECK(strstr(json_string_value(s_err(r, 0, "message")), "at \"b.id\": field \"id\" must be non-null")
          != NULL);
    json_decref(r);

    /* A literal: one field is a value; a field whose variable is absent is none. */
    r = s_run(&c, "query($i: ID!) { a: echo(by: {id: 4}) b: echo(by: {id: $i}) }", "{\"i\": \"5\"}",
              NULL, &rq);
    CHECK(!rq);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"a\":{\"by\":{\"id\":\"4\"},\"req\":7},\"b\":{\"by\":{\"id\":\"5\"},\"req\":7}}");
    json_decref(r);
    r = s_run(&c, "query($i: ID) { echo(by: {id: $i}) }", "{}", NULL, &rq);
    CHECK(!rq);
    CHECK_JSON(json_object_get(r, "data"), "{\"echo\":null}");
    CHECK_INT(s_err_count(r), 1);
    CHECK_STR(s_err_code(r, 0), "BAD_USER_INPUT");
    json_decref(r);
    s_ctx_fini(&c);
}

/* CoerceArgumentValues with literals: every scalar, lists, enums, input objects, nulls,
   absent variables, and invalid literals as field errors. */
static void
test_arguments(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c,
              "query($absent: Int, $nul: Int) { a: echo(i: -12, f: 3, s: \"x\\u00e9\", b: true, "
              "id: 12, e: LOW, l: 4, j: {k: [1, \"v\", null]}, filter: {status: OPEN, "
              "urgency: HIGH, teamIds: [\"t\", 9]}) b: echo(i: $absent, f: $nul, s: null, "
              "req: 1) c: echo(i: 2147483648) d: echo(id: 1.5) e: echo(e: \"LOW\") "
              "f: echo(filter: {first: null}) g: echo(req: null) }",
              "{\"nul\": null}", NULL, NULL);
    CHECK_JSON(json_object_get(json_object_get(r, "data"), "a"),
               "{\"i\":-12,\"f\":3.0,\"s\":\"x\\u00e9\",\"b\":true,\"id\":\"12\",\"e\":\"LOW\","
               "\"l\":[4],\"j\":{\"k\":[1,\"v\",null]},\"filter\":{\"status\":\"OPEN\","
               "\"urgency\":[\"HIGH\"],\"teamIds\":[\"t\",\"9\"],\"first\":25},\"req\":7}");
    CHECK_JSON(json_object_get(json_object_get(r, "data"), "b"),
               "{\"f\":null,\"s\":null,\"req\":1}");
    CHECK_JSON(json_object_get(json_object_get(r, "data"), "f"),
               "{\"filter\":{\"first\":null},\"req\":7}");
    CHECK_JSON(json_object_get(json_object_get(r, "data"), "c"), "null");
    CHECK_INT(s_err_count(r), 4);
    for (size_t i = 0; i < 4; i++)
        CHECK_STR(s_err_code(r, i), "BAD_USER_INPUT");
    CHECK_JSON(s_err(r, 0, "path"), "[\"c\"]");
    CHECK_JSON(s_err(r, 3, "path"), "[\"g\"]");
    json_decref(r);
    s_ctx_fini(&c);
}

/* Mutation root fields run serially, each through all its levels. */
static void
test_serial_mutations(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    r = s_run(&c,
              "mutation { a: createIncident(input: {title: \"A\"}) { incident { id urgency "
              "teams { id } } } one: append(value: \"1\") f: fail "
              "b: createIncident(input: {title: \"B\", urgency: LOW}) { incident { id urgency "
              "teams { name } } } two: append(value: \"2\") }",
              NULL, NULL, NULL);
    CHECK_JSON(c.log, "[\"create(A)\",\"teams(A)\",\"append(1)\",\"fail\",\"create(B)\","
                      "\"teams(B)\",\"append(2)\"]");
    CHECK_TEXT(json_object_get(r, "data"),
               "{\"a\":{\"incident\":{\"id\":\"A\",\"urgency\":\"HIGH\",\"teams\":[{\"id\":\"t1\"},"
               "{\"id\":\"t2\"}]}},\"one\":[\"1\"],\"f\":null,\"b\":{\"incident\":{\"id\":\"B\","
               "\"urgency\":\"LOW\",\"teams\":[{\"name\":\"Red\"},{\"name\":\"Blue\"}]}},"
               "\"two\":[\"1\",\"2\"]}");
    CHECK_INT(s_err_count(r), 1);
    CHECK_STR(s_err_code(r, 0), "CONFLICT");
    CHECK_JSON(s_err(r, 0, "path"), "[\"f\"]");
    json_decref(r);

    /* A missing required argument of a mutation: a field error, nothing written. */
    json_array_clear(c.log);
    r = s_run(&c, "mutation { append }", NULL, NULL, NULL);
    CHECK_JSON(c.log, "[]");
    CHECK_JSON(json_object_get(r, "data"), "null");
    CHECK_STR(s_err_code(r, 0), "BAD_USER_INPUT");
    json_decref(r);
    s_ctx_fini(&c);
}

/* The access hooks: null + error at the right path, then ordinary null propagation. */
static void
test_access_hooks(void)
{
    s_ctx_t c;
    json_t *r;
    s_ctx_init(&c);
    c.deny_user = "u2";
    c.deny_score = true;
    c.deny_secret = true;
    r = s_run(&c,
              "{ incidents(first: 2) { score teams { id members { id } } assignee { "
              "... on User { id secret } } } }",
              NULL, NULL, NULL);
    /* members is [User!]: the denied u2 (non-null item) nulls the members list. */
    CHECK_JSON(json_object_get(r, "data"),
               "{\"incidents\":[{\"score\":null,\"teams\":[{\"id\":\"t1\",\"members\":null},"
               "{\"id\":\"t2\",\"members\":null}],\"assignee\":{}},{\"score\":null,\"teams\":"
               "[{\"id\":\"t1\",\"members\":null},{\"id\":\"t2\",\"members\":null}],"
               "\"assignee\":{\"id\":\"u1\",\"secret\":null}}]}");
    CHECK_INT(s_err_count(r), 7);
    CHECK_STR(s_err_code(r, 0), "FORBIDDEN");
    CHECK_JSON(s_err(r, 0, "path"), "[\"incidents\",0,\"score\"]");
    CHECK_JSON(s_err(r, 0, "message"), "\"no score for you\"");
    /* The level after: members items, by index (Team.members is the level's first
       batch), then User.secret. */
    CHECK_JSON(s_err(r, 2, "path"), "[\"incidents\",0,\"teams\",0,\"members\",1]");
    CHECK_JSON(s_err(r, 2, "extensions"), "{\"code\":\"FORBIDDEN\"}");
    CHECK_JSON(s_err(r, 5, "path"), "[\"incidents\",1,\"teams\",1,\"members\",1]");
    CHECK_JSON(s_err(r, 6, "path"), "[\"incidents\",1,\"assignee\",\"secret\"]");
    CHECK_JSON(s_err(r, 6, "extensions"),
               "{\"code\":\"SCOPE_MISSING\",\"requiredScope\":\"usersRead\"}");
    json_decref(r);

    /* The hook sees the concrete type and the field that produced the object, once per
       object, never for the root value or introspection objects. */
    c.deny_user = NULL;
    c.deny_score = false;
    c.deny_secret = false;
    c.log_access = true;
    json_array_clear(c.log);
    r = s_run(&c, "{ incidents(first: 2) { assignee { id } } __schema { queryType { name } } }",
              NULL, NULL, NULL);
    CHECK_JSON(c.log, "[\"Incident via incidents\",\"Incident via incidents\","
                      "\"Bot via assignee\",\"User via assignee\"]");
    CHECK_INT(s_err_count(r), 0);
    json_decref(r);
    c.log_access = false;
    c.deny_score = true;

    /* A nullable object denied: only that object is null. */
    c.deny_user = "u1";
    r = s_run(&c, "{ incidents(first: 2) { assignee { id } } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"incidents\":[{\"assignee\":{\"id\":\"b1\"}},{\"assignee\":null}]}");
    CHECK_JSON(s_err(r, 0, "path"), "[\"incidents\",1,\"assignee\"]");
    CHECK_JSON(s_err(r, 0, "message"), "\"cannot see user u1\"");
    json_decref(r);
    s_ctx_fini(&c);
}

/* GetOperation: by name, missing, ambiguous; subscriptions refused. */
static void
test_operation_selection(void)
{
    s_ctx_t c;
    json_t *r;
    bool rq = false;
    const char *two = "query A { incident(id: \"a\") { id } } query B { incident(id: \"b\") { id } }";
    s_ctx_init(&c);
    r = s_run(&c, two, NULL, "B", &rq);
    CHECK(!rq);
    CHECK_JSON(json_object_get(r, "data"), "{\"incident\":{\"id\":\"b\"}}");
    json_decref(r);
    r = s_run(&c, two, NULL, NULL, &rq);
    CHECK(rq);
    CHECK(json_object_get(r, "data") == NULL);
    CHECK_STR(s_err_code(r, 0), "BAD_USER_INPUT");
    json_decref(r);
    r = s_run(&c, two, NULL, "C", &rq);
    CHECK(rq);
    json_decref(r);
    r = s_run(&c, "subscription S { x }", NULL, NULL, &rq);
    CHECK(rq);
    json_decref(r);
    s_ctx_fini(&c);
}

/* Introspection switched off: __schema/__type refused, __typename kept. */
static void
test_introspection_switch(void)
{
    s_ctx_t c;
    json_t *r;
    gql_exec_options_t opts = { .disable_introspection = true };
    char err[128];
    gql_executor_t *ex = gql_executor_new(s_schema, s_resolvers,
                                          sizeof s_resolvers / sizeof *s_resolvers, NULL, &opts,
                                          err, sizeof err);
    CHECK(ex != NULL);
    s_ctx_init(&c);
    r = s_run_ex(ex, &c, "{ __typename t: __type(name: \"Team\") { name } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "{\"__typename\":\"Query\",\"t\":null}");
    CHECK_STR(s_err_code(r, 0), "INTROSPECTION_DISABLED");
    json_decref(r);
    r = s_run_ex(ex, &c, "{ __schema { queryType { name } } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"), "null");
    json_decref(r);
    /* On the ordinary executor it answers. */
    r = s_run(&c, "{ __type(name: \"Team\") { name fields { name } } }", NULL, NULL, NULL);
    CHECK_JSON(json_object_get(r, "data"),
               "{\"__type\":{\"name\":\"Team\",\"fields\":[{\"name\":\"id\"},{\"name\":\"name\"},"
               "{\"name\":\"members\"},{\"name\":\"lead\"}]}}");
    json_decref(r);
    s_ctx_fini(&c);
    gql_executor_destroy(&ex);
    CHECK(ex == NULL);

    /* A resolver table naming no field is refused. */
    {
        gql_resolver_entry_t bad[] = { { "Team.nope", r_echo, NULL } };
        CHECK(gql_executor_new(s_schema, bad, 1, NULL, NULL, err, sizeof err) == NULL);
        CHECK(strstr(err, "Team.nope") != NULL);
    }
}

/* The error cap: max_errors kept, the last place says how many were dropped. */
static void
test_error_cap(void)
{
    s_ctx_t c;
    json_t *r;
    gql_exec_options_t opts = { .max_errors = 5 };
    gql_executor_t *ex = gql_executor_new(s_schema, s_resolvers,
                                          sizeof s_resolvers / sizeof *s_resolvers, NULL, &opts,
                                          NULL, 0);
    CHECK(ex != NULL);
    s_ctx_init(&c);
    r = s_run_ex(ex, &c, "{ incidents(first: 20) { nullableItems } }", NULL, NULL, NULL);
    CHECK_INT(s_err_count(r), 5);
    CHECK_JSON(s_err(r, 3, "path"), "[\"incidents\",3,\"nullableItems\",1]");
    CHECK_JSON(s_err(r, 4, "message"), "\"too many errors: 16 more were dropped\"");
    json_decref(r);
    s_ctx_fini(&c);
    gql_executor_destroy(&ex);
}

/* Many threads on one executor. */
typedef struct {
    int ok;
} s_thread_arg_t;

static void *
s_thread(void *arg)
{
    s_thread_arg_t *a = arg;
    for (int i = 0; i < 20; i++) {
        s_ctx_t c;
        json_t *r;
        s_ctx_init(&c);
        r = s_run(&c,
                  "{ incidents(first: 5) { id teams { members { name } } } __schema { types { name } } }",
                  NULL, NULL, NULL);
        if (json_array_size(json_object_get(json_object_get(r, "data"), "incidents")) == 5 &&
            c.members_calls == 1)
            a->ok++;
        json_decref(r);
        s_ctx_fini(&c);
    }
    return NULL;
}

static void
test_threads(void)
{
    pthread_t th[4];
    s_thread_arg_t args[4];
    memset(args, 0, sizeof args);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, s_thread, &args[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(args[i].ok, 20);
    }
}

/* jansson's allocator while test_out_of_memory runs: the allocation after
   s_allocs_left more fails; -1 never fails. */
static long s_allocs_left = -1;

static void *
s_failing_malloc(size_t size)
{
    if (s_allocs_left == 0)
        return NULL;
    if (s_allocs_left > 0)
        s_allocs_left--;
    return malloc(size);
}

/* Running out of memory is answered as out of memory: with each allocation of the
   request failing in turn, gql_execute returns NULL or a response, and a response never
   reports the failure as the client's (BAD_USER_INPUT) or as an "out of memory" error. */
static void
test_out_of_memory(void)
{
    const char *q = "query($n: Int!, $f: IncidentFilter, $u: [Urgency!], $s: [String]) "
                    "{ echo(i: $n, filter: $f, l: $n, e: HIGH) x: echo(filter: {urgency: $u}) "
                    "y: echo(s: \"text\", l: [1, 2], j: {a: [1, {b: null}]}) z: echo(req: 3) }";
    const char *vars = "{\"n\": 3.0, \"f\": {\"urgency\": \"LOW\", \"teamIds\": 5}, \"u\": \"LOW\", "
                       "\"s\": [\"a\", \"b\"]}";
    gql_error_t err;
    gql_document_t *doc = gql_parse(q, strlen(q), NULL, &err);
    json_t *variables = json_loads(vars, 0, NULL);
    s_ctx_t c;
    long failed = 0;
    bool reached_end = false;
    CHECK(doc && variables);
    if (!doc || !variables) {
        json_decref(variables);
        gql_document_destroy(&doc);
        return;
    }
    s_ctx_init(&c);
    json_set_alloc_funcs(s_failing_malloc, free);
    for (long n = 0; n < 100000 && !reached_end; n++) {
        s_allocs_left = n;
        bool rq = false;
        json_t *r = gql_execute(s_ex, doc, NULL, variables, &c, &rq);
        reached_end = s_allocs_left > 0;
        s_allocs_left = -1;
        if (!r) {
            failed++;
            continue;
        }
        CHECK(!rq);
        for (size_t i = 0; i < s_err_count(r); i++) {
            const char *code = s_err_code(r, i);
            const char *message = json_string_value(s_err(r, i, "message"));
            CHECK(!code || strcmp(code, "BAD_USER_INPUT") != 0);
            CHECK(!message || !strstr(message, "out of memory"));
        }
        json_decref(r);
    }
    json_set_alloc_funcs(malloc, free);
    CHECK(reached_end);
    CHECK(failed > 0);
    s_ctx_fini(&c);
    json_decref(variables);
    gql_document_destroy(&doc);

    /* Building an executor (its introspection objects) likewise: NULL with "out of
       memory", or an executor. A small schema with every kind of type keeps this quick. */
    static const char small[] = "interface Node { id: ID! }\n"
                                "type Thing implements Node { id: ID! old: Int @deprecated(reason: \"no\") }\n"
                                "union Any = Thing\n"
                                "enum Color { RED GREEN @deprecated }\n"
                                "input Filter { color: Color = RED ids: [ID!] }\n"
                                "type Query { things(filter: Filter, first: Int = 10): [Any!]! node(id: ID!): Node }\n";
    gql_error_t serr;
    gql_schema_t *schema = gql_schema_new_from_sdl(small, sizeof small - 1, &serr);
    CHECK(schema != NULL);
    if (!schema)
        return;
    reached_end = false;
    failed = 0;
    json_set_alloc_funcs(s_failing_malloc, free);
    for (long n = 0; n < 100000 && !reached_end; n++) {
        char msg[200] = "";
        s_allocs_left = n;
        gql_executor_t *ex = gql_executor_new(schema, NULL, 0, NULL, NULL, msg, sizeof msg);
        reached_end = s_allocs_left > 0;
        s_allocs_left = -1;
        CHECK(ex || strcmp(msg, "out of memory") == 0);
        failed += !ex;
        gql_executor_destroy(&ex);
    }
    json_set_alloc_funcs(malloc, free);
    CHECK(reached_end);
    CHECK(failed > 0);
    gql_schema_destroy(&schema);
}

int
main(void)
{
    gql_error_t err;
    char msg[200];
    gql_exec_hooks_t hooks = { h_field_access, h_object_access, NULL };

    s_schema = gql_schema_new_from_sdl(s_sdl, sizeof s_sdl - 1, &err);
    if (!s_schema) {
        fprintf(stderr, "schema: %u:%u %s (%s)\n", err.line, err.column, err.message, err.detail);
        return 1;
    }
    s_ex = gql_executor_new(s_schema, s_resolvers, sizeof s_resolvers / sizeof *s_resolvers,
                            &hooks, NULL, msg, sizeof msg);
    if (!s_ex) {
        fprintf(stderr, "executor: %s\n", msg);
        return 1;
    }
    R5_TEST_RUN(test_batching);
    R5_TEST_RUN(test_order_and_merging);
    R5_TEST_RUN(test_null_propagation);
    R5_TEST_RUN(test_resolver_errors);
    R5_TEST_RUN(test_leaf_serialization);
    R5_TEST_RUN(test_abstract_types);
    R5_TEST_RUN(test_resolve_type_hook);
    R5_TEST_RUN(test_resolver_data);
    R5_TEST_RUN(test_skip_include);
    R5_TEST_RUN(test_variables);
    R5_TEST_RUN(test_one_of);
    R5_TEST_RUN(test_arguments);
    R5_TEST_RUN(test_serial_mutations);
    R5_TEST_RUN(test_access_hooks);
    R5_TEST_RUN(test_operation_selection);
    R5_TEST_RUN(test_introspection_switch);
    R5_TEST_RUN(test_error_cap);
    R5_TEST_RUN(test_threads);
    R5_TEST_RUN(test_out_of_memory);
    gql_executor_destroy(&s_ex);
    gql_schema_destroy(&s_schema);
    return r5_test_report("test_gql_execute");
}
