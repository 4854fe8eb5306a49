/* engine_bench.c - single-thread throughput of the analysis engine.
 *
 * Links the engine objects of build/obj (everything but main.o) and times
 * engine_prepare + engine_score per comment, with an article context, for
 * comments of 1 KB, 8 KB and 64 KB of generated English prose about the
 * article, and three more times for 1 KB with a thread context of 50
 * approved comments (a site with thread_context 50; the default is 20):
 *   thread50-same   the same 50 texts every time (a quiet thread: the
 *                   engine's shared cache of analysed thread texts always
 *                   hits);
 *   thread50-1new   one new text per comment (a busy thread: each approved
 *                   comment enters the thread of the next);
 *   4x50-1new       comments rotate over 4 articles' threads, still one new
 *                   text per comment (what bench/run.sh's mix does to modq).
 * and twice more for 1 KB with no thread, the comments rotating over 4
 * articles and over 10,000 (each an article of the bench article's length,
 * its own generated body): 4articles, 10000articles, and their cost ratio
 * (what thousands of live articles cost the engine's article analysis).
 * Before either is timed, one comment per article is scored untimed: as on
 * a running site, whose live articles have had comments before (a case of
 * a second lasts ~15,000 comments, about one per article: timed cold, it
 * would measure the first comment of each, the one that analyses it).
 * Prints a human table and one machine line per case:
 *   ENGINE case=<name> bytes=N iters=N per_s=X ns_per_byte=X us=X prepare_pct=X
 * and the cost ratio ns/byte 64 KB : 1 KB (1.0 = perfectly linear).
 * Times are the thread's CPU time, so comments/s means per busy core.
 *
 * A further case, "mix", runs the engine on the bench mix itself: request
 * bodies of bench/comments.lua captured by bench/baseline.c, one per line,
 * decoded with modq's codec, each scored with its article from
 * bench/articles.json (title, body, tags, url), the author key modq
 * derives, and nothing that needs Redis (no duplicate candidates, thread,
 * site document frequencies or learner): the engine's share of modq's
 * floor. bytes= is the mean text length of the mix.
 *
 * Usage: engine_bench [SECONDS_PER_CASE [CASE]]   (default 1.0, all cases;
 * CASE = one case name, e.g. 1KB or 1KB+4x50-1new: runs only that one, for
 * profiling)
 *        engine_bench SECONDS mix BODIES_FILE ARTICLES_JSON
 * ENGINE_BENCH_DISABLE=code,... runs the engine without those detectors
 * (what they cost: the same comments with and without them).
 * Reads only the files named; the engine itself does no I/O.
 * Linked with jemalloc and modq's malloc_conf, as build/modq is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "codec.h"
#include "engine.h"
#include "model.h"

/* modq's allocator settings (service/main.c). */
extern const char *malloc_conf;
const char *malloc_conf = "narenas:2,dirty_decay_ms:2000,muzzy_decay_ms:0";

#define EB_VARIANTS 16        /* distinct texts per size: no single hot text */
#define EB_THREAD_TEXTS 50    /* thread_context 50: a long thread */
#define EB_THREAD_TEXT_LEN 500 /* a typical approved comment */
#define EB_THREAD_POOL 2048   /* texts the busy threads slide over: far more
                                 than any per-session cache holds */
#define EB_ARTICLES 4         /* threads of the 4x50 case, as bench/articles.json */
#define EB_MANY_ARTICLES 10000 /* the many-articles case: a large site's live articles */
#define EB_MIN_ITERS 20       /* even 64 KB cases get a stable mean */
#define EB_DEFAULT_SECONDS 1.0 /* CPU seconds per case */
#define EB_MAX_SECONDS 60.0
#define EB_MIX_MAX 20000      /* bodies read from the capture */
#define EB_MIX_MAX_ARTICLES 64
#define EB_MIX_MAX_TAGS 16
#define EB_MIX_MAX_TEXT 65536 /* config max_body: no text is longer */

