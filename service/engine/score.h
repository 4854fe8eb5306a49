/* score.h - detector signals -> flags, combined score and status.
 *
 * score owns the combination rule (weighted noisy-OR of primary evidence,
 * supporting signals that only add to it, a trusted-author discount;
 * documented in score.c), the flag floor, flag ordering and the
 * thresholds -> status mapping. Detectors only produce score_signal values.
 */
#ifndef MODQ_SCORE_H
#define MODQ_SCORE_H

#include "engine.h"

/* Flags weaker than this are noise: omitted and not combined. */
#define SCORE_FLAG_FLOOR 0.05
/* Primary evidence at which supporting signals (kind ENGINE_KIND_STYLE)
 * count fully; below it they count in proportion, and alone
 * (no primary evidence) not at all. */
#define SCORE_SUPPORT_NEEDS 0.25
/* How far below threshold_reject a score without spam evidence stays:
 * review evidence sends a comment to a moderator, never to the rejected
 * folder. */
#define SCORE_REVIEW_MARGIN 0.01

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
 * reputation < 0 (never below the strongest flag of a detector that
 * overrides trust: banned_word), sorts flags
 * by score descending and sets v->status from the thresholds. */
void score_finish(engine_verdict *v, const engine_config *cfg,
                  double reputation);

/* The role a flag of code with this score plays in the combination: its
 * detector's kind, except ENGINE_KIND_REVIEW for a STYLE flag at or above
 * the row's review_from; ENGINE_KIND_SPAM for a code no detector raises. */
engine_kind score_role(const char *code, double score);

/* 1 when flag code is raised by a detector of kind ENGINE_KIND_STYLE
 * without a review_from (style, not intent, at any strength): it only adds
 * to a score that primary evidence started. */
int score_is_supporting(const char *code);

/* Noisy-OR of n values in [0,1]: 1 - prod(1 - s_i). */
double score_noisy_or(const double *s, size_t n);

#endif
