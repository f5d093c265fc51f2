/*  gql_lexer.h - GraphQL tokens as slices of the source (spec section 2.1).

    The lexer copies nothing: a token is a kind plus the offset, length, line and column of
    its text in the source. String tokens are fully checked while lexing (escapes, UTF-8,
    surrogates), so gql_lexer_cook_string() cannot fail later. Ignored tokens (BOM, white
    space, line terminators, commas, comments) are skipped. Control characters (other than
    tab, LF, CR) and invalid UTF-8 are refused anywhere, including inside strings and
    comments.
*/
#ifndef GQL_LEXER_H_INCLUDED
#define GQL_LEXER_H_INCLUDED

#include "gql_ast.h"

typedef enum {
    GQL_TOK_EOF,
    GQL_TOK_BANG,      /* ! */
    GQL_TOK_DOLLAR,    /* $ */
    GQL_TOK_AMP,       /* & */
    GQL_TOK_PAREN_L,   /* ( */
    GQL_TOK_PAREN_R,   /* ) */
    GQL_TOK_SPREAD,    /* ... */
    GQL_TOK_COLON,     /* : */
    GQL_TOK_EQUALS,    /* = */
    GQL_TOK_AT,        /* @ */
    GQL_TOK_BRACKET_L, /* [ */
    GQL_TOK_BRACKET_R, /* ] */
    GQL_TOK_BRACE_L,   /* { */
    GQL_TOK_PIPE,      /* | */
    GQL_TOK_BRACE_R,   /* } */
    GQL_TOK_NAME,
    GQL_TOK_INT,
    GQL_TOK_FLOAT,
    GQL_TOK_STRING,      /* "..." (text includes the quotes) */
    GQL_TOK_BLOCK_STRING /* """...""" (text includes the quotes) */
} gql_token_kind_t;

/* Token flags. */
#define GQL_TOKF_ESCAPED 1u /* a STRING holding at least one escape sequence */

typedef struct {
    gql_token_kind_t kind;
    uint32_t flags;
    uint32_t offset; /* byte offset of the first byte */
    uint32_t len;    /* bytes */
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in code points */
} gql_token_t;

/* Lexer state: plain data, no allocation; one per parse. */
typedef struct {
    const char *src;
    uint32_t len;
    uint32_t pos;  /* next byte to read */
    uint32_t line; /* line of `pos` */
    uint32_t line_start;
    uint32_t col_off; /* column cache: `col` is the column of byte `col_off` */
    uint32_t col;
} gql_lexer_t;

/* Starts lexing `src` (len must be < UINT32_MAX). */
void gql_lexer_init (gql_lexer_t *lx, const char *src, size_t len);

/* Reads the next token into *tok (GQL_TOK_EOF at the end, again and again). Returns 0, or
   -1 with *err filled (code GQL_ERR_SYNTAX, line/column of the offending character). */
int gql_lexer_next (gql_lexer_t *lx, gql_token_t *tok, gql_error_t *err);

/* Returns the spelling of a token kind for messages ("'{'", "name", "<EOF>"). */
const char *gql_token_kind_name (gql_token_kind_t kind);

/* Writes the value of a STRING or BLOCK_STRING token (escapes resolved; block string
   indentation and blank first/last lines removed per BlockStringValue()) to `out`, which
   must have room for tok->len bytes. Returns the number of bytes written. The token must
   come from gql_lexer_next() over the same source. */
size_t gql_lexer_cook_string (const char *src, const gql_token_t *tok, char *out);

/* True when the STRING token's value is exactly its text between the quotes (no escapes),
   so a slice of the source can stand for it. */
static inline bool
gql_token_is_plain_string (const gql_token_t *tok)
{
    return tok->kind == GQL_TOK_STRING && !(tok->flags & GQL_TOKF_ESCAPED);
}

#endif
