/*  gql_introspection.c - the introspection objects of a schema (see gql_introspection.h).

    Every shown named type becomes one __Type JSON object, shared by every reference to it
    (field types, interfaces, possible types, ofType chains), so the objects form cycles
    (a type whose field returns the type itself). gql_introspection_destroy() breaks them
    by clearing every named type object before releasing it.
*/
#include "gql_introspection.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql_arena.h"
#include "gql_coerce.h"

/* Lists that includeDeprecated filters are stored twice: under the field's name with every
   element, and under this character + the name without the deprecated ones (no GraphQL
   name contains a space, so no query can read it by accident). */
#define S_ACTIVE_PREFIX ' '

struct gql_introspection {
    const gql_schema_t *schema;
    json_t *schema_obj; /* __Schema */
    json_t *types;      /* name -> __Type of every shown named type */
};

/* ---------------------------------------------------------------------------------------
 *  Small helpers
 * ------------------------------------------------------------------------------------- */

bool
gql_introspection_is_meta_type (const gql_type_t *t)
{
    return t && t->builtin && t->name.len >= 2 && t->name.data [0] == '_' && t->name.data [1] == '_';
}

/* A slice as a JSON string, or JSON null when absent. */
static json_t *
s_str_or_null (gql_str_t s)
{
    json_t *v;
    if (!s.data)
        return json_null ();
    v = json_stringn (s.data, s.len);
    return v ? v : json_null ();
}

/* ---------------------------------------------------------------------------------------
 *  Printing default values (graphql-js print(astFromValue(value, type)))
 * ------------------------------------------------------------------------------------- */

