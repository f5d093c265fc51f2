/*  test_gql_parser.c - documents into ASTs: the kitchen sink, values, types, SDL, every
    syntax error with its position, and each limit at its edge.
*/
#include "gql.h"
#include "gql_test.h"

/* Expects parsing `src` to fail with code/message at line:column. */
#define CHECK_PARSE_ERROR(src, code_, msg_, line_, col_)                               \
    do {                                                                               \
        gql_error_t e_;                                                                \
        gql_document_t *d_ = gql_parse((src), strlen(src), NULL, &e_);                 \
        CHECK(d_ == NULL);                                                             \
        gql_document_destroy(&d_);                                                     \
        CHECK_INT(e_.code, (code_));                                                   \
        CHECK_STR(e_.message, (msg_));                                                \
        CHECK_INT(e_.line, (line_));                                                   \
        CHECK_INT(e_.column, (col_));                                                  \
    } while (0)

#define CHECK_SYNTAX(src, msg_, line_, col_)                                           \
    CHECK_PARSE_ERROR(src, GQL_ERR_SYNTAX, msg_, line_, col_)

/* Same for the SDL entry point. */
#define CHECK_SDL_ERROR(src, msg_, line_, col_)                                        \
    do {                                                                               \
        gql_error_t e_;                                                                \
        gql_document_t *d_ = gql_parse_sdl((src), strlen(src), NULL, &e_);             \
        CHECK(d_ == NULL);                                                             \
        gql_document_destroy(&d_);                                                     \
        CHECK_INT(e_.code, GQL_ERR_SYNTAX);                                            \
        CHECK_STR(e_.message, (msg_));                                                \
        CHECK_INT(e_.line, (line_));                                                   \
        CHECK_INT(e_.column, (col_));                                                  \
    } while (0)

static gql_document_t *
s_parse_ok(const char *src)
{
    gql_error_t e;
    gql_document_t *doc = gql_parse(src, strlen(src), NULL, &e);
    if (!doc)
        fprintf(stderr, "unexpected parse error: %s at %u:%u [%s]\n", e.message, e.line,
                e.column, e.detail);
    CHECK(doc != NULL);
    return doc;
}

