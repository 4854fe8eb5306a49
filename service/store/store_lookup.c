/* store_lookup.c - a comment's look-up: everything the analysis of one
 * comment needs from Redis, in one round trip, sometimes two.
 *
 * Reads, for one comment: its stored record and claim (idempotency), the
 * article, the thread's references and length, the duplicate keys (exact
 * and MinHash bands), the flood counters, the site's webhook events, the
 * site's settings version (and the document when the caller's profile is
 * of another one), the document frequencies (through the pool's cache and
 * the df reads of store_article.c) and the learning counts
 * (store_learn.c). What the pool's cache (store_cache.c) holds under a
 * version -- the article JSON (artver), the webhook events (whver), the
 * learner totals (learnver), the df values (dfver) -- costs one key of the
 * MGET; the value itself is read only when its version changed, in the
 * second round trip, which also reads the author and MinHash of the near
 * candidates the band keys name (their texts' exact keys). The look-up
 * is split in halves (begin / append / read / more) so that the pipe
 * (store_pipe.c) can send many requests' look-ups together; the blocking
 * store_comment_lookup is the same halves on a pooled connection. Owns no
 * key (it reads the layout of store_keys.h) and never writes a record
 * (store_comment.c does); the only thing it takes is the id's claim.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_private.h"

/* ========================================================== dup values */

/* The binary MinHash at m (STORE_MINHASH_BYTES) into d. */
static void minhash_unpack(const unsigned char *m, store_dup *d) {
    for (int i = 0; i < STORE_MINHASH_N; i++)
        d->minhash[i] = (uint32_t)m[4 * i] << 24 | (uint32_t)m[4 * i + 1] << 16 |
                        (uint32_t)m[4 * i + 2] << 8 | m[4 * i + 3];
    d->has_minhash = 1;
}

/* An exact-key value "id\x1fauthor[\x1f<binary MinHash>]", or a band value
 * of the layout before band keys held only an id,
 * "id\x1fauthor\x1f<binary MinHash>" (exact = 0), into d (d->id NULL when
 * malformed; a band value without the MinHash is malformed). */
static void split_dup(const char *v, size_t len, store_dup *d, int exact) {
    const char *a = memchr(v, 0x1f, len);
    if (!a) return;
    size_t alen = len - (size_t)(a + 1 - v); /* author [+ \x1f + MinHash] */
    if (alen >= STORE_MINHASH_BYTES + 1 && a[alen - STORE_MINHASH_BYTES] == 0x1f) {
        minhash_unpack((const unsigned char *)v + len - STORE_MINHASH_BYTES, d);
        alen -= STORE_MINHASH_BYTES + 1;
    } else if (!exact) {
        return;
    }
    d->id = strndup(v, (size_t)(a - v));
    d->author_key = strndup(a + 1, alen);
    d->exact = exact;
}

/* A band value "id\x1f<16 hex of the exact hash>": 1 with the hex in hx
 * (NUL-terminated), 0 when v is of another form. */
