/*  test_resource_validate: what signup and user input accept and refuse.  */
#include "resource_validate.h"
#include "r5_test.h"
#include "r5/resource.pb-c.h"

#include <string.h>

int
main (void)
{
    char email [RESOURCE_EMAIL_MAX + 1];
    CHECK (resource_validate_email ("Ada@Example.COM", email) == NULL);
    CHECK_STR (email, "ada@example.com");
    //  One normal form: surrounding white space goes, as the case does.
    CHECK (resource_validate_email (" \tAda@Example.COM \r\n", email) == NULL);
    CHECK_STR (email, "ada@example.com");
    CHECK (resource_validate_email ("   ", email) != NULL);
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

    //  Multi-line text: descriptions and notes keep their line breaks.
    CHECK (resource_validate_multiline ("body", "line one\nline two\ttab", 1, 100) == NULL);
    CHECK (resource_validate_multiline ("body", "bell\a", 1, 100) != NULL);
    CHECK (resource_validate_multiline ("description", "", 0, 100) == NULL);
    CHECK_STR (resource_validate_multiline ("body", "", 1, 10000), "body must be 1 to 10000 characters");
    CHECK (resource_validate_text ("title", "a\nb", 1, 100) != NULL);

    //  Ids: 24 lowercase hex characters; lists without duplicates, bounded.
    CHECK (resource_validate_id ("6b0a1e67455690317b05eaf6"));
    CHECK (!resource_validate_id ("6B0A1E67455690317B05EAF6"));
    CHECK (!resource_validate_id ("6b0a1e67455690317b05eaf"));
    CHECK (!resource_validate_id ("6b0a1e67455690317b05eafg"));
    CHECK (!resource_validate_id (NULL));
    char *ids [] = { "6b0a1e67455690317b05eaf6", "6b0a1e67455690317b05eaf7", "6b0a1e67455690317b05eaf6", "nope" };
    CHECK (resource_validate_ids ("teamIds", ids, 2, 20) == NULL);
    CHECK_STR (resource_validate_ids ("teamIds", ids, 3, 20), "teamIds names a team twice");
    CHECK_STR (resource_validate_ids ("userIds", ids + 3, 1, 50), "userIds holds an id that is not valid");
    CHECK_STR (resource_validate_ids ("teamIds", ids, 2, 1), "teamIds names too many teams (at most 20)");

    //  Rules by .proto field name: a create's plain fields, an update's set oneofs.
    static const resource_text_rule_t rules [] = {
        { "name", 1, 100, false, "name must be 1 to 100 characters" },
        { "description", 0, 10, true, "description must be at most 10 characters" },
    };
    R5__CreateTeamRequest create = R5__CREATE_TEAM_REQUEST__INIT;
    create.name = "Ops";
    create.description = "two\nlines";
    CHECK (resource_validate_fields (&create.base, rules, 2) == NULL);
    create.description = "eleven char";
    CHECK_STR (resource_validate_fields (&create.base, rules, 2), "description must be at most 10 characters");
    create.name = "  ";
    CHECK_STR (resource_validate_fields (&create.base, rules, 2), "a text field is blank");
    R5__UpdateTeamRequest update = R5__UPDATE_TEAM_REQUEST__INIT;
    update.name = "";                                   //  not set: not checked
    CHECK (resource_validate_fields (&update.base, rules, 2) == NULL);
    update.name_present_case = R5__UPDATE_TEAM_REQUEST__NAME_PRESENT_NAME;
    CHECK_STR (resource_validate_fields (&update.base, rules, 2), "name must be 1 to 100 characters");

    CHECK (resource_validate_password ("correct horse") == NULL);
    CHECK (resource_validate_password ("short") != NULL);
    CHECK (resource_validate_password (NULL) != NULL);
    return r5_test_report ("test_resource_validate");
}
