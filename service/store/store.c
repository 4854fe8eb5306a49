/* store.c - hiredis connection pool, key layout, script calls, and the
 * articles and comments.
 *
 * Owns every redisContext. A context is used by one thread at a time (the
 * pool hands it out); a failed context is dropped and reconnected lazily.
 * While Redis is unreachable the pool keeps a short "down until" window in
 * which calls fail at once, so no request waits out a timeout per call.
 * Owns the one way the store_*.c files run a Lua script (store_eval: EVALSHA
 * by a locally computed SHA-1, EVAL on NOSCRIPT); the scripts themselves
 * live with the keys they touch.
 * Never interprets JSON: records are opaque bytes here.
 */
#include "store.h"
#include "clock.h"

#include <assert.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "crypto.h"
#include "log.h"
#include "store_private.h"

/* ================================================================= pool */

static int parse_url(store_pool *p, const char *url, char *err, size_t n) {
    const char *s = url;
    if (strncmp(s, "redis://", 8) != 0) goto bad;
    s += 8;
    const char *at = strrchr(s, '@');
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        if (colon) {
            size_t ul = (size_t)(colon - s), pl = (size_t)(at - colon - 1);
            if (ul >= sizeof p->user || pl >= sizeof p->pass) goto bad;
            memcpy(p->user, s, ul);
            p->user[ul] = 0;
            memcpy(p->pass, colon + 1, pl);
            p->pass[pl] = 0;
        } else {
            size_t pl = (size_t)(at - s);
            if (pl >= sizeof p->pass) goto bad;
            memcpy(p->pass, s, pl);
            p->pass[pl] = 0;
        }
        s = at + 1;
    }
    const char *slash = strchr(s, '/');
    const char *hostend = slash ? slash : s + strlen(s);
    const char *colon = NULL;
    for (const char *q = s; q < hostend; q++)
        if (*q == ':') colon = q;
    p->port = 6379;
    size_t hl = (size_t)((colon ? colon : hostend) - s);
    if (hl == 0 || hl >= sizeof p->host) goto bad;
    memcpy(p->host, s, hl);
    p->host[hl] = 0;
    if (colon) {
        char *e;
        long port = strtol(colon + 1, &e, 10);
        if (e != hostend || port <= 0 || port > 65535) goto bad;
        p->port = (int)port;
    }
    p->db = 0;
    if (slash && slash[1]) {
        char *e;
        long db = strtol(slash + 1, &e, 10);
        if (*e || db < 0 || db > 1000) goto bad;
        p->db = (int)db;
    }
    return 0;
bad:
    snprintf(err, n, "redis_url: cannot parse (expected redis://[:password@]host:port[/db])");
    return -1;
}

store_pool *store_pool_new(const store_options *o, char *err, size_t errlen) {
    store_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (parse_url(p, o->url, err, errlen) < 0) {
        free(p);
        return NULL;
    }
    p->n = o->size ? o->size : 1;
    p->timeout_ms = o->timeout_ms;
    p->wait_replicas = o->wait_replicas;
    p->wait_timeout_ms = o->wait_timeout_ms > 0 ? o->wait_timeout_ms : 100;
    p->conns = calloc(p->n, sizeof *p->conns);
    if (!p->conns) {
        free(p);
        return NULL;
    }
    for (unsigned i = 0; i < p->n; i++) p->conns[i].pool = p;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!(p->cache = store_cache_new())) {
        snprintf(err, errlen, "redis: out of memory for the look-up cache");
        store_pool_free(p);
        return NULL;
    }
    if (o->sentinels && o->sentinels[0] &&
        !(p->sentinel = store_sentinel_new(o->sentinels, o->master, o->timeout_ms, err, errlen))) {
        store_pool_free(p);
        return NULL;
    }
    return p;
}

void store_pool_free(store_pool *p) {
    if (!p) return;
    for (unsigned i = 0; i < p->n; i++)
        if (p->conns[i].c) redisFree(p->conns[i].c);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    store_sentinel_free(p->sentinel);
    store_cache_free(p->cache);
    free(p->conns);
    free(p);
}

static void mark_down(store_pool *p) {
    atomic_store(&p->down_until_ms, clock_mono_ms() + STORE_RETRY_MS);
    atomic_store(&p->up, 0);
    atomic_fetch_add(&p->errors, 1);
}

void store_drop(store *s) {
    if (s->c) redisFree(s->c);
    s->c = NULL;
    mark_down(s->pool);
}

static int connect_one(store *s) {
    store_pool *p = s->pool;
    if (clock_mono_ms() < atomic_load(&p->down_until_ms)) return -1;
    struct timeval tv = {p->timeout_ms / 1000, (p->timeout_ms % 1000) * 1000};
    char host[sizeof p->host];
    int port = p->port;
    unsigned gen = 0;
    snprintf(host, sizeof host, "%s", p->host);
    if (p->sentinel && store_sentinel_primary(p->sentinel, host, sizeof host, &port, &gen) < 0) {
        mark_down(p);
        return -1;
    }
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (!c || c->err) {
        if (c) {
            log_msg(LOG_DEBUG, "redis connect %s:%d: %s", host, port, c->errstr);
            redisFree(c);
        }
        mark_down(p);
        return -1;
    }
    redisSetTimeout(c, tv);
    redisEnableKeepAlive(c);
    /* keep the reply buffer between replies: a comment look-up's reply is
     * ~10-50 KB, and hiredis' default frees a buffer beyond 16 KB after
     * each reply, so every request paid a large malloc + free (+ madvise) */
    c->reader->maxbuf = 0;
    redisReply *r = NULL;
    if (p->pass[0]) {
        if (p->user[0])
            r = redisCommand(c, "AUTH %s %s", p->user, p->pass);
        else
            r = redisCommand(c, "AUTH %s", p->pass);
        if (!r || r->type == REDIS_REPLY_ERROR) goto fail;
        freeReplyObject(r);
    }
    if (p->db) {
        r = redisCommand(c, "SELECT %d", p->db);
        if (!r || r->type == REDIS_REPLY_ERROR) goto fail;
        freeReplyObject(r);
    }
    if (p->sentinel && store_sentinel_check_role(c, host, port) < 0) goto fail;
    s->c = c;
    s->serial++;
    s->watching = 0;
    s->gen = gen;
    atomic_store(&p->up, 1);
    return 0;
fail:
    log_msg(LOG_WARN, "redis %s:%d: %s", host, port,
            r && r->type == REDIS_REPLY_ERROR ? r->str : (c->err ? c->errstr : "setup failed"));
    if (r) freeReplyObject(r);
    redisFree(c);
    mark_down(p);
    return -1;
}

