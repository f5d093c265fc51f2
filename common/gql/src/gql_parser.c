/*  gql_parser.c - recursive-descent GraphQL parser (spec section 2 and 3 grammars).

    One s_parse_<production> per grammar production, the rule quoted above it. One token
    of lookahead (p->tok), no backtracking, no static state. Every limit is checked at the
    token that crosses it, so a hostile document costs at most `limit` tokens of work.

    Lists are gathered on a scratch stack of pointers shared by all nesting levels (a list
    only ever grows at the top while it is being parsed), then copied into the arena as an
    exact-size array once the closing token is seen.
*/
#include "gql_parser.h"
#include "gql_arena.h"
#include "gql_lexer.h"

#include <stdlib.h>

/* Whatever the limits say, recursion stops here: the C stack is the real bound. */
#define S_HARD_MAX_DEPTH 512

typedef struct {
    gql_lexer_t lx;
    gql_token_t tok; /* the lookahead */
    gql_limits_t limits;
    gql_error_t *err;
    gql_arena_t *arena;
    gql_document_t *doc;
    const char *src;
    uint32_t depth;
    uint32_t max_depth; /* effective limit (limits.max_depth or the hard cap) */
    uint32_t tokens;
    bool sdl;     /* TypeSystemDocument only */
    void **stack; /* scratch for lists */
    size_t top;
    size_t cap;
} s_parser_t;

/* =======================================================================================
 *  Errors
 * ===================================================================================== */

/* Fills the error at location `loc` with the text of the current token as detail.
   Returns -1. */
static int
s_error_at (s_parser_t *p, gql_error_code_t code, const char *message, uint32_t line, uint32_t column, uint32_t offset)
{
    gql_error_t *err = p->err;
    err->code = code;
    err->message = message;
    err->line = line;
    err->column = column;
    err->offset = offset;
    if (p->tok.kind == GQL_TOK_EOF) {
        memcpy (err->detail, "<EOF>", 6);
    }
    else {
        size_t n = p->tok.len < sizeof err->detail - 1 ? p->tok.len : sizeof err->detail - 1;
        memcpy (err->detail, p->src + p->tok.offset, n);
        err->detail [n] = '\0';
    }
    return -1;
}

/* An error at the current token. Returns -1. */
static int
s_error (s_parser_t *p, gql_error_code_t code, const char *message)
{
    return s_error_at (p, code, message, p->tok.line, p->tok.column, p->tok.offset);
}

/* A syntax error at the current token. Returns -1. */
static int
s_syntax (s_parser_t *p, const char *message)
{
    return s_error (p, GQL_ERR_SYNTAX, message);
}

/* Out of memory. Returns -1. */
static int
s_nomem (s_parser_t *p)
{
    return s_error (p, GQL_ERR_NOMEM, "out of memory");
}

/* =======================================================================================
 *  Tokens
 * ===================================================================================== */

/* Moves to the next token, counting it against the token limit. Returns 0 or -1. */
static int
s_advance (s_parser_t *p)
{
    if (gql_lexer_next (&p->lx, &p->tok, p->err) < 0)
        return -1;
    if (p->tok.kind != GQL_TOK_EOF) {
        p->tokens++;
        if (p->limits.max_tokens && p->tokens > p->limits.max_tokens)
            return s_error (p, GQL_ERR_TOO_MANY_TOKENS, "too many tokens");
    }
    return 0;
}

static bool
s_peek (const s_parser_t *p, gql_token_kind_t kind)
{
    return p->tok.kind == kind;
}

/* True when the lookahead is the name `word`. */
static bool
s_peek_keyword (const s_parser_t *p, const char *word)
{
    if (p->tok.kind != GQL_TOK_NAME)
        return false;
    gql_str_t s = { p->src + p->tok.offset, p->tok.len };
    return gql_str_eq (s, word);
}

static bool
s_peek_string (const s_parser_t *p)
{
    return p->tok.kind == GQL_TOK_STRING || p->tok.kind == GQL_TOK_BLOCK_STRING;
}

static gql_loc_t
s_loc (const s_parser_t *p)
{
    gql_loc_t loc = { p->tok.line, p->tok.column, p->tok.offset };
    return loc;
}

static gql_str_t
s_text (const s_parser_t *p)
{
    gql_str_t s = { p->src + p->tok.offset, p->tok.len };
    return s;
}

/* The message for a missing token of `kind`. */
static const char *
s_expected (gql_token_kind_t kind)
{
    switch (kind) {
        case GQL_TOK_EOF: return "expected end of document";
        case GQL_TOK_BANG: return "expected '!'";
        case GQL_TOK_DOLLAR: return "expected '$'";
        case GQL_TOK_AMP: return "expected '&'";
        case GQL_TOK_PAREN_L: return "expected '('";
        case GQL_TOK_PAREN_R: return "expected ')'";
        case GQL_TOK_SPREAD: return "expected '...'";
        case GQL_TOK_COLON: return "expected ':'";
        case GQL_TOK_EQUALS: return "expected '='";
        case GQL_TOK_AT: return "expected '@'";
        case GQL_TOK_BRACKET_L: return "expected '['";
        case GQL_TOK_BRACKET_R: return "expected ']'";
        case GQL_TOK_BRACE_L: return "expected '{'";
        case GQL_TOK_PIPE: return "expected '|'";
        case GQL_TOK_BRACE_R: return "expected '}'";
        case GQL_TOK_NAME: return "expected name";
        case GQL_TOK_INT: return "expected int";
        case GQL_TOK_FLOAT: return "expected float";
        case GQL_TOK_STRING:
        case GQL_TOK_BLOCK_STRING: return "expected string";
    }
    return "unexpected token";
}

/* Consumes a token of `kind`, or fails with "expected ...". Returns 0 or -1. */
static int
s_expect (s_parser_t *p, gql_token_kind_t kind)
{
    if (p->tok.kind != kind)
        return s_syntax (p, s_expected (kind));
    return s_advance (p);
}

/* Consumes a token of `kind` if it is the lookahead. Returns 1 when consumed, 0 when
   not, -1 on a lexical error after it. */
static int
s_accept (s_parser_t *p, gql_token_kind_t kind)
{
    if (p->tok.kind != kind)
        return 0;
    return s_advance (p) < 0 ? -1 : 1;
}

/* Consumes the keyword `word`, or fails with `message`. */
static int
s_expect_keyword (s_parser_t *p, const char *word, const char *message)
{
    if (!s_peek_keyword (p, word))
        return s_syntax (p, message);
    return s_advance (p);
}

/* Name :: NameStart NameContinue* [lookahead != NameContinue]
   Consumes a name into *out (and *loc when not NULL). Returns 0 or -1. */
static int
s_parse_name (s_parser_t *p, gql_str_t *out, gql_loc_t *loc)
{
    if (p->tok.kind != GQL_TOK_NAME)
        return s_syntax (p, "expected name");
    *out = s_text (p);
    if (loc)
        *loc = s_loc (p);
    return s_advance (p);
}

/* =======================================================================================
 *  Limits and memory
 * ===================================================================================== */

/* Enters one nesting level at the current token. Returns 0 or -1. */
static int
s_enter (s_parser_t *p)
{
    if (p->depth >= p->max_depth)
        return s_error (p, GQL_ERR_TOO_DEEP, "document nested too deeply");
    p->depth++;
    if (p->depth > p->doc->max_depth)
        p->doc->max_depth = p->depth;
    return 0;
}

static void
s_leave (s_parser_t *p)
{
    p->depth--;
}

