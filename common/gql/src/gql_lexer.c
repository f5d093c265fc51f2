/*  gql_lexer.c - GraphQL lexical analysis (spec section 2.1, October 2021).

    Decisions:
    - Source text is UTF-8. Invalid UTF-8 (overlong forms, encoded surrogates, values past
      U+10FFFF, truncated sequences) is refused wherever it appears.
    - Control characters U+0000..U+001F other than tab, LF and CR, and U+007F, are refused
      everywhere, including in strings and comments. The 2021 spec would let a string hold
      them raw; refusing them keeps NULs and terminal escapes out of every later stage, and
      \u escapes remain available for clients that need them.
    - Columns count code points, so a column means the same thing in any editor.
*/
#include "gql_lexer.h"

#include <assert.h>

/* =======================================================================================
 *  Positions and errors
 * ===================================================================================== */

/* Returns the 1-based column of byte `off` (>= lx->line_start). Calls come in increasing
   order along a line, so the cache makes the whole lex linear. */
static uint32_t
s_column_at (gql_lexer_t *lx, uint32_t off)
{
    if (off < lx->col_off || lx->col_off < lx->line_start) {
        lx->col_off = lx->line_start;
        lx->col = 1;
    }
    for (uint32_t i = lx->col_off; i < off; i++)
        if (((unsigned char) lx->src [i] & 0xC0) != 0x80)
            lx->col++;
    lx->col_off = off;
    return lx->col;
}

/* Fills *err with a syntax error at byte `off` (on the current line). Returns -1. */
static int
s_fail (gql_lexer_t *lx, gql_error_t *err, uint32_t off, const char *message)
{
    if (err) {
        err->code = GQL_ERR_SYNTAX;
        err->message = message;
        err->line = lx->line;
        err->column = s_column_at (lx, off);
        err->offset = off;
        err->detail [0] = '\0';
        /* Name the offending character when it is printable ASCII. */
        if (off < lx->len) {
            unsigned char c = (unsigned char) lx->src [off];
            if (c > 0x20 && c < 0x7F) {
                err->detail [0] = (char) c;
                err->detail [1] = '\0';
            }
        }
        else {
            memcpy (err->detail, "<EOF>", 6);
        }
    }
    return -1;
}

/* Records a line terminator that ends at byte `next` (the first byte of the new line). */
static void
s_newline (gql_lexer_t *lx, uint32_t next)
{
    lx->line++;
    lx->line_start = next;
    lx->col_off = next;
    lx->col = 1;
}

/* =======================================================================================
 *  UTF-8
 * ===================================================================================== */

/* Decodes one UTF-8 sequence at `off`. Returns its length (1..4) and sets *cp, or 0 when
   the bytes there are not valid UTF-8. */
