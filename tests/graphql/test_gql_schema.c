/*  test_gql_schema.c - a schema from the kitchen-sink SDL: lookups, built-ins, meta fields,
    extensions, type references; and each broken schema refused with its position.
*/
#include "gql.h"
#include "gql_test.h"

#define NAME(s) (s), strlen(s)

static const gql_type_t *
s_type(const gql_schema_t *s, const char *name)
{
    const gql_type_t *t = gql_schema_type(s, NAME(name));
    if (!t)
        fprintf(stderr, "no type %s\n", name);
    return t;
}

static const char *
s_ref(gql_type_ref_t r)
{
    static char buf[128];
    gql_print_type_ref(r, buf, sizeof buf);
    return buf;
}

static void
test_kitchen_sink(void)
{
    size_t len;
    char *sdl = gql_test_read_file("kitchen_sink_schema.graphql", &len);
    gql_error_t e;
    gql_schema_t *s = gql_schema_new_from_sdl(sdl, len, &e);
    /* The schema copies the text: freeing ours must not matter. */
    memset(sdl, 'X', len);
    free(sdl);
    if (!s) {
        fprintf(stderr, "kitchen sink schema: %s at %u:%u [%s]\n", e.message, e.line,
                e.column, e.detail);
        CHECK(s != NULL);
        return;
    }

    /* Roots from `schema { }` and its extension. */
    const gql_type_t *query = s_type(s, "QueryRoot");
    CHECK(gql_schema_query_type(s) == query);
    CHECK(gql_schema_root(s, GQL_OP_QUERY) == query);
    CHECK(gql_schema_mutation_type(s) == s_type(s, "MutationRoot"));
    CHECK(gql_schema_subscription_type(s) == s_type(s, "SubscriptionRoot"));
    CHECK_SLICE(gql_schema_description(s), "The kitchen sink: every kind of type.");

    /* Types in order: the SDL's, then built-in scalars, then introspection types. */
    size_t n;
    const gql_type_t *const *types = gql_schema_types(s, &n);
    CHECK_INT(n, 16 + 5 + 8);
    CHECK_SLICE(types[0]->name, "DateTime");
    CHECK_SLICE(types[15]->name, "SubscriptionRoot");
    CHECK_SLICE(types[16]->name, "Int");
    CHECK_SLICE(types[n - 1]->name, "__DirectiveLocation");
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(types[i]->index, i);
        CHECK(types[i]->schema == s);
        CHECK(gql_schema_type(s, types[i]->name.data, types[i]->name.len) == types[i]);
    }
    CHECK(gql_schema_type(s, NAME("Nope")) == NULL);
    CHECK(gql_schema_type(s, NAME("")) == NULL);
    CHECK(gql_schema_type(s, NAME("Use")) == NULL);
    CHECK(gql_schema_type(s, NAME("Users")) == NULL);

    /* Scalars. */
    const gql_type_t *dt = s_type(s, "DateTime");
    CHECK_INT(dt->kind, GQL_KIND_SCALAR);
    CHECK_SLICE(dt->description, "A point in time, ISO 8601.");
    CHECK_SLICE(dt->specified_by_url, "https://tools.ietf.org/html/rfc3339");
    CHECK_SLICE(s_type(s, "JSON")->specified_by_url, "https://json.org");
    CHECK(s_type(s, "JSON")->description.data == NULL);
    const gql_type_t *str = s_type(s, "String");
    CHECK(str->builtin);
    CHECK(str->description.len > 10);
    CHECK(!dt->builtin);

    /* An object type with interfaces, args, defaults, deprecation, an extension. */
    const gql_type_t *user = s_type(s, "User");
    CHECK_INT(user->kind, GQL_KIND_OBJECT);
    CHECK_SLICE(user->description, "A person.\n  Indented line kept relative.");
    CHECK_INT(user->interface_count, 2);
    CHECK(user->interfaces[0] == s_type(s, "Node"));
    CHECK(user->interfaces[1] == s_type(s, "Named"));
    CHECK_INT(user->field_count, 8);
    CHECK_SLICE(user->fields[7].name, "team"); /* from `extend type User` */
    CHECK_INT(user->directive_count, 1);
    CHECK_SLICE(user->directives[0]->name, "key");
    const gql_field_t *friends = gql_type_field(user, NAME("friends"));
    CHECK(friends != NULL);
    if (friends) {
        CHECK(friends->parent == user);
        CHECK_INT(friends->index, 2);
        CHECK_STR(s_ref(friends->type), "[User!]!");
        CHECK(friends->type.named == user);
        CHECK(gql_type_ref_is_non_null(friends->type));
        CHECK(gql_type_ref_is_list(friends->type));
        CHECK_INT(friends->arg_count, 3);
        const gql_input_value_t *first = gql_field_arg(friends, NAME("first"));
        CHECK(first && first->default_value && first->default_value->kind == GQL_VALUE_INT);
        CHECK(first && gql_type_ref_equal(first->type, gql_type_ref_make(s_type(s, "Int"))));
        CHECK(gql_field_arg(friends, NAME("filter"))->type.named == s_type(s, "UserFilter"));
        CHECK(gql_field_arg(friends, NAME("last")) == NULL);
        CHECK(!friends->deprecated);
        CHECK(friends->deprecation_reason.data == NULL);
        CHECK(friends->meta == GQL_META_NONE);
    }
    const gql_field_t *old = gql_type_field(user, NAME("oldName"));
    CHECK(old && old->deprecated);
    CHECK_SLICE(old->deprecation_reason, "Use `name`.");
    const gql_field_t *legacy = gql_type_field(user, NAME("legacy"));
    CHECK(legacy && legacy->deprecated);
    CHECK_SLICE(legacy->deprecation_reason, "No longer supported");
    CHECK_STR(s_ref(gql_type_field(user, NAME("tags"))->type), "[[String]]");
    CHECK(gql_type_field(user, NAME("nope")) == NULL);

    /* Meta fields: __typename on composite types, __schema/__type on the query root. */
    const gql_field_t *tn = gql_type_field(user, NAME("__typename"));
    CHECK(tn && tn->meta == GQL_META_TYPENAME);
    CHECK_STR(s_ref(tn->type), "String!");
    CHECK(tn == gql_type_field(s_type(s, "Actor"), NAME("__typename")));
    CHECK(gql_type_field(s_type(s, "Node"), NAME("__typename")) == tn);
    CHECK(gql_type_field(dt, NAME("__typename")) == NULL);
    CHECK(gql_type_field(user, NAME("__schema")) == NULL);
    const gql_field_t *sch = gql_type_field(query, NAME("__schema"));
    CHECK(sch && sch->meta == GQL_META_SCHEMA);
    CHECK_STR(s_ref(sch->type), "__Schema!");
    const gql_field_t *ty = gql_type_field(query, NAME("__type"));
    CHECK(ty && ty->meta == GQL_META_TYPE);
    CHECK_STR(s_ref(ty->type), "__Type");
    CHECK(ty && gql_field_arg(ty, NAME("name")) != NULL);
    CHECK_STR(s_ref(gql_field_arg(ty, NAME("name"))->type), "String!");
    CHECK(gql_type_field(query, NAME("__other")) == NULL);

    /* Interfaces and their possible types. */
    const gql_type_t *node = s_type(s, "Node"), *named = s_type(s, "Named");
    CHECK_INT(node->kind, GQL_KIND_INTERFACE);
    CHECK_INT(node->possible_type_count, 3);
    CHECK(node->possible_types[0] == user);
    CHECK(node->possible_types[1] == s_type(s, "Bot"));
    CHECK(node->possible_types[2] == s_type(s, "Team"));
    CHECK_INT(named->interface_count, 1);
    CHECK_INT(named->possible_type_count, 2);
    CHECK(gql_type_is_possible(node, user));
    CHECK(gql_type_is_possible(named, s_type(s, "Bot")));
    CHECK(!gql_type_is_possible(named, s_type(s, "Team")));
    CHECK(gql_type_implements(user, named));
    CHECK(gql_type_implements(named, node));
    CHECK(!gql_type_implements(s_type(s, "Team"), named));
    CHECK(gql_type_is_abstract(node) && gql_type_is_composite(node));

    /* Unions, with an extension. */
    const gql_type_t *actor = s_type(s, "Actor");
    CHECK_INT(actor->kind, GQL_KIND_UNION);
    CHECK_INT(actor->possible_type_count, 3);
    CHECK(actor->possible_types[2] == s_type(s, "Team"));
    CHECK(gql_type_is_possible(actor, s_type(s, "Team")));
    CHECK(!gql_type_is_possible(actor, query));
    CHECK_INT(s_type(s, "SearchResult")->directive_count, 1);
    CHECK(gql_type_field(actor, NAME("id")) == NULL);

    /* Enums, with deprecation and an extension. */
    const gql_type_t *fmt = s_type(s, "NameFormat");
    CHECK_INT(fmt->kind, GQL_KIND_ENUM);
    CHECK_INT(fmt->enum_value_count, 4);
    const gql_enum_value_t *full = gql_type_enum_value(fmt, NAME("FULL"));
    CHECK(full && full->index == 0 && full->parent == fmt);
    CHECK_SLICE(full->description, "First and last.");
    CHECK(!full->deprecated);
    const gql_enum_value_t *lg = gql_type_enum_value(fmt, NAME("LEGACY"));
    CHECK(lg && lg->deprecated);
    CHECK_SLICE(lg->deprecation_reason, "Use `SHORT`.");
    CHECK_SLICE(gql_type_enum_value(fmt, NAME("OLD"))->deprecation_reason,
              "No longer supported");
    CHECK(gql_type_enum_value(fmt, NAME("full")) == NULL);
    CHECK_INT(s_type(s, "Role")->enum_value_count, 3);
    CHECK(gql_type_enum_value(s_type(s, "Role"), NAME("ADMIN")) != NULL);
    CHECK(gql_type_is_leaf(fmt) && gql_type_is_input(fmt) && gql_type_is_output(fmt));

    /* Input objects, defaults, extension. */
    const gql_type_t *filter = s_type(s, "UserFilter");
    CHECK_INT(filter->kind, GQL_KIND_INPUT_OBJECT);
    CHECK_INT(filter->input_field_count, 5);
    const gql_input_value_t *roles = gql_type_input_field(filter, NAME("roles"));
    CHECK(roles != NULL);
    if (roles) {
        CHECK_STR(s_ref(roles->type), "[Role!]");
        char *dv = gql_print_value(roles->default_value);
        CHECK_STR(dv, "[MEMBER]");
        free(dv);
    }
    const gql_input_value_t *range = gql_type_input_field(filter, NAME("range"));
    char *dv = range ? gql_print_value(range->default_value) : NULL;
    CHECK_STR(dv, "{from: 1, to: 2}");
    free(dv);
    CHECK_SLICE(gql_type_input_field(filter, NAME("name"))->description, "Match on the name.");
    CHECK(gql_type_input_field(filter, NAME("oldField"))->deprecated);
    CHECK_INT(s_type(s, "Range")->input_field_count, 3);
    CHECK(!gql_type_is_output(filter) && gql_type_is_input(filter));
    CHECK(gql_type_input_field(filter, NAME("x")) == NULL);
    const gql_input_value_t *limit = gql_field_arg(gql_type_field(query, NAME("search")),
                                                   NAME("limit"));
    CHECK(limit && limit->deprecated);
    CHECK_SLICE(limit->deprecation_reason, "fixed");

    /* Directives: built-ins first, then the SDL's. */
    size_t nd;
    const gql_schema_directive_t *const *dirs = gql_schema_directives(s, &nd);
    CHECK_INT(nd, 5 + 3);
    CHECK_SLICE(dirs[0]->name, "include");
    CHECK(dirs[0]->builtin);
    const gql_schema_directive_t *skip = gql_schema_directive(s, NAME("skip"));
    CHECK(skip && skip->locations == (GQL_DIRLOC_BIT(GQL_DIRLOC_FIELD)
                                      | GQL_DIRLOC_BIT(GQL_DIRLOC_FRAGMENT_SPREAD)
                                      | GQL_DIRLOC_BIT(GQL_DIRLOC_INLINE_FRAGMENT)));
    CHECK(skip && gql_directive_arg(skip, NAME("if")) != NULL);
    CHECK_STR(s_ref(gql_directive_arg(skip, NAME("if"))->type), "Boolean!");
    const gql_schema_directive_t *dep = gql_schema_directive(s, NAME("deprecated"));
    CHECK(dep && gql_directive_arg(dep, NAME("reason"))->default_value != NULL);
    CHECK(gql_schema_directive(s, NAME("specifiedBy")) != NULL);
    const gql_schema_directive_t *one_of = gql_schema_directive(s, NAME("oneOf"));
    CHECK(one_of && one_of->builtin && !one_of->repeatable && one_of->arg_count == 0);
    CHECK(one_of && one_of->locations == GQL_DIRLOC_BIT(GQL_DIRLOC_INPUT_OBJECT));
    const gql_schema_directive_t *key = gql_schema_directive(s, NAME("key"));
    CHECK(key && key->repeatable && !key->builtin);
    CHECK_SLICE(key->description, "Marks a type's key for federation-style lookups.");
    CHECK(gql_schema_directive(s, NAME("nope")) == NULL);
    CHECK(gql_directives_find(user->directives, user->directive_count, NAME("key")) != NULL);

    /* Introspection types are ordinary types. */
    const gql_type_t *itype = s_type(s, "__Type");
    CHECK(itype && itype->builtin);
    CHECK_STR(s_ref(gql_type_field(itype, NAME("fields"))->type), "[__Field!]");
    CHECK(gql_field_arg(gql_type_field(itype, NAME("fields")), NAME("includeDeprecated")));
    CHECK_INT(s_type(s, "__TypeKind")->enum_value_count, 8);
    CHECK_INT(s_type(s, "__DirectiveLocation")->enum_value_count, 19);
    CHECK(gql_type_field(s_type(s, "__Schema"), NAME("queryType")) != NULL);
    CHECK(gql_type_field(s_type(s, "__Field"), NAME("isDeprecated")) != NULL);
    CHECK(gql_type_field(s_type(s, "__InputValue"), NAME("defaultValue")) != NULL);
    CHECK(gql_type_field(s_type(s, "__EnumValue"), NAME("deprecationReason")) != NULL);
    CHECK(gql_type_field(s_type(s, "__Directive"), NAME("isRepeatable")) != NULL);
    CHECK_STR(gql_type_kind_name(GQL_KIND_INPUT_OBJECT), "INPUT_OBJECT");
    CHECK_STR(gql_directive_location_name(GQL_DIRLOC_INPUT_FIELD_DEFINITION),
               "INPUT_FIELD_DEFINITION");

    /* Type references from a document, subtyping. */
    gql_document_t *doc = gql_parse(NAME("query($a: [User!]!, $b: Nope, $c: Int) { me }"),
                                    NULL, &e);
    CHECK(doc != NULL);
    if (doc) {
        gql_type_ref_t r;
        CHECK_INT(gql_schema_resolve_type_node(s, doc->operations[0]->variables[0]->type, &r),
                  0);
        CHECK(gql_type_ref_equal(r, friends->type));
        CHECK_INT(gql_schema_resolve_type_node(s, doc->operations[0]->variables[1]->type, &r),
                  -1);
        gql_document_destroy(&doc);
    }
    gql_type_ref_t u = gql_type_ref_make(user), nd_ = gql_type_ref_make(node);
    gql_type_ref_t u_nn = u, l_u = u, l_nd = nd_;
    CHECK_INT(gql_type_ref_wrap(&u_nn, GQL_REF_NON_NULL), 0);
    CHECK_INT(gql_type_ref_wrap(&u_nn, GQL_REF_NON_NULL), -1);
    CHECK_INT(gql_type_ref_wrap(&l_u, GQL_REF_LIST), 0);
    CHECK_INT(gql_type_ref_wrap(&l_nd, GQL_REF_LIST), 0);
    CHECK(gql_type_ref_is_subtype(u, nd_));
    CHECK(gql_type_ref_is_subtype(u_nn, nd_));
    CHECK(!gql_type_ref_is_subtype(nd_, u));
    CHECK(!gql_type_ref_is_subtype(u, u_nn));
    CHECK(gql_type_ref_is_subtype(l_u, l_nd));
    CHECK(!gql_type_ref_is_subtype(l_u, nd_));
    CHECK(gql_type_ref_is_subtype(u, gql_type_ref_make(actor)));
    CHECK(!gql_type_ref_equal(u, u_nn));
    CHECK(gql_type_ref_equal(gql_type_ref_of(u_nn), u));
    CHECK(gql_type_ref_equal(gql_type_ref_nullable(u_nn), u));
    CHECK_INT(gql_type_ref_kind(l_u), GQL_REF_LIST);
    CHECK_INT(gql_type_ref_kind(gql_type_ref_of(l_u)), GQL_REF_NAMED);
    gql_type_ref_t deep = u;
    int wraps = 0;
    while (gql_type_ref_wrap(&deep, GQL_REF_LIST) == 0)
        wraps++;
    CHECK_INT(wraps, GQL_TYPE_REF_MAX_WRAP);
    char small[4];
    CHECK_INT(gql_print_type_ref(friends->type, small, sizeof small), 8);
    CHECK_STR(small, "[Us");

    gql_schema_destroy(&s);
    CHECK(s == NULL);
    gql_schema_destroy(&s);
}

