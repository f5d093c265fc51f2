/*  gql_validate_suggest.c - the "Did you mean ...?" part of validation messages, as
    graphql-js writes it (jsutils/suggestionList, didYouMean, naturalCompare): options
    within a lexical distance of about 40% of the input's length, nearest first, at most
    five.
*/
#include "gql_validate_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define S_MAX_SUGGESTIONS 5

static unsigned char
s_lower (unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c - 'A' + 'a') : c;
}

static bool
s_is_digit (unsigned char c)
{
    return c >= '0' && c <= '9';
}

int
gqlv_natural_compare (gql_str_t a, gql_str_t b)
{
    size_t i = 0, j = 0;
    while (i < a.len && j < b.len) {
        unsigned char ca = (unsigned char) a.data [i], cb = (unsigned char) b.data [j];
        if (s_is_digit (ca) && s_is_digit (cb)) {
            /* graphql-js reads a number, stopping after a leading zero. */
            unsigned long long na = 0, nb = 0;
            do {
                na = na * 10 + (unsigned) (ca - '0');
                i++;
                ca = i < a.len ? (unsigned char) a.data [i] : 0;
            } while (s_is_digit (ca) && na > 0 && na < 100000000000000000ULL);
            do {
                nb = nb * 10 + (unsigned) (cb - '0');
                j++;
                cb = j < b.len ? (unsigned char) b.data [j] : 0;
            } while (s_is_digit (cb) && nb > 0 && nb < 100000000000000000ULL);
            if (na != nb)
                return na < nb ? -1 : 1;
        }
        else {
            if (ca != cb)
                return ca < cb ? -1 : 1;
            i++;
            j++;
        }
    }
    return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

/* graphql-js LexicalDistance.measure(): a Damerau-Levenshtein distance on lowercased
   text where a change of case alone counts 1; -1 when above `threshold`. `rows` has room
   for 3 * (shorter length + 1) entries. */
static long
s_distance (gql_str_t input, gql_str_t option, size_t threshold, size_t *rows)
{
    size_t i, j;
    if (gql_str_equal (input, option))
        return 0;
    bool same_lower = input.len == option.len;
    for (i = 0; same_lower && i < input.len; i++)
        same_lower = s_lower ((unsigned char) input.data [i]) == s_lower ((unsigned char) option.data [i]);
    if (same_lower)
        return 1;
    gql_str_t a = option, b = input;
    if (a.len < b.len) {
        a = input;
        b = option;
    }
    if (a.len - b.len > threshold)
        return -1;
    size_t w = b.len + 1;
    for (j = 0; j <= b.len; j++)
        rows [j] = j;
    for (i = 1; i <= a.len; i++) {
        size_t *up = rows + ((i - 1) % 3) * w, *cur = rows + (i % 3) * w;
        size_t smallest = cur [0] = i;
        unsigned char ai = s_lower ((unsigned char) a.data [i - 1]);
        for (j = 1; j <= b.len; j++) {
            unsigned char bj = s_lower ((unsigned char) b.data [j - 1]);
            size_t cost = ai == bj ? 0 : 1;
            size_t cell = up [j] + 1;
            if (cur [j - 1] + 1 < cell)
                cell = cur [j - 1] + 1;
            if (up [j - 1] + cost < cell)
                cell = up [j - 1] + cost;
            if (i > 1 && j > 1 && ai == s_lower ((unsigned char) b.data [j - 2])
                && s_lower ((unsigned char) a.data [i - 2]) == bj) {
                size_t dd = rows [((i - 2) % 3) * w + j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur [j] = cell;
        }
        if (smallest > threshold)
            return -1;
    }
    size_t d = rows [(a.len % 3) * w + b.len];
    return d <= threshold ? (long) d : -1;
}

typedef struct {
    gql_str_t name;
    long distance;
} s_candidate_t;

static void
s_sort_candidates (s_candidate_t *a, s_candidate_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    s_sort_candidates (a, tmp, h);
    s_sort_candidates (a + h, tmp, n - h);
    while (i < h && j < n) {
        int c = a [i].distance != a [j].distance ? (a [i].distance < a [j].distance ? -1 : 1)
                                                 : gqlv_natural_compare (a [i].name, a [j].name);
        tmp [k++] = c <= 0 ? a [i++] : a [j++];
    }
    while (i < h)
        tmp [k++] = a [i++];
    while (j < n)
        tmp [k++] = a [j++];
    memcpy (a, tmp, n * sizeof *a);
}

void
gqlv_did_you_mean_list (const gqlv_ctx_t *ctx, char *buf, size_t size, const char *sub, const gql_str_t *names,
                        size_t count)
{
    size_t i, len = 0, n = count < S_MAX_SUGGESTIONS ? count : S_MAX_SUGGESTIONS;
    int w;
    if (size)
        buf [0] = '\0';
    if (count == 0 || size == 0 || ctx->hide_suggestions)
        return;
    w = snprintf (buf, size, " Did you mean %s%s", sub ? sub : "", sub ? " " : "");
    if (w < 0 || (size_t) w >= size)
        return;
    len = (size_t) w;
    for (i = 0; i < n && len < size; i++) {
        const char *sep = i == 0 ? "" : (n == 2 ? " or " : (i + 1 == n ? ", or " : ", "));
        w = snprintf (buf + len, size - len, "%s\"%.*s\"", sep, (int) names [i].len, names [i].data);
        if (w < 0)
            return;
        len += (size_t) w;
    }
    if (len < size)
        snprintf (buf + len, size - len, "?");
}

void
gqlv_did_you_mean (gqlv_ctx_t *ctx, char *buf, size_t size, const char *sub, gql_str_t input,
                   const gql_str_t *options, size_t count)
{
    size_t i, n = 0, threshold = input.len * 2 / 5 + 1, maxlen = 0;
    if (size)
        buf [0] = '\0';
    if (count == 0 || ctx->hide_suggestions)
        return;
    for (i = 0; i < count; i++)
        if (options [i].len > maxlen)
            maxlen = options [i].len;
    /* A row holds the shorter of the two strings compared, plus one. */
    size_t shorter = input.len < maxlen ? input.len : maxlen;
    s_candidate_t *c = malloc (2 * count * sizeof *c);
    size_t *rows = malloc (3 * (shorter + 1) * sizeof *rows);
    gql_str_t *names = malloc (count * sizeof *names);
    if (c && rows && names) {
        for (i = 0; i < count; i++) {
            long d = s_distance (input, options [i], threshold, rows);
            if (d < 0)
                continue;
            /* graphql-js keys candidates by name: a repeated option counts once. */
            size_t k;
            for (k = 0; k < n && !gql_str_equal (c [k].name, options [i]); k++)
                ;
            if (k < n)
                continue;
            c [n].name = options [i];
            c [n].distance = d;
            n++;
        }
        s_sort_candidates (c, c + count, n);
        for (i = 0; i < n; i++)
            names [i] = c [i].name;
        gqlv_did_you_mean_list (ctx, buf, size, sub, names, n);
    }
    else
        ctx->oom = true;
    free (c);
    free (rows);
    free (names);
}
