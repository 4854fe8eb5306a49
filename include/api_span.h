/* api_span.h - where a flag's quoted evidence occurs in the original text.
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
#ifndef MODQ_API_SPAN_H
#define MODQ_API_SPAN_H

#include <stddef.h>

#define API_SPANS_MAX 32 /* per answer: plenty for one comment's evidence */

typedef struct api_span {
    size_t begin, end; /* byte offsets into the text, end exclusive */
    double score;
} api_span;

/* A small set of spans; a range is kept once (with its largest score).
 * Beyond API_SPANS_MAX further ranges are dropped. */
typedef struct api_spans {
    api_span s[API_SPANS_MAX];
    size_t n;
} api_spans;

/* Add every place the n bytes of evidence occur in the len bytes of text
 * to out, each with score. Nothing is added when evidence is shorter than
 * two bytes or is not found. */
void api_span_locate(const char *text, size_t len, const char *evidence, size_t n,
                     double score, api_spans *out);

/* Keep [begin, end) with score (the larger score when the range is in). */
void api_span_add(api_spans *sp, size_t begin, size_t end, double score);

/* Order by begin, then end. */
void api_span_sort(api_spans *sp);

/* Code points of UTF-8 text before byte offset at. */
size_t api_span_code_points(const char *text, size_t at);

#endif
