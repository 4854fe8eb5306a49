/* engine.c - the pure analysis engine: comment bytes in, verdict out.
 *
 * Owns the public API of engine.h and the wiring between the modules:
 * normalize -> tokenize -> fingerprints (minhash) and stems (relevance) in
 * engine_prepare(); in engine_score() the comment's analysis (article and
 * thread from the caches), the measure stage (measure.c), the detector
 * registry's run (detector.c, one det_<code>.c per detector) and the
 * combination (score.c). No detector logic lives here. The engine caches
 * the analysed articles and thread texts for all its sessions (every
 * comment under an article comes with the same article and the same
 * approved texts), keyed by a 64-bit hash of their content and their
 * length, each cache within a fixed memory budget. Never does I/O; keeps
 * no globals.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abuse.h"
#include "detector.h"
#include "measure.h"
#include "minhash.h"
#include "ngram.h"
#include "normalize.h"
#include "relevance.h"
#include "score.h"
#include "shingle.h"
#include "spamlang.h"
#include "textcache.h"
#include "tokenize.h"

/* Tags per article taken into account: tags beyond are noise. */
#define ENGINE_MAX_TAGS 32
/* Memory for analysed thread texts, shared by all sessions (textcache.c): a
 * packed vector (24 bytes per distinct stem, no hash table) costs ~0.6 KB
 * for a 200-byte comment, ~1.2 KB for 500 bytes, so 8 MB hold 7,000-14,000
 * texts, the threads of 350-700 busy articles at thread_context 20. Beyond
 * it the least recently hit texts are dropped. */
#define ENGINE_THREAD_CACHE_BYTES (8u << 20)
/* Slots of the thread-text cache: one per ~500 bytes of the budget, so
 * small texts do not run out of slots first. 16 B each. */
#define ENGINE_THREAD_SLOTS 32768
/* Memory for analysed articles, shared by all sessions (a second
 * textcache): an entry is the packed stem vector (title x3, body, tags x2)
 * and the body's word 5-gram hashes, sorted: 24 bytes per distinct stem
 * and 8 per 5-gram, ~2 KB for a 500-byte article, ~25 KB for 10 KB. 24 MB
 * hold the 10,000 live articles of a large site at ~500 bytes, or ~1,000
 * at 10 KB; beyond it the least recently hit articles are dropped. Filled
 * only by the articles comments arrive for. */
#define ENGINE_ARTICLE_CACHE_BYTES (24u << 20)
/* Slots of the article cache: 8-way sets, so 10,000 articles leave few
 * sets full (~2.4 per set). 16 B each. */
#define ENGINE_ARTICLE_SLOTS 32768

struct engine {
    engine_config cfg;   /* weights and disabled codes resolved into det */
    detector_settings det;
    spamlang *sl;
    textcache *threads; /* analysed thread texts and articles: the */
    textcache *articles; /* shared, internally locked parts of an engine */
    ngram_model *models[NGRAM_MODEL_COUNT]; /* the embedded learned models */
};

struct engine_session {
    const engine *e;
    tokenizer *tk;
    /* this call's article (a reference into the engine's article cache,
     * released by the next engine_score call or the session's end) and a
     * view of its shingles */
    textcache_entry *art;
    shingle_set art_shingles;
    /* this call's thread vectors and the cache references that keep them
     * valid (released by the next engine_score call or the session's end) */
    relevance_vec tv[RELEVANCE_MAX_THREAD];
    textcache_entry *held[RELEVANCE_MAX_THREAD];
    size_t nheld;
    relevance_idf_cache idf; /* background IDF per stem hash */
    ngram_doc ngram;         /* this call's n-grams (buffers reused) */
};

/* engine_features.priv */
typedef struct prepared {
    long distinct3; /* distinct word 3-shingles (from minhash_compute) */
    tokenize_list tokens;
    normalize_stats stats;
    relevance_vec vec;
} prepared;

const char *engine_status_name(engine_status s) {
    switch (s) {
    case ENGINE_APPROVED: return "approved";
    case ENGINE_PENDING: return "pending";
    case ENGINE_REJECTED: return "rejected";
    }
    return "unknown";
}

static void set_err(engine_error *err, int code, const char *field,
                    const char *text) {
    if (!err)
        return;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->text, sizeof err->text, "%s", text);
}

