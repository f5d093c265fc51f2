/*  resource_call: one request on behalf of a principal — its MongoDB client,
    the caller's facts (signed into the principal, or loaded once), the one
    batched question to r5-authz, and the heap-allocated reply the handlers
    fill.

    Every handler of a principal's request follows the same steps: validate
    the input (BAD_INPUT, nothing written), load the facts the decision needs,
    ask r5-authz (resource_call_decide), act with single-document atomic
    operations filtered by the caller's account, and put the written object in
    the reply. */
#ifndef RESOURCE_CALL_H
#define RESOURCE_CALL_H

#include "r5_client.h"
#include "r5_mongo.h"
#include "r5_sign.h"
#include "r5_throttle.h"
#include "resource_events.h"
#include "resource_validate.h"
#include "r5/authz.pb-c.h"
#include "r5/resource.pb-c.h"

#include <stdbool.h>

typedef struct {
    r5_mongo_t *mongo;
    mongoc_client_t *client;            //  popped for this request
    r5_client_t *broker;                //  to call r5-authz
    r5_events_t *events;
    const R5__Principal *principal;     //  never NULL once the call is made: from a verified assertion
    const R5__PrincipalAssertion *assertion;  //  that assertion, forwarded to r5-authz (NULL: nobody)
    const r5_sign_secret_t *proof_key;  //  signs password proofs (sign-in, signup)
    r5_throttle_t *password_throttle;   //  check_password attempts per email
    const char *rid;                    //  request id for logs
    //  A create's client idempotency key (NULL: none) and the digest of the
    //  request's body it must match when repeated (32 hex, secrets left out).
    const char *idempotency_key;
    char idempotency_input [33];
    int64_t deadline_unix_ms;
    R5__Facts facts;                    //  the caller's facts (after resource_call_facts)
    bool facts_tried;
    //  Read the facts live even when the principal carries them: every
    //  request that changes a fact or a privilege (resource_server.c
    //  s_changes_facts: signed facts may predate the caller's demotion),
    //  and a retry after a concurrent change, which may have been its own.
    bool facts_live;
    //  A team-restricted token's teams' members, as (user, team) pairs
    //  (after resource_call_members): the facts and lists of users.
    char **member_user_ids, **member_team_ids;
    size_t n_members;
    bool members_tried, members_loaded;
    //  The preview of a team-restricted token: authz decides as for one
    //  restricted to these (CheckRequest.restrict_team_ids; borrowed).
    char **restrict_team_ids;
    size_t n_restrict_team_ids;
    R5__ResourceReply *reply;           //  heap: freed with protobuf_c_message_free_unpacked
    //  The owed events this request published, pulled once the gateways
    //  confirmed them (resource_owed.h).
    struct _resource_owed_entry_t *owed;
    size_t n_owed;
    //  A team's delete: the users it owes a user.changed event (its members
    //  as the delete mark found them), and the date of their entries.
    char **delete_owed_ids;
    size_t n_delete_owed_ids;
    int64_t delete_owed_at;
    char delete_owed_nonce [25];        //  their entries' nonce (resource_owed.h)

} resource_call_t;

//  A request's handler (the dispatch table in resource_server.c): reads its
//  body from request and fills call->reply.
typedef void (resource_handler_fn) (resource_call_t *call, const R5__ResourceRequest *request);

//  The named collection; the caller destroys it.
mongoc_collection_t *resource_call_collection (resource_call_t *call, const char *name);

//  Set the reply's status and message (copied; NULL for none). Returns -1.
int resource_call_fail (resource_call_t *call, R5__Status status, const char *message);

//  Check request's text fields against rules (resource_validate_fields):
//  0, or -1 with BAD_INPUT and the rule's message in the reply.
int resource_call_check_text (resource_call_t *call, const ProtobufCMessage *request,
                              const resource_text_rule_t *rules, size_t count);

//  Map a libmongoc error into the reply (logged when it is not the client's doing). Returns -1.
int resource_call_mongo_fail (resource_call_t *call, const bson_error_t *error, const char *what);

//  The caller's facts: those r5-token signed into the principal when it
//  carries them (facts_complete) and the call is not facts_live, else read
//  live (role and active flag from users, memberships and team-admin flags
//  from teams). 0, or -1 with the reply set.
int resource_call_facts (resource_call_t *call);

//  Append the teams user_id of account_id belongs to (at most 1000) to
//  *team_ids and those it administers to *admin_ids (strdup'd). One find.
//  0, or -1 with *error set.
int resource_call_load_teams (resource_call_t *call, const char *account_id, const char *user_id,
                              char ***team_ids, size_t *n_team_ids, char ***admin_ids, size_t *n_admin_ids,
                              bson_error_t *error);

//  Ask r5-authz about count operations in one CheckRequest. 0 with *reply
//  (free with r5__authz_reply__free_unpacked) holding count decisions, or -1
//  with the call's reply set (UNAVAILABLE, INTERNAL).
int resource_call_check (resource_call_t *call, R5__Operation **operations, size_t count,
                         R5__AuthzReply **reply);

//  Ask about one operation. 0 when allowed; else -1 with the reply set to the
//  decision (SCOPE_MISSING with required_scope, FORBIDDEN, NOT_FOUND ...).
//  visibility (may be NULL) receives a copy of a LIST's visibility rule: its
//  team ids and restricted team ids are strdup'd (free with
//  resource_call_visibility_clear).
int resource_call_decide (resource_call_t *call, R5__ResourceType type, R5__Verb verb,
                          R5__ObjectFacts *object, R5__Visibility *visibility);
void resource_call_visibility_clear (R5__Visibility *visibility);

//  Ask about verb on whichever object of type a write's filter will match
//  (Operation.as_filter). 0 when allowed, with the visibility rule the filter
//  must add (as resource_call_decide's); 1 when r5-authz cannot decide so (an
//  older r5-authz: ask about the object instead), nothing set; else -1 with
//  the reply set to the decision.
int resource_call_decide_filter (resource_call_t *call, R5__ResourceType type, R5__Verb verb,
                                 R5__Visibility *visibility);

void resource_strings_free (char ***list, size_t count);

//  The reply's object list (made on first use).
R5__Objects *resource_call_objects (resource_call_t *call);

//  Free the facts, the members of the restricted teams and a team delete's
//  owed users.
void resource_call_clear (resource_call_t *call);

//  Whether the principal is a personal access token restricted to some teams.
bool resource_call_restricted (const resource_call_t *call);

//  Load (once) who belongs to the restricted teams of the principal (none
//  when it is not restricted). 0, or -1 with the reply set.
int resource_call_members (resource_call_t *call);

//  The restricted teams user_id belongs to (after resource_call_members):
//  a malloc'd array of strings borrowed from the call (NULL when none), its
//  length in *count.
char **resource_call_user_teams (resource_call_t *call, const char *user_id, size_t *count);

//  Ask about count GET operations (one per object) and mark which are
//  allowed. 0, or -1 with the reply set when the whole request is refused
//  (SCOPE_MISSING, UNAUTHENTICATED) or authz failed; objects refused one by
//  one (NOT_FOUND) are only left out.
int resource_call_allowed (resource_call_t *call, R5__Operation **operations, size_t count, bool *allowed);

#endif