store *store_acquire(store_pool *p) {
    pthread_mutex_lock(&p->mu);
    store *s = NULL;
    for (;;) {
        for (unsigned i = 0; i < p->n; i++)
            if (!p->conns[i].in_use) {
                s = &p->conns[i];
                break;
            }
        if (s) break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    s->in_use = 1;
    pthread_mutex_unlock(&p->mu);
    return s;
}

void store_release(store_pool *p, store *s) {
    if (s->watching && s->c) {
        /* a replay's write that found its record stored (no EXEC came):
         * end its WATCH, or the next MULTI on this connection could abort */
        redisReply *r = redisCommand(s->c, "UNWATCH");
        if (!r) store_drop(s);
        else freeReplyObject(r);
    }
    s->watching = 0;
    pthread_mutex_lock(&p->mu);
    s->in_use = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int store_pool_up(store_pool *p) { return atomic_load(&p->up); }
unsigned long store_pool_errors(store_pool *p) { return atomic_load(&p->errors); }

int store_ready_(store *s) {
    if (s->c && s->pool->sentinel && s->gen != store_sentinel_generation(s->pool->sentinel)) {
        redisFree(s->c); /* the sentinels have named another primary since */
        s->c = NULL;
    }
    if (s->c) return 0;
    return connect_one(s);
}

/* Send argc/argv pipelines and collect replies. On transport failure the
 * connection is dropped and -1 returned with replies freed. */
void store_arg(cmd *c, const char *s, size_t n) {
    if (c->argc >= STORE_MAX_ARGS) return;
    c->argv[c->argc] = s;
    c->len[c->argc++] = n;
}
void store_args(cmd *c, const char *s) { store_arg(c, s, strlen(s)); }
void store_cmd(cmd *c, ...) {
    va_list ap;
    va_start(ap, c);
    for (const char *a; (a = va_arg(ap, const char *));) store_args(c, a);
    va_end(ap);
}

/* The decimal digits of v at p; returns the end. */
static char *put_dec(char *p, unsigned long long v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* v in decimal into out (NUL-terminated): the numbers of every comment's
 * commands, without snprintf's machinery. */
static void dec(char out[24], long long v) {
    if (v < 0) *out++ = '-';
    *put_dec(out, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v) = 0;
}

/* Writes "<prefix><v>\r\n" at p; returns the end. */
static char *resp_len(char *p, char prefix, size_t v) {
    *p++ = prefix;
    p = put_dec(p, v);
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

int store_append_cmds(store *s, const cmd *cmds, int ncmd) {
    /* the commands' RESP in one buffer, handed to hiredis in one piece:
     * its own formatting builds every argument with sdscatfmt, which
     * cost more than the bytes (~5 % of modq's CPU) */
    size_t total = 0;
    for (int i = 0; i < ncmd; i++) {
        total += 24;
        for (int a = 0; a < cmds[i].argc; a++) total += 26 + cmds[i].len[a];
    }
    char *buf = malloc(total);
    if (!buf) return -1;
    char *p = buf;
    for (int i = 0; i < ncmd; i++) {
        p = resp_len(p, '*', (size_t)cmds[i].argc);
        for (int a = 0; a < cmds[i].argc; a++) {
            p = resp_len(p, '$', cmds[i].len[a]);
            memcpy(p, cmds[i].argv[a], cmds[i].len[a]);
            p += cmds[i].len[a];
            *p++ = '\r';
            *p++ = '\n';
        }
    }
    int rc = redisAppendFormattedCommand(s->c, buf, (size_t)(p - buf)) == REDIS_OK ? 0 : -1;
    free(buf);
    return rc;
}

int store_collect(store *s, redisReply **replies, int n) {
    for (int i = 0; i < n; i++) replies[i] = NULL;
    for (int i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(s->c, &r) != REDIS_OK || !r) {
            log_msg(LOG_WARN, "redis: %s", s->c->errstr);
            store_free_replies(replies, i);
            store_drop(s);
            return -1;
        }
        replies[i] = r;
        if (store_reply_check(s, replies[i]) < 0) {
            store_free_replies(replies, i + 1);
            store_drop(s);
            return -1;
        }
    }
    atomic_store(&s->pool->up, 1);
    return 0;
}

int store_reply_check(store *s, const redisReply *r) {
    if (r->type != REDIS_REPLY_ERROR) return 0;
    if (strncmp(r->str, "READONLY", 8) == 0) {
        /* a demoted primary: drop it, the next connect finds the new one */
        log_msg(LOG_WARN, "redis: %s", r->str);
        return -1;
    }
    log_msg(LOG_WARN, "redis error reply: %s", r->str);
    atomic_fetch_add(&s->pool->errors, 1);
    return 0;
}

int store_run(store *s, cmd *cmds, int ncmd, redisReply **replies) {
    if (store_ready_(s) < 0) return -1;
    for (int i = 0; i < ncmd; i++) replies[i] = NULL;
    if (store_append_cmds(s, cmds, ncmd) < 0) {
        store_drop(s);
        return -1;
    }
    return store_collect(s, replies, ncmd);
}

void store_free_replies(redisReply **r, int n) {
    for (int i = 0; i < n; i++)
        if (r[i]) freeReplyObject(r[i]);
}

int store_append_hmget(store *s, const char *key, const char *const *fields, size_t n,
                       const unsigned char *skip) {
    const char **av = malloc((n + 2) * sizeof *av);
    size_t *al = malloc((n + 2) * sizeof *al);
    int ok = 0;
    if (av && al) {
        size_t argc = 0;
        av[argc++] = "HMGET";
        av[argc++] = key;
        for (size_t i = 0; i < n; i++)
            if (!skip || !skip[i]) av[argc++] = fields[i];
        for (size_t i = 0; i < argc; i++) al[i] = strlen(av[i]);
        ok = redisAppendCommandArgv(s->c, (int)argc, av, al) == REDIS_OK;
    }
    free(av);
    free(al);
    return ok ? 0 : -1;
}

int store_key(char *buf, size_t n, const char *site, const char *part,
               const char *rest) {
    /* memcpy, not snprintf: ~20 keys per comment */
    const char *seg[5] = {"modq:{", site, "}:", part, rest ? rest : ""};
    size_t w = 0;
    for (int i = 0; i < 5; i++) {
        size_t l = strlen(seg[i]);
        if (l >= n - w) {
            if (n) buf[0] = 0;
            return -1;
        }
        memcpy(buf + w, seg[i], l);
        w += l;
    }
    buf[w] = 0;
    return (int)w;
}

/* 16 lowercase hex digits of v and a NUL (keys: no snprintf per digit run) */
static void hex16(char out[17], uint64_t v) {
    crypto_hex_u64(v, 16, out);
    out[16] = 0;
}

/* "dup:b<i>:" for LSH band i */
_Static_assert(STORE_LSH_BANDS == 8, "band_part names 8 bands");
static const char *const band_part[STORE_LSH_BANDS] = {
    "dup:b0:", "dup:b1:", "dup:b2:", "dup:b3:", "dup:b4:", "dup:b5:", "dup:b6:", "dup:b7:"};

int store_ping(store *s, char *why, size_t n) {
    if (store_ready_(s) < 0) {
        snprintf(why, n, "redis %s:%d unreachable", s->pool->host, s->pool->port);
        return -1;
    }
    cmd c = {0};
    store_args(&c, "PING");
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) {
        snprintf(why, n, "redis %s:%d not answering", s->pool->host, s->pool->port);
        return -1;
    }
    int ok = r->type == REDIS_REPLY_STATUS;
    if (!ok) snprintf(why, n, "redis: %s", r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
    freeReplyObject(r);
    return ok ? 0 : -1;
}

/* The string of a string reply, taken from it (no copy: hiredis allocated
 * it with malloc and NUL-terminated it; the reply is left without it), or
 * NULL. */
static char *take_str(redisReply *r, size_t *len) {
    if (!r || r->type != REDIS_REPLY_STRING || !r->str) return NULL;
    char *s = r->str;
    r->str = NULL;
    if (len) *len = r->len;
    return s;
}

/* Takes the strings of an array reply (hiredis' own, as take_str) into
 * *out (a new array, NULL when empty) and *n. */
static void take_list(redisReply *r, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (r->type != REDIS_REPLY_ARRAY || !r->elements || !(*out = calloc(r->elements, sizeof **out)))
        return;
    for (size_t j = 0; j < r->elements; j++) {
        char *v = take_str(r->element[j], NULL);
        if (v) (*out)[(*n)++] = v;
    }
}

char *store_dup_str(redisReply *r, size_t *len) {
    if (!r || r->type != REDIS_REPLY_STRING) return NULL;
    char *s = malloc(r->len + 1);
    if (!s) return NULL;
    memcpy(s, r->str, r->len);
    s[r->len] = 0;
    if (len) *len = r->len;
    return s;
}

/* ============================================================== scripts */

/* "0".."69", static: a key count is an argument that must outlive
 * store_eval_begin (cmd keeps pointers) */
#define NK10(t) t "0", t "1", t "2", t "3", t "4", t "5", t "6", t "7", t "8", t "9"
static const char *const NKEYS[] = {NK10(""),  NK10("1"), NK10("2"), NK10("3"),
                                    NK10("4"), NK10("5"), NK10("6")};
_Static_assert(sizeof NKEYS / sizeof NKEYS[0] >= STORE_MAX_ARGS, "a count per argv slot");

static pthread_mutex_t script_mu = PTHREAD_MUTEX_INITIALIZER; /* each script's first SHA */

/* sc's SHA-1 (borrowed: lives as long as sc), hashed by the first caller. */
static const char *script_sha(store_script *sc) {
    if (!atomic_load_explicit(&sc->ready, memory_order_acquire)) {
        pthread_mutex_lock(&script_mu);
        if (!atomic_load_explicit(&sc->ready, memory_order_relaxed)) {
            crypto_sha1_hex(sc->src, strlen(sc->src), sc->sha);
            atomic_store_explicit(&sc->ready, 1, memory_order_release);
        }
        pthread_mutex_unlock(&script_mu);
    }
    return sc->sha;
}

void store_eval_begin(cmd *c, store_script *sc, int nkeys) {
    assert(nkeys >= 0 && nkeys < STORE_MAX_ARGS);
    memset(c, 0, sizeof *c);
    store_args(c, "EVALSHA");
    store_args(c, script_sha(sc));
    store_args(c, NKEYS[nkeys]);
}

int store_eval(store *s, store_script *sc, cmd *c, int ncmd, redisReply **r) {
    for (int i = 0; i < ncmd; i++)
        if (c[i].argc >= STORE_MAX_ARGS) {
            log_msg(LOG_ERROR, "redis: script call has too many arguments");
            return -1;
        }
    if (store_run(s, c, ncmd, r) < 0) return -1;
    if (r[0]->type != REDIS_REPLY_ERROR || strncmp(r[0]->str, "NOSCRIPT", 8) != 0) return 0;
    freeReplyObject(r[0]); /* the server's script cache is empty: EVAL refills it */
    c[0].argv[0] = "EVAL";
    c[0].len[0] = 4;
    c[0].argv[1] = sc->src;
    c[0].len[1] = strlen(sc->src);
    if (store_run(s, c, 1, r) == 0) return 0;
    store_free_replies(r + 1, ncmd - 1);
    return -1;
}

/* ============================================================= articles */

static int get_one(store *s, const char *k, char **out, size_t *len) {
    cmd c = {0};
    store_args(&c, "GET");
    store_args(&c, k);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int rc = 0;
    if (r->type == REDIS_REPLY_STRING) {
        *out = store_dup_str(r, len);
        rc = *out ? 1 : -1;
    } else if (r->type != REDIS_REPLY_NIL) {
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

int store_article_get(store *s, const char *site, const char *id, char **json,
                      size_t *len) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, "article:", id) < 0) return -1;
    return get_one(s, k, json, len);
}

int store_article_by_url(store *s, const char *site, const char *url, char **id) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, "article_url:", url) < 0) return 0;
    return get_one(s, k, id, NULL);
}

