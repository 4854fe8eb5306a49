/* det_identity_attack.c - identity_attack: a group attacked for who it is.
 *
 * Owns the identity_attack row, its role sequences and their calibration.
 * The subject is a group named for who its people are (a nationality,
 * religion, ethnicity, gender, sexuality or disability: "muslims",
 * "immigrants", "gay men", "black people"); the predicate dehumanises or
 * calls for its removal: "<group> are animals / vermin / parasites",
 * "<group> breed like rabbits", "<group> should be deported / gassed",
 * "kill all <group>", "death to <group>", "I hate <group>". Slurs attack
 * on their own. A genuine mention of a group ("Muslims in our town run the
 * food bank", "as a gay man I loved this") has no such predicate and is
 * never flagged; negation ("immigrants are not criminals", "not all ...")
 * drops the hit and reported speech is discounted (abuse.c). Calls for
 * killing a group are the most severe shape (IDENTITY_SEVERE); no hit
 * alone reaches rejected unless the site lets severe abuse reject
 * (IDENTITY_SEVERE_FROM).
 */
#include "abuse.h"

#include <string.h>

#define IDENTITY_DEHUMAN 0.7
#define IDENTITY_INSULT 0.55
#define IDENTITY_SEVERE 0.75
#define IDENTITY_REMOVE 0.55
#define IDENTITY_SWARM 0.55
#define IDENTITY_BAN 0.5
#define IDENTITY_HATE 0.5
#define IDENTITY_SLUR 0.55
#define IDENTITY_SLUR_WEAK 0.3
#define IDENTITY_CAP 0.8
/* Severe where a site lets severe abuse reject (abuse_severe_rejects): a
 * slur, a dehumanising predicate or a call to kill; "I hate <group>", bans
 * (0.5) and ambiguous slurs (0.3) stay below. */
#define IDENTITY_SEVERE_FROM 0.55
/* Fillers between a copula and its predicate ("are all just filthy"). */
#define IDENTITY_FILLERS (ABUSE_FILL | ABUSE_PROF | ABUSE_PROF_M)
#define IDENTITY_MAX_FILL 5

/* End of a group phrase starting at word i ("muslims", "black people",
 * "muslim immigrants"), or v->n when none starts there. */
static size_t group_end(const abuse_view *v, size_t i) {
    abuse_cls c = abuse_at(v, i);
    if ((c & ABUSE_GROUP_A) && i + 1 < v->n && abuse_same_sentence(v, i, i + 1) &&
        (abuse_at(v, i + 1) & (ABUSE_PEOPLE | ABUSE_GROUP)))
        return i + 1;
    if (c & ABUSE_GROUP)
        return i;
    return v->n;
}

/* Group start before word e, e.g. the "black" of "black people" at e. */
static size_t group_start(const abuse_view *v, size_t e) {
    if (e > 0 && (abuse_at(v, e - 1) & ABUSE_GROUP_A) &&
        abuse_same_sentence(v, e - 1, e) &&
        (abuse_at(v, e) & (ABUSE_PEOPLE | ABUSE_GROUP)))
        return e - 1;
    return e;
}

/* "not all muslims": a negator just before the group. */
static int group_negated(const abuse_view *v, size_t s) {
    for (size_t k = s, d = 0; k > 0 && d < 2; d++) {
        if (v->w[k].brk)
            break;
        k--;
        if (abuse_at(v, k) & ABUSE_NEG)
            return 1;
    }
    return 0;
}

/* <group> are [fillers] DEHUM|INSULT; <group> should be REMOVE;
 * <group> breed/infest */
