/*  resource_call: facts, the authz question, replies, shared BSON helpers.  */
#include "resource_call.h"
#include "resource_bson.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_codec.h"
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
resource_call_check_text (resource_call_t *call, const ProtobufCMessage *request,
                          const resource_text_rule_t *rules, size_t count)
{
    const char *message = resource_validate_fields (request, rules, count);
    return message ? resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message) : 0;
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
    reply->message = message ? r5_strdup (message) : (char *) protobuf_c_empty_string;
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
    char **grown = r5_realloc (*list, (*count + 1) * sizeof (char *));
    *list = grown;
    (*list) [(*count)++] = r5_strdup (id);
}

int
resource_call_load_teams (resource_call_t *call, const char *account_id, const char *user_id,
                          char ***team_ids, size_t *n_team_ids, char ***admin_ids, size_t *n_admin_ids,
                          bson_error_t *error)
{
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (account_id), "members.user_id", BCON_UTF8 (user_id));
    bson_t *opts = BCON_NEW ("projection", "{", "members", BCON_INT32 (1), "}",
                             "limit", BCON_INT64 (S_MAX_FACT_TEAMS));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (teams, filter, opts, NULL);
    const bson_t *doc;
    while (mongoc_cursor_next (cursor, &doc)) {
        char ignored [128];
        R5__Team *team = (R5__Team *) r5_codec_from_bson (&r5__team__descriptor, doc, ignored, sizeof ignored);
        if (!team || !*team->id) {
            r5_warn (call->rid, "skipping a malformed team of user %s", user_id);
            if (team)
                protobuf_c_message_free_unpacked (&team->base, NULL);
            continue;
        }
        bool admin = false;
        for (size_t i = 0; i < team->n_members; i++)
            if (streq (team->members [i]->user_id, user_id))
                admin = admin || team->members [i]->team_admin;
        s_append (team_ids, n_team_ids, team->id);
        if (admin)
            s_append (admin_ids, n_admin_ids, team->id);
        protobuf_c_message_free_unpacked (&team->base, NULL);
    }
    int rc = mongoc_cursor_error (cursor, error) ? -1 : 0;
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    mongoc_collection_destroy (teams);
    return rc;
}

//  The facts r5-token signed into the principal at verification: no read.
//  Gateways drop the verdict that carries them on the user.changed event
//  every write of a fact publishes (docs/decisions.md, "Principal facts").
static int
s_facts_of_principal (resource_call_t *call)
{
    const R5__Principal *principal = call->principal;
    if (!principal->active || principal->role == R5__ROLE__ROLE_UNSPECIFIED)
        return resource_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "user is not active");
    call->facts.role = principal->role;
    call->facts.active = true;
    for (size_t i = 0; i < principal->n_team_ids && i < S_MAX_FACT_TEAMS; i++)
        s_append (&call->facts.team_ids, &call->facts.n_team_ids, principal->team_ids [i]);
    for (size_t i = 0; i < principal->n_admin_team_ids && i < S_MAX_FACT_TEAMS; i++)
        s_append (&call->facts.admin_team_ids, &call->facts.n_admin_team_ids, principal->admin_team_ids [i]);
    call->facts.loaded = true;
    return 0;
}

