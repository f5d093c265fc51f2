/*  fuzz_broker: the broker's frame handling (broker_handle_message), fed
    multipart messages as its ROUTER would read them from clients and workers.
    The input is a sequence of messages on one fresh broker: each frame is a
    length byte then that many bytes; a length byte of 0xFF ends a message.
    Answers go to peers that are not there (ROUTER_MANDATORY drops them). */
#include "broker.h"
#include "broker_zap.h"
#include "fuzz_worker_stack.h"
#include "r5_test_bus.h"

#include <stdio.h>

static const char *s_allow;

static void
s_one_input (const uint8_t *data, size_t size)
{
    static unsigned s_count;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://r5-fuzz-broker-%u", s_count++);
    broker_t *broker = broker_new (endpoint, s_allow);
    if (!broker)
        abort ();
    //  Every message comes from the one key, allowed every role: the fuzzer
    //  explores the frames, not the grants (test_messaging covers those).
    const char *key = r5_curve_public ();
    zmsg_t *msg = zmsg_new ();
    size_t at = 0;
    while (at < size) {
        uint8_t length = data [at++];
        if (length == 0xFF) {
            broker_handle_message (broker, &msg, key);
            msg = zmsg_new ();
            continue;
        }
        size_t take = length <= size - at ? length : size - at;
        zmsg_addmem (msg, data + at, take);
        at += take;
    }
    if (zmsg_size (msg))
        broker_handle_message (broker, &msg, key);
    zmsg_destroy (&msg);
    broker_destroy (&broker);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    setenv ("ZSYS_SIGHANDLER", "false", 1);
    s_allow = r5_test_bus_keys (NULL);
    //  One user of the ZAP handler for the whole run, so the broker each
    //  input makes does not start and stop it every time.
    char error [256];
    if (!s_allow || broker_zap_start (s_allow, error, sizeof error) != 0)
        return 1;
    atexit (broker_zap_stop);       //  before czmq's own shutdown, which runs later
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_worker_stack_run (s_one_input, data, size);
}