/* Allocates a zeroed node, or fails with GQL_ERR_NOMEM. */
static void *
s_new (s_parser_t *p, size_t size)
{
    void *node = gql_arena_alloc (p->arena, size);
    if (!node)
        s_nomem (p);
    return node;
}
#define S_NEW(p, T) ((T *) s_new ((p), sizeof (T)))

/* Pushes an item on the scratch stack. Returns 0 or -1. */
static int
s_push (s_parser_t *p, void *item)
{
    if (p->top == p->cap && gql_grow (&p->stack, &p->cap, p->top + 1, sizeof *p->stack, 64) < 0)
        return s_nomem (p);
    p->stack [p->top++] = item;
    return 0;
}

/* Pops the items pushed since `base` into an exact-size arena array of T*, stored in
   `arr` with the count in `count`. Evaluates to 0, or -1 when out of memory. One typed
   function per element type, so every pointer is converted, never type-punned. */
#define S_LIST_FINISH(p, base, T, arr, count) s_finish_##T ((p), (base), &(arr), &(count))

#define S_DEFINE_FINISH(T)                                                        \
    static int s_finish_##T (s_parser_t *p, size_t base, T ***arr, size_t *count) \
    {                                                                             \
        size_t n = p->top - base;                                                 \
        *count = n;                                                               \
        *arr = NULL;                                                              \
        if (n > 0) {                                                              \
            T **out = gql_arena_alloc (p->arena, n * sizeof *out);                \
            if (!out)                                                             \
                return s_nomem (p);                                               \
            for (size_t i = 0; i < n; i++)                                        \
                out [i] = p->stack [base + i];                                    \
            *arr = out;                                                           \
        }                                                                         \
        p->top = base;                                                            \
        return 0;                                                                 \
    }
S_DEFINE_FINISH (gql_definition_t)
S_DEFINE_FINISH (gql_variable_def_t)
S_DEFINE_FINISH (gql_selection_t)
S_DEFINE_FINISH (gql_argument_t)
S_DEFINE_FINISH (gql_directive_t)
S_DEFINE_FINISH (gql_value_t)
S_DEFINE_FINISH (gql_name_t)
S_DEFINE_FINISH (gql_field_def_t)
S_DEFINE_FINISH (gql_input_value_def_t)
S_DEFINE_FINISH (gql_enum_value_def_t)
S_DEFINE_FINISH (gql_root_op_def_t)

/* =======================================================================================
 *  Values
 * ===================================================================================== */

/* The value of the current STRING / BLOCK_STRING token: a slice of the source when it has
   no escapes, an arena copy otherwise. Does not advance. */
static int
s_string_value (s_parser_t *p, gql_str_t *out)
{
    if (gql_token_is_plain_string (&p->tok)) {
        out->data = p->src + p->tok.offset + 1;
        out->len = p->tok.len - 2;
        return 0;
    }
    char *buf = gql_arena_alloc (p->arena, p->tok.len);
    if (!buf)
        return s_nomem (p);
    out->data = buf;
    out->len = gql_lexer_cook_string (p->src, &p->tok, buf);
    return 0;
}

static gql_value_t *s_parse_value (s_parser_t *p, bool is_const);

/* ListValue[Const] :
     [ ]
     [ Value[?Const]+ ] */
static gql_value_t *
s_parse_list_value (s_parser_t *p, gql_value_t *v, bool is_const)
{
    if (s_enter (p) < 0 || s_expect (p, GQL_TOK_BRACKET_L) < 0)
        return NULL;
    size_t base = p->top;
    while (!s_peek (p, GQL_TOK_BRACKET_R)) {
        gql_value_t *item = s_parse_value (p, is_const);
        if (!item || s_push (p, item) < 0)
            return NULL;
    }
    if (S_LIST_FINISH (p, base, gql_value_t, v->items, v->item_count) < 0 || s_expect (p, GQL_TOK_BRACKET_R) < 0)
        return NULL;
    s_leave (p);
    return v;
}

/* ObjectField[Const] : Name : Value[?Const]
   Argument[Const] : Name : Value[?Const]
   (one shape, one node type: gql_argument_t) */
static gql_argument_t *
s_parse_argument (s_parser_t *p, bool is_const)
{
    gql_argument_t *arg = S_NEW (p, gql_argument_t);
    if (!arg || s_parse_name (p, &arg->name, &arg->loc) < 0 || s_expect (p, GQL_TOK_COLON) < 0)
        return NULL;
    arg->value = s_parse_value (p, is_const);
    return arg->value ? arg : NULL;
}

/* ObjectValue[Const] :
     { }
     { ObjectField[?Const]+ } */
static gql_value_t *
s_parse_object_value (s_parser_t *p, gql_value_t *v, bool is_const)
{
    if (s_enter (p) < 0 || s_expect (p, GQL_TOK_BRACE_L) < 0)
        return NULL;
    size_t base = p->top;
    while (!s_peek (p, GQL_TOK_BRACE_R)) {
        gql_argument_t *field = s_parse_argument (p, is_const);
        if (!field || s_push (p, field) < 0)
            return NULL;
    }
    if (S_LIST_FINISH (p, base, gql_argument_t, v->fields, v->field_count) < 0 || s_expect (p, GQL_TOK_BRACE_R) < 0)
        return NULL;
    s_leave (p);
    return v;
}

/* Value[Const] :
     [~Const] Variable
     IntValue
     FloatValue
     StringValue
     BooleanValue
     NullValue
     EnumValue
     ListValue[?Const]
     ObjectValue[?Const]
   Variable : $ Name
   BooleanValue : one of true false
   NullValue : null
   EnumValue : Name but not true or false or null */
static gql_value_t *
s_parse_value (s_parser_t *p, bool is_const)
{
    gql_value_t *v = S_NEW (p, gql_value_t);
    if (!v)
        return NULL;
    v->loc = s_loc (p);
    switch (p->tok.kind) {
        case GQL_TOK_BRACKET_L: v->kind = GQL_VALUE_LIST; return s_parse_list_value (p, v, is_const);
        case GQL_TOK_BRACE_L: v->kind = GQL_VALUE_OBJECT; return s_parse_object_value (p, v, is_const);
        case GQL_TOK_DOLLAR:
            if (is_const) {
                s_syntax (p, "unexpected variable in constant value");
                return NULL;
            }
            v->kind = GQL_VALUE_VARIABLE;
            if (s_advance (p) < 0 || s_parse_name (p, &v->str, NULL) < 0)
                return NULL;
            return v;
        case GQL_TOK_INT:
        case GQL_TOK_FLOAT:
            v->kind = p->tok.kind == GQL_TOK_INT ? GQL_VALUE_INT : GQL_VALUE_FLOAT;
            v->str = s_text (p);
            break;
        case GQL_TOK_STRING:
        case GQL_TOK_BLOCK_STRING:
            v->kind = GQL_VALUE_STRING;
            v->block = p->tok.kind == GQL_TOK_BLOCK_STRING;
            if (s_string_value (p, &v->str) < 0)
                return NULL;
            break;
        case GQL_TOK_NAME:
            v->str = s_text (p);
            if (gql_str_eq (v->str, "true") || gql_str_eq (v->str, "false")) {
                v->kind = GQL_VALUE_BOOLEAN;
                v->boolean = v->str.data [0] == 't';
            }
            else if (gql_str_eq (v->str, "null")) {
                v->kind = GQL_VALUE_NULL;
            }
            else {
                v->kind = GQL_VALUE_ENUM;
            }
            break;
        default: s_syntax (p, "expected value"); return NULL;
    }
    return s_advance (p) < 0 ? NULL : v;
}

