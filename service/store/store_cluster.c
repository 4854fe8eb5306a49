/* store_cluster.c - Redis Cluster: key slots and the slot map.
 *
 * Owns the CRC16 slot hashing of the cluster spec ({hash tag} rule), the
 * parsed seed list, the table of nodes (numbered as first seen, never
 * renumbered: a store's per-node contexts are indexed by that number) and
 * the map slot -> node, read with CLUSTER SLOTS on a short-lived
 * connection of its own: the known primaries are asked first, then the
 * seeds, any of them whose connection just failed last. The map is read again when it is due (STORE_CLUSTER_REFRESH_MS),
 * after a connection error and after a MOVED reply; one thread reads it
 * while the others keep using the old one. Never holds a data connection,
 * never sends a data command and knows no modq key.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "log.h"
#include "store_private.h"

/* More seeds than this is a configuration mistake: each is tried in turn
 * while the known primaries do not answer. */
#define CLUSTER_MAX_SEEDS 16
/* Host names plus room for the NUL. */
#define CLUSTER_HOST_MAX 256
/* How often the map is read again while nothing went wrong: bounds how
 * long a slot moved without a redirect seen (a failover) goes unnoticed,
 * at one CLUSTER SLOTS round trip per period for the whole pool. */
#define STORE_CLUSTER_REFRESH_MS 1000
/* After a failed reading, the next one waits this long; after a failed
 * connection or command, a node is left alone this long (as the pool's
 * down window, per node: the other primaries keep serving). */
#define CLUSTER_RETRY_MS 250
/* A slot no node serves. */
#define CLUSTER_NONE 0xFF
_Static_assert(STORE_CLUSTER_MAX_NODES < CLUSTER_NONE, "a node number fits a byte");

typedef struct cluster_addr {
    char host[CLUSTER_HOST_MAX];
    int port;
} cluster_addr;

struct store_cluster {
    cluster_addr seed[CLUSTER_MAX_SEEDS];
    unsigned nseeds;
    int timeout_ms;
    char user[128];
    char pass[256];
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t read_done; /* signalled when a reading ends */
    cluster_addr node[STORE_CLUSTER_MAX_NODES];
    unsigned nnodes;
    uint8_t slot[STORE_CLUSTER_SLOTS]; /* node number or CLUSTER_NONE */
    long long due_ms;                  /* read the map again from then on */
    int reading;                       /* a thread is reading it */
    int failing;                       /* the last reading failed (logged once) */
    long long down_until[STORE_CLUSTER_MAX_NODES]; /* a node's retry window */
};

/* ============================================================== slots */

