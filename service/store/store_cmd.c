/* store_cmd.c - commands and replies: argv building, RESP, pipelines,
 * reply checks and the small reply readers every store file shares.
 *
 * Owns the one way a command reaches Redis: a cmd (binary-safe argv)
 * encoded to RESP by store_append_cmds and sent with any others in one
 * write, its replies collected in order by store_collect (store_run does
 * both, blocking). Error replies are logged and counted here; READONLY
 * (a demoted primary) drops the connection. In a cluster pool store_run
 * also sends each part of a batch to its slot's node and follows MOVED /
 * ASK (see "the cluster" below). Knows no modq key and no data type: the
 * files of each concern build their own commands with these.
 */
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "store_private.h"

/* ================================================================ argv */

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

/* ================================================================ RESP */

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

void store_dec(char out[24], long long v) {
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

/* ============================================================ pipelines */

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
    int node, k;
    if (s->pool->cluster &&
        (k = store_cluster_redirect(s->pool->cluster, r->str, s->cur, &node))) {
        if (k == 1) s->moved = 1;
        /* followed by store_run; elsewhere the map now knows the slot's
         * node, and the caller's failure goes the usual way */
        log_msg(LOG_DEBUG, "redis cluster: %s", r->str);
        atomic_fetch_add(&s->pool->redirects, 1);
        return 0;
    }
    if (s->pool->cluster && strncmp(r->str, "TRYAGAIN", 8) == 0) {
        /* a multi-key command while its slot's keys migrate: not run; the
         * pipe sends it again (store_pipe.c), a synchronous call fails and
         * its caller spools. Like a redirect, not an error of Redis' */
        log_msg(LOG_DEBUG, "redis cluster: %s", r->str);
        return 0;
    }
    if (strncmp(r->str, "READONLY", 8) == 0) {
        /* a demoted primary: drop it, the next connect finds the new one */
        log_msg(LOG_WARN, "redis: %s", r->str);
        return -1;
    }
    log_msg(LOG_WARN, "redis error reply: %s", r->str);
    atomic_fetch_add(&s->pool->errors, 1);
    return 0;
}

static int run_cluster(store *s, cmd *cmds, int ncmd, redisReply **replies);

