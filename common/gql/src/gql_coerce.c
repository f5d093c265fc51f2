/*  gql_coerce.c - input coercion and leaf serialization (see gql_coerce.h).
 */
#include "gql_coerce.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------
 *  Helpers
 * ------------------------------------------------------------------------------------- */

/* Formats a message into `buf` (always NUL-terminated). */
static void
s_msg (char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    if (size == 0)
        return;
    va_start (ap, fmt);
    vsnprintf (buf, size, fmt, ap);
    va_end (ap);
}

/* Appends text to a NUL-terminated buffer of `size` bytes, truncating. */
static void
s_append (char *buf, size_t size, const char *text, size_t len)
{
    size_t have = strlen (buf);
    if (have + 1 >= size)
        return;
    if (len > size - have - 1)
        len = size - have - 1;
    memcpy (buf + have, text, len);
    buf [have + len] = '\0';
}

char *
gql_coerce_type_name (gql_type_ref_t type, char *buf, size_t size)
{
    char closers [GQL_TYPE_REF_MAX_WRAP + 1];
    size_t nclose = 0;
    if (size == 0)
        return buf;
    buf [0] = '\0';
    /* Outermost wrapper first: a LIST opens a bracket now, a NON_NULL adds a "!" after
       whatever it wraps is closed. */
    for (uint32_t i = 0; i < type.depth; i++) {
        if ((type.wrap >> i) & 1u) {
            closers [nclose++] = '!';
        }
        else {
            s_append (buf, size, "[", 1);
            closers [nclose++] = ']';
        }
    }
    if (type.named)
        s_append (buf, size, type.named->name.data, type.named->name.len);
    while (nclose > 0) {
        nclose--;
        s_append (buf, size, &closers [nclose], 1);
    }
    return buf;
}

