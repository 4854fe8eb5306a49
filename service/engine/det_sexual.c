/* det_sexual.c - sexual: explicit or harassing sexual content at someone.
 *
 * Owns the sexual row, its role sequences and their calibration. Sexual
 * harassment is directed: a demand for images or acts ("send nudes", "show
 * me your tits", "suck my dick"), a speaker and a sexual verb with a person
 * for object ("I want to fuck you", "I'd bang her"), or a person called a
 * sexual name ("you slut"). Those reach pending. Remarks on someone's looks
 * ("you're so sexy") and explicit words with no target ("porn", "horny")
 * stay below it: sex education, health and art use the same words.
 * Negation drops the hit, reported speech is discounted (abuse.c).
 */
#include "abuse.h"

#include <string.h>

#define SEXUAL_DEMAND 0.6
#define SEXUAL_ACT_AT 0.65
#define SEXUAL_NAME 0.5
#define SEXUAL_LOOKS 0.35
#define SEXUAL_BODY_AT 0.4
#define SEXUAL_TERM 0.2
#define SEXUAL_CAP 0.75

#define SEXUAL_PERSON (ABUSE_YOU | ABUSE_YOUR | ABUSE_THIRD)

/* send/show/give me [your] nudes|body */
static void demand(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & ABUSE_CUE))
        return;
    if (!(abuse_is(v, i, "send") || abuse_is(v, i, "show") ||
          abuse_is(v, i, "give") || abuse_is(v, i, "flash")))
        return;
    size_t k = i + 1;
    while (k < v->n && k <= i + 4 && abuse_same_sentence(v, i, k) &&
           (abuse_is(v, k, "me") || abuse_is(v, k, "us") ||
            (abuse_at(v, k) & (ABUSE_YOUR | ABUSE_FILL)) ||
            abuse_is(v, k, "pics") || abuse_is(v, k, "pictures") ||
            abuse_is(v, k, "photos")))
        k++;
    if (k < v->n && abuse_same_sentence(v, i, k) &&
        ((abuse_at(v, k) & ABUSE_SEX_BODY) || abuse_is(v, k, "nudes")) &&
        !abuse_negated(v, i, k))
        abuse_hit(v, i, k, SEXUAL_DEMAND, "demand for sexual images", f);
}

/* suck|lick|ride my BODY; sit on my face */
static void act_mine(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & ABUSE_SEX_ACT) &&
        !((abuse_at(v, i) & ABUSE_CUE) && abuse_is(v, i, "sit")))
        return;
    size_t k = i + 1;
    if (abuse_is(v, k, "on"))
        k++;
    if (!abuse_is(v, k, "my") || !abuse_same_sentence(v, i, k + 1))
        return;
    if (((abuse_at(v, k + 1) & ABUSE_SEX_BODY) ||
         (abuse_is(v, i, "sit") && abuse_is(v, k + 1, "face"))) &&
        !abuse_negated(v, i, k + 1))
        abuse_hit(v, i, k + 1, SEXUAL_DEMAND, "demand for a sexual act", f);
}

/* I want to / I'd / gonna fuck|bang you|her */
static void act_at(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & ABUSE_SEX_ACT))
        return;
    int speaker = 0;
    for (size_t b = i, d = 0; b > 0 && d < 4; d++) {
        if (v->w[b].brk)
            break;
        b--;
        if (abuse_at(v, b) & (ABUSE_SUBJ1 | ABUSE_WILL))
            speaker = 1;
    }
    size_t t = i + 1;
    if (!speaker || t >= v->n || !abuse_same_sentence(v, i, t) ||
        !(abuse_at(v, t) & SEXUAL_PERSON) || (abuse_at(v, t) & ABUSE_BE))
        return;
    /* "I'll screw you over", "we'll ride you home" are no sexual acts */
    if (abuse_is(v, t + 1, "over") || abuse_is(v, t + 1, "home") ||
        abuse_is(v, t + 1, "up") || abuse_is(v, t + 1, "to"))
        return;
    size_t from = i >= 3 ? i - 3 : 0;
    if (abuse_negated(v, from, i))
        return;
    abuse_hit(v, i, t, SEXUAL_ACT_AT, "speaker + sexual verb + person", f);
}

/* you (are) (a) slut|whore; you're so sexy; your tits */
static void at_you(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_YOUR) {
        size_t k = abuse_skip(v, i + 1, ABUSE_INS_A | ABUSE_FILL, 2);
        if (k < v->n && abuse_same_sentence(v, i, k) &&
            (abuse_at(v, k) & ABUSE_SEX_BODY))
            abuse_hit(v, i, k, SEXUAL_BODY_AT, "your + sexual body part", f);
    }
    if (!(c & ABUSE_YOU))
        return;
    size_t k = i + 1;
    if (!(c & ABUSE_BE) && (abuse_at(v, k) & ABUSE_BE))
        k++;
    size_t j = abuse_skip(v, k, ABUSE_FILL | ABUSE_INS_A | ABUSE_PROF, 4);
    if (j >= v->n || !abuse_same_sentence(v, i, j) || abuse_negated(v, i, j))
        return;
    if (abuse_is(v, j, "slut") || abuse_is(v, j, "whore") ||
        abuse_is(v, j, "sluts") || abuse_is(v, j, "whores"))
        abuse_hit(v, i, j, SEXUAL_NAME, "second person + sexual name", f);
    else if (j > k && (abuse_is(v, j, "sexy") || abuse_is(v, j, "horny")))
        abuse_hit(v, i, j, SEXUAL_LOOKS, "second person + sexual remark", f);
}

static void sexual_rule(const abuse_view *v, size_t i, abuse_found *f) {
    demand(v, i, f);
    act_mine(v, i, f);
    act_at(v, i, f);
    at_you(v, i, f);
    if (abuse_at(v, i) & ABUSE_SEX)
        abuse_hit(v, i, i, SEXUAL_TERM, "explicit term", f);
}

static void sexual_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, sexual_rule, &f);
    abuse_emit(a, &f, SEXUAL_CAP, "sexual", out);
}

const detector det_sexual = {
    .row = {.code = "sexual",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "explicit or harassing sexual content directed at "
                       "someone (\"send nudes\", \"I want to fuck you\")"},
    .run = sexual_run,
};
