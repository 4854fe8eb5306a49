/* minhash.c - text fingerprints for duplicate detection.
 *
 * Owns the exact hash (FNV-1a 64 of the normalised text), MinHash over the
 * set of word 3-shingles, and LSH banding (8 bands x 4 rows,
 * each band key an FNV-1a of its rows and its band number). Two texts with
 * Jaccard 0.5 share at least one band with probability 1-(1-0.5^4)^8 = 0.40;
 * at 0.8 it is 0.98. Never looks anything up; the caller does.
 *
 * The 32 hash functions: each shingle already has one well-mixed 64-bit
 * hash x (shingle_hash ends in a full 64-bit finaliser), so one 64x64->128
 * bit multiply p_j = (x ^ s_j) * m_j (s_j = splitmix64(2j + 1), m_j =
 * splitmix64(2j + 2) | 1) gives two values, the high and the low 32 bits of
 * its upper half: 16 multiplies per shingle instead of 32 finalisers. The
 * seeds are fixed forever (stored signatures must stay comparable);
 * test_minhash checks the estimator's bias and spread.
 */
#include "minhash.h"

#include <stdlib.h>

#include "shingle.h"

static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t minhash_exact(const char *s, size_t n) { return tokenize_hash(s, n); }

/* Seeds and odd multipliers of the 16 products, see the file comment. */
#define MINHASH_PRODUCTS (ENGINE_MINHASH_N / 2)
#define MINHASH_PASS 4 /* products a pass over the shingles */
_Static_assert(MINHASH_PRODUCTS % MINHASH_PASS == 0, "whole passes");
typedef struct mh_family {
    uint64_t seed[MINHASH_PRODUCTS];
    uint64_t mul[MINHASH_PRODUCTS];
} mh_family;

static void family_init(mh_family *f) {
    for (int i = 0; i < MINHASH_PRODUCTS; i++) {
        f->seed[i] = splitmix64(2 * (uint64_t)i + 1);
        f->mul[i] = splitmix64(2 * (uint64_t)i + 2) | 1;
    }
}

long minhash_compute(const tokenize_list *l, uint32_t mh[ENGINE_MINHASH_N],
                     uint64_t band[ENGINE_LSH_BANDS]) {
    mh_family fam;
    family_init(&fam);
    /* the thread's word-index buffer (shingle_copied uses it later) */
    uint32_t *idx = shingle_scratch(SHINGLE_SCRATCH_WORDS, (l->n + 1) * sizeof *idx);
    shingle_set seen;
    if (!idx)
        return -1;
    size_t n = shingle_words(l, idx);
    if (shingle_set_init(&seen, n) < 0)
        return -1;
    /* the distinct shingles first, then each product over all of them:
     * its two minima stay in registers (the min of a set is the same
     * whichever order it is read in) */
    uint64_t *hs = shingle_scratch(SHINGLE_SCRATCH_KEYS, (n + 1) * sizeof *hs);
    long distinct = 0;
    if (!hs) {
        distinct = -1;
        goto done;
    }
    for (size_t p = 0; p + MINHASH_K <= n; p++) {
        uint64_t h = shingle_hash(l, idx, p, MINHASH_K);
        int added = shingle_set_add(&seen, h);
        if (added < 0) {
            distinct = -1;
            goto done;
        }
        if (added)
            hs[distinct++] = h;
    }
    /* four products a pass over the shingles; of each, the minimum of the
     * high halves is the high half of the minimum of the 64-bit values
     * (they order by their high half first), so only the low half needs
     * its own */
    for (int j = 0; j < MINHASH_PRODUCTS; j += MINHASH_PASS) {
        __extension__ typedef unsigned __int128 u128;
        uint64_t min[MINHASH_PASS];
        uint32_t lo[MINHASH_PASS];
        for (int r = 0; r < MINHASH_PASS; r++) {
            min[r] = UINT64_MAX;
            lo[r] = UINT32_MAX;
        }
        for (long q = 0; q < distinct; q++) {
            uint64_t x = hs[q];
#pragma GCC unroll 4
            for (int r = 0; r < MINHASH_PASS; r++) {
                uint64_t p = (uint64_t)(((u128)(x ^ fam.seed[j + r]) * fam.mul[j + r]) >> 64);
                min[r] = p < min[r] ? p : min[r];
                lo[r] = (uint32_t)p < lo[r] ? (uint32_t)p : lo[r];
            }
        }
        for (int r = 0; r < MINHASH_PASS; r++) {
            mh[2 * (j + r)] = (uint32_t)(min[r] >> 32);
            mh[2 * (j + r) + 1] = lo[r];
        }
    }
    for (int b = 0; b < ENGINE_LSH_BANDS; b++) {
        uint64_t k = 0xcbf29ce484222325ULL ^ (uint64_t)b;
        for (int r = 0; r < MINHASH_ROWS; r++) {
            uint32_t v = mh[b * MINHASH_ROWS + r];
            for (int byte = 0; byte < 4; byte++) {
                k ^= (v >> (8 * byte)) & 0xff;
                k *= 0x100000001b3ULL;
            }
        }
        band[b] = k;
    }
done:
    shingle_set_free(&seen);
    return distinct;
}

double minhash_similarity(const uint32_t *a, const uint32_t *b) {
    int eq = 0;
    for (int i = 0; i < ENGINE_MINHASH_N; i++)
        eq += a[i] == b[i];
    return (double)eq / ENGINE_MINHASH_N;
}
