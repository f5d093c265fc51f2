/*  resource_teams: teams and memberships.  */
#include "resource_teams.h"
#include "resource_validate.h"
#include "r5_log.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

#define S_MAX_IDS 100
#define S_MAX_MEMBERS 1000
//  Compare-and-set attempts before a membership change answers CONFLICT.
#define S_CAS_ATTEMPTS 5

static const r5_mongo_index_t s_team_indexes [] = {
    { "account_name", "{\"account_id\": 1, \"name\": 1}", true, NULL },
    { "account_member", "{\"account_id\": 1, \"members.user_id\": 1}", false, NULL },
};

int
resource_teams_ensure_indexes (r5_mongo_t *mongo, char *error, size_t error_size)
{
    return r5_mongo_ensure_indexes (mongo, "teams", s_team_indexes,
                                    sizeof s_team_indexes / sizeof s_team_indexes [0], error, error_size);
}

static R5__Team *
s_team_new (void)
{
    R5__Team *team = malloc (sizeof *team);
    assert (team);
    r5__team__init (team);
    return team;
}

void
resource_team_free (R5__Team **team_p)
{
    if (*team_p) {
        protobuf_c_message_free_unpacked (&(*team_p)->base, NULL);
        *team_p = NULL;
    }
}

static void
s_add_member (R5__Team *team, const char *user_id, bool team_admin)
{
    R5__TeamMember **grown = realloc (team->members, (team->n_members + 1) * sizeof (R5__TeamMember *));
    assert (grown);
    team->members = grown;
    R5__TeamMember *member = malloc (sizeof *member);
    assert (member);
    r5__team_member__init (member);
    member->user_id = strdup (user_id);
    member->team_admin = team_admin;
    team->members [team->n_members++] = member;
}

int
resource_team_from_bson (const bson_t *doc, R5__Team *team, int64_t *version)
{
    bson_iter_t iter;
    const char *id = NULL, *account_id = NULL, *name = NULL, *description = "";
    int64_t created = 0;
    if (version)
        *version = 0;
    if (!bson_iter_init (&iter, doc))
        return -1;
    r5__team__init (team);
    while (bson_iter_next (&iter)) {
        const char *key = bson_iter_key (&iter);
        if (BSON_ITER_HOLDS_UTF8 (&iter)) {
            const char *value = bson_iter_utf8 (&iter, NULL);
            if (streq (key, "_id")) id = value;
            else if (streq (key, "account_id")) account_id = value;
            else if (streq (key, "name")) name = value;
            else if (streq (key, "description")) description = value;
        }
        else
        if (BSON_ITER_HOLDS_DATE_TIME (&iter) && streq (key, "created_at"))
            created = bson_iter_date_time (&iter);
        else
        if (BSON_ITER_HOLDS_INT (&iter) && streq (key, "version") && version)
            *version = bson_iter_as_int64 (&iter);
        else
        if (BSON_ITER_HOLDS_ARRAY (&iter) && streq (key, "members")) {
            bson_iter_t members, field;
            if (!bson_iter_recurse (&iter, &members))
                continue;
            while (bson_iter_next (&members)) {
                const char *user_id = NULL;
                bool admin = false;
                if (!BSON_ITER_HOLDS_DOCUMENT (&members) || !bson_iter_recurse (&members, &field))
                    continue;
                while (bson_iter_next (&field)) {
                    if (streq (bson_iter_key (&field), "user_id") && BSON_ITER_HOLDS_UTF8 (&field))
                        user_id = bson_iter_utf8 (&field, NULL);
                    else
                    if (streq (bson_iter_key (&field), "team_admin") && BSON_ITER_HOLDS_BOOL (&field))
                        admin = bson_iter_bool (&field);
                }
                if (user_id)
                    s_add_member (team, user_id, admin);
            }
        }
    }
    if (!id || !account_id || !name) {
        //  Free what was read so far, keep the struct usable.
        for (size_t i = 0; i < team->n_members; i++)
            protobuf_c_message_free_unpacked (&team->members [i]->base, NULL);
        free (team->members);
        r5__team__init (team);
        return -1;
    }
    team->id = strdup (id);
    team->account_id = strdup (account_id);
    team->name = strdup (name);
    team->description = strdup (description);
    team->created_at_unix_ms = created;
    return 0;
}