/* Writes `d` as ECMAScript's Number::toString does (shortest round-trip digits). */
static void
s_js_number (double d, char *out, size_t size)
{
    char tmp [40];
    char digits [40];
    int k = 0;
    int n;
    int exp10 = 0;
    int p;
    const char *sign = "";
    char *e;

    if (d == 0.0 || !isfinite (d)) {
        snprintf (out, size, "%s", d == 0.0 ? "0" : (isnan (d) ? "NaN" : "Infinity"));
        return;
    }
    if (d < 0) {
        sign = "-";
        d = -d;
    }
    for (p = 1; p <= 17; p++) {
        snprintf (tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod (tmp, NULL) == d)
            break;
    }
    /* tmp is "D.DDDDe[+-]XX": collect the digits and the exponent. */
    for (const char *c = tmp; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9')
            digits [k++] = *c;
    digits [k] = '\0';
    e = strchr (tmp, 'e');
    if (e)
        exp10 = atoi (e + 1);
    while (k > 1 && digits [k - 1] == '0')
        digits [--k] = '\0';
    n = exp10 + 1;
    if (k <= n && n <= 21) {
        snprintf (out, size, "%s%s%.*s", sign, digits, n - k, "000000000000000000000");
    }
    else if (0 < n && n <= 21) {
        snprintf (out, size, "%s%.*s.%s", sign, n, digits, digits + n);
    }
    else if (-6 < n && n <= 0) {
        snprintf (out, size, "%s0.%.*s%s", sign, -n, "000000", digits);
    }
    else {
        int ex = n - 1;
        if (k > 1)
            snprintf (out, size, "%s%c.%se%c%d", sign, digits [0], digits + 1, ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
        else
            snprintf (out, size, "%s%ce%c%d", sign, digits [0], ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    }
}

/* Writes a string as a GraphQL StringValue (graphql-js printString). */
static void
s_print_string (gql_buf_t *b, const char *s, size_t len)
{
    static const char hex [] = "0123456789ABCDEF";
    gql_buf_add (b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s [i];
        char esc [8];
        if (c == '"') {
            gql_buf_add (b, "\\\"", 2);
        }
        else if (c == '\\') {
            gql_buf_add (b, "\\\\", 2);
        }
        else if (c == '\b') {
            gql_buf_add (b, "\\b", 2);
        }
        else if (c == '\t') {
            gql_buf_add (b, "\\t", 2);
        }
        else if (c == '\n') {
            gql_buf_add (b, "\\n", 2);
        }
        else if (c == '\f') {
            gql_buf_add (b, "\\f", 2);
        }
        else if (c == '\r') {
            gql_buf_add (b, "\\r", 2);
        }
        else if (c < 0x20 || c == 0x7f) {
            snprintf (esc, sizeof esc, "\\u00%c%c", hex [c >> 4], hex [c & 15]);
            gql_buf_add (b, esc, 6);
        }
        else if (c == 0xC2 && i + 1 < len && (unsigned char) s [i + 1] >= 0x80 && (unsigned char) s [i + 1] <= 0x9F) {
            /* U+0080..U+009F, the C1 controls. */
            unsigned char c1 = (unsigned char) s [i + 1];
            snprintf (esc, sizeof esc, "\\u00%c%c", hex [c1 >> 4], hex [c1 & 15]);
            gql_buf_add (b, esc, 6);
            i++;
        }
        else {
            gql_buf_add (b, (const char *) &s [i], 1);
        }
    }
    gql_buf_add (b, "\"", 1);
}

/* True when the string is /^-?(?:0|[1-9][0-9]*)$/. */
static bool
s_is_integer_text (const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s [i] == '-')
        i++;
    if (i >= len)
        return false;
    if (s [i] == '0')
        return i + 1 == len;
    for (; i < len; i++)
        if (s [i] < '0' || s [i] > '9')
            return false;
    return true;
}

/* Prints a JSON value with no type (a custom scalar's object or list). */
static void
s_print_untyped (gql_buf_t *b, json_t *v)
{
    char num [64];
    if (json_is_null (v)) {
        gql_buf_str (b, "null");
    }
    else if (json_is_boolean (v)) {
        gql_buf_str (b, json_is_true (v) ? "true" : "false");
    }
    else if (json_is_integer (v)) {
        snprintf (num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
        gql_buf_str (b, num);
    }
    else if (json_is_real (v)) {
        s_js_number (json_real_value (v), num, sizeof num);
        gql_buf_str (b, num);
    }
    else if (json_is_string (v)) {
        s_print_string (b, json_string_value (v), json_string_length (v));
    }
    else if (json_is_array (v)) {
        gql_buf_str (b, "[");
        for (size_t i = 0; i < json_array_size (v); i++) {
            if (i)
                gql_buf_str (b, ", ");
            s_print_untyped (b, json_array_get (v, i));
        }
        gql_buf_str (b, "]");
    }
    else if (json_is_object (v)) {
        const char *k;
        json_t *x;
        bool first = true;
        gql_buf_str (b, "{");
        json_object_foreach (v, k, x)
        {
            if (!first)
                gql_buf_str (b, ", ");
            first = false;
            gql_buf_str (b, k);
            gql_buf_str (b, ": ");
            s_print_untyped (b, x);
        }
        gql_buf_str (b, "}");
    }
}

/* Prints the coerced value `v` of `type`. Returns false when astFromValue would give
   nothing (null for a non-null type), writing nothing. */
static bool
s_print_typed (gql_buf_t *b, json_t *v, gql_type_ref_t type)
{
    if (gql_type_ref_is_non_null (type)) {
        if (!v || json_is_null (v))
            return false;
        return s_print_typed (b, v, gql_type_ref_of (type));
    }
    if (!v)
        return false;
    if (json_is_null (v)) {
        gql_buf_str (b, "null");
        return true;
    }
    if (gql_type_ref_kind (type) == GQL_REF_LIST) {
        gql_type_ref_t item = gql_type_ref_of (type);
        bool first = true;
        if (!json_is_array (v))
            return s_print_typed (b, v, item);
        gql_buf_str (b, "[");
        for (size_t i = 0; i < json_array_size (v); i++) {
            gql_buf_t one = { 0 };
            if (s_print_typed (&one, json_array_get (v, i), item) && one.text) {
                if (!first)
                    gql_buf_str (b, ", ");
                first = false;
                gql_buf_str (b, one.text);
            }
            if (one.failed)
                b->failed = true;
            free (one.text);
        }
        gql_buf_str (b, "]");
        return true;
    }
    switch (type.named->kind) {
        case GQL_KIND_INPUT_OBJECT: {
            const gql_type_t *t = type.named;
            bool first = true;
            if (!json_is_object (v)) {
                s_print_untyped (b, v);
                return true;
            }
            gql_buf_str (b, "{");
            for (size_t i = 0; i < t->input_field_count; i++) {
                const gql_input_value_t *f = &t->input_fields [i];
                json_t *fv = json_object_getn (v, f->name.data, f->name.len);
                gql_buf_t one = { 0 };
                if (!fv)
                    continue;
                if (s_print_typed (&one, fv, f->type) && one.text) {
                    if (!first)
                        gql_buf_str (b, ", ");
                    first = false;
                    gql_buf_add (b, f->name.data, f->name.len);
                    gql_buf_str (b, ": ");
                    gql_buf_str (b, one.text);
                }
                if (one.failed)
                    b->failed = true;
                free (one.text);
            }
            gql_buf_str (b, "}");
            return true;
        }
        case GQL_KIND_ENUM:
            if (json_is_string (v)) {
                gql_buf_add (b, json_string_value (v), json_string_length (v));
                return true;
            }
            s_print_untyped (b, v);
            return true;
        default: break;
    }
    /* A scalar prints as it would untyped, but for an ID holding an integer's text. */
    bool is_id = type.named->builtin && gql_str_eq (type.named->name, "ID");
    if (is_id && json_is_string (v) && s_is_integer_text (json_string_value (v), json_string_length (v)))
        gql_buf_add (b, json_string_value (v), json_string_length (v));
    else
        s_print_untyped (b, v);
    return true;
}

char *
gql_introspection_print_default (const gql_value_t *value, gql_type_ref_t type)
{
    json_t *coerced = NULL;
    gql_coerce_error_t err;
    gql_buf_t b = { 0 };
    if (!value)
        return NULL;
    if (gql_coerce_literal (value, type, NULL, &coerced, &err) <= 0)
        return NULL;
    if (!s_print_typed (&b, coerced, type) || b.failed) {
        free (b.text);
        b.text = NULL;
    }
    json_decref (coerced);
    return b.text;
}

/* ---------------------------------------------------------------------------------------
 *  Type order (graphql-js GraphQLSchema constructor, collectReferencedTypes)
 * ------------------------------------------------------------------------------------- */

typedef struct {
    long *seq; /* by gql_type_t.index: insertion sequence, -1 when not in the set */
    long counter;
} s_order_t;

/* collectReferencedTypes: adds `t` then what it references, depth first. */
static void
s_collect_type (s_order_t *o, const gql_type_t *t)
{
    if (!t || o->seq [t->index] >= 0)
        return;
    o->seq [t->index] = o->counter++;
    switch (t->kind) {
        case GQL_KIND_UNION:
            for (size_t i = 0; i < t->possible_type_count; i++)
                s_collect_type (o, t->possible_types [i]);
            break;
        case GQL_KIND_OBJECT:
        case GQL_KIND_INTERFACE:
            for (size_t i = 0; i < t->interface_count; i++)
                s_collect_type (o, t->interfaces [i]);
            for (size_t i = 0; i < t->field_count; i++) {
                s_collect_type (o, t->fields [i].type.named);
                for (size_t a = 0; a < t->fields [i].arg_count; a++)
                    s_collect_type (o, t->fields [i].args [a].type.named);
            }
            break;
        case GQL_KIND_INPUT_OBJECT:
            for (size_t i = 0; i < t->input_field_count; i++)
                s_collect_type (o, t->input_fields [i].type.named);
            break;
        default: break;
    }
}

/* graphql-js's order of the built-in directives, after the SDL's. */
static const char *const s_builtin_directives [] = { "include", "skip", "deprecated", "specifiedBy", "oneOf" };

/* Fills `out` with the directives in graphql-js order; returns their number. */
static size_t
s_directive_order (const gql_schema_t *s, const gql_schema_directive_t **out, size_t max)
{
    size_t count = 0;
    size_t n = 0;
    const gql_schema_directive_t *const *all = gql_schema_directives (s, &count);
    for (size_t i = 0; i < count && n < max; i++)
        if (!all [i]->builtin)
            out [n++] = all [i];
    for (size_t k = 0; k < sizeof s_builtin_directives / sizeof *s_builtin_directives; k++) {
        for (size_t i = 0; i < count && n < max; i++)
            if (all [i]->builtin && gql_str_eq (all [i]->name, s_builtin_directives [k]))
                out [n++] = all [i];
    }
    /* Any other built-in directive the schema may grow goes last. */
    for (size_t i = 0; i < count && n < max; i++) {
        bool listed = false;
        if (!all [i]->builtin)
            continue;
        for (size_t k = 0; k < sizeof s_builtin_directives / sizeof *s_builtin_directives; k++)
            listed = listed || gql_str_eq (all [i]->name, s_builtin_directives [k]);
        if (!listed)
            out [n++] = all [i];
    }
    return n;
}

/* ---------------------------------------------------------------------------------------
 *  Building the objects
 * ------------------------------------------------------------------------------------- */

typedef struct {
    gql_introspection_t *in;
    bool failed;
} s_build_t;

/* Sets o[key] to `v` (stolen); a failure (a NULL `v` included) marks the build failed. */
static void
s_set (s_build_t *b, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new (o, key, v) != 0)
        b->failed = true;
}

/* Appends `v` (stolen) to `arr`, likewise. */
static void
s_append (s_build_t *b, json_t *arr, json_t *v)
{
    if (json_array_append_new (arr, v) != 0)
        b->failed = true;
}

/* Returns the shown __Type of a named type (borrowed). */
static json_t *
s_named (s_build_t *b, const gql_type_t *t)
{
    json_t *v = json_object_getn (b->in->types, t->name.data, t->name.len);
    if (!v)
        b->failed = true;
    return v;
}

/* Returns a new __Type for a type reference: wrappers around the shared named object. */
static json_t *
s_type_ref (s_build_t *b, gql_type_ref_t ref)
{
    json_t *inner = s_named (b, ref.named);
    if (!inner)
        return json_null ();
    json_incref (inner);
    /* Bit 0 is the outermost wrapper: build from the innermost (bit depth-1) out. */
    for (uint32_t i = ref.depth; i-- > 0;) {
        json_t *w =
            json_pack ("{s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:o,s:n}", "kind",
                       ((ref.wrap >> i) & 1u) ? "NON_NULL" : "LIST", "name", "description", "specifiedByURL", "fields",
                       "interfaces", "possibleTypes", "enumValues", "inputFields", "ofType", inner, "isOneOf");
        if (!w) {
            b->failed = true;
            return json_null ();
        }
        inner = w;
    }
    return inner;
}

/* Sets o[name] to `list` (stolen; JSON null when NULL) and o[" " name] to the same list
   without its deprecated elements (see S_ACTIVE_PREFIX). */
static void
s_set_filtered (s_build_t *b, json_t *o, const char *name, json_t *list)
{
    char key [64];
    json_t *active = json_null ();
    snprintf (key, sizeof key, "%c%s", S_ACTIVE_PREFIX, name);
    if (list && json_is_array (list)) {
        active = json_array ();
        for (size_t i = 0; active && i < json_array_size (list); i++) {
            json_t *item = json_array_get (list, i);
            if (!json_is_true (json_object_get (item, "isDeprecated")) && json_array_append (active, item) != 0)
                b->failed = true;
        }
        if (!active) {
            b->failed = true;
            active = json_null ();
        }
    }
    s_set (b, o, name, list ? list : json_null ());
    s_set (b, o, key, active);
}

/* Returns the deprecationReason of an element. */
static json_t *
s_deprecation (bool deprecated, gql_str_t reason)
{
    if (!deprecated)
        return json_null ();
    if (!reason.data)
        return json_string ("No longer supported");
    return s_str_or_null (reason);
}

/* Returns a new __InputValue. */
static json_t *
s_input_value (s_build_t *b, const gql_input_value_t *iv)
{
    char *def = gql_introspection_print_default (iv->default_value, iv->type);
    json_t *o = json_object ();
    if (!o) {
        free (def);
        b->failed = true;
        return json_null ();
    }
    s_set (b, o, "name", s_str_or_null (iv->name));
    s_set (b, o, "description", s_str_or_null (iv->description));
    s_set (b, o, "type", s_type_ref (b, iv->type));
    s_set (b, o, "defaultValue", def ? json_string (def) : json_null ());
    s_set (b, o, "isDeprecated", json_boolean (iv->deprecated));
    s_set (b, o, "deprecationReason", s_deprecation (iv->deprecated, iv->deprecation_reason));
    free (def);
    return o;
}

/* Returns a new array of __InputValue. */
static json_t *
s_input_values (s_build_t *b, const gql_input_value_t *ivs, size_t count)
{
    json_t *arr = json_array ();
    if (!arr) {
        b->failed = true;
        return json_null ();
    }
    for (size_t i = 0; i < count; i++)
        s_append (b, arr, s_input_value (b, &ivs [i]));
    return arr;
}

/* Fills the shared __Type object of a named type. */
static void
s_fill_type (s_build_t *b, const gql_type_t *t, json_t *o, const long *seq)
{
    json_t *fields = json_null ();
    json_t *interfaces = json_null ();
    json_t *possible = json_null ();
    json_t *enums = json_null ();
    json_t *inputs = json_null ();

    if (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE) {
        fields = json_array ();
        interfaces = json_array ();
        for (size_t i = 0; fields && i < t->field_count; i++) {
            const gql_field_t *f = &t->fields [i];
            json_t *fo = json_object ();
            if (!fo) {
                b->failed = true;
                break;
            }
            s_set (b, fo, "name", s_str_or_null (f->name));
            s_set (b, fo, "description", s_str_or_null (f->description));
            s_set_filtered (b, fo, "args", s_input_values (b, f->args, f->arg_count));
            s_set (b, fo, "type", s_type_ref (b, f->type));
            s_set (b, fo, "isDeprecated", json_boolean (f->deprecated));
            s_set (b, fo, "deprecationReason", s_deprecation (f->deprecated, f->deprecation_reason));
            s_append (b, fields, fo);
        }
        for (size_t i = 0; interfaces && i < t->interface_count; i++) {
            json_t *x = s_named (b, t->interfaces [i]);
            if (x && json_array_append (interfaces, x) != 0)
                b->failed = true;
        }
    }
    if (t->kind == GQL_KIND_UNION || t->kind == GQL_KIND_INTERFACE) {
        const gql_type_t **sorted = calloc (t->possible_type_count + 1, sizeof *sorted);
        size_t n = t->possible_type_count;
        possible = json_array ();
        if (!sorted || !possible) {
            b->failed = true;
        }
        else {
            memcpy (sorted, t->possible_types, n * sizeof *sorted);
            /* An interface's implementations come in schema type order (graphql-js
               builds them while walking its type map); a union's in declared order. */
            if (t->kind == GQL_KIND_INTERFACE) {
                for (size_t i = 1; i < n; i++) {
                    const gql_type_t *x = sorted [i];
                    size_t j = i;
                    while (j > 0 && seq [sorted [j - 1]->index] > seq [x->index]) {
                        sorted [j] = sorted [j - 1];
                        j--;
                    }
                    sorted [j] = x;
                }
            }
            for (size_t i = 0; i < n; i++) {
                json_t *x = s_named (b, sorted [i]);
                if (x && json_array_append (possible, x) != 0)
                    b->failed = true;
            }
        }
        free (sorted);
    }
    if (t->kind == GQL_KIND_ENUM) {
        enums = json_array ();
        for (size_t i = 0; enums && i < t->enum_value_count; i++) {
            const gql_enum_value_t *ev = &t->enum_values [i];
            s_append (b, enums, json_pack ("{s:o,s:o,s:b,s:o}", "name", s_str_or_null (ev->name),
                                                     "description", s_str_or_null (ev->description), "isDeprecated",
                                                     (int) ev->deprecated, "deprecationReason",
                                                     s_deprecation (ev->deprecated, ev->deprecation_reason)));
        }
    }
    if (t->kind == GQL_KIND_INPUT_OBJECT)
        inputs = s_input_values (b, t->input_fields, t->input_field_count);

    if (!fields || !interfaces || !possible || !enums || !inputs)
        b->failed = true;
    s_set (b, o, "name", s_str_or_null (t->name));
    s_set (b, o, "description", s_str_or_null (t->description));
    s_set (b, o, "specifiedByURL", s_str_or_null (t->specified_by_url));
    s_set_filtered (b, o, "fields", fields);
    s_set (b, o, "interfaces", interfaces ? interfaces : json_null ());
    s_set (b, o, "possibleTypes", possible ? possible : json_null ());
    s_set_filtered (b, o, "enumValues", enums);
    s_set_filtered (b, o, "inputFields", inputs);
    s_set (b, o, "ofType", json_null ());
    /* graphql-js 16.9: a Boolean for input objects, null for every other kind. */
    s_set (b, o, "isOneOf", t->kind == GQL_KIND_INPUT_OBJECT ? json_boolean (t->one_of) : json_null ());
}

/* graphql-js's order of @deprecated's locations (a bit mask keeps no order). */
static const gql_directive_location_t s_deprecated_locations [] = { GQL_DIRLOC_FIELD_DEFINITION,
                                                                    GQL_DIRLOC_ARGUMENT_DEFINITION,
                                                                    GQL_DIRLOC_INPUT_FIELD_DEFINITION,
                                                                    GQL_DIRLOC_ENUM_VALUE };

/* Returns a new __Directive. */
static json_t *
s_directive (s_build_t *b, const gql_schema_directive_t *d)
{
    json_t *locs = json_array ();
    json_t *o;
    if (!locs) {
        b->failed = true;
        return json_null ();
    }
    if (d->builtin && gql_str_eq (d->name, "deprecated")
        && d->locations
               == (GQL_DIRLOC_BIT (GQL_DIRLOC_FIELD_DEFINITION) | GQL_DIRLOC_BIT (GQL_DIRLOC_ARGUMENT_DEFINITION)
                   | GQL_DIRLOC_BIT (GQL_DIRLOC_INPUT_FIELD_DEFINITION) | GQL_DIRLOC_BIT (GQL_DIRLOC_ENUM_VALUE))) {
        for (size_t i = 0; i < sizeof s_deprecated_locations / sizeof *s_deprecated_locations; i++)
            s_append (b, locs, json_string (gql_directive_location_name (s_deprecated_locations [i])));
    }
    else {
        for (int l = 0; l < GQL_DIRLOC_COUNT_; l++)
            if (d->locations & GQL_DIRLOC_BIT (l))
                s_append (b, locs, json_string (gql_directive_location_name ((gql_directive_location_t) l)));
    }
    o = json_object ();
    if (!o) {
        json_decref (locs);
        b->failed = true;
        return json_null ();
    }
    s_set (b, o, "name", s_str_or_null (d->name));
    s_set (b, o, "description", s_str_or_null (d->description));
    s_set (b, o, "isRepeatable", json_boolean (d->repeatable));
    s_set (b, o, "locations", locs);
    s_set_filtered (b, o, "args", s_input_values (b, d->args, d->arg_count));
    return o;
}

gql_introspection_t *
gql_introspection_new (const gql_schema_t *schema)
{
    size_t count = 0;
    const gql_type_t *const *all = gql_schema_types (schema, &count);
    const gql_type_t **order = NULL;
    const gql_schema_directive_t **dirs = NULL;
    size_t ndirs = 0;
    size_t nshown = 0;
    size_t dcount = 0;
    s_order_t o = { NULL, 0 };
    s_build_t b = { NULL, false };
    json_t *types_arr = NULL;
    json_t *dirs_arr = NULL;

    b.in = calloc (1, sizeof *b.in);
    if (!b.in)
        return NULL;
    b.in->schema = schema;
    b.in->types = json_object ();
    o.seq = malloc ((count + 1) * sizeof *o.seq);
    order = calloc (count + 1, sizeof *order);
    gql_schema_directives (schema, &dcount);
    dirs = calloc (dcount + 1, sizeof *dirs);
    if (!b.in->types || !o.seq || !order || !dirs)
        goto fail;

    /* The type order: see the header. */
    for (size_t i = 0; i < count; i++)
        o.seq [i] = -1;
    for (size_t i = 0; i < count; i++)
        if (!all [i]->builtin)
            o.seq [all [i]->index] = o.counter++;
    for (size_t i = 0; i < count; i++) {
        if (all [i]->builtin)
            continue;
        o.seq [all [i]->index] = -1;
        s_collect_type (&o, all [i]);
    }
    s_collect_type (&o, gql_schema_query_type (schema));
    s_collect_type (&o, gql_schema_mutation_type (schema));
    s_collect_type (&o, gql_schema_subscription_type (schema));
    ndirs = s_directive_order (schema, dirs, dcount);
    for (size_t i = 0; i < ndirs; i++)
        for (size_t a = 0; a < dirs [i]->arg_count; a++)
            s_collect_type (&o, dirs [i]->args [a].type.named);
    s_collect_type (&o, gql_schema_type (schema, "__Schema", 8));
    for (size_t i = 0; i < count; i++)
        if (o.seq [all [i]->index] >= 0)
            order [nshown++] = all [i];
    for (size_t i = 1; i < nshown; i++) {
        const gql_type_t *x = order [i];
        size_t j = i;
        while (j > 0 && o.seq [order [j - 1]->index] > o.seq [x->index]) {
            order [j] = order [j - 1];
            j--;
        }
        order [j] = x;
    }

    /* Named objects first (they reference each other), then their contents. */
    for (size_t i = 0; i < nshown; i++) {
        json_t *t = json_pack ("{s:s}", "kind", gql_type_kind_name (order [i]->kind));
        if (!t || json_object_setn_new (b.in->types, order [i]->name.data, order [i]->name.len, t) != 0)
            goto fail;
    }
    types_arr = json_array ();
    if (!types_arr)
        goto fail;
    for (size_t i = 0; i < nshown; i++) {
        json_t *t = s_named (&b, order [i]);
        if (!t)
            goto fail;
        s_fill_type (&b, order [i], t, o.seq);
        if (json_array_append (types_arr, t) != 0)
            goto fail;
    }
    dirs_arr = json_array ();
    if (!dirs_arr)
        goto fail;
    for (size_t i = 0; i < ndirs; i++)
        s_append (&b, dirs_arr, s_directive (&b, dirs [i]));

    {
        const gql_type_t *q = gql_schema_query_type (schema);
        const gql_type_t *m = gql_schema_mutation_type (schema);
        const gql_type_t *s = gql_schema_subscription_type (schema);
        json_t *qo = q ? s_named (&b, q) : NULL;
        json_t *mo = m ? s_named (&b, m) : NULL;
        json_t *so = s ? s_named (&b, s) : NULL;
        b.in->schema_obj =
            json_pack ("{s:o,s:o,s:O,s:O,s:O,s:o}", "description", s_str_or_null (gql_schema_description (schema)),
                       "types", types_arr, "queryType", qo ? qo : json_null (), "mutationType", mo ? mo : json_null (),
                       "subscriptionType", so ? so : json_null (), "directives", dirs_arr);
        types_arr = NULL;
        dirs_arr = NULL;
        if (!b.in->schema_obj)
            goto fail;
    }
    if (b.failed)
        goto fail;
    free (o.seq);
    free (order);
    free (dirs);
    return b.in;

fail:
    json_decref (types_arr);
    json_decref (dirs_arr);
    free (o.seq);
    free (order);
    free (dirs);
    gql_introspection_destroy (&b.in);
    return NULL;
}

void
gql_introspection_destroy (gql_introspection_t **intro_p)
{
    gql_introspection_t *in = intro_p ? *intro_p : NULL;
    const char *key;
    json_t *t;
    if (!in)
        return;
    /* Break the cycles through the shared named type objects. */
    json_object_foreach (in->types, key, t) json_object_clear (t);
    json_decref (in->types);
    json_decref (in->schema_obj);
    free (in);
    *intro_p = NULL;
}

json_t *
gql_introspection_schema (const gql_introspection_t *intro)
{
    return intro->schema_obj;
}

json_t *
gql_introspection_type (const gql_introspection_t *intro, const char *name, size_t len)
{
    return json_object_getn (intro->types, name, len);
}

json_t *
gql_introspection_resolve (const gql_introspection_t *intro, const gql_field_t *field, json_t *args, json_t *parent)
{
    char key [64];
    (void) intro;
    if (!json_is_object (parent) || field->name.len + 2 > sizeof key)
        return NULL;
    if (gql_field_arg (field, "includeDeprecated", 17) && !json_is_true (json_object_get (args, "includeDeprecated"))) {
        /* The list without deprecated elements, built with the object. */
        key [0] = S_ACTIVE_PREFIX;
        memcpy (key + 1, field->name.data, field->name.len);
        return json_object_getn (parent, key, field->name.len + 1);
    }
    return json_object_getn (parent, field->name.data, field->name.len);
}