/* =======================================================================================
 *  Directives and arguments
 * ===================================================================================== */

/* Arguments[Const] : ( Argument[?Const]+ )
   Parses optional arguments into *arr / *count. Returns 0 or -1. */
static int
s_parse_arguments (s_parser_t *p, bool is_const, gql_argument_t ***arr, size_t *count)
{
    *arr = NULL;
    *count = 0;
    if (!s_peek (p, GQL_TOK_PAREN_L))
        return 0;
    if (s_advance (p) < 0)
        return -1;
    size_t base = p->top;
    do {
        gql_argument_t *arg = s_parse_argument (p, is_const);
        if (!arg || s_push (p, arg) < 0)
            return -1;
    } while (!s_peek (p, GQL_TOK_PAREN_R));
    if (S_LIST_FINISH (p, base, gql_argument_t, *arr, *count) < 0)
        return -1;
    return s_expect (p, GQL_TOK_PAREN_R);
}

/* Directive[Const] : @ Name Arguments[?Const]? */
static gql_directive_t *
s_parse_directive (s_parser_t *p, bool is_const)
{
    gql_directive_t *d = S_NEW (p, gql_directive_t);
    if (!d)
        return NULL;
    d->loc = s_loc (p);
    p->doc->directive_count++;
    if (p->limits.max_directives && p->doc->directive_count > p->limits.max_directives) {
        s_error (p, GQL_ERR_TOO_MANY_DIRECTIVES, "too many directives");
        return NULL;
    }
    if (s_expect (p, GQL_TOK_AT) < 0 || s_parse_name (p, &d->name, NULL) < 0
        || s_parse_arguments (p, is_const, &d->arguments, &d->argument_count) < 0)
        return NULL;
    return d;
}

/* Directives[Const] : Directive[?Const]+
   Parses optional directives into *arr / *count. Returns 0 or -1. */
static int
s_parse_directives (s_parser_t *p, bool is_const, gql_directive_t ***arr, size_t *count)
{
    *arr = NULL;
    *count = 0;
    size_t base = p->top;
    while (s_peek (p, GQL_TOK_AT)) {
        gql_directive_t *d = s_parse_directive (p, is_const);
        if (!d || s_push (p, d) < 0)
            return -1;
    }
    return S_LIST_FINISH (p, base, gql_directive_t, *arr, *count);
}

/* =======================================================================================
 *  Types
 * ===================================================================================== */

/* Type :
     NamedType
     ListType
     NonNullType
   NamedType : Name
   ListType : [ Type ]
   NonNullType :
     NamedType !
     ListType ! */
static gql_type_node_t *
s_parse_type (s_parser_t *p)
{
    gql_type_node_t *t = S_NEW (p, gql_type_node_t);
    if (!t)
        return NULL;
    t->loc = s_loc (p);
    if (s_peek (p, GQL_TOK_BRACKET_L)) {
        if (s_enter (p) < 0 || s_advance (p) < 0)
            return NULL;
        t->kind = GQL_TYPE_NODE_LIST;
        t->of_type = s_parse_type (p);
        if (!t->of_type || s_expect (p, GQL_TOK_BRACKET_R) < 0)
            return NULL;
        s_leave (p);
    }
    else {
        t->kind = GQL_TYPE_NODE_NAMED;
        if (s_parse_name (p, &t->name, NULL) < 0)
            return NULL;
    }
    if (s_peek (p, GQL_TOK_BANG)) {
        gql_type_node_t *nn = S_NEW (p, gql_type_node_t);
        if (!nn)
            return NULL;
        nn->kind = GQL_TYPE_NODE_NON_NULL;
        nn->loc = t->loc;
        nn->of_type = t;
        if (s_advance (p) < 0)
            return NULL;
        return nn;
    }
    return t;
}

/* DefaultValue : = Value[Const]
   Parses an optional default value into *out (left NULL when there is none). Returns 0
   or -1. */
static int
s_parse_default_value (s_parser_t *p, gql_value_t **out)
{
    int eq = s_accept (p, GQL_TOK_EQUALS);
    if (eq <= 0)
        return eq;
    *out = s_parse_value (p, true);
    return *out ? 0 : -1;
}

/* NamedType : Name — with its own location. */
static gql_name_t *
s_parse_named_type (s_parser_t *p)
{
    gql_name_t *n = S_NEW (p, gql_name_t);
    if (!n || s_parse_name (p, &n->value, &n->loc) < 0)
        return NULL;
    return n;
}

/* =======================================================================================
 *  Executable definitions
 * ===================================================================================== */

static gql_selection_set_t *s_parse_selection_set (s_parser_t *p);

/* Field : Alias? Name Arguments? Directives? SelectionSet?
   Alias : Name : */
static gql_selection_t *
s_parse_field (s_parser_t *p, gql_selection_t *sel)
{
    sel->kind = GQL_SELECTION_FIELD;
    if (s_parse_name (p, &sel->name, NULL) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_COLON)) {
        p->doc->alias_count++;
        if (p->limits.max_aliases && p->doc->alias_count > p->limits.max_aliases) {
            s_error_at (p, GQL_ERR_TOO_MANY_ALIASES, "too many aliases", sel->loc.line, sel->loc.column,
                        sel->loc.offset);
            /* Name the alias, not the ':' after it. */
            size_t n = sel->name.len < sizeof p->err->detail - 1 ? sel->name.len : sizeof p->err->detail - 1;
            memcpy (p->err->detail, sel->name.data, n);
            p->err->detail [n] = '\0';
            return NULL;
        }
        sel->alias = sel->name;
        if (s_advance (p) < 0 || s_parse_name (p, &sel->name, NULL) < 0)
            return NULL;
    }
    if (s_parse_arguments (p, false, &sel->arguments, &sel->argument_count) < 0
        || s_parse_directives (p, false, &sel->directives, &sel->directive_count) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_BRACE_L)) {
        sel->selection_set = s_parse_selection_set (p);
        if (!sel->selection_set)
            return NULL;
    }
    return sel;
}

/* FragmentSpread : ... FragmentName Directives?
   InlineFragment : ... TypeCondition? Directives? SelectionSet
   TypeCondition : on NamedType
   (after the "...", a name other than `on` makes a spread) */
static gql_selection_t *
s_parse_fragment_selection (s_parser_t *p, gql_selection_t *sel)
{
    if (s_expect (p, GQL_TOK_SPREAD) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_NAME) && !s_peek_keyword (p, "on")) {
        sel->kind = GQL_SELECTION_FRAGMENT_SPREAD;
        if (s_parse_name (p, &sel->name, NULL) < 0
            || s_parse_directives (p, false, &sel->directives, &sel->directive_count) < 0)
            return NULL;
        return sel;
    }
    sel->kind = GQL_SELECTION_INLINE_FRAGMENT;
    if (s_peek_keyword (p, "on")) {
        if (s_advance (p) < 0 || s_parse_name (p, &sel->type_condition, &sel->type_condition_loc) < 0)
            return NULL;
    }
    if (s_parse_directives (p, false, &sel->directives, &sel->directive_count) < 0)
        return NULL;
    sel->selection_set = s_parse_selection_set (p);
    return sel->selection_set ? sel : NULL;
}

/* Selection :
     Field
     FragmentSpread
     InlineFragment */
