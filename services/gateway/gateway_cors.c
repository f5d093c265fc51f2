/*  gateway_cors: the CORS allow-list, for preflights and answers alike.  */
#include "gateway_cors.h"
#include "gateway_access.h"
#include "gateway_http.h"

#include <stdio.h>
#include <string.h>

//  Longest origin echoed ("https://" + a host name + ":65535").
#define S_ORIGIN_MAX 300

//  What a preflight allows: the methods /graphql serves and the headers
//  clients send it (Apollo's client name and version headers included).
#define S_ALLOW_METHODS "GET, POST, OPTIONS"
#define S_ALLOW_HEADERS "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-Id, traceparent, " \
                        "apollographql-client-name, apollographql-client-version"
//  What a page may read of an answer beyond the safelisted headers.
#define S_EXPOSE_HEADERS "X-Request-Id, Retry-After, WWW-Authenticate"
//  How long a browser may keep a preflight's answer (seconds).
#define S_MAX_AGE "600"

bool
gateway_cors_allows (const char *list, const char *origin)
{
    if (!list || !origin || !*origin)
        return false;
    size_t length = strlen (origin);
    while (*list) {
        list += strspn (list, " ,");
        size_t item = strcspn (list, ",");
        size_t trimmed = item;
        while (trimmed && list [trimmed - 1] == ' ')
            trimmed--;
        if (trimmed && trimmed == length && memcmp (list, origin, length) == 0)
            return true;
        list += item;
    }
    return false;
}

//  Whether uri is shared cross-origin at all.
static bool
s_is_shared (const char *uri)
{
    return uri && (strcmp (uri, "/graphql") == 0 || strcmp (uri, "/schema.graphql") == 0);
}

int
gateway_cors_begin_request (struct mg_connection *conn, const char *list)
{
    if (!list || !*list)
        return 0;
    const struct mg_request_info *info = mg_get_request_info (conn);
    if (!s_is_shared (info->local_uri))
        return 0;
    const char *origin = mg_get_header (conn, "Origin");
    bool allowed = gateway_cors_allows (list, origin) && strlen (origin) <= S_ORIGIN_MAX;
    char headers [S_ORIGIN_MAX + 256];
    //  The answer depends on Origin whether or not it is allowed.
    snprintf (headers, sizeof headers, "%s%s%sVary: Origin\r\n",
              allowed ? "Access-Control-Allow-Origin: " : "", allowed ? origin : "", allowed ? "\r\n" : "");
    //  A preflight has no body: one with a length or an encoding is left to
    //  gateway_http_begin_request, whose framing check closes what is ambiguous.
    bool preflight = strcmp (info->request_method, "OPTIONS") == 0
                  && mg_get_header (conn, "Access-Control-Request-Method")
                  && info->content_length <= 0 && !mg_get_header (conn, "Transfer-Encoding")
                  && !mg_get_header (conn, "Content-Length");
    if (preflight && allowed) {
        char answer [sizeof headers + 512];
        snprintf (answer, sizeof answer,
                  "%sAllow: GET, HEAD, POST, OPTIONS\r\n"
                  "Access-Control-Allow-Methods: " S_ALLOW_METHODS "\r\n"
                  "Access-Control-Allow-Headers: " S_ALLOW_HEADERS "\r\n"
                  "Access-Control-Max-Age: " S_MAX_AGE "\r\n", headers);
        gateway_http_send_head (conn, 204, NULL, 0, answer);
        return 204;
    }
    if (allowed)
        strncat (headers, "Access-Control-Expose-Headers: " S_EXPOSE_HEADERS "\r\n",
                 sizeof headers - strlen (headers) - 1);
    gateway_access_add_header (conn, headers);
    return 0;
}