/* The amount modq:{S}:dfver grows by at an article put that changes df.
 * Random rather than 1, so that a version number names one df state even
 * across histories: after a FLUSHALL (dfver restarts from absent = 0) or a
 * failover that lost the last puts (the new primary's counter is behind),
 * the next puts reach numbers a pool has already seen with other df values
 * only by chance (about 2^-31 a put). 2^31 at most, so the counter (Redis:
 * signed 64 bits) needs over 2^32 puts to overflow. */
static uint64_t df_version_step(void) {
    uint32_t r;
    if (crypto_random(&r, sizeof r) < 0) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        r = (uint32_t)t.tv_nsec ^ (uint32_t)t.tv_sec;
    }
    return (uint64_t)(r & 0x7fffffffu) + 1;
}

int store_article_put(store *s, const char *site, const char *id,
                      const char *json, size_t len, const char *url,
                      const char *old_url, char *const *add_terms, size_t nadd,
                      char *const *del_terms, size_t ndel, int created) {
    char k[STORE_KEY_MAX], kdf[STORE_KEY_MAX], kv[STORE_KEY_MAX], kn[STORE_KEY_MAX],
        ku[STORE_KEY_MAX], kou[STORE_KEY_MAX], step[24];
    if (store_key(k, sizeof k, site, "article:", id) < 0 ||
        store_key(kdf, sizeof kdf, site, "df", NULL) < 0 ||
        store_key(kv, sizeof kv, site, "dfver", NULL) < 0 ||
        store_key(kn, sizeof kn, site, "ndocs", NULL) < 0)
        return -1;
    snprintf(step, sizeof step, "%llu", (unsigned long long)df_version_step());
    size_t ncmd = nadd + ndel + 8;
    cmd *cmds = calloc(ncmd, sizeof *cmds);
    redisReply **rep = calloc(ncmd, sizeof *rep);
    int n = 0, rc = -1;
    if (!cmds || !rep) goto out;
    store_args(&cmds[n], "MULTI");
    n++;
    store_args(&cmds[n], "SET");
    store_args(&cmds[n], k);
    store_arg(&cmds[n], json, len);
    n++;
    for (size_t i = 0; i < nadd; i++, n++) {
        store_cmd(&cmds[n], "HINCRBY", kdf, add_terms[i], "1", NULL);
    }
    for (size_t i = 0; i < ndel; i++, n++) {
        store_cmd(&cmds[n], "HINCRBY", kdf, del_terms[i], "-1", NULL);
    }
    if (nadd || ndel) { /* df changes: a new version (see df_version_step) */
        store_cmd(&cmds[n], "INCRBY", kv, step, NULL);
        n++;
    }
    if (created) {
        store_args(&cmds[n], "INCR");
        store_args(&cmds[n], kn);
        n++;
    }
    if (old_url && (!url || strcmp(old_url, url) != 0) &&
        store_key(kou, sizeof kou, site, "article_url:", old_url) >= 0) {
        store_args(&cmds[n], "DEL");
        store_args(&cmds[n], kou);
        n++;
    }
    if (url && store_key(ku, sizeof ku, site, "article_url:", url) >= 0) {
        store_cmd(&cmds[n], "SET", ku, id, NULL);
        n++;
    }
    store_args(&cmds[n], "EXEC");
    n++;
    if (store_run(s, cmds, n, rep) < 0) goto out;
    rc = rep[n - 1]->type == REDIS_REPLY_ARRAY ? 0 : -1;
    store_free_replies(rep, n);
out:
    free(cmds);
    free(rep);
    return rc;
}

