/* relevance.c - is a comment about its article or its thread?
 *
 * Owns the stem vectors and the relevance measure:
 *
 *   idf(t)     = (1-a) * bgidf(t) + a * site(t),  a = min(0.7, ndocs/100),
 *                site(t) = log((N+1)/(df+1)) / log(N+1), floored at 0.02;
 *                stems absent from the comment (their site df is unknown)
 *                use bgidf alone.
 *   cos        = TF-IDF cosine (article title x3, tags x2, body x1)
 *   coverage   = sum idf of comment stems found in the target
 *                / sum idf of all comment stems
 *   similarity = 0.6 * coverage + 0.4 * min(1, 3 * cos)
 *                -> off_topic, on the article; half a reply's best
 *                thread match may stand in for it
 *   fresh      = best coverage of the comment by stems shared with one
 *                thread comment and absent from the article (at least
 *                two): a conversation among readers -> off_topic
 *   evidence   = sum over shared stems t of idf(t) * tf(t)*(k1+1)/(tf(t)+k1)
 *                (BM25 saturation, k1 = 1.2, tf in the target)
 *   E          = evidence(article) + min(0.2, 0.2 * evidence(best thread
 *                comment)) + 0.1 * min(3, numbers) - 0.3 * min(2, chat
 *                markers) - 0.2 * min(2, question marks)
 *   relevance  = 1 / (1 + exp(-(E - 1.2) / 0.5))
 *
 * Coverage matters for off_topic because a short comment against a long
 * article has a small cosine even when every word is on topic. Relevance
 * is an amount of evidence rather than a proportion: one shared word in a
 * two-word reply ("visas...") no longer counts as full relevance, a reply
 * that only echoes another comment gains at most 0.2, and a short answer
 * sharing nothing sits near the floor (0.08) instead of exactly 0 with
 * ties. The cues read the shape of an answer: figures (prices, times,
 * counts) go with answers; laughter, emoticons and questions asked back go
 * with banter. The article vector's norm
 * is computed once with background IDF and corrected only for the shared
 * stems, so scoring is linear in the comment. No I/O, no state.
 */
#include "relevance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgidf.h"

/* Rehashes v into cap slots (a power of two above 2 * v->n). */
static int grow_slots_to(relevance_vec *v, size_t cap) {
    uint64_t *key = calloc(cap, sizeof *key);
    uint32_t *so = calloc(cap, sizeof *so);
    if (!key || !so) {
        free(key);
        free(so);
        return -1;
    }
    for (size_t e = 0; e < v->n; e++) {
        size_t i = (size_t)v->hash[e] & (cap - 1);
        while (so[i])
            i = (i + 1) & (cap - 1);
        so[i] = (uint32_t)e + 1;
        key[i] = v->hash[e];
    }
    free(v->key);
    free(v->slot_of);
    v->key = key;
    v->slot_of = so;
    v->cap = cap;
    return 0;
}

static int grow_slots(relevance_vec *v) {
    return grow_slots_to(v, v->cap ? v->cap * 2 : 64);
}

/* Entry arrays for at least nc entries. */
static int grow_entries(relevance_vec *v, size_t nc) {
    double *tf = realloc(v->tf, nc * sizeof *tf);
    if (!tf)
        return -1;
    v->tf = tf;
    const char **st = realloc(v->stem, nc * sizeof *st);
    if (!st)
        return -1;
    v->stem = st;
    uint64_t *hs = realloc(v->hash, nc * sizeof *hs);
    if (!hs)
        return -1;
    v->hash = hs;
    v->ncap = nc;
    return 0;
}

long relevance_vec_find(const relevance_vec *v, uint64_t h) {
    if (!v->cap)
        return -1;
    size_t i = (size_t)h & (v->cap - 1);
    while (v->slot_of[i]) {
        if (v->key[i] == h)
            return (long)v->slot_of[i] - 1;
        i = (i + 1) & (v->cap - 1);
    }
    return -1;
}

