/* det_spam_language.c - spam_language: self-promotion and scam wording.
 *
 * Owns the spam_language row. spamlang.c owns the phrase lists and the
 * calibration; the measure stage matched them once for this comment.
 */
#include "detector.h"

static void spam_language_run(const detector_analysis *a, score_signal *out) {
    *out = a->sl.language;
}

const detector det_spam_language = {
    .row = {.code = "spam_language",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "self-promotion, money or scam wording (\"check out "
                       "my channel\", \"earn $500 a day\")"},
    .run = spam_language_run,
};