static void
s_reply_team (resource_call_t *call, R5__Team **team_p)
{
    R5__Objects *objects = resource_call_objects (call);
    R5__Team **grown = realloc (objects->teams, (objects->n_teams + 1) * sizeof (R5__Team *));
    assert (grown);
    objects->teams = grown;
    objects->teams [objects->n_teams++] = *team_p;
    *team_p = NULL;
}

//  A parsed document, or NULL.
static R5__Team *
s_team_of (const bson_t *doc, int64_t *version)
{
    R5__Team *team = s_team_new ();
    if (resource_team_from_bson (doc, team, version)) {
        free (team);
        return NULL;
    }
    return team;
}

//  Load a team of the caller's account. 0 with *team (NULL when there is none),
//  or -1 with the reply set.
static int
s_load (resource_call_t *call, mongoc_collection_t *teams, const char *id, R5__Team **team_p, int64_t *version)
{
    *team_p = NULL;
    if (!resource_validate_id (id))
        return 0;
    bson_error_t error;
    const bson_t *doc;
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (teams, filter, NULL, NULL);
    int rc = 0;
    if (mongoc_cursor_next (cursor, &doc) && !(*team_p = s_team_of (doc, version)))
        rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
    if (mongoc_cursor_error (cursor, &error))
        rc = resource_call_mongo_fail (call, &error, "team lookup");
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    return rc;
}

//  Decide a verb on a loaded (or missing) team: its own id is its team.
static int
s_decide_on (resource_call_t *call, R5__Verb verb, const R5__Team *team)
{
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    char *ids [1];
    if (team) {
        facts.exists = true;
        facts.account_id = team->account_id;
        ids [0] = team->id;
        facts.team_ids = ids;
        facts.n_team_ids = 1;
    }
    return resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_TEAMS, verb, &facts, NULL);
}

void
resource_teams_on_get (resource_call_t *call, char **ids, size_t count)
{
    if (count > S_MAX_IDS) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "too many ids in one lookup (at most 100)");
        return;
    }
    R5__Team *found [S_MAX_IDS] = { 0 };
    size_t n_found = 0;
    R5__Operation *operations [S_MAX_IDS];
    R5__Operation operation [S_MAX_IDS];
    R5__ObjectFacts facts [S_MAX_IDS];
    char *own [S_MAX_IDS];
    bool allowed [S_MAX_IDS];
    char *valid [S_MAX_IDS];
    size_t n_valid = 0;
    for (size_t i = 0; i < count; i++)
        if (resource_validate_id (ids [i]))
            valid [n_valid++] = ids [i];

    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t filter = BSON_INITIALIZER;
    resource_bson_append_in (&filter, "_id", valid, n_valid);
    BSON_APPEND_UTF8 (&filter, "account_id", call->principal->account_id);
    mongoc_cursor_t *cursor = n_valid ? mongoc_collection_find_with_opts (teams, &filter, NULL, NULL) : NULL;
    const bson_t *doc;
    bson_error_t error;
    while (cursor && n_found < count && mongoc_cursor_next (cursor, &doc))
        if ((found [n_found] = s_team_of (doc, NULL)))
            n_found++;
    if (cursor && mongoc_cursor_error (cursor, &error)) {
        resource_call_mongo_fail (call, &error, "team lookup");
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        r5__operation__init (&operation [i]);
        r5__object_facts__init (&facts [i]);
        operation [i].resource = R5__RESOURCE_TYPE__RESOURCE_TEAMS;
        operation [i].verb = R5__VERB__VERB_GET;
        operation [i].object = &facts [i];
        for (size_t j = 0; j < n_found; j++)
            if (found [j] && streq (found [j]->id, ids [i])) {
                facts [i].exists = true;
                facts [i].account_id = found [j]->account_id;
                own [i] = found [j]->id;
                facts [i].team_ids = &own [i];
                facts [i].n_team_ids = 1;
            }
        operations [i] = &operation [i];
    }
    if (resource_call_allowed (call, operations, count, allowed) == 0) {
        resource_call_objects (call);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; allowed [i] && j < n_found; j++)
                if (found [j] && streq (found [j]->id, ids [i]))
                    s_reply_team (call, &found [j]);
    }

