/* det_threat.c - threat: violence or harm wished on or promised to someone.
 *
 * Owns the threat row, its role sequences and their calibration. A threat
 * joins a wish or a promise to a harm and a person: a wish verb, a target
 * and the harm the target meets ("I hope your family dies", "hope you get
 * cancer"); a speaker, a future or modal, a harm verb and its target ("I
 * will find you and hurt you", "someone should shoot him"); an imperative
 * of self-harm ("kill yourself", "kys", "drop dead"); a target with a
 * deserving modal ("you deserve to die", "he should be shot"); "death to
 * ..."; and intimidation ("I know where you live"). The target must be a
 * person (a pronoun or one's kin): "this will kill the economy" and "the
 * traffic is killing me" are no threats. Negation drops the hit ("I would
 * never hurt you", "don't kill yourself" is advice); reported speech is
 * discounted (abuse.c). A second-person threat weighs more than a third-
 * person one; no threat alone reaches rejected (the moderator decides)
 * unless the site lets severe abuse reject (THREAT_SEVERE).
 */
#include "abuse.h"

#include <string.h>

#define THREAT_WISH_YOU 0.65
#define THREAT_WISH_THIRD 0.55
#define THREAT_PROMISE_YOU 0.7
#define THREAT_PROMISE_THIRD 0.6
#define THREAT_SELF_HARM 0.7
#define THREAT_DESERVE_YOU 0.65
#define THREAT_DESERVE_THIRD 0.55
#define THREAT_DEATH_TO 0.6
#define THREAT_INTIMIDATE 0.6
#define THREAT_CAP 0.8
/* Severe where a site lets severe abuse reject (abuse_severe_rejects): a
 * threat to "you", a promise, an imperative of self-harm, "death to", an
 * intimidation; a third-person wish (0.55) and reported threats stay below. */
#define THREAT_SEVERE 0.6
/* Words from a wish to its target, from a target to its harm, from a
 * promise to its harm verb, from a harm verb to its target. */
#define THREAT_WISH_REACH 4
#define THREAT_HARM_REACH 4
#define THREAT_VERB_REACH 6
#define THREAT_TARGET_REACH 3

#define THREAT_PERSON (ABUSE_YOU | ABUSE_YOUR | ABUSE_YOURSELF | ABUSE_THIRD)

static int second(const abuse_view *v, size_t k) {
    return (abuse_at(v, k) & (ABUSE_YOU | ABUSE_YOUR | ABUSE_YOURSELF)) != 0;
}

/* First word from..from+reach-1 in i's sentence with class mask, or n. */
static size_t find(const abuse_view *v, size_t i, size_t from, size_t reach,
                   abuse_cls mask) {
    for (size_t k = from; k < v->n && k < from + reach; k++) {
        if (!abuse_same_sentence(v, i, k))
            break;
        if (abuse_at(v, k) & mask)
            return k;
    }
    return v->n;
}

/* I hope [you|your kin|he] ... [dies|gets killed|gets cancer] */
static void wish(const abuse_view *v, size_t i, abuse_found *f) {
    size_t t = find(v, i, i + 1, THREAT_WISH_REACH, THREAT_PERSON);
    if (t >= v->n)
        return;
    size_t h = t + 1;
    for (; h < v->n && h <= t + THREAT_HARM_REACH; h++) {
        if (!abuse_same_sentence(v, i, h) || v->w[h].comma)
            return;
        if (abuse_at(v, h) & (ABUSE_HARMP | ABUSE_HARM))
            break;
    }
    if (h >= v->n || h > t + THREAT_HARM_REACH || abuse_negated(v, i, h))
        return;
    abuse_hit(v, i, h, second(v, t) ? THREAT_WISH_YOU : THREAT_WISH_THIRD,
              "wish + target + harm", f);
}

/* The speaker of a promise: "I'll", or I/we/someone up to two words back,
 * or "gonna" opening a sentence. */
static int has_speaker(const abuse_view *v, size_t i) {
    if (abuse_at(v, i) & ABUSE_SUBJ1)
        return 1;
    for (size_t k = i, d = 0; k > 0 && d < 2; d++) {
        if (v->w[k].brk)
            break;
        k--;
        if (abuse_at(v, k) & ABUSE_SUBJ1)
            return 1;
    }
    return v->w[i].brk && (abuse_is(v, i, "gonna") || abuse_is(v, i, "wanna"));
}

/* I will [...] HARM [you]; someone should HARM [him] */
static void promise(const abuse_view *v, size_t i, abuse_found *f) {
    if (!has_speaker(v, i))
        return;
    size_t h = find(v, i, i + 1, THREAT_VERB_REACH, ABUSE_HARM);
    if (h >= v->n)
        return;
    size_t t = find(v, i, h + 1, THREAT_TARGET_REACH, THREAT_PERSON);
    if (t >= v->n)
        return;
    /* "shoot you a message", "hit you up": a verb of sending, not harm */
    if (abuse_is(v, t + 1, "a") || abuse_is(v, t + 1, "an") ||
        abuse_is(v, t + 1, "up") || abuse_is(v, t + 1, "some"))
        return;
    size_t from = i > 0 && (abuse_at(v, i - 1) & ABUSE_SUBJ1) &&
                          abuse_same_sentence(v, i - 1, i) ? i - 1 : i;
    if (abuse_negated(v, from, h))
        return;
    abuse_hit(v, from, t, second(v, t) ? THREAT_PROMISE_YOU : THREAT_PROMISE_THIRD,
              "speaker + will + harm + target", f);
}

