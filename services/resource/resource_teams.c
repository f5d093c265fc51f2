/*  resource_teams: teams and memberships.  */
#include "resource_teams.h"
#include "resource_bson.h"
#include "resource_owed.h"
#include "resource_pending.h"
#include "resource_validate.h"
#include "r5_alloc.h"
#include "r5_codec.h"
#include "r5_time.h"

#include <czmq.h>
#include <string.h>

#define S_MAX_MEMBERS 1000
//  Compare-and-set attempts before a membership change answers CONFLICT.
#define S_CAS_ATTEMPTS 5

const r5_mongo_index_t resource_teams_indexes [4] = {
    { "account_name", "{\"account_id\": 1, \"name\": 1}", true, NULL },
    //  A page of the account's teams (sorted on _id).
    { "account_id_id", "{\"account_id\": 1, \"_id\": 1}", false, NULL },
    { "account_member", "{\"account_id\": 1, \"members.user_id\": 1}", false, NULL },
    //  Partial: the few teams whose membership changed and whose event may be owed.
    RESOURCE_OWED_INDEX,
};

//  A team's text fields, for its create and its update alike.
static const resource_text_rule_t s_text_rules [] = {
    RESOURCE_RULE_NAME,
    RESOURCE_RULE_DESCRIPTION,
    { "slack_channel", 0, 80, false, "slackChannel must be at most 80 characters" },
};

static const resource_type_t *
s_teams (void)
{
    return resource_type_of (R5__RESOURCE_TYPE__RESOURCE_TEAMS);
}

void
resource_teams_on_create (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__CreateTeamRequest *request = envelope->create_team;
    if (resource_call_check_text (call, &request->base, s_text_rules, sizeof s_text_rules / sizeof s_text_rules [0]))
        return;
    R5__ObjectFacts facts = R5__OBJECT_FACTS__INIT;
    if (resource_call_decide (call, R5__RESOURCE_TYPE__RESOURCE_TEAMS, R5__VERB__VERB_CREATE, &facts, NULL))
        return;
    char id [25];
    R5__Team team = R5__TEAM__INIT;
    resource_store_prepare (call, s_teams (), &request->base, &team.base, id);
    bson_t *extra = BCON_NEW ("version", BCON_INT64 (1));
    resource_store_insert (call, s_teams (), &team.base, extra);
    bson_destroy (extra);
}

void
resource_teams_on_update (resource_call_t *call, const R5__ResourceRequest *envelope)
{
    const R5__UpdateTeamRequest *request = envelope->update_team;
    if (resource_call_check_text (call, &request->base, s_text_rules, sizeof s_text_rules / sizeof s_text_rules [0]))
        return;
    resource_object_t team;
    if (resource_store_load (call, s_teams (), request->id, R5__VERB__VERB_UPDATE, &team) == 0) {
        bson_t update = BSON_INITIALIZER, set;
        BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
        resource_bson_set_fields (&request->base, NULL, 0, &set);
        BSON_APPEND_DATE_TIME (&set, "updated_at", r5_now_ms ());
        bson_append_document_end (&update, &set);
        resource_store_update (call, s_teams (), ((R5__Team *) team.message)->id, &update);
        bson_destroy (&update);
    }
    resource_object_clear (&team);
}

//  The filter on the user documents of ids in account_id; the caller destroys it.
static bson_t *
s_users_filter (const char *account_id, char **ids, size_t count)
{
    bson_t *filter = bson_new ();
    BSON_APPEND_UTF8 (filter, "account_id", account_id);
    resource_bson_append_in (filter, "_id", ids, count);
    return filter;
}

//  Record on the user documents of call->delete_owed_ids the event the
//  team's delete will owe each, entry at: one updateMany, before the delete.
//  0, or -1 (reply set).
static int
s_owe_users (resource_call_t *call, const char *account_id, int64_t at)
{
    mongoc_collection_t *users = resource_call_collection (call, "users");
    bson_t *filter = s_users_filter (account_id, call->delete_owed_ids, call->n_delete_owed_ids);
    bson_t update = BSON_INITIALIZER;
    resource_owed_append (&update, NULL, at, call->delete_owed_nonce);
    bson_error_t error;
    int rc = mongoc_collection_update_many (users, filter, &update, NULL, NULL, &error)
           ? 0 : resource_call_mongo_fail (call, &error, "events owed to a team's members");
    bson_destroy (&update);
    bson_destroy (filter);
    mongoc_collection_destroy (users);
    return rc;
}

