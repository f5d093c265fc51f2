/*  gql_print.c - GraphQL text from type references and values.
 */
#include "gql_print.h"
#include "gql_arena.h"

#include <stdio.h>
#include <stdlib.h>

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
    gql_buf_t b = { 0 };
    /* Opening brackets outermost first, then the name, then closers innermost first. */
    for (uint32_t i = 0; i < ref.depth; i++)
        if (!((ref.wrap >> i) & 1u))
            gql_buf_str (&b, "[");
    if (ref.named)
        gql_buf_add (&b, ref.named->name.data, ref.named->name.len);
    for (uint32_t i = ref.depth; i-- > 0;)
        gql_buf_str (&b, ((ref.wrap >> i) & 1u) ? "!" : "]");
    size_t n = b.failed ? 0 : s_window (b.text ? b.text : "", b.len, buf, size);
    free (b.text);
    return n;
}

static void
s_type_node (gql_buf_t *b, const gql_type_node_t *node)
{
    switch (node->kind) {
        case GQL_TYPE_NODE_NAMED: gql_buf_add (b, node->name.data, node->name.len); break;
        case GQL_TYPE_NODE_LIST:
            gql_buf_str (b, "[");
            s_type_node (b, node->of_type);
            gql_buf_str (b, "]");
            break;
        case GQL_TYPE_NODE_NON_NULL:
            s_type_node (b, node->of_type);
            gql_buf_str (b, "!");
            break;
    }
}

size_t
gql_print_type_node (const gql_type_node_t *node, char *buf, size_t size)
{
    gql_buf_t b = { 0 };
    s_type_node (&b, node);
    size_t n = b.failed ? 0 : s_window (b.text ? b.text : "", b.len, buf, size);
    free (b.text);
    return n;
}

/* Writes a string value with the escapes GraphQL (and JSON) understand. */
static void
s_string (gql_buf_t *b, gql_str_t s)
{
    gql_buf_str (b, "\"");
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char) s.data [i];
        char esc [8];
        switch (c) {
            case '"': gql_buf_str (b, "\\\""); break;
            case '\\': gql_buf_str (b, "\\\\"); break;
            case '\n': gql_buf_str (b, "\\n"); break;
            case '\r': gql_buf_str (b, "\\r"); break;
            case '\t': gql_buf_str (b, "\\t"); break;
            case '\b': gql_buf_str (b, "\\b"); break;
            case '\f': gql_buf_str (b, "\\f"); break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    snprintf (esc, sizeof esc, "\\u%04X", c);
                    gql_buf_str (b, esc);
                }
                else {
                    gql_buf_add (b, (const char *) &s.data [i], 1);
                }
        }
    }
    gql_buf_str (b, "\"");
}

static void
s_value (gql_buf_t *b, const gql_value_t *v)
{
    switch (v->kind) {
        case GQL_VALUE_VARIABLE:
            gql_buf_str (b, "$");
            gql_buf_add (b, v->str.data, v->str.len);
            break;
        case GQL_VALUE_INT:
        case GQL_VALUE_FLOAT:
        case GQL_VALUE_ENUM: gql_buf_add (b, v->str.data, v->str.len); break;
        case GQL_VALUE_STRING: s_string (b, v->str); break;
        case GQL_VALUE_BOOLEAN: gql_buf_str (b, v->boolean ? "true" : "false"); break;
        case GQL_VALUE_NULL: gql_buf_str (b, "null"); break;
        case GQL_VALUE_LIST:
            gql_buf_str (b, "[");
            for (size_t i = 0; i < v->item_count; i++) {
                if (i)
                    gql_buf_str (b, ", ");
                s_value (b, v->items [i]);
            }
            gql_buf_str (b, "]");
            break;
        case GQL_VALUE_OBJECT:
            gql_buf_str (b, "{");
            for (size_t i = 0; i < v->field_count; i++) {
                if (i)
                    gql_buf_str (b, ", ");
                gql_buf_add (b, v->fields [i]->name.data, v->fields [i]->name.len);
                gql_buf_str (b, ": ");
                s_value (b, v->fields [i]->value);
            }
            gql_buf_str (b, "}");
            break;
    }
}

char *
gql_print_value (const gql_value_t *value)
{
    gql_buf_t b = { 0 };
    s_value (&b, value);
    gql_buf_add (&b, "", 0);
    if (b.failed) {
        free (b.text);
        return NULL;
    }
    return b.text;
}
