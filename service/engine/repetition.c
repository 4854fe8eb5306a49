/* repetition.c - repetitive text: character runs, repeated words/phrases.
 *
 * Owns three linear measurements and their mapping to one signal (the
 * strongest wins; its explanation becomes the detail). Each has a mild
 * band (below REPETITION_CONFIDENT: style support, emphasis in an honest
 * comment) and a confident band (from REPETITION_CONFIDENT: the text is
 * mostly repetition, a moderator must see it):
 *   - letters held: longest run of one letter/digit >= 10 -> 0.30, >= 20
 *     -> 0.45 (stretched words: "sooooooooooooooooo good"); confident
 *     when the runs of >= 10, summed, hold >= 55 letters and at least
 *     80 % of all letters (one letter x100, every word of a short text
 *     stretched): 0.55 .. 0.80 by that share;
 *   - share of the most frequent non-stop word among >= 8 words: >= 0.35
 *     with >= 4 repeats -> 0.30 .. 0.45; confident with >= 8 repeats and
 *     half the words or more: 0.55 .. 0.80;
 *   - distinct / total word 3-shingles among >= 8 shingles: below 0.6 ->
 *     up to 0.45; confident when each distinct phrase comes back 4 times
 *     on average (ratio <= 0.25: "buy now buy now buy now ..."): 0.55 ..
 *     0.80.
 * Normal prose scores 0 on all three. No I/O, no state: the tables live in
 * the calling thread's scratch (shingle_scratch, a set on the thread's
 * spare slots), reused from comment to comment.
 */
#include "repetition.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shingle.h"

/* The mild band's ceiling and the confident band's floor and ceiling. */
#define REPETITION_MILD_MAX 0.45
#define REPETITION_SURE_LOW 0.55
#define REPETITION_SURE_HIGH 0.80
/* Letters held this long in all (summed over the runs of at least
 * REPETITION_MIN_RUN), and making most of the text, are the text rather
 * than its emphasis: one letter x100, or every word of a short text
 * stretched ("yummmm...y soooo...o goooo...d"). Stretched words of honest
 * enthusiasm ("wowwwwwwwwwwwwwwwwwwwwww", "sooooo...o much", "looooo...vvvvv
 * eeeee") hold 20 to 50 letters: style, not a reason to look. */
#define REPETITION_HELD_MIN 55
/* Times one word must come back to be "one word repeated many times". */
#define REPETITION_MANY 8
/* Distinct / total 3-shingles at or under which every phrase comes back
 * four times on average. */
#define REPETITION_PHRASE_RATIO 0.25

/* The confident band's signal for a share x in [lo, 1]. */
static double sure(double x, double lo) {
    double t = (x - lo) / (1.0 - lo);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return REPETITION_SURE_LOW + (REPETITION_SURE_HIGH - REPETITION_SURE_LOW) * t;
}

static int is_alnum_ascii(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}


static void consider(score_signal *out, double s, const char *detail,
                     const char *ev, size_t evn) {
    if (s <= out->signal)
        return;
    out->signal = s;
    snprintf(out->detail, sizeof out->detail, "%s", detail);
    if (evn >= sizeof out->evidence)
        evn = sizeof out->evidence - 1;
    memcpy(out->evidence, ev, evn);
    out->evidence[evn] = '\0';
}

/* 1 when s[0..n) holds one byte three times in a row: a run of
 * REPETITION_MIN_RUN needs one, and most texts have none. Eight
 * positions at a time (a zero byte of (a ^ b) | (b ^ c) is a triple). */
static int has_triple(const char *s, size_t n) {
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    size_t i = 0;
    for (; i + 10 <= n; i += 8) {
        uint64_t a, b, c;
        memcpy(&a, s + i, 8);
        memcpy(&b, s + i + 1, 8);
        memcpy(&c, s + i + 2, 8);
        uint64_t v = (a ^ b) | (b ^ c);
        if ((v - ones) & ~v & high)
            return 1;
    }
    for (; i + 3 <= n; i++)
        if (s[i] == s[i + 1] && s[i + 1] == s[i + 2])
            return 1;
    return 0;
}

