/* store_learn.c - Redis side of learning: classifier and reputation counts.
 *
 * Owns modq:{S}:bayes:spam / :ham / :n, modq:{S}:rep:spam / :ham and the
 * per-comment markers modq:{S}:learned:<id> (layout in store_keys.h).
 * Training is one Lua script per decision (run with store_eval,
 * store_script.c), so a comment's counts move all at once and a repeated or
 * reversed decision is recognised atomically; reading is part of the
 * comment look-up (store_lookup.c calls the look-up parts below; nothing
 * here calls back into it), which asks for the per-token counts only when
 * the classifier can vote (the request's learn_can_vote on the totals last seen, kept in
 * the pool's cache). Never interprets the counts otherwise: the math is
 * learn.c's.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_private.h"
#include "store_review.h"

/* Tokens and identities travel as one argument each, joined by this byte
 * (stems, hosts, e-mails and IPs never contain it), so a comment with 256
 * stems is still a short argv. */
#define LEARN_SEP '\x1f'

/* KEYS: 1 marker 2 bayes:spam 3 bayes:ham 4 bayes:n 5 rep:spam 6 rep:ham
 *       7 learnver
 * ARGV: 1 label (spam|ham) 2 marker ttl s 3 tokens 4 rep ids (joined by
 *       \x1f) 5 use marker (1/0) 6 a report (1/0) 7 the learner version's
 *       step (store_version_step: the totals changed)
 * Returns 0 unchanged (same label as before), 1 trained, 2 re-labelled. */
static const char TRAIN_LUA[] =
    "local report = ARGV[6] == '1'\n"
    "local mark = report and (ARGV[1] .. ':r') or ARGV[1]\n"
    "local old = false\n"
    "if ARGV[5] == '1' then\n"
    "  old = redis.call('GET', KEYS[1])\n"
    "  if old == mark then return 0 end\n"
    "  if old and report and not string.find(old, ':r', 1, true) then return 0 end\n"
    "  redis.call('SET', KEYS[1], mark, 'EX', ARGV[2])\n"
    "end\n"
    "local function bump(key, list, d)\n"
    "  for t in string.gmatch(list, '[^\\31]+') do\n"
    "    if redis.call('HINCRBY', key, t, d) <= 0 then redis.call('HDEL', key, t) end\n"
    "  end\n"
    "end\n"
    "local function apply(m, d)\n"
    "  local label = string.gsub(m, ':r$', '')\n"
    "  local rep = m == label\n"
    "  if label == 'spam' then\n"
    "    bump(KEYS[2], ARGV[3], d) if rep then bump(KEYS[5], ARGV[4], d) end\n"
    "  else\n"
    "    bump(KEYS[3], ARGV[3], d) if rep then bump(KEYS[6], ARGV[4], d) end\n"
    "  end\n"
    "  if redis.call('HINCRBY', KEYS[4], label, d) < 0 then\n"
    "    redis.call('HSET', KEYS[4], label, 0)\n"
    "  end\n"
    "end\n"
    "if old then apply(old, -1) end\n"
    "apply(mark, 1)\n"
    "redis.call('EXPIRE', KEYS[5], ARGV[2])\n"
    "redis.call('EXPIRE', KEYS[6], ARGV[2])\n"
    "redis.call('INCRBY', KEYS[7], ARGV[7])\n"
    "if old then return 2 end\n"
    "return 1\n";
static store_script S_TRAIN = STORE_SCRIPT(TRAIN_LUA);

/* Joined copy of list (new, free()); *len its length. NULL on OOM. */
static char *join(char *const *list, size_t n, size_t *len) {
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total += strlen(list[i]) + 1;
    char *b = malloc(total), *p = b;
    if (!b) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if (!l || memchr(list[i], LEARN_SEP, l)) continue; /* cannot be split back */
        if (p != b) *p++ = LEARN_SEP;
        memcpy(p, list[i], l);
        p += l;
    }
    *p = 0;
    *len = (size_t)(p - b);
    return b;
}

int store_learn_train(store *s, const char *site, const char *id, int spam, int report,
                      char *const *tokens, size_t ntokens, char *const *rep,
                      size_t nrep, long marker_ttl_s) {
    char k[7][STORE_KEY_MAX], ttl[24], step[24];
    static const char *const parts[7] = {STORE_K_LEARNED,   STORE_K_BAYES_SPAM,
                                         STORE_K_BAYES_HAM, STORE_K_BAYES_N,
                                         STORE_K_REP_SPAM,  STORE_K_REP_HAM,
                                         STORE_K_LEARNVER};
    for (int i = 0; i < 7; i++)
        if (store_key(k[i], sizeof k[i], site, parts[i], i == 0 && id ? id : NULL) < 0)
            return -1;
    snprintf(ttl, sizeof ttl, "%ld", marker_ttl_s > 0 ? marker_ttl_s : 1);
    size_t tl = 0, rl = 0;
    char *tj = join(tokens, ntokens, &tl);
    char *rj = join(rep, nrep, &rl);
    int rc = -1;
    if (!tj || !rj) goto out;
    cmd c;
    store_eval_begin(&c, &S_TRAIN, 7);
    for (int i = 0; i < 7; i++) store_args(&c, k[i]);
    store_args(&c, spam ? "spam" : "ham");
    store_args(&c, ttl);
    store_arg(&c, tj, tl);
    store_arg(&c, rj, rl);
    store_args(&c, id ? "1" : "0");
    store_args(&c, report ? "1" : "0");
    store_dec(step, (long long)store_version_step());
    store_args(&c, step);
    redisReply *r;
    if (store_eval(s, &S_TRAIN, &c, 1, &r) < 0) goto out;
    if (r->type == REDIS_REPLY_INTEGER) rc = (int)r->integer;
    freeReplyObject(r);
out:
    free(tj);
    free(rj);
    return rc;
}