/* kill yourself / kys / go die / drop dead */
static void self_harm(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & (ABUSE_HARM | ABUSE_CUE)))
        return;
    if (abuse_is(v, i, "kys")) {
        abuse_hit(v, i, i, THREAT_SELF_HARM, "self-harm imperative", f);
        return;
    }
    if ((abuse_at(v, i) & ABUSE_HARM) || abuse_is(v, i, "neck")) {
        size_t k = i + 1;
        if (k < v->n && abuse_same_sentence(v, i, k) &&
            (abuse_at(v, k) & ABUSE_YOURSELF) && !abuse_negated(v, i, k) &&
            !(i > 0 && abuse_same_sentence(v, i - 1, i) &&
              (abuse_at(v, i - 1) & (ABUSE_YOU | ABUSE_WILL | ABUSE_MODAL))))
            abuse_hit(v, i, k, THREAT_SELF_HARM, "self-harm imperative", f);
        return;
    }
    if ((abuse_is(v, i, "go") || abuse_is(v, i, "drop")) &&
        v->w[i].brk && i + 1 < v->n && abuse_same_sentence(v, i, i + 1) &&
        ((abuse_is(v, i, "go") && abuse_is(v, i + 1, "die")) ||
         (abuse_is(v, i, "drop") && abuse_is(v, i + 1, "dead"))))
        abuse_hit(v, i, i + 1, THREAT_SELF_HARM, "self-harm imperative", f);
}

/* you should die / deserve to be shot; he should be hanged; X must die */
static void deserve(const abuse_view *v, size_t i, abuse_found *f) {
    if (i == 0 || !abuse_same_sentence(v, i - 1, i))
        return;
    size_t s = i - 1;
    abuse_cls sc = abuse_at(v, s);
    int you = (sc & ABUSE_YOU) != 0, third = (sc & ABUSE_THIRD) != 0;
    if (!you && !third && !abuse_is(v, i, "must"))
        return;
    if (sc & (ABUSE_DEM | ABUSE_SUBJ1))
        return;
    size_t h = i + 1;
    while (h < v->n && h <= i + 3 && abuse_same_sentence(v, i, h) &&
           (abuse_is(v, h, "to") || abuse_is(v, h, "be") ||
            abuse_is(v, h, "get") || abuse_is(v, h, "all") ||
            abuse_is(v, h, "just") || abuse_is(v, h, "go")))
        h++;
    if (h >= v->n || !abuse_same_sentence(v, i, h) ||
        !(abuse_at(v, h) & ABUSE_HARMP) || abuse_negated(v, s, h))
        return;
    /* "must die" with a thing for subject is hyperbole about the thing */
    if (!you && !third && !abuse_is(v, h, "die"))
        return;
    abuse_hit(v, s, h, you ? THREAT_DESERVE_YOU : THREAT_DESERVE_THIRD,
              "target + deserves + harm", f);
}

/* death to ...; I know where you live; you're dead (meat) */
static void intimidation(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & (ABUSE_CUE | ABUSE_YOU)))
        return;
    if (abuse_is(v, i, "death") && abuse_is(v, i + 1, "to") &&
        abuse_same_sentence(v, i, i + 2) &&
        !(abuse_at(v, i + 2) & (ABUSE_DEM | ABUSE_SUBJ1)) &&
        !abuse_is(v, i + 2, "me")) {
        abuse_hit(v, i, i + 2, THREAT_DEATH_TO, "death to", f);
        return;
    }
    if (abuse_is(v, i, "know") && abuse_is(v, i + 1, "where") &&
        (abuse_at(v, i + 2) & ABUSE_YOU) && abuse_is(v, i + 3, "live") &&
        abuse_same_sentence(v, i, i + 3) && !abuse_negated(v, i, i + 3)) {
        abuse_hit(v, i, i + 3, THREAT_INTIMIDATE, "intimidation", f);
        return;
    }
    if ((abuse_at(v, i) & ABUSE_YOU) && (abuse_at(v, i) & ABUSE_BE) &&
        abuse_is(v, i + 1, "dead") && abuse_same_sentence(v, i, i + 1) &&
        (i + 2 >= v->n || v->w[i + 2].brk || abuse_is(v, i + 2, "meat") ||
         abuse_is(v, i + 2, "man")))
        abuse_hit(v, i, i + 1, THREAT_INTIMIDATE, "intimidation", f);
}

static void threat_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_WISH)
        wish(v, i, f);
    if (c & (ABUSE_WILL | ABUSE_MODAL))
        promise(v, i, f);
    if (c & ABUSE_MODAL)
        deserve(v, i, f);
    self_harm(v, i, f);
    intimidation(v, i, f);
}

static void threat_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, threat_rule, &f);
    abuse_emit(a, &f, THREAT_CAP, "threat", out);
}

const detector det_threat = {
    .row = {.code = "threat",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .severe_from = THREAT_SEVERE,
            .summary = "violence or harm wished on or promised to a person "
                       "(\"I hope you die\", \"I will hurt you\", \"kill "
                       "yourself\")"},
    .run = threat_run,
};
