/*  token_input: validation of everything a TokenRequest carries from outside
    (descriptions, scopes, ids, idempotency keys, client ips) and the opaque
    page cursors of the list calls. Pure functions: no I/O, no state. */
#ifndef TOKEN_INPUT_H
#define TOKEN_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "r5_scope.h"

#define TOKEN_DESCRIPTION_MAX_CHARS 200
#define TOKEN_DESCRIPTION_MAX_BYTES (TOKEN_DESCRIPTION_MAX_CHARS * 4)
#define TOKEN_ID_SIZE               25     //  24 hex characters + NUL
#define TOKEN_USER_ID_MAX           64
#define TOKEN_IDEMPOTENCY_KEY_MAX   128
#define TOKEN_CHANGE_KEY_MAX        (TOKEN_IDEMPOTENCY_KEY_MAX + 16)   //  a key, ".", an index
#define TOKEN_IP_MAX                63
#define TOKEN_CURSOR_SIZE           41     //  16 + 24 hex characters + NUL
#define TOKEN_PAGE_DEFAULT          20
#define TOKEN_PAGE_MAX              100
#define TOKEN_TEAMS_MAX             50     //  teams a token can be restricted to

//  A description is 1..200 characters of valid UTF-8, not only spaces, with
//  no control characters. Returns 0, or -1 with a message for the caller in error.
int token_input_description (const char *text, char *error, size_t error_size);

//  Known scopes only (1..16), duplicates folded. Returns 0 and the set, or -1
//  with a message in error.
int token_input_scopes (const R5__Scope *scopes, size_t count, r5_scope_set_t *set,
                        char *error, size_t error_size);

//  A token id: 24 lowercase hex characters (what r5_mongo_new_id makes).
bool token_input_is_id (const char *id);

//  A user or account id: 1..64 characters of [A-Za-z0-9_-].
bool token_input_is_user_id (const char *id);

//  An idempotency key: empty (none), or 1..128 printable ASCII characters without spaces.
bool token_input_is_idempotency_key (const char *key);

//  An update's key (UpdateTokenRequest.idempotency_key): the same, up to
//  TOKEN_CHANGE_KEY_MAX characters.
bool token_input_is_change_key (const char *key);

//  A client ip as recorded: up to 63 characters of [0-9A-Za-z.:%-]; anything
//  else is recorded as "" (it is only a hint, never a reason to fail).
const char *token_input_ip (const char *ip);

//  The teams a PAT is restricted to (team_ids); none: unrestricted.
typedef struct {
    char ids [TOKEN_TEAMS_MAX][TOKEN_ID_SIZE];
    size_t count;
} token_teams_t;

//  A team restriction (CreateTokenRequest.team_ids): at most TOKEN_TEAMS_MAX
//  well-formed ids (24 lowercase hex), duplicates folded, in the order given.
//  Returns 0 with the ids in *teams, or -1 with a message in error.
int token_input_team_ids (char *const *ids, size_t n_ids, token_teams_t *teams, char *error, size_t error_size);

//  Page size: 0 means the default; 1..100 are accepted. Returns the size or -1.
int token_input_first (int32_t first);

//  The opaque cursor of a list entry: its creation time and id, in hex.
void token_cursor_format (int64_t created_at_ms, const char *id, char out [TOKEN_CURSOR_SIZE]);

//  Parse a cursor. Returns 0 and its parts, or -1 when it is not one.
int token_cursor_parse (const char *cursor, int64_t *created_at_ms, char id [TOKEN_ID_SIZE]);

//  A page of a list call (newest first) as its request asks: size elements
//  after the after cursor, or, backward (last), the size elements just
//  before the before cursor (the list's last ones without it).
typedef struct {
    int size;                       //  1 to TOKEN_PAGE_MAX
    bool backward;
    bool after;                     //  after_at and after_id hold a cursor
    int64_t after_at;
    char after_id [TOKEN_ID_SIZE];
    bool before;
    int64_t before_at;
    char before_id [TOKEN_ID_SIZE];
} token_page_t;

//  Read a list request's first, after, last and before into page. Returns 0,
//  or -1 with a message for the caller in *error (a size out of bounds,
//  first with last, a cursor that is not one).
int token_input_page (int32_t first, const char *after, int32_t last, const char *before, token_page_t *page,
                      const char **error);

#endif
