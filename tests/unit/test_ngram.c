/* test_ngram.c - unit tests for ngram.c: features, model files, prediction.
 *
 * Also prints (never asserts) the cost of extraction + prediction with the
 * embedded models on a 1-KB comment, in microseconds.
 */
#include "ngram.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"

/* Sorted buckets of the features of word w of doc (unigram and character
 * n-grams, not the bigram it ends) into out; returns how many. */
static size_t word_buckets(const ngram_doc *d, uint32_t w, uint32_t *out,
                           size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < d->n && n < max; i++)
        if (d->f[i].word == w)
            out[n++] = d->f[i].bucket;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint32_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* 1 when word wa of text a and word wb of text b give the same features. */
static int same_word(const char *a, uint32_t wa, const char *b, uint32_t wb) {
    ngram_doc da = {0}, db = {0};
    uint32_t ba[64], bb[64];
    int same = 0;
    if (ngram_extract(a, strlen(a), &da) == 0 &&
        ngram_extract(b, strlen(b), &db) == 0 && wa < da.nw && wb < db.nw) {
        size_t na = word_buckets(&da, wa, ba, 64), nb = word_buckets(&db, wb, bb, 64);
        same = na > 0 && na == nb && memcmp(ba, bb, na * sizeof *ba) == 0;
    }
    ngram_doc_free(&da);
    ngram_doc_free(&db);
    return same;
}

static void test_obfuscation_reads_as_word(void) {
    CHECK(same_word("you idiot", 1, "you 1d10t!", 1));
    CHECK(same_word("you idiot", 1, "you i d i o t", 1));
    CHECK(same_word("fck off", 0, "f*ck off", 0));
    CHECK(same_word("stuupid", 0, "stuuuuupid", 0));
    CHECK(same_word("ass", 0, "a$$", 0));
    CHECK(!same_word("you idiot", 1, "you idiom", 1));
    /* a number without letters stays a number */
    CHECK(!same_word("1000 views", 0, "iooo views", 0));
}

static void test_spans_as_written(void) {
    const char *t = "you 1d10t!! go away";
    ngram_doc d = {0};
    CHECK(ngram_extract(t, strlen(t), &d) == 0);
    CHECK(d.nw == 4);
    CHECK(d.w[1].begin == 4 && d.w[1].end == 9); /* "1d10t", no "!!" */
    /* spaced letters: one word spanning all of them */
    const char *s = "what an i d i o t";
    CHECK(ngram_extract(s, strlen(s), &d) == 0);
    CHECK(d.nw == 3);
    CHECK(d.w[2].begin == 8 && d.w[2].end == strlen(s));
    /* two single letters stay two words */
    const char *p = "a i said";
    CHECK(ngram_extract(p, strlen(p), &d) == 0);
    CHECK(d.nw == 3 && d.w[1].begin == 2 && d.w[1].end == 3);
    ngram_doc_free(&d);
}

static void test_tweet_shapes_skipped(void) {
    ngram_doc a = {0}, b = {0};
    const char *x = "rt @someone: you are so kind #blessed";
    const char *y = "you are so kind";
    CHECK(ngram_extract(x, strlen(x), &a) == 0);
    CHECK(ngram_extract(y, strlen(y), &b) == 0);
    CHECK(a.n == b.n && a.nw == b.nw);
    for (size_t i = 0; i < a.n && i < b.n; i++)
        CHECK(a.f[i].bucket == b.f[i].bucket);
    /* a link says where, not what: no features */
    const char *l = "see https://example.com/a?b=c now";
    const char *k = "see now";
    CHECK(ngram_extract(l, strlen(l), &a) == 0);
    CHECK(ngram_extract(k, strlen(k), &b) == 0);
    CHECK(a.nw == 2 && a.n == b.n);
    CHECK(a.w[1].begin == strlen(l) - 3);
    ngram_doc_free(&a);
    ngram_doc_free(&b);
}

static void test_utf8_and_limits(void) {
    ngram_doc d = {0};
    const char *t = "caf\xc3\xa9 \xe2\x9d\xa4 \xd0\xb4\xd0\xb0";
    CHECK(ngram_extract(t, strlen(t), &d) == 0);
    CHECK(d.nw == 2); /* the heart is no word */
    CHECK(d.w[0].end == 5);
    size_t n = NGRAM_MAX_BYTES * 3;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 6 == 5 ? ' ' : 'a' + (char)(i % 5);
    big[n] = 0;
    CHECK(ngram_extract(big, n, &d) == 0);
    CHECK(d.nw > 0 && d.w[d.nw - 1].end <= NGRAM_MAX_BYTES);
    free(big);
    CHECK(ngram_extract("", 0, &d) == 0 && d.n == 0 && d.nw == 0);
    ngram_doc_free(&d);
    ngram_doc_free(NULL);
}

