/*  resource_store: the one type table of r5-resource and what works from it
    for every type — read by ids, list a page, load and decide, create,
    modify, delete — so a type's own file holds only what is really its own
    (password hashing, member rules, incident transitions, override caps).

    A stored object is its message through the codec (common/r5_codec.h)
    plus the keys the wire lacks (password_hash, version, participant_ids,
    history, key_hash ...), which decoding skips and writes add next to the
    codec's output. The authorization facts are read off the stored
    document by the keys the table names. */
#ifndef RESOURCE_STORE_H
#define RESOURCE_STORE_H

#include "resource_call.h"

typedef struct _resource_type_t resource_type_t;

//  The stored key of a create's idempotency key: {user_id, key, input}
//  beside the object (the input's digest tells a repeat from a reuse).
#define RESOURCE_IDEMPOTENCY_KEY "idempotency"

//  Append the call's idempotency key, when it has one, to a new document.
void resource_store_append_idempotency (resource_call_t *call, bson_t *doc);

//  Whether type's collection holds a document made with the call's
//  idempotency key: 1 with the same input, 0 none (or no key), -1 another
//  input (CONFLICT) or a failed lookup, reply set.
int resource_store_keyed (resource_call_t *call, const resource_type_t *type);

//  A stored object: its document, its message, and the facts r5-authz
//  decides on (borrowed from the document).
typedef struct {
    bson_t *doc;                    //  NULL: there is none
    ProtobufCMessage *message;
    R5__ObjectFacts facts;
    char *own_team [1];
    char **team_ids;                //  malloc'd array of borrowed strings
    char **participant_ids;
    char **current_team_ids;        //  incidents: the teams assigned now (borrowed strings)
} resource_object_t;

//  Free what object holds; it is then empty.
void resource_object_clear (resource_object_t *object);

struct _resource_type_t {
    R5__ResourceType type;
    const char *collection;
    const ProtobufCMessageDescriptor *descriptor;
    //  The type's list in the reply's Objects (offsetof count and array).
    size_t objects_count, objects_list;
    const char *not_found;              //  "no such schedule" (debug log only)
    const char *const *required;        //  stored keys every document has, NULL-terminated
    const char *hidden;                 //  a stored key never read back (password_hash), or NULL
    //  Facts: the owning team(s) ("_id" for a team itself, "team_id",
    //  "team_history_ids"), the owning user, the participants, and whether
    //  the role is a fact. NULL/false when the type has none.
    const char *team_key;
    //  The teams assigned now when team_key holds every team ever
    //  (incidents), and the key a team-restricted token's list is narrowed
    //  on ("_id" for teams, "team_id", "team_ids"); NULL: none (users are
    //  narrowed to the teams' members, one's own types not at all).
    const char *current_team_key;
    const char *restrict_key;
    const char *owner_key;
    const char *participants_key;
    bool role_fact;
    const char *duplicate;              //  CONFLICT message of a unique index, or NULL
    //  Every paged list sorts on _id after its equality keys, so each list
    //  shape has an index ending in _id (tests/integration/test_query_shapes.py).
    const r5_mongo_index_t *indexes;
    size_t n_indexes;
    const char *const *superseded;      //  index names an earlier version made, dropped first; NULL-terminated
    //  Lists: newest first, the rule's visibility asked for, a check of the
    //  request before the decision (message or NULL), and the filter beyond
    //  the account.
    bool newest_first;
    bool list_visibility;
    const char *(*list_check) (const R5__ListObjectsRequest *request);
    void (*list_filter) (resource_call_t *call, const R5__ListObjectsRequest *request,
                         const R5__Visibility *visibility, bson_t *filter);
    //  Deletes: a type that is not deletable answers BAD_INPUT. before runs
    //  once the delete is decided (dependents go there, before their parent)
    //  and may add conditions to the delete's filter; after runs once it is
    //  done; 0, or -1 with the reply set.
    bool deletable;
    int (*before_delete) (resource_call_t *call, const resource_object_t *object, bson_t *filter);
    int (*after_delete) (resource_call_t *call, const resource_object_t *object);
    //  A dependent's create checks its parent after its insert (below,
    //  "Parents and dependents"): the check of a new document, 0 when its
    //  parent may have it, else -1 with the reply set. NULL: no parent.
    int (*check_parent) (resource_call_t *call, const bson_t *doc);
};

//  The entry of type, or NULL for one r5-resource does not know.
const resource_type_t *resource_type_of (R5__ResourceType type);

//  Create every type's indexes (start-up). 0, or -1 with a line in error.
int resource_store_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size);

//  The message of a stored document, or NULL (logged) when it lacks a
//  required key or a field has the wrong type.
ProtobufCMessage *resource_store_decode (const resource_type_t *type, const bson_t *doc, const char *rid);

//  Objects by id (at most 100): those the caller may read, in the order
//  asked; a refusal of the whole request (scope) fails it.
void resource_store_get (resource_call_t *call, const resource_type_t *type, char **ids, size_t count);

//  A page as a list request asks for it (ListObjectsRequest,
//  ListIncidentNotesRequest): first or last (1-100, the other 0), cursors
//  after and before ("" or NULL: none), count for Objects.total_count.
typedef struct {
    int first;
    int last;
    const char *after;
    const char *before;
    bool count;
} resource_page_t;

//  One page of a find in collection: filter is extended with the cursors,
//  sorted on _id (newest first when type says so), at most first objects of
//  type replied after after, or the last ones before before; sets
//  has_next_page, has_previous_page, start_cursor, end_cursor and, when the
//  page asks, total_count (counted with filter before the cursors). 0, or -1
//  with the reply set. (resource_store_list for the types of the table;
//  incident notes.)
int resource_store_page (resource_call_t *call, const resource_type_t *type, mongoc_collection_t *collection,
                         bson_t *filter, const resource_page_t *page);

