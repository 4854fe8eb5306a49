/* det_toxicity.c - toxicity: the learned model finds the comment abusive.
 *
 * Owns the toxicity row: the calibrated probability of the toxicity model
 * (ngram.h; trained by tools/train_model.c on Davidson et al.'s tweets and
 * the Toxic Spans comments against genuine comments, see
 * service/engine/models/toxicity.txt), with the evidence of the aim
 * added, is the signal when abuse is then more likely than not AND the
 * comment is aimed at someone: profanity alone is
 * not abuse ("this shit is fire"), abuse is directed at a person or a
 * group. Aimed means a word of the shared abuse view (abuse.h), in a
 * sentence that is neither negated nor reported speech, names the reader,
 * someone's kin or a group, or calls someone an insult noun, or pairs an
 * insult adjective with a person or a group; or a third person, people,
 * or someone named (a content word written capitalised inside a sentence
 * of the comment as posted, the text not title-cased, the name not itself
 * the model's evidence) stands in a sentence reporting nothing. Each kind
 * of aim adds its own log-odds to the probability (TOXICITY_ODDS_*): an
 * insult a copula predicates of someone flags from a lower probability, a
 * third person from a higher one. Otherwise the detector stays silent, so a word
 * that is merely rude in some contexts never adds to other evidence. A
 * reason for a human look, not proof: the signal stays under the reject
 * threshold. The evidence is the words whose n-grams weighed most, as
 * written. The probability itself, ungated, is the verdict's toxicity
 * (engine.c): what callers asking for a probability read.
 */
#include "abuse.h"
#include "detector.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Probability, the model's and the aim's evidence combined, from which
 * a comment is flagged: abuse more likely than not. No probability is
 * flagged unaimed: the model is most sure of short profane lines
 * ("f.u.c.k this sh1t weather") that abuse nobody. */
#define TOXICITY_MIN_PROB 0.5

/* The aim's part of the evidence: log-odds a kind of aim adds to the
 * model's calibrated probability (the strongest kind present counts; the
 * flag's signal is the sum, read back as a probability). Fitted as one
 * logistic regression over the logit of the out-of-fold probability and
 * the kind of aim (train_model's 5-fold margins on every training source;
 * each source weighed equally within its class, the classes equally), the
 * offsets taken against the reader's, whose 0.5 the model's calibration
 * already means. The fit gave an insult noun +1.25 and an insult
 * adjective with a person +0.65; both are granted only where a copula
 * predicates the insult ("the managers are a bunch of clowns", "they are
 * hopeless", "your argument is idiotic": from p 0.22 and 0.34), because a bare insult noun is as
 * often a thing ("kept pigs", "dressed up as clowns"), which the fit's
 * sources hardly hold. The reader, kin, a group, a slur, and an insult
 * not predicated add nothing (from 0.5). A third person, people or
 * someone named count against: the fit says -0.35 (from 0.59), but from
 * there a third person praised with a swear word ("he is so fucking good
 * at this") is flagged, so it stays at -0.85 (from 0.7). Leave-one-source-
 * out refits move the fitted offsets (Toxic Spans held out: +0.66,
 * -1.08, 0, -0.34); docs/quality.md gives the held-out figures. */
#define TOXICITY_ODDS_INSULT 1.25
#define TOXICITY_ODDS_INSULT_ADJ 0.65
#define TOXICITY_ODDS_READER 0.0
#define TOXICITY_ODDS_THIRD (-0.85)
/* Probabilities are read as log-odds within this distance of 0 and 1. */
#define TOXICITY_PROB_EPS 1e-6
/* Word classes that aim a comment at someone (abuse.h): the reader (you,
 * your, yourself), a person's kin, a group of people or a slur for one.
 * Insult nouns are the abuse, not its target; third-person pronouns are
 * left out: they as often name the singer praised ("he's f*cking great"). */
#define TOXICITY_TARGET                                                     \
    (ABUSE_YOU | ABUSE_YOUR | ABUSE_YOURSELF | ABUSE_KIN | ABUSE_GROUP |    \
     ABUSE_GROUP_A | ABUSE_SLUR)