/* ------------------------------------------------------------------------ */
/* Engine and sessions                                                       */
/* ------------------------------------------------------------------------ */

void engine_config_defaults(engine_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->threshold_pending = 0.5;
    cfg->threshold_reject = 0.9;
    snprintf(cfg->language, sizeof cfg->language, "english");
    cfg->flood_max = 5;
}

/* Parses the learned models embedded at build time (ngram_blobs) into e.
 * A model the build did not embed stays NULL: its detector abstains.
 * 0, or -1 with err filled when an embedded model does not parse. */
static int models_load(engine *e, engine_error *err) {
    char why[96];
    for (size_t i = 0; i < ngram_blobs_count; i++) {
        const ngram_blob *b = &ngram_blobs[i];
        for (int id = 0; id < NGRAM_MODEL_COUNT; id++) {
            if (strcmp(b->name, ngram_model_name(id)) != 0)
                continue;
            e->models[id] = ngram_model_parse((const char *)b->data, b->len,
                                              why, sizeof why);
            if (!e->models[id]) {
                char text[128];
                snprintf(text, sizeof text, "model %s: %s", b->name, why);
                set_err(err, ENGINE_E_CONFIG, "model", text);
                return -1;
            }
        }
    }
    return 0;
}

engine *engine_new(const engine_config *cfg, engine_error *err) {
    if (!(cfg->threshold_pending > 0 && cfg->threshold_pending <= 1 &&
          cfg->threshold_reject > 0 && cfg->threshold_reject <= 1 &&
          cfg->threshold_pending <= cfg->threshold_reject)) {
        set_err(err, ENGINE_E_CONFIG, "threshold_pending",
                "thresholds must satisfy 0 < pending <= reject <= 1");
        return NULL;
    }
    detector_settings det;
    if (detector_settings_resolve(cfg, &det, err) < 0)
        return NULL;
    tokenizer *probe = tokenize_new(cfg->language);
    if (!probe) {
        set_err(err, ENGINE_E_CONFIG, "language",
                "unknown stemmer language (libstemmer algorithm name)");
        return NULL;
    }
    tokenize_free(probe);
    engine *e = calloc(1, sizeof *e);
    if (!e)
        goto nomem;
    e->cfg = *cfg;
    e->cfg.language[sizeof e->cfg.language - 1] = '\0';
    e->cfg.weights = NULL; /* borrowed for engine_new only: now in det */
    e->cfg.nweights = 0;
    e->cfg.disabled = NULL;
    e->det = det;
    e->sl = spamlang_new(cfg);
    e->threads = textcache_new(ENGINE_THREAD_SLOTS, ENGINE_THREAD_CACHE_BYTES);
    e->articles = textcache_new(ENGINE_ARTICLE_SLOTS, ENGINE_ARTICLE_CACHE_BYTES);
    if (!e->sl || !e->threads || !e->articles)
        goto nomem;
    if (models_load(e, err) < 0) {
        engine_free(e);
        return NULL;
    }
    return e;
nomem:
    engine_free(e);
    set_err(err, ENGINE_E_NOMEM, "", "out of memory");
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Site profiles                                                             */
/* ------------------------------------------------------------------------ */

/* Word and domain lists a profile keeps: banned, suspect, allowed, blocked. */
enum { PROFILE_BANNED, PROFILE_SUSPECT, PROFILE_ALLOW, PROFILE_BLOCK, PROFILE_NLISTS };

struct engine_profile {
    const engine *e;
    engine_config cfg;    /* the base's, with the overlay applied; a list
                             the overlay leaves points into the base's */
    detector_settings det;
    spamlang *sl;         /* own when a word list changed, else NULL */
    const spamlang *use_sl; /* sl, else the base profile's; NULL: e's */
    char **lists[PROFILE_NLISTS]; /* copies of the overlay's lists (one
                                     block each: pointers, then strings) */
};

/* A NULL-terminated copy of l (NULL: empty) in one block; NULL when out of
 * memory. */
static char **list_copy(const char *const *l) {
    size_t n = 0, bytes = sizeof(char *);
    for (; l && l[n]; n++)
        bytes += sizeof(char *) + strlen(l[n]) + 1;
    char **out = malloc(bytes);
    if (!out)
        return NULL;
    char *dst = (char *)(out + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(l[i]) + 1;
        memcpy(dst, l[i], len);
        out[i] = dst;
        dst += len;
    }
    out[n] = NULL;
    return out;
}

/* A new profile: base's settings (NULL: e's own) with o applied. */
static engine_profile *profile_build(const engine *e, const engine_profile *base,
                                     const engine_overlay *o, engine_error *err) {
    engine_profile *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    p->e = e;
    p->cfg = base ? base->cfg : e->cfg;
    p->det = base ? base->det : e->det;
    p->use_sl = base ? base->use_sl : NULL;
    if (o->set_pending)
        p->cfg.threshold_pending = o->threshold_pending;
    if (o->set_reject)
        p->cfg.threshold_reject = o->threshold_reject;
    if (!(p->cfg.threshold_pending > 0 && p->cfg.threshold_reject <= 1 &&
          p->cfg.threshold_pending <= p->cfg.threshold_reject)) {
        set_err(err, ENGINE_E_CONFIG, "threshold_pending",
                "thresholds must satisfy 0 < pending <= reject <= 1");
        goto fail;
    }
    const int set[PROFILE_NLISTS] = {o->set_banned, o->set_suspect, o->set_allow, o->set_block};
    const char *const *src[PROFILE_NLISTS] = {o->banned_words, o->suspect_words,
                                              o->domain_allow, o->domain_block};
    const char *const **dst[PROFILE_NLISTS] = {&p->cfg.banned_words, &p->cfg.suspect_words,
                                               &p->cfg.domain_allow, &p->cfg.domain_block};
    for (int i = 0; i < PROFILE_NLISTS; i++) {
        if (!set[i])
            continue;
        if (!(p->lists[i] = list_copy(src[i])))
            goto nomem_p;
        *dst[i] = (const char *const *)p->lists[i];
    }
    if (o->set_flood_max)
        p->cfg.flood_max = o->flood_max;
    if (o->abuse_severe_rejects >= 0)
        p->cfg.abuse_severe_rejects = o->abuse_severe_rejects != 0;
    for (size_t i = 0; i < o->ndetectors; i++) {
        const engine_detector_overlay *d = &o->detectors[i];
        int k = d->code ? engine_detector_find(d->code) : -1;
        char field[sizeof err->field];
        snprintf(field, sizeof field, "weight_%.24s", d->code ? d->code : "");
        if (k < 0) {
            set_err(err, ENGINE_E_CONFIG, d->enabled >= 0 && !d->set_weight ? "detectors_disabled"
                                                                             : field,
                    "unknown detector code (GET /v1/detectors lists them)");
            goto fail;
        }
        if (d->set_weight) {
            if (!(d->weight >= 0 && d->weight <= 1)) {
                set_err(err, ENGINE_E_CONFIG, field, "detector weight must be in [0,1]");
                goto fail;
            }
            p->det.weight[k] = d->weight;
        }
        if (d->enabled >= 0)
            p->det.enabled[k] = d->enabled != 0;
    }
    if ((o->set_banned || o->set_suspect) && !(p->use_sl = p->sl = spamlang_new(&p->cfg)))
        goto nomem_p;
    return p;
nomem_p:
    engine_profile_free(p);
nomem:
    set_err(err, ENGINE_E_NOMEM, "", "out of memory");
    return NULL;
fail:
    engine_profile_free(p);
    return NULL;
}

engine_profile *engine_profile_new(const engine *e, const engine_overlay *o, engine_error *err) {
    return profile_build(e, NULL, o, err);
}

engine_profile *engine_profile_layer(const engine_profile *base, const engine_overlay *o,
                                     engine_error *err) {
    return profile_build(base->e, base, o, err);
}

void engine_profile_free(engine_profile *p) {
    if (!p)
        return;
    spamlang_free(p->sl);
    for (int i = 0; i < PROFILE_NLISTS; i++)
        free(p->lists[i]);
    free(p);
}

const engine_config *engine_profile_config(const engine_profile *p) { return &p->cfg; }

double engine_profile_weight(const engine_profile *p, size_t i) {
    return i < ENGINE_D_COUNT ? p->det.weight[i] : 0;
}

int engine_profile_enabled(const engine_profile *p, size_t i) {
    return i < ENGINE_D_COUNT ? p->det.enabled[i] : 0;
}

double engine_detector_weight(const engine *e, size_t i) {
    return i < ENGINE_D_COUNT ? e->det.weight[i] : 0;
}

int engine_detector_enabled(const engine *e, size_t i) {
    return i < ENGINE_D_COUNT ? e->det.enabled[i] : 0;
}

void engine_free(engine *e) {
    if (!e)
        return;
    spamlang_free(e->sl);
    textcache_free(e->threads);
    textcache_free(e->articles);
    for (int i = 0; i < NGRAM_MODEL_COUNT; i++)
        ngram_model_free(e->models[i]);
    free(e);
}

static void thread_release(engine_session *s) {
    for (size_t i = 0; i < s->nheld; i++)
        textcache_release(s->held[i]);
    s->nheld = 0;
}

engine_session *engine_session_new(const engine *e) {
    engine_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->e = e;
    s->tk = tokenize_new(e->cfg.language);
    if (!s->tk) {
        free(s);
        return NULL;
    }
    return s;
}

void engine_session_free(engine_session *s) {
    if (!s)
        return;
    textcache_release(s->art);
    thread_release(s);
    tokenize_free(s->tk);
    ngram_doc_free(&s->ngram);
    free(s);
}

/* Normalises and tokenises s (may be NULL) into out. 0, -1 bad UTF-8 or
 * out of memory. */
static int analyse(engine_session *s, const char *text, tokenize_list *out,
                   normalize_stats *st) {
    normalize_stats dummy;
    char *norm;
    size_t nn;
    if (!text)
        return 0;
    size_t len = strlen(text);
    if (len > ENGINE_MAX_TEXT_BYTES * 4)
        len = ENGINE_MAX_TEXT_BYTES * 4; /* articles may be longer; cap */
    if (normalize_text(text, len, &norm, &nn, st ? st : &dummy, NULL) < 0)
        return -1;
    int rc = tokenize_run(s->tk, norm, nn, out);
    free(norm);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Phase 1                                                                   */
/* ------------------------------------------------------------------------ */

void engine_features_free(engine_features *f) {
    if (!f)
        return;
    prepared *p = f->priv;
    if (p) {
        relevance_vec_free(&p->vec);
        tokenize_list_free(&p->tokens);
        free(p);
    }
    free(f->terms); /* one block with its strings (engine_prepare) */
    free(f->normalized);
    free(f);
}

int engine_prepare(engine_session *s, const engine_comment *c,
                   engine_features **out, engine_error *err) {
    *out = NULL;
    if (!c->text) {
        set_err(err, ENGINE_E_INVALID_UTF8, "text", "text is missing");
        return -1;
    }
    size_t len = c->text_len ? c->text_len : strlen(c->text);
    if (len > ENGINE_MAX_TEXT_BYTES) {
        set_err(err, ENGINE_E_TOO_LONG, "text", "comment text is too long");
        return -1;
    }
    engine_features *f = calloc(1, sizeof *f);
    prepared *p = calloc(1, sizeof *p);
    if (!f || !p) {
        free(f);
        free(p);
        goto nomem;
    }
    f->priv = p;
    if (normalize_text(c->text, len, &f->normalized, &f->normalized_len,
                       &p->stats, err) < 0) {
        engine_features_free(f);
        return -1;
    }
    if (tokenize_run(s->tk, f->normalized, f->normalized_len, &p->tokens) < 0 ||
        relevance_vec_add(&p->vec, &p->tokens, 1.0) < 0 ||
        relevance_vec_finish_cached(&p->vec, &s->idf) < 0)
        goto nomem_f;
    f->exact_hash = minhash_exact(f->normalized, f->normalized_len);
    long sh = minhash_compute(&p->tokens, f->minhash, f->band);
    if (sh < 0)
        goto nomem_f;
    f->has_minhash = sh >= MINHASH_MIN_SHINGLES;
    p->distinct3 = sh;
    size_t nt = p->vec.n < ENGINE_MAX_TERMS ? p->vec.n : ENGINE_MAX_TERMS;
    /* one block: the pointer array, then the strings it points into */
    size_t tlen[ENGINE_MAX_TERMS], bytes = (nt + 1) * sizeof *f->terms;
    for (size_t i = 0; i < nt; i++) {
        tlen[i] = strlen(p->vec.stem[i]) + 1;
        bytes += tlen[i];
    }
    f->terms = malloc(bytes);
    if (!f->terms)
        goto nomem_f;
    char *dst = (char *)(f->terms + nt + 1);
    for (size_t i = 0; i < nt; i++) {
        memcpy(dst, p->vec.stem[i], tlen[i]);
        f->terms[i] = dst;
        dst += tlen[i];
    }
    f->terms[nt] = NULL;
    f->nterms = nt;
    *out = f;
    return 0;
nomem_f:
    engine_features_free(f);
nomem:
    set_err(err, ENGINE_E_NOMEM, "text", "out of memory");
    return -1;
}

int engine_article_terms(engine_session *s, const engine_article *a,
                         char **terms_out, size_t max) {
    tokenize_list l = {0};
    relevance_vec v = {0};
    int rc = -1;
    if (analyse(s, a->title, &l, NULL) < 0 || analyse(s, a->body, &l, NULL) < 0)
        goto done;
    for (size_t i = 0; i < a->ntags && i < ENGINE_MAX_TAGS; i++)
        if (analyse(s, a->tags[i], &l, NULL) < 0)
            goto done;
    if (relevance_vec_add(&v, &l, 1.0) < 0)
        goto done;
    size_t n = 0;
    for (; n < v.n && n < max; n++) {
        terms_out[n] = strdup(v.stem[n]);
        if (!terms_out[n]) {
            while (n--)
                free(terms_out[n]);
            goto done;
        }
    }
    rc = (int)n;
done:
    relevance_vec_free(&v);
    tokenize_list_free(&l);
    return rc;
}

/* Placeholder display names: what comment forms fill in, or readers type,
 * when nobody gives a name ("Anonymous" on Blogger-style forms). Shared by
 * strangers, so no identity on their own. Compared case-insensitively,
 * also with trailing digits ("user123", "Guest42"). */
static const char *const author_placeholders[] = {
    "anonymous", "anon", "guest", "user", "visitor", "unknown",
    "nobody", "noname", "none", "null", "name", NULL};
/* Bytes of a display name judged for the placeholder shape: every
 * placeholder above is shorter. */
#define AUTHOR_NAME_JUDGED 32

/* 1 when name carries no identity: empty or blank, only digits and
 * punctuation, or one placeholder word optionally followed by digits. */
static int author_name_generic(const char *name) {
    char w[AUTHOR_NAME_JUDGED];
    size_t n = 0, letters = 0;
    if (!name)
        return 1;
    while (*name == ' ' || *name == '\t')
        name++;
    size_t len = strlen(name);
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch >= 0x80 || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))
            letters++;
    }
    if (letters == 0)
        return 1; /* "", "   ", "123", "..." */
    while (len && name[len - 1] >= '0' && name[len - 1] <= '9')
        len--; /* "user123" is "user" */
    if (len == 0 || len >= sizeof w)
        return 0;
    for (; n < len; n++) {
        char ch = name[n];
        w[n] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    w[n] = '\0';
    for (size_t i = 0; author_placeholders[i]; i++)
        if (strcmp(w, author_placeholders[i]) == 0)
            return 1;
    return 0;
}

