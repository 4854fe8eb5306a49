/* det_shouting.c - shouting: capitals, "!!!!" and emoji floods.
 *
 * Owns the shouting row; spamlang_shouting owns the calibration over what
 * only the original text shows (normalize_stats). Style support.
 */
#include "detector.h"

static void shouting_run(const detector_analysis *a, score_signal *out) {
    spamlang_shouting(a->stats, out);
}

const detector det_shouting = {
    .row = {.code = "shouting",
            .kind = ENGINE_KIND_STYLE,
            .evidence = ENGINE_EVIDENCE_NONE,
            .weight = 1.0,
            .summary = "mostly capitals, long \"!!!\" runs or emoji floods"},
    .run = shouting_run,
};