/* Writes a short JSON rendering of `v` (for messages) into buf. */
static void
s_json_preview (json_t *v, char *buf, size_t size)
{
    char *text = v ? json_dumps (v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (!text) {
        s_msg (buf, size, "%s", "(value)");
        return;
    }
    if (strlen (text) > 48) {
        /* Cut on a UTF-8 character boundary so the message stays valid text. */
        int cut = 45;
        while (cut > 0 && ((unsigned char) text [cut] & 0xC0) == 0x80)
            cut--;
        s_msg (buf, size, "%.*s...", cut, text);
    }
    else
        s_msg (buf, size, "%s", text);
    free (text);
}

/* Writes `fmt` into `msg` with a short preview of `v` for its one %s. Returns NULL: the
   answer for a value that cannot represent a type. */
static json_t *
s_cannot_represent (char *msg, size_t size, json_t *v, const char *fmt)
{
    char preview [64];
    s_json_preview (v, preview, sizeof preview);
    s_msg (msg, size, fmt, preview);
    return NULL;
}

/* True when `r` names the built-in scalar `name`. */
static bool
s_is_builtin (const gql_type_t *t, const char *name)
{
    return t->builtin && t->kind == GQL_KIND_SCALAR && gql_str_eq (t->name, name);
}

/* A place inside an input value, for messages: "input.ids[2]". */
typedef struct {
    char text [128];
    bool oom; /* memory ran out (the message says so) */
} s_path_t;

/* ---------------------------------------------------------------------------------------
 *  Scalars
 * ------------------------------------------------------------------------------------- */

/* Parses an IntValue's source text as a 32-bit integer. Returns 0, or -1 when it does not
   fit (or is not an integer at all). */
static int
s_parse_int32 (gql_str_t text, json_int_t *out)
{
    char buf [64];
    char *end = NULL;
    long long v;
    if (text.len == 0 || text.len >= sizeof buf)
        return -1;
    memcpy (buf, text.data, text.len);
    buf [text.len] = '\0';
    errno = 0;
    v = strtoll (buf, &end, 10);
    if (errno != 0 || *end != '\0' || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (json_int_t) v;
    return 0;
}

/* Parses a FloatValue's or IntValue's source text as a finite double. */
static int
s_parse_double (gql_str_t text, double *out)
{
    char buf [512];
    char *end = NULL;
    double v;
    if (text.len == 0 || text.len >= sizeof buf)
        return -1;
    memcpy (buf, text.data, text.len);
    buf [text.len] = '\0';
    v = strtod (buf, &end);
    if (*end != '\0' || !isfinite (v))
        return -1;
    *out = v;
    return 0;
}

/* True when the double is integral and within the 32-bit range. */
static bool
s_double_is_int32 (double d)
{
    return isfinite (d) && floor (d) == d && d >= (double) INT32_MIN && d <= (double) INT32_MAX;
}

/* Coerces a JSON input to a built-in scalar or passes a custom scalar through. NULL with
   `msg` untouched when out of memory. */
static json_t *
s_scalar_from_json (const gql_type_t *t, json_t *v, char *msg, size_t size)
{
    if (s_is_builtin (t, "Int")) {
        if (json_is_integer (v)) {
            json_int_t i = json_integer_value (v);
            if (i >= INT32_MIN && i <= INT32_MAX)
                return json_incref (v);
        }
        else if (json_is_real (v) && s_double_is_int32 (json_real_value (v))) {
            return json_integer ((json_int_t) json_real_value (v));
        }
        return s_cannot_represent (msg, size, v, "Int cannot represent %s (a 32-bit integer is expected)");
    }
    if (s_is_builtin (t, "Float")) {
        if (json_is_number (v) && isfinite (json_number_value (v)))
            return json_real (json_number_value (v));
        return s_cannot_represent (msg, size, v, "Float cannot represent %s");
    }
    if (s_is_builtin (t, "String")) {
        if (json_is_string (v))
            return json_incref (v);
        return s_cannot_represent (msg, size, v, "String cannot represent %s");
    }
    if (s_is_builtin (t, "Boolean")) {
        if (json_is_boolean (v))
            return json_incref (v);
        return s_cannot_represent (msg, size, v, "Boolean cannot represent %s");
    }
    if (s_is_builtin (t, "ID")) {
        if (json_is_string (v))
            return json_incref (v);
        if (json_is_integer (v)) {
            char buf [32];
            snprintf (buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
            return json_string (buf);
        }
        if (json_is_real (v)) {
            double d = json_real_value (v);
            if (isfinite (d) && floor (d) == d && fabs (d) < 9007199254740992.0) {
                char buf [32];
                snprintf (buf, sizeof buf, "%.0f", d);
                return json_string (buf);
            }
        }
        return s_cannot_represent (msg, size, v, "ID cannot represent %s");
    }
    /* A custom scalar: its meaning belongs to the resolvers. */
    return json_incref (v);
}

/* ---------------------------------------------------------------------------------------
 *  JSON input values (variables)
 * ------------------------------------------------------------------------------------- */

static json_t *s_input_json (json_t *v, gql_type_ref_t type, s_path_t *path, char *msg, size_t size);

/* Writes the "at path" suffix of a message when the failure is inside the value. */
static void
s_fail_at (s_path_t *path, char *msg, size_t size, const char *why)
{
    if (strchr (path->text, '.') || strchr (path->text, '['))
        s_msg (msg, size, "invalid value at \"%s\": %s", path->text, why);
    else
        s_msg (msg, size, "invalid value: %s", why);
}

/* A coerced value of the @oneOf input object `t` has exactly one field, and it is not
   null (graphql-js 16.9 coerceInputValue). Returns 0, or -1 with the message written. */
static int
s_one_of_json (json_t *coerced, const gql_type_t *t, s_path_t *path, char *msg, size_t size)
{
    char why [GQL_COERCE_MSG_MAX];
    const char *key;
    json_t *item;
    if (json_object_size (coerced) != 1) {
        s_msg (why, sizeof why, "exactly one key must be specified for OneOf type \"%.*s\"", (int) t->name.len,
               t->name.data);
        s_fail_at (path, msg, size, why);
        return -1;
    }
    json_object_foreach (coerced, key, item)
    {
        if (json_is_null (item)) {
            size_t base = strlen (path->text);
            snprintf (path->text + base, sizeof path->text - base, ".%s", key);
            s_msg (why, sizeof why, "field \"%.64s\" must be non-null", key);
            s_fail_at (path, msg, size, why);
            path->text [base] = '\0';
            return -1;
        }
    }
    return 0;
}

/* Notes that memory ran out while coercing the value at `path`. */
static void
s_oom_at (s_path_t *path, char *msg, size_t size)
{
    path->oom = true;
    s_msg (msg, size, "out of memory");
}

/* Coerces a JSON input object to the input object type `t`. */
static json_t *
s_input_object_json (json_t *v, const gql_type_t *t, s_path_t *path, char *msg, size_t size)
{
    char why [GQL_COERCE_MSG_MAX];
    char tname [128];
    const char *key;
    json_t *item;
    json_t *out;
    size_t base = strlen (path->text);

    if (!json_is_object (v)) {
        s_msg (why, sizeof why, "expected an object for type \"%.*s\"", (int) t->name.len, t->name.data);
        s_fail_at (path, msg, size, why);
        return NULL;
    }
    json_object_foreach (v, key, item)
    {
        if (!gql_type_input_field (t, key, strlen (key))) {
            s_msg (why, sizeof why, "field \"%.64s\" is not defined by type \"%.*s\"", key, (int) t->name.len,
                   t->name.data);
            s_fail_at (path, msg, size, why);
            return NULL;
        }
    }
    out = json_object ();
    if (!out) {
        s_oom_at (path, msg, size);
        return NULL;
    }
    for (size_t i = 0; i < t->input_field_count; i++) {
        const gql_input_value_t *f = &t->input_fields [i];
        char name [128];
        json_t *given;
        json_t *coerced = NULL;
        snprintf (name, sizeof name, "%.*s", (int) f->name.len, f->name.data);
        given = json_object_get (v, name);
        if (!given) {
            if (f->default_value) {
                gql_coerce_error_t err;
                int rc = gql_coerce_literal (f->default_value, f->type, NULL, &coerced, &err);
                if (rc < 0) {
                    path->oom = err.oom;
                    s_msg (msg, size, "invalid default value of \"%.*s.%s\": %s", (int) t->name.len, t->name.data, name,
                           err.message);
                    json_decref (out);
                    return NULL;
                }
                if (rc > 0 && json_object_set_new (out, name, coerced) != 0) {
                    s_oom_at (path, msg, size);
                    json_decref (out);
                    return NULL;
                }
            }
            else if (gql_type_ref_is_non_null (f->type)) {
                s_msg (why, sizeof why, "field \"%s\" of required type \"%s\" was not provided", name,
                       gql_coerce_type_name (f->type, tname, sizeof tname));
                s_fail_at (path, msg, size, why);
                json_decref (out);
                return NULL;
            }
            continue;
        }
        snprintf (path->text + base, sizeof path->text - base, ".%s", name);
        coerced = s_input_json (given, f->type, path, msg, size);
        path->text [base] = '\0';
        if (!coerced || json_object_set_new (out, name, coerced) != 0) {
            if (coerced)
                s_oom_at (path, msg, size);
            json_decref (out);
            return NULL;
        }
    }
    if (t->one_of && s_one_of_json (out, t, path, msg, size) < 0) {
        json_decref (out);
        return NULL;
    }
    return out;
}

/* CoerceInputValue for a JSON value (spec 3.x input coercion rules). */
static json_t *
s_input_json (json_t *v, gql_type_ref_t type, s_path_t *path, char *msg, size_t size)
{
    char why [GQL_COERCE_MSG_MAX];
    char tname [128];

    if (gql_type_ref_is_non_null (type)) {
        if (!v || json_is_null (v)) {
            s_msg (why, sizeof why, "expected non-null type \"%s\", got null",
                   gql_coerce_type_name (type, tname, sizeof tname));
            s_fail_at (path, msg, size, why);
            return NULL;
        }
        return s_input_json (v, gql_type_ref_of (type), path, msg, size);
    }
    if (!v || json_is_null (v))
        return json_null ();

    if (gql_type_ref_kind (type) == GQL_REF_LIST) {
        gql_type_ref_t item_type = gql_type_ref_of (type);
        json_t *out;
        size_t base = strlen (path->text);
        if (!json_is_array (v)) {
            /* A single value given for a list is a list of one (spec 3.11). */
            json_t *one = s_input_json (v, item_type, path, msg, size);
            if (!one)
                return NULL;
            out = json_array ();
            if (!out || json_array_append_new (out, one) != 0) {
                if (!out)
                    json_decref (one);
                json_decref (out);
                s_oom_at (path, msg, size);
                return NULL;
            }
            return out;
        }
        out = json_array ();
        if (!out) {
            s_oom_at (path, msg, size);
            return NULL;
        }
        for (size_t i = 0; i < json_array_size (v); i++) {
            json_t *c;
            snprintf (path->text + base, sizeof path->text - base, "[%zu]", i);
            c = s_input_json (json_array_get (v, i), item_type, path, msg, size);
            path->text [base] = '\0';
            if (!c || json_array_append_new (out, c) != 0) {
                if (c)
                    s_oom_at (path, msg, size);
                json_decref (out);
                return NULL;
            }
        }
        return out;
    }

    switch (type.named->kind) {
        case GQL_KIND_SCALAR: {
            why [0] = '\0';
            json_t *c = s_scalar_from_json (type.named, v, why, sizeof why);
            if (!c && !why [0])
                s_oom_at (path, msg, size);
            else
            if (!c)
                s_fail_at (path, msg, size, why);
            return c;
        }
        case GQL_KIND_ENUM:
            if (json_is_string (v) && gql_type_enum_value (type.named, json_string_value (v), json_string_length (v)))
                return json_incref (v);
            {
                char preview [64];
                s_json_preview (v, preview, sizeof preview);
                s_msg (why, sizeof why, "value %s does not exist in enum \"%.*s\"", preview, (int) type.named->name.len,
                       type.named->name.data);
            }
            s_fail_at (path, msg, size, why);
            return NULL;
        case GQL_KIND_INPUT_OBJECT: return s_input_object_json (v, type.named, path, msg, size);
        default:
            s_msg (why, sizeof why, "type \"%.*s\" is not an input type", (int) type.named->name.len,
                   type.named->name.data);
            s_fail_at (path, msg, size, why);
            return NULL;
    }
}

json_t *
gql_coerce_input_json (json_t *value, gql_type_ref_t type, const char *what, gql_coerce_error_t *err)
{
    s_path_t path;
    char msg [GQL_COERCE_MSG_MAX];
    json_t *out;
    const char *dot;

    /* The path starts with the value's own name so nested places read "input.ids[2]". */
    dot = strchr (what, '"');
    if (dot) {
        const char *endq = strchr (dot + 1, '"');
        size_t n = endq ? (size_t) (endq - dot - 1) : strlen (dot + 1);
        if (n > 0 && dot [1] == '$') {
            dot++;
            n--;
        }
        if (n >= sizeof path.text)
            n = sizeof path.text - 1;
        memcpy (path.text, dot + 1, n);
        path.text [n] = '\0';
    }
    else {
        snprintf (path.text, sizeof path.text, "%s", "value");
    }
    msg [0] = '\0';
    path.oom = false;
    out = s_input_json (value, type, &path, msg, sizeof msg);
    if (!out && err) {
        s_msg (err->message, sizeof err->message, "%s got an %s", what, msg);
        memset (&err->loc, 0, sizeof err->loc);
        err->oom = path.oom;
    }
    return out;
}

/* ---------------------------------------------------------------------------------------
 *  Literals (document values)
 * ------------------------------------------------------------------------------------- */

/* Returns the coerced variable `name` (borrowed) or NULL when it was not provided. */
static json_t *
s_variable (json_t *variables, gql_str_t name)
{
    char buf [256];
    if (!variables || name.len >= sizeof buf)
        return NULL;
    memcpy (buf, name.data, name.len);
    buf [name.len] = '\0';
    return json_object_get (variables, buf);
}

/* Sets *err to "<why>" at `loc`, returns -1. */
static int
s_lit_fail (gql_coerce_error_t *err, gql_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    if (err) {
        va_start (ap, fmt);
        vsnprintf (err->message, sizeof err->message, fmt, ap);
        va_end (ap);
        err->loc = loc;
        err->oom = false;
    }
    return -1;
}

/* Sets *err to "out of memory" at `loc`, with err->oom, returns -1. */
static int
s_lit_oom (gql_coerce_error_t *err, gql_loc_t loc)
{
    s_lit_fail (err, loc, "out of memory");
    if (err)
        err->oom = true;
    return -1;
}

/* Converts a literal to JSON without a type (a custom scalar's literal, spec-free:
   graphql-js valueFromASTUntyped). Returns 1/0/-1 like gql_coerce_literal. */
static int
s_literal_untyped (const gql_value_t *v, json_t *variables, json_t **out, gql_coerce_error_t *err)
{
    switch (v->kind) {
        case GQL_VALUE_VARIABLE: {
            json_t *x = s_variable (variables, v->str);
            if (!x)
                return 0;
            *out = json_incref (x);
            return 1;
        }
        case GQL_VALUE_INT: {
            char buf [64];
            char *end = NULL;
            long long i;
            if (v->str.len >= sizeof buf)
                return s_lit_fail (err, v->loc, "integer literal too long");
            memcpy (buf, v->str.data, v->str.len);
            buf [v->str.len] = '\0';
            errno = 0;
            i = strtoll (buf, &end, 10);
            if (errno == 0 && *end == '\0')
                *out = json_integer ((json_int_t) i);
            else
                *out = json_real (strtod (buf, NULL));
            break;
        }
        case GQL_VALUE_FLOAT: {
            double d;
            if (s_parse_double (v->str, &d) != 0)
                return s_lit_fail (err, v->loc, "float literal out of range");
            *out = json_real (d);
            break;
        }
        case GQL_VALUE_STRING:
        case GQL_VALUE_ENUM:
            *out = json_stringn (v->str.data ? v->str.data : "", v->str.len);
            if (!*out)
                return s_lit_fail (err, v->loc, "string is not valid UTF-8");
            break;
        case GQL_VALUE_BOOLEAN: *out = json_boolean (v->boolean); break;
        case GQL_VALUE_NULL: *out = json_null (); break;
        case GQL_VALUE_LIST:
            *out = json_array ();
            for (size_t i = 0; *out && i < v->item_count; i++) {
                json_t *item = NULL;
                int rc = s_literal_untyped (v->items [i], variables, &item, err);
                if (rc < 0) {
                    json_decref (*out);
                    return -1;
                }
                if (json_array_append_new (*out, rc > 0 ? item : json_null ()) != 0) {
                    json_decref (*out);
                    return s_lit_oom (err, v->loc);
                }
            }
            break;
        case GQL_VALUE_OBJECT:
            *out = json_object ();
            for (size_t i = 0; *out && i < v->field_count; i++) {
                char key [256];
                json_t *item = NULL;
                int rc;
                const gql_argument_t *f = v->fields [i];
                if (f->name.len >= sizeof key)
                    continue;
                memcpy (key, f->name.data, f->name.len);
                key [f->name.len] = '\0';
                rc = s_literal_untyped (f->value, variables, &item, err);
                if (rc < 0) {
                    json_decref (*out);
                    return -1;
                }
                if (rc > 0 && json_object_set_new (*out, key, item) != 0) {
                    json_decref (*out);
                    return s_lit_oom (err, v->loc);
                }
            }
            break;
    }
    if (!*out)
        return s_lit_oom (err, v->loc);
    return 1;
}

/* Coerces a scalar literal. */
static int
s_scalar_literal (const gql_type_t *t, const gql_value_t *v, json_t *variables, json_t **out, gql_coerce_error_t *err)
{
    const char *tn = "";
    json_int_t i;
    double d;

    if (!t->builtin)
        return s_literal_untyped (v, variables, out, err);
    if (s_is_builtin (t, "Int")) {
        tn = "Int";
        if (v->kind == GQL_VALUE_INT && s_parse_int32 (v->str, &i) == 0) {
            *out = json_integer (i);
            goto done;
        }
        if (v->kind == GQL_VALUE_INT)
            return s_lit_fail (err, v->loc, "Int cannot represent non 32-bit signed integer value: %.*s",
                               (int) (v->str.len > 40 ? 40 : v->str.len), v->str.data);
    }
    else if (s_is_builtin (t, "Float")) {
        tn = "Float";
        if ((v->kind == GQL_VALUE_INT || v->kind == GQL_VALUE_FLOAT) && s_parse_double (v->str, &d) == 0) {
            *out = json_real (d);
            goto done;
        }
    }
    else if (s_is_builtin (t, "String")) {
        tn = "String";
        if (v->kind == GQL_VALUE_STRING) {
            *out = json_stringn (v->str.data ? v->str.data : "", v->str.len);
            if (!*out)
                return s_lit_fail (err, v->loc, "string is not valid UTF-8");
            return 1;
        }
    }
    else if (s_is_builtin (t, "Boolean")) {
        tn = "Boolean";
        if (v->kind == GQL_VALUE_BOOLEAN) {
            *out = json_boolean (v->boolean);
            goto done;
        }
    }
    else if (s_is_builtin (t, "ID")) {
        tn = "ID";
        if (v->kind == GQL_VALUE_STRING || v->kind == GQL_VALUE_INT) {
            *out = json_stringn (v->str.data ? v->str.data : "", v->str.len);
            if (!*out)
                return s_lit_fail (err, v->loc, "string is not valid UTF-8");
            return 1;
        }
    }
    else {
        return s_literal_untyped (v, variables, out, err);
    }
    return s_lit_fail (err, v->loc, "%s cannot represent this literal", tn);
done:
    if (!*out)
        return s_lit_oom (err, v->loc);
    return 1;
}

int
gql_coerce_literal (const gql_value_t *v, gql_type_ref_t type, json_t *variables, json_t **out, gql_coerce_error_t *err)
{
    char tname [128];
    *out = NULL;

    if (!v)
        return 0;
    if (v->kind == GQL_VALUE_VARIABLE) {
        json_t *x = s_variable (variables, v->str);
        gql_coerce_error_t inner;
        char what [128];
        if (!x)
            return 0;
        if (json_is_null (x) && gql_type_ref_is_non_null (type))
            return s_lit_fail (err, v->loc, "variable \"$%.*s\" of non-null type \"%s\" is null",
                               (int) (v->str.len > 64 ? 64 : v->str.len), v->str.data,
                               gql_coerce_type_name (type, tname, sizeof tname));
        /* Coerced already; coerced again for this position so an unvalidated document
           still hands resolvers values of the declared type (a no-op when valid). */
        snprintf (what, sizeof what, "variable \"$%.*s\"", (int) (v->str.len > 64 ? 64 : v->str.len), v->str.data);
        *out = gql_coerce_input_json (x, type, what, &inner);
        if (!*out)
            return s_lit_fail (err, v->loc, "%s", inner.message);
        return 1;
    }
    if (gql_type_ref_is_non_null (type)) {
        if (v->kind == GQL_VALUE_NULL)
            return s_lit_fail (err, v->loc, "expected value of non-null type \"%s\", found null",
                               gql_coerce_type_name (type, tname, sizeof tname));
        return gql_coerce_literal (v, gql_type_ref_of (type), variables, out, err);
    }
    if (v->kind == GQL_VALUE_NULL) {
        *out = json_null ();
        return 1;
    }
    if (gql_type_ref_kind (type) == GQL_REF_LIST) {
        gql_type_ref_t item_type = gql_type_ref_of (type);
        json_t *arr;
        if (v->kind != GQL_VALUE_LIST) {
            json_t *one = NULL;
            int rc = gql_coerce_literal (v, item_type, variables, &one, err);
            if (rc <= 0)
                return rc;
            arr = json_array ();
            if (!arr || json_array_append_new (arr, one) != 0) {
                if (!arr)
                    json_decref (one);
                json_decref (arr);
                return s_lit_oom (err, v->loc);
            }
            *out = arr;
            return 1;
        }
        arr = json_array ();
        if (!arr)
            return s_lit_oom (err, v->loc);
        for (size_t i = 0; i < v->item_count; i++) {
            json_t *item = NULL;
            int rc = gql_coerce_literal (v->items [i], item_type, variables, &item, err);
            if (rc < 0) {
                json_decref (arr);
                return -1;
            }
            if (rc == 0) {
                /* A list item that is an absent variable is null (graphql-js). */
                if (gql_type_ref_is_non_null (item_type)) {
                    json_decref (arr);
                    return s_lit_fail (err, v->items [i]->loc, "list item of non-null type \"%s\" was not provided",
                                       gql_coerce_type_name (item_type, tname, sizeof tname));
                }
                item = json_null ();
            }
            if (json_array_append_new (arr, item) != 0) {
                json_decref (arr);
                return s_lit_oom (err, v->loc);
            }
        }
        *out = arr;
        return 1;
    }

    switch (type.named->kind) {
        case GQL_KIND_SCALAR: return s_scalar_literal (type.named, v, variables, out, err);
        case GQL_KIND_ENUM:
            if (v->kind == GQL_VALUE_ENUM && gql_type_enum_value (type.named, v->str.data, v->str.len)) {
                *out = json_stringn (v->str.data, v->str.len);
                return *out ? 1 : s_lit_oom (err, v->loc);
            }
            return s_lit_fail (err, v->loc, "enum \"%.*s\" cannot represent this value", (int) type.named->name.len,
                               type.named->name.data);
        case GQL_KIND_INPUT_OBJECT: {
            const gql_type_t *t = type.named;
            json_t *obj;
            if (v->kind != GQL_VALUE_OBJECT)
                return s_lit_fail (err, v->loc, "expected an object for input type \"%.*s\"", (int) t->name.len,
                                   t->name.data);
            for (size_t i = 0; i < v->field_count; i++) {
                if (!gql_type_input_field (t, v->fields [i]->name.data, v->fields [i]->name.len))
                    return s_lit_fail (err, v->fields [i]->loc, "field \"%.*s\" is not defined by type \"%.*s\"",
                                       (int) (v->fields [i]->name.len > 64 ? 64 : v->fields [i]->name.len),
                                       v->fields [i]->name.data, (int) t->name.len, t->name.data);
            }
            obj = json_object ();
            if (!obj)
                return s_lit_oom (err, v->loc);
            for (size_t k = 0; k < t->input_field_count; k++) {
                const gql_input_value_t *f = &t->input_fields [k];
                const gql_value_t *given = NULL;
                json_t *c = NULL;
                int rc = 0;
                char key [256];
                snprintf (key, sizeof key, "%.*s", (int) f->name.len, f->name.data);
                for (size_t i = 0; i < v->field_count; i++) {
                    if (gql_str_equal (v->fields [i]->name, f->name)) {
                        given = v->fields [i]->value;
                        break;
                    }
                }
                if (given)
                    rc = gql_coerce_literal (given, f->type, variables, &c, err);
                if (rc < 0) {
                    json_decref (obj);
                    return -1;
                }
                if (rc == 0) {
                    if (f->default_value) {
                        rc = gql_coerce_literal (f->default_value, f->type, NULL, &c, err);
                        if (rc < 0) {
                            json_decref (obj);
                            return -1;
                        }
                    }
                    else if (gql_type_ref_is_non_null (f->type)) {
                        json_decref (obj);
                        return s_lit_fail (err, v->loc, "field \"%.*s.%s\" of required type \"%s\" was not provided",
                                           (int) t->name.len, t->name.data, key,
                                           gql_coerce_type_name (f->type, tname, sizeof tname));
                    }
                }
                if (rc > 0 && json_object_set_new (obj, key, c) != 0) {
                    json_decref (obj);
                    return s_lit_oom (err, v->loc);
                }
            }
            /* graphql-js 16.9 valueFromAST: not exactly one field, or a null one, is no
               value (a variable not provided leaves its field out). */
            if (t->one_of
                && (json_object_size (obj) != 1 || json_is_null (json_object_iter_value (json_object_iter (obj))))) {
                json_decref (obj);
                return s_lit_fail (err, v->loc, "@oneOf input object \"%.*s\" must have exactly one non-null field",
                                   (int) t->name.len, t->name.data);
            }
            *out = obj;
            return 1;
        }
        default:
            return s_lit_fail (err, v->loc, "type \"%.*s\" is not an input type", (int) type.named->name.len,
                               type.named->name.data);
    }
}

/* ---------------------------------------------------------------------------------------
 *  Arguments and variables
 * ------------------------------------------------------------------------------------- */

json_t *
gql_coerce_arguments (const gql_input_value_t *defs, size_t def_count, gql_argument_t *const *args, size_t arg_count,
                      json_t *variables, gql_coerce_error_t *err)
{
    char tname [128];
    json_t *out = json_object ();
    if (!out) {
        s_lit_oom (err, (gql_loc_t){ 0, 0, 0 });
        return NULL;
    }
    for (size_t d = 0; d < def_count; d++) {
        const gql_input_value_t *def = &defs [d];
        const gql_argument_t *arg = NULL;
        json_t *c = NULL;
        int rc = 0;
        char name [256];
        snprintf (name, sizeof name, "%.*s", (int) def->name.len, def->name.data);
        for (size_t a = 0; a < arg_count; a++) {
            if (args [a] && gql_str_equal (args [a]->name, def->name)) {
                arg = args [a];
                break;
            }
        }
        if (arg && arg->value)
            rc = gql_coerce_literal (arg->value, def->type, variables, &c, err);
        if (rc < 0) {
            /* Name the argument in the message. */
            if (err) {
                char inner [GQL_COERCE_MSG_MAX];
                memcpy (inner, err->message, sizeof inner);
                s_msg (err->message, sizeof err->message, "argument \"%s\" has an invalid value: %s", name, inner);
            }
            json_decref (out);
            return NULL;
        }
        if (rc == 0) {
            if (def->default_value) {
                rc = gql_coerce_literal (def->default_value, def->type, NULL, &c, err);
                if (rc < 0) {
                    json_decref (out);
                    return NULL;
                }
            }
            else if (gql_type_ref_is_non_null (def->type)) {
                s_lit_fail (err, arg ? arg->loc : (gql_loc_t){ 0, 0, 0 },
                            "argument \"%s\" of required type \"%s\" was not provided", name,
                            gql_coerce_type_name (def->type, tname, sizeof tname));
                json_decref (out);
                return NULL;
            }
        }
        if (rc > 0 && json_object_set_new (out, name, c) != 0) {
            json_decref (out);
            s_lit_oom (err, (gql_loc_t){ 0, 0, 0 });
            return NULL;
        }
    }
    return out;
}

json_t *
gql_coerce_variables (const gql_schema_t *schema, const gql_operation_t *op, json_t *inputs, gql_coerce_error_t *errors,
                      size_t max_errors, size_t *error_count)
{
    size_t nerr = 0;
    json_t *out = json_object ();
    char tname [128];

    *error_count = 0;
    if (!out)
        return NULL;
    if (inputs && !json_is_object (inputs) && !json_is_null (inputs)) {
        if (max_errors > 0) {
            s_msg (errors [0].message, sizeof errors [0].message, "variables must be an object");
            memset (&errors [0].loc, 0, sizeof errors [0].loc);
        }
        *error_count = 1;
        json_decref (out);
        return NULL;
    }
    for (size_t i = 0; i < op->variable_count; i++) {
        const gql_variable_def_t *def = op->variables [i];
        gql_coerce_error_t e;
        gql_type_ref_t type;
        char name [256];
        json_t *given;
        bool failed = false;

        memset (&e, 0, sizeof e);
        e.loc = def->loc;
        snprintf (name, sizeof name, "%.*s", (int) def->name.len, def->name.data);
        if (gql_schema_resolve_type_node (schema, def->type, &type) != 0 || !gql_type_is_input (type.named)) {
            s_msg (e.message, sizeof e.message, "variable \"$%s\" has no valid input type", name);
            failed = true;
        }
        else {
            given = inputs && json_is_object (inputs) ? json_object_get (inputs, name) : NULL;
            if (!given && def->default_value) {
                json_t *c = NULL;
                int rc = gql_coerce_literal (def->default_value, type, NULL, &c, &e);
                e.loc = def->loc;
                if (rc < 0) {
                    char inner [GQL_COERCE_MSG_MAX];
                    memcpy (inner, e.message, sizeof inner);
                    s_msg (e.message, sizeof e.message, "variable \"$%s\" has an invalid default value: %s", name,
                           inner);
                    failed = true;
                }
                else if (rc > 0 && json_object_set_new (out, name, c) != 0) {
                    e.oom = failed = true;
                }
            }
            else if (gql_type_ref_is_non_null (type) && (!given || json_is_null (given))) {
                if (!given)
                    s_msg (e.message, sizeof e.message, "variable \"$%s\" of required type \"%s\" was not provided",
                           name, gql_coerce_type_name (type, tname, sizeof tname));
                else
                    s_msg (e.message, sizeof e.message, "variable \"$%s\" of non-null type \"%s\" must not be null",
                           name, gql_coerce_type_name (type, tname, sizeof tname));
                failed = true;
            }
            else if (given) {
                char what [300];
                json_t *c;
                snprintf (what, sizeof what, "variable \"$%s\"", name);
                c = gql_coerce_input_json (given, type, what, &e);
                e.loc = def->loc;
                if (!c)
                    failed = true;
                else
                if (json_object_set_new (out, name, c) != 0)
                    e.oom = failed = true;
            }
        }
        if (failed && e.oom) {
            json_decref (out);
            return NULL;
        }
        if (failed) {
            if (nerr < max_errors)
                errors [nerr] = e;
            nerr++;
        }
    }
    if (nerr > 0) {
        *error_count = nerr < max_errors ? nerr : max_errors;
        json_decref (out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------------------------------
 *  Result coercion
 * ------------------------------------------------------------------------------------- */

/* Formats a double the way JSON.stringify / String(n) would for integral values. */
static json_t *
s_number_string (json_t *v)
{
    char buf [64];
    if (json_is_integer (v)) {
        snprintf (buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
    }
    else {
        double d = json_real_value (v);
        if (floor (d) == d && fabs (d) < 1e21)
            snprintf (buf, sizeof buf, "%.0f", d);
        else
            snprintf (buf, sizeof buf, "%.17g", d);
    }
    return json_string (buf);
}

json_t *
gql_serialize_leaf (const gql_type_t *t, json_t *v, char *msg, size_t size)
{
    char preview [64];
    msg [0] = '\0';
    if (t->kind == GQL_KIND_ENUM) {
        if (json_is_string (v) && gql_type_enum_value (t, json_string_value (v), json_string_length (v)))
            return json_incref (v);
        s_json_preview (v, preview, sizeof preview);
        s_msg (msg, size, "enum \"%.*s\" cannot represent value: %s", (int) t->name.len, t->name.data, preview);
        return NULL;
    }
    if (t->kind != GQL_KIND_SCALAR) {
        s_msg (msg, size, "type \"%.*s\" is not a leaf type", (int) t->name.len, t->name.data);
        return NULL;
    }
    if (s_is_builtin (t, "Int")) {
        if (json_is_integer (v) && json_integer_value (v) >= INT32_MIN && json_integer_value (v) <= INT32_MAX)
            return json_incref (v);
        if (json_is_real (v) && s_double_is_int32 (json_real_value (v)))
            return json_integer ((json_int_t) json_real_value (v));
        if (json_is_boolean (v))
            return json_integer (json_is_true (v) ? 1 : 0);
        return s_cannot_represent (msg, size, v, "Int cannot represent non 32-bit signed integer value: %s");
    }
    if (s_is_builtin (t, "Float")) {
        if (json_is_number (v) && isfinite (json_number_value (v)))
            return json_incref (v);
        if (json_is_boolean (v))
            return json_integer (json_is_true (v) ? 1 : 0);
        return s_cannot_represent (msg, size, v, "Float cannot represent non numeric value: %s");
    }
    if (s_is_builtin (t, "String")) {
        if (json_is_string (v))
            return json_incref (v);
        if (json_is_boolean (v))
            return json_string (json_is_true (v) ? "true" : "false");
        if (json_is_number (v) && isfinite (json_number_value (v)))
            return s_number_string (v);
        return s_cannot_represent (msg, size, v, "String cannot represent value: %s");
    }
    if (s_is_builtin (t, "Boolean")) {
        if (json_is_boolean (v))
            return json_incref (v);
        if (json_is_number (v) && isfinite (json_number_value (v)))
            return json_boolean (json_number_value (v) != 0.0);
        return s_cannot_represent (msg, size, v, "Boolean cannot represent a non boolean value: %s");
    }
    if (s_is_builtin (t, "ID")) {
        if (json_is_string (v))
            return json_incref (v);
        if (json_is_integer (v)
            || (json_is_real (v) && floor (json_real_value (v)) == json_real_value (v)
                && fabs (json_real_value (v)) < 9007199254740992.0))
            return s_number_string (v);
        return s_cannot_represent (msg, size, v, "ID cannot represent value: %s");
    }
    return json_incref (v);
}
