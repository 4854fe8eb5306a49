/* normalize.h - comment text normalisation: raw bytes -> canonical UTF-8.
 *
 * normalize owns the steps that turn a posted comment into the one text all
 * detectors read: UTF-8 validation, HTML tag stripping (keeping link
 * targets), entity decoding, NFKC + case folding, removal of invisible
 * characters, folding of Cyrillic/Greek look-alikes to Latin and whitespace
 * collapsing. It also measures what only the original shows (capitals,
 * punctuation runs, emoji). It never stems, tokenises or scores.
 */
#ifndef MODQ_NORMALIZE_H
#define MODQ_NORMALIZE_H

#include <stddef.h>

#include "engine.h"

/* Facts about the original text that normalisation erases. */
typedef struct normalize_stats {
    size_t letters;       /* letters in the original (after tag stripping) */
    size_t upper;         /* of which upper/title case */
    size_t max_punct_run; /* longest run of one of "!?" */
    size_t emoji;         /* pictographic symbols */
    size_t chars;         /* code points in the original */
    size_t markup_links;  /* <a href=...> anchors and [url] BBCode tags */
    size_t image_links;   /* anchors around an <img>: not counted above,
                             their target is not kept in the text */
    size_t styled;        /* code points written in a compatibility style
                             (full-width, mathematical fonts, circled,
                             squared): NFKC reads them as plain letters,
                             digits and marks, which is why they are used */
} normalize_stats;

/* Normalise len bytes of in. Returns 0 and *out (a new NUL-terminated
 * string, caller frees with free()), its length in *out_len and the stats in
 * *st; or -1 with err filled: ENGINE_E_INVALID_UTF8 (field "text") when in is
 * not valid UTF-8, ENGINE_E_NOMEM when out of memory. */
int normalize_text(const char *in, size_t len, char **out, size_t *out_len,
                   normalize_stats *st, engine_error *err);

/* Latin replacement for a (case-folded) Cyrillic/Greek look-alike code
 * point, or 0 when cp is not a known homoglyph. */
int normalize_homoglyph(int cp);

#endif
