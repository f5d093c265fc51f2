/*  gql_validate_internal.h - what the files of the validator share (internal).

    gql_validate.c walks the document once, with the type information graphql-js's
    TypeInfo tracks, and runs the rules; gql_validate_overlap.c holds the rule "Field
    Selection Merging" (OverlappingFieldsCanBeMerged), which has its own caches;
    gql_validate_nul.c the refuse_nul_strings step.
*/
#ifndef GQL_VALIDATE_INTERNAL_H_INCLUDED
#define GQL_VALIDATE_INTERNAL_H_INCLUDED

#include "gql_arena.h"
#include "gql_validate.h"

#include <stdarg.h>

typedef struct gqlv_overlap gqlv_overlap_t;

/* A growable array of locations (malloc'd). */
typedef struct {
    gql_loc_t *v;
    size_t n;
    size_t cap;
} gqlv_locs_t;

/* One recorded error (message and locations live in the context's arena). */
typedef struct {
    gql_rule_t rule;
    const char *message;
    const gql_loc_t *locations;
    size_t location_count;
} gqlv_error_t;

/* The state of one gql_validate() call. */
typedef struct {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    gql_arena_t *arena; /* everything that lives until the end of the call */
    bool oom;           /* an allocation failed: the answer is -1 */

    gqlv_error_t *errors; /* malloc'd */
    size_t error_count;
    size_t error_cap;
    bool aborted; /* GQL_VALIDATE_MAX_ERRORS reached */

    /* Fragment lookup: `frag_sorted` holds the indexes (into doc->fragments) of the
       definitions that win a name lookup (the last one of each name, as graphql-js's
       getFragment()), sorted by name. */
    uint32_t *frag_sorted;
    size_t frag_sorted_count;

    gqlv_overlap_t *overlap;     /* OverlappingFieldsCanBeMerged's caches */
    bool doc_directives;         /* the document defines directives (`directive @x`) */
    bool hide_suggestions;       /* gql_validate_options_t: no "Did you mean" */
    signed char scalar_used [3]; /* Int, Float, ID referenced by the schema: -1 unknown */
} gqlv_ctx_t;

/* Records an error: rule, printf-style message, locations. Does nothing once the cap is
   reached (after recording the "too many errors" error). */
void gqlv_report (gqlv_ctx_t *ctx, gql_rule_t rule, const gql_loc_t *locs, size_t nlocs, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 5, 6)))
#endif
    ;

/* Returns the index (into doc->fragments) of the fragment `name` refers to, or -1. */
long gqlv_fragment_index (const gqlv_ctx_t *ctx, gql_str_t name);

/* Returns the named type `name` of the schema, or NULL. A built-in scalar the schema
   never references is not one of its types (spec 3.5 "Built-in Scalars"; graphql-js). */
const gql_type_t *gqlv_type (gqlv_ctx_t *ctx, gql_str_t name);

/* Resolves a type as written in the document with gqlv_type()'s view of the schema.
   Returns 0, or -1 when the named type is unknown. */
int gqlv_resolve (gqlv_ctx_t *ctx, const gql_type_node_t *node, gql_type_ref_t *out);

/* Writes graphql-js's " Did you mean <sub> "a", "b", or "c"?" for the options nearest to
   `input` (nothing when none is near, or when ctx hides suggestions) into buf; sets
   ctx->oom when out of memory. */
void gqlv_did_you_mean (gqlv_ctx_t *ctx, char *buf, size_t size, const char *sub, gql_str_t input,
                        const gql_str_t *options, size_t count);

/* Same for a list already chosen and ordered (at most five are shown). */
void gqlv_did_you_mean_list (const gqlv_ctx_t *ctx, char *buf, size_t size, const char *sub, const gql_str_t *names,
                             size_t count);

/* graphql-js naturalCompare(): text order where runs of digits compare as numbers. */
int gqlv_natural_compare (gql_str_t a, gql_str_t b);

/* Appends a location; sets ctx->oom and returns -1 on failure. */
int gqlv_locs_push (gqlv_ctx_t *ctx, gqlv_locs_t *locs, gql_loc_t loc);

/* Writes a schema type reference as GraphQL ("[Int!]") into buf (NUL-terminated,
   truncated to size). */
void gqlv_print_ref (gql_type_ref_t ref, char *buf, size_t size);

/* The refuse_nul_strings step (gql_validate_nul.c): reports one GQL_RULE_NO_NUL_STRINGS
   error when a string value of the document's operations or fragments holds NUL. */
void gqlv_check_nul_strings (gqlv_ctx_t *ctx);

/* The OverlappingFieldsCanBeMerged rule. _new returns NULL when out of memory. check()
   runs the rule on one selection set whose parent type (NULL when unknown) is given. */
gqlv_overlap_t *gqlv_overlap_new (gqlv_ctx_t *ctx);
void gqlv_overlap_destroy (gqlv_overlap_t **ov_p);
void gqlv_overlap_check (gqlv_ctx_t *ctx, const gql_type_t *parent, const gql_selection_set_t *set);
/* Whether a check stopped at the nesting bound (only a fragment cycle leads there). */
bool gqlv_overlap_cut (const gqlv_overlap_t *ov);

#endif