/* A model file giving weight w to every feature bucket of word 1 of text. */
static char *model_for(const char *text, double bias, double w, size_t *len) {
    ngram_doc d = {0};
    uint32_t b[64];
    CHECK(ngram_extract(text, strlen(text), &d) == 0);
    size_t n = word_buckets(&d, 1, b, 64), k = 0;
    for (size_t i = 0; i < n; i++)
        if (!i || b[i] != b[i - 1])
            b[k++] = b[i]; /* distinct */
    char *m = malloc(64 * 32 + 256);
    int o = sprintf(m, "# test model\nngram 1\nname t\nbuckets %d\nbias %g\n"
                       "length 0.5 0\nplatt -1 0\nweights %zu\n", NGRAM_BUCKET_BITS, bias, k);
    for (size_t i = 0; i < k; i++)
        o += sprintf(m + o, "%u %g\n", b[i], w);
    *len = (size_t)o;
    ngram_doc_free(&d);
    return m;
}

static void test_predict(void) {
    size_t len;
    char *file = model_for("you idiot", -1.0, 0.5, &len), err[128];
    ngram_model *m = ngram_model_parse(file, len, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        free(file);
        return;
    }
    const char *t = "what a 1d10t you are";
    ngram_doc d = {0};
    ngram_result r;
    CHECK(ngram_extract(t, strlen(t), &d) == 0);
    /* the margin, counted here: every feature of word 2 has weight 0.5 */
    uint32_t wb[64];
    size_t nw = word_buckets(&d, 2, wb, 64);
    double sum = 0.5 * (double)nw;
    double want = -1.0 + sum / sqrt((double)d.n);
    CHECK_NEAR(ngram_margin(m, &d), want, 1e-5);
    ngram_predict(m, &d, &r);
    CHECK_NEAR(r.margin, want, 1e-5);
    CHECK_NEAR(r.prob, 1.0 / (1.0 + exp(-want)), 1e-9); /* A -1, B 0 */
    CHECK(r.ntop == 1);
    char words[64];
    ngram_words(t, &r, words, sizeof words);
    CHECK_STR(words, "1d10t");
    /* a text without the word: bias only, no words */
    const char *c = "what a kind person you are";
    CHECK(ngram_extract(c, strlen(c), &d) == 0);
    ngram_predict(m, &d, &r);
    CHECK(r.ntop == 0);
    CHECK(r.margin < want);
    ngram_doc_free(&d);
    ngram_model_free(m);
    free(file);
}

static void test_parse_errors(void) {
    char err[128];
    static const char *const bad[] = {
        "ngram 2\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 19\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 1\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 2 0\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 2\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 2\n5 0.5\n5 0.25\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 1\n1048576 0.5\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 1\n5 x\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1\nweights 1\n5 0.5\n",
        "ngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nsize 3\nweights 1\n5 0.5\n",
        ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        ngram_model *m = ngram_model_parse(bad[i], strlen(bad[i]), err, sizeof err);
        CHECK(m == NULL);
        CHECK(strncmp(err, "line ", 5) == 0);
        ngram_model_free(m);
    }
    const char *ok = "# c\nngram 1\nbuckets 20\nlength 0.5 0\nbias 0\nplatt -1 0\nweights 1\n5 0.5\n";
    ngram_model *m = ngram_model_parse(ok, strlen(ok), err, sizeof err);
    CHECK(m && ngram_model_weights(m) == 1);
    ngram_model_free(m);
    ngram_model_free(NULL);
}

static void test_platt(void) {
    CHECK_NEAR(ngram_platt(2.0, -1.0, 2.0), 0.5, 1e-12);
    CHECK(ngram_platt(3.0, -1.0, 0) > ngram_platt(1.0, -1.0, 0));
    CHECK(ngram_platt(1e6, -1.0, 0) > 0.999 && ngram_platt(-1e6, -1.0, 0) < 0.001);
}

/* The committed models, as embedded: each parses and names a known model. */
static void test_embedded(void) {
    CHECK(ngram_blobs_count == NGRAM_MODEL_COUNT);
    for (size_t i = 0; i < ngram_blobs_count; i++) {
        char err[128];
        int known = 0;
        for (int id = 0; id < NGRAM_MODEL_COUNT; id++)
            known += strcmp(ngram_blobs[i].name, ngram_model_name(id)) == 0;
        CHECK(known == 1);
        ngram_model *m = ngram_model_parse((const char *)ngram_blobs[i].data,
                                           ngram_blobs[i].len, err, sizeof err);
        CHECK(m && ngram_model_weights(m) > 0);
        ngram_model_free(m);
    }
    CHECK(ngram_model_name(NGRAM_MODEL_COUNT) == NULL);
}

