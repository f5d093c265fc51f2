/*  resource_store: get, list, load, create, modify and delete from the type table.  */
#include "resource_store.h"
#include "resource_bson.h"
#include "resource_pending.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_codec.h"
#include "r5_log.h"
#include "r5_time.h"

#include <assert.h>
#include <string.h>

#define S_MAX_IDS 100

//  =========================================================================
//  Objects and their facts
//  =========================================================================

//  A user's facts for a team-restricted token: the token's teams the user
//  belongs to (resource_call_members loaded first). Nothing otherwise.
static void
s_user_facts (resource_call_t *call, const resource_type_t *type, resource_object_t *object)
{
    if (type->type != R5__RESOURCE_TYPE__RESOURCE_USERS || !object->doc || !resource_call_restricted (call))
        return;
    free (object->team_ids);
    object->team_ids = resource_call_user_teams (call, resource_bson_string (object->doc, "_id"),
                                                 &object->facts.n_team_ids);
    object->facts.team_ids = object->team_ids;
}

//  The members a user's facts and lists need, when type is users. 0 or -1 (reply set).
static int
s_load_members (resource_call_t *call, const resource_type_t *type)
{
    return type->type == R5__RESOURCE_TYPE__RESOURCE_USERS ? resource_call_members (call) : 0;
}

void
resource_object_clear (resource_object_t *object)
{
    if (object->message)
        protobuf_c_message_free_unpacked (object->message, NULL);
    free (object->team_ids);
    free (object->participant_ids);
    free (object->current_team_ids);
    bson_destroy (object->doc);
    memset (object, 0, sizeof *object);
}

ProtobufCMessage *
resource_store_decode (const resource_type_t *type, const bson_t *doc, const char *rid)
{
    char error [128] = "";
    for (const char *const *key = type->required; *key; key++)
        if (!bson_has_field (doc, *key)) {
            r5_warn (rid, "skipping a malformed %s document: %s is missing", type->collection, *key);
            return NULL;
        }
    ProtobufCMessage *message = r5_codec_from_bson (type->descriptor, doc, error, sizeof error);
    if (!message)
        r5_warn (rid, "skipping a malformed %s document: %s", type->collection, error);
    return message;
}

//  Take a copy of doc into object, with its message and facts. 0, or -1
//  when doc is malformed (object stays empty).
static int
s_object_of (const resource_type_t *type, const bson_t *doc, const char *rid, resource_object_t *object)
{
    memset (object, 0, sizeof *object);
    r5__object_facts__init (&object->facts);
    ProtobufCMessage *message = resource_store_decode (type, doc, rid);
    if (!message)
        return -1;
    object->message = message;
    object->doc = bson_copy (doc);
    R5__ObjectFacts *facts = &object->facts;
    facts->exists = true;
    facts->account_id = (char *) resource_bson_string (object->doc, "account_id");
    if (type->team_key) {
        const char *team = resource_bson_string (object->doc, type->team_key);
        if (team) {
            object->own_team [0] = (char *) team;
            facts->team_ids = object->own_team;
            facts->n_team_ids = 1;
        }
        else {
            facts->n_team_ids = resource_bson_borrow_strings (object->doc, type->team_key, &object->team_ids);
            facts->team_ids = object->team_ids;
        }
    }
    if (type->current_team_key) {
        facts->n_current_team_ids = resource_bson_borrow_strings (object->doc, type->current_team_key,
                                                                  &object->current_team_ids);
        facts->current_team_ids = object->current_team_ids;
    }
    if (type->owner_key)
        facts->owner_user_id = (char *) resource_bson_string (object->doc, type->owner_key);
    if (type->participants_key) {
        facts->n_participant_ids = resource_bson_borrow_strings (object->doc, type->participants_key,
                                                                 &object->participant_ids);
        facts->participant_ids = object->participant_ids;
    }
    if (type->role_fact)
        facts->target_role = ((const R5__User *) message)->role;
    return 0;
}