int store_run(store *s, cmd *cmds, int ncmd, redisReply **replies) {
    if (s->pool->cluster) return run_cluster(s, cmds, ncmd, replies);
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

/* ============================================================= replies */

char *store_take_str(redisReply *r, size_t *len) {
    if (!r || r->type != REDIS_REPLY_STRING || !r->str) return NULL;
    char *s = r->str;
    r->str = NULL;
    if (len) *len = r->len;
    return s;
}

void store_take_list(redisReply *r, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (r->type != REDIS_REPLY_ARRAY || !r->elements || !(*out = calloc(r->elements, sizeof **out)))
        return;
    for (size_t j = 0; j < r->elements; j++) {
        char *v = store_take_str(r->element[j], NULL);
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

int store_get_one(store *s, const char *k, char **out, size_t *len) {
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

/* ========================================================= the cluster
 * In a cluster pool store_run splits a batch into units -- a MULTI ... EXEC
 * block, or one command -- sends each unit to the primary of its first
 * key's slot (consecutive units of one node share a round trip; a unit
 * without a key, such as WAIT, goes with the unit before it) and then
 * re-sends, once, each unit answered with a redirect: after MOVED to the
 * slot's new node (the map has moved the slot already), after ASK to the
 * named node behind ASKING. A redirected unit was not executed (the node
 * checks keys before running a command or queueing it in a MULTI), so
 * re-sending it never applies it twice; the units that were not
 * redirected are never re-sent. */

/* Commands without a key (the rest name one at argv[1]; EVAL / EVALSHA at
 * argv[3] when numkeys is not 0). */
static const char *const NO_KEY[] = {"MULTI", "EXEC",  "DISCARD", "UNWATCH", "PING",
                                     "WAIT",  "ASKING", "CLUSTER", "INFO",    "ROLE",
                                     "TIME",  "SCRIPT", "AUTH",    "SELECT",  "DBSIZE"};

static int cmd_is(const cmd *c, const char *name) {
    size_t n = strlen(name);
    return c->argc > 0 && c->len[0] == n && strncasecmp(c->argv[0], name, n) == 0;
}

/* 1 with c's first key in *key / *len, 0 when it names none. */
static int cmd_key(const cmd *c, const char **key, size_t *len) {
    int at = 1;
    if (cmd_is(c, "EVAL") || cmd_is(c, "EVALSHA")) {
        if (c->argc < 4 || (c->len[2] == 1 && c->argv[2][0] == '0')) return 0;
        at = 3;
    } else {
        for (size_t i = 0; i < sizeof NO_KEY / sizeof NO_KEY[0]; i++)
            if (cmd_is(c, NO_KEY[i])) return 0;
    }
    if (c->argc <= at) return 0;
    *key = c->argv[at];
    *len = c->len[at];
    return 1;
}

int store_unit_end(const cmd *cmds, int ncmd, int i) {
    if (!cmd_is(&cmds[i], "MULTI")) return i + 1;
    for (int j = i + 1; j < ncmd; j++)
        if (cmd_is(&cmds[j], "EXEC") || cmd_is(&cmds[j], "DISCARD")) return j + 1;
    return ncmd;
}

int store_cmd_has_key(const cmd *c) {
    const char *key;
    size_t len;
    return cmd_key(c, &key, &len);
}

/* The node of the unit [a, b): its first key's slot's; for a unit without
 * a key prev (the unit before's node), or when it is the first the node of
 * the first key after it (an UNWATCH goes where the WATCH will). -1 when no
 * node serves it. */
static int unit_node(store *s, const cmd *cmds, int ncmd, int a, int b, int prev) {
    const char *key;
    size_t len;
    int end = prev >= 0 ? b : ncmd;
    for (int i = a; i < end; i++)
        if (cmd_key(&cmds[i], &key, &len))
            return store_cluster_node(s->pool->cluster, store_key_slot(key, len));
    if (prev >= 0) return prev;
    return s->c ? s->cur : store_cluster_node(s->pool->cluster, 0);
}

/* Send cmds[0..n-1] to node in one round trip: 0 with replies new, -1 on
 * transport failure (nothing to free). */
static int run_on(store *s, int node, const cmd *cmds, int n, redisReply **replies) {
    for (int i = 0; i < n; i++) replies[i] = NULL;
    if (node < 0 || store_use_node(s, node) < 0) return -1;
    if (store_append_cmds(s, cmds, n) < 0) {
        store_drop(s);
        return -1;
    }
    if (store_collect(s, replies, n) == 0) return 0;
    for (int i = 0; i < n; i++) replies[i] = NULL; /* freed by store_collect */
    return -1;
}

/* The redirect answering the unit [a, b) (1 MOVED, 2 ASK, 0 none), with
 * *node its target. */
static int unit_redirect(store *s, redisReply **replies, int a, int b, int *node) {
    for (int i = a; i < b; i++)
        if (replies[i]->type == REDIS_REPLY_ERROR) {
            int k = store_cluster_redirect(s->pool->cluster, replies[i]->str, s->cur, node);
            if (k) return k;
        }
    return 0;
}

/* Re-send the unit [a, b) to node (behind ASKING when ask), its new
 * replies in replies[a..b-1] (the old ones freed). 0, or -1 on transport
 * failure (replies[a..b-1] freed). */
static int resend(store *s, int node, int ask, const cmd *cmds, int a, int b,
                  redisReply **replies) {
    int n = b - a + ask;
    cmd *c = malloc((size_t)n * sizeof *c);
    redisReply **r = malloc((size_t)n * sizeof *r);
    store_free_replies(replies + a, b - a);
    for (int i = a; i < b; i++) replies[i] = NULL;
    int rc = -1;
    if (c && r) {
        if (ask) {
            c[0].argc = 0;
            store_args(&c[0], "ASKING");
        }
        memcpy(c + ask, cmds + a, (size_t)(b - a) * sizeof *c);
        rc = run_on(s, node, c, n, r);
        if (rc == 0) {
            if (ask) freeReplyObject(r[0]);
            memcpy(replies + a, r + ask, (size_t)(b - a) * sizeof *r);
        }
    }
    free(r);
    free(c);
    return rc;
}

static int run_cluster(store *s, cmd *cmds, int ncmd, redisReply **replies) {
    for (int i = 0; i < ncmd; i++) replies[i] = NULL;
    int ga = 0, gnode = -1, prev = -1;
    for (int a = 0; a <= ncmd;) {
        int b = a < ncmd ? store_unit_end(cmds, ncmd, a) : ncmd;
        int node = a < ncmd ? unit_node(s, cmds, ncmd, a, b, prev) : -2;
        if (a < ncmd && node < 0) goto fail;
        if (a > ga && node != gnode) { /* flush the group of gnode */
            if (run_on(s, gnode, cmds + ga, a - ga, replies + ga) < 0) goto fail;
            ga = a;
        }
        if (a == ncmd) break;
        gnode = prev = node;
        a = b;
    }
    for (int a = 0; a < ncmd;) {
        int b = store_unit_end(cmds, ncmd, a), node;
        int k = unit_redirect(s, replies, a, b, &node);
        if (k && resend(s, node, k == 2, cmds, a, b, replies) < 0) goto fail;
        a = b;
    }
    return 0;
fail:
    store_free_replies(replies, ncmd);
    for (int i = 0; i < ncmd; i++) replies[i] = NULL;
    return -1;
}

/* ================================================================ PING */

/* PING every primary of a cluster pool's map (read first when due). */
static int ping_cluster(store *s, char *why, size_t n) {
    store_cluster *cl = s->pool->cluster;
    store_cluster_node(cl, 0); /* reads the map when it is due */
    unsigned covered = store_cluster_covered(cl);
    if (covered != STORE_CLUSTER_SLOTS) {
        snprintf(why, n, "redis cluster: %u of %d slots served", covered, STORE_CLUSTER_SLOTS);
        return -1;
    }
    int prim[STORE_CLUSTER_MAX_NODES];
    int np = store_cluster_primaries(cl, prim, STORE_CLUSTER_MAX_NODES);
    for (int i = 0; i < np; i++) {
        cmd c = {0};
        store_args(&c, "PING");
        redisReply *r;
        char host[256] = "?";
        int port = 0;
        store_cluster_addr(cl, prim[i], host, sizeof host, &port);
        if (run_on(s, prim[i], &c, 1, &r) < 0) {
            snprintf(why, n, "redis cluster node %s:%d not answering", host, port);
            return -1;
        }
        int ok = r->type == REDIS_REPLY_STATUS;
        if (!ok)
            snprintf(why, n, "redis %s:%d: %s", host, port,
                     r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
        freeReplyObject(r);
        if (!ok) return -1;
    }
    return 0;
}

int store_ping(store *s, char *why, size_t n) {
    if (s->pool->cluster) return ping_cluster(s, why, n);
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