void engine_author_key(const engine_comment *c, char *out, size_t n) {
    if (!n)
        return;
    const char *em = c->author_email;
    while (em && *em == ' ')
        em++;
    if (em && *em) {
        size_t i = 0;
        for (; em[i] && em[i] != ' ' && i + 1 < n; i++)
            out[i] = (char)(em[i] >= 'A' && em[i] <= 'Z' ? em[i] + 32 : em[i]);
        out[i] = '\0';
        return;
    }
    const char *ip = c->author_ip && *c->author_ip ? c->author_ip : "";
    if (author_name_generic(c->author_name)) {
        /* "Anonymous" is every anonymous reader: only the address, if
         * any, says who posted */
        if (*ip)
            snprintf(out, n, "|%s", ip);
        else
            out[0] = '\0';
        return;
    }
    snprintf(out, n, "%s|%s", c->author_name, ip);
}

/* ------------------------------------------------------------------------ */
/* Phase 2                                                                   */
/* ------------------------------------------------------------------------ */

static inline uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

/* 64-bit hash of n bytes, 8 at a time (MurmurHash3-style mixing): a cache
 * key for whole texts, ~10x faster than tokenize_hash's byte loop. Stored
 * in thread references (engine_thread_ref), so changing it only costs
 * cache misses: a reference that matches nothing makes the caller fetch
 * the texts. */
