/* main.c - wires modq: config -> log -> engine -> store -> spool -> http ->
 * wait for a signal -> drain -> teardown. Nothing else lives here.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "clock.h"
#include "config.h"
#include "http_status.h"
#include "log.h"
#include "replayer.h"
#include "review.h"
#include "webhook.h"

#define MODQ_VERSION "0.1.0"

/* jemalloc's options, read by jemalloc itself at start (build/modq links
 * it; other builds never read this). Two arenas instead of 4 per core and
 * unused pages handed back after 2 s instead of 10: the peak RSS under 256
 * connections went from ~63 to ~60 MB, at no measurable CPU cost
 * (docs/performance.md). */
extern const char *malloc_conf;
const char *malloc_conf = "narenas:2,dirty_decay_ms:2000,muzzy_decay_ms:0";

static void usage(void) {
    fprintf(stderr, "usage: modq [-c FILE] [--print-config] [--version]\n"
                    "Every config key can be set as MODQ_<KEY> in the environment.\n");
}

/* The drain window: load balancers see /readyz fail and move traffic away
 * while every request that still arrives is answered. SIGHUP still
 * reloads; a second SIGTERM or SIGINT ends the window early. */
static void drain_window(app *a, const sigset_t *sigs, const char *path, long seconds) {
    long long end = clock_mono_ms() + seconds * 1000LL;
    for (long long now; (now = clock_mono_ms()) < end;) {
        long long left = end - now;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGHUP)
            api_live_reload(a, path);
        else if (sig == SIGTERM || sig == SIGINT)
            return;
    }
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int print = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--print-config") == 0)
            print = 1;
        else if (strcmp(argv[i], "--version") == 0) {
            printf("modq %s\n", MODQ_VERSION);
            return 0;
        } else {
            usage();
            return 2;
        }
    }
    modq_config cfg;
    config_error cerr;
    if (config_load(&cfg, path, &cerr) < 0) {
        fprintf(stderr, "modq: config: %s\n", cerr.text);
        return 1;
    }
    if (print) {
        char buf[8192];
        config_dump(&cfg, buf, sizeof buf);
        fputs(buf, stdout);
        config_free(&cfg);
        return 0;
    }
    log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit the mask */

    int rc = 1;
    char err[256] = "";
    app a;
    memset(&a, 0, sizeof a);
    a.cfg = &cfg;
    http_server *srv = NULL;
    store_pipe *pipe = NULL;
    replayer *rp = NULL;
    webhook_sender *wh = NULL;

    /* the engine holds what needs a restart (the stemmer's language); the
     * verdict settings of the file are its file layer, part of the
     * reloadable generation (api_live_new) */
    engine_config ecfg;
    engine_config_defaults(&ecfg);
    snprintf(ecfg.language, sizeof ecfg.language, "%s", cfg.language);
    engine_error eerr;
    a.eng = engine_new(&ecfg, &eerr);
    if (!a.eng) {
        fprintf(stderr, "modq: config: %s: %s\n", eerr.field, eerr.text);
        goto out;
    }
    if (!(a.live = api_live_new(&cfg, a.eng, err, sizeof err))) {
        fprintf(stderr, "modq: config: %s\n", err);
        goto out;
    }
    if (cfg.moderator_anonymous_keys)
        log_msg(LOG_WARN,
                "moderator_anonymous_keys is on: %u moderator key(s) without a name; their "
                "claims and decisions are recorded under whatever name each request gives",
                auth_anonymous_count(api_auth(&a)));
    if (auth_count(api_auth(&a)) == 0)
        log_msg(LOG_WARN, "no client_keys or moderator_keys configured: every API call will get 401");
    /* the per-flag review queues: every flag code a verdict may carry (the
     * detector registry's codes, then the trusted author's flag added by
     * comment_learn.c); the store borrows the list for the pool's lifetime
     * (this frame outlives it). */
    const char *flag_codes[STORE_MAX_FLAG_CODES];
    size_t nflag_codes = 0;
    _Static_assert(ENGINE_D_COUNT + 1 <= STORE_MAX_FLAG_CODES, "room for every flag code");
    while (nflag_codes < engine_flag_code_count()) {
        flag_codes[nflag_codes] = engine_flag_code(nflag_codes);
        nflag_codes++;
    }
    store_options so = {cfg.redis_url, (int)cfg.redis_timeout_ms, (unsigned)cfg.threads + 2,
                        cfg.redis_sentinels, cfg.redis_master, (int)cfg.redis_wait_replicas,
                        (int)cfg.redis_wait_timeout_ms, flag_codes, nflag_codes,
                        cfg.redis_cluster};
    if (!(a.pool = store_pool_new(&so, err, sizeof err))) {
        fprintf(stderr, "modq: config: %s\n", err);
        goto out;
    }
    /* the comment path's shared round trips (store_pipe.c) */
    if (cfg.pipeline_threads > 0 &&
        !(pipe = store_pipe_start(a.pool, (unsigned)cfg.pipeline_threads, err, sizeof err))) {
        fprintf(stderr, "modq: %s\n", err);
        goto out;
    }
    if (!(a.spool = spool_open(cfg.spool_dir, err, sizeof err))) {
        fprintf(stderr, "modq: config: %s\n", err);
        goto out;
    }
    /* metric labels: the route table's names, the flag codes above, the
     * status table's statuses */
    metrics_labels ml = {.flags = flag_codes, .nflags = nflag_codes};
    ml.routes = api_route_names(&ml.nroutes);
    ml.statuses = http_status_list(&ml.nstatuses);
    if (!(a.metrics = metrics_new(&ml))) goto out;
    comment_options co = {&cfg,    api_comment_session, &a,    a.pool,          pipe,
                          a.spool, a.metrics,           a.eng, api_comment_file};
    if (!(a.comments = comment_pipeline_new(&co))) goto out;
    webhook_options wo = {cfg.webhook_timeout_ms, cfg.webhook_max_attempts,
                          cfg.retention_days * 86400L, cfg.webhook_allowed_networks, a.metrics};
    if (!(wh = webhook_start(a.pool, &wo))) goto out;
    /* without the replayer spooled comments would never reach Redis */
    if (!(rp = replayer_start(a.spool, comment_replay, a.comments, a.metrics))) {
        fprintf(stderr, "modq: cannot start the spool replayer thread\n");
        goto out;
    }
    http_options ho = {cfg.listen_host, cfg.listen_port, (unsigned)cfg.threads,
                       (size_t)cfg.max_body, (unsigned)cfg.max_connections,
                       (unsigned)cfg.connection_timeout, (size_t)cfg.max_header,
                       cfg.tls_cert, cfg.tls_key, cfg.trusted_proxies,
                       (unsigned)cfg.max_connections_per_ip};
    if (!(srv = http_start(&ho, api_handle, &a, err, sizeof err))) {
        fprintf(stderr, "modq: %s\n", err);
        goto out;
    }
    log_msg(LOG_INFO, "modq %s listening on %s:%d (%ld threads)", MODQ_VERSION,
            cfg.listen_host, http_port(srv), cfg.threads);

    /* SIGHUP reloads the keys, limits and verdict settings
     * (api_live_reload); SIGTERM or
     * SIGINT starts the drain */
    int sig = 0;
    while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) api_live_reload(&a, path);
    log_msg(LOG_INFO, "signal %d: draining: still answering for %lds (/readyz says 503), then "
                      "finishing the requests in flight", sig, cfg.drain_seconds);
    atomic_store(&a.draining, 1);
    http_close_connections(srv);
    drain_window(&a, &sigs, path, cfg.drain_seconds);
    /* stop accepting; requests in flight (uploads, handlers, responses
     * being written) finish, for up to connection_timeout (the daemon
     * closes a connection idle that long anyway); then the last spool
     * replay (replayer_stop) */
    http_quiesce(srv);
    long long deadline = clock_mono_ms() + cfg.connection_timeout * 1000LL;
    while (http_inflight(srv) > 0 && clock_mono_ms() < deadline) clock_sleep_ms(20);
    if (http_inflight(srv) > 0)
        log_msg(LOG_WARN, "connection_timeout passed with %u requests in flight: closing them",
                http_inflight(srv));
    /* deferred requests are answered whatever happens (the pipe fails them
     * to the spool within redis_timeout_ms): wait for every one */
    while (http_suspended(srv) > 0) clock_sleep_ms(5);
    http_stop(srv);
    srv = NULL;
    store_pipe_stop(pipe);
    pipe = NULL;
    rc = 0;
out:
    http_stop(srv);
    store_pipe_stop(pipe);
    replayer_stop(rp);
    comment_pipeline_free(a.comments);
    webhook_stop(wh);
    spool_close(a.spool);
    store_pool_free(a.pool);
    metrics_free(a.metrics);
    api_live_free(&a);
    engine_free(a.eng);
    config_free(&cfg);
    if (rc == 0) log_msg(LOG_INFO, "modq stopped");
    return rc;
}
