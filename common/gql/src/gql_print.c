/*  gql_print.c - GraphQL text from type references and values.
 */
#include "gql_print.h"
#include "gql_arena.h"

#include <stdio.h>
#include <stdlib.h>

/* Longest text printed: far past any document the parser accepts. */
#define GQL_PRINT_MAX ((size_t) 1 << 30)

/* A growable string; `failed` is sticky so callers check once at the end. */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    bool failed;
} s_buf_t;

static void
s_put (s_buf_t *b, const char *data, size_t n)
{
    /* The bound also lets the compiler see that cap cannot overflow. */
    if (b->failed || n > GQL_PRINT_MAX - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n + 1 > b->cap && gql_grow (&b->buf, &b->cap, b->len + n + 1, 1, 64) < 0) {
        b->failed = true;
        return;
    }
    memcpy (b->buf + b->len, data, n);
    b->len += n;
    b->buf [b->len] = '\0';
}

static void
s_puts (s_buf_t *b, const char *s)
{
    s_put (b, s, strlen (s));
}

/* Copies `text` into the snprintf-style window buf[0, size). */
static size_t
s_window (const char *text, size_t n, char *buf, size_t size)
{
    if (size > 0) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy (buf, text, k);
        buf [k] = '\0';
    }
    return n;
}

size_t
gql_print_type_ref (gql_type_ref_t ref, char *buf, size_t size)
{
    s_buf_t b = { 0 };
    /* Opening brackets outermost first, then the name, then closers innermost first. */
    for (uint32_t i = 0; i < ref.depth; i++)
        if (!((ref.wrap >> i) & 1u))
            s_puts (&b, "[");
    if (ref.named)
        s_put (&b, ref.named->name.data, ref.named->name.len);
    for (uint32_t i = ref.depth; i-- > 0;)
        s_puts (&b, ((ref.wrap >> i) & 1u) ? "!" : "]");
    size_t n = b.failed ? 0 : s_window (b.buf ? b.buf : "", b.len, buf, size);
    free (b.buf);
    return n;
}

static void
s_type_node (s_buf_t *b, const gql_type_node_t *node)
{
    switch (node->kind) {
        case GQL_TYPE_NODE_NAMED: s_put (b, node->name.data, node->name.len); break;
        case GQL_TYPE_NODE_LIST:
            s_puts (b, "[");
            s_type_node (b, node->of_type);
            s_puts (b, "]");
            break;
        case GQL_TYPE_NODE_NON_NULL:
            s_type_node (b, node->of_type);
            s_puts (b, "!");
            break;
    }
}

size_t
gql_print_type_node (const gql_type_node_t *node, char *buf, size_t size)
{
    s_buf_t b = { 0 };
    s_type_node (&b, node);
    size_t n = b.failed ? 0 : s_window (b.buf ? b.buf : "", b.len, buf, size);
    free (b.buf);
    return n;
}

/* Writes a string value with the escapes GraphQL (and JSON) understand. */
static void
s_string (s_buf_t *b, gql_str_t s)
{
    s_puts (b, "\"");
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char) s.data [i];
        char esc [8];
        switch (c) {
            case '"': s_puts (b, "\\\""); break;
            case '\\': s_puts (b, "\\\\"); break;
            case '\n': s_puts (b, "\\n"); break;
            case '\r': s_puts (b, "\\r"); break;
            case '\t': s_puts (b, "\\t"); break;
            case '\b': s_puts (b, "\\b"); break;
            case '\f': s_puts (b, "\\f"); break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    snprintf (esc, sizeof esc, "\\u%04X", c);
                    s_puts (b, esc);
                }
                else {
                    s_put (b, (const char *) &s.data [i], 1);
                }
        }
    }
    s_puts (b, "\"");
}

static void
s_value (s_buf_t *b, const gql_value_t *v)
{
    switch (v->kind) {
        case GQL_VALUE_VARIABLE:
            s_puts (b, "$");
            s_put (b, v->str.data, v->str.len);
            break;
        case GQL_VALUE_INT:
        case GQL_VALUE_FLOAT:
        case GQL_VALUE_ENUM: s_put (b, v->str.data, v->str.len); break;
        case GQL_VALUE_STRING: s_string (b, v->str); break;
        case GQL_VALUE_BOOLEAN: s_puts (b, v->boolean ? "true" : "false"); break;
        case GQL_VALUE_NULL: s_puts (b, "null"); break;
        case GQL_VALUE_LIST:
            s_puts (b, "[");
            for (size_t i = 0; i < v->item_count; i++) {
                if (i)
                    s_puts (b, ", ");
                s_value (b, v->items [i]);
            }
            s_puts (b, "]");
            break;
        case GQL_VALUE_OBJECT:
            s_puts (b, "{");
            for (size_t i = 0; i < v->field_count; i++) {
                if (i)
                    s_puts (b, ", ");
                s_put (b, v->fields [i]->name.data, v->fields [i]->name.len);
                s_puts (b, ": ");
                s_value (b, v->fields [i]->value);
            }
            s_puts (b, "}");
            break;
    }
}

char *
gql_print_value (const gql_value_t *value)
{
    s_buf_t b = { 0 };
    s_value (&b, value);
    s_put (&b, "", 0);
    if (b.failed) {
        free (b.buf);
        return NULL;
    }
    return b.buf;
}