static uint64_t text_hash(const char *p, size_t n, uint64_t seed) {
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t k;
        memcpy(&k, p + i, 8);
        k *= c1;
        k = rotl64(k, 31);
        k *= c2;
        h ^= k;
        h = rotl64(h, 27) * 5 + 0x52dce729;
    }
    uint64_t k = 0;
    for (size_t j = 0; i + j < n; j++)
        k |= (uint64_t)(unsigned char)p[i + j] << (8 * j);
    k *= c1;
    k = rotl64(k, 31);
    k *= c2;
    h ^= k;
    return shingle_mix64(h);
}

/* Hash of everything article_get() analyses (title, body, tags) and the
 * url, each part with its length and position; *len = their bytes. */
static uint64_t article_key(const engine_article *a, size_t *len) {
    const char *parts[3] = {a->title, a->body, a->url};
    uint64_t h = 0x6d6f6471ULL; /* "modq" */
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        const char *p = parts[i] ? parts[i] : "";
        size_t n = strlen(p);
        h = text_hash(p, n, h + (uint64_t)i + (parts[i] ? 0 : 7));
        total += n;
    }
    size_t nt = a->ntags < ENGINE_MAX_TAGS ? a->ntags : ENGINE_MAX_TAGS;
    h = text_hash("", 0, h ^ nt);
    for (size_t i = 0; i < nt; i++)
        if (a->tags[i]) {
            size_t n = strlen(a->tags[i]);
            h = text_hash(a->tags[i], n, h + i);
            total += n;
        }
    *len = total;
    return h;
}

