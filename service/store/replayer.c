/* replayer.c - the spool drain thread.
 *
 * Owns one pthread. Replays in spool order; a failed attempt (Redis still
 * down) leaves the records where they are for the next period.
 */
#include "replayer.h"
#include "clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

#define REPLAYER_PERIOD_MS 200 /* short: pending items reach moderators fast */

struct replayer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    spool *s;
    spool_replay_fn fn;
    void *ctx;
    metrics *m;
};

static void drain(replayer *r) {
    if (spool_pending(r->s) <= 0) return;
    long n = spool_replay(r->s, r->fn, r->ctx);
    if (n > 0) {
        metrics_replayed(r->m, n);
        log_msg(LOG_INFO, "spool: replayed %ld records into Redis", n);
    }
}

static void *run(void *arg) {
    replayer *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        pthread_mutex_unlock(&r->mu);
        drain(r);
        pthread_mutex_lock(&r->mu);
        if (r->stop) break;
        clock_cond_wait_ms(&r->cv, &r->mu, REPLAYER_PERIOD_MS);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

replayer *replayer_start(spool *s, spool_replay_fn fn, void *ctx, metrics *m) {
    replayer *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->s = s;
    r->fn = fn;
    r->ctx = ctx;
    r->m = m;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->th, NULL, run, r) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void replayer_stop(replayer *r) {
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    drain(r);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}
