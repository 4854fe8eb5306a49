/* det_off_topic.c - off_topic: the comment is about something else.
 *
 * Owns the off_topic row. The signal is relevance_off_topic's (relevance.c
 * owns the measure and its calibration), read from the measure stage's
 * relevance result; never runs without an article.
 */
#include "detector.h"

static void off_topic_run(const detector_analysis *a, score_signal *out) {
    relevance_off_topic(&a->rr, a->article->n, out);
}

const detector det_off_topic = {
    .row = {.code = "off_topic",
            .kind = ENGINE_KIND_REVIEW,
            .needs = ENGINE_NEED_ARTICLE,
            .uses = ENGINE_NEED_THREAD | ENGINE_NEED_SITE_DF,
            .evidence = ENGINE_EVIDENCE_WORDS,
            .weight = 1.0,
            .summary = "shares (almost) no weighted words with the article "
                       "or its thread"},
    .run = off_topic_run,
};
