/* det_content_free.c - content_free: a text that says nothing at all.
 *
 * Owns the content_free row and its calibration. Three shapes carry no
 * content: a post that says only that it was posted (a placeholder,
 * "test", or a claim of position, "first!!!": empty_words), keyboard
 * mash ("asdkjh qwpoeiru zxmcnv": no word the engine knows, most letters
 * in clusters no language pronounces or one short stroke typed over and
 * over, "asdasdasd") and a text of only punctuation and symbols
 * ("...... ------"). A row of emoji ("😂😂", hearts) is a reaction: on
 * a photo or video post, or as a reply to another reader, it is how
 * readers answer and passes; at the top level of a thread under an
 * article with a body to discuss (CONTENT_FREE_ARTICLE_STEMS), it
 * publishes nothing about it and reaches pending like punctuation. Known means an
 * English stop word or a stem of the background table (bgidf); mash is
 * judged on the letters' shape, not on lists of examples. The detector
 * abstains on anything that looks like language it cannot read: letters
 * beyond ASCII (other scripts, accented Latin), numbers, links, addresses
 * and handles. A reason to look, not proof of spam (kind REVIEW: never
 * rejected alone): from 10 letters of mash, 8 marks of punctuation, or a
 * post that only says it was posted, it reaches pending on its own;
 * shorter mash stays a hint.
 */
#include "detector.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "bgidf.h"

/* Letters (runs of one letter counted once) below which mash is too short
 * to judge: "asdf", "hjkl", "zzz" are honest keyboard noise. */
#define CONTENT_FREE_MIN_LETTERS 8
/* Letters of mash (runs collapsed) from which the signal reaches pending
 * on its own: interjections and acronyms collapse to a handful of letters
 * ("pfffft" is "pft", "brrr" "br"); ten letters in clusters no language
 * pronounces, with no known word beside them, say nothing. */
#define CONTENT_FREE_FULL_LETTERS 10
/* Signal at CONTENT_FREE_MIN_LETTERS, growing linearly to just below
 * pending, and the signal from CONTENT_FREE_FULL_LETTERS on. */
#define CONTENT_FREE_LOW 0.25
#define CONTENT_FREE_HIGH 0.45
#define CONTENT_FREE_FULL 0.55
/* A word shorter than this (collapsed) is not judged: "lol", "xd", "hmm". */
#define CONTENT_FREE_WORD_MIN 5
/* Consonants in a row that no word of a Latin-script language strings
 * together in practice ("sdkjh"; German "schw" is 4). */
#define CONTENT_FREE_CLUSTER 5
/* A unit of at least this many letters typed at least this many times
 * over is a stroke repeated, not a word ("asdasdasd"). */
#define CONTENT_FREE_UNIT_MIN 3
#define CONTENT_FREE_UNIT_REPEATS 3
/* Vowel share under which a word is unpronounceable ("zxmcnv"). */
#define CONTENT_FREE_MIN_VOWELS 0.2
/* Non-space characters of a text of only punctuation and symbols (no
 * emoji: those are a reaction) from which it is flagged, and its signal:
 * pending alone. "...", "?!" and "+1" are short answers; eight or more
 * marks with no letter, digit or emoji carry nothing to publish. */
#define CONTENT_FREE_MIN_SYMBOLS 8
#define CONTENT_FREE_SYMBOLS 0.55
/* Distinct content stems from which an article is a body to discuss (a
 * news story, a recipe, a tutorial: hundreds of words), not a caption or a
 * video title, under which a row of emoji is the ordinary answer. Its
 * signal for a top-level row of emoji: pending alone. */
#define CONTENT_FREE_ARTICLE_STEMS 40
#define CONTENT_FREE_EMOJI 0.55
/* Words a post that only says it was posted may hold ("this is just a
 * test", "first comment lol"): more is a sentence with something in it. */
#define CONTENT_FREE_EMPTY_WORDS 6
/* Its signal: pending alone, like a row of punctuation. */
#define CONTENT_FREE_EMPTY 0.55
/* Bytes of a word kept for measuring and quoting. */
#define CONTENT_FREE_WORD_BYTES 64

/* What the words of one comment look like. */
typedef struct shape {
    int foreign;        /* a letter beyond ASCII, a digit, a non-word token */
    int known;          /* a word the engine knows */
    size_t words;       /* words judged */
    size_t letters;     /* their letters, runs collapsed */
    size_t mash;        /* letters in mash-shaped words */
    size_t strokes;     /* letters in words of one unit typed over and over */
    char worst[CONTENT_FREE_WORD_BYTES]; /* the longest mash-shaped word */
} shape;

