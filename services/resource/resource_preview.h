/*  resource_preview: what a token with given scopes could do for its user —
    the web UI's preview beside the scope checkboxes. Every answer comes from
    r5-authz deciding representative operations with the user's live facts
    (one batched question), so the preview can never disagree with what the
    API will do; this file only turns decisions into sentences. */
#ifndef RESOURCE_PREVIEW_H
#define RESOURCE_PREVIEW_H

#include "resource_call.h"

//  Fill call->reply with a PermissionPreview for request's scopes.
void resource_preview_on_request (resource_call_t *call, const R5__PreviewPermissionsRequest *request);

#endif
