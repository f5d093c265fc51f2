/*  test_client_sockets: when libzmq cannot make another socket (the
    context's max_sockets reached, or the process out of file descriptors),
    r5_client_new answers NULL and the process goes on: a gateway thread
    makes its client on its first request, and czmq's zsock_new would abort
    the whole gateway there instead. */
#include "r5_client.h"
#include "r5_curve.h"
#include "r5_test.h"

#include <czmq.h>

#define S_SLOTS 8

int
main (void)
{
    //  Before the context exists: it is made with room for S_SLOTS sockets.
    zsys_set_max_sockets (S_SLOTS);
    zcert_t *own = zcert_new ();
    zcert_t *broker = zcert_new ();
    r5_curve_set (own, zcert_public_txt (broker));
    zcert_destroy (&own);

    r5_client_t *clients [S_SLOTS + 1] = { NULL };
    int made = 0;
    while (made <= S_SLOTS && (clients [made] = r5_client_new ("tcp://127.0.0.1:9")))
        made++;
    CHECK_MSG (made > 0, "no client at all");
    CHECK_MSG (made < S_SLOTS + 1, "more clients than the context has sockets");
    //  Room again once one is gone.
    r5_client_destroy (&clients [0]);
    zclock_sleep (100);         //  libzmq frees a closed socket's slot in its reaper thread
    clients [0] = r5_client_new ("tcp://127.0.0.1:9");
    CHECK (clients [0] != NULL);
    for (int i = 0; i <= S_SLOTS; i++)
        r5_client_destroy (&clients [i]);
    zcert_destroy (&broker);
    return r5_test_report ("test_client_sockets");
}