static void
test_default_roots_and_minimal(void)
{
    const char *sdl = "type Query { a: Int } type Mutation { b: Int }";
    gql_error_t e;
    gql_schema_t *s = gql_schema_new_from_sdl(NAME(sdl), &e);
    CHECK(s != NULL);
    if (s) {
        CHECK(gql_schema_query_type(s) == gql_schema_type(s, NAME("Query")));
        CHECK(gql_schema_mutation_type(s) == gql_schema_type(s, NAME("Mutation")));
        CHECK(gql_schema_subscription_type(s) == NULL);
        CHECK(gql_schema_description(s).data == NULL);
    }
    gql_schema_destroy(&s);
}

/* One broken schema: its SDL, the message, the position and the detail. */
typedef struct {
    const char *sdl;
    gql_error_code_t code;
    const char *message;
    uint32_t line, column;
    const char *detail;
} s_broken_t;

static const s_broken_t s_broken[] = {
    { "type Query { a: Int", GQL_ERR_SYNTAX, "expected name", 1, 20, "<EOF>" },
    { "type Query { a: Tema }", GQL_ERR_SCHEMA, "unknown type", 1, 17, "Query.a: Tema" },
    { "type Query { a(x: [Nope!]): Int }", GQL_ERR_SCHEMA, "unknown type", 1, 20,
      "Query.a.x: Nope" },
    { "type Query { a: Int }\ntype Query { b: Int }", GQL_ERR_SCHEMA,
      "type defined more than once", 2, 1, "Query" },
    { "type Query { a: Int }\nscalar String", GQL_ERR_SCHEMA, "built-in type redefined", 2, 1,
      "String" },
    { "type Query { a: Int a: String }", GQL_ERR_SCHEMA, "field defined more than once", 1,
      21, "Query.a" },
    { "type Query { a(x: Int, x: Int): Int }", GQL_ERR_SCHEMA,
      "argument or input field defined more than once", 1, 24, "Query.a.x" },
    { "type Query { a: Int }\ntype Empty", GQL_ERR_SCHEMA,
      "object and interface types need at least one field", 2, 1, "Empty" },
    { "type Query { a: In }\ninput In { x: Int }", GQL_ERR_SCHEMA, "field of a non-output type",
      1, 17, "Query.a: In" },
    { "type Query { a(x: Query): Int }", GQL_ERR_SCHEMA,
      "argument or input field of a non-input type", 1, 19, "Query.a.x: Query" },
    { "type Query { a: Int }\ninput In { x: Query }", GQL_ERR_SCHEMA,
      "argument or input field of a non-input type", 2, 15, "In.x: Query" },
    { "type Query { a: U }\nunion U = Query | In\ninput In { x: Int }", GQL_ERR_SCHEMA,
      "union members must be object types", 2, 19, "U: In" },
    { "type Query { a: U }\nunion U", GQL_ERR_SCHEMA, "union types need at least one member",
      2, 1, "U" },
    { "type Query { a: U }\nunion U = Query | Query", GQL_ERR_SCHEMA,
      "union member listed more than once", 2, 19, "U: Query" },
    { "type Query implements Query { a: Int }", GQL_ERR_SCHEMA,
      "only interfaces can be implemented", 1, 23, "Query: Query" },
    { "interface I implements I { a: Int }\ntype Query { a: I }", GQL_ERR_SCHEMA,
      "an interface cannot implement itself", 1, 24, "I" },
    { "interface I { a: Int b: Int }\ntype Query implements I { a: Int }", GQL_ERR_SCHEMA,
      "interface field not implemented", 2, 1, "Query.b" },
    { "interface I { a: Int! }\ntype Query implements I { a: Int }", GQL_ERR_SCHEMA,
      "field type incompatible with the interface", 2, 27, "Query.a" },
    { "interface I { a(x: Int): Int }\ntype Query implements I { a: Int }", GQL_ERR_SCHEMA,
      "interface field argument not implemented", 2, 27, "Query.a(x:)" },
    { "interface I { a(x: Int): Int }\ntype Query implements I { a(x: Int!): Int }",
      GQL_ERR_SCHEMA, "argument type differs from the interface's", 2, 29, "Query.a(x:)" },
    { "interface I { a: Int }\ntype Query implements I { a(y: Int!): Int }", GQL_ERR_SCHEMA,
      "extra argument of an interface field must be optional", 2, 29, "Query.a(y:)" },
    { "interface I { a: Int }\ninterface J implements I { a: Int }\n"
      "type Query implements J { a: Int }",
      GQL_ERR_SCHEMA, "type must also implement the interface's interfaces", 3, 1, "Query: I" },
    { "type Query { a: Int }\nenum E", GQL_ERR_SCHEMA, "enum types need at least one value", 2,
      1, "E" },
    { "type Query { a: Int }\nenum E { A B A }", GQL_ERR_SCHEMA,
      "enum value defined more than once", 2, 14, "E.A" },
    { "type Query { a: Int }\ninput In", GQL_ERR_SCHEMA,
      "input object types need at least one field", 2, 1, "In" },
    { "type Q { a: Int }", GQL_ERR_SCHEMA, "schema has no query root type", 1, 1, "" },
    { "type Query { a: Int }\nschema { query: In }\ninput In { a: Int }", GQL_ERR_SCHEMA,
      "root operation types must be object types", 2, 17, "schema: In" },
    { "type Query { a: Int }\nschema { query: Query query: Query }", GQL_ERR_SCHEMA,
      "root operation type defined more than once", 2, 23, "schema: Query" },
    { "type Query { a: Int }\nschema { query: Query }\nschema { query: Query }",
      GQL_ERR_SCHEMA, "schema defined more than once", 3, 1, "" },
    { "type Query { a: Int }\nextend schema { mutation: Query }", GQL_ERR_SCHEMA,
      "schema extension without a schema definition", 2, 1, "" },
    { "type __Query { a: Int }", GQL_ERR_SCHEMA, "names starting with \"__\" are reserved", 1,
      6, "__Query" },
    { "type Query { __a: Int }", GQL_ERR_SCHEMA, "names starting with \"__\" are reserved", 1,
      14, "Query.__a" },
    { "type Query { a(__x: Int): Int }", GQL_ERR_SCHEMA,
      "names starting with \"__\" are reserved", 1, 16, "Query.a.__x" },
    { "type Query { a: Int }\ndirective @__d on FIELD", GQL_ERR_SCHEMA,
      "names starting with \"__\" are reserved", 2, 1, "@__d" },
    { "type Query { a: Int }\ndirective @skip on FIELD", GQL_ERR_SCHEMA,
      "directive defined more than once", 2, 1, "@skip" },
    { "type Query { a: Int @nope }", GQL_ERR_SCHEMA, "unknown directive", 1, 21,
      "Query.a: @nope" },
    { "type Query @deprecated { a: Int }", GQL_ERR_SCHEMA,
      "directive not allowed in this location", 1, 12, "Query: @deprecated" },
    { "type Query { a: Int @deprecated @deprecated }", GQL_ERR_SCHEMA,
      "directive is not repeatable", 1, 33, "Query.a: @deprecated" },
    { "type Query { a: Int @deprecated(why: \"x\") }", GQL_ERR_SCHEMA, "unknown argument", 1,
      33, "Query.a: @deprecated(why:)" },
    { "type Query { a: Int @deprecated(reason: 1) }", GQL_ERR_SCHEMA,
      "argument value of the wrong type", 1, 41, "Query.a: @deprecated(reason:)" },
    { "type Query { a: Int }\nscalar D @specifiedBy", GQL_ERR_SCHEMA,
      "missing required argument", 2, 10, "D: @specifiedBy(url:)" },
    { "type Query { a(x: Int = \"1\"): Int }", GQL_ERR_SCHEMA,
      "default value of the wrong type", 1, 25, "Query.a.x" },
    { "type Query { a(x: Int = 2147483648): Int }", GQL_ERR_SCHEMA,
      "default value of the wrong type", 1, 25, "Query.a.x" },
    { "type Query { a(x: E = C): Int }\nenum E { A B }", GQL_ERR_SCHEMA,
      "default value of the wrong type", 1, 23, "Query.a.x" },
    { "type Query { a(x: In = {b: 1}): Int }\ninput In { a: Int! }", GQL_ERR_SCHEMA,
      "default value of the wrong type", 1, 24, "Query.a.x" },
    { "type Query { a(x: Int! = null): Int }", GQL_ERR_SCHEMA,
      "default value of the wrong type", 1, 26, "Query.a.x" },
    { "type Query { a(x: Int! @deprecated): Int }", GQL_ERR_SCHEMA,
      "required argument or input field cannot be deprecated", 1, 16, "Query.a.x" },
    { "type Query { a(x: A): Int }\ninput A { b: B! }\ninput B { a: A! }", GQL_ERR_SCHEMA,
      "input object references itself through non-null fields", 3, 11, "B.a" },
    { "type Query { a(x: A): Int }\ninput A { a: A! }", GQL_ERR_SCHEMA,
      "input object references itself through non-null fields", 2, 11, "A.a" },
    { "type Query { a(x: O): Int }\ninput O @oneOf { a: Int! b: Int }", GQL_ERR_SCHEMA,
      "field of a @oneOf input object must be nullable", 2, 18, "O.a" },
    { "type Query { a(x: O): Int }\ninput O @oneOf { a: Int b: Int = 1 }", GQL_ERR_SCHEMA,
      "field of a @oneOf input object cannot have a default value", 2, 25, "O.b" },
    { "type Query { a(x: O): Int }\ninput O @oneOf { a: Int }\nextend input O { b: Int! }",
      GQL_ERR_SCHEMA, "field of a @oneOf input object must be nullable", 3, 18, "O.b" },
    { "type Query @oneOf { a: Int }", GQL_ERR_SCHEMA,
      "directive not allowed in this location", 1, 12, "Query: @oneOf" },
    { "type Query { a: Int }\ninput O @oneOf @oneOf { a: Int }", GQL_ERR_SCHEMA,
      "directive is not repeatable", 2, 16, "O: @oneOf" },
    { "type Query { a: Int }\nextend type Nope { b: Int }", GQL_ERR_SCHEMA,
      "extension of an unknown type", 2, 13, "Nope" },
    { "type Query { a: Int }\nextend input Query { b: Int }", GQL_ERR_SCHEMA,
      "extension of a type of another kind", 2, 1, "Query" },
    { "type Query { a: Int }\nextend scalar String @specifiedBy(url: \"x\")", GQL_ERR_SCHEMA,
      "built-in types cannot be extended", 2, 15, "String" },
    { "type Query { a: Int }\nextend type Query { a: String }", GQL_ERR_SCHEMA,
      "field defined more than once", 2, 21, "Query.a" },
    { "type Query { a: Int }\n{ a }", GQL_ERR_SYNTAX,
      "executable definition not allowed in a schema document", 2, 1, "{" },
};

