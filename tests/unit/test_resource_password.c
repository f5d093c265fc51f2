/*  test_resource_password: Argon2id hashes verify, a missing hash never does,
    and the hash runs on a thread of its own at RESOURCE_PASSWORD_NICE while
    the caller's priority stays what it was (a read on another worker is
    scheduled before a sign-in's hash). */
#include "resource_password.h"
#include "r5_test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_bool s_hashing;

static void *
s_hash (void *arg)
{
    char *out = (char *) arg;
    CHECK (resource_password_hash ("correct horse battery", out) == 0);
    atomic_store (&s_hashing, false);
    return NULL;
}

//  Whether a thread of this process other than the caller runs at nice.
static bool
s_some_thread_at (int nice)
{
    bool seen = false;
    DIR *tasks = opendir ("/proc/self/task");
    struct dirent *entry;
    while (tasks && (entry = readdir (tasks)) != NULL) {
        id_t tid = (id_t) strtol (entry->d_name, NULL, 10);
        if (tid > 0 && tid != (id_t) syscall (SYS_gettid) && getpriority (PRIO_PROCESS, tid) == nice)
            seen = true;
    }
    if (tasks)
        closedir (tasks);
    return seen;
}

int
main (void)
{
    char hash [RESOURCE_PASSWORD_HASH_SIZE];
    CHECK (resource_password_hash ("correct horse battery", hash) == 0);
    CHECK (resource_password_verify (hash, "correct horse battery"));
    CHECK (!resource_password_verify (hash, "correct horse batterz"));
    CHECK (!resource_password_verify (NULL, "correct horse battery"));
    char unterminated [RESOURCE_PASSWORD_HASH_SIZE];
    memset (unterminated, 'x', sizeof unterminated);
    CHECK (!resource_password_verify (unterminated, "correct horse battery"));

    //  While a hash runs, some thread is at RESOURCE_PASSWORD_NICE; the thread
    //  that asked is not, and neither is this one.
    int before = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
    atomic_store (&s_hashing, true);
    pthread_t asker;
    char out [RESOURCE_PASSWORD_HASH_SIZE];
    CHECK (pthread_create (&asker, NULL, s_hash, out) == 0);
    bool seen = false;
    while (atomic_load (&s_hashing) && !seen) {
        seen = s_some_thread_at (RESOURCE_PASSWORD_NICE);
        usleep (1000);
    }
    pthread_join (asker, NULL);
    CHECK_MSG (seen, "a thread at nice %d while hashing", RESOURCE_PASSWORD_NICE);
    CHECK (getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)) == before);
    CHECK (!s_some_thread_at (RESOURCE_PASSWORD_NICE));     //  the hashing thread is gone
    CHECK (resource_password_verify (out, "correct horse battery"));
    return r5_test_report ("test_resource_password");
}