static const char ART_TITLE[] = "City council approves protected bicycle lanes on Main Street";
static const char ART_BODY[] =
    "The city council voted on Tuesday to build protected bicycle lanes along Main Street. "
    "Construction starts in spring and about forty parking spaces will be removed. Cyclists "
    "welcomed the decision, saying the street is dangerous for children and commuters who "
    "cycle to work. Some shop owners worry about deliveries and customers who arrive by car; "
    "the council promised loading zones near the junction by the station. The lanes cost 2.4 "
    "million, paid from the transport budget.";
static const char *const ART_TAGS[] = {"cycling", "city council", "transport"};

/* Words of the generated prose: article vocabulary plus everyday English. */
static const char *const WORDS[] = {
    "the", "council", "bicycle", "lanes", "street", "main", "parking", "shops", "deliveries",
    "children", "school", "cycle", "work", "traffic", "safe", "dangerous", "spring",
    "construction", "budget", "station", "junction", "owners", "customers", "car", "city",
    "decision", "vote", "neighbours", "morning", "evening", "plan", "money", "years", "people",
    "family", "really", "think", "believe", "should", "would", "could", "because", "although",
    "every", "never", "always", "better", "worse", "faster", "slower", "long", "overdue",
    "finally", "important", "local", "business", "bakery", "route", "commute", "weather",
    "rain", "winter", "summer", "bus", "train", "walk", "pavement", "crossing", "lights",
    "speed", "limit", "police", "report", "meeting", "residents", "complain", "support",
    "agree", "disagree", "question", "answer", "cost", "million", "tax", "years", "future",
    "and", "but", "with", "for", "from", "about", "near", "along", "after", "before", "when",
    "is", "are", "was", "were", "will", "has", "have", "had", "this", "that", "these", "my",
    "our", "their", "we", "they", "it", "a", "an", "of", "to", "in", "on", "at", "by",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Returns new prose of exactly len bytes (sentences of 6-20 words). */
static char *prose(size_t len) {
    char *s = malloc(len + 1);
    if (!s) return NULL;
    size_t w = 0;
    while (w < len) {
        size_t n = 6 + rng() % 15;
        for (size_t i = 0; i < n && w < len; i++) {
            const char *word = WORDS[rng() % NWORDS];
            size_t wl = strlen(word);
            if (w + wl + 2 > len) {
                memset(s + w, ' ', len - w); /* pad to the exact size */
                s[len - 1] = '.';
                w = len;
                break;
            }
            memcpy(s + w, word, wl);
            if (i == 0 && s[w] >= 'a' && s[w] <= 'z') s[w] = (char)(s[w] - 'a' + 'A');
            w += wl;
            s[w++] = (i + 1 == n) ? '.' : ' ';
            if (i + 1 == n && w < len) s[w++] = ' ';
        }
    }
    s[len] = 0;
    return s;
}

/* CPU time of this thread: the figure is per core, and other processes on a
 * shared machine do not inflate it (they still share the caches). */
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct result {
    double per_s, ns_per_byte, us, prepare_pct;
    long iters;
} result;

/* Thread context of a case: NULL for the static one in the base context,
 * else nthreads windows of EB_THREAD_TEXTS texts over equal parts of pool,
 * used in turn; a thread's window moves by one text each time it is used. */
typedef struct thread_mix {
    char *const *pool;
    size_t npool, nthreads;
} thread_mix;

/* Times one case; with narts > 0 each comment takes the next of arts for
 * its article. Returns 0, or -1 when the engine refuses a text. */
static int run_case(engine_session *sess, char *const *texts, size_t len,
                    const engine_context *base, const thread_mix *tm,
                    const engine_article *arts, size_t narts, double seconds,
                    result *r) {
    double t_prep = 0, t0 = now_s(), t_end = t0 + seconds;
    long it = 0;
    engine_verdict v;
    engine_context ctx = *base;
    for (;;) {
        if (tm) {
            size_t k = (size_t)it % tm->nthreads, part = tm->npool / tm->nthreads;
            size_t shift = ((size_t)it / tm->nthreads) % (part - EB_THREAD_TEXTS);
            ctx.thread_texts = (const char *const *)tm->pool + k * part + shift;
            ctx.nthread = EB_THREAD_TEXTS;
        }
        if (narts) ctx.article = &arts[(size_t)it % narts];
        const char *text = texts[it % EB_VARIANTS];
        engine_comment c = {text, len, "Ann Reader", "ann@mail.example", NULL,
                            "10.1.2.3", NULL};
        engine_features *f = NULL;
        engine_error err;
        memset(&err, 0, sizeof err);
        double a = now_s();
        if (engine_prepare(sess, &c, &f, &err) < 0) {
            fprintf(stderr, "engine_bench: engine_prepare(%zu bytes): %s\n", len, err.text);
            return -1;
        }
        double b = now_s();
        engine_score(sess, f, &c, &ctx, &v);
        engine_features_free(f);
        t_prep += b - a;
        it++;
        double t = now_s();
        if (it >= EB_MIN_ITERS && t >= t_end) {
            double total = t - t0;
            r->iters = it;
            r->per_s = (double)it / total;
            r->us = total / (double)it * 1e6;
            r->ns_per_byte = total / (double)it / (double)len * 1e9;
            r->prepare_pct = 100.0 * t_prep / total;
            return 0;
        }
    }
}

static void print_result(const char *name, size_t len, const result *r);

/* ============================================================ the mix */

/* One captured comment: its strings (owned), author key and article. */
typedef struct mix_comment {
    char *text, *name, *email, *url, *ip, *parent;
    size_t len;
    char author_key[300];
    int article; /* index into mix_set.art, -1 when not registered */
} mix_comment;

/* The articles of bench/articles.json and the captured comments. The
 * json_t keeps the articles' strings alive; everything is owned here and
 * released by mix_free. */
typedef struct mix_set {
    json_t *json;
    engine_article art[EB_MIX_MAX_ARTICLES];
    const char *art_id[EB_MIX_MAX_ARTICLES];
    const char *tags[EB_MIX_MAX_ARTICLES][EB_MIX_MAX_TAGS];
    size_t nart;
    mix_comment *c;
    size_t n;
} mix_set;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void mix_free(mix_set *m) {
    for (size_t i = 0; i < m->n; i++) {
        mix_comment *c = &m->c[i];
        free(c->text);
        free(c->name);
        free(c->email);
        free(c->url);
        free(c->ip);
        free(c->parent);
    }
    free(m->c);
    json_decref(m->json);
}

static const char *jstr(json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static int mix_articles(mix_set *m, const char *path) {
    json_error_t je;
    if (!(m->json = json_load_file(path, 0, &je)) || !json_is_array(m->json)) {
        fprintf(stderr, "engine_bench: %s: %s\n", path, m->json ? "not an array" : je.text);
        return -1;
    }
    size_t i;
    json_t *a;
    json_array_foreach(m->json, i, a) {
        if (m->nart == EB_MIX_MAX_ARTICLES) break;
        size_t k = m->nart++, nt = 0, j;
        json_t *t;
        json_array_foreach(json_object_get(a, "tags"), j, t) {
            if (nt < EB_MIX_MAX_TAGS && json_is_string(t)) m->tags[k][nt++] = json_string_value(t);
        }
        m->art_id[k] = jstr(a, "id");
        m->art[k] = (engine_article){jstr(a, "title"), jstr(a, "body"), m->tags[k], nt,
                                     jstr(a, "url")};
    }
    return 0;
}

/* Reads the captured bodies (one per line). Returns the count, or -1. */
static long mix_bodies(mix_set *m, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "engine_bench: cannot read %s\n", path);
        return -1;
    }
    if (!(m->c = calloc(EB_MIX_MAX, sizeof *m->c))) {
        fclose(f);
        return -1;
    }
    static model_comment mc; /* 13 KB: not on the stack */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while (m->n < EB_MIX_MAX && (got = getline(&line, &cap, f)) > 0) {
        size_t len = (size_t)got;
        if (line[len - 1] == '\n') line[--len] = 0;
        codec_error err;
        if (codec_decode_comment_req(line, len, &mc, EB_MIX_MAX_TEXT, &err) < 0) continue;
        mix_comment *c = &m->c[m->n++];
        c->text = dup_or_null(mc.text);
        c->len = c->text ? strlen(c->text) : 0;
        c->name = dup_or_null(mc.author.name);
        c->email = dup_or_null(mc.author.email);
        c->url = dup_or_null(mc.author.url);
        c->ip = dup_or_null(mc.author.ip);
        c->parent = dup_or_null(mc.parent_id);
        c->article = -1;
        for (size_t k = 0; k < m->nart; k++)
            if (mc.article_id && m->art_id[k] && strcmp(mc.article_id, m->art_id[k]) == 0)
                c->article = (int)k;
        model_comment_free(&mc);
        engine_comment ec = {c->text, c->len, c->name, c->email, c->url, c->ip, c->parent};
        engine_author_key(&ec, c->author_key, sizeof c->author_key);
    }
    free(line);
    fclose(f);
    return (long)m->n;
}