static uint32_t
s_utf8_decode (const gql_lexer_t *lx, uint32_t off, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *) lx->src + off;
    uint32_t avail = lx->len - off;
    unsigned char c = s [0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    uint32_t n, v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
        min = 0x80;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
        min = 0x800;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
        min = 0x10000;
    }
    else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (uint32_t i = 1; i < n; i++) {
        if ((s [i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s [i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Checks the source character at `off` inside a string, block string or comment: any
   Unicode scalar value in valid UTF-8 (SourceCharacter, October 2021: control characters,
   NUL included, are allowed there; callers handle line terminators and quotes). Returns
   its byte length, or 0 after filling *err. */
static uint32_t
s_source_char (gql_lexer_t *lx, uint32_t off, gql_error_t *err)
{
    unsigned char c = (unsigned char) lx->src [off];
    if (c < 0x80)
        return 1;
    uint32_t cp;
    uint32_t n = s_utf8_decode (lx, off, &cp);
    if (n == 0)
        s_fail (lx, err, off, "invalid utf-8");
    return n;
}

/* =======================================================================================
 *  Ignored tokens
 * ===================================================================================== */

/* Skips ignored tokens: UnicodeBOM, WhiteSpace, LineTerminator, Comment, Comma. Returns 0,
   or -1 when a comment holds a bad character. */
static int
s_skip_ignored (gql_lexer_t *lx, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    while (lx->pos < lx->len) {
        unsigned char c = s [lx->pos];
        if (c == ' ' || c == '\t' || c == ',') {
            lx->pos++;
        }
        else if (c == '\n') {
            lx->pos++;
            s_newline (lx, lx->pos);
        }
        else if (c == '\r') {
            lx->pos++;
            if (lx->pos < lx->len && s [lx->pos] == '\n')
                lx->pos++;
            s_newline (lx, lx->pos);
        }
        else if (c == 0xEF && lx->len - lx->pos >= 3 && s [lx->pos + 1] == 0xBB && s [lx->pos + 2] == 0xBF) {
            lx->pos += 3; /* U+FEFF */
        }
        else if (c == '#') {
            lx->pos++;
            while (lx->pos < lx->len && s [lx->pos] != '\n' && s [lx->pos] != '\r') {
                uint32_t n = s_source_char (lx, lx->pos, err);
                if (n == 0)
                    return -1;
                lx->pos += n;
            }
        }
        else {
            break;
        }
    }
    return 0;
}

/* =======================================================================================
 *  Names and numbers
 * ===================================================================================== */

static bool
s_is_name_start (unsigned char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
s_is_digit (unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Name :: NameStart NameContinue* [lookahead != NameContinue] */
static int
s_lex_name (gql_lexer_t *lx, gql_token_t *tok)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    uint32_t p = lx->pos + 1;
    while (p < lx->len && (s_is_name_start (s [p]) || s_is_digit (s [p])))
        p++;
    tok->kind = GQL_TOK_NAME;
    tok->len = p - lx->pos;
    lx->pos = p;
    return 0;
}

/* Reads Digit+ at *p; returns -1 (error at *p) when there is none. */
static int
s_lex_digits (gql_lexer_t *lx, uint32_t *p, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    if (*p >= lx->len || !s_is_digit (s [*p]))
        return s_fail (lx, err, *p, "invalid number, expected digit");
    while (*p < lx->len && s_is_digit (s [*p]))
        (*p)++;
    return 0;
}

/* IntValue   :: IntegerPart [lookahead != {Digit, `.`, NameStart}]
   FloatValue :: IntegerPart FractionalPart ExponentPart [lookahead != {Digit, `.`, NameStart}]
               | IntegerPart FractionalPart [lookahead != {Digit, `.`, NameStart}]
               | IntegerPart ExponentPart [lookahead != {Digit, `.`, NameStart}]
   IntegerPart :: NegativeSign? 0 | NegativeSign? NonZeroDigit Digit*
   FractionalPart :: . Digit+
   ExponentPart :: ExponentIndicator Sign? Digit+ */
static int
s_lex_number (gql_lexer_t *lx, gql_token_t *tok, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    uint32_t p = lx->pos;
    bool is_float = false;

    if (s [p] == '-')
        p++;
    if (p < lx->len && s [p] == '0') {
        p++;
        if (p < lx->len && s_is_digit (s [p]))
            return s_fail (lx, err, p, "invalid number, unexpected digit after 0");
    }
    else if (s_lex_digits (lx, &p, err) < 0) {
        return -1;
    }
    if (p < lx->len && s [p] == '.') {
        is_float = true;
        p++;
        if (s_lex_digits (lx, &p, err) < 0)
            return -1;
    }
    if (p < lx->len && (s [p] == 'e' || s [p] == 'E')) {
        is_float = true;
        p++;
        if (p < lx->len && (s [p] == '+' || s [p] == '-'))
            p++;
        if (s_lex_digits (lx, &p, err) < 0)
            return -1;
    }
    if (p < lx->len && (s [p] == '.' || s_is_name_start (s [p])))
        return s_fail (lx, err, p, "invalid number, unexpected character after number");

    tok->kind = is_float ? GQL_TOK_FLOAT : GQL_TOK_INT;
    tok->len = p - lx->pos;
    lx->pos = p;
    return 0;
}

/* =======================================================================================
 *  Strings
 * ===================================================================================== */

static int
s_hex_value (unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at `p`; returns the value, or -1. */
static int32_t
s_hex4 (const gql_lexer_t *lx, uint32_t p)
{
    if (lx->len - p < 4)
        return -1;
    int32_t v = 0;
    for (uint32_t i = 0; i < 4; i++) {
        int h = s_hex_value ((unsigned char) lx->src [p + i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* Parses the escape sequence at `p` (the backslash). Returns its length in bytes and sets
   *cp to the code point it stands for, or returns 0 after filling *err. Escapes:
   EscapedCharacter :: one of " \ / b f n r t
   EscapedUnicode   :: { HexDigit+ } | HexDigit HexDigit HexDigit HexDigit
   A fixed-width leading surrogate must be followed by a fixed-width trailing surrogate
   (the JSON-style pair); any other surrogate value is refused. */
static uint32_t
s_escape (gql_lexer_t *lx, uint32_t p, uint32_t *cp, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    if (p + 1 >= lx->len) {
        s_fail (lx, err, p, "invalid escape sequence");
        return 0;
    }
    switch (s [p + 1]) {
        case '"': *cp = '"'; return 2;
        case '\\': *cp = '\\'; return 2;
        case '/': *cp = '/'; return 2;
        case 'b': *cp = '\b'; return 2;
        case 'f': *cp = '\f'; return 2;
        case 'n': *cp = '\n'; return 2;
        case 'r': *cp = '\r'; return 2;
        case 't': *cp = '\t'; return 2;
        case 'u': break;
        default: s_fail (lx, err, p, "invalid escape sequence"); return 0;
    }

    if (p + 2 < lx->len && s [p + 2] == '{') {
        uint32_t q = p + 3;
        uint32_t v = 0;
        while (q < lx->len && s_hex_value (s [q]) >= 0) {
            v = (v << 4) | (uint32_t) s_hex_value (s [q]);
            if (v > 0x10FFFF) {
                s_fail (lx, err, p, "invalid unicode escape, not a unicode scalar value");
                return 0;
            }
            q++;
        }
        if (q == p + 3 || q >= lx->len || s [q] != '}') {
            s_fail (lx, err, p, "invalid unicode escape");
            return 0;
        }
        if (v >= 0xD800 && v <= 0xDFFF) {
            s_fail (lx, err, p, "invalid unicode escape, not a unicode scalar value");
            return 0;
        }
        *cp = v;
        return q + 1 - p;
    }

    int32_t v = s_hex4 (lx, p + 2);
    if (v < 0) {
        s_fail (lx, err, p, "invalid unicode escape");
        return 0;
    }
    if (v >= 0xD800 && v <= 0xDBFF) {
        /* A leading surrogate: only valid as the first half of a \uXXXX\uXXXX pair. */
        int32_t lo = -1;
        if (p + 7 < lx->len && s [p + 6] == '\\' && s [p + 7] == 'u')
            lo = s_hex4 (lx, p + 8);
        if (lo < 0xDC00 || lo > 0xDFFF) {
            s_fail (lx, err, p, "invalid unicode escape, lone surrogate");
            return 0;
        }
        *cp = 0x10000 + (((uint32_t) v - 0xD800) << 10) + ((uint32_t) lo - 0xDC00);
        return 12;
    }
    if (v >= 0xDC00 && v <= 0xDFFF) {
        s_fail (lx, err, p, "invalid unicode escape, lone surrogate");
        return 0;
    }
    *cp = (uint32_t) v;
    return 6;
}

/* StringValue :: "" [lookahead != "] | " StringCharacter+ "
   StringCharacter :: SourceCharacter but not " or \ or LineTerminator
                    | \u EscapedUnicode | \ EscapedCharacter */
static int
s_lex_string (gql_lexer_t *lx, gql_token_t *tok, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    uint32_t p = lx->pos + 1;
    while (p < lx->len) {
        unsigned char c = s [p];
        if (c == '"') {
            tok->kind = GQL_TOK_STRING;
            tok->len = p + 1 - lx->pos;
            lx->pos = p + 1;
            return 0;
        }
        if (c == '\n' || c == '\r')
            return s_fail (lx, err, p, "unterminated string");
        uint32_t n;
        if (c == '\\') {
            uint32_t cp;
            n = s_escape (lx, p, &cp, err);
            tok->flags |= GQL_TOKF_ESCAPED;
        }
        else {
            n = s_source_char (lx, p, err);
        }
        if (n == 0)
            return -1;
        p += n;
    }
    return s_fail (lx, err, p, "unterminated string");
}

/* StringValue :: """ BlockStringCharacter* """
   BlockStringCharacter :: SourceCharacter but not """ or \""" | \""" */
static int
s_lex_block_string (gql_lexer_t *lx, gql_token_t *tok, gql_error_t *err)
{
    const unsigned char *s = (const unsigned char *) lx->src;
    uint32_t p = lx->pos + 3;
    while (p < lx->len) {
        unsigned char c = s [p];
        if (c == '"' && lx->len - p >= 3 && s [p + 1] == '"' && s [p + 2] == '"') {
            tok->kind = GQL_TOK_BLOCK_STRING;
            tok->len = p + 3 - lx->pos;
            lx->pos = p + 3;
            return 0;
        }
        if (c == '\\' && lx->len - p >= 4 && s [p + 1] == '"' && s [p + 2] == '"' && s [p + 3] == '"') {
            p += 4;
        }
        else if (c == '\n') {
            p++;
            s_newline (lx, p);
        }
        else if (c == '\r') {
            p++;
            if (p < lx->len && s [p] == '\n')
                p++;
            s_newline (lx, p);
        }
        else {
            uint32_t n = s_source_char (lx, p, err);
            if (n == 0)
                return -1;
            p += n;
        }
    }
    return s_fail (lx, err, p, "unterminated block string");
}

/* =======================================================================================
 *  Tokens
 * ===================================================================================== */

void
gql_lexer_init (gql_lexer_t *lx, const char *src, size_t len)
{
    assert (len < UINT32_MAX);
    memset (lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = (uint32_t) len;
    lx->line = 1;
    lx->col = 1;
}

int
gql_lexer_next (gql_lexer_t *lx, gql_token_t *tok, gql_error_t *err)
{
    if (s_skip_ignored (lx, err) < 0)
        return -1;

    memset (tok, 0, sizeof *tok);
    tok->offset = lx->pos;
    tok->line = lx->line;
    tok->column = s_column_at (lx, lx->pos);
    if (lx->pos >= lx->len) {
        tok->kind = GQL_TOK_EOF;
        return 0;
    }

    const unsigned char *s = (const unsigned char *) lx->src;
    unsigned char c = s [lx->pos];
    gql_token_kind_t kind;
    switch (c) {
        case '!': kind = GQL_TOK_BANG; break;
        case '$': kind = GQL_TOK_DOLLAR; break;
        case '&': kind = GQL_TOK_AMP; break;
        case '(': kind = GQL_TOK_PAREN_L; break;
        case ')': kind = GQL_TOK_PAREN_R; break;
        case ':': kind = GQL_TOK_COLON; break;
        case '=': kind = GQL_TOK_EQUALS; break;
        case '@': kind = GQL_TOK_AT; break;
        case '[': kind = GQL_TOK_BRACKET_L; break;
        case ']': kind = GQL_TOK_BRACKET_R; break;
        case '{': kind = GQL_TOK_BRACE_L; break;
        case '|': kind = GQL_TOK_PIPE; break;
        case '}': kind = GQL_TOK_BRACE_R; break;
        case '.':
            if (lx->len - lx->pos >= 3 && s [lx->pos + 1] == '.' && s [lx->pos + 2] == '.') {
                tok->kind = GQL_TOK_SPREAD;
                tok->len = 3;
                lx->pos += 3;
                return 0;
            }
            return s_fail (lx, err, lx->pos, "unexpected character, expected '...'");
        case '"':
            if (lx->len - lx->pos >= 3 && s [lx->pos + 1] == '"' && s [lx->pos + 2] == '"')
                return s_lex_block_string (lx, tok, err);
            return s_lex_string (lx, tok, err);
        default:
            if (s_is_name_start (c))
                return s_lex_name (lx, tok);
            if (c == '-' || s_is_digit (c))
                return s_lex_number (lx, tok, err);
            if (c >= 0x80) {
                uint32_t cp;
                if (s_utf8_decode (lx, lx->pos, &cp) == 0)
                    return s_fail (lx, err, lx->pos, "invalid utf-8");
            }
            else if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return s_fail (lx, err, lx->pos, "control character not allowed");
            }
            return s_fail (lx, err, lx->pos, "unexpected character");
    }
    tok->kind = kind;
    tok->len = 1;
    lx->pos++;
    return 0;
}

const char *
gql_token_kind_name (gql_token_kind_t kind)
{
    switch (kind) {
        case GQL_TOK_EOF: return "<EOF>";
        case GQL_TOK_BANG: return "'!'";
        case GQL_TOK_DOLLAR: return "'$'";
        case GQL_TOK_AMP: return "'&'";
        case GQL_TOK_PAREN_L: return "'('";
        case GQL_TOK_PAREN_R: return "')'";
        case GQL_TOK_SPREAD: return "'...'";
        case GQL_TOK_COLON: return "':'";
        case GQL_TOK_EQUALS: return "'='";
        case GQL_TOK_AT: return "'@'";
        case GQL_TOK_BRACKET_L: return "'['";
        case GQL_TOK_BRACKET_R: return "']'";
        case GQL_TOK_BRACE_L: return "'{'";
        case GQL_TOK_PIPE: return "'|'";
        case GQL_TOK_BRACE_R: return "'}'";
        case GQL_TOK_NAME: return "name";
        case GQL_TOK_INT: return "int";
        case GQL_TOK_FLOAT: return "float";
        case GQL_TOK_STRING: return "string";
        case GQL_TOK_BLOCK_STRING: return "block string";
    }
    return "token";
}

/* =======================================================================================
 *  String values
 * ===================================================================================== */

/* Writes code point `cp` as UTF-8 to `out`; returns the byte count. */
static size_t
s_utf8_encode (uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out [0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out [0] = (char) (0xC0 | (cp >> 6));
        out [1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out [0] = (char) (0xE0 | (cp >> 12));
        out [1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out [2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    out [0] = (char) (0xF0 | (cp >> 18));
    out [1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out [2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out [3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

/* The value of a "..." string: escapes resolved. Each escape is at least as long as its
   UTF-8 encoding, so the output fits in the token's length. */
static size_t
s_cook_string (const char *src, const gql_token_t *tok, char *out)
{
    gql_lexer_t lx;
    gql_lexer_init (&lx, src, tok->offset + tok->len);
    size_t n = 0;
    uint32_t p = tok->offset + 1, end = tok->offset + tok->len - 1;
    while (p < end) {
        if (src [p] == '\\') {
            uint32_t cp = 0;
            uint32_t len = s_escape (&lx, p, &cp, NULL);
            assert (len > 0); /* the lexer checked it */
            n += s_utf8_encode (cp, out + n);
            p += len;
        }
        else {
            out [n++] = src [p++];
        }
    }
    return n;
}

/* One line of a block string's raw value: [start, end) in the source. */
typedef struct {
    uint32_t start;
    uint32_t end;
    uint32_t indent; /* leading spaces and tabs */
    bool blank;      /* only spaces and tabs */
} s_line_t;

/* Reads the raw line starting at `p` (up to `end`); returns where the next line starts,
   or end + 1 after the last line. */
static uint32_t
s_block_line (const char *src, uint32_t p, uint32_t end, s_line_t *line)
{
    line->start = p;
    line->indent = 0;
    while (p < end && (src [p] == ' ' || src [p] == '\t')) {
        p++;
        line->indent++;
    }
    line->blank = true;
    while (p < end && src [p] != '\n' && src [p] != '\r') {
        if (src [p] != ' ' && src [p] != '\t')
            line->blank = false;
        p++;
    }
    line->end = p;
    if (p >= end)
        return end + 1;
    if (src [p] == '\r' && p + 1 < end && src [p + 1] == '\n')
        return p + 2;
    return p + 1;
}

/* BlockStringValue(rawValue):
   1. Let lines be the result of splitting rawValue by LineTerminator.
   2. Let commonIndent be null.
   3. For each line in lines: if line is the first item in lines, continue to the next
      line; let indent be the number of leading consecutive WhiteSpace characters in line;
      if indent is less than the length of line: if commonIndent is null or indent is less
      than commonIndent, let commonIndent be indent.
   4. If commonIndent is not null: for each line in lines, if line is the first item in
      lines, continue to the next line; remove commonIndent characters from the beginning
      of line.
   5. While the first item line in lines contains only WhiteSpace: remove the first item.
   6. While the last item line in lines contains only WhiteSpace: remove the last item.
   7. Let formatted be the empty character sequence.
   8. For each line in lines: if line is the first item in lines, append formatted with
      line; otherwise append formatted with a line feed character (U+000A) and line.
   9. Return formatted.
   The raw value is the text between the quotes with each \""" read as """. */
static size_t
s_cook_block_string (const char *src, const gql_token_t *tok, char *out)
{
    uint32_t begin = tok->offset + 3, end = tok->offset + tok->len - 3;
    s_line_t line;

    /* Steps 1-3: the common indent of the lines after the first. */
    uint32_t common = UINT32_MAX;
    uint32_t p = s_block_line (src, begin, end, &line);
    while (p <= end) {
        p = s_block_line (src, p, end, &line);
        if (!line.blank && line.indent < common)
            common = line.indent;
    }
    if (common == UINT32_MAX)
        common = 0;

    /* Steps 5-6: the first and last lines that are not blank once de-indented. A line
       that is blank stays blank after removing indentation, so `blank` decides. */
    uint32_t first = UINT32_MAX, last = 0, index = 0;
    p = begin;
    while (p <= end) {
        p = s_block_line (src, p, end, &line);
        if (!line.blank) {
            if (first == UINT32_MAX)
                first = index;
            last = index;
        }
        index++;
    }
    if (first == UINT32_MAX)
        return 0;

    /* Steps 4, 7-9. */
    size_t n = 0;
    index = 0;
    p = begin;
    while (p <= end) {
        p = s_block_line (src, p, end, &line);
        if (index >= first && index <= last) {
            if (index > first)
                out [n++] = '\n';
            uint32_t q = line.start;
            if (index > 0)
                q += line.indent < common ? line.indent : common;
            while (q < line.end) {
                if (src [q] == '\\' && line.end - q >= 4 && src [q + 1] == '"' && src [q + 2] == '"'
                    && src [q + 3] == '"') {
                    memcpy (out + n, "\"\"\"", 3);
                    n += 3;
                    q += 4;
                }
                else {
                    out [n++] = src [q++];
                }
            }
        }
        index++;
    }
    return n;
}

size_t
gql_lexer_cook_string (const char *src, const gql_token_t *tok, char *out)
{
    if (tok->kind == GQL_TOK_BLOCK_STRING)
        return s_cook_block_string (src, tok, out);
    assert (tok->kind == GQL_TOK_STRING);
    return s_cook_string (src, tok, out);
}
