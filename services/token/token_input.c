/*  token_input: validation of request fields and page cursors.  */
#include "token_input.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

//  Decode one UTF-8 sequence at text; returns its length (1..4) and the code
//  point, or 0 when the sequence is invalid (overlong, surrogate, > U+10FFFF).
static size_t
s_utf8_next (const unsigned char *text, uint32_t *code)
{
    unsigned char c = text [0];
    if (c < 0x80) {
        *code = c;
        return 1;
    }
    size_t length;
    uint32_t value, min;
    if ((c & 0xe0) == 0xc0) {
        length = 2; value = c & 0x1f; min = 0x80;
    }
    else
    if ((c & 0xf0) == 0xe0) {
        length = 3; value = c & 0x0f; min = 0x800;
    }
    else
    if ((c & 0xf8) == 0xf0) {
        length = 4; value = c & 0x07; min = 0x10000;
    }
    else
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((text [i] & 0xc0) != 0x80)
            return 0;           //  also stops at the NUL terminator
        value = (value << 6) | (text [i] & 0x3f);
    }
    if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *code = value;
    return length;
}

int
token_input_description (const char *text, char *error, size_t error_size)
{
    if (!text || !*text) {
        snprintf (error, error_size, "description must not be empty");
        return -1;
    }
    const unsigned char *cursor = (const unsigned char *) text;
    size_t chars = 0;
    bool visible = false;
    while (*cursor) {
        uint32_t code;
        size_t length = s_utf8_next (cursor, &code);
        if (length == 0) {
            snprintf (error, error_size, "description must be valid utf-8");
            return -1;
        }
        //  C0, DEL and C1 controls (newlines included): a description is one line.
        if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
            snprintf (error, error_size, "description must not contain control characters");
            return -1;
        }
        if (code != ' ')
            visible = true;
        cursor += length;
        if (++chars > TOKEN_DESCRIPTION_MAX_CHARS) {
            snprintf (error, error_size, "description must be at most %d characters",
                      TOKEN_DESCRIPTION_MAX_CHARS);
            return -1;
        }
    }
    if (!visible) {
        snprintf (error, error_size, "description must not be blank");
        return -1;
    }
    return 0;
}

int
token_input_scopes (const R5__Scope *scopes, size_t count, r5_scope_set_t *set,
                    char *error, size_t error_size)
{
    *set = 0;
    for (size_t i = 0; i < count; i++) {
        if ((int) scopes [i] < 1 || (int) scopes [i] > R5_SCOPE_COUNT) {
            snprintf (error, error_size, "unknown scope %d", (int) scopes [i]);
            return -1;
        }
        *set |= r5_scope_bit (scopes [i]);
    }
    return 0;
}

int
token_input_team_ids (char *const *ids, size_t n_ids, token_teams_t *teams, char *error, size_t error_size)
{
    char (*out) [TOKEN_ID_SIZE] = teams->ids;
    size_t *count = &teams->count;
    *count = 0;
    for (size_t i = 0; i < n_ids; i++) {
        if (!token_input_is_id (ids [i])) {
            snprintf (error, error_size, "teamIds must be team ids (24 lowercase hexadecimal characters)");
            return -1;
        }
        bool seen = false;
        for (size_t j = 0; j < *count && !seen; j++)
            seen = strcmp (out [j], ids [i]) == 0;
        if (seen)
            continue;
        if (*count == TOKEN_TEAMS_MAX) {
            snprintf (error, error_size, "a token can be restricted to at most %d teams", TOKEN_TEAMS_MAX);
            return -1;
        }
        snprintf (out [(*count)++], TOKEN_ID_SIZE, "%s", ids [i]);
    }
    return 0;
}

static bool
s_is_lower_hex (char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool
token_input_is_id (const char *id)
{
    if (!id)
        return false;
    size_t i = 0;
    for (; id [i]; i++)
        if (i >= TOKEN_ID_SIZE - 1 || !s_is_lower_hex (id [i]))
            return false;
    return i == TOKEN_ID_SIZE - 1;
}

bool
token_input_is_user_id (const char *id)
{
    if (!id || !*id)
        return false;
    size_t i = 0;
    for (; id [i]; i++) {
        char c = id [i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
               || c == '_' || c == '-';
        if (!ok || i >= TOKEN_USER_ID_MAX)
            return false;
    }
    return true;
}

//  Empty, or up to max printable ASCII characters without spaces.
static bool
s_is_key (const char *key, size_t max)
{
    if (!key)
        return false;
    size_t i = 0;
    for (; key [i]; i++)
        if (i >= max || key [i] <= 0x20 || key [i] >= 0x7f)
            return false;
    return true;
}

bool
token_input_is_idempotency_key (const char *key)
{
    return s_is_key (key, TOKEN_IDEMPOTENCY_KEY_MAX);
}

bool
token_input_is_change_key (const char *key)
{
    return s_is_key (key, TOKEN_CHANGE_KEY_MAX);
}

const char *
token_input_ip (const char *ip)
{
    if (!ip)
        return "";
    size_t i = 0;
    for (; ip [i]; i++) {
        char c = ip [i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
               || c == '.' || c == ':' || c == '%' || c == '-';
        if (!ok || i >= TOKEN_IP_MAX)
            return "";
    }
    return ip;
}

int
token_input_first (int32_t first)
{
    if (first == 0)
        return TOKEN_PAGE_DEFAULT;
    return first >= 1 && first <= TOKEN_PAGE_MAX ? first : -1;
}

void
token_cursor_format (int64_t created_at_ms, const char *id, char out [TOKEN_CURSOR_SIZE])
{
    snprintf (out, TOKEN_CURSOR_SIZE, "%016" PRIx64 "%.24s", (uint64_t) created_at_ms, id);
}

int
token_cursor_parse (const char *cursor, int64_t *created_at_ms, char id [TOKEN_ID_SIZE])
{
    if (!cursor || strlen (cursor) != TOKEN_CURSOR_SIZE - 1)
        return -1;
    uint64_t value = 0;
    for (int i = 0; i < 16; i++) {
        char c = cursor [i];
        if (!s_is_lower_hex (c))
            return -1;
        value = (value << 4) | (uint64_t) (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (value > INT64_MAX || !token_input_is_id (cursor + 16))
        return -1;
    *created_at_ms = (int64_t) value;
    memcpy (id, cursor + 16, TOKEN_ID_SIZE);
    return 0;
}

int
token_input_page (int32_t first, const char *after, int32_t last, const char *before, token_page_t *page,
                  const char **error)
{
    memset (page, 0, sizeof *page);
    if (first && last) {
        *error = "first and last cannot be given together";
        return -1;
    }
    page->backward = last != 0;
    page->size = token_input_first (page->backward ? last : first);
    if (page->size < 0) {
        *error = page->backward ? "last must be from 1 to 100" : "first must be from 1 to 100";
        return -1;
    }
    page->after = after && *after;
    page->before = before && *before;
    if ((page->after && token_cursor_parse (after, &page->after_at, page->after_id))
    ||  (page->before && token_cursor_parse (before, &page->before_at, page->before_id))) {
        *error = "invalid cursor";
        return -1;
    }
    return 0;
}
