/*  token_leaks: leaked-token reports (a secret scanner through r5-gateway)
    and the notices they leave for owners.

    report_leaked has no principal: possession of a leaked value is not a
    right to anything but its revocation, and only the gateway role may ask
    (token_server.c), after checking the scanner's signature. Each value that
    passes the checksum is looked up once by its digest; a live personal
    access token is revoked exactly as a delete (token_call_retire), its
    audit entry "reported_leaked" carrying what the owner's notice shows. */
#include "token_call.h"
#include "token_pending.h"

#include <sodium.h>

#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_rpc.h"

//  Most values one report may carry (the gateway's bound too).
#define S_REPORT_MAX 1000

//  Text a scanner sent: at most max bytes of valid UTF-8 without control
//  characters. 0, or -1.
static int
s_check_text (const char *text, size_t max)
{
    size_t length = strlen (text);
    if (length > max || !bson_utf8_validate (text, length, false))
        return -1;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char) text [i] < 0x20 || text [i] == 0x7f)
            return -1;
    return 0;
}

//  One reported value: true when it was a live personal access token, now
//  revoked. A failure of the store answers the whole report (status set).
static bool
s_report_one (token_call_t *call, const R5__LeakedToken *leaked, size_t *looked_up)
{
    token_server_t *self = call->self;
    const char *value = leaked->value ? leaked->value : "";
    size_t length = strlen (value);
    //  The checksum refuses garbage with no lookup; sessions are not PATs.
    if (r5_token_check (value, length) != R5_TOKEN_PAT)
        return false;
    uint8_t digest [R5_TOKEN_DIGEST_SIZE];
    char digest_hex [TOKEN_DIGEST_HEX_SIZE];
    r5_token_digest (self->pepper, value, length, digest);
    token_store_digest_hex (digest, digest_hex);
    sodium_memzero (digest, sizeof digest);
    (*looked_up)++;
    token_record_t token;
    R5__Status status = token_store_find_by_digest (self->store, digest_hex, &token);
    if (status == R5__STATUS__STATUS_NOT_FOUND || (status == R5__STATUS__STATUS_OK && token.kind != TOKEN_KIND_PAT))
        return false;
    if (status != R5__STATUS__STATUS_OK) {
        token_call_fail_store (call, status, "cannot look up reported token", token_store_error (self->store));
        return false;
    }
    token_audit_record_t record;
    token_call_audit_token (TOKEN_NOTICE_AUDIT_TYPE, &token, &record);
    snprintf (record.reason, sizeof record.reason, "reported leaked at %s", leaked->url ? leaked->url : "");
    //  What the owner's notice shows (token_notices.h), carried by the entry.
    record.has_description_before = true;
    snprintf (record.description_before, sizeof record.description_before, "%s", token.description);
    bson_t audit = BSON_INITIALIZER;
    token_call_audit_document (call, &record, &audit);
    BSON_APPEND_UTF8 (&audit, "url", leaked->url ? leaked->url : "");
    BSON_APPEND_UTF8 (&audit, "source", leaked->source ? leaked->source : "");
    //  Only while the value is still the reported one: a regenerate or a
    //  delete in between wins, and the report found nothing live.
    status = token_call_retire (call, &token, digest_hex, &audit);
    bson_destroy (&audit);
    if (status == R5__STATUS__STATUS_OK) {
        r5_warn (call->rid, "token %s of user %s reported leaked: revoked", token.id, token.user_id);
        return true;
    }
    if (status != R5__STATUS__STATUS_NOT_FOUND && status != R5__STATUS__STATUS_CONFLICT)
        token_call_fail_store (call, status, "cannot revoke reported token", token_store_error (self->store));
    return false;
}

