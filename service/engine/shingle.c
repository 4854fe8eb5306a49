/* shingle.c - word n-gram hashing, a 64-bit hash set, copied-text check.
 *
 * Owns the shingle hash (word text hashes mixed in order), a linear-probing
 * set of 64-bit hashes (the article's 5-grams for copy detection, a
 * comment's 3-grams for repetition), and the copied_from_article
 * measurement: which comment words sit inside a 5-gram that the article also
 * contains, and the longest such run; and each thread's scratch memory (a
 * spare slot array and shingle_scratch's buffers, see shingle.h). No scoring
 * policy lives here.
 */
#include "shingle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-thread scratch ----
 * One block per thread, created on first use and freed by the key's
 * destructor when the thread exits. The spare is a slot array no set holds
 * (alloc slots); buf[i] holds cap[i] bytes. */
typedef struct scratch {
    uint64_t *spare;
    size_t spare_alloc;
    void *buf[SHINGLE_SCRATCH_N];
    size_t cap[SHINGLE_SCRATCH_N];
} scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void scratch_destroy(void *p) {
    scratch *t = p;
    free(t->spare);
    for (int i = 0; i < SHINGLE_SCRATCH_N; i++)
        free(t->buf[i]);
    free(t);
}

static void scratch_key_init(void) {
    scratch_key_ok = pthread_key_create(&scratch_key, scratch_destroy) == 0;
}

/* The calling thread's block, or NULL (out of memory: callers allocate
 * without it). */
static scratch *scratch_self(void) {
    pthread_once(&scratch_once, scratch_key_init);
    if (!scratch_key_ok)
        return NULL;
    scratch *t = pthread_getspecific(scratch_key);
    if (t)
        return t;
    if (!(t = calloc(1, sizeof *t)))
        return NULL;
    if (pthread_setspecific(scratch_key, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void *shingle_scratch(shingle_scratch_id id, size_t bytes) {
    scratch *t = scratch_self();
    if (!t || (unsigned)id >= SHINGLE_SCRATCH_N)
        return NULL;
    if (t->cap[id] < bytes) {
        size_t cap = t->cap[id] ? t->cap[id] : 1024;
        while (cap < bytes)
            cap *= 2;
        void *b = malloc(cap);
        if (!b)
            return NULL;
        free(t->buf[id]);
        t->buf[id] = b;
        t->cap[id] = cap;
    }
    return t->buf[id];
}

/* Slots for a set of cap: the thread's spare when large enough and not
 * too large (SHINGLE_SPARE_FIT), else new; *alloc = slots allocated. Not
 * zeroed. */
static uint64_t *slots_get(size_t cap, size_t *alloc) {
    scratch *t = scratch_self();
    if (t && t->spare && t->spare_alloc >= cap && t->spare_alloc / SHINGLE_SPARE_FIT <= cap) {
        uint64_t *p = t->spare;
        *alloc = t->spare_alloc;
        t->spare = NULL;
        t->spare_alloc = 0;
        return p;
    }
    *alloc = cap;
    return malloc(cap * sizeof(uint64_t));
}

/* Gives slots back: kept as the thread's spare when larger than the one it
 * has (and not above SHINGLE_SPARE_MAX), else freed. */
static void slots_put(uint64_t *slot, size_t alloc) {
    if (!slot)
        return;
    scratch *t = alloc <= SHINGLE_SPARE_MAX ? scratch_self() : NULL;
    if (t && alloc > t->spare_alloc) {
        free(t->spare);
        t->spare = slot;
        t->spare_alloc = alloc;
        return;
    }
    free(slot);
}

int shingle_set_init(shingle_set *s, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    s->slot = slots_get(cap, &s->alloc);
    s->n = 0;
    s->sorted = NULL;
    if (!s->slot) {
        s->cap = s->alloc = 0;
        return -1;
    }
    memset(s->slot, 0, cap * sizeof *s->slot);
    s->cap = cap;
    return 0;
}

void shingle_set_free(shingle_set *s) {
    slots_put(s->slot, s->alloc);
    memset(s, 0, sizeof *s);
}

int shingle_set_grow(shingle_set *s) {
    shingle_set t;
    if (shingle_set_init(&t, s->cap) < 0)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i])
            shingle_set_add(&t, s->slot[i]);
    slots_put(s->slot, s->alloc);
    *s = t;
    return 0;
}

/* Layout of a frozen set: this header, the n hashes ascending, then
 * (1 << bits) + 1 bucket starts. */
typedef struct frozen_head {
    uint64_t n;
    uint32_t bits, pad;
} frozen_head;

/* Bits of the bucket index for n hashes: about 2 hashes per bucket. */
static unsigned frozen_bits(size_t n) {
    unsigned bits = 1;
    while (bits < 24 && ((size_t)1 << bits) * 2 < n)
        bits++;
    return bits;
}

size_t shingle_frozen_bytes(size_t n) {
    size_t starts = ((size_t)1 << frozen_bits(n)) + 1;
    return sizeof(frozen_head) + n * sizeof(uint64_t) + (starts * sizeof(uint32_t) + 7) / 8 * 8;
}

void shingle_set_freeze(const shingle_set *s, void *buf) {
    frozen_head *fh = buf;
    size_t n = s->n;
    unsigned bits = frozen_bits(n), shift = 64 - bits;
    size_t nb = (size_t)1 << bits;
    uint64_t *h = (uint64_t *)(void *)(fh + 1);
    uint32_t *start = (uint32_t *)(void *)(h + n);
    fh->n = n;
    fh->bits = bits;
    fh->pad = 0;
    /* counting sort by bucket, then insertion sort within each (about 2
     * hashes): linear in n */
    memset(h, 0, n * sizeof *h); /* stored hashes are never 0: 0 is free */
    memset(start, 0, (nb + 1) * sizeof *start);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i])
            start[(s->slot[i] >> shift) + 1]++;
    for (size_t b = 0; b < nb; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t x = s->slot[i];
        if (!x)
            continue;
        size_t b = (size_t)(x >> shift), lo = start[b];
        size_t j = lo;
        while (j < start[b + 1] && h[j])
            j++; /* the bucket's first free place (it fills from lo) */
        for (; j > lo && h[j - 1] > x; j--)
            h[j] = h[j - 1];
        h[j] = x;
    }
}

