// scripts/usage-load.c — the usage client of `scripts/bench mixed` (DESIGN §9): RATE records/s
// through POST /api/v1/usage, in batches of BATCH, over CONNECTIONS keep-alive connections to
// 127.0.0.1, each record with its own idempotency key. Request k of connection i is due at
// start + i * interval / CONNECTIONS + k * interval (a slow answer is made up for, not carried
// forward); each connection has at most one request in flight. Prints one JSON line of totals
// when DURATION has passed (answers still awaited get up to 10 s more) or on SIGTERM.
//
// Why C and not the Python it replaces: the client shares its core with wrk, and the Python one
// took ~6% of that core (~300 us of CPU per request, in bursts of up to 3 ms), which lowered the
// very check figures the scenario compares. This one costs ~100 us per request, most of it the
// kernel's loopback TCP. bench-mixed compiles it with the toolchain's clang. The feature and
// key prefix are written into JSON as given: keep them to letters, digits and dashes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CONNECTIONS = 64, MAX_BATCH = 100, BUFFER = 1 << 16 };

static volatile sig_atomic_t stopping;
static void on_term(int sig) { (void)sig; stopping = 1; }

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "usage-load: %s\n", what);
    exit(2);
}

struct options {
    int port, batch, connections, customers, first_customer;
    double rate, duration;
    const char *feature, *key_prefix, *steady_file;
};

static struct options parse(int argc, char **argv) {
    struct options o = {0, 10, 4, 50, 2, 2000, 0, "feature-api-calls", NULL, NULL};
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (i + 1 >= argc) die("every option takes a value");
        const char *value = argv[++i];
        if (!strcmp(name, "--port")) o.port = atoi(value);
        else if (!strcmp(name, "--rate")) o.rate = atof(value);
        else if (!strcmp(name, "--batch")) o.batch = atoi(value);
        else if (!strcmp(name, "--connections")) o.connections = atoi(value);
        else if (!strcmp(name, "--customers")) o.customers = atoi(value);
        else if (!strcmp(name, "--first-customer")) o.first_customer = atoi(value);
        else if (!strcmp(name, "--feature")) o.feature = value;
        else if (!strcmp(name, "--duration")) o.duration = atof(value);
        else if (!strcmp(name, "--key-prefix")) o.key_prefix = value;
        else if (!strcmp(name, "--steady-file")) o.steady_file = value;
        else { fprintf(stderr, "usage-load: unknown option %s\n", name); exit(2); }
    }
    if (o.port <= 0 || o.port > 65535) die("--port 1-65535 is required");
    if (o.duration <= 0 || !o.key_prefix) die("--duration and --key-prefix are required");
    if (o.rate <= 0 || o.batch < 1 || o.batch > MAX_BATCH) die("--rate > 0 and --batch 1-100");
    if (o.connections < 1 || o.connections > MAX_CONNECTIONS || o.customers < 1) die("--connections 1-64 and --customers >= 1");
    return o;
}

static int connect_local(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket failed");
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) die("cannot connect to 127.0.0.1");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

struct connection {
    int fd;
    long next;        // the next request's number on this connection
    double sent_at;   // when the request in flight left; 0 when none is
    size_t filled;
    char buffer[BUFFER];
};

struct totals {
    long requests, acked_requests, acked_records, non_2xx, errors, late;
    long statuses[600];
    double *latencies;
    long latency_count;
};

// Encodes request k of connection `index` into `out`; returns its length.
static int encode(const struct options *o, int index, long k, char *out, size_t room) {
    char body[MAX_BATCH * 160 + 32];
    int length = snprintf(body, sizeof body, "{\"usages\":[");
    for (int i = 0; i < o->batch; i++) {
        long n = ((long)index * 1000000 + k) * o->batch + i;
        length += snprintf(body + length, sizeof body - (size_t)length,
                           "%s{\"customerId\":\"synthetic-%06ld\",\"featureId\":\"%s\",\"value\":1,\"idempotencyKey\":\"%s-%d-%ld-%d\"}",
                           i ? "," : "", o->first_customer + n % o->customers, o->feature, o->key_prefix, index, k, i);
        if (length >= (int)sizeof body) die("a request body outgrew its buffer (--feature or --key-prefix too long)");
    }
    length += snprintf(body + length, sizeof body - (size_t)length, "]}");
    if (length >= (int)sizeof body) die("a request body outgrew its buffer (--feature or --key-prefix too long)");
    int total = snprintf(out, room,
                         "POST /api/v1/usage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: %d\r\n\r\n%s", length, body);
    if (total >= (int)room) die("a request outgrew its buffer");
    return total;
}

static long count_of(const char *haystack, size_t length, const char *needle) {
    long count = 0;
    size_t n = strlen(needle);
    for (const char *at = haystack; (at = memmem(at, length - (size_t)(at - haystack), needle, n)); at += n) count++;
    return count;
}