/* ============================================================ df look-up */

/* A comment's stems' document frequencies come from the pool's cache when
 * it holds them at the site's last-seen df version (store_cache.c). The
 * look-up asks Redis for the current version (GET dfver) and for the
 * stems the cache lacks only, both inside one MULTI, so the values read
 * are exactly those of the version read, and are filed under it. When the
 * version Redis reports is not the one the hits were read at (an article
 * put meanwhile, a FLUSHALL, a failover), a second round trip reads every
 * stem again with the version, in a MULTI again: a value served is always
 * one Redis held at the version it is filed under, and that version is
 * the current one. */

typedef struct df_lookup {
    uint32_t *df;        /* nterms values (new; becomes out->df) */
    unsigned char *hit;  /* nterms: 1 = served from the cache */
    size_t nhit;
    uint64_t ver;        /* version the hits were read at (when nhit > 0) */
    char kdf[STORE_KEY_MAX], kver[STORE_KEY_MAX];
} df_lookup;

/* Append the df reads of the stems not in skip (NULL: all; nskip of them
 * set): GET dfver alone when all are skipped, else MULTI, GET dfver, HMGET
 * df <stems>, EXEC. Returns the number of commands appended, -1 on failure. */
static int df_append(store *s, const df_lookup *d, const store_lookup_req *q,
                     const unsigned char *skip, size_t nskip) {
    const char *get[2] = {"GET", d->kver};
    size_t getl[2] = {3, strlen(d->kver)};
    if (skip && nskip == q->nterms)
        return redisAppendCommandArgv(s->c, 2, get, getl) == REDIS_OK ? 1 : -1;
    if (redisAppendCommand(s->c, "MULTI") != REDIS_OK ||
        redisAppendCommandArgv(s->c, 2, get, getl) != REDIS_OK ||
        store_append_hmget(s, d->kdf, (const char *const *)q->terms, q->nterms, skip) < 0 ||
        redisAppendCommand(s->c, "EXEC") != REDIS_OK)
        return -1;
    return 4;
}

/* Parse the n replies of df_append(skip): the df of each stem not in skip
 * into df, the version into *ver. Returns 1, 0 when dfver holds no number
 * (the values are good, but nothing may be filed under a version), -1 on
 * an error reply inside EXEC (logged). */
static int df_read(store *s, redisReply **rep, int n, const store_lookup_req *q,
                   const unsigned char *skip, uint32_t *df, uint64_t *ver) {
    redisReply *v = rep[0], *h = NULL;
    if (n == 4) {
        redisReply *x = rep[3];
        if (x->type != REDIS_REPLY_ARRAY || x->elements != 2) {
            log_msg(LOG_WARN, "redis lookup error: df transaction not executed");
            atomic_fetch_add(&s->pool->errors, 1);
            return -1;
        }
        v = x->element[0];
        h = x->element[1];
        for (int i = 0; i < 2; i++)
            if (x->element[i]->type == REDIS_REPLY_ERROR) {
                log_msg(LOG_WARN, "redis lookup error: %s", x->element[i]->str);
                atomic_fetch_add(&s->pool->errors, 1);
                return -1;
            }
        size_t j = 0;
        for (size_t i = 0; i < q->nterms; i++) {
            if (skip && skip[i]) continue;
            redisReply *e = h->type == REDIS_REPLY_ARRAY && j < h->elements ? h->element[j] : NULL;
            j++;
            long val = e && e->type == REDIS_REPLY_STRING ? strtol(e->str, NULL, 10) : 0;
            df[i] = val > 0 ? (uint32_t)val : 0;
        }
    }
    *ver = 0;
    if (v->type == REDIS_REPLY_NIL) return 1; /* no article put since a flush */
    if (v->type != REDIS_REPLY_STRING || v->len == 0 || v->len > 19) return 0;
    for (size_t i = 0; i < v->len; i++) {
        if (v->str[i] < '0' || v->str[i] > '9') return 0;
        *ver = *ver * 10 + (uint64_t)(v->str[i] - '0');
    }
    return 1;
}

/* ============================================================= comments */

/* A band value ends with the MinHash in binary: STORE_MINHASH_N 32-bit
 * values, big end first (128 bytes; half of the hex it replaced, and no
 * parsing). */
#define STORE_MINHASH_BYTES (STORE_MINHASH_N * 4)

/* Writes mh to out (STORE_MINHASH_BYTES). */
static void minhash_pack(const uint32_t *mh, char *out) {
    for (int i = 0; i < STORE_MINHASH_N; i++) {
        out[4 * i] = (char)(mh[i] >> 24);
        out[4 * i + 1] = (char)(mh[i] >> 16);
        out[4 * i + 2] = (char)(mh[i] >> 8);
        out[4 * i + 3] = (char)mh[i];
    }
}

/* An exact-key value "id\x1fauthor", or (exact = 0) a band value
 * "id\x1fauthor\x1f<binary MinHash>", into d (d->id NULL when malformed). */
static void split_dup(const char *v, size_t len, store_dup *d, int exact) {
    const char *a = memchr(v, 0x1f, len);
    if (!a) return;
    size_t alen = len - (size_t)(a + 1 - v); /* author [+ \x1f + MinHash] */
    if (!exact) {
        if (alen < STORE_MINHASH_BYTES + 1 || a[alen - STORE_MINHASH_BYTES] != 0x1f) return;
        const unsigned char *m = (const unsigned char *)v + len - STORE_MINHASH_BYTES;
        for (int i = 0; i < STORE_MINHASH_N; i++)
            d->minhash[i] = (uint32_t)m[4 * i] << 24 | (uint32_t)m[4 * i + 1] << 16 |
                            (uint32_t)m[4 * i + 2] << 8 | m[4 * i + 3];
        d->has_minhash = 1;
        alen -= STORE_MINHASH_BYTES + 1;
    }
    d->id = strndup(v, (size_t)(a - v));
    d->author_key = strndup(a + 1, alen);
    d->exact = exact;
}

/* The state of one comment look-up between the commands appended and the
 * replies read (store.h). */
struct store_lookup_op {
    const store_lookup_req *q; /* borrowed */
    df_lookup dl;
    int tokens;        /* the learner's token counts are asked for */
    int n;             /* replies expected */
    int n_df, i_df;    /* the df commands: how many, first reply index */
    int base;          /* index of the first reply of c[] below */
    int n0, nl;        /* the learning commands: first reply, count */
    int i_claim, i_mget, i_thread, i_tlen, i_wh;
    int ng, j_existing, j_article, j_exact, j_band, j_nd, j_fa, j_fi;
    int dfok;          /* df_read's verdict on the first round trip */
    uint64_t dver;     /* the df version Redis reported */
};

