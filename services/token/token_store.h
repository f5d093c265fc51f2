/*  token_store: the MongoDB collection `tokens`, personal access tokens and
    login sessions alike. A document holds only the keyed digest of a value
    (never the value), its display hint, and the token's metadata:

    { _id: "<24 hex>", kind: "pat" | "session", user_id, account_id,
      digest: "<64 hex, unique>", hint: "r5p_…abcd", description, scopes: ["incidentsRead"],
      idempotency_key (pats created with one), created_at: Date, last_used_at: Date | null,
      last_used_ip, used_from: [{address, user_agent, at: Date}] (pats: at most
      TOKEN_USED_FROM_MAX distinct places), team_ids: ["<24 hex>"] (pats: the
      team restriction, at most TOKEN_TEAMS_MAX; absent or empty: none),
      idle_expires_at: Date, absolute_expires_at: Date (sessions),
      audit_pending: {audit entry}, audit_event: "revoked" | "updated" | "",
      deleted_at: Date }

    A change of a personal access token carries its audit entry and the
    event it owes in the same single-document write (audit_pending,
    audit_event); the entry is then written to token_audit, the event
    published, and the two keys removed (token_pending.h). A delete marks
    the token deleted_at in the same way and removes it once settled;
    nothing finds a token so marked.

    Every call is one single-document operation. Calls that act for a user
    filter on user_id and account_id as well as the id, so another user's
    token is indistinguishable from a missing one. Functions return a Status;
    on anything but OK / NOT_FOUND / CONFLICT token_store_error says why. */
#ifndef TOKEN_STORE_H
#define TOKEN_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "r5_mongo.h"
#include "r5_scope.h"
#include "r5_token_format.h"
#include "token_input.h"
#include "token_usage.h"
#include "r5_user_agent.h"

#define TOKEN_COLLECTION "tokens"
#define TOKEN_DIGEST_HEX_SIZE (R5_TOKEN_DIGEST_SIZE * 2 + 1)

typedef enum {
    TOKEN_KIND_PAT = 1,
    TOKEN_KIND_SESSION = 2
} token_kind_t;

//  One place a token was used from (used_from).
typedef struct {
    char address [TOKEN_IP_MAX + 1];
    char user_agent [R5_USER_AGENT_MAX + 1];
    int64_t at;                     //  ms since the epoch
} token_use_t;

#define TOKEN_USED_FROM_KEY "used_from"

#define TOKEN_TEAMS_KEY "team_ids"

typedef struct {
    char id [TOKEN_ID_SIZE];
    token_kind_t kind;
    char user_id [TOKEN_USER_ID_MAX + 1];
    char account_id [TOKEN_USER_ID_MAX + 1];
    char digest [TOKEN_DIGEST_HEX_SIZE];
    char hint [R5_TOKEN_HINT_SIZE];
    char description [TOKEN_DESCRIPTION_MAX_BYTES + 1];
    r5_scope_set_t scopes;
    char idempotency_key [TOKEN_IDEMPOTENCY_KEY_MAX + 1];   //  "" when none
    int64_t created_at;             //  ms since the epoch
    int64_t last_used_at;           //  0 when never used
    char last_used_ip [TOKEN_IP_MAX + 1];
    token_use_t used_from [TOKEN_USED_FROM_MAX];    //  newest first
    size_t n_used_from;
    int64_t idle_expires_at;        //  sessions only
    int64_t absolute_expires_at;    //  sessions only
    token_teams_t teams;            //  pats only: the team restriction
} token_record_t;

#define TOKEN_PENDING_KEY "audit_pending"
#define TOKEN_PENDING_EVENT_KEY "audit_event"
#define TOKEN_DELETED_KEY "deleted_at"

//  What a change owes once it is written: its audit entry (a token_audit
//  document with its _id) and the event to publish ("" or NULL for none).
//  request_id, when not NULL or "", is remembered on the token with the
//  change (the last TOKEN_APPLIED_MAX of them), and a write whose request id
//  is already there matches nothing: a repeat of a request is never applied
//  twice. claim, when not NULL, is the caller's key for the change
//  (TOKEN_KEY_PREFIX + its idempotency key), remembered beside request_id: a
//  write whose claim is already there matches nothing either, so one key
//  applies one change, whatever its request id.
typedef struct {
    const bson_t *audit;
    const char *event;
    const char *request_id;
    const char *claim;
} token_change_t;

#define TOKEN_APPLIED_KEY "applied_requests"
#define TOKEN_APPLIED_MAX 16
#define TOKEN_KEY_PREFIX "key:"
//  "key:" and a change key (at most 144), or a request id (at most 127);
//  then "/" and 32 hex
#define TOKEN_APPLIED_ID_SIZE 192

typedef struct _token_store_t token_store_t;

//  A store over a borrowed pool (the pool must outlive the store).
token_store_t *token_store_new (r5_mongo_t *mongo);
void token_store_destroy (token_store_t **self_p);

//  Why the last call failed (for logs; never shown to clients).
const char *token_store_error (token_store_t *self);

//  Create the indexes of `tokens`. 0, or -1 with one line in error.
int token_store_ensure_indexes (token_store_t *self, char *error, size_t error_size);

