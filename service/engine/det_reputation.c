/* det_reputation.c - reputation: the author's earlier comments were spam.
 *
 * Owns the reputation row: the signal is the caller's bad reputation in
 * (0,1] (learn_reputation over moderated comments of the author, IP and
 * linked domains). A trusted author's negative reputation is no flag: it
 * is the discount score_finish applies.
 */
#include "detector.h"

#include <stdio.h>

static void reputation_run(const detector_analysis *a, score_signal *out) {
    const engine_context *x = a->ctx;
    if (x->reputation <= 0)
        return; /* trusted: a discount, not a signal */
    out->signal = x->reputation > 1 ? 1 : x->reputation;
    snprintf(out->detail, sizeof out->detail,
             "author reputation %.2f (previous comments moderated)",
             x->reputation);
    snprintf(out->evidence, sizeof out->evidence, "%s",
             x->reputation_detail ? x->reputation_detail : "");
}

const detector det_reputation = {
    .row = {.code = "reputation",
            .kind = ENGINE_KIND_SPAM,
            .needs = ENGINE_NEED_HISTORY,
            .evidence = ENGINE_EVIDENCE_VALUE,
            .weight = 1.0,
            .summary = "the author, IP or linked domains had comments "
                       "moderated as spam before"},
    .run = reputation_run,
};
