/* store_article.c - articles and the site's document frequencies: the
 * article records, their permalink index, df, dfver and ndocs.
 *
 * Owns the keys modq:{S}:article:*, :article_url:*, :df, :dfver and
 * :ndocs (store_keys.h). An article put writes the record and moves df in
 * one MULTI, with a new df version whenever df changes; a delete takes it
 * all back, with the article's thread lists, in one script; the comment
 * look-up (store_lookup.c) reads df through the reads here, inside a MULTI
 * with the version, so a value is always filed under the version it was
 * read at. Never interprets the article JSON (opaque bytes) and never
 * decides which stems count (the caller passes the terms).
 */
#include <hiredis/hiredis.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "log.h"
#include "store_private.h"

/* ============================================================= articles */

int store_article_get(store *s, const char *site, const char *id, char **json,
                      size_t *len) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, STORE_K_ARTICLE, id) < 0) return -1;
    return store_get_one(s, k, json, len);
}

int store_article_by_url(store *s, const char *site, const char *url, char **id) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, STORE_K_ARTICLE_URL, url) < 0) return 0;
    return store_get_one(s, k, id, NULL);
}

/* The amount modq:{S}:dfver grows by at an article put that changes df.
 * Random rather than 1, so that a version number names one df state even
 * across histories: after a FLUSHALL (dfver restarts from absent = 0) or a
 * failover that lost the last puts (the new primary's counter is behind),
 * the next puts reach numbers a pool has already seen with other df values
 * only by chance (about 2^-31 a put). 2^31 at most, so the counter (Redis:
 * signed 64 bits) needs over 2^32 puts to overflow. */