//  Add user_id to call->delete_owed_ids unless it is there.
static void
s_owe_id (resource_call_t *call, const char *user_id)
{
    for (size_t i = 0; i < call->n_delete_owed_ids; i++)
        if (streq (call->delete_owed_ids [i], user_id))
            return;
    call->delete_owed_ids = r5_realloc (call->delete_owed_ids,
                                        (call->n_delete_owed_ids + 1) * sizeof (char *));
    call->delete_owed_ids [call->n_delete_owed_ids++] = r5_strdup (user_id);
}

//  Set team id's delete mark to mark and read the team as it is then into
//  marked: no membership change lands after it (s_change_member honours
//  the mark), so its members are those the delete takes. 0, or -1 with the
//  reply set (NOT_FOUND: it went meanwhile).
static int
s_mark (resource_call_t *call, const char *id, int64_t mark, resource_object_t *marked)
{
    bson_t *filter = resource_bson_id_filter (id, call->principal->account_id);
    bson_t *update = BCON_NEW ("$set", "{", "deleting", BCON_DATE_TIME (mark), "}");
    int rc = resource_store_modify (call, s_teams (), filter, update, marked);
    bson_destroy (update);
    bson_destroy (filter);
    if (rc == 0 && !marked->doc)
        rc = resource_call_fail (call, R5__STATUS__STATUS_NOT_FOUND, "no such team");
    return rc;
}

int
resource_teams_before_delete (resource_call_t *call, const resource_object_t *object, bson_t *filter)
{
    //  A team that still owns on-call setup keeps it: deleting would orphan it
    //  (no multi-document transactions to take it along atomically). The mark
    //  comes first and the count after; a create writes its object first and
    //  checks the mark after (resource_store_insert), so of a delete and a
    //  create at once, at least one sees the other and gives way.
    static const char *s_owned [] = { "escalation_policies", "schedules", "integrations" };
    const R5__Team *team = (const R5__Team *) object->message;
    int64_t mark = r5_now_ms ();
    resource_object_t marked;
    if (s_mark (call, team->id, mark, &marked)) {
        resource_object_clear (&marked);
        return -1;
    }
    for (size_t i = 0; i < sizeof s_owned / sizeof s_owned [0]; i++) {
        bson_error_t error;
        mongoc_collection_t *owned = resource_call_collection (call, s_owned [i]);
        bson_t *owned_filter = BCON_NEW ("account_id", BCON_UTF8 (call->principal->account_id),
                                         "team_id", BCON_UTF8 (team->id));
        //  A pending object counts (its create may yet confirm it), unless
        //  its create died: those go first, as the sweeper would take them.
        bson_t *stale = bson_copy (owned_filter);
        resource_pending_append_stale (stale, r5_now_ms ());
        int64_t count = mongoc_collection_delete_many (owned, stale, NULL, NULL, &error)
                      ? mongoc_collection_count_documents (owned, owned_filter, NULL, NULL, NULL, &error) : -1;
        bson_destroy (stale);
        bson_destroy (owned_filter);
        mongoc_collection_destroy (owned);
        if (count != 0) {
            if (count < 0)
                resource_call_mongo_fail (call, &error, "owned objects count");
            else
                resource_call_fail (call, R5__STATUS__STATUS_CONFLICT,
                                    "the team still owns escalation policies, schedules or integrations: delete them first");
            //  A mark this leaves behind (a failure, a crash) goes stale by itself.
            resource_store_unmark_deleting (call, s_teams (), team->id, mark);
            resource_object_clear (&marked);
            return -1;
        }
    }
    //  The delete takes the document that could hold the events it owes:
    //  the user documents of the members it had when marked (and of the
    //  users its own entries name) hold them, written before it
    //  (resource_owed.h). A member added or removed before the mark is in
    //  that list, or not, and was published by its own change; no change
    //  lands after it.
    const R5__Team *final = (const R5__Team *) marked.message;
    for (size_t i = 0; i < final->n_members; i++)
        s_owe_id (call, final->members [i]->user_id);
    //  And to the users the team's own entries name: a change whose request
    //  died before publishing (a member removed, most often, so no longer
    //  in the list). The document that holds those entries goes now.
    bson_iter_t iter, entries, field;
    if (bson_iter_init_find (&iter, marked.doc, RESOURCE_OWED_KEY) && BSON_ITER_HOLDS_ARRAY (&iter)
    &&  bson_iter_recurse (&iter, &entries))
        while (bson_iter_next (&entries))
            if (BSON_ITER_HOLDS_DOCUMENT (&entries) && bson_iter_recurse (&entries, &field)
            &&  bson_iter_find (&field, "user_id") && BSON_ITER_HOLDS_UTF8 (&field)
            &&  resource_validate_id (bson_iter_utf8 (&field, NULL)))
                s_owe_id (call, bson_iter_utf8 (&field, NULL));
    resource_object_clear (&marked);
    //  Dated now, not at the mark: the checks above may have taken up to
    //  RESOURCE_DELETE_MARK_MS / 2, and an entry dated at the mark could be
    //  past the grace, and swept, before the delete lands.
    call->delete_owed_at = r5_now_ms ();
    if (call->n_delete_owed_ids > 0 && s_owe_users (call, team->account_id, call->delete_owed_at)) {
        resource_store_unmark_deleting (call, s_teams (), team->id, mark);
        return -1;
    }
    return resource_store_marked_delete (call, s_teams (), team->id, mark, filter);
}

