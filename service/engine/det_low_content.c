/* det_low_content.c - low_content: too few content words to say anything.
 *
 * Owns the low_content row. The signal is relevance_low_content's, read
 * from the measure stage; style support by design (a short honest reply is
 * common), so it only adds to evidence another detector started.
 */
#include "detector.h"

static void low_content_run(const detector_analysis *a, score_signal *out) {
    relevance_low_content(&a->rr, a->tokens->nwords, out);
}

const detector det_low_content = {
    .row = {.code = "low_content",
            .kind = ENGINE_KIND_STYLE,
            .evidence = ENGINE_EVIDENCE_NONE,
            .weight = 1.0,
            .summary = "fewer than four content words"},
    .run = low_content_run,
};
