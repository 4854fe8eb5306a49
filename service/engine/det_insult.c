/* det_insult.c - insult: a person called names, to their face.
 *
 * Owns the insult row, its role sequences and their calibration. An insult
 * is directed: a second person and an insult noun or adjective in one
 * clause ("you are a complete idiot", "you stupid moron", "what a moron
 * you are", "are you stupid?"), a profane imperative aimed at the reader
 * ("fuck you", "screw you", "go to hell"), or a person named in the third
 * person with an insult noun for predicate ("he is a useless clown"),
 * which reaches pending too but a little weaker, as the insulted is not
 * the one addressed. Negation ("you are not an idiot", "you're no fool")
 * drops the hit; reported or quoted speech ("he called me an idiot") is
 * discounted below pending (abuse.c). Name-calling without a target
 * ("what an idiot") stays below pending. Lexicons and clause helpers live
 * in abuse.c.
 */
#include "abuse.h"

#include <string.h>

/* Words that may stand between a second person and the insult head:
 * articles, intensifiers, adjectives, profanity ("you fucking idiot"). */
#define INSULT_FILLERS (ABUSE_FILL | ABUSE_INS_A | ABUSE_PROF | ABUSE_PROF_M)
#define INSULT_MAX_FILL 5
/* Signals: a clear direct insult reaches pending alone; a noun that is
 * also strong profanity ("you cunt") weighs a little more. */
#define INSULT_NOUN 0.6
#define INSULT_STRONG 0.68
#define INSULT_ADJ 0.55
#define INSULT_QUESTION 0.5
#define INSULT_THIRD 0.5
#define INSULT_THIRD_ADJ 0.3
#define INSULT_IMPERATIVE 0.55
#define INSULT_HELL 0.4
#define INSULT_NAMED 0.5
#define INSULT_LIKE_YOU 0.6
#define INSULT_CAP 0.8

/* A noun head followed by an object reads as a verb ("you fool them",
 * "did you pig out"): not a name. */
static int verb_reading(const abuse_view *v, size_t j) {
    size_t k = j + 1;
    if (k >= v->n || v->w[k].brk || v->w[k].comma)
        return 0;
    return (abuse_at(v, k) & (ABUSE_THIRD | ABUSE_DEM | ABUSE_YOU)) ||
           abuse_is(v, k, "me") || abuse_is(v, k, "us") ||
           abuse_is(v, k, "out") || abuse_is(v, k, "around") ||
           abuse_is(v, k, "everyone") || abuse_is(v, k, "people");
}

/* 1 when word j heads an insult noun phrase: an insult noun, or the
 * idioms "piece of shit|crap|garbage", "waste of space|oxygen|skin"; *end
 * is its last word. */
static int insult_head(const abuse_view *v, size_t j, size_t *end) {
    *end = j;
    if (j >= v->n)
        return 0;
    if (abuse_at(v, j) & ABUSE_INS_N)
        return 1;
    if (!abuse_is(v, j + 1, "of") || !abuse_same_sentence(v, j, j + 2))
        return 0;
    if ((abuse_is(v, j, "piece") &&
         (abuse_at(v, j + 2) & (ABUSE_PROF | ABUSE_PROF_M | ABUSE_DEHUM))) ||
        (abuse_is(v, j, "waste") &&
         (abuse_is(v, j + 2, "space") || abuse_is(v, j + 2, "oxygen") ||
          abuse_is(v, j + 2, "skin") || abuse_is(v, j + 2, "air")))) {
        *end = j + 2;
        return 1;
    }
    return 0;
}

static double noun_signal(const abuse_view *v, size_t j) {
    return (abuse_at(v, j) & ABUSE_PROF) ? INSULT_STRONG : INSULT_NOUN;
}

/* Last insult adjective among words from..to-1, or to when none. */
static size_t last_adj(const abuse_view *v, size_t from, size_t to) {
    size_t r = to;
    for (size_t k = from; k < to; k++)
        if (abuse_at(v, k) & ABUSE_INS_A)
            r = k;
    return r;
}

