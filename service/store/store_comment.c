/* store_comment.c - a comment's write, its claim and its record: the one
 * transaction that stores a new comment, and what reads a record back.
 *
 * Owns the writes of modq:{S}:comment:*, the id's claim (dropped by the
 * write, or by store_claim_drop), the pending queue and per-flag queues,
 * the rejected or approved folder and the score index for a new item, the
 * author's history on arrival, the duplicate
 * and flood keys, the thread lists, the identity index and listings (their
 * additions) and modq:sites (store_keys.h). A write is one MULTI /
 * EXEC (with WAIT for replicas when configured), split in halves so the
 * pipe (store_pipe.c) can send many together; the blocking
 * store_comment_write is the same halves on a pooled connection, plus the
 * WATCH a spool replay's write needs. Never interprets the record JSON
 * (opaque bytes) and never reads what a look-up reads (store_lookup.c).
 */
#include <hiredis/hiredis.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_private.h"

/* ================================================================ WAIT */

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

/* With redis_wait_replicas set: 0 once that many replicas acknowledged
 * everything written so far on s's connection (WAIT), -1 otherwise. A
 * record found already stored (a replay of a write that a demoted primary
 * took, say) only counts as stored once acknowledged too. */
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

/* =============================================================== write */

/* Writes mh to out (STORE_MINHASH_BYTES). */
static void minhash_pack(const uint32_t *mh, char *out) {
    for (int i = 0; i < STORE_MINHASH_N; i++) {
        out[4 * i] = (char)(mh[i] >> 24);
        out[4 * i + 1] = (char)(mh[i] >> 16);
        out[4 * i + 2] = (char)(mh[i] >> 8);
        out[4 * i + 3] = (char)mh[i];
    }
}

/* One in this many folder writes (by the text's hash) trims the folder.
 * Entries past retention whose record expired are also dropped by the
 * listing that meets them; the trim bounds what nobody lists. */
#define FOLDER_TRIM_EVERY 16
/* Entries one trim removes: 16 writes add 16, so it keeps pace. */
#define FOLDER_TRIM_MAX "500"
/* KEYS: 1 folder 2 its score index  ARGV: 1 cutoff ms. Removes up to
 * FOLDER_TRIM_MAX entries filed at or before the cutoff from both. Sent
 * as EVAL (inside the MULTI a NOSCRIPT could not be retried); Redis
 * caches the compiled script by its hash. */
static const char FOLDER_TRIM_LUA[] =
    "local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, "
    FOLDER_TRIM_MAX ")\n"
    "if #ids > 0 then\n"
    "  redis.call('ZREM', KEYS[1], unpack(ids))\n"
    "  redis.call('ZREM', KEYS[2], unpack(ids))\n"
    "end\n"
    "return #ids\n";
