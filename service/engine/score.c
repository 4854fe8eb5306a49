/* score.c - detector signals -> flags, combined score and status.
 *
 * Owns the one place where evidence becomes a decision. The decision
 * policy (docs/quality.md, "Decision policy"): pending means "a moderator
 * should look", rejected means "confidently spam". Each flag takes its role
 * from its detector's row (detector.c): kind ENGINE_KIND_SPAM is spam
 * evidence, ENGINE_KIND_REVIEW a reason for a human look, ENGINE_KIND_STYLE
 * style support, except that a STYLE flag scoring at least its row's
 * review_from is confident and counts as REVIEW. A code no detector raises
 * counts as spam evidence.
 *
 *   flag_i  = clamp(signal_i * weight_i, 0, 1)     (kept if >= 0.05)
 *   P       = 1 - prod (1 - flag_i), i spam or review  (noisy-OR)
 *   S       = 1 - prod (1 - flag_j), j style support
 *   s       = P + (1 - P) * S * min(1, P / 0.25)   (support only adds to
 *                                                  evidence P started)
 *   if reputation r < 0 (trusted author):  s *= 1 + r/2   (r >= -1: at most
 *                                                          halves the score)
 *   s       = max(s, flag_k), k overrides_trust    (banned words survive
 *                                                  the discount)
 *   abuse_severe_rejects on and a flag at its row's severe_from (a
 *   threat, a slur): s = max(s, threshold_reject), and it counts as spam
 *   no spam flag: s = min(s, threshold_reject - SCORE_REVIEW_MARGIN)
 *   status  = rejected if s >= threshold_reject, pending if s >=
 *             threshold_pending, approved otherwise.
 *
 * Noisy-OR treats detectors as independent pieces of evidence: two weak
 * signals (0.3, 0.3) make 0.51, i.e. "worth a human look", while any single
 * strong one decides alone. Detectors calibrate their signals so that one
 * detector alone reaches pending only when it is confident (see each
 * module). Review evidence, however strong and however much of it, is a
 * reason for a human look, never proof: without spam evidence the score
 * stays below threshold_reject. Supporting signals describe style, not
 * intent: enthusiastic capitals, stretched letters and very short texts are
 * common in honest comments, so they never move a score on their own
 * (P = 0 gives s = 0) and reach full strength only next to primary evidence
 * of 0.25 or more. No detector logic here; no I/O.
 */
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

void score_signal_clear(score_signal *sig) { memset(sig, 0, sizeof *sig); }

void score_begin(engine_verdict *v) {
    /* the 16 flags are 13 KB: zero each as score_add() fills it; entries
     * past nflags are never read */
    memset(v, 0, offsetof(engine_verdict, flags));
    v->relevance = -1;
    v->toxicity = -1;
    v->status = ENGINE_APPROVED;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

void score_add(engine_verdict *v, const char *code, double weight,
               const score_signal *sig) {
    double s = clamp01(sig->signal * weight);
    if (s < SCORE_FLAG_FLOOR || v->nflags >= ENGINE_MAX_FLAGS)
        return;
    engine_flag *f = &v->flags[v->nflags++];
    memset(f, 0, sizeof *f);
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

/* The registry row of the detector raising code, or NULL. */
static const engine_detector_row *row_of(const char *code) {
    int i = engine_detector_find(code);
    return i < 0 ? NULL : engine_detector_info((size_t)i);
}

engine_kind score_role(const char *code, double score) {
    const engine_detector_row *d = row_of(code);
    if (!d)
        return ENGINE_KIND_SPAM;
    if (d->kind == ENGINE_KIND_STYLE && d->review_from > 0 &&
        score >= d->review_from)
        return ENGINE_KIND_REVIEW;
    return d->kind;
}

int score_is_supporting(const char *code) {
    const engine_detector_row *d = row_of(code);
    return d && d->kind == ENGINE_KIND_STYLE && d->review_from <= 0;
}

static int by_score_desc(const void *a, const void *b) {
    const engine_flag *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->code, y->code);
}

void score_finish(engine_verdict *v, const engine_config *cfg,
                  double reputation) {
    double prim[ENGINE_MAX_FLAGS], supp[ENGINE_MAX_FLAGS], least = 0;
    size_t np = 0, ns = 0;
    int spam = 0;
    for (size_t i = 0; i < v->nflags; i++) {
        const engine_detector_row *d = row_of(v->flags[i].code);
        double x = v->flags[i].score;
        engine_kind role = score_role(v->flags[i].code, x);
        if (role == ENGINE_KIND_STYLE)
            supp[ns++] = x;
        else
            prim[np++] = x;
        spam |= role == ENGINE_KIND_SPAM;
        if (d && d->overrides_trust && x > least)
            least = x; /* the score never goes below it */
        if (d && cfg->abuse_severe_rejects && d->severe_from > 0 && x >= d->severe_from) {
            spam = 1; /* severe abuse: rejected, whatever else is said */
            if (cfg->threshold_reject > least)
                least = cfg->threshold_reject;
        }
    }
    double p = score_noisy_or(prim, np), sup = score_noisy_or(supp, ns);
    double lift = p / SCORE_SUPPORT_NEEDS;
    double score = p + (1.0 - p) * sup * (lift > 1 ? 1 : lift);
    if (reputation < 0)
        score *= 1.0 + (reputation < -1 ? -1 : reputation) / 2.0;
    if (score < least)
        score = least;
    if (!spam && score > cfg->threshold_reject - SCORE_REVIEW_MARGIN)
        score = cfg->threshold_reject - SCORE_REVIEW_MARGIN;
    v->score = clamp01(score);
    qsort(v->flags, v->nflags, sizeof v->flags[0], by_score_desc);
    if (v->score >= cfg->threshold_reject)
        v->status = ENGINE_REJECTED;
    else if (v->score >= cfg->threshold_pending)
        v->status = ENGINE_PENDING;
    else
        v->status = ENGINE_APPROVED;
}