static int add_one(relevance_vec *v, uint64_t h, const char *stem, double w) {
    long e = relevance_vec_find(v, h);
    if (e >= 0) {
        v->tf[e] += w;
        return 0;
    }
    if ((v->n + 1) * 2 > v->cap && grow_slots(v) < 0)
        return -1;
    if (v->n == v->ncap && grow_entries(v, v->ncap ? v->ncap * 2 : 32) < 0)
        return -1;
    size_t i = (size_t)h & (v->cap - 1);
    while (v->slot_of[i])
        i = (i + 1) & (v->cap - 1);
    v->slot_of[i] = (uint32_t)v->n + 1;
    v->key[i] = h;
    v->tf[v->n] = w;
    v->stem[v->n] = stem;
    v->hash[v->n] = h;
    v->n++;
    return 0;
}

/* Distinct stems room is made for up front, at most: a long text repeats
 * its vocabulary, and the tables still grow past it when needed. */
#define RELEVANCE_RESERVE_MAX 512

int relevance_vec_add(relevance_vec *v, const tokenize_list *l, double w) {
    /* room for as many new stems as content words (capped): one
     * allocation per table instead of a doubling series; the entries and
     * their order do not depend on the table's size */
    size_t want = v->n + (l->ncontent < RELEVANCE_RESERVE_MAX ? l->ncontent
                                                              : RELEVANCE_RESERVE_MAX);
    size_t cap = v->cap ? v->cap : 64;
    while (want * 2 > cap)
        cap *= 2;
    if (l->ncontent && ((cap > v->cap && grow_slots_to(v, cap) < 0) ||
                        (want > v->ncap && grow_entries(v, want > 32 ? want : 32) < 0)))
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].content &&
            add_one(v, l->v[i].stem_hash, tokenize_stem(l, &l->v[i]), w) < 0)
            return -1;
    return 0;
}

int relevance_vec_finish(relevance_vec *v) {
    return relevance_vec_finish_cached(v, NULL);
}

int relevance_vec_finish_cached(relevance_vec *v, relevance_idf_cache *cache) {
    double s = 0;
    free(v->bg);
    v->bg = malloc((v->n + 1) * sizeof *v->bg);
    if (!v->bg) {
        v->n = 0;
        v->cap = 0; /* find() sees an empty vector; buffers freed later */
        v->norm_bg = 0;
        return -1;
    }
    for (size_t e = 0; e < v->n; e++) {
        uint64_t h = v->hash[e] ? v->hash[e] : 1;
        size_t k = (size_t)h & (RELEVANCE_IDF_CACHE - 1);
        if (cache && cache->key[k] == h) {
            v->bg[e] = cache->idf[k];
        } else {
            v->bg[e] = bgidf_idf(v->stem[e]);
            if (cache) {
                cache->key[k] = h;
                cache->idf[k] = v->bg[e];
            }
        }
        double x = v->tf[e] * v->bg[e];
        s += x * x;
    }
    v->norm_bg = sqrt(s);
    return 0;
}

void relevance_vec_free(relevance_vec *v) {
    free(v->key);
    free(v->slot_of);
    free(v->tf);
    free(v->stem);
    free(v->hash);
    free(v->bg);
    memset(v, 0, sizeof *v);
}

/* Bytes of a packed vector of n entries before its tail: a multiple of 8,
 * so the tail is aligned for 8-byte values. */
static size_t packed_size(size_t n) {
    return sizeof(relevance_vec) + n * (sizeof(double) * 2 + sizeof(uint64_t));
}

relevance_vec *relevance_vec_pack_tail_new(const relevance_vec *v, size_t tail,
                                           size_t *bytes) {
    /* layout: header | tf[n] | hash[n] | bg[n] | tail: no hash table,
     * a packed vector is only ever compared against (see the header) */
    size_t n = v->n;
    size_t size = packed_size(n) + tail;
    relevance_vec *p = malloc(size);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    char *at = (char *)(p + 1);
    p->tf = (double *)(void *)at;
    at += n * sizeof(double);
    p->hash = (uint64_t *)(void *)at;
    at += n * sizeof(uint64_t);
    p->bg = (double *)(void *)at;
    if (n) {
        memcpy(p->tf, v->tf, n * sizeof(double));
        memcpy(p->hash, v->hash, n * sizeof(uint64_t));
        memcpy(p->bg, v->bg, n * sizeof(double));
    }
    p->n = p->ncap = n;
    p->norm_bg = v->norm_bg;
    if (bytes)
        *bytes = size;
    return p;
}

