/* store_pool.c - the hiredis connection pool: URL, connect, borrow and
 * return, the "down" circuit.
 *
 * Owns every redisContext of a pool. A context is used by one thread at a
 * time (the pool hands it out); a failed context is dropped and reconnected
 * lazily, through the sentinels when the pool has them (store_sentinel.c).
 * A cluster pool's store keeps one context per cluster node and points c
 * at the one serving the slot at hand (store_route; the slot map is
 * store_cluster.c's).
 * While Redis is unreachable the pool keeps a short "down until" window in
 * which every call fails at once, so no request waits out a timeout per
 * call. Also owns the pool's look-up cache (store_cache.c) and borrows the
 * per-flag queue codes from its options. Never builds a data command
 * (store_cmd.c does) and never interprets what Redis stores.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "clock.h"
#include "log.h"
#include "store_private.h"

/* ================================================================ URL */

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

/* ================================================================ pool */

store_pool *store_pool_new(const store_options *o, char *err, size_t errlen) {
    if (o->nflag_codes > STORE_MAX_FLAG_CODES) {
        snprintf(err, errlen, "redis: %zu flag codes (at most %d)", o->nflag_codes,
                 STORE_MAX_FLAG_CODES);
        return NULL;
    }
    if (o->nflag_codes && !o->flag_codes) {
        snprintf(err, errlen, "redis: %zu flag codes without their list", o->nflag_codes);
        return NULL;
    }
    store_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (parse_url(p, o->url, err, errlen) < 0) {
        free(p);
        return NULL;
    }
    p->flag_codes = o->flag_codes;
    p->nflag_codes = o->nflag_codes;
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
    if (o->cluster && o->cluster[0]) {
        if (p->sentinel || p->db) {
            snprintf(err, errlen, "redis_cluster: %s", p->sentinel
                                                          ? "cannot be combined with redis_sentinels"
                                                          : "a cluster has db 0 only (redis_url)");
            store_pool_free(p);
            return NULL;
        }
        if (!(p->cluster = store_cluster_new(o->cluster, o->timeout_ms, p->user, p->pass, err,
                                             errlen))) {
            store_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void store_pool_free(store_pool *p) {
    if (!p) return;
    for (unsigned i = 0; i < p->n; i++) {
        if (p->cluster) {
            for (int k = 0; k < STORE_CLUSTER_MAX_NODES; k++)
                if (p->conns[i].node[k]) redisFree(p->conns[i].node[k]);
        } else if (p->conns[i].c) {
            redisFree(p->conns[i].c);
        }
    }
    store_cluster_free(p->cluster);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    store_sentinel_free(p->sentinel);
    store_cache_free(p->cache);
    free(p->conns);
    free(p);
}

/* ============================================= connect, the down circuit */

static void mark_down(store_pool *p) {
    atomic_store(&p->down_until_ms, clock_mono_ms() + STORE_RETRY_MS);
    atomic_store(&p->up, 0);
    atomic_fetch_add(&p->errors, 1);
}

/* A cluster node failed: its own retry window, the map read again (it
 * may have failed over or left); the other nodes stay usable. */
static void node_down(store_pool *p, int node) {
    atomic_store(&p->up, 0);
    atomic_fetch_add(&p->errors, 1);
    store_cluster_node_failed(p->cluster, node);
}

void store_drop(store *s) {
    if (s->c) redisFree(s->c);
    s->c = NULL;
    if (s->pool->cluster) {
        s->node[s->cur] = NULL;
        node_down(s->pool, s->cur);
        return;
    }
    mark_down(s->pool);
}

/* A set-up connection to host:port (AUTH, SELECT, the sentinel role
 * check), or NULL (logged; the down window opened, except in a cluster
 * pool, whose caller opens the node's). */
static redisContext *dial(store_pool *p, const char *host, int port) {
    struct timeval tv = {p->timeout_ms / 1000, (p->timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (!c || c->err) {
        if (c) {
            log_msg(LOG_DEBUG, "redis connect %s:%d: %s", host, port, c->errstr);
            redisFree(c);
        }
        if (!p->cluster) mark_down(p);
        return NULL;
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
    atomic_store(&p->up, 1);
    return c;
fail:
    log_msg(LOG_WARN, "redis %s:%d: %s", host, port,
            r && r->type == REDIS_REPLY_ERROR ? r->str : (c->err ? c->errstr : "setup failed"));
    if (r) freeReplyObject(r);
    redisFree(c);
    if (!p->cluster) mark_down(p);
    return NULL;
}

static int connect_one(store *s) {
    store_pool *p = s->pool;
    if (clock_mono_ms() < atomic_load(&p->down_until_ms)) return -1;
    char host[sizeof p->host];
    int port = p->port;
    unsigned gen = 0;
    snprintf(host, sizeof host, "%s", p->host);
    if (p->sentinel && store_sentinel_primary(p->sentinel, host, sizeof host, &port, &gen) < 0) {
        mark_down(p);
        return -1;
    }
    redisContext *c = dial(p, host, port);
    if (!c) return -1;
    s->c = c;
    s->serial++;
    s->watching = 0;
    s->gen = gen;
    return 0;
}

/* ===================================================== borrow and return */

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

int store_pool_cluster_state(store_pool *p, store_cluster_state *out) {
    if (!p->cluster) return 0;
    int prim[STORE_CLUSTER_MAX_NODES];
    out->primaries = (unsigned)store_cluster_primaries(p->cluster, prim, STORE_CLUSTER_MAX_NODES);
    out->slots = store_cluster_covered(p->cluster);
    out->redirects = atomic_load(&p->redirects);
    return 1;
}

/* 1 when the peer of c's socket has closed it or reset it: with nothing
 * in flight, anything readable at all is its end-of-file or an error. */
static int peer_closed(const redisContext *c) {
    char b;
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void store_forget_closed(store *s, int node) {
    redisContext **slot = node < 0 ? &s->c : &s->node[node];
    if (!*slot || s->watching || !peer_closed(*slot)) return;
    log_msg(LOG_INFO, "redis %s:%d: idle connection closed by the server; reconnecting",
            (*slot)->tcp.host ? (*slot)->tcp.host : "?", (*slot)->tcp.port);
    if (node >= 0 && s->c == s->node[node]) s->c = NULL;
    redisFree(*slot);
    *slot = NULL;
}

int store_ready_(store *s) {
    if (!s->pipelined && !s->pool->cluster) store_forget_closed(s, -1);
    if (s->c && s->pool->sentinel && s->gen != store_sentinel_generation(s->pool->sentinel)) {
        redisFree(s->c); /* the sentinels have named another primary since */
        s->c = NULL;
    }
    if (s->c) return 0;
    if (s->pool->cluster) return store_route(s, "", 0); /* any primary: slot 0's */
    return connect_one(s);
}

/* ============================================================ the cluster */

int store_use_node(store *s, int node) {
    store_pool *p = s->pool;
    if (node < 0 || node >= STORE_CLUSTER_MAX_NODES) return -1;
    if (!s->pipelined) store_forget_closed(s, node);
    if (!s->node[node]) {
        if (store_cluster_node_down(p->cluster, node)) return -1;
        char host[sizeof p->host];
        int port;
        if (store_cluster_addr(p->cluster, node, host, sizeof host, &port) < 0) return -1;
        if (!(s->node[node] = dial(p, host, port))) {
            node_down(p, node);
            return -1;
        }
        s->serial++;
    }
    s->cur = node;
    s->c = s->node[node];
    return 0;
}

int store_route(store *s, const char *key, size_t len) {
    store_pool *p = s->pool;
    if (!p->cluster) return store_ready_(s);
    int node = store_cluster_node(p->cluster, store_key_slot(key, len));
    if (node < 0) {
        mark_down(p);
        return -1;
    }
    return store_use_node(s, node);
}

int store_route_site(store *s, const char *site) {
    if (!s->pool->cluster) return store_ready_(s);
    char tag[STORE_KEY_MAX];
    int n = snprintf(tag, sizeof tag, "{%s}", site);
    if (n < 0 || (size_t)n >= sizeof tag) return -1;
    return store_route(s, tag, (size_t)n);
}