void
resource_store_reply (resource_call_t *call, const resource_type_t *type, resource_object_t *object)
{
    R5__Objects *objects = resource_call_objects (call);
    size_t *count = (size_t *) ((char *) objects + type->objects_count);
    ProtobufCMessage ***list = (ProtobufCMessage ***) ((char *) objects + type->objects_list);
    ProtobufCMessage **grown = r5_realloc (*list, (*count + 1) * sizeof (ProtobufCMessage *));
    *list = grown;
    grown [(*count)++] = object->message;
    object->message = NULL;
}

//  A find's options: maxTimeMS from the request's deadline, and the type's
//  hidden key left out. The caller destroys them.
static bson_t *
s_read_opts (resource_call_t *call, const resource_type_t *type)
{
    bson_t *opts = bson_new ();
    r5_mongo_read_opts (call->mongo, opts);
    if (type->hidden)
        BCON_APPEND (opts, "projection", "{", type->hidden, BCON_INT32 (0), "}");
    return opts;
}

//  The id of a stored object (borrowed from its document), NULL for none.
static const char *
s_id (const resource_object_t *object)
{
    return object->doc ? resource_bson_string (object->doc, "_id") : NULL;
}

//  =========================================================================
//  Reads
//  =========================================================================

void
resource_store_get (resource_call_t *call, const resource_type_t *type, char **ids, size_t count)
{
    if (count > S_MAX_IDS) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many ids in one lookup (at most 100)");
        return;
    }
    resource_object_t found [S_MAX_IDS];
    size_t n_found = 0;
    R5__Operation *operations [S_MAX_IDS];
    R5__Operation operation [S_MAX_IDS];
    R5__ObjectFacts missing = R5__OBJECT_FACTS__INIT;
    bool allowed [S_MAX_IDS];
    char *valid [S_MAX_IDS];
    size_t n_valid = 0;
    for (size_t i = 0; i < count; i++)
        if (resource_validate_id (ids [i]))
            valid [n_valid++] = ids [i];
    if (s_load_members (call, type))
        return;

    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", valid, n_valid);
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    resource_pending_append_confirmed (type, &filter);
    bson_t *opts = s_read_opts (call, type);
    mongoc_cursor_t *cursor = n_valid ? mongoc_collection_find_with_opts (collection, &filter, opts, NULL) : NULL;
    const bson_t *doc;
    bson_error_t error;
    while (cursor && n_found < count && mongoc_cursor_next (cursor, &doc))
        if (s_object_of (type, doc, call->rid, &found [n_found]) == 0)
            s_user_facts (call, type, &found [n_found++]);
    if (cursor && mongoc_cursor_error (cursor, &error)) {
        resource_call_mongo_fail (call, &error, "lookup");
        goto cleanup;
    }
    //  One question per id asked, found or not: authz answers missing ones NOT_FOUND.
    for (size_t i = 0; i < count; i++) {
        r5__operation__init (&operation [i]);
        operation [i].resource = type->type;
        operation [i].verb = R5__VERB__VERB_GET;
        operation [i].object_id = ids [i];
        operation [i].object = &missing;
        for (size_t j = 0; j < n_found; j++)
            if (strcmp (s_id (&found [j]), ids [i]) == 0)
                operation [i].object = &found [j].facts;
        operations [i] = &operation [i];
    }
    if (resource_call_allowed (call, operations, count, allowed) == 0) {
        resource_call_objects (call);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; allowed [i] && j < n_found; j++)
                if (found [j].message && strcmp (s_id (&found [j]), ids [i]) == 0)
                    resource_store_reply (call, type, &found [j]);
    }

cleanup:
    for (size_t j = 0; j < n_found; j++)
        resource_object_clear (&found [j]);
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (&filter);
    mongoc_collection_destroy (collection);
}

