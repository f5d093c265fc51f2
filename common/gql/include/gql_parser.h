/*  gql_parser.h - GraphQL documents from source text.

    Recursive descent with one token of lookahead and no backtracking; re-entrant (no
    static state). The limits are enforced while parsing: the parse stops at the first
    token that crosses one, and the error carries that token's line and column.
*/
#ifndef GQL_PARSER_H_INCLUDED
#define GQL_PARSER_H_INCLUDED

#include "gql_ast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits on one document. A zero member means "no limit" for that member.
   - max_bytes:      source length in bytes (checked before lexing).
   - max_tokens:     lexical tokens (punctuators, names, numbers, strings; ignored tokens
                     and <EOF> are not counted).
   - max_depth:      nesting depth. Every bracketed construct counts one level: a selection
                     set, a list or object value, a list type `[T]`. `{ a { b } }` is
                     depth 2; `{ a(x: [{y: 1}]) }` is depth 3. Selection sets are also
                     counted through fragment spreads, a spread standing for the inline
                     fragment it names: `{ ...F } fragment F on Q { a { b } }` is depth
                     4. Without a limit, S_HARD_MAX_DEPTH (512) still applies. Every walk
                     of a document (validation, execution) recurses no deeper than this.
   - max_aliases:    aliased fields in the document (`k: field`).
   - max_directives: directive uses (`@x`) in the document. */
typedef struct {
    size_t max_bytes;
    uint32_t max_tokens;
    uint32_t max_depth;
    uint32_t max_aliases;
    uint32_t max_directives;
} gql_limits_t;

/* (clang-format would spread each initializer over four lines.) */
/* clang-format off */
/* The request defaults: 1 MiB, 15,000 tokens, depth 32, 30 aliases, 50 directives. */
#define GQL_LIMITS_DEFAULT_INIT { 1024 * 1024, 15000, 32, 30, 50 }

/* The schema-file defaults used by gql_parse_sdl(NULL limits): 16 MiB, 4M tokens,
   depth 64, no alias or directive limit. */
#define GQL_LIMITS_SDL_INIT { 16u * 1024 * 1024, 4000000, 64, 0, 0 }
/* clang-format on */

/* Fills *limits with GQL_LIMITS_DEFAULT_INIT. */
void gql_limits_default (gql_limits_t *limits);

/* Parses a Document (executable and type-system definitions both, as the spec's grammar
   allows; rejecting type-system definitions in a request is the validator's job, rule
   5.1.1). `src` need not be NUL-terminated and must outlive the document. `limits` NULL
   means GQL_LIMITS_DEFAULT_INIT. Returns the document, or NULL with *err filled (err may
   be NULL). */
gql_document_t *gql_parse (const char *src, size_t len, const gql_limits_t *limits, gql_error_t *err);

/* Parses a TypeSystemDocument (a schema file): operations and fragments are refused.
   `limits` NULL means GQL_LIMITS_SDL_INIT. Returns the document, or NULL with *err. */
gql_document_t *gql_parse_sdl (const char *src, size_t len, const gql_limits_t *limits, gql_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
