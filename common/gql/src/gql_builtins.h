/*  gql_builtins.h - the SDL every schema starts from (internal): built-in scalars,
    built-in directives and the introspection types (spec sections 3.5, 3.13, 4.5).
*/
#ifndef GQL_BUILTINS_H_INCLUDED
#define GQL_BUILTINS_H_INCLUDED

#include <stddef.h>

/* The built-in SDL text and its length. */
extern const char gql_builtins_sdl [];
extern const size_t gql_builtins_sdl_len;

#endif
