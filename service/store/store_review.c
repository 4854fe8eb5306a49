/* store_review.c - Redis side of the review workflow: queues and folders,
 * leases, decisions, an item's context, statistics and the audit stream.
 *
 * Owns the keys modq:{S}:pending:flag:<code>, :rejected, :approved,
 * :byscore:<status>, :leases, :lease_owner, :audit and :decided:<minute>,
 * and the decision's part of :author:<h> / :author_log:<h> (layout in
 * store_keys.h; the comment write in store_comment.c fills the queues,
 * folders, score and article indexes and the author's history on
 * arrival). Reads an item's context (parent, thread neighbours, author
 * history) in two pipelined round trips per page. Every transition
 * that touches more than one key is one Lua script (claim, release,
 * decide, purge), so it is atomic, run with store_eval (store_script.c:
 * EVALSHA, EVAL after NOSCRIPT); lease times use the Redis clock (TIME) so
 * several modq instances agree. The per-flag queue codes that statistics
 * count and a purge clears are the pool's (store_options.flag_codes): the
 * store knows no detector. Never interprets comment JSON: records are
 * compared and written as opaque bytes.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_private.h"
#include "store_review.h"

/* Keys built from a site (<= 64), a fixed part and an id or flag code
 * (<= 128) fit in this. */
#define RKEY 256
/* Queue entries read per ZRANGE while paging / claiming. */
#define RANGE_BATCH 200
/* Listed entries whose state is read per pipeline (bounds the argv memory). */
#define STATE_CHUNK 50
/* Expired leases the claim script clears per call (housekeeping only:
 * an expired lease is free whether or not its entry was cleared). */
#define EXPIRED_SWEEP 1000

/* ================================================================ scripts */

#define LUA_NOW                                                              \
    "local t = redis.call('TIME')\n"                                         \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/* KEYS: 1 source queue 2 leases 3 lease_owner
 * ARGV: 1 moderator 2 lease ms 3 limit 4 dry (1/0) 5 scan max 6 batch
 *       7 sweep max
 * Returns {now, {id, ms, id, ms, ...}} oldest first. */
static const char CLAIM_LUA[] =
    LUA_NOW
    "local dry = ARGV[4] == '1'\n"
    "if not dry then\n"
    "  local exp = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now,\n"
    "                         'LIMIT', 0, tonumber(ARGV[7]))\n"
    "  for _, id in ipairs(exp) do\n"
    "    redis.call('ZREM', KEYS[2], id)\n"
    "    redis.call('HDEL', KEYS[3], id)\n"
    "  end\n"
    "end\n"
    "local limit, scanmax, batch = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])\n"
    "local until_ms = now + tonumber(ARGV[2])\n"
    "local out, got, start = {}, 0, 0\n"
    "while got < limit and start < scanmax do\n"
    "  local ids = redis.call('ZRANGE', KEYS[1], start, start + batch - 1, 'WITHSCORES')\n"
    "  if #ids == 0 then break end\n"
    "  for i = 1, #ids, 2 do\n"
    "    local e = redis.call('ZSCORE', KEYS[2], ids[i])\n"
    "    if not e or tonumber(e) <= now then\n"
    "      if not dry then\n"
    "        redis.call('ZADD', KEYS[2], until_ms, ids[i])\n"
    "        redis.call('HSET', KEYS[3], ids[i], ARGV[1])\n"
    "      end\n"
    "      out[#out + 1] = ids[i]\n"
    "      out[#out + 1] = ids[i + 1]\n"
    "      got = got + 1\n"
    "      if got >= limit then break end\n"
    "    end\n"
    "  end\n"
    "  start = start + batch\n"
    "end\n"
    "return {now, out}\n";

/* KEYS: 1 leases 2 lease_owner   ARGV: 1 moderator 2 ids joined by \x1f
 * Returns one 1 (released) / 0 (not held by moderator) per id. */
static const char RELEASE_LUA[] =
    LUA_NOW
    "local out = {}\n"
    "for id in string.gmatch(ARGV[2], '[^\\31]+') do\n"
    "  local e = redis.call('ZSCORE', KEYS[1], id)\n"
    "  if e and tonumber(e) > now and redis.call('HGET', KEYS[2], id) == ARGV[1] then\n"
    "    redis.call('ZREM', KEYS[1], id)\n"
    "    redis.call('HDEL', KEYS[2], id)\n"
    "    out[#out + 1] = 1\n"
    "  else\n"
    "    out[#out + 1] = 0\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS: 1 comment 2 lease_owner 3.. pending, leases, folders, score
 *       indexes, flag queues
 * ARGV: 1 id. Returns 1 purged, 0 the record exists (left alone). */
static const char PURGE_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end\n"
    "return 1\n";

/* KEYS: 1 comment 2 pending 3 leases 4 lease_owner 5 rejected 6 audit
 *       7 minute counter 8 thread 9 thread references 10 approved
 *       11 byscore:pending 12 byscore:rejected 13 byscore:approved
 *       14 author 15 author log 16.. per-flag pending queues
 * ARGV: 1 old record 2 new record 3 id 4 moderator 5 new status
 *       6 decision ms 7 thread op (push|remove|-) 8 thread text
 *       9 thread max 10 counter ttl 11 thread text's reference
 *       12 previous status 13 score x STORE_SCORE_SCALE 14 author known
 *       (1/0) 15 author log entry 16 author keys' ttl
 *       17.. audit field/value pairs
 * Returns {0, stream id} done, {1} changed, {2} gone, {3, owner, expiry}. */
