/* det_ngram_spam.c - ngram_spam: the learned spam model finds spam wording.
 *
 * Owns the ngram_spam row: the calibrated probability of the n-gram spam
 * model (ngram.h; trained by tools/train_model.c on the YouTube Spam
 * Collection, ScamSpot's Instagram comments and the seed thread, see
 * service/engine/models/ngram_spam.txt). Silent below NGRAM_SPAM_MIN_PROB;
 * above it the signal is the square of the probability, so the flag alone
 * reaches pending only when the model is confident (p >= 0.71) and a
 * likelier-than-not guess only adds to other evidence. The evidence is the
 * words whose n-grams weighed most, as written.
 */
#include "detector.h"

#include <stdio.h>

/* Calibrated probability from which the model's vote counts at all. */
#define NGRAM_SPAM_MIN_PROB 0.5

static void ngram_spam_run(const detector_analysis *a, score_signal *out) {
    const ngram_model *m = a->models ? a->models[NGRAM_MODEL_SPAM] : NULL;
    ngram_result r;
    if (!m || !a->ngram)
        return;
    ngram_predict(m, a->ngram, &r);
    if (r.prob < NGRAM_SPAM_MIN_PROB)
        return;
    out->signal = r.prob * r.prob; /* confident predictions only */
    ngram_words(a->features->normalized, &r, out->evidence,
                sizeof out->evidence);
    snprintf(out->detail, sizeof out->detail,
             "learned spam model: spam with probability %.2f (calibrated); "
             "weighed most: %s",
             r.prob, out->evidence[0] ? out->evidence : "-");
}

const detector det_ngram_spam = {
    .row = {.code = "ngram_spam",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_WORDS,
            .weight = 1.0,
            .summary = "the learned spam model (word and character n-grams) "
                       "finds spam wording"},
    .run = ngram_spam_run,
};