_Static_assert((FOLDER_TRIM_EVERY & (FOLDER_TRIM_EVERY - 1)) == 0, "a power of two");

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
    store_key_hex16(hx, w->exact_hash);
    store_dec(ret, w->retention_s);
    store_dec(recv, w->received_ms);
    store_dec(win, w->dup_window_s);
    store_dec(fw, w->flood_window_s);
    store_dec(tmax, (long long)(w->thread_max ? w->thread_max : 1) - 1);
    store_dec(cutoff, w->received_ms - 1000LL * w->retention_s);
    if (store_key(kc, sizeof kc, w->site, STORE_K_COMMENT, w->id) < 0 ||
        store_key(kcl, sizeof kcl, w->site, STORE_K_CLAIM, w->id) < 0)
        return -1;
    store_key(kp, sizeof kp, w->site, STORE_K_PENDING, NULL);
    store_key(kx, sizeof kx, w->site, STORE_K_DUP_EXACT, hx);
    store_key(kfa, sizeof kfa, w->site, STORE_K_FLOOD_AUTHOR, w->author_key);
    store_key(kfi, sizeof kfi, w->site, STORE_K_FLOOD_IP, w->ip && *w->ip ? w->ip : "-");
    store_key(kt, sizeof kt, w->site, STORE_K_THREAD, w->article_id);
    store_key(kth, sizeof kth, w->site, STORE_K_THREAD_REFS, w->article_id);
    /* values: the exact key carries the author and the MinHash, once per
     * text; a band key only the id and the exact hash, which names the
     * exact key a look-up reads the candidate's signature from */
    char xval[STORE_KEY_MAX], bval[MODEL_MAX_ID + 24];
    int xl = snprintf(xval, sizeof xval, "%s\x1f%s", w->id, w->author_key);
    if (xl < 0 || xl + 1 + STORE_MINHASH_BYTES > (int)sizeof xval) return -1;
    if (w->has_minhash) {
        xval[xl++] = 0x1f;
        minhash_pack(w->minhash, xval + xl);
        xl += STORE_MINHASH_BYTES;
    }
    int bl = snprintf(bval, sizeof bval, "%s\x1f%s", w->id, hx);
    if (bl < 0 || bl >= (int)sizeof bval) return -1;
    int nb = w->has_minhash ? STORE_LSH_BANDS : 0;
    int pending = strcmp(w->status, "pending") == 0;
    int rejected = strcmp(w->status, "rejected") == 0;
    /* the folder, the score index, the author (the article's comments by
     * arrival are its listing, below) */
    char kfo[STORE_KEY_MAX], ksc[STORE_KEY_MAX], kau[STORE_KEY_MAX], kal[STORE_KEY_MAX], sc[24],
        logv[STORE_KEY_MAX];
    int has_author = w->author_key && *w->author_key; /* "": unknown */
    store_key(kfo, sizeof kfo, w->site, rejected ? STORE_K_REJECTED : STORE_K_APPROVED, NULL);
    store_key(ksc, sizeof ksc, w->site, STORE_K_BY_SCORE, w->status);
    store_dec(sc, (long long)(w->score * STORE_SCORE_SCALE + 0.5));
    if (has_author &&
        (store_key_author(kau, sizeof kau, w->site, STORE_K_AUTHOR, w->author_key) < 0 ||
         store_key_author(kal, sizeof kal, w->site, STORE_K_AUTHOR_LOG, w->author_key) < 0))
        return -1;
    int logl = snprintf(logv, sizeof logv, "%s\x1f%s\x1f\x1f%s", w->id, w->status, recv);
    if (logl < 0 || logl >= (int)sizeof logv) return -1;
    int nf = pending && w->flags ? (int)w->nflags : 0;
    if (nf > STORE_MAX_FLAGS) nf = STORE_MAX_FLAGS;
    char kfl[STORE_MAX_FLAGS][192];
    for (int i = 0; i < nf; i++)
        if (store_key(kfl[i], sizeof kfl[i], w->site, STORE_K_PENDING_FLAG, w->flags[i].code) < 0)
            return -1;
    int has_ip = w->ip && *w->ip;
    /* the author index: one zset per identity the comment names */
    char ka[3][STORE_KEY_MAX];
    const char akind[3] = {STORE_AUTHOR_EMAIL, STORE_AUTHOR_NAME, STORE_AUTHOR_IP};
    const char *aval[3] = {w->author_email, w->author_name, w->ip};
    int na = 0;
    for (int i = 0; i < 3; i++)
        if (store_key_identity(ka[na], sizeof ka[na], w->site, STORE_K_IDENTITY, akind[i],
                               aval[i]) > 0)
            na++;
    /* the listings: lexical members "<ms>:<id>" in received order */
    char kl[STORE_KEY_MAX], kla[STORE_KEY_MAX], lmem[MODEL_MAX_ID + 24], lcut[40];
    if (store_list_member(lmem, sizeof lmem, w->received_ms, w->id) < 0) return -1;
    store_key(kl, sizeof kl, w->site, STORE_K_LIST, NULL);
    if (store_key(kla, sizeof kla, w->site, STORE_K_LIST_ARTICLE, w->article_id) < 0) return -1;
    char cutm[32];
    store_list_member(cutm, sizeof cutm, w->received_ms - 1000LL * w->retention_s, "");
    snprintf(lcut, sizeof lcut, "(%s", cutm);

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
    } else {
        /* a folder; one write in FOLDER_TRIM_EVERY trims its expired
         * entries and their score-index entries together */
        if ((w->exact_hash & (FOLDER_TRIM_EVERY - 1)) == 0)
            store_cmd(&c[n++], "EVAL", FOLDER_TRIM_LUA, "2", kfo, ksc, cutoff, NULL);
        store_cmd(&c[n++], "ZADD", kfo, "NX", recv, w->id, NULL);
    }
    store_cmd(&c[n++], "ZADD", ksc, "NX", sc, w->id, NULL);
    if (has_author) {
        store_cmd(&c[n++], "HINCRBY", kau, w->status, "1", NULL);
        store_cmd(&c[n++], "HSETNX", kau, "first_seen", recv, NULL);
        store_cmd(&c[n++], "EXPIRE", kau, ret, NULL);
        store_args(&c[n], "LPUSH");
        store_args(&c[n], kal);
        store_arg(&c[n++], logv, (size_t)logl);
        store_cmd(&c[n++], "LTRIM", kal, "0", STORE_AUTHOR_LOG_LAST, NULL);
        store_cmd(&c[n++], "EXPIRE", kal, ret, NULL);
    }
    /* the duplicate keys, first writer wins: one the look-up found taken
     * is not sent (its SET NX would not set it) */
    if (!(w->held & STORE_HELD_EXACT)) {
        store_args(&c[n], "SET");
        store_args(&c[n], kx);
        store_arg(&c[n], xval, (size_t)xl);
        store_args(&c[n], "NX");
        store_args(&c[n], "EX");
        store_args(&c[n++], win);
    }
    for (int b = 0; b < nb; b++) {
        if (w->held & STORE_HELD_BAND(b)) continue;
        store_key_band(kb[b], sizeof kb[b], w->site, b, w->band[b]);
        store_args(&c[n], "SET");
        store_args(&c[n], kb[b]);
        store_arg(&c[n], bval, (size_t)bl);
        store_args(&c[n], "NX");
        store_args(&c[n], "EX");
        store_args(&c[n++], win);
    }
    /* flood counters: the window starts with the first comment counted */
    const char *fk[2] = {kfa, kfi};
    for (int i = has_author ? 0 : 1; i < 1 + has_ip; i++) {
        store_cmd(&c[n++], "INCR", fk[i], NULL);
        store_cmd(&c[n++], "EXPIRE", fk[i], fw, "NX", NULL);
    }
    for (int i = 0; i < na; i++) {
        store_cmd(&c[n++], "ZADD", ka[i], recv, w->id, NULL);
        store_cmd(&c[n++], "EXPIRE", ka[i], ret, NULL);
    }
    /* the listings; one write in FOLDER_TRIM_EVERY (other bits of the hash
     * than the folders') trims both to retention */
    store_cmd(&c[n++], "ZADD", kl, "0", lmem, NULL);
    store_cmd(&c[n++], "ZADD", kla, "0", lmem, NULL);
    if (((w->exact_hash >> 8) & (FOLDER_TRIM_EVERY - 1)) == 0) {
        store_cmd(&c[n++], "ZREMRANGEBYLEX", kl, "-", lcut, NULL);
        store_cmd(&c[n++], "ZREMRANGEBYLEX", kla, "-", lcut, NULL);
    }
    if (w->thread_text) { /* the text and its reference, side by side */
        store_cmd(&c[n++], "LPUSH", kt, w->thread_text, NULL);
        store_cmd(&c[n++], "LTRIM", kt, "0", tmax, NULL);
        store_cmd(&c[n++], "LPUSH", kth, w->thread_ref, NULL);
        store_cmd(&c[n++], "LTRIM", kth, "0", tmax, NULL);
    }
    st->i_exec = n;
    store_args(&c[n++], "EXEC");
    if (strcmp(w->status, "approved") != 0 && !s->pool->cluster) {
        /* pending queue or rejected folder (a cluster's global key lives
         * on another node: store_comment_write adds the site on its own) */
        store_cmd(&c[n++], "SADD", STORE_KEY_SITES, w->site, NULL);
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

static int comment_write_once(store *s, const store_write *w, char **existing,
                              size_t *existing_len) {
    *existing = NULL;
    char kc[STORE_KEY_MAX];
    if (store_key(kc, sizeof kc, w->site, STORE_K_COMMENT, w->id) < 0) return -1;
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
    if (store_route_site(s, w->site) < 0) return -1;
    s->moved = 0; /* from here on a MOVED means the MULTI did not run */
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
    if (rc == 1 && s->pool->cluster && strcmp(w->status, "approved") != 0) {
        /* the cross-site index, on its own slot's node */
        cmd a = {0};
        store_cmd(&a, "SADD", STORE_KEY_SITES, w->site, NULL);
        redisReply *r;
        if (store_run(s, &a, 1, &r) < 0)
            log_msg(LOG_WARN, "redis: site %s not added to the site index", w->site);
        else
            freeReplyObject(r);
    }
    return rc;
}

int store_comment_write(store *s, const store_write *w, char **existing,
                        size_t *existing_len) {
    /* a MOVED reply: nothing ran on the node that sent it, and the map
     * names the slot's new node (cluster pools only) */
    s->moved = 0;
    int rc = comment_write_once(s, w, existing, existing_len);
    if (rc < 0 && s->moved) rc = comment_write_once(s, w, existing, existing_len);
    return rc;
}

/* ====================================================== claim, record */

int store_claim_drop(store *s, const char *site, const char *id) {
    char k[STORE_KEY_MAX];
    if (store_key(k, sizeof k, site, STORE_K_CLAIM, id) < 0) return -1;
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
    if (store_key(k, sizeof k, site, STORE_K_COMMENT, id) < 0) return -1;
    return store_get_one(s, k, json, len);
}

/* ========================================================= queue depth */

long long store_queue_depth(store *s) {
    cmd c = {0};
    store_args(&c, "SMEMBERS");
    store_args(&c, STORE_KEY_SITES);
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
        store_key(keys[i], STORE_KEY_MAX, site, STORE_K_PENDING, NULL);
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