/* you (are) [fillers] NOUN | you are [fillers] ADJ */
static void second_person(const abuse_view *v, size_t i, abuse_found *f) {
    size_t k = i + 1;
    int be = (abuse_at(v, i) & ABUSE_BE) != 0; /* you're */
    if (!be && k < v->n && !v->w[k].brk &&
        (abuse_is(v, k, "guys") || abuse_is(v, k, "people") ||
         abuse_is(v, k, "lot") || abuse_is(v, k, "all")))
        k++;
    if (!be && k < v->n && !v->w[k].brk && (abuse_at(v, k) & ABUSE_BE)) {
        be = 1;
        k++;
    }
    size_t kk = k;
    while (kk < v->n && !v->w[kk].brk && kk - k < 2 &&
           (abuse_is(v, kk, "always") || abuse_is(v, kk, "really") ||
            abuse_is(v, kk, "truly") || abuse_is(v, kk, "clearly") ||
            abuse_is(v, kk, "obviously") || abuse_is(v, kk, "still")))
        kk++;
    if (be)
        k = kk;
    size_t j = abuse_skip(v, k, INSULT_FILLERS, INSULT_MAX_FILL);
    if (abuse_negated(v, i, j < v->n ? j : v->n - 1))
        return;
    size_t e;
    if (j < v->n && abuse_same_sentence(v, i, j) && insult_head(v, j, &e) &&
        !verb_reading(v, j)) {
        abuse_hit(v, i, e, noun_signal(v, j), "second person + insult noun", f);
        return;
    }
    if (be) {
        size_t a = last_adj(v, k, j);
        if (a < j)
            abuse_hit(v, i, a, INSULT_ADJ, "second person + insult adjective", f);
    }
}

/* are you [fillers] NOUN|ADJ ("are you stupid?") */
static void question(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & ABUSE_CUE) ||
        !(abuse_is(v, i, "are") || abuse_is(v, i, "r")) ||
        !(abuse_at(v, i + 1) & ABUSE_YOU) || !abuse_same_sentence(v, i, i + 1))
        return;
    size_t j = abuse_skip(v, i + 2, ABUSE_FILL | ABUSE_PROF, INSULT_MAX_FILL);
    if (j < v->n && abuse_same_sentence(v, i, j) &&
        (abuse_at(v, j) & (ABUSE_INS_N | ABUSE_INS_A)) &&
        !abuse_negated(v, i, j))
        abuse_hit(v, i, j, INSULT_QUESTION, "second person + insult, asked", f);
}

/* what a [fillers] NOUN (you are) */
static void exclamation(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & ABUSE_CUE) || !abuse_is(v, i, "what") ||
        !(abuse_is(v, i + 1, "a") || abuse_is(v, i + 1, "an")))
        return;
    size_t j = abuse_skip(v, i + 2, INSULT_FILLERS, INSULT_MAX_FILL);
    if (j >= v->n || !abuse_same_sentence(v, i, j) ||
        !(abuse_at(v, j) & ABUSE_INS_N))
        return;
    size_t y = j + 1;
    if (y < v->n && abuse_same_sentence(v, i, y) &&
        (abuse_at(v, y) & ABUSE_YOU))
        abuse_hit(v, i, y + ((abuse_at(v, y) & ABUSE_BE) ? 0 : 1),
                  noun_signal(v, j), "exclamation + insult noun + you", f);
    else if (!(y < v->n && abuse_same_sentence(v, i, y) &&
               (abuse_at(v, y) & ABUSE_SUBJ1)))
        abuse_hit(v, i, j, INSULT_NAMED, "exclamation + insult noun", f);
}

/* An imperative opens its clause: a sentence start, a comma, or a
 * conjunction or interjection before it ("and fuck you", "well screw you");
 * "the tiny screw you dropped" is a noun. */
