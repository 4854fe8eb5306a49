/* api_live.c - the part of the configuration a running modq replaces on
 * SIGHUP: the API keys, the rate limits, the Coral secret and the file
 * layer of the verdict settings (comment_file: thresholds, word and
 * domain lists, flood limits, detector weights and switches).
 *
 * Owns the published generation (app.live) and the per-thread pin.
 * api_handle pins the generation current when a request arrives and holds
 * a reference until it returns, so a request sees one generation from the
 * gate to the handler's end (auth_holder strings included), and a
 * replaced generation is freed by whichever thread drops its last
 * reference: the reloading thread when no request holds it, otherwise the
 * last request that does. A comment takes its own reference on the file
 * layer (api_comment_file), since its way may outlast the request (the
 * pipe's lanes answer it). Never reads the config file itself (main.c
 * does) and never logs a key.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"

struct api_live {
    auth *auth;
    long rate_limit_key, rate_limit_ip, auth_fail_limit;
    char *coral_secret;
    comment_file *file;
    atomic_uint refs;
};

/* Guards app.live and the reference taken on it: a reader must not take
 * a reference on a generation the publisher has already let go of. One
 * app per process, so one lock. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
/* The generation this thread's request holds (api_live_enter), or NULL. */
static _Thread_local api_live *pinned;

api_live *api_live_new(const modq_config *cfg, const engine *e, char *err, size_t n) {
    api_live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    l->auth = auth_new(cfg->client_keys, cfg->moderator_keys,
                       (int)cfg->moderator_anonymous_keys, err, n);
    l->coral_secret = l->auth ? strdup(cfg->coral_secret ? cfg->coral_secret : "") : NULL;
    if (l->auth && !l->coral_secret) snprintf(err, n, "out of memory");
    if (l->coral_secret) l->file = comment_file_new(e, cfg, err, n);
    if (!l->file) {
        auth_free(l->auth);
        free(l->coral_secret);
        free(l);
        return NULL;
    }
    l->rate_limit_key = cfg->rate_limit_key;
    l->rate_limit_ip = cfg->rate_limit_ip;
    l->auth_fail_limit = cfg->auth_fail_limit;
    atomic_init(&l->refs, 1);
    return l;
}

static void live_release(api_live *l) {
    if (!l || atomic_fetch_sub(&l->refs, 1) != 1) return;
    auth_free(l->auth);
    free(l->coral_secret);
    comment_file_release(l->file);
    free(l);
}

void api_live_publish(app *a, api_live *l) {
    pthread_mutex_lock(&live_mu);
    api_live *old = a->live;
    a->live = l;
    pthread_mutex_unlock(&live_mu);
    live_release(old);
}

void api_live_enter(app *a) {
    pthread_mutex_lock(&live_mu);
    api_live *l = a->live;
    if (l) atomic_fetch_add(&l->refs, 1);
    pthread_mutex_unlock(&live_mu);
    pinned = l;
}

void api_live_leave(void) {
    live_release(pinned);
    pinned = NULL;
}

/* ============================================================ reload */

/* Key names reported in one reload's log line: every key of the table. */
#define RELOAD_MAX_NAMES 64

/* The configuration last loaded by a reload (NULL: none yet, the start's
 * is app.cfg), to tell what the next one changes. Only the signal thread
 * reloads. */
static modq_config *last;

/* Append name to the ", "-separated list in buf (size n, at *w). */
static void list_add(char *buf, size_t n, size_t *w, const char *name) {
    int r = snprintf(buf + *w, n - *w, "%s%s", *w ? ", " : "", name);
    if (r > 0) *w = *w + (size_t)r < n ? *w + (size_t)r : n - 1;
}

int api_live_reload(app *a, const char *path) {
    modq_config *ncfg = calloc(1, sizeof *ncfg);
    config_error cerr;
    if (!ncfg || config_load(ncfg, path, &cerr) < 0) {
        log_msg(LOG_ERROR, "config reload failed, the running configuration is kept: %s",
                ncfg ? cerr.text : "out of memory");
        free(ncfg);
        return -1;
    }
    char err[256] = "";
    api_live *l = api_live_new(ncfg, a->eng, err, sizeof err);
    if (!l) {
        log_msg(LOG_ERROR, "config reload failed, the running configuration is kept: %s", err);
        config_free(ncfg);
        free(ncfg);
        return -1;
    }
    /* reloadable keys: against what the last load applied; the others
     * against what runs (a->cfg), so a pending restart is said each time */
    const char *names[RELOAD_MAX_NAMES];
    char applied[640] = "", restart[640] = "";
    size_t wa = 0, wr = 0;
    size_t n = config_changed(last ? last : a->cfg, ncfg, names, RELOAD_MAX_NAMES);
    for (size_t i = 0; i < n && i < RELOAD_MAX_NAMES; i++)
        if (config_key_reloadable(names[i])) list_add(applied, sizeof applied, &wa, names[i]);
    n = config_changed(a->cfg, ncfg, names, RELOAD_MAX_NAMES);
    for (size_t i = 0; i < n && i < RELOAD_MAX_NAMES; i++)
        if (!config_key_reloadable(names[i])) list_add(restart, sizeof restart, &wr, names[i]);
    unsigned nkeys = auth_count(l->auth);
    api_live_publish(a, l);
    comment_pipeline_file_changed(a->comments); /* the old layer's site profiles go */
    if (wr)
        log_msg(LOG_WARN, "config reload: %s changed but need a restart: the running values are kept",
                restart);
    log_msg(LOG_INFO, "config reloaded from %s: changed: %s (%u API keys)",
            path ? path : "(environment)", wa ? applied : "nothing", nkeys);
    log_set_level(ncfg->log_level); /* after the lines above, at the level they were asked at */
    if (last) config_free(last);
    free(last);
    last = ncfg;
    return 0;
}

void api_live_free(app *a) {
    api_live_publish(a, NULL);
    if (last) config_free(last);
    free(last);
    last = NULL;
}

/* The generation of this thread's request, or (outside a request: start,
 * teardown, a single-threaded caller) the published one. */
static const api_live *current(const app *a) { return pinned ? pinned : a->live; }

const auth *api_auth(const app *a) { return current(a)->auth; }

api_limits api_live_limits(const app *a) {
    const api_live *l = current(a);
    return (api_limits){l->rate_limit_key, l->rate_limit_ip, l->auth_fail_limit};
}

const char *api_coral_secret(const app *a) { return current(a)->coral_secret; }

const comment_file *api_file(const app *a) { return current(a)->file; }

comment_file *api_comment_file(void *arg) {
    app *a = arg;
    if (pinned) return comment_file_ref(pinned->file);
    pthread_mutex_lock(&live_mu);
    comment_file *f = a->live ? comment_file_ref(a->live->file) : NULL;
    pthread_mutex_unlock(&live_mu);
    return f;
}