// A whole answer in c->buffer: records it, keeps what follows, and returns 1; else 0.
static int take_answer(struct connection *c, struct totals *t) {
    char *end = memmem(c->buffer, c->filled, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buffer) + 4, length = 0;
    for (char *line = c->buffer; line < end;) {
        if (!strncasecmp(line, "content-length:", 15)) length = strtoul(line + 15, NULL, 10);
        char *next = memchr(line, '\n', (size_t)(end - line));
        if (!next) break;
        line = next + 1;
    }
    if (c->filled < head + length) return 0;
    int status = c->filled > 12 ? atoi(c->buffer + 9) : 0;
    t->requests++;
    if (status > 0 && status < 600) t->statuses[status]++;
    t->latencies[t->latency_count++] = now_s() - c->sent_at;
    if (status >= 200 && status < 300) {
        t->acked_requests++;
        // One measurement per record, each with its customerId (Stigg's shape).
        t->acked_records += count_of(c->buffer + head, length, "\"customerId\":");
    } else if (++t->non_2xx <= 3) {
        fprintf(stderr, "usage-load: %d %.*s\n", status, (int)(length < 200 ? length : 200), c->buffer + head);
    }
    memmove(c->buffer, c->buffer + head + length, c->filled - head - length);
    c->filled -= head + length;
    c->sent_at = 0;
    return 1;
}

static void failed(struct connection *c, struct totals *t, const char *why, int port) {
    t->requests++;
    if (++t->errors <= 3) fprintf(stderr, "usage-load: error %s\n", why);
    close(c->fd);
    c->fd = connect_local(port);
    c->filled = 0;
    c->sent_at = 0;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const struct totals *t, int p) {
    if (t->latency_count == 0) return 0;
    long i = t->latency_count * p / 100;
    return t->latencies[i < t->latency_count ? i : t->latency_count - 1];
}

int main(int argc, char **argv) {
    struct options o = parse(argc, argv);
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    double per_connection = o.rate / o.batch / o.connections;   // requests/s on each connection
    double interval = 1.0 / per_connection;
    long count = (long)(o.duration * per_connection) + 2;       // requests per connection
    struct totals t = {0};
    t.latencies = calloc((size_t)(count * o.connections), sizeof(double));
    struct connection *connections = calloc((size_t)o.connections, sizeof *connections);
    if (!t.latencies || !connections) die("out of memory");
    for (int i = 0; i < o.connections; i++) connections[i].fd = connect_local(o.port);
    double start = now_s() + 0.05, end = start + o.duration, steady_at = start + 1.0;
    const char *steady_file = o.steady_file;
    static char request[MAX_BATCH * 160 + 256];

    while (!stopping) {
        double now = now_s(), wait = 1.0;
        if (now > end + 10) {   // an answer that never came: counted as an error, not waited for
            for (int i = 0; i < o.connections; i++)
                if (connections[i].sent_at != 0 && ++t.errors <= 3) fprintf(stderr, "usage-load: error no answer within 10 s\n");
            break;
        }
        if (steady_file && now >= steady_at) {
            FILE *f = fopen(steady_file, "w");
            if (f) fclose(f);
            steady_file = NULL;
        }
        if (steady_file && steady_at - now < wait) wait = steady_at - now;
        struct pollfd polls[MAX_CONNECTIONS];
        int owners[MAX_CONNECTIONS], watched = 0, pending = 0;
        for (int i = 0; i < o.connections; i++) {
            struct connection *c = &connections[i];
            if (c->sent_at == 0) {
                double due = start + i * interval / o.connections + c->next * interval;
                if (c->next >= count || due >= end) continue;
                if (due <= now) {
                    if (now - due > 0.010) t.late++;
                    int length = encode(&o, i, c->next, request, sizeof request);
                    c->sent_at = now_s();
                    c->next++;
                    if (send(c->fd, request, (size_t)length, 0) != length) { failed(c, &t, strerror(errno), o.port); continue; }
                } else {
                    pending++;
                    if (due - now < wait) wait = due - now;
                    continue;
                }
            }
            polls[watched] = (struct pollfd){.fd = c->fd, .events = POLLIN};
            owners[watched++] = i;
        }
        if (watched == 0 && pending == 0) break;
        struct timespec timeout = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        int ready = ppoll(polls, (nfds_t)watched, &timeout, NULL);
        for (int w = 0; w < watched && ready > 0; w++) {
            if (!polls[w].revents) continue;
            struct connection *c = &connections[owners[w]];
            ssize_t got = recv(c->fd, c->buffer + c->filled, BUFFER - c->filled, 0);
            if (got <= 0) { failed(c, &t, got == 0 ? "connection closed" : strerror(errno), o.port); continue; }
            c->filled += (size_t)got;
            if (!take_answer(c, &t) && c->filled == BUFFER) failed(c, &t, "answer larger than 64 KiB", o.port);
        }
    }
    for (int i = 0; i < o.connections; i++) close(connections[i].fd);
    double finished = now_s(), elapsed = (finished < end ? finished : end) - start;
    if (elapsed < 1e-9) elapsed = 1e-9;
    qsort(t.latencies, (size_t)t.latency_count, sizeof(double), by_value);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("{\"requests\": %ld, \"acked_requests\": %ld, \"acked_records\": %ld, \"non_2xx\": %ld, \"errors\": %ld, \"late\": %ld, "
           "\"seconds\": %.3f, \"records_per_s\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, \"statuses\": {",
           t.requests, t.acked_requests, t.acked_records, t.non_2xx, t.errors, t.late, elapsed, t.acked_records / elapsed,
           percentile(&t, 50) * 1000, percentile(&t, 99) * 1000, t.latency_count ? t.latencies[t.latency_count - 1] * 1000 : 0);
    for (int s = 0, first = 1; s < 600; s++)
        if (t.statuses[s]) { printf("%s\"%d\": %ld", first ? "" : ", ", s, t.statuses[s]); first = 0; }
    printf("}, \"client_cpu_s\": %.2f}\n", cpu);
    return 0;
}
