/*  broker_allow: the allow-list of CURVE keys and what each may do.  */
#include "broker_allow.h"
#include "r5_alloc.h"
#include "r5_log.h"
#include "r5_mdp.h"
#include "r5_rpc.h"

#include <signal.h>
#include <sys/stat.h>

/*  ---------------------------------------------------------------------
    What each role grants: the one place that says who serves and calls what. */

typedef struct {
    const char *name;
    const char *serves;             //  the service its workers register for, or NULL
    const char *calls [4];          //  the services it sends requests to, NULL-ended
    const char *publishes;          //  the topic prefix it may publish on the relay's input, or NULL
    bool subscribes;                //  may connect to the event relay's output
} s_role_t;

static const s_role_t s_roles [] = {
    //  Gateways answer the events they applied (gateway.*), which the
    //  publishers hear; nobody publishes under another role's prefix.
    { R5_ROLE_GATEWAY,  NULL,                { R5_SERVICE_TOKEN, R5_SERVICE_AUTHZ, R5_SERVICE_RESOURCE }, "gateway.", true },
    { R5_ROLE_TOKEN,    R5_SERVICE_TOKEN,    { R5_SERVICE_RESOURCE },                                     "token.",   true },
    { R5_ROLE_AUTHZ,    R5_SERVICE_AUTHZ,    { NULL },                                                    NULL,       false },
    { R5_ROLE_RESOURCE, R5_SERVICE_RESOURCE, { R5_SERVICE_AUTHZ },                                        "user.",    true },
    { R5_ROLE_INTERNAL, NULL,                { R5_SERVICE_TOKEN },                                        NULL,       false },
};
#define S_ROLES (sizeof s_roles / sizeof s_roles [0])

//  What one key may do.
typedef struct {
    unsigned roles;                 //  bit i: s_roles [i]
    zlistx_t *serves;               //  service names granted with "serve"
    zlistx_t *calls;                //  service names granted with "call"
} s_grant_t;

struct _broker_allow_t {
    char *path;
    zhashx_t *grants;               //  Z85 key -> s_grant_t
    struct stat loaded;             //  the file as last read (or last failed to parse)
    int sighups;                    //  s_sighups at the last load
};

static volatile sig_atomic_t s_sighups;

static void
s_on_sighup (int signal_number)
{
    (void) signal_number;
    s_sighups++;
}

void
broker_allow_catch_sighup (void)
{
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_sighup;
    sigemptyset (&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction (SIGHUP, &action, NULL);
}

static void
s_grant_destroy (void **item_p)
{
    s_grant_t *self = (s_grant_t *) *item_p;
    if (self) {
        zlistx_destroy (&self->serves);
        zlistx_destroy (&self->calls);
        free (self);
        *item_p = NULL;
    }
}

/*  ---------------------------------------------------------------------
    Parsing */

//  True when text is a valid CURVE public key in Z85.
static bool
s_key_valid (const char *text)
{
    uint8_t key [32];
    return strlen (text) == 40 && zmq_z85_decode (key, text) != NULL;
}

//  The grant for key in grants, made if needed.
static s_grant_t *
s_grant_require (zhashx_t *grants, const char *key)
{
    s_grant_t *grant = (s_grant_t *) zhashx_lookup (grants, key);
    if (!grant) {
        grant = r5_calloc (1, sizeof (s_grant_t));
        grant->serves = zlistx_new ();
        grant->calls = zlistx_new ();
        zlistx_set_destructor (grant->serves, (zlistx_destructor_fn *) zstr_free);
        zlistx_set_destructor (grant->calls, (zlistx_destructor_fn *) zstr_free);
        zhashx_insert (grants, key, grant);
    }
    return grant;
}

//  Apply one line to grants. 0, or -1 with the reason in error.
static int
s_parse_line (zhashx_t *grants, char *line, char *error, size_t error_size)
{
    line += strspn (line, " \t");
    if (*line == '#')
        return 0;
    char *words [4];
    int count = 0;
    for (char *word = strtok (line, " \t\r\n"); word; word = strtok (NULL, " \t\r\n")) {
        if (count == 3) {
            snprintf (error, error_size, "too many words");
            return -1;
        }
        words [count++] = word;
    }
    if (count == 0)
        return 0;
    const char *key = words [count - 1];
    if (count < 2 || !s_key_valid (key)) {
        snprintf (error, error_size, "expected '<role> <key>' or 'serve|call <service> <key>'");
        return -1;
    }
    if (count == 3) {
        bool serve = streq (words [0], "serve");
        if ((!serve && !streq (words [0], "call")) || strlen (words [1]) > R5_MDP_SERVICE_MAX) {
            snprintf (error, error_size, "unknown grant '%s'", words [0]);
            return -1;
        }
        s_grant_t *grant = s_grant_require (grants, key);
        zlistx_add_end (serve ? grant->serves : grant->calls, r5_strdup (words [1]));
        return 0;
    }
    for (size_t index = 0; index < S_ROLES; index++)
        if (streq (words [0], s_roles [index].name)) {
            s_grant_require (grants, key)->roles |= 1u << index;
            return 0;
        }
    snprintf (error, error_size, "unknown role '%s'", words [0]);
    return -1;
}

//  Read path into a new grants table. NULL, with one line in error, on failure.
static zhashx_t *
s_load (const char *path, char *error, size_t error_size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (error, error_size, "cannot read allow-list '%s': %s", path, strerror (errno));
        return NULL;
    }
    zhashx_t *grants = zhashx_new ();
    zhashx_set_destructor (grants, s_grant_destroy);
    char line [512];
    char reason [128] = "";
    int number = 0;
    while (fgets (line, sizeof line, file)) {
        number++;
        if (!strchr (line, '\n') && !feof (file))
            snprintf (reason, sizeof reason, "line too long");
        else
        if (zhashx_size (grants) >= BROKER_ALLOW_MAX)
            snprintf (reason, sizeof reason, "more than %d keys", BROKER_ALLOW_MAX);
        else
            s_parse_line (grants, line, reason, sizeof reason);
        if (*reason)
            break;
    }
    fclose (file);
    if (*reason) {
        snprintf (error, error_size, "cannot load allow-list '%s': line %d: %s", path, number, reason);
        zhashx_destroy (&grants);
    }
    return grants;
}

