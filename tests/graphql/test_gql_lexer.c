/*  test_gql_lexer.c - every token kind, ignored tokens, positions, numbers, strings,
    block strings, unicode escapes and the characters the lexer refuses.
*/
#include "gql_lexer.h"
#include "gql_test.h"

/* Lexes `src` (length from strlen unless len given) into toks[]; returns the number of
   tokens before EOF, or -1 with *err. */
static int
s_lex(const char *src, size_t len, gql_token_t *toks, int max, gql_error_t *err)
{
    gql_lexer_t lx;
    gql_lexer_init(&lx, src, len);
    int n = 0;
    for (;;) {
        gql_token_t tok;
        if (gql_lexer_next(&lx, &tok, err) < 0)
            return -1;
        if (tok.kind == GQL_TOK_EOF) {
            if (n < max)
                toks[n] = tok;
            return n;
        }
        if (n < max)
            toks[n] = tok;
        n++;
    }
}

/* Expects `src` to fail with `message` at line:column. */
#define CHECK_LEX_ERROR(src, len, msg_, line_, col_)                               \
    do {                                                                               \
        gql_token_t t_[64];                                                            \
        gql_error_t e_;                                                                \
        memset(&e_, 0, sizeof e_);                                                     \
        CHECK_INT(s_lex((src), (len), t_, 64, &e_), -1);                               \
        CHECK_INT(e_.code, GQL_ERR_SYNTAX);                                            \
        CHECK_STR(e_.message, (msg_));                                                \
        CHECK_INT(e_.line, (line_));                                                   \
        CHECK_INT(e_.column, (col_));                                                  \
    } while (0)

/* Returns the cooked value of the single string token in `src` (static buffer). */
static gql_str_t
s_cook(const char *src)
{
    static char out[4096];
    gql_token_t t[4];
    gql_error_t e;
    gql_str_t none = { NULL, 0 };
    if (s_lex(src, strlen(src), t, 4, &e) != 1) {
        fprintf(stderr, "lex failed: %s at %u:%u\n", e.message, e.line, e.column);
        return none;
    }
    gql_str_t s = { out, gql_lexer_cook_string(src, &t[0], out) };
    return s;
}

static void
test_punctuators(void)
{
    const char *src = "! $ & ( ) ... : = @ [ ] { | }";
    gql_token_kind_t want[] = {
        GQL_TOK_BANG,      GQL_TOK_DOLLAR,    GQL_TOK_AMP,     GQL_TOK_PAREN_L,
        GQL_TOK_PAREN_R,   GQL_TOK_SPREAD,    GQL_TOK_COLON,   GQL_TOK_EQUALS,
        GQL_TOK_AT,        GQL_TOK_BRACKET_L, GQL_TOK_BRACKET_R, GQL_TOK_BRACE_L,
        GQL_TOK_PIPE,      GQL_TOK_BRACE_R,
    };
    gql_token_t t[32];
    gql_error_t e;
    int n = s_lex(src, strlen(src), t, 32, &e);
    CHECK_INT(n, 14);
    for (int i = 0; i < 14 && i < n; i++)
        CHECK_INT(t[i].kind, want[i]);
    CHECK_INT(t[5].len, 3);
    CHECK_INT(t[5].column, 11);
    CHECK_INT(t[14].kind, GQL_TOK_EOF);
    CHECK_INT(t[14].column, 30);
    CHECK_LEX_ERROR("..", 2, "unexpected character, expected '...'", 1, 1);
    CHECK_LEX_ERROR("{ .. }", 6, "unexpected character, expected '...'", 1, 3);
}

static void
test_names_and_positions(void)
{
    const char *src = "\xEF\xBB\xBF" "a_1 , _B\r\n  # comment é\r  c\n\tdé";
    /* BOM, name, comma, name, CRLF, comment, CR, name, LF, tab, name, then é (refused) */
    gql_token_t t[8];
    gql_error_t e;
    int n = s_lex(src, strlen(src) - 2, t, 8, &e); /* stop before é */
    CHECK_INT(n, 4);
    CHECK_INT(t[0].kind, GQL_TOK_NAME);
    CHECK_INT(t[0].offset, 3);
    CHECK_INT(t[0].len, 3);
    CHECK_INT(t[0].line, 1);
    CHECK_INT(t[0].column, 2); /* the BOM is a code point of line 1 */
    CHECK_INT(t[1].line, 1);
    CHECK_INT(t[1].column, 8);
    CHECK_INT(t[2].line, 3); /* CRLF and CR each count once */
    CHECK_INT(t[2].column, 3);
    CHECK_INT(t[3].line, 4);
    CHECK_INT(t[3].column, 2);
    CHECK_INT(t[3].len, 1);
    /* A non-ASCII letter is not a NameContinue: "dé" is d then an unexpected character,
       reported at its code-point column. */
    CHECK_LEX_ERROR(src, strlen(src), "unexpected character", 4, 3);
    CHECK_LEX_ERROR("a ?", 3, "unexpected character", 1, 3);
    CHECK_LEX_ERROR("\"é\" ~", strlen("\"é\" ~"), "unexpected character", 1, 5);
}

