/* detector.h - what a detector is: one row and one run function.
 *
 * A detector lives in its own file, service/engine/det_<code>.c, and
 * exports one row, `const detector det_<code>`, named in the registration
 * table (ENGINE_DETECTORS in engine.h). Its run function reads the shared
 * analysis of one comment (the tokens, the measurements of the measure
 * stage, the caller's context) and writes one signal; it never allocates
 * across calls, keeps no state and never looks at another detector's
 * result. detectors.c runs the table; score.c combines the flags.
 */
#ifndef MODQ_DETECTOR_H
#define MODQ_DETECTOR_H

#include <stddef.h>

#include "engine.h"
#include "links.h"
#include "ngram.h"
#include "normalize.h"
#include "relevance.h"
#include "score.h"
#include "shingle.h"
#include "spamlang.h"
#include "tokenize.h"

/* Everything known about one comment when the detectors run. Filled by
 * engine_score (the comment and context) and the measure stage (measure.h);
 * all pointers borrowed for the call. */
typedef struct detector_analysis {
    /* the comment */
    const engine_comment *comment;
    const engine_features *features; /* normalised text, fingerprints */
    const tokenize_list *tokens;     /* of the normalised text */
    const normalize_stats *stats;    /* what only the original shows */
    const relevance_vec *vec;        /* its content stems */
    long distinct3;                  /* distinct word 3-shingles */
    /* the caller's context and the engine's settings */
    const engine_context *ctx;       /* never NULL */
    const engine_config *cfg;
    const relevance_vec *article;    /* analysed article, or NULL */
    const shingle_set *article_shingles; /* its body's 5-grams, or NULL */
    unsigned have;                   /* ENGINE_NEED_* present in ctx */
    /* the measure stage */
    relevance_cues cues;             /* answer-shape cues */
    relevance_result rr;             /* relevance to article and thread */
    spamlang_result sl;              /* spam wording, word lists */
    links_input links;               /* what the link detectors read */
    /* the learned layer (ngram.h): the comment's n-grams and the models
     * the engine parsed at start (NULL: none, the detector abstains) */
    const ngram_doc *ngram;
    const ngram_model *const *models; /* NGRAM_MODEL_COUNT entries */
    const struct abuse_view *abuse;  /* words of the abuse rows (abuse.h),
                                        or NULL: they build their own */
} detector_analysis;

/* Writes the detector's signal for a into out (cleared by the caller:
 * leaving it so means "nothing found"). */
typedef void (*detector_run_fn)(const detector_analysis *a, score_signal *out);

/* One row of the registry. */
typedef struct detector {
    engine_detector_row row; /* code, kind, needs, uses, weight, ... */
    detector_run_fn run;
} detector;

/* The rows named by ENGINE_DETECTORS, one det_<code>.c each. */
#define DETECTOR_DECLARE_(code) extern const detector det_##code;
ENGINE_DETECTORS(DETECTOR_DECLARE_)
#undef DETECTOR_DECLARE_

/* Row i of the table (0 <= i < ENGINE_D_COUNT). */
const detector *detector_at(size_t i);

/* Per-detector settings of an engine, resolved from its configuration. */
typedef struct detector_settings {
    double weight[ENGINE_D_COUNT];
    unsigned char enabled[ENGINE_D_COUNT];
} detector_settings;

/* Resolves cfg's weights and disabled codes over the rows' defaults into
 * out. Returns 0, or -1 with err filled (ENGINE_E_CONFIG, field the config
 * key: "weight_<code>" or "detectors_disabled") for an unknown code or a
 * weight outside [0,1]. */
int detector_settings_resolve(const engine_config *cfg, detector_settings *out,
                              engine_error *err);

/* Runs every enabled detector whose needs a->have covers, in table order,
 * adding its flag to v (score_add with its weight). */
void detector_run_all(const detector_analysis *a, const detector_settings *st,
                      engine_verdict *v);

#endif
