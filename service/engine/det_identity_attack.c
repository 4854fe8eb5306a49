/* det_identity_attack.c - identity_attack: a group attacked for who it is.
 *
 * Owns the identity_attack row, its role sequences and their calibration.
 * The subject is a group named for who its people are (a nationality,
 * religion, ethnicity, gender, sexuality or disability: "muslims",
 * "immigrants", "gay men", "black people"); the predicate dehumanises or
 * calls for its removal: "<group> are animals / vermin / parasites",
 * "<group> breed like rabbits", "<group> should be deported / gassed",
 * "kill all <group>", "death to <group>", "I hate <group>"; a call to
 * send a group back to a homeland ("ship them back to ... where they came
 * from", "go back to your own country"); an incapacity of a faculty given
 * to the whole group ("<group> are incapable of logic", "can't be
 * trusted"); a place overrun by a group ("swamped with <group>"). Slurs
 * attack on their own. A genuine mention of a group ("Muslims in our town run the
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
#define IDENTITY_RETURN 0.55
#define IDENTITY_INCAPABLE 0.55
#define IDENTITY_OVERRUN 0.55
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
        else if ((h & ABUSE_SWARM) && !(abuse_at(v, j - 1) & ABUSE_DET) &&
                 !abuse_is(v, j - 1, "a"))
            abuse_hit(v, s, j, IDENTITY_SWARM, "group + vermin verb", f);
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

/* Words of the auxiliary chain before a predicate of capacity ("have
 * never been", "are simply not", "will never be"). */
static int capacity_aux(const abuse_view *v, size_t k) {
    return (abuse_at(v, k) & (ABUSE_BE | ABUSE_NEG)) || abuse_is(v, k, "have") ||
           abuse_is(v, k, "has") || abuse_is(v, k, "had") || abuse_is(v, k, "will") ||
           abuse_is(v, k, "would") || abuse_is(v, k, "ever") || abuse_is(v, k, "even") ||
           abuse_is(v, k, "just") || abuse_is(v, k, "all") || abuse_is(v, k, "simply") ||
           abuse_is(v, k, "always") || abuse_is(v, k, "naturally") ||
           abuse_is(v, k, "inherently") || abuse_is(v, k, "can") || abuse_is(v, k, "could");
}

/* 1 when word k is "can't", "cannot", "couldn't" or "can|could never". */
static int cannot_at(const abuse_view *v, size_t k) {
    if (abuse_is(v, k, "can't") || abuse_is(v, k, "cant") || abuse_is(v, k, "cannot") ||
        abuse_is(v, k, "couldn't") || abuse_is(v, k, "couldnt"))
        return 1;
    return abuse_is(v, k, "never") && k > 0 &&
           (abuse_is(v, k - 1, "can") || abuse_is(v, k - 1, "could"));
}

/* <group> have never been capable of [real] science; <group> are
 * incapable of logic; <group> can't think / lead / govern; <group> lack
 * the intelligence: a generic incapacity of mind, skill or morals given
 * to a whole group. The complement must be a faculty (COMPETE): "men are
 * incapable of getting pregnant" is biology, not an attack. Here the
 * negator is the predicate; two ("not incapable") cancel. */
static void incapacity(const abuse_view *v, size_t s, size_t g, abuse_found *f) {
    size_t k = g + 1;
    int neg = 0, cannot = 0;
    while (k < v->n && k <= g + 5 && abuse_same_sentence(v, g, k) && capacity_aux(v, k)) {
        neg += (abuse_at(v, k) & ABUSE_NEG) != 0;
        cannot |= cannot_at(v, k);
        k++;
    }
    if (k >= v->n || !abuse_same_sentence(v, g, k))
        return;
    abuse_cls c = abuse_at(v, k);
    size_t j;
    if (((c & ABUSE_INCAP) && !neg) || ((c & ABUSE_CAPABLE) && neg == 1)) {
        j = k + 1;
        if (!(abuse_is(v, j, "of") || abuse_is(v, j, "to")))
            return;
        j = abuse_skip(v, j + 1, ABUSE_FILL, 2);
    } else if (cannot && neg == 1 && (c & ABUSE_COMPETE)) {
        j = k; /* can't think */
    } else if (!neg && (abuse_is(v, k, "lack") || abuse_is(v, k, "lacks"))) {
        j = abuse_skip(v, k + 1, ABUSE_FILL, 2);
    } else {
        return;
    }
    if (j < v->n && abuse_same_sentence(v, g, j) && (abuse_at(v, j) & ABUSE_COMPETE))
        abuse_hit(v, s, j, IDENTITY_INCAPABLE, "group + incapacity", f);
}

/* The verb at i is a call: an imperative opening its sentence, or after a
 * modal, "let's", "we", "I" in the three words before it. */
static int is_call(const abuse_view *v, size_t i) {
    if (v->w[i].brk)
        return 1;
    for (size_t b = i, d = 0; b > 0 && d < 3; d++) {
        if (v->w[b].brk)
            break;
        b--;
        if (abuse_at(v, b) & (ABUSE_MODAL | ABUSE_SUBJ1 | ABUSE_WILL))
            return 1;
    }
    return 0;
}

/* The place of a return at k: "to" [the] homeland ("to Africa", "to your
 * own country"), or "where they came from / belong". Returns its last
 * word or v->n. */
