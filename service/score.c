/* score.c - detector signals -> flags, combined score and status.
 *
 * Owns the one place where evidence becomes a decision:
 *
 *   flag_i  = clamp(signal_i * weight_i, 0, 1)     (kept if >= 0.05)
 *   s       = 1 - prod_i (1 - flag_i)              (noisy-OR)
 *   if reputation r < 0 (trusted author):  s *= 1 + r/2   (r >= -1: at most
 *                                                          halves the score)
 *   s       = max(s, banned_word flag)             (banned words survive
 *                                                  the discount)
 *   status  = rejected if s >= threshold_reject, pending if s >=
 *             threshold_pending, approved otherwise.
 *
 * Noisy-OR treats detectors as independent pieces of evidence: two weak
 * signals (0.3, 0.3) make 0.51, i.e. "worth a human look", while any single
 * strong one decides alone. Detectors calibrate their signals so that one
 * detector alone reaches pending only when it is confident (see each
 * module). No detector logic here; no I/O.
 */
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void score_signal_clear(score_signal *sig) { memset(sig, 0, sizeof *sig); }

void score_begin(engine_verdict *v) {
    memset(v, 0, sizeof *v);
    v->relevance = -1;
    v->status = ENGINE_APPROVED;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

void score_add(engine_verdict *v, const char *code, double weight,
               const score_signal *sig) {
    double s = clamp01(sig->signal * weight);
    if (s < SCORE_FLAG_FLOOR || v->nflags >= ENGINE_MAX_FLAGS)
        return;
    engine_flag *f = &v->flags[v->nflags++];
    snprintf(f->code, sizeof f->code, "%s", code);
    f->score = s;
    snprintf(f->detail, sizeof f->detail, "%s", sig->detail);
    snprintf(f->evidence, sizeof f->evidence, "%s", sig->evidence);
}

double score_noisy_or(const double *s, size_t n) {
    double keep = 1.0;
    for (size_t i = 0; i < n; i++)
        keep *= 1.0 - clamp01(s[i]);
    return 1.0 - keep;
}

static int by_score_desc(const void *a, const void *b) {
    const engine_flag *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->code, y->code);
}

void score_finish(engine_verdict *v, const engine_config *cfg,
                  double reputation) {
    double s[ENGINE_MAX_FLAGS], banned = 0;
    for (size_t i = 0; i < v->nflags; i++) {
        s[i] = v->flags[i].score;
        if (strcmp(v->flags[i].code, "banned_word") == 0 && s[i] > banned)
            banned = s[i];
    }
    double score = score_noisy_or(s, v->nflags);
    if (reputation < 0)
        score *= 1.0 + (reputation < -1 ? -1 : reputation) / 2.0;
    if (score < banned)
        score = banned;
    v->score = clamp01(score);
    qsort(v->flags, v->nflags, sizeof v->flags[0], by_score_desc);
    if (v->score >= cfg->threshold_reject)
        v->status = ENGINE_REJECTED;
    else if (v->score >= cfg->threshold_pending)
        v->status = ENGINE_PENDING;
    else
        v->status = ENGINE_APPROVED;
}
