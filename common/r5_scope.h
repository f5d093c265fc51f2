/*  r5_scope: the sixteen token scopes by name ("incidentsRead") and as a bit
    set, the way tokens carry them through caches and checks. */
#ifndef R5_SCOPE_H
#define R5_SCOPE_H

#include <stddef.h>
#include <stdint.h>
#include "r5/common.pb-c.h"

#define R5_SCOPE_COUNT 16

typedef uint32_t r5_scope_set_t;   //  bit (scope - 1) per R5__Scope

//  The client-facing name of a scope ("incidentsRead"); NULL when out of range.
const char *r5_scope_name (R5__Scope scope);

//  The scope named name (length len); R5__SCOPE__SCOPE_UNSPECIFIED when unknown.
R5__Scope r5_scope_from_name (const char *name, size_t len);

static inline r5_scope_set_t
r5_scope_bit (R5__Scope scope)
{
    return scope >= 1 && scope <= R5_SCOPE_COUNT ? (r5_scope_set_t) 1 << (scope - 1) : 0;
}

//  Bit set of a list of scopes; unknown values are ignored.
r5_scope_set_t r5_scope_set_of (const R5__Scope *scopes, size_t count);

#endif
