/* det_learned_spam.c - learned_spam: the site's classifier says spam.
 *
 * Owns the learned_spam row: the signal is the square of the probability
 * the caller's classifier gave (learn.c, trained on moderators' decisions),
 * so only confident predictions count. Runs only when it voted.
 */
#include "detector.h"

#include <stdio.h>

static void learned_spam_run(const detector_analysis *a, score_signal *out) {
    double p = a->ctx->learned_spam_prob > 1 ? 1 : a->ctx->learned_spam_prob;
    out->signal = p * p; /* confident predictions only */
    snprintf(out->detail, sizeof out->detail,
             "learned classifier: spam probability %.2f", p);
    snprintf(out->evidence, sizeof out->evidence, "%.3f", p);
}

const detector det_learned_spam = {
    .row = {.code = "learned_spam",
            .kind = ENGINE_KIND_SPAM,
            .needs = ENGINE_NEED_LEARNED,
            .evidence = ENGINE_EVIDENCE_VALUE,
            .weight = 1.0,
            .summary = "the site's classifier, trained on moderators' "
                       "decisions, finds the comment spam-like"},
    .run = learned_spam_run,
};