store_lookup_op *store_lookup_begin(store_pool *p, const store_lookup_req *q) {
    store_lookup_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->q = q;
    op->dfok = 1;
    if (q->nterms) {
        op->dl.df = calloc(q->nterms, sizeof *op->dl.df);
        op->dl.hit = calloc(q->nterms, 1);
        if (!op->dl.df || !op->dl.hit) {
            store_lookup_op_free(op);
            return NULL;
        }
        store_key(op->dl.kdf, sizeof op->dl.kdf, q->site, "df", NULL);
        store_key(op->dl.kver, sizeof op->dl.kver, q->site, "dfver", NULL);
        op->dl.nhit = store_cache_df_get(p->cache, q->site, q->terms, q->nterms, op->dl.df,
                                         op->dl.hit, &op->dl.ver);
    }
    op->tokens = store_learn_lookup_tokens(p, q);
    return op;
}

void store_lookup_op_free(store_lookup_op *op) {
    if (!op) return;
    free(op->dl.df);
    free(op->dl.hit);
    free(op);
}

int store_lookup_append(store *s, store_lookup_op *op) {
    const store_lookup_req *q = op->q;
    char kc[STORE_KEY_MAX], kcl[STORE_KEY_MAX], ka[STORE_KEY_MAX], kt[STORE_KEY_MAX],
        kth[STORE_KEY_MAX], kx[STORE_KEY_MAX], kn[STORE_KEY_MAX], kfa[STORE_KEY_MAX],
        kfi[STORE_KEY_MAX], kwh[STORE_KEY_MAX];
    char kb[STORE_LSH_BANDS][STORE_KEY_MAX];
    char hx[24], tn[24], px[24];
    hex16(hx, q->exact_hash);
    dec(tn, (long long)q->thread_n - 1);
    dec(px, STORE_CLAIM_MS);
    cmd c[5];
    for (int i = 0; i < 5; i++) c[i].argc = 0; /* argv[] is filled as argc grows */
    int n = 0;
    op->i_claim = op->j_existing = op->j_band = op->j_fi = -1;
    op->ng = 0;
    if (q->comment_id) {
        if (store_key(kc, sizeof kc, q->site, "comment:", q->comment_id) < 0 ||
            store_key(kcl, sizeof kcl, q->site, "claim:", q->comment_id) < 0)
            return -1;
        /* claim the id before reading its record: of concurrent requests
         * for one id only the claim holder writes (store_comment_write) */
        store_cmd(&c[n], "SET", kcl, "1", "NX", "PX", px, NULL);
        op->i_claim = n++;
    }
    /* Every plain string key in ONE MGET (all of the site's hash slot):
     * Redis' cost is per command as much as per key */
    store_args(&c[n], "MGET");
    if (q->comment_id) {
        store_args(&c[n], kc);
        op->j_existing = op->ng++;
    }
    store_key(ka, sizeof ka, q->site, "article:", q->article_id);
    store_args(&c[n], ka);
    op->j_article = op->ng++;
    store_key(kx, sizeof kx, q->site, "dup:x:", hx);
    store_args(&c[n], kx);
    op->j_exact = op->ng++;
    store_key(kn, sizeof kn, q->site, "ndocs", NULL);
    store_args(&c[n], kn);
    op->j_nd = op->ng++;
    store_key(kfa, sizeof kfa, q->site, "flood:a:", q->author_key);
    store_args(&c[n], kfa);
    op->j_fa = op->ng++;
    if (q->ip && *q->ip) {
        store_key(kfi, sizeof kfi, q->site, "flood:i:", q->ip);
        store_args(&c[n], kfi);
        op->j_fi = op->ng++;
    }
    if (q->has_minhash) {
        op->j_band = op->ng;
        for (int b = 0; b < STORE_LSH_BANDS; b++) {
            char h[17];
            hex16(h, q->band[b]);
            store_key(kb[b], sizeof kb[b], q->site, band_part[b], h);
            store_args(&c[n], kb[b]);
            op->ng++;
        }
    }
    op->i_mget = n++;
    /* the thread by reference (its texts only when the engine's cache
     * lacks one: store_thread_texts), and the length of the text list,
     * which a list written before references existed outgrows */
    store_key(kth, sizeof kth, q->site, "thread:h:", q->article_id);
    store_cmd(&c[n], "LRANGE", kth, "0", tn, NULL);
    op->i_thread = n++;
    store_key(kt, sizeof kt, q->site, "thread:", q->article_id);
    store_cmd(&c[n], "LLEN", kt, NULL);
    op->i_tlen = n++;
    /* which webhook events the site wants, so that a site without a
     * "verdict" webhook costs no extra round trip (store_webhook.c) */
    store_key(kwh, sizeof kwh, q->site, "webhook", NULL);
    store_cmd(&c[n], "HGET", kwh, "events", NULL);
    op->i_wh = n++;
    /* the df look-up through the cache (above), then the commands above,
     * then the learning counts (store_learn.c): one round trip */
    op->n_df = 0;
    op->i_df = -1;
    if (q->nterms) {
        if ((op->n_df = df_append(s, &op->dl, q, op->dl.hit, op->dl.nhit)) < 0) return -1;
        op->i_df = 0;
    }
    if (store_append_cmds(s, c, n) < 0) return -1;
    op->base = op->n_df;
    op->n0 = op->base + n;
    if ((op->nl = store_learn_lookup_append(s, q, op->tokens, 1)) < 0) return -1;
    op->n = op->n0 + op->nl;
    return op->n;
}

/* File what Redis said once every reply is in: the df values in the cache
 * (never before), the learner's totals; out takes the df array. */
static void lookup_file(store_pool *p, store_lookup_op *op, int refetch, store_lookup *out) {
    const store_lookup_req *q = op->q;
    if (q->nterms && op->dfok == 1 && (refetch || op->dl.nhit < q->nterms))
        store_cache_df_put(p->cache, q->site, op->dver, q->terms, op->dl.df,
                           refetch ? NULL : op->dl.hit, q->nterms);
    store_learn_lookup_remember(p, q, out);
    out->df = op->dl.df;
    op->dl.df = NULL;
}