relevance_vec *relevance_vec_pack_new(const relevance_vec *v, size_t *bytes) {
    return relevance_vec_pack_tail_new(v, 0, bytes);
}

void *relevance_vec_packed_tail(const relevance_vec *p) {
    return (char *)p + packed_size(p->n);
}

void relevance_vec_packed_free(relevance_vec *p) { free(p); }

/* ------------------------------------------------------------------------ */
/* Similarity                                                                */
/* ------------------------------------------------------------------------ */

typedef struct shared {
    size_t entry;
    double contrib;
} shared;

/* BM25 term saturation: the third mention of a word in the target adds
 * little over the first. */
#define RELEVANCE_BM25_K1 1.2
/* Thread matches are weaker evidence: replying to a reply is not the same
 * as addressing the article. Weight and cap of the best thread evidence. */
#define RELEVANCE_THREAD_WEIGHT 0.2
#define RELEVANCE_THREAD_CAP 0.2
/* Evidence at which relevance is 0.5, and the logistic scale. */
#define RELEVANCE_MID 1.2
#define RELEVANCE_SCALE 0.5
/* Stems a thread comment must share with the comment, beyond the
 * article's vocabulary, for the two to be talking about one thing: a
 * single common word ("anyone", "week") is chance. */
#define RELEVANCE_FRESH_MIN 1
/* Shared stems named in relevance_result.matched. */
#define RELEVANCE_TOP 5

/* Comparison of a comment with one target, in one pass over the comment's
 * stems (one hash look-up per stem). */
typedef struct comparison {
    double similarity;          /* see the file comment */
    double evidence;            /* weighted shared vocabulary (BM25) */
    double fresh;               /* coverage by shared stems the article
                                   lacks (comment_side.in_article) */
    size_t nfresh;              /* how many such stems */
    shared top[RELEVANCE_TOP];  /* strongest shared stems, descending */
    size_t ntop;
} comparison;

/* Compares comment c (with idf[] per entry) with target t. */
/* The comment's side of every comparison, computed once per measure. */
typedef struct comment_side {
    const double *idf;
    double *wc;   /* per entry: tf * idf */
    double cn;    /* sum of wc^2 */
    double tot;   /* sum of idf */
    long *k_of;   /* per entry: its index in the vector compared, or -1 */
    unsigned char *in_article; /* per entry: 1 when the article has it, or
                                  NULL before the article is compared */
    uint64_t seen[8]; /* 512-bit filter of the comment's stem hashes (their
                         top bits): most of a target's stems are not the
                         comment's, and one bit tells so without a probe */
} comment_side;

/* The filter bit of stem hash h: word, bit. */
#define SEEN_WORD(h) ((h) >> 61)
#define SEEN_BIT(h) (((h) >> 55) & 63)