uint64_t store_version_step(void) {
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
        ku[STORE_KEY_MAX], kou[STORE_KEY_MAX], kav[STORE_KEY_MAX], step[24];
    if (store_key(k, sizeof k, site, STORE_K_ARTICLE, id) < 0 ||
        store_key(kav, sizeof kav, site, STORE_K_ARTICLE_VER, id) < 0 ||
        store_key(kdf, sizeof kdf, site, STORE_K_DF, NULL) < 0 ||
        store_key(kv, sizeof kv, site, STORE_K_DFVER, NULL) < 0 ||
        store_key(kn, sizeof kn, site, STORE_K_NDOCS, NULL) < 0)
        return -1;
    snprintf(step, sizeof step, "%llu", (unsigned long long)store_version_step());
    size_t ncmd = nadd + ndel + 9;
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
    /* the article's version: comment look-ups cache the stored JSON under it */
    store_cmd(&cmds[n], "INCRBY", kav, step, NULL);
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
        store_key(kou, sizeof kou, site, STORE_K_ARTICLE_URL, old_url) >= 0) {
        store_args(&cmds[n], "DEL");
        store_args(&cmds[n], kou);
        n++;
    }
    if (url && store_key(ku, sizeof ku, site, STORE_K_ARTICLE_URL, url) >= 0) {
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

/* KEYS: 1 article 2 its permalink index 3 df 4 dfver 5 ndocs 6 thread
 *       7 thread references 8 the article's version
 * ARGV: 1 record as read 2 id 3 df version step 4 its terms (\x1f-joined)
 * Returns 1 deleted, 0 the record changed since read, 2 no article. */
static const char DELETE_LUA[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if not cur then return 2 end\n"
    "if cur ~= ARGV[1] then return 0 end\n"
    "redis.call('DEL', KEYS[1], KEYS[6], KEYS[7])\n"
    "redis.call('INCRBY', KEYS[8], ARGV[3])\n"
    "if KEYS[2] ~= KEYS[1] and redis.call('GET', KEYS[2]) == ARGV[2] then\n"
    "  redis.call('DEL', KEYS[2])\n"
    "end\n"
    "local moved = false\n"
    "for t in string.gmatch(ARGV[4], '[^\\31]+') do\n"
    "  moved = true\n"
    "  if redis.call('HINCRBY', KEYS[3], t, -1) <= 0 then redis.call('HDEL', KEYS[3], t) end\n"
    "end\n"
    "if moved then redis.call('INCRBY', KEYS[4], ARGV[3]) end\n"
    "if redis.call('DECR', KEYS[5]) < 0 then redis.call('SET', KEYS[5], 0) end\n"
    "return 1\n";
static store_script S_DELETE = STORE_SCRIPT(DELETE_LUA);

int store_article_delete(store *s, const char *site, const char *id, const char *json,
                         size_t len, const char *url, char *const *terms, size_t nterms) {
    char (*k)[STORE_KEY_MAX] = malloc(8 * (size_t)STORE_KEY_MAX);
    char step[24];
    char *tj = NULL;
    int rc = -1;
    if (!k) return -1;
    static const char *const parts[8] = {STORE_K_ARTICLE, NULL,           STORE_K_DF,
                                         STORE_K_DFVER,   STORE_K_NDOCS,  STORE_K_THREAD,
                                         STORE_K_THREAD_REFS, STORE_K_ARTICLE_VER};
    for (int i = 0; i < 8; i++) {
        const char *rest = i == 0 || i >= 5 ? id : NULL;
        if (i == 1) { /* no permalink: the record key stands in (never deleted) */
            if (url ? store_key(k[1], STORE_KEY_MAX, site, STORE_K_ARTICLE_URL, url) < 0 : 1)
                memcpy(k[1], k[0], strlen(k[0]) + 1);
            continue;
        }
        if (store_key(k[i], STORE_KEY_MAX, site, parts[i], rest) < 0) goto out;
    }
    size_t tl = 1;
    for (size_t i = 0; i < nterms; i++) tl += strlen(terms[i]) + 1;
    if (!(tj = malloc(tl))) goto out;
    char *p = tj;
    *p = 0;
    for (size_t i = 0; i < nterms; i++)
        if (terms[i][0] && !strchr(terms[i], '\x1f'))
            p += sprintf(p, "%s%s", p != tj ? "\x1f" : "", terms[i]);
    snprintf(step, sizeof step, "%llu", (unsigned long long)store_version_step());
    cmd c;
    store_eval_begin(&c, &S_DELETE, 8);
    for (int i = 0; i < 8; i++) store_args(&c, k[i]);
    store_arg(&c, json, len);
    store_args(&c, id);
    store_args(&c, step);
    store_args(&c, tj);
    redisReply *r;
    if (store_eval(s, &S_DELETE, &c, 1, &r) < 0) goto out;
    if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0 && r->integer <= 2)
        rc = (int)r->integer;
    else
        store_reply_check(s, r);
    freeReplyObject(r);
out:
    free(tj);
    free(k);
    return rc;
}

/* ============================================== df reads of a look-up */

/* A comment's stems' document frequencies come from the pool's cache when
 * it holds them at the site's last-seen df version (store_cache.c). The
 * look-up asks Redis for the current version (GET dfver) and for the
 * stems the cache lacks only, both inside one MULTI, so the values read
 * are exactly those of the version read, and are filed under it. When the
 * version Redis reports is not the one the hits were read at (an article
 * put meanwhile, a FLUSHALL, a failover), a second round trip reads every
 * stem again with the version, in a MULTI again: a value served is always
 * one Redis held at the version it is filed under, and that version is
 * the current one. The cache and the second round trip are the look-up's
 * (store_lookup.c); the reads are these. */

int store_article_df_append(store *s, const char *kdf, const char *kver, char *const *terms,
                            size_t nterms, const unsigned char *skip, size_t nskip) {
    const char *get[2] = {"GET", kver};
    size_t getl[2] = {3, strlen(kver)};
    if (skip && nskip == nterms)
        return redisAppendCommandArgv(s->c, 2, get, getl) == REDIS_OK ? 1 : -1;
    if (redisAppendCommand(s->c, "MULTI") != REDIS_OK ||
        redisAppendCommandArgv(s->c, 2, get, getl) != REDIS_OK ||
        store_append_hmget(s, kdf, (const char *const *)terms, nterms, skip) < 0 ||
        redisAppendCommand(s->c, "EXEC") != REDIS_OK)
        return -1;
    return 4;
}

int store_article_df_read(store *s, redisReply **rep, int n, size_t nterms,
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
        for (size_t i = 0; i < nterms; i++) {
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

