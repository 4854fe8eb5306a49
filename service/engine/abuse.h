/* abuse.h - the grammar of abuse: role lexicons and the clause matcher.
 *
 * abuse owns what the abuse detectors (det_insult.c, det_threat.c,
 * det_identity_attack.c, det_profanity.c, det_sexual.c) share: the closed
 * classes of words that fill the roles of an abusive clause (second-person
 * pronouns, copulas, negators, wish and modal verbs, harm verbs, group
 * nouns, dehumanising predicates, insult nouns and adjectives, profanity
 * and sexual terms, verbs of reporting, and the smaller classes some rules
 * read: finality, ending and locating verbs, conveyances of the hurt,
 * return verbs and homelands, capacity words and faculties, invasion
 * participles, image and undress words, appeal words, "would" forms),
 * written from general knowledge of
 * English; a view of one comment's words with those classes, de-obfuscated
 * ("f*ck", "f.u.c.k", "sh1t" read as the words they hide) and marked with
 * the sentence breaks and quotation marks of the normalised text; the
 * clause helpers (negation, reported speech) and the accumulation of hits
 * into one signal with its evidence. Each detector owns its own rules (the
 * role sequences) and their calibration. Never allocates, keeps no state,
 * reads only the tokens and the normalised text.
 */
#ifndef MODQ_ABUSE_H
#define MODQ_ABUSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detector.h"

struct abuse_view;

/* Word classes (a word may hold several). */
#define ABUSE_YOU (1ull << 0)       /* you, u, ya, y'all; you're */
#define ABUSE_YOUR (1ull << 1)      /* your, ur, yer */
#define ABUSE_YOURSELF (1ull << 2)  /* yourself, yourselves */
#define ABUSE_BE (1ull << 3)        /* are, is, was, r; you're, he's */
#define ABUSE_NEG (1ull << 4)       /* not, never, no, n't forms */
#define ABUSE_WISH (1ull << 5)      /* hope, wish, pray */
#define ABUSE_WILL (1ull << 6)      /* will, 'll, gonna, going, would */
#define ABUSE_SUBJ1 (1ull << 7)     /* I, we, someone (and contractions) */
#define ABUSE_MODAL (1ull << 8)     /* should, must, need, deserve */
#define ABUSE_THIRD (1ull << 9)     /* he, she, they, him, her, them */
#define ABUSE_DEM (1ull << 10)      /* it, this, that, which: not a person */
#define ABUSE_HARM (1ull << 11)     /* kill, stab, hurt: harm done to one */
#define ABUSE_HARMP (1ull << 12)    /* die, dead, killed, cancer: harm met */
#define ABUSE_INS_N (1ull << 13)    /* idiot, moron, scumbag */
#define ABUSE_INS_A (1ull << 14)    /* stupid, pathetic, worthless */
#define ABUSE_FILL (1ull << 15)     /* a, such, complete, utter, bloody */
#define ABUSE_GROUP (1ull << 16)    /* muslims, immigrants, women, gays */
#define ABUSE_GROUP_A (1ull << 17)  /* muslim, black, gay (+ people) */
#define ABUSE_PEOPLE (1ull << 18)   /* people, men, women, folk */
#define ABUSE_DEHUM (1ull << 19)    /* animals, vermin, parasites */
#define ABUSE_SWARM (1ull << 20)    /* breed, infest, swarm, invade */
#define ABUSE_REMOVE (1ull << 21)   /* deported, exterminated, gassed */
#define ABUSE_EXTERM (1ull << 22)   /* kill, deport, gas (all X) */
#define ABUSE_SEVERE (1ull << 23)   /* of REMOVE/EXTERM: killing, not exile */
#define ABUSE_SLUR (1ull << 24)     /* a slur with no other sense */
#define ABUSE_SLUR_W (1ull << 25)   /* a slur with another common sense */
#define ABUSE_PROF (1ull << 26)     /* strong profanity */
#define ABUSE_PROF_M (1ull << 27)   /* mild profanity: damn, crap, hell */
#define ABUSE_SEX (1ull << 28)      /* explicit sexual terms */
#define ABUSE_SEX_BODY (1ull << 29) /* sexual body parts */
#define ABUSE_SEX_ACT (1ull << 30)  /* sexual verbs: fuck, suck, bang */
#define ABUSE_REPORT (1ull << 31)   /* said, called, told: reported speech */
#define ABUSE_KIN (1ull << 32)      /* family, kids, wife: a person's own */
#define ABUSE_DET (1ull << 33)      /* the, these, such, bunch: a referent */
#define ABUSE_CUE (1ull << 34)      /* a word some rule opens on: what, are,
                                       go, send, death, hate, screw ... */
