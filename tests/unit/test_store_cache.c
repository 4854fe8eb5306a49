/* test_store_cache.c - the pool's look-up cache: df values count only at
 * the site's last-seen version, sites and stems never mix, limits, learner
 * totals, eviction of a site slot, concurrent use. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "unit.h"

/* the cache takes stems as the look-up request holds them (char *const *) */
static char s_alpha[] = "alpha", s_beta[] = "beta", s_gamma[] = "gamma";
static char *const ABC[3] = {s_alpha, s_beta, s_gamma};

static void test_hits_only_at_the_last_seen_version(void) {
    store_cache *c = store_cache_new();
    CHECK(c != NULL);
    if (!c) return;
    uint32_t df[3] = {7, 7, 7};
    unsigned char hit[3] = {9, 9, 9};
    uint64_t ver = 99;
    /* nothing known: no hit, df untouched */
    CHECK(store_cache_df_get(c, "s1", ABC, 3, df, hit, &ver) == 0);
    CHECK(hit[0] == 0 && hit[1] == 0 && hit[2] == 0);
    CHECK(df[0] == 7 && ver == 99);

    uint32_t v5[3] = {1, 2, 0};
    store_cache_df_put(c, "s1", 5, ABC, v5, NULL, 3);
    CHECK(store_cache_df_get(c, "s1", ABC, 3, df, hit, &ver) == 3);
    CHECK(ver == 5);
    CHECK(df[0] == 1 && df[1] == 2 && df[2] == 0); /* a 0 is a value too */
    CHECK(hit[0] == 1 && hit[1] == 1 && hit[2] == 1);

    /* version 6 arrives with beta only: alpha and gamma were read at 5 and
     * no longer count */
    uint32_t v6[3] = {0, 3, 0};
    unsigned char skip[3] = {1, 0, 1};
    store_cache_df_put(c, "s1", 6, ABC, v6, skip, 3);
    memset(df, 0, sizeof df);
    CHECK(store_cache_df_get(c, "s1", ABC, 3, df, hit, &ver) == 1);
    CHECK(ver == 6 && hit[0] == 0 && hit[1] == 1 && hit[2] == 0 && df[1] == 3);

    /* back to an older number (a FLUSHALL restarts at 0): what was read at
     * 6 does not count at 0 */
    uint32_t z[1] = {4};
    store_cache_df_put(c, "s1", 0, ABC, z, NULL, 1);
    CHECK(store_cache_df_get(c, "s1", ABC, 3, df, hit, &ver) == 1);
    CHECK(ver == 0 && hit[0] == 1 && df[0] == 4 && hit[1] == 0);
    store_cache_free(c);
}

static void test_sites_do_not_mix(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    uint32_t a[3] = {10, 11, 12}, b[3] = {20, 21, 22}, df[3];
    unsigned char hit[3];
    uint64_t ver = 0;
    store_cache_df_put(c, "s1", 3, ABC, a, NULL, 3);
    store_cache_df_put(c, "s2", 3, ABC, b, NULL, 2);
    CHECK(store_cache_df_get(c, "s2", ABC, 3, df, hit, &ver) == 2);
    CHECK(df[0] == 20 && df[1] == 21 && hit[2] == 0);
    CHECK(store_cache_df_get(c, "s1", ABC, 3, df, hit, &ver) == 3);
    CHECK(df[0] == 10 && df[2] == 12);
    /* a prefix of a site name or of a stem is another key */
    char p1[] = "alph", p2[] = "alphas";
    char *const pre[2] = {p1, p2};
    CHECK(store_cache_df_get(c, "s", ABC, 3, df, hit, &ver) == 0);
    CHECK(store_cache_df_get(c, "s1", pre, 2, df, hit, &ver) == 0);
    store_cache_free(c);
}

static void test_long_names_are_not_cached(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    char stem[STORE_CACHE_STEM_MAX + 2], site[STORE_CACHE_SITE_MAX + 2];
    memset(stem, 'x', sizeof stem - 1);
    stem[sizeof stem - 1] = 0; /* one byte too long */
    memset(site, 's', sizeof site - 1);
    site[sizeof site - 1] = 0;
    char *const terms[2] = {stem, stem + 1}; /* too long, just fits */
    uint32_t v[2] = {5, 6}, df[2] = {0, 0};
    unsigned char hit[2];
    uint64_t ver = 0;
    store_cache_df_put(c, "s1", 1, terms, v, NULL, 2);
    CHECK(store_cache_df_get(c, "s1", terms, 2, df, hit, &ver) == 1);
    CHECK(hit[0] == 0 && hit[1] == 1 && df[1] == 6);
    store_cache_df_put(c, site, 1, terms + 1, v, NULL, 1);
    CHECK(store_cache_df_get(c, site, terms + 1, 1, df, hit, &ver) == 0);
    store_cache_learn_put(c, site, 3, 4, 7);
    uint32_t ns = 0, nh = 0;
    uint64_t lv = 0;
    CHECK(store_cache_learn_get(c, site, &ns, &nh, &lv) == 0);
    site[STORE_CACHE_SITE_MAX] = 0; /* exactly the limit: cached */
    store_cache_learn_put(c, site, 3, 4, 7);
    CHECK(store_cache_learn_get(c, site, &ns, &nh, &lv) == 1 && ns == 3 && nh == 4);
    store_cache_free(c);
}