void shingle_set_view(shingle_set *v, const void *buf) {
    const frozen_head *fh = buf;
    memset(v, 0, sizeof *v);
    v->n = (size_t)fh->n;
    v->sorted = (const uint64_t *)(const void *)(fh + 1);
    v->start = (const uint32_t *)(const void *)(v->sorted + v->n);
    v->shift = 64 - fh->bits;
}

size_t shingle_words(const tokenize_list *l, uint32_t *idx) {
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].type == TOKENIZE_WORD || l->v[i].type == TOKENIZE_NUMBER)
            idx[n++] = (uint32_t)i;
    return n;
}

int shingle_add_all(shingle_set *s, const tokenize_list *l, size_t k) {
    uint32_t *idx = malloc((l->n + 1) * sizeof *idx);
    if (!idx)
        return -1;
    size_t n = shingle_words(l, idx);
    for (size_t i = 0; i + k <= n; i++)
        if (shingle_set_add(s, shingle_hash(l, idx, i, k)) < 0) {
            free(idx);
            return -1;
        }
    free(idx);
    return 0;
}

int shingle_copied(const tokenize_list *l, const shingle_set *article,
                   shingle_copy *out) {
    memset(out, 0, sizeof *out);
    uint32_t *idx = shingle_scratch(SHINGLE_SCRATCH_WORDS, (l->n + 1) * sizeof *idx);
    if (!idx)
        return -1;
    size_t n = shingle_words(l, idx);
    out->words = n;
    /* covered_to: one past the last word covered by a matching 5-gram */
    size_t covered_to = 0, run_start = 0, best_start = 0, best_end = 0;
    int in_run = 0;
    for (size_t i = 0; i + SHINGLE_COPY_K <= n; i++) {
        int hit = shingle_set_has(article, shingle_hash(l, idx, i, SHINGLE_COPY_K));
        if (hit) {
            size_t from = i > covered_to ? i : covered_to;
            out->covered += i + SHINGLE_COPY_K - from;
            covered_to = i + SHINGLE_COPY_K;
            if (!in_run)
                run_start = i;
            in_run = 1;
            if (covered_to - run_start > best_end - best_start) {
                best_start = run_start;
                best_end = covered_to;
            }
        } else {
            in_run = 0;
        }
    }
    if (best_end > best_start) {
        const tokenize_token *a = &l->v[idx[best_start]];
        const tokenize_token *b = &l->v[idx[best_end - 1]];
        out->run_off = a->off;
        out->run_len = b->off + b->len - a->off;
        out->run_words = best_end - best_start;
    }
    return 0;
}
