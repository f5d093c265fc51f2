/*  openloop: an open-loop HTTP/1.1 load generator, after wrk2.
        openloop --url http://127.0.0.1:PORT/path --rate R --seconds S --connections C
                 --body-file F [--header 'Name: value']...
    wrk is closed-loop: a slow reply delays the next request, so the requests
    that would have queued are never sent and queueing never shows in its
    percentiles. Here the k-th request is due at t0 + k/R whatever happens, on
    connection k mod C (so each connection runs at R/C, the connections evenly
    offset); one request is in flight per connection, a late one's successor
    goes as soon as the reply arrives, and every latency runs from the time a
    request was due to the end of its reply (coordinated omission corrected).
    POSTs the body as application/json over keep-alive connections; replies are
    framed by Content-Length (chunked or unframed ones count as errors). The
    first second is sent but not measured. Prints one line of JSON: rate, sent,
    ok (2xx), non2xx, errors, reconnects, unsent (due but never sent: the
    backlog at the end), achieved (replies/s), and p50/p90/p99/p999/max in ms. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define WARMUP_NS   1000000000LL    //  the first second: connections and caches settle
#define DRAIN_NS    5000000000LL    //  how long replies still in flight at the end are awaited
#define HEAD_MAX    16384           //  a reply's status line and headers, at most
#define MAX_HEADERS 32

typedef struct {
    int fd;                 //  -1 when closed (reopened at its next due request)
    uint64_t next;          //  the next request's global index k (due at t0 + k/R)
    int64_t intended;       //  when the request in flight was due; -1 when idle
    bool measured;          //  the request in flight is past the warm-up
    size_t written;         //  bytes of the request sent so far
    bool want_out;          //  EPOLLOUT is registered (a partial write)
    char head [HEAD_MAX];   //  the reply's head as received; its body is counted, not kept
    size_t have;
    int status;             //  the reply's status, once its head is complete
    long long body_left;    //  -1 until the head is complete
} conn_t;

static struct sockaddr_storage s_addr;
static socklen_t s_addr_len;
static int s_family;
static char *s_request;
static size_t s_request_len;
static double s_rate;
static long s_connections;
static int64_t s_t0, s_end;
static int s_epoll;
static uint64_t s_sent, s_ok, s_non2xx, s_errors, s_reconnects, s_window_replies;
static int64_t *s_samples;
static size_t s_count, s_capacity;

static int64_t
s_now (void)
{
    struct timespec ts;
    if (clock_gettime (CLOCK_MONOTONIC, &ts))
        abort ();
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t
s_due (uint64_t k)
{
    return s_t0 + (int64_t) ((double) k * 1e9 / s_rate);
}

static void
s_die (const char *what)
{
    fprintf (stderr, "openloop: %s\n", what);
    exit (2);
}

static void
s_record (int64_t latency)
{
    if (s_count == s_capacity) {
        s_capacity = s_capacity ? s_capacity * 2 : 65536;
        s_samples = realloc (s_samples, s_capacity * sizeof *s_samples);
        if (!s_samples)
            s_die ("out of memory");
    }
    s_samples [s_count++] = latency;
}

//  Closes the connection; the request in flight, if any, failed. The
//  connection is reopened when its next request is due.
static void
s_close (conn_t *conn)
{
    if (conn->intended >= 0 && conn->measured)
        s_errors++;
    conn->intended = -1;
    if (conn->fd >= 0) {
        close (conn->fd);   //  also takes it out of the epoll set
        s_reconnects++;
    }
    conn->fd = -1;
}

//  A blocking connect, then non-blocking I/O: on loopback a connect takes
//  microseconds, and a connecting state would double the code.
static bool
s_connect (conn_t *conn)
{
    int fd = socket (s_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = conn };
    if (connect (fd, (struct sockaddr *) &s_addr, s_addr_len)
        || setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)
        || fcntl (fd, F_SETFL, O_NONBLOCK) || epoll_ctl (s_epoll, EPOLL_CTL_ADD, fd, &event)) {
        close (fd);
        return false;
    }
    conn->fd = fd;
    conn->want_out = false;
    return true;
}

static void
s_want_out (conn_t *conn, bool want)
{
    if (conn->want_out == want)
        return;
    struct epoll_event event = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = conn };
    if (epoll_ctl (s_epoll, EPOLL_CTL_MOD, conn->fd, &event))
        s_die ("epoll_ctl failed");
    conn->want_out = want;
}

static void
s_write (conn_t *conn)
{
    while (conn->written < s_request_len) {
        ssize_t n = send (conn->fd, s_request + conn->written, s_request_len - conn->written, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            s_want_out (conn, true);
            return;
        }
        if (n <= 0) {
            s_close (conn);
            return;
        }
        conn->written += (size_t) n;
    }
    s_want_out (conn, false);
}

//  Sends the connection's next request, due now or earlier.
static void
s_send (conn_t *conn)
{
    int64_t due = s_due (conn->next);
    conn->next += (uint64_t) s_connections;     //  this connection's share: every C-th request
    bool measured = due >= s_t0 + WARMUP_NS;
    if (conn->fd < 0 && !s_connect (conn)) {
        if (measured)
            s_errors++;
        return;
    }
    conn->intended = due;
    conn->measured = measured;
    conn->written = 0;
    conn->have = 0;
    conn->body_left = -1;
    s_sent++;
    s_write (conn);
}

//  Parses a complete head (status line and headers, head [0..end) without the
//  blank line): answers the status and sets *length, or answers -1 when the
//  reply is not framed by Content-Length (and then *length is -1).
static int
s_parse_head (char *head, size_t end, long long *length)
{
    head [end] = '\0';
    int status = 0, n = 0;
    if (sscanf (head, "HTTP/1.%*1[01] %3d%n", &status, &n) != 1 || n != 12 || status < 100)
        return -1;
    *length = -1;
    for (char *line = strstr (head, "\r\n"); line; line = strstr (line, "\r\n")) {
        line += 2;
        if (strncasecmp (line, "transfer-encoding:", 18) == 0)
            return -1;  //  chunked: not something a benchmark target should need
        if (strncasecmp (line, "content-length:", 15) == 0) {
            char *rest;
            errno = 0;
            *length = strtoll (line + 15, &rest, 10);
            if (errno || rest == line + 15 || *length < 0 || (*rest != '\r' && *rest != '\0'))
                return -1;
        }
    }
    if (*length < 0 && (status == 204 || status == 304))
        *length = 0;
    return *length < 0 ? -1 : status;
}

//  The reply is complete: count it, and measure it unless it was warm-up.
static void
s_done (conn_t *conn)
{
    int64_t now = s_now ();
    if (conn->measured) {
        if (conn->status >= 200 && conn->status < 300)
            s_ok++;
        else
            s_non2xx++;
        s_record (now - conn->intended);
    }
    if (now >= s_t0 + WARMUP_NS && now < s_end)
        s_window_replies++;
    conn->intended = -1;
    if (conn->written < s_request_len)
        s_close (conn);     //  answered before it was all sent: the rest cannot follow
}

//  Takes n bytes of reply. A byte that is not part of the reply in flight
//  (none in flight, or past its body) is a protocol error.
static void
s_take (conn_t *conn, const char *data, size_t n)
{
    if (conn->intended < 0) {
        s_close (conn);
        return;
    }
    long long body = (long long) n;
    if (conn->body_left < 0) {
        //  The head: copied until its blank line; what follows is body.
        size_t from = conn->have > 3 ? conn->have - 3 : 0;
        size_t copied = n < HEAD_MAX - 1 - conn->have ? n : HEAD_MAX - 1 - conn->have;
        memcpy (conn->head + conn->have, data, copied);
        conn->have += copied;
        char *blank = memmem (conn->head + from, conn->have - from, "\r\n\r\n", 4);
        if (!blank) {
            if (conn->have == HEAD_MAX - 1)
                s_close (conn);     //  a head too long to be a benchmark's reply
            return;
        }
        size_t head_len = (size_t) (blank - conn->head);
        body = (long long) (conn->have - head_len - 4 + n - copied);
        conn->status = s_parse_head (conn->head, head_len, &conn->body_left);
        if (conn->status < 0) {
            s_close (conn);
            return;
        }
    }
    if (body > conn->body_left) {
        s_close (conn);
        return;
    }
    conn->body_left -= body;
    if (conn->body_left == 0)
        s_done (conn);
}

static void
s_read (conn_t *conn)
{
    static char buffer [65536];
    while (conn->fd >= 0) {
        ssize_t n = recv (conn->fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            s_close (conn);     //  closed by the server (or reset)
            return;
        }
        s_take (conn, buffer, (size_t) n);
    }
}

static void
s_parse_url (const char *url, char *host, size_t host_size, char *port, size_t port_size, const char **path)
{
    if (strncmp (url, "http://", 7))
        s_die ("--url must start with http://");
    url += 7;
    size_t host_len = strcspn (url, ":/");
    if (host_len == 0 || host_len >= host_size)
        s_die ("bad host in --url");
    memcpy (host, url, host_len);
    host [host_len] = '\0';
    url += host_len;
    size_t port_len = 0;
    if (*url == ':') {
        port_len = strcspn (++url, "/");
        if (port_len == 0 || port_len >= port_size)
            s_die ("bad port in --url");
    }
    memcpy (port, port_len ? url : "80", port_len ? port_len : 2);
    port [port_len ? port_len : 2] = '\0';
    url += port_len;
    *path = *url ? url : "/";
}

static char *
s_read_file (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        s_die ("cannot open --body-file");
    char *data = NULL;
    *size = 0;
    for (size_t capacity = 0;;) {
        if (*size == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            data = realloc (data, capacity);
            if (!data)
                s_die ("out of memory");
        }
        size_t n = fread (data + *size, 1, capacity - *size, file);
        *size += n;
        if (n == 0)
            break;
    }
    if (ferror (file) || fclose (file))
        s_die ("cannot read --body-file");
    return data;
}

static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

//  The per-mille-th percentile by nearest rank (integers: 0.99 * 100 is not
//  99 in floating point), in ms; null when nothing was measured.
static void
s_print_percentile (const char *name, size_t per_mille)
{
    if (s_count == 0) {
        printf (", \"%s\": null", name);
        return;
    }
    size_t rank = (s_count * per_mille + 999) / 1000;
    printf (", \"%s\": %.3f", name, (double) s_samples [rank ? rank - 1 : 0] / 1e6);
}

int
main (int argc, char *argv [])
{
    const char *url = NULL, *body_file = NULL, *headers [MAX_HEADERS];
    double seconds = 0;
    int header_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv [i + 1] : NULL;
        if (!value)
            s_die ("usage: openloop --url URL --rate R --seconds S --connections C --body-file F [--header H]...");
        if (strcmp (argv [i], "--url") == 0)
            url = value;
        else
        if (strcmp (argv [i], "--rate") == 0)
            s_rate = strtod (value, NULL);
        else
        if (strcmp (argv [i], "--seconds") == 0)
            seconds = strtod (value, NULL);
        else
        if (strcmp (argv [i], "--connections") == 0)
            s_connections = strtol (value, NULL, 10);
        else
        if (strcmp (argv [i], "--body-file") == 0)
            body_file = value;
        else
        if (strcmp (argv [i], "--header") == 0 && header_count < MAX_HEADERS)
            headers [header_count++] = value;
        else
            s_die ("unknown option (or more than 32 --header)");
        i++;
    }
    if (!url || !body_file || !(s_rate > 0) || !(seconds > WARMUP_NS / 1e9) || s_connections < 1
        || s_connections > 10000)
        s_die ("need --url, --body-file, --rate > 0, --seconds > 1 and --connections in 1..10000");

    char host [256], port [16];
    const char *path;
    s_parse_url (url, host, sizeof host, port, sizeof port, &path);
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *found;
    if (getaddrinfo (host, port, &hints, &found))
        s_die ("cannot resolve the --url host");
    memcpy (&s_addr, found->ai_addr, found->ai_addrlen);
    s_addr_len = found->ai_addrlen;
    s_family = found->ai_family;
    freeaddrinfo (found);

    //  The request, built once: every request is the same bytes.
    size_t body_len;
    char *body = s_read_file (body_file, &body_len);
    size_t extra_len = 0;
    for (int i = 0; i < header_count; i++)
        extra_len += strlen (headers [i]) + 2;
    s_request = malloc (512 + strlen (path) + strlen (host) + extra_len + body_len);
    if (!s_request)
        s_die ("out of memory");
    int n = sprintf (s_request, "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n", path, host, port, body_len);
    if (n < 0)
        s_die ("cannot build the request");
    s_request_len = (size_t) n;
    for (int i = 0; i < header_count; i++)
        s_request_len += (size_t) sprintf (s_request + s_request_len, "%s\r\n", headers [i]);
    memcpy (s_request + s_request_len, "\r\n", 2);
    memcpy (s_request + s_request_len + 2, body, body_len);
    s_request_len += 2 + body_len;
    free (body);

    //  Wake-ups to the nanosecond: the default 50 us of timer slack would be
    //  added to every send, and so to every latency.
    if (prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL))
        s_die ("prctl(PR_SET_TIMERSLACK) failed");
    s_epoll = epoll_create1 (EPOLL_CLOEXEC);
    int timer = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event timer_event = { .events = EPOLLIN, .data.ptr = NULL };
    if (s_epoll < 0 || timer < 0 || epoll_ctl (s_epoll, EPOLL_CTL_ADD, timer, &timer_event))
        s_die ("cannot set up epoll and the timer");
    conn_t *conns = calloc ((size_t) s_connections, sizeof *conns);
    if (!conns)
        s_die ("out of memory");
    for (long c = 0; c < s_connections; c++) {
        conns [c] = (conn_t) { .fd = -1, .next = (uint64_t) c, .intended = -1, .body_left = -1 };
        if (!s_connect (&conns [c]))
            s_die ("cannot connect");
    }

    s_t0 = s_now ();
    s_end = s_t0 + (int64_t) (seconds * 1e9);
    struct epoll_event events [64];
    for (;;) {
        int64_t now = s_now ();
        bool running = now < s_end;
        int64_t wake = running ? s_end : s_end + DRAIN_NS;
        long busy = 0;
        for (long c = 0; c < s_connections; c++) {
            //  Idle and due (or late): send. Sending stops at the end.
            conn_t *conn = &conns [c];
            if (running && conn->intended < 0 && s_due (conn->next) <= now && s_due (conn->next) < s_end)
                s_send (conn);
            if (conn->intended >= 0)
                busy++;
            else
            if (running && s_due (conn->next) < wake)
                wake = s_due (conn->next);
        }
        if (now >= s_end && (busy == 0 || now >= s_end + DRAIN_NS))
            break;
        struct itimerspec at = { .it_value = { .tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL } };
        if (timerfd_settime (timer, TFD_TIMER_ABSTIME, &at, NULL))
            s_die ("timerfd_settime failed");
        int ready = epoll_wait (s_epoll, events, 64, -1);
        if (ready < 0 && errno != EINTR)
            s_die ("epoll_wait failed");
        for (int i = 0; i < ready; i++) {
            conn_t *conn = events [i].data.ptr;
            if (!conn) {
                uint64_t expirations;
                if (read (timer, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                    s_die ("cannot read the timer");
                continue;
            }
            //  The connection may have been closed by an earlier event of this batch.
            if (conn->fd >= 0 && (events [i].events & EPOLLOUT))
                s_write (conn);
            if (conn->fd >= 0 && (events [i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                s_read (conn);
        }
    }

    //  Still in flight after the drain: failed. Due before the end but never
    //  sent: the backlog a server too slow for the rate leaves.
    uint64_t unsent = 0;
    for (long c = 0; c < s_connections; c++) {
        if (conns [c].intended >= 0 && conns [c].measured)
            s_errors++;
        for (uint64_t k = conns [c].next; s_due (k) < s_end; k += (uint64_t) s_connections)
            unsent++;
    }
    qsort (s_samples, s_count, sizeof *s_samples, s_compare);
    printf ("{\"rate\": %g, \"sent\": %llu, \"ok\": %llu, \"non2xx\": %llu, \"errors\": %llu, \"reconnects\": %llu, "
            "\"unsent\": %llu, \"achieved\": %.1f",
            s_rate, (unsigned long long) s_sent, (unsigned long long) s_ok, (unsigned long long) s_non2xx,
            (unsigned long long) s_errors, (unsigned long long) s_reconnects, (unsigned long long) unsent,
            (double) s_window_replies / (seconds - WARMUP_NS / 1e9));
    s_print_percentile ("p50", 500);
    s_print_percentile ("p90", 900);
    s_print_percentile ("p99", 990);
    s_print_percentile ("p999", 999);
    s_print_percentile ("max", 1000);
    printf ("}\n");
    return fflush (stdout) ? 1 : 0;
}
