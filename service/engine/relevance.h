/* relevance.h - is a comment about its article or its thread?
 *
 * relevance owns weighted stem vectors (TF with title/tag boosts), the IDF
 * that mixes site document frequencies with the background table (bgidf),
 * the similarity of a comment to its article and to the approved comments of
 * its thread, and the off_topic / low_content signals derived from it.
 */
#ifndef MODQ_RELEVANCE_H
#define MODQ_RELEVANCE_H

#include <stddef.h>
#include <stdint.h>

#include "score.h"
#include "tokenize.h"

/* Title words say what an article is about more than body words do. */
#define RELEVANCE_TITLE_WEIGHT 3.0
#define RELEVANCE_TAG_WEIGHT 2.0
/* Fewer distinct content stems than this: too short to judge a topic. */
#define RELEVANCE_MIN_CONTENT 4
/* Thread texts compared per comment: bounds the cost of busy threads. */
#define RELEVANCE_MAX_THREAD 64

/* Distinct stems with a term frequency, in first-seen order. Zero-
 * initialise; release with relevance_vec_free(). Stem strings are borrowed
 * from the token lists added (keep them alive as long as the vector). */
typedef struct relevance_vec {
    uint64_t *key;     /* open addressing on stem hash (cap slots) */
    uint32_t *slot_of; /* slot -> 1 + entry index, 0 = empty */
    size_t cap;
    double *tf;        /* per entry, in first-seen order */
    const char **stem;
    uint64_t *hash;
    double *bg;        /* per entry: bgidf_idf(stem), by _finish() */
    size_t n, ncap;
    double norm_bg;    /* |tf * bgidf| over all entries, by _finish() */
} relevance_vec;

/* Background IDF by stem hash, direct-mapped: bgidf_idf() is a binary
 * search over 20,000 strings; comments reuse a small vocabulary. Owned by
 * the caller (one per thread), zero-initialised. A power of two. */
#define RELEVANCE_IDF_CACHE 4096
typedef struct relevance_idf_cache {
    uint64_t key[RELEVANCE_IDF_CACHE]; /* stem hash, 0 = empty */
    double idf[RELEVANCE_IDF_CACHE];
} relevance_idf_cache;

/* Adds the content stems of l with weight w. 0, or -1 out of memory. */
int relevance_vec_add(relevance_vec *v, const tokenize_list *l, double w);
/* Computes bg and norm_bg. Call once after the last add. Returns 0, or -1
 * when out of memory (the vector then counts as empty). */
int relevance_vec_finish(relevance_vec *v);
/* Same, looking background IDFs up in cache first (NULL: no cache). */
int relevance_vec_finish_cached(relevance_vec *v, relevance_idf_cache *cache);
/* Entry index of a stem hash, or -1. */
long relevance_vec_find(const relevance_vec *v, uint64_t h);
void relevance_vec_free(relevance_vec *v); /* frees buffers, not v */

/* A read-only copy of a finished vector in one allocation, holding what a
 * comparison reads of its target (relevance_measure compares the comment
 * against article and thread vectors, reading their entries: hash, tf, bg,
 * n, norm_bg): no stems, so it needs no token list, and no hash table, so
 * relevance_vec_find on it finds nothing (it is never the comment's side).
 * Entries keep v's order. Returns new (release with
 * relevance_vec_packed_free, never relevance_vec_free), or NULL when out of
 * memory; *bytes (may be NULL) gets the allocation's size. */
relevance_vec *relevance_vec_pack_new(const relevance_vec *v, size_t *bytes);
/* The same with tail more bytes after the vector, for the caller's data
 * (relevance_vec_packed_tail; 8-byte aligned), counted in *bytes. */
relevance_vec *relevance_vec_pack_tail_new(const relevance_vec *v, size_t tail,
                                           size_t *bytes);
void *relevance_vec_packed_tail(const relevance_vec *p);
void relevance_vec_packed_free(relevance_vec *p); /* NULL is a no-op */

/* The shape of an answer, counted by the caller on the comment's tokens
 * and normalised text (see relevance_measure for the weights). */
typedef struct relevance_cues {
    size_t numbers;   /* number tokens: prices, times, counts */
    size_t chat;      /* laughter words and emoticons ("lol", ":)") */
    size_t questions; /* '?' characters: asking back instead of answering */
} relevance_cues;

/* The cue part of the relevance evidence: 0.1 per number (max 3), -0.3 per
 * chat marker (max 2), -0.2 per question mark (max 2); 0 for NULL. */
double relevance_cue_score(const relevance_cues *q);

typedef struct relevance_input {
    const relevance_vec *comment;   /* finished */
    const relevance_vec *article;   /* finished, or NULL */
    const uint32_t *site_df;        /* aligned with comment entries, or NULL */
    size_t nsite_df;
    uint32_t site_ndocs;
    const relevance_vec *thread;    /* finished thread texts */
    size_t nthread;
    const relevance_cues *cues;     /* or NULL */
} relevance_input;

typedef struct relevance_result {
    double relevance;     /* evidence estimate in (0,1); -1 no article */
    double similarity;    /* max(article, thread) */
    double article;       /* similarity to the article */
    double thread;        /* best similarity to a thread comment */
    double fresh;         /* best coverage by >= 2 stems shared with one
                             thread comment and absent from the article */
    double evidence;      /* BM25 evidence shared with the article */
    size_t content;       /* distinct content stems of the comment */
    double known;         /* share of them known to the background table */
    char matched[160];    /* best shared stems, ", "-separated */
} relevance_result;

/* Measures the comment against article and thread. Never fails. */
void relevance_measure(const relevance_input *in, relevance_result *out);

/* off_topic signal: fires only with an article, enough content stems, text
 * that looks like the article's language and low similarity to the article
 * (r->article, a proportion of the comment's weighted vocabulary, not the
 * evidence estimate); reply (1: the comment answers another one: a parent,
 * a mention, a quote) lets the best thread match (r->thread) stand in for
 * the article, and words picked up from a thread comment that the article
 * lacks (r->fresh) do for any comment. Reaches pending alone for a clear miss: >= 8 content stems
 * under an article of >= 40 stems (article_terms: its distinct stems). */
void relevance_off_topic(const relevance_result *r, size_t article_terms,
                         int reply, score_signal *out);

/* low_content signal: weak by design (never pending alone). */
void relevance_low_content(const relevance_result *r, size_t nwords,
                           score_signal *out);

#endif