//  Reverse every repeated message field of objects: a backward page is read
//  nearest-first and answered in the list's own order.
static void
s_reverse (R5__Objects *objects)
{
    const ProtobufCMessageDescriptor *descriptor = objects->base.descriptor;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (field->label != PROTOBUF_C_LABEL_REPEATED || field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t count = *(size_t *) ((char *) objects + field->quantifier_offset);
        ProtobufCMessage **list = *(ProtobufCMessage ***) ((char *) objects + field->offset);
        for (size_t j = 0; j < count / 2; j++) {
            ProtobufCMessage *swap = list [j];
            list [j] = list [count - 1 - j];
            list [count - 1 - j] = swap;
        }
    }
}

int
resource_store_page (resource_call_t *call, const resource_type_t *type, mongoc_collection_t *collection, bson_t *filter,
        const resource_page_t *page)
{
    R5__Objects *objects = resource_call_objects (call);
    bool descending = type->newest_first;
    bool backward = page->last != 0;
    int size = backward ? page->last : page->first;
    const char *after = page->after && *page->after ? page->after : NULL;
    const char *before = page->before && *page->before ? page->before : NULL;
    if (page->first && page->last)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "first and last cannot be given together");
    if (size < 1 || size > 100)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT,
                                   backward ? "last must be between 1 and 100" : "first must be between 1 and 100");
    if (after && !resource_validate_id (after))
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "after is not a cursor of this list");
    if (before && !resource_validate_id (before))
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "before is not a cursor of this list");
    bson_error_t error;
    //  The count is of the caller's filtered list, before the cursors narrow
    //  it to a page: the same filter, so the same index serves it.
    int64_t total = 0;
    if (page->count) {
        bson_t *count_opts = bson_new ();
        r5_mongo_read_opts (call->mongo, count_opts);
        total = mongoc_collection_count_documents (collection, filter, count_opts, NULL, NULL, &error);
        bson_destroy (count_opts);
        if (total < 0)
            return resource_call_mongo_fail (call, &error, "count");
    }
    //  A cursor only positions within this filtered list: an id of anything
    //  else narrows the range and reaches nothing the filter leaves out.
    if (after || before) {
        bson_t range;
        BSON_APPEND_DOCUMENT_BEGIN (filter, "_id", &range);
        if (after)
            BSON_APPEND_UTF8 (&range, descending ? "$lt" : "$gt", after);
        if (before)
            BSON_APPEND_UTF8 (&range, descending ? "$gt" : "$lt", before);
        bson_append_document_end (filter, &range);
    }
    //  One more than asked tells whether there is a next page (backward: a
    //  previous one); backward reads from the end, nearest first.
    bool reverse_sort = backward ? !descending : descending;
    bson_t *opts = s_read_opts (call, type);
    BCON_APPEND (opts, "sort", "{", "_id", BCON_INT32 (reverse_sort ? -1 : 1), "}", "limit", BCON_INT64 (size + 1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    const bson_t *doc;
    int seen = 0, rc = 0;
    char first_id [25] = "", last_id [25] = "";
    bool more = false;
    while (mongoc_cursor_next (cursor, &doc)) {
        if (seen == size) {
            more = true;
            break;
        }
        const char *id = resource_bson_string (doc, "_id");
        resource_object_t object = { 0 };
        object.message = id ? resource_store_decode (type, doc, call->rid) : NULL;
        if (object.message) {
            if (!*first_id)
                snprintf (first_id, sizeof first_id, "%s", id);
            snprintf (last_id, sizeof last_id, "%s", id);
            resource_store_reply (call, type, &object);
            seen++;
        }
    }
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "list");
    else {
        //  The Relay spec's HasNextPage and HasPreviousPage: the side the
        //  page was read towards is known from the extra element; the other
        //  side is false (docs/decisions.md).
        if (backward)
            s_reverse (objects);
        objects->has_next_page = !backward && more;
        objects->has_previous_page = backward && more;
        objects->total_count = total;
        if (*first_id) {
            objects->start_cursor = r5_strdup (backward ? last_id : first_id);
            objects->end_cursor = r5_strdup (backward ? first_id : last_id);
        }
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    return rc;
}

int
resource_store_restrict (resource_call_t *call, const resource_type_t *type, const R5__Visibility *visibility,
                         bson_t *filter)
{
    if (!visibility->restricted)
        return 0;
    bson_t all, clause;
    if (type->restrict_key) {
        BSON_APPEND_ARRAY_BEGIN (filter, "$and", &all);
        BSON_APPEND_DOCUMENT_BEGIN (&all, "0", &clause);
        resource_bson_append_in (&clause, type->restrict_key, visibility->restricted_team_ids,
                                 visibility->n_restricted_team_ids);
        bson_append_document_end (&all, &clause);
        bson_append_array_end (filter, &all);
        return 0;
    }
    if (type->type != R5__RESOURCE_TYPE__RESOURCE_USERS)
        return 0;
    if (resource_call_members (call))
        return -1;
    //  A user in two of the teams is named twice: $in does not mind.
    char **users = r5_calloc (call->n_members + 1, sizeof (char *));
    size_t n_users = 0;
    users [n_users++] = (char *) call->principal->user_id;
    for (size_t i = 0; i < call->n_members; i++)
        users [n_users++] = call->member_user_ids [i];
    BSON_APPEND_ARRAY_BEGIN (filter, "$and", &all);
    BSON_APPEND_DOCUMENT_BEGIN (&all, "0", &clause);
    resource_bson_append_in (&clause, "_id", users, n_users);
    bson_append_document_end (&all, &clause);
    bson_append_array_end (filter, &all);
    free (users);
    return 0;
}

void
resource_store_list (resource_call_t *call, const resource_type_t *type, const R5__ListObjectsRequest *request)
{
    const char *message = type->list_check ? type->list_check (request) : NULL;
    if (message) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    //  Every allowed list has a visibility: the type's rule, and a
    //  team-restricted token's teams for all of them.
    R5__Visibility visibility;
    if (resource_call_decide (call, type->type, R5__VERB__VERB_LIST, NULL, &visibility))
        return;
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    resource_pending_append_confirmed (type, &filter);
    if (type->list_filter)
        type->list_filter (call, request, type->list_visibility ? &visibility : NULL, &filter);
    if (resource_store_restrict (call, type, &visibility, &filter) == 0)
        {
        resource_page_t page = { request->first, request->last, request->after, request->before, request->count };
        resource_store_page (call, type, collection, &filter, &page);
    }
    resource_call_visibility_clear (&visibility);
    bson_destroy (&filter);
    mongoc_collection_destroy (collection);
}

//  =========================================================================
//  One object
//  =========================================================================

int
resource_store_find (resource_call_t *call, const resource_type_t *type, const char *id, resource_object_t *object)
{
    memset (object, 0, sizeof *object);
    r5__object_facts__init (&object->facts);
    if (!resource_validate_id (id))
        return 0;
    if (s_load_members (call, type))
        return -1;
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = resource_bson_id_filter (id, call->principal->account_id);
    resource_pending_append_confirmed (type, filter);
    bson_t *opts = s_read_opts (call, type);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t error;
    int rc = 0;
    if (mongoc_cursor_next (cursor, &doc) && s_object_of (type, doc, call->rid, object))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    else
        s_user_facts (call, type, object);
    if (mongoc_cursor_error (cursor, &error)) {
        resource_object_clear (object);
        rc = resource_call_mongo_fail (call, &error, "lookup");
    }
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return rc;
}

int
resource_store_decide (resource_call_t *call, const resource_type_t *type, R5__Verb verb, resource_object_t *object)
{
    if (resource_call_decide (call, type->type, verb, &object->facts, NULL))
        return -1;
    if (!object->doc)
        return resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, type->not_found);
    return 0;
}

