/* links.h - link spam and contact details.
 *
 * links owns the two "go elsewhere" detectors: link_spam (how many links,
 * how much of the text they are, shorteners, the site's allow/block lists,
 * HTML/BBCode anchors, an author URL paired with generic praise) and
 * contact_info (phone numbers, e-mail addresses, messenger mentions).
 */
#ifndef MODQ_LINKS_H
#define MODQ_LINKS_H

#include <stddef.h>

#include "engine.h"
#include "normalize.h"
#include "score.h"
#include "tokenize.h"

typedef struct links_input {
    const tokenize_list *tokens;
    size_t norm_len;             /* bytes of normalised text */
    const normalize_stats *stats;
    const engine_comment *comment;
    const engine_config *cfg;
    int generic_praise;          /* from spamlang_check() */
    const char *article_url;     /* links to it are not promotion; or NULL */
    double relevance;            /* similarity to article/thread, -1 unknown */
    double article_similarity;   /* to the article alone, -1 unknown */
    size_t asks;                 /* pleas to act, from spamlang_check() */
} links_input;

/* Comments shorter than this (words) are "short" for link and contact
 * evidence: a drive-by rather than an answer. */
#define LINKS_SHORT_WORDS 25

/* 1 when host equals an entry of list or is a subdomain of one. */
int links_domain_in(const char *host, const char *const *list);

/* 1 when url points at the article itself: it contains the article URL's
 * identifying run (its longest [A-Za-z0-9_-] run after the host, at least
 * 6 characters: a video id, a slug), case-insensitively, so
 * youtu.be/<id> and watch?v=<id>&t=1m2s both match watch?v=<id>. 0 when
 * article_url is NULL or has no such run. */
int links_is_article(const char *url, const char *article_url);

/* 1 when host is a known URL shortener. */
int links_is_shortener(const char *host);

void links_spam(const links_input *in, score_signal *out);
void links_contact(const links_input *in, score_signal *out);

#endif
