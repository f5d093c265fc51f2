/*  gql_validate.h - validation of executable documents against a schema (spec October
    2021, section 5 "Validation").

    gql_validate() runs every rule of section 5 over a parsed document and returns every
    error found, in the order graphql-js would find most of them, capped like graphql-js at
    GQL_VALIDATE_MAX_ERRORS (one more error, GQL_RULE_TOO_MANY_ERRORS, then says the cap
    was reached). Rules are named after graphql-js's `specifiedRules` (without the `Rule`
    suffix) so that error reports, logs and the differential conformance test
    (tests/graphql/conformance/) speak the same language; messages keep graphql-js's
    wording, "Did you mean ...?" suggestions included unless the caller hides them
    (gql_validate_with(), like graphql-js 17's `hideSuggestions`): they spell out names
    of the schema, so a server that switches introspection off hides them too.

    Two steps outside the spec are there for servers: an option refuses string values
    holding NUL (C code downstream would cut them short), and gql_validation_response()
    shapes the errors into the response a GraphQL server sends.

    The validator is re-entrant: no static mutable state, no allocation shared between
    calls. It never modifies the document or the schema.
*/
#ifndef GQL_VALIDATE_H_INCLUDED
#define GQL_VALIDATE_H_INCLUDED

#include <jansson.h>

#include "gql_ast.h"
#include "gql_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The validation rules. The comment gives the spec section (October 2021). */
typedef enum {
    GQL_RULE_EXECUTABLE_DEFINITIONS,           /* 5.1.1   Executable Definitions */
    GQL_RULE_UNIQUE_OPERATION_NAMES,           /* 5.2.1.1 Operation Name Uniqueness */
    GQL_RULE_LONE_ANONYMOUS_OPERATION,         /* 5.2.2.1 Lone Anonymous Operation */
    GQL_RULE_SINGLE_FIELD_SUBSCRIPTIONS,       /* 5.2.3.1 Single root field */
    GQL_RULE_KNOWN_TYPE_NAMES,                 /* 5.5.1.2 Fragment Spread Type Existence,
                                                  5.8.2 (variable types) */
    GQL_RULE_FRAGMENTS_ON_COMPOSITE_TYPES,     /* 5.5.1.3 */
    GQL_RULE_VARIABLES_ARE_INPUT_TYPES,        /* 5.8.2 */
    GQL_RULE_SCALAR_LEAFS,                     /* 5.3.3 Leaf Field Selections */
    GQL_RULE_FIELDS_ON_CORRECT_TYPE,           /* 5.3.1 Field Selections */
    GQL_RULE_UNIQUE_FRAGMENT_NAMES,            /* 5.5.1.1 Fragment Name Uniqueness */
    GQL_RULE_KNOWN_FRAGMENT_NAMES,             /* 5.5.2.1 Fragment spread target defined */
    GQL_RULE_NO_UNUSED_FRAGMENTS,              /* 5.5.1.4 Fragments Must Be Used */
    GQL_RULE_POSSIBLE_FRAGMENT_SPREADS,        /* 5.5.2.3 Fragment spread is possible */
    GQL_RULE_NO_FRAGMENT_CYCLES,               /* 5.5.2.2 */
    GQL_RULE_UNIQUE_VARIABLE_NAMES,            /* 5.8.1 Variable Uniqueness */
    GQL_RULE_NO_UNDEFINED_VARIABLES,           /* 5.8.3 All Variable Uses Defined */
    GQL_RULE_NO_UNUSED_VARIABLES,              /* 5.8.4 All Variables Used */
    GQL_RULE_KNOWN_DIRECTIVES,                 /* 5.7.1 Directives Are Defined,
                                                  5.7.2 ... In Valid Locations */
    GQL_RULE_UNIQUE_DIRECTIVES_PER_LOCATION,   /* 5.7.3 */
    GQL_RULE_KNOWN_ARGUMENT_NAMES,             /* 5.4.1 Argument Names */
    GQL_RULE_UNIQUE_ARGUMENT_NAMES,            /* 5.4.2 Argument Uniqueness */
    GQL_RULE_VALUES_OF_CORRECT_TYPE,           /* 5.6.1 Values of Correct Type,
                                                  5.6.2 Input Object Field Names,
                                                  5.6.4 Input Object Required Fields */
    GQL_RULE_PROVIDED_REQUIRED_ARGUMENTS,      /* 5.4.2.1 Required Arguments */
    GQL_RULE_VARIABLES_IN_ALLOWED_POSITION,    /* 5.8.5 All Variable Usages Are Allowed */
    GQL_RULE_OVERLAPPING_FIELDS_CAN_BE_MERGED, /* 5.3.2 Field Selection Merging */
    GQL_RULE_UNIQUE_INPUT_FIELD_NAMES,         /* 5.6.3 Input Object Field Uniqueness */
    GQL_RULE_MAX_INTROSPECTION_DEPTH,          /* graphql-js's recommended rule: no more
                                                  than 2 nested introspection lists */
    GQL_RULE_NO_NUL_STRINGS,                   /* not in the spec: a string value holding
                                                  NUL, with refuse_nul_strings */
    GQL_RULE_TOO_MANY_ERRORS,                  /* not a rule: the error cap was reached */
    GQL_RULE_COUNT_
} gql_rule_t;

