/*  gateway_http: body reads, JSON responses, headers, cookies.  */
#include "gateway_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *
gateway_http_read_body (struct mg_connection *conn, size_t cap, size_t *size, int *status)
{
    const struct mg_request_info *info = mg_get_request_info (conn);
    long long declared = info->content_length;
    if (declared > (long long) cap) {
        *status = 413;
        return NULL;
    }
    //  civetweb may hand the body over in pieces: read until the declared
    //  length (or the end, for chunked bodies), never past the cap.
    size_t capacity = declared >= 0 ? (size_t) declared + 1 : 16384;
    char *buffer = malloc (capacity);
    size_t length = 0;
    while (1) {
        if (length + 1 >= capacity) {
            if (capacity > cap) {
                free (buffer);
                *status = 413;
                return NULL;
            }
            capacity = capacity * 2 > cap + 2 ? cap + 2 : capacity * 2;
            buffer = realloc (buffer, capacity);
        }
        int got = mg_read (conn, buffer + length, capacity - length - 1);
        if (got < 0) {
            free (buffer);
            *status = 400;
            return NULL;
        }
        if (got == 0)
            break;
        length += (size_t) got;
        if (length > cap) {
            free (buffer);
            *status = 413;
            return NULL;
        }
    }
    if (declared >= 0 && (long long) length != declared) {
        free (buffer);
        *status = 400;
        return NULL;
    }
    buffer [length] = 0;
    *size = length;
    return buffer;
}

void
gateway_http_send_json (struct mg_connection *conn, int status, const char *content_type,
                        json_t *body, const char *extra_headers)
{
    char *text = json_dumps (body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t length = text ? strlen (text) : 0;
    //  Headers and body leave in one write: two small writes meet Nagle and
    //  delayed ACK and cost a client 40 ms per response.
    char *response = NULL;
    int size = asprintf (&response,
                         "HTTP/1.1 %d %s\r\n"
                         "Content-Type: %s\r\n"
                         "Content-Length: %zu\r\n"
                         "Cache-Control: no-store\r\n"
                         "X-Content-Type-Options: nosniff\r\n"
                         "%s"
                         "\r\n"
                         "%s",
                         status, mg_get_response_code_text (conn, status),
                         content_type ? content_type : "application/json; charset=utf-8",
                         length, extra_headers ? extra_headers : "", text ? text : "");
    if (size > 0)
        mg_write (conn, response, (size_t) size);
    free (response);
    free (text);
}

void
gateway_http_send_error (struct mg_connection *conn, int status, const char *message)
{
    json_t *body = json_pack ("{s:s}", "error", message);
    gateway_http_send_json (conn, status, NULL, body, NULL);
    json_decref (body);
}

const char *
gateway_json_string (json_t *object, const char *key, const char *otherwise)
{
    json_t *value = json_object_get (object, key);
    return json_is_string (value) ? json_string_value (value) : otherwise;
}

const char *
gateway_http_header (struct mg_connection *conn, const char *name)
{
    return mg_get_header (conn, name);
}

int
gateway_http_is_json (struct mg_connection *conn)
{
    const char *type = mg_get_header (conn, "Content-Type");
    if (!type)
        return 0;
    while (*type == ' ')
        type++;
    size_t length = strcspn (type, "; ");
    return length == 16 && strncasecmp (type, "application/json", 16) == 0;
}

int
gateway_http_cookie (struct mg_connection *conn, const char *name, char *out, size_t size)
{
    const char *header = mg_get_header (conn, "Cookie");
    if (!header)
        return -1;
    return mg_get_cookie (header, name, out, size) >= 0 ? 0 : -1;
}

const char *
gateway_http_client_ip (struct mg_connection *conn, int trust_proxy, char *out, size_t size)
{
    const char *forwarded = trust_proxy ? mg_get_header (conn, "X-Forwarded-For") : NULL;
    if (forwarded) {
        //  The left-most address is the client's, as the proxy appended it.
        size_t length = strcspn (forwarded, ", ");
        snprintf (out, size, "%.*s", (int) (length < size ? length : size - 1), forwarded);
    }
    else
        snprintf (out, size, "%s", mg_get_request_info (conn)->remote_addr);
    return out;
}
