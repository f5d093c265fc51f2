/*  gateway_tokens: the personal access token fields of the schema (the
    caller's own tokens, their audit trail, create, update, regenerate and
    delete), resolved by calling r5-token on the caller's behalf. r5-token
    decides everything (a session is needed, own tokens only). */
#ifndef GATEWAY_TOKENS_H
#define GATEWAY_TOKENS_H

#include "gql.h"

//  Write the token fields' resolver entries into entries (size of them at
//  most). Returns how many were written.
size_t gateway_tokens_resolvers (gql_resolver_entry_t *entries, size_t size);

//  The caller's token with the service id id as JSON, on behalf of info's
//  request; NULL with error set (NOT_FOUND: none of the caller's, or a
//  token's caller: tokens do not read tokens).
json_t *gateway_tokens_get (const gql_resolve_info_t *info, const char *id, gql_field_error_t *error);

#endif