/* Analyses a: returns new, what the article cache holds of an article:
 * the packed vector (title x3, body, tags x2) with the body's word 5-gram
 * hashes frozen in its tail (shingle_set_freeze), one allocation of *bytes;
 * NULL when out of memory. */
static relevance_vec *article_build(engine_session *s, const engine_article *a,
                                    size_t *bytes) {
    tokenize_list title = {0}, body = {0}, tags = {0};
    relevance_vec vec = {0};
    shingle_set sh = {0};
    relevance_vec *packed = NULL;
    /* invalid UTF-8 in an article reads as an empty part */
    if (analyse(s, a->title, &title, NULL) < 0)
        tokenize_list_clear(&title);
    if (analyse(s, a->body, &body, NULL) < 0)
        tokenize_list_clear(&body);
    for (size_t i = 0; i < a->ntags && i < ENGINE_MAX_TAGS; i++)
        if (analyse(s, a->tags[i], &tags, NULL) < 0)
            tokenize_list_clear(&tags);
    if (relevance_vec_add(&vec, &title, RELEVANCE_TITLE_WEIGHT) < 0 ||
        relevance_vec_add(&vec, &body, 1.0) < 0 ||
        relevance_vec_add(&vec, &tags, RELEVANCE_TAG_WEIGHT) < 0 ||
        shingle_set_init(&sh, body.nwords) < 0 ||
        shingle_add_all(&sh, &body, SHINGLE_COPY_K) < 0 ||
        relevance_vec_finish_cached(&vec, &s->idf) < 0)
        goto done;
    packed = relevance_vec_pack_tail_new(&vec, shingle_frozen_bytes(sh.n), bytes);
    if (packed)
        shingle_set_freeze(&sh, relevance_vec_packed_tail(packed));
done:
    shingle_set_free(&sh);
    relevance_vec_free(&vec);
    tokenize_list_free(&tags);
    tokenize_list_free(&body);
    tokenize_list_free(&title);
    return packed;
}

