/* det_flood.c - flood: too many comments from one author or IP.
 *
 * Owns the flood row and its calibration over the caller's counter of
 * comments in the flood window (config flood_window, flood_max). Runs only
 * with flood control on (flood_max > 0).
 */
#include "detector.h"

#include <stdio.h>

/* Signal of the first comment over the limit, the step per further one and
 * the cap: one over is a reason to look, a burst reaches rejection only
 * with other evidence. */
#define FLOOD_FIRST 0.5
#define FLOOD_STEP 0.1
#define FLOOD_CAP 0.95

static void flood_run(const detector_analysis *a, score_signal *out) {
    unsigned n = a->ctx->flood_count, max = a->cfg->flood_max;
    if (n <= max)
        return;
    double over = (double)(n - max);
    out->signal = FLOOD_FIRST + FLOOD_STEP * (over - 1);
    if (out->signal > FLOOD_CAP)
        out->signal = FLOOD_CAP;
    snprintf(out->detail, sizeof out->detail,
             "%u comments from this author/IP in the flood window (limit %u)",
             n, max);
    snprintf(out->evidence, sizeof out->evidence, "%u", n);
}

const detector det_flood = {
    .row = {.code = "flood",
            .kind = ENGINE_KIND_SPAM,
            .needs = ENGINE_NEED_FLOOD,
            .evidence = ENGINE_EVIDENCE_VALUE,
            .weight = 1.0,
            .summary = "more than flood_max comments by one author or IP in "
                       "the flood window"},
    .run = flood_run,
};
