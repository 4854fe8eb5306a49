/* measure.c - the measure stage: per-comment measurements detectors share.
 *
 * Owns the answer-shape cues (numbers, laughter and emoticons, questions)
 * and the order of the shared measurements: cues, then relevance (which
 * reads the cues), then spam wording, then the link detectors' input
 * (which reads both). Pure: reads the analysis, writes its
 * measurement fields, allocates nothing.
 */
#include "measure.h"

#include <string.h>

/* Nonzero when one of the 8 bytes of v is '?', ':', ';' or '=' (exact).
 * The four lie in 0x3a..0x3f: bytes in that range first (most 8 bytes of
 * text have none), then the four themselves. */
static uint64_t cue8(uint64_t v) {
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t low7 = v & ~high;
    /* ASCII bytes >= 0x3a set bit 7 of the first sum, > 0x3f of the second */
    if (!((low7 + ones * (0x80 - 0x3a)) & ~(low7 + ones * (0x7f - 0x3f)) & ~v & high))
        return 0;
    uint64_t xq = v ^ (ones * '?'), xc = v ^ (ones * ':'), xs = v ^ (ones * ';'),
             xe = v ^ (ones * '=');
    return (~(((xq & ~high) + ~high) | xq) | ~(((xc & ~high) + ~high) | xc) |
            ~(((xs & ~high) + ~high) | xs) | ~(((xe & ~high) + ~high) | xe)) &
           high;
}

/* Counts the answer-shape cues of relevance.h in tokens l of text norm. */
static void answer_cues(const tokenize_list *l, const char *norm, size_t n,
                        relevance_cues *q) {
    static const char *const faces[] = {":)", ":-)", ";)", ";-)", ":p",
                                        ":-p", ":d", ":-d", "=)", ":o)"};
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        if (t->type == TOKENIZE_NUMBER || t->type == TOKENIZE_PHONE) {
            q->numbers++;
        } else if (t->type == TOKENIZE_WORD) {
            const char *w = tokenize_text(l, t);
            if (w[0] != 'l' && w[0] != 'r' && w[0] != 'x' && w[0] != 'h')
                continue; /* cheap filter: most words start otherwise */
            if (strcmp(w, "lol") == 0 || strcmp(w, "lmao") == 0 ||
                strcmp(w, "rofl") == 0 || strcmp(w, "xd") == 0 ||
                strncmp(w, "haha", 4) == 0 || strncmp(w, "hehe", 4) == 0)
                q->chat++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (uint64_t v; i + 8 <= n; i += 8) { /* 8 bytes without a cue */
            memcpy(&v, norm + i, 8);
            if (cue8(v))
                break;
        }
        if (i >= n)
            break;
        if (norm[i] == '?') {
            q->questions++;
            continue;
        }
        if (norm[i] != ':' && norm[i] != ';' && norm[i] != '=')
            continue;
        for (size_t k = 0; k < sizeof faces / sizeof *faces; k++) {
            size_t fl = strlen(faces[k]);
            if (fl <= n - i && memcmp(norm + i, faces[k], fl) == 0) {
                q->chat++;
                break;
            }
        }
    }
}

void measure_comment(detector_analysis *a, relevance_input *ri,
                     const spamlang *sl) {
    const engine_features *f = a->features;
    answer_cues(a->tokens, f->normalized, f->normalized_len, &a->cues);
    ri->cues = &a->cues;
    relevance_measure(ri, &a->rr);
    spamlang_check(sl, a->tokens, f->normalized, &a->sl);
    const engine_article *art = a->ctx->article;
    a->links = (links_input){.tokens = a->tokens,
                             .norm_len = f->normalized_len,
                             .stats = a->stats,
                             .comment = a->comment,
                             .cfg = a->cfg,
                             .generic_praise = a->sl.generic_praise,
                             .article_url = art ? art->url : NULL,
                             .relevance = a->article ? a->rr.similarity : -1,
                             .article_similarity = a->article ? a->rr.article : -1,
                             .asks = a->sl.asks};
}