#define ABUSE_FINAL (1ull << 35)    /* permanently, forever: no way back */
#define ABUSE_MENACE (1ull << 36)   /* shut, silence, end, finish, sort, deal */
#define ABUSE_RETRIB (1ull << 37)   /* comeuppance, payback: retribution */
#define ABUSE_LOCATE (1ull << 38)   /* live, work, drive, park: where one is */
#define ABUSE_CONVEY (1ull << 39)   /* ambulance, coffin, stretcher */
#define ABUSE_RETURN (1ull << 40)   /* send, ship, deport, kick (... back) */
#define ABUSE_ORIGIN (1ull << 41)   /* africa, mexico, pakistan: a homeland */
#define ABUSE_CAPABLE (1ull << 42)  /* capable, able, fit, competent */
#define ABUSE_INCAP (1ull << 43)    /* incapable, unable, unfit */
#define ABUSE_COMPETE (1ull << 44)  /* science, logic, leadership, govern */
#define ABUSE_OVERRUN (1ull << 45)  /* overrun, swamped, flooded, infested */
#define ABUSE_IMAGE (1ull << 46)    /* pics, photos, selfies, videos */
#define ABUSE_UNDRESS (1ull << 47)  /* naked, topless, underwear, lingerie */
#define ABUSE_APPEAL (1ull << 48)   /* fun, hot, naughty, good, better */
#define ABUSE_COND (1ull << 49)     /* would, i'd, you'd, she'd, who'd */
#define ABUSE_CLASS_BITS 50

typedef uint64_t abuse_cls;

/* Words of one view: comments are read in views of this many words that
 * overlap by ABUSE_VIEW_OVERLAP, so the stack holds a fixed 20 KB whatever
 * the length. */
#define ABUSE_VIEW_WORDS 512
/* Longest role sequence a rule reads past its anchor (words). */
#define ABUSE_VIEW_OVERLAP 24
/* Bytes of de-obfuscated words a view keeps ("f*ck" -> "f?ck"). */
#define ABUSE_SKELETON_BYTES 2048
/* Longest word the lexicons hold; longer words are never looked up. */
#define ABUSE_WORD_MAX 24

typedef struct abuse_word {
    uint32_t off, len;  /* span in the normalised text (merged runs too) */
    const char *text;   /* lower case: the token's text or its skeleton */
    abuse_cls cls;
    uint8_t brk;        /* a sentence ends before this word (. ! ? ;) */
    uint8_t comma;      /* , : ( ) between the previous word and this one */
    uint8_t quoted;     /* inside double quotation marks */
    uint8_t masked;     /* read through obfuscation (f*ck, sh1t, f.u.c.k) */
} abuse_word;

typedef struct abuse_view { /* struct abuse_view in detector.h */
    const char *norm;   /* borrowed: the normalised text */
    size_t norm_len;
    abuse_word w[ABUSE_VIEW_WORDS];
    size_t n;
    size_t anchors;     /* rules anchor at words 0 .. anchors - 1 */
    size_t next;        /* token the next view starts at (n: none) */
    uint32_t tok[ABUSE_VIEW_WORDS]; /* token of each word */
    char skel[ABUSE_SKELETON_BYTES];
    size_t nskel;
} abuse_view;