//  Hex of a digest, into out (TOKEN_DIGEST_HEX_SIZE bytes).
void token_store_digest_hex (const uint8_t digest [R5_TOKEN_DIGEST_SIZE], char out [TOKEN_DIGEST_HEX_SIZE]);

//  Insert a new token. CONFLICT when its digest or (user, idempotency key) is taken;
//  *idempotency_taken tells which.
R5__Status token_store_insert (token_store_t *self, const token_record_t *record, bool *idempotency_taken);

//  The same, with what the creation owes in the same write (change may be NULL).
R5__Status token_store_insert_changed (token_store_t *self, const token_record_t *record,
                                       const token_change_t *change, bool *idempotency_taken);

//  Find by digest (verification: one index lookup). NOT_FOUND when absent.
R5__Status token_store_find_by_digest (token_store_t *self, const char *digest, token_record_t *out);

//  Find one of the user's own tokens of a kind. NOT_FOUND when missing or another user's.
R5__Status token_store_find_own (token_store_t *self, const char *id, const char *user_id,
                                 const char *account_id, token_kind_t kind, token_record_t *out);

//  The user's PAT created with this idempotency key. NOT_FOUND when none.
R5__Status token_store_find_by_idempotency_key (token_store_t *self, const char *user_id,
                                                const char *key, token_record_t *out);

//  A page of the user's PATs (token_bson_append_page: newest first, or
//  oldest first when backward). Writes up to page->size + 1 records into
//  out; *count says how many. When total is not NULL, *total is how many
//  PATs the user has (one more command).
R5__Status token_store_list (token_store_t *self, const char *user_id, const char *account_id,
                             const token_page_t *page, token_record_t *out, size_t *count, int64_t *total);

//  Set the description (when not NULL), the scopes (when not NULL) and/or
//  the team restriction (when not NULL; not compared: the last change wins) of
//  one of the user's PATs, only while it is as before says (its description
//  and scopes, the audit entry's "before") and owes no earlier change, with
//  change in the same write. Fills after. CONFLICT when it changed
//  meanwhile, NOT_FOUND when it is gone or not own.
R5__Status token_store_update (token_store_t *self, const token_record_t *before, const char *description,
                               const r5_scope_set_t *scopes, const token_teams_t *teams,
                               const token_change_t *change, token_record_t *after);

//  One of the user's live PATs, only when a change with request_id was
//  applied to it (token_change_t). OK with out filled, NOT_FOUND otherwise.
R5__Status token_store_find_applied (token_store_t *self, const char *id, const char *user_id,
                                     const char *account_id, const char *request_id, token_record_t *out);

//  Replace the digest and hint of one of the user's PATs, only if its digest
//  is still expected_digest (so of two concurrent regenerates exactly one
//  wins). Clears last_used and used_from. Fills after. CONFLICT when another change won,
//  NOT_FOUND when the token is gone or not own.
R5__Status token_store_swap_digest (token_store_t *self, const char *id, const char *user_id,
                                    const char *account_id, const char *expected_digest,
                                    const char *digest, const char *hint, const token_change_t *change,
                                    token_record_t *after);

//  Delete one of the user's PATs: mark it deleted_at now, with change, in
//  one write; it stops verifying at once and token_store_settle removes it.
//  Fills out. CONFLICT when it owes an earlier change, NOT_FOUND when not own.
//  With digest (not NULL), only while the token's value is still that one (a
//  leaked value is revoked, never the value a regenerate gave it since).
R5__Status token_store_retire (token_store_t *self, const char *id, const char *user_id, const char *account_id,
                               const char *digest, int64_t now, const token_change_t *change, token_record_t *out);

//  Copies (bson_copy; the caller destroys them) of up to limit token
//  documents that still owe their change's audit entry; only token id's
//  when id is not NULL.
R5__Status token_store_owing (token_store_t *self, const char *id, bson_t **docs, size_t limit, size_t *count);

//  The audit entry audit_id of token id is written and its event published:
//  remove what it owed (and the token itself when deleted), only while it
//  still owes that entry.
R5__Status token_store_settle (token_store_t *self, const char *id, const char *audit_id, bool deleted);

//  Delete the token with this digest and kind, filling out with what was
//  deleted. NOT_FOUND when absent.
R5__Status token_store_delete_by_digest (token_store_t *self, const char *digest,
                                         token_kind_t kind, token_record_t *out);

//  Record a use: last_used_at/ip, and for sessions the slid idle expiry
//  (idle_expires_at > 0). Only while the digest is still the one verified.
//  With user_agent (not NULL: personal access tokens), the place (ip,
//  user_agent) is recorded in used_from in the same write: its time is set
//  where it is there (records read it newest first); else it is pushed, the
//  list sorted newest first and cut to TOKEN_USED_FROM_MAX, in a second
//  write conditional on its absence (MongoDB refuses a $pull and a $push of
//  one array in one update). Never a duplicate place, never more than the bound.
R5__Status token_store_touch (token_store_t *self, const char *id, const char *digest,
                              int64_t now, const char *ip, const char *user_agent, int64_t idle_expires_at);

//  Names used in documents.
const char *token_kind_name (token_kind_t kind);

#endif