static void compare(const relevance_vec *c, const comment_side *cs,
                    const relevance_vec *t, comparison *out) {
    const double *idf = cs->idf;
    double dot = 0, cov = 0, ev = 0, cn = cs->cn, tot = cs->tot, fresh = 0;
    size_t nfresh = 0;
    double tn2 = t->norm_bg * t->norm_bg;
    shared *top = out->top;
    size_t ntop = 0;
    /* the shared stems, found from t's side in c's table: it stays in the
     * cache over the article and every thread text, where probing each of
     * theirs missed it; the sums below still run in c's order, so the
     * figures are the same to the last bit */
    long *k_of = cs->k_of;
    for (size_t e = 0; e < c->n; e++) k_of[e] = -1;
    for (size_t k = 0; k < t->n; k++) {
        uint64_t h = t->hash[k];
        if (!(cs->seen[SEEN_WORD(h)] >> SEEN_BIT(h) & 1))
            continue;
        long e = relevance_vec_find(c, h);
        if (e >= 0) k_of[e] = (long)k;
    }
    for (size_t e = 0; e < c->n; e++) {
        long k = k_of[e];
        if (k < 0)
            continue;
        double wc = cs->wc[e];
        double tf = t->tf[k];
        if (cs->in_article && !cs->in_article[e]) {
            fresh += idf[e];
            nfresh++;
        }
        ev += idf[e] * tf * (RELEVANCE_BM25_K1 + 1) / (tf + RELEVANCE_BM25_K1);
        double bg = tf * t->bg[k];
        double wt = tf * idf[e];
        tn2 += wt * wt - bg * bg;
        dot += wc * wt;
        cov += idf[e];
        /* keep the strongest shared stems (insertion into a tiny array) */
        double contrib = wc * wt;
        size_t pos = ntop < RELEVANCE_TOP ? ntop++ : RELEVANCE_TOP;
        while (pos > 0 && top[pos - 1].contrib < contrib) {
            if (pos < RELEVANCE_TOP)
                top[pos] = top[pos - 1];
            pos--;
        }
        if (pos < RELEVANCE_TOP)
            top[pos] = (shared){e, contrib};
    }
    out->ntop = ntop;
    out->evidence = ev;
    out->nfresh = nfresh;
    out->fresh = tot > 0 ? fresh / tot : 0;
    out->similarity = 0;
    if (tot <= 0 || cn <= 0 || tn2 <= 0)
        return;
    double cosv = dot / (sqrt(cn) * sqrt(tn2));
    double coverage = cov / tot;
    double s = 0.6 * coverage + 0.4 * fmin(1.0, 3.0 * cosv);
    out->similarity = s < 0 ? 0 : s > 1 ? 1 : s;
}

/* Writes the shared stems of cmp (", "-separated) into matched[mn]. */
static void format_matched(const relevance_vec *c, const comparison *cmp,
                           char *matched, size_t mn) {
    size_t off = 0;
    matched[0] = '\0';
    /* as snprintf(matched + off, mn - off, "%s%s", sep, stem) would: what
     * fits, a NUL, and off on by the whole length */
    for (size_t i = 0; i < cmp->ntop && off < mn; i++) {
        const char *part[2] = {i ? ", " : "", c->stem[cmp->top[i].entry]};
        size_t o = off;
        for (int k = 0; k < 2; k++)
            for (const char *p = part[k]; *p; p++, off++)
                if (off + 1 < mn)
                    matched[o++] = *p;
        matched[o] = '\0';
    }
}

double relevance_cue_score(const relevance_cues *q) {
    if (!q)
        return 0;
    size_t num = q->numbers < 3 ? q->numbers : 3;
    size_t chat = q->chat < 2 ? q->chat : 2;
    size_t ask = q->questions < 2 ? q->questions : 2;
    return 0.1 * (double)num - 0.3 * (double)chat - 0.2 * (double)ask;
}