static void test_learner_totals(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    uint32_t ns = 77, nh = 77;
    uint64_t lv = 0;
    CHECK(store_cache_learn_get(c, "s1", &ns, &nh, &lv) == 0);
    CHECK(ns == 77 && nh == 77);
    store_cache_learn_put(c, "s1", 0, 0, 7);
    CHECK(store_cache_learn_get(c, "s1", &ns, &nh, &lv) == 1 && ns == 0 && nh == 0);
    store_cache_learn_put(c, "s1", 12, 9, 9);
    CHECK(store_cache_learn_get(c, "s1", &ns, &nh, &lv) == 1 && ns == 12 && nh == 9 && lv == 9);
    /* totals and df versions of a site live side by side */
    uint32_t v[1] = {2}, df[1];
    unsigned char hit[1];
    uint64_t ver;
    store_cache_df_put(c, "s1", 8, ABC, v, NULL, 1);
    CHECK(store_cache_learn_get(c, "s1", &ns, &nh, &lv) == 1 && ns == 12);
    CHECK(store_cache_df_get(c, "s1", ABC, 1, df, hit, &ver) == 1 && ver == 8);
    CHECK(store_cache_learn_get(c, "s2", &ns, &nh, &lv) == 0);
    store_cache_free(c);
}

/* A signature is served only for the id it was filed with, per site and
 * exact hash; a later filing under the same hash replaces it. */
static void test_signatures(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    char c1[] = "c1", ann[] = "ann@x.example", c2[] = "c2", bob[] = "bob", c3[] = "c3", x[] = "x";
    store_dup d = {.id = c1, .author_key = ann, .has_minhash = 1}, g;
    for (int i = 0; i < STORE_MINHASH_N; i++) d.minhash[i] = (uint32_t)i * 7u;
    CHECK(store_cache_sig_get(c, "s1", 42, "c1", &g) == 0);
    store_cache_sig_put(c, "s1", 42, &d);
    CHECK(store_cache_sig_get(c, "s1", 42, "c1", &g) == 1);
    CHECK(strcmp(g.id, "c1") == 0 && strcmp(g.author_key, "ann@x.example") == 0);
    CHECK(g.has_minhash && !g.exact && g.minhash[5] == 35);
    free(g.id);
    free(g.author_key);
    CHECK(store_cache_sig_get(c, "s1", 42, "c2", &g) == 0); /* another poster */
    CHECK(store_cache_sig_get(c, "s2", 42, "c1", &g) == 0); /* another site */
    CHECK(store_cache_sig_get(c, "s1", 43, "c1", &g) == 0); /* another text */
    store_dup e = {.id = c2, .author_key = bob, .has_minhash = 1};
    store_cache_sig_put(c, "s1", 42, &e);
    CHECK(store_cache_sig_get(c, "s1", 42, "c1", &g) == 0);
    CHECK(store_cache_sig_get(c, "s1", 42, "c2", &g) == 1);
    free(g.id);
    free(g.author_key);
    store_dup none = {.id = c3, .author_key = x}; /* no MinHash: not filed */
    store_cache_sig_put(c, "s1", 44, &none);
    CHECK(store_cache_sig_get(c, "s1", 44, "c3", &g) == 0);
    store_cache_free(c);
}

/* Webhook events live under the version they were read at, per site. */
static void test_webhook_events(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    unsigned ev = 9;
    uint64_t ver = 9;
    CHECK(store_cache_webhook_get(c, "s1", &ev, &ver) == 0 && ev == 9 && ver == 9);
    store_cache_webhook_put(c, "s1", 0, 0);
    CHECK(store_cache_webhook_get(c, "s1", &ev, &ver) == 1 && ev == 0 && ver == 0);
    store_cache_webhook_put(c, "s1", 3, 41);
    CHECK(store_cache_webhook_get(c, "s1", &ev, &ver) == 1 && ev == 3 && ver == 41);
    CHECK(store_cache_webhook_get(c, "s2", &ev, &ver) == 0);
    store_cache_free(c);
}

/* A site pushed out of its slot by others comes back knowing nothing:
 * entries of its former life must not count, even at the same version. */