/* 1 when a and b say the same to the last bit. */
static int same_result(const ngram_result *a, const ngram_result *b) {
    if (a->margin != b->margin || a->prob != b->prob || a->ntop != b->ntop)
        return 0;
    for (size_t i = 0; i < a->ntop; i++)
        if (a->top[i].begin != b->top[i].begin || a->top[i].end != b->top[i].end ||
            a->contribution[i] != b->contribution[i])
            return 0;
    return 1;
}

/* With the embedded models: the prediction, which visits only the
 * n-grams a model weighs, gives the margin of every n-gram summed
 * (ngram_margin); a prediction kept in the document (ngram_doc_keep) is
 * the one made afresh, for its model only, until the next extraction. */
static void test_kept_prediction(void) {
    static const char *const texts[] = {
        "you are such an idiot, go away",
        "what a 1d10t you are, f*ck off and d i e",
        "The council should publish the repair schedule for every district.",
        "stuuuupid stuuuupid people, you all deserve it",
        "",
    };
    ngram_model *m[NGRAM_MODEL_COUNT] = {0};
    for (size_t i = 0; i < ngram_blobs_count && i < NGRAM_MODEL_COUNT; i++)
        m[i] = ngram_model_parse((const char *)ngram_blobs[i].data,
                                 ngram_blobs[i].len, NULL, 0);
    ngram_model *tox = m[NGRAM_MODEL_TOXICITY], *spam = m[NGRAM_MODEL_SPAM];
    CHECK(tox && spam);
    if (!tox || !spam)
        goto done;
    ngram_doc kept = {0};
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        ngram_doc d = {0};
        ngram_result fresh, again, other, other_fresh;
        CHECK(ngram_extract(texts[t], strlen(texts[t]), &d) == 0);
        ngram_predict(tox, &d, &fresh);
        ngram_predict(spam, &d, &other_fresh);
        CHECK_NEAR(fresh.margin, ngram_margin(tox, &d), 1e-12);
        CHECK_NEAR(other_fresh.margin, ngram_margin(spam, &d), 1e-12);
        /* the same document reused: the kept result is the new text's */
        CHECK(ngram_extract(texts[t], strlen(texts[t]), &kept) == 0);
        ngram_doc_keep(&kept, tox);
        ngram_predict(tox, &kept, &again);
        ngram_predict(spam, &kept, &other);
        CHECK(same_result(&fresh, &again));
        CHECK(same_result(&other_fresh, &other));
        ngram_doc_free(&d);
    }
    ngram_doc_free(&kept);
done:
    for (int i = 0; i < NGRAM_MODEL_COUNT; i++)
        ngram_model_free(m[i]);
}

/* Prints the cost of extraction + both predictions per 1-KB comment. */
static void bench_1kb(void) {
    static const char *const words[] = {
        "the", "council", "should", "publish", "repair", "schedule", "every",
        "district", "residents", "water", "rationing", "because", "drought",
        "summer", "reservoir", "levels", "fell", "again", "this", "week"};
    char text[1100];
    size_t n = 0;
    for (size_t i = 0; n < 1000; i++)
        n += (size_t)sprintf(text + n, "%s ", words[(i * 7) % 20]);
    ngram_model *m[NGRAM_MODEL_COUNT] = {0};
    for (size_t i = 0; i < ngram_blobs_count && i < NGRAM_MODEL_COUNT; i++)
        m[i] = ngram_model_parse((const char *)ngram_blobs[i].data,
                                 ngram_blobs[i].len, NULL, 0);
    ngram_doc d = {0};
    ngram_result r;
    enum { ROUNDS = 2000 };
    double sink = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < ROUNDS; k++) {
        ngram_extract(text, n, &d);
        for (int i = 0; i < NGRAM_MODEL_COUNT; i++)
            if (m[i]) {
                ngram_predict(m[i], &d, &r);
                sink += r.prob;
            }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
                 (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / ROUNDS;
    printf("  ngram: %zu bytes, %zu features: %.2f us per comment "
           "(extract + %d models; sanitizer build)\n",
           n, d.n, us, NGRAM_MODEL_COUNT);
    CHECK(sink >= 0);
    ngram_doc_free(&d);
    for (int i = 0; i < NGRAM_MODEL_COUNT; i++)
        ngram_model_free(m[i]);
}

int main(void) {
    UNIT_RUN(test_obfuscation_reads_as_word);
    UNIT_RUN(test_spans_as_written);
    UNIT_RUN(test_tweet_shapes_skipped);
    UNIT_RUN(test_utf8_and_limits);
    UNIT_RUN(test_predict);
    UNIT_RUN(test_parse_errors);
    UNIT_RUN(test_platt);
    UNIT_RUN(test_embedded);
    UNIT_RUN(test_kept_prediction);
    UNIT_RUN(bench_1kb);
    return unit_report("unit");
}