/* A post that says only that it was posted has one of two roles: a
 * placeholder, the word one types to see a form work ("test"), or a claim
 * of position, the reader's race to comment first ("first", "1st",
 * "early"); beside them only stop words and the fillers such a post takes
 * ("post", "comment", "lol"). A closed class of forum conventions. Sorted
 * by bytes. */
enum { EMPTY_PLACEHOLDER = 1, EMPTY_POSITION = 2, EMPTY_FILLER = 4 };
static const struct {
    const char *w;
    int role;
} empty_words[] = {
    {"1st", EMPTY_POSITION},     {"comment", EMPTY_FILLER},
    {"early", EMPTY_POSITION},   {"first", EMPTY_POSITION},
    {"lol", EMPTY_FILLER},       {"post", EMPTY_FILLER},
    {"test", EMPTY_PLACEHOLDER}, {"testing", EMPTY_PLACEHOLDER},
};

static int empty_role(const char *w) {
    for (size_t i = 0; i < sizeof empty_words / sizeof *empty_words; i++)
        if (strcmp(w, empty_words[i].w) == 0)
            return empty_words[i].role;
    return 0;
}

/* The roles (EMPTY_*) of a text made only of placeholder, position, filler
 * and stop words, at most CONTENT_FREE_EMPTY_WORDS of them; 0 for any
 * other text. A number may only be the "1" a held shift key leaves in a
 * run of "!" ("first!!!!1"). A question asks something ("is this a
 * test?"), and a reply is never first in a thread: a claim of position
 * counts only at the top level. */
static int empty_post(const detector_analysis *a) {
    const tokenize_list *l = a->tokens;
    const char *norm = a->features->normalized;
    if (l->n == 0 || l->n > CONTENT_FREE_EMPTY_WORDS ||
        memchr(norm, '?', a->features->normalized_len))
        return 0;
    int roles = 0;
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        const char *w = tokenize_text(l, t);
        if (t->type == TOKENIZE_NUMBER && t->off > 0 && norm[t->off - 1] == '!' &&
            strspn(w, "1") == strlen(w))
            continue;
        if (t->type != TOKENIZE_WORD)
            return 0;
        int r = empty_role(w);
        if (!r && !t->stop)
            return 0;
        roles |= r;
    }
    if (a->comment->parent_id && a->comment->parent_id[0])
        roles &= ~EMPTY_POSITION;
    return roles & (EMPTY_PLACEHOLDER | EMPTY_POSITION);
}

static int is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* 1 when the n letters of c are one unit of CONTENT_FREE_UNIT_MIN or more
 * letters typed CONTENT_FREE_UNIT_REPEATS times or more ("asdasdasd",
 * "qweqweqwe"): the hand repeating a stroke, not a word. Laughter and
 * song ("hahaha", "lalala") repeat units of two letters. */
static int periodic(const char *c, size_t n) {
    /* the shortest unit decides: "hahaha" is "ha" three times, and so
     * also "haha" and a half, but never a stroke of three letters */
    for (size_t p = 1; p * CONTENT_FREE_UNIT_REPEATS <= n; p++) {
        size_t i = p;
        while (i < n && c[i] == c[i - p])
            i++;
        if (i == n)
            return p >= CONTENT_FREE_UNIT_MIN;
    }
    return 0;
}

/* 1 when the n letters of c (runs collapsed) are mash-shaped: a cluster of
 * CONTENT_FREE_CLUSTER consonants or too few vowels. */
static int mash_shaped(const char *c, size_t n) {
    size_t vowels = 0, run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_vowel(c[i])) {
            vowels++;
            run = 0;
        } else if (++run > longest) {
            longest = run;
        }
    }
    return longest >= CONTENT_FREE_CLUSTER ||
           (double)vowels < CONTENT_FREE_MIN_VOWELS * (double)n;
}

/* Adds word token t of l to s. */
static void judge_word(const tokenize_list *l, const tokenize_token *t,
                       shape *s) {
    const char *w = tokenize_text(l, t);
    if (t->stop || bgidf_df(w) > 0 || bgidf_df(tokenize_stem(l, t)) > 0) {
        s->known = 1;
        return;
    }
    char c[CONTENT_FREE_WORD_BYTES];
    size_t n = 0;
    for (const char *p = w; *p; p++) {
        if (*p < 'a' || *p > 'z') {
            s->foreign = 1; /* another script, an accent, a digit */
            return;
        }
        if (n + 1 < sizeof c && (n == 0 || c[n - 1] != *p))
            c[n++] = *p; /* "hmmmm" is "hm": stretched letters are emphasis */
    }
    c[n] = 0;
    if (n < CONTENT_FREE_WORD_MIN)
        return;
    s->words++;
    s->letters += n;
    int stroke = periodic(c, n);
    if (!stroke && !mash_shaped(c, n))
        return;
    s->mash += n;
    s->strokes += stroke ? n : 0;
    if (strlen(w) > strlen(s->worst))
        snprintf(s->worst, sizeof s->worst, "%s", w);
}

