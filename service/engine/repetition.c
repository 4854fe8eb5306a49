/* repetition.c - repetitive text: character runs, repeated words/phrases.
 *
 * Owns three linear measurements and their mapping to one signal (the
 * strongest wins; its explanation becomes the detail):
 *   - longest run of one letter/digit: >= 10 -> 0.3, >= 20 -> 0.5;
 *   - share of the most frequent non-stop word among >= 8 words:
 *     >= 0.35 with >= 4 repeats -> 0.3 .. 0.7;
 *   - distinct / total word 3-shingles among >= 8 shingles: below 0.6
 *     -> up to 0.8 (copy-pasted blocks, "buy now buy now buy now").
 * Normal prose scores 0 on all three. No I/O, no state.
 */
#include "repetition.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shingle.h"


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

int repetition_check(const char *norm, size_t n, const tokenize_list *l,
                     long distinct3, score_signal *out) {
    char detail[ENGINE_FLAG_DETAIL_LEN];
    score_signal_clear(out);

    /* 1. character runs (ASCII letters and digits) */
    size_t best = 0, best_at = 0;
    size_t run = 1; /* length of the run ending at i - 1 */
    for (size_t i = 1; i <= n; i++) {
        if (i < n && norm[i] == norm[i - 1]) {
            run++;
            continue;
        }
        unsigned char c = (unsigned char)norm[i - 1];
        if (run > best && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            best = run;
            best_at = i - run;
        }
        run = 1;
    }
    if (best >= REPETITION_MIN_RUN) {
        snprintf(detail, sizeof detail,
                 "one character repeated %zu times in a row", best);
        consider(out, best >= 2 * REPETITION_MIN_RUN ? 0.5 : 0.3, detail,
                 norm + best_at, best < 40 ? best : 40);
    }

    uint32_t *idx = malloc((l->n + 1) * sizeof *idx);
    /* word counts: open addressing, key = word hash, 2x the words */
    size_t cap = 16;
    while (cap < 2 * (l->n + 1))
        cap *= 2;
    uint64_t *h = calloc(cap, sizeof *h);
    uint32_t *cnt = calloc(cap, sizeof *cnt);
    shingle_set set = {0};
    int rc = -1;
    if (!idx || !h || !cnt)
        goto done;
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
        consider(out, s > 0.7 ? 0.7 : s, detail, tokenize_text(l, w),
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
            consider(out, (0.6 - ratio) / 0.6 * 0.8, detail, norm + a->off,
                     b->off + b->len - a->off);
        }
    }
    rc = 0;
done:
    shingle_set_free(&set);
    free(cnt);
    free(h);
    free(idx);
    return rc;
}
