/*  resource_owned: shared handling of team-owned and user-owned types.  */
#include "resource_owned.h"
#include "resource_validate.h"
#include "r5_log.h"

#include <czmq.h>
#include <string.h>

#define S_MAX_IDS 100

static const char *
s_string (const bson_t *doc, const char *key)
{
    bson_iter_t iter;
    return bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter) ? bson_iter_utf8 (&iter, NULL) : NULL;
}

//  The facts of a document (strings borrowed from doc; team points at a slot).
static void
s_facts (const resource_owned_t *type, const bson_t *doc, R5__ObjectFacts *facts, char **team)
{
    r5__object_facts__init (facts);
    if (!doc)
        return;
    facts->exists = true;
    facts->account_id = (char *) s_string (doc, "account_id");
    if (type->user_owned)
        facts->owner_user_id = (char *) s_string (doc, "user_id");
    else
    if ((*team = (char *) s_string (doc, "team_id"))) {
        facts->team_ids = team;
        facts->n_team_ids = 1;
    }
}

void
resource_owned_get (resource_call_t *call, const resource_owned_t *type, char **ids, size_t count)
{
    if (count > S_MAX_IDS) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many ids in one lookup (at most 100)");
        return;
    }
    bson_t *found [S_MAX_IDS] = { 0 };
    size_t n_found = 0;
    R5__Operation *operations [S_MAX_IDS];
    R5__Operation operation [S_MAX_IDS];
    R5__ObjectFacts facts [S_MAX_IDS];
    char *teams [S_MAX_IDS];
    bool allowed [S_MAX_IDS];
    char *valid [S_MAX_IDS];
    size_t n_valid = 0;
    for (size_t i = 0; i < count; i++)
        if (resource_validate_id (ids [i]))
            valid [n_valid++] = ids [i];
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", valid, n_valid);
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    mongoc_cursor_t *cursor = n_valid ? mongoc_collection_find_with_opts (collection, &filter, NULL, NULL) : NULL;
    const bson_t *doc;
    bson_error_t error;
    while (cursor && n_found < count && mongoc_cursor_next (cursor, &doc))
        if (s_string (doc, "_id"))
            found [n_found++] = bson_copy (doc);
    if (cursor && mongoc_cursor_error (cursor, &error)) {
        resource_call_mongo_fail (call, &error, "lookup");
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        r5__operation__init (&operation [i]);
        operation [i].resource = type->type;
        operation [i].verb = R5__VERB__VERB_GET;
        operation [i].object = &facts [i];
        s_facts (type, NULL, &facts [i], NULL);
        for (size_t j = 0; j < n_found; j++)
            if (streq (s_string (found [j], "_id"), ids [i]))
                s_facts (type, found [j], &facts [i], &teams [i]);
        operations [i] = &operation [i];
    }
    if (resource_call_allowed (call, operations, count, allowed) == 0) {
        resource_call_objects (call);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; allowed [i] && j < n_found; j++)
                if (found [j] && streq (s_string (found [j], "_id"), ids [i])) {
                    if (type->reply (call, found [j]))
                        r5_warn (call->rid, "skipping a malformed %s document", type->collection);
                    bson_destroy (found [j]);
                    found [j] = NULL;
                }
    }

cleanup:
    for (size_t j = 0; j < n_found; j++)
        bson_destroy (found [j]);
    mongoc_cursor_destroy (cursor);
    bson_destroy (&filter);
    mongoc_collection_destroy (collection);
}

typedef struct {
    resource_call_t *call;
    const resource_owned_t *type;
} s_page_t;

static int
s_page (const bson_t *doc, void *arg)
{
    s_page_t *page = (s_page_t *) arg;
    return page->type->reply (page->call, doc);
}

void
resource_owned_list (resource_call_t *call, const resource_owned_t *type, const R5__ListObjectsRequest *request)
{
    if (*request->team_id && !resource_validate_id (request->team_id)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "teamId is not a valid id");
        return;
    }
    R5__Visibility visibility;
    if (resource_call_decide (call, type->type, R5__VERB__VERB_LIST, NULL, &visibility))
        return;
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    if (!visibility.all)
        //  The only other rule for these types: one's own.
        BSON_APPEND_UTF8 (&filter, "user_id", visibility.own ? call->principal->user_id : "");
    if (*request->team_id && !type->user_owned)
        BSON_APPEND_UTF8 (&filter, "team_id", request->team_id);
    s_page_t page = { call, type };
    resource_call_page (call, collection, &filter, request->first, request->after, false, s_page, &page,
                        resource_call_objects (call));
    resource_call_visibility_clear (&visibility);
    bson_destroy (&filter);
    mongoc_collection_destroy (collection);
}

