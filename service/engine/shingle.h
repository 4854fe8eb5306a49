/* shingle.h - word n-gram hashing, a 64-bit hash set, copied-text check.
 *
 * shingle owns how consecutive words are hashed into shingles, the open-
 * addressing set those hashes live in, and the containment measure behind
 * copied_from_article (how much of a comment is made of the article's word
 * 5-grams). Everything is linear in the number of words.
 *
 * Memory for a comment's tables comes from the calling thread's scratch:
 * a set's slots are taken from (and given back to) the thread's spare
 * array, and shingle_scratch hands out reusable buffers. Every comment on a
 * thread then reuses memory that is already mapped, instead of fresh zeroed
 * pages (page faults, and TLB-shootdown IPIs when they are unmapped again)
 * for every comment. A thread keeps what its largest comment needed (the
 * spare at most SHINGLE_SPARE_MAX slots); its scratch is freed when the
 * thread exits.
 */
#ifndef MODQ_SHINGLE_H
#define MODQ_SHINGLE_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"

/* Word 5-grams: long enough that common phrases ("at the end of") rarely
 * match by chance, short enough to catch a copied clause. */
#define SHINGLE_COPY_K 5

typedef struct shingle_set {
    uint64_t *slot; /* 0 = empty; stored hashes are never 0 */
    size_t cap, n;
    size_t alloc;   /* slots allocated: >= cap (a reused spare may be larger) */
    const uint64_t *sorted; /* a frozen view (shingle_set_view): its n
                               hashes in ascending order, no slots */
    const uint32_t *start;  /* ... and where each bucket of their top
                               bits starts in sorted */
    unsigned shift;         /* 64 - bits of a bucket */
} shingle_set;

/* Spare slot arrays larger than this (1 MiB: sets of 64-KB comments fit)
 * are freed rather than kept for the thread's next set. */
#define SHINGLE_SPARE_MAX ((size_t)1 << 17)
/* A set takes the spare only when it needs at least 1 / SHINGLE_SPARE_FIT
 * of it: a small set kept for long (an analysed article's) never holds a
 * large comment's array. */
#define SHINGLE_SPARE_FIT 4

/* Prepares an empty set sized for about `expected` hashes, on the calling
 * thread's spare slots when they are large enough. Returns 0 or -1 when out
 * of memory. Release with shingle_set_free(). */
int shingle_set_init(shingle_set *s, size_t expected);
/* Releases the slots (kept as the calling thread's spare when it has none
 * as large), not s. */
void shingle_set_free(shingle_set *s);
/* Doubles s's slots (for shingle_set_add). 0, or -1 when out of memory. */
int shingle_set_grow(shingle_set *s);

/* Returns 1 when h was added, 0 when already present, -1 out of memory.
 * h is a well-mixed hash (shingle_hash): its low bits pick the slot (which
 * slot holds a hash changes no answer, only the probes' length). Inline,
 * as shingle_set_has: once per word of a comment. */
static inline int shingle_set_add(shingle_set *s, uint64_t h) {
    if (!h)
        h = 1;
    if ((s->n + 1) * 2 > s->cap && shingle_set_grow(s) < 0)
        return -1;
    size_t m = s->cap - 1, i = (size_t)h & m;
    while (s->slot[i]) {
        if (s->slot[i] == h)
            return 0;
        i = (i + 1) & m;
    }
    s->slot[i] = h;
    s->n++;
    return 1;
}

static inline int shingle_set_has(const shingle_set *s, uint64_t h) {
    if (!h)
        h = 1;
    if (s->sorted) {
        size_t b = (size_t)(h >> s->shift);
        for (size_t i = s->start[b], e = s->start[b + 1]; i < e; i++)
            if (s->sorted[i] >= h)
                return s->sorted[i] == h;
        return 0;
    }
    if (!s->cap)
        return 0;
    size_t m = s->cap - 1, i = (size_t)h & m;
    while (s->slot[i]) {
        if (s->slot[i] == h)
            return 1;
        i = (i + 1) & m;
    }
    return 0;
}
/* Frozen sets: a set's hashes in ascending order behind a bucket index of
 * their top bits (about 2 hashes per bucket), ~10 bytes a hash instead of
 * the 16-32 of the slots, for a set kept for long (an analysed article's).
 * shingle_frozen_bytes(n): the bytes of a frozen set of n hashes (a
 * multiple of 8); shingle_set_freeze writes s into buf (that many bytes,
 * 8-byte aligned); shingle_set_view makes v a read-only view of buf
 * (borrowed: valid while buf is) on which shingle_set_has answers as on
 * the set frozen. Never add to a view nor shingle_set_free it. */
size_t shingle_frozen_bytes(size_t n);
void shingle_set_freeze(const shingle_set *s, void *buf);
void shingle_set_view(shingle_set *v, const void *buf);

/* The calling thread's scratch buffers, one per purpose. */
typedef enum shingle_scratch_id {
    SHINGLE_SCRATCH_WORDS,  /* word indexes (shingle_words) */
    SHINGLE_SCRATCH_KEYS,   /* a caller's hash table keys */
    SHINGLE_SCRATCH_COUNTS, /* a caller's hash table values */
    SHINGLE_SCRATCH_N
} shingle_scratch_id;

/* Returns the calling thread's buffer `id` with room for at least `bytes`
 * (contents undefined), or NULL when out of memory. Owned by the thread:
 * valid until its next shingle_scratch call with the same id; never freed
 * by the caller. */
void *shingle_scratch(shingle_scratch_id id, size_t bytes);

/* Writes the indexes of WORD/NUMBER tokens of l to idx (capacity l->n) and
 * returns their count. */
size_t shingle_words(const tokenize_list *l, uint32_t *idx);

/* The 64-bit finaliser of MurmurHash3 (fmix64). */
static inline uint64_t shingle_mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Hash of the k words idx[pos..pos+k) (by their text). Inline: it runs
 * once per word of a comment in each of its callers. */
static inline uint64_t shingle_hash(const tokenize_list *l, const uint32_t *idx,
                                    size_t pos, size_t k) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ k;
    for (size_t i = 0; i < k; i++)
        h = shingle_mix64(h ^ l->v[idx[pos + i]].hash) + i;
    return h;
}

/* Adds every k-shingle of l to s. Returns 0 or -1 when out of memory. */
int shingle_add_all(shingle_set *s, const tokenize_list *l, size_t k);

typedef struct shingle_copy {
    size_t words;      /* words in the comment */
    size_t covered;    /* words inside at least one copied 5-gram */
    size_t run_off;    /* longest copied run: byte span in the text */
    size_t run_len;
    size_t run_words;  /* its length in words */
} shingle_copy;

/* Measures how much of comment l is made of 5-grams present in article.
 * Returns 0, or -1 when out of memory. */
int shingle_copied(const tokenize_list *l, const shingle_set *article,
                   shingle_copy *out);

#endif