static const char DECIDE_LUA[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if not cur then return {2} end\n"
    "if cur ~= ARGV[1] then return {1} end\n"
    LUA_NOW
    "local e = redis.call('ZSCORE', KEYS[3], ARGV[3])\n"
    "if e and tonumber(e) > now then\n"
    "  local owner = redis.call('HGET', KEYS[4], ARGV[3])\n"
    "  if owner and owner ~= ARGV[4] then return {3, owner, e} end\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')\n"
    "redis.call('ZREM', KEYS[2], ARGV[3])\n"
    "redis.call('ZREM', KEYS[11], ARGV[3])\n"
    "for i = 16, #KEYS do redis.call('ZREM', KEYS[i], ARGV[3]) end\n"
    "redis.call('ZREM', KEYS[3], ARGV[3])\n"
    "redis.call('HDEL', KEYS[4], ARGV[3])\n"
    "local fin, fout, sin, sout = KEYS[10], KEYS[5], KEYS[13], KEYS[12]\n"
    "if ARGV[5] == 'rejected' then fin, fout, sin, sout = KEYS[5], KEYS[10], KEYS[12], KEYS[13] end\n"
    "redis.call('ZADD', fin, ARGV[6], ARGV[3])\n"
    "redis.call('ZREM', fout, ARGV[3])\n"
    "redis.call('ZADD', sin, ARGV[13], ARGV[3])\n"
    "redis.call('ZREM', sout, ARGV[3])\n"
    "if ARGV[14] == '1' then\n"
    "  if ARGV[12] ~= ARGV[5] then\n"
    "    if tonumber(redis.call('HGET', KEYS[14], ARGV[12]) or '0') > 0 then\n"
    "      redis.call('HINCRBY', KEYS[14], ARGV[12], -1)\n"
    "    end\n"
    "    redis.call('HINCRBY', KEYS[14], ARGV[5], 1)\n"
    "  end\n"
    "  redis.call('HSETNX', KEYS[14], 'first_seen', ARGV[6])\n"
    "  redis.call('LPUSH', KEYS[15], ARGV[15])\n"
    "  redis.call('LTRIM', KEYS[15], 0, " STORE_AUTHOR_LOG_LAST ")\n"
    "  redis.call('EXPIRE', KEYS[14], ARGV[16])\n"
    "  redis.call('EXPIRE', KEYS[15], ARGV[16])\n"
    "end\n"
    "if ARGV[7] == 'push' then\n"
    "  redis.call('LPUSH', KEYS[8], ARGV[8])\n"
    "  redis.call('LTRIM', KEYS[8], 0, tonumber(ARGV[9]) - 1)\n"
    "  redis.call('LPUSH', KEYS[9], ARGV[11])\n"
    "  redis.call('LTRIM', KEYS[9], 0, tonumber(ARGV[9]) - 1)\n"
    "elseif ARGV[7] == 'remove' then\n"
    "  redis.call('LREM', KEYS[8], 1, ARGV[8])\n"
    "  redis.call('LREM', KEYS[9], 1, ARGV[11])\n"
    "end\n"
    "local sid = redis.call('XADD', KEYS[6], '*', unpack(ARGV, 17))\n"
    "if redis.call('INCR', KEYS[7]) == 1 then redis.call('EXPIRE', KEYS[7], ARGV[10]) end\n"
    "return {0, sid}\n";

static store_script S_CLAIM = STORE_SCRIPT(CLAIM_LUA), S_RELEASE = STORE_SCRIPT(RELEASE_LUA),
                    S_PURGE = STORE_SCRIPT(PURGE_LUA), S_DECIDE = STORE_SCRIPT(DECIDE_LUA);

/* ================================================================ helpers */

_Static_assert(3 + 15 + STORE_MAX_FLAGS + 16 + 24 <= STORE_MAX_ARGS,
               "a decision of a comment with every flag is one script call");
_Static_assert(3 + 9 + STORE_MAX_FLAG_CODES + 1 <= STORE_MAX_ARGS,
               "a purge of every flag queue is one script call");

const char *store_review_flag_code(const store_pool *p, int i) {
    return i >= 0 && (size_t)i < p->nflag_codes ? p->flag_codes[i] : NULL;
}

/* Flag codes of s's pool: at most STORE_MAX_FLAG_CODES (store_pool_new). */
static int nflag_codes(const store *s) { return (int)s->pool->nflag_codes; }

static long long as_ll(const redisReply *r) {
    if (!r) return 0;
    if (r->type == REDIS_REPLY_INTEGER) return r->integer;
    if (r->type == REDIS_REPLY_STRING) return strtoll(r->str, NULL, 10);
    return 0;
}

static void copy_str(char *dst, size_t n, const redisReply *r) {
    if (r && r->type == REDIS_REPLY_STRING) {
        size_t l = r->len < n - 1 ? r->len : n - 1;
        memcpy(dst, r->str, l);
        dst[l] = 0;
    } else {
        dst[0] = 0;
    }
}

static int queue_key(char *k, size_t n, const char *site, const char *flag, int rejected) {
    if (rejected) return store_key(k, n, site, STORE_K_REJECTED, NULL);
    if (flag) return store_key(k, n, site, STORE_K_PENDING_FLAG, flag);
    return store_key(k, n, site, STORE_K_PENDING, NULL);
}

/* ============================================================ queue pages */

const char *store_review_folder_name(review_folder f) {
    return f == REVIEW_F_REJECTED ? "rejected" : f == REVIEW_F_APPROVED ? "approved" : "pending";
}

static int index_key(char *k, size_t n, const char *site, const review_index *ix) {
    if (ix->by_score)
        return store_key(k, n, site, STORE_K_BY_SCORE, store_review_folder_name(ix->folder));
    if (ix->folder == REVIEW_F_REJECTED) return store_key(k, n, site, STORE_K_REJECTED, NULL);
    if (ix->folder == REVIEW_F_APPROVED) return store_key(k, n, site, STORE_K_APPROVED, NULL);
    return queue_key(k, n, site, ix->flag, 0);
}

int store_review_range(store *s, const char *site, const review_index *ix,
                       const review_pos *pos, size_t want, review_entry *out,
                       size_t *n) {
    *n = 0;
    char k[RKEY], from[40], off[24], cnt[24];
    if (index_key(k, sizeof k, site, ix) < 0) return -1;
    if (pos->any)
        snprintf(from, sizeof from, "%s", ix->desc ? "+inf" : "-inf");
    else
        snprintf(from, sizeof from, "%s%lld", pos->excl ? "(" : "", pos->ms);
    size_t offset = 0;
    while (*n < want) {
        snprintf(off, sizeof off, "%zu", offset);
        snprintf(cnt, sizeof cnt, "%d", RANGE_BATCH);
        cmd c = {0};
        if (ix->desc)
            store_cmd(&c, "ZRANGE", k, from, "-inf", "BYSCORE", "REV", "LIMIT", off, cnt,
                      "WITHSCORES", NULL);
        else
            store_cmd(&c, "ZRANGE", k, from, "+inf", "BYSCORE", "LIMIT", off, cnt, "WITHSCORES",
                      NULL);
        redisReply *r;
        if (store_run(s, &c, 1, &r) < 0) return -1;
        if (r->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            return -1;
        }
        size_t got = r->elements / 2;
        for (size_t i = 0; i < got && *n < want; i++) {
            const redisReply *id = r->element[2 * i];
            if (id->type != REDIS_REPLY_STRING || id->len > MODEL_MAX_ID) continue;
            review_entry *e = &out[*n];
            copy_str(e->id, sizeof e->id, id);
            e->ms = as_ll(r->element[2 * i + 1]);
            /* at the cursor's key, ids up to the cursor's were on earlier
             * pages (Redis orders equal scores by member bytes, as strcmp
             * does; REV reverses both) */
            if (!pos->any && pos->tie_id && e->ms == pos->ms) {
                int c2 = strcmp(e->id, pos->tie_id);
                if (ix->desc ? c2 >= 0 : c2 <= 0) continue;
            }
            snprintf(e->site, sizeof e->site, "%s", site);
            (*n)++;
        }
        freeReplyObject(r);
        if (got < RANGE_BATCH) break;
        offset += got;
    }
    return 0;
}

void store_review_states_free(review_state *st, size_t n) {
    for (size_t i = 0; st && i < n; i++) {
        free(st[i].record);
        st[i].record = NULL;
    }
}

int store_review_states(store *s, const review_entry *e, size_t n,
                        review_state *out, long long *now_ms) {
    memset(out, 0, n * sizeof *out);
    cmd t = {0};
    store_args(&t, "TIME");
    redisReply *tr;
    if (store_run(s, &t, 1, &tr) < 0) return -1;
    if (tr->type != REDIS_REPLY_ARRAY || tr->elements != 2) {
        freeReplyObject(tr);
        return -1;
    }
    *now_ms = as_ll(tr->element[0]) * 1000 + as_ll(tr->element[1]) / 1000;
    freeReplyObject(tr);
    cmd *c = calloc(3 * STATE_CHUNK, sizeof *c);
    redisReply **rep = calloc(3 * STATE_CHUNK, sizeof *rep);
    char (*keys)[RKEY] = calloc(3 * STATE_CHUNK, RKEY);
    int rc = -1;
    if (!c || !rep || !keys) goto out;
    for (size_t base = 0; base < n; base += STATE_CHUNK) {
        size_t m = n - base < STATE_CHUNK ? n - base : STATE_CHUNK;
        memset(c, 0, 3 * STATE_CHUNK * sizeof *c);
        for (size_t i = 0; i < m; i++) {
            const review_entry *x = &e[base + i];
            char *kc = keys[3 * i], *kl = keys[3 * i + 1], *ko = keys[3 * i + 2];
            if (store_key(kc, RKEY, x->site, STORE_K_COMMENT, x->id) < 0 ||
                store_key(kl, RKEY, x->site, STORE_K_LEASES, NULL) < 0 ||
                store_key(ko, RKEY, x->site, STORE_K_LEASE_OWNER, NULL) < 0)
                goto out;
            store_args(&c[3 * i], "GET");
            store_args(&c[3 * i], kc);
            store_args(&c[3 * i + 1], "ZSCORE");
            store_args(&c[3 * i + 1], kl);
            store_args(&c[3 * i + 1], x->id);
            store_args(&c[3 * i + 2], "HGET");
            store_args(&c[3 * i + 2], ko);
            store_args(&c[3 * i + 2], x->id);
        }
        if (store_run(s, c, (int)(3 * m), rep) < 0) goto out;
        for (size_t i = 0; i < m; i++) {
            review_state *st = &out[base + i];
            st->record = store_dup_str(rep[3 * i], &st->record_len);
            long long exp = rep[3 * i + 1]->type == REDIS_REPLY_STRING ? as_ll(rep[3 * i + 1]) : 0;
            if (exp > *now_ms && rep[3 * i + 2]->type == REDIS_REPLY_STRING) {
                st->lease_expires_ms = exp;
                copy_str(st->claimed_by, sizeof st->claimed_by, rep[3 * i + 2]);
            }
        }
        store_free_replies(rep, (int)(3 * m));
    }
    rc = 0;
out:
    if (rc < 0) store_review_states_free(out, n);
    free(c);
    free(rep);
    free(keys);
    return rc;
}

/* ================================================================ claims */

int store_review_claim(store *s, const char *site, const char *flag,
                       const char *moderator, long lease_s, size_t limit,
                       int dry, review_entry *out, size_t *n, long long *now_ms) {
    *n = 0;
    char kq[RKEY], kl[RKEY], ko[RKEY], lease[24], lim[24], scan[24], batch[24], sweep[24];
    if (queue_key(kq, sizeof kq, site, flag, 0) < 0 ||
        store_key(kl, sizeof kl, site, STORE_K_LEASES, NULL) < 0 ||
        store_key(ko, sizeof ko, site, STORE_K_LEASE_OWNER, NULL) < 0)
        return -1;
    snprintf(lease, sizeof lease, "%lld", (long long)lease_s * 1000);
    snprintf(lim, sizeof lim, "%zu", limit);
    snprintf(scan, sizeof scan, "%d", REVIEW_CLAIM_SCAN_MAX);
    snprintf(batch, sizeof batch, "%d", RANGE_BATCH);
    snprintf(sweep, sizeof sweep, "%d", EXPIRED_SWEEP);
    cmd c;
    store_eval_begin(&c, &S_CLAIM, 3);
    store_cmd(&c, kq, kl, ko, moderator, lease, lim, dry ? "1" : "0", scan, batch, sweep, NULL);
    redisReply *r;
    if (store_eval(s, &S_CLAIM, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_ARRAY) {
        *now_ms = as_ll(r->element[0]);
        const redisReply *l = r->element[1];
        for (size_t i = 0; i + 1 < l->elements && *n < limit; i += 2) {
            if (l->element[i]->type != REDIS_REPLY_STRING || l->element[i]->len > MODEL_MAX_ID)
                continue;
            review_entry *e = &out[(*n)++];
            snprintf(e->site, sizeof e->site, "%s", site);
            copy_str(e->id, sizeof e->id, l->element[i]);
            e->ms = as_ll(l->element[i + 1]);
        }
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

int store_review_release(store *s, const char *site, const char *moderator,
                         char *const *ids, size_t n, int *released) {
    char kl[RKEY], ko[RKEY];
    if (store_key(kl, sizeof kl, site, STORE_K_LEASES, NULL) < 0 ||
        store_key(ko, sizeof ko, site, STORE_K_LEASE_OWNER, NULL) < 0)
        return -1;
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total += strlen(ids[i]) + 1;
    char *joined = malloc(total), *p = joined;
    if (!joined) return -1;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(ids[i]);
        if (i) *p++ = '\x1f';
        memcpy(p, ids[i], l);
        p += l;
    }
    *p = 0;
    cmd c;
    store_eval_begin(&c, &S_RELEASE, 2);
    store_cmd(&c, kl, ko, moderator, NULL);
    store_arg(&c, joined, (size_t)(p - joined));
    redisReply *r;
    int rc = store_eval(s, &S_RELEASE, &c, 1, &r);
    free(joined);
    if (rc < 0) return -1;
    rc = -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == n) {
        for (size_t i = 0; i < n; i++) released[i] = as_ll(r->element[i]) == 1;
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

int store_review_purge(store *s, const char *site, const char *id) {
    char k[9 + STORE_MAX_FLAG_CODES][RKEY];
    int nkeys = 0, nf = nflag_codes(s);
    if (store_key(k[nkeys++], RKEY, site, STORE_K_COMMENT, id) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_LEASE_OWNER, NULL) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_PENDING, NULL) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_LEASES, NULL) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_REJECTED, NULL) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_APPROVED, NULL) < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_BY_SCORE, "pending") < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_BY_SCORE, "rejected") < 0 ||
        store_key(k[nkeys++], RKEY, site, STORE_K_BY_SCORE, "approved") < 0)
        return -1;
    for (int i = 0; i < nf; i++)
        if (store_key(k[nkeys++], RKEY, site, STORE_K_PENDING_FLAG,
                      store_review_flag_code(s->pool, i)) < 0)
            return -1;
    cmd c;
    store_eval_begin(&c, &S_PURGE, nkeys);
    for (int i = 0; i < nkeys; i++) store_args(&c, k[i]);
    store_args(&c, id);
    redisReply *r;
    if (store_eval(s, &S_PURGE, &c, 1, &r) < 0) return -1;
    int rc = r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(r);
    return rc;
}