int
resource_store_load (resource_call_t *call, const resource_type_t *type, const char *id, R5__Verb verb,
                     resource_object_t *object)
{
    return resource_store_find (call, type, id, object) || resource_store_decide (call, type, verb, object) ? -1 : 0;
}

int
resource_store_references (resource_call_t *call, const char *collection_name, char **ids, size_t count,
                           const char *message)
{
    if (count == 0)
        return 0;
    bson_error_t error;
    mongoc_collection_t *collection = resource_call_collection (call, collection_name);
    int64_t found = resource_bson_count_ids (collection, call->principal->account_id, ids, count, &error);
    mongoc_collection_destroy (collection);
    if (found < 0)
        return resource_call_mongo_fail (call, &error, "reference lookup");
    if ((size_t) found != count)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
    return 0;
}

#define S_NO_TEAM "teamId names a team that does not exist"

//  Whether a type's objects are owned by one team (its delete waits for them).
static bool
s_team_owned (const resource_type_t *type)
{
    return type->team_key && strcmp (type->team_key, "team_id") == 0;
}

//  The team exists in the caller's account and no delete of it is under way
//  (resource_teams_before_delete). 0, or -1 with the reply set (BAD_INPUT).
static int
s_team_usable (resource_call_t *call, const char *team_id)
{
    bson_error_t error;
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t *filter = resource_bson_id_filter (team_id, call->principal->account_id);
    resource_store_append_unmarked (filter, r5_now_ms ());
    int64_t found = mongoc_collection_count_documents (teams, filter, NULL, NULL, NULL, &error);
    bson_destroy (filter);
    mongoc_collection_destroy (teams);
    if (found < 0)
        return resource_call_mongo_fail (call, &error, "team lookup");
    return found == 1 ? 0 : resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_NO_TEAM);
}