cleanup:
    for (size_t j = 0; j < n_found; j++)
        resource_team_free (&found [j]);
    mongoc_cursor_destroy (cursor);
    bson_destroy (&filter);
    mongoc_collection_destroy (teams);
}

static int
s_page_team (const bson_t *doc, void *arg)
{
    R5__Team *team = s_team_of (doc, NULL);
    if (!team)
        return -1;
    s_reply_team ((resource_call_t *) arg, &team);
    return 0;
}

void
resource_teams_on_list (resource_call_t *call, const R5__ListObjectsRequest *request)
{
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_LIST, NULL, NULL))
        return;
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t *filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id));
    resource_call_page (call, teams, filter, request->first, request->after, false, s_page_team, call,
                        resource_call_objects (call));
    bson_destroy (filter);
    mongoc_collection_destroy (teams);
}

void
resource_teams_on_create (resource_call_t *call, const R5__CreateTeamRequest *request)
{
    const char *message;
    if ((message = resource_validate_text ("name", request->name, 1, 100))
    ||  (message = resource_validate_multiline ("description", request->description, 0, 10000))) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    if (s_decide_on (call, R5__VERB__VERB_CREATE, NULL))
        return;
    char id [25];
    r5_mongo_new_id (id);
    bson_error_t error;
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    bson_t *doc = BCON_NEW ("_id", BCON_UTF8 (id), "account_id", BCON_UTF8 (call->principal->account_id),
                            "name", BCON_UTF8 (request->name), "description", BCON_UTF8 (request->description),
                            "members", "[", "]", "version", BCON_INT64 (1),
                            "created_at", BCON_DATE_TIME (r5_now_ms ()));
    if (!mongoc_collection_insert_one (teams, doc, NULL, NULL, &error)) {
        if (r5_mongo_is_duplicate (&error))
            resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "a team with this name already exists");
        else
            resource_call_mongo_fail (call, &error, "team insert");
    }
    else {
        R5__Team *team = s_team_of (doc, NULL);
        if (team)
            s_reply_team (call, &team);
    }
    bson_destroy (doc);
    mongoc_collection_destroy (teams);
}

//  findAndModify on one team; *team is the document after the change, NULL
//  when the filter matched nothing. 0 or -1 (reply set; duplicate names answer CONFLICT).
static int
s_modify (resource_call_t *call, mongoc_collection_t *teams, bson_t *filter, bson_t *update, R5__Team **team_p)
{
    *team_p = NULL;
    bson_t reply;
    bson_error_t error;
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
    mongoc_find_and_modify_opts_set_update (opts, update);
    mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    int rc = 0;
    if (!mongoc_collection_find_and_modify_with_opts (teams, filter, opts, &reply, &error)) {
        if (r5_mongo_is_duplicate (&error))
            rc = resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "a team with this name already exists");
        else
            rc = resource_call_mongo_fail (call, &error, "team update");
    }
    else {
        bson_iter_t iter;
        if (bson_iter_init_find (&iter, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            uint32_t length;
            const uint8_t *data;
            bson_t value;
            bson_iter_document (&iter, &length, &data);
            if (bson_init_static (&value, data, length) && !(*team_p = s_team_of (&value, NULL)))
                rc = resource_call_fail (call, R5__STATUS__STATUS_INTERNAL, NULL);
        }
    }
    bson_destroy (&reply);
    mongoc_find_and_modify_opts_destroy (opts);
    return rc;
}

