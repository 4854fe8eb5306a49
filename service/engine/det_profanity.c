/* det_profanity.c - profanity: strong swearing, read through obfuscation.
 *
 * Owns the profanity row and its calibration. A word of the profanity
 * lexicon (abuse.c), read through its masks ("f*ck", "f.u.c.k", "sh1t",
 * "a$$hole"), is a reason for a moderator to know, not to hold a comment:
 * one or two swear words at nothing ("this damn tap", "holy shit that
 * goal") stay below pending. Swearing aimed at someone is the insult row's
 * ("fuck you", "you fucking idiot"), and it adds to that evidence: the row
 * is of kind STYLE, so below PROFANITY_REVIEW it never moves the combined
 * score alone. A rant is different in shape, not in words: three or more
 * strong swear words of the writer's own (not quoted, not reported) make
 * the swearing the content of the comment, and a moderator decides
 * whether the site publishes it (review evidence, never a rejection).
 * Mild words (damn, crap, hell) weigh little; quoted swearing less.
 */
#include "abuse.h"

#include <stdio.h>
#include <string.h>

/* Swearing is style: next to other evidence it adds at most
 * PROFANITY_CAP x (1 - that evidence), so "4 fucking years" under a video
 * it does not match is not held for the swearing; abuse aimed at someone
 * is the other rows' evidence. */
#define PROFANITY_STRONG 0.15
#define PROFANITY_MILD 0.05
#define PROFANITY_CAP 0.25
/* Strong swear words of the writer's own from which the comment is a rant,
 * and the rant's signal: the row's review_from, so it reaches pending on
 * its own and no further. */
#define PROFANITY_RANT_WORDS 3
#define PROFANITY_REVIEW 0.55

static void profanity_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_PROF)
        abuse_hit(v, i, i, PROFANITY_STRONG,
                  v->w[i].masked ? "strong, obfuscated" : "strong", f);
    else if (c & ABUSE_PROF_M)
        abuse_hit(v, i, i, PROFANITY_MILD, "mild", f);
}

/* Strong swear words of the writer's own: neither quoted nor reported. */
static void rant_rule(const abuse_view *v, size_t i, abuse_found *f) {
    if ((abuse_at(v, i) & ABUSE_PROF) && !v->w[i].quoted && !abuse_reported(v, i))
        abuse_hit(v, i, i, PROFANITY_STRONG, "strong", f);
}

/* Writes the distinct strong words of the first view of a, as written in
 * the normalised text, comma-separated, into out (n bytes). */
static void rant_words(const detector_analysis *a, char *out, size_t n) {
    const abuse_view *v = a->abuse;
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; v && i < v->n; i++) {
        if (!(v->w[i].cls & ABUSE_PROF) || v->w[i].quoted || abuse_reported(v, i))
            continue;
        const char *w = v->norm + v->w[i].off;
        size_t wl = v->w[i].len, seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = (v->w[k].cls & ABUSE_PROF) && v->w[k].len == wl &&
                   memcmp(v->norm + v->w[k].off, w, wl) == 0;
        if (seen || len + wl + 3 > n)
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%.*s", len ? ", " : "", (int)wl, w);
    }
}

static void profanity_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, rant_rule, &f);
    if (f.hits >= PROFANITY_RANT_WORDS) {
        out->signal = PROFANITY_REVIEW;
        rant_words(a, out->evidence, sizeof out->evidence);
        snprintf(out->detail, sizeof out->detail,
                 "a rant: %zu strong swear words of the writer's own (%s)", f.hits,
                 out->evidence);
        return;
    }
    abuse_scan(a, profanity_rule, &f);
    abuse_emit(a, &f, PROFANITY_CAP, "profanity", out);
}

const detector det_profanity = {
    .row = {.code = "profanity",
            .kind = ENGINE_KIND_STYLE,
            .review_from = PROFANITY_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "strong profanity, obfuscated or not (f*ck, sh1t); a swear "
                       "word or two never holds a comment, a rant of three or "
                       "more goes to a moderator"},
    .run = profanity_run,
};