/* Word classes that make a comment abuse whoever it names: an insult noun
 * ("idiot", "moron", "scumbag") calls a person it, the reader or a third
 * party ("the mayor is a moron"). An insult adjective does so only in a
 * sentence that names a person or a group (TOXICITY_PERSON: "he is
 * pathetic", "stupid people"): alone it as often judges a thing ("this
 * plan is stupid"). */
#define TOXICITY_INSULT ABUSE_INS_N
#define TOXICITY_INSULT_ADJ ABUSE_INS_A
#define TOXICITY_PERSON (ABUSE_THIRD | ABUSE_PEOPLE | ABUSE_GROUP | ABUSE_GROUP_A)

/* A third person or people ("he", "they", "these people") aims the
 * comment too, as does someone named ("Hendricks"): the usual aim of a
 * news comment, which speaks of the people in the story, not to the
 * reader (at TOXICITY_ODDS_THIRD). */
#define TOXICITY_THIRD (ABUSE_THIRD | ABUSE_PEOPLE)

/* Word classes that name an identity (abuse.h): never themselves the
 * evidence of abuse. A model trained on abusive text learns the groups
 * abuse names ("Nigerians", by its letters); when such a word pushed the
 * margin most, the model read the mention, not abuse of it. */
#define TOXICITY_IDENTITY (ABUSE_GROUP | ABUSE_GROUP_A)

/* 1 when the word of r that pushed the margin most names an identity. */
static int toxicity_identity_led(const detector_analysis *a,
                                 const ngram_result *r) {
    size_t best = r->ntop;
    for (size_t k = 0; k < r->ntop; k++)
        if (best == r->ntop || r->contribution[k] > r->contribution[best])
            best = k;
    if (best == r->ntop)
        return 0;
    const char *text = a->features->normalized;
    size_t b = r->top[best].begin, e = r->top[best].end;
    char w[ABUSE_WORD_MAX + 1];
    if (e <= b || e - b > ABUSE_WORD_MAX || e > a->features->normalized_len)
        return 0;
    for (size_t i = b; i < e; i++) {
        char ch = text[i];
        w[i - b] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    return (abuse_lookup(w, e - b) & TOXICITY_IDENTITY) != 0;
}

/* Words whose negation decides whether a sentence abuses: the insults it
 * holds. */
#define TOXICITY_INSULTING (ABUSE_INS_N | ABUSE_INS_A)

/* 1 when word i of the sentence start..end is negated where negation
 * governs: a negator opening the sentence ("don't let him fool you")
 * governs all of it; otherwise an insult word is negated by the few words
 * before it (abuse_negated: "you are not an idiot"), and any other word
 * (a target: "you", a group) stands as negated as the insults of its
 * sentence -- all of them negated, or, with none, any negator at all. */
static int toxicity_negated(const abuse_view *v, size_t start, size_t end, size_t i) {
    if ((v->w[start].cls & ABUSE_NEG) && strcmp(v->w[start].text, "no") != 0)
        return 1; /* "no, you are an idiot" answers, it does not negate */
    if (v->w[i].cls & TOXICITY_INSULTING)
        return abuse_negated(v, i, i);
    int insults = 0;
    for (size_t k = start; k <= end; k++)
        if (v->w[k].cls & TOXICITY_INSULTING) {
            insults = 1;
            if (!abuse_negated(v, k, k))
                return 0;
        }
    return insults || abuse_negated(v, start, end);
}

/* 1 when word i of v (in the sentence from word start) is of class cls,
 * neither reported nor negated; *end gets the last word of its sentence. */
static int toxicity_plain(const abuse_view *v, abuse_cls cls, size_t i,
                          size_t start, size_t *end) {
    if (!(v->w[i].cls & cls) || abuse_reported(v, i))
        return 0;
    size_t e = i;
    while (e + 1 < v->n && !v->w[e + 1].brk)
        e++;
    *end = e;
    return !toxicity_negated(v, start, e, i);
}

/* 1 when a word of class cls in the comment's shared abuse view is neither
 * negated nor reported and, when with is not 0, stands in a sentence that
 * also holds a word of class with, itself not negated; 0 when none does,
 * or when the view is missing. Negation is read where it governs: the word
 * itself or the few words before it in its clause (abuse_negated), not
 * anywhere in the sentence -- "liberals are useful idiots and aren't even
 * fun" calls them idiots, "not superior but a moron" calls him a moron. */
static int toxicity_has_with(const detector_analysis *a, abuse_cls cls, abuse_cls with) {
    const abuse_view *v = a->abuse;
    if (!v)
        return 0;
    size_t start = 0; /* first word of the current sentence */
    for (size_t i = 0; i < v->n; i++) {
        if (v->w[i].brk)
            start = i;
        size_t end;
        if (!toxicity_plain(v, cls, i, start, &end))
            continue;
        int found = with == 0;
        for (size_t k = start; k <= end && !found; k++)
            found = k != i && (v->w[k].cls & with) && !toxicity_negated(v, start, end, k);
        if (found)
            return 1;
    }
    return 0;
}

/* 1 when a word of class cls stands in a sentence neither negated nor
 * reported. */
static int toxicity_has(const detector_analysis *a, abuse_cls cls) {
    return toxicity_has_with(a, cls, 0);
}
/* 1 when the copula at word c of the sentence from start has a person
 * for subject: the word before it names a third person, people, a group
 * or the reader ("they are hopeless", "you are clueless"; "you're" is its
 * own subject), or 'your' and the one word it owns stand there ("your
 * comment is stupid", "your argument is idiotic"): what the reader wrote,
 * called an insult, calls the reader it. "My argument is weak" and "your
 * argument about it is weak" are not read so. */
static int toxicity_subject(const abuse_view *v, size_t start, size_t c) {
    if ((v->w[c].cls & ABUSE_YOU) ||
        (c > start && (v->w[c - 1].cls & (TOXICITY_PERSON | ABUSE_YOU))))
        return 1;
    return c > start + 1 && !v->w[c - 1].comma && !v->w[c - 1].cls &&
           (v->w[c - 2].cls & ABUSE_YOUR);
}

/* Words a copula may stand before the insult noun it predicates ("are a
 * bunch of clowns", "is an insufferable ass"). */
#define TOXICITY_CALLED_GAP 4

/* 1 when an insult noun is predicated of someone: a copula ("is", "are",
 * "you're") at most TOXICITY_CALLED_GAP words before it in its clause (no
 * sentence break or comma between), neither negated nor reported -- "they
 * are hilarious psychos", not "the kids dressed up as clowns" or "kept
 * pigs". With person, the copula's subject is a person too
 * (toxicity_subject): the insult adjectives' shape. */
static int toxicity_called(const detector_analysis *a, abuse_cls cls, int person) {
    const abuse_view *v = a->abuse;
    if (!v)
        return 0;
    size_t start = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->w[i].brk)
            start = i;
        size_t end;
        if (!toxicity_plain(v, cls, i, start, &end))
            continue;
        for (size_t k = i; k > start && i - k < TOXICITY_CALLED_GAP; k--) {
            if (v->w[k].comma)
                break;
            if ((v->w[k - 1].cls & ABUSE_BE) &&
                (!person || toxicity_subject(v, start, k - 1)))
                return 1;
        }
    }
    return 0;
}

