/*  gql_validate_response.c - validation errors shaped into a GraphQL response, as a
    server answers a document that failed validation.
*/
#include "gql_validate.h"

json_t *
gql_validation_response (const gql_validation_error_t *errors, size_t count)
{
    json_t *list = json_array ();
    json_t *response = json_pack ("{s:o}", "errors", list);
    if (!response)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        const gql_validation_error_t *e = &errors [i];
        json_t *error = json_pack ("{s:s}", "message", e->message);
        if (json_array_append_new (list, error) < 0)
            goto nomem;
        /* The NUL refusal points nowhere; a rule's error always has the list, empty for
           the error cap's. */
        if (e->rule != GQL_RULE_NO_NUL_STRINGS) {
            json_t *locations = json_array ();
            if (json_object_set_new (error, "locations", locations) < 0)
                goto nomem;
            for (size_t j = 0; j < e->location_count; j++)
                if (json_array_append_new (locations, json_pack ("{s:i,s:i}", "line", (int) e->locations [j].line,
                                                                 "column", (int) e->locations [j].column))
                    < 0)
                    goto nomem;
        }
        if (json_object_set_new (error, "extensions", json_pack ("{s:s}", "code", gql_rule_code (e->rule))) < 0)
            goto nomem;
    }
    return response;

nomem:
    json_decref (response);
    return NULL;
}