static void
test_kitchen_sink(void)
{
    size_t len;
    char *src = gql_test_read_file("kitchen_sink.graphql", &len);
    gql_error_t e;
    gql_document_t *doc = gql_parse(src, len, NULL, &e);
    if (!doc) {
        fprintf(stderr, "kitchen sink: %s at %u:%u [%s]\n", e.message, e.line, e.column,
                e.detail);
        CHECK(doc != NULL);
        free(src);
        return;
    }
    CHECK_INT(doc->definition_count, 6);
    CHECK_INT(doc->operation_count, 5);
    CHECK_INT(doc->fragment_count, 1);

    /* query queryName(...) @onQuery { whoever123is: node(id: [123, 456]) { ... } } */
    const gql_operation_t *q = doc->operations[0];
    CHECK_INT(q->type, GQL_OP_QUERY);
    CHECK(!q->shorthand);
    CHECK_SLICE(q->name, "queryName");
    CHECK_INT(q->loc.line, 4);
    CHECK_INT(q->loc.column, 1);
    CHECK_INT(q->variable_count, 3);
    CHECK_SLICE(q->variables[0]->name, "foo");
    CHECK_INT(q->variables[0]->type->kind, GQL_TYPE_NODE_NAMED);
    CHECK_SLICE(q->variables[0]->type->name, "ComplexType");
    CHECK(q->variables[0]->default_value == NULL);
    CHECK_INT(q->variables[1]->default_value->kind, GQL_VALUE_ENUM);
    CHECK_SLICE(q->variables[1]->default_value->str, "MOBILE");
    char buf[64];
    gql_print_type_node(q->variables[2]->type, buf, sizeof buf);
    CHECK_STR(buf, "[[Int!]]!");
    const gql_value_t *lv = q->variables[2]->default_value;
    CHECK_INT(lv->kind, GQL_VALUE_LIST);
    CHECK_INT(lv->item_count, 2);
    CHECK_INT(lv->items[0]->item_count, 2);
    CHECK_SLICE(lv->items[1]->items[0]->str, "3");
    CHECK_INT(q->directive_count, 1);
    CHECK_SLICE(q->directives[0]->name, "onQuery");

    const gql_selection_t *node = q->selection_set->items[0];
    CHECK_INT(q->selection_set->item_count, 1);
    CHECK_INT(node->kind, GQL_SELECTION_FIELD);
    CHECK_SLICE(node->alias, "whoever123is");
    CHECK_SLICE(node->name, "node");
    CHECK_SLICE(gql_selection_response_key(node), "whoever123is");
    CHECK_INT(node->loc.line, 5);
    CHECK_INT(node->loc.column, 3);
    CHECK_INT(node->argument_count, 1);
    CHECK_INT(node->arguments[0]->value->kind, GQL_VALUE_LIST);
    CHECK_SLICE(node->arguments[0]->value->items[1]->str, "456");
    CHECK_INT(node->selection_set->item_count, 4);
    const gql_selection_t *inl = node->selection_set->items[1];
    CHECK_INT(inl->kind, GQL_SELECTION_INLINE_FRAGMENT);
    CHECK_SLICE(inl->type_condition, "User");
    CHECK_INT(inl->directive_count, 1);
    const gql_selection_t *alias = inl->selection_set->items[0]->selection_set->items[1];
    CHECK_SLICE(alias->alias, "alias");
    CHECK_SLICE(alias->name, "field1");
    CHECK_INT(alias->argument_count, 2);
    CHECK_INT(alias->arguments[1]->value->kind, GQL_VALUE_VARIABLE);
    CHECK_SLICE(alias->arguments[1]->value->str, "foo");
    CHECK_SLICE(alias->directives[0]->name, "include");
    const gql_selection_t *spread = alias->selection_set->items[1];
    CHECK_INT(spread->kind, GQL_SELECTION_FRAGMENT_SPREAD);
    CHECK_SLICE(spread->name, "frag");
    CHECK_SLICE(spread->directives[0]->name, "onFragmentSpread");
    const gql_selection_t *skip = node->selection_set->items[2];
    CHECK_INT(skip->kind, GQL_SELECTION_INLINE_FRAGMENT);
    CHECK(skip->type_condition.data == NULL);
    CHECK_SLICE(skip->directives[0]->name, "skip");
    CHECK_INT(node->selection_set->items[3]->directive_count, 0);

    CHECK_INT(doc->operations[1]->type, GQL_OP_MUTATION);
    CHECK_SLICE(doc->operations[1]->name, "likeStory");
    CHECK_INT(doc->operations[2]->type, GQL_OP_SUBSCRIPTION);
    CHECK_SLICE(doc->operations[2]->variables[0]->directives[0]->name, "onVariableDefinition");

    const gql_fragment_t *frag = doc->fragments[0];
    CHECK_SLICE(frag->name, "frag");
    CHECK_SLICE(frag->type_condition, "Friend");
    const gql_value_t *obj = frag->selection_set->items[0]->arguments[2]->value;
    CHECK_INT(obj->kind, GQL_VALUE_OBJECT);
    CHECK_INT(obj->field_count, 5);
    CHECK_SLICE(obj->fields[0]->value->str, "value");
    CHECK(obj->fields[0]->value->str.data > src && obj->fields[0]->value->str.data < src + len);
    CHECK(obj->fields[1]->value->block);
    CHECK_SLICE(obj->fields[1]->value->str, "block string uses \"\"\"");
    CHECK_INT(obj->fields[2]->value->kind, GQL_VALUE_FLOAT);
    CHECK_SLICE(obj->fields[2]->value->str, "-1.5e3");
    CHECK_INT(obj->fields[3]->value->kind, GQL_VALUE_OBJECT);
    CHECK_INT(obj->fields[3]->value->field_count, 0);
    CHECK_INT(obj->fields[4]->value->kind, GQL_VALUE_LIST);
    CHECK_INT(obj->fields[4]->value->item_count, 0);

    const gql_operation_t *anon = doc->operations[3];
    CHECK(anon->shorthand);
    CHECK(anon->name.data == NULL);
    const gql_selection_t *unnamed = anon->selection_set->items[0];
    CHECK_INT(unnamed->arguments[0]->value->kind, GQL_VALUE_BOOLEAN);
    CHECK(unnamed->arguments[0]->value->boolean);
    CHECK(!unnamed->arguments[1]->value->boolean);
    CHECK_INT(unnamed->arguments[2]->value->kind, GQL_VALUE_NULL);
    CHECK_SLICE(unnamed->arguments[3]->value->str, "a\tb\xC3\xA9");
    /* A keyword is a fine field name. */
    CHECK_SLICE(anon->selection_set->items[1]->name, "query");
    CHECK(!doc->operations[4]->shorthand);
    CHECK(doc->operations[4]->name.data == NULL);

    /* Selection ids are dense and unique. */
    CHECK(doc->selection_count > 20);
    CHECK_INT(node->id, 0);

    /* Lookups. */
    CHECK(gql_document_fragment(doc, "frag", 4) == frag);
    CHECK(gql_document_fragment(doc, "fra", 3) == NULL);
    CHECK(gql_document_operation(doc, "likeStory", 9) == doc->operations[1]);
    CHECK(gql_document_operation(doc, NULL, 0) == NULL); /* several operations */
    CHECK(gql_document_operation(doc, "nope", 4) == NULL);

    CHECK(doc->token_count > 150);
    CHECK_INT(doc->directive_count, 11);
    CHECK_INT(doc->alias_count, 2);
    gql_document_destroy(&doc);
    CHECK(doc == NULL);
    gql_document_destroy(&doc); /* safe on NULL */
    free(src);
}

