/* clock.c - the monotonic and wall clocks and the one timed wait.
 *
 * Owns no state. Condition variables in modq use the default clock
 * (CLOCK_REALTIME), so a timed wait's deadline is computed on it here and
 * nowhere else.
 */
#include "clock.h"

#include <errno.h>
#include <stdio.h>

static long long ts_ms(const struct timespec *t) {
    return (long long)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

long long clock_mono_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_ms(&t);
}

long long clock_wall_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ts_ms(&t);
}

void clock_mono_now(struct timespec *t0) { clock_gettime(CLOCK_MONOTONIC, t0); }

double clock_mono_since_s(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int clock_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(cv, mu, &t);
}

void clock_sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

void clock_iso_ms(long long ms, char out[32]) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}
