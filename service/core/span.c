/* span.c - locate a flag's quoted evidence in the text as posted.
 *
 * Owns the one rule that maps an engine quote (normalised text) back to
 * byte ranges of the original (span.h states it). Pure: no allocation,
 * no I/O, locale-independent; it never scores or changes the text.
 */
#include "span.h"

#include <stdlib.h>

#define SPAN_MAX_WORDS 80   /* words of one quote matched in a row (review.js) */
#define SPAN_MIN_EVIDENCE 2 /* shorter quotes would mark every other word */

static int word_byte(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch >= 0x80; /* any non-ASCII byte: part of a letter as far as we can tell */
}

static unsigned char fold(unsigned char ch) {
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* 1 when text[at..] starts with the n bytes of w, ASCII case ignored. */
static int starts_with(const char *text, size_t len, size_t at, const char *w, size_t n) {
    if (at + n > len) return 0;
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)text[at + i]) != fold((unsigned char)w[i])) return 0;
    return 1;
}

void span_add(span_list *sp, size_t begin, size_t end, double score) {
    for (size_t i = 0; i < sp->n; i++)
        if (sp->s[i].begin == begin && sp->s[i].end == end) {
            if (score > sp->s[i].score) sp->s[i].score = score;
            return;
        }
    if (sp->n < SPANS_MAX) sp->s[sp->n++] = (span_item){begin, end, score};
}

/* Occurrences of the n bytes of ev, ASCII case ignored; returns how many. */
static size_t locate_exact(const char *text, size_t len, const char *ev, size_t n,
                           double score, span_list *sp) {
    size_t found = 0;
    for (size_t i = 0; i + n <= len; i++)
        if (starts_with(text, len, i, ev, n)) {
            span_add(sp, i, i + n, score);
            found++;
            i += n - 1;
        }
    return found;
}

/* Occurrences of ev's words in a row with anything but letters and digits
 * between them, starting on a word boundary (the last word may be cut);
 * returns how many. */
static size_t locate_words(const char *text, size_t len, const char *ev, size_t n,
                           double score, span_list *sp) {
    size_t wb[SPAN_MAX_WORDS], wl[SPAN_MAX_WORDS], nw = 0;
    for (size_t i = 0; i < n && nw < SPAN_MAX_WORDS;) {
        while (i < n && !word_byte((unsigned char)ev[i])) i++;
        size_t b = i;
        while (i < n && word_byte((unsigned char)ev[i])) i++;
        if (i > b) wb[nw] = b, wl[nw++] = i - b;
    }
    if (nw == 0 || (nw == 1 && wl[0] < SPAN_MIN_EVIDENCE)) return 0;
    size_t found = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && word_byte((unsigned char)text[i - 1])) continue;
        size_t at = i, k = 0;
        for (; k < nw; k++) {
            if (k > 0) {
                size_t gap = at;
                while (gap < len && !word_byte((unsigned char)text[gap])) gap++;
                if (gap == at) break;
                at = gap;
            }
            if (!starts_with(text, len, at, ev + wb[k], wl[k])) break;
            at += wl[k];
            /* a word before the last must end where the text's word ends */
            if (k + 1 < nw && at < len && word_byte((unsigned char)text[at])) break;
        }
        if (k == nw) {
            span_add(sp, i, at, score);
            found++;
            i = at - 1;
        }
    }
    return found;
}

static void locate(const char *text, size_t len, const char *ev, size_t n, double score,
                   span_list *sp, int depth) {
    while (n && (*ev == ' ' || *ev == '\t')) ev++, n--;
    while (n && (ev[n - 1] == ' ' || ev[n - 1] == '\t')) n--;
    if (n < SPAN_MIN_EVIDENCE) return;
    if (locate_exact(text, len, ev, n, score, sp)) return;
    if (locate_words(text, len, ev, n, score, sp)) return;
    if (depth) return;
    size_t i = 0;
    while (i < n && ev[i] != ',' && ev[i] != ';') i++;
    if (i == n) return; /* no separator: nothing more to try */
    for (i = 0; i < n;) {
        size_t j = i;
        while (j < n && ev[j] != ',' && ev[j] != ';') j++;
        locate(text, len, ev + i, j - i, score, sp, 1);
        i = j + 1;
    }
}

void span_locate(const char *text, size_t len, const char *evidence, size_t n,
                     double score, span_list *out) {
    if (!text || !evidence) return;
    locate(text, len, evidence, n, score, out, 0);
}

static int span_cmp(const void *a, const void *b) {
    const span_item *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

void span_sort(span_list *sp) { qsort(sp->s, sp->n, sizeof sp->s[0], span_cmp); }

size_t span_code_points(const char *text, size_t at) {
    size_t n = 0;
    for (size_t i = 0; i < at; i++) n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}