static int clause_initial(const abuse_view *v, size_t i) {
    static const char *const openers[] = {"and", "so", "just", "go", "well",
                                          "oh", "then", "now", "seriously",
                                          "honestly", "but", "also", NULL};
    if (v->w[i].brk || v->w[i].comma || i == 0)
        return 1;
    for (size_t k = 0; openers[k]; k++)
        if (abuse_is(v, i - 1, openers[k]))
            return 1;
    return (abuse_at(v, i - 1) & ABUSE_PROF) != 0;
}

/* fuck you / screw you / fuck off / go to hell / stfu */
static void imperative(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_at(v, i) & (ABUSE_PROF | ABUSE_CUE)))
        return;
    const char *t = v->w[i].text;
    int fk = (abuse_at(v, i) & ABUSE_SEX_ACT) && (abuse_at(v, i) & ABUSE_PROF);
    int fuck = fk || strcmp(t, "fck") == 0 || strcmp(t, "fuk") == 0 ||
               strcmp(t, "fuq") == 0 || strcmp(t, "phuck") == 0 ||
               (v->w[i].masked && (abuse_at(v, i) & ABUSE_PROF) &&
                t[0] == 'f');
    size_t k = i + 1;
    int same = k < v->n && abuse_same_sentence(v, i, k) && clause_initial(v, i);
    if ((fuck || strcmp(t, "screw") == 0) && same &&
        ((abuse_at(v, k) & (ABUSE_YOU | ABUSE_YOURSELF)) ||
         (fuck && abuse_is(v, k, "off"))) &&
        !(abuse_at(v, k) & ABUSE_BE) && !abuse_negated(v, i, i)) {
        /* "I want to fuck you" has a speaker: the sexual row's, not an
         * imperative */
        for (size_t b = i, d = 0; b > 0 && d < 3; d++) {
            if (v->w[b].brk)
                break;
            b--;
            if ((abuse_at(v, b) & (ABUSE_SUBJ1 | ABUSE_WILL | ABUSE_THIRD)) ||
                abuse_is(v, b, "to"))
                return;
        }
        abuse_hit(v, i, k, INSULT_IMPERATIVE, "profane imperative at you", f);
        return;
    }
    if (strcmp(t, "stfu") == 0) {
        abuse_hit(v, i, i, INSULT_IMPERATIVE, "profane imperative at you", f);
        return;
    }
    if (strcmp(t, "go") == 0 && abuse_is(v, i + 1, "to") &&
        abuse_is(v, i + 2, "hell") && abuse_same_sentence(v, i, i + 2) &&
        !abuse_negated(v, i, i + 2))
        abuse_hit(v, i, i + 2, INSULT_HELL, "go to hell", f);
}

/* he/she/they/<name> is a [fillers] NOUN */
static void third_person(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    size_t k;
    if ((c & ABUSE_THIRD) && (c & ABUSE_BE)) {
        k = i + 1; /* he's */
    } else {
        if (c & (ABUSE_DEM | ABUSE_YOU | ABUSE_SUBJ1 | ABUSE_FILL | ABUSE_NEG |
                 ABUSE_BE | ABUSE_WILL | ABUSE_MODAL | ABUSE_REPORT))
            return;
        if (!(abuse_at(v, i + 1) & ABUSE_BE) || (abuse_at(v, i + 1) & ABUSE_YOU) ||
            !abuse_same_sentence(v, i, i + 1))
            return;
        k = i + 2;
    }
    size_t j = abuse_skip(v, k, INSULT_FILLERS, INSULT_MAX_FILL);
    if (j >= v->n || !abuse_same_sentence(v, i, j) || abuse_negated(v, i, j))
        return;
    size_t tl = strlen(v->w[j].text);
    int plural = tl > 1 && v->w[j].text[tl - 1] == 's';
    size_t e = j;
    /* the idioms ("a piece of garbage") name things as often as people:
     * only of a person pronoun */
    int head = (abuse_at(v, j) & ABUSE_INS_N) ||
               ((c & (ABUSE_THIRD | ABUSE_SLUR | ABUSE_SLUR_W)) &&
                insult_head(v, j, &e));
    e = (abuse_at(v, j) & ABUSE_INS_N) ? j : e;
    if (head && !verb_reading(v, j) && (j > k || plural)) {
        abuse_hit(v, i, e, INSULT_THIRD, "third person + insult noun", f);
        return;
    }
    size_t a = last_adj(v, k, j);
    if (a < j && (c & ABUSE_THIRD))
        abuse_hit(v, i, a, INSULT_THIRD_ADJ, "third person + insult adjective", f);
}