static void
test_numbers(void)
{
    static const struct {
        const char *src;
        gql_token_kind_t kind;
    } ok[] = {
        { "0", GQL_TOK_INT },        { "-0", GQL_TOK_INT },      { "123", GQL_TOK_INT },
        { "-123", GQL_TOK_INT },     { "1.5", GQL_TOK_FLOAT },   { "-0.5", GQL_TOK_FLOAT },
        { "1e10", GQL_TOK_FLOAT },   { "1E-3", GQL_TOK_FLOAT },  { "1.5e+3", GQL_TOK_FLOAT },
        { "0.0", GQL_TOK_FLOAT },    { "9007199254740993", GQL_TOK_INT },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        gql_token_t t[4];
        gql_error_t e;
        CHECK_INT(s_lex(ok[i].src, strlen(ok[i].src), t, 4, &e), 1);
        CHECK_INT(t[0].kind, ok[i].kind);
        CHECK_INT(t[0].len, strlen(ok[i].src));
    }
    /* A number ends at a punctuator or ignored token. */
    gql_token_t t[4];
    gql_error_t e;
    CHECK_INT(s_lex("1,2)", 4, t, 4, &e), 3);

    CHECK_LEX_ERROR("00", 2, "invalid number, unexpected digit after 0", 1, 2);
    CHECK_LEX_ERROR("-01", 3, "invalid number, unexpected digit after 0", 1, 3);
    CHECK_LEX_ERROR("-", 1, "invalid number, expected digit", 1, 2);
    CHECK_LEX_ERROR("- 1", 3, "invalid number, expected digit", 1, 2);
    CHECK_LEX_ERROR("1.", 2, "invalid number, expected digit", 1, 3);
    CHECK_LEX_ERROR("1.a", 3, "invalid number, expected digit", 1, 3);
    CHECK_LEX_ERROR(".5", 2, "unexpected character, expected '...'", 1, 1);
    CHECK_LEX_ERROR("1e", 2, "invalid number, expected digit", 1, 3);
    CHECK_LEX_ERROR("1e+", 3, "invalid number, expected digit", 1, 4);
    CHECK_LEX_ERROR("1.5.3", 5, "invalid number, unexpected character after number", 1, 4);
    CHECK_LEX_ERROR("1..", 3, "invalid number, expected digit", 1, 3);
    CHECK_LEX_ERROR("12a", 3, "invalid number, unexpected character after number", 1, 3);
    CHECK_LEX_ERROR("0x1F", 4, "invalid number, unexpected character after number", 1, 2);
    CHECK_LEX_ERROR("1.5e3_", 6, "invalid number, unexpected character after number", 1, 6);
    CHECK_LEX_ERROR("\n  1.0e", 7, "invalid number, expected digit", 2, 7);
}