/* The analysis of a from the engine's shared cache, made and cached now
 * when missing; the session holds the reference (s->art, with a view of
 * the shingles in s->art_shingles) until its next engine_score call. NULL
 * when out of memory (relevance and copy checks are then skipped). */
static const relevance_vec *article_get(engine_session *s, const engine_article *a) {
    size_t len;
    uint64_t key = article_key(a, &len);
    textcache *tc = s->e->articles;
    textcache_entry *e = textcache_get(tc, key, len);
    if (!e) {
        size_t bytes = 0;
        relevance_vec *packed = article_build(s, a, &bytes);
        if (!packed || !(e = textcache_put(tc, key, len, packed, bytes)))
            return NULL;
    }
    s->art = e;
    const relevance_vec *v = textcache_vec(e);
    shingle_set_view(&s->art_shingles, relevance_vec_packed_tail(v));
    return v;
}

/* The analysis of a thread text, from the engine's shared cache or made
 * and cached now; the session holds the reference until its next
 * engine_score call. NULL for a NULL text, when the call holds
 * RELEVANCE_MAX_THREAD texts already, or when out of memory. */
static const relevance_vec *thread_get(engine_session *s, const char *text) {
    if (!text || s->nheld >= RELEVANCE_MAX_THREAD)
        return NULL;
    size_t len = strlen(text);
    uint64_t key = text_hash(text, len, 0);
    textcache *tc = s->e->threads;
    textcache_entry *e = textcache_get(tc, key, len);
    if (!e) {
        tokenize_list toks = {0};
        relevance_vec vec = {0};
        relevance_vec *packed = NULL;
        size_t bytes = 0;
        if (analyse(s, text, &toks, NULL) < 0)
            tokenize_list_clear(&toks); /* invalid UTF-8 reads as empty */
        if (relevance_vec_add(&vec, &toks, 1.0) == 0 &&
            relevance_vec_finish_cached(&vec, &s->idf) == 0)
            packed = relevance_vec_pack_new(&vec, &bytes);
        relevance_vec_free(&vec);
        tokenize_list_free(&toks);
        if (!packed || !(e = textcache_put(tc, key, len, packed, bytes)))
            return NULL;
    }
    s->held[s->nheld++] = e;
    return textcache_vec(e);
}