/* ============================================================ look-ups */

/* The per-token counts (two HMGETs of ~100 fields) matter only when the
 * classifier can vote; most sites never reach learn_min_decisions, so the
 * look-up asks for them only when the totals last seen (the pool's cache)
 * say it can, or when they are unknown. The totals themselves are always
 * read, so a site that has just crossed the threshold is noticed at once
 * and its tokens fetched in a second round trip (store_lookup_more_append). */

int store_learn_lookup_tokens(store_pool *p, const store_lookup_req *q) {
    uint32_t ns, nh;
    uint64_t ver;
    if (!q->nlearn) return 0;
    if (!store_cache_learn_get(p->cache, q->site, &ns, &nh, &ver)) return 1;
    return q->learn_can_vote && q->learn_can_vote(ns, nh, q->learn_min_total);
}

int store_learn_lookup_append(store *s, const store_lookup_req *q, int tokens, int totals,
                              int rep) {
    char k[STORE_KEY_MAX];
    int n = 0;
    if (q->nlearn) {
        static const char *const names[2] = {"spam", "ham"};
        if (tokens) {
            if (store_key(k, sizeof k, q->site, STORE_K_BAYES_SPAM, NULL) < 0 ||
                store_append_hmget(s, k, (const char *const *)q->learn_tokens, q->nlearn,
                                   NULL) < 0)
                return -1;
            store_key(k, sizeof k, q->site, STORE_K_BAYES_HAM, NULL);
            if (store_append_hmget(s, k, (const char *const *)q->learn_tokens, q->nlearn,
                                   NULL) < 0)
                return -1;
            n += 2;
        }
        if (totals) {
            if (store_key(k, sizeof k, q->site, STORE_K_BAYES_N, NULL) < 0 ||
                store_append_hmget(s, k, names, 2, NULL) < 0)
                return -1;
            n++;
        }
    }
    if (rep && q->nrep) {
        if (store_key(k, sizeof k, q->site, STORE_K_REP_SPAM, NULL) < 0 ||
            store_append_hmget(s, k, (const char *const *)q->rep_fields, q->nrep, NULL) < 0)
            return -1;
        store_key(k, sizeof k, q->site, STORE_K_REP_HAM, NULL);
        if (store_append_hmget(s, k, (const char *const *)q->rep_fields, q->nrep, NULL) < 0)
            return -1;
        n += 2;
    }
    return n;
}

static uint32_t as_count(const redisReply *e) {
    if (!e || e->type != REDIS_REPLY_STRING) return 0;
    long long v = strtoll(e->str, NULL, 10);
    return v <= 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Counts of an HMGET reply into a new array of n (NULL on OOM). */
static uint32_t *counts(const redisReply *r, size_t n) {
    uint32_t *v = calloc(n ? n : 1, sizeof *v);
    if (v && r->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < n && i < r->elements; i++) v[i] = as_count(r->element[i]);
    return v;
}

void store_learn_lookup_read(const store_lookup_req *q, int tokens, int totals, int rep,
                             redisReply **r, int n, store_lookup *out) {
    int i = 0;
    if (q->nlearn && i + (tokens ? 2 : 0) + (totals ? 1 : 0) <= n) {
        if (tokens) {
            free(out->learn_spam);
            free(out->learn_ham);
            out->learn_spam = counts(r[i], q->nlearn);
            out->learn_ham = counts(r[i + 1], q->nlearn);
            i += 2;
        }
        if (totals) {
            const redisReply *t = r[i++];
            out->learn_nspam = out->learn_nham = 0;
            if (t->type == REDIS_REPLY_ARRAY && t->elements == 2) {
                out->learn_nspam = as_count(t->element[0]);
                out->learn_nham = as_count(t->element[1]);
            }
        }
    }
    if (rep && q->nrep && i + 2 <= n) {
        out->rep_spam = counts(r[i], q->nrep);
        out->rep_ham = counts(r[i + 1], q->nrep);
    }
}

int store_learn_lookup_more(const store_lookup_req *q, int tokens, const store_lookup *out) {
    return q->nlearn && !tokens &&
           q->learn_can_vote &&
           q->learn_can_vote(out->learn_nspam, out->learn_nham, q->learn_min_total);
}

void store_learn_lookup_remember(store_pool *p, const store_lookup_req *q,
                                 const store_lookup *out, uint64_t ver) {
    if (q->nlearn)
        store_cache_learn_put(p->cache, q->site, out->learn_nspam, out->learn_nham, ver);
}