/* 1 when norm (n bytes) holds no letter or digit of any script; *count
 * gets its non-space characters. */
static int letterless(const char *norm, size_t n, size_t *count) {
    utf8proc_int32_t cp;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)norm + i,
                             (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0)
            return 0;
        i += (size_t)r;
        utf8proc_category_t c = utf8proc_category(cp);
        if ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
            (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO))
            return 0;
        k += c != UTF8PROC_CATEGORY_ZS && cp != ' ' && cp != '\n' && cp != '\t';
    }
    *count = k;
    return 1;
}

/* 1 when norm (n bytes) holds CONTENT_FREE_MIN_SYMBOLS or more non-space
 * characters and no letter or digit of any script. */
static int symbols_only(const char *norm, size_t n, size_t *count) {
    return letterless(norm, n, count) && *count >= CONTENT_FREE_MIN_SYMBOLS;
}

static void content_free_run(const detector_analysis *a, score_signal *out) {
    const tokenize_list *l = a->tokens;
    const engine_features *f = a->features;
    size_t count = 0;
    if (l->n == 0) {
        /* emoji are a reaction ("😂😂", "❤️❤️❤️"): a message, if a short
         * one, except at the top level under an article to discuss */
        if (a->stats->emoji) {
            int reply = a->comment->parent_id && a->comment->parent_id[0];
            if (reply || !a->article ||
                a->article->n < CONTENT_FREE_ARTICLE_STEMS ||
                !letterless(f->normalized, f->normalized_len, &count))
                return;
            out->signal = CONTENT_FREE_EMOJI;
            snprintf(out->detail, sizeof out->detail,
                     "no words: %zu emoji and nothing about the article",
                     a->stats->emoji);
            return;
        }
        if (!symbols_only(f->normalized, f->normalized_len, &count))
            return;
        out->signal = CONTENT_FREE_SYMBOLS;
        snprintf(out->detail, sizeof out->detail,
                 "no words: %zu characters of punctuation and symbols only",
                 count);
        return;
    }
    int empty = empty_post(a);
    if (empty) {
        out->signal = CONTENT_FREE_EMPTY;
        snprintf(out->detail, sizeof out->detail,
                 "says only that it was posted: %s",
                 empty & EMPTY_PLACEHOLDER
                     ? "a placeholder (\"test\")"
                     : "a claim to be early in the thread (\"first\")");
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].type == TOKENIZE_WORD &&
                empty_role(tokenize_text(l, &l->v[i])) & empty) {
                snprintf(out->evidence, sizeof out->evidence, "%s",
                         tokenize_text(l, &l->v[i]));
                break;
            }
        return;
    }
    shape s = {0};
    for (size_t i = 0; i < l->n && !s.known && !s.foreign; i++) {
        if (l->v[i].type == TOKENIZE_WORD)
            judge_word(l, &l->v[i], &s);
        else
            s.foreign = 1; /* a number, link, address or handle says something */
    }
    if (s.known || s.foreign || s.letters < CONTENT_FREE_MIN_LETTERS ||
        2 * s.mash < s.letters)
        return;
    double span = CONTENT_FREE_FULL_LETTERS - CONTENT_FREE_MIN_LETTERS;
    /* a stroke typed three times over is as sure at nine letters as
     * clusters are at ten: the repetition is the evidence */
    int strokes = 2 * s.strokes >= s.letters;
    out->signal = s.letters >= CONTENT_FREE_FULL_LETTERS || strokes
                      ? CONTENT_FREE_FULL
                      : CONTENT_FREE_LOW + (CONTENT_FREE_HIGH - CONTENT_FREE_LOW) *
                                               (double)(s.letters - CONTENT_FREE_MIN_LETTERS) / span;
    snprintf(out->detail, sizeof out->detail,
             "no word of a known language: %zu word%s, none in the "
             "dictionary, %zu of %zu letters in %s (\"%s\")",
             s.words, s.words == 1 ? "" : "s", s.mash, s.letters,
             strokes ? "one short stroke typed over and over"
                     : "unpronounceable clusters",
             s.worst);
    snprintf(out->evidence, sizeof out->evidence, "%s", s.worst);
}

const detector det_content_free = {
    .row = {.code = "content_free",
            .kind = ENGINE_KIND_REVIEW,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "says nothing: keyboard mash with no known word, only "
                       "punctuation and symbols, or only that it was posted "
                       "(\"test\", \"first!\")"},
    .run = content_free_run,
};