int store_lookup_read(store *s, store_lookup_op *op, redisReply **rep, store_lookup *out) {
    const store_lookup_req *q = op->q;
    memset(out, 0, sizeof *out);
    /* an error reply was logged and counted as it came (store_reply_check) */
    for (int i = 0; i < op->n; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) return -1;
    redisReply **rc = rep + op->base; /* the replies of c[] */
    redisReply *mg = rc[op->i_mget], *g[6 + STORE_LSH_BANDS];
    if (mg->type != REDIS_REPLY_ARRAY || mg->elements != (size_t)op->ng ||
        op->ng > (int)(sizeof g / sizeof g[0])) {
        log_msg(LOG_WARN, "redis lookup error: unexpected MGET reply");
        return -1;
    }
    for (int j = 0; j < op->ng; j++) g[j] = mg->element[j];
    if (op->i_claim >= 0) out->claimed = rc[op->i_claim]->type == REDIS_REPLY_STATUS;
    if (op->j_existing >= 0) out->existing = take_str(g[op->j_existing], &out->existing_len);
    out->article = take_str(g[op->j_article], &out->article_len);
    take_list(rc[op->i_thread], &out->thread_refs, &out->nrefs);
    redisReply *tl = rc[op->i_tlen];
    out->thread_len = tl->type == REDIS_REPLY_INTEGER && tl->integer > 0 ? (size_t)tl->integer : 0;
    if (out->thread_len > q->thread_n) out->thread_len = q->thread_n;
    redisReply *x = g[op->j_exact];
    if (x->type == REDIS_REPLY_STRING) {
        split_dup(x->str, x->len, &out->dups[out->ndups], 1);
        if (out->dups[out->ndups].id) out->ndups++;
    }
    if (op->j_band >= 0) {
        for (int j = op->j_band; j < op->j_band + STORE_LSH_BANDS; j++) {
            redisReply *e = g[j];
            if (e->type != REDIS_REPLY_STRING) continue;
            store_dup d = {0};
            split_dup(e->str, e->len, &d, 0);
            if (!d.id) continue;
            int seen = 0;
            for (size_t k = 0; k < out->ndups; k++)
                if (strcmp(out->dups[k].id, d.id) == 0) {
                    seen = 1;
                    if (d.has_minhash && !out->dups[k].has_minhash) {
                        memcpy(out->dups[k].minhash, d.minhash, sizeof d.minhash);
                        out->dups[k].has_minhash = 1;
                    }
                }
            if (seen) {
                free(d.id);
                free(d.author_key);
            } else {
                out->dups[out->ndups++] = d;
            }
        }
    }
    if (g[op->j_nd]->type == REDIS_REPLY_STRING) {
        long v = strtol(g[op->j_nd]->str, NULL, 10);
        out->ndocs = v > 0 ? (uint32_t)v : 0;
    }
    unsigned fa = g[op->j_fa]->type == REDIS_REPLY_STRING
                      ? (unsigned)strtoul(g[op->j_fa]->str, NULL, 10) : 0;
    out->webhook_events = rc[op->i_wh]->type == REDIS_REPLY_STRING
                              ? (unsigned)strtoul(rc[op->i_wh]->str, NULL, 10) : 0;
    unsigned fi = (op->j_fi >= 0 && g[op->j_fi]->type == REDIS_REPLY_STRING)
                      ? (unsigned)strtoul(g[op->j_fi]->str, NULL, 10) : 0;
    out->flood_count = fa > fi ? fa : fi;
    if (op->i_df >= 0 && (op->dfok = df_read(s, rep + op->i_df, op->n_df, q, op->dl.hit,
                                             op->dl.df, &op->dver)) < 0) {
        store_lookup_free(out);
        return -1;
    }
    store_learn_lookup_read(q, op->tokens, 1, rep + op->n0, op->nl, out);
    /* A second round trip, rarely (store_lookup_more): the hits were read
     * at another df version than Redis' current one, or the classifier has
     * just become able to vote although its token counts were not asked. */
    if ((op->dl.nhit && (op->dfok == 0 || op->dver != op->dl.ver)) ||
        store_learn_lookup_more(q, op->tokens, out))
        return 1;
    lookup_file(s->pool, op, 0, out);
    return 0;
}

int store_lookup_more(store *s, store_lookup_op *op, store_lookup *out) {
    const store_lookup_req *q = op->q;
    int refetch = op->dl.nhit && (op->dfok == 0 || op->dver != op->dl.ver);
    int more = store_learn_lookup_more(q, op->tokens, out);
    redisReply *rep[4 + STORE_LEARN_LOOKUP_CMDS] = {0};
    if (store_ready_(s) < 0) goto fail;
    int n_df = refetch ? df_append(s, &op->dl, q, NULL, 0) : 0;
    int nl = more ? store_learn_lookup_append(s, q, 1, 0) : 0;
    if (n_df < 0 || nl < 0) {
        store_drop(s);
        goto fail;
    }
    int n = n_df + nl;
    if (store_collect(s, rep, n) < 0) goto fail;
    for (int i = 0; i < n; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) { /* logged by store_collect */
            store_free_replies(rep, n);
            goto fail;
        }
    if (refetch && (op->dfok = df_read(s, rep, n_df, q, NULL, op->dl.df, &op->dver)) < 0) {
        store_free_replies(rep, n);
        goto fail;
    }
    if (more) store_learn_lookup_read(q, 1, 0, rep + n_df, nl, out);
    store_free_replies(rep, n);
    lookup_file(s->pool, op, refetch, out);
    return 0;
fail:
    store_lookup_free(out);
    return -1;
}

int store_comment_lookup(store *s, const store_lookup_req *q, store_lookup *out) {
    memset(out, 0, sizeof *out);
    store_lookup_op *op = store_lookup_begin(s->pool, q);
    if (!op) return -1;
    redisReply **rep = NULL;
    int rc = -1;
    if (store_ready_(s) < 0) goto done;
    int n = store_lookup_append(s, op);
    if (n < 0 || !(rep = calloc((size_t)n, sizeof *rep))) {
        store_drop(s);
        goto done;
    }
    if (store_collect(s, rep, n) < 0) goto done;
    rc = store_lookup_read(s, op, rep, out);
    store_free_replies(rep, n);
    if (rc == 1) rc = store_lookup_more(s, op, out);
done:
    free(rep);
    store_lookup_op_free(op);
    return rc;
}

int store_thread_texts_append(store *s, const store_lookup_req *q) {
    char kt[STORE_KEY_MAX], tn[24];
    if (store_key(kt, sizeof kt, q->site, "thread:", q->article_id) < 0) return -1;
    dec(tn, (long long)q->thread_n - 1);
    cmd c = {0};
    store_cmd(&c, "LRANGE", kt, "0", tn, NULL);
    return store_append_cmds(s, &c, 1) < 0 ? -1 : 1;
}

int store_thread_texts_read(redisReply *r, store_lookup *out) {
    if (r->type == REDIS_REPLY_ERROR) return -1;
    for (size_t i = 0; i < out->nthread; i++) free(out->thread[i]);
    free(out->thread);
    take_list(r, &out->thread, &out->nthread);
    return 0;
}

int store_thread_texts(store *s, const store_lookup_req *q, store_lookup *out) {
    redisReply *r;
    if (store_ready_(s) < 0) return -1;
    if (store_thread_texts_append(s, q) < 0) {
        store_drop(s);
        return -1;
    }
    if (store_collect(s, &r, 1) < 0) return -1;
    int rc = store_thread_texts_read(r, out);
    freeReplyObject(r);
    return rc;
}

void store_lookup_free(store_lookup *l) {
    if (!l) return;
    free(l->existing);
    free(l->article);
    for (size_t i = 0; i < l->nthread; i++) free(l->thread[i]);
    free(l->thread);
    for (size_t i = 0; i < l->nrefs; i++) free(l->thread_refs[i]);
    free(l->thread_refs);
    free(l->df);
    free(l->learn_spam);
    free(l->learn_ham);
    free(l->rep_spam);
    free(l->rep_ham);
    for (size_t i = 0; i < l->ndups; i++) {
        free(l->dups[i].id);
        free(l->dups[i].author_key);
    }
    memset(l, 0, sizeof *l);
}