/* Times the mix: every comment in turn, as often as seconds allow. */
static int run_mix(engine_session *sess, const mix_set *m, double seconds, result *r) {
    double t_prep = 0, t0 = now_s(), t_end = t0 + seconds, bytes = 0;
    long it = 0;
    engine_verdict v;
    for (;;) {
        const mix_comment *c = &m->c[(size_t)it % m->n];
        engine_comment ec = {c->text, c->len, c->name, c->email, c->url, c->ip, c->parent};
        engine_context ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.article = c->article >= 0 ? &m->art[c->article] : NULL;
        ctx.author_key = c->author_key;
        ctx.learned_spam_prob = -1;
        engine_features *f = NULL;
        engine_error err;
        memset(&err, 0, sizeof err);
        double a = now_s();
        if (engine_prepare(sess, &ec, &f, &err) < 0) {
            fprintf(stderr, "engine_bench: engine_prepare(%zu bytes): %s\n", c->len, err.text);
            return -1;
        }
        double b = now_s();
        engine_score(sess, f, &ec, &ctx, &v);
        engine_features_free(f);
        t_prep += b - a;
        bytes += (double)c->len;
        it++;
        double t = now_s();
        if ((size_t)it >= m->n && it >= EB_MIN_ITERS && t >= t_end) {
            double total = t - t0;
            r->iters = it;
            r->per_s = (double)it / total;
            r->us = total / (double)it * 1e6;
            r->ns_per_byte = total / bytes * 1e9;
            r->prepare_pct = 100.0 * t_prep / total;
            return 0;
        }
    }
}