int
resource_store_check_team (resource_call_t *call, const bson_t *doc)
{
    const char *team_id = resource_bson_string (doc, "team_id");
    return team_id ? s_team_usable (call, team_id) : resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_NO_TEAM);
}

int
resource_store_decide_create (resource_call_t *call, const resource_type_t *type, const char *team_id)
{
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    char *teams [1] = { (char *) team_id };
    bool team_owned = s_team_owned (type);
    if (team_owned) {
        //  The decision first (scope, role), then whether the team exists.
        facts.team_ids = teams;
        facts.n_team_ids = 1;
    }
    if (resource_call_decide (call, type->type, R5__VERB__VERB_CREATE, &facts, NULL))
        return -1;
    if (team_owned) {
        if (!resource_validate_id (team_id))
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, S_NO_TEAM);
        return s_team_usable (call, team_id);
    }
    return 0;
}

//  A failed write: a unique index's own message, or the store's error
//  (UNAVAILABLE too when the server's reply labels it retryable).
static int
s_write_failed (resource_call_t *call, const resource_type_t *type, const bson_error_t *error,
                const bson_t *reply, const char *what)
{
    if (type->duplicate && r5_mongo_is_duplicate (error))
        return resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, type->duplicate);
    if (r5_mongo_status (error) != r5_mongo_status_reply (error, reply)) {
        r5_warn (call->rid, "%s failed: %s", what, error->message);
        return resource_call_fail (call, R5__STATUS__STATUS_UNAVAILABLE, NULL);
    }
    return resource_call_mongo_fail (call, error, what);
}