/* Letters of a word read as a name: "Al" and "Oz" are names, "I" is not. */
#define TOXICITY_NAME_MIN 2

static int ascii_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int ascii_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int ascii_letter(unsigned char c) {
    return ascii_lower(c) || ascii_upper(c);
}

/* Distinct names of a comment looked up: far more than a comment names
 * people; the rest of a longer list is not read. */
#define TOXICITY_NAMES_MAX 64

/* The words a comment as posted writes as names: capitalised and then
 * lower case ("Trump", "McCain"), of ASCII letters, after a word of the
 * same sentence (what precedes it is neither the text's start nor a
 * sentence's end, a quotation mark, a colon or a parenthesis), so the
 * capital is the writer's, not the sentence's. Case is what the normalised
 * text folds away; the original keeps it. Held as hashes of the lower-case
 * word, built in one pass over the text when first asked for. */
typedef struct toxicity_names {
    uint64_t h[TOXICITY_NAMES_MAX];
    size_t n;
} toxicity_names;

#define TOXICITY_FNV_BASIS 0xcbf29ce484222325ull
#define TOXICITY_FNV_PRIME 0x100000001b3ull

static uint64_t name_hash(const char *w, size_t n) {
    uint64_t h = TOXICITY_FNV_BASIS;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)(w[i] | 32)) * TOXICITY_FNV_PRIME;
    return h;
}