static void
test_strings(void)
{
    gql_token_t t[4];
    gql_error_t e;

    /* A plain string is a slice; the flag says no cooking is needed. */
    CHECK_INT(s_lex("\"abc\"", 5, t, 4, &e), 1);
    CHECK_INT(t[0].kind, GQL_TOK_STRING);
    CHECK(gql_token_is_plain_string(&t[0]));
    CHECK_INT(s_lex("\"\"", 2, t, 4, &e), 1);
    CHECK_INT(t[0].len, 2);
    CHECK_SLICE(s_cook("\"\""), "");
    CHECK_SLICE(s_cook("\"héllo wörld ✓ 😀\""), "héllo wörld ✓ 😀");

    CHECK_INT(s_lex("\"a\\nb\"", 6, t, 4, &e), 1);
    CHECK(!gql_token_is_plain_string(&t[0]));
    CHECK_SLICE(s_cook("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""), "\" \\ / \b \f \n \r \t");

    /* Unicode escapes: fixed width, braced, surrogate pairs. */
    CHECK_SLICE(s_cook("\"\\u0041\\u00e9\\u20AC\""), "Aé€");
    CHECK_SLICE(s_cook("\"\\u{41}\\u{1F600}\\u{0000000041}\""), "A😀A");
    CHECK_SLICE(s_cook("\"\\uD83D\\uDE00\""), "😀");
    CHECK_SLICE(s_cook("\"x\\uD83D\\uDE00y\\u{10FFFF}\""), "x😀y\xF4\x8F\xBF\xBF");
    gql_str_t nul = s_cook("\"a\\u0000b\"");
    CHECK_INT(nul.len, 3);
    CHECK(nul.len == 3 && nul.data[1] == '\0');

    CHECK_LEX_ERROR("\"\\uD800\"", 8, "invalid unicode escape, lone surrogate", 1, 2);
    CHECK_LEX_ERROR("\"ab\\uDC00\"", 10, "invalid unicode escape, lone surrogate", 1, 4);
    CHECK_LEX_ERROR("\"\\uD83D\\u0041\"", 14, "invalid unicode escape, lone surrogate", 1, 2);
    CHECK_LEX_ERROR("\"\\uD83Dx\"", 9, "invalid unicode escape, lone surrogate", 1, 2);
    CHECK_LEX_ERROR("\"\\uD83D\\u{DE00}\"", 16, "invalid unicode escape, lone surrogate", 1,
                    2);
    CHECK_LEX_ERROR("\"\\u{D800}\"", 10, "invalid unicode escape, not a unicode scalar value",
                    1, 2);
    CHECK_LEX_ERROR("\"\\u{110000}\"", 12,
                    "invalid unicode escape, not a unicode scalar value", 1, 2);
    CHECK_LEX_ERROR("\"\\u{}\"", 6, "invalid unicode escape", 1, 2);
    CHECK_LEX_ERROR("\"\\u{41\"", 7, "invalid unicode escape", 1, 2);
    CHECK_LEX_ERROR("\"\\u12\"", 6, "invalid unicode escape", 1, 2);
    CHECK_LEX_ERROR("\"\\uXYZW\"", 8, "invalid unicode escape", 1, 2);
    CHECK_LEX_ERROR("\"\\x\"", 4, "invalid escape sequence", 1, 2);
    CHECK_LEX_ERROR("\"é\\q\"", strlen("\"é\\q\""), "invalid escape sequence", 1, 3);

    CHECK_LEX_ERROR("\"abc", 4, "unterminated string", 1, 5);
    CHECK_LEX_ERROR("{\n  \"ab\ncd\"", 11, "unterminated string", 2, 6);
    CHECK_LEX_ERROR("\"a\rb\"", 5, "unterminated string", 1, 3);
    CHECK_LEX_ERROR("\"\\", 2, "invalid escape sequence", 1, 2);
}

static void
test_block_strings(void)
{
    gql_token_t t[4];
    gql_error_t e;
    CHECK_INT(s_lex("\"\"\"x\"\"\"", 7, t, 4, &e), 1);
    CHECK_INT(t[0].kind, GQL_TOK_BLOCK_STRING);
    CHECK_INT(t[0].len, 7);

    CHECK_SLICE(s_cook("\"\"\"\"\"\""), "");
    CHECK_SLICE(s_cook("\"\"\"  plain  \"\"\""), "  plain  ");
    /* The spec's example: common indentation and blank first/last lines removed. */
    CHECK_SLICE(s_cook("\"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  \"\"\""),
              "Hello,\n  World!\n\nYours,\n  GraphQL.");
    /* The first line keeps its indentation and does not count for the common one. */
    CHECK_SLICE(s_cook("\"\"\"  first\n    second\n      third\"\"\""),
              "  first\nsecond\n  third");
    /* Whitespace-only lines do not count for the common indentation. */
    CHECK_SLICE(s_cook("\"\"\"\n  a\n \n    b\n\"\"\""), "a\n\n  b");
    /* Tabs are white space; CRLF and CR become LF. */
    CHECK_SLICE(s_cook("\"\"\"\r\n\ta\r\n\t\tb\r\t\"\"\""), "a\n\tb");
    /* Escaped triple quote; other escapes stay raw. */
    CHECK_SLICE(s_cook("\"\"\"a \\\"\"\" b \\n \\u0041\"\"\""), "a \"\"\" b \\n \\u0041");
    CHECK_SLICE(s_cook("\"\"\"\n    \\\"\"\"\n    x\n\"\"\""), "\"\"\"\nx");
    /* Only blank lines: empty. */
    CHECK_SLICE(s_cook("\"\"\"\n   \n\t\n\"\"\""), "");
    /* Quotes inside. */
    CHECK_SLICE(s_cook("\"\"\"say \"hi\" \"\"\""), "say \"hi\" ");

    /* Positions after a multi-line block string. */
    CHECK_INT(s_lex("\"\"\"a\nbc\r\nd\"\"\" x", 15, t, 4, &e), 2);
    CHECK_INT(t[1].line, 3);
    CHECK_INT(t[1].column, 6);

    CHECK_LEX_ERROR("\"\"\"abc", 6, "unterminated block string", 1, 7);
    CHECK_LEX_ERROR("\"\"\"a\n\"\"", 7, "unterminated block string", 2, 3);
    CHECK_LEX_ERROR("\"\"\"a\\\"\"\"", 8, "unterminated block string", 1, 9);
    /* Control characters are SourceCharacters: allowed inside a block string. */
    CHECK_INT(s_lex("\"\"\"a\n b\x01\"\"\"", 11, t, 4, &e), 1);
}

static void
test_refused_characters(void)
{
    CHECK_LEX_ERROR("{ a\0 }", 6, "control character not allowed", 1, 4);
    CHECK_LEX_ERROR("\n\n  \x7F", 5, "control character not allowed", 3, 3);
    /* ... but inside strings and comments any Unicode scalar value is a SourceCharacter
       (October 2021), NUL included, as graphql-js agrees. */
    {
        gql_token_t t[4];
        gql_error_t e;
        CHECK_INT(s_lex("\"a\x01\"", 4, t, 4, &e), 1);
        CHECK_INT(s_lex("\"a\0\"", 4, t, 4, &e), 1);
        CHECK_INT(s_lex("# ok\n# bad \x1B[31m", 16, t, 4, &e), 0);
    }
    CHECK_LEX_ERROR("a \x0B b", 5, "control character not allowed", 1, 3);

    /* Invalid UTF-8: stray continuation, overlong, encoded surrogate, > U+10FFFF,
       truncated; outside and inside strings and comments. */
    CHECK_LEX_ERROR("a \x80", 3, "invalid utf-8", 1, 3);
    CHECK_LEX_ERROR("\"\xC0\x80\"", 4, "invalid utf-8", 1, 2);
    CHECK_LEX_ERROR("\"é\xE0\x80\x80\"", strlen("\"é\xE0\x80\x80\""), "invalid utf-8", 1, 3);
    CHECK_LEX_ERROR("\"\xED\xA0\x80\"", 5, "invalid utf-8", 1, 2);
    CHECK_LEX_ERROR("\"\xF4\x90\x80\x80\"", 6, "invalid utf-8", 1, 2);
    CHECK_LEX_ERROR("\"\xE2\x82\"", 4, "invalid utf-8", 1, 2);
    CHECK_LEX_ERROR("\"\xE2\x82", 3, "invalid utf-8", 1, 2);
    CHECK_LEX_ERROR("# \xFF\n", 4, "invalid utf-8", 1, 3);
    CHECK_LEX_ERROR("\"\"\"\n\xF5\x80\x80\x80\"\"\"", 11, "invalid utf-8", 2, 1);
    /* Valid 4-byte characters pass everywhere they may appear. */
    gql_token_t t[4];
    gql_error_t e;
    const char *ok = "# 😀\n\"😀\" \"\"\"😀\"\"\"";
    CHECK_INT(s_lex(ok, strlen(ok), t, 4, &e), 2);
    CHECK_INT(t[1].column, 5);
}

static void
test_eof_repeats(void)
{
    gql_lexer_t lx;
    gql_token_t tok;
    gql_error_t e;
    gql_lexer_init(&lx, "  ", 2);
    CHECK_INT(gql_lexer_next(&lx, &tok, &e), 0);
    CHECK_INT(tok.kind, GQL_TOK_EOF);
    CHECK_INT(tok.column, 3);
    CHECK_INT(gql_lexer_next(&lx, &tok, &e), 0);
    CHECK_INT(tok.kind, GQL_TOK_EOF);
    CHECK_STR(gql_token_kind_name(GQL_TOK_SPREAD), "'...'");
}

int
main(void)
{
    R5_TEST_RUN(test_punctuators);
    R5_TEST_RUN(test_names_and_positions);
    R5_TEST_RUN(test_numbers);
    R5_TEST_RUN(test_strings);
    R5_TEST_RUN(test_block_strings);
    R5_TEST_RUN(test_refused_characters);
    R5_TEST_RUN(test_eof_repeats);
    return r5_test_report("test_gql_lexer");
}
