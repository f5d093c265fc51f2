#include "resource_password.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

//  An Argon2id hash takes a core for tens of milliseconds. It runs on a
//  thread of its own at a lower priority (Linux's nice is per thread), so the
//  reads that arrive meanwhile, on the process's other workers and in the
//  other processes of the host, are scheduled before it; the worker that asked
//  waits for it as before. Under a full CPU a sign-in gets about a tenth of a
//  core instead of a share equal to a read's.
typedef struct {
    const char *password;
    const char *hash;       //  verify against this; NULL: hash into out
    char *out;
    int rc;
} s_job_t;

static void *
s_hash_thread (void *arg)
{
    s_job_t *job = (s_job_t *) arg;
    //  Raising one's own nice needs no privilege; it is this thread's alone.
    (void) setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), RESOURCE_PASSWORD_NICE);
    size_t length = strlen (job->password);
    if (job->hash)
        job->rc = crypto_pwhash_str_verify (job->hash, job->password, length);
    else
        job->rc = crypto_pwhash_str (job->out, job->password, length, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE);
    return NULL;
}

//  Run job on a lowered-priority thread and wait for it; on this thread
//  should none start.
static int
s_run (s_job_t *job)
{
    pthread_t thread;
    if (pthread_create (&thread, NULL, s_hash_thread, job) != 0)
        s_hash_thread (job);
    else
        pthread_join (thread, NULL);
    return job->rc;
}

int
resource_password_hash (const char *password, char out [RESOURCE_PASSWORD_HASH_SIZE])
{
    s_job_t job = { password, NULL, out, -1 };
    return s_run (&job);
}

bool
resource_password_verify (const char *hash, const char *password)
{
    if (!hash) {
        //  Hashing costs what verifying does, so a missing user takes as long as a wrong password.
        char spent [RESOURCE_PASSWORD_HASH_SIZE];
        resource_password_hash (password, spent);
        return false;
    }
    if (strnlen (hash, RESOURCE_PASSWORD_HASH_SIZE) >= RESOURCE_PASSWORD_HASH_SIZE)
        return false;
    s_job_t job = { password, hash, NULL, -1 };
    return s_run (&job) == 0;
}