/* ================================================================ context */

void store_review_context_free(review_context *c, size_t n) {
    for (size_t i = 0; c && i < n; i++) {
        free(c[i].parent);
        for (size_t j = 0; j < c[i].nthread; j++) free(c[i].thread[j]);
        for (size_t j = 0; j < c[i].nlog; j++) free(c[i].log[j]);
        memset(&c[i], 0, sizeof c[i]);
    }
}

/* Commands per item in the first round: parent GET, the article's listing
 * range, author HGETALL, author log LRANGE, and the range of the article
 * index earlier versions kept (article_comments: read until it expires). */
#define CTX_CMDS 5
/* Neighbours asked for: REVIEW_THREAD_MAX and the item itself. */
#define CTX_NEIGHBOURS "4"
_Static_assert(REVIEW_THREAD_MAX + 1 == 4, "CTX_NEIGHBOURS spells REVIEW_THREAD_MAX + 1");

/* A thread neighbour candidate: received ms and id (borrowed from a reply). */
typedef struct ctx_cand {
    long long ms;
    const char *id;
} ctx_cand;

/* Newest first, then by id (a stable order for equal ms). */
static int cand_cmp(const void *a, const void *b) {
    const ctx_cand *x = a, *y = b;
    if (x->ms != y->ms) return x->ms > y->ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void author_counts(review_context *x, const redisReply *h) {
    if (h->type != REDIS_REPLY_ARRAY || h->elements < 2) return;
    x->has_author = 1;
    for (size_t j = 0; j + 1 < h->elements; j += 2) {
        const redisReply *f = h->element[j];
        if (f->type != REDIS_REPLY_STRING) continue;
        long long v = as_ll(h->element[j + 1]);
        if (strcmp(f->str, "approved") == 0) x->approved = v;
        else if (strcmp(f->str, "rejected") == 0) x->rejected = v;
        else if (strcmp(f->str, "pending") == 0) x->pending = v;
        else if (strcmp(f->str, "first_seen") == 0) x->first_seen_ms = v;
    }
}

int store_review_context(store *s, const review_context_req *rq, size_t n,
                         review_context *out) {
    memset(out, 0, n * sizeof *out);
    if (!n) return 0;
    size_t nc = CTX_CMDS * n;
    cmd *c = calloc(nc, sizeof *c);
    redisReply **rep = calloc(nc, sizeof *rep);
    char (*keys)[RKEY] = calloc(nc, RKEY);
    char (*maxs)[40] = calloc(n, 40);
    /* the second round: the neighbours' records */
    cmd *c2 = calloc(n * REVIEW_THREAD_MAX, sizeof *c2);
    redisReply **rep2 = calloc(n * REVIEW_THREAD_MAX, sizeof *rep2);
    char (*k2)[RKEY] = calloc(n * REVIEW_THREAD_MAX, RKEY);
    size_t *owner = calloc(n * REVIEW_THREAD_MAX, sizeof *owner);
    int rc = -1;
    if (!c || !rep || !keys || !maxs || !c2 || !rep2 || !k2 || !owner) goto out;
    for (size_t i = 0; i < n; i++) {
        const review_context_req *r = &rq[i];
        cmd *ci = &c[CTX_CMDS * i];
        char(*ki)[RKEY] = &keys[CTX_CMDS * i];
        const char *akey = r->author_key ? r->author_key : "";
        /* a missing parent or author reads a key no writer fills (an
         * empty id, the hash of an empty author key): every item has the
         * same commands */
        if (store_key(ki[0], RKEY, r->site, STORE_K_COMMENT,
                      r->parent_id && *r->parent_id ? r->parent_id : "") < 0 ||
            store_key(ki[1], RKEY, r->site, STORE_K_LIST_ARTICLE,
                      r->article_id ? r->article_id : "") < 0 ||
            store_key_author(ki[2], RKEY, r->site, STORE_K_AUTHOR, akey) < 0 ||
            store_key_author(ki[3], RKEY, r->site, STORE_K_AUTHOR_LOG, akey) < 0 ||
            store_key(ki[4], RKEY, r->site, STORE_K_ARTICLE_COMMENTS,
                      r->article_id ? r->article_id : "") < 0)
            goto out;
        /* listing members up to the item's ms: before "<ms + 1>:" */
        maxs[i][0] = '(';
        if (store_list_member(maxs[i] + 1, 39, r->received_ms + 1, "") < 0) goto out;
        char *byms = maxs[i] + 20; /* the same bound for the older index */
        store_dec(byms, r->received_ms);
        store_cmd(&ci[0], "GET", ki[0], NULL);
        store_cmd(&ci[1], "ZRANGE", ki[1], maxs[i], "-", "BYLEX", "REV", "LIMIT", "0",
                  CTX_NEIGHBOURS, NULL);
        store_cmd(&ci[2], "HGETALL", ki[2], NULL);
        store_cmd(&ci[3], "LRANGE", ki[3], "0", "-1", NULL);
        store_cmd(&ci[4], "ZRANGE", ki[4], byms, "-inf", "BYSCORE", "REV", "LIMIT", "0",
                  CTX_NEIGHBOURS, "WITHSCORES", NULL);
    }
    if (store_run(s, c, (int)nc, rep) < 0) goto out;
    size_t n2 = 0;
    for (size_t i = 0; i < n; i++) {
        review_context *x = &out[i];
        redisReply **ri = &rep[CTX_CMDS * i];
        if (rq[i].parent_id && *rq[i].parent_id) x->parent = store_dup_str(ri[0], &x->parent_len);
        if (*(rq[i].author_key ? rq[i].author_key : "")) {
            author_counts(x, ri[2]);
            if (ri[3]->type == REDIS_REPLY_ARRAY)
                for (size_t j = 0; j < ri[3]->elements && x->nlog < STORE_AUTHOR_LOG_MAX; j++) {
                    char *v = store_dup_str(ri[3]->element[j], NULL);
                    if (v) x->log[x->nlog++] = v;
                }
        }
        if (!rq[i].article_id) continue;
        /* the candidates of both indexes, newest first; the item itself
         * (and an id both hold) skipped */
        ctx_cand cand[2 * (REVIEW_THREAD_MAX + 1)];
        size_t nc2 = 0;
        const redisReply *la = ri[1], *ac = ri[4];
        for (size_t j = 0; la->type == REDIS_REPLY_ARRAY && j < la->elements; j++) {
            const redisReply *m = la->element[j];
            const char *colon = m->type == REDIS_REPLY_STRING ? strchr(m->str, ':') : NULL;
            if (!colon || nc2 == sizeof cand / sizeof cand[0]) continue;
            cand[nc2++] = (ctx_cand){strtoll(m->str, NULL, 10), colon + 1};
        }
        for (size_t j = 0; ac->type == REDIS_REPLY_ARRAY && j + 1 < ac->elements; j += 2) {
            const redisReply *m = ac->element[j];
            if (m->type != REDIS_REPLY_STRING || nc2 == sizeof cand / sizeof cand[0]) continue;
            const redisReply *sc = ac->element[j + 1];
            cand[nc2++] = (ctx_cand){
                sc->type == REDIS_REPLY_STRING ? strtoll(sc->str, NULL, 10) : 0, m->str};
        }
        qsort(cand, nc2, sizeof cand[0], cand_cmp);
        size_t got = 0;
        for (size_t j = 0; j < nc2 && got < REVIEW_THREAD_MAX; j++) {
            const char *id = cand[j].id;
            if (strcmp(id, rq[i].id) == 0 || strlen(id) > MODEL_MAX_ID ||
                (j > 0 && strcmp(id, cand[j - 1].id) == 0 && cand[j].ms == cand[j - 1].ms))
                continue;
            if (store_key(k2[n2], RKEY, rq[i].site, STORE_K_COMMENT, id) < 0) continue;
            store_cmd(&c2[n2], "GET", k2[n2], NULL);
            owner[n2++] = i;
            got++;
        }
    }
    store_free_replies(rep, (int)nc);
    if (n2 && store_run(s, c2, (int)n2, rep2) < 0) goto out;
    /* the neighbours came newest first: fill each item's list from its end */
    for (size_t j = n2; j-- > 0;) {
        review_context *x = &out[owner[j]];
        size_t len = 0;
        char *v = store_dup_str(rep2[j], &len);
        if (!v) continue; /* expired meanwhile */
        x->thread[x->nthread] = v;
        x->thread_len[x->nthread++] = len;
    }
    if (n2) store_free_replies(rep2, (int)n2);
    rc = 0;
out:
    if (rc < 0) store_review_context_free(out, n);
    free(c);
    free(rep);
    free(keys);
    free(maxs);
    free(c2);
    free(rep2);
    free(k2);
    free(owner);
    return rc;
}

/* ============================================================= decisions */

int store_review_decide(store *s, const review_decide *d, char *owner,
                        size_t owner_len, long long *expires_ms) {
    if (owner_len) owner[0] = 0;
    *expires_ms = 0;
    enum { NK = 15 };
    char k[NK][RKEY], kf[STORE_MAX_FLAGS][RKEY], minute[24], tmax[24], ttl[24], at[24], sc[24],
        ret[24], logv[RKEY];
    const char *akey = d->author_key ? d->author_key : "";
    snprintf(minute, sizeof minute, "%lld", d->at_ms / 60000);
    if (store_key(k[0], RKEY, d->site, STORE_K_COMMENT, d->id) < 0 ||
        store_key(k[1], RKEY, d->site, STORE_K_PENDING, NULL) < 0 ||
        store_key(k[2], RKEY, d->site, STORE_K_LEASES, NULL) < 0 ||
        store_key(k[3], RKEY, d->site, STORE_K_LEASE_OWNER, NULL) < 0 ||
        store_key(k[4], RKEY, d->site, STORE_K_REJECTED, NULL) < 0 ||
        store_key(k[5], RKEY, d->site, STORE_K_AUDIT, NULL) < 0 ||
        store_key(k[6], RKEY, d->site, STORE_K_DECIDED, minute) < 0 ||
        store_key(k[7], RKEY, d->site, STORE_K_THREAD, d->article_id ? d->article_id : "-") < 0 ||
        store_key(k[8], RKEY, d->site, STORE_K_THREAD_REFS, d->article_id ? d->article_id : "-") < 0 ||
        store_key(k[9], RKEY, d->site, STORE_K_APPROVED, NULL) < 0 ||
        store_key(k[10], RKEY, d->site, STORE_K_BY_SCORE, "pending") < 0 ||
        store_key(k[11], RKEY, d->site, STORE_K_BY_SCORE, "rejected") < 0 ||
        store_key(k[12], RKEY, d->site, STORE_K_BY_SCORE, "approved") < 0 ||
        store_key_author(k[13], RKEY, d->site, STORE_K_AUTHOR, akey) < 0 ||
        store_key_author(k[14], RKEY, d->site, STORE_K_AUTHOR_LOG, akey) < 0)
        return -1;
    /* a comment carries each flag code once; cap at the array */
    size_t nf = d->nflags < STORE_MAX_FLAGS ? d->nflags : STORE_MAX_FLAGS;
    for (size_t i = 0; i < nf; i++)
        if (store_key(kf[i], RKEY, d->site, STORE_K_PENDING_FLAG, d->flags[i].code) < 0) return -1;
    snprintf(tmax, sizeof tmax, "%u", d->thread_max ? d->thread_max : 1);
    snprintf(ttl, sizeof ttl, "%d", REVIEW_COUNTER_TTL);
    snprintf(at, sizeof at, "%lld", d->at_ms);
    snprintf(sc, sizeof sc, "%lld", (long long)(d->score * STORE_SCORE_SCALE + 0.5));
    snprintf(ret, sizeof ret, "%ld", d->retention_s > 0 ? d->retention_s : 1);
    int logl = snprintf(logv, sizeof logv, "%s\x1f%s\x1f%s\x1f%s", d->id, d->new_status,
                        d->moderator, at);
    if (logl < 0 || logl >= (int)sizeof logv) return -1;
    const char *op = d->thread_push ? "push" : d->thread_remove ? "remove" : "-";
    const char *ttext = d->thread_push ? d->thread_push : d->thread_remove ? d->thread_remove : "";

    cmd c[2];
    memset(c, 0, sizeof c);
    store_eval_begin(&c[0], &S_DECIDE, (int)(NK + nf));
    for (int i = 0; i < NK; i++) store_args(&c[0], k[i]);
    for (size_t i = 0; i < nf; i++) store_args(&c[0], kf[i]);
    store_arg(&c[0], d->old_record, d->old_len);
    store_arg(&c[0], d->new_record, d->new_len);
    store_cmd(&c[0], d->id, d->moderator, d->new_status, at, op, ttext, tmax, ttl,
              d->thread_push || d->thread_remove ? d->thread_ref : "", d->prev_status, sc,
              *akey ? "1" : "0", NULL);
    store_arg(&c[0], logv, (size_t)logl);
    store_args(&c[0], ret);
    /* the audit entry */
    store_cmd(&c[0], "comment_id", d->id, "article_id", d->article_id ? d->article_id : "",
              "moderator", d->moderator, "decision", d->decision, "status", d->new_status,
              "previous_status", d->prev_status, "auto_status", d->auto_status, "override",
              d->override ? "1" : "0", "at_ms", at, NULL);
    if (d->prev_by) {
        store_args(&c[0], "previous_by");
        store_args(&c[0], d->prev_by);
    }
    if (d->reason) {
        store_args(&c[0], "reason");
        store_args(&c[0], d->reason);
    }
    if (d->note) {
        store_args(&c[0], "note");
        store_args(&c[0], d->note);
    }
    /* the site joins the index the cross-site views walk */
    store_cmd(&c[1], "SADD", STORE_KEY_SITES, d->site, NULL);
    redisReply *rep[2];
    if (store_eval(s, &S_DECIDE, c, 2, rep) < 0) return -1;
    int rc = -1;
    redisReply *r = rep[0];
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
        long long code = as_ll(r->element[0]);
        if (code == REVIEW_DONE || code == REVIEW_CHANGED || code == REVIEW_GONE) {
            rc = (int)code;
        } else if (code == REVIEW_LEASED && r->elements == 3) {
            rc = REVIEW_LEASED;
            if (owner_len) copy_str(owner, owner_len, r->element[1]);
            *expires_ms = as_ll(r->element[2]);
        }
    }
    store_free_replies(rep, 2);
    return rc;
}