static gql_selection_t *
s_parse_selection (s_parser_t *p)
{
    if (!s_peek (p, GQL_TOK_NAME) && !s_peek (p, GQL_TOK_SPREAD)) {
        s_syntax (p, "expected field or fragment");
        return NULL;
    }
    gql_selection_t *sel = S_NEW (p, gql_selection_t);
    if (!sel)
        return NULL;
    sel->loc = s_loc (p);
    sel->id = p->doc->selection_count++;
    if (s_peek (p, GQL_TOK_SPREAD))
        return s_parse_fragment_selection (p, sel);
    return s_parse_field (p, sel);
}

/* SelectionSet : { Selection+ } */
static gql_selection_set_t *
s_parse_selection_set (s_parser_t *p)
{
    gql_selection_set_t *set = S_NEW (p, gql_selection_set_t);
    if (!set)
        return NULL;
    set->loc = s_loc (p);
    if (!s_peek (p, GQL_TOK_BRACE_L)) {
        s_syntax (p, "expected '{'");
        return NULL;
    }
    if (s_enter (p) < 0 || s_advance (p) < 0)
        return NULL;
    size_t base = p->top;
    do {
        gql_selection_t *sel = s_parse_selection (p);
        if (!sel || s_push (p, sel) < 0)
            return NULL;
    } while (!s_peek (p, GQL_TOK_BRACE_R));
    if (S_LIST_FINISH (p, base, gql_selection_t, set->items, set->item_count) < 0 || s_advance (p) < 0)
        return NULL;
    s_leave (p);
    return set;
}

/* VariableDefinition : Variable : Type DefaultValue? Directives[Const]?
   Variable : $ Name
   DefaultValue : = Value[Const] */
static gql_variable_def_t *
s_parse_variable_definition (s_parser_t *p)
{
    gql_variable_def_t *var = S_NEW (p, gql_variable_def_t);
    if (!var)
        return NULL;
    var->loc = s_loc (p);
    if (s_expect (p, GQL_TOK_DOLLAR) < 0 || s_parse_name (p, &var->name, NULL) < 0 || s_expect (p, GQL_TOK_COLON) < 0)
        return NULL;
    var->type = s_parse_type (p);
    if (!var->type || s_parse_default_value (p, &var->default_value) < 0
        || s_parse_directives (p, true, &var->directives, &var->directive_count) < 0)
        return NULL;
    return var;
}

/* VariableDefinitions : ( VariableDefinition+ ) */
static int
s_parse_variable_definitions (s_parser_t *p, gql_operation_t *op)
{
    if (!s_peek (p, GQL_TOK_PAREN_L))
        return 0;
    if (s_advance (p) < 0)
        return -1;
    size_t base = p->top;
    do {
        gql_variable_def_t *var = s_parse_variable_definition (p);
        if (!var || s_push (p, var) < 0)
            return -1;
    } while (!s_peek (p, GQL_TOK_PAREN_R));
    if (S_LIST_FINISH (p, base, gql_variable_def_t, op->variables, op->variable_count) < 0)
        return -1;
    return s_advance (p);
}

/* OperationType : one of query mutation subscription
   Returns 0 and sets *out when the lookahead is one, -1 otherwise (no error set). */
static int
s_operation_type (const s_parser_t *p, gql_operation_type_t *out)
{
    if (s_peek_keyword (p, "query"))
        *out = GQL_OP_QUERY;
    else if (s_peek_keyword (p, "mutation"))
        *out = GQL_OP_MUTATION;
    else if (s_peek_keyword (p, "subscription"))
        *out = GQL_OP_SUBSCRIPTION;
    else
        return -1;
    return 0;
}

/* OperationDefinition :
     OperationType Name? VariableDefinitions? Directives? SelectionSet
     SelectionSet */
static gql_operation_t *
s_parse_operation_definition (s_parser_t *p)
{
    gql_operation_t *op = S_NEW (p, gql_operation_t);
    if (!op)
        return NULL;
    op->loc = s_loc (p);
    if (s_peek (p, GQL_TOK_BRACE_L)) {
        op->type = GQL_OP_QUERY;
        op->shorthand = true;
    }
    else {
        if (s_operation_type (p, &op->type) < 0) {
            s_syntax (p, "expected operation type");
            return NULL;
        }
        if (s_advance (p) < 0)
            return NULL;
        if (s_peek (p, GQL_TOK_NAME) && s_parse_name (p, &op->name, NULL) < 0)
            return NULL;
        if (s_parse_variable_definitions (p, op) < 0
            || s_parse_directives (p, false, &op->directives, &op->directive_count) < 0)
            return NULL;
    }
    op->selection_set = s_parse_selection_set (p);
    return op->selection_set ? op : NULL;
}

/* FragmentDefinition : fragment FragmentName TypeCondition Directives? SelectionSet
   FragmentName : Name but not `on`
   TypeCondition : on NamedType */
static gql_fragment_t *
s_parse_fragment_definition (s_parser_t *p)
{
    gql_fragment_t *frag = S_NEW (p, gql_fragment_t);
    if (!frag)
        return NULL;
    frag->loc = s_loc (p);
    if (s_expect_keyword (p, "fragment", "expected 'fragment'") < 0)
        return NULL;
    if (s_peek_keyword (p, "on")) {
        s_syntax (p, "unexpected 'on', expected fragment name");
        return NULL;
    }
    if (s_parse_name (p, &frag->name, NULL) < 0 || s_expect_keyword (p, "on", "expected 'on'") < 0
        || s_parse_name (p, &frag->type_condition, &frag->type_condition_loc) < 0
        || s_parse_directives (p, false, &frag->directives, &frag->directive_count) < 0)
        return NULL;
    frag->selection_set = s_parse_selection_set (p);
    return frag->selection_set ? frag : NULL;
}

/* =======================================================================================
 *  Type-system definitions
 * ===================================================================================== */

/* Description : StringValue
   Parses an optional description into *out. Returns 0 or -1. */
static int
s_parse_description (s_parser_t *p, gql_str_t *out)
{
    out->data = NULL;
    out->len = 0;
    if (!s_peek_string (p))
        return 0;
    if (s_string_value (p, out) < 0)
        return -1;
    return s_advance (p);
}

/* RootOperationTypeDefinition : OperationType : NamedType */
static gql_root_op_def_t *
s_parse_root_operation_type_definition (s_parser_t *p)
{
    gql_root_op_def_t *r = S_NEW (p, gql_root_op_def_t);
    if (!r)
        return NULL;
    r->loc = s_loc (p);
    if (s_operation_type (p, &r->operation) < 0) {
        /* As graphql-js: a name is consumed before it is judged, so a bad character
           after it is reported first. */
        if (s_peek (p, GQL_TOK_NAME) && s_advance (p) < 0)
            return NULL;
        s_error_at (p, GQL_ERR_SYNTAX, "expected operation type", r->loc.line, r->loc.column, r->loc.offset);
        return NULL;
    }
    if (s_advance (p) < 0 || s_expect (p, GQL_TOK_COLON) < 0 || s_parse_name (p, &r->type.value, &r->type.loc) < 0)
        return NULL;
    return r;
}

/* SchemaDefinition : Description? schema Directives[Const]? { RootOperationTypeDefinition+ }
   SchemaExtension :
     extend schema Directives[Const]? { RootOperationTypeDefinition+ }
     extend schema Directives[Const] [lookahead != {] */
