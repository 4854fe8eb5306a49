/* det_profanity.c - profanity: strong swearing, read through obfuscation.
 *
 * Owns the profanity row and its calibration. A word of the profanity
 * lexicon (abuse.c), read through its masks ("f*ck", "f.u.c.k", "sh1t",
 * "a$$hole"), is a reason for a moderator to know, not to hold a comment:
 * swearing at nothing ("this damn tap", "holy shit that goal") stays below
 * pending however often it occurs. Swearing aimed at someone is the insult
 * row's ("fuck you", "you fucking idiot"), and it adds to that evidence:
 * the row is of kind STYLE, so alone it never moves the combined score.
 * Mild words (damn, crap, hell) weigh little; quoted swearing less.
 */
#include "abuse.h"

/* Swearing is style: next to other evidence it adds at most
 * PROFANITY_CAP x (1 - that evidence), so "4 fucking years" under a video
 * it does not match is not held for the swearing; abuse aimed at someone
 * is the other rows' evidence. */
#define PROFANITY_STRONG 0.15
#define PROFANITY_MILD 0.05
#define PROFANITY_CAP 0.25

static void profanity_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_PROF)
        abuse_hit(v, i, i, PROFANITY_STRONG,
                  v->w[i].masked ? "strong, obfuscated" : "strong", f);
    else if (c & ABUSE_PROF_M)
        abuse_hit(v, i, i, PROFANITY_MILD, "mild", f);
}

static void profanity_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, profanity_rule, &f);
    abuse_emit(a, &f, PROFANITY_CAP, "profanity", out);
}

const detector det_profanity = {
    .row = {.code = "profanity",
            .kind = ENGINE_KIND_STYLE,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "strong profanity, obfuscated or not (f*ck, sh1t); "
                       "alone never enough to hold a comment"},
    .run = profanity_run,
};
