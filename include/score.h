/* score.h - detector signals -> flags, combined score and status.
 *
 * score owns the combination rule (weighted noisy-OR with a trusted-author
 * discount, documented in score.c), the flag floor, flag ordering and the
 * thresholds -> status mapping. Detectors only produce score_signal values.
 */
#ifndef MODQ_SCORE_H
#define MODQ_SCORE_H

#include "engine.h"

/* Flags weaker than this are noise: omitted and not combined. */
#define SCORE_FLAG_FLOOR 0.05

/* What one detector found: a signal in [0,1] plus its explanation. */
typedef struct score_signal {
    double signal;
    char detail[ENGINE_FLAG_DETAIL_LEN];
    char evidence[ENGINE_EVIDENCE_LEN];
} score_signal;

/* Clears sig (signal 0, empty strings). */
void score_signal_clear(score_signal *sig);

/* Starts a verdict: no flags, score 0, relevance -1. */
void score_begin(engine_verdict *v);

/* Adds flag `code` with score sig->signal * weight (clamped to [0,1]) when
 * it reaches SCORE_FLAG_FLOOR and there is room. */
void score_add(engine_verdict *v, const char *code, double weight,
               const score_signal *sig);

/* Combines the flags into v->score, applies the trusted discount for
 * reputation < 0 (never below the strongest banned_word flag), sorts flags
 * by score descending and sets v->status from the thresholds. */
void score_finish(engine_verdict *v, const engine_config *cfg,
                  double reputation);

/* Noisy-OR of n values in [0,1]: 1 - prod(1 - s_i). */
double score_noisy_or(const double *s, size_t n);

#endif