void
resource_teams_on_update (resource_call_t *call, const R5__UpdateTeamRequest *request)
{
    const char *message = NULL;
    bool name = request->name_present_case == R5__UPDATE_TEAM_REQUEST__NAME_PRESENT_NAME;
    bool description = request->description_present_case == R5__UPDATE_TEAM_REQUEST__DESCRIPTION_PRESENT_DESCRIPTION;
    if ((name && (message = resource_validate_text ("name", request->name, 1, 100)))
    ||  (description && (message = resource_validate_multiline ("description", request->description, 0, 10000)))) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, message);
        return;
    }
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    R5__Team *team = NULL, *changed = NULL;
    bson_t *filter = NULL;
    bson_t update = BSON_INITIALIZER, set;
    if (s_load (call, teams, request->id, &team, NULL) || s_decide_on (call, R5__VERB__VERB_UPDATE, team))
        goto cleanup;
    filter = BCON_NEW ("_id", BCON_UTF8 (team->id), "account_id", BCON_UTF8 (call->principal->account_id));
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    if (name)
        BSON_APPEND_UTF8 (&set, "name", request->name);
    if (description)
        BSON_APPEND_UTF8 (&set, "description", request->description);
    BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
    bson_append_document_end (&update, &set);
    if (s_modify (call, teams, filter, &update, &changed))
        goto cleanup;
    if (!changed)
        resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "no such team");   //  deleted meanwhile
    else
        s_reply_team (call, &changed);

cleanup:
    resource_team_free (&team);
    resource_team_free (&changed);
    bson_destroy (filter);
    bson_destroy (&update);
    mongoc_collection_destroy (teams);
}

void
resource_teams_on_delete (resource_call_t *call, const char *id)
{
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    R5__Team *team = NULL;
    bson_t *filter = NULL;
    bson_t reply;
    bson_init (&reply);
    bson_error_t error;
    if (s_load (call, teams, id, &team, NULL) || s_decide_on (call, R5__VERB__VERB_DELETE, team))
        goto cleanup;
    //  A team that still owns on-call setup keeps it: deleting would orphan it
    //  (no multi-document transactions to take it along atomically).
    static const char *s_owned [] = { "escalation_policies", "schedules", "integrations" };
    for (size_t i = 0; i < sizeof s_owned / sizeof s_owned [0]; i++) {
        mongoc_collection_t *owned = resource_call_collection (call, s_owned [i]);
        bson_t *owned_filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                                         "team_id", BCON_UTF8 (team->id));
        int64_t count = mongoc_collection_count_documents (owned, owned_filter, NULL, NULL, NULL, &error);
        bson_destroy (owned_filter);
        mongoc_collection_destroy (owned);
        if (count < 0) {
            resource_call_mongo_fail (call, &error, "owned objects count");
            goto cleanup;
        }
        if (count > 0) {
            resource_call_fail (call, R5__STATUS__STATUS_CONFLICT,
                                "the team still owns escalation policies, schedules or integrations: delete them first");
            goto cleanup;
        }
    }
    filter = BCON_NEW ("_id", BCON_UTF8 (team->id), "account_id", BCON_UTF8 (call->principal->account_id));
    bson_destroy (&reply);
    if (!mongoc_collection_delete_one (teams, filter, NULL, &reply, &error)) {
        resource_call_mongo_fail (call, &error, "team delete");
        goto cleanup;
    }
    //  Former members lose what the team gave them: their gateways forget them.
    for (size_t i = 0; i < team->n_members; i++)
        resource_events_user_changed (call->events, team->members [i]->user_id, team->account_id);
    call->reply->body_case = R5__RESOURCE_REPLY__BODY_DELETED_ID;
    call->reply->deleted_id = strdup (team->id);

cleanup:
    bson_destroy (&reply);
    resource_team_free (&team);
    bson_destroy (filter);
    mongoc_collection_destroy (teams);
}

