/* det_repetitive.c - repetitive: character runs, repeated words or phrases.
 *
 * Owns the repetitive row; repetition.c owns the measure and calibration.
 * Style support while mild (stretched letters are common in honest
 * enthusiasm: "sooooo good"); review evidence from REPETITION_CONFIDENT on,
 * where the text is mostly repetition (one word x40, one letter x100).
 */
#include "detector.h"

#include "repetition.h"

static void repetitive_run(const detector_analysis *a, score_signal *out) {
    const engine_features *f = a->features;
    if (repetition_check(f->normalized, f->normalized_len, a->tokens,
                         a->distinct3, out) < 0)
        score_signal_clear(out); /* out of memory: no signal */
}

const detector det_repetitive = {
    .row = {.code = "repetitive",
            .kind = ENGINE_KIND_STYLE,
            .review_from = REPETITION_CONFIDENT,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "long runs of one character, one word or few distinct "
                       "phrases repeated"},
    .run = repetitive_run,
};