static void names_read(const char *s, size_t len, toxicity_names *out) {
    out->n = 0;
    for (size_t i = 0; i < len && out->n < TOXICITY_NAMES_MAX; i++) {
        if (!ascii_upper((unsigned char)s[i]) ||
            (i > 0 && ascii_letter((unsigned char)s[i - 1])))
            continue;
        size_t e = i + 1;
        while (e < len && ascii_lower((unsigned char)s[e]))
            e++;
        while (e < len && ascii_letter((unsigned char)s[e]))
            e++; /* "McCain" */
        if (!ascii_lower((unsigned char)s[i + 1])) {
            i = e - 1; /* one capital, or "ALL CAPS" */
            continue;
        }
        size_t b = i;
        while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        if (b > 0 && !strchr(".!?\n\r\"(:;", s[b - 1])) {
            uint64_t h = name_hash(s + i, e - i);
            size_t k = 0;
            while (k < out->n && out->h[k] != h)
                k++;
            if (k == out->n)
                out->h[out->n++] = h;
        }
        i = e - 1;
    }
}

/* 1 when most words of s (len bytes) begin with a capital ("Laughing My
 * Ass Off"): a title-cased text, whose capitals name nobody. */
static int title_cased(const char *s, size_t len) {
    size_t words = 0, caps = 0;
    for (size_t i = 0; i < len; i++)
        if (ascii_letter((unsigned char)s[i]) &&
            (i == 0 || !ascii_letter((unsigned char)s[i - 1]))) {
            words++;
            caps += ascii_upper((unsigned char)s[i]);
        }
    return 2 * caps > words;
}

/* 1 when word k of v names someone: a content word of no class of the
 * abuse lexicons, of letters only, among the comment's names (nm:
 * "Trump is nuts", "Rhyner is an insufferable ass") -- the person or body
 * a news comment speaks of. */
static int toxicity_named(const detector_analysis *a, const abuse_view *v, size_t k,
                          const toxicity_names *nm) {
    const abuse_word *w = &v->w[k];
    size_t n = strlen(w->text);
    if (w->cls || w->masked || n < TOXICITY_NAME_MIN || !nm->n ||
        v->tok[k] >= a->tokens->n || a->tokens->v[v->tok[k]].stop)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ascii_lower((unsigned char)w->text[i]))
            return 0;
    uint64_t h = name_hash(w->text, n);
    for (size_t i = 0; i < nm->n; i++)
        if (nm->h[i] == h)
            return 1;
    return 0;
}

/* 1 when word w is one the prediction r names as its evidence
 * (ngram_words: a part of the margin of at least NGRAM_EVIDENCE_SHARE of
 * the strongest word's): a name that is itself the evidence ("Penistone",
 * by its letters) is what the model read, not whom the comment abuses. */
static int toxicity_evidence(const ngram_result *r, const abuse_word *w) {
    double most = 0;
    for (size_t j = 0; j < r->ntop; j++)
        most = r->contribution[j] > most ? r->contribution[j] : most;
    for (size_t j = 0; j < r->ntop; j++)
        if (r->contribution[j] > 0 &&
            r->contribution[j] >= NGRAM_EVIDENCE_SHARE * most &&
            r->top[j].begin < (size_t)w->off + w->len && w->off < r->top[j].end)
            return 1;
    return 0;
}

/* 1 when a third person or people (TOXICITY_THIRD), or someone named
 * (toxicity_named) who is not the evidence itself, stands, not negated,
 * in a sentence that reports nothing: in "he called me an idiot" the
 * third person is the one who spoke, not the one abused, so a sentence
 * holding a verb of reporting anywhere does not aim at its third person. */