//  Add (or set the admin flag of) a member, or remove one: compare-and-set on
//  the team's version, retried a few times when another change won.
static void
s_change_member (resource_call_t *call, const R5__TeamMemberRequest *request, bool add)
{
    if (!resource_validate_id (request->user_id)) {
        resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not a user of this account");
        return;
    }
    mongoc_collection_t *teams = resource_call_collection (call, "teams");
    mongoc_collection_t *users = resource_call_collection (call, "users");
    R5__Team *team = NULL, *changed = NULL;
    int64_t version = 0;
    bson_error_t error;
    if (s_load (call, teams, request->team_id, &team, &version)
    ||  s_decide_on (call, R5__VERB__VERB_MANAGE_MEMBERS, team))
        goto cleanup;
    if (add) {
        char *ids [1] = { request->user_id };
        int64_t found = resource_count_ids (users, call->principal->account_id, ids, 1, &error);
        if (found < 0) {
            resource_call_mongo_fail (call, &error, "user lookup");
            goto cleanup;
        }
        if (found == 0) {
            resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not a user of this account");
            goto cleanup;
        }
    }
    for (int attempt = 0; attempt < S_CAS_ATTEMPTS; attempt++) {
        bool member = false, same = false;
        bson_t update = BSON_INITIALIZER, set, list;
        BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
        BSON_APPEND_ARRAY_BEGIN (&set, "members", &list);
        size_t n = 0;
        for (size_t i = 0; i < team->n_members; i++) {
            R5__TeamMember *entry = team->members [i];
            bool admin = entry->team_admin;
            if (streq (entry->user_id, request->user_id)) {
                member = true;
                if (!add)
                    continue;
                same = admin == request->team_admin;
                admin = request->team_admin;
            }
            char index [24];
            snprintf (index, sizeof index, "%zu", n++);
            bson_t item;
            BSON_APPEND_DOCUMENT_BEGIN (&list, index, &item);
            BSON_APPEND_UTF8 (&item, "user_id", entry->user_id);
            BSON_APPEND_BOOL (&item, "team_admin", admin);
            bson_append_document_end (&list, &item);
        }
        if (add && !member) {
            char index [24];
            snprintf (index, sizeof index, "%zu", n++);
            bson_t item;
            BSON_APPEND_DOCUMENT_BEGIN (&list, index, &item);
            BSON_APPEND_UTF8 (&item, "user_id", request->user_id);
            BSON_APPEND_BOOL (&item, "team_admin", request->team_admin);
            bson_append_document_end (&list, &item);
        }
        bson_append_array_end (&set, &list);
        BSON_APPEND_INT64 (&set, "version", version + 1);
        bson_append_document_end (&update, &set);
        if ((!add && !member) || (add && member && same) || (add && !member && n > S_MAX_MEMBERS)) {
            bson_destroy (&update);
            if (!add && !member)
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not a member of this team");
            else
            if (add && member)
                s_reply_team (call, &team);         //  already so: nothing to change
            else
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a team has at most 1000 members");
            goto cleanup;
        }
        bson_t *filter = BCON_NEW ("_id", BCON_UTF8 (team->id), "account_id", BCON_UTF8 (call->principal->account_id),
                                   "version", BCON_INT64 (version));
        int rc = s_modify (call, teams, filter, &update, &changed);
        bson_destroy (filter);
        bson_destroy (&update);
        if (rc)
            goto cleanup;
        if (changed) {
            resource_events_user_changed (call->events, request->user_id, changed->account_id);
            s_reply_team (call, &changed);
            goto cleanup;
        }
        //  Another change won: read the team again and redo ours on top of it.
        resource_team_free (&team);
        if (s_load (call, teams, request->team_id, &team, &version))
            goto cleanup;
        if (!team) {
            resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "no such team");
            goto cleanup;
        }
    }
    resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the team changed meanwhile, try again");

cleanup:
    resource_team_free (&team);
    resource_team_free (&changed);
    mongoc_collection_destroy (teams);
    mongoc_collection_destroy (users);
}

void
resource_teams_on_add_member (resource_call_t *call, const R5__TeamMemberRequest *request)
{
    s_change_member (call, request, true);
}

void
resource_teams_on_remove_member (resource_call_t *call, const R5__TeamMemberRequest *request)
{
    s_change_member (call, request, false);
}
