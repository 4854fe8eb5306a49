/* det_duplicate.c - duplicate: the same or nearly the same text again.
 *
 * Owns the duplicate row and its calibration over the candidates the
 * caller found (exact hash or LSH band matches): exact and near copies,
 * by the same author or another, scaled by how much information the text
 * carries (an exact copy of seven or more words by another author reaches
 * pending alone). An unknown author (engine_author_key "") is never "the
 * same author". Runs only when there are candidates.
 */
#include "detector.h"

#include <stdio.h>
#include <string.h>

#include "minhash.h"

/* Distinct content stems (a link counts DUP_LINK_INFO) at which an exact
 * duplicate by another author is full evidence; below, "love this song"
 * repeated by strangers is normal and the signal shrinks in proportion. */
#define DUP_FULL_INFO 10.0
#define DUP_LINK_INFO 3.0
/* Words of a text from which an exact copy of it by another author is no
 * coincidence: strangers repeat "thanks!", "love this song", "first"; a
 * sentence of seven or more words typed again word for word by someone else
 * is a copy (a bot re-posting a popular comment, a brigade pasting one
 * line), and reaches pending alone (0.8 x 7/10). */
#define DUP_EXACT_FULL_WORDS 10.0
/* Estimated similarity below which a near candidate is a different text. */
#define DUP_NEAR_MIN 0.5

/* Information in a comment for the duplicate signal, in [0,1]. */
static double dup_information(const detector_analysis *a) {
    double info = (double)a->vec->n;
    for (size_t i = 0; i < a->tokens->n; i++)
        info += a->tokens->v[i].type == TOKENIZE_URL ? DUP_LINK_INFO : 0.0;
    return info >= DUP_FULL_INFO ? 1.0 : info / DUP_FULL_INFO;
}

/* Information in a text for an exact copy, in [0,1]: its content or its
 * length in words, whichever says more (word order is part of an exact
 * copy, so every word counts). */
static double dup_exact_information(const detector_analysis *a, double info) {
    double words = (double)a->tokens->nwords / DUP_EXACT_FULL_WORDS;
    if (words > 1)
        words = 1;
    return words > info ? words : info;
}

static void duplicate_run(const detector_analysis *a, score_signal *out) {
    const engine_context *x = a->ctx;
    const engine_features *f = a->features;
    double info = dup_information(a);
    double exact_info = dup_exact_information(a, info);
    for (size_t i = 0; i < x->ndups; i++) {
        const engine_dup_match *d = &x->dups[i];
        /* an unknown author ("" from engine_author_key: a placeholder name
         * without an address) is nobody in particular, never "the same" */
        int same = x->author_key && *x->author_key && d->author_key &&
                   strcmp(x->author_key, d->author_key) == 0;
        double s, j = 1.0;
        if (d->exact) {
            /* short texts ("thanks!", "first") repeat innocently; the same
             * author repeating himself is suspicious at any length */
            s = f->has_minhash
                    ? (same ? 0.7 * (0.5 + 0.5 * info) : 0.8 * exact_info)
                    : (same ? 0.35 : 0.1);
        } else {
            if (!f->has_minhash)
                continue;
            j = minhash_similarity(f->minhash, d->minhash);
            if (j < DUP_NEAR_MIN)
                continue;
            s = (0.35 + 0.4 * (j - 0.5) / 0.5) * (same ? 1.0 : info);
        }
        if (s <= out->signal)
            continue;
        out->signal = s;
        snprintf(out->detail, sizeof out->detail,
                 "%s of comment %s (estimated similarity %.2f): %s",
                 d->exact ? "exact copy" : "near copy",
                 d->comment_id ? d->comment_id : "?", j,
                 same ? "same author repeated the comment"
                 : d->exact ? "another author posted the same text"
                            : "another author posted a very similar text");
        snprintf(out->evidence, sizeof out->evidence, "%s",
                 d->comment_id ? d->comment_id : "");
    }
}

const detector det_duplicate = {
    .row = {.code = "duplicate",
            .kind = ENGINE_KIND_SPAM,
            .needs = ENGINE_NEED_DUPLICATES,
            .evidence = ENGINE_EVIDENCE_COMMENT,
            .weight = 1.0,
            .summary = "an exact or near copy of an earlier comment, by the "
                       "same author or another"},
    .run = duplicate_run,
};
