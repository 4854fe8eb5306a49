/* test_shingle.c - unit tests for shingle.c. */
#include "shingle.h"

#include <pthread.h>

#include "unit.h"
#include "unit_text.h"

static void test_set(void) {
    shingle_set s;
    CHECK(shingle_set_init(&s, 2) == 0);
    for (uint64_t i = 0; i < 1000; i++)
        CHECK(shingle_set_add(&s, i * 7919) == 1);
    CHECK(shingle_set_add(&s, 7919) == 0);
    CHECK(s.n == 1000);
    CHECK(shingle_set_has(&s, 0) && shingle_set_has(&s, 999 * 7919));
    CHECK(!shingle_set_has(&s, 3));
    shingle_set_free(&s);
}

/* A frozen set answers shingle_set_has as the set it was frozen from:
 * every member (0 included, stored as 1), and none of many non-members,
 * for sizes around the bucket index's steps and hashes crowding the
 * lowest and highest buckets. */
static void test_frozen(void) {
    static const size_t sizes[] = {0, 1, 2, 3, 5, 8, 70, 1000, 4097};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        shingle_set s;
        CHECK(shingle_set_init(&s, 4) == 0);
        uint64_t member[4097];
        size_t n = 0;
        for (size_t i = 0; i < sizes[k]; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t h = i % 7 == 0 ? x >> 40 : i % 7 == 1 ? ~(x >> 40) : x;
            if (i == 3)
                h = 0;
            if (shingle_set_add(&s, h) == 1)
                member[n++] = h;
        }
        CHECK(n == s.n);
        uint64_t *buf = malloc(shingle_frozen_bytes(s.n));
        CHECK(buf != NULL);
        shingle_set_freeze(&s, buf);
        shingle_set v;
        shingle_set_view(&v, buf);
        CHECK(v.n == s.n);
        for (size_t i = 0; i < n; i++)
            CHECK(shingle_set_has(&v, member[i]));
        CHECK(shingle_set_has(&v, 0) == shingle_set_has(&s, 0));
        for (size_t i = 0; i < 20000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t q = i % 3 == 0 ? x >> 40 : i % 3 == 1 ? ~(x >> 40) : x;
            CHECK(shingle_set_has(&v, q) == shingle_set_has(&s, q));
            CHECK(shingle_set_has(&v, q + 1) == shingle_set_has(&s, q + 1));
        }
        for (size_t i = 1; i < n; i++) /* neighbours of members */
            CHECK(shingle_set_has(&v, member[i] - 1) == shingle_set_has(&s, member[i] - 1));
        free(buf);
        shingle_set_free(&s);
    }
}

static void test_copied(void) {
    tokenizer *tk = tokenize_new("english");
    tokenize_list art = {0}, c = {0};
    char *na = unit_text(tk, "Officials said talks stalled. The newspaper indicated "
                             "that it may take weeks or months before Washington "
                             "announces a decision.", &art, NULL);
    shingle_set s;
    CHECK(shingle_set_init(&s, 16) == 0);
    CHECK(shingle_add_all(&s, &art, SHINGLE_COPY_K) == 0);
    shingle_copy cp;
    char *nc = unit_text(tk, "The newspaper indicated that it may take weeks or "
                             "months before Washington", &c, NULL);
    CHECK(shingle_copied(&c, &s, &cp) == 0);
    CHECK(cp.words == 12 && cp.covered == 12 && cp.run_words == 12);
    CHECK(cp.run_off == 0 && cp.run_len == strlen(nc));
    free(nc);
    nc = unit_text(tk, "I think it may take weeks or months before anything "
                       "changes, and my business cannot wait that long at all.",
                   &c, NULL);
    CHECK(shingle_copied(&c, &s, &cp) == 0);
    CHECK(cp.covered == 7); /* "it may take weeks or months before" */
    CHECK(cp.words == 20 && cp.covered * 2 < cp.words);
    free(nc);
    free(na);
    shingle_set_free(&s);
    tokenize_list_free(&art);
    tokenize_list_free(&c);
    tokenize_free(tk);
}

/* A freed set's slots are the thread's spare: the next set that fits takes
 * them, empty; a set needing under a quarter of them does not; a larger
 * spare replaces a smaller one. */