static void predicate(const abuse_view *v, size_t s, size_t g, abuse_found *f) {
    size_t k = g + 1;
    if (k >= v->n || !abuse_same_sentence(v, g, k) || group_negated(v, s))
        return;
    abuse_cls c = abuse_at(v, k);
    if ((c & ABUSE_BE) && !(c & ABUSE_YOU)) {
        size_t j = abuse_skip(v, k + 1, IDENTITY_FILLERS, IDENTITY_MAX_FILL);
        if (j >= v->n || !abuse_same_sentence(v, g, j) || abuse_negated(v, k, j))
            return;
        abuse_cls h = abuse_at(v, j);
        if (h & ABUSE_DEHUM)
            abuse_hit(v, s, j, IDENTITY_DEHUMAN, "group + dehumanising predicate", f);
        else if (h & (ABUSE_INS_N | ABUSE_INS_A))
            abuse_hit(v, s, j, IDENTITY_INSULT, "group + insulting predicate", f);
        return;
    }
    if (c & ABUSE_MODAL) {
        size_t j = k + 1;
        while (j < v->n && j <= k + 3 && abuse_same_sentence(v, g, j) &&
               (abuse_is(v, j, "to") || abuse_is(v, j, "be") ||
                abuse_is(v, j, "get") || abuse_is(v, j, "all") ||
                abuse_is(v, j, "just") || abuse_is(v, j, "simply")))
            j++;
        if (j >= v->n || !abuse_same_sentence(v, g, j) || abuse_negated(v, k, j))
            return;
        abuse_cls h = abuse_at(v, j);
        if ((h & ABUSE_REMOVE) || abuse_is(v, j, "die"))
            abuse_hit(v, s, j,
                      (h & ABUSE_SEVERE) || abuse_is(v, j, "die")
                          ? IDENTITY_SEVERE : IDENTITY_REMOVE,
                      (h & ABUSE_SEVERE) || abuse_is(v, j, "die")
                          ? "group + should be killed (severe)"
                          : "group + should be removed", f);
        else if (abuse_is(v, j, "go") && abuse_is(v, j + 1, "back") &&
                 abuse_same_sentence(v, g, j + 1))
            abuse_hit(v, s, j + 1, IDENTITY_BAN, "group + should go back", f);
        return;
    }
    size_t j = k;
    if (abuse_is(v, j, "just") || abuse_is(v, j, "all"))
        j++;
    if (j < v->n && abuse_same_sentence(v, g, j) && (abuse_at(v, j) & ABUSE_SWARM) &&
        !abuse_negated(v, k, j))
        abuse_hit(v, s, j, IDENTITY_SWARM, "group + vermin verb", f);
}

/* kill all <group>; deport the <group>; death to <group>; I hate <group> */
static void call(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (!(c & (ABUSE_EXTERM | ABUSE_CUE)))
        return;
    int hate = abuse_is(v, i, "hate") || abuse_is(v, i, "despise") ||
               abuse_is(v, i, "loathe");
    int death = abuse_is(v, i, "death") && abuse_is(v, i + 1, "to");
    if (!(c & ABUSE_EXTERM) && !hate && !death)
        return;
    size_t k = i + 1 + (size_t)death;
    while (k < v->n && k <= i + 3 && abuse_same_sentence(v, i, k) &&
           (abuse_is(v, k, "all") || abuse_is(v, k, "the") ||
            abuse_is(v, k, "every") || abuse_is(v, k, "these") ||
            abuse_is(v, k, "those") || abuse_is(v, k, "of") ||
            (abuse_at(v, k) & ABUSE_PROF)))
        k++;
    if (k >= v->n || !abuse_same_sentence(v, i, k))
        return;
    size_t g = group_end(v, k);
    if (g >= v->n || abuse_negated(v, i, k))
        return;
    /* the verb must be a call: an imperative opening the sentence, or
     * after a modal, "let's", "we", "I" ("we should deport ...") */
    int called = death || v->w[i].brk;
    for (size_t b = i, d = 0; !called && b > 0 && d < 3; d++) {
        if (v->w[b].brk)
            break;
        b--;
        if (abuse_at(v, b) & (ABUSE_MODAL | ABUSE_SUBJ1 | ABUSE_WILL))
            called = 1;
    }
    if (!called)
        return;
    if (hate)
        abuse_hit(v, i, g, IDENTITY_HATE, "hate + group", f);
    else if (death || (c & ABUSE_SEVERE))
        abuse_hit(v, i, g, IDENTITY_SEVERE, "call to kill a group (severe)", f);
    else
        abuse_hit(v, i, g, IDENTITY_BAN, "call to expel a group", f);
}

static void identity_rule(const abuse_view *v, size_t i, abuse_found *f) {
    abuse_cls c = abuse_at(v, i);
    if (c & ABUSE_SLUR) {
        abuse_hit(v, i, i, IDENTITY_SLUR, "slur", f);
    } else if (c & ABUSE_SLUR_W) {
        abuse_hit(v, i, i, IDENTITY_SLUR_WEAK, "slur", f);
    }
    size_t g = group_end(v, i);
    if (g < v->n && group_start(v, g) == i)
        predicate(v, i, g, f);
    call(v, i, f);
}

static void identity_attack_run(const detector_analysis *a, score_signal *out) {
    abuse_found f;
    abuse_scan(a, identity_rule, &f);
    abuse_emit(a, &f, IDENTITY_CAP, "identity attack", out);
}

const detector det_identity_attack = {
    .row = {.code = "identity_attack",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .severe_from = IDENTITY_SEVERE_FROM,
            .summary = "a group attacked for who its people are: group + "
                       "dehumanising predicate (\"<group> are vermin\", "
                       "\"should be deported\"), or a slur"},
    .run = identity_attack_run,
};