static size_t homeland(const abuse_view *v, size_t k) {
    if (abuse_is(v, k, "to")) {
        size_t j = k + 1;
        if (abuse_is(v, j, "the"))
            j++;
        if (abuse_at(v, j) & ABUSE_ORIGIN)
            return j;
        size_t n = 0;
        while (n < 2 && ((abuse_at(v, j) & (ABUSE_YOUR | ABUSE_THIRD)) ||
                         abuse_is(v, j, "own")))
            j++, n++;
        if (n && (abuse_is(v, j, "country") || abuse_is(v, j, "countries")))
            return j;
        return v->n;
    }
    if (abuse_is(v, k, "where") &&
        (abuse_at(v, k + 1) & (ABUSE_YOU | ABUSE_THIRD)) &&
        (abuse_is(v, k + 2, "came") || abuse_is(v, k + 2, "come") ||
         abuse_is(v, k + 2, "belong")))
        return k + 2;
    return v->n;
}

/* send <group> back; ship them back to Africa; kick them back where they
 * came from: a call to return people to a homeland. With a pronoun for
 * object the homeland must be named ("send them back" is also what one
 * does with a parcel). */
static void return_call(const abuse_view *v, size_t i, abuse_found *f) {
    if (!is_call(v, i))
        return;
    size_t k = i + 1;
    while (k < v->n && k <= i + 3 && abuse_same_sentence(v, i, k) &&
           (abuse_is(v, k, "all") || abuse_is(v, k, "the") || abuse_is(v, k, "these") ||
            abuse_is(v, k, "those") || abuse_is(v, k, "every") || abuse_is(v, k, "of")))
        k++;
    if (k >= v->n || !abuse_same_sentence(v, i, k))
        return;
    size_t g = group_end(v, k);
    int pron = g >= v->n && (abuse_is(v, k, "them") || abuse_is(v, k, "em"));
    size_t b = pron ? k + 1 : g + 1;
    if (g >= v->n && !pron)
        return;
    if (abuse_is(v, b, "all"))
        b++;
    if (!abuse_is(v, b, "back") || !abuse_same_sentence(v, i, b) || abuse_negated(v, i, b))
        return;
    size_t e = homeland(v, b + 1);
    if (e < v->n && abuse_same_sentence(v, i, e))
        abuse_hit(v, i, e, IDENTITY_RETURN, "call to send a group back", f);
    else if (!pron)
        abuse_hit(v, i, b, IDENTITY_RETURN, "call to send a group back", f);
}

/* go back to Africa; you should go back to your own country; go back
 * where you came from: a person told to return to a homeland. */
static void go_back(const abuse_view *v, size_t i, abuse_found *f) {
    if (!abuse_is(v, i, "go") || !abuse_is(v, i + 1, "back"))
        return;
    size_t b = i;
    if (b > 0 && !v->w[b].brk && (abuse_at(v, b - 1) & ABUSE_MODAL))
        b--; /* should go back */
    int told = v->w[b].brk ||
               (b > 0 && (abuse_at(v, b - 1) & (ABUSE_YOU | ABUSE_THIRD)) &&
                !(abuse_at(v, b - 1) & (ABUSE_SUBJ1 | ABUSE_DEM)) &&
                abuse_same_sentence(v, b - 1, i));
    size_t e = homeland(v, i + 2);
    if (!told || e >= v->n || !abuse_same_sentence(v, i, e) ||
        abuse_negated(v, b > 0 && !v->w[b].brk ? b - 1 : b, e))
        return;
    abuse_hit(v, b > 0 && !v->w[b].brk ? b - 1 : b, e, IDENTITY_RETURN,
              "go back to a homeland", f);
}

/* overrun by Africans; swamped with migrants; flooded with millions of
 * refugees; overrun by vermin: a place invaded by a group or by people
 * named as vermin. */
static void overrun(const abuse_view *v, size_t i, abuse_found *f) {
    if (!(abuse_is(v, i + 1, "by") || abuse_is(v, i + 1, "with")))
        return;
    size_t k = i + 2;
    while (k < v->n && k <= i + 5 && abuse_same_sentence(v, i, k) &&
           ((abuse_at(v, k) & (ABUSE_FILL | ABUSE_DET)) || abuse_is(v, k, "millions") ||
            abuse_is(v, k, "thousands") || abuse_is(v, k, "hordes") ||
            abuse_is(v, k, "waves") || abuse_is(v, k, "of")))
        k++;
    if (k >= v->n || !abuse_same_sentence(v, i, k))
        return;
    size_t g = group_end(v, k);
    if (g >= v->n && (abuse_at(v, k) & ABUSE_DEHUM) &&
        !(abuse_at(v, k) & (ABUSE_INS_A | ABUSE_FILL)))
        g = k; /* overrun by vermin, by savages */
    if (g >= v->n || abuse_negated(v, i, k))
        return;
    abuse_hit(v, i, g, IDENTITY_OVERRUN, "overrun by a group", f);
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
    /* the verb must be a call ("we should deport ...") */
    if (!death && !is_call(v, i))
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
    if (!c)
        return; /* every rule opens on a word of some class */
    if (c & ABUSE_SLUR) {
        abuse_hit(v, i, i, IDENTITY_SLUR, "slur", f);
    } else if (c & ABUSE_SLUR_W) {
        abuse_hit(v, i, i, IDENTITY_SLUR_WEAK, "slur", f);
    }
    size_t g = group_end(v, i);
    if (g < v->n && group_start(v, g) == i) {
        predicate(v, i, g, f);
        if (!group_negated(v, i))
            incapacity(v, i, g, f);
    }
    call(v, i, f);
    if (c & ABUSE_RETURN)
        return_call(v, i, f);
    if (c & ABUSE_OVERRUN)
        overrun(v, i, f);
    if (c & ABUSE_CUE)
        go_back(v, i, f);
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