static void test_spare(void) {
    shingle_set big, small, tiny, again;
    CHECK(shingle_set_init(&big, 1000) == 0);
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK(shingle_set_add(&big, i) == 1);
    uint64_t *slots = big.slot;
    size_t alloc = big.alloc;
    CHECK(alloc == big.cap && alloc == 2048);
    shingle_set_free(&big);
    CHECK(!big.slot && !big.cap && !big.n && !big.alloc);
    CHECK(shingle_set_init(&tiny, 10) == 0);
    CHECK(tiny.slot != slots && tiny.alloc == 32 && tiny.cap == 32);
    CHECK(shingle_set_init(&small, 300) == 0);
    CHECK(small.slot == slots && small.alloc == alloc && small.cap == 1024 && small.n == 0);
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK(!shingle_set_has(&small, i));
    CHECK(shingle_set_add(&small, 5) == 1 && shingle_set_add(&small, 5) == 0);
    /* grown past the spare's size (growth passes through spares): every
     * hash kept; a set made meanwhile starts empty */
    for (uint64_t i = 0; i < 3000; i++)
        CHECK(shingle_set_add(&small, 100000 + i) == 1);
    CHECK(small.n == 3001 && small.cap > alloc && small.alloc >= small.cap);
    CHECK(shingle_set_init(&again, 300) == 0);
    CHECK(again.n == 0 && !shingle_set_has(&again, 5) && !shingle_set_has(&again, 100000));
    for (uint64_t i = 0; i < 3000; i++)
        CHECK(shingle_set_has(&small, 100000 + i));
    CHECK(shingle_set_has(&small, 5) && !shingle_set_has(&small, 6));
    shingle_set_free(&again);
    shingle_set_free(&tiny);
    /* the largest freed array is the spare */
    uint64_t *largest = small.slot;
    size_t largest_alloc = small.alloc;
    shingle_set_free(&small);
    CHECK(shingle_set_init(&again, largest_alloc / 2) == 0 && again.slot == largest);
    shingle_set_free(&again);
}

/* Each id is its own buffer, kept and reused while large enough. */
static void test_scratch(void) {
    char *a = shingle_scratch(SHINGLE_SCRATCH_WORDS, 100);
    char *b = shingle_scratch(SHINGLE_SCRATCH_KEYS, 100);
    CHECK(a && b && a != b);
    memset(a, 'a', 100);
    memset(b, 'b', 100);
    CHECK(shingle_scratch(SHINGLE_SCRATCH_WORDS, 50) == a && a[99] == 'a');
    char *big = shingle_scratch(SHINGLE_SCRATCH_WORDS, 1 << 20);
    CHECK(big != NULL);
    memset(big, 'c', 1 << 20);
    CHECK(shingle_scratch(SHINGLE_SCRATCH_WORDS, 1 << 20) == big);
    CHECK(shingle_scratch(SHINGLE_SCRATCH_KEYS, 100) == b && b[0] == 'b');
    CHECK(shingle_scratch(SHINGLE_SCRATCH_N, 1) == NULL);
}

/* Another thread has its own scratch, freed when it exits (the sanitizer
 * build's leak check fails the binary otherwise). */
static void *other_thread(void *main_buf) {
    shingle_set s;
    int ok = shingle_set_init(&s, 500) == 0 && shingle_set_add(&s, 7) == 1;
    shingle_set_free(&s);
    char *mine = shingle_scratch(SHINGLE_SCRATCH_WORDS, 100);
    ok = ok && mine && mine != main_buf;
    return ok ? mine : NULL;
}

static void test_threads(void) {
    char *main_buf = shingle_scratch(SHINGLE_SCRATCH_WORDS, 100);
    pthread_t t;
    void *res = NULL;
    CHECK(pthread_create(&t, NULL, other_thread, main_buf) == 0);
    CHECK(pthread_join(t, &res) == 0);
    CHECK(res != NULL && res != main_buf);
    CHECK(shingle_scratch(SHINGLE_SCRATCH_WORDS, 100) == main_buf);
}

int main(void) {
    UNIT_RUN(test_set);
    UNIT_RUN(test_spare);
    UNIT_RUN(test_scratch);
    UNIT_RUN(test_threads);
    UNIT_RUN(test_copied);
    UNIT_RUN(test_frozen); /* last: its sets change the thread's spare */
    return unit_report("unit");
}