//  The object stored under the call's idempotency key (by this user, in this
//  type), copied into *doc. 1: found, made from the same input; 0: none;
//  -1: made from another input (CONFLICT) or the lookup failed (reply set).
static int
s_find_keyed (resource_call_t *call, const resource_type_t *type, bson_t **doc_p)
{
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                               RESOURCE_IDEMPOTENCY_KEY ".user_id", BCON_UTF8 (call->principal->user_id),
                               RESOURCE_IDEMPOTENCY_KEY ".key", BCON_UTF8 (call->idempotency_key));
    bson_t *opts = s_read_opts (call, type);
    BCON_APPEND (opts, "limit", BCON_INT64 (1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t error;
    int found = 0;
    if (mongoc_cursor_next (cursor, &doc)) {
        bson_iter_t iter;
        const char *input = bson_iter_init (&iter, doc)
                         && bson_iter_find_descendant (&iter, RESOURCE_IDEMPOTENCY_KEY ".input", &iter)
                         && BSON_ITER_HOLDS_UTF8 (&iter) ? bson_iter_utf8 (&iter, NULL) : "";
        if (strcmp (input, call->idempotency_input) != 0)
            found = resource_call_fail (call, R5__STATUS__STATUS_CONFLICT,
                                        "this idempotency key was already used for a different create");
        else {
            *doc_p = bson_copy (doc);
            found = 1;
        }
    }
    else
    if (mongoc_cursor_error (cursor, &error))
        found = resource_call_mongo_fail (call, &error, "idempotency key lookup");
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return found;
}

//  An insert refused as a duplicate: answer the object the create with the
//  call's idempotency key already stored, when that is why. Nonzero: replied
//  (*rc: 1, or -1 for CONFLICT or a failure); 0: the key is not the reason.
static int
s_idempotent_replay (resource_call_t *call, const resource_type_t *type, int *rc)
{
    bson_t *doc = NULL;
    int found = s_find_keyed (call, type, &doc);
    if (found <= 0) {
        *rc = found;
        return found;
    }
    resource_object_t object = { 0 };
    if (!(object.message = resource_store_decode (type, doc, call->rid)))
        *rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    else
    //  The first create is under way, or died before its check: this
    //  one completes it (or takes it back) as the first would have.
    if (type->check_parent && bson_has_field (doc, RESOURCE_PENDING_KEY)
    &&  resource_pending_complete (call, type, doc)) {
        protobuf_c_message_free_unpacked (object.message, NULL);
        *rc = -1;
    }
    else {
        r5_info (call->rid, "create repeated with the idempotency key of %s %s", type->collection,
                 resource_bson_string (doc, "_id"));
        resource_store_reply (call, type, &object);
        *rc = 1;
    }
    bson_destroy (doc);
    return 1;
}

void
resource_store_append_idempotency (resource_call_t *call, bson_t *doc)
{
    if (call->idempotency_key)
        BCON_APPEND (doc, RESOURCE_IDEMPOTENCY_KEY, "{", "user_id", BCON_UTF8 (call->principal->user_id),
                     "key", BCON_UTF8 (call->idempotency_key), "input", BCON_UTF8 (call->idempotency_input), "}");
}

int
resource_store_keyed (resource_call_t *call, const resource_type_t *type)
{
    if (!call->idempotency_key)
        return 0;
    bson_t *doc = NULL;
    int found = s_find_keyed (call, type, &doc);
    bson_destroy (doc);
    return found;
}

//  Set message's field named name, when it has one of that type.
static void
s_set_field (ProtobufCMessage *message, const char *name, ProtobufCType type, const void *value, size_t size)
{
    const ProtobufCFieldDescriptor *field = name
        ? protobuf_c_message_descriptor_get_field_by_name (message->descriptor, name) : NULL;
    if (field && field->type == type && field->label != PROTOBUF_C_LABEL_REPEATED)
        memcpy ((char *) message + field->offset, value, size);
}

void
resource_store_prepare (resource_call_t *call, const resource_type_t *type, const ProtobufCMessage *input,
                        ProtobufCMessage *object, char id [25])
{
    assert (object->descriptor == type->descriptor);
    r5_codec_copy_fields (input, object);
    r5_mongo_new_id (id);
    const char *new_id = id, *account = call->principal->account_id, *user = call->principal->user_id;
    int64_t now = r5_now_ms ();
    s_set_field (object, "id", PROTOBUF_C_TYPE_STRING, &new_id, sizeof new_id);
    s_set_field (object, "account_id", PROTOBUF_C_TYPE_STRING, &account, sizeof account);
    s_set_field (object, "created_at_unix_ms", PROTOBUF_C_TYPE_INT64, &now, sizeof now);
    s_set_field (object, type->owner_key, PROTOBUF_C_TYPE_STRING, &user, sizeof user);
}

int
resource_store_insert (resource_call_t *call, const resource_type_t *type, const ProtobufCMessage *message,
                       const bson_t *extra)
{
    assert (message->descriptor == type->descriptor);
    bson_t doc = BSON_INITIALIZER;
    bson_error_t error;
    if (r5_codec_to_bson (message, R5_CODEC_DOCUMENT, &doc) || (extra && !bson_concat (&doc, extra))) {
        bson_destroy (&doc);
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "the object is too large");
    }
    resource_store_append_idempotency (call, &doc);
    if (type->check_parent)
        BSON_APPEND_DATE_TIME (&doc, RESOURCE_PENDING_KEY, r5_now_ms ());
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    resource_object_t object = { 0 };
    int rc = 0;
    bson_t reply;
    if (!mongoc_collection_insert_one (collection, &doc, NULL, &reply, &error)) {
        //  Which unique index refused it is asked of the data, not of the
        //  server's wording: a repeated key is answered with its object.
        if (!(call->idempotency_key && r5_mongo_is_duplicate (&error) && s_idempotent_replay (call, type, &rc)))
            rc = s_write_failed (call, type, &error, &reply, "insert");
    }
    else
    //  Written first (pending), the parent checked after: a delete of the
    //  parent that began meanwhile either counted or deleted this object,
    //  or is seen here.
    if (type->check_parent && resource_pending_complete (call, type, &doc))
        rc = -1;
    else
    //  The reply is what was stored, read back as any read would.
    if (!(object.message = resource_store_decode (type, &doc, call->rid)))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    else
        resource_store_reply (call, type, &object);
    bson_destroy (&reply);
    bson_destroy (&doc);
    mongoc_collection_destroy (collection);
    return rc;
}