//  A scanner's report: per value, whether it was a live r5 token (revoked now).
void
token_on_report_leaked (token_call_t *call, const R5__ReportLeakedTokensRequest *report)
{
    if (report->n_tokens < 1 || report->n_tokens > S_REPORT_MAX) {
        token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT, "a report holds 1 to 1000 tokens");
        return;
    }
    //  Everything is checked before anything is looked up or changed.
    for (size_t i = 0; i < report->n_tokens; i++) {
        const R5__LeakedToken *leaked = report->tokens [i];
        if (s_check_text (leaked->url ? leaked->url : "", TOKEN_NOTICE_URL_MAX)
        ||  s_check_text (leaked->source ? leaked->source : "", TOKEN_NOTICE_SOURCE_MAX)) {
            token_call_fail (call, R5__STATUS__STATUS_BAD_INPUT,
                             "url must be at most 1024 and source at most 64 bytes of text without control characters");
            return;
        }
    }
    R5__LeakedTokenVerdicts *verdicts = (R5__LeakedTokenVerdicts *) r5_malloc (sizeof *verdicts);
    r5__leaked_token_verdicts__init (verdicts);
    verdicts->live = (protobuf_c_boolean *) r5_calloc (report->n_tokens, sizeof *verdicts->live);
    verdicts->n_live = report->n_tokens;
    call->reply->body_case = R5__TOKEN_REPLY__BODY_LEAKED;
    call->reply->leaked = verdicts;
    size_t looked_up = 0, live = 0;
    for (size_t i = 0; i < report->n_tokens && call->reply->status == R5__STATUS__STATUS_OK; i++) {
        verdicts->live [i] = s_report_one (call, report->tokens [i], &looked_up);
        live += verdicts->live [i] ? 1 : 0;
    }
    r5_info (call->rid, "leak report: %zu value(s), %zu looked up, %zu live and revoked",
             report->n_tokens, looked_up, live);
}

//  The signed-in user's notices, newest first.
void
token_on_list_notices (token_call_t *call, const R5__ListTokenNoticesRequest *list)
{
    (void) list;
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    if (!principal)
        return;
    //  A revocation still owing its notice (a crash, a failed write) is completed first.
    token_pending_complete (self, call->rid, NULL);
    token_notice_record_t *records = (token_notice_record_t *) r5_calloc (TOKEN_NOTICES_LIST_MAX, sizeof *records);
    size_t count = 0;
    R5__Status status = token_notices_list (self->notices, principal->user_id, principal->account_id,
                                            records, TOKEN_NOTICES_LIST_MAX, &count);
    if (status != R5__STATUS__STATUS_OK) {
        free (records);
        token_call_fail_store (call, status, "cannot list token notices", token_notices_error (self->notices));
        return;
    }
    R5__TokenNoticeList *reply = (R5__TokenNoticeList *) r5_malloc (sizeof *reply);
    r5__token_notice_list__init (reply);
    reply->notices = (R5__TokenNotice **) r5_calloc (count ? count : 1, sizeof (R5__TokenNotice *));
    for (size_t i = 0; i < count; i++) {
        R5__TokenNotice *notice = (R5__TokenNotice *) r5_malloc (sizeof *notice);
        r5__token_notice__init (notice);
        notice->id = token_call_dup (records [i].id);
        notice->token_id = token_call_dup (records [i].token_id);
        notice->hint = token_call_dup (records [i].hint);
        notice->description = token_call_dup (records [i].description);
        notice->url = token_call_dup (records [i].url);
        notice->source = token_call_dup (records [i].source);
        notice->reported_at_unix_ms = records [i].reported_at;
        reply->notices [reply->n_notices++] = notice;
    }
    free (records);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_NOTICES;
    call->reply->notices = reply;
}

//  Dismiss one of the signed-in user's notices.
void
token_on_dismiss_notice (token_call_t *call, const R5__DismissTokenNoticeRequest *dismiss)
{
    token_server_t *self = call->self;
    const R5__Principal *principal = token_call_principal (call);
    if (!principal || !token_call_check_id (call, dismiss->id))
        return;
    R5__Status status = token_notices_dismiss (self->notices, dismiss->id, principal->user_id,
                                               principal->account_id, call->now);
    if (status == R5__STATUS__STATUS_NOT_FOUND) {
        token_call_fail (call, status, R5_NOT_FOUND_MESSAGE);
        return;
    }
    if (status != R5__STATUS__STATUS_OK) {
        token_call_fail_store (call, status, "cannot dismiss token notice", token_notices_error (self->notices));
        return;
    }
    r5_info (call->rid, "token notice %s dismissed", dismiss->id);
    R5__TokenNotice *notice = (R5__TokenNotice *) r5_malloc (sizeof *notice);
    r5__token_notice__init (notice);
    notice->id = token_call_dup (dismiss->id);
    call->reply->body_case = R5__TOKEN_REPLY__BODY_NOTICE;
    call->reply->notice = notice;
}
