/* det_threat.c - threat: violence or harm wished on or promised to someone.
 *
 * Owns the threat row, its role sequences and their calibration. A threat
 * joins a wish or a promise to a harm and a person: a wish verb, a target
 * and the harm the target meets ("I hope your family dies", "hope you get
 * cancer"); a speaker, a future or modal, a harm verb and its target ("I
 * will find you and hurt you", "someone should shoot him"); an imperative
 * of self-harm ("kill yourself", "kys", "drop dead"); a target with a
 * deserving modal ("you deserve to die", "he should be shot"); "death to
 * ..."; intimidation ("I know where you live"); a promise of an ending
 * verb made final ("I'll shut you up for good"); a person's leaving in a
 * conveyance of the hurt or dead ("you'll be going home in an ambulance");
 * a retribution idiom with a person who meets it ("he'll get what's
 * coming to him", "you will pay for this"); and the speaker's knowing
 * where someone is found ("I know where you work", "we know what car he
 * drives"). The target must be a
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
#define THREAT_FINAL_YOU 0.7
#define THREAT_FINAL_THIRD 0.6
#define THREAT_CONVEY_YOU 0.65
#define THREAT_CONVEY_THIRD 0.55
#define THREAT_RETRIB_YOU 0.6
#define THREAT_RETRIB_THIRD 0.55
#define THREAT_DESERTS 0.45
#define THREAT_WATCH_YOU 0.6
#define THREAT_WATCH_THIRD 0.55
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

/* Word k is a person: a pronoun, or your/his/her + kin ("your kids"). */
static int person_at(const abuse_view *v, size_t k) {
    return (abuse_at(v, k) & THREAT_PERSON) != 0;
}

/* "you'll": the lexicon files it under neither class (so the promise and
 * insult rules never read it as "you" or "I'll"). */
static int you_ll(const abuse_view *v, size_t i) {
    return abuse_is(v, i, "you'll") || abuse_is(v, i, "youll");
}

/* The future or modal word of a clause whose subject is a person, at i:
 * "he'll", "you'll", or "you|they|he" [are|is] + will|gonna|going|should;
 * returns the subject's index or v->n. */
static size_t person_future(const abuse_view *v, size_t i) {
    abuse_cls c = abuse_at(v, i);
    if (you_ll(v, i))
        return i;
    if (!(c & (ABUSE_WILL | ABUSE_MODAL)) || (c & ABUSE_SUBJ1))
        return v->n;
    if (c & THREAT_PERSON)
        return i;
    size_t s = i;
    if (s > 0 && abuse_same_sentence(v, s - 1, s) && (abuse_at(v, s - 1) & ABUSE_BE) &&
        !(abuse_at(v, s - 1) & THREAT_PERSON))
        s--; /* "they are going" */
    if (s > 0 && abuse_same_sentence(v, s - 1, s) &&
        (abuse_at(v, s - 1) & (ABUSE_YOU | ABUSE_THIRD)) &&
        !(abuse_at(v, s - 1) & (ABUSE_SUBJ1 | ABUSE_DEM)))
        return s - 1;
    return v->n;
}

/* A second-person subject (you, you're, you'll). */
static int second_subj(const abuse_view *v, size_t s) {
    return second(v, s) || you_ll(v, s);
}

/* Skips "be", "going to", "gonna" between a future and its verb ("he is
 * going to get", "they'll be going home"). */
static size_t past_aux(const abuse_view *v, size_t i, size_t k) {
    while (k < v->n && k <= i + 4 && abuse_same_sentence(v, i, k) &&
           (abuse_is(v, k, "be") ||
            (abuse_is(v, k, "going") && abuse_is(v, k + 1, "to")) ||
            abuse_is(v, k, "gonna") || abuse_is(v, k, "to") ||
            abuse_is(v, k, "all") || abuse_is(v, k, "definitely") ||
            abuse_is(v, k, "surely") || abuse_is(v, k, "soon")))
        k++;
    return k;
}

/* I'll [find you and] shut you up permanently; we'll put him down for
 * good: a speaker's promise of an ending verb done to a person, made final
 * ("permanently", "forever", "for good", "once and for all"). */
