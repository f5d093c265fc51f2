/*  resource_call: facts, the authz question, replies, shared BSON helpers.  */
#include "resource_call.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_rpc.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

//  The longest r5-resource waits for r5-authz (within the request's deadline).
#define S_AUTHZ_TIMEOUT_MS 3000
//  Most teams a caller's facts carry (a person is in a handful of teams).
#define S_MAX_FACT_TEAMS 1000

mongoc_collection_t *
resource_call_collection (resource_call_t *call, const char *name)
{
    return r5_mongo_collection (call->mongo, call->client, name);
}

int
resource_call_fail (resource_call_t *call, R5__Status status, const char *message)
{
    R5__ResourceReply *reply = call->reply;
    if (status == R5__STATUS__STATUS_NOT_FOUND) {
        //  Missing, another account's, hidden or another user's: one answer.
        r5_debug (call->rid, "not found: %s", message ? message : "");
        message = R5_NOT_FOUND_MESSAGE;
    }
    reply->status = status;
    if (reply->message && reply->message != protobuf_c_empty_string)
        free (reply->message);
    reply->message = message ? strdup (message) : (char *) protobuf_c_empty_string;
    return -1;
}

int
resource_call_mongo_fail (resource_call_t *call, const bson_error_t *error, const char *what)
{
    R5__Status status = r5_mongo_status (error);
    if (status != R5__STATUS__STATUS_CONFLICT)
        r5_warn (call->rid, "%s failed: %s", what, error->message);
    return resource_call_fail (call, status, status == R5__STATUS__STATUS_CONFLICT ? "a concurrent change won, try again"
                                                                                    : NULL);
}

static void
s_append (char ***list, size_t *count, const char *id)
{
    char **grown = realloc (*list, (*count + 1) * sizeof (char *));
    assert (grown);
    *list = grown;
    (*list) [(*count)++] = strdup (id);
}

int
resource_call_facts (resource_call_t *call)
{
    if (call->facts_tried)
        return call->facts.loaded ? 0 : -1;
    call->facts_tried = true;
    r5__facts__init (&call->facts);
    int rc = -1;
    bson_error_t error = { 0 };
    const bson_t *doc;
    mongoc_collection_t *users = resource_call_collection (call, "users");
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (call->principal->user_id),
                               "account_id", BCON_UTF8 (call->principal->account_id));
    bson_t *opts = BCON_NEW ("projection", "{", "role", BCON_INT32 (1), "active", BCON_INT32 (1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    bson_t *team_filter = NULL, *team_opts = NULL;
    mongoc_cursor_t *team_cursor = NULL;
    bool found = false;
    if (mongoc_cursor_next (cursor, &doc)) {
        bson_iter_t iter;
        found = true;
        if (bson_iter_init_find (&iter, doc, "role") && BSON_ITER_HOLDS_UTF8 (&iter)) {
            const char *role = bson_iter_utf8 (&iter, NULL);
            call->facts.role = streq (role, "OWNER") ? R5__ROLE__ROLE_OWNER
                             : streq (role, "ADMINISTRATOR") ? R5__ROLE__ROLE_ADMINISTRATOR
                             : streq (role, "MEMBER") ? R5__ROLE__ROLE_MEMBER : R5__ROLE__ROLE_UNSPECIFIED;
        }
        if (bson_iter_init_find (&iter, doc, "active") && BSON_ITER_HOLDS_BOOL (&iter))
            call->facts.active = bson_iter_bool (&iter);
    }
    if (mongoc_cursor_error (cursor, &error)) {
        resource_call_mongo_fail (call, &error, "caller lookup");
        goto cleanup;
    }
    if (!found || !call->facts.active || call->facts.role == R5__ROLE__ROLE_UNSPECIFIED) {
        //  Deleted, deactivated or corrupt: the credential no longer counts.
        resource_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "user is not active");
        goto cleanup;
    }
    team_filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                            "members.user_id", BCON_UTF8 (call->principal->user_id));
    team_opts = BCON_NEW ("projection", "{", "members", BCON_INT32 (1), "}",
                          "limit", BCON_INT64 (S_MAX_FACT_TEAMS));
    team_cursor = mongoc_collection_find_with_opts (teams, team_filter, team_opts, NULL);
    while (mongoc_cursor_next (team_cursor, &doc)) {
        bson_iter_t iter, members, member;
        if (!bson_iter_init_find (&iter, doc, "_id") || !BSON_ITER_HOLDS_UTF8 (&iter))
            continue;
        const char *team_id = bson_iter_utf8 (&iter, NULL);
        bool admin = false;
        if (bson_iter_init_find (&members, doc, "members") && BSON_ITER_HOLDS_ARRAY (&members)
        &&  bson_iter_recurse (&members, &member))
            while (bson_iter_next (&member)) {
                bson_iter_t field;
                const char *user_id = NULL;
                bool flag = false;
                if (!BSON_ITER_HOLDS_DOCUMENT (&member) || !bson_iter_recurse (&member, &field))
                    continue;
                while (bson_iter_next (&field)) {
                    if (streq (bson_iter_key (&field), "user_id") && BSON_ITER_HOLDS_UTF8 (&field))
                        user_id = bson_iter_utf8 (&field, NULL);
                    else
                    if (streq (bson_iter_key (&field), "team_admin") && BSON_ITER_HOLDS_BOOL (&field))
                        flag = bson_iter_bool (&field);
                }
                if (user_id && streq (user_id, call->principal->user_id))
                    admin = admin || flag;
            }
        s_append (&call->facts.team_ids, &call->facts.n_team_ids, team_id);
        if (admin)
            s_append (&call->facts.admin_team_ids, &call->facts.n_admin_team_ids, team_id);
    }
    if (mongoc_cursor_error (team_cursor, &error)) {
        resource_call_mongo_fail (call, &error, "caller's teams lookup");
        goto cleanup;
    }
    call->facts.loaded = true;
    rc = 0;

