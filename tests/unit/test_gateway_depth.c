/*  test_gateway_depth: the deepest documents a client can send go through
    parse, validation, variable coercion and execution on a thread with a
    gateway worker's stack (GATEWAY_WORKER_STACK_BYTES), against the real
    schema, without overflowing it; deeper ones are refused as too deep. */
#include "r5_test.h"
#include "gateway_json.h"
#include "gateway_stack.h"
#include "gql.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

typedef struct {
    const gql_schema_t *schema;
    const char *query;
    const char *variables;          //  JSON or NULL
    gql_error_code_t parse_code;    //  what the parse answered
    int valid;                      //  gql_validate's answer (-2: not run)
    bool executed;
} s_case_t;

//  Parse with the gateway's limits, validate, execute: what a request does.
static void
s_run (void *arg)
{
    s_case_t *c = (s_case_t *) arg;
    c->valid = -2;
    gql_limits_t limits;
    gql_limits_default (&limits);
    gql_error_t error;
    gql_document_t *document = gql_parse (c->query, strlen (c->query), &limits, &error);
    c->parse_code = document ? GQL_OK : error.code;
    if (!document)
        return;
    gql_validation_error_t *errors = NULL;
    size_t count = 0;
    c->valid = gql_validate (c->schema, document, &errors, &count);
    gql_validation_errors_free (&errors);
    if (c->valid == 0) {
        const char *problem = NULL;
        json_t *variables = c->variables ? gateway_json_parse (c->variables, strlen (c->variables),
                                                               GATEWAY_JSON_DEFAULT_MAX_DEPTH, &problem) : NULL;
        char text [256] = "";
        gql_executor_t *executor = gql_executor_new (c->schema, NULL, 0, NULL, NULL, text, sizeof text);
        bool request_error = false;
        json_t *response = executor ? gql_execute (executor, document, NULL, variables, NULL, &request_error) : NULL;
        c->executed = response != NULL;
        json_decref (response);
        json_decref (variables);
        gql_executor_destroy (&executor);
    }
    gql_document_destroy (&document);
}

static void *
s_thread (void *arg)
{
    s_run (arg);
    return NULL;
}

//  s_run on a thread with half a worker's stack: the room to spare.
static int
s_run_on_half_stack (s_case_t *c)
{
    pthread_attr_t attr;
    pthread_t thread;
    //  An explicit stack: the gateway raises any smaller stack *size* to a worker's.
    size_t size = GATEWAY_WORKER_STACK_BYTES / 2;
    void *stack = NULL;
    if (posix_memalign (&stack, 4096, size))
        return -1;
    pthread_attr_init (&attr);
    pthread_attr_setstack (&attr, stack, size);
    int rc = pthread_create (&thread, &attr, s_thread, c);
    pthread_attr_destroy (&attr);
    if (rc == 0)
        pthread_join (thread, NULL);
    free (stack);
    return rc;
}

//  A growing string; aborts when out of memory (a test).
typedef struct {
    char *text;
    size_t length, size;
} s_text_t;

