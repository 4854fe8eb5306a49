/* det_copied_from_article.c - copied_from_article: article text as comment.
 *
 * Owns the copied_from_article row and its calibration: the share of the
 * comment's words inside word 5-grams of the article body (shingle.c
 * measures it) and the longest copied run. Never runs without an article.
 */
#include "detector.h"

#include <stdio.h>

/* Shortest copied run (words) that makes copied_from_article: a name or a
 * title line ("Artist - Song (Official Video)") is shorter. */
#define COPIED_MIN_RUN 8
/* Share of copied words below which a comment quotes rather than copies:
 * one quoted sentence inside an opinion stays below it. */
#define COPIED_MIN_SHARE 0.35
/* Words from which the signal has its full length factor. */
#define COPIED_FULL_WORDS 10
/* Bytes of the copied run quoted in the detail and the evidence. */
#define COPIED_QUOTE 200

static void copied_run(const detector_analysis *a, score_signal *out) {
    shingle_copy cp;
    const char *norm = a->features->normalized;
    if (!a->article_shingles ||
        shingle_copied(a->tokens, a->article_shingles, &cp) < 0 || !cp.covered)
        return;
    double frac = (double)cp.covered / (double)cp.words;
    /* A comment that is all article text reaches 0.75 (pending). Only the
     * body counts (sharing a page repeats its title), and only a run long
     * enough to be a copied clause rather than a shared name. */
    if (frac < COPIED_MIN_SHARE || cp.run_words < COPIED_MIN_RUN)
        return;
    double len = cp.words >= COPIED_FULL_WORDS
                     ? 1.0
                     : (double)cp.words / (double)COPIED_FULL_WORDS;
    out->signal = (0.2 + 0.55 * (frac - COPIED_MIN_SHARE) /
                             (1.0 - COPIED_MIN_SHARE)) * len;
    int q = cp.run_len > COPIED_QUOTE ? COPIED_QUOTE : (int)cp.run_len;
    snprintf(out->detail, sizeof out->detail,
             "%zu of %zu words (%.0f%%) are copied from the article; "
             "longest copied run (%zu words): \"%.*s%s\"",
             cp.covered, cp.words, frac * 100, cp.run_words, q,
             norm + cp.run_off, (size_t)q < cp.run_len ? "..." : "");
    snprintf(out->evidence, sizeof out->evidence, "%.*s", q, norm + cp.run_off);
}

const detector det_copied_from_article = {
    .row = {.code = "copied_from_article",
            .kind = ENGINE_KIND_SPAM,
            .needs = ENGINE_NEED_ARTICLE,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "most of the comment is a run of text copied from the "
                       "article body"},
    .run = copied_run,
};
