/* store_cmd.c - commands and replies: argv building, RESP, pipelines,
 * reply checks and the small reply readers every store file shares.
 *
 * Owns the one way a command reaches Redis: a cmd (binary-safe argv)
 * encoded to RESP by store_append_cmds and sent with any others in one
 * write, its replies collected in order by store_collect (store_run does
 * both, blocking). Error replies are logged and counted here; READONLY
 * (a demoted primary) drops the connection. Knows no key and no data
 * type: the files of each concern build their own commands with these.
 */
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ================================================================ PING */

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