static void
test_values_and_printing(void)
{
    gql_document_t *doc =
        s_parse_ok("{ f(a: {x: [1, -2.5, \"q\\\"\\n\", ENUM, null, true, $v], y: {}}) }");
    if (!doc)
        return;
    char *text = gql_print_value(doc->operations[0]->selection_set->items[0]->arguments[0]->value);
    CHECK_STR(text, "{x: [1, -2.5, \"q\\\"\\n\", ENUM, null, true, $v], y: {}}");
    free(text);
    gql_document_destroy(&doc);

    CHECK(gql_document_operation(doc = s_parse_ok("query Only { a }"), NULL, 0) != NULL);
    gql_document_destroy(&doc);
}

static void
test_syntax_errors(void)
{
    CHECK_SYNTAX("", "empty document", 1, 1);
    CHECK_SYNTAX("  # only a comment\n", "empty document", 2, 1);
    CHECK_SYNTAX("{", "expected field or fragment", 1, 2);
    CHECK_SYNTAX("{}", "expected field or fragment", 1, 2);
    CHECK_SYNTAX("{ a", "expected field or fragment", 1, 4);
    CHECK_SYNTAX("{ a(}", "expected name", 1, 5);
    CHECK_SYNTAX("{ a() }", "expected name", 1, 5);
    CHECK_SYNTAX("{ a(x) }", "expected ':'", 1, 6);
    CHECK_SYNTAX("{ a(x: ) }", "expected value", 1, 8);
    CHECK_SYNTAX("{ a(x: 1 }", "expected name", 1, 10);
    CHECK_SYNTAX("{ a: }", "expected name", 1, 6);
    CHECK_SYNTAX("{ a { } }", "expected field or fragment", 1, 7);
    CHECK_SYNTAX("query Q($a) { a }", "expected ':'", 1, 11);
    CHECK_SYNTAX("query Q($a: ) { a }", "expected name", 1, 13);
    CHECK_SYNTAX("query Q($a: [Int) { a }", "expected ']'", 1, 17);
    CHECK_SYNTAX("query Q($a: Int!!) { a }", "expected '$'", 1, 17);
    CHECK_SYNTAX("query Q(a: Int) { a }", "expected '$'", 1, 9);
    CHECK_SYNTAX("query Q() { a }", "expected '$'", 1, 9);
    CHECK_SYNTAX("query Q($a: Int = $b) { a }", "unexpected variable in constant value", 1,
                 19);
    CHECK_SYNTAX("query Q($a: Int = [{x: $b}]) { a }",
                 "unexpected variable in constant value", 1, 24);
    CHECK_SYNTAX("query Q($a: Int @d(x: $b)) { a }", "unexpected variable in constant value",
                 1, 23);
    CHECK_SYNTAX("query Q", "expected '{'", 1, 8);
    CHECK_SYNTAX("query Q @", "expected name", 1, 10);
    CHECK_SYNTAX("querry { a }", "expected definition", 1, 1);
    CHECK_SYNTAX("{ a } }", "expected definition", 1, 7);
    CHECK_SYNTAX("{ a }\n\n  42", "expected definition", 3, 3);
    CHECK_SYNTAX("fragment on on T { a }", "unexpected 'on', expected fragment name", 1, 10);
    CHECK_SYNTAX("fragment F T { a }", "expected 'on'", 1, 12);
    CHECK_SYNTAX("fragment F on { a }", "expected name", 1, 15);
    CHECK_SYNTAX("fragment F on T", "expected '{'", 1, 16);
    CHECK_SYNTAX("{ ... }", "expected '{'", 1, 7);
    CHECK_SYNTAX("{ ... on }", "expected name", 1, 10);
    CHECK_SYNTAX("{ ...F( }", "expected field or fragment", 1, 7);
    CHECK_SYNTAX("{ a(x: [1, 2 }", "expected value", 1, 14);
    CHECK_SYNTAX("{ a(x: {y 1}) }", "expected ':'", 1, 11);
    CHECK_SYNTAX("{ a(x: {1: 1}) }", "expected name", 1, 9);
    /* A description on an operation: refused at the description, as graphql-js does. */
    CHECK_SYNTAX("\"described\" query { a }", "descriptions are allowed only on type-system definitions", 1, 1);
    CHECK_SYNTAX("{ a @ }", "expected name", 1, 7);
    /* Lexical errors surface through the parser with their own position. */
    CHECK_SYNTAX("{\n  a(x: \"\\uD800\")\n}", "invalid unicode escape, lone surrogate", 2, 9);
    CHECK_SYNTAX("{ a(x: 01) }", "invalid number, unexpected digit after 0", 1, 9);

    /* The detail names the offending token. */
    gql_error_t e;
    CHECK(gql_parse("{ a(x: ) }", 10, NULL, &e) == NULL);
    CHECK_STR(e.detail, ")");
    CHECK(gql_parse("{ a", 3, NULL, &e) == NULL);
    CHECK_STR(e.detail, "<EOF>");
    CHECK_STR(gql_error_code_name(e.code), "syntax");
    /* err may be NULL. */
    CHECK(gql_parse("{", 1, NULL, NULL) == NULL);
}