/* ============================================================ statistics */

int store_review_stats(store *s, const char *site, review_stats *out) {
    memset(out, 0, sizeof *out);
    cmd t = {0};
    store_args(&t, "TIME");
    redisReply *tr;
    if (store_run(s, &t, 1, &tr) < 0) return -1;
    if (tr->type != REDIS_REPLY_ARRAY || tr->elements != 2) {
        freeReplyObject(tr);
        return -1;
    }
    out->now_ms = as_ll(tr->element[0]) * 1000 + as_ll(tr->element[1]) / 1000;
    freeReplyObject(tr);

    enum { NFIX = 5 };
    int nf = nflag_codes(s), ncmd = NFIX + nf;
    cmd c[NFIX + STORE_MAX_FLAG_CODES];
    memset(c, 0, sizeof c);
    char kp[RKEY], kl[RKEY], kr[RKEY], kf[STORE_MAX_FLAG_CODES][RKEY],
        km[REVIEW_HOUR_MINUTES][RKEY], now[24];
    if (store_key(kp, sizeof kp, site, STORE_K_PENDING, NULL) < 0 ||
        store_key(kl, sizeof kl, site, STORE_K_LEASES, NULL) < 0 ||
        store_key(kr, sizeof kr, site, STORE_K_REJECTED, NULL) < 0)
        return -1;
    snprintf(now, sizeof now, "(%lld", out->now_ms);
    store_args(&c[0], "ZCARD");
    store_args(&c[0], kp);
    store_cmd(&c[1], "ZRANGE", kp, "0", "0", "WITHSCORES", NULL);
    store_cmd(&c[2], "ZCOUNT", kl, now, "+inf", NULL);
    store_args(&c[3], "ZCARD");
    store_args(&c[3], kr);
    store_args(&c[4], "MGET");
    long long m0 = clock_wall_ms() / 60000; /* decision counters use the writer's clock */
    for (int i = 0; i < REVIEW_HOUR_MINUTES; i++) {
        char m[24];
        snprintf(m, sizeof m, "%lld", m0 - i);
        if (store_key(km[i], RKEY, site, STORE_K_DECIDED, m) < 0) return -1;
        store_args(&c[4], km[i]);
    }
    for (int i = 0; i < nf; i++) {
        if (store_key(kf[i], RKEY, site, STORE_K_PENDING_FLAG, store_review_flag_code(s->pool, i)) <
            0)
            return -1;
        store_args(&c[NFIX + i], "ZCARD");
        store_args(&c[NFIX + i], kf[i]);
    }
    redisReply *rep[NFIX + STORE_MAX_FLAG_CODES];
    if (store_run(s, c, ncmd, rep) < 0) return -1;
    int rc = 0;
    for (int i = 0; i < ncmd; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) rc = -1;
    if (rc == 0) {
        out->pending = as_ll(rep[0]);
        if (rep[1]->type == REDIS_REPLY_ARRAY && rep[1]->elements == 2)
            out->oldest_ms = as_ll(rep[1]->element[1]);
        out->claimed = as_ll(rep[2]);
        out->rejected = as_ll(rep[3]);
        if (rep[4]->type == REDIS_REPLY_ARRAY)
            for (size_t i = 0; i < rep[4]->elements; i++)
                out->decisions_hour += as_ll(rep[4]->element[i]);
        for (int i = 0; i < nf; i++) out->by_flag[i] = as_ll(rep[NFIX + i]);
    }
    store_free_replies(rep, ncmd);
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_review_sites_free(char **sites) {
    for (size_t i = 0; sites && sites[i]; i++) free(sites[i]);
    free(sites);
}

int store_review_sites(store *s, char ***sites) {
    *sites = NULL;
    cmd c = {0};
    store_args(&c, "SMEMBERS");
    store_args(&c, STORE_KEY_SITES);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_ARRAY) {
        char **l = calloc(r->elements + 1, sizeof *l);
        size_t n = 0;
        if (l) {
            for (size_t i = 0; i < r->elements; i++) {
                char *v = store_dup_str(r->element[i], NULL);
                if (v && model_valid_ident(v, MODEL_MAX_SITE))
                    l[n++] = v;
                else
                    free(v);
            }
            qsort(l, n, sizeof *l, cmp_str);
            *sites = l;
            rc = 0;
        }
    }
    freeReplyObject(r);
    return rc;
}