uint16_t store_crc16(const char *s, size_t n) {
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)((unsigned char)s[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned store_key_slot(const char *key, size_t n) {
    const char *open = memchr(key, '{', n);
    if (open) {
        const char *from = open + 1;
        const char *close = memchr(from, '}', n - (size_t)(from - key));
        if (close && close > from) return store_crc16(from, (size_t)(close - from)) & 16383u;
    }
    return store_crc16(key, n) & 16383u;
}

/* ============================================================== nodes */

/* The number of host:port (added when new), or -1 when the table is full.
 * Called with mu held. */
static int intern_locked(store_cluster *cl, const char *host, int port) {
    for (unsigned i = 0; i < cl->nnodes; i++)
        if (cl->node[i].port == port && strcmp(cl->node[i].host, host) == 0) return (int)i;
    if (cl->nnodes >= STORE_CLUSTER_MAX_NODES || strlen(host) >= CLUSTER_HOST_MAX) return -1;
    snprintf(cl->node[cl->nnodes].host, CLUSTER_HOST_MAX, "%s", host);
    cl->node[cl->nnodes].port = port;
    return (int)cl->nnodes++;
}

store_cluster *store_cluster_new(const char *seeds, int timeout_ms, const char *user,
                                 const char *pass, char *err, size_t errlen) {
    store_cluster *cl = calloc(1, sizeof *cl);
    if (!cl) {
        snprintf(err, errlen, "redis_cluster: out of memory");
        return NULL;
    }
    for (const char *b = seeds; *b;) {
        const char *t = strchr(b, ',');
        if (!t) t = b + strlen(b);
        while (b < t && *b == ' ') b++;
        const char *e = t;
        while (e > b && e[-1] == ' ') e--;
        if (e > b) {
            if (cl->nseeds >= CLUSTER_MAX_SEEDS) {
                snprintf(err, errlen, "redis_cluster: more than %d seed nodes",
                         CLUSTER_MAX_SEEDS);
                goto fail;
            }
            cluster_addr *a = &cl->seed[cl->nseeds];
            if (store_hostport(b, (size_t)(e - b), a->host, sizeof a->host, &a->port) < 0) {
                snprintf(err, errlen, "redis_cluster: cannot parse '%.*s' (expected host:port)",
                         (int)(e - b), b);
                goto fail;
            }
            cl->nseeds++;
        }
        b = *t ? t + 1 : t;
    }
    if (!cl->nseeds) {
        snprintf(err, errlen, "redis_cluster: no seed node (expected host:port,...)");
        goto fail;
    }
    snprintf(cl->user, sizeof cl->user, "%s", user ? user : "");
    snprintf(cl->pass, sizeof cl->pass, "%s", pass ? pass : "");
    cl->timeout_ms = timeout_ms;
    memset(cl->slot, CLUSTER_NONE, sizeof cl->slot);
    pthread_mutex_init(&cl->mu, NULL);
    pthread_cond_init(&cl->read_done, NULL);
    return cl;
fail:
    free(cl);
    return NULL;
}

void store_cluster_free(store_cluster *cl) {
    if (!cl) return;
    pthread_mutex_destroy(&cl->mu);
    pthread_cond_destroy(&cl->read_done);
    free(cl);
}

int store_cluster_addr(store_cluster *cl, int i, char *host, size_t hostlen, int *port) {
    pthread_mutex_lock(&cl->mu);
    int ok = i >= 0 && (unsigned)i < cl->nnodes;
    if (ok) {
        snprintf(host, hostlen, "%s", cl->node[i].host);
        *port = cl->node[i].port;
    }
    pthread_mutex_unlock(&cl->mu);
    return ok ? 0 : -1;
}

/* ============================================================ the map */

/* CLUSTER SLOTS from a at into map (node numbers; hosts interned). 0, or -1
 * (reason in why). */
static int read_slots(store_cluster *cl, const cluster_addr *a, uint8_t *map, char *why,
                      size_t n) {
    struct timeval tv = {cl->timeout_ms / 1000, (cl->timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv);
    redisReply *r = NULL;
    int rc = -1;
    if (!c || c->err) {
        snprintf(why, n, "%s", c ? c->errstr : "out of memory");
        goto out;
    }
    redisSetTimeout(c, tv);
    if (cl->pass[0]) {
        r = cl->user[0] ? redisCommand(c, "AUTH %s %s", cl->user, cl->pass)
                        : redisCommand(c, "AUTH %s", cl->pass);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(why, n, "AUTH: %s", r ? r->str : c->errstr);
            goto out;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "CLUSTER SLOTS");
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(why, n, "CLUSTER SLOTS: %s",
                 !r ? c->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        goto out;
    }
    memset(map, CLUSTER_NONE, STORE_CLUSTER_SLOTS);
    /* each entry: start, end, [host, port, id, ...] of the primary, then
     * its replicas */
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER ||
            e->element[2]->type != REDIS_REPLY_ARRAY || e->element[2]->elements < 2 ||
            e->element[2]->element[0]->type != REDIS_REPLY_STRING ||
            e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        long long lo = e->element[0]->integer, hi = e->element[1]->integer;
        if (lo < 0 || hi >= STORE_CLUSTER_SLOTS || lo > hi) continue;
        /* an empty or "?" endpoint: the node is reached where we asked */
        const char *host = e->element[2]->element[0]->str;
        if (!host[0] || strcmp(host, "?") == 0) host = a->host;
        pthread_mutex_lock(&cl->mu);
        int node = intern_locked(cl, host, (int)e->element[2]->element[1]->integer);
        pthread_mutex_unlock(&cl->mu);
        if (node < 0) {
            snprintf(why, n, "more than %d nodes", STORE_CLUSTER_MAX_NODES);
            goto out;
        }
        memset(map + lo, node, (size_t)(hi - lo + 1));
    }
    rc = 0;
out:
    if (r) freeReplyObject(r);
    if (c) redisFree(c);
    return rc;
}

/* 1 when a is the address of a node inside its retry window. Called with
 * mu held. */
static int addr_down_locked(const store_cluster *cl, const cluster_addr *a, long long now) {
    for (unsigned i = 0; i < cl->nnodes; i++)
        if (cl->down_until[i] > now && cl->node[i].port == a->port &&
            strcmp(cl->node[i].host, a->host) == 0)
            return 1;
    return 0;
}

/* Read the map and install it: asked of the known primaries first, then
 * the seeds, each of those whose connection just failed last (a dead
 * host may take redis_timeout_ms to refuse, and the thread reading the
 * map waits for it). */
static void refresh(store_cluster *cl) {
    uint8_t *map = malloc(STORE_CLUSTER_SLOTS);
    /* the order to ask in; last: those of a failed connection */
    cluster_addr *try = malloc((STORE_CLUSTER_MAX_NODES + CLUSTER_MAX_SEEDS) * sizeof *try);
    cluster_addr *last = malloc((STORE_CLUSTER_MAX_NODES + CLUSTER_MAX_SEEDS) * sizeof *last);
    int ok = 0;
    char why[160] = "out of memory";
    if (map && try && last) {
        unsigned ntry = 0, nlast = 0;
        long long now = clock_mono_ms();
        pthread_mutex_lock(&cl->mu);
        unsigned char serves[STORE_CLUSTER_MAX_NODES] = {0};
        for (unsigned s = 0; s < STORE_CLUSTER_SLOTS; s++)
            if (cl->slot[s] != CLUSTER_NONE) serves[cl->slot[s]] = 1;
        for (unsigned i = 0; i < cl->nnodes; i++) {
            if (!serves[i]) continue;
            if (cl->down_until[i] > now) last[nlast++] = cl->node[i];
            else try[ntry++] = cl->node[i];
        }
        for (unsigned i = 0; i < cl->nseeds; i++) {
            if (addr_down_locked(cl, &cl->seed[i], now)) last[nlast++] = cl->seed[i];
            else try[ntry++] = cl->seed[i];
        }
        pthread_mutex_unlock(&cl->mu);
        for (unsigned i = 0; i < nlast; i++) try[ntry++] = last[i];
        for (unsigned i = 0; i < ntry && !ok; i++) {
            ok = read_slots(cl, &try[i], map, why, sizeof why) == 0;
            if (!ok) log_msg(LOG_DEBUG, "redis cluster %s:%d: %s", try[i].host, try[i].port, why);
        }
    }
    pthread_mutex_lock(&cl->mu);
    int was_failing = cl->failing;
    if (ok) memcpy(cl->slot, map, STORE_CLUSTER_SLOTS);
    cl->failing = !ok;
    cl->due_ms = clock_mono_ms() + (ok ? STORE_CLUSTER_REFRESH_MS : CLUSTER_RETRY_MS);
    cl->reading = 0;
    pthread_cond_broadcast(&cl->read_done);
    pthread_mutex_unlock(&cl->mu);
    if (!ok && !was_failing)
        log_msg(LOG_WARN, "redis cluster: no node answered CLUSTER SLOTS (%s)", why);
    else if (ok && was_failing)
        log_msg(LOG_INFO, "redis cluster: slot map read again");
    free(last);
    free(try);
    free(map);
}

int store_cluster_node(store_cluster *cl, unsigned slot) {
    slot &= STORE_CLUSTER_SLOTS - 1;
    pthread_mutex_lock(&cl->mu);
    int due = !cl->reading && clock_mono_ms() >= cl->due_ms;
    if (due) cl->reading = 1;
    pthread_mutex_unlock(&cl->mu);
    if (due) refresh(cl);
    pthread_mutex_lock(&cl->mu);
    /* a slot the map does not know while another thread reads it (the
     * first reading, at start): wait for that reading, not fail */
    while (cl->slot[slot] == CLUSTER_NONE && cl->reading)
        pthread_cond_wait(&cl->read_done, &cl->mu);
    int node = cl->slot[slot] == CLUSTER_NONE ? -1 : cl->slot[slot];
    pthread_mutex_unlock(&cl->mu);
    return node;
}

void store_cluster_node_failed(store_cluster *cl, int node) {
    pthread_mutex_lock(&cl->mu);
    long long now = clock_mono_ms();
    if (cl->due_ms > now) cl->due_ms = now;
    if (node >= 0 && node < STORE_CLUSTER_MAX_NODES) cl->down_until[node] = now + CLUSTER_RETRY_MS;
    pthread_mutex_unlock(&cl->mu);
}

int store_cluster_node_down(store_cluster *cl, int node) {
    pthread_mutex_lock(&cl->mu);
    int down = node >= 0 && node < STORE_CLUSTER_MAX_NODES &&
               clock_mono_ms() < cl->down_until[node];
    pthread_mutex_unlock(&cl->mu);
    return down;
}

int store_cluster_redirect(store_cluster *cl, const char *err, int from, int *node) {
    int kind = strncmp(err, "MOVED ", 6) == 0 ? 1 : strncmp(err, "ASK ", 4) == 0 ? 2 : 0;
    if (!kind) return 0;
    const char *p = err + (kind == 1 ? 6 : 4);
    char *e;
    long slot = strtol(p, &e, 10);
    if (e == p || *e != ' ' || slot < 0 || slot >= STORE_CLUSTER_SLOTS) return 0;
    const char *addr = e + 1;
    char host[CLUSTER_HOST_MAX];
    int port;
    if (addr[0] == ':') { /* no host: the node that answered */
        if (store_cluster_addr(cl, from, host, sizeof host, &port) < 0) return 0;
        char *pe;
        long pn = strtol(addr + 1, &pe, 10);
        if (pe == addr + 1 || *pe || pn <= 0 || pn > 65535) return 0;
        port = (int)pn;
    } else if (store_hostport(addr, strlen(addr), host, sizeof host, &port) < 0) {
        return 0;
    }
    pthread_mutex_lock(&cl->mu);
    int n = intern_locked(cl, host, port);
    if (n >= 0 && kind == 1) {
        cl->slot[slot] = (uint8_t)n;
        long long now = clock_mono_ms();
        if (cl->due_ms > now) cl->due_ms = now;
    }
    pthread_mutex_unlock(&cl->mu);
    if (n < 0) return 0;
    *node = n;
    return kind;
}

int store_cluster_primaries(store_cluster *cl, int *out, int max) {
    unsigned char serves[STORE_CLUSTER_MAX_NODES] = {0};
    pthread_mutex_lock(&cl->mu);
    for (unsigned s = 0; s < STORE_CLUSTER_SLOTS; s++)
        if (cl->slot[s] != CLUSTER_NONE) serves[cl->slot[s]] = 1;
    unsigned nn = cl->nnodes;
    pthread_mutex_unlock(&cl->mu);
    int k = 0;
    for (unsigned i = 0; i < nn && k < max; i++)
        if (serves[i]) out[k++] = (int)i;
    return k;
}

unsigned store_cluster_covered(store_cluster *cl) {
    unsigned k = 0;
    pthread_mutex_lock(&cl->mu);
    for (unsigned s = 0; s < STORE_CLUSTER_SLOTS; s++) k += cl->slot[s] != CLUSTER_NONE;
    pthread_mutex_unlock(&cl->mu);
    return k;
}