static void
test_type_system_documents(void)
{
    const char *sdl =
        "\"\"\"\n  The schema.\n\"\"\"\n"
        "schema @a { query: Q mutation: M }\n"
        "extend schema @b\n"
        "extend schema { subscription: S }\n"
        "\"A scalar\" scalar Date @specifiedBy(url: \"https://x\")\n"
        "extend scalar Date @c\n"
        "type T implements & I & J @d {\n"
        "  \"desc\" f(\"arg\" a: Int = 1 @e, b: [String!]! = [\"x\"]): [T!] @deprecated(reason: \"no\")\n"
        "}\n"
        "type Empty\n"
        "extend type T implements K\n"
        "extend type T @f\n"
        "extend type T { g: Int }\n"
        "interface I implements J { f: Int }\n"
        "extend interface I { h: Int }\n"
        "union U @u = | A | B\n"
        "union V\n"
        "extend union U = C\n"
        "extend union U @v\n"
        "enum E { \"one\" ONE @x TWO }\n"
        "extend enum E { THREE }\n"
        "input In { a: Int = 1, b: In2 }\n"
        "extend input In { c: Int }\n"
        "extend input In @g\n"
        "directive @d(a: Int = 1) repeatable on | OBJECT | FIELD_DEFINITION | QUERY\n"
        "\"dir\" directive @e on ARGUMENT_DEFINITION\n";
    gql_error_t e;
    gql_document_t *doc = gql_parse_sdl(sdl, strlen(sdl), NULL, &e);
    if (!doc) {
        fprintf(stderr, "sdl: %s at %u:%u [%s]\n", e.message, e.line, e.column, e.detail);
        CHECK(doc != NULL);
        return;
    }
    CHECK_INT(doc->definition_count, 23);
    CHECK_INT(doc->operation_count, 0);
    const gql_definition_t *d0 = doc->definitions[0];
    CHECK_INT(d0->kind, GQL_DEF_SCHEMA);
    CHECK_SLICE(d0->schema->description, "The schema.");
    CHECK_INT(d0->schema->operation_count, 2);
    CHECK_INT(d0->schema->operations[1]->operation, GQL_OP_MUTATION);
    CHECK_SLICE(d0->schema->operations[1]->type.value, "M");
    CHECK(doc->definitions[1]->schema->extend);
    CHECK_INT(doc->definitions[1]->schema->operation_count, 0);
    CHECK_INT(doc->definitions[2]->schema->operation_count, 1);
    const gql_type_def_t *date = doc->definitions[3]->type;
    CHECK_INT(date->kind, GQL_TYPE_DEF_SCALAR);
    CHECK_SLICE(date->description, "A scalar");
    CHECK(doc->definitions[4]->type->extend);
    const gql_type_def_t *t = doc->definitions[5]->type;
    CHECK_INT(t->kind, GQL_TYPE_DEF_OBJECT);
    CHECK_INT(t->interface_count, 2);
    CHECK_SLICE(t->interfaces[1]->value, "J");
    CHECK_INT(t->interfaces[1]->loc.column, 25);
    CHECK_INT(t->field_count, 1);
    const gql_field_def_t *f = t->fields[0];
    CHECK_SLICE(f->description, "desc");
    CHECK_INT(f->argument_count, 2);
    CHECK_SLICE(f->arguments[0]->description, "arg");
    CHECK_SLICE(f->arguments[0]->default_value->str, "1");
    CHECK_SLICE(f->arguments[0]->directives[0]->name, "e");
    CHECK_INT(f->arguments[1]->default_value->kind, GQL_VALUE_LIST);
    CHECK_INT(f->type->kind, GQL_TYPE_NODE_LIST);
    CHECK_SLICE(f->directives[0]->name, "deprecated");
    CHECK_INT(doc->definitions[6]->type->field_count, 0); /* type Empty */
    CHECK_INT(doc->definitions[7]->type->interface_count, 1);
    CHECK_INT(doc->definitions[8]->type->directive_count, 1);
    CHECK_INT(doc->definitions[10]->type->kind, GQL_TYPE_DEF_INTERFACE);
    CHECK_INT(doc->definitions[10]->type->interface_count, 1);
    const gql_type_def_t *u = doc->definitions[12]->type;
    CHECK_INT(u->kind, GQL_TYPE_DEF_UNION);
    CHECK_INT(u->member_count, 2);
    CHECK_SLICE(u->members[1]->value, "B");
    CHECK_INT(doc->definitions[13]->type->member_count, 0);
    const gql_type_def_t *en = doc->definitions[16]->type;
    CHECK_INT(en->value_count, 2);
    CHECK_SLICE(en->values[0]->description, "one");
    CHECK_INT(en->values[0]->directive_count, 1);
    const gql_type_def_t *in = doc->definitions[18]->type;
    CHECK_INT(in->kind, GQL_TYPE_DEF_INPUT_OBJECT);
    CHECK_INT(in->input_field_count, 2);
    const gql_directive_def_t *dd = doc->definitions[21]->directive;
    CHECK_SLICE(dd->name, "d");
    CHECK(dd->repeatable);
    CHECK_INT(dd->locations, GQL_DIRLOC_BIT(GQL_DIRLOC_OBJECT)
                                 | GQL_DIRLOC_BIT(GQL_DIRLOC_FIELD_DEFINITION)
                                 | GQL_DIRLOC_BIT(GQL_DIRLOC_QUERY));
    CHECK_SLICE(doc->definitions[22]->directive->description, "dir");
    CHECK(!doc->definitions[22]->directive->repeatable);
    gql_document_destroy(&doc);

    /* gql_parse accepts type-system definitions (rejecting them is validation's job);
       gql_parse_sdl refuses executable ones. */
    CHECK((doc = gql_parse("type A { a: Int } { a }", 23, NULL, &e)) != NULL);
    CHECK_INT(doc ? doc->operation_count : 0, 1);
    gql_document_destroy(&doc);
    CHECK_SDL_ERROR("type A { a: Int }\n{ a }", "executable definition not allowed in a "
                    "schema document", 2, 1);
    CHECK_SDL_ERROR("query { a }", "executable definition not allowed in a schema document",
                    1, 1);

    CHECK_SDL_ERROR("extend type T", "expected '{', an extension must add something", 1, 14);
    CHECK_SDL_ERROR("extend scalar S", "expected '@', an extension must add something", 1, 16);
    CHECK_SDL_ERROR("extend union U", "expected '=', an extension must add something", 1, 15);
    CHECK_SDL_ERROR("extend enum E", "expected '{', an extension must add something", 1, 14);
    CHECK_SDL_ERROR("extend input I", "expected '{', an extension must add something", 1, 15);
    CHECK_SDL_ERROR("extend schema", "expected '{'", 1, 14);
    CHECK_SDL_ERROR("extend directive @a on FIELD", "directives cannot be extended", 1, 8);
    CHECK_SDL_ERROR("\"d\" extend type T { a: Int }", "descriptions are allowed only on type-system definitions",
                    1, 1);
    CHECK_SDL_ERROR("enum E { true }", "enum value cannot be true, false or null", 1, 10);
    CHECK_SDL_ERROR("enum E { A, null }", "enum value cannot be true, false or null", 1, 13);
    CHECK_SDL_ERROR("enum E {}", "expected name", 1, 9);
    CHECK_SDL_ERROR("type T {}", "expected name", 1, 9);
    CHECK_SDL_ERROR("type T { f(): Int }", "expected name", 1, 12);
    CHECK_SDL_ERROR("type T { f Int }", "expected ':'", 1, 12);
    CHECK_SDL_ERROR("type T { f: Int = 1 }", "expected name", 1, 17);
    CHECK_SDL_ERROR("input I { a: Int = $v }", "unexpected variable in constant value", 1, 20);
    CHECK_SDL_ERROR("type T implements { a: Int }", "expected name", 1, 19);
    CHECK_SDL_ERROR("type T implements A & { a: Int }", "expected name", 1, 23);
    CHECK_SDL_ERROR("union U = ", "expected name", 1, 11);
    CHECK_SDL_ERROR("union U = A |", "expected name", 1, 14);
    CHECK_SDL_ERROR("directive @d on FIELD | NOWHERE", "unknown directive location", 1, 25);
    CHECK_SDL_ERROR("directive @d on", "expected directive location", 1, 16);
    CHECK_SDL_ERROR("directive @d(a: Int) FIELD", "expected 'on'", 1, 22);
    CHECK_SDL_ERROR("directive d on FIELD", "expected '@'", 1, 11);
    CHECK_SDL_ERROR("schema { query Q }", "expected ':'", 1, 16);
    CHECK_SDL_ERROR("schema { Query: Q }", "expected operation type", 1, 10);
    CHECK_SDL_ERROR("\"dangling\"", "expected type definition", 1, 11);
}