int repetition_check(const char *norm, size_t n, const tokenize_list *l,
                     long distinct3, score_signal *out) {
    char detail[ENGINE_FLAG_DETAIL_LEN];
    score_signal_clear(out);

    /* 1. character runs (ASCII letters and digits): only a run of
     * REPETITION_MIN_RUN counts, and none is there without a triple */
    _Static_assert(REPETITION_MIN_RUN >= 3, "has_triple() finds runs of 3");
    size_t best = 0, best_at = 0, letters = 0, held = 0;
    size_t run = 1; /* length of the run ending at i - 1 */
    for (size_t i = has_triple(norm, n) ? 1 : n + 1; i <= n; i++) {
        if (i < n && norm[i] == norm[i - 1]) {
            run++;
            continue;
        }
        unsigned char c = (unsigned char)norm[i - 1];
        if (is_alnum_ascii(c)) {
            letters += run;
            held += run >= REPETITION_MIN_RUN ? run : 0;
            if (run > best) {
                best = run;
                best_at = i - run;
            }
        }
        run = 1;
    }
    if (best >= REPETITION_MIN_RUN) {
        double share = letters ? (double)held / (double)letters : 0;
        double s;
        if (held >= REPETITION_HELD_MIN && share >= 0.8) {
            snprintf(detail, sizeof detail,
                     "characters held in runs of %d or more make %zu of the "
                     "text's %zu letters (%.0f%%; longest run %zu)",
                     REPETITION_MIN_RUN, held, letters, share * 100, best);
            s = sure(share, 0.8);
        } else {
            snprintf(detail, sizeof detail,
                     "one character repeated %zu times in a row", best);
            s = best >= 2 * REPETITION_MIN_RUN ? REPETITION_MILD_MAX : 0.3;
        }
        consider(out, s, detail, norm + best_at, best < 40 ? best : 40);
    }

    uint32_t *idx = shingle_scratch(SHINGLE_SCRATCH_WORDS, (l->n + 1) * sizeof *idx);
    /* word counts: open addressing, key = word hash, 2x the words */
    size_t cap = 16;
    while (cap < 2 * (l->n + 1))
        cap *= 2;
    uint64_t *h = shingle_scratch(SHINGLE_SCRATCH_KEYS, cap * sizeof *h);
    uint32_t *cnt = shingle_scratch(SHINGLE_SCRATCH_COUNTS, cap * sizeof *cnt);
    shingle_set set = {0};
    int rc = -1;
    if (!idx || !h || !cnt)
        goto done;
    memset(h, 0, cap * sizeof *h);
    memset(cnt, 0, cap * sizeof *cnt);
    size_t nw = shingle_words(l, idx);
    if (nw < REPETITION_MIN_WORDS) {
        rc = 0;
        goto done;
    }

    /* 2. the most frequent non-stop word */
    size_t top = 0;
    uint64_t top_h = 0;
    for (size_t i = 0; i < nw; i++) {
        const tokenize_token *t = &l->v[idx[i]];
        if (t->stop)
            continue;
        uint64_t key = t->hash ? t->hash : 1;
        size_t k = (size_t)key & (cap - 1);
        while (h[k] && h[k] != key)
            k = (k + 1) & (cap - 1);
        h[k] = key;
        if (++cnt[k] > top) {
            top = cnt[k];
            top_h = t->hash;
        }
    }
    double share = (double)top / (double)nw;
    if (top >= 4 && share >= 0.35) {
        const tokenize_token *w = NULL;
        for (size_t i = 0; i < nw && !w; i++)
            if (l->v[idx[i]].hash == top_h)
                w = &l->v[idx[i]];
        snprintf(detail, sizeof detail,
                 "the word \"%s\" makes up %.0f%% of %zu words (%zu times)",
                 tokenize_text(l, w), share * 100, nw, top);
        double s = 0.3 + (share - 0.35) * 1.2;
        if (top >= REPETITION_MANY && share >= 0.5)
            s = sure(share, 0.5);
        else if (s > REPETITION_MILD_MAX)
            s = REPETITION_MILD_MAX;
        consider(out, s, detail, tokenize_text(l, w),
                 strlen(tokenize_text(l, w)));
    }

    /* 3. distinct word 3-shingles */
    size_t total = nw >= 3 ? nw - 2 : 0;
    if (total >= REPETITION_MIN_WORDS) {
        size_t distinct = distinct3 >= 0 ? (size_t)distinct3 : 0;
        if (distinct3 < 0) {
            if (shingle_set_init(&set, total) < 0)
                goto done;
            for (size_t i = 0; i < total; i++)
                if (shingle_set_add(&set, shingle_hash(l, idx, i, 3)) < 0)
                    goto done;
            distinct = set.n;
        }
        double ratio = (double)distinct / (double)total;
        if (ratio < 0.6) {
            snprintf(detail, sizeof detail,
                     "only %zu of %zu three-word phrases are distinct "
                     "(%.0f%%): the text repeats itself",
                     distinct, total, ratio * 100);
            const tokenize_token *a = &l->v[idx[0]];
            const tokenize_token *b = &l->v[idx[nw < 6 ? nw - 1 : 5]];
            double s = (0.6 - ratio) / 0.6 * REPETITION_MILD_MAX;
            if (ratio <= REPETITION_PHRASE_RATIO)
                s = sure(1.0 - ratio, 1.0 - REPETITION_PHRASE_RATIO);
            consider(out, s, detail, norm + a->off,
                     b->off + b->len - a->off);
        }
    }
    rc = 0;
done:
    shingle_set_free(&set);
    return rc;
}