/* With redis_wait_replicas set: 0 once that many replicas acknowledged
 * everything written so far on s's connection (WAIT), -1 otherwise. A
 * record found already stored (a replay of a write that a demoted primary
 * took, say) only counts as stored once acknowledged too. */
/* "WAIT <redis_wait_replicas> <timeout>" into c (wn, wt: the caller's
 * buffers for the numbers, alive until c is sent). */
static void wait_cmd(const store *s, cmd *c, char wn[16], char wt[16]) {
    snprintf(wn, 16, "%d", s->pool->wait_replicas);
    snprintf(wt, 16, "%d", s->pool->wait_timeout_ms);
    store_cmd(c, "WAIT", wn, wt, NULL);
}

/* A WAIT reply: enough replicas acknowledged. */
static int wait_ok(const store *s, const redisReply *r) {
    return r->type == REDIS_REPLY_INTEGER && r->integer >= s->pool->wait_replicas;
}

static int replicas_acked(store *s, const char *id) {
    if (s->pool->wait_replicas <= 0) return 0;
    char wn[16], wt[16];
    cmd c = {0};
    wait_cmd(s, &c, wn, wt);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int ok = wait_ok(s, r);
    freeReplyObject(r);
    if (!ok) {
        log_msg(LOG_WARN, "redis: stored comment %s not acknowledged by %d replica(s): spooling",
                id, s->pool->wait_replicas);
        atomic_fetch_add(&s->pool->errors, 1);
    }
    return ok ? 0 : -1;
}

/* WATCH the record key of w on s's connection and read it (a spool
 * replay's write, which has no look-up and no claim): 0, 1 when the record
 * exists already (*existing filled), -1 on Redis trouble. The connection
 * is left watching in every case: when no EXEC follows, store_release ends
 * the watch, or a later MULTI on this connection (an article put) could
 * abort. */
static int watch_record(store *s, const char *kc, char **existing, size_t *existing_len) {
    cmd c[3];
    memset(c, 0, sizeof c);
    store_args(&c[0], "UNWATCH");
    store_args(&c[1], "WATCH");
    store_args(&c[1], kc);
    store_args(&c[2], "GET");
    store_args(&c[2], kc);
    redisReply *rep[3];
    if (store_run(s, c, 3, rep) < 0) return -1;
    int rc = 0;
    if (rep[2]->type == REDIS_REPLY_STRING) {
        *existing = store_dup_str(rep[2], existing_len);
        rc = 1;
    } else if (rep[1]->type != REDIS_REPLY_STATUS || rep[2]->type != REDIS_REPLY_NIL) {
        rc = -1;
    }
    store_free_replies(rep, 3);
    s->watching = 1;
    return rc;
}

/* One comment's writes, in a MULTI/EXEC transaction. Only one request may
 * write a given id: the holder of its claim (taken by the look-up, dropped
 * by this transaction), or -- for a spool replay, which has no look-up --
 * the one whose WATCH of the record key survives to EXEC. Plain commands
 * rather than a script: Redis ran the same writes as a Lua script at about
 * twice the CPU time (docs/performance.md). */
int store_write_append(store *s, const store_write *w, store_write_state *st) {
    char kc[STORE_KEY_MAX], kcl[STORE_KEY_MAX], kp[STORE_KEY_MAX], kx[STORE_KEY_MAX],
        kfa[STORE_KEY_MAX], kfi[STORE_KEY_MAX], kt[STORE_KEY_MAX], kth[STORE_KEY_MAX],
        kb[STORE_LSH_BANDS][STORE_KEY_MAX];
    char hx[24], ret[24], recv[24], win[24], fw[24], tmax[24], cutoff[24];
    hex16(hx, w->exact_hash);
    dec(ret, w->retention_s);
    dec(recv, w->received_ms);
    dec(win, w->dup_window_s);
    dec(fw, w->flood_window_s);
    dec(tmax, (long long)(w->thread_max ? w->thread_max : 1) - 1);
    dec(cutoff, w->received_ms - 1000LL * w->retention_s);
    if (store_key(kc, sizeof kc, w->site, "comment:", w->id) < 0 ||
        store_key(kcl, sizeof kcl, w->site, "claim:", w->id) < 0)
        return -1;
    store_key(kp, sizeof kp, w->site, "pending", NULL);
    store_key(kx, sizeof kx, w->site, "dup:x:", hx);
    store_key(kfa, sizeof kfa, w->site, "flood:a:", w->author_key);
    store_key(kfi, sizeof kfi, w->site, "flood:i:", w->ip && *w->ip ? w->ip : "-");
    store_key(kt, sizeof kt, w->site, "thread:", w->article_id);
    store_key(kth, sizeof kth, w->site, "thread:h:", w->article_id);
    /* values */
    char xval[STORE_KEY_MAX], bval[STORE_KEY_MAX];
    snprintf(xval, sizeof xval, "%s\x1f%s", w->id, w->author_key);
    int bl = snprintf(bval, sizeof bval, "%s\x1f%s\x1f", w->id, w->author_key);
    if (bl < 0 || bl + STORE_MINHASH_BYTES > (int)sizeof bval) return -1;
    if (w->has_minhash) {
        minhash_pack(w->minhash, bval + bl);
        bl += STORE_MINHASH_BYTES;
    }
    int nb = w->has_minhash ? STORE_LSH_BANDS : 0;
    int pending = strcmp(w->status, "pending") == 0;
    int rejected = strcmp(w->status, "rejected") == 0;
    int nf = pending && w->flags ? (int)w->nflags : 0;
    if (nf > STORE_MAX_FLAGS) nf = STORE_MAX_FLAGS;
    char kfl[STORE_MAX_FLAGS][192], kr[STORE_KEY_MAX];
    for (int i = 0; i < nf; i++)
        if (store_key(kfl[i], sizeof kfl[i], w->site, "pending:flag:", w->flags[i].code) < 0)
            return -1;
    store_key(kr, sizeof kr, w->site, "rejected", NULL);
    int has_ip = w->ip && *w->ip;

    /* MULTI, the queued writes, EXEC, then SADD and WAIT outside it */
    enum { MAXC = STORE_WRITE_MAX_CMDS };
    /* ~40 KB: not calloc, whose zeroing made jemalloc hand pages back and
     * fault them in again (madvise + TLB shootdowns) on every comment */
    cmd *c = malloc(MAXC * sizeof *c);
    if (!c) return -1;
    for (int i = 0; i < MAXC; i++) c[i].argc = 0;
    int n = 0;
    store_args(&c[n++], "MULTI");
    store_args(&c[n], "SET"); /* the record: EXEC's reply 0 */
    store_args(&c[n], kc);
    store_arg(&c[n], w->record, w->record_len);
    store_args(&c[n], "NX");
    store_args(&c[n], "EX");
    store_args(&c[n++], ret);
    if (w->claimed) store_cmd(&c[n++], "DEL", kcl, NULL);
    if (pending) {
        store_cmd(&c[n++], "ZADD", kp, "NX", recv, w->id, NULL);
        for (int i = 0; i < nf; i++) store_cmd(&c[n++], "ZADD", kfl[i], "NX", recv, w->id, NULL);
    } else if (rejected) {
        store_cmd(&c[n++], "ZADD", kr, "NX", recv, w->id, NULL);
        store_cmd(&c[n++], "ZREMRANGEBYSCORE", kr, "-inf", cutoff, NULL);
    }
    store_cmd(&c[n++], "SET", kx, xval, "NX", "EX", win, NULL);
    for (int b = 0; b < nb; b++) {
        char h[17];
        hex16(h, w->band[b]);
        store_key(kb[b], sizeof kb[b], w->site, band_part[b], h);
        store_args(&c[n], "SET");
        store_args(&c[n], kb[b]);
        store_arg(&c[n], bval, (size_t)bl);
        store_args(&c[n], "NX");
        store_args(&c[n], "EX");
        store_args(&c[n++], win);
    }
    /* flood counters: the window starts with the first comment counted */
    const char *fk[2] = {kfa, kfi};
    for (int i = 0; i < 1 + has_ip; i++) {
        store_cmd(&c[n++], "INCR", fk[i], NULL);
        store_cmd(&c[n++], "EXPIRE", fk[i], fw, "NX", NULL);
    }
    if (w->thread_text) { /* the text and its reference, side by side */
        store_cmd(&c[n++], "LPUSH", kt, w->thread_text, NULL);
        store_cmd(&c[n++], "LTRIM", kt, "0", tmax, NULL);
        store_cmd(&c[n++], "LPUSH", kth, w->thread_ref, NULL);
        store_cmd(&c[n++], "LTRIM", kth, "0", tmax, NULL);
    }
    st->i_exec = n;
    store_args(&c[n++], "EXEC");
    if (strcmp(w->status, "approved") != 0) { /* pending queue or rejected folder */
        store_cmd(&c[n++], "SADD", "modq:sites", w->site, NULL);
    }
    /* With wait_replicas set, the write only counts once that many replicas
     * acknowledged it (WAIT rides the same round trip). A write a demoted
     * primary took during a failover then fails here and goes to the spool,
     * whose replay (SET NX) lands it on the new primary. */
    char wn[16], wt[16];
    st->i_wait = -1;
    if (s->pool->wait_replicas > 0) {
        wait_cmd(s, &c[n], wn, wt);
        st->i_wait = n++;
    }
    st->n = n;
    int rc = store_append_cmds(s, c, n);
    free(c);
    return rc < 0 ? -1 : n;
}