void relevance_measure(const relevance_input *in, relevance_result *out) {
    const relevance_vec *c = in->comment;
    memset(out, 0, sizeof *out);
    out->relevance = -1;
    out->content = c->n;
    /* idf, wc, k_of and in_article in one block */
    double *idf = malloc((c->n + 1) * (2 * sizeof *idf + sizeof(long) + 1));
    if (!idf)
        return; /* treated as "unknown relevance": no off_topic flag */
    long *k_of = (long *)(idf + 2 * (c->n + 1));
    unsigned char *in_art = (unsigned char *)(k_of + c->n + 1);
    comment_side cs = {idf, idf + c->n + 1, 0, 0, k_of, NULL, {0}};
    for (size_t e = 0; e < c->n; e++)
        cs.seen[SEEN_WORD(c->hash[e])] |= 1ull << SEEN_BIT(c->hash[e]);
    double a = in->site_ndocs / 100.0;
    if (a > 0.7)
        a = 0.7;
    size_t known = 0;
    for (size_t e = 0; e < c->n; e++) {
        double bg = c->bg[e];
        known += bg < 1.0; /* idf 1 <=> not in the background table */
        double v = bg;
        if (in->site_df && e < in->nsite_df && in->site_ndocs > 0) {
            double nd = in->site_ndocs + 1.0;
            double site = log(nd / (in->site_df[e] + 1.0)) / log(nd);
            v = (1 - a) * bg + a * (site < 0 ? 0 : site);
        }
        idf[e] = v < 0.02 ? 0.02 : v;
    }
    out->known = c->n ? (double)known / (double)c->n : 1.0;
    for (size_t e = 0; e < c->n; e++) {
        cs.wc[e] = c->tf[e] * idf[e];
        cs.cn += cs.wc[e] * cs.wc[e];
        cs.tot += idf[e];
    }
    if (in->article) {
        comparison cmp;
        compare(c, &cs, in->article, &cmp);
        for (size_t e = 0; e < c->n; e++)
            in_art[e] = cs.k_of[e] >= 0;
        cs.in_article = in_art;
        out->article = cmp.similarity;
        out->evidence = cmp.evidence;
        format_matched(c, &cmp, out->matched, sizeof out->matched);
        size_t nt = in->nthread < RELEVANCE_MAX_THREAD ? in->nthread
                                                       : RELEVANCE_MAX_THREAD;
        double et = 0;
        comparison best; /* the thread text that beats the article, if any */
        int beaten = 0;
        for (size_t i = 0; i < nt; i++) {
            compare(c, &cs, &in->thread[i], &cmp);
            double s = cmp.similarity;
            if (s > out->thread) {
                out->thread = s;
                if (s > out->article) {
                    best = cmp;
                    beaten = 1;
                }
            }
            if (cmp.evidence > et)
                et = cmp.evidence;
            if (cmp.nfresh >= RELEVANCE_FRESH_MIN && cmp.fresh > out->fresh)
                out->fresh = cmp.fresh;
        }
        if (beaten) /* names only the winner's stems */
            format_matched(c, &best, out->matched, sizeof out->matched);
        out->similarity = out->article > out->thread ? out->article
                                                     : out->thread;
        double th = RELEVANCE_THREAD_WEIGHT * et;
        double x = out->evidence + (th < RELEVANCE_THREAD_CAP
                                        ? th : RELEVANCE_THREAD_CAP) +
                   relevance_cue_score(in->cues);
        out->relevance = 1.0 / (1.0 + exp(-(x - RELEVANCE_MID) /
                                          RELEVANCE_SCALE));
    }
    free(idf);
}

/* ------------------------------------------------------------------------ */
/* Signals                                                                   */
/* ------------------------------------------------------------------------ */

/* Below this similarity a comment shares (almost) no weighted words with
 * its target: under an eighth of its weighted vocabulary, no closeness of
 * the word profiles to speak of. */
#define RELEVANCE_OFF_TOPIC_BELOW 0.12
/* Under half the stems known to an English table: likely another language,
 * where stem overlap says nothing about topic. */
#define RELEVANCE_MIN_KNOWN 0.5
/* Content stems of a comment from which a topic miss is clear: a comment
 * this long about the article's subject cannot avoid its words. */
#define RELEVANCE_OFF_TOPIC_CLEAR_CONTENT 8
/* Distinct stems of an article from which it is an article: a body of a
 * few hundred words of prose, whose vocabulary a comment on its subject
 * cannot miss. A title, a one-line question or a video blurb is smaller:
 * a miss is then a hint (below pending), shrinking in proportion. */
#define RELEVANCE_OFF_TOPIC_FULL_ARTICLE 100
/* What a reply's best thread match counts for against the article: the
 * engine does not know which thread text is the parent, and the best of
 * up to RELEVANCE_MAX_THREAD comments is high by selection alone; a reply
 * that takes one word from its parent and changes the subject ("talking
 * of trains, ...") matches it that way. A reply that answers its parent
 * shares most of its words with it and keeps its credit. */