void engine_thread_ref(const char *text, char out[ENGINE_THREAD_REF_LEN]) {
    size_t len = strlen(text);
    snprintf(out, ENGINE_THREAD_REF_LEN, "%016llx:%zu",
             (unsigned long long)text_hash(text, len, 0), len);
}

/* "<16 hex digits>:<decimal length>" into key and len: 0, or -1. */
static int ref_parse(const char *r, uint64_t *key, size_t *len) {
    char *end;
    if (strlen(r) < 18 || r[16] != ':')
        return -1;
    unsigned long long k = 0;
    for (int i = 0; i < 16; i++) {
        int c = r[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        k = k << 4 | (unsigned)d;
    }
    if (r[17] < '0' || r[17] > '9')
        return -1;
    unsigned long long n = strtoull(r + 17, &end, 10);
    if (*end || n > SIZE_MAX)
        return -1;
    *key = k;
    *len = (size_t)n;
    return 0;
}

int engine_thread_hold(engine_session *s, const char *const *refs, size_t n) {
    thread_release(s);
    if (n > RELEVANCE_MAX_THREAD)
        n = RELEVANCE_MAX_THREAD;
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        size_t len;
        textcache_entry *e = NULL;
        if (ref_parse(refs[i], &key, &len) < 0 ||
            !(e = textcache_get(s->e->threads, key, len))) {
            thread_release(s);
            return 0;
        }
        s->held[s->nheld++] = e;
    }
    return 1;
}

void engine_thread_remember(engine_session *s, const engine_features *f,
                            const char *text) {
    const prepared *p = f ? f->priv : NULL;
    if (!p || !text)
        return;
    size_t len = strlen(text);
    uint64_t key = text_hash(text, len, 0);
    textcache_entry *e = textcache_get(s->e->threads, key, len);
    if (!e) {
        size_t bytes = 0;
        relevance_vec *packed = relevance_vec_pack_new(&p->vec, &bytes);
        if (packed)
            e = textcache_put(s->e->threads, key, len, packed, bytes);
    }
    textcache_release(e);
}

/* Which context of x the detectors can read (ENGINE_NEED_*). */
static unsigned context_present(const detector_analysis *a,
                                const relevance_input *ri) {
    const engine_context *x = a->ctx;
    unsigned have = 0;
    have |= a->article ? ENGINE_NEED_ARTICLE : 0;
    have |= ri->nthread ? ENGINE_NEED_THREAD : 0;
    have |= x->site_df ? ENGINE_NEED_SITE_DF : 0;
    have |= x->ndups ? ENGINE_NEED_DUPLICATES : 0;
    have |= a->cfg->flood_max ? ENGINE_NEED_FLOOD : 0;
    have |= x->learned_spam_prob >= 0 ? ENGINE_NEED_LEARNED : 0;
    have |= x->reputation != 0 ? ENGINE_NEED_HISTORY : 0;
    return have;
}

