/*  test_resource_validate: what signup and user input accept and refuse.  */
#include "resource_validate.h"
#include "r5_test.h"

#include <string.h>

int
main (void)
{
    char email [RESOURCE_EMAIL_MAX + 1];
    CHECK (resource_validate_email ("Ada@Example.COM", email) == NULL);
    CHECK_STR (email, "ada@example.com");
    CHECK (resource_validate_email ("no-at-sign", email) != NULL);
    CHECK (resource_validate_email ("a@b", email) != NULL);
    CHECK (resource_validate_email ("a@@b.c", email) != NULL);
    CHECK (resource_validate_email ("a b@c.d", email) != NULL);
    CHECK (resource_validate_email (NULL, email) != NULL);

    CHECK (resource_validate_text ("name", "Ada", 1, 100) == NULL);
    CHECK (resource_validate_text ("name", "Zoë 😀", 1, 100) == NULL);
    CHECK (resource_validate_text ("name", "", 1, 100) != NULL);
    CHECK (resource_validate_text ("name", "   ", 1, 100) != NULL);
    CHECK (resource_validate_text ("name", "tab\there", 1, 100) != NULL);
    CHECK (resource_validate_text ("name", "\xff\xfe", 1, 100) != NULL);          //  not UTF-8
    CHECK (resource_validate_text ("name", "\xc0\xaf", 1, 100) != NULL);          //  overlong
    CHECK (resource_validate_text ("name", "\xed\xa0\x80", 1, 100) != NULL);      //  surrogate
    char long_name [202];
    memset (long_name, 'x', 101);
    long_name [101] = 0;
    CHECK (resource_validate_text ("name", long_name, 1, 100) != NULL);

    CHECK (resource_validate_password ("correct horse") == NULL);
    CHECK (resource_validate_password ("short") != NULL);
    CHECK (resource_validate_password (NULL) != NULL);
    TEST_DONE ();
}