/* What a detector's rules found in one comment. */
typedef struct abuse_found {
    double best;          /* strongest hit's signal */
    size_t hits;          /* distinct hits */
    uint32_t b, e;        /* strongest hit's span in the normalised text */
    uint32_t last_e;      /* end of the last hit (overlaps merge) */
    const char *shape;    /* static: what the strongest hit is */
    int discounted;       /* strongest hit was reported or quoted */
} abuse_found;

/* A rule: looks for its role sequence anchored at word i of v and records
 * hits in f (abuse_hit). Called for every word of every view. */
typedef void (*abuse_rule_fn)(const abuse_view *v, size_t i, abuse_found *f);

/* Class of a lower-case word (n bytes), 0 when none; '?' in w matches any
 * letter of a profane, insulting or sexual entry ("f?ck"). Plural -s, and
 * -es after a sibilant ("bitches", not "rates"), falls back to the
 * singular. */
abuse_cls abuse_lookup(const char *w, size_t n);

/* The lexicon, for tests: entries and entry i's word (NULL past the end). */
size_t abuse_lexicon_size(void);
const char *abuse_lexicon_word(size_t i);

/* Fills v with the first view of a's words, for the abuse detectors to
 * share (detector_analysis.abuse): the engine builds it once per comment
 * after the measure stage. */
void abuse_prepare(abuse_view *v, const detector_analysis *a);

/* Runs rule at every word of the analysis' tokens, view by view: the
 * shared first view when a->abuse is set, further views (comments longer
 * than ABUSE_VIEW_WORDS words) built here. */
void abuse_scan(const detector_analysis *a, abuse_rule_fn rule,
                abuse_found *f);

/* Class of word i of v (0 past the end). */
static inline abuse_cls abuse_at(const abuse_view *v, size_t i) {
    return i < v->n ? v->w[i].cls : 0;
}
/* 1 when word i of v is exactly w (w not empty). Inline, first byte
 * first: the rules ask it of most words they anchor at, and most differ
 * there. */
static inline int abuse_is(const abuse_view *v, size_t i, const char *w) {
    return i < v->n && v->w[i].text[0] == w[0] && strcmp(v->w[i].text, w) == 0;
}
/* 1 when no sentence break lies between words i and j (i <= j). */
static inline int abuse_same_sentence(const abuse_view *v, size_t i,
                                      size_t j) {
    if (j >= v->n)
        return 0;
    for (size_t k = i + 1; k <= j; k++)
        if (v->w[k].brk)
            return 0;
    return 1;
}
/* From word i, skips at most max words of class mask, never past a
 * sentence break; returns the index of the first other word (may be
 * v->n, or a word that starts a new sentence). */
size_t abuse_skip(const abuse_view *v, size_t i, abuse_cls mask, size_t max);
/* 1 when the clause of words from..to is negated: a negator among them,
 * or a verbal negator ("don't", "never") in the two words before from. */
int abuse_negated(const abuse_view *v, size_t from, size_t to);
/* 1 when word i is reported or quoted speech: inside quotation marks, or
 * a verb of reporting ("said", "called") earlier in its sentence. */
int abuse_reported(const abuse_view *v, size_t i);

/* Signal factor for reported or quoted abuse: the speaker tells of it. */
#define ABUSE_REPORTED_FACTOR 0.4

/* Records a hit of words from..to with signal and shape (static string),
 * discounted by ABUSE_REPORTED_FACTOR when reported. A hit overlapping the
 * previous one counts once (the stronger). */
void abuse_hit(const abuse_view *v, size_t from, size_t to, double signal,
               const char *shape, abuse_found *f);

/* Writes f as a detector signal: the strongest hit, ABUSE_MORE_HITS more
 * per further hit, capped at cap; detail names the shape, evidence quotes
 * the strongest hit's words. Leaves out untouched when nothing was found. */
#define ABUSE_MORE_HITS 0.08
void abuse_emit(const detector_analysis *a, const abuse_found *f, double cap,
                const char *what, score_signal *out);

#endif