static void final_promise(const abuse_view *v, size_t i, abuse_found *f) {
    if (!has_speaker(v, i))
        return;
    size_t m = find(v, i, i + 1, THREAT_VERB_REACH, ABUSE_MENACE);
    if (m >= v->n)
        return;
    size_t t = m + 1;
    if (!person_at(v, t) || !abuse_same_sentence(v, i, t))
        return;
    size_t k = t + 1;
    if (abuse_is(v, k, "up") || abuse_is(v, k, "down") || abuse_is(v, k, "out") ||
        abuse_is(v, k, "off"))
        k++;
    if (k >= v->n || !abuse_same_sentence(v, i, k))
        return;
    size_t e = v->n;
    if (abuse_at(v, k) & ABUSE_FINAL)
        e = k;
    else if (abuse_is(v, k, "for") && abuse_is(v, k + 1, "good"))
        e = k + 1;
    else if (abuse_is(v, k, "once") && abuse_is(v, k + 1, "and") &&
             abuse_is(v, k + 2, "for") && abuse_is(v, k + 3, "all"))
        e = k + 3;
    size_t from = i > 0 && (abuse_at(v, i - 1) & ABUSE_SUBJ1) &&
                          abuse_same_sentence(v, i - 1, i) ? i - 1 : i;
    if (e >= v->n || !abuse_same_sentence(v, i, e) || abuse_negated(v, from, m))
        return;
    abuse_hit(v, from, e, second(v, t) ? THREAT_FINAL_YOU : THREAT_FINAL_THIRD,
              "speaker + will + ending verb + target + for good", f);
}

/* they'll be going home in an ambulance; you'll leave in a box; he should
 * leave via ambulance: a person's future leaving of a place in a
 * conveyance of the hurt or the dead. */
static void conveyance(const abuse_view *v, size_t i, abuse_found *f) {
    size_t s = person_future(v, i);
    if (s >= v->n)
        return;
    size_t k = past_aux(v, i, i + 1);
    if (!(abuse_is(v, k, "go") || abuse_is(v, k, "going") ||
          abuse_is(v, k, "leave") || abuse_is(v, k, "leaving") ||
          abuse_is(v, k, "come") || abuse_is(v, k, "coming") ||
          abuse_is(v, k, "carried") || abuse_is(v, k, "wheeled") ||
          abuse_is(v, k, "sent")))
        return;
    k++;
    if (abuse_is(v, k, "home") || abuse_is(v, k, "out") || abuse_is(v, k, "back") ||
        abuse_is(v, k, "off"))
        k++;
    if (!(abuse_is(v, k, "in") || abuse_is(v, k, "on") || abuse_is(v, k, "inside") ||
          abuse_is(v, k, "via") || abuse_is(v, k, "by")))
        return;
    k++;
    if (abuse_is(v, k, "a") || abuse_is(v, k, "an") || abuse_is(v, k, "the"))
        k++;
    if (abuse_is(v, k, "body") && abuse_is(v, k + 1, "bag"))
        k++;
    if (k >= v->n || !abuse_same_sentence(v, s, k) ||
        !((abuse_at(v, k) & ABUSE_CONVEY) || abuse_is(v, k, "bag")) ||
        abuse_negated(v, s, k))
        return;
    abuse_hit(v, s, k, second_subj(v, s) ? THREAT_CONVEY_YOU : THREAT_CONVEY_THIRD,
              "target + will + leave in an ambulance", f);
}

/* he'll get what's coming to him; you'll pay for this; she'll get her
 * comeuppance; they have it coming: the retribution idioms of English with
 * a person who meets it. "get what he deserves" is weaker (a court gives
 * it too). */
