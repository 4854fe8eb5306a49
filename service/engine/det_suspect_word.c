/* det_suspect_word.c - suspect_word: a word of the site's suspect list.
 *
 * Owns the suspect_word row. The list is configuration (suspect_words);
 * spamlang.c matches it in the measure stage. A reason to look, not proof.
 */
#include "detector.h"

static void suspect_word_run(const detector_analysis *a, score_signal *out) {
    *out = a->sl.suspect;
}

const detector det_suspect_word = {
    .row = {.code = "suspect_word",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "a word or phrase of the site's suspect_words list"},
    .run = suspect_word_run,
};