int
resource_teams_after_delete (resource_call_t *call, const resource_object_t *object)
{
    //  Former members lose what the team gave them: their gateways forget them.
    const R5__Team *team = (const R5__Team *) object->message;
    bool published = true;
    for (size_t i = 0; i < call->n_delete_owed_ids; i++)
        published = resource_events_user_changed (call->events, call->delete_owed_ids [i],
                                                  team->account_id) == 0 && published;
    //  Each user's entry is the one before_delete wrote.
    if (published && call->n_delete_owed_ids > 0)
        resource_owed_published (call, "users", s_users_filter (team->account_id, call->delete_owed_ids,
                                                                call->n_delete_owed_ids),
                                 call->delete_owed_nonce);
    return 0;
}

//  The members' $set of a membership change: the team's members with user_id
//  added (or its admin flag set), or removed, and the next version.
//  *member says whether user_id was a member, *same whether adding changes
//  nothing; the size of the new list.
static size_t
s_members_update (const R5__Team *team, int64_t version, const R5__TeamMemberRequest *request, bool add,
                  bool *member, bool *same, bson_t *update)
{
    R5__TeamMember **members = r5_calloc (S_MAX_MEMBERS + 1, sizeof (R5__TeamMember *));
    R5__TeamMember *entries = r5_calloc (S_MAX_MEMBERS + 1, sizeof (R5__TeamMember));
    size_t n = 0;
    *member = *same = false;
    for (size_t i = 0; i < team->n_members && n < S_MAX_MEMBERS + 1; i++) {
        R5__TeamMember *entry = team->members [i];
        entries [n] = *entry;
        if (streq (entry->user_id, request->user_id)) {
            *member = true;
            if (!add)
                continue;
            *same = entry->team_admin == request->team_admin;
            entries [n].team_admin = request->team_admin;
        }
        members [n] = &entries [n];
        n++;
    }
    if (add && !*member && n < S_MAX_MEMBERS + 1) {
        r5__team_member__init (&entries [n]);
        entries [n].user_id = request->user_id;
        entries [n].team_admin = request->team_admin;
        members [n] = &entries [n];
        n++;
    }
    //  The members through the codec, as the team stores them.
    R5__Team changed = R5__TEAM__INIT;
    changed.members = members;
    changed.n_members = n;
    bson_t set;
    BSON_APPEND_DOCUMENT_BEGIN (update, "$set", &set);
    resource_bson_set_field (&changed.base, "members", &set);
    BSON_APPEND_INT64 (&set, "version", version + 1);
    bson_append_document_end (update, &set);
    free (members);
    free (entries);
    return n;
}