static int mix_main(engine_session *sess, double seconds, const char *bodies,
                    const char *articles) {
    mix_set m;
    memset(&m, 0, sizeof m);
    result r;
    int rc = 1;
    if (mix_articles(&m, articles) < 0 || mix_bodies(&m, bodies) < 0) goto out;
    if (m.n == 0) {
        fprintf(stderr, "engine_bench: no comment in %s\n", bodies);
        goto out;
    }
    double bytes = 0;
    for (size_t i = 0; i < m.n; i++) bytes += (double)m.c[i].len;
    printf("engine: one thread, the bench mix (%zu captured comments, article context)\n", m.n);
    if (run_mix(sess, &m, seconds, &r) < 0) goto out;
    print_result("mix", (size_t)(bytes / (double)m.n + 0.5), &r);
    rc = 0;
out:
    mix_free(&m);
    return rc;
}

/* 1 when case name should run under the CASE argument only (NULL = all). */
static int wanted(const char *only, const char *name) {
    return !only || strcmp(only, name) == 0;
}

static void print_result(const char *name, size_t len, const result *r) {
    printf("  %-18s %6zu B %10.0f comments/s %9.1f us %8.1f ns/byte  prepare %4.1f%%\n",
           name, len, r->per_s, r->us, r->ns_per_byte, r->prepare_pct);
    printf("ENGINE case=%s bytes=%zu iters=%ld per_s=%.1f ns_per_byte=%.2f us=%.2f "
           "prepare_pct=%.1f\n",
           name, len, r->iters, r->per_s, r->ns_per_byte, r->us, r->prepare_pct);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? strtod(argv[1], NULL) : EB_DEFAULT_SECONDS;
    if (!(seconds > 0 && seconds <= EB_MAX_SECONDS)) {
        fprintf(stderr, "usage: engine_bench [SECONDS_PER_CASE (0-%g] [CASE]]\n",
                EB_MAX_SECONDS);
        return 2;
    }
    const char *only = argc > 2 ? argv[2] : NULL;
    int mix = only && strcmp(only, "mix") == 0;
    if (mix != (argc == 5) || argc > 5) {
        fprintf(stderr, "usage: engine_bench [SECONDS [CASE]] | engine_bench SECONDS mix "
                        "BODIES_FILE ARTICLES_JSON\n");
        return 2;
    }
    static const size_t sizes[] = {1024, 8192, 65536};
    static const char *const names[] = {"1KB", "8KB", "64KB"};
    enum { NSIZES = sizeof sizes / sizeof sizes[0] };
    int rc = 1;
    engine *e = NULL;
    engine_session *sess = NULL;
    char *texts[NSIZES][EB_VARIANTS];
    static char *pool[EB_THREAD_POOL];
    engine_article *many = NULL; /* the many-articles cases' articles */
    char **abodies = NULL;       /* ... and their bodies (owned) */
    memset(texts, 0, sizeof texts);

    engine_config cfg;
    engine_config_defaults(&cfg);
    /* ENGINE_BENCH_DISABLE=code,code...: detectors not run, to measure
     * what a family of detectors costs (the same comments without it) */
    static char dis_buf[512];
    static const char *dis[64];
    const char *env = getenv("ENGINE_BENCH_DISABLE");
    if (env && *env) {
        snprintf(dis_buf, sizeof dis_buf, "%s", env);
        size_t nd = 0;
        for (char *t = strtok(dis_buf, ","); t && nd + 1 < sizeof dis / sizeof dis[0];
             t = strtok(NULL, ","))
            dis[nd++] = t;
        dis[nd] = NULL;
        cfg.disabled = dis;
    }
    engine_error err;
    if (!(e = engine_new(&cfg, &err))) {
        fprintf(stderr, "engine_bench: engine_new: %s\n", err.text);
        goto out;
    }
    if (!(sess = engine_session_new(e))) goto fail_nomem;
    if (mix) {
        rc = mix_main(sess, seconds, argv[3], argv[4]);
        goto out;
    }
    for (size_t s = 0; s < NSIZES; s++)
        for (size_t i = 0; i < EB_VARIANTS; i++)
            if (!(texts[s][i] = prose(sizes[s]))) goto fail_nomem;
    for (size_t i = 0; i < EB_THREAD_POOL; i++)
        if (!(pool[i] = prose(EB_THREAD_TEXT_LEN))) goto fail_nomem;

    engine_article art = {ART_TITLE, ART_BODY, ART_TAGS,
                          sizeof ART_TAGS / sizeof ART_TAGS[0], "https://news.example/bike"};
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.article = &art;
    ctx.author_key = "ann@mail.example";
    ctx.learned_spam_prob = -1;

    printf("engine: one thread, engine_prepare + engine_score with an article context\n");
    result r[NSIZES], rt;
    for (size_t s = 0; s < NSIZES; s++) {
        if (!wanted(only, names[s])) continue;
        if (run_case(sess, texts[s], sizes[s], &ctx, NULL, NULL, 0, seconds, &r[s]) < 0) goto out;
        print_result(names[s], sizes[s], &r[s]);
    }
    engine_context tctx = ctx;
    tctx.thread_texts = (const char *const *)pool;
    tctx.nthread = EB_THREAD_TEXTS;
    const thread_mix one = {pool, EB_THREAD_POOL, 1}, four = {pool, EB_THREAD_POOL, EB_ARTICLES};
    static const char *const tnames[] = {"1KB+thread50-same", "1KB+thread50-1new",
                                         "1KB+4x50-1new"};
    const engine_context *tbase[] = {&tctx, &ctx, &ctx};
    const thread_mix *tmix[] = {NULL, &one, &four};
    for (size_t i = 0; i < sizeof tnames / sizeof tnames[0]; i++) {
        if (!wanted(only, tnames[i])) continue;
        if (run_case(sess, texts[0], sizes[0], tbase[i], tmix[i], NULL, 0, seconds, &rt) < 0)
            goto out;
        print_result(tnames[i], sizes[0], &rt);
    }
    /* many articles: comments rotating over EB_MANY_ARTICLES distinct
     * articles (each as long as the bench article) against 4 of them --
     * what a site with thousands of live articles costs the engine's
     * article analysis */
    static const char *const anames[] = {"1KB+4articles", "1KB+10000articles"};
    static const size_t acount[] = {EB_ARTICLES, EB_MANY_ARTICLES};
    result ra[2];
    int aran = 0;
    for (size_t i = 0; i < 2; i++) {
        if (!wanted(only, anames[i])) continue;
        if (!many) {
            if (!(many = calloc(EB_MANY_ARTICLES, sizeof *many)) ||
                !(abodies = calloc(EB_MANY_ARTICLES, sizeof *abodies)))
                goto fail_nomem;
            for (size_t k = 0; k < EB_MANY_ARTICLES; k++) {
                if (!(abodies[k] = prose(sizeof ART_BODY - 1))) goto fail_nomem;
                many[k] = art;
                many[k].body = abodies[k];
            }
        }
        for (size_t k = 0; k < acount[i]; k++) { /* the untimed lap */
            engine_comment c = {texts[0][k % EB_VARIANTS], sizes[0], "Ann Reader",
                                "ann@mail.example", NULL, "10.1.2.3", NULL};
            engine_features *f = NULL;
            engine_context wctx = ctx;
            wctx.article = &many[k];
            if (engine_prepare(sess, &c, &f, &err) < 0)
                goto out;
            engine_verdict wv;
            engine_score(sess, f, &c, &wctx, &wv);
            engine_features_free(f);
        }
        if (run_case(sess, texts[0], sizes[0], &ctx, NULL, many, acount[i], seconds, &ra[i]) < 0)
            goto out;
        print_result(anames[i], sizes[0], &ra[i]);
        aran++;
    }
    if (aran == 2) {
        printf("  articles %d : %d = %.2f (cost per comment)\n", EB_MANY_ARTICLES, EB_ARTICLES,
               ra[1].us / ra[0].us);
        printf("ENGINE articles_ratio=%.3f\n", ra[1].us / ra[0].us);
    }
    if (!only) {
        double ratio = r[NSIZES - 1].ns_per_byte / r[0].ns_per_byte;
        printf("  ns/byte 64KB : 1KB = %.2f (1.00 = linear)\n", ratio);
        printf("ENGINE linearity=%.3f\n", ratio);
    }
    rc = 0;
    goto out;
fail_nomem:
    fprintf(stderr, "engine_bench: out of memory\n");
out:
    for (size_t s = 0; s < NSIZES; s++)
        for (size_t i = 0; i < EB_VARIANTS; i++) free(texts[s][i]);
    for (size_t i = 0; i < EB_THREAD_POOL; i++) free(pool[i]);
    for (size_t k = 0; abodies && k < EB_MANY_ARTICLES; k++) free(abodies[k]);
    free(abodies);
    free(many);
    engine_session_free(sess);
    engine_free(e);
    return rc;
}