/* Insult nouns with a common literal sense ("the pig was sold", "the git
 * repository", "a freak storm"): name-calling only when said to or of a
 * person, never as a bare referring phrase. */
static int literal_sense(const char *w) {
    static const char *const lit[] = {
        "pig", "pigs", "rat", "rats", "snake", "snakes", "maggot", "maggots",
        "clown", "clowns", "freak", "freaks", "creep", "creeps", "prick",
        "pricks", "git", "gits", "jerk", "jerks", "muppet", "muppets",
        "dick", "dicks", "fool", "fools", NULL};
    for (size_t k = 0; lit[k]; k++)
        if (strcmp(w, lit[k]) == 0)
            return 1;
    return 0;
}

/* First person in the clause before word i ("I'm such an idiot"). */
static int self_directed(const abuse_view *v, size_t i) {
    for (size_t k = i, d = 0; k > 0 && d < 4; d++) {
        if (v->w[k].brk)
            break;
        k--;
        if ((abuse_at(v, k) & ABUSE_SUBJ1) || abuse_is(v, k, "me") ||
            abuse_is(v, k, "myself"))
            return 1;
    }
    return 0;
}

/* the / these / such / bunch of [fillers] NOUN: a person referred to by
 * an insult ("these idiots", "the moron who wrote this"); NOUN like you */
static void referring(const abuse_view *v, size_t i, abuse_found *f) {
    static const char *const dets[] = {"the", "this", "that", "these",
                                       "those", "such", "bunch", "pack",
                                       "lot", "load", NULL};
    if ((abuse_at(v, i) & ABUSE_INS_N) && abuse_is(v, i + 1, "like") &&
        (abuse_at(v, i + 2) & ABUSE_YOU) && abuse_same_sentence(v, i, i + 2) &&
        !abuse_negated(v, i, i + 2)) {
        abuse_hit(v, i, i + 2, INSULT_LIKE_YOU, "insult noun + like you", f);
        return;
    }
    int det = 0;
    if (!(abuse_at(v, i) & ABUSE_DET))
        return;
    for (size_t k = 0; dets[k] && !det; k++)
        det = abuse_is(v, i, dets[k]);
    if (!det)
        return;
    size_t k = i + 1;
    if (abuse_is(v, k, "of") && !abuse_is(v, i, "the"))
        k++;
    size_t j = abuse_skip(v, k, ABUSE_INS_A | ABUSE_PROF, 3);
    if (j >= v->n || !abuse_same_sentence(v, i, j) ||
        !(abuse_at(v, j) & ABUSE_INS_N) ||
        literal_sense(v->w[j].text) || verb_reading(v, j) ||
        self_directed(v, i) || abuse_negated(v, i, j))
        return;
    abuse_hit(v, i, j, INSULT_NAMED, "referred to by an insult noun", f);
}

static void insult_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_YOU)
        second_person(v, i, f);
    question(v, i, f);
    exclamation(v, i, f);
    imperative(v, i, f);
    third_person(v, i, f);
    referring(v, i, f);
}

static void insult_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, insult_rule, &f);
    abuse_emit(a, &f, INSULT_CAP, "insult", out);
}

const detector det_insult = {
    .row = {.code = "insult",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "a person called names: second person + insult noun "
                       "or adjective (\"you are an idiot\"), or named with one"},
    .run = insult_run,
};