static gql_schema_def_t *
s_parse_schema_definition (s_parser_t *p, gql_schema_def_t *s)
{
    if (s_expect_keyword (p, "schema", "expected 'schema'") < 0
        || s_parse_directives (p, true, &s->directives, &s->directive_count) < 0)
        return NULL;
    if (s->extend && s->directive_count > 0 && !s_peek (p, GQL_TOK_BRACE_L))
        return s;
    if (s_expect (p, GQL_TOK_BRACE_L) < 0)
        return NULL;
    size_t base = p->top;
    do {
        gql_root_op_def_t *r = s_parse_root_operation_type_definition (p);
        if (!r || s_push (p, r) < 0)
            return NULL;
    } while (!s_peek (p, GQL_TOK_BRACE_R));
    if (S_LIST_FINISH (p, base, gql_root_op_def_t, s->operations, s->operation_count) < 0 || s_advance (p) < 0)
        return NULL;
    return s;
}

/* ImplementsInterfaces :
     ImplementsInterfaces & NamedType
     implements &? NamedType */
static int
s_parse_implements_interfaces (s_parser_t *p, gql_type_def_t *t)
{
    if (!s_peek_keyword (p, "implements"))
        return 0;
    if (s_advance (p) < 0 || s_accept (p, GQL_TOK_AMP) < 0)
        return -1;
    size_t base = p->top;
    for (;;) {
        gql_name_t *n = s_parse_named_type (p);
        if (!n || s_push (p, n) < 0)
            return -1;
        int amp = s_accept (p, GQL_TOK_AMP);
        if (amp < 0)
            return -1;
        if (!amp)
            break;
    }
    return S_LIST_FINISH (p, base, gql_name_t, t->interfaces, t->interface_count);
}

/* InputValueDefinition : Description? Name : Type DefaultValue? Directives[Const]? */
static gql_input_value_def_t *
s_parse_input_value_definition (s_parser_t *p)
{
    gql_input_value_def_t *iv = S_NEW (p, gql_input_value_def_t);
    if (!iv)
        return NULL;
    iv->loc = s_loc (p);
    if (s_parse_description (p, &iv->description) < 0 || s_parse_name (p, &iv->name, NULL) < 0
        || s_expect (p, GQL_TOK_COLON) < 0)
        return NULL;
    iv->type = s_parse_type (p);
    if (!iv->type || s_parse_default_value (p, &iv->default_value) < 0
        || s_parse_directives (p, true, &iv->directives, &iv->directive_count) < 0)
        return NULL;
    return iv;
}

/* ArgumentsDefinition : ( InputValueDefinition+ )
   InputFieldsDefinition : { InputValueDefinition+ }
   Parses either (`open` tells which) into *arr / *count. Returns 0 or -1. */
static int
s_parse_input_value_definitions (s_parser_t *p, gql_token_kind_t open, gql_token_kind_t close,
                                 gql_input_value_def_t ***arr, size_t *count)
{
    if (s_expect (p, open) < 0)
        return -1;
    size_t base = p->top;
    do {
        gql_input_value_def_t *iv = s_parse_input_value_definition (p);
        if (!iv || s_push (p, iv) < 0)
            return -1;
    } while (!s_peek (p, close));
    if (S_LIST_FINISH (p, base, gql_input_value_def_t, *arr, *count) < 0)
        return -1;
    return s_advance (p);
}

/* FieldDefinition : Description? Name ArgumentsDefinition? : Type Directives[Const]? */
static gql_field_def_t *
s_parse_field_definition (s_parser_t *p)
{
    gql_field_def_t *f = S_NEW (p, gql_field_def_t);
    if (!f)
        return NULL;
    f->loc = s_loc (p);
    if (s_parse_description (p, &f->description) < 0 || s_parse_name (p, &f->name, NULL) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_PAREN_L)
        && s_parse_input_value_definitions (p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &f->arguments, &f->argument_count) < 0)
        return NULL;
    if (s_expect (p, GQL_TOK_COLON) < 0)
        return NULL;
    f->type = s_parse_type (p);
    if (!f->type || s_parse_directives (p, true, &f->directives, &f->directive_count) < 0)
        return NULL;
    return f;
}

/* FieldsDefinition : { FieldDefinition+ } */
static int
s_parse_fields_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_expect (p, GQL_TOK_BRACE_L) < 0)
        return -1;
    size_t base = p->top;
    do {
        gql_field_def_t *f = s_parse_field_definition (p);
        if (!f || s_push (p, f) < 0)
            return -1;
    } while (!s_peek (p, GQL_TOK_BRACE_R));
    if (S_LIST_FINISH (p, base, gql_field_def_t, t->fields, t->field_count) < 0)
        return -1;
    return s_advance (p);
}

/* ObjectTypeDefinition :
     Description? type Name ImplementsInterfaces? Directives[Const]? FieldsDefinition
     Description? type Name ImplementsInterfaces? Directives[Const]? [lookahead != {]
   InterfaceTypeDefinition : (the same with `interface`)
   ObjectTypeExtension / InterfaceTypeExtension :
     extend type Name ImplementsInterfaces? Directives[Const]? FieldsDefinition
     extend type Name ImplementsInterfaces? Directives[Const] [lookahead != {]
     extend type Name ImplementsInterfaces [lookahead != {] */
static gql_type_def_t *
s_parse_object_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_parse_implements_interfaces (p, t) < 0
        || s_parse_directives (p, true, &t->directives, &t->directive_count) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_BRACE_L)) {
        if (s_parse_fields_definition (p, t) < 0)
            return NULL;
    }
    else if (t->extend && t->interface_count == 0 && t->directive_count == 0) {
        s_syntax (p, "expected '{', an extension must add something");
        return NULL;
    }
    return t;
}

/* UnionTypeDefinition : Description? union Name Directives[Const]? UnionMemberTypes?
   UnionMemberTypes :
     UnionMemberTypes | NamedType
     = |? NamedType
   UnionTypeExtension :
     extend union Name Directives[Const]? UnionMemberTypes
     extend union Name Directives[Const] */
static gql_type_def_t *
s_parse_union_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_parse_directives (p, true, &t->directives, &t->directive_count) < 0)
        return NULL;
    if (!s_peek (p, GQL_TOK_EQUALS)) {
        if (t->extend && t->directive_count == 0) {
            s_syntax (p, "expected '=', an extension must add something");
            return NULL;
        }
        return t;
    }
    if (s_advance (p) < 0 || s_accept (p, GQL_TOK_PIPE) < 0)
        return NULL;
    size_t base = p->top;
    for (;;) {
        gql_name_t *n = s_parse_named_type (p);
        if (!n || s_push (p, n) < 0)
            return NULL;
        int pipe = s_accept (p, GQL_TOK_PIPE);
        if (pipe < 0)
            return NULL;
        if (!pipe)
            break;
    }
    if (S_LIST_FINISH (p, base, gql_name_t, t->members, t->member_count) < 0)
        return NULL;
    return t;
}

/* EnumValueDefinition : Description? EnumValue Directives[Const]?
   EnumValue : Name but not true or false or null */
static gql_enum_value_def_t *
s_parse_enum_value_definition (s_parser_t *p)
{
    gql_enum_value_def_t *ev = S_NEW (p, gql_enum_value_def_t);
    if (!ev)
        return NULL;
    ev->loc = s_loc (p);
    if (s_parse_description (p, &ev->description) < 0)
        return NULL;
    if (s_peek_keyword (p, "true") || s_peek_keyword (p, "false") || s_peek_keyword (p, "null")) {
        s_syntax (p, "enum value cannot be true, false or null");
        return NULL;
    }
    if (s_parse_name (p, &ev->name, NULL) < 0
        || s_parse_directives (p, true, &ev->directives, &ev->directive_count) < 0)
        return NULL;
    return ev;
}