static void test_evicted_site_starts_over(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    uint32_t v[3] = {1, 2, 3}, df[3];
    unsigned char hit[3];
    uint64_t ver;
    store_cache_df_put(c, "home", 4, ABC, v, NULL, 3);
    store_cache_learn_put(c, "home", 5, 5, 7);
    char name[32];
    for (int i = 0; i < STORE_CACHE_SITES * 20; i++) {
        snprintf(name, sizeof name, "other%d", i);
        store_cache_learn_put(c, name, 1, 1, 7);
    }
    uint32_t ns, nh;
    uint64_t lv;
    CHECK(store_cache_learn_get(c, "home", &ns, &nh, &lv) == 0);
    CHECK(store_cache_df_get(c, "home", ABC, 3, df, hit, &ver) == 0);
    store_cache_df_put(c, "home", 4, ABC, v, NULL, 1); /* alpha only */
    CHECK(store_cache_df_get(c, "home", ABC, 3, df, hit, &ver) == 1);
    CHECK(hit[0] == 1 && hit[1] == 0 && hit[2] == 0);
    store_cache_free(c);
}

/* The table is bounded: twice its size in stems leaves at most its size. */
static void test_bounded(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    enum { N = 2 * STORE_CACHE_TERMS };
    char (*names)[16] = malloc((size_t)N * 16);
    char **terms = malloc((size_t)N * sizeof *terms);
    uint32_t *v = malloc((size_t)N * sizeof *v), *df = malloc((size_t)N * sizeof *df);
    unsigned char *hit = malloc(N);
    if (names && terms && v && df && hit) {
        for (int i = 0; i < N; i++) {
            snprintf(names[i], 16, "t%d", i);
            terms[i] = names[i];
            v[i] = (uint32_t)i;
        }
        store_cache_df_put(c, "s1", 1, terms, v, NULL, N);
        uint64_t ver = 0;
        size_t nhit = store_cache_df_get(c, "s1", terms, N, df, hit, &ver);
        CHECK(nhit > 0 && nhit <= STORE_CACHE_TERMS);
        int wrong = 0;
        for (int i = 0; i < N; i++)
            if (hit[i] && df[i] != (uint32_t)i) wrong++;
        CHECK(wrong == 0);
        /* the last ones written are all there (each replaced what it met) */
        CHECK(store_cache_df_get(c, "s1", terms + N - 1, 1, df, hit, &ver) == 1);
    }
    free(names);
    free(terms);
    free(v);
    free(df);
    free(hit);
    store_cache_free(c);
}

/* Writers file value = 1000 * version + index under versions 1..3 while
 * readers check every hit against the version it came with. */
#define T_TERMS 64
typedef struct {
    store_cache *c;
    char *const *terms;
    int seed, writer, bad, hits;
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    uint32_t v[T_TERMS], df[T_TERMS];
    unsigned char hit[T_TERMS];
    unsigned r = (unsigned)w->seed;
    for (int round = 0; round < 3000; round++) {
        r = r * 1103515245u + 12345u;
        if (w->writer) {
            uint64_t ver = 1 + (r >> 16) % 3;
            for (int i = 0; i < T_TERMS; i++) v[i] = (uint32_t)(1000 * ver + (uint64_t)i);
            store_cache_df_put(w->c, "s1", ver, w->terms, v, NULL, T_TERMS);
        } else {
            uint64_t ver = 0;
            size_t n = store_cache_df_get(w->c, "s1", w->terms, T_TERMS, df, hit, &ver);
            w->hits += (int)n;
            for (int i = 0; i < T_TERMS; i++)
                if (hit[i] && df[i] != 1000 * ver + (uint64_t)i) w->bad++;
        }
    }
    return NULL;
}

static void test_concurrent_use(void) {
    store_cache *c = store_cache_new();
    if (!c) return;
    static char names[T_TERMS][8];
    static char *terms[T_TERMS];
    for (int i = 0; i < T_TERMS; i++) {
        snprintf(names[i], sizeof names[i], "w%d", i);
        terms[i] = names[i];
    }
    /* filled before the threads start: readers that happen to run before
     * any writer still find entries (and the check below cannot depend on
     * the scheduler) */
    uint32_t v0[T_TERMS];
    for (int i = 0; i < T_TERMS; i++) v0[i] = (uint32_t)(1000 + i);
    store_cache_df_put(c, "s1", 1, terms, v0, NULL, T_TERMS);
    worker w[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        w[i] = (worker){c, terms, i + 1, i < 2, 0, 0};
        CHECK(pthread_create(&th[i], NULL, run_worker, &w[i]) == 0);
    }
    int bad = 0, hits = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        bad += w[i].bad;
        hits += w[i].hits;
    }
    CHECK(bad == 0);
    CHECK(hits > 0);
    store_cache_free(c);
}

int main(void) {
    UNIT_RUN(test_hits_only_at_the_last_seen_version);
    UNIT_RUN(test_sites_do_not_mix);
    UNIT_RUN(test_long_names_are_not_cached);
    UNIT_RUN(test_learner_totals);
    UNIT_RUN(test_webhook_events);
    UNIT_RUN(test_signatures);
    UNIT_RUN(test_evicted_site_starts_over);
    UNIT_RUN(test_bounded);
    UNIT_RUN(test_concurrent_use);
    store_cache_free(NULL);
    return unit_report("store_cache");
}
