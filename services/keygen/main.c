/*  r5-keygen: writes the key files an r5 suite needs (keygen.h).

        r5-keygen --dir DIR                          every key DIR lacks
        r5-keygen --dir DIR --add NAME --role ROLE   one more key, granted ROLE */
#include "keygen.h"
#include "r5_config.h"
#include "r5_service_config.h"

static const r5_config_key_t s_keys [] = {
    { "dir", NULL, "the key directory (made with mode 0700 when missing)", false },
    { "add", "", "make one more CURVE key pair of this name instead of the suite's", false },
    { "role", "", "with --add: the role the new key is granted in bus-allow", false },
    { "log_level", "info", "debug, info, warn or error", false },
    { "log_format", "text", "text (one line per event) or json (one object per line)", false },
    { NULL, NULL, NULL, false }
};

int
main (int argc, char *argv [])
{
    r5_config_t *config = r5_service_config ("r5-keygen", s_keys, argc, argv);
    const char *dir = r5_config_get (config, "dir");
    const char *add = r5_config_get (config, "add");
    char error [512];
    int rc = *add ? keygen_add (dir, add, r5_config_get (config, "role"), error, sizeof error)
                  : keygen_suite (dir, error, sizeof error);
    if (rc != 0)
        fprintf (stderr, "r5-keygen: %s\n", error);
    r5_config_destroy (&config);
    return rc == 0 ? 0 : 1;
}