void engine_score(engine_session *s, const engine_features *f,
                  const engine_comment *c, const engine_context *ctx,
                  engine_verdict *out) {
    static const engine_context empty = {.learned_spam_prob = -1};
    const engine_context *x = ctx ? ctx : &empty;
    const prepared *p = f->priv;
    /* the site's settings, else the engine's */
    const engine_profile *prof = x->profile && x->profile->e == s->e ? x->profile : NULL;
    const engine_config *cfg = prof ? &prof->cfg : &s->e->cfg;
    const detector_settings *det = prof ? &prof->det : &s->e->det;
    const spamlang *sl = prof && prof->use_sl ? prof->use_sl : s->e->sl;
    score_begin(out);

    /* the comment's analysis: the article and thread from the caches */
    detector_analysis a = {.comment = c,
                           .features = f,
                           .tokens = &p->tokens,
                           .stats = &p->stats,
                           .vec = &p->vec,
                           .distinct3 = p->distinct3,
                           .ctx = x,
                           .cfg = cfg};
    relevance_input ri = {.comment = &p->vec,
                          .site_df = x->site_df,
                          .nsite_df = f->nterms,
                          .site_ndocs = x->site_ndocs};
    if (!x->thread_held)
        thread_release(s); /* the previous call's thread texts */
    textcache_release(s->art); /* and article */
    s->art = NULL;
    const relevance_vec *art = x->article ? article_get(s, x->article) : NULL;
    size_t nthread = x->nthread < RELEVANCE_MAX_THREAD ? x->nthread
                                                       : RELEVANCE_MAX_THREAD;
    if (art && x->thread_held) {
        for (size_t i = 0; i < s->nheld; i++)
            s->tv[i] = *textcache_vec(s->held[i]); /* shallow, as below */
        ri.thread = s->tv;
        ri.nthread = s->nheld;
    } else if (art && nthread && x->thread_texts) {
        size_t n = 0;
        for (size_t i = 0; i < nthread; i++) {
            const relevance_vec *v = thread_get(s, x->thread_texts[i]);
            if (v)
                s->tv[n++] = *v; /* shallow: buffers stay in the cache */
        }
        ri.thread = s->tv;
        ri.nthread = n;
    }
    ri.article = art;
    a.article = ri.article;
    a.article_shingles = art ? &s->art_shingles : NULL;
    a.have = context_present(&a, &ri);

    measure_comment(&a, &ri, sl);
    abuse_view av; /* the abuse rows' words, read once for all five */
    abuse_prepare(&av, &a);
    a.abuse = &av;
    if (art)
        out->relevance = a.rr.relevance;
    /* the learned layer's n-grams, once for every model (none: abstain) */
    a.models = (const ngram_model *const *)s->e->models;
    const ngram_model *tm = a.models[NGRAM_MODEL_TOXICITY];
    if (ngram_extract(f->normalized, f->normalized_len, &s->ngram) == 0) {
        a.ngram = &s->ngram;
        if (tm) /* read by the toxicity detector and out->toxicity */
            ngram_doc_keep(&s->ngram, tm);
    }
    detector_run_all(&a, det, out);
    out->toxicity = -1;
    if (tm && a.ngram) {
        ngram_result tr;
        ngram_predict(tm, a.ngram, &tr);
        out->toxicity = tr.prob;
    }
    score_finish(out, cfg, x->reputation);
}

/* ------------------------------------------------------------------------ */
/* Duplicate candidates                                                      */
/* ------------------------------------------------------------------------ */

int engine_dup_candidate(const engine_features *f, uint64_t exact_hash,
                         int has_minhash, const uint64_t *band) {
    if (f->exact_hash == exact_hash)
        return 1;
    if (!f->has_minhash || !has_minhash || !band)
        return 0;
    for (int b = 0; b < ENGINE_LSH_BANDS; b++)
        if (f->band[b] == band[b])
            return 1;
    return 0;
}
