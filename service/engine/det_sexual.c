/* det_sexual.c - sexual: explicit or harassing sexual content at someone.
 *
 * Owns the sexual row, its role sequences and their calibration. Sexual
 * harassment is directed: a demand for images or acts ("send nudes", "show
 * me your tits", "suck my dick"), a speaker and a sexual verb with a person
 * for object ("I want to fuck you", "I'd bang her"), a person called a
 * sexual name ("you slut"), a request for undressed images ("send pics of
 * you in your underwear"), the stock phrase of intent ("the things I'd do
 * to her"), looks read in bed ("you'd look better in bed") and a remark on
 * a person's appeal closed by an innuendo marker ("..., if you know what
 * I mean"). Those reach pending. Other remarks on someone's looks
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
#define SEXUAL_INTENT 0.55
#define SEXUAL_INNUENDO 0.5
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

/* Undress words from k on: an UNDRESS term, or "in|wearing nothing",
 * "no clothes", "without clothes". Returns its last word or v->n. */
static size_t undress_at(const abuse_view *v, size_t k) {
    if (abuse_at(v, k) & (ABUSE_UNDRESS | ABUSE_SEX_BODY))
        return k;
    if ((abuse_is(v, k, "in") || abuse_is(v, k, "wearing")) && abuse_is(v, k + 1, "nothing"))
        return k + 1;
    if ((abuse_is(v, k, "no") || abuse_is(v, k, "without")) &&
        (abuse_is(v, k + 1, "clothes") || abuse_is(v, k + 1, "clothing")))
        return k + 1;
    return v->n;
}

/* send [me] pics of you in nothing but ...; post a photo of yourself in
 * your underwear: a request for images of the person undressed. */
static void image_request(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_is(v, i, "send") || abuse_is(v, i, "show") || abuse_is(v, i, "post") ||
          abuse_is(v, i, "give") || abuse_is(v, i, "dm")))
        return;
    size_t k = i + 1;
    while (k < v->n && k <= i + 3 && abuse_same_sentence(v, i, k) &&
           (abuse_is(v, k, "me") || abuse_is(v, k, "us") || abuse_is(v, k, "some") ||
            abuse_is(v, k, "more") || (abuse_at(v, k) & (ABUSE_FILL | ABUSE_YOUR))))
        k++;
    if (!(abuse_at(v, k) & ABUSE_IMAGE) || !abuse_same_sentence(v, i, k))
        return;
    int you = 0;
    size_t j = k + 1;
    for (; j < v->n && j <= k + 8 && abuse_same_sentence(v, i, j); j++) {
        if (abuse_at(v, j) & (ABUSE_YOU | ABUSE_YOUR | ABUSE_YOURSELF))
            you = 1;
        size_t e = undress_at(v, j);
        if (e < v->n && abuse_same_sentence(v, i, e)) {
            if ((you || (abuse_at(v, k - 1) & ABUSE_YOUR)) && !abuse_negated(v, i, e))
                abuse_hit(v, i, e, SEXUAL_DEMAND, "request for undressed images", f);
            return;
        }
    }
}

/* the things I'd do to her; all the things I want to do to you: the
 * speaker's unnamed acts on a person, the stock phrase of sexual intent. */
static void intent(const abuse_view *v, size_t i, abuse_found *f) {
    if (!abuse_is(v, i, "things"))
        return;
    size_t k = i + 1;
    if (abuse_is(v, k, "that"))
        k++;
    if (!(abuse_at(v, k) & ABUSE_SUBJ1))
        return;
    if (!(abuse_at(v, k) & (ABUSE_COND | ABUSE_WILL)))
        k++; /* I would, I could, I want to */
    if (abuse_is(v, k, "want") || abuse_is(v, k, "wanna"))
        k += abuse_is(v, k + 1, "to") ? 2 : 1;
    else if (abuse_at(v, k) & (ABUSE_COND | ABUSE_WILL) || abuse_is(v, k, "could"))
        k++;
    else
        return;
    if (!abuse_is(v, k, "do") || !abuse_is(v, k + 1, "to") ||
        !(abuse_at(v, k + 2) & SEXUAL_PERSON) || (abuse_at(v, k + 2) & ABUSE_BE) ||
        !abuse_same_sentence(v, i, k + 2) || abuse_negated(v, i, k + 2))
        return;
    abuse_hit(v, i, k + 2, SEXUAL_INTENT, "speaker + things I'd do to + person", f);
}

/* "you'd", "she'd", "he'd", "they'd": a person with "would" (the lexicon
 * files them as COND only, so no insult rule reads them as "you"). */
static int cond_person(const abuse_view *v, size_t i) {
    return abuse_is(v, i, "you'd") || abuse_is(v, i, "youd") || abuse_is(v, i, "she'd") ||
           abuse_is(v, i, "he'd") || abuse_is(v, i, "they'd");
}