int
resource_owned_load (resource_call_t *call, const resource_owned_t *type, const char *id, R5__Verb verb,
                     bson_t **doc_p)
{
    *doc_p = NULL;
    bson_t *doc = NULL;
    if (resource_validate_id (id)) {
        mongoc_collection_t *collection = resource_call_collection (call, type->collection);
        bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, NULL, NULL);
        const bson_t *found;
        bson_error_t error;
        int rc = 0;
        if (mongoc_cursor_next (cursor, &found))
            doc = bson_copy (found);
        if (mongoc_cursor_error (cursor, &error))
            rc = resource_call_mongo_fail (call, &error, "lookup");
        mongoc_cursor_destroy (cursor);
        bson_destroy (filter);
        mongoc_collection_destroy (collection);
        if (rc) {
            bson_destroy (doc);
            return -1;
        }
    }
    R5__ObjectFacts facts;
    char *team = NULL;
    s_facts (type, doc, &facts, &team);
    if (resource_call_decide (call, type->type, verb, &facts, NULL)) {
        bson_destroy (doc);
        return -1;
    }
    if (!doc)
        return resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, type->not_found);
    *doc_p = doc;
    return 0;
}

int
resource_owned_references (resource_call_t *call, const char *collection_name, char **ids, size_t count,
                           const char *message)
{
    if (count == 0)
        return 0;
    bson_error_t error;
    mongoc_collection_t *collection = resource_call_collection (call, collection_name);
    int64_t found = resource_count_ids (collection, call->principal->account_id, ids, count, &error);
    mongoc_collection_destroy (collection);
    if (found < 0)
        return resource_call_mongo_fail (call, &error, "reference lookup");
    if ((size_t) found != count)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
    return 0;
}

int
resource_owned_decide_create (resource_call_t *call, const resource_owned_t *type, const char *team_id)
{
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    char *teams [1] = { (char *) team_id };
    if (!type->user_owned) {
        //  The decision first (scope, role), then whether the team exists.
        facts.team_ids = teams;
        facts.n_team_ids = 1;
    }
    if (resource_call_decide (call, type->type, R5__VERB__VERB_CREATE, &facts, NULL))
        return -1;
    if (!type->user_owned) {
        if (!resource_validate_id (team_id))
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "teamId names a team that does not exist");
        return resource_owned_references (call, "teams", teams, 1, "teamId names a team that does not exist");
    }
    return 0;
}

int
resource_owned_insert (resource_call_t *call, const resource_owned_t *type, const bson_t *doc)
{
    bson_error_t error;
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    int rc = 0;
    if (!mongoc_collection_insert_one (collection, doc, NULL, NULL, &error))
        rc = resource_call_mongo_fail (call, &error, "insert");
    else
    if (type->reply (call, doc))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    mongoc_collection_destroy (collection);
    return rc;
}

int
resource_owned_modify (resource_call_t *call, const resource_owned_t *type, const char *id, const bson_t *update)
{
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t reply;
    bson_error_t error;
    int rc = 0;
    if (!mongoc_collection_find_and_modify_with_opts (collection, filter, opts, &reply, &error))
        rc = resource_call_mongo_fail (call, &error, "update");
    else {
        bson_iter_t iter;
        uint32_t length;
        const uint8_t *data;
        bson_t value;
        if (bson_iter_init_find (&iter, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            bson_iter_document (&iter, &length, &data);
            if (!bson_init_static (&value, data, length) || type->reply (call, &value))
                rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        }
        else
            rc = resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, type->not_found);
    }
    bson_destroy (&reply);
    bson_destroy (filter);
    mongoc_find_and_modify_opts_destroy (opts);
    mongoc_collection_destroy (collection);
    return rc;
}

void
resource_owned_delete (resource_call_t *call, const resource_owned_t *type, const char *id)
{
    bson_t *doc;
    if (resource_owned_load (call, type, id, R5__VERB__VERB_DELETE, &doc))
        return;
    mongoc_collection_t *collection = resource_call_collection (call, type->collection);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
    bson_t reply;
    bson_error_t error;
    if (!mongoc_collection_delete_one (collection, filter, NULL, &reply, &error))
        resource_call_mongo_fail (call, &error, "delete");
    else {
        call->reply->body_case = R5__RESOURCE_REPLY__BODY_DELETED_ID;
        call->reply->deleted_id = strdup (id);
    }
    bson_destroy (&reply);
    bson_destroy (filter);
    bson_destroy (doc);
    mongoc_collection_destroy (collection);
}
