/* det_banned_word.c - banned_word: a word of the site's banned list.
 *
 * Owns the banned_word row. The list is configuration (banned_words);
 * spamlang.c matches it on word bounds in the measure stage. Its flag is a
 * floor of the combined score: a trusted author's discount never lowers it.
 */
#include "detector.h"

static void banned_word_run(const detector_analysis *a, score_signal *out) {
    *out = a->sl.banned;
}

const detector det_banned_word = {
    .row = {.code = "banned_word",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .overrides_trust = 1,
            .summary = "a word or phrase of the site's banned_words list"},
    .run = banned_word_run,
};