static int toxicity_has_third(const detector_analysis *a, const ngram_result *r) {
    const abuse_view *v = a->abuse;
    if (!v)
        return 0;
    toxicity_names nm = {.n = 0};
    if (a->comment && a->comment->text &&
        !title_cased(a->comment->text, a->comment->text_len))
        names_read(a->comment->text, a->comment->text_len, &nm);
    size_t start = 0;
    while (start < v->n) {
        size_t end = start;
        while (end + 1 < v->n && !v->w[end + 1].brk)
            end++;
        int reports = 0, third = 0;
        for (size_t k = start; k <= end; k++) {
            reports |= (v->w[k].cls & ABUSE_REPORT) || v->w[k].quoted;
            if (!third)
                third = ((v->w[k].cls & TOXICITY_THIRD) ||
                         (k > start && toxicity_named(a, v, k, &nm) &&
                          !toxicity_evidence(r, &v->w[k]))) &&
                        !toxicity_negated(v, start, end, k);
        }
        if (third && !reports)
            return 1;
        start = end + 1;
    }
    return 0;
}

#ifdef MODQ_EVAL_HOOKS
/* Evaluation only: tools/eval_engine.c compiles this file with
 * MODQ_EVAL_HOOKS and sets the probability the model's is replaced by
 * (a row's out-of-fold probability), or -1 to keep the model's; the
 * service is never built with it. */
extern double det_toxicity_eval_prob;
double det_toxicity_eval_prob = -1;
#endif

/* Highest signal: under the default reject threshold (0.9), so abuse
 * alone goes to a moderator; with other evidence it may still reject. */
#define TOXICITY_MAX_SIGNAL 0.85

static void toxicity_run(const detector_analysis *a, score_signal *out) {
    const ngram_model *m = a->models ? a->models[NGRAM_MODEL_TOXICITY] : NULL;
    ngram_result r;
    if (!m || !a->ngram)
        return;
    ngram_predict(m, a->ngram, &r);
#ifdef MODQ_EVAL_HOOKS
    if (det_toxicity_eval_prob >= 0)
        r.prob = det_toxicity_eval_prob;
#endif
    double p = r.prob < TOXICITY_PROB_EPS       ? TOXICITY_PROB_EPS
               : r.prob > 1 - TOXICITY_PROB_EPS ? 1 - TOXICITY_PROB_EPS
                                                : r.prob;
    double odds = log(p / (1 - p));
    /* the kinds of aim in order of their weight: the first present whose
     * odds reach the threshold decides (a later one adds less) */
    static const struct {
        double odds;
        const char *what;
    } kinds[] = {{TOXICITY_ODDS_INSULT, "someone called an insult"},
                 {TOXICITY_ODDS_INSULT_ADJ, "a person called an insult"},
                 {TOXICITY_ODDS_READER, "the reader, kin, a group or a person "
                                        "called names"},
                 {TOXICITY_ODDS_THIRD, "a third person or someone named"}};
    size_t k = 0, nk = sizeof kinds / sizeof kinds[0];
    double need = log(TOXICITY_MIN_PROB / (1 - TOXICITY_MIN_PROB));
    for (; k < nk && odds + kinds[k].odds >= need; k++) {
        int aimed = k == 0   ? toxicity_called(a, TOXICITY_INSULT, 0)
                    : k == 1 ? toxicity_called(a, TOXICITY_INSULT_ADJ, 1)
                    : k == 2 ? toxicity_has(a, TOXICITY_TARGET) ||
                                   toxicity_has(a, TOXICITY_INSULT) ||
                                   toxicity_has_with(a, TOXICITY_INSULT_ADJ,
                                                     TOXICITY_PERSON)
                             : toxicity_has_third(a, &r);
        if (aimed)
            break;
    }
    if (k == nk || odds + kinds[k].odds < need || toxicity_identity_led(a, &r))
        return;
    double with = 1.0 / (1.0 + exp(-(odds + kinds[k].odds)));
    out->signal = with < TOXICITY_MAX_SIGNAL ? with : TOXICITY_MAX_SIGNAL;
    ngram_words(a->features->normalized, &r, out->evidence,
                sizeof out->evidence);
    snprintf(out->detail, sizeof out->detail,
             "learned toxicity model: abusive with probability %.2f "
             "(calibrated), %.2f aimed at %s; weighed most: %s",
             r.prob, with, kinds[k].what, out->evidence[0] ? out->evidence : "-");
}

const detector det_toxicity = {
    .row = {.code = "toxicity",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_WORDS,
            .weight = 1.0,
            .summary = "the learned toxicity model (word and character "
                       "n-grams) finds the comment abusive and it is "
                       "aimed at someone: the reader, a group, or a "
                       "person called an insult"},
    .run = toxicity_run,
};
