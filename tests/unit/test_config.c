/*  test_config: precedence, validation and errors of the config table.  */
#include "r5_config.h"
#include "r5_test.h"

#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static const r5_config_key_t s_keys [] = {
    { "mongodb_uri", NULL, "required", true },
    { "threads", "8", "a number", false },
    { "listen", "127.0.0.1:8080", "address", false },
    { NULL, NULL, NULL, false }
};

int
main (void)
{
    char error [256];
    unsetenv ("R5_MONGODB_URI");
    unsetenv ("R5_THREADS");
    unsetenv ("R5_CONFIG");

    //  A missing required key fails with one line naming its variable.
    char *argv0 [] = { "prog", NULL };
    r5_config_t *config = r5_config_new (s_keys, 1, argv0, error, sizeof error);
    CHECK (config == NULL);
    CHECK (strstr (error, "R5_MONGODB_URI") != NULL);

    //  file < env < flags
    char path [] = "/tmp/r5-config-XXXXXX";
    int fd = mkstemp (path);
    const char *text = "# comment\nmongodb_uri = mongodb://file/db\nthreads = 4\nlisten=file:1\n";
    CHECK (write (fd, text, strlen (text)) == (ssize_t) strlen (text));
    close (fd);
    setenv ("R5_THREADS", "16", 1);
    char *argv1 [] = { "prog", "--config", path, "--listen=flag:2", NULL };
    config = r5_config_new (s_keys, 4, argv1, error, sizeof error);
    CHECK (config != NULL);
    if (config) {
        CHECK_STR (r5_config_get (config, "mongodb_uri"), "mongodb://file/db");
        CHECK_STR (r5_config_get (config, "threads"), "16");
        CHECK_STR (r5_config_get (config, "listen"), "flag:2");
        int64_t value;
        CHECK (r5_config_int (config, "threads", 1, 100, &value, error, sizeof error) == 0 && value == 16);
        CHECK (r5_config_int (config, "threads", 1, 10, &value, error, sizeof error) == -1);
        r5_config_destroy (&config);
    }
    CHECK (config == NULL);
    r5_config_destroy (&config);        //  safe on NULL

    //  Unknown options and unknown file keys are refused.
    char *argv2 [] = { "prog", "--mongodb-uri", "x", "--nope", "1", NULL };
    CHECK (r5_config_new (s_keys, 5, argv2, error, sizeof error) == NULL);
    CHECK (strstr (error, "--nope") != NULL);
    fd = open (path, O_WRONLY | O_TRUNC);
    CHECK (write (fd, "bogus = 1\n", 10) == 10);
    close (fd);
    char *argv3 [] = { "prog", "--config", path, NULL };
    CHECK (r5_config_new (s_keys, 3, argv3, error, sizeof error) == NULL);
    CHECK (strstr (error, "unknown key 'bogus'") != NULL);

    //  --help: NULL with an empty error.
    char *argv4 [] = { "prog", "--help", NULL };
    CHECK (r5_config_new (s_keys, 2, argv4, error, sizeof error) == NULL && error [0] == 0);
    unlink (path);
    return r5_test_report ("test_config");
}