/* EnumTypeDefinition :
     Description? enum Name Directives[Const]? EnumValuesDefinition
     Description? enum Name Directives[Const]? [lookahead != {]
   EnumValuesDefinition : { EnumValueDefinition+ }
   EnumTypeExtension :
     extend enum Name Directives[Const]? EnumValuesDefinition
     extend enum Name Directives[Const] [lookahead != {] */
static gql_type_def_t *
s_parse_enum_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_parse_directives (p, true, &t->directives, &t->directive_count) < 0)
        return NULL;
    if (!s_peek (p, GQL_TOK_BRACE_L)) {
        if (t->extend && t->directive_count == 0) {
            s_syntax (p, "expected '{', an extension must add something");
            return NULL;
        }
        return t;
    }
    if (s_advance (p) < 0)
        return NULL;
    size_t base = p->top;
    do {
        gql_enum_value_def_t *ev = s_parse_enum_value_definition (p);
        if (!ev || s_push (p, ev) < 0)
            return NULL;
    } while (!s_peek (p, GQL_TOK_BRACE_R));
    if (S_LIST_FINISH (p, base, gql_enum_value_def_t, t->values, t->value_count) < 0 || s_advance (p) < 0)
        return NULL;
    return t;
}

/* InputObjectTypeDefinition :
     Description? input Name Directives[Const]? InputFieldsDefinition
     Description? input Name Directives[Const]? [lookahead != {]
   InputObjectTypeExtension :
     extend input Name Directives[Const]? InputFieldsDefinition
     extend input Name Directives[Const] [lookahead != {] */
static gql_type_def_t *
s_parse_input_object_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_parse_directives (p, true, &t->directives, &t->directive_count) < 0)
        return NULL;
    if (!s_peek (p, GQL_TOK_BRACE_L)) {
        if (t->extend && t->directive_count == 0) {
            s_syntax (p, "expected '{', an extension must add something");
            return NULL;
        }
        return t;
    }
    if (s_parse_input_value_definitions (p, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, &t->input_fields, &t->input_field_count)
        < 0)
        return NULL;
    return t;
}

/* ScalarTypeDefinition : Description? scalar Name Directives[Const]?
   ScalarTypeExtension : extend scalar Name Directives[Const] */
static gql_type_def_t *
s_parse_scalar_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    if (s_parse_directives (p, true, &t->directives, &t->directive_count) < 0)
        return NULL;
    if (t->extend && t->directive_count == 0) {
        s_syntax (p, "expected '@', an extension must add something");
        return NULL;
    }
    return t;
}

/* TypeDefinition :
     ScalarTypeDefinition
     ObjectTypeDefinition
     InterfaceTypeDefinition
     UnionTypeDefinition
     EnumTypeDefinition
     InputObjectTypeDefinition
   TypeExtension : (the same, each with `extend`)
   The lookahead is the keyword; the description (if any) and `extend` are consumed. */
static gql_type_def_t *
s_parse_type_definition (s_parser_t *p, gql_type_def_t *t)
{
    static const struct {
        const char *keyword;
        gql_type_def_kind_t kind;
    } kinds [] = {
        { "scalar", GQL_TYPE_DEF_SCALAR }, { "type", GQL_TYPE_DEF_OBJECT }, { "interface", GQL_TYPE_DEF_INTERFACE },
        { "union", GQL_TYPE_DEF_UNION },   { "enum", GQL_TYPE_DEF_ENUM },   { "input", GQL_TYPE_DEF_INPUT_OBJECT },
    };
    size_t i;
    for (i = 0; i < sizeof kinds / sizeof kinds [0]; i++)
        if (s_peek_keyword (p, kinds [i].keyword))
            break;
    if (i == sizeof kinds / sizeof kinds [0]) {
        s_syntax (p, "expected type definition");
        return NULL;
    }
    t->kind = kinds [i].kind;
    if (s_advance (p) < 0 || s_parse_name (p, &t->name, &t->name_loc) < 0)
        return NULL;
    switch (t->kind) {
        case GQL_TYPE_DEF_SCALAR: return s_parse_scalar_type_definition (p, t);
        case GQL_TYPE_DEF_OBJECT:
        case GQL_TYPE_DEF_INTERFACE: return s_parse_object_type_definition (p, t);
        case GQL_TYPE_DEF_UNION: return s_parse_union_type_definition (p, t);
        case GQL_TYPE_DEF_ENUM: return s_parse_enum_type_definition (p, t);
        case GQL_TYPE_DEF_INPUT_OBJECT: return s_parse_input_object_type_definition (p, t);
    }
    return NULL;
}

/* DirectiveLocations :
     DirectiveLocations | DirectiveLocation
     |? DirectiveLocation
   DirectiveLocation : ExecutableDirectiveLocation | TypeSystemDirectiveLocation */
static int
s_parse_directive_locations (s_parser_t *p, gql_directive_def_t *d)
{
    if (s_accept (p, GQL_TOK_PIPE) < 0)
        return -1;
    for (;;) {
        if (!s_peek (p, GQL_TOK_NAME))
            return s_syntax (p, "expected directive location");
        int loc;
        for (loc = 0; loc < GQL_DIRLOC_COUNT_; loc++)
            if (s_peek_keyword (p, gql_directive_location_name ((gql_directive_location_t) loc)))
                break;
        if (loc == GQL_DIRLOC_COUNT_) {
            gql_loc_t at = s_loc (p);
            if (s_advance (p) < 0)
                return -1;
            return s_error_at (p, GQL_ERR_SYNTAX, "unknown directive location", at.line, at.column, at.offset);
        }
        d->locations |= GQL_DIRLOC_BIT (loc);
        if (s_advance (p) < 0)
            return -1;
        int pipe = s_accept (p, GQL_TOK_PIPE);
        if (pipe <= 0)
            return pipe;
    }
}

/* DirectiveDefinition :
     Description? directive @ Name ArgumentsDefinition? repeatable? on DirectiveLocations */
static gql_directive_def_t *
s_parse_directive_definition (s_parser_t *p, gql_directive_def_t *d)
{
    if (s_expect_keyword (p, "directive", "expected 'directive'") < 0 || s_expect (p, GQL_TOK_AT) < 0
        || s_parse_name (p, &d->name, NULL) < 0)
        return NULL;
    if (s_peek (p, GQL_TOK_PAREN_L)
        && s_parse_input_value_definitions (p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &d->arguments, &d->argument_count) < 0)
        return NULL;
    if (s_peek_keyword (p, "repeatable")) {
        d->repeatable = true;
        if (s_advance (p) < 0)
            return NULL;
    }
    if (s_expect_keyword (p, "on", "expected 'on'") < 0 || s_parse_directive_locations (p, d) < 0)
        return NULL;
    return d;
}

/* TypeSystemDefinition :
     SchemaDefinition
     TypeDefinition
     DirectiveDefinition
   TypeSystemExtension :
     SchemaExtension
     TypeExtension */
