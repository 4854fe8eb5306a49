/* store_sentinel.c - find the Redis primary through Redis Sentinel.
 *
 * Owns the parsed sentinel list, the name of the monitored master and one
 * watcher thread. On every (re)connect store_pool.c asks here for the
 * primary's address: the sentinels are tried in order, starting with the
 * one that answered last, with SENTINEL get-master-addr-by-name;
 * store_pool.c then only uses the node once ROLE says it is a master. The
 * watcher asks every sentinel each SENTINEL_WATCH_MS and follows the
 * highest config-epoch; when that answer changes (a failover or a manual
 * switchover ended) it bumps a generation number, and store_pool.c drops
 * every connection made under an older one before its next use. Without that a
 * pool would keep writing to a demoted primary that is still alive, until
 * Sentinel reconfigures it -- and those writes are thrown away when it
 * resyncs from the new primary.
 *
 * Never holds a data connection and never retries on its own behalf: a
 * failed resolution makes the pool's connect fail, and the pool's short
 * "down" window paces the next attempt. Sentinels are reached without a
 * password (the data nodes' password and db still come from redis_url).
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "clock.h"
#include "store_private.h"

/* More sentinels than this is a configuration mistake, not a deployment:
 * each one is tried in turn on a reconnect while the others are down. */
#define SENTINEL_MAX 16
/* Host names (DNS names in Kubernetes/compose) plus room for the NUL. */
#define SENTINEL_HOST_MAX 256
/* Master names are short identifiers in sentinel.conf. */
#define SENTINEL_NAME_MAX 128
/* How often the watcher asks who the primary is: bounds how long the pool
 * keeps writing to a primary the sentinels have already replaced. One
 * round trip on one kept-open sentinel connection per period. */
#define SENTINEL_WATCH_MS 250
/* Periods an unreachable sentinel is left alone by the watcher (2 s). */
#define SENTINEL_REDIAL_PERIODS 8

typedef struct sentinel_addr {
    char host[SENTINEL_HOST_MAX];
    int port;
} sentinel_addr;

struct store_sentinel {
    sentinel_addr addr[SENTINEL_MAX];
    unsigned n;
    char master[SENTINEL_NAME_MAX];
    int timeout_ms;
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t cv;
    unsigned first;      /* sentinel that answered last: asked first */
    sentinel_addr last;  /* primary named last ("" before the first answer) */
    unsigned gen;        /* bumped whenever `last` changes */
    int failing;         /* the last resolution found no primary */
    int stop;
    int running;         /* watcher thread started */
    pthread_t th;
};

/* ============================================================== parsing */

int store_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port_out) {
    const char *end = s + len, *colon = NULL;
    for (const char *q = s; q < end; q++)
        if (*q == ':') colon = q;
    if (!colon || colon == s || colon + 1 == end) return -1;
    const char *h = s, *he = colon;
    if (*h == '[') {
        if (he[-1] != ']') return -1;
        h++;
        he--;
    }
    size_t hl = (size_t)(he - h);
    if (hl == 0 || hl >= hostlen) return -1;
    long port = 0;
    for (const char *q = colon + 1; q < end; q++) {
        if (*q < '0' || *q > '9') return -1;
        port = port * 10 + (*q - '0');
        if (port > 65535) return -1;
    }
    if (port <= 0) return -1;
    memcpy(host, h, hl);
    host[hl] = 0;
    *port_out = (int)port;
    return 0;
}

static int parse_addr(const char *s, size_t len, sentinel_addr *a) {
    return store_hostport(s, len, a->host, sizeof a->host, &a->port);
}

/* ============================================================ resolving */