/*  ---------------------------------------------------------------------
    The list */

broker_allow_t *
broker_allow_new (const char *path, char *error, size_t error_size)
{
    zhashx_t *grants = path && *path ? s_load (path, error, error_size) : NULL;
    if (!grants) {
        if (!path || !*path)
            snprintf (error, error_size, "no allow-list given (bus_allow)");
        return NULL;
    }
    broker_allow_t *self = r5_calloc (1, sizeof (broker_allow_t));
    self->path = r5_strdup (path);
    self->grants = grants;
    self->sighups = s_sighups;
    stat (path, &self->loaded);
    return self;
}

void
broker_allow_destroy (broker_allow_t **self_p)
{
    broker_allow_t *self = *self_p;
    if (self) {
        zhashx_destroy (&self->grants);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

bool
broker_allow_refresh (broker_allow_t *self)
{
    struct stat now;
    bool exists = stat (self->path, &now) == 0;
    bool changed = exists
        && (now.st_size != self->loaded.st_size || now.st_ino != self->loaded.st_ino
            || now.st_mtim.tv_sec != self->loaded.st_mtim.tv_sec
            || now.st_mtim.tv_nsec != self->loaded.st_mtim.tv_nsec);
    if (!changed && self->sighups == s_sighups)
        return false;
    self->sighups = s_sighups;
    if (exists)
        self->loaded = now;
    char error [256];
    zhashx_t *grants = s_load (self->path, error, sizeof error);
    if (!grants) {
        r5_error (NULL, "%s; the previous allow-list stays in force", error);
        return false;
    }
    zhashx_destroy (&self->grants);
    self->grants = grants;
    r5_info (NULL, "allow-list %s reloaded: %zu keys", self->path, zhashx_size (grants));
    return true;
}

size_t
broker_allow_size (broker_allow_t *self)
{
    return zhashx_size (self->grants);
}

//  The grants of key, or NULL when it has none.
static s_grant_t *
s_grant (broker_allow_t *self, const char *key)
{
    return key ? (s_grant_t *) zhashx_lookup (self->grants, key) : NULL;
}

//  True when list holds name.
static bool
s_listed (zlistx_t *list, const char *name)
{
    for (const char *item = (const char *) zlistx_first (list); item; item = (const char *) zlistx_next (list))
        if (streq (item, name))
            return true;
    return false;
}

bool
broker_allow_admits (broker_allow_t *self, const char *key, const char *domain)
{
    s_grant_t *grant = s_grant (self, key);
    if (!grant)
        return false;
    if (streq (domain, BROKER_DOMAIN_BUS))
        return true;
    for (size_t index = 0; index < S_ROLES; index++)
        if (grant->roles & (1u << index)) {
            if (streq (domain, BROKER_DOMAIN_EVENTS_IN) && s_roles [index].publishes)
                return true;
            if (streq (domain, BROKER_DOMAIN_EVENTS_OUT) && s_roles [index].subscribes)
                return true;
        }
    return false;
}

bool
broker_allow_may_publish (broker_allow_t *self, const char *key, const char *topic)
{
    s_grant_t *grant = s_grant (self, key);
    for (size_t index = 0; grant && index < S_ROLES; index++)
        if ((grant->roles & (1u << index)) && s_roles [index].publishes
        &&  strncmp (topic, s_roles [index].publishes, strlen (s_roles [index].publishes)) == 0)
            return true;
    return false;
}

bool
broker_allow_may_serve (broker_allow_t *self, const char *key, const char *service)
{
    s_grant_t *grant = s_grant (self, key);
    if (!grant)
        return false;
    for (size_t index = 0; index < S_ROLES; index++)
        if ((grant->roles & (1u << index)) && s_roles [index].serves && streq (s_roles [index].serves, service))
            return true;
    return s_listed (grant->serves, service);
}

bool
broker_allow_may_call (broker_allow_t *self, const char *key, const char *service)
{
    s_grant_t *grant = s_grant (self, key);
    if (!grant)
        return false;
    for (size_t index = 0; index < S_ROLES; index++)
        if (grant->roles & (1u << index))
            for (const char *const *call = s_roles [index].calls; *call; call++)
                if (streq (*call, service))
                    return true;
    return s_listed (grant->calls, service);
}

void
broker_allow_roles (broker_allow_t *self, const char *key, char *roles, size_t size)
{
    s_grant_t *grant = s_grant (self, key);
    size_t used = 0;
    roles [0] = '\0';
    for (size_t index = 0; grant && index < S_ROLES; index++)
        if (grant->roles & (1u << index)) {
            int written = snprintf (roles + used, size - used, "%s%s", used ? "," : "", s_roles [index].name);
            if (written < 0 || (size_t) written >= size - used)
                break;
            used += (size_t) written;
        }
}
