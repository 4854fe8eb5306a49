/* test_minhash.c - unit tests for minhash.c. */
#include "minhash.h"

#include <stdio.h>
#include "unit.h"
#include "unit_text.h"

static void sig(tokenizer *tk, const char *s, uint32_t *mh, uint64_t *band,
                long *nsh) {
    tokenize_list l = {0};
    char *n = unit_text(tk, s, &l, NULL);
    *nsh = minhash_compute(&l, mh, band);
    free(n);
    tokenize_list_free(&l);
}

static void test_similarity(void) {
    tokenizer *tk = tokenize_new("english");
    uint32_t a[ENGINE_MINHASH_N], b[ENGINE_MINHASH_N], c[ENGINE_MINHASH_N];
    uint64_t ba[ENGINE_LSH_BANDS], bb[ENGINE_LSH_BANDS], bc[ENGINE_LSH_BANDS];
    long na, nb, nc;
    const char *base = "the council should publish the leak repair schedule for "
                       "every district so residents can see where the water goes";
    sig(tk, base, a, ba, &na);
    sig(tk, "the council should publish the leak repair schedule for each "
            "district so residents can see where the water goes", b, bb, &nb);
    sig(tk, "football season starts next week and the stadium is already sold "
            "out for the opening match against the champions", c, bc, &nc);
    CHECK(na >= MINHASH_MIN_SHINGLES && nc >= MINHASH_MIN_SHINGLES);
    double near = minhash_similarity(a, b), far = minhash_similarity(a, c);
    CHECK(near >= 0.5);
    CHECK(far <= 0.15);
    CHECK_NEAR(minhash_similarity(a, a), 1.0, 1e-9);
    int shared = 0, shared_far = 0;
    for (int i = 0; i < ENGINE_LSH_BANDS; i++) {
        shared += ba[i] == bb[i];
        shared_far += ba[i] == bc[i];
    }
    CHECK(shared >= 1);
    CHECK(shared_far == 0);
    /* same text, same signature (fixed seeds: stable across runs) */
    uint32_t a2[ENGINE_MINHASH_N];
    uint64_t ba2[ENGINE_LSH_BANDS];
    sig(tk, "The Council  should publish the leak repair schedule for every "
            "district so residents can see where the water goes!", a2, ba2, &na);
    CHECK(memcmp(a, a2, sizeof a) == 0);
    tokenize_free(tk);
}

static void test_short_and_exact(void) {
    tokenizer *tk = tokenize_new("english");
    uint32_t a[ENGINE_MINHASH_N];
    uint64_t ba[ENGINE_LSH_BANDS];
    long n;
    sig(tk, "thanks a lot", a, ba, &n);
    CHECK(n == 1);
    CHECK(n < MINHASH_MIN_SHINGLES);
    CHECK(minhash_exact("abc", 3) == minhash_exact("abc", 3));
    CHECK(minhash_exact("abc", 3) != minhash_exact("abd", 3));
    tokenize_free(tk);
}

/* The estimator over many text pairs of known Jaccard: unbiased, and the 32
 * functions independent enough that the spread matches J(1-J)/32. */
static void test_estimator(void) {
    tokenizer *tk = tokenize_new("english");
    enum { TRIALS = 150, WORDS = 60, SHARED = 30 };
    /* A: words 0..59; B: words 0..29 then 30 others. Shingles (k=3): 58
     * each, 28 shared, union 88. */
    const double j = 28.0 / 88.0;
    double sum = 0, sq = 0;
    char *ta = malloc(WORDS * 16), *tb = malloc(WORDS * 16);
    for (int t = 0; t < TRIALS; t++) {
        size_t na = 0, nb = 0;
        for (int w = 0; w < WORDS; w++) {
            na += (size_t)sprintf(ta + na, "t%dw%d ", t, w);
            nb += (size_t)sprintf(tb + nb, "t%d%c%d ", t,
                                  w < SHARED ? 'w' : 'x', w);
        }
        uint32_t a[ENGINE_MINHASH_N], b[ENGINE_MINHASH_N];
        uint64_t ba[ENGINE_LSH_BANDS], bb[ENGINE_LSH_BANDS];
        long sa, sb;
        sig(tk, ta, a, ba, &sa);
        sig(tk, tb, b, bb, &sb);
        CHECK(sa == WORDS - 2 && sb == WORDS - 2);
        double e = minhash_similarity(a, b);
        sum += e;
        sq += (e - j) * (e - j);
    }
    double mean = sum / TRIALS, var = sq / TRIALS;
    CHECK_NEAR(mean, j, 0.03);
    CHECK(var < 2.0 * j * (1 - j) / ENGINE_MINHASH_N);
    free(ta);
    free(tb);
    tokenize_free(tk);
}

int main(void) {
    UNIT_RUN(test_estimator);
    UNIT_RUN(test_similarity);
    UNIT_RUN(test_short_and_exact);
    return unit_report("unit");
}
