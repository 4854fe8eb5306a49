/* unit_text.h - test helper: normalise + tokenise a string in one call.
 *
 * Shared by the detector unit tests; owns nothing but the helper. The list
 * is cleared first; the normalised text is returned (caller frees).
 */
#ifndef MODQ_UNIT_TEXT_H
#define MODQ_UNIT_TEXT_H

#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tokenize.h"

static inline char *unit_text(tokenizer *tk, const char *s, tokenize_list *l,
                              normalize_stats *st) {
    char *out = NULL;
    size_t n = 0;
    normalize_stats dummy;
    tokenize_list_clear(l);
    if (normalize_text(s, strlen(s), &out, &n, st ? st : &dummy, NULL) < 0)
        return NULL;
    if (tokenize_run(tk, out, n, l) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

#endif