static void retribution(const abuse_view *v, size_t i, abuse_found *f) {
    size_t s = person_future(v, i);
    size_t k;
    if (s < v->n) {
        k = past_aux(v, i, i + 1);
    } else if ((abuse_at(v, i) & (ABUSE_YOU | ABUSE_THIRD)) &&
               !(abuse_at(v, i) & (ABUSE_SUBJ1 | ABUSE_DEM | ABUSE_WILL)) &&
               (abuse_is(v, i + 1, "has") || abuse_is(v, i + 1, "have")) &&
               abuse_is(v, i + 2, "it") && abuse_is(v, i + 3, "coming") &&
               abuse_same_sentence(v, i, i + 3)) {
        if (!abuse_negated(v, i, i + 3))
            abuse_hit(v, i, i + 3, second(v, i) ? THREAT_RETRIB_YOU : THREAT_RETRIB_THIRD,
                      "target + retribution idiom", f);
        return;
    } else {
        return;
    }
    if (k >= v->n || !abuse_same_sentence(v, s, k))
        return;
    size_t e = v->n;
    double sig = second_subj(v, s) ? THREAT_RETRIB_YOU : THREAT_RETRIB_THIRD;
    if (abuse_is(v, k, "get") || abuse_is(v, k, "gets")) {
        size_t j = k + 1;
        if ((abuse_is(v, j, "what's") || abuse_is(v, j, "whats")) &&
            abuse_is(v, j + 1, "coming"))
            e = j + 1;
        else if (abuse_is(v, j, "what") && abuse_is(v, j + 1, "is") &&
                 abuse_is(v, j + 2, "coming"))
            e = j + 2;
        else if (abuse_at(v, j + 1) & ABUSE_RETRIB)
            e = j + 1; /* his comeuppance, their payback */
        else if (abuse_is(v, j, "what") && (abuse_at(v, j + 1) & THREAT_PERSON) &&
                 (abuse_is(v, j + 2, "deserve") || abuse_is(v, j + 2, "deserves"))) {
            e = j + 2;
            sig = THREAT_DESERTS;
        }
    } else if (abuse_is(v, k, "pay") && abuse_is(v, k + 1, "for") &&
               (abuse_is(v, k + 2, "this") || abuse_is(v, k + 2, "that")) &&
               (k + 3 >= v->n || v->w[k + 3].brk)) {
        e = k + 2;
    }
    if (e >= v->n || !abuse_same_sentence(v, s, e) || abuse_negated(v, s, e))
        return;
    abuse_hit(v, s, e, sig, "target + retribution idiom", f);
}

/* I know where you work; we know what car he drives; I know which school
 * your kids go to: the speaker shows they can find a person (where one
 * lives, works, parks, sleeps), a veiled threat. "do you know where he
 * works?" has no speaker and is a question. */
static void whereabouts(const abuse_view *v, size_t i, abuse_found *f) {
    if (!abuse_is(v, i, "know") && !abuse_is(v, i, "knows"))
        return;
    int speaker = 0;
    for (size_t b = i, d = 0; b > 0 && d < 3; d++) {
        if (v->w[b].brk)
            break;
        b--;
        if (abuse_at(v, b) & ABUSE_SUBJ1)
            speaker = 1;
    }
    size_t w = i + 1;
    if (!speaker || !(abuse_is(v, w, "where") || abuse_is(v, w, "what") ||
                      abuse_is(v, w, "which")))
        return;
    size_t t = w + 1;
    while (t < v->n && t <= w + 2 && abuse_same_sentence(v, i, t) && !person_at(v, t) &&
           !abuse_at(v, t))
        t++; /* "what car", "which school" */
    if (!person_at(v, t) || (abuse_at(v, t) & ABUSE_BE))
        return;
    size_t l = t + 1;
    if ((abuse_at(v, t) & (ABUSE_YOUR | ABUSE_THIRD)) && (abuse_at(v, l) & ABUSE_KIN))
        l++; /* your kids, his wife */
    if (l >= v->n || !abuse_same_sentence(v, i, l))
        return;
    int at = (abuse_at(v, l) & ABUSE_LOCATE) ||
             ((abuse_is(v, l, "go") || abuse_is(v, l, "goes")) && abuse_is(v, l + 1, "to") &&
              abuse_same_sentence(v, i, l + 1));
    /* "I know where you live" is intimidation() already */
    if (!at || (abuse_is(v, w, "where") && (abuse_at(v, t) & ABUSE_YOU) &&
                abuse_is(v, l, "live")) || abuse_negated(v, i, l))
        return;
    abuse_hit(v, i, l, second(v, t) ? THREAT_WATCH_YOU : THREAT_WATCH_THIRD,
              "speaker + knows where + target + is found", f);
}

static void threat_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (!c) { /* of a word of no class, only "you'll" opens a rule */
        if (you_ll(v, i)) {
            conveyance(v, i, f);
            retribution(v, i, f);
        }
        return;
    }
    if (c & ABUSE_WISH)
        wish(v, i, f);
    if (c & (ABUSE_WILL | ABUSE_MODAL))
        promise(v, i, f);
    if (c & ABUSE_MODAL)
        deserve(v, i, f);
    if (c & ABUSE_WILL)
        final_promise(v, i, f);
    if ((c & (ABUSE_WILL | ABUSE_MODAL | ABUSE_YOU | ABUSE_THIRD)) || you_ll(v, i)) {
        conveyance(v, i, f);
        retribution(v, i, f);
    }
    if (c & ABUSE_CUE)
        whereabouts(v, i, f);
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