/* Most errors reported before validation stops (graphql-js's default `maxErrors`). */
#define GQL_VALIDATE_MAX_ERRORS 100

/* One validation error. `message` is graphql-js's text (it may contain names, numbers and
   printed values from the document, at most GQL_VALIDATE_MAX_MESSAGE bytes);
   `locations` lists the nodes involved in the order graphql-js lists them. Both live in
   the block returned by gql_validate(). */
typedef struct {
    gql_rule_t rule;
    const char *message;
    const gql_loc_t *locations;
    size_t location_count;
} gql_validation_error_t;

#define GQL_VALIDATE_MAX_MESSAGE 1024

/* Options of gql_validate_with(); all false is graphql-js's default.
   - hide_suggestions: no " Did you mean ...?" in any message.
   - refuse_nul_strings: when every rule passes, a string value holding NUL (U+0000, raw
     or escaped: legal GraphQL, but C code downstream would cut the value short) makes
     the document invalid with one error of GQL_RULE_NO_NUL_STRINGS, "string values may
     not contain NUL characters", without a location. */
typedef struct {
    bool hide_suggestions;
    bool refuse_nul_strings;
} gql_validate_options_t;

/* Validates `doc` against `schema`. Returns 0 when the document is valid (*errors = NULL,
   *count = 0), 1 when it is not (*errors is one allocated block holding *count errors
   with their messages and locations; free it with gql_validation_errors_free()), or -1
   when memory ran out (*errors NULL). */
int gql_validate (const gql_schema_t *schema, const gql_document_t *doc, gql_validation_error_t **errors,
                  size_t *count);

/* The same with options (NULL: the defaults). */
int gql_validate_with (const gql_schema_t *schema, const gql_document_t *doc, const gql_validate_options_t *options,
                       gql_validation_error_t **errors, size_t *count);

/* Frees what gql_validate() returned; safe on NULL, sets *errors_p to NULL. */
void gql_validation_errors_free (gql_validation_error_t **errors_p);

/* Returns the rule's graphql-js name without the "Rule" suffix ("FieldsOnCorrectType"),
   or NULL for an out-of-range value. */
const char *gql_rule_name (gql_rule_t rule);

/* Returns the spec's name for the rule ("Field Selections"), or NULL. */
const char *gql_rule_spec_name (gql_rule_t rule);

/* Returns the extensions.code a server answers an error of `rule` with:
   "BAD_USER_INPUT" for GQL_RULE_NO_NUL_STRINGS (the document is fine, a value in it is
   not), "GRAPHQL_VALIDATION_FAILED" for the others. */
const char *gql_rule_code (gql_rule_t rule);

/* Returns the response to a document that failed validation (`errors`, `count` as
   gql_validate() returned them): {"errors": [{"message", "locations": [{"line",
   "column"}], "extensions": {"code"}}]}, one entry per error in order, the code from
   gql_rule_code(). "locations" is there for every error of a validation rule (an empty
   list for the error-cap's error) and left out for the NUL refusal, which has none.
   Returns a new reference, or NULL when out of memory. */
json_t *gql_validation_response (const gql_validation_error_t *errors, size_t count);

#ifdef __cplusplus
}
#endif

#endif