//  Whether a delete of the team of doc is under way (its mark is not stale).
static bool
s_being_deleted (const bson_t *doc, int64_t now)
{
    bson_iter_t iter;
    return bson_iter_init_find (&iter, doc, "deleting") && BSON_ITER_HOLDS_DATE_TIME (&iter)
        && bson_iter_date_time (&iter) >= now - RESOURCE_DELETE_MARK_MS;
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
    resource_object_t team, changed = { 0 };
    char *ids [1] = { request->user_id };
    if (resource_store_load (call, s_teams (), request->team_id, R5__VERB__VERB_MANAGE_MEMBERS, &team)
    ||  (add && resource_store_references (call, "users", ids, 1, "userId is not a user of this account")))
        goto cleanup;
    for (int attempt = 0; attempt < S_CAS_ATTEMPTS; attempt++) {
        bool member, same;
        bson_iter_t iter;
        int64_t version = bson_iter_init_find (&iter, team.doc, "version") && BSON_ITER_HOLDS_INT (&iter)
                        ? bson_iter_as_int64 (&iter) : 0;
        bson_t update = BSON_INITIALIZER;
        const R5__Team *current = (const R5__Team *) team.message;
        size_t n = s_members_update (current, version, request, add, &member, &same, &update);
        if ((!add && !member) || (add && member && same) || (add && !member && n > S_MAX_MEMBERS)) {
            bson_destroy (&update);
            if (!add && !member)
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "userId is not a member of this team");
            else
            if (add && member) {
                //  Already so, but this may be a resend of the change landing
                //  while the first copy still waits for its write concern:
                //  answered, like the change, only once the gateways dropped
                //  the user's verdicts (the confirm after the handler).
                resource_events_user_changed (call->events, request->user_id, current->account_id);
                resource_store_reply (call, s_teams (), &team);
            }
            else
                resource_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a team has at most 1000 members");
            goto cleanup;
        }
        //  The event it owes goes with the change, in the same write (resource_owed.h).
        int64_t at = r5_now_ms ();
        char nonce [25];
        resource_owed_append (&update, request->user_id, at, nonce);
        bson_t *filter = resource_bson_id_filter (current->id, call->principal->account_id);
        BSON_APPEND_INT64 (filter, "version", version);
        //  Not while a delete of the team is under way: it owes events to the
        //  members it read when it marked the team, and to no later one.
        resource_store_append_unmarked (filter, at);
        int rc = resource_store_modify (call, s_teams (), filter, &update, &changed);
        bson_destroy (filter);
        bson_destroy (&update);
        if (rc)
            goto cleanup;
        if (changed.doc) {
            const R5__Team *after = (const R5__Team *) changed.message;
            if (resource_events_user_changed (call->events, request->user_id, after->account_id) == 0)
                resource_owed_published (call, "teams", BCON_NEW ("_id", BCON_UTF8 (after->id)), nonce);
            resource_store_reply (call, s_teams (), &changed);
            goto cleanup;
        }
        //  Another change won, and it may have been the caller's own
        //  demotion: read the team and the caller's facts again and decide
        //  again on them before redoing ours on top.
        resource_object_clear (&team);
        resource_call_clear (call);
        call->facts_tried = false;
        call->facts_live = true;
        if (resource_store_load (call, s_teams (), request->team_id, R5__VERB__VERB_MANAGE_MEMBERS, &team))
            goto cleanup;
        if (s_being_deleted (team.doc, r5_now_ms ())) {
            resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the team is being deleted");
            goto cleanup;
        }
    }
    resource_call_fail (call, R5__STATUS__STATUS_CONFLICT, "the team changed meanwhile, try again");

cleanup:
    resource_object_clear (&team);
    resource_object_clear (&changed);
}

void
resource_teams_on_add_member (resource_call_t *call, const R5__ResourceRequest *request)
{
    s_change_member (call, request->add_team_member, true);
}

void
resource_teams_on_remove_member (resource_call_t *call, const R5__ResourceRequest *request)
{
    s_change_member (call, request->remove_team_member, false);
}
