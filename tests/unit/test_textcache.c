/* test_textcache.c - unit tests for the shared thread-text cache
 * (textcache.c): hits and misses, references outliving eviction, the byte
 * budget, same-key races, and concurrent use by several threads. */
#include <pthread.h>
#include <stdlib.h>

#include "textcache.h"
#include "tokenize.h"
#include "unit.h"

/* A packed vector of a short text (the cache only stores and frees it).
 * Call it in its own statement: *bytes is read by the put that follows. */
static relevance_vec *vec_of(const char *text, size_t *bytes) {
    tokenizer *tk = tokenize_new("english");
    tokenize_list l = {0};
    relevance_vec v = {0};
    relevance_vec *p = NULL;
    if (tk && tokenize_run(tk, text, strlen(text), &l) == 0 &&
        relevance_vec_add(&v, &l, 1.0) == 0 && relevance_vec_finish(&v) == 0)
        p = relevance_vec_pack_new(&v, bytes);
    relevance_vec_free(&v);
    tokenize_list_free(&l);
    tokenize_free(tk);
    return p;
}

static void test_get_put_release(void) {
    textcache *c = textcache_new(64, 1 << 20);
    CHECK(c && textcache_get(c, 42, 5) == NULL);
    size_t b = 0;
    relevance_vec *v = vec_of("rain fills the reservoirs", &b);
    CHECK(v && b > 0);
    textcache_entry *e = textcache_put(c, 42, 5, v, b);
    CHECK(e && textcache_vec(e) == v);
    CHECK(textcache_count(c) == 1 && textcache_bytes(c) == b);
    textcache_entry *h = textcache_get(c, 42, 5);
    CHECK(h == e);
    CHECK(textcache_get(c, 42, 6) == NULL); /* the length is part of the key */
    /* the same text cached again (another thread was first): the existing
     * entry wins and the new vector is freed (ASan would see a leak) */
    size_t b2 = 0;
    relevance_vec *v2 = vec_of("rain fills the reservoirs", &b2);
    textcache_entry *r = textcache_put(c, 42, 5, v2, b2);
    CHECK(r == e && textcache_count(c) == 1);
    textcache_release(r);
    textcache_release(h);
    textcache_release(e);
    textcache_release(NULL);
    textcache_free(c);
    textcache_free(NULL);
}

static void test_reference_outlives_eviction(void) {
    textcache *c = textcache_new(8, 1 << 20); /* one set of 8 ways */
    size_t b = 0;
    relevance_vec *v = vec_of("first text", &b);
    textcache_entry *first = textcache_put(c, 1ull << 40, 3, v, b);
    CHECK(first != NULL);
    for (uint64_t k = 2; k <= 9; k++) { /* 8 more fill the set: first goes */
        v = vec_of("another text here", &b);
        textcache_entry *e = textcache_put(c, k << 40, 3, v, b);
        CHECK(e != NULL);
        textcache_release(e);
    }
    CHECK(textcache_count(c) == 8);
    CHECK(textcache_get(c, 1ull << 40, 3) == NULL);
    /* still readable through the reference we hold */
    CHECK(textcache_vec(first) && textcache_vec(first)->n == 2);
    textcache_release(first);
    /* freeing the cache while an entry is held keeps that entry alive */
    textcache_entry *held = textcache_get(c, 9ull << 40, 3);
    CHECK(held != NULL);
    textcache_free(c);
    CHECK(textcache_vec(held)->n >= 2);
    textcache_release(held);
}

static void test_byte_budget(void) {
    size_t b = 0;
    relevance_vec *probe = vec_of("budget probe words for sizing", &b);
    relevance_vec_packed_free(probe);
    textcache *c = textcache_new(1024, 10 * b); /* room for ~10 */
    for (uint64_t k = 0; k < 200; k++) {
        size_t bk = 0;
        relevance_vec *v = vec_of("budget probe words for sizing", &bk);
        textcache_entry *e = textcache_put(c, k * 0x9e3779b97f4a7c15ull, 7, v, bk);
        CHECK(e != NULL);
        textcache_release(e);
        CHECK(textcache_bytes(c) <= 10 * b);
    }
    CHECK(textcache_count(c) >= 5 && textcache_count(c) <= 10);
    textcache_free(c);
}

typedef struct worker_arg {
    textcache *c;
    int id;
    int bad;
} worker_arg;

static void *worker(void *p) {
    worker_arg *w = p;
    for (int i = 0; i < 400; i++) {
        uint64_t k = ((uint64_t)(i % 50) * 0x9e3779b97f4a7c15ull) | 1;
        textcache_entry *e = textcache_get(w->c, k, 9);
        if (!e) {
            size_t b = 0;
            relevance_vec *v = vec_of("shared thread text under load", &b);
            e = textcache_put(w->c, k, 9, v, b);
        }
        if (!e || textcache_vec(e)->n < 3)
            w->bad++;
        textcache_release(e);
    }
    return NULL;
}

static void test_concurrent(void) {
    /* small budget: entries are evicted while other threads hold them */
    size_t b = 0;
    relevance_vec_packed_free(vec_of("shared thread text under load", &b));
    textcache *c = textcache_new(64, 8 * b);
    pthread_t t[4];
    worker_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (worker_arg){c, i, 0};
        pthread_create(&t[i], NULL, worker, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(a[i].bad == 0);
    }
    CHECK(textcache_bytes(c) <= 8 * b);
    textcache_free(c);
}

int main(void) {
    UNIT_RUN(test_get_put_release);
    UNIT_RUN(test_reference_outlives_eviction);
    UNIT_RUN(test_byte_budget);
    UNIT_RUN(test_concurrent);
    return unit_report("textcache");
}