static redisContext *dial(const sentinel_addr *sa, int timeout_ms, char *why, size_t n) {
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(sa->host, sa->port, tv);
    if (!c || c->err) {
        snprintf(why, n, "%s", c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

/* SENTINEL get-master-addr-by-name on an open context. 0 with *out, or -1
 * (reason in why; the context may be broken: the caller drops it). */
static int query(const store_sentinel *st, redisContext *c, sentinel_addr *out, char *why,
                 size_t n) {
    const char *argv[] = {"SENTINEL", "get-master-addr-by-name", st->master};
    size_t lens[] = {8, 23, strlen(st->master)};
    redisReply *r = redisCommandArgv(c, 3, argv, lens);
    int rc = -1;
    if (!r)
        snprintf(why, n, "%s", c->errstr);
    else if (r->type == REDIS_REPLY_ERROR)
        snprintf(why, n, "%s", r->str);
    else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
             r->element[0]->type != REDIS_REPLY_STRING ||
             r->element[1]->type != REDIS_REPLY_STRING)
        snprintf(why, n, "does not know master '%s'", st->master);
    else {
        char hp[SENTINEL_HOST_MAX + 16];
        snprintf(hp, sizeof hp, "%s:%s", r->element[0]->str, r->element[1]->str);
        if (r->element[0]->len >= SENTINEL_HOST_MAX || parse_addr(hp, strlen(hp), out) < 0)
            snprintf(why, n, "unusable address in reply");
        else
            rc = 0;
    }
    if (r) freeReplyObject(r);
    return rc;
}

/* Record an answer from sentinel i; returns the generation it belongs to. */
static unsigned note(store_sentinel *st, unsigned i, const sentinel_addr *got) {
    pthread_mutex_lock(&st->mu);
    st->first = i;
    int was_known = st->last.host[0] != 0;
    int changed = strcmp(st->last.host, got->host) != 0 || st->last.port != got->port;
    sentinel_addr old = st->last;
    if (changed) {
        st->last = *got;
        if (was_known) st->gen++;
    }
    int recovered = st->failing;
    st->failing = 0;
    unsigned gen = st->gen;
    pthread_mutex_unlock(&st->mu);
    if (changed && was_known)
        log_msg(LOG_WARN, "redis sentinel %s:%d: primary of '%s' moved from %s:%d to %s:%d",
                st->addr[i].host, st->addr[i].port, st->master, old.host, old.port, got->host,
                got->port);
    else if (changed || recovered)
        log_msg(LOG_INFO, "redis sentinel %s:%d: primary of '%s' is %s:%d", st->addr[i].host,
                st->addr[i].port, st->master, got->host, got->port);
    return gen;
}

static void note_failure(store_sentinel *st) {
    pthread_mutex_lock(&st->mu);
    int was = st->failing;
    st->failing = 1;
    pthread_mutex_unlock(&st->mu);
    if (!was)
        log_msg(LOG_WARN, "redis sentinel: none of %u sentinels named a primary for '%s'", st->n,
                st->master);
}

int store_sentinel_primary(store_sentinel *st, char *host, size_t hostlen, int *port,
                           unsigned *gen) {
    pthread_mutex_lock(&st->mu);
    unsigned first = st->first;
    pthread_mutex_unlock(&st->mu);
    for (unsigned k = 0; k < st->n; k++) {
        unsigned i = (first + k) % st->n;
        sentinel_addr got;
        char why[128] = "";
        redisContext *c = dial(&st->addr[i], st->timeout_ms, why, sizeof why);
        int rc = c ? query(st, c, &got, why, sizeof why) : -1;
        if (c) redisFree(c);
        if (rc < 0) {
            log_msg(LOG_DEBUG, "redis sentinel %s:%d: %s", st->addr[i].host, st->addr[i].port,
                    why);
            continue;
        }
        *gen = note(st, i, &got);
        snprintf(host, hostlen, "%s", got.host);
        *port = got.port;
        return 0;
    }
    note_failure(st);
    return -1;
}

unsigned store_sentinel_generation(store_sentinel *st) {
    pthread_mutex_lock(&st->mu);
    unsigned g = st->gen;
    pthread_mutex_unlock(&st->mu);
    return g;
}

int store_sentinel_check_role(redisContext *c, const char *host, int port) {
    redisReply *r = redisCommand(c, "ROLE");
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
             r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") == 0;
    if (!ok)
        log_msg(LOG_WARN, "redis %s:%d: not a primary (%s), asking the sentinels again", host,
                port,
                !r ? c->errstr
                   : r->type == REDIS_REPLY_ERROR ? r->str
                   : r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
                           r->element[0]->type == REDIS_REPLY_STRING
                       ? r->element[0]->str
                       : "unexpected ROLE reply");
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

/* ============================================================== watcher */

/* Wait one period; returns 1 when asked to stop. Called with mu held. */
static int pause_locked(store_sentinel *st) {
    long long until = clock_mono_ms() + SENTINEL_WATCH_MS;
    for (long long left = SENTINEL_WATCH_MS; !st->stop && left > 0;
         left = until - clock_mono_ms())
        clock_cond_wait_ms(&st->cv, &st->mu, (long)left);
    return st->stop;
}

/* SENTINEL MASTER <name> on an open context: the address the sentinel
 * holds and its config-epoch (bumped by every failover, so the highest
 * epoch is the newest configuration). 0, or -1 (the caller drops c). */
static int query_epoch(const store_sentinel *st, redisContext *c, sentinel_addr *out,
                       long long *epoch) {
    const char *argv[] = {"SENTINEL", "MASTER", st->master};
    size_t lens[] = {8, 6, strlen(st->master)};
    redisReply *r = redisCommandArgv(c, 3, argv, lens);
    int rc = -1;
    const char *ip = NULL, *port = NULL, *ep = NULL;
    if (!r || r->type != REDIS_REPLY_ARRAY) goto out;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        if (strcmp(k->str, "ip") == 0) ip = v->str;
        else if (strcmp(k->str, "port") == 0) port = v->str;
        else if (strcmp(k->str, "config-epoch") == 0) ep = v->str;
    }
    if (!ip || !port || !ep || strlen(ip) >= SENTINEL_HOST_MAX) goto out;
    char hp[SENTINEL_HOST_MAX + 16];
    snprintf(hp, sizeof hp, "%s:%s", ip, port);
    if (parse_addr(hp, strlen(hp), out) < 0) goto out;
    *epoch = strtoll(ep, NULL, 10);
    rc = 0;
out:
    if (r) freeReplyObject(r);
    return rc;
}

/* Ask every sentinel each period and follow the one with the highest
 * config-epoch: after a failover the leader knows first and the others
 * learn it from its hello messages up to two seconds later, so asking only
 * one could lag. A sentinel that cannot be reached is skipped for a few
 * periods, so one dead host does not slow every round by a timeout. */
static void *watch(void *arg) {
    store_sentinel *st = arg;
    redisContext *c[SENTINEL_MAX] = {0}; /* kept open between rounds */
    unsigned skip[SENTINEL_MAX] = {0};   /* periods left before a redial */
    pthread_mutex_lock(&st->mu);
    while (!pause_locked(st)) {
        pthread_mutex_unlock(&st->mu);
        long long best = -1;
        unsigned best_i = 0;
        sentinel_addr best_addr;
        for (unsigned i = 0; i < st->n; i++) {
            char why[128];
            if (skip[i]) {
                skip[i]--;
                continue;
            }
            if (!c[i] && !(c[i] = dial(&st->addr[i], st->timeout_ms, why, sizeof why))) {
                skip[i] = SENTINEL_REDIAL_PERIODS;
                continue;
            }
            sentinel_addr got;
            long long epoch;
            if (query_epoch(st, c[i], &got, &epoch) < 0) {
                redisFree(c[i]);
                c[i] = NULL;
                continue;
            }
            if (epoch > best) {
                best = epoch;
                best_i = i;
                best_addr = got;
            }
        }
        if (best >= 0) note(st, best_i, &best_addr);
        /* failures are left to connect time: the pool reports them */
        pthread_mutex_lock(&st->mu);
    }
    pthread_mutex_unlock(&st->mu);
    for (unsigned i = 0; i < st->n; i++)
        if (c[i]) redisFree(c[i]);
    return NULL;
}

/* ============================================================ lifecycle */

store_sentinel *store_sentinel_new(const char *list, const char *master, int timeout_ms,
                                   char *err, size_t errlen) {
    store_sentinel *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "redis_sentinels: out of memory");
        return NULL;
    }
    if (!master || !master[0] || strlen(master) >= sizeof st->master) {
        snprintf(err, errlen, "redis_master: must be a name of 1-%d characters",
                 SENTINEL_NAME_MAX - 1);
        goto fail;
    }
    snprintf(st->master, sizeof st->master, "%s", master);
    st->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    for (const char *s = list; *s;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        const char *b = s;
        while (b < e && (*b == ' ' || *b == '\t')) b++;
        const char *t = e;
        while (t > b && (t[-1] == ' ' || t[-1] == '\t')) t--;
        if (t > b) {
            if (st->n == SENTINEL_MAX) {
                snprintf(err, errlen, "redis_sentinels: more than %d entries", SENTINEL_MAX);
                goto fail;
            }
            if (parse_addr(b, (size_t)(t - b), &st->addr[st->n]) < 0) {
                snprintf(err, errlen, "redis_sentinels: bad entry '%.*s' (expected host:port)",
                         (int)((t - b) > 64 ? 64 : (t - b)), b);
                goto fail;
            }
            st->n++;
        }
        s = comma ? comma + 1 : e;
    }
    if (st->n == 0) {
        snprintf(err, errlen, "redis_sentinels: no host:port entry");
        goto fail;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    if (pthread_create(&st->th, NULL, watch, st) != 0) {
        snprintf(err, errlen, "redis_sentinels: cannot start the watcher thread");
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        goto fail;
    }
    st->running = 1;
    return st;
fail:
    free(st);
    return NULL;
}

void store_sentinel_free(store_sentinel *st) {
    if (!st) return;
    if (st->running) {
        pthread_mutex_lock(&st->mu);
        st->stop = 1;
        pthread_cond_signal(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->th, NULL);
    }
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
}