#define RELEVANCE_REPLY_THREAD_WEIGHT 0.5
/* Distinct stems of an article from which a hint has its full size. */
#define RELEVANCE_OFF_TOPIC_HINT_ARTICLE 20
/* Signal of a clear miss (enough content on both sides) at the threshold
 * and at similarity 0: from pending up. A review signal: never rejected
 * alone (score.c). */
#define RELEVANCE_OFF_TOPIC_CLEAR_LOW 0.55
#define RELEVANCE_OFF_TOPIC_CLEAR_HIGH 0.70
/* Signal of a miss by a shorter comment: a hint, below pending alone. */
#define RELEVANCE_OFF_TOPIC_SHORT 0.30

void relevance_off_topic(const relevance_result *r, size_t article_terms,
                         int reply, score_signal *out) {
    score_signal_clear(out);
    /* Measured against the article. The thread vouches for a real reply
     * (parent, mention, quote), and for a comment that picks up what
     * another commenter said: words of that comment the article does not
     * have (r->fresh, two stems or more). An earlier comment sharing a
     * word or two of everyday vocabulary with a stranger's post is no
     * reason to call that post on topic. All three are proportions of the
     * comment's own weighted vocabulary, so a long comment sharing one
     * ordinary word with the article still counts as a miss. */
    double sim = r->article;
    if (reply && RELEVANCE_REPLY_THREAD_WEIGHT * r->thread > sim)
        sim = RELEVANCE_REPLY_THREAD_WEIGHT * r->thread;
    if (r->fresh > sim)
        sim = r->fresh;
    if (r->relevance < 0 || r->content < RELEVANCE_MIN_CONTENT ||
        r->known < RELEVANCE_MIN_KNOWN || sim >= RELEVANCE_OFF_TOPIC_BELOW)
        return;
    double gap = (RELEVANCE_OFF_TOPIC_BELOW - sim) / RELEVANCE_OFF_TOPIC_BELOW;
    double art = article_terms >= RELEVANCE_OFF_TOPIC_HINT_ARTICLE
                     ? 1.0
                     : (double)article_terms / RELEVANCE_OFF_TOPIC_HINT_ARTICLE;
    if (r->content >= RELEVANCE_OFF_TOPIC_CLEAR_CONTENT &&
        article_terms >= RELEVANCE_OFF_TOPIC_FULL_ARTICLE)
        out->signal = RELEVANCE_OFF_TOPIC_CLEAR_LOW +
                      (RELEVANCE_OFF_TOPIC_CLEAR_HIGH -
                       RELEVANCE_OFF_TOPIC_CLEAR_LOW) * gap;
    else /* short comment or short article: a hint, below pending */
        out->signal = (r->content >= RELEVANCE_OFF_TOPIC_CLEAR_CONTENT
                           ? RELEVANCE_OFF_TOPIC_CLEAR_LOW - 0.1
                           : RELEVANCE_OFF_TOPIC_SHORT) *
                      art * (0.5 + 0.5 * gap);
    const char *by = reply && RELEVANCE_REPLY_THREAD_WEIGHT * r->thread > r->article
                         ? "thread" : "article";
    if (r->matched[0])
        snprintf(out->detail, sizeof out->detail,
                 "similarity %.2f to the article (best thread match %.2f%s); "
                 "only weak shared words with the %s: %s",
                 r->article, r->thread, reply ? "" : ", not a reply", by,
                 r->matched);
    else
        snprintf(out->detail, sizeof out->detail,
                 "similarity %.2f to the article (best thread match %.2f%s); "
                 "none of its %zu content words appear in the %s",
                 r->article, r->thread, reply ? "" : ", not a reply",
                 r->content, by);
    snprintf(out->evidence, sizeof out->evidence, "%s", r->matched);
}

void relevance_low_content(const relevance_result *r, size_t nwords,
                           score_signal *out) {
    score_signal_clear(out);
    if (r->content >= RELEVANCE_MIN_CONTENT)
        return;
    out->signal = r->content == 0 ? 0.15 : 0.1;
    snprintf(out->detail, sizeof out->detail,
             "only %zu content word%s in %zu words", r->content,
             r->content == 1 ? "" : "s", nwords);
}