static void
test_broken_schemas(void)
{
    for (size_t i = 0; i < sizeof s_broken / sizeof s_broken[0]; i++) {
        const s_broken_t *b = &s_broken[i];
        gql_error_t e;
        gql_schema_t *s = gql_schema_new_from_sdl(NAME(b->sdl), &e);
        if (s || e.code != b->code || strcmp(e.message, b->message) != 0
            || e.line != b->line || e.column != b->column || strcmp(e.detail, b->detail) != 0)
            fprintf(stderr, "broken schema #%zu: %s\n  want %s %u:%u [%s]\n  got  %s %u:%u [%s]\n",
                    i, b->sdl, b->message, b->line, b->column, b->detail,
                    s ? "(accepted)" : e.message, e.line, e.column, e.detail);
        CHECK(s == NULL);
        CHECK_INT(e.code, b->code);
        CHECK_STR(e.message, b->message);
        CHECK_INT(e.line, b->line);
        CHECK_INT(e.column, b->column);
        CHECK_STR(e.detail, b->detail);
        gql_schema_destroy(&s);
    }
    /* err may be NULL. */
    CHECK(gql_schema_new_from_sdl(NAME("type X { a: Int }"), NULL) == NULL);
}

static void
test_long_input_chain(void)
{
    /* 50,000 input types, each requiring the next: fine when the chain ends, refused when
       it closes into a cycle; neither may exhaust the C stack. */
    enum { N = 50000 };
    size_t cap = (size_t) N * 48 + 64, n = 0;
    char *sdl = malloc(cap);
    n += (size_t) snprintf(sdl + n, cap - n, "type Query { a(x: A0): Int }\n");
    for (int i = 0; i < N - 1; i++)
        n += (size_t) snprintf(sdl + n, cap - n, "input A%d { a: A%d! }\n", i, i + 1);
    size_t tail = n;
    snprintf(sdl + n, cap - n, "input A%d { x: Int }\n", N - 1);
    gql_error_t e;
    gql_schema_t *s = gql_schema_new_from_sdl(sdl, strlen(sdl), &e);
    CHECK(s != NULL);
    gql_schema_destroy(&s);
    snprintf(sdl + tail, cap - tail, "input A%d { x: A0! }\n", N - 1);
    s = gql_schema_new_from_sdl(sdl, strlen(sdl), &e);
    CHECK(s == NULL);
    CHECK_STR(e.message, "input object references itself through non-null fields");
    CHECK_INT(e.line, N + 1);
    gql_schema_destroy(&s);
    free(sdl);
}

