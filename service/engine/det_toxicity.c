/* det_toxicity.c - toxicity: the learned model finds the comment abusive.
 *
 * Owns the toxicity row: the calibrated probability of the toxicity model
 * (ngram.h; trained by tools/train_model.c on Davidson et al.'s tweets and
 * the Toxic Spans comments against genuine comments, see
 * service/engine/models/toxicity.txt) is the signal once it says abuse is
 * more likely than not; below that the detector stays silent, so a word
 * that is merely rude in some contexts never adds to other evidence. A
 * reason for a human look, not proof: a calibrated 0.5 reaches pending
 * alone, and the signal stays under the reject threshold. The evidence is the words whose n-grams weighed most, as written.
 */
#include "detector.h"

#include <stdio.h>

/* Calibrated probability from which the flag is raised: abuse more likely
 * than not on held-out data. */
#define TOXICITY_MIN_PROB 0.5
/* Highest signal: under the default reject threshold (0.9), so abuse
 * alone goes to a moderator; with other evidence it may still reject. */
#define TOXICITY_MAX_SIGNAL 0.85

static void toxicity_run(const detector_analysis *a, score_signal *out) {
    const ngram_model *m = a->models ? a->models[NGRAM_MODEL_TOXICITY] : NULL;
    ngram_result r;
    if (!m || !a->ngram)
        return;
    ngram_predict(m, a->ngram, &r);
    if (r.prob < TOXICITY_MIN_PROB)
        return;
    out->signal = r.prob < TOXICITY_MAX_SIGNAL ? r.prob : TOXICITY_MAX_SIGNAL;
    ngram_words(a->features->normalized, &r, out->evidence,
                sizeof out->evidence);
    snprintf(out->detail, sizeof out->detail,
             "learned toxicity model: abusive with probability %.2f "
             "(calibrated); weighed most: %s",
             r.prob, out->evidence[0] ? out->evidence : "-");
}

const detector det_toxicity = {
    .row = {.code = "toxicity",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_WORDS,
            .weight = 1.0,
            .summary = "the learned toxicity model (word and character "
                       "n-grams) finds the comment abusive"},
    .run = toxicity_run,
};