int
resource_store_modify (resource_call_t *call, const resource_type_t *type, const bson_t *filter,
                       const bson_t *update, resource_object_t *object)
{
    memset (object, 0, sizeof *object);
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t *fields = type->hidden ? BCON_NEW (type->hidden, BCON_INT32 (0)) : NULL;
    if (fields)
        mongoc_find_and_modify_opts_set_fields (opts, fields);
    bson_t reply, value;
    bson_error_t error;
    int rc = 0;
    if (!mongoc_collection_find_and_modify_with_opts (collection, filter, opts, &reply, &error))
        rc = s_write_failed (call, type, &error, &reply, "update");
    else
    if (resource_bson_modified (&reply, &value) && s_object_of (type, &value, call->rid, object))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    bson_destroy (&reply);
    bson_destroy (fields);
    mongoc_find_and_modify_opts_destroy (opts);
    mongoc_collection_destroy (collection);
    return rc;
}

int
resource_store_update (resource_call_t *call, const resource_type_t *type, const char *id, const bson_t *update)
{
    bson_t *filter = resource_bson_id_filter (id, call->principal->account_id);
    resource_object_t changed;
    int rc = resource_store_modify (call, type, filter, update, &changed);
    if (rc == 0 && !changed.doc)
        rc = resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, type->not_found);
    else
    if (rc == 0)
        resource_store_reply (call, type, &changed);
    resource_object_clear (&changed);
    bson_destroy (filter);
    return rc;
}

int
resource_store_mark_deleting (resource_call_t *call, const resource_type_t *type, const char *id, int64_t at)
{
    assert (at > 0);
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = resource_bson_id_filter (id, call->principal->account_id);
    bson_t *update = BCON_NEW ("$set", "{", "deleting", BCON_DATE_TIME (at), "}");
    bson_error_t error;
    int rc = 0;
    if (!mongoc_collection_update_one (collection, filter, update, NULL, NULL, &error))
        rc = resource_call_mongo_fail (call, &error, "delete mark");
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
    return rc;
}