/* The last person word from..to-1 (the antecedent of "who'd"), or n. */
static size_t person_before(const abuse_view *v, size_t from, size_t to) {
    for (size_t k = to; k > from && k <= v->n; k--)
        if (((abuse_at(v, k - 1) & SEXUAL_PERSON) && !(abuse_at(v, k - 1) & ABUSE_SUBJ1)) ||
            cond_person(v, k - 1))
            return k - 1;
    return v->n;
}

/* you'd look even better in bed; she'd be fun naked: a person's looks or
 * appeal read in bed or undressed. */
static void in_bed(const abuse_view *v, size_t i, abuse_found *f) {
    size_t b = i >= 12 ? i - 12 : 0;
    while (b < i && !abuse_same_sentence(v, b, i))
        b++;
    size_t p = (abuse_at(v, i) & SEXUAL_PERSON) || cond_person(v, i) ? i
                                                                       : person_before(v, b, i);
    if (p >= v->n)
        return;
    size_t k = i + 1;
    if (!(abuse_is(v, k, "look") || abuse_is(v, k, "be") || abuse_is(v, k, "feel") ||
          abuse_is(v, k, "taste")))
        return;
    k++;
    while (k < v->n && k <= i + 5 && (abuse_is(v, k, "even") || abuse_is(v, k, "so") ||
                                      abuse_is(v, k, "really") || abuse_is(v, k, "much") ||
                                      abuse_is(v, k, "a") || abuse_is(v, k, "lot")))
        k++;
    if (!(abuse_at(v, k) & ABUSE_APPEAL) || !abuse_same_sentence(v, i, k))
        return;
    size_t e = v->n;
    if (abuse_is(v, k + 1, "in") && abuse_is(v, k + 2, "bed"))
        e = k + 2;
    else if (abuse_at(v, k + 1) & ABUSE_UNDRESS)
        e = k + 1;
    else if (abuse_is(v, k + 1, "in") && (abuse_at(v, k + 2) & ABUSE_UNDRESS))
        e = k + 2;
    if (e >= v->n || !abuse_same_sentence(v, i, e) || abuse_negated(v, p, e))
        return;
    abuse_hit(v, p, e, SEXUAL_INNUENDO, "person + would look good in bed", f);
}

/* she'd be fun on a night out, if you know what I mean; he's a naughty
 * one, wink wink: an innuendo marker closing a remark on a person's
 * appeal. The marker alone is no harassment. */
static void innuendo(const abuse_view *v, size_t i, abuse_found *f) {
    size_t e = v->n;
    if (abuse_is(v, i, "know") && abuse_is(v, i + 1, "what") &&
        (abuse_is(v, i + 2, "i") || abuse_is(v, i + 2, "im")) &&
        (abuse_is(v, i + 3, "mean") || abuse_is(v, i + 3, "saying")))
        e = i + 3;
    else if (abuse_is(v, i, "iykwim"))
        e = i;
    else if ((abuse_is(v, i, "wink") || abuse_is(v, i, "nudge")) &&
             abuse_is(v, i + 1, v->w[i].text))
        e = i + 1;
    if (e >= v->n || !abuse_same_sentence(v, i, e))
        return;
    size_t s = i;
    if (s > 0 && (abuse_at(v, s - 1) & ABUSE_YOU) && !v->w[s].brk)
        s--; /* "you know what I mean" */
    if (s > 0 && abuse_is(v, s - 1, "if") && !v->w[s].brk)
        s--;
    /* the remark: the marker's sentence, at most 16 words back; the
     * appeal word nearest the marker, the first person before it */
    if (v->w[s].brk)
        return;
    size_t b = s >= 16 ? s - 16 : 0;
    size_t a = v->n, p = v->n;
    for (size_t j = s; j-- > b;) {
        if (a >= v->n && (abuse_at(v, j) & ABUSE_APPEAL))
            a = j;
        else if (a < v->n && (((abuse_at(v, j) & SEXUAL_PERSON) &&
                               !(abuse_at(v, j) & ABUSE_SUBJ1)) ||
                              cond_person(v, j)))
            p = j;
        if (v->w[j].brk)
            break;
    }
    if (a >= v->n || p >= v->n || abuse_negated(v, p, a))
        return;
    abuse_hit(v, p, e, SEXUAL_INNUENDO, "remark on a person + innuendo marker", f);
}

static void sexual_rule(const abuse_view *v, size_t i, abuse_found *f) {
    if (!abuse_at(v, i))
        return; /* every rule opens on a word of some class */
    demand(v, i, f);
    act_mine(v, i, f);
    act_at(v, i, f);
    at_you(v, i, f);
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_CUE) {
        image_request(v, i, f);
        intent(v, i, f);
        innuendo(v, i, f);
    }
    if (c & (ABUSE_COND | ABUSE_WILL | SEXUAL_PERSON))
        in_bed(v, i, f);
    if (c & ABUSE_SEX)
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
