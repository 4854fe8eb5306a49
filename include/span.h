/* span.h - where a flag's quoted evidence occurs in the original text.
 *
 * The engine quotes evidence from its normalised text (case folded, tags
 * stripped, spaces collapsed, cut short); protocols that report offsets
 * (Perspective's spanScores) need them in the text as posted. The rule is
 * the review page's (web/review/review.js, locate): the quote ignoring
 * ASCII case, else its words in a row with anything but letters and digits
 * between them (starting on a word boundary; the last word may be cut),
 * else each comma- or semicolon-separated part the same way. Pure: no
 * allocation, no I/O. Bytes >= 0x80 count as letters; non-ASCII case is
 * not folded.
 */
#ifndef MODQ_SPAN_H
#define MODQ_SPAN_H

#include <stddef.h>

#define SPANS_MAX 32 /* per answer: plenty for one comment's evidence */

typedef struct span_item {
    size_t begin, end; /* byte offsets into the text, end exclusive */
    double score;
} span_item;

/* A small set of spans; a range is kept once (with its largest score).
 * Beyond SPANS_MAX further ranges are dropped. */
typedef struct span_list {
    span_item s[SPANS_MAX];
    size_t n;
} span_list;

/* Add every place the n bytes of evidence occur in the len bytes of text
 * to out, each with score. Nothing is added when evidence is shorter than
 * two bytes or is not found. */
void span_locate(const char *text, size_t len, const char *evidence, size_t n,
                     double score, span_list *out);

/* Keep [begin, end) with score (the larger score when the range is in). */
void span_add(span_list *sp, size_t begin, size_t end, double score);

/* Order by begin, then end. */
void span_sort(span_list *sp);

/* Code points of UTF-8 text before byte offset at. */
size_t span_code_points(const char *text, size_t at);

#endif