//  A team-restricted token's visibility (visibility->restricted): only what
//  belongs to its teams, in a top-level $and of filter (which may already
//  name the key: a list's team, the page's _id range). Users: the teams'
//  members and the token's own user. Nothing for other visibilities. 0, or
//  -1 with the reply set.
int resource_store_restrict (resource_call_t *call, const resource_type_t *type, const R5__Visibility *visibility,
                             bson_t *filter);

//  One page of what the caller may see.
void resource_store_list (resource_call_t *call, const resource_type_t *type, const R5__ListObjectsRequest *request);

//  Decide DELETE on one object and delete it; deleted_id in the reply.
void resource_store_delete (resource_call_t *call, const resource_type_t *type, const char *id);

//  Read one object of the caller's account into object (object->doc NULL
//  when there is none or id is not an id). 0, or -1 with the reply set
//  (INTERNAL for a malformed document).
int resource_store_find (resource_call_t *call, const resource_type_t *type, const char *id, resource_object_t *object);

//  Decide verb on a found (or missing) object; NOT_FOUND when it is
//  missing and authz allowed anyway. 0, or -1 with the reply set.
int resource_store_decide (resource_call_t *call, const resource_type_t *type, R5__Verb verb,
                           resource_object_t *object);

//  resource_store_find and resource_store_decide.
int resource_store_load (resource_call_t *call, const resource_type_t *type, const char *id, R5__Verb verb,
                         resource_object_t *object);

//  Decide CREATE; for a team-owned type team_id is the fact decided on and
//  must then name a team of the caller's account. 0 or -1 (reply set).
int resource_store_decide_create (resource_call_t *call, const resource_type_t *type, const char *team_id);

//  Make object (type's message, initialised) the new object input creates:
//  a new id (kept in id), the caller's account, and for a user-owned type
//  the caller as owner, input's fields by name (r5_codec_copy_fields), and
//  created now. The handler then sets what is the type's own, and inserts.
void resource_store_prepare (resource_call_t *call, const resource_type_t *type, const ProtobufCMessage *input,
                             ProtobufCMessage *object, char id [25]);

//  Store message (with extra's keys beside it, extra may be NULL) as a new
//  document and reply with it. 0 or -1 (reply set). With the call's
//  idempotency key, the key is stored with the object, and a create that
//  repeats it replies with the object the first one stored and returns 1
//  (nothing after the insert is to be done again: the first create did it,
//  a secret shown once stays unshown), or CONFLICT when its input differs.
//  A type with a parent check is inserted pending, checked, then confirmed
//  or taken back (below); a repeat that finds the first create's object
//  still pending completes it the same way.
int resource_store_insert (resource_call_t *call, const resource_type_t *type, const ProtobufCMessage *message,
                           const bson_t *extra);

//  findAndModify filter with update; *object is the document after the
//  change (its doc NULL when the filter matched nothing). 0 or -1 (reply set).
int resource_store_modify (resource_call_t *call, const resource_type_t *type, const bson_t *filter,
                           const bson_t *update, resource_object_t *object);

//  Modify the object id of the caller's account and reply with it (NOT_FOUND
//  when it vanished). 0 or -1 (reply set).
int resource_store_update (resource_call_t *call, const resource_type_t *type, const char *id, const bson_t *update);

//  Parents and their dependents without transactions: a delete of a parent
//  marks it deleting (a date) first, then deletes or counts its dependents,
//  then deletes it only while its mark is still there; a create of a
//  dependent inserts first and then checks its parent for a live mark, and
//  takes its insert back when it finds one. So of a delete and a create at
//  once, at least one sees the other. A mark holds off creates for
//  RESOURCE_DELETE_MARK_MS; one left behind by a failure goes stale.
#define RESOURCE_DELETE_MARK_MS 60000

//  The check_parent of the team-owned types: the team of doc's team_id
//  exists in the caller's account and no delete of it is under way.
int resource_store_check_team (resource_call_t *call, const bson_t *doc);

//  Set the deleting mark of object id of type to at (ms). 0, or -1 with the
//  reply set.
int resource_store_mark_deleting (resource_call_t *call, const resource_type_t *type, const char *id, int64_t at);

//  A delete that marked object id of type at mark gives up: clear the mark
//  while it is still that one (a concurrent delete that marked it since
//  keeps its own). A failure is logged, the reply left as it is: a mark
//  left behind goes stale.
void resource_store_unmark_deleting (resource_call_t *call, const resource_type_t *type, const char *id,
                                     int64_t mark);

//  The delete of parent id of type, marked at mark, is about to be sent: add
//  the condition "my mark is still there" to its filter; UNAVAILABLE
//  instead, its mark cleared, when so much time has passed that creates may
//  no longer honour the mark. 0, or -1 with the reply set.
int resource_store_marked_delete (resource_call_t *call, const resource_type_t *type, const char *id, int64_t mark,
                                  bson_t *filter);

//  Append to a filter the condition "no delete of it is under way".
void resource_store_append_unmarked (bson_t *filter, int64_t now);

//  Move object's message into the reply's Objects.
void resource_store_reply (resource_call_t *call, const resource_type_t *type, resource_object_t *object);

//  Every id names an object of collection in the caller's account (a
//  pending one does not count), else BAD_INPUT with message. 0 or -1
//  (reply set).
int resource_store_references (resource_call_t *call, const char *collection, char **ids, size_t count,
                               const char *message);

#endif