cleanup:
    mongoc_cursor_destroy (cursor);
    mongoc_cursor_destroy (team_cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    bson_destroy (team_filter);
    bson_destroy (team_opts);
    mongoc_collection_destroy (users);
    mongoc_collection_destroy (teams);
    return rc;
}

int
resource_call_check (resource_call_t *call, R5__Operation **operations, size_t count, R5__AuthzReply **reply_p)
{
    *reply_p = NULL;
    if (resource_call_facts (call))
        return -1;
    int64_t timeout = S_AUTHZ_TIMEOUT_MS;
    if (call->deadline_unix_ms > 0 && call->deadline_unix_ms - r5_now_ms () < timeout)
        timeout = call->deadline_unix_ms - r5_now_ms ();
    if (timeout < 1)
        return resource_call_fail (call, R5__STATUS__STATUS_DEADLINE_EXCEEDED, NULL);

    R5__AuthzRequest request = R5__AUTHZ_REQUEST__INIT;
    R5__RequestMeta meta = R5__REQUEST_META__INIT;
    R5__CheckRequest check = R5__CHECK_REQUEST__INIT;
    r5_rpc_meta_init (&meta, "r5-resource", call->rid, (int) timeout);
    meta.principal = (R5__Principal *) call->principal;
    check.operations = operations;
    check.n_operations = count;
    check.facts = &call->facts;
    request.meta = &meta;
    request.body_case = R5__AUTHZ_REQUEST__BODY_CHECK;
    request.check = &check;
    R5__Status status;
    //  A decision changes nothing: safe to ask again of another instance.
    R5__AuthzReply *reply = (R5__AuthzReply *) r5_rpc_call (call->broker, R5_SERVICE_AUTHZ, &request.base,
                                                            &r5__authz_reply__descriptor, (int) timeout,
                                                            true, &status);
    if (!reply) {
        r5_warn (call->rid, "r5-authz call failed: %s", r5_status_name (status));
        return resource_call_fail (call, status == R5__STATUS__STATUS_MALFORMED ? R5__STATUS__STATUS_INTERNAL
                                                                                 : R5__STATUS__STATUS_UNAVAILABLE, NULL);
    }
    if (reply->status != R5__STATUS__STATUS_OK || reply->body_case != R5__AUTHZ_REPLY__BODY_CHECK
    ||  reply->check->n_decisions != count) {
        r5_warn (call->rid, "r5-authz answered %s: %s", r5_status_name (reply->status), reply->message);
        r5__authz_reply__free_unpacked (reply, NULL);
        return resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    }
    *reply_p = reply;
    return 0;
}

int
resource_call_decide (resource_call_t *call, R5__ResourceType type, R5__Verb verb, R5__ObjectFacts *object,
                      R5__Visibility *visibility)
{
    if (visibility)
        r5__visibility__init (visibility);
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = type;
    operation.verb = verb;
    operation.object = object;
    R5__Operation *operations [1] = { &operation };
    R5__AuthzReply *reply;
    if (resource_call_check (call, operations, 1, &reply))
        return -1;
    R5__Decision *decision = reply->check->decisions [0];
    int rc = 0;
    if (decision->status != R5__STATUS__STATUS_OK) {
        resource_call_fail (call, decision->status, decision->reason);
        call->reply->required_scope = decision->required_scope;
        rc = -1;
    }
    else
    if (visibility) {
        if (!decision->visibility) {
            resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
            rc = -1;
        }
        else {
            visibility->all = decision->visibility->all;
            visibility->participant = decision->visibility->participant;
            visibility->own = decision->visibility->own;
            for (size_t i = 0; i < decision->visibility->n_team_ids; i++)
                s_append (&visibility->team_ids, &visibility->n_team_ids, decision->visibility->team_ids [i]);
        }
    }
    r5__authz_reply__free_unpacked (reply, NULL);
    return rc;
}

void
resource_call_visibility_clear (R5__Visibility *visibility)
{
    resource_strings_free (&visibility->team_ids, visibility->n_team_ids);
    r5__visibility__init (visibility);
}

