/*  r5_endpoints: endpoint lists.  */
#include "r5_endpoints.h"
#include "r5_alloc.h"
#include "r5_log.h"

zlistx_t *
r5_endpoints_parse (const char *list)
{
    zlistx_t *endpoints = zlistx_new ();
    char *copy = r5_strdup (list ? list : "");
    zlistx_set_destructor (endpoints, (zlistx_destructor_fn *) zstr_free);
    char *save = NULL;
    for (char *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        while (*item == ' ' || *item == '\t')
            item++;
        char *end = item + strlen (item);
        while (end > item && (end [-1] == ' ' || end [-1] == '\t'))
            *--end = '\0';
        if (*item)
            zlistx_add_end (endpoints, r5_strdup (item));
    }
    free (copy);
    return endpoints;
}

int
r5_endpoints_connect (void *sock, const char *list)
{
    zlistx_t *endpoints = r5_endpoints_parse (list);
    if (!endpoints)
        return -1;
    int connected = 0;
    for (const char *endpoint = (const char *) zlistx_first (endpoints); endpoint;
         endpoint = (const char *) zlistx_next (endpoints)) {
        if (zmq_connect (zsock_resolve (sock), endpoint) != 0) {
            r5_error (NULL, "cannot connect to %s: %s", endpoint, zmq_strerror (zmq_errno ()));
            connected = -1;
            break;
        }
        connected++;
    }
    zlistx_destroy (&endpoints);
    return connected;
}