static gql_definition_t *
s_parse_type_system_definition (s_parser_t *p, gql_definition_t *def)
{
    gql_str_t description;
    gql_loc_t description_loc = s_loc (p);
    if (s_parse_description (p, &description) < 0)
        return NULL;
    /* As graphql-js: a description before a name that starts no type-system definition
       (an operation, a fragment, an extension) is the error, at the description. */
    if (description.data && s_peek (p, GQL_TOK_NAME)
        && !(s_peek_keyword (p, "schema") || s_peek_keyword (p, "scalar") || s_peek_keyword (p, "type")
             || s_peek_keyword (p, "interface") || s_peek_keyword (p, "union") || s_peek_keyword (p, "enum")
             || s_peek_keyword (p, "input") || s_peek_keyword (p, "directive"))) {
        s_error_at (p, GQL_ERR_SYNTAX, "descriptions are allowed only on type-system definitions", description_loc.line,
                    description_loc.column, description_loc.offset);
        return NULL;
    }
    bool extend = false;
    if (s_peek_keyword (p, "extend")) {
        extend = true;
        if (s_advance (p) < 0)
            return NULL;
    }
    if (s_peek_keyword (p, "schema")) {
        def->kind = GQL_DEF_SCHEMA;
        gql_schema_def_t *s = S_NEW (p, gql_schema_def_t);
        if (!s)
            return NULL;
        s->loc = def->loc;
        s->extend = extend;
        s->description = description;
        def->schema = s_parse_schema_definition (p, s);
        return def->schema ? def : NULL;
    }
    if (s_peek_keyword (p, "directive")) {
        if (extend) {
            s_syntax (p, "directives cannot be extended");
            return NULL;
        }
        def->kind = GQL_DEF_DIRECTIVE;
        gql_directive_def_t *d = S_NEW (p, gql_directive_def_t);
        if (!d)
            return NULL;
        d->loc = def->loc;
        d->description = description;
        def->directive = s_parse_directive_definition (p, d);
        return def->directive ? def : NULL;
    }
    def->kind = GQL_DEF_TYPE;
    gql_type_def_t *t = S_NEW (p, gql_type_def_t);
    if (!t)
        return NULL;
    t->loc = def->loc;
    t->extend = extend;
    t->description = description;
    def->type = s_parse_type_definition (p, t);
    return def->type ? def : NULL;
}

/* =======================================================================================
 *  Documents
 * ===================================================================================== */

/* Definition :
     ExecutableDefinition
     TypeSystemDefinitionOrExtension
   ExecutableDefinition :
     OperationDefinition
     FragmentDefinition */
static gql_definition_t *
s_parse_definition (s_parser_t *p)
{
    gql_definition_t *def = S_NEW (p, gql_definition_t);
    if (!def)
        return NULL;
    def->loc = s_loc (p);
    gql_operation_type_t op;
    bool executable = s_peek (p, GQL_TOK_BRACE_L) || s_operation_type (p, &op) == 0 || s_peek_keyword (p, "fragment");
    if (executable) {
        if (p->sdl) {
            s_syntax (p, "executable definition not allowed in a schema document");
            return NULL;
        }
        if (s_peek_keyword (p, "fragment")) {
            def->kind = GQL_DEF_FRAGMENT;
            def->fragment = s_parse_fragment_definition (p);
            return def->fragment ? def : NULL;
        }
        def->kind = GQL_DEF_OPERATION;
        def->operation = s_parse_operation_definition (p);
        return def->operation ? def : NULL;
    }
    if (s_peek_string (p) || s_peek_keyword (p, "schema") || s_peek_keyword (p, "scalar") || s_peek_keyword (p, "type")
        || s_peek_keyword (p, "interface") || s_peek_keyword (p, "union") || s_peek_keyword (p, "enum")
        || s_peek_keyword (p, "input") || s_peek_keyword (p, "directive") || s_peek_keyword (p, "extend"))
        return s_parse_type_system_definition (p, def);
    s_syntax (p, "expected definition");
    return NULL;
}

/* Document : Definition+
   TypeSystemDocument : TypeSystemDefinition+ (with p->sdl) */
static int
s_parse_document (s_parser_t *p)
{
    gql_document_t *doc = p->doc;
    if (s_advance (p) < 0)
        return -1;
    if (s_peek (p, GQL_TOK_EOF))
        return s_syntax (p, "empty document");
    size_t base = p->top;
    size_t n_ops = 0, n_frags = 0;
    do {
        gql_definition_t *def = s_parse_definition (p);
        if (!def || s_push (p, def) < 0)
            return -1;
        n_ops += def->kind == GQL_DEF_OPERATION;
        n_frags += def->kind == GQL_DEF_FRAGMENT;
    } while (!s_peek (p, GQL_TOK_EOF));

    /* The by-kind arrays, before the scratch stack is released. */
    if (n_ops) {
        doc->operations = gql_arena_alloc (p->arena, n_ops * sizeof *doc->operations);
        if (!doc->operations)
            return s_nomem (p);
    }
    if (n_frags) {
        doc->fragments = gql_arena_alloc (p->arena, n_frags * sizeof *doc->fragments);
        if (!doc->fragments)
            return s_nomem (p);
    }
    for (size_t i = base; i < p->top; i++) {
        gql_definition_t *def = p->stack [i];
        if (def->kind == GQL_DEF_OPERATION)
            doc->operations [doc->operation_count++] = def->operation;
        else if (def->kind == GQL_DEF_FRAGMENT)
            doc->fragments [doc->fragment_count++] = def->fragment;
    }
    return S_LIST_FINISH (p, base, gql_definition_t, doc->definitions, doc->definition_count);
}

/* =======================================================================================
 *  Depth through fragment spreads
 *
 *  The depth counted while parsing is syntactic: each fragment is measured on its own. A
 *  chain of fragments each spreading the next (`fragment F1 on Q { ...F2 } ...`) is one
 *  level deep per fragment yet as deep as the chain wherever the document is walked
 *  (validation, execution), one stack frame or more per spread. So once the document is
 *  parsed, every operation and fragment is measured again counting a spread as the inline
 *  fragment it stands for (its body one level below the spread), and the same max_depth
 *  applies. The walk is itself bounded: it stops at the first level past the limit, and a
 *  work budget stops the repeated walks a document with fragment cycles can cause (such a
 *  document is invalid anyway).
 * ===================================================================================== */

typedef struct {
    const gql_document_t *doc;
    uint32_t max_depth;
    const gql_fragment_t **by_name; /* the fragments sorted by name */
    uint32_t *memo;                 /* per fragment: levels its body spans, 0 unknown */
    unsigned char *on_path;         /* per fragment: being walked */
    size_t budget;                  /* selections still to visit */
    bool cyclic;                    /* a spread back onto the path was met */
    const gql_selection_t *culprit; /* the selection that crossed a limit */
    bool exhausted;                 /* the budget ran out (else the depth was crossed) */
} s_depth_t;

static int
s_fragment_cmp (const void *a, const void *b)
{
    const gql_fragment_t *fa = *(const gql_fragment_t *const *) a;
    const gql_fragment_t *fb = *(const gql_fragment_t *const *) b;
    size_t n = fa->name.len < fb->name.len ? fa->name.len : fb->name.len;
    int c = memcmp (fa->name.data, fb->name.data, n);
    return c ? c : (fa->name.len > fb->name.len) - (fa->name.len < fb->name.len);
}

