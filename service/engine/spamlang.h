/* spamlang.h - spam wording: phrases, banned/suspect words, shouting.
 *
 * spamlang owns the built-in phrase lists (self-promotion, money and scam
 * wording, generic praise), the site's banned and suspect word lists from
 * the config, and the shouting signal (capitals, "!!!!" and emoji floods
 * measured on the original text). Phrases match whole normalised words, so
 * "subscribe" never matches inside "unsubscribed".
 */
#ifndef MODQ_SPAMLANG_H
#define MODQ_SPAMLANG_H

#include <stddef.h>

#include "engine.h"
#include "normalize.h"
#include "score.h"
#include "tokenize.h"

/* Words per phrase: "earn # dollars a day from home" is 7. */
#define SPAMLANG_MAX_PHRASE_WORDS 8

typedef struct spamlang spamlang;

/* Compiles the built-in phrases and cfg's banned/suspect lists (copied).
 * Returns new (free with spamlang_free; NULL is a no-op) or NULL when out of
 * memory. */
spamlang *spamlang_new(const engine_config *cfg);
void spamlang_free(spamlang *s);

typedef struct spamlang_result {
    score_signal language; /* spam_language */
    score_signal banned;   /* banned_word */
    score_signal suspect;  /* suspect_word */
    int generic_praise;    /* "great post, thanks" style wording */
    size_t asks;           /* words asking readers to act: please, vote,
                              donate, share, join, download, visit... */
} spamlang_result;

/* Matches the phrases in the words of l (normalised text norm). */
void spamlang_check(const spamlang *s, const tokenize_list *l,
                    const char *norm, spamlang_result *out);

/* shouting: capitals ratio, punctuation runs and emoji floods. */
void spamlang_shouting(const normalize_stats *st, score_signal *out);

#endif