/* Builds "{a{a{...{a}...}}}" with `depth` selection sets. */
static char *
s_nested(int depth)
{
    char *s = malloc((size_t) depth * 4 + 8);
    size_t n = 0;
    for (int i = 0; i < depth; i++) {
        if (i)
            s[n++] = 'a';
        s[n++] = '{';
    }
    s[n++] = 'a';
    for (int i = 0; i < depth; i++)
        s[n++] = '}';
    s[n] = '\0';
    return s;
}

static void
test_limits(void)
{
    gql_limits_t lim;
    gql_limits_default(&lim);
    CHECK_INT(lim.max_bytes, 1024 * 1024);
    CHECK_INT(lim.max_tokens, 15000);
    CHECK_INT(lim.max_depth, 32);
    CHECK_INT(lim.max_aliases, 30);
    CHECK_INT(lim.max_directives, 50);
    gql_error_t e;
    gql_document_t *doc;

    /* Depth: 32 nested selection sets pass, 33 fail at the 33rd '{'. */
    char *ok = s_nested(32), *deep = s_nested(33);
    CHECK((doc = gql_parse(ok, strlen(ok), NULL, &e)) != NULL);
    CHECK_INT(doc ? doc->max_depth : 0, 32);
    gql_document_destroy(&doc);
    CHECK(gql_parse(deep, strlen(deep), NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_DEEP);
    CHECK_STR(e.message, "document nested too deeply");
    CHECK_INT(e.line, 1);
    CHECK_INT(e.column, 65); /* "{a" x 32, then the '{' */
    free(ok);
    free(deep);

    /* Lists in values and types count too. */
    lim.max_depth = 3;
    const char *v3 = "{ a(x: [[1]]) }", *v4 = "{ a(x: [[[1]]]) }";
    CHECK((doc = gql_parse(v3, strlen(v3), &lim, &e)) != NULL);
    gql_document_destroy(&doc);
    CHECK(gql_parse(v4, strlen(v4), &lim, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_DEEP);
    CHECK_INT(e.column, 10);
    const char *o4 = "{ a(x: {b: {c: [1]}}) }";
    CHECK(gql_parse(o4, strlen(o4), &lim, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_DEEP);
    CHECK_INT(e.column, 16);
    const char *t3 = "query($v: [[[Int]]]) { a }", *t4 = "query($v: [[[[Int]]]]) { a }";
    CHECK((doc = gql_parse(t3, strlen(t3), &lim, &e)) != NULL);
    gql_document_destroy(&doc);
    CHECK((doc = gql_parse(t4, strlen(t4), &lim, &e)) == NULL);
    gql_document_destroy(&doc);
    CHECK_INT(e.code, GQL_ERR_TOO_DEEP);
    CHECK_INT(e.column, 14);
    gql_limits_default(&lim);

    /* Even with no depth limit, recursion is capped (the C stack is the real bound). */
    lim.max_depth = 0;
    lim.max_tokens = 0;
    char *huge = s_nested(100000);
    CHECK(gql_parse(huge, strlen(huge), &lim, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_DEEP);
    free(huge);
    gql_limits_default(&lim);

    /* Tokens: "{ a a ... a }" with k names has k + 2 tokens. */
    lim.max_tokens = 10;
    const char *t10 = "{ a a a a a a a a }", *t11 = "{ a a a a a a a a a }";
    CHECK((doc = gql_parse(t10, strlen(t10), &lim, &e)) != NULL);
    CHECK_INT(doc ? doc->token_count : 0, 10);
    gql_document_destroy(&doc);
    CHECK(gql_parse(t11, strlen(t11), &lim, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_TOKENS);
    CHECK_STR(e.message, "too many tokens");
    CHECK_INT(e.column, 21); /* the 11th token, the '}' */
    gql_limits_default(&lim);

    /* The token limit stops a long document early: the error is at token 15,001, long
       before the end of this 1 MiB input. */
    size_t big_len = 1024 * 1024 - 1;
    char *big = malloc(big_len + 1);
    memset(big, ' ', big_len);
    big[0] = '{';
    for (size_t i = 2; i + 2 < big_len; i += 2)
        big[i] = 'a';
    big[big_len - 1] = '}';
    big[big_len] = '\0';
    CHECK(gql_parse(big, big_len, NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_TOKENS);
    CHECK_INT(e.offset, 30000);
    /* Bytes: 1 MiB passes the size check, 1 MiB + 1 does not even get lexed. */
    CHECK(gql_parse(big, big_len + 1, NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_TOKENS);
    char *bigger = malloc(big_len + 3);
    memcpy(bigger, big, big_len);
    bigger[big_len] = ' ';
    bigger[big_len + 1] = ' ';
    CHECK(gql_parse(bigger, big_len + 2, NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_LARGE);
    CHECK_STR(e.message, "document too large");
    free(big);
    free(bigger);

    /* Aliases: 30 pass, the 31st fails at its alias. */
    char q[2048];
    size_t n = 0;
    n += (size_t) snprintf(q + n, sizeof q - n, "{");
    for (int i = 0; i < 30; i++)
        n += (size_t) snprintf(q + n, sizeof q - n, " a%d: f", i);
    snprintf(q + n, sizeof q - n, " }");
    CHECK((doc = gql_parse(q, strlen(q), NULL, &e)) != NULL);
    CHECK_INT(doc ? doc->alias_count : 0, 30);
    gql_document_destroy(&doc);
    snprintf(q + n, sizeof q - n, " b: f }");
    CHECK(gql_parse(q, strlen(q), NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_ALIASES);
    CHECK_STR(e.message, "too many aliases");
    CHECK_INT(e.column, (long long) n + 2);
    CHECK_STR(e.detail, "b");

    /* Directives: 50 pass, the 51st fails at its '@'. */
    n = 0;
    n += (size_t) snprintf(q + n, sizeof q - n, "{ f");
    for (int i = 0; i < 50; i++)
        n += (size_t) snprintf(q + n, sizeof q - n, " @d");
    snprintf(q + n, sizeof q - n, " }");
    CHECK((doc = gql_parse(q, strlen(q), NULL, &e)) != NULL);
    CHECK_INT(doc ? doc->directive_count : 0, 50);
    gql_document_destroy(&doc);
    snprintf(q + n, sizeof q - n, " @e }");
    CHECK(gql_parse(q, strlen(q), NULL, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_DIRECTIVES);
    CHECK_STR(e.message, "too many directives");
    CHECK_INT(e.column, (long long) n + 2);

    /* A zero member means no limit. */
    lim.max_aliases = 0;
    CHECK((doc = gql_parse("{ a: b c: d }", 13, &lim, &e)) != NULL);
    gql_document_destroy(&doc);
    lim.max_aliases = 1;
    CHECK(gql_parse("{ a: b c: d }", 13, &lim, &e) == NULL);
    CHECK_INT(e.code, GQL_ERR_TOO_MANY_ALIASES);
    CHECK_INT(e.column, 8);
}

static void
test_reentrant(void)
{
    /* Two parses interleaved through their lifetimes do not share anything. */
    gql_error_t e1, e2;
    const char *a = "{ a }", *b = "query B { b(x: \"\\u00e9\") }";
    gql_document_t *da = gql_parse(a, strlen(a), NULL, &e1);
    gql_document_t *db = gql_parse(b, strlen(b), NULL, &e2);
    CHECK(da && db);
    if (da && db) {
        CHECK_SLICE(da->operations[0]->selection_set->items[0]->name, "a");
        CHECK_SLICE(db->operations[0]->selection_set->items[0]->arguments[0]->value->str,
                  "\xC3\xA9");
    }
    gql_document_destroy(&da);
    gql_document_destroy(&db);
}

int
main(void)
{
    R5_TEST_RUN(test_kitchen_sink);
    R5_TEST_RUN(test_values_and_printing);
    R5_TEST_RUN(test_syntax_errors);
    R5_TEST_RUN(test_type_system_documents);
    R5_TEST_RUN(test_limits);
    R5_TEST_RUN(test_reentrant);
    return r5_test_report("test_gql_parser");
}