/* The first position in d->by_name whose name is not less than `name`. */
static size_t
s_fragment_lower (const s_depth_t *d, gql_str_t name)
{
    size_t lo = 0, hi = d->doc->fragment_count;
    gql_fragment_t key;
    const gql_fragment_t *k = &key;
    key.name = name;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_fragment_cmp (&d->by_name [mid], &k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t s_depth_set (s_depth_t *d, const gql_selection_set_t *set, uint32_t level);

/* The deepest level reached through a spread at `level` (its fragment's body at
   level + 1; every fragment of that name, should there be several). 0 when a limit was
   crossed. */
static uint32_t
s_depth_spread (s_depth_t *d, const gql_selection_t *sel, uint32_t level)
{
    uint32_t deepest = level;
    for (size_t i = s_fragment_lower (d, sel->name);
         i < d->doc->fragment_count && gql_str_equal (d->by_name [i]->name, sel->name); i++) {
        uint32_t reached;
        if (d->on_path [i]) {
            d->cyclic = true; /* the cycle is validation's to report */
            continue;
        }
        if (d->memo [i])
            reached = level + d->memo [i];
        else if (level + 1 > d->max_depth) {
            d->culprit = sel; /* checked before recursing, like a selection set */
            return 0;
        }
        else {
            bool cyclic = d->cyclic;
            d->cyclic = false;
            d->on_path [i] = 1;
            reached = s_depth_set (d, d->by_name [i]->selection_set, level + 1);
            d->on_path [i] = 0;
            if (!reached)
                return 0;
            /* Below a cycle the span depends on the path taken: not remembered. */
            if (!d->cyclic)
                d->memo [i] = reached - level;
            d->cyclic |= cyclic;
        }
        if (reached > d->max_depth) {
            d->culprit = sel;
            return 0;
        }
        if (reached > deepest)
            deepest = reached;
    }
    return deepest;
}

/* The deepest level reached from `set`, itself at `level`. 0 when a limit was crossed
   (d->culprit says where). */
static uint32_t
s_depth_set (s_depth_t *d, const gql_selection_set_t *set, uint32_t level)
{
    uint32_t deepest = level;
    if (!set)
        return level;
    for (size_t i = 0; i < set->item_count; i++) {
        const gql_selection_t *sel = set->items [i];
        uint32_t reached = level;
        if (d->budget == 0) {
            d->culprit = sel;
            d->exhausted = true;
            return 0;
        }
        d->budget--;
        if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD)
            reached = s_depth_spread (d, sel, level);
        else if (sel->selection_set) {
            /* Checked before recursing: the walk is as deep as the limit, no deeper. */
            if (level + 1 > d->max_depth) {
                d->culprit = sel;
                return 0;
            }
            reached = s_depth_set (d, sel->selection_set, level + 1);
        }
        if (!reached)
            return 0;
        if (reached > deepest)
            deepest = reached;
    }
    return deepest;
}

/* Measures every operation and fragment through its spreads. Returns 0, or -1 with the
   error at the spread (or selection) that crosses max_depth. */
static int
s_check_depth_through_fragments (s_parser_t *p)
{
    gql_document_t *doc = p->doc;
    if (doc->fragment_count == 0)
        return 0; /* the syntactic depth is the whole story */
    s_depth_t d;
    memset (&d, 0, sizeof d);
    d.doc = doc;
    d.max_depth = p->max_depth;
    d.budget = 16 * (size_t) doc->selection_count + 1024;
    d.by_name = malloc (doc->fragment_count * sizeof *d.by_name);
    d.memo = calloc (doc->fragment_count, sizeof *d.memo);
    d.on_path = calloc (doc->fragment_count, 1);
    int rc = 0;
    if (!d.by_name || !d.memo || !d.on_path)
        rc = s_nomem (p);
    else {
        memcpy (d.by_name, doc->fragments, doc->fragment_count * sizeof *d.by_name);
        qsort (d.by_name, doc->fragment_count, sizeof *d.by_name, s_fragment_cmp);
        for (size_t i = 0; i < doc->operation_count && rc == 0; i++)
            if (!s_depth_set (&d, doc->operations [i]->selection_set, 1))
                rc = -1;
        /* Fragments too: validation walks each one, used or not. */
        for (size_t i = 0; i < doc->fragment_count && rc == 0; i++) {
            d.cyclic = false;
            d.on_path [i] = 1;
            if (!s_depth_set (&d, d.by_name [i]->selection_set, 1))
                rc = -1;
            d.on_path [i] = 0;
        }
        if (rc < 0) {
            const gql_selection_t *sel = d.culprit;
            s_error_at (p, GQL_ERR_TOO_DEEP,
                        d.exhausted ? "fragment spreads too many to follow"
                                    : "document nested too deeply through fragment spreads",
                        sel->loc.line, sel->loc.column, sel->loc.offset);
            size_t n = sel->name.len < sizeof p->err->detail - 1 ? sel->name.len : sizeof p->err->detail - 1;
            memcpy (p->err->detail, sel->name.data, n);
            p->err->detail [n] = '\0';
        }
    }
    free (d.by_name);
    free (d.memo);
    free (d.on_path);
    return rc;
}

/* Both entry points: parse `src` as a Document (sdl false) or a TypeSystemDocument. */
static gql_document_t *
s_parse (const char *src, size_t len, const gql_limits_t *limits, bool sdl, gql_error_t *err)
{
    gql_error_t local;
    if (!err)
        err = &local;
    memset (err, 0, sizeof *err);

    s_parser_t p;
    memset (&p, 0, sizeof p);
    p.err = err;
    p.src = src;
    p.sdl = sdl;
    if (limits) {
        p.limits = *limits;
    }
    else {
        gql_limits_t dflt = GQL_LIMITS_DEFAULT_INIT, dsdl = GQL_LIMITS_SDL_INIT;
        p.limits = sdl ? dsdl : dflt;
    }
    p.max_depth = p.limits.max_depth && p.limits.max_depth < S_HARD_MAX_DEPTH ? p.limits.max_depth : S_HARD_MAX_DEPTH;

    if ((p.limits.max_bytes && len > p.limits.max_bytes) || len >= UINT32_MAX) {
        err->code = GQL_ERR_TOO_LARGE;
        err->message = "document too large";
        return NULL;
    }
    if (!src && len > 0) {
        err->code = GQL_ERR_SYNTAX;
        err->message = "no source";
        return NULL;
    }

    p.arena = gql_arena_new ();
    if (!p.arena) {
        err->code = GQL_ERR_NOMEM;
        err->message = "out of memory";
        return NULL;
    }
    p.doc = gql_arena_alloc (p.arena, sizeof *p.doc);
    if (!p.doc) {
        gql_arena_destroy (&p.arena);
        err->code = GQL_ERR_NOMEM;
        err->message = "out of memory";
        return NULL;
    }
    p.doc->arena = p.arena;
    p.doc->source = src;
    p.doc->source_len = len;
    p.doc->depth_limit = p.max_depth;
    gql_lexer_init (&p.lx, src ? src : "", len);

    int rc = s_parse_document (&p);
    free (p.stack);
    if (rc == 0 && !sdl)
        rc = s_check_depth_through_fragments (&p);
    if (rc < 0) {
        gql_arena_destroy (&p.arena);
        return NULL;
    }
    p.doc->token_count = p.tokens;
    return p.doc;
}

void
gql_limits_default (gql_limits_t *limits)
{
    gql_limits_t dflt = GQL_LIMITS_DEFAULT_INIT;
    *limits = dflt;
}

gql_document_t *
gql_parse (const char *src, size_t len, const gql_limits_t *limits, gql_error_t *err)
{
    return s_parse (src, len, limits, false, err);
}

gql_document_t *
gql_parse_sdl (const char *src, size_t len, const gql_limits_t *limits, gql_error_t *err)
{
    return s_parse (src, len, limits, true, err);
}