/* ================================================================= audit */

void store_review_audit_free(review_audit *a, size_t n) {
    for (size_t i = 0; a && i < n; i++) {
        for (size_t j = 0; j < a[i].nfields; j++) free(a[i].fields[j]);
        free(a[i].fields);
    }
    free(a);
}

int store_review_audit(store *s, const char *site, const char *start,
                       size_t count, review_audit **out, size_t *n) {
    *out = NULL;
    *n = 0;
    char k[RKEY], cnt[24];
    if (store_key(k, sizeof k, site, STORE_K_AUDIT, NULL) < 0) return -1;
    snprintf(cnt, sizeof cnt, "%zu", count);
    cmd c = {0};
    store_cmd(&c, "XRANGE", k, start, "+", "COUNT", cnt, NULL);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    review_audit *a = calloc(r->elements ? r->elements : 1, sizeof *a);
    if (!a) {
        freeReplyObject(r);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        review_audit *x = &a[m];
        snprintf(x->site, sizeof x->site, "%s", site);
        copy_str(x->sid, sizeof x->sid, e->element[0]);
        if (sscanf(x->sid, "%lld-%lld", &x->ms, &x->seq) != 2) continue;
        const redisReply *f = e->element[1];
        x->fields = calloc(f->elements ? f->elements : 1, sizeof *x->fields);
        if (!x->fields) continue;
        for (size_t j = 0; j < f->elements; j++) {
            char *v = store_dup_str(f->element[j], NULL);
            if (!v) break;
            x->fields[x->nfields++] = v;
        }
        if (x->nfields % 2) free(x->fields[--x->nfields]); /* names and values pair up */
        m++;
    }
    freeReplyObject(r);
    *out = a;
    *n = m;
    return 0;
}
