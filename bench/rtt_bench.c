/* rtt_bench.c - the client side of one round trip to Redis, in CPU time.
 *
 * The third part of modq's floor in `make bench` (docs/performance.md): a
 * comment needs at least one exchange with Redis, and what that exchange
 * costs the client - one write(2) of a command, the wait, the wake-up, one
 * read(2) of the reply and hiredis' framing of it - is spent by modq
 * whatever it sends. This program repeats that exchange with the smallest
 * command (a preformatted PING, no formatting, one status reply) on one
 * blocking connection, nothing else in flight, and divides its own thread
 * CPU time (user + system) by the round trips. Redis' side is not counted.
 *
 * Prints one human line and one machine line:
 *   RTT iters=N us=X wall_us=Y
 * (us = client CPU per round trip, wall_us = elapsed time per round trip).
 *
 * Usage: rtt_bench PORT [SECONDS]   (Redis on 127.0.0.1:PORT; default 1 s
 * of elapsed time, at least RTT_MIN_ITERS round trips)
 * Linked with jemalloc and modq's malloc_conf, as build/modq is.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* modq's allocator settings (service/main.c). */
extern const char *malloc_conf;
const char *malloc_conf = "narenas:2,dirty_decay_ms:2000,muzzy_decay_ms:0";

#define RTT_MIN_ITERS 1000
#define RTT_WARMUP 200
#define RTT_MAX_SECONDS 60.0

static const char PING[] = "*1\r\n$4\r\nPING\r\n";

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One exchange. Returns 0, or -1 when Redis did not answer PONG. */
static int round_trip(redisContext *c) {
    redisReply *r = NULL;
    if (redisAppendFormattedCommand(c, PING, sizeof PING - 1) != REDIS_OK) return -1;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) return -1;
    int ok = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    freeReplyObject(r);
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: rtt_bench PORT [SECONDS]\n");
        return 2;
    }
    long port = strtol(argv[1], NULL, 10);
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 1.0;
    if (port < 1 || port > 65535 || !(seconds > 0 && seconds <= RTT_MAX_SECONDS)) {
        fprintf(stderr, "rtt_bench: PORT 1-65535, SECONDS (0-%g]\n", RTT_MAX_SECONDS);
        return 2;
    }
    redisContext *c = redisConnect("127.0.0.1", (int)port);
    if (!c || c->err) {
        fprintf(stderr, "rtt_bench: cannot connect to Redis on %ld: %s\n", port,
                c ? c->errstr : "out of memory");
        redisFree(c);
        return 1;
    }
    int rc = 1;
    for (int i = 0; i < RTT_WARMUP; i++)
        if (round_trip(c) < 0) goto fail;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double w_end = w0 + seconds, w1;
    long it = 0;
    do {
        if (round_trip(c) < 0) goto fail;
        it++;
        w1 = clock_s(CLOCK_MONOTONIC);
    } while (it < RTT_MIN_ITERS || w1 < w_end);
    double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    printf("  round trip to Redis (PING), client side: %.2f us CPU, %.2f us elapsed "
           "(%ld round trips)\n",
           cpu / (double)it * 1e6, (w1 - w0) / (double)it * 1e6, it);
    printf("RTT iters=%ld us=%.3f wall_us=%.3f\n", it, cpu / (double)it * 1e6,
           (w1 - w0) / (double)it * 1e6);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "rtt_bench: round trip failed: %s\n", c->err ? c->errstr : "not PONG");
out:
    redisFree(c);
    return rc;
}
