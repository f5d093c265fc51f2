/*  r5_config: table-driven configuration from defaults, file, environment, flags.  */
#include "r5_config.h"
#include "r5_alloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _r5_config_t {
    const r5_config_key_t *keys;
    size_t count;
    char **values;              //  one owned string per key, NULL when unset
};

static size_t
s_key_count (const r5_config_key_t *keys)
{
    size_t count = 0;
    while (keys [count].name)
        count++;
    return count;
}

//  Index of a key by name, accepting '-' for '_'; -1 when unknown.
static int
s_key_index (r5_config_t *self, const char *name, size_t len)
{
    for (size_t i = 0; i < self->count; i++) {
        const char *key = self->keys [i].name;
        if (strlen (key) != len)
            continue;
        size_t j = 0;
        for (; j < len; j++) {
            char c = name [j] == '-' ? '_' : name [j];
            if (c != key [j])
                break;
        }
        if (j == len)
            return (int) i;
    }
    return -1;
}

static void
s_set (r5_config_t *self, int index, const char *value, size_t len)
{
    free (self->values [index]);
    self->values [index] = r5_malloc (len + 1);
    memcpy (self->values [index], value, len);
    self->values [index] [len] = 0;
}

static char *
s_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    char *end = text + strlen (text);
    while (end > text && isspace ((unsigned char) end [-1]))
        *--end = 0;
    return text;
}

static int
s_load_file (r5_config_t *self, const char *path, char *error, size_t error_size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (error, error_size, "cannot open config file %s: %s", path, strerror (errno));
        return -1;
    }
    char line [4096];
    int line_number = 0;
    int rc = 0;
    while (fgets (line, sizeof line, file)) {
        line_number++;
        char *text = s_trim (line);
        if (*text == 0 || *text == '#')
            continue;
        char *equals = strchr (text, '=');
        if (!equals) {
            snprintf (error, error_size, "config file %s line %d: expected key = value", path, line_number);
            rc = -1;
            break;
        }
        *equals = 0;
        char *key = s_trim (text);
        char *value = s_trim (equals + 1);
        int index = s_key_index (self, key, strlen (key));
        if (index < 0) {
            snprintf (error, error_size, "config file %s line %d: unknown key '%s'", path, line_number, key);
            rc = -1;
            break;
        }
        s_set (self, index, value, strlen (value));
    }
    fclose (file);
    return rc;
}

r5_config_t *
r5_config_new (const r5_config_key_t *keys, int argc, char **argv, char *error, size_t error_size)
{
    error [0] = 0;
    r5_config_t *self = (r5_config_t *) r5_calloc (1, sizeof *self);
    self->keys = keys;
    self->count = s_key_count (keys);
    self->values = (char **) r5_calloc (self->count, sizeof (char *));
    for (size_t i = 0; i < self->count; i++)
        if (keys [i].default_value)
            self->values [i] = r5_strdup (keys [i].default_value);

    //  The config file comes first, so that environment and flags override it.
    const char *config_file = getenv ("R5_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--help") == 0 || strcmp (argv [i], "-h") == 0)
            goto fail;
        if (strcmp (argv [i], "--config") == 0 && i + 1 < argc)
            config_file = argv [i + 1];
        else
        if (strncmp (argv [i], "--config=", 9) == 0)
            config_file = argv [i] + 9;
    }
    if (config_file && *config_file && s_load_file (self, config_file, error, error_size))
        goto fail;

    for (size_t i = 0; i < self->count; i++) {
        char variable [128] = "R5_";
        size_t n = 3;
        for (const char *c = keys [i].name; *c && n < sizeof variable - 1; c++)
            variable [n++] = (char) toupper ((unsigned char) *c);
        variable [n] = 0;
        const char *value = getenv (variable);
        if (value)
            s_set (self, (int) i, value, strlen (value));
    }

    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (strncmp (arg, "--", 2) != 0) {
            snprintf (error, error_size, "unexpected argument '%s' (see --help)", arg);
            goto fail;
        }
        const char *name = arg + 2;
        const char *equals = strchr (name, '=');
        size_t name_len = equals ? (size_t) (equals - name) : strlen (name);
        if (name_len == 6 && strncmp (name, "config", 6) == 0) {
            if (!equals)
                i++;
            continue;
        }
        int index = s_key_index (self, name, name_len);
        if (index < 0) {
            snprintf (error, error_size, "unknown option '--%.*s' (see --help)", (int) name_len, name);
            goto fail;
        }
        if (equals)
            s_set (self, index, equals + 1, strlen (equals + 1));
        else
        if (i + 1 < argc) {
            i++;
            s_set (self, index, argv [i], strlen (argv [i]));
        }
        else {
            snprintf (error, error_size, "option '--%.*s' needs a value", (int) name_len, name);
            goto fail;
        }
    }

    for (size_t i = 0; i < self->count; i++)
        if (!self->values [i]) {
            snprintf (error, error_size, "missing required setting %s (set R5_%s or --%s)",
                      keys [i].name, keys [i].name, keys [i].name);
            for (char *c = strstr (error, "R5_") + 3; *c && *c != ' '; c++)
                *c = (char) toupper ((unsigned char) *c);
            goto fail;
        }
    return self;

fail:
    r5_config_destroy (&self);
    return NULL;
}

void
r5_config_destroy (r5_config_t **self_p)
{
    if (!*self_p)
        return;
    r5_config_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->values [i]);
    free (self->values);
    free (self);
    *self_p = NULL;
}

const char *
r5_config_get (r5_config_t *self, const char *name)
{
    int index = s_key_index (self, name, strlen (name));
    //  Asking for a key that is not in the table is a programming error.
    if (index < 0) {
        fprintf (stderr, "r5_config_get: unknown key %s\n", name);
        abort ();
    }
    return self->values [index] ? self->values [index] : "";
}

int
r5_config_int (r5_config_t *self, const char *name, int64_t min, int64_t max,
               int64_t *value, char *error, size_t error_size)
{
    const char *text = r5_config_get (self, name);
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll (text, &end, 10);
    if (errno || end == text || *end || parsed < min || parsed > max) {
        snprintf (error, error_size, "bad value for %s: '%s' (expected a whole number from %lld to %lld)",
                  name, text, (long long) min, (long long) max);
        return -1;
    }
    *value = parsed;
    return 0;
}

bool
r5_config_bool (r5_config_t *self, const char *name)
{
    const char *text = r5_config_get (self, name);
    return strcmp (text, "1") == 0 || strcmp (text, "true") == 0 || strcmp (text, "yes") == 0
        || strcmp (text, "on") == 0;
}

void
r5_config_print_help (const r5_config_key_t *keys, const char *program, FILE *out)
{
    fprintf (out, "usage: %s [--config FILE] [--key value ...]\n\n", program);
    fprintf (out, "Each key can also be set as R5_<KEY> in the environment or as key = value in the config file.\n");
    fprintf (out, "--version prints the version and build id.\n\n");
    for (size_t i = 0; keys [i].name; i++) {
        char flag [64];
        snprintf (flag, sizeof flag, "--%s", keys [i].name);
        for (char *c = flag + 2; *c; c++)
            if (*c == '_')
                *c = '-';
        const char *shown = keys [i].default_value ? keys [i].default_value : "(required)";
        if (keys [i].secret && keys [i].default_value && *keys [i].default_value)
            shown = "(set)";
        fprintf (out, "  %-28s %s [default: %s]\n", flag, keys [i].help, *shown ? shown : "\"\"");
    }
}