static int band_exact_ref(const char *v, size_t len, char hx[17]) {
    const char *a = memchr(v, 0x1f, len);
    if (!a || a == v || len - (size_t)(a + 1 - v) != 16) return 0;
    for (int i = 0; i < 16; i++) {
        char ch = a[1 + i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return 0;
        hx[i] = ch;
    }
    hx[16] = 0;
    return 1;
}

/* d joins out's candidates unless one has its id (then d is freed; a
 * MinHash d has fills the other's gap). */
static void add_dup(store_lookup *out, store_dup *d) {
    for (size_t k = 0; k < out->ndups; k++) {
        if (strcmp(out->dups[k].id, d->id) != 0) continue;
        if (d->has_minhash && !out->dups[k].has_minhash) {
            memcpy(out->dups[k].minhash, d->minhash, sizeof d->minhash);
            out->dups[k].has_minhash = 1;
        }
        free(d->id);
        free(d->author_key);
        return;
    }
    if (out->ndups < sizeof out->dups / sizeof out->dups[0]) out->dups[out->ndups++] = *d;
    else {
        free(d->id);
        free(d->author_key);
    }
}

/* ============================================================ the look-up */

/* A comment's stems' document frequencies come from the pool's cache when
 * it holds them at the site's last-seen df version (store_cache.c); the
 * rest, and the current version, from Redis (store_article_df_*). */
typedef struct df_lookup {
    uint32_t *df;        /* nterms values (new; becomes out->df) */
    unsigned char *hit;  /* nterms: 1 = served from the cache */
    size_t nhit;
    uint64_t ver;        /* version the hits were read at (when nhit > 0) */
    char kdf[STORE_KEY_MAX], kver[STORE_KEY_MAX];
} df_lookup;

/* The state of one comment look-up between the commands appended and the
 * replies read (store_private.h). */
struct store_lookup_op {
    const store_lookup_req *q; /* borrowed */
    df_lookup dl;
    int tokens;        /* the learner's token counts are asked for */
    int n;             /* replies expected */
    int n_df, i_df;    /* the df commands: how many, first reply index */
    int base;          /* index of the first reply of c[] below */
    int n0, nl;        /* the learning commands: first reply, count */
    int i_claim, i_mget, i_thread, i_tlen, i_wh;
    int ng, j_existing, j_article, j_exact, j_band, j_nd, j_fa, j_fi, j_sv, j_dv, j_lv, j_wv, j_av;
    int dfok;          /* store_article_df_read on the first round trip */
    uint64_t dver;     /* the df version Redis reported */
    /* the second round trip (store_lookup_more_append): df read again,
     * token counts asked, and the number of commands of each */
    int m_refetch, m_more, m_df, m_nl;
    int m_settings;    /* the settings document is read (0 or 1 command) */
    /* versioned values the pool's cache holds (store_cache.c): the MGET
     * reads their versions, and a value is read only when its version
     * changed (or it is unknown: then in the first round trip) */
    int lknown, ltotals, lstale, m_tokens; /* learner totals */
    uint32_t lns, lnh;
    uint64_t lver, lv;                     /* cached at, read now */
    int wknown, wstale, m_wh;              /* webhook events */
    unsigned wev;
    uint64_t wver, wv;
    int aknown, astale, afile, m_art;      /* the article's JSON */
    uint64_t aver, av;
    char ka[STORE_KEY_MAX], kav[STORE_KEY_MAX]; /* article, its version */
    /* near candidates named by band keys: the exact keys (of other texts)
     * that hold their author and MinHash, read in the second round trip
     * (one MGET, m_near = 1) */
    int nnear, m_near;
    char knear[STORE_LSH_BANDS][STORE_KEY_MAX];
    uint64_t hnear[STORE_LSH_BANDS]; /* their exact hashes */
    char ksd[STORE_KEY_MAX], ksv[STORE_KEY_MAX]; /* settings, setver */
};

store_lookup_op *store_lookup_begin(store_pool *p, const store_lookup_req *q) {
    store_lookup_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->q = q;
    op->dfok = 1;
    if (store_key(op->ksd, sizeof op->ksd, q->site, STORE_K_SETTINGS, NULL) < 0 ||
        store_key(op->ksv, sizeof op->ksv, q->site, STORE_K_SETVER, NULL) < 0) {
        store_lookup_op_free(op);
        return NULL;
    }
    if (q->nterms) {
        op->dl.df = calloc(q->nterms, sizeof *op->dl.df);
        op->dl.hit = calloc(q->nterms, 1);
        if (!op->dl.df || !op->dl.hit) {
            store_lookup_op_free(op);
            return NULL;
        }
        store_key(op->dl.kdf, sizeof op->dl.kdf, q->site, STORE_K_DF, NULL);
        store_key(op->dl.kver, sizeof op->dl.kver, q->site, STORE_K_DFVER, NULL);
        op->dl.nhit = store_cache_df_get(p->cache, q->site, q->terms, q->nterms, op->dl.df,
                                         op->dl.hit, &op->dl.ver);
    }
    op->tokens = store_learn_lookup_tokens(p, q);
    op->lknown = q->nlearn &&
                 store_cache_learn_get(p->cache, q->site, &op->lns, &op->lnh, &op->lver);
    op->ltotals = q->nlearn && !op->lknown;
    op->wknown = store_cache_webhook_get(p->cache, q->site, &op->wev, &op->wver);
    op->aknown = store_cache_article_version(p->cache, q->site, q->article_id, &op->aver);
    if (store_key(op->ka, sizeof op->ka, q->site, STORE_K_ARTICLE, q->article_id) < 0 ||
        store_key(op->kav, sizeof op->kav, q->site, STORE_K_ARTICLE_VER, q->article_id) < 0) {
        store_lookup_op_free(op);
        return NULL;
    }
    return op;
}

/* A version counter's value (dfver, learnver, whver; absent = 0). */
static uint64_t version_of(const redisReply *r) {
    return r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
}

void store_lookup_op_free(store_lookup_op *op) {
    if (!op) return;
    free(op->dl.df);
    free(op->dl.hit);
    free(op);
}

int store_lookup_append(store *s, store_lookup_op *op) {
    const store_lookup_req *q = op->q;
    char kc[STORE_KEY_MAX], kcl[STORE_KEY_MAX], kt[STORE_KEY_MAX],
        kth[STORE_KEY_MAX], kx[STORE_KEY_MAX], kn[STORE_KEY_MAX], kfa[STORE_KEY_MAX],
        kfi[STORE_KEY_MAX], kwh[STORE_KEY_MAX], klv[STORE_KEY_MAX], kwv[STORE_KEY_MAX];
    char kb[STORE_LSH_BANDS][STORE_KEY_MAX];
    char hx[24], tn[24], px[24];
    store_key_hex16(hx, q->exact_hash);
    store_dec(tn, (long long)q->thread_n - 1);
    store_dec(px, STORE_CLAIM_MS);
    cmd c[5];
    for (int i = 0; i < 5; i++) c[i].argc = 0; /* argv[] is filled as argc grows */
    int n = 0;
    op->i_claim = op->j_existing = op->j_band = op->j_fi = op->j_fa = -1;
    op->j_dv = op->j_lv = op->i_wh = -1;
    op->ng = 0;
    if (q->comment_id) {
        if (store_key(kc, sizeof kc, q->site, STORE_K_COMMENT, q->comment_id) < 0 ||
            store_key(kcl, sizeof kcl, q->site, STORE_K_CLAIM, q->comment_id) < 0)
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
    /* the article's version, and its JSON only when the cache holds none */
    op->j_article = -1;
    if (!op->aknown) {
        store_args(&c[n], op->ka);
        op->j_article = op->ng++;
    }
    store_args(&c[n], op->kav);
    op->j_av = op->ng++;
    store_key(kx, sizeof kx, q->site, STORE_K_DUP_EXACT, hx);
    store_args(&c[n], kx);
    op->j_exact = op->ng++;
    store_key(kn, sizeof kn, q->site, STORE_K_NDOCS, NULL);
    store_args(&c[n], kn);
    op->j_nd = op->ng++;
    /* the settings version: the document itself only when the caller's
     * profile was built at another one (the second round trip) */
    store_args(&c[n], op->ksv);
    op->j_sv = op->ng++;
    if (q->author_key && *q->author_key) { /* "": unknown author */
        store_key(kfa, sizeof kfa, q->site, STORE_K_FLOOD_AUTHOR, q->author_key);
        store_args(&c[n], kfa);
        op->j_fa = op->ng++;
    }
    if (q->ip && *q->ip) {
        store_key(kfi, sizeof kfi, q->site, STORE_K_FLOOD_IP, q->ip);
        store_args(&c[n], kfi);
        op->j_fi = op->ng++;
    }
    /* the versions of what the pool's cache holds: df (when every stem is
     * a hit: else the df transaction reads it), the learner totals, the
     * webhook subscription */
    if (q->nterms && op->dl.nhit == q->nterms) {
        store_args(&c[n], op->dl.kver);
        op->j_dv = op->ng++;
    }
    if (q->nlearn) {
        store_key(klv, sizeof klv, q->site, STORE_K_LEARNVER, NULL);
        store_args(&c[n], klv);
        op->j_lv = op->ng++;
    }
    store_key(kwv, sizeof kwv, q->site, STORE_K_WHVER, NULL);
    store_args(&c[n], kwv);
    op->j_wv = op->ng++;
    if (q->has_minhash) {
        op->j_band = op->ng;
        for (int b = 0; b < STORE_LSH_BANDS; b++) {
            store_key_band(kb[b], sizeof kb[b], q->site, b, q->band[b]);
            store_args(&c[n], kb[b]);
            op->ng++;
        }
    }
    op->i_mget = n++;
    /* the thread by reference (its texts only when the caller's text
     * cache lacks one: store_thread_texts), and the length of the text list,
     * which a list written before references existed outgrows */
    store_key(kth, sizeof kth, q->site, STORE_K_THREAD_REFS, q->article_id);
    store_cmd(&c[n], "LRANGE", kth, "0", tn, NULL);
    op->i_thread = n++;
    store_key(kt, sizeof kt, q->site, STORE_K_THREAD, q->article_id);
    store_cmd(&c[n], "LLEN", kt, NULL);
    op->i_tlen = n++;
    /* which webhook events the site wants, so that a site without a
     * "verdict" webhook costs no extra round trip (store_webhook.c): read
     * here when the cache does not know them */
    if (!op->wknown) {
        store_key(kwh, sizeof kwh, q->site, STORE_K_WEBHOOK, NULL);
        store_cmd(&c[n], "HGET", kwh, "events", NULL);
        op->i_wh = n++;
    }
    /* the df look-up through the cache (above), then the commands above,
     * then the learning counts (store_learn.c): one round trip */
    op->n_df = 0;
    op->i_df = -1;
    if (q->nterms && op->j_dv < 0) {
        if ((op->n_df = store_article_df_append(s, op->dl.kdf, op->dl.kver, q->terms, q->nterms,
                                                op->dl.hit, op->dl.nhit)) < 0)
            return -1;
        op->i_df = 0;
    }
    if (store_append_cmds(s, c, n) < 0) return -1;
    op->base = op->n_df;
    op->n0 = op->base + n;
    if ((op->nl = store_learn_lookup_append(s, q, op->tokens, op->ltotals, 1)) < 0) return -1;
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
    store_learn_lookup_remember(p, q, out, op->lv);
    if (op->i_wh >= 0 || op->wstale)
        store_cache_webhook_put(p->cache, q->site, out->webhook_events, op->wv);
    if (op->afile)
        store_cache_article_put(p->cache, q->site, q->article_id, op->av, out->article,
                                out->article_len);
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
    redisReply *mg = rc[op->i_mget], *g[11 + STORE_LSH_BANDS]; /* every key of the MGET */
    if (mg->type != REDIS_REPLY_ARRAY || mg->elements != (size_t)op->ng ||
        op->ng > (int)(sizeof g / sizeof g[0])) {
        log_msg(LOG_WARN, "redis lookup error: unexpected MGET reply");
        return -1;
    }
    for (int j = 0; j < op->ng; j++) g[j] = mg->element[j];
    if (op->i_claim >= 0) out->claimed = rc[op->i_claim]->type == REDIS_REPLY_STATUS;
    if (op->j_existing >= 0) out->existing = store_take_str(g[op->j_existing], &out->existing_len);
    op->av = version_of(g[op->j_av]);
    if (op->j_article >= 0) {
        out->article = store_take_str(g[op->j_article], &out->article_len);
        op->afile = 1;
    } else if (op->av != op->aver || store_cache_article_get(s->pool->cache, q->site, q->article_id,
                                                             op->av, &out->article,
                                                             &out->article_len) != 1) {
        op->astale = 1; /* changed (or dropped from the cache meanwhile) */
    }
    store_take_list(rc[op->i_thread], &out->thread_refs, &out->nrefs);
    redisReply *tl = rc[op->i_tlen];
    out->thread_len = tl->type == REDIS_REPLY_INTEGER && tl->integer > 0 ? (size_t)tl->integer : 0;
    if (out->thread_len > q->thread_n) out->thread_len = q->thread_n;
    redisReply *x = g[op->j_exact];
    if (x->type == REDIS_REPLY_STRING) {
        out->held |= STORE_HELD_EXACT;
        split_dup(x->str, x->len, &out->dups[out->ndups], 1);
        if (out->dups[out->ndups].id) {
            /* a later near copy of this text names its poster */
            store_cache_sig_put(s->pool->cache, q->site, q->exact_hash, &out->dups[out->ndups]);
            out->ndups++;
        }
    }
    if (op->j_band >= 0) {
        char own[17], bx[17];
        store_key_hex16(own, q->exact_hash);
        op->nnear = 0;
        for (int j = op->j_band; j < op->j_band + STORE_LSH_BANDS; j++) {
            redisReply *e = g[j];
            if (e->type != REDIS_REPLY_STRING) continue;
            out->held |= STORE_HELD_BAND(j - op->j_band);
            if (band_exact_ref(e->str, e->len, bx)) {
                /* the candidate's signature is in its text's exact key: this
                 * text's was read above; another's comes from the pool's
                 * cache, or the second round trip */
                if (strcmp(bx, own) == 0) continue;
                uint64_t h = strtoull(bx, NULL, 16);
                char id[MODEL_MAX_ID + 1];
                size_t il = (size_t)((const char *)memchr(e->str, 0x1f, e->len) - e->str);
                store_dup d;
                if (il <= MODEL_MAX_ID) {
                    memcpy(id, e->str, il);
                    id[il] = 0;
                    if (store_cache_sig_get(s->pool->cache, q->site, h, id, &d)) {
                        add_dup(out, &d);
                        continue;
                    }
                }
                char k[STORE_KEY_MAX];
                if (store_key(k, sizeof k, q->site, STORE_K_DUP_EXACT, bx) < 0) continue;
                int seen = 0;
                for (int i = 0; i < op->nnear; i++) seen |= strcmp(op->knear[i], k) == 0;
                if (!seen) {
                    memcpy(op->knear[op->nnear], k, strlen(k) + 1);
                    op->hnear[op->nnear++] = h;
                }
                continue;
            }
            store_dup d = {0};
            split_dup(e->str, e->len, &d, 0); /* a band value of the older layout */
            if (d.id) add_dup(out, &d);
        }
    }
    if (g[op->j_nd]->type == REDIS_REPLY_STRING) {
        long v = strtol(g[op->j_nd]->str, NULL, 10);
        out->ndocs = v > 0 ? (uint32_t)v : 0;
    }
    unsigned fa = op->j_fa >= 0 && g[op->j_fa]->type == REDIS_REPLY_STRING
                      ? (unsigned)strtoul(g[op->j_fa]->str, NULL, 10) : 0;
    op->wv = version_of(g[op->j_wv]);
    if (op->i_wh >= 0)
        out->webhook_events = rc[op->i_wh]->type == REDIS_REPLY_STRING
                                  ? (unsigned)strtoul(rc[op->i_wh]->str, NULL, 10) : 0;
    else if (op->wv == op->wver)
        out->webhook_events = op->wev;
    else
        op->wstale = 1;
    if (op->j_lv >= 0) {
        op->lv = version_of(g[op->j_lv]);
        if (op->lknown && op->lv == op->lver) {
            out->learn_nspam = op->lns;
            out->learn_nham = op->lnh;
        } else if (!op->ltotals) {
            op->lstale = 1;
        }
    }
    unsigned fi = (op->j_fi >= 0 && g[op->j_fi]->type == REDIS_REPLY_STRING)
                      ? (unsigned)strtoul(g[op->j_fi]->str, NULL, 10) : 0;
    out->flood_count = fa > fi ? fa : fi;
    out->settings_ver = g[op->j_sv]->type == REDIS_REPLY_STRING
                            ? strtoull(g[op->j_sv]->str, NULL, 10) : 0;
    if (op->i_df >= 0 && (op->dfok = store_article_df_read(s, rep + op->i_df, op->n_df, q->nterms,
                                                           op->dl.hit, op->dl.df, &op->dver)) < 0) {
        store_lookup_free(out);
        return -1;
    }
    if (op->j_dv >= 0) /* every stem a hit: the version alone, in the MGET */
        op->dfok = store_article_df_read(s, &g[op->j_dv], 1, q->nterms, op->dl.hit, op->dl.df,
                                         &op->dver);
    store_learn_lookup_read(q, op->tokens, op->ltotals, 1, rep + op->n0, op->nl, out);
    /* A second round trip, rarely (store_lookup_more_append): the hits were read
     * at another df version than Redis' current one, or the classifier has
     * just become able to vote although its token counts were not asked. */
    if ((op->dl.nhit && (op->dfok == 0 || op->dver != op->dl.ver)) ||
        (!op->lstale && store_learn_lookup_more(q, op->tokens, out)) ||
        out->settings_ver != q->settings_ver || op->nnear || op->lstale || op->wstale ||
        op->astale)
        return 1;
    lookup_file(s->pool, op, 0, out);
    return 0;
}

int store_lookup_more_append(store *s, store_lookup_op *op, const store_lookup *out) {
    const store_lookup_req *q = op->q;
    op->m_refetch = op->dl.nhit && (op->dfok == 0 || op->dver != op->dl.ver);
    /* stale totals: asked again with the token counts (the new totals may
     * let the classifier vote) */
    op->m_more = op->lstale || store_learn_lookup_more(q, op->tokens, out);
    op->m_tokens = op->lstale ? q->nlearn > 0 : 1;
    op->m_df = op->m_refetch ? store_article_df_append(s, op->dl.kdf, op->dl.kver, q->terms,
                                                       q->nterms, NULL, 0)
                             : 0;
    if (op->m_df < 0) return -1;
    op->m_nl = op->m_more ? store_learn_lookup_append(s, q, op->m_tokens, op->lstale, 0) : 0;
    if (op->m_nl < 0) return -1;
    op->m_settings = out->settings_ver != q->settings_ver;
    if (op->m_settings) { /* the document and its version, read together */
        cmd c = {0};
        store_cmd(&c, "MGET", op->ksd, op->ksv, NULL);
        if (store_append_cmds(s, &c, 1) < 0) return -1;
    }
    op->m_wh = op->wstale;
    if (op->m_wh) { /* the subscription changed */
        char kwh[STORE_KEY_MAX];
        cmd c = {0};
        store_key(kwh, sizeof kwh, q->site, STORE_K_WEBHOOK, NULL);
        store_cmd(&c, "HGET", kwh, "events", NULL);
        if (store_append_cmds(s, &c, 1) < 0) return -1;
    }
    op->m_art = op->astale;
    if (op->m_art) { /* the article changed: its JSON and version, together */
        cmd c = {0};
        store_cmd(&c, "MGET", op->ka, op->kav, NULL);
        if (store_append_cmds(s, &c, 1) < 0) return -1;
    }
    op->m_near = op->nnear > 0;
    if (op->m_near) { /* the near candidates' exact keys */
        cmd c = {0};
        store_args(&c, "MGET");
        for (int i = 0; i < op->nnear; i++) store_args(&c, op->knear[i]);
        if (store_append_cmds(s, &c, 1) < 0) return -1;
    }
    return op->m_df + op->m_nl + op->m_settings + op->m_wh + op->m_art + op->m_near;
}

int store_lookup_more_read(store *s, store_lookup_op *op, redisReply **rep, store_lookup *out) {
    const store_lookup_req *q = op->q;
    int n = op->m_df + op->m_nl + op->m_settings + op->m_wh + op->m_art + op->m_near;
    for (int i = 0; i < n; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) goto fail; /* logged as it came */
    if (op->m_refetch && (op->dfok = store_article_df_read(s, rep, op->m_df, q->nterms, NULL,
                                                           op->dl.df, &op->dver)) < 0)
        goto fail;
    if (op->m_more)
        store_learn_lookup_read(q, op->m_tokens, op->lstale, 0, rep + op->m_df, op->m_nl, out);
    if (op->m_settings) {
        redisReply *sr = rep[op->m_df + op->m_nl];
        if (sr->type != REDIS_REPLY_ARRAY || sr->elements != 2) goto fail;
        out->settings_ver = sr->element[1]->type == REDIS_REPLY_STRING
                                ? strtoull(sr->element[1]->str, NULL, 10) : 0;
        out->settings = store_take_str(sr->element[0], &out->settings_len);
        out->settings_read = 1;
    }
    if (op->m_wh) {
        redisReply *w = rep[op->m_df + op->m_nl + op->m_settings];
        out->webhook_events = w->type == REDIS_REPLY_STRING ? (unsigned)strtoul(w->str, NULL, 10)
                                                             : 0;
    }
    if (op->m_art) {
        redisReply *ar = rep[op->m_df + op->m_nl + op->m_settings + op->m_wh];
        if (ar->type != REDIS_REPLY_ARRAY || ar->elements != 2) goto fail;
        free(out->article);
        out->article = store_take_str(ar->element[0], &out->article_len);
        op->av = version_of(ar->element[1]);
        op->afile = 1;
    }
    if (op->m_near) {
        redisReply *nr = rep[op->m_df + op->m_nl + op->m_settings + op->m_wh + op->m_art];
        if (nr->type != REDIS_REPLY_ARRAY || nr->elements != (size_t)op->nnear) goto fail;
        for (size_t i = 0; i < nr->elements; i++) {
            redisReply *e = nr->element[i];
            if (e->type != REDIS_REPLY_STRING) continue; /* expired or erased */
            store_dup d = {0};
            split_dup(e->str, e->len, &d, 1);
            if (!d.id) continue;
            d.exact = 0; /* another text: a near candidate */
            if (d.has_minhash) store_cache_sig_put(s->pool->cache, q->site, op->hnear[i], &d);
            if (d.has_minhash) add_dup(out, &d);
            else {
                free(d.id);
                free(d.author_key);
            }
        }
    }
    lookup_file(s->pool, op, op->m_refetch, out);
    return 0;
fail:
    store_lookup_free(out);
    return -1;
}

/* The second round trip on s, waiting for it: the halves above. 0, or -1
 * on Redis trouble (out freed). */
static int lookup_more(store *s, store_lookup_op *op, store_lookup *out) {
    redisReply *rep[8 + STORE_LEARN_LOOKUP_CMDS];
    int n;
    if (store_ready_(s) < 0) goto fail;
    if ((n = store_lookup_more_append(s, op, out)) < 0) {
        store_drop(s);
        goto fail;
    }
    if (store_collect(s, rep, n) < 0) goto fail;
    int rc = store_lookup_more_read(s, op, rep, out);
    store_free_replies(rep, n);
    return rc;
fail:
    store_lookup_free(out);
    return -1;
}

static int lookup_once(store *s, const store_lookup_req *q, store_lookup *out) {
    memset(out, 0, sizeof *out);
    store_lookup_op *op = store_lookup_begin(s->pool, q);
    if (!op) return -1;
    redisReply **rep = NULL;
    int rc = -1;
    if (store_route_site(s, q->site) < 0) goto done;
    int n = store_lookup_append(s, op);
    if (n < 0 || !(rep = calloc((size_t)n, sizeof *rep))) {
        store_drop(s);
        goto done;
    }
    if (store_collect(s, rep, n) < 0) goto done;
    rc = store_lookup_read(s, op, rep, out);
    store_free_replies(rep, n);
    if (rc == 1) rc = lookup_more(s, op, out);
done:
    free(rep);
    store_lookup_op_free(op);
    return rc;
}

int store_comment_lookup(store *s, const store_lookup_req *q, store_lookup *out) {
    /* a MOVED reply: nothing ran on the node that sent it, and the map
     * names the slot's new node (cluster pools only) */
    s->moved = 0;
    int rc = lookup_once(s, q, out);
    if (rc < 0 && s->moved) rc = lookup_once(s, q, out);
    return rc;
}

/* ======================================================== thread texts */

int store_thread_texts_append(store *s, const store_lookup_req *q) {
    char kt[STORE_KEY_MAX], tn[24];
    if (store_key(kt, sizeof kt, q->site, STORE_K_THREAD, q->article_id) < 0) return -1;
    store_dec(tn, (long long)q->thread_n - 1);
    cmd c = {0};
    store_cmd(&c, "LRANGE", kt, "0", tn, NULL);
    return store_append_cmds(s, &c, 1) < 0 ? -1 : 1;
}

int store_thread_texts_read(redisReply *r, store_lookup *out) {
    if (r->type == REDIS_REPLY_ERROR) return -1;
    for (size_t i = 0; i < out->nthread; i++) free(out->thread[i]);
    free(out->thread);
    store_take_list(r, &out->thread, &out->nthread);
    return 0;
}

int store_thread_texts(store *s, const store_lookup_req *q, store_lookup *out) {
    redisReply *r;
    if (store_route_site(s, q->site) < 0) return -1;
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
    free(l->settings);
    for (size_t i = 0; i < l->ndups; i++) {
        free(l->dups[i].id);
        free(l->dups[i].author_key);
    }
    memset(l, 0, sizeof *l);
}