R5__Objects *
resource_call_objects (resource_call_t *call)
{
    if (call->reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS) {
        R5__Objects *objects = malloc (sizeof *objects);
        assert (objects);
        r5__objects__init (objects);
        call->reply->body_case = R5__RESOURCE_REPLY__BODY_OBJECTS;
        call->reply->objects = objects;
    }
    return call->reply->objects;
}

void
resource_call_clear (resource_call_t *call)
{
    resource_strings_free (&call->facts.team_ids, call->facts.n_team_ids);
    resource_strings_free (&call->facts.admin_team_ids, call->facts.n_admin_team_ids);
    r5__facts__init (&call->facts);
}

//  =========================================================================
//  BSON helpers
//  =========================================================================

void
resource_bson_append_ids (bson_t *doc, const char *key, char **ids, size_t count)
{
    bson_t list;
    BSON_APPEND_ARRAY_BEGIN (doc, key, &list);
    for (size_t i = 0; i < count; i++) {
        char index [24];
        snprintf (index, sizeof index, "%zu", i);
        BSON_APPEND_UTF8 (&list, index, ids [i]);
    }
    bson_append_array_end (doc, &list);
}

void
resource_bson_append_in (bson_t *doc, const char *key, char **ids, size_t count)
{
    bson_t in;
    BSON_APPEND_DOCUMENT_BEGIN (doc, key, &in);
    resource_bson_append_ids (&in, "$in", ids, count);
    bson_append_document_end (doc, &in);
}

int
resource_bson_strings (const bson_iter_t *iter, char ***list, size_t *count)
{
    *list = NULL;
    *count = 0;
    bson_iter_t child;
    if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &child))
        return -1;
    while (bson_iter_next (&child))
        if (BSON_ITER_HOLDS_UTF8 (&child))
            s_append (list, count, bson_iter_utf8 (&child, NULL));
    return 0;
}

void
resource_strings_free (char ***list, size_t count)
{
    if (!*list)
        return;
    for (size_t i = 0; i < count; i++)
        free ((*list) [i]);
    free (*list);
    *list = NULL;
}

int64_t
resource_count_ids (mongoc_collection_t *collection, const char *account_id, char **ids, size_t count,
                    bson_error_t *error)
{
    if (count == 0)
        return 0;
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", ids, count);
    BSON_APPEND_UTF8 (&filter, "account_id", account_id);
    int64_t found = mongoc_collection_count_documents (collection, &filter, NULL, NULL, NULL, error);
    bson_destroy (&filter);
    return found;
}

int
resource_call_page (resource_call_t *call, mongoc_collection_t *collection, bson_t *filter, int first,
                    const char *after, bool descending, resource_page_fn *each, void *arg, R5__Objects *objects)
{
    if (first < 1 || first > 100)
        return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "first must be between 1 and 100");
    if (after && *after) {
        if (!resource_validate_id (after))
            return resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "after is not a cursor of this list");
        bson_t range;
        BSON_APPEND_DOCUMENT_BEGIN (filter, "_id", &range);
        BSON_APPEND_UTF8 (&range, descending ? "$lt" : "$gt", after);
        bson_append_document_end (filter, &range);
    }
    //  One more than asked tells whether there is a next page.
    bson_t *opts = BCON_NEW ("sort", "{", "_id", BCON_INT32 (descending ? -1 : 1), "}",
                             "limit", BCON_INT64 (first + 1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (collection, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t error;
    int seen = 0, rc = 0;
    char last [25] = "";
    while (mongoc_cursor_next (cursor, &doc)) {
        if (seen == first) {
            objects->has_next_page = true;
            break;
        }
        bson_iter_t iter;
        if (bson_iter_init_find (&iter, doc, "_id") && BSON_ITER_HOLDS_UTF8 (&iter)
        &&  each (doc, arg) == 0) {
            snprintf (last, sizeof last, "%s", bson_iter_utf8 (&iter, NULL));
            seen++;
        }
        else
            r5_warn (call->rid, "skipping a malformed document");
    }
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "list");
    else
    if (*last)
        objects->end_cursor = strdup (last);
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    return rc;
}

int
resource_call_allowed (resource_call_t *call, R5__Operation **operations, size_t count, bool *allowed)
{
    if (count == 0)
        return 0;
    R5__AuthzReply *reply;
    if (resource_call_check (call, operations, count, &reply))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        R5__Decision *decision = reply->check->decisions [i];
        allowed [i] = decision->status == R5__STATUS__STATUS_OK;
        if (decision->status == R5__STATUS__STATUS_SCOPE_MISSING
        ||  decision->status == R5__STATUS__STATUS_UNAUTHENTICATED
        ||  decision->status == R5__STATUS__STATUS_BAD_INPUT) {
            resource_call_fail (call, decision->status, decision->reason);
            call->reply->required_scope = decision->required_scope;
            rc = -1;
            break;
        }
    }
    r5__authz_reply__free_unpacked (reply, NULL);
    return rc;
}