/* @oneOf on an input object's definition makes it a oneOf input object; on an extension
   it does not (graphql-js 16.9 reads the definition only). */
static void
test_one_of(void)
{
    gql_error_t e;
    gql_schema_t *s = gql_schema_new_from_sdl(NAME("type Query { a(x: O, y: P, z: Q): Int }\n"
                                                   "input O @oneOf { a: Int b: [String!] c: Q }\n"
                                                   "input P { a: Int }\nextend input P @oneOf\n"
                                                   "input Q { a: Int! = 1 }"),
                                              &e);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(s_type(s, "O")->one_of);
    CHECK(!s_type(s, "P")->one_of);
    CHECK(!s_type(s, "Q")->one_of);
    CHECK(!s_type(s, "Query")->one_of);
    gql_schema_destroy(&s);
}

static void
test_project_schema(void)
{
    /* The gateway's real schema must load (when it is there: the lead owns it). */
    char path[1024];
    const char *dir = getenv("GQL_TEST_DIR");
    snprintf(path, sizeof path, "%s/../../services/gateway/schema.graphql", dir ? dir : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fclose(f);
    size_t len;
    char *sdl = gql_test_read_file("../../services/gateway/schema.graphql", &len);
    gql_error_t e;
    gql_schema_t *s = gql_schema_new_from_sdl(sdl, len, &e);
    if (!s)
        fprintf(stderr, "services/gateway/schema.graphql: %s at %u:%u [%s]\n", e.message,
                e.line, e.column, e.detail);
    CHECK(s != NULL);
    gql_schema_destroy(&s);
    free(sdl);
}

int
main(void)
{
    R5_TEST_RUN(test_kitchen_sink);
    R5_TEST_RUN(test_default_roots_and_minimal);
    R5_TEST_RUN(test_broken_schemas);
    R5_TEST_RUN(test_long_input_chain);
    R5_TEST_RUN(test_one_of);
    R5_TEST_RUN(test_project_schema);
    return r5_test_report("test_gql_schema");
}