int store_write_read(store *s, const store_write *w, const store_write_state *st,
                     redisReply **rep) {
    redisReply *x = rep[st->i_exec];
    if (x->type == REDIS_REPLY_ARRAY && x->elements >= 1) {
        if (x->element[0]->type != REDIS_REPLY_STATUS) {
            /* SET NX found a record: only possible when a claim outlived
             * STORE_CLAIM_MS. Both verdicts are filed; ours is answered. */
            log_msg(LOG_WARN, "redis: comment %s was stored twice (claim expired)", w->id);
        }
    } else if (x->type == REDIS_REPLY_NIL) {
        return 0; /* aborted: the watched record changed (store_comment_write) */
    } else {
        log_msg(LOG_WARN, "redis: comment %s not written: %s", w->id,
                x->type == REDIS_REPLY_ERROR ? x->str : "unexpected EXEC reply");
        atomic_fetch_add(&s->pool->errors, 1);
        return -1;
    }
    if (st->i_wait >= 0 && !wait_ok(s, rep[st->i_wait])) {
        log_msg(LOG_WARN, "redis: write of comment %s not acknowledged by %d replica(s): spooling",
                w->id, s->pool->wait_replicas);
        atomic_fetch_add(&s->pool->errors, 1);
        return -1;
    }
    return 1;
}

int store_comment_write(store *s, const store_write *w, char **existing,
                        size_t *existing_len) {
    *existing = NULL;
    char kc[STORE_KEY_MAX];
    if (store_key(kc, sizeof kc, w->site, "comment:", w->id) < 0) return -1;
    if (!w->claimed) {
        int wr = watch_record(s, kc, existing, existing_len);
        if (wr == 1 && replicas_acked(s, w->id) < 0) wr = -1;
        if (wr != 0) {
            if (wr < 0) {
                free(*existing);
                *existing = NULL;
            }
            return wr < 0 ? -1 : 0;
        }
    }
    if (store_ready_(s) < 0) return -1;
    store_write_state st;
    redisReply *rep[STORE_WRITE_MAX_CMDS];
    s->watching = 0; /* EXEC ends the watch, whatever happens */
    if (store_write_append(s, w, &st) < 0) {
        store_drop(s);
        return -1;
    }
    if (store_collect(s, rep, st.n) < 0) return -1;
    int rc = store_write_read(s, w, &st, rep);
    store_free_replies(rep, st.n);
    if (rc == 0) {
        /* aborted: the same id stored by another request since the watch:
         * answer with what is stored */
        cmd g = {0};
        store_cmd(&g, "GET", kc, NULL);
        redisReply *r;
        if (store_run(s, &g, 1, &r) < 0) return -1;
        *existing = store_dup_str(r, existing_len);
        freeReplyObject(r);
        if (*existing && replicas_acked(s, w->id) == 0) return 0;
        free(*existing);
        *existing = NULL;
        return -1;
    }
    return rc;
}

int store_claim_drop(store *s, const char *site, const char *id) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, "claim:", id) < 0) return -1;
    cmd c = {0};
    store_cmd(&c, "DEL", k, NULL);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    freeReplyObject(r);
    return 0;
}

int store_comment_get(store *s, const char *site, const char *id, char **json,
                      size_t *len) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, "comment:", id) < 0) return -1;
    return get_one(s, k, json, len);
}

long long store_queue_depth(store *s) {
    cmd c = {0};
    store_args(&c, "SMEMBERS");
    store_args(&c, "modq:sites");
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    long long total = 0;
    size_t n = r->elements;
    cmd *cs = calloc(n ? n : 1, sizeof *cs);
    redisReply **reps = calloc(n ? n : 1, sizeof *reps);
    char (*keys)[STORE_KEY_MAX] = calloc(n ? n : 1, STORE_KEY_MAX);
    if (!cs || !reps || !keys) total = -1;
    for (size_t i = 0; total >= 0 && i < n; i++) {
        char site[128];
        snprintf(site, sizeof site, "%.*s", (int)r->element[i]->len, r->element[i]->str);
        store_key(keys[i], STORE_KEY_MAX, site, "pending", NULL);
        store_args(&cs[i], "ZCARD");
        store_args(&cs[i], keys[i]);
    }
    if (total >= 0 && n && store_run(s, cs, (int)n, reps) == 0) {
        for (size_t i = 0; i < n; i++)
            if (reps[i]->type == REDIS_REPLY_INTEGER) total += reps[i]->integer;
        store_free_replies(reps, (int)n);
    } else if (n) {
        total = -1;
    }
    freeReplyObject(r);
    free(cs);
    free(reps);
    free(keys);
    return total;
}