void
resource_store_unmark_deleting (resource_call_t *call, const resource_type_t *type, const char *id, int64_t mark)
{
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    //  Only this delete's own mark: another delete may have marked it since,
    //  and its mark must hold off creates and membership changes while it runs.
    bson_t *filter = resource_bson_id_filter (id, call->principal->account_id);
    BSON_APPEND_DATE_TIME (filter, "deleting", mark);
    bson_t *update = BCON_NEW ("$unset", "{", "deleting", BCON_UTF8 (""), "}");
    bson_error_t error;
    if (!mongoc_collection_update_one (collection, filter, update, NULL, NULL, &error))
        r5_warn (call->rid, "cannot clear a delete mark in %s: %s (it goes stale)", type->collection, error.message);
    bson_destroy (update);
    bson_destroy (filter);
    mongoc_collection_destroy (collection);
}

int
resource_store_marked_delete (resource_call_t *call, const resource_type_t *type, const char *id, int64_t mark,
                              bson_t *filter)
{
    //  Creates honour the mark for RESOURCE_DELETE_MARK_MS by their own
    //  clocks: the delete lands well inside that, or not at all; and then
    //  its mark would hold them off for nothing.
    if (r5_now_ms () - mark > RESOURCE_DELETE_MARK_MS / 2) {
        resource_store_unmark_deleting (call, type, id, mark);
        return resource_call_fail (call, R5__STATUS__STATUS_UNAVAILABLE, NULL);
    }
    BSON_APPEND_DATE_TIME (filter, "deleting", mark);
    return 0;
}

void
resource_store_append_unmarked (bson_t *filter, int64_t now)
{
    //  Unmarked, or marked by a delete that cannot still be running.
    bson_t or, unmarked, stale, range;
    BSON_APPEND_ARRAY_BEGIN (filter, "$or", &or);
    BSON_APPEND_DOCUMENT_BEGIN (&or, "0", &unmarked);
    BCON_APPEND (&unmarked, "deleting", "{", "$exists", BCON_BOOL (false), "}");
    bson_append_document_end (&or, &unmarked);
    BSON_APPEND_DOCUMENT_BEGIN (&or, "1", &stale);
    BSON_APPEND_DOCUMENT_BEGIN (&stale, "deleting", &range);
    BSON_APPEND_DATE_TIME (&range, "$lt", now - RESOURCE_DELETE_MARK_MS);
    bson_append_document_end (&stale, &range);
    bson_append_document_end (&or, &stale);
    bson_append_array_end (filter, &or);
}

//  Whether a delete's reply says it deleted a document.
static bool
s_deleted (const bson_t *reply)
{
    bson_iter_t iter;
    return bson_iter_init_find (&iter, reply, "deletedCount") && bson_iter_as_int64 (&iter) > 0;
}

void
resource_store_delete (resource_call_t *call, const resource_type_t *type, const char *id)
{
    if (!type->deletable) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "this resource type cannot be deleted");
        return;
    }
    resource_object_t object;
    bson_t *filter = NULL;
    if (resource_store_load (call, type, id, R5__VERB__VERB_DELETE, &object)
    ||  (filter = resource_bson_id_filter (s_id (&object), call->principal->account_id),
         type->before_delete && type->before_delete (call, &object, filter))) {
        bson_destroy (filter);
        resource_object_clear (&object);
        return;
    }
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_error_t error;
    bson_t reply;
    if (!mongoc_collection_delete_one (collection, filter, NULL, &reply, &error))
        resource_call_mongo_fail (call, &error, "delete");
    else
    if (!s_deleted (&reply))
        //  A condition before_delete added no longer holds (another delete won).
        resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "a concurrent change won, try again");
    else {
        call->reply->body_case = R5__RESOURCE_REPLY__BODY_DELETED_ID;
        call->reply->deleted_id = r5_strdup (s_id (&object));
        if (type->after_delete)
            type->after_delete (call, &object);
    }
    bson_destroy (&reply);
    bson_destroy (filter);
    resource_object_clear (&object);
    mongoc_collection_destroy (collection);
}
