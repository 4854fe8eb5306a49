/* repetition.h - repetitive text: character runs, repeated words/phrases.
 *
 * repetition owns the `repetitive` signal: a long run of one character, one
 * word taking a large share of a longer text, and a low ratio of distinct
 * word 3-shingles (a cheap stand-in for a poor compression ratio).
 */
#ifndef MODQ_REPETITION_H
#define MODQ_REPETITION_H

#include <stddef.h>

#include "score.h"
#include "tokenize.h"

/* Runs shorter than this are emphasis ("sooooo good"), not spam. */
#define REPETITION_MIN_RUN 10
/* Word and shingle statistics need at least this many words. */
#define REPETITION_MIN_WORDS 8
/* Signals from this on are confident: the text is mostly repetition (one
 * word or phrase many times, one letter held for most of the text), a
 * moderator must see it (the repetitive row's review_from). Below it the
 * signal is style support: emphasis in an honest comment. */
#define REPETITION_CONFIDENT 0.5

/* Fills out from the normalised text and its tokens. distinct3 is the
 * number of distinct word 3-shingles when the caller already knows it
 * (minhash_compute() returns it), or -1 to count here. Returns 0, or -1
 * when out of memory (out then holds what was measured before). */
int repetition_check(const char *norm, size_t n, const tokenize_list *l,
                     long distinct3, score_signal *out);

#endif
