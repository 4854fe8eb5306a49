/* minhash.h - text fingerprints for duplicate detection.
 *
 * minhash owns the exact hash of a normalised text, the 32 MinHash values
 * over word 3-shingles (fixed seeds, so values are comparable across
 * processes and releases) and the 8 LSH band keys of 4 rows each that the
 * caller stores in Redis to find near-duplicate candidates.
 */
#ifndef MODQ_MINHASH_H
#define MODQ_MINHASH_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "tokenize.h"

/* Word 3-shingles: near-duplicates that swap a word still share most. */
#define MINHASH_K 3
/* Below this many shingles a Jaccard estimate is noise ("thanks!"). */
#define MINHASH_MIN_SHINGLES 5
#define MINHASH_ROWS (ENGINE_MINHASH_N / ENGINE_LSH_BANDS)

/* 64-bit hash of the normalised text. */
uint64_t minhash_exact(const char *s, size_t n);

/* Fills mh and band from the words of l. Returns the number of distinct
 * shingles (0..), or -1 when out of memory. */
long minhash_compute(const tokenize_list *l, uint32_t mh[ENGINE_MINHASH_N],
                     uint64_t band[ENGINE_LSH_BANDS]);

/* Estimated Jaccard similarity in [0,1]: share of equal values. */
double minhash_similarity(const uint32_t *a, const uint32_t *b);

#endif