int
resource_call_facts (resource_call_t *call)
{
    if (call->facts_tried)
        return call->facts.loaded ? 0 : -1;
    call->facts_tried = true;
    r5__facts__init (&call->facts);
    if (call->principal->facts_complete && !call->facts_live)
        return s_facts_of_principal (call);
    int rc = -1;
    bson_error_t error = { 0 };
    const bson_t *doc;
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (call->principal->user_id),
                               "account_id", BCON_UTF8 (call->principal->account_id));
    bson_t *opts = BCON_NEW ("projection", "{", "role", BCON_INT32 (1), "active", BCON_INT32 (1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (users, filter, opts, NULL);
    bool found = false;
    if (mongoc_cursor_next (cursor, &doc)) {
        //  A role the codec does not know leaves the caller without one.
        char ignored [128];
        R5__User *user = (R5__User *) r5_codec_from_bson (&r5__user__descriptor, doc, ignored, sizeof ignored);
        found = true;
        if (user) {
            call->facts.role = user->role;
            call->facts.active = user->active;
            protobuf_c_message_free_unpacked (&user->base, NULL);
        }
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
    if (resource_call_load_teams (call, call->principal->account_id, call->principal->user_id,
                                  &call->facts.team_ids, &call->facts.n_team_ids,
                                  &call->facts.admin_team_ids, &call->facts.n_admin_team_ids, &error)) {
        resource_call_mongo_fail (call, &error, "caller's teams lookup");
        goto cleanup;
    }
    call->facts.loaded = true;
    rc = 0;

cleanup:
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    bson_destroy (opts);
    mongoc_collection_destroy (users);
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
    //  r5-authz checks the signature itself: the assertion travels as received.
    meta.assertion = (R5__PrincipalAssertion *) call->assertion;
    check.operations = operations;
    check.n_operations = count;
    check.facts = &call->facts;
    check.restrict_team_ids = call->restrict_team_ids;
    check.n_restrict_team_ids = call->n_restrict_team_ids;
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
    //  The assertion expired on its way (the request took long): no other answer is honest.
    if (reply->status == R5__STATUS__STATUS_UNAUTHENTICATED) {
        r5__authz_reply__free_unpacked (reply, NULL);
        return resource_call_fail (call, R5__STATUS__STATUS_UNAUTHENTICATED, "a verified principal is required");
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

//  A decision's visibility rule, copied into visibility (strings strdup'd).
static void
s_copy_visibility (const R5__Visibility *from, R5__Visibility *visibility)
{
    visibility->all = from->all;
    visibility->participant = from->participant;
    visibility->own = from->own;
    for (size_t i = 0; i < from->n_team_ids; i++)
        s_append (&visibility->team_ids, &visibility->n_team_ids, from->team_ids [i]);
    visibility->restricted = from->restricted;
    for (size_t i = 0; i < from->n_restricted_team_ids; i++)
        s_append (&visibility->restricted_team_ids, &visibility->n_restricted_team_ids, from->restricted_team_ids [i]);
}

//  Ask about operation; see resource_call_decide. With undecided non-NULL, a
//  NOT_FOUND answer sets it and leaves the reply alone.
static int
s_decide (resource_call_t *call, R5__Operation *operation, R5__Visibility *visibility, bool *undecided)
{
    if (visibility)
        r5__visibility__init (visibility);
    R5__Operation *operations [1] = { operation };
    R5__AuthzReply *reply;
    if (resource_call_check (call, operations, 1, &reply))
        return -1;
    R5__Decision *decision = reply->check->decisions [0];
    int rc = 0;
    if (undecided && decision->status == R5__STATUS__STATUS_NOT_FOUND) {
        *undecided = true;
        rc = -1;
    }
    else
    if (decision->status != R5__STATUS__STATUS_OK) {
        resource_call_fail (call, decision->status, decision->reason);
        call->reply->required_scope = decision->required_scope;
        rc = -1;
    }
    else
    if (visibility) {
        if (decision->visibility)
            s_copy_visibility (decision->visibility, visibility);
        else
            rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    }
    r5__authz_reply__free_unpacked (reply, NULL);
    return rc;
}

int
resource_call_decide (resource_call_t *call, R5__ResourceType type, R5__Verb verb, R5__ObjectFacts *object,
                      R5__Visibility *visibility)
{
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = type;
    operation.verb = verb;
    operation.object = object;
    return s_decide (call, &operation, visibility, NULL);
}

int
resource_call_decide_filter (resource_call_t *call, R5__ResourceType type, R5__Verb verb, R5__Visibility *visibility)
{
    R5__Operation operation = R5__OPERATION__INIT;
    operation.resource = type;
    operation.verb = verb;
    operation.as_filter = true;
    bool undecided = false;
    int rc = s_decide (call, &operation, visibility, &undecided);
    return undecided ? 1 : rc;
}

void
resource_call_visibility_clear (R5__Visibility *visibility)
{
    resource_strings_free (&visibility->team_ids, visibility->n_team_ids);
    resource_strings_free (&visibility->restricted_team_ids, visibility->n_restricted_team_ids);
    r5__visibility__init (visibility);
}

R5__Objects *
resource_call_objects (resource_call_t *call)
{
    if (call->reply->body_case != R5__RESOURCE_REPLY__BODY_OBJECTS) {
        R5__Objects *objects = r5_malloc (sizeof *objects);
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
    resource_strings_free (&call->member_user_ids, call->n_members);
    resource_strings_free (&call->member_team_ids, call->n_members);
    call->n_members = 0;
    call->members_tried = call->members_loaded = false;
    resource_strings_free (&call->delete_owed_ids, call->n_delete_owed_ids);
    call->n_delete_owed_ids = 0;
}

//  =========================================================================
//  Team-restricted tokens
//  =========================================================================

//  Most (user, team) pairs of a restriction's members loaded (50 teams).
#define S_MAX_MEMBERS 5000

bool
resource_call_restricted (const resource_call_t *call)
{
    return call->principal
        && call->principal->kind == R5__CREDENTIAL_KIND__CREDENTIAL_PERSONAL_ACCESS_TOKEN
        && call->principal->n_restricted_team_ids > 0;
}

int
resource_call_members (resource_call_t *call)
{
    if (call->members_tried)
        return call->members_loaded ? 0 : -1;
    call->members_tried = true;
    if (!resource_call_restricted (call)) {
        call->members_loaded = true;
        return 0;
    }
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", call->principal->restricted_team_ids,
                             call->principal->n_restricted_team_ids);
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    bson_t *opts = BCON_NEW ("projection", "{", "members", BCON_INT32 (1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (teams, &filter, opts, NULL);
    const bson_t *doc;
    bson_error_t error;
    int rc = 0;
    while (mongoc_cursor_next (cursor, &doc)) {
        char ignored [128];
        R5__Team *team = (R5__Team *) r5_codec_from_bson (&r5__team__descriptor, doc, ignored, sizeof ignored);
        if (!team || !*team->id) {
            r5_warn (call->rid, "skipping a malformed team of the token's restriction");
            if (team)
                protobuf_c_message_free_unpacked (&team->base, NULL);
            continue;
        }
        for (size_t i = 0; i < team->n_members && call->n_members < S_MAX_MEMBERS; i++) {
            //  The two lists grow together: pair i is (user i, team i).
            size_t users = call->n_members;
            s_append (&call->member_user_ids, &users, team->members [i]->user_id);
            s_append (&call->member_team_ids, &call->n_members, team->id);
        }
        protobuf_c_message_free_unpacked (&team->base, NULL);
    }
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "restricted teams lookup");
    else
        call->members_loaded = true;
    mongoc_cursor_destroy (cursor);
    bson_destroy (opts);
    bson_destroy (&filter);
    mongoc_collection_destroy (teams);
    return rc;
}

char **
resource_call_user_teams (resource_call_t *call, const char *user_id, size_t *count)
{
    *count = 0;
    char **teams = NULL;
    for (size_t i = 0; user_id && i < call->n_members; i++)
        if (streq (call->member_user_ids [i], user_id)) {
            teams = r5_realloc (teams, (*count + 1) * sizeof (char *));
            teams [(*count)++] = call->member_team_ids [i];
        }
    return teams;
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