static void
s_add (s_text_t *t, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_add (s_text_t *t, const char *format, ...)
{
    va_list args;
    for (;;) {
        va_start (args, format);
        int n = vsnprintf (t->text + t->length, t->size - t->length, format, args);
        va_end (args);
        if ((size_t) n < t->size - t->length) {
            t->length += (size_t) n;
            return;
        }
        t->size = (t->size + (size_t) n) * 2;
        t->text = realloc (t->text, t->size);
        if (!t->text)
            abort ();
    }
}

//  query { ...F1 } fragment F1 on Query { ...F2 } ... fragment Fn on Query { viewer { id } }
static char *
s_fragment_chain (int n)
{
    s_text_t t = { calloc (1, 64), 0, 64 };
    s_add (&t, "query { ...F1 }\n");
    for (int i = 1; i < n; i++)
        s_add (&t, "fragment F%d on Query { ...F%d }\n", i, i + 1);
    s_add (&t, "fragment F%d on Query { viewer { id } }\n", n);
    return t.text;
}

//  { __type(name: "Query") { ofType { ofType ... { name } } } }, levels deep in all:
//  written out (copies 0), or through fragments, `copies` chains of them spread
//  side by side, which the field merging rule compares with each other level by
//  level.
static char *
s_of_type_chain (int levels, int copies)
{
    s_text_t t = { calloc (1, 64), 0, 64 };
    if (copies == 0) {
        s_add (&t, "{ __type(name: \"Query\") {");
        for (int i = 2; i < levels; i++)
            s_add (&t, " ofType {");
        s_add (&t, " name");
        for (int i = 1; i < levels; i++)
            s_add (&t, " }");
        s_add (&t, " }");
        return t.text;
    }
    //  Each fragment adds two levels: its own selection set and ofType's.
    s_add (&t, "{ __type(name: \"Query\") {");
    for (int c = 0; c < copies; c++)
        s_add (&t, " ...T%d_1", c);
    s_add (&t, " } }\n");
    int fragments = (levels - 2) / 2;
    for (int c = 0; c < copies; c++) {
        for (int i = 1; i < fragments; i++)
            s_add (&t, "fragment T%d_%d on __Type { ofType { ...T%d_%d } }\n", c, i, c, i + 1);
        s_add (&t, "fragment T%d_%d on __Type { ofType { name } }\n", c, fragments);
    }
    return t.text;
}

//  `rings` rings of `length` fragments spread side by side: each fragment
//  nests ofType three deep, spreading the next of its ring at every level. The
//  field merging rule's caches alone let its comparison of these go 116 steps
//  deep (10 rings of 3), past the 64 of the deepest acyclic document.
static char *
s_fragment_rings (int rings, int length)
{
    s_text_t t = { calloc (1, 64), 0, 64 };
    s_add (&t, "{ __type(name: \"Query\") {");
    for (int r = 0; r < rings; r++)
        s_add (&t, " ...R%d_0", r);
    s_add (&t, " } }\n");
    for (int r = 0; r < rings; r++)
        for (int i = 0; i < length; i++) {
            int next = (i + 1) % length;
            s_add (&t, "fragment R%d_%d on __Type { ofType { ...R%d_%d ofType { ...R%d_%d ofType { ...R%d_%d name } } } }\n",
                   r, i, r, next, r, next, r, next);
        }
    return t.text;
}

static gql_schema_t *
s_schema (void)
{
    char path [1024];
    const char *source = getenv ("R5_SOURCE_DIR");
    snprintf (path, sizeof path, "%s/services/gateway/schema.graphql", source ? source : ".");
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    static char sdl [1 << 20];
    size_t size = fread (sdl, 1, sizeof sdl, file);
    fclose (file);
    gql_error_t error;
    return gql_schema_new_from_sdl (sdl, size, &error);
}

int
main (void)
{
    gql_schema_t *schema = s_schema ();
    CHECK (schema);
    if (!schema)
        return r5_test_report ("test_gateway_depth");

    //  A chain of fragments each spreading the next, as long as the token limit
    //  allows: the parser's depth limit alone never sees it (each fragment is
    //  one level deep), and validation followed it one stack frame per fragment.
    char *query = s_fragment_chain (1870);
    s_case_t chain = { schema, query, NULL, GQL_OK, -2, false };
    CHECK (gateway_stack_run (s_run, &chain) == 0);
    CHECK (chain.parse_code == GQL_ERR_TOO_DEEP);
    free (query);

    //  The same chain within the depth limit is a valid document and runs.
    query = s_fragment_chain (30);
    s_case_t short_chain = { schema, query, NULL, GQL_OK, -2, false };
    CHECK (gateway_stack_run (s_run, &short_chain) == 0);
    CHECK (short_chain.parse_code == GQL_OK);
    CHECK (short_chain.valid == 0);
    CHECK (short_chain.executed);
    free (query);

    //  A chain one level too deep through fragments is refused at parse time.
    query = s_fragment_chain (32);
    s_case_t over = { schema, query, NULL, GQL_OK, -2, false };
    CHECK (gateway_stack_run (s_run, &over) == 0);
    CHECK (over.parse_code == GQL_ERR_TOO_DEEP);
    free (query);

    //  The deepest accepted selection (32 levels), written out and through
    //  fragments, validates and executes on a worker's stack.
    //  Two chains through fragments are also the deepest comparison of the field
    //  merging rule: both sides descend together.
    for (int copies = 0; copies < 3; copies++) {
        query = s_of_type_chain (32, copies);
        s_case_t deep = { schema, query, NULL, GQL_OK, -2, false };
        CHECK (gateway_stack_run (s_run, &deep) == 0);
        CHECK (deep.parse_code == GQL_OK);
        CHECK (deep.valid == 0);
        CHECK (deep.executed);
        //  With room to spare: half the stack is enough under ASan.
        s_case_t half = { schema, query, NULL, GQL_OK, -2, false };
        CHECK (s_run_on_half_stack (&half) == 0);
        CHECK (half.executed);
        free (query);
        query = s_of_type_chain (34, copies);
        s_case_t deeper = { schema, query, NULL, GQL_OK, -2, false };
        CHECK (gateway_stack_run (s_run, &deeper) == 0);
        CHECK (deeper.parse_code == GQL_ERR_TOO_DEEP);
        free (query);
    }

    //  Fragments that spread themselves below a field, twice (graphql-js #4168):
    //  the merging rule compared each with the other's fields, and those with the
    //  first again, one level deeper each time, until the worker's stack ran out
    //  (found by fuzz_gql_request). Now it is refused as a fragment cycle.
    s_case_t cycle = { schema,
                       "{ __type(name: \"Query\") { ...A ...B } }\n"
                       "fragment A on __Type { ofType { ...A ofType { ...A } } }\n"
                       "fragment B on __Type { ofType { ...B ofType { ...B } } }\n",
                       NULL, GQL_OK, -2, false };
    CHECK (gateway_stack_run (s_run, &cycle) == 0);
    CHECK (cycle.parse_code == GQL_OK);
    CHECK (cycle.valid == 1);

    //  Cycles are where the merging rule's comparison would go deepest: it stops
    //  at twice the depth limit, so half a worker's stack is still enough.
    query = s_fragment_rings (10, 3);
    s_case_t rings = { schema, query, NULL, GQL_OK, -2, false };
    CHECK (s_run_on_half_stack (&rings) == 0);
    CHECK (rings.parse_code == GQL_OK);
    CHECK (rings.valid == 1);
    free (query);
    gql_schema_destroy (&schema);
    return r5_test_report ("test_gateway_depth");
}
